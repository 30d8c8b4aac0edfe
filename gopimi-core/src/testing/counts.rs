//! Counts: `count_total` counts every matching row, whatever the limit, offset and cursor; it
//! counts only what filters and search match; an empty kind counts zero.

use super::sample::*;
use crate::model::*;
use crate::store::{Cursor, Filter, Kind, Query, SortKey, Store, StoreExt, Value};
use std::sync::Arc;

/// The total is the same for every limit, offset and cursor.
pub async fn total_ignores_paging(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "Counts").await;
    for i in 1..=9 {
        put(s, &mut ticket(ws.id(), i, "Counted")).await;
    }
    let q = Query::new(Kind::Ticket, ws.scope())
        .sort(SortKey::asc("number"))
        .with_total();
    for (offset, limit) in [(0u64, 100u32), (0, 1), (4, 2), (8, 5), (50, 5), (0, 0)] {
        let res = ok(
            s.query(&q.clone().offset(offset).limit(limit)).await,
            "query",
        );
        assert_eq!(res.total, Some(9), "total at offset {offset} limit {limit}");
        let want = 9usize.saturating_sub(offset as usize).min(limit as usize);
        assert_eq!(
            res.rows.len(),
            want,
            "rows at offset {offset} limit {limit}"
        );
    }
    let mut after = q.clone().limit(2);
    after.after = Some(Cursor {
        values: vec![Value::Int(6)],
        id: uuid::Uuid::max(),
    });
    let res = ok(s.query(&after).await, "query");
    assert_eq!(res.total, Some(9), "total with a cursor");
    assert_eq!(res.rows.len(), 2, "rows after number 6");
    assert_eq!(ok(s.count(&q.limit(1).offset(3)).await, "count"), 9);
}

/// The total counts only rows matching the filters and the search.
pub async fn total_follows_filters_and_search(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "CountFilters").await;
    for i in 1..=12 {
        let mut tk = ticket(
            ws.id(),
            i,
            if i % 3 == 0 {
                "Warranty claim"
            } else {
                "Other topic"
            },
        );
        if i % 2 == 0 {
            tk.status = TicketStatus::Closed;
        }
        put(s, &mut tk).await;
    }
    let q = Query::new(Kind::Ticket, ws.scope()).limit(1).with_total();
    let total = |q: Query| async move { ok(s.query(&q).await, "query").total };
    assert_eq!(total(q.clone()).await, Some(12));
    assert_eq!(
        total(q.clone().filter(Filter::Eq("status", "closed".into()))).await,
        Some(6)
    );
    assert_eq!(total(q.clone().search("warranty")).await, Some(4));
    assert_eq!(
        total(
            q.clone()
                .search("warranty")
                .filter(Filter::Eq("status", "closed".into()))
        )
        .await,
        Some(2)
    );
    assert_eq!(
        total(q.filter(Filter::In("status", Vec::new()))).await,
        Some(0)
    );
}

/// A kind with no rows at all, or a workspace without rows of it, counts zero and lists nothing.
pub async fn empty_counts_zero(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "Nothing").await;
    for kind in [
        Kind::Ticket,
        Kind::Webhook,
        Kind::Attachment,
        Kind::Membership,
    ] {
        let res = ok(
            s.query(&Query::new(kind, ws.scope()).with_total()).await,
            "query",
        );
        let want = u64::from(kind == Kind::Membership);
        assert_eq!(res.total, Some(want), "{kind} count");
        assert_eq!(res.rows.len() as u64, want, "{kind} rows");
    }
    let res = ok(
        s.query(&Query::new(Kind::Nonce, None).with_total()).await,
        "query",
    );
    assert_eq!(
        (res.rows.len(), res.total),
        (0, Some(0)),
        "no nonces anywhere"
    );
}
