//! The in-memory store: the reference implementation of the storage port.
//!
//! Everything is held in one mutex-guarded state; a batch is applied in place with an undo log
//! and rolled back on the first failed precondition, so it is atomic. Unique keys are kept in
//! hash indexes, and queries with an equality on a single-field unique key use them; other
//! queries scan the kind. It is meant for tests, examples and small embedded uses, and it is the
//! behaviour every other backend must reproduce.

use super::query::{Cursor, Filter, Query, QueryResult, SortKey};
use super::record::{Record, StoredRecord};
use super::schema::{Kind, Scope, UniqueDef};
use super::value::Value;
use super::{Batch, Op, Store};
use crate::error::{Error, Result};
use async_trait::async_trait;
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use uuid::Uuid;

type UniqueIndexKey = (Kind, &'static str, Option<Uuid>, Vec<Value>);

#[derive(Default)]
struct State {
    rows: HashMap<Kind, BTreeMap<Uuid, Record>>,
    uniques: HashMap<UniqueIndexKey, Uuid>,
}

/// The in-memory store.
#[derive(Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStore").finish_non_exhaustive()
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryStore::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave a half-applied batch (the undo log runs
        // before any error returns), so a poisoned lock is still consistent.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn unique_key(u: &UniqueDef, r: &Record) -> Option<UniqueIndexKey> {
    let mut values = Vec::with_capacity(u.fields.len());
    for f in u.fields {
        let v = r.field(f)?.clone();
        if v.is_null() {
            return None;
        }
        values.push(v);
    }
    let ws = match u.scope {
        Scope::Workspace => r.workspace_id,
        Scope::Global => None,
    };
    Some((r.kind, u.name, ws, values))
}

fn visible(r: &Record, workspace_id: Option<Uuid>) -> bool {
    match workspace_id {
        Some(ws) => r.workspace_id == Some(ws),
        None => true,
    }
}

/// Whether an update may replace `current` with `next`: same workspace; or, for a global kind, a
/// row without a workspace getting one (an inbound item once routed).
fn may_update(current: &Record, next: &Record) -> bool {
    current.workspace_id == next.workspace_id
        || (current.kind.schema().scope == Scope::Global && current.workspace_id.is_none())
}

enum Undo {
    Put(Record),
    Remove(Kind, Uuid),
}

impl State {
    fn table(&mut self, kind: Kind) -> &mut BTreeMap<Uuid, Record> {
        self.rows.entry(kind).or_default()
    }

    fn get(&self, kind: Kind, id: &Uuid) -> Option<&Record> {
        self.rows.get(&kind).and_then(|t| t.get(id))
    }

    /// Checks the unique keys of `r` are free (or held by `r.id` itself).
    fn check_uniques(&self, r: &Record) -> Result<()> {
        for u in r.kind.schema().uniques {
            if let Some(key) = unique_key(u, r)
                && let Some(holder) = self.uniques.get(&key)
                && *holder != r.id
            {
                return Err(Error::conflict(u.name));
            }
        }
        Ok(())
    }

    fn remove(&mut self, kind: Kind, id: Uuid) -> Option<Record> {
        let old = self.table(kind).remove(&id)?;
        for u in kind.schema().uniques {
            if let Some(key) = unique_key(u, &old)
                && self.uniques.get(&key) == Some(&id)
            {
                self.uniques.remove(&key);
            }
        }
        Some(old)
    }

    fn put(&mut self, r: Record) -> Option<Record> {
        let old = self.remove(r.kind, r.id);
        for u in r.kind.schema().uniques {
            if let Some(key) = unique_key(u, &r) {
                self.uniques.insert(key, r.id);
            }
        }
        self.table(r.kind).insert(r.id, r);
        old
    }

    fn apply_op(&mut self, op: Op, undo: &mut Vec<Undo>) -> Result<()> {
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
                if self.get(r.kind, &r.id).is_some() {
                    return Err(Error::conflict(format!(
                        "{} {} exists",
                        r.kind.noun(),
                        r.id
                    )));
                }
                self.check_uniques(&r)?;
                undo.push(Undo::Remove(r.kind, r.id));
                self.put(r);
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
                let current = self
                    .get(record.kind, &record.id)
                    .filter(|c| may_update(c, &record))
                    .ok_or(Error::NotFound {
                        what: record.kind.noun(),
                    })?;
                if current.version != expected_version {
                    return Err(Error::conflict(format!(
                        "{} {} changed (version {} expected, {} stored)",
                        record.kind.noun(),
                        record.id,
                        expected_version,
                        current.version
                    )));
                }
                self.check_uniques(&record)?;
                if let Some(old) = self.put(record) {
                    undo.push(Undo::Put(old));
                }
            }
            Op::Delete {
                kind,
                workspace_id,
                id,
                expected_version,
            } => {
                let current = self
                    .get(kind, &id)
                    .filter(|c| visible(c, workspace_id))
                    .ok_or(Error::NotFound { what: kind.noun() })?;
                if let Some(v) = expected_version
                    && current.version != v
                {
                    return Err(Error::conflict(format!("{} {id} changed", kind.noun())));
                }
                if let Some(old) = self.remove(kind, id) {
                    undo.push(Undo::Put(old));
                }
            }
            Op::Require {
                kind,
                workspace_id,
                id,
                version,
            } => {
                let current = self
                    .get(kind, &id)
                    .filter(|c| visible(c, workspace_id))
                    .ok_or(Error::NotFound { what: kind.noun() })?;
                if let Some(v) = version
                    && current.version != v
                {
                    return Err(Error::conflict(format!("{} {id} changed", kind.noun())));
                }
            }
            Op::PurgeWorkspace(ws) => {
                for kind in Kind::ALL {
                    if kind == Kind::Workspace {
                        continue;
                    }
                    let ids: Vec<Uuid> = self
                        .rows
                        .get(&kind)
                        .map(|t| {
                            t.values()
                                .filter(|r| r.workspace_id == Some(ws))
                                .map(|r| r.id)
                                .collect()
                        })
                        .unwrap_or_default();
                    for id in ids {
                        if let Some(old) = self.remove(kind, id) {
                            undo.push(Undo::Put(old));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn rollback(&mut self, undo: Vec<Undo>) {
        for u in undo.into_iter().rev() {
            match u {
                Undo::Put(r) => {
                    self.put(r);
                }
                Undo::Remove(kind, id) => {
                    self.remove(kind, id);
                }
            }
        }
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

/// Whether a record matches one filter.
pub(crate) fn matches_filter(r: &Record, f: &Filter) -> bool {
    let value = |name: &str| r.field(name).cloned().unwrap_or(Value::Null);
    match f {
        Filter::Eq(n, v) => !v.is_null() && value(n) == *v,
        Filter::Ne(n, v) => {
            let x = value(n);
            !v.is_null() && !x.is_null() && x != *v
        }
        Filter::In(n, vs) => {
            let x = value(n);
            !x.is_null() && vs.contains(&x)
        }
        Filter::Gte(n, v) => {
            let x = value(n);
            !v.is_null() && !x.is_null() && x.cmp_total(v) != Ordering::Less
        }
        Filter::Lte(n, v) => {
            let x = value(n);
            !v.is_null() && !x.is_null() && x.cmp_total(v) != Ordering::Greater
        }
        Filter::Lt(n, v) => {
            let x = value(n);
            !v.is_null() && !x.is_null() && x.cmp_total(v) == Ordering::Less
        }
        Filter::IsNull(n) => value(n).is_null(),
        Filter::NotNull(n) => !value(n).is_null(),
        Filter::Contains(n, id) => r
            .kind
            .schema()
            .sets
            .iter()
            .position(|s| s == n)
            .and_then(|i| r.sets.get(i))
            .is_some_and(|s| s.contains(id)),
    }
}

/// Whether every search word is a prefix of some word of the record's search text.
pub(crate) fn matches_search(r: &Record, words: &[String]) -> bool {
    if words.is_empty() {
        return true;
    }
    let Some(text) = &r.search_text else {
        return false;
    };
    words
        .iter()
        .all(|w| text.split(' ').any(|t| t.starts_with(w.as_str())))
}

fn sort_values(r: &Record, sort: &[SortKey]) -> Vec<Value> {
    sort.iter()
        .map(|k| r.field(k.field).cloned().unwrap_or(Value::Null))
        .collect()
}

/// Compares (values, id) tuples under the sort's directions; `id` always ascending.
pub(crate) fn compare_keys(sort: &[SortKey], a: (&[Value], Uuid), b: (&[Value], Uuid)) -> Ordering {
    for (i, k) in sort.iter().enumerate() {
        let o = a.0[i].cmp_total(&b.0[i]);
        let o = if k.descending { o.reverse() } else { o };
        if o != Ordering::Equal {
            return o;
        }
    }
    a.1.cmp(&b.1)
}

fn after_cursor(r: &Record, sort: &[SortKey], c: &Cursor) -> bool {
    let v = sort_values(r, sort);
    compare_keys(sort, (&v, r.id), (&c.values, c.id)) == Ordering::Greater
}

#[async_trait]
impl Store for MemoryStore {
    async fn get(
        &self,
        kind: Kind,
        workspace_id: Option<Uuid>,
        id: Uuid,
    ) -> Result<Option<StoredRecord>> {
        let state = self.lock();
        Ok(state
            .get(kind, &id)
            .filter(|r| visible(r, workspace_id))
            .map(to_stored))
    }

    async fn get_many(
        &self,
        kind: Kind,
        workspace_id: Option<Uuid>,
        ids: &[Uuid],
    ) -> Result<Vec<StoredRecord>> {
        let state = self.lock();
        let mut seen = std::collections::HashSet::with_capacity(ids.len());
        Ok(ids
            .iter()
            .filter(|id| seen.insert(**id))
            .filter_map(|id| state.get(kind, id))
            .filter(|r| visible(r, workspace_id))
            .map(to_stored)
            .collect())
    }

    async fn query(&self, q: &Query) -> Result<QueryResult> {
        q.validate()?;
        let state = self.lock();
        let Some(table) = state.rows.get(&q.kind) else {
            return Ok(QueryResult {
                rows: Vec::new(),
                total: q.count_total.then_some(0),
            });
        };
        // Use a single-field unique index for an equality filter when there is one.
        let indexed: Option<Vec<&Record>> = q.filters.iter().find_map(|f| {
            let Filter::Eq(name, v) = f else { return None };
            let u = q
                .kind
                .schema()
                .uniques
                .iter()
                .find(|u| u.fields == [*name])?;
            let ws = match u.scope {
                Scope::Workspace => Some(q.workspace_id?),
                Scope::Global => None,
            };
            let id = state.uniques.get(&(q.kind, u.name, ws, vec![v.clone()]));
            Some(id.and_then(|id| table.get(id)).into_iter().collect())
        });
        let candidates: Box<dyn Iterator<Item = &Record>> = match indexed {
            Some(v) => Box::new(v.into_iter()),
            None => Box::new(table.values()),
        };
        let mut matched: Vec<&Record> = candidates
            .filter(|r| visible(r, q.workspace_id))
            .filter(|r| q.filters.iter().all(|f| matches_filter(r, f)))
            .filter(|r| matches_search(r, &q.search))
            .collect();
        let total = q.count_total.then_some(matched.len() as u64);
        let mut keyed: Vec<(Vec<Value>, &Record)> = matched
            .drain(..)
            .map(|r| (sort_values(r, &q.sort), r))
            .collect();
        keyed.sort_by(|a, b| compare_keys(&q.sort, (&a.0, a.1.id), (&b.0, b.1.id)));
        let rows = keyed
            .into_iter()
            .map(|(_, r)| r)
            .filter(|r| q.after.as_ref().is_none_or(|c| after_cursor(r, &q.sort, c)))
            .skip(usize::try_from(q.offset).unwrap_or(usize::MAX))
            .take(q.limit as usize)
            .map(to_stored)
            .collect();
        Ok(QueryResult { rows, total })
    }

    async fn apply(&self, batch: Batch) -> Result<()> {
        let mut state = self.lock();
        let mut undo = Vec::new();
        for op in batch.ops {
            if let Err(e) = state.apply_op(op, &mut undo) {
                state.rollback(undo);
                return Err(e);
            }
        }
        Ok(())
    }

    async fn ping(&self) -> Result<()> {
        Ok(())
    }
}

fn to_stored(r: &Record) -> StoredRecord {
    StoredRecord {
        id: r.id,
        version: r.version,
        body: r.body.clone(),
    }
}
