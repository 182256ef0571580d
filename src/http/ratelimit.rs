//! The client-side rate limiter of one app: requests per second and requests in flight.
//!
//! Requests are spaced evenly (one slot every 1/rps seconds, no bursts). Slots are scheduled from
//! the previous slot, not from the moment a waiter woke up, so timer lateness (about a
//! millisecond per wake-up) does not add up and slow the app below its limit; a waiter that woke
//! late may catch up by at most one interval. A log of the last second's grants guarantees the
//! configured limit over any one-second window whatever the timing. After a 429 without a usable
//! `Retry-After` the spacing doubles (down to a floor of a tenth of the configured rate); it
//! recovers by a quarter after every 10 requests that went through.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Mutex, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

#[derive(Debug)]
struct State {
    next_slot: Instant,
    interval: Duration,
    successes_since_throttle: u32,
    /// When the grants of the last second were made.
    recent: VecDeque<Instant>,
}

/// Grants are at least this much more than a second apart from the grant `limit` places before
/// them, so that network jitter cannot put `limit + 1` requests into a server's one-second window.
const WINDOW: Duration = Duration::from_millis(1005);

/// After a slow-down, the spacing shrinks by this factor after every `RECOVERY_EVERY` requests
/// that went through: from the floor (a tenth of the rate) back to the full rate in ~80 requests.
const RECOVERY_EVERY: u32 = 10;
const RECOVERY_FACTOR: f64 = 0.75;

/// Shared by every request of one app.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    state: Arc<Mutex<State>>,
    base_interval: Duration,
    slowest_interval: Duration,
    in_flight: Arc<Semaphore>,
    pub requests_per_second: f64,
    pub concurrency: usize,
}

/// A granted slot; the request counts as in flight until this is dropped.
pub struct Permit {
    _permit: OwnedSemaphorePermit,
}

impl RateLimiter {
    pub fn new(requests_per_second: f64, concurrency: usize) -> RateLimiter {
        let rps = if requests_per_second.is_finite() && requests_per_second > 0.0 { requests_per_second } else { 1.0 };
        // A hair slower than asked, so that network jitter cannot push a window over the limit.
        let base_interval = Duration::from_secs_f64(1.01 / rps);
        RateLimiter {
            state: Arc::new(Mutex::new(State {
                next_slot: Instant::now(),
                interval: base_interval,
                successes_since_throttle: 0,
                recent: VecDeque::new(),
            })),
            base_interval,
            slowest_interval: base_interval * 10,
            in_flight: Arc::new(Semaphore::new(concurrency.max(1))),
            requests_per_second: rps,
            concurrency: concurrency.max(1),
        }
    }

    /// How many grants one second may hold at the current spacing.
    fn per_second(&self, interval: Duration) -> usize {
        let rate = if interval <= self.base_interval { self.requests_per_second } else { 1.0 / interval.as_secs_f64() };
        (rate.floor() as usize).max(1)
    }

    /// Waits for a slot and a place among the requests in flight. The slot after this one is
    /// scheduled from this slot (a late wake-up catches up, by at most one interval), and no
    /// second ever holds more grants than the configured rate.
    pub async fn acquire(&self) -> Permit {
        let permit = self.in_flight.clone().acquire_owned().await.expect("the semaphore is never closed");
        loop {
            let wait_until = {
                let mut s = self.state.lock().await;
                let now = Instant::now();
                let limit = self.per_second(s.interval);
                while s.recent.len() > limit {
                    s.recent.pop_front();
                }
                let window_free = s.recent.len() < limit || s.recent.front().is_some_and(|first| now >= *first + WINDOW);
                if s.next_slot <= now && window_free {
                    let base = s.next_slot.max(now.checked_sub(s.interval).unwrap_or(now));
                    s.next_slot = base + s.interval;
                    s.recent.push_back(now);
                    if s.recent.len() > limit {
                        s.recent.pop_front();
                    }
                    return Permit { _permit: permit };
                }
                match s.recent.front() {
                    Some(first) if !window_free => s.next_slot.max(*first + WINDOW),
                    _ => s.next_slot,
                }
            };
            tokio::time::sleep_until(wait_until).await;
        }
    }

    /// The server said 429: slow down.
    pub async fn throttled(&self) {
        let mut s = self.state.lock().await;
        s.interval = (s.interval * 2).min(self.slowest_interval);
        s.successes_since_throttle = 0;
    }

    /// A request went through: recover towards the configured rate.
    pub async fn succeeded(&self) {
        let mut s = self.state.lock().await;
        if s.interval > self.base_interval {
            s.successes_since_throttle += 1;
            if s.successes_since_throttle >= RECOVERY_EVERY {
                s.interval = s.interval.mul_f64(RECOVERY_FACTOR).max(self.base_interval);
                s.successes_since_throttle = 0;
            }
        }
    }

    /// The current spacing between requests.
    pub async fn interval(&self) -> Duration {
        self.state.lock().await.interval
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn spaces_requests_at_the_configured_rate() {
        let limiter = RateLimiter::new(10.0, 4);
        let start = Instant::now();
        for _ in 0..21 {
            drop(limiter.acquire().await);
        }
        let elapsed = start.elapsed();
        assert!(elapsed >= Duration::from_millis(2000) && elapsed < Duration::from_millis(2100), "{elapsed:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn slows_down_after_a_429_and_recovers() {
        let limiter = RateLimiter::new(10.0, 1);
        limiter.throttled().await;
        assert_eq!(limiter.interval().await, Duration::from_micros(202_000));
        for _ in 0..10 {
            limiter.throttled().await;
        }
        assert_eq!(limiter.interval().await, Duration::from_micros(1_010_000), "floor: a tenth of the rate");
        for _ in 0..1000 {
            limiter.succeeded().await;
        }
        assert_eq!(limiter.interval().await, Duration::from_micros(101_000));
    }

    #[tokio::test(start_paused = true)]
    async fn caps_requests_in_flight() {
        let limiter = RateLimiter::new(1000.0, 2);
        let a = limiter.acquire().await;
        let _b = limiter.acquire().await;
        let third = tokio::time::timeout(Duration::from_millis(50), limiter.acquire()).await;
        assert!(third.is_err(), "a third request waits while two are in flight");
        drop(a);
        assert!(tokio::time::timeout(Duration::from_millis(50), limiter.acquire()).await.is_ok());
    }
}
