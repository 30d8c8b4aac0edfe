//! Optimistic concurrency: re-read and retry a read-modify-write when the row changed under it.
//!
//! Every update names the version it read; a store rejects the batch with `Conflict` when
//! another writer got there first. [`with_retry`] runs the whole read-decide-write closure again
//! (so the decision is made on fresh data) with a short, jittered, growing pause. A conflict on
//! a unique key (an email taken, a name in use) is not retried: it will not go away, and
//! [`unique_violation`] turns it into the caller's validation error.

use crate::error::{Error, Result};
use crate::store::Kind;
use std::future::Future;
use std::time::Duration;

/// How many times a read-modify-write is attempted. Every round of colliding writers has one
/// winner, and the jittered pauses spread the losers out, so even a burst of a few dozen
/// writers on one hot row (the workspace's ticket counter) drains well within this; a
/// livelock still surfaces as an error instead of spinning forever.
pub const MAX_ATTEMPTS: u32 = 64;

/// Whether an error is a unique-key conflict, and on which key.
pub fn unique_violation(err: &Error) -> Option<&str> {
    let Error::Conflict { what } = err else {
        return None;
    };
    Kind::ALL
        .iter()
        .flat_map(|k| k.schema().uniques.iter())
        .find(|u| u.name == what.as_str())
        .map(|u| u.name)
}

/// Whether an error is a version conflict (worth re-reading and retrying).
pub fn is_version_conflict(err: &Error) -> bool {
    err.is_conflict() && unique_violation(err).is_none()
}

/// Turns a conflict on unique key `key` into a validation error on `field`; other errors pass.
pub fn on_unique(err: Error, key: &str, field: &str, message: &str) -> Error {
    if unique_violation(&err) == Some(key) {
        Error::validation(field, message)
    } else {
        err
    }
}

/// Runs `attempt` until it succeeds, fails with something other than a version conflict, or
/// [`MAX_ATTEMPTS`] are used up (then the last conflict is returned).
pub async fn with_retry<T, F, Fut>(mut attempt: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let mut n = 0;
    loop {
        match attempt().await {
            Err(e) if is_version_conflict(&e) && n + 1 < MAX_ATTEMPTS => {
                n += 1;
                tokio::time::sleep(backoff(n)).await;
            }
            other => return other,
        }
    }
}

/// Full jitter over an exponentially growing window: 0.1 ms doubling up to about 50 ms.
fn backoff(attempt: u32) -> Duration {
    use rand::Rng;
    let window_us = 100u64 << attempt.min(9);
    let us = rand::rng().random_range(0..=window_us);
    Duration::from_micros(us)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test]
    async fn retries_version_conflicts_but_not_unique_keys() {
        let calls = AtomicU32::new(0);
        let r: Result<u32> = with_retry(|| async {
            let n = calls.fetch_add(1, Ordering::SeqCst);
            if n < 3 {
                Err(Error::conflict("ticket x changed"))
            } else {
                Ok(n)
            }
        })
        .await;
        assert_eq!(r.expect("succeeds after conflicts"), 3);

        let calls = AtomicU32::new(0);
        let r: Result<()> = with_retry(|| async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(Error::conflict("contact_email"))
        })
        .await;
        assert!(r.is_err());
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "unique conflicts are not retried"
        );
    }
}
