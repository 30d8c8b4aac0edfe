//! The job runner: claims due jobs, runs their handlers, completes or reschedules them.

use super::backoff::Backoff;
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::model::{Job, JobStatus};
use crate::store::{ClaimRequest, Store, Writes};
use async_trait::async_trait;
use chrono::Duration;
use std::collections::HashMap;
use std::sync::Arc;

/// Runs jobs of one queue.
#[async_trait]
pub trait JobHandler: Send + Sync + 'static {
    /// Does the job's work. `Ok` completes (deletes) the job. An error that
    /// [`Error::is_transient`] reschedules it with backoff until `max_attempts`; any other
    /// error marks it dead at once, keeping the error for inspection.
    async fn handle(&self, job: &Job) -> Result<()>;
}

/// What one pass of the runner did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunReport {
    /// Jobs claimed.
    pub claimed: usize,
    /// Jobs that succeeded.
    pub succeeded: usize,
    /// Jobs rescheduled after a transient failure.
    pub retried: usize,
    /// Jobs given up on.
    pub dead: usize,
}

/// Claims and runs jobs.
pub struct JobRunner {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    handlers: HashMap<String, Arc<dyn JobHandler>>,
    worker: String,
    lease: Duration,
    batch: u32,
    backoff: Backoff,
}

impl std::fmt::Debug for JobRunner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobRunner")
            .field("worker", &self.worker)
            .field("queues", &self.handlers.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl JobRunner {
    /// A runner with no handlers; `worker` names it in leases (host and process id are good).
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, worker: impl Into<String>) -> Self {
        JobRunner {
            store,
            clock,
            handlers: HashMap::new(),
            worker: worker.into(),
            lease: Duration::minutes(5),
            batch: 16,
            backoff: Backoff::default(),
        }
    }

    /// Registers the handler of a queue.
    pub fn handle(mut self, queue: &str, handler: Arc<dyn JobHandler>) -> Self {
        self.handlers.insert(queue.to_owned(), handler);
        self
    }

    /// Sets the lease given to claimed jobs (a handler must finish within it).
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// Sets how many jobs one pass claims.
    pub fn batch(mut self, batch: u32) -> Self {
        self.batch = batch.max(1);
        self
    }

    /// Sets the retry backoff.
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// The queues this runner serves.
    pub fn queues(&self) -> Vec<String> {
        let mut q: Vec<String> = self.handlers.keys().cloned().collect();
        q.sort();
        q
    }

    /// Claims one batch of due jobs and runs them one after another.
    pub async fn run_once(&self) -> Result<RunReport> {
        let now = self.clock.now();
        let request = ClaimRequest {
            queues: self.queues(),
            now,
            lease_until: now + self.lease,
            worker: self.worker.clone(),
            limit: self.batch,
        };
        let jobs = self.store.claim_jobs(&request).await?;
        let mut report = RunReport {
            claimed: jobs.len(),
            ..RunReport::default()
        };
        for job in jobs {
            match self.run_job(job).await? {
                Outcome::Done => report.succeeded += 1,
                Outcome::Retry => report.retried += 1,
                Outcome::Dead => report.dead += 1,
            }
        }
        Ok(report)
    }

    /// Runs passes until no due job is left (or `max_passes`); for tests and `gopimi worker --drain`.
    pub async fn drain(&self, max_passes: usize) -> Result<RunReport> {
        let mut total = RunReport::default();
        for _ in 0..max_passes {
            let r = self.run_once().await?;
            total.claimed += r.claimed;
            total.succeeded += r.succeeded;
            total.retried += r.retried;
            total.dead += r.dead;
            if r.claimed == 0 {
                break;
            }
        }
        Ok(total)
    }

    async fn run_job(&self, job: Job) -> Result<Outcome> {
        let result = match self.handlers.get(&job.queue) {
            Some(h) => h.handle(&job).await,
            None => Err(Error::internal_msg(format!(
                "no handler for queue {}",
                job.queue
            ))),
        };
        let now = self.clock.now();
        let mut w = Writes::new();
        let outcome = match result {
            Ok(()) => {
                w.delete(&job);
                Outcome::Done
            }
            Err(e) => {
                let mut job = job;
                let retry = e.is_transient() && job.attempts < job.max_attempts;
                job.last_error = Some(crate::search::truncate(&e.to_string(), 2000));
                job.lease_until = None;
                job.locked_by = None;
                job.updated_at = now;
                if retry {
                    tracing::warn!(queue = %job.queue, job = %job.id, attempts = job.attempts, error = %e, "job failed, will retry");
                    job.status = JobStatus::Queued;
                    job.run_at = now + self.backoff.delay_with_jitter(job.attempts);
                } else {
                    tracing::error!(queue = %job.queue, job = %job.id, attempts = job.attempts, error = %e, "job failed for good");
                    job.status = JobStatus::Dead;
                }
                w.update(&mut job)?;
                if retry { Outcome::Retry } else { Outcome::Dead }
            }
        };
        match w.apply(self.store.as_ref()).await {
            Ok(()) => Ok(outcome),
            // The lease ran out and another runner took the job over: its result stands.
            Err(e) if e.is_conflict() || e.is_not_found() => {
                tracing::warn!("job finished after its lease was taken over; result dropped");
                Ok(outcome)
            }
            Err(e) => Err(e),
        }
    }
}

enum Outcome {
    Done,
    Retry,
    Dead,
}
