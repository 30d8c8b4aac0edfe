//! The atomic batch: every [`Op`] of a [`Batch`] in one transaction, with the preconditions of
//! `gopimi_core::store::batch` checked by the statements themselves, so they hold at commit:
//!
//! - `Insert`: the primary key and the unique constraints reject taken ids and keys;
//! - `Update`: `... WHERE id = ? AND workspace_id = ? AND version = ?`; when no row changed, one
//!   more look-up tells a missing row (`NotFound`) from a changed one (`Conflict`);
//! - `Delete`: the same, with the version only when given;
//! - `Require`: a `SELECT` that takes a share lock where the engine has one (SQLite holds the
//!   database's write lock for the whole batch instead);
//! - `PurgeWorkspace`: one `DELETE ... WHERE workspace_id = ?` per kind; set tables follow
//!   their rows through `ON DELETE CASCADE`.
//!
//! The first failing operation returns its error; dropping the transaction rolls back.

use crate::conditions::fits;
use crate::dialect::Dialect;
use crate::errors::{WriteContext, write_error};
use gopimi_core::store::{FieldType, Kind, Op, Record, Scope, Value};
use gopimi_core::{Error, Result};
use sqlx::{Database, QueryBuilder};
use uuid::Uuid;

/// Set values per multi-row `INSERT`.
const VALUES_PER_STATEMENT: usize = 300;

type Conn<D> = <<D as Dialect>::DB as Database>::Connection;

/// Applies one operation inside the batch's transaction.
pub(crate) async fn apply_op<D: Dialect>(conn: &mut Conn<D>, target: &str, op: Op) -> Result<()> {
    match op {
        Op::Insert(r) => insert::<D>(conn, target, &r).await,
        Op::Update {
            record,
            expected_version,
        } => update::<D>(conn, target, &record, expected_version).await,
        Op::Delete {
            kind,
            workspace_id,
            id,
            expected_version,
        } => delete::<D>(conn, target, kind, workspace_id, id, expected_version).await,
        Op::Require {
            kind,
            workspace_id,
            id,
            version,
        } => require::<D>(conn, target, kind, workspace_id, id, version).await,
        Op::PurgeWorkspace(ws) => purge::<D>(conn, target, ws).await,
    }
}

/// A record fit to be written: scoped kinds have a workspace, and it carries one value of the
/// declared type per projected field. (The reference store checks the first; the rest is what a
/// typed SQL row needs.)
fn check_record(r: &Record) -> Result<()> {
    let schema = r.kind.schema();
    if schema.scope == Scope::Workspace && r.workspace_id.is_none() {
        return Err(Error::internal_msg(format!(
            "{} {} has no workspace",
            r.kind.noun(),
            r.id
        )));
    }
    if r.fields.len() != schema.fields.len() || r.sets.len() > schema.sets.len() {
        return Err(Error::internal_msg(format!(
            "{} {} has {} fields and {} sets, the schema declares {} and {}",
            r.kind.noun(),
            r.id,
            r.fields.len(),
            r.sets.len(),
            schema.fields.len(),
            schema.sets.len()
        )));
    }
    for (f, v) in schema.fields.iter().zip(&r.fields) {
        if !v.is_null() && !fits(f.ty, v) {
            return Err(Error::internal_msg(format!(
                "{} {}: field {} holds {v:?}, declared {:?}",
                r.kind.noun(),
                r.id,
                f.name,
                f.ty
            )));
        }
    }
    Ok(())
}

fn version(v: u64) -> Result<i64> {
    i64::try_from(v)
        .map_err(|_| Error::internal_msg(format!("version {v} does not fit a SQL BIGINT")))
}

fn ctx(kind: Kind, id: Uuid, deleting: bool) -> WriteContext {
    WriteContext {
        kind,
        id: Some(id),
        deleting,
    }
}

/// Which rows an operation may touch, by workspace.
#[derive(Clone, Copy)]
enum Visible<'a> {
    /// Any row (a delete or require without a workspace).
    Any,
    /// Rows of this workspace, as on reads.
    In(Uuid),
    /// The rows an update may replace: the record's workspace, or, for a global kind, also a
    /// row without a workspace, which the update gives one (an inbound item once routed).
    UpdatableBy(&'a Record),
}

impl Visible<'_> {
    fn of(workspace_id: Option<Uuid>) -> Self {
        workspace_id.map_or(Visible::Any, Visible::In)
    }

    fn push<D: Dialect>(self, qb: &mut QueryBuilder<D::DB>) {
        match self {
            Visible::Any => {}
            Visible::In(ws) => {
                qb.push(" AND workspace_id = ");
                D::push_id(qb, ws);
            }
            Visible::UpdatableBy(r) => match r.workspace_id {
                None => {
                    qb.push(" AND workspace_id IS NULL");
                }
                Some(ws) if r.kind.schema().scope == Scope::Global => {
                    qb.push(" AND (workspace_id IS NULL OR workspace_id = ");
                    D::push_id(qb, ws);
                    qb.push(")");
                }
                Some(ws) => {
                    qb.push(" AND workspace_id = ");
                    D::push_id(qb, ws);
                }
            },
        }
    }
}

async fn insert<D: Dialect>(conn: &mut Conn<D>, target: &str, r: &Record) -> Result<()> {
    check_record(r)?;
    if r.version != 1 {
        return Err(Error::internal_msg(format!(
            "{} {} inserted with version {} (must be 1)",
            r.kind.noun(),
            r.id,
            r.version
        )));
    }
    let schema = r.kind.schema();
    let mut qb = QueryBuilder::<D::DB>::new("INSERT INTO ");
    qb.push(schema.table)
        .push(" (id, workspace_id, version, body");
    for f in schema.fields {
        qb.push(", ").push(f.name);
    }
    if schema.searchable {
        qb.push(", search_text");
    }
    qb.push(") VALUES (");
    D::push_id(&mut qb, r.id);
    qb.push(", ");
    D::push_opt_id(&mut qb, r.workspace_id);
    qb.push(", ");
    D::push_int(&mut qb, version(r.version)?);
    qb.push(", ");
    D::push_text(&mut qb, &r.body);
    push_field_values::<D>(&mut qb, r, ", ");
    qb.push(")");
    if let Err(e) = D::execute(conn, &mut qb).await {
        let err = write_error::<D>(e, target, ctx(r.kind, r.id, false));
        // A taken id is reported before a taken key, as by the reference store; SQLite may
        // report the key first when both are taken.
        let exists = format!("{} {} exists", r.kind.noun(), r.id);
        if D::STATEMENT_ERROR_KEEPS_TRANSACTION
            && matches!(&err, Error::Conflict { what } if *what != exists)
            && stored_version::<D>(conn, target, r.kind, Visible::Any, r.id, "")
                .await?
                .is_some()
        {
            return Err(Error::conflict(exists));
        }
        return Err(err);
    }
    insert_sets::<D>(conn, target, r).await
}

/// The projected values (and the search text) of a record, each preceded by `sep`.
fn push_field_values<D: Dialect>(qb: &mut QueryBuilder<D::DB>, r: &Record, sep: &str) {
    let schema = r.kind.schema();
    for (f, v) in schema.fields.iter().zip(&r.fields) {
        qb.push(sep);
        D::push_value(qb, f.ty, v);
    }
    if schema.searchable {
        qb.push(sep);
        D::push_value(qb, FieldType::Text, &Value::from(r.search_text.clone()));
    }
}

async fn insert_sets<D: Dialect>(conn: &mut Conn<D>, target: &str, r: &Record) -> Result<()> {
    let schema = r.kind.schema();
    for (name, values) in schema.sets.iter().zip(&r.sets) {
        let mut values = values.clone();
        values.sort_unstable();
        values.dedup();
        for chunk in values.chunks(VALUES_PER_STATEMENT) {
            let mut qb = QueryBuilder::<D::DB>::new("INSERT INTO ");
            qb.push(schema.table)
                .push("_")
                .push(*name)
                .push(" (owner_id, workspace_id, value_id) VALUES ");
            for (i, v) in chunk.iter().enumerate() {
                qb.push(if i > 0 { ", (" } else { "(" });
                D::push_id(&mut qb, r.id);
                qb.push(", ");
                D::push_opt_id(&mut qb, r.workspace_id);
                qb.push(", ");
                D::push_id(&mut qb, *v);
                qb.push(")");
            }
            D::execute(conn, &mut qb)
                .await
                .map_err(|e| write_error::<D>(e, target, ctx(r.kind, r.id, false)))?;
        }
    }
    Ok(())
}

async fn update<D: Dialect>(
    conn: &mut Conn<D>,
    target: &str,
    r: &Record,
    expected: u64,
) -> Result<()> {
    check_record(r)?;
    if Some(r.version) != expected.checked_add(1) {
        return Err(Error::internal_msg(format!(
            "{} {} updated to version {} from {expected} (must be one more)",
            r.kind.noun(),
            r.id,
            r.version
        )));
    }
    let schema = r.kind.schema();
    let mut qb = QueryBuilder::<D::DB>::new("UPDATE ");
    qb.push(schema.table).push(" SET version = ");
    D::push_int(&mut qb, version(r.version)?);
    // Unchanged, except a global row without a workspace being given one.
    qb.push(", workspace_id = ");
    D::push_opt_id(&mut qb, r.workspace_id);
    qb.push(", body = ");
    D::push_text(&mut qb, &r.body);
    for (f, v) in schema.fields.iter().zip(&r.fields) {
        qb.push(", ").push(f.name).push(" = ");
        D::push_value(&mut qb, f.ty, v);
    }
    if schema.searchable {
        qb.push(", search_text = ");
        D::push_value(
            &mut qb,
            FieldType::Text,
            &Value::from(r.search_text.clone()),
        );
    }
    qb.push(" WHERE id = ");
    D::push_id(&mut qb, r.id);
    Visible::UpdatableBy(r).push::<D>(&mut qb);
    qb.push(" AND version = ");
    D::push_int(&mut qb, version(expected)?);
    let changed = D::execute(conn, &mut qb)
        .await
        .map_err(|e| write_error::<D>(e, target, ctx(r.kind, r.id, false)))?;
    if changed == 0 {
        let visible = Visible::UpdatableBy(r);
        let stored = stored_version::<D>(conn, target, r.kind, visible, r.id, "").await?;
        return Err(match stored {
            None => Error::NotFound {
                what: r.kind.noun(),
            },
            Some(v) => Error::conflict(format!(
                "{} {} changed (version {expected} expected, {v} stored)",
                r.kind.noun(),
                r.id
            )),
        });
    }
    if !schema.sets.is_empty() {
        for name in schema.sets {
            let mut qb = QueryBuilder::<D::DB>::new("DELETE FROM ");
            qb.push(schema.table)
                .push("_")
                .push(*name)
                .push(" WHERE owner_id = ");
            D::push_id(&mut qb, r.id);
            D::execute(conn, &mut qb)
                .await
                .map_err(|e| write_error::<D>(e, target, ctx(r.kind, r.id, false)))?;
        }
        insert_sets::<D>(conn, target, r).await?;
    }
    Ok(())
}

/// The stored version of a row, if it exists and is visible.
async fn stored_version<D: Dialect>(
    conn: &mut Conn<D>,
    target: &str,
    kind: Kind,
    visible: Visible<'_>,
    id: Uuid,
    lock: &str,
) -> Result<Option<u64>> {
    let mut qb = QueryBuilder::<D::DB>::new("SELECT version FROM ");
    qb.push(kind.table()).push(" WHERE id = ");
    D::push_id(&mut qb, id);
    visible.push::<D>(&mut qb);
    qb.push(lock);
    let v = D::fetch_int(conn, &mut qb)
        .await
        .map_err(|e| write_error::<D>(e, target, ctx(kind, id, false)))?;
    Ok(v.map(|v| u64::try_from(v).unwrap_or(0)))
}

async fn delete<D: Dialect>(
    conn: &mut Conn<D>,
    target: &str,
    kind: Kind,
    workspace_id: Option<Uuid>,
    id: Uuid,
    expected: Option<u64>,
) -> Result<()> {
    let mut qb = QueryBuilder::<D::DB>::new("DELETE FROM ");
    qb.push(kind.table()).push(" WHERE id = ");
    D::push_id(&mut qb, id);
    Visible::of(workspace_id).push::<D>(&mut qb);
    if let Some(v) = expected {
        qb.push(" AND version = ");
        D::push_int(&mut qb, version(v)?);
    }
    let changed = D::execute(conn, &mut qb)
        .await
        .map_err(|e| write_error::<D>(e, target, ctx(kind, id, true)))?;
    if changed == 0 {
        let visible = Visible::of(workspace_id);
        return Err(
            match stored_version::<D>(conn, target, kind, visible, id, "").await? {
                None => Error::NotFound { what: kind.noun() },
                Some(_) => Error::conflict(format!("{} {id} changed", kind.noun())),
            },
        );
    }
    Ok(())
}

async fn require<D: Dialect>(
    conn: &mut Conn<D>,
    target: &str,
    kind: Kind,
    workspace_id: Option<Uuid>,
    id: Uuid,
    version: Option<u64>,
) -> Result<()> {
    let visible = Visible::of(workspace_id);
    match stored_version::<D>(conn, target, kind, visible, id, D::SHARE_LOCK).await? {
        None => Err(Error::NotFound { what: kind.noun() }),
        Some(stored) if version.is_some_and(|v| v != stored) => {
            Err(Error::conflict(format!("{} {id} changed", kind.noun())))
        }
        Some(_) => Ok(()),
    }
}

async fn purge<D: Dialect>(conn: &mut Conn<D>, target: &str, ws: Uuid) -> Result<()> {
    for kind in Kind::ALL.iter().rev() {
        if *kind == Kind::Workspace {
            continue;
        }
        let mut qb = QueryBuilder::<D::DB>::new("DELETE FROM ");
        qb.push(kind.table()).push(" WHERE workspace_id = ");
        D::push_id(&mut qb, ws);
        D::execute(conn, &mut qb).await.map_err(|e| {
            write_error::<D>(
                e,
                target,
                WriteContext {
                    kind: *kind,
                    id: None,
                    deleting: true,
                },
            )
        })?;
    }
    Ok(())
}
