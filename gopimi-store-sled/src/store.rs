//! [`SledStore`]: the [`Store`] port on sled.
//!
//! Concurrency: one writer at a time (a mutex around validate-then-commit, see
//! [`crate::write`]), many readers. A read gate (a reader-writer lock held by readers while they
//! read and by the writer only while it commits) makes each batch appear all at once to readers:
//! sled commits a multi-tree transaction key by key, and without the gate a query could see a
//! row's new value with its old index entries. Long queries therefore delay commits, never the
//! other way round beyond the commit itself.
//!
//! Point reads (`get`, `get_many`) run on the caller's task: they are a few microseconds. Queries,
//! batches and flushes run on tokio's blocking pool, since a large scan or an fsync would
//! otherwise stall an async worker thread.

use crate::layout::{Layout, storage};
use crate::open::{check_marker, inspect, open_db};
use crate::{read, write};
use async_trait::async_trait;
use gopimi_core::store::{Batch, Kind, Query, QueryResult, Store, StoredRecord};
use gopimi_core::{Error, Result};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use uuid::Uuid;

struct Inner {
    db: sled::Db,
    layout: Layout,
    writer: Mutex<()>,
    gate: RwLock<()>,
    path: PathBuf,
    /// Keeps a temporary store's directory alive; dropped (and deleted) after the database.
    temp: Option<tempfile::TempDir>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if self.temp.is_none() {
            // A clean drop makes everything durable, like `Store::flush`. Errors cannot be
            // reported from a drop; sled's own periodic flush has usually run anyway.
            let _ = self.db.flush();
        }
    }
}

/// A gopimi store in a sled database directory. Cheap to clone (shared handle).
#[derive(Clone)]
pub struct SledStore {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SledStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SledStore")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

impl SledStore {
    /// Opens the store in `path`, creating it when the path is missing or an empty directory.
    /// Refuses (with an error) a file, a foreign directory, a sled database not written by
    /// gopimi, or one written by a newer format (see the crate docs, "Opening").
    pub fn open(path: impl AsRef<Path>) -> Result<SledStore> {
        let path = path.as_ref();
        let fresh = inspect(path)?;
        let db = open_db(path, sled::Config::new().path(path))?;
        Self::from_db(db, path.to_owned(), fresh, None)
    }

    /// A store in a fresh temporary directory, deleted when the last handle is dropped. For
    /// tests and throwaway uses.
    pub fn temporary() -> Result<SledStore> {
        let dir = tempfile::Builder::new()
            .prefix("gopimi-sled-")
            .tempdir()
            .map_err(|e| {
                Error::unavailable("sled store: cannot create a temporary directory", e)
            })?;
        let path = dir.path().to_owned();
        let db = open_db(&path, sled::Config::new().path(&path))?;
        Self::from_db(db, path, true, Some(dir))
    }

    fn from_db(
        db: sled::Db,
        path: PathBuf,
        fresh: bool,
        temp: Option<tempfile::TempDir>,
    ) -> Result<SledStore> {
        let layout = Layout::open(&db)?;
        if check_marker(&path, &layout.meta, fresh)? < 2 {
            let n = crate::layout::backfill_cross_entries(&layout)?;
            db.flush()
                .map_err(|e| crate::layout::storage("upgrade: flush", e))?;
            crate::open::mark_current(&layout.meta)?;
            tracing::info!(entries = n, path = %path.display(), "sled store upgraded to format 2");
        }
        Ok(SledStore {
            inner: Arc::new(Inner {
                db,
                layout,
                writer: Mutex::new(()),
                gate: RwLock::new(()),
                path,
                temp,
            }),
        })
    }

    /// The directory of the store.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    #[cfg(test)]
    pub(crate) fn meta(&self) -> &sled::Tree {
        &self.inner.layout.meta
    }

    /// A query with other planner constants, so tests reach every plan on small data.
    #[cfg(test)]
    pub(crate) fn query_tuned(&self, q: &Query, tuning: read::Tuning) -> Result<QueryResult> {
        let _gate = self.inner.read_gate();
        read::query(&self.inner.layout, q, tuning)
    }
}

impl Inner {
    fn read_gate(&self) -> std::sync::RwLockReadGuard<'_, ()> {
        // The guarded data is `()`: a panic elsewhere cannot leave it inconsistent.
        self.gate.read().unwrap_or_else(|p| p.into_inner())
    }

    fn apply(&self, batch: Batch) -> Result<()> {
        let _writer = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let commit = write::prepare(&self.layout, batch)?;
        if commit.is_empty() {
            return Ok(());
        }
        let _gate = self.gate.write().unwrap_or_else(|p| p.into_inner());
        commit.commit()
    }
}

async fn blocking<T: Send + 'static>(
    inner: &Arc<Inner>,
    f: impl FnOnce(&Inner) -> Result<T> + Send + 'static,
) -> Result<T> {
    let inner = Arc::clone(inner);
    tokio::task::spawn_blocking(move || f(&inner))
        .await
        .map_err(|e| Error::internal("sled store: blocking task failed", e))?
}

#[async_trait]
impl Store for SledStore {
    async fn get(
        &self,
        kind: Kind,
        workspace_id: Option<Uuid>,
        id: Uuid,
    ) -> Result<Option<StoredRecord>> {
        let _gate = self.inner.read_gate();
        Ok(self
            .inner
            .layout
            .find_row(kind, workspace_id, id)?
            .map(|r| r.stored()))
    }

    async fn get_many(
        &self,
        kind: Kind,
        workspace_id: Option<Uuid>,
        ids: &[Uuid],
    ) -> Result<Vec<StoredRecord>> {
        let _gate = self.inner.read_gate();
        let mut out = Vec::with_capacity(ids.len());
        let mut seen = std::collections::HashSet::with_capacity(ids.len());
        for id in ids {
            if !seen.insert(*id) {
                continue;
            }
            if let Some(r) = self.inner.layout.find_row(kind, workspace_id, *id)? {
                out.push(r.stored());
            }
        }
        Ok(out)
    }

    async fn query(&self, query: &Query) -> Result<QueryResult> {
        let query = query.clone();
        blocking(&self.inner, move |inner| {
            let _gate = inner.read_gate();
            read::query(&inner.layout, &query, read::Tuning::DEFAULT)
        })
        .await
    }

    async fn apply(&self, batch: Batch) -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        blocking(&self.inner, move |inner| inner.apply(batch)).await
    }

    async fn ping(&self) -> Result<()> {
        self.inner
            .layout
            .meta
            .get(b"engine")
            .map_err(|e| storage("ping", e))?;
        Ok(())
    }

    async fn flush(&self) -> Result<()> {
        blocking(&self.inner, |inner| {
            inner.db.flush().map_err(|e| storage("flush", e))?;
            Ok(())
        })
        .await
    }
}
