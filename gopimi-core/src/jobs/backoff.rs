//! Exponential backoff with jitter for failed jobs.

use chrono::Duration;
use rand::Rng;

/// How long to wait before attempt `n + 1` after `n` failed attempts: `base * 2^(n-1)`, capped,
/// with up to 20% random jitter added so that jobs failing together do not retry together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Delay after the first failure.
    pub base: Duration,
    /// Longest delay.
    pub cap: Duration,
}

impl Default for Backoff {
    /// 10 s, 20 s, 40 s, ... capped at one hour: about a day of retries over 30 attempts.
    fn default() -> Self {
        Backoff {
            base: Duration::seconds(10),
            cap: Duration::hours(1),
        }
    }
}

impl Backoff {
    /// The delay without jitter after `attempts` failed attempts (1-based).
    pub fn delay(&self, attempts: u32) -> Duration {
        let exp = attempts.saturating_sub(1).min(30);
        let factor = 1i64 << exp;
        let ms = self
            .base
            .num_milliseconds()
            .saturating_mul(factor)
            .min(self.cap.num_milliseconds());
        Duration::milliseconds(ms)
    }

    /// The delay with jitter (0–20% extra).
    pub fn delay_with_jitter(&self, attempts: u32) -> Duration {
        let d = self.delay(attempts);
        let extra = d.num_milliseconds() / 5;
        let jitter = if extra > 0 {
            rand::rng().random_range(0..=extra)
        } else {
            0
        };
        d + Duration::milliseconds(jitter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_then_caps() {
        let b = Backoff::default();
        assert_eq!(b.delay(1), Duration::seconds(10));
        assert_eq!(b.delay(2), Duration::seconds(20));
        assert_eq!(b.delay(4), Duration::seconds(80));
        assert_eq!(b.delay(40), Duration::hours(1));
        let j = b.delay_with_jitter(3);
        assert!(j >= Duration::seconds(40) && j <= Duration::seconds(48));
    }
}
