//! The SLA sweep: finds tickets whose next warning or due time has passed and announces what
//! happened, exactly once.
//!
//! It reads the store's index on the projected `sla_due_at` (`next_check_at`), across
//! workspaces, oldest first, in keyset-paginated batches (`sla_due_at < now`: a time is
//! passed once it is strictly before now, the same rule [`advance`] applies, so a ticket
//! advanced in a pass is never read again in that pass): its cost follows the number of due
//! tickets, never the number of tickets (a backend with an index on `sla_due_at` answers each
//! batch with a range scan). Each due ticket is advanced ([`advance`]) and written back with its
//! expected version, in one batch with its events' activity entries, webhook jobs and
//! notification jobs ([`record`]). Two sweeps racing over the same tickets (two processes, or a
//! sweep and an agent's reply) cannot both commit the same change: the loser gets a conflict,
//! re-reads the ticket, and finds nothing left to do. So each warning and breach is emitted
//! exactly once per ticket, metric and clock.
//!
//! [`SlaSweeper`] runs passes periodically (every minute by default; the HTTP crate reads
//! `GOPIMI_SLA_SWEEP_SECONDS`) or as the handler of `sla.sweep` jobs.

use super::events::record;
use super::transitions::advance;
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::jobs::JobHandler;
use crate::model::{Job, Ticket};
use crate::notify::AudienceCache;
use crate::store::{Cursor, Filter, Kind, Query, SortKey, Store, StoredRecord, Value, Writes};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// The queue of sweep jobs, for deployments that schedule the sweep through the job runner.
pub const SWEEP_QUEUE: &str = "sla.sweep";

/// How often the periodic sweep runs unless configured.
pub const DEFAULT_SWEEP_INTERVAL: Duration = Duration::from_secs(60);

/// How many times one ticket is re-read after a conflict before the pass leaves it to the next.
const MAX_ATTEMPTS: usize = 5;

/// Tuning of one pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SweepOptions {
    /// Tickets read per query.
    pub batch: u32,
    /// Most tickets one pass handles (the rest wait for the next pass, oldest first).
    pub max_tickets: usize,
}

impl Default for SweepOptions {
    fn default() -> Self {
        SweepOptions {
            batch: 200,
            max_tickets: 50_000,
        }
    }
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Due tickets read.
    pub due: usize,
    /// Tickets written (state advanced).
    pub updated: usize,
    /// Events emitted (warnings and breaches).
    pub events: usize,
    /// Conflicts met (another writer got there first; re-read and retried).
    pub conflicts: usize,
    /// Tickets skipped because of an error other than the store being unavailable (logged).
    pub failed: usize,
}

/// One sweep pass at the clock's current time.
pub async fn sweep(
    store: &dyn Store,
    clock: &dyn Clock,
    options: &SweepOptions,
) -> Result<SweepReport> {
    let now = clock.now();
    let batch = options.batch.max(1);
    let mut report = SweepReport::default();
    let mut audiences = AudienceCache::default();
    let mut after: Option<Cursor> = None;
    loop {
        let mut q = Query::new(Kind::Ticket, None)
            .filter(Filter::Lt("sla_due_at", now.into()))
            .sort(SortKey::asc("sla_due_at"))
            .limit(batch);
        q.after = after.take();
        let rows = store.query(&q).await?.rows;
        let full = rows.len() == batch as usize;
        for row in &rows {
            let decoded: Result<Ticket> = row.decode();
            let position = match &decoded {
                Ok(t) => t.sla.as_ref().and_then(|s| s.next_check_at),
                Err(_) => stored_due(row),
            };
            let result = match decoded {
                Ok(ticket) => process(store, ticket, now, &mut audiences, &mut report).await,
                Err(e) => Err(e),
            };
            match result {
                Ok(()) => {}
                Err(e @ Error::Unavailable { .. }) => return Err(e),
                Err(e) => {
                    tracing::warn!(ticket = %row.id, error = %e, "SLA sweep skipped a ticket");
                    report.failed += 1;
                }
            }
            after = Some(Cursor {
                values: vec![position.map(Value::from).unwrap_or(Value::Null)],
                id: row.id,
            });
            report.due += 1;
        }
        if !full || report.due >= options.max_tickets {
            break;
        }
    }
    Ok(report)
}

/// The `sla_due_at` of a row that failed to decode as a ticket, read straight from its JSON
/// body, so the cursor steps over it. A body that is not
/// JSON at all yields `None`; the pass is still bounded by `max_tickets`.
fn stored_due(row: &StoredRecord) -> Option<DateTime<Utc>> {
    let body: serde_json::Value = serde_json::from_str(&row.body).ok()?;
    serde_json::from_value(body.get("sla")?.get("next_check_at")?.clone()).ok()
}

/// Advances one due ticket.
async fn process(
    store: &dyn Store,
    mut ticket: Ticket,
    now: DateTime<Utc>,
    audiences: &mut AudienceCache,
    report: &mut SweepReport,
) -> Result<()> {
    for _ in 0..MAX_ATTEMPTS {
        let mut next = ticket.clone();
        let outcome = advance(&mut next, now);
        if outcome.is_empty() && next.sla == ticket.sla {
            // Nothing due any more (another writer advanced it, or it is due at `now` exactly).
            return Ok(());
        }
        let mut w = Writes::new();
        w.update(&mut next)?;
        record(store, &next, &outcome, audiences, &mut w).await?;
        match w.apply(store).await {
            Ok(()) => {
                report.updated += 1;
                report.events += outcome.events.len();
                return Ok(());
            }
            Err(e) if e.is_conflict() => {
                report.conflicts += 1;
                match store
                    .get(Kind::Ticket, Some(ticket.workspace_id.0), ticket.id.0)
                    .await?
                {
                    Some(r) => ticket = r.decode()?,
                    None => return Ok(()),
                }
            }
            Err(e) if e.is_not_found() => return Ok(()),
            Err(e) => return Err(e),
        }
    }
    Err(Error::conflict(format!(
        "ticket {} kept changing during the SLA sweep",
        ticket.id
    )))
}

/// Runs sweep passes: periodically, or as the handler of [`SWEEP_QUEUE`] jobs.
#[derive(Clone)]
pub struct SlaSweeper {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    options: SweepOptions,
}

impl std::fmt::Debug for SlaSweeper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlaSweeper")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl SlaSweeper {
    /// A sweeper over a store and clock with default options.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        SlaSweeper {
            store,
            clock,
            options: SweepOptions::default(),
        }
    }

    /// Sets the pass options.
    pub fn options(mut self, options: SweepOptions) -> Self {
        self.options = options;
        self
    }

    /// One pass now.
    pub async fn run_once(&self) -> Result<SweepReport> {
        sweep(self.store.as_ref(), self.clock.as_ref(), &self.options).await
    }

    /// Runs a pass every `every` until `shutdown` completes. A failed pass is logged and the
    /// next one runs on schedule; a pass that overruns delays the next instead of piling up.
    pub async fn run_every(&self, every: Duration, shutdown: impl Future<Output = ()>) {
        let mut ticker = tokio::time::interval(every.max(Duration::from_secs(1)));
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                _ = &mut shutdown => break,
                _ = ticker.tick() => {
                    match self.run_once().await {
                        Ok(r) if r.updated > 0 || r.failed > 0 => {
                            tracing::info!(due = r.due, updated = r.updated, events = r.events,
                                conflicts = r.conflicts, failed = r.failed, "SLA sweep");
                        }
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, "SLA sweep failed"),
                    }
                }
            }
        }
    }
}

#[async_trait]
impl JobHandler for SlaSweeper {
    async fn handle(&self, _job: &Job) -> Result<()> {
        self.run_once().await.map(|_| ())
    }
}
