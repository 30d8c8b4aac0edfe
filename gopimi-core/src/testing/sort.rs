//! Sort: ascending and descending on Int, Text (byte order), Time and Bool; NULL first ascending
//! and last descending; several keys in order; `id` ascending always breaks ties (also under a
//! descending key); no sort key means `id` ascending.

use super::sample::*;
use crate::store::{Kind, Query, SortKey, Store, Value};
use std::sync::Arc;
use uuid::Uuid;

async fn order(s: &dyn Store, ws: &Ws, keys: &[SortKey]) -> Vec<Uuid> {
    let mut q = Query::new(Kind::Conversation, ws.scope());
    q.sort = keys.to_vec();
    ids(&ok(s.query(&q).await, &format!("query sorted by {keys:?}")).rows)
}

/// Puts one probe per value of `field` (inserted in a shuffled order) and returns their ids in
/// the order of `values`.
async fn probes_with(s: &dyn Store, ws: &Ws, field: &str, values: Vec<Value>) -> Vec<Uuid> {
    let probes: Vec<Probe> = values
        .into_iter()
        .enumerate()
        .map(|(i, v)| Probe::new(ws, &format!("{field}-{i}")).set(field, v))
        .collect();
    // Insert in reverse so that id order (creation order) differs from value order.
    let mut reversed = probes.clone();
    reversed.reverse();
    put_probes(s, reversed).await;
    probes.iter().map(Probe::id).collect()
}

fn rev(v: &[Uuid]) -> Vec<Uuid> {
    v.iter().rev().copied().collect()
}

/// Integers sort numerically, negatives and extremes included.
pub async fn int(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "SortInt").await;
    let values = [i64::MIN, -10, -1, 0, 2, 10, i64::MAX];
    let want = probes_with(s, &ws, "status_rank", values.map(Value::Int).to_vec()).await;
    assert_eq!(order(s, &ws, &[SortKey::asc("status_rank")]).await, want);
    assert_eq!(
        order(s, &ws, &[SortKey::desc("status_rank")]).await,
        rev(&want)
    );
}

/// Text sorts by bytes: "" < "B" < "Z" < "a" < "ab" < "b" < "é" < "😀".
pub async fn text_byte_order(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "SortText").await;
    let values = ["", "B", "Z", "a", "ab", "b", "é", "😀"];
    let want = probes_with(
        s,
        &ws,
        "subject_sort",
        values.iter().map(|v| Value::from(*v)).collect(),
    )
    .await;
    assert_eq!(order(s, &ws, &[SortKey::asc("subject_sort")]).await, want);
    assert_eq!(
        order(s, &ws, &[SortKey::desc("subject_sort")]).await,
        rev(&want)
    );
}

/// Times sort chronologically to the microsecond.
pub async fn time(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "SortTime").await;
    let values = vec![t(-86_400), t_us(-1), t0(), t_us(1), t(86_400 * 365 * 30)];
    let want = probes_with(
        s,
        &ws,
        "last_activity_at",
        values.into_iter().map(Value::from).collect(),
    )
    .await;
    assert_eq!(
        order(s, &ws, &[SortKey::asc("last_activity_at")]).await,
        want
    );
    assert_eq!(
        order(s, &ws, &[SortKey::desc("last_activity_at")]).await,
        rev(&want)
    );
}

/// Booleans sort false before true.
pub async fn boolean(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "SortBool").await;
    let want = probes_with(s, &ws, "spam", vec![false.into(), true.into()]).await;
    assert_eq!(order(s, &ws, &[SortKey::asc("spam")]).await, want);
    assert_eq!(order(s, &ws, &[SortKey::desc("spam")]).await, rev(&want));
}

/// NULL sorts first ascending and last descending, for every type.
pub async fn nulls_first_ascending(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "SortNull").await;
    for (field, low, high) in [
        ("status_rank", Value::Int(i64::MIN), Value::Int(5)),
        ("subject_sort", Value::from(""), Value::from("z")),
        ("deleted_at", Value::from(t(-1)), Value::from(t(1))),
        ("spam", Value::Bool(false), Value::Bool(true)),
    ] {
        let mut w = crate::store::Writes::new();
        // Delete the previous field's probes so each round sorts only its own.
        let old = ok(
            s.query(&Query::new(Kind::Conversation, ws.scope())).await,
            "query",
        );
        for r in &old.rows {
            w.delete_id(Kind::Conversation, ws.scope(), r.id);
        }
        ok(w.apply(s).await, "clearing probes");
        let want = probes_with(s, &ws, field, vec![Value::Null, low, high]).await;
        assert_eq!(
            order(s, &ws, &[SortKey::asc(field)]).await,
            want,
            "{field} ascending"
        );
        assert_eq!(
            order(s, &ws, &[SortKey::desc(field)]).await,
            rev(&want),
            "{field} descending"
        );
    }
}

/// Several keys apply in order, each in its own direction.
pub async fn multiple_keys(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "SortMulti").await;
    let row = |label: &str, rank: i64, at: i64| {
        Probe::new(&ws, label)
            .set("status_rank", rank)
            .set("last_activity_at", t(at))
    };
    let p = vec![
        row("r1-old", 1, 10),
        row("r1-new", 1, 20),
        row("r0-old", 0, 5),
        row("r2-mid", 2, 15),
        row("r2-new", 2, 30),
    ];
    let id = |i: usize| p[i].id();
    let want_rank_desc_time_asc = vec![id(3), id(4), id(0), id(1), id(2)];
    let want_rank_asc_time_desc = vec![id(2), id(1), id(0), id(4), id(3)];
    put_probes(s, p.clone()).await;
    assert_eq!(
        order(
            s,
            &ws,
            &[
                SortKey::desc("status_rank"),
                SortKey::asc("last_activity_at")
            ]
        )
        .await,
        want_rank_desc_time_asc
    );
    assert_eq!(
        order(
            s,
            &ws,
            &[
                SortKey::asc("status_rank"),
                SortKey::desc("last_activity_at")
            ]
        )
        .await,
        want_rank_asc_time_desc
    );
}

/// Equal sort values are ordered by id ascending, also under a descending key, whatever the ids'
/// bits (the tie-break compares UUIDs as unsigned bytes).
pub async fn ties_broken_by_id(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "SortTies").await;
    let ids_in_order = [
        Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_0001),
        Uuid::from_u128(0x7fff_ffff_ffff_4fff_bfff_ffff_ffff_ffff),
        Uuid::from_u128(0x8000_0000_0000_4000_8000_0000_0000_0000),
        Uuid::from_u128(0xffff_ffff_ffff_4fff_bfff_ffff_ffff_fffe),
    ];
    let mut probes: Vec<Probe> = ids_in_order
        .iter()
        .map(|id| Probe::with_id(&ws, "tie", *id).set("status_rank", 7i64))
        .collect();
    probes.push(Probe::new(&ws, "higher").set("status_rank", 8i64));
    let higher = probes[4].id();
    probes.reverse();
    put_probes(s, probes).await;
    let mut asc = ids_in_order.to_vec();
    asc.push(higher);
    assert_eq!(order(s, &ws, &[SortKey::asc("status_rank")]).await, asc);
    let mut desc = vec![higher];
    desc.extend(ids_in_order);
    assert_eq!(
        order(s, &ws, &[SortKey::desc("status_rank")]).await,
        desc,
        "ties stay id-ascending under a descending key"
    );
}

/// Without sort keys, rows come in id order.
pub async fn default_is_id_order(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "SortDefault").await;
    let mut wanted: Vec<Uuid> = (0..12).map(|_| Uuid::new_v4()).collect();
    let probes: Vec<Probe> = wanted
        .iter()
        .map(|id| Probe::with_id(&ws, "random", *id))
        .collect();
    put_probes(s, probes).await;
    wanted.sort();
    assert_eq!(order(s, &ws, &[]).await, wanted);
}
