//! Rate limits: a small port and the in-process default.
//!
//! The server asks a [`RateLimiter`] whether one more request under a key (a token, or a client
//! address on `/auth/*`) fits a per-minute budget. The in-process [`MemoryRateLimiter`] keeps a
//! fixed one-minute window per key; several server processes behind one load balancer would each
//! count on their own, so a deployment that needs one budget across processes implements the
//! trait over a shared store (Redis, the database) and passes it to the router.
//!
//! Why a fixed window rather than a token bucket: the headers the contract promises
//! (`RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset`) describe exactly a window, and a
//! shared-store implementation of it is one atomic increment with an expiry.

use async_trait::async_trait;
use axum::http::{HeaderMap, HeaderValue};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The answer to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateDecision {
    /// Whether the request may go ahead.
    pub allowed: bool,
    /// The budget per window.
    pub limit: u32,
    /// Requests left in this window after this one.
    pub remaining: u32,
    /// Seconds until the window resets (at least 1).
    pub reset_secs: u64,
}

impl RateDecision {
    /// Writes the `RateLimit-*` headers (and `Retry-After` when refused).
    pub fn write_headers(&self, headers: &mut HeaderMap) {
        headers.insert("ratelimit-limit", HeaderValue::from(self.limit));
        headers.insert("ratelimit-remaining", HeaderValue::from(self.remaining));
        headers.insert("ratelimit-reset", HeaderValue::from(self.reset_secs));
        if !self.allowed {
            headers.insert(
                axum::http::header::RETRY_AFTER,
                HeaderValue::from(self.reset_secs),
            );
        }
    }
}

/// Counts requests per key.
#[async_trait]
pub trait RateLimiter: Send + Sync + 'static {
    /// Counts one request under `key` against `limit` per `window`.
    async fn hit(&self, key: &str, limit: u32, window: Duration) -> RateDecision;
}

/// In-process fixed windows.
#[derive(Debug, Default)]
pub struct MemoryRateLimiter {
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

impl MemoryRateLimiter {
    /// An empty limiter.
    pub fn new() -> Self {
        Self::default()
    }
}

/// Past this many keys, expired windows are dropped on the next hit so memory stays bounded by
/// the number of active clients.
const PRUNE_AT: usize = 10_000;

#[async_trait]
impl RateLimiter for MemoryRateLimiter {
    async fn hit(&self, key: &str, limit: u32, window: Duration) -> RateDecision {
        let now = Instant::now();
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if windows.len() > PRUNE_AT {
            windows.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let entry = windows.entry(key.to_owned()).or_insert((now, 0));
        if now.duration_since(entry.0) >= window {
            *entry = (now, 0);
        }
        let reset = window.saturating_sub(now.duration_since(entry.0));
        let reset_secs = reset.as_secs() + u64::from(reset.subsec_nanos() > 0);
        let allowed = entry.1 < limit;
        if allowed {
            entry.1 += 1;
        }
        RateDecision {
            allowed,
            limit,
            remaining: limit.saturating_sub(entry.1),
            reset_secs: reset_secs.max(1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn refuses_past_the_budget_and_keys_are_separate() {
        let l = MemoryRateLimiter::new();
        let w = Duration::from_secs(60);
        for i in 0..3 {
            let d = l.hit("a", 3, w).await;
            assert!(d.allowed);
            assert_eq!(d.remaining, 2 - i);
        }
        let d = l.hit("a", 3, w).await;
        assert!(!d.allowed);
        assert!(d.reset_secs >= 1 && d.reset_secs <= 60);
        assert!(l.hit("b", 3, w).await.allowed);
    }

    #[tokio::test]
    async fn a_new_window_starts_fresh() {
        let l = MemoryRateLimiter::new();
        let w = Duration::from_millis(30);
        assert!(l.hit("a", 1, w).await.allowed);
        assert!(!l.hit("a", 1, w).await.allowed);
        tokio::time::sleep(Duration::from_millis(40)).await;
        assert!(l.hit("a", 1, w).await.allowed);
    }
}
