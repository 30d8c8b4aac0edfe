//! The state every handler shares: the core's handles, the router's configuration and the rate
//! limiter. Cheap to clone (one `Arc`).

use crate::config::HttpConfig;
use crate::rate_limit::{MemoryRateLimiter, RateLimiter};
use gopimi_core::blob::BlobStore;
use gopimi_core::clock::{Clock, SystemClock};
use gopimi_core::store::Store;
use std::sync::Arc;

/// Shared state of the API.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn Store>,
    blobs: Arc<dyn BlobStore>,
    clock: Arc<dyn Clock>,
    config: HttpConfig,
    limiter: Arc<dyn RateLimiter>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// State over a store and a blob store, with the wall clock and the in-process rate limiter.
    pub fn new(store: Arc<dyn Store>, blobs: Arc<dyn BlobStore>, config: HttpConfig) -> Self {
        Self::with_parts(
            store,
            blobs,
            Arc::new(SystemClock),
            config,
            Arc::new(MemoryRateLimiter::new()),
        )
    }

    /// State with every part chosen by the caller (e.g. a shared rate limiter).
    pub fn with_parts(
        store: Arc<dyn Store>,
        blobs: Arc<dyn BlobStore>,
        clock: Arc<dyn Clock>,
        config: HttpConfig,
        limiter: Arc<dyn RateLimiter>,
    ) -> Self {
        AppState {
            inner: Arc::new(Inner {
                store,
                blobs,
                clock,
                config,
                limiter,
            }),
        }
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    /// The blob store.
    pub fn blobs(&self) -> &Arc<dyn BlobStore> {
        &self.inner.blobs
    }

    /// The clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.inner.clock
    }

    /// The router's configuration.
    pub fn config(&self) -> &HttpConfig {
        &self.inner.config
    }

    /// The rate limiter.
    pub fn limiter(&self) -> &Arc<dyn RateLimiter> {
        &self.inner.limiter
    }
}
