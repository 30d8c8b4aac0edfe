//! Removing what has outlived its use, so tables that grow with traffic stay bounded:
//!
//! - one-time values ([`Nonce`]: Mailgun webhook tokens, used unsubscribe links) once they
//!   expire: by then the request they guard is refused anyway (stale signature, expired link);
//! - webhook deliveries that are settled (succeeded or failed) and older than the retention
//!   (30 days by default, like the delivery logs of the API products integrators know). Pending
//!   deliveries are never removed, whatever their age: they still have work to do.
//!
//! A pass reads through indexes only (nonces by `expires_at`; deliveries per endpoint by
//! `(webhook_id, created_at)`), deletes row by row (a row another process removed first is
//! skipped), and does at most [`HousekeepingOptions::max_rows`] deletions, leaving the rest to
//! the next pass. Several processes may run it at once.

use crate::clock::Clock;
use crate::error::Result;
use crate::model::{Nonce, Webhook, WebhookDelivery, WebhookDeliveryStatus};
use crate::store::{Cursor, Entity, Filter, Kind, Query, SortKey, Store, StoreExt, Value, Writes};
use chrono::Duration;
use std::sync::Arc;

/// Tuning of a pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HousekeepingOptions {
    /// How long settled webhook deliveries are kept.
    pub delivery_retention: Duration,
    /// Most rows one pass deletes.
    pub max_rows: usize,
}

impl Default for HousekeepingOptions {
    fn default() -> Self {
        HousekeepingOptions {
            delivery_retention: Duration::days(30),
            max_rows: 10_000,
        }
    }
}

/// What a pass removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HousekeepingReport {
    pub nonces: usize,
    pub webhook_deliveries: usize,
}

/// Runs housekeeping passes over a store.
#[derive(Clone)]
pub struct Housekeeper {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    options: HousekeepingOptions,
}

impl std::fmt::Debug for Housekeeper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Housekeeper")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// Rows read per query.
const PAGE: u32 = 200;

impl Housekeeper {
    /// A housekeeper with the default options.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Housekeeper {
            store,
            clock,
            options: HousekeepingOptions::default(),
        }
    }

    /// Sets the options.
    pub fn options(mut self, options: HousekeepingOptions) -> Self {
        self.options = options;
        self
    }

    /// One pass now.
    pub async fn run_once(&self) -> Result<HousekeepingReport> {
        let mut report = HousekeepingReport::default();
        let mut budget = self.options.max_rows;
        report.nonces = self.expired_nonces(&mut budget).await?;
        report.webhook_deliveries = self.old_deliveries(&mut budget).await?;
        Ok(report)
    }

    async fn expired_nonces(&self, budget: &mut usize) -> Result<usize> {
        let now = self.clock.now();
        let mut removed = 0;
        while *budget > 0 {
            let q = Query::new(Kind::Nonce, None)
                .filter(Filter::Lt("expires_at", now.into()))
                .sort(SortKey::asc("expires_at"))
                .limit(PAGE.min(*budget as u32));
            let expired: Vec<Nonce> = self.store.find(&q).await?;
            if expired.is_empty() {
                break;
            }
            for n in &expired {
                removed += self.remove(n).await?;
                *budget = budget.saturating_sub(1);
            }
        }
        Ok(removed)
    }

    async fn old_deliveries(&self, budget: &mut usize) -> Result<usize> {
        let cutoff = self.clock.now() - self.options.delivery_retention;
        let mut removed = 0;
        let mut after: Option<Cursor> = None;
        // Endpoints are few (a handful per workspace); their deliveries are read by index.
        loop {
            let mut q = Query::new(Kind::Webhook, None).limit(PAGE);
            q.after = after.take();
            let hooks: Vec<Webhook> = self.store.find(&q).await?;
            for hook in &hooks {
                for status in [
                    WebhookDeliveryStatus::Succeeded,
                    WebhookDeliveryStatus::Failed,
                ] {
                    while *budget > 0 {
                        let q = Query::new(Kind::WebhookDelivery, Some(hook.workspace_id.0))
                            .filter(Filter::Eq("webhook_id", Value::Uuid(hook.id.0)))
                            .filter(Filter::Eq("delivery_status", status.as_str().into()))
                            .filter(Filter::Lt("created_at", cutoff.into()))
                            .limit(PAGE.min(*budget as u32));
                        let old: Vec<WebhookDelivery> = self.store.find(&q).await?;
                        if old.is_empty() {
                            break;
                        }
                        for d in &old {
                            removed += self.remove(d).await?;
                            *budget = budget.saturating_sub(1);
                        }
                    }
                }
            }
            match hooks.last() {
                Some(h) if hooks.len() == PAGE as usize && *budget > 0 => {
                    after = Some(Cursor {
                        values: Vec::new(),
                        id: h.id.0,
                    });
                }
                _ => break,
            }
        }
        Ok(removed)
    }

    /// Deletes one row; 0 when another writer removed or changed it first.
    async fn remove<E: Entity>(&self, row: &E) -> Result<usize> {
        let mut w = Writes::new();
        w.delete(row);
        match w.apply(self.store.as_ref()).await {
            Ok(()) => Ok(1),
            Err(e) if e.is_not_found() || e.is_conflict() => Ok(0),
            Err(e) => Err(e),
        }
    }
}
