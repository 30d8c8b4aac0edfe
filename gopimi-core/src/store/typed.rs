//! Typed reads and writes over the record port: what the core's services use.

use super::{Batch, Entity, Kind, Op, Query, Record, Store};
use crate::error::{Error, Result};
use async_trait::async_trait;
use uuid::Uuid;

/// Typed reads for every [`Store`].
#[async_trait]
pub trait StoreExt: Store {
    /// One entity by id, scoped to a workspace (`None` for global kinds).
    async fn load<E: Entity>(&self, workspace_id: Option<Uuid>, id: Uuid) -> Result<Option<E>> {
        match self.get(E::KIND, workspace_id, id).await? {
            Some(r) => Ok(Some(r.decode()?)),
            None => Ok(None),
        }
    }

    /// One entity by id, or `NotFound` naming it.
    async fn require<E: Entity>(&self, workspace_id: Option<Uuid>, id: Uuid) -> Result<E> {
        self.load(workspace_id, id)
            .await?
            .ok_or(Error::NotFound { what: E::NAME })
    }

    /// Many entities by id (missing ones left out), in the order of `ids`.
    async fn load_many<E: Entity>(
        &self,
        workspace_id: Option<Uuid>,
        ids: &[Uuid],
    ) -> Result<Vec<E>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = self.get_many(E::KIND, workspace_id, ids).await?;
        let mut by_id: std::collections::HashMap<Uuid, E> = std::collections::HashMap::new();
        for r in rows {
            by_id.insert(r.id, r.decode()?);
        }
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }

    /// The entities of a query, in its order.
    async fn find<E: Entity>(&self, query: &Query) -> Result<Vec<E>> {
        debug_assert_eq!(query.kind, E::KIND);
        let res = self.query(query).await?;
        res.rows.iter().map(|r| r.decode()).collect()
    }

    /// The entities of a query and the total count (the query's `count_total` is forced on).
    async fn find_page<E: Entity>(&self, query: &Query) -> Result<(Vec<E>, u64)> {
        let mut q = query.clone();
        q.count_total = true;
        let res = self.query(&q).await?;
        let items = res
            .rows
            .iter()
            .map(|r| r.decode())
            .collect::<Result<Vec<E>>>()?;
        let total = res.total.unwrap_or(items.len() as u64);
        Ok((items, total))
    }

    /// The first entity of a query.
    async fn find_one<E: Entity>(&self, query: &Query) -> Result<Option<E>> {
        let mut q = query.clone();
        q.limit = 1;
        Ok(self.find(&q).await?.into_iter().next())
    }

    /// How many rows match a query.
    async fn count(&self, query: &Query) -> Result<u64> {
        let mut q = query.clone();
        q.limit = 0;
        q.offset = 0;
        q.after = None;
        q.count_total = true;
        Ok(self.query(&q).await?.total.unwrap_or(0))
    }
}

impl<S: Store + ?Sized> StoreExt for S {}

/// Builds a [`Batch`] from domain values, keeping their versions right: after `apply`, each
/// written value carries the version it was stored with.
#[derive(Debug, Default, Clone)]
pub struct Writes {
    batch: Batch,
}

impl Writes {
    /// An empty set of writes.
    pub fn new() -> Self {
        Writes::default()
    }

    /// Inserts a new entity (its version becomes 1).
    pub fn insert<E: Entity>(&mut self, entity: &mut E) -> Result<&mut Self> {
        entity.set_version(1);
        self.batch.push(Op::Insert(Record::encode(entity)?));
        Ok(self)
    }

    /// Updates an entity read at its current version (the version is then bumped).
    pub fn update<E: Entity>(&mut self, entity: &mut E) -> Result<&mut Self> {
        let expected = entity.version();
        entity.set_version(expected + 1);
        let record = Record::encode(entity)?;
        self.batch.push(Op::Update {
            record,
            expected_version: expected,
        });
        Ok(self)
    }

    /// Deletes an entity, failing with `Conflict` if it changed since it was read.
    pub fn delete<E: Entity>(&mut self, entity: &E) -> &mut Self {
        self.batch.push(Op::Delete {
            kind: E::KIND,
            workspace_id: entity.workspace_id(),
            id: entity.id(),
            expected_version: Some(entity.version()),
        });
        self
    }

    /// Deletes a row by id, whatever its version.
    pub fn delete_id(&mut self, kind: Kind, workspace_id: Option<Uuid>, id: Uuid) -> &mut Self {
        self.batch.push(Op::Delete {
            kind,
            workspace_id,
            id,
            expected_version: None,
        });
        self
    }

    /// Requires a row to exist in its workspace, unchanged since it was read.
    pub fn require_unchanged<E: Entity>(&mut self, entity: &E) -> &mut Self {
        self.batch.push(Op::Require {
            kind: E::KIND,
            workspace_id: entity.workspace_id(),
            id: entity.id(),
            version: Some(entity.version()),
        });
        self
    }

    /// Requires a row to exist in a workspace, at any version.
    pub fn require_exists(
        &mut self,
        kind: Kind,
        workspace_id: Option<Uuid>,
        id: Uuid,
    ) -> &mut Self {
        self.batch.push(Op::Require {
            kind,
            workspace_id,
            id,
            version: None,
        });
        self
    }

    /// Appends a raw operation.
    pub fn op(&mut self, op: Op) -> &mut Self {
        self.batch.push(op);
        self
    }

    /// Whether nothing was added.
    pub fn is_empty(&self) -> bool {
        self.batch.is_empty()
    }

    /// The batch to apply.
    pub fn into_batch(self) -> Batch {
        self.batch
    }

    /// Applies the writes atomically.
    pub async fn apply<S: Store + ?Sized>(self, store: &S) -> Result<()> {
        if self.batch.is_empty() {
            return Ok(());
        }
        store.apply(self.batch).await
    }
}
