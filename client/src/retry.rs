//! When and how long to wait before trying a request again. Overloaded or briefly unavailable
//! servers answer 429 or 5xx, and leader elections drop connections for a second or two; a job
//! that gives up on the first such answer pages someone for nothing. Retries are bounded (count
//! and delay), jittered so that many clients do not retry in lockstep, and only applied where a
//! repeat cannot do harm.

use std::time::Duration;

/// Bounded exponential backoff with jitter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts including the first; 1 disables retries.
    pub max_attempts: u32,
    /// Delay ceiling of the first retry; doubles on each further retry.
    pub initial_delay: Duration,
    /// Upper bound of any single delay.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            initial_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The delay before retry number `retry` (0 for the first retry): a random duration in
    /// `[ceiling/2, ceiling]` where the ceiling doubles per retry and is capped by `max_delay`.
    /// Keeping half of the ceiling avoids near-zero waits that would hammer a struggling server.
    pub fn delay(&self, retry: u32) -> Duration {
        let ceiling = self
            .initial_delay
            .saturating_mul(1u32.checked_shl(retry.min(30)).unwrap_or(u32::MAX))
            .min(self.max_delay);
        let half = ceiling / 2;
        let spread = ceiling.saturating_sub(half).as_millis();
        let spread = u64::try_from(spread).unwrap_or(u64::MAX);
        half + Duration::from_millis(fastrand::u64(0..=spread))
    }

    /// The delay to use when the server sent `Retry-After: secs`, bounded by `max_delay`.
    pub fn delay_with_hint(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        match retry_after {
            Some(hint) => hint.min(self.max_delay),
            None => self.delay(retry),
        }
    }
}

/// True for statuses worth retrying: rate limited, or a server-side failure that is commonly
/// transient (including 503 while a node is sealed or electing). 501 (not initialised) is not.
pub(crate) fn retryable_status(status: u16) -> bool {
    matches!(status, 429 | 500 | 502 | 503 | 504)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_stay_bounded() {
        let p = RetryPolicy {
            max_attempts: 10,
            initial_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
        };
        for _ in 0..200 {
            let d0 = p.delay(0);
            assert!(d0 >= Duration::from_millis(50) && d0 <= Duration::from_millis(100));
            let d3 = p.delay(3);
            assert!(d3 >= Duration::from_millis(400) && d3 <= Duration::from_millis(800));
            let d20 = p.delay(20);
            assert!(d20 >= Duration::from_millis(500) && d20 <= Duration::from_secs(1));
            assert!(p.delay(u32::MAX) <= Duration::from_secs(1));
        }
    }

    #[test]
    fn jitter_varies() {
        let p = RetryPolicy::default();
        let distinct: std::collections::HashSet<Duration> = (0..50).map(|_| p.delay(4)).collect();
        assert!(distinct.len() > 5);
    }

    #[test]
    fn retry_after_is_capped() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.delay_with_hint(0, Some(Duration::from_secs(3600))),
            p.max_delay
        );
        assert_eq!(
            p.delay_with_hint(0, Some(Duration::from_secs(1))),
            Duration::from_secs(1)
        );
    }

    #[test]
    fn which_statuses_retry() {
        for s in [429, 500, 502, 503, 504] {
            assert!(retryable_status(s), "{s}");
        }
        for s in [200, 204, 400, 401, 403, 404, 405, 412, 501] {
            assert!(!retryable_status(s), "{s}");
        }
    }
}
