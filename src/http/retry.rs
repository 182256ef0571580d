//! When to retry a request and how long to wait: a policy object, not a loop in each collector.
//!
//! Retried: 429, 500, 502, 503, 504, connection errors, timeouts and bodies cut short, and 409 (no
//! conflict is possible on a GET: Jira answers 409 when a request "takes longer than 10 seconds or
//! is interrupted"). Not retried: 400, 401 (the auth provider refreshes once, elsewhere), 403, 404
//! and everything else.
//! Waits are exponential with full jitter, at least what `Retry-After` asks for (seconds, an HTTP
//! date, or `0`, which is clamped to a minimum because servers that send it still mean "later"),
//! each wait capped, attempts capped, and the total time spent waiting per app capped: a zero or
//! missing setting never means "unlimited".

use std::time::Duration;

use chrono::{DateTime, Utc};

/// Statuses worth another attempt.
pub fn is_retriable_status(status: u16) -> bool {
    matches!(status, 409 | 429 | 500 | 502 | 503 | 504)
}

/// A parsed `Retry-After` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfter {
    Delay(Duration),
    /// The header was present but unreadable.
    Invalid,
}

/// Reads `Retry-After` as delta-seconds (`120`, `0`, `1.5`) or an HTTP date
/// (`Wed, 21 Oct 2015 07:28:00 GMT`), relative to `now`. Dates in the past mean "now".
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> RetryAfter {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return RetryAfter::Delay(Duration::from_secs(secs));
    }
    if let Ok(secs) = v.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return RetryAfter::Delay(Duration::from_secs_f64(secs.min(86_400.0)));
        }
    }
    if let Ok(date) = DateTime::parse_from_rfc2822(v) {
        let delta = date.with_timezone(&Utc) - now;
        return RetryAfter::Delay(delta.to_std().unwrap_or(Duration::ZERO));
    }
    RetryAfter::Invalid
}

/// Bounds on retrying, per app.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts per request, the first included (at least 1).
    pub max_attempts: u32,
    /// First backoff step; doubles per attempt.
    pub base_delay: Duration,
    /// Longest single wait, `Retry-After` included.
    pub max_delay: Duration,
    /// Shortest wait after a 429 even when `Retry-After: 0` says otherwise.
    pub min_throttle_delay: Duration,
    /// Total waiting allowed for one app before giving up on it.
    pub max_total_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 6,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(60),
            min_throttle_delay: Duration::from_secs(1),
            max_total_wait: Duration::from_secs(15 * 60),
        }
    }
}

impl RetryPolicy {
    /// The wait before attempt `attempt + 1` (attempt counts from 1), given the server's
    /// `Retry-After` if any and whether the response was a 429. `jitter` is in [0, 1).
    pub fn delay(&self, attempt: u32, retry_after: Option<RetryAfter>, throttled: bool, jitter: f64) -> Duration {
        let exp = self.base_delay.saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
        let backoff = exp.min(self.max_delay).mul_f64(jitter.clamp(0.0, 1.0));
        let floor = if throttled { self.min_throttle_delay } else { Duration::ZERO };
        let wanted = match retry_after {
            Some(RetryAfter::Delay(d)) => d.max(floor).max(backoff),
            _ => backoff.max(floor).max(if throttled { exp.min(self.max_delay) / 2 } else { Duration::ZERO }),
        };
        wanted.min(self.max_delay)
    }

    pub fn attempts(&self) -> u32 {
        self.max_attempts.max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2015, 10, 21, 7, 27, 0).unwrap()
    }

    #[test]
    fn retry_after_in_every_form() {
        assert_eq!(parse_retry_after("120", now()), RetryAfter::Delay(Duration::from_secs(120)));
        assert_eq!(parse_retry_after("0", now()), RetryAfter::Delay(Duration::ZERO));
        assert_eq!(parse_retry_after("1.5", now()), RetryAfter::Delay(Duration::from_millis(1500)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now()), RetryAfter::Delay(Duration::from_secs(60)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now()), RetryAfter::Delay(Duration::ZERO), "past date");
        assert_eq!(parse_retry_after("soon", now()), RetryAfter::Invalid);
        assert_eq!(parse_retry_after("-5", now()), RetryAfter::Invalid);
    }

    #[test]
    fn zero_retry_after_on_429_still_waits_the_minimum() {
        let p = RetryPolicy::default();
        let d = p.delay(1, Some(RetryAfter::Delay(Duration::ZERO)), true, 0.0);
        assert_eq!(d, p.min_throttle_delay);
    }

    #[test]
    fn retry_after_is_honoured_and_capped() {
        let p = RetryPolicy::default();
        assert_eq!(p.delay(1, Some(RetryAfter::Delay(Duration::from_secs(7))), true, 0.0), Duration::from_secs(7));
        assert_eq!(p.delay(1, Some(RetryAfter::Delay(Duration::from_secs(7200))), true, 0.5), p.max_delay);
    }

    #[test]
    fn backoff_grows_with_attempts_and_never_exceeds_the_cap() {
        let p = RetryPolicy::default();
        let a = p.delay(1, None, false, 0.999);
        let b = p.delay(4, None, false, 0.999);
        assert!(b > a, "{a:?} {b:?}");
        for attempt in 1..40 {
            assert!(p.delay(attempt, None, true, 0.999) <= p.max_delay);
        }
        assert!(p.delay(3, None, true, 0.0) >= p.min_throttle_delay, "a 429 without Retry-After still backs off");
    }

    #[test]
    fn statuses() {
        for s in [409, 429, 500, 502, 503, 504] {
            assert!(is_retriable_status(s));
        }
        for s in [200, 400, 401, 403, 404, 501] {
            assert!(!is_retriable_status(s));
        }
    }
}
