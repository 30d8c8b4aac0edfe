//! Pagination: offset pages with totals, and the keyset cursor (`after`), which must return the
//! same pages as offsets, ascending and descending, through ties and NULLs, with several keys,
//! and from a cursor whose row has since been deleted.
//!
//! The data set has many ties and NULLs on purpose: 23 probes, `status_rank` in 0..3 and
//! `last_activity_at` NULL for every fourth row and otherwise one of five times.

use super::sample::*;
use crate::store::{Cursor, Filter, Kind, Query, SortKey, Store, StoreExt, Value, Writes};
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

const ROWS: usize = 23;

/// The probes' sort values by id.
struct Data {
    ws: Ws,
    values: HashMap<Uuid, HashMap<&'static str, Value>>,
}

impl Data {
    fn cursor(&self, sort: &[SortKey], id: Uuid) -> Cursor {
        let row = &self.values[&id];
        Cursor {
            values: sort.iter().map(|k| row[k.field].clone()).collect(),
            id,
        }
    }
}

async fn data(s: &dyn Store) -> Data {
    let ws = new_workspace(s, "Pages").await;
    let mut probes = Vec::new();
    let mut values = HashMap::new();
    for i in 0..ROWS {
        let rank = Value::Int((i % 3) as i64);
        let at = if i % 4 == 0 {
            Value::Null
        } else {
            Value::from(t((i % 5) as i64))
        };
        let p = Probe::with_id(&ws, &format!("row-{i}"), Uuid::new_v4())
            .set("status_rank", rank.clone())
            .set("last_activity_at", at.clone());
        values.insert(
            p.id(),
            HashMap::from([("status_rank", rank), ("last_activity_at", at)]),
        );
        probes.push(p);
    }
    put_probes(s, probes).await;
    Data { ws, values }
}

fn base(d: &Data, sort: &[SortKey]) -> Query {
    let mut q = Query::new(Kind::Conversation, d.ws.scope());
    q.sort = sort.to_vec();
    q
}

/// Every row in one query, as the reference order.
async fn full(s: &dyn Store, d: &Data, sort: &[SortKey]) -> Vec<Uuid> {
    let res = ok(s.query(&base(d, sort).limit(1_000)).await, "query");
    assert_eq!(res.rows.len(), ROWS, "all rows in one page");
    ids(&res.rows)
}

/// All rows through offset pages of `size`, checking the total on each page.
async fn by_offset(s: &dyn Store, d: &Data, sort: &[SortKey], size: u32) -> Vec<Uuid> {
    let mut out = Vec::new();
    let mut offset = 0u64;
    loop {
        let q = base(d, sort).offset(offset).limit(size).with_total();
        let res = ok(s.query(&q).await, "offset page");
        assert_eq!(res.total, Some(ROWS as u64), "total at offset {offset}");
        if res.rows.is_empty() {
            return out;
        }
        assert!(
            res.rows.len() <= size as usize,
            "a page holds at most `limit` rows"
        );
        out.extend(ids(&res.rows));
        offset += u64::from(size);
        assert!(offset <= 10 * ROWS as u64, "offset pages never end");
    }
}

/// All rows through cursor pages of `size`.
async fn by_cursor(s: &dyn Store, d: &Data, sort: &[SortKey], size: u32) -> Vec<Uuid> {
    let mut out: Vec<Uuid> = Vec::new();
    let mut after = None;
    loop {
        let mut q = base(d, sort).limit(size).with_total();
        q.after = after.clone();
        let res = ok(s.query(&q).await, "cursor page");
        assert_eq!(res.total, Some(ROWS as u64), "the total ignores the cursor");
        let Some(last) = res.rows.last() else {
            return out;
        };
        after = Some(d.cursor(sort, last.id));
        out.extend(ids(&res.rows));
        assert!(out.len() <= 2 * ROWS, "cursor pages repeat rows");
    }
}

async fn check_walks(s: &dyn Store, d: &Data, sort: &[SortKey]) {
    let reference = full(s, d, sort).await;
    for size in [1u32, 4, 10] {
        assert_eq!(
            by_offset(s, d, sort, size).await,
            reference,
            "offset pages of {size} by {sort:?}"
        );
        assert_eq!(
            by_cursor(s, d, sort, size).await,
            reference,
            "cursor pages of {size} by {sort:?}"
        );
    }
}

/// Offset pages concatenate to the full list, each with the total.
pub async fn offset_pages_with_totals(store: Arc<dyn Store>) {
    let s = &*store;
    let d = data(s).await;
    let sort = [SortKey::asc("status_rank")];
    let reference = full(s, &d, &sort).await;
    assert_eq!(by_offset(s, &d, &sort, 10).await, reference);
    let second = ok(
        s.query(&base(&d, &sort).offset(10).limit(10)).await,
        "query",
    );
    assert_eq!(ids(&second.rows), reference[10..20].to_vec(), "page two");
    let last = ok(
        s.query(&base(&d, &sort).offset(20).limit(10)).await,
        "query",
    );
    assert_eq!(
        ids(&last.rows),
        reference[20..].to_vec(),
        "a short last page"
    );
}

/// An offset past the end gives no rows and still the total; a limit of 0 gives no rows and the
/// total.
pub async fn past_the_end_and_limit_zero(store: Arc<dyn Store>) {
    let s = &*store;
    let d = data(s).await;
    let past = ok(
        s.query(&base(&d, &[]).offset(1_000).limit(10).with_total())
            .await,
        "query",
    );
    assert!(past.rows.is_empty());
    assert_eq!(past.total, Some(ROWS as u64));
    let zero = ok(s.query(&base(&d, &[]).limit(0).with_total()).await, "query");
    assert!(zero.rows.is_empty(), "limit 0 returns no rows");
    assert_eq!(zero.total, Some(ROWS as u64));
}

/// Cursor pages equal offset pages, ascending.
pub async fn cursor_ascending(store: Arc<dyn Store>) {
    let s = &*store;
    let d = data(s).await;
    check_walks(s, &d, &[SortKey::asc("status_rank")]).await;
    check_walks(s, &d, &[]).await;
}

/// Cursor pages equal offset pages, descending.
pub async fn cursor_descending(store: Arc<dyn Store>) {
    let s = &*store;
    let d = data(s).await;
    check_walks(s, &d, &[SortKey::desc("status_rank")]).await;
}

/// Cursor pages equal offset pages on a key with NULLs (first ascending, last descending),
/// including cursors whose value is NULL.
pub async fn cursor_through_nulls(store: Arc<dyn Store>) {
    let s = &*store;
    let d = data(s).await;
    check_walks(s, &d, &[SortKey::asc("last_activity_at")]).await;
    check_walks(s, &d, &[SortKey::desc("last_activity_at")]).await;
}

/// Cursor pages equal offset pages with two keys in opposite directions.
pub async fn cursor_mixed_directions(store: Arc<dyn Store>) {
    let s = &*store;
    let d = data(s).await;
    check_walks(
        s,
        &d,
        &[
            SortKey::desc("status_rank"),
            SortKey::asc("last_activity_at"),
        ],
    )
    .await;
    check_walks(
        s,
        &d,
        &[
            SortKey::asc("last_activity_at"),
            SortKey::desc("status_rank"),
        ],
    )
    .await;
}

/// A cursor is values, not a row: after the row it came from is deleted, the next page is the
/// same as before. An offset given with a cursor skips rows after the cursor.
pub async fn cursor_from_deleted_row(store: Arc<dyn Store>) {
    let s = &*store;
    let d = data(s).await;
    let sort = [
        SortKey::desc("status_rank"),
        SortKey::asc("last_activity_at"),
    ];
    let reference = full(s, &d, &sort).await;
    let cursor = d.cursor(&sort, reference[7]);
    let mut w = Writes::new();
    w.delete_id(Kind::Conversation, d.ws.scope(), reference[7]);
    ok(w.apply(s).await, "delete the cursor's row");
    let mut q = base(&d, &sort).limit(5);
    q.after = Some(cursor);
    let res = ok(s.query(&q).await, "query");
    assert_eq!(ids(&res.rows), reference[8..13].to_vec());
    let skipped = ok(s.query(&q.offset(2)).await, "query");
    assert_eq!(
        ids(&skipped.rows),
        reference[10..15].to_vec(),
        "offset after the cursor"
    );
}

/// With a filter, the cursor and the total both apply to the filtered rows only; the total
/// ignores limit, offset and cursor.
pub async fn cursor_with_filter(store: Arc<dyn Store>) {
    let s = &*store;
    let d = data(s).await;
    let sort = [SortKey::asc("last_activity_at")];
    let filter = Filter::Ne("status_rank", Value::Int(1));
    let mut q = base(&d, &sort).filter(filter.clone()).limit(1_000);
    let reference = ids(&ok(s.query(&q).await, "query").rows);
    let expected = d
        .values
        .values()
        .filter(|v| v["status_rank"] != Value::Int(1))
        .count();
    assert_eq!(reference.len(), expected);
    q.limit = 3;
    q.count_total = true;
    let mut got = Vec::new();
    loop {
        let res = ok(s.query(&q).await, "query");
        assert_eq!(
            res.total,
            Some(expected as u64),
            "total of the filtered rows"
        );
        let Some(last) = res.rows.last() else { break };
        q.after = Some(d.cursor(&sort, last.id));
        got.extend(ids(&res.rows));
        assert!(got.len() <= ROWS, "cursor pages repeat rows");
    }
    assert_eq!(got, reference);
    let n = ok(s.count(&base(&d, &sort).filter(filter)).await, "count");
    assert_eq!(n, expected as u64);
}
