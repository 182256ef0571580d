//! The client-side rate limiter of one app: requests per second and requests in flight.
//!
//! Requests are spaced evenly (one slot every 1/rps seconds, no bursts). Slots are scheduled from
//! the previous slot, not from the moment a waiter woke up, so timer lateness (about a
//! millisecond per wake-up) does not add up and slow the app below its limit; a waiter that woke
//! late may catch up by at most one interval. A log of the last second's grants guarantees the
//! configured limit over any one-second window whatever the timing. After a 429 without a usable
//! `Retry-After` the spacing doubles (down to a floor of a tenth of the configured rate); it
//! recovers by a quarter after every 10 requests that went through. An optional hourly budget
//! (BeyondTrust's Configuration API: 15,000 requests per hour per API account) is kept the same
//! way: a log of the last hour's grants, and a request that would exceed it waits for the oldest
//! grant to leave the window.
//!
//! A server that says what is left of its own limit (Okta's `X-Rate-Limit-Remaining` and
//! `X-Rate-Limit-Reset`, per endpoint) is listened to before it answers 429: per endpoint
//! (`bucket`), once what is left would not cover the requests that may be in flight, new requests
//! to it wait for the reset.

use std::collections::{HashMap, VecDeque};
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
    /// When the grants of the last hour were made (only with an hourly budget).
    hour: VecDeque<Instant>,
    /// The end of the last wait for the hourly budget that was logged (one line per wait).
    hour_wait_logged: Option<Instant>,
}

/// Grants are at least this much more than a second apart from the grant `limit` places before
/// them, so that network jitter cannot put `limit + 1` requests into a server's one-second window.
const WINDOW: Duration = Duration::from_millis(1005);

/// After a slow-down, the spacing shrinks by this factor after every `RECOVERY_EVERY` requests
/// that went through: from the floor (a tenth of the rate) back to the full rate in ~80 requests.
const RECOVERY_EVERY: u32 = 10;
const RECOVERY_FACTOR: f64 = 0.75;

/// The hourly budget's window, with the same margin for jitter as [`WINDOW`].
const HOUR: Duration = Duration::from_millis(3_600_500);

/// What a server said is left of one endpoint's limit, and when it resets.
#[derive(Debug, Clone, Copy)]
struct Budget {
    remaining: u64,
    reset: Instant,
}

/// Shared by every request of one app.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    state: Arc<Mutex<State>>,
    /// The server's own budgets, per endpoint (see the module doc).
    budgets: Arc<Mutex<HashMap<String, Budget>>>,
    base_interval: Duration,
    slowest_interval: Duration,
    in_flight: Arc<Semaphore>,
    pub requests_per_second: f64,
    pub concurrency: usize,
    /// At most this many requests in any hour, when set.
    pub requests_per_hour: Option<u32>,
    /// Named in the log line of an hourly wait.
    app: String,
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
                hour: VecDeque::new(),
                hour_wait_logged: None,
            })),
            budgets: Arc::new(Mutex::new(HashMap::new())),
            base_interval,
            slowest_interval: base_interval * 10,
            in_flight: Arc::new(Semaphore::new(concurrency.max(1))),
            requests_per_second: rps,
            concurrency: concurrency.max(1),
            requests_per_hour: None,
            app: String::new(),
        }
    }

    /// Adds an hourly budget (`None` or 0: none); `app` names the app when a wait is logged.
    pub fn with_hourly_budget(mut self, requests_per_hour: Option<u32>, app: &str) -> RateLimiter {
        self.requests_per_hour = requests_per_hour.filter(|n| *n > 0);
        self.app = app.to_string();
        self
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
                let hour_budget = self.requests_per_hour.map(|n| n as usize);
                if let Some(budget) = hour_budget {
                    while s.hour.front().is_some_and(|first| now >= *first + HOUR) {
                        s.hour.pop_front();
                    }
                    if s.hour.len() >= budget {
                        let until = s.hour[s.hour.len() - budget] + HOUR;
                        if s.hour_wait_logged != Some(until) {
                            s.hour_wait_logged = Some(until);
                            tracing::info!(
                                "app {}: {budget} requests in the last hour, the API's hourly limit (requests_per_hour); waiting {} s",
                                self.app,
                                (until - now).as_secs()
                            );
                        }
                        drop(s);
                        tokio::time::sleep_until(until).await;
                        continue;
                    }
                }
                if s.next_slot <= now && window_free {
                    let base = s.next_slot.max(now.checked_sub(s.interval).unwrap_or(now));
                    s.next_slot = base + s.interval;
                    s.recent.push_back(now);
                    if s.recent.len() > limit {
                        s.recent.pop_front();
                    }
                    if hour_budget.is_some() {
                        s.hour.push_back(now);
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

    /// Waits while the server's budget of `bucket` would not cover the requests that may be in
    /// flight, until it resets; returns how long it waited.
    pub async fn respect_budget(&self, bucket: &str) -> Duration {
        let wait = {
            let budgets = self.budgets.lock().await;
            match budgets.get(bucket) {
                Some(b) if b.remaining <= self.concurrency as u64 => b.reset.saturating_duration_since(Instant::now()),
                _ => Duration::ZERO,
            }
        };
        if !wait.is_zero() {
            tracing::debug!("{}: {bucket}: the server's limit is nearly spent; waiting {} ms for its reset", self.app, wait.as_millis());
            tokio::time::sleep(wait).await;
            self.budgets.lock().await.remove(bucket);
        }
        wait
    }

    /// What the server said is left of `bucket`'s limit, and when it resets (`reset_in` from now).
    pub async fn observe_budget(&self, bucket: &str, remaining: u64, reset_in: Duration) {
        let reset = Instant::now() + reset_in;
        self.budgets.lock().await.insert(bucket.to_string(), Budget { remaining, reset });
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
    async fn keeps_an_hourly_budget() {
        let limiter = RateLimiter::new(100.0, 4).with_hourly_budget(Some(50), "pra");
        let start = Instant::now();
        let mut grants = Vec::new();
        for _ in 0..120 {
            drop(limiter.acquire().await);
            grants.push(start.elapsed());
        }
        assert!(grants[49] < Duration::from_secs(1), "the first 50 at the per-second rate: {:?}", grants[49]);
        assert!(grants[50] >= Duration::from_secs(3600), "the 51st waits for the hour: {:?}", grants[50]);
        assert!(grants[99] < Duration::from_secs(3602), "then the next 50 at the per-second rate");
        assert!(grants[100] >= Duration::from_secs(7200), "{:?}", grants[100]);
        for (i, t) in grants.iter().enumerate() {
            let in_hour = grants[i..].iter().filter(|u| **u - *t < Duration::from_secs(3600)).count();
            assert!(in_hour <= 50, "{in_hour} grants in the hour after grant {i}");
        }
        let none = RateLimiter::new(1000.0, 1).with_hourly_budget(Some(0), "x");
        assert_eq!(none.requests_per_hour, None, "0 means no budget");
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
