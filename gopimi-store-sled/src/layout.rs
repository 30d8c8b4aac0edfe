//! Which trees exist and how their keys are laid out.
//!
//! Per kind (named after the kind's table, so names are stable across releases):
//!
//! | tree | key | value |
//! |---|---|---|
//! | `<table>` (rows) | scope ++ id | the [`crate::row`] encoding |
//! | `<table>:loc` (workspace kinds only) | id | workspace (16 bytes) |
//! | `<table>:idx` | scope ++ `0x01` ++ field# ++ value ++ id | empty |
//! |  | `0xff`×16 ++ `0x01` ++ field# ++ value ++ id (cross-workspace fields, non-null values) | empty |
//! |  | scope ++ `0x02` ++ set# ++ member ++ id | empty |
//! |  | scope ++ `0x03` ++ workspace value ++ id (global kinds only) | empty |
//! | `<table>:uniq` (kinds with unique keys) | unique# ++ [workspace value] ++ values | id |
//! | `<table>:text` (searchable kinds) | scope ++ token ++ id | empty |
//!
//! plus `gopimi:counts` (table ++ `0x00` ++ scope → row count, u64 big-endian) and
//! `gopimi:meta` (the format marker, see [`crate::open`]).
//!
//! The *scope* is the row's workspace id for workspace-scoped kinds and sixteen zero bytes for
//! global kinds, so a workspace's rows, and each of its indexes, are one contiguous key range:
//! listing a workspace never touches another's keys. Values use the order-preserving
//! [`crate::codec`] encoding, so an index range scan yields rows in sort order. The unique keys,
//! set fields and the workspace of global kinds share one index tree per kind with a one-byte
//! sub-index prefix; that is the same as a tree per index, with fewer trees to open and to
//! enlist in a transaction.

use crate::codec::{put_value, value_bytes};
use crate::row::Row;
use gopimi_core::store::{Kind, Scope, Value};
use gopimi_core::{Error, Result};
use uuid::Uuid;

/// Sub-index prefix of a projected field entry.
pub const FIELD: u8 = 1;
/// Sub-index prefix of a set-member entry.
pub const SET: u8 = 2;
/// Sub-index prefix of the workspace entry of global kinds.
pub const WORKSPACE: u8 = 3;

/// The scope of global kinds.
pub const GLOBAL_SCOPE: [u8; 16] = [0; 16];

/// The pseudo-scope of the all-workspace index on a workspace-scoped kind's
/// [cross-workspace fields](gopimi_core::store::KindSchema::cross_workspace_fields): the SLA
/// sweep's due-ticket range. No workspace has this id (the max UUID is reserved), so its keys
/// never mix with a workspace's.
pub const CROSS_SCOPE: [u8; 16] = [0xff; 16];

/// The trees of one kind.
#[derive(Clone)]
pub struct KindTrees {
    pub rows: sled::Tree,
    pub idx: sled::Tree,
    pub loc: Option<sled::Tree>,
    pub uniq: Option<sled::Tree>,
    pub text: Option<sled::Tree>,
}

/// Every tree of a store.
#[derive(Clone)]
pub struct Layout {
    kinds: Vec<KindTrees>,
    pub counts: sled::Tree,
    pub meta: sled::Tree,
}

/// Which tree of a kind a write goes to; lets a batch group its writes per tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Rows,
    Loc,
    Idx,
    Uniq,
    Text,
}

/// Maps a sled error to the port's error.
pub fn storage(what: &str, e: sled::Error) -> Error {
    match e {
        sled::Error::Io(io) => Error::unavailable(format!("sled store: {what}"), io),
        other => Error::internal(format!("sled store: {what}"), other),
    }
}

fn slot(kind: Kind) -> usize {
    Kind::ALL.iter().position(|k| *k == kind).unwrap_or(0)
}

impl Layout {
    /// Opens (creating when missing) every tree.
    pub fn open(db: &sled::Db) -> Result<Layout> {
        let open = |name: String| db.open_tree(&name).map_err(|e| storage(&name, e));
        let mut kinds = Vec::with_capacity(Kind::ALL.len());
        for kind in Kind::ALL {
            let s = kind.schema();
            kinds.push(KindTrees {
                rows: open(s.table.to_owned())?,
                idx: open(format!("{}:idx", s.table))?,
                loc: match s.scope {
                    Scope::Workspace => Some(open(format!("{}:loc", s.table))?),
                    Scope::Global => None,
                },
                uniq: if s.uniques.is_empty() {
                    None
                } else {
                    Some(open(format!("{}:uniq", s.table))?)
                },
                text: if s.searchable {
                    Some(open(format!("{}:text", s.table))?)
                } else {
                    None
                },
            });
        }
        Ok(Layout {
            kinds,
            counts: open("gopimi:counts".to_owned())?,
            meta: open("gopimi:meta".to_owned())?,
        })
    }

    /// The trees of a kind.
    pub fn kind(&self, kind: Kind) -> &KindTrees {
        &self.kinds[slot(kind)]
    }

    /// The tree of a kind for a role (`None` when the kind has no such tree).
    pub fn tree(&self, kind: Kind, role: Role) -> Option<&sled::Tree> {
        let k = self.kind(kind);
        match role {
            Role::Rows => Some(&k.rows),
            Role::Idx => Some(&k.idx),
            Role::Loc => k.loc.as_ref(),
            Role::Uniq => k.uniq.as_ref(),
            Role::Text => k.text.as_ref(),
        }
    }

    /// The row count of a kind in a scope.
    pub fn count(&self, kind: Kind, scope: &[u8; 16]) -> Result<u64> {
        Ok(self
            .counts
            .get(count_key(kind, scope))
            .map_err(|e| storage("read count", e))?
            .and_then(|v| <[u8; 8]>::try_from(v.as_ref()).ok())
            .map(u64::from_be_bytes)
            .unwrap_or(0))
    }

    /// Reads a row by id: in a workspace (`Some`) or wherever it is (`None`). A row of another
    /// workspace is `None`.
    pub fn find_row(
        &self,
        kind: Kind,
        workspace_id: Option<Uuid>,
        id: Uuid,
    ) -> Result<Option<Row>> {
        let trees = self.kind(kind);
        let scope = match (kind.schema().scope, workspace_id) {
            (Scope::Global, _) => GLOBAL_SCOPE,
            (Scope::Workspace, Some(ws)) => *ws.as_bytes(),
            (Scope::Workspace, None) => {
                let Some(loc) = &trees.loc else {
                    return Ok(None);
                };
                match loc
                    .get(id.as_bytes())
                    .map_err(|e| storage("read location", e))?
                {
                    Some(ws) => <[u8; 16]>::try_from(ws.as_ref()).map_err(|_| {
                        Error::internal_msg(format!("sled store: bad location of {id}"))
                    })?,
                    None => return Ok(None),
                }
            }
        };
        let row = self.read_row(kind, &scope, id)?;
        Ok(row.filter(|r| workspace_id.is_none() || r.workspace_id == workspace_id))
    }

    /// Reads the row stored under `scope ++ id`.
    pub fn read_row(&self, kind: Kind, scope: &[u8; 16], id: Uuid) -> Result<Option<Row>> {
        match self
            .kind(kind)
            .rows
            .get(row_key(scope, id))
            .map_err(|e| storage("read row", e))?
        {
            Some(bytes) => Ok(Some(Row::decode(id, &bytes)?)),
            None => Ok(None),
        }
    }
}

/// The scope bytes of a row of `kind` in `workspace_id`.
pub fn scope_of(kind: Kind, workspace_id: Option<Uuid>) -> [u8; 16] {
    match (kind.schema().scope, workspace_id) {
        (Scope::Workspace, Some(ws)) => *ws.as_bytes(),
        _ => GLOBAL_SCOPE,
    }
}

/// `scope ++ id`.
pub fn row_key(scope: &[u8; 16], id: Uuid) -> [u8; 32] {
    let mut k = [0u8; 32];
    k[..16].copy_from_slice(scope);
    k[16..].copy_from_slice(id.as_bytes());
    k
}

/// The key of a kind's row count in a scope.
pub fn count_key(kind: Kind, scope: &[u8; 16]) -> Vec<u8> {
    let mut k = kind.table().as_bytes().to_vec();
    k.push(0);
    k.extend_from_slice(scope);
    k
}

/// `scope ++ 0x01 ++ field#`: the prefix of a field's index in a scope.
pub fn field_prefix(scope: &[u8; 16], field: usize) -> Vec<u8> {
    let mut k = scope.to_vec();
    k.push(FIELD);
    k.push(field as u8);
    k
}

/// `scope ++ 0x02 ++ set# ++ member`: the prefix of the rows whose set contains `member`.
pub fn set_prefix(scope: &[u8; 16], set: usize, member: Uuid) -> Vec<u8> {
    let mut k = scope.to_vec();
    k.push(SET);
    k.push(set as u8);
    k.extend_from_slice(member.as_bytes());
    k
}

/// `scope ++ 0x03 ++ workspace`: the prefix of a global kind's rows of one workspace.
pub fn workspace_prefix(workspace_id: Option<Uuid>) -> Vec<u8> {
    let mut k = GLOBAL_SCOPE.to_vec();
    k.push(WORKSPACE);
    put_value(&mut k, &Value::from(workspace_id));
    k
}

/// The unique-tree key of unique key `u` for a row, or `None` when one of its fields is
/// `Null` (NULLs never collide).
pub fn unique_key(
    kind: Kind,
    u: usize,
    workspace_id: Option<Uuid>,
    values: &[&Value],
) -> Option<Vec<u8>> {
    let def = kind.schema().uniques.get(u)?;
    let mut k = vec![u as u8];
    if def.scope == Scope::Workspace {
        put_value(&mut k, &Value::from(workspace_id));
    }
    for v in values {
        if v.is_null() {
            return None;
        }
        put_value(&mut k, v);
    }
    Some(k)
}

/// The unique-tree keys a row holds, with the unique key's name.
pub fn unique_keys(kind: Kind, row: &Row) -> Vec<(&'static str, Vec<u8>)> {
    let schema = kind.schema();
    let mut out = Vec::new();
    for (u, def) in schema.uniques.iter().enumerate() {
        let values: Vec<&Value> = def
            .fields
            .iter()
            .map(|f| schema.field_index(f).map_or(&Value::Null, |i| row.field(i)))
            .collect();
        if let Some(k) = unique_key(kind, u, row.workspace_id, &values) {
            out.push((def.name, k));
        }
    }
    out
}

/// Every secondary entry (location, field/set/workspace index, unique, token) a row writes,
/// as (role, key, value).
pub fn entries(kind: Kind, row: &Row) -> Vec<(Role, Vec<u8>, Vec<u8>)> {
    let schema = kind.schema();
    let scope = scope_of(kind, row.workspace_id);
    let id = row.id.as_bytes();
    let mut out = Vec::with_capacity(schema.fields.len() + row.tokens.len() + 4);
    if schema.scope == Scope::Workspace {
        out.push((Role::Loc, id.to_vec(), scope.to_vec()));
    }
    for i in 0..schema.fields.len() {
        let mut k = field_prefix(&scope, i);
        put_value(&mut k, row.field(i));
        k.extend_from_slice(id);
        out.push((Role::Idx, k, Vec::new()));
    }
    for k in cross_entries(kind, row) {
        out.push((Role::Idx, k, Vec::new()));
    }
    for (j, set) in row.sets.iter().enumerate().take(schema.sets.len()) {
        for member in set {
            let mut k = set_prefix(&scope, j, *member);
            k.extend_from_slice(id);
            out.push((Role::Idx, k, Vec::new()));
        }
    }
    if schema.scope == Scope::Global {
        let mut k = workspace_prefix(row.workspace_id);
        k.extend_from_slice(id);
        out.push((Role::Idx, k, Vec::new()));
    }
    for (_, k) in unique_keys(kind, row) {
        out.push((Role::Uniq, k, id.to_vec()));
    }
    if schema.searchable {
        for t in &row.tokens {
            let mut k = scope.to_vec();
            k.extend_from_slice(t.as_bytes());
            k.extend_from_slice(id);
            out.push((Role::Text, k, Vec::new()));
        }
    }
    out
}

/// The all-workspace index keys of a row's cross-workspace fields (set values only: the
/// cross-workspace queries are ranges, which never match Null).
pub fn cross_entries(kind: Kind, row: &Row) -> Vec<Vec<u8>> {
    let schema = kind.schema();
    if schema.scope != Scope::Workspace {
        return Vec::new();
    }
    let mut out = Vec::new();
    for name in schema.cross_workspace_fields() {
        let Some(i) = schema.field_index(name) else {
            continue;
        };
        if row.field(i).is_null() {
            continue;
        }
        let mut k = field_prefix(&CROSS_SCOPE, i);
        put_value(&mut k, row.field(i));
        k.extend_from_slice(row.id.as_bytes());
        out.push(k);
    }
    out
}

/// Format 1 stores predate the all-workspace index: writes its entries for every row once.
/// Idempotent (an interrupted upgrade is redone on the next open).
pub fn backfill_cross_entries(layout: &Layout) -> Result<u64> {
    let mut written = 0;
    for kind in Kind::ALL {
        if kind.schema().cross_workspace_fields().is_empty() {
            continue;
        }
        let trees = layout.kind(kind);
        for kv in trees.rows.iter() {
            let (k, v) = kv.map_err(|e| storage("upgrade: scan", e))?;
            let id = crate::codec::trailing_id(&k)?;
            let row = Row::decode(id, &v)?;
            for key in cross_entries(kind, &row) {
                trees
                    .idx
                    .insert(key, Vec::<u8>::new())
                    .map_err(|e| storage("upgrade: write index", e))?;
                written += 1;
            }
        }
    }
    Ok(written)
}

/// The encoding of one value (re-exported for the planner).
pub fn encoded(v: &Value) -> Vec<u8> {
    value_bytes(v)
}
