//! Claiming jobs with leases. The rule of what a claim does to a job lives here, in the core;
//! a backend that overrides [`super::Store::claim_jobs`] only chooses how to lock.

use super::{Batch, Filter, Kind, Op, Query, Record, SortKey, Store, StoreExt, Value};
use crate::error::Result;
use crate::model::{Job, JobStatus};
use chrono::{DateTime, Utc};

/// What to claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimRequest {
    /// Only these queues; empty means every queue.
    pub queues: Vec<String>,
    /// The current time: jobs due at or before it are claimable.
    pub now: DateTime<Utc>,
    /// The lease given to claimed jobs.
    pub lease_until: DateTime<Utc>,
    /// The claimer's name, kept on the job.
    pub worker: String,
    /// At most this many jobs.
    pub limit: u32,
}

impl ClaimRequest {
    /// The query for candidate jobs, oldest due first.
    pub fn candidates(&self) -> Query {
        let mut q = Query::new(Kind::Job, None)
            .filter(Filter::In(
                "job_status",
                vec![
                    Value::from(JobStatus::Queued.as_str()),
                    Value::from(JobStatus::Running.as_str()),
                ],
            ))
            .filter(Filter::Lte("due_at", Value::Time(self.now)))
            .sort(SortKey::asc("due_at"))
            .limit(self.limit);
        if !self.queues.is_empty() {
            q = q.filter(Filter::In(
                "queue",
                self.queues
                    .iter()
                    .map(|s| Value::from(s.as_str()))
                    .collect(),
            ));
        }
        q
    }

    /// What claiming does to a job: running, leased, one more attempt, version bumped.
    pub fn claim(&self, mut job: Job) -> Job {
        job.status = JobStatus::Running;
        job.lease_until = Some(self.lease_until);
        job.locked_by = Some(self.worker.clone());
        job.attempts = job.attempts.saturating_add(1);
        job.updated_at = self.now;
        job.version += 1;
        job
    }
}

/// The portable claim: read candidates, then compare-and-set each on its version. Two claimers
/// racing for one job both try the same update; the store lets exactly one through.
pub async fn claim_optimistic<S: Store + ?Sized>(
    store: &S,
    request: &ClaimRequest,
) -> Result<Vec<Job>> {
    if request.limit == 0 {
        return Ok(Vec::new());
    }
    let candidates: Vec<Job> = store.find(&request.candidates()).await?;
    let mut claimed = Vec::new();
    for job in candidates {
        let expected = job.version;
        let job = request.claim(job);
        let mut batch = Batch::new();
        batch.push(Op::Update {
            record: Record::encode(&job)?,
            expected_version: expected,
        });
        match store.apply(batch).await {
            Ok(()) => claimed.push(job),
            Err(e) if e.is_conflict() || e.is_not_found() => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(claimed)
}
