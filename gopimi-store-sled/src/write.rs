//! Applying a [`Batch`]: validate every operation against the store plus the batch's own
//! earlier operations, then commit all resulting key writes in one sled transaction.
//!
//! Why validate outside the transaction: sled transactions can only do point reads (no range
//! scans, which `PurgeWorkspace` needs) and may re-run their closure. So the store has a single
//! writer: the caller holds the store's writer lock while this module reads what it needs
//! (rows, unique holders, a purged workspace's keys) and works out every insert and removal;
//! no other write can change those reads meanwhile. The transaction closure then only replays
//! the precomputed per-tree batches, which is pure and safe to re-run. sled makes the
//! multi-tree commit atomic on disk (one sealed log batch) and the store's read gate makes it
//! atomic for readers.
//!
//! The preconditions are those of the reference `MemoryStore`, operation by operation, with
//! each operation seeing the effects of the ones before it in the same batch.

use crate::layout::{
    GLOBAL_SCOPE, Layout, Role, count_key, entries, row_key, scope_of, storage, unique_keys,
    workspace_prefix,
};
use crate::row::Row;
use gopimi_core::store::{Batch, Kind, Op, Record, Scope};
use gopimi_core::{Error, Result};
use sled::transaction::{ConflictableTransactionError, TransactionError};
use sled::{Transactional, transaction::TransactionalTree};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// A row as read before the batch and as the batch leaves it.
struct Slot {
    original: Option<Row>,
    current: Option<Row>,
}

/// The batch's view of the store: what it read, and what it changed so far.
struct Pending<'a> {
    layout: &'a Layout,
    rows: HashMap<(Kind, Uuid), Slot>,
    /// Unique-key holders as changed by this batch; `None` = freed.
    uniques: HashMap<(Kind, Vec<u8>), Option<Uuid>>,
}

/// Writes grouped per tree, ready to commit.
pub struct Commit {
    trees: Vec<sled::Tree>,
    batches: Vec<sled::Batch>,
}

/// Validates a batch and computes its writes. The caller holds the writer lock.
pub fn prepare(layout: &Layout, batch: Batch) -> Result<Commit> {
    let mut p = Pending {
        layout,
        rows: HashMap::new(),
        uniques: HashMap::new(),
    };
    for op in batch.ops {
        p.apply(op)?;
    }
    p.finish()
}

impl Commit {
    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.trees.is_empty()
    }

    /// Commits every tree's writes in one transaction.
    pub fn commit(&self) -> Result<()> {
        if self.trees.len() == 1 {
            // One tree: sled applies a batch atomically without a transaction.
            return self.trees[0]
                .apply_batch(self.batches[0].clone())
                .map_err(|e| storage("write", e));
        }
        self.trees
            .as_slice()
            .transaction(|views: &Vec<TransactionalTree>| {
                for (view, batch) in views.iter().zip(&self.batches) {
                    view.apply_batch(batch)?;
                }
                Ok::<(), ConflictableTransactionError<()>>(())
            })
            .map_err(|e| match e {
                TransactionError::Storage(e) => storage("commit", e),
                TransactionError::Abort(()) => Error::internal_msg("sled store: commit aborted"),
            })
    }
}

fn check_scope(r: &Record) -> Result<()> {
    if r.kind.schema().scope == Scope::Workspace && r.workspace_id.is_none() {
        return Err(Error::internal_msg(format!(
            "{} {} has no workspace",
            r.kind.noun(),
            r.id
        )));
    }
    Ok(())
}

fn visible(r: &Row, workspace_id: Option<Uuid>) -> bool {
    workspace_id.is_none() || r.workspace_id == workspace_id
}

/// Whether an update may replace `current` with a row in `next_ws`: same workspace; or, for a
/// global kind, a row without a workspace getting one (an inbound item once routed).
fn may_update(kind: Kind, current: &Row, next_ws: Option<Uuid>) -> bool {
    current.workspace_id == next_ws
        || (kind.schema().scope == Scope::Global && current.workspace_id.is_none())
}

impl Pending<'_> {
    /// The row as the batch currently sees it.
    fn load(&mut self, kind: Kind, id: Uuid) -> Result<Option<&Row>> {
        if !self.rows.contains_key(&(kind, id)) {
            let row = self.layout.find_row(kind, None, id)?;
            self.rows.insert(
                (kind, id),
                Slot {
                    original: row.clone(),
                    current: row,
                },
            );
        }
        Ok(self.rows.get(&(kind, id)).and_then(|s| s.current.as_ref()))
    }

    fn holder(&self, kind: Kind, key: &[u8]) -> Result<Option<Uuid>> {
        if let Some(h) = self.uniques.get(&(kind, key.to_vec())) {
            return Ok(*h);
        }
        let Some(tree) = &self.layout.kind(kind).uniq else {
            return Ok(None);
        };
        match tree.get(key).map_err(|e| storage("read unique key", e))? {
            Some(v) => Ok(Some(Uuid::from_bytes(
                <[u8; 16]>::try_from(v.as_ref())
                    .map_err(|_| Error::internal_msg("sled store: bad unique-key holder"))?,
            ))),
            None => Ok(None),
        }
    }

    fn check_uniques(&self, kind: Kind, row: &Row) -> Result<()> {
        for (name, key) in unique_keys(kind, row) {
            if let Some(h) = self.holder(kind, &key)?
                && h != row.id
            {
                return Err(Error::conflict(name));
            }
        }
        Ok(())
    }

    fn remove(&mut self, kind: Kind, id: Uuid) -> Result<()> {
        let old = self
            .rows
            .get_mut(&(kind, id))
            .and_then(|s| s.current.take());
        if let Some(old) = old {
            for (_, key) in unique_keys(kind, &old) {
                if self.holder(kind, &key)? == Some(id) {
                    self.uniques.insert((kind, key), None);
                }
            }
        }
        Ok(())
    }

    fn put(&mut self, kind: Kind, row: Row) -> Result<()> {
        self.load(kind, row.id)?;
        self.remove(kind, row.id)?;
        for (_, key) in unique_keys(kind, &row) {
            self.uniques.insert((kind, key), Some(row.id));
        }
        if let Some(slot) = self.rows.get_mut(&(kind, row.id)) {
            slot.current = Some(row);
        }
        Ok(())
    }

    fn apply(&mut self, op: Op) -> Result<()> {
        match op {
            Op::Insert(r) => {
                check_scope(&r)?;
                if r.version != 1 {
                    return Err(Error::internal_msg(format!(
                        "{} {} inserted with version {} (must be 1)",
                        r.kind.noun(),
                        r.id,
                        r.version
                    )));
                }
                let kind = r.kind;
                if self.load(kind, r.id)?.is_some() {
                    return Err(Error::conflict(format!("{} {} exists", kind.noun(), r.id)));
                }
                let row = Row::from_record(r);
                self.check_uniques(kind, &row)?;
                self.put(kind, row)
            }
            Op::Update {
                record,
                expected_version,
            } => {
                check_scope(&record)?;
                if Some(record.version) != expected_version.checked_add(1) {
                    return Err(Error::internal_msg(format!(
                        "{} {} updated to version {} from {} (must be one more)",
                        record.kind.noun(),
                        record.id,
                        record.version,
                        expected_version
                    )));
                }
                let kind = record.kind;
                let current = self
                    .load(kind, record.id)?
                    .filter(|c| may_update(kind, c, record.workspace_id))
                    .ok_or(Error::NotFound { what: kind.noun() })?;
                if current.version != expected_version {
                    return Err(Error::conflict(format!(
                        "{} {} changed (version {} expected, {} stored)",
                        kind.noun(),
                        record.id,
                        expected_version,
                        current.version
                    )));
                }
                let row = Row::from_record(record);
                self.check_uniques(kind, &row)?;
                self.put(kind, row)
            }
            Op::Delete {
                kind,
                workspace_id,
                id,
                expected_version,
            } => {
                let current = self
                    .load(kind, id)?
                    .filter(|c| visible(c, workspace_id))
                    .ok_or(Error::NotFound { what: kind.noun() })?;
                if let Some(v) = expected_version
                    && current.version != v
                {
                    return Err(Error::conflict(format!("{} {id} changed", kind.noun())));
                }
                self.remove(kind, id)
            }
            Op::Require {
                kind,
                workspace_id,
                id,
                version,
            } => {
                let current = self
                    .load(kind, id)?
                    .filter(|c| visible(c, workspace_id))
                    .ok_or(Error::NotFound { what: kind.noun() })?;
                if let Some(v) = version
                    && current.version != v
                {
                    return Err(Error::conflict(format!("{} {id} changed", kind.noun())));
                }
                Ok(())
            }
            Op::PurgeWorkspace(ws) => self.purge(ws),
        }
    }

    /// Removes every row of the workspace: the stored ones (found by range scans, which is why
    /// this runs under the writer lock and not in the transaction) and those this batch added.
    fn purge(&mut self, ws: Uuid) -> Result<()> {
        for kind in Kind::ALL {
            if kind == Kind::Workspace {
                continue;
            }
            let trees = self.layout.kind(kind);
            let mut ids = Vec::new();
            match kind.schema().scope {
                Scope::Workspace => {
                    for kv in trees.rows.scan_prefix(ws.as_bytes()).keys() {
                        let k = kv.map_err(|e| storage("purge scan", e))?;
                        ids.push(crate::codec::trailing_id(&k)?);
                    }
                }
                Scope::Global => {
                    for kv in trees.idx.scan_prefix(workspace_prefix(Some(ws))).keys() {
                        let k = kv.map_err(|e| storage("purge scan", e))?;
                        ids.push(crate::codec::trailing_id(&k)?);
                    }
                }
            }
            ids.extend(
                self.rows
                    .iter()
                    .filter(|((k, _), s)| {
                        *k == kind
                            && s.current
                                .as_ref()
                                .is_some_and(|r| r.workspace_id == Some(ws))
                    })
                    .map(|((_, id), _)| *id),
            );
            for id in ids {
                if self
                    .load(kind, id)?
                    .is_some_and(|r| r.workspace_id == Some(ws))
                {
                    self.remove(kind, id)?;
                }
            }
        }
        Ok(())
    }

    /// Turns the final state into per-tree writes: every removal first, then every insert, so a
    /// unique key freed by one row and taken by another in the same batch ends up taken.
    fn finish(self) -> Result<Commit> {
        let mut removes: Vec<(Kind, Role, Vec<u8>)> = Vec::new();
        let mut inserts: Vec<(Kind, Role, Vec<u8>, Vec<u8>)> = Vec::new();
        let mut deltas: BTreeMap<(Kind, [u8; 16]), i64> = BTreeMap::new();
        for ((kind, id), slot) in &self.rows {
            if slot.original == slot.current {
                continue;
            }
            if let Some(old) = &slot.original {
                let scope = scope_of(*kind, old.workspace_id);
                removes.push((*kind, Role::Rows, row_key(&scope, *id).to_vec()));
                for (role, k, _) in entries(*kind, old) {
                    removes.push((*kind, role, k));
                }
                *deltas.entry((*kind, scope)).or_default() -= 1;
            }
            if let Some(new) = &slot.current {
                let scope = scope_of(*kind, new.workspace_id);
                inserts.push((
                    *kind,
                    Role::Rows,
                    row_key(&scope, *id).to_vec(),
                    new.encode(),
                ));
                for (role, k, v) in entries(*kind, new) {
                    inserts.push((*kind, role, k, v));
                }
                *deltas.entry((*kind, scope)).or_default() += 1;
            }
        }
        let mut per_tree: BTreeMap<(Kind, Role), sled::Batch> = BTreeMap::new();
        for (kind, role, k) in removes {
            per_tree.entry((kind, role)).or_default().remove(k);
        }
        for (kind, role, k, v) in inserts {
            per_tree.entry((kind, role)).or_default().insert(k, v);
        }
        let mut trees = Vec::new();
        let mut batches = Vec::new();
        for ((kind, role), batch) in per_tree {
            let tree = self.layout.tree(kind, role).ok_or_else(|| {
                Error::internal_msg(format!("sled store: {kind} has no {role:?} tree"))
            })?;
            trees.push(tree.clone());
            batches.push(batch);
        }
        let mut counts = sled::Batch::default();
        let mut any_count = false;
        for ((kind, scope), delta) in deltas {
            if delta == 0 {
                continue;
            }
            any_count = true;
            let now = self.layout.count(kind, &scope)?;
            let next = now.saturating_add_signed(delta);
            let key = count_key(kind, &scope);
            if next == 0 && scope != GLOBAL_SCOPE {
                counts.remove(key);
            } else {
                counts.insert(key, next.to_be_bytes().to_vec());
            }
        }
        if any_count {
            trees.push(self.layout.counts.clone());
            batches.push(counts);
        }
        Ok(Commit { trees, batches })
    }
}
