//! [`SqlStore`]: the storage port over one SQL engine. Generic over the [`Dialect`]; the engine
//! modules add their constructors ([`crate::SqliteStore::connect`] and friends).
//!
//! Reads go to the read pool, batches to the write pool. They are the same pool on the server
//! engines; SQLite gets one writer connection beside its readers, which serializes writers in
//! the process instead of letting them collide on the database lock.

use crate::claim;
use crate::dialect::Dialect;
use crate::errors::read_error;
use crate::{read, write};
use async_trait::async_trait;
use gopimi_core::Result;
use gopimi_core::model::Job;
use gopimi_core::store::{Batch, ClaimRequest, Kind, Query, QueryResult, Store, StoredRecord};
use sqlx::Pool;
use sqlx::pool::PoolConnection;
use std::sync::Arc;
use uuid::Uuid;

/// The storage port over a SQL database. Use the engine aliases: [`crate::SqliteStore`],
/// [`crate::PostgresStore`], [`crate::MySqlStore`].
pub struct SqlStore<D: Dialect> {
    read: Pool<D::DB>,
    write: Pool<D::DB>,
    target: Arc<str>,
}

impl<D: Dialect> std::fmt::Debug for SqlStore<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlStore")
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

impl<D: Dialect> Clone for SqlStore<D> {
    fn clone(&self) -> Self {
        SqlStore {
            read: self.read.clone(),
            write: self.write.clone(),
            target: self.target.clone(),
        }
    }
}

impl<D: Dialect> SqlStore<D> {
    pub(crate) fn from_pools(read: Pool<D::DB>, write: Pool<D::DB>, target: String) -> Self {
        SqlStore {
            read,
            write,
            target: target.into(),
        }
    }

    /// What this store is connected to ("PostgreSQL database at host:5432/gopimi"), without
    /// credentials.
    pub fn description(&self) -> &str {
        &self.target
    }

    /// The pool batches use (the only pool, except on SQLite): for administration and tests.
    pub fn pool(&self) -> &Pool<D::DB> {
        &self.write
    }

    /// Closes every connection; later calls fail with `Unavailable`.
    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }

    async fn reader(&self) -> Result<PoolConnection<D::DB>> {
        self.read
            .acquire()
            .await
            .map_err(|e| read_error::<D>(e, &self.target))
    }

    pub(crate) fn write_pool(&self) -> &Pool<D::DB> {
        &self.write
    }

    pub(crate) fn target(&self) -> &str {
        &self.target
    }
}

#[async_trait]
impl<D: Dialect> Store for SqlStore<D> {
    async fn get(
        &self,
        kind: Kind,
        workspace_id: Option<Uuid>,
        id: Uuid,
    ) -> Result<Option<StoredRecord>> {
        let mut conn = self.reader().await?;
        read::get::<D>(&mut conn, &self.target, kind, workspace_id, id).await
    }

    async fn get_many(
        &self,
        kind: Kind,
        workspace_id: Option<Uuid>,
        ids: &[Uuid],
    ) -> Result<Vec<StoredRecord>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.reader().await?;
        read::get_many::<D>(&mut conn, &self.target, kind, workspace_id, ids).await
    }

    async fn query(&self, query: &Query) -> Result<QueryResult> {
        let mut conn = self.reader().await?;
        read::query::<D>(&mut conn, &self.target, query).await
    }

    async fn apply(&self, batch: Batch) -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let mut tx = D::begin_write(&self.write)
            .await
            .map_err(|e| read_error::<D>(e, &self.target))?;
        for op in batch.ops {
            if let Err(e) = write::apply_op::<D>(&mut tx, &self.target, op).await {
                // Roll back now rather than when the connection is next used, so row and
                // metadata locks go at once (a dropped transaction only queues its rollback).
                let _ = tx.rollback().await;
                return Err(e);
            }
        }
        tx.commit()
            .await
            .map_err(|e| read_error::<D>(e, &self.target))
    }

    async fn claim_jobs(&self, request: &ClaimRequest) -> Result<Vec<Job>> {
        claim::claim::<D>(self, request).await
    }

    async fn ping(&self) -> Result<()> {
        let mut conn = self.reader().await?;
        sqlx::Connection::ping(&mut *conn)
            .await
            .map_err(|e| read_error::<D>(e, &self.target))
    }
}
