//! Reads: one row, many rows by id, and queries with filters, search, sort, offset, keyset
//! cursor and total count.
//!
//! A query is one `SELECT ... ORDER BY ... LIMIT ... OFFSET ...` and, when the total is asked
//! for, one `SELECT COUNT(*)` over the same conditions without the cursor. The two statements
//! are not one snapshot: a total may be off by rows committed in between, as with any list
//! that is read while it changes.

use crate::conditions::{Where, push_conditions, push_cursor, push_order};
use crate::dialect::{Dialect, RawRow};
use crate::errors::read_error;
use gopimi_core::store::{Kind, Query, QueryResult, StoredRecord};
use gopimi_core::{Error, Result};
use sqlx::{Database, QueryBuilder};
use std::collections::HashMap;
use uuid::Uuid;

/// Ids per `IN (...)` list; well under every engine's parameter limit.
const IDS_PER_STATEMENT: usize = 500;

pub(crate) fn to_stored(kind: Kind, row: RawRow) -> Result<StoredRecord> {
    let version = u64::try_from(row.version).map_err(|_| {
        Error::internal_msg(format!(
            "{} {} has a negative version {}",
            kind.noun(),
            row.id,
            row.version
        ))
    })?;
    Ok(StoredRecord {
        id: row.id,
        version,
        body: row.body,
    })
}

fn select<DB: Database>(kind: Kind) -> QueryBuilder<DB> {
    let mut qb = QueryBuilder::new("SELECT t.id, t.version, t.body FROM ");
    qb.push(kind.table()).push(" t");
    qb
}

pub(crate) async fn get<D: Dialect>(
    conn: &mut <D::DB as Database>::Connection,
    target: &str,
    kind: Kind,
    workspace_id: Option<Uuid>,
    id: Uuid,
) -> Result<Option<StoredRecord>> {
    let mut qb = select::<D::DB>(kind);
    qb.push(" WHERE t.id = ");
    D::push_id(&mut qb, id);
    if let Some(ws) = workspace_id {
        qb.push(" AND t.workspace_id = ");
        D::push_id(&mut qb, ws);
    }
    let rows = D::fetch_rows(conn, &mut qb)
        .await
        .map_err(|e| read_error::<D>(e, target))?;
    rows.into_iter()
        .next()
        .map(|r| to_stored(kind, r))
        .transpose()
}

pub(crate) async fn get_many<D: Dialect>(
    conn: &mut <D::DB as Database>::Connection,
    target: &str,
    kind: Kind,
    workspace_id: Option<Uuid>,
    ids: &[Uuid],
) -> Result<Vec<StoredRecord>> {
    let mut found: HashMap<Uuid, StoredRecord> = HashMap::with_capacity(ids.len());
    let mut unique: Vec<Uuid> = ids.to_vec();
    unique.sort_unstable();
    unique.dedup();
    for chunk in unique.chunks(IDS_PER_STATEMENT) {
        let mut qb = select::<D::DB>(kind);
        qb.push(" WHERE t.id IN (");
        for (i, id) in chunk.iter().enumerate() {
            if i > 0 {
                qb.push(", ");
            }
            D::push_id(&mut qb, *id);
        }
        qb.push(")");
        if let Some(ws) = workspace_id {
            qb.push(" AND t.workspace_id = ");
            D::push_id(&mut qb, ws);
        }
        for row in D::fetch_rows(conn, &mut qb)
            .await
            .map_err(|e| read_error::<D>(e, target))?
        {
            let r = to_stored(kind, row)?;
            found.insert(r.id, r);
        }
    }
    // Each row once, in the order first asked for.
    Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
}

pub(crate) async fn query<D: Dialect>(
    conn: &mut <D::DB as Database>::Connection,
    target: &str,
    q: &Query,
) -> Result<QueryResult> {
    q.validate()?;
    let schema = q.kind.schema();
    let mut rows = Vec::new();
    if q.limit > 0 {
        let mut qb = select::<D::DB>(q.kind);
        let mut w = Where::new();
        push_conditions::<D>(&mut qb, &mut w, q);
        if let Some(c) = &q.after {
            w.and(&mut qb);
            push_cursor::<D>(&mut qb, schema, &q.sort, c);
        }
        push_order::<D>(&mut qb, &q.sort);
        qb.push(" LIMIT ");
        D::push_int(&mut qb, i64::from(q.limit));
        qb.push(" OFFSET ");
        D::push_int(&mut qb, i64::try_from(q.offset).unwrap_or(i64::MAX));
        for row in D::fetch_rows(conn, &mut qb)
            .await
            .map_err(|e| read_error::<D>(e, target))?
        {
            rows.push(to_stored(q.kind, row)?);
        }
    }
    let total = if q.count_total {
        let mut qb = QueryBuilder::<D::DB>::new("SELECT COUNT(*) FROM ");
        qb.push(schema.table).push(" t");
        push_conditions::<D>(&mut qb, &mut Where::new(), q);
        let n = D::fetch_int(conn, &mut qb)
            .await
            .map_err(|e| read_error::<D>(e, target))?;
        Some(u64::try_from(n.unwrap_or(0)).unwrap_or(0))
    } else {
        None
    };
    Ok(QueryResult { rows, total })
}
