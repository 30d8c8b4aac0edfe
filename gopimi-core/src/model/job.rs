//! Background jobs, kept in the same store as everything else so a change and the work it
//! causes commit together.
//!
//! A job is `queued` until `run_at`, then claimed with a lease (`running` until `lease_until`);
//! a worker that dies leaves the lease to expire and the job becomes claimable again. Success
//! deletes the job; failure re-queues it with backoff or, after `max_attempts`, marks it `dead`
//! with the last error kept for inspection. The projected `due_at` is the one time the claim
//! query needs: `run_at` when queued, `lease_until` when running, none when dead.

use crate::ids::JobId;
use crate::store::{Entity, Kind, Value};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A job's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Queued,
    Running,
    Dead,
}

impl JobStatus {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Dead => "dead",
        }
    }
}

/// A job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub id: JobId,
    /// The workspace it works for, if any (purged with the workspace).
    pub workspace_id: Option<Uuid>,
    /// Which handler runs it, e.g. `inbound.process`, `mail.send`.
    pub queue: String,
    pub payload: serde_json::Value,
    pub status: JobStatus,
    pub run_at: DateTime<Utc>,
    pub lease_until: Option<DateTime<Utc>>,
    /// Who holds the lease.
    #[serde(default)]
    pub locked_by: Option<String>,
    pub attempts: u32,
    pub max_attempts: u32,
    pub last_error: Option<String>,
    /// At most one live job per key (e.g. one SLA sweep).
    pub dedupe_key: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default)]
    pub version: u64,
}

impl Job {
    /// A job ready to run at `run_at`.
    pub fn new(
        queue: impl Into<String>,
        payload: serde_json::Value,
        run_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Self {
        Job {
            id: JobId::new(),
            workspace_id: None,
            queue: queue.into(),
            payload,
            status: JobStatus::Queued,
            run_at,
            lease_until: None,
            locked_by: None,
            attempts: 0,
            max_attempts: 10,
            last_error: None,
            dedupe_key: None,
            created_at: now,
            updated_at: now,
            version: 0,
        }
    }

    /// The time the claim query looks at.
    pub fn due_at(&self) -> Option<DateTime<Utc>> {
        match self.status {
            JobStatus::Queued => Some(self.run_at),
            JobStatus::Running => self.lease_until,
            JobStatus::Dead => None,
        }
    }
}

impl Entity for Job {
    const KIND: Kind = Kind::Job;
    const NAME: &'static str = "job";
    fn id(&self) -> Uuid {
        self.id.0
    }
    fn workspace_id(&self) -> Option<Uuid> {
        self.workspace_id
    }
    versioned!();
    fn fields(&self) -> Vec<Value> {
        vec![
            crate::search::truncate(&self.queue, 64).into(),
            self.status.as_str().into(),
            self.due_at().into(),
            self.dedupe_key
                .as_deref()
                .map(crate::search::exact_key)
                .into(),
            self.created_at.into(),
        ]
    }
}
