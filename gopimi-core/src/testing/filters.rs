//! Every filter operation on every field type, with SQL's NULL semantics: only `IsNull` matches a
//! NULL field; a comparison with a NULL operand matches nothing; `In` with an empty list matches
//! nothing. Text compares byte-wise (no collation: case, accents and trailing spaces matter).
//!
//! The rows are [`Probe`]s, so the cases control every projected value.

use super::sample::*;
use crate::store::{Filter, Kind, Query, Store, Value};
use std::sync::Arc;
use uuid::Uuid;

/// Runs a query with the given filters and returns the matching ids, sorted.
async fn matching(s: &dyn Store, ws: &Ws, filters: Vec<Filter>) -> Vec<Uuid> {
    let mut q = Query::new(Kind::Conversation, ws.scope());
    q.filters = filters.clone();
    sorted_ids(&ok(s.query(&q).await, &format!("query with {filters:?}")).rows)
}

/// Asserts a filter set matches exactly `want` (in any order).
async fn expect(s: &dyn Store, ws: &Ws, filters: Vec<Filter>, want: &[Uuid]) {
    let got = matching(s, ws, filters.clone()).await;
    assert_eq!(got, sorted(want.to_vec()), "rows matching {filters:?}");
}

/// `Eq` on Text, Int, Bool, Time and Uuid fields matches exactly the rows with that value.
pub async fn eq_each_type(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "Eq").await;
    let mut u1 = user("eq-one@example.org");
    let mut u2 = user("eq-two@example.org");
    put(s, &mut u1).await;
    put(s, &mut u2).await;
    let p = put_probes(
        s,
        vec![
            Probe::new(&ws, "a")
                .set("status", "open")
                .set("status_rank", 1i64)
                .set("spam", false)
                .set("created_at", t(1))
                .set("owner_id", u1.id.0),
            Probe::new(&ws, "b")
                .set("status", "closed")
                .set("status_rank", 2i64)
                .set("spam", true)
                .set("created_at", t(2))
                .set("owner_id", u2.id.0),
            Probe::new(&ws, "nulls"),
        ],
    )
    .await;
    expect(s, &ws, vec![Filter::Eq("status", "open".into())], &[p[0]]).await;
    expect(
        s,
        &ws,
        vec![Filter::Eq("status_rank", 2i64.into())],
        &[p[1]],
    )
    .await;
    expect(s, &ws, vec![Filter::Eq("spam", false.into())], &[p[0]]).await;
    expect(s, &ws, vec![Filter::Eq("spam", true.into())], &[p[1]]).await;
    expect(s, &ws, vec![Filter::Eq("created_at", t(1).into())], &[p[0]]).await;
    expect(
        s,
        &ws,
        vec![Filter::Eq("owner_id", u2.id.0.into())],
        &[p[1]],
    )
    .await;
    expect(s, &ws, vec![Filter::Eq("status", "pending".into())], &[]).await;
}

/// `Ne` matches rows with another value and never rows where the field is NULL.
pub async fn ne_skips_null(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "Ne").await;
    let p = put_probes(
        s,
        vec![
            Probe::new(&ws, "open")
                .set("status", "open")
                .set("spam", false),
            Probe::new(&ws, "closed")
                .set("status", "closed")
                .set("spam", true),
            Probe::new(&ws, "null"),
        ],
    )
    .await;
    expect(s, &ws, vec![Filter::Ne("status", "open".into())], &[p[1]]).await;
    expect(s, &ws, vec![Filter::Ne("spam", true.into())], &[p[0]]).await;
    expect(
        s,
        &ws,
        vec![Filter::Ne("status", "pending".into())],
        &[p[0], p[1]],
    )
    .await;
}

/// `In` matches any listed value (Text, Int, Uuid), ignores duplicates in the list, never
/// matches NULL fields, and with an empty list matches nothing.
pub async fn in_list(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "In").await;
    let mut u1 = user("in-one@example.org");
    put(s, &mut u1).await;
    let p = put_probes(
        s,
        vec![
            Probe::new(&ws, "open")
                .set("status", "open")
                .set("status_rank", 0i64),
            Probe::new(&ws, "pending")
                .set("status", "pending")
                .set("status_rank", 2i64),
            Probe::new(&ws, "closed")
                .set("status", "closed")
                .set("status_rank", 4i64)
                .set("owner_id", u1.id.0),
            Probe::new(&ws, "null"),
        ],
    )
    .await;
    let text = |v: &[&str]| v.iter().map(|s| Value::from(*s)).collect::<Vec<_>>();
    expect(
        s,
        &ws,
        vec![Filter::In("status", text(&["open", "closed"]))],
        &[p[0], p[2]],
    )
    .await;
    expect(
        s,
        &ws,
        vec![Filter::In("status", text(&["open", "open"]))],
        &[p[0]],
    )
    .await;
    expect(
        s,
        &ws,
        vec![Filter::In(
            "status_rank",
            vec![2i64.into(), 4i64.into(), 9i64.into()],
        )],
        &[p[1], p[2]],
    )
    .await;
    expect(
        s,
        &ws,
        vec![Filter::In("owner_id", vec![u1.id.0.into()])],
        &[p[2]],
    )
    .await;
    expect(s, &ws, vec![Filter::In("status", Vec::new())], &[]).await;
    expect(s, &ws, vec![Filter::In("status_rank", Vec::new())], &[]).await;
}

/// `Gte`, `Lte` and `Lt` on integers, including negatives and the extremes of i64; NULL never
/// matches.
pub async fn int_ranges(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "IntRange").await;
    let values = [i64::MIN, -5, 0, 5, i64::MAX];
    let mut probes: Vec<Probe> = values
        .iter()
        .map(|v| Probe::new(&ws, &v.to_string()).set("status_rank", *v))
        .collect();
    probes.push(Probe::new(&ws, "null"));
    let p = put_probes(s, probes).await;
    let f = "status_rank";
    expect(
        s,
        &ws,
        vec![Filter::Gte(f, 0i64.into())],
        &[p[2], p[3], p[4]],
    )
    .await;
    expect(
        s,
        &ws,
        vec![Filter::Lte(f, 0i64.into())],
        &[p[0], p[1], p[2]],
    )
    .await;
    expect(s, &ws, vec![Filter::Lt(f, 0i64.into())], &[p[0], p[1]]).await;
    expect(s, &ws, vec![Filter::Lt(f, (-5i64).into())], &[p[0]]).await;
    expect(s, &ws, vec![Filter::Gte(f, i64::MIN.into())], &p[..5]).await;
    expect(s, &ws, vec![Filter::Lt(f, i64::MIN.into())], &[]).await;
    expect(s, &ws, vec![Filter::Lte(f, i64::MAX.into())], &p[..5]).await;
    expect(s, &ws, vec![Filter::Gte(f, i64::MAX.into())], &[p[4]]).await;
}

/// `Gte`, `Lte` and `Lt` on times, exact at the boundary; NULL never matches.
pub async fn time_ranges(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "TimeRange").await;
    let p = put_probes(
        s,
        vec![
            Probe::new(&ws, "early").set("last_activity_at", t(-3_600)),
            Probe::new(&ws, "now").set("last_activity_at", t0()),
            Probe::new(&ws, "later").set("last_activity_at", t_us(1)),
            Probe::new(&ws, "null"),
        ],
    )
    .await;
    let f = "last_activity_at";
    expect(s, &ws, vec![Filter::Lte(f, t0().into())], &[p[0], p[1]]).await;
    expect(s, &ws, vec![Filter::Lt(f, t0().into())], &[p[0]]).await;
    expect(s, &ws, vec![Filter::Gte(f, t0().into())], &[p[1], p[2]]).await;
    expect(s, &ws, vec![Filter::Gte(f, t_us(1).into())], &[p[2]]).await;
}

/// Ranges on text compare bytes: upper case sorts before lower case, the empty string before
/// everything, a prefix before its extensions, and non-ASCII after ASCII.
pub async fn text_ranges_byte_order(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "TextRange").await;
    let values = ["", "B", "Z", "a", "ab", "é"];
    let mut probes: Vec<Probe> = values
        .iter()
        .map(|v| Probe::new(&ws, v).set("subject_sort", *v))
        .collect();
    probes.push(Probe::new(&ws, "null"));
    let p = put_probes(s, probes).await;
    let f = "subject_sort";
    expect(
        s,
        &ws,
        vec![Filter::Gte(f, "a".into())],
        &[p[3], p[4], p[5]],
    )
    .await;
    expect(s, &ws, vec![Filter::Lt(f, "a".into())], &[p[0], p[1], p[2]]).await;
    expect(s, &ws, vec![Filter::Lte(f, "ab".into())], &p[..5]).await;
    expect(s, &ws, vec![Filter::Gte(f, "".into())], &p[..6]).await;
    expect(s, &ws, vec![Filter::Lt(f, "B".into())], &[p[0]]).await;
}

/// A comparison with a NULL operand matches nothing (SQL: `x = NULL` is never true), and a NULL
/// in an `In` list matches nothing either.
pub async fn null_operand_matches_nothing(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "NullOperand").await;
    let p = put_probes(
        s,
        vec![
            Probe::new(&ws, "set")
                .set("status", "open")
                .set("status_rank", 1i64),
            Probe::new(&ws, "null"),
        ],
    )
    .await;
    for f in [
        Filter::Eq("status", Value::Null),
        Filter::Ne("status", Value::Null),
        Filter::Gte("status_rank", Value::Null),
        Filter::Lte("status_rank", Value::Null),
        Filter::Lt("status_rank", Value::Null),
        Filter::In("status", vec![Value::Null]),
    ] {
        expect(s, &ws, vec![f], &[]).await;
    }
    expect(
        s,
        &ws,
        vec![Filter::In("status", vec![Value::Null, "open".into()])],
        &[p[0]],
    )
    .await;
}

/// `IsNull` matches exactly the NULL fields; `NotNull` the others. An empty string, `false` and
/// `0` are values, not NULL.
pub async fn is_null_and_not_null(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "IsNull").await;
    let p = put_probes(
        s,
        vec![
            Probe::new(&ws, "zeroes")
                .set("subject_sort", "")
                .set("spam", false)
                .set("status_rank", 0i64)
                .set("deleted_at", t0()),
            Probe::new(&ws, "null"),
        ],
    )
    .await;
    for field in ["subject_sort", "spam", "status_rank", "deleted_at"] {
        expect(s, &ws, vec![Filter::IsNull(field)], &[p[1]]).await;
        expect(s, &ws, vec![Filter::NotNull(field)], &[p[0]]).await;
    }
    expect(s, &ws, vec![Filter::Eq("subject_sort", "".into())], &[p[0]]).await;
}

/// Text equality is exact: no case folding, no accent folding, no trailing-space padding.
pub async fn text_equality_is_exact(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "Exact").await;
    let values = ["open", "Open", "open ", "opén", "OPEN"];
    let probes: Vec<Probe> = values
        .iter()
        .map(|v| Probe::new(&ws, v).set("status", *v))
        .collect();
    let p = put_probes(s, probes).await;
    for (i, v) in values.iter().enumerate() {
        expect(s, &ws, vec![Filter::Eq("status", (*v).into())], &[p[i]]).await;
    }
    expect(
        s,
        &ws,
        vec![Filter::Ne("status", "open".into())],
        &[p[1], p[2], p[3], p[4]],
    )
    .await;
    expect(
        s,
        &ws,
        vec![Filter::In("status", vec!["OPEN".into()])],
        &[p[4]],
    )
    .await;
}

/// Filters combine with AND, including two on the same field (a half-open range).
pub async fn combine_with_and(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "And").await;
    let p = put_probes(
        s,
        vec![
            Probe::new(&ws, "a")
                .set("status", "open")
                .set("status_rank", 1i64)
                .set("spam", false),
            Probe::new(&ws, "b")
                .set("status", "open")
                .set("status_rank", 3i64)
                .set("spam", false),
            Probe::new(&ws, "c")
                .set("status", "open")
                .set("status_rank", 3i64)
                .set("spam", true),
            Probe::new(&ws, "d")
                .set("status", "closed")
                .set("status_rank", 3i64)
                .set("spam", false),
        ],
    )
    .await;
    expect(
        s,
        &ws,
        vec![
            Filter::Eq("status", "open".into()),
            Filter::Eq("spam", false.into()),
        ],
        &[p[0], p[1]],
    )
    .await;
    expect(
        s,
        &ws,
        vec![
            Filter::Gte("status_rank", 2i64.into()),
            Filter::Lt("status_rank", 4i64.into()),
            Filter::Ne("status", "closed".into()),
        ],
        &[p[1], p[2]],
    )
    .await;
    expect(
        s,
        &ws,
        vec![
            Filter::Eq("status", "open".into()),
            Filter::Eq("status", "closed".into()),
        ],
        &[],
    )
    .await;
}
