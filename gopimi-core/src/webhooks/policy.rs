//! Retry and disabling rules of deliveries.

use super::UrlPolicy;
use crate::jobs::Backoff;
use chrono::{DateTime, Duration, Utc};

/// How deliveries are retried and when an endpoint is given up on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebhookPolicy {
    /// Delay between attempts of one delivery (exponential, with jitter).
    pub backoff: Backoff,
    /// Attempts of one delivery before it is marked failed.
    pub max_attempts: u32,
    /// An endpoint is disabled once it has failed this many attempts in a row...
    pub disable_after_failures: u32,
    /// ...over at least this long (a success in between starts over).
    pub disable_after: Duration,
    /// Where requests may go.
    pub urls: UrlPolicy,
}

impl Default for WebhookPolicy {
    /// 10 s, 20 s, 40 s, ... capped at 4 h, 16 attempts: the last one about 22 hours after the
    /// first, so a delivery is retried for about a day. An endpoint failing every attempt for a
    /// day is disabled.
    fn default() -> Self {
        WebhookPolicy {
            backoff: Backoff {
                base: Duration::seconds(10),
                cap: Duration::hours(4),
            },
            max_attempts: 16,
            disable_after_failures: 16,
            disable_after: Duration::hours(24),
            urls: UrlPolicy::default(),
        }
    }
}

impl WebhookPolicy {
    /// When the next attempt of a delivery that has failed `attempts` times is due, or `None`
    /// when it should be given up.
    pub fn next_attempt(&self, attempts: u32, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        (attempts < self.max_attempts).then(|| now + self.backoff.delay_with_jitter(attempts))
    }

    /// Whether an endpoint with this run of failures should be disabled.
    pub fn should_disable(
        &self,
        consecutive_failures: u32,
        failing_since: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> bool {
        consecutive_failures >= self.disable_after_failures
            && failing_since.is_some_and(|since| now - since >= self.disable_after)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_last_about_a_day() {
        let p = WebhookPolicy::default();
        let total: i64 = (1..p.max_attempts)
            .map(|n| p.backoff.delay(n).num_seconds())
            .sum();
        assert!((18 * 3600..30 * 3600).contains(&total), "{total} s");
        let now = chrono::Utc::now();
        assert!(p.next_attempt(p.max_attempts, now).is_none());
        assert!(p.next_attempt(1, now).is_some_and(|t| t > now));
        assert!(!p.should_disable(16, Some(now - Duration::hours(2)), now));
        assert!(p.should_disable(16, Some(now - Duration::hours(25)), now));
    }
}
