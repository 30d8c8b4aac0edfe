//! Durable background jobs: enqueueing, backoff, and the runner that claims and dispatches them.
//!
//! Jobs live in the same store as everything else ([`crate::model::Job`]), so a change and the
//! work it causes are one atomic write, and nothing is lost on a crash: a claimed job whose
//! worker dies is claimable again when its lease runs out. Several runners (threads or
//! processes sharing one database) never run a job twice at the same time, because claiming is
//! a compare-and-set on the job's version (or `SKIP LOCKED` where a backend offers it).

pub mod backoff;
pub mod runner;

pub use backoff::Backoff;
pub use runner::{JobHandler, JobRunner, RunReport};

use crate::model::Job;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// Builds a job for `queue` with a JSON payload, due now, for a workspace.
pub fn job<P: Serialize>(
    queue: &str,
    payload: &P,
    workspace_id: Option<uuid::Uuid>,
    now: DateTime<Utc>,
) -> crate::Result<Job> {
    let mut j = Job::new(queue, serde_json::to_value(payload)?, now, now);
    j.workspace_id = workspace_id;
    Ok(j)
}
