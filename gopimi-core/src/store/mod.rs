//! The storage port.
//!
//! A backend implements [`Store`]: a record store that keeps each [`Kind`] with its projected
//! fields, unique keys, set fields and search text, answers [`Query`]s, and applies a [`Batch`]
//! atomically with its preconditions. It never interprets a body and never decides anything about
//! tickets or mail; those rules live in the core's services, which read and write domain types
//! through the typed helpers in [`typed`].
//!
//! Why a record store rather than one trait method per domain read: every backend (SQL dialects,
//! sled, memory, a third party's) implements five methods whose semantics are pinned down by
//! [`query`] and [`batch`] and checked by one conformance suite (`gopimi_core::testing`), instead
//! of dozens of look-ups that could each drift. The typed reads the rest of the core uses are
//! built once, on top.
//!
//! Absence is `Ok(None)`. Errors are [`crate::Error`]: `Conflict` for failed preconditions,
//! `NotFound` for updates of missing rows, `Unavailable` for a backend that cannot be reached.
//!
//! # Implementing a store
//!
//! ```
//! use async_trait::async_trait;
//! use gopimi_core::store::{Batch, Kind, Query, QueryResult, Store, StoredRecord};
//! use gopimi_core::Result;
//! use uuid::Uuid;
//!
//! /// A store that wraps another, e.g. to add metrics.
//! struct Counting<S>(S, std::sync::atomic::AtomicU64);
//!
//! #[async_trait]
//! impl<S: Store> Store for Counting<S> {
//!     async fn get(&self, kind: Kind, ws: Option<Uuid>, id: Uuid) -> Result<Option<StoredRecord>> {
//!         self.1.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
//!         self.0.get(kind, ws, id).await
//!     }
//!     async fn get_many(&self, kind: Kind, ws: Option<Uuid>, ids: &[Uuid]) -> Result<Vec<StoredRecord>> {
//!         self.0.get_many(kind, ws, ids).await
//!     }
//!     async fn query(&self, q: &Query) -> Result<QueryResult> {
//!         self.0.query(q).await
//!     }
//!     async fn apply(&self, batch: Batch) -> Result<()> {
//!         self.0.apply(batch).await
//!     }
//!     async fn ping(&self) -> Result<()> {
//!         self.0.ping().await
//!     }
//! }
//! ```

pub mod batch;
pub mod claim;
pub mod memory;
pub mod query;
pub mod record;
pub mod schema;
pub mod typed;
pub mod value;

pub use batch::{Batch, Op};
pub use claim::ClaimRequest;
pub use memory::MemoryStore;
pub use query::{Cursor, Filter, Query, QueryResult, SortKey};
pub use record::{Entity, Record, StoredRecord};
pub use schema::{FieldDef, Kind, KindSchema, Scope, UniqueDef};
pub use typed::{StoreExt, Writes};
pub use value::{FieldType, Value};

use crate::error::Result;
use crate::model::Job;
use async_trait::async_trait;
use std::sync::Arc;
use uuid::Uuid;

/// The storage port. See the module docs for the contract.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// One row by id. With `workspace_id` set, a row of another workspace is `None`. Reads of
    /// workspace data set it; `None` on a workspace-scoped kind finds the row wherever it is,
    /// for ids that name no workspace (the ticket a signed Message-Id names).
    async fn get(
        &self,
        kind: Kind,
        workspace_id: Option<Uuid>,
        id: Uuid,
    ) -> Result<Option<StoredRecord>>;

    /// Many rows by id, in any order, each at most once (an id asked twice is returned once);
    /// missing ids (or rows of another workspace) are left out. Any number of ids may be asked
    /// for. This is how the core avoids N+1 reads.
    async fn get_many(
        &self,
        kind: Kind,
        workspace_id: Option<Uuid>,
        ids: &[Uuid],
    ) -> Result<Vec<StoredRecord>>;

    /// Rows matching a query, in its sort order. See [`query`] for the exact semantics.
    async fn query(&self, query: &Query) -> Result<QueryResult>;

    /// Applies a batch atomically: every operation or none. See [`batch`].
    async fn apply(&self, batch: Batch) -> Result<()>;

    /// Claims up to `limit` due jobs: queued jobs whose `run_at` has passed and running jobs
    /// whose lease expired, oldest due first. Each claimed job is `running`, leased to
    /// `worker` until `lease_until`, with `attempts` incremented, and no other claimer gets it.
    ///
    /// The default implementation is optimistic (read candidates, then compare-and-set each on
    /// its version) and correct on any backend; SQL backends may override it with
    /// `FOR UPDATE SKIP LOCKED`, as long as they apply [`ClaimRequest::claim`] to each job.
    async fn claim_jobs(&self, request: &ClaimRequest) -> Result<Vec<Job>> {
        claim::claim_optimistic(self, request).await
    }

    /// Checks the backend is reachable (for `/health`).
    async fn ping(&self) -> Result<()>;

    /// Makes everything applied so far durable (for backends that buffer writes). Called on
    /// clean shutdown.
    async fn flush(&self) -> Result<()> {
        Ok(())
    }
}

#[async_trait]
impl<S: Store + ?Sized> Store for Arc<S> {
    async fn get(
        &self,
        kind: Kind,
        workspace_id: Option<Uuid>,
        id: Uuid,
    ) -> Result<Option<StoredRecord>> {
        (**self).get(kind, workspace_id, id).await
    }
    async fn get_many(
        &self,
        kind: Kind,
        workspace_id: Option<Uuid>,
        ids: &[Uuid],
    ) -> Result<Vec<StoredRecord>> {
        (**self).get_many(kind, workspace_id, ids).await
    }
    async fn query(&self, query: &Query) -> Result<QueryResult> {
        (**self).query(query).await
    }
    async fn apply(&self, batch: Batch) -> Result<()> {
        (**self).apply(batch).await
    }
    async fn claim_jobs(&self, request: &ClaimRequest) -> Result<Vec<Job>> {
        (**self).claim_jobs(request).await
    }
    async fn ping(&self) -> Result<()> {
        (**self).ping().await
    }
    async fn flush(&self) -> Result<()> {
        (**self).flush().await
    }
}
