//! Remembering webhook tokens so a captured request cannot be replayed.
//!
//! Mailgun's docs ask receivers to cache each accepted token and refuse a repeat. A token only
//! needs remembering until its signed timestamp leaves the verification window: after that the
//! replay is refused as stale anyway. Two guards:
//! - [`MemoryReplayGuard`]: one process, a map pruned as it grows;
//! - [`StoreReplayGuard`]: any [`Store`], through the core's [`Nonce`] entity whose
//!   `nonce_key` is unique across the installation, so several server processes share it. An
//!   insert that hits that unique key (`Conflict`) is a replay.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use gopimi_core::model::Nonce;
use gopimi_core::store::{Filter, Kind, Query, SortKey, Store, StoreExt, Writes};
use std::collections::HashMap;
use std::sync::Mutex;
use uuid::Uuid;

/// Records tokens that were accepted.
#[async_trait]
pub trait ReplayGuard: Send + Sync + 'static {
    /// Records `token` as used until `expires_at`. `Ok(true)` if it was not seen before,
    /// `Ok(false)` if it was (a replay). Errors mean the guard could not decide.
    async fn first_use(
        &self,
        token: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> gopimi_core::Result<bool>;

    /// Forgets `token`, so the same request is accepted again. Called when a verified request
    /// could not be processed on our side (the store was down): Mailgun retries it with the
    /// same signed token, and that retry is not a replay.
    async fn forget(&self, token: &str) -> gopimi_core::Result<()>;
}

/// An in-process guard: a map of token to expiry, pruned of expired tokens whenever it has
/// doubled since the last pruning (amortized constant time per call).
#[derive(Debug, Default)]
pub struct MemoryReplayGuard {
    inner: Mutex<MemoryInner>,
}

#[derive(Debug, Default)]
struct MemoryInner {
    seen: HashMap<String, DateTime<Utc>>,
    prune_at: usize,
}

impl MemoryReplayGuard {
    /// An empty guard.
    pub fn new() -> Self {
        MemoryReplayGuard::default()
    }

    /// Tokens currently remembered.
    pub fn len(&self) -> usize {
        self.lock().seen.len()
    }

    /// Whether no token is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MemoryInner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait]
impl ReplayGuard for MemoryReplayGuard {
    async fn first_use(
        &self,
        token: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> gopimi_core::Result<bool> {
        let mut inner = self.lock();
        if inner.seen.len() >= inner.prune_at {
            inner.seen.retain(|_, exp| *exp > now);
            inner.prune_at = (inner.seen.len() * 2).max(1024);
        }
        match inner.seen.get(token) {
            Some(exp) if *exp > now => Ok(false),
            _ => {
                inner.seen.insert(token.to_owned(), expires_at);
                Ok(true)
            }
        }
    }

    async fn forget(&self, token: &str) -> gopimi_core::Result<()> {
        self.lock().seen.remove(token);
        Ok(())
    }
}

/// A guard kept in the store as [`Nonce`] rows keyed `mailgun:<token>`.
#[derive(Debug, Clone)]
pub struct StoreReplayGuard<S> {
    store: S,
}

impl<S: Store> StoreReplayGuard<S> {
    /// A guard over `store` (an `Arc<dyn Store>` or any store).
    pub fn new(store: S) -> Self {
        StoreReplayGuard { store }
    }

    /// The nonce key of a token.
    pub fn key(token: &str) -> String {
        format!("mailgun:{token}")
    }

    /// Deletes up to `limit` nonces that expired before `now`; returns how many. Safe to run
    /// from several processes at once (a row deleted by another is skipped).
    pub async fn purge_expired(&self, now: DateTime<Utc>, limit: u32) -> gopimi_core::Result<u64> {
        let q = Query::new(Kind::Nonce, None)
            .filter(Filter::Lt("expires_at", now.into()))
            .sort(SortKey::asc("expires_at"))
            .limit(limit);
        let expired: Vec<Nonce> = self.store.find(&q).await?;
        let mut purged = 0;
        for n in expired {
            let mut w = Writes::new();
            w.delete(&n);
            match w.apply(&self.store).await {
                Ok(()) => purged += 1,
                Err(e) if e.is_not_found() || e.is_conflict() => {}
                Err(e) => return Err(e),
            }
        }
        Ok(purged)
    }
}

#[async_trait]
impl<S: Store> ReplayGuard for StoreReplayGuard<S> {
    async fn first_use(
        &self,
        token: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> gopimi_core::Result<bool> {
        let mut nonce = Nonce {
            id: Uuid::now_v7(),
            key: Self::key(token),
            expires_at,
            created_at: now,
            version: 0,
        };
        let mut w = Writes::new();
        w.insert(&mut nonce)?;
        match w.apply(&self.store).await {
            Ok(()) => Ok(true),
            Err(e) if e.is_conflict() => Ok(false),
            Err(e) => Err(e),
        }
    }

    async fn forget(&self, token: &str) -> gopimi_core::Result<()> {
        let used: Option<Nonce> = self
            .store
            .find_one(&Query::new(Kind::Nonce, None).filter(Filter::Eq(
                "nonce_key",
                gopimi_core::search::exact_key(&Self::key(token)).into(),
            )))
            .await?;
        if let Some(n) = used {
            let mut w = Writes::new();
            w.delete(&n);
            match w.apply(&self.store).await {
                Ok(()) => {}
                Err(e) if e.is_not_found() || e.is_conflict() => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};
    use gopimi_core::store::MemoryStore;
    use std::sync::Arc;

    fn t(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(secs, 0).single().expect("time")
    }

    #[tokio::test]
    async fn memory_guard_refuses_a_repeat_until_it_expires() {
        let g = MemoryReplayGuard::new();
        assert!(g.first_use("tok", t(0), t(300)).await.expect("ok"));
        assert!(!g.first_use("tok", t(10), t(310)).await.expect("ok"));
        assert!(g.first_use("other", t(10), t(310)).await.expect("ok"));
        // After expiry the token is forgotten (the verifier refuses it as stale by then).
        assert!(g.first_use("tok", t(301), t(601)).await.expect("ok"));
    }

    #[tokio::test]
    async fn memory_guard_prunes_expired_tokens() {
        let g = MemoryReplayGuard::new();
        for i in 0..3000 {
            g.first_use(&format!("tok{i}"), t(i), t(i + 10))
                .await
                .expect("ok");
        }
        assert!(g.len() < 2100, "expired tokens were kept: {}", g.len());
        assert!(!g.first_use("tok2999", t(3000), t(3010)).await.expect("ok"));
    }

    #[tokio::test]
    async fn two_processes_sharing_a_store_refuse_each_others_tokens() {
        let store = Arc::new(MemoryStore::new());
        let a = StoreReplayGuard::new(store.clone());
        let b = StoreReplayGuard::new(store.clone());
        assert!(a.first_use("tok", t(0), t(300)).await.expect("ok"));
        assert!(!b.first_use("tok", t(5), t(305)).await.expect("ok"));
        assert!(b.first_use("tok2", t(5), t(305)).await.expect("ok"));
        let stored: Vec<Nonce> = store
            .find(&Query::new(Kind::Nonce, None))
            .await
            .expect("query");
        let mut keys: Vec<_> = stored.iter().map(|n| n.key.as_str()).collect();
        keys.sort();
        assert_eq!(keys, ["mailgun:tok", "mailgun:tok2"]);
    }

    #[tokio::test]
    async fn purge_removes_only_expired_nonces() {
        let store = Arc::new(MemoryStore::new());
        let g = StoreReplayGuard::new(store.clone());
        g.first_use("old", t(0), t(300)).await.expect("ok");
        g.first_use("new", t(200), t(500)).await.expect("ok");
        let purged = g
            .purge_expired(t(0) + Duration::seconds(400), 100)
            .await
            .expect("purge");
        assert_eq!(purged, 1);
        assert!(!g.first_use("new", t(401), t(700)).await.expect("ok"));
        assert!(g.first_use("old", t(401), t(700)).await.expect("ok"));
    }
}
