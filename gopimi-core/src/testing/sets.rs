//! Set fields (a ticket's or conversation's tag ids) and `Filter::Contains`: a row matches when
//! its set holds the id; the index follows every update and delete.

use super::sample::*;
use crate::model::*;
use crate::store::{Filter, Kind, Query, SortKey, Store, StoreExt};
use std::sync::Arc;
use uuid::Uuid;

async fn tagged(s: &dyn Store, kind: Kind, ws: &Ws, tags: &[Uuid]) -> Vec<Uuid> {
    let mut q = Query::new(kind, ws.scope());
    for t in tags {
        q = q.filter(Filter::Contains("tag_ids", *t));
    }
    sorted_ids(&ok(s.query(&q).await, "query").rows)
}

/// `Contains` finds rows whose set holds the id; several `Contains` require all of them; it
/// combines with other filters, sort and counts.
pub async fn contains_tag(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "Tags").await;
    let mut billing = tag(ws.id(), "billing");
    let mut urgent = tag(ws.id(), "urgent");
    let mut unused = tag(ws.id(), "unused");
    for t in [&mut billing, &mut urgent, &mut unused] {
        put(s, t).await;
    }
    let mut one = ticket(ws.id(), 1, "One tag");
    one.tag_ids = vec![billing.id];
    let mut two = ticket(ws.id(), 2, "Two tags");
    two.tag_ids = vec![urgent.id, billing.id];
    two.status = TicketStatus::Pending;
    let mut none = ticket(ws.id(), 3, "No tags");
    for t in [&mut one, &mut two, &mut none] {
        put(s, t).await;
    }
    let (b, u) = (billing.id.0, urgent.id.0);
    assert_eq!(
        tagged(s, Kind::Ticket, &ws, &[b]).await,
        sorted(vec![one.id.0, two.id.0])
    );
    assert_eq!(tagged(s, Kind::Ticket, &ws, &[u]).await, vec![two.id.0]);
    assert_eq!(
        tagged(s, Kind::Ticket, &ws, &[b, u]).await,
        vec![two.id.0],
        "both tags"
    );
    assert!(
        tagged(s, Kind::Ticket, &ws, &[unused.id.0])
            .await
            .is_empty()
    );
    let q = Query::new(Kind::Ticket, ws.scope())
        .filter(Filter::Contains("tag_ids", b))
        .filter(Filter::Eq("status", "open".into()))
        .sort(SortKey::desc("number"))
        .with_total();
    let res = ok(s.query(&q).await, "query");
    assert_eq!(
        ids(&res.rows),
        vec![one.id.0],
        "Contains with another filter"
    );
    let by_tag = ok(
        s.query(
            &Query::new(Kind::Ticket, ws.scope())
                .filter(Filter::Contains("tag_ids", b))
                .sort(SortKey::desc("number"))
                .with_total(),
        )
        .await,
        "query",
    );
    assert_eq!(
        ids(&by_tag.rows),
        vec![two.id.0, one.id.0],
        "Contains with a sort"
    );
    assert_eq!(by_tag.total, Some(2));
}

/// The set index follows updates (tags added and removed) and deletes, for tickets and
/// conversations alike.
pub async fn contains_follows_writes(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "TagWrites").await;
    let mut a = tag(ws.id(), "a-tag");
    let mut b = tag(ws.id(), "b-tag");
    put(s, &mut a).await;
    put(s, &mut b).await;
    let mut tk = ticket(ws.id(), 1, "Retagged");
    tk.tag_ids = vec![a.id];
    put(s, &mut tk).await;
    tk.tag_ids = vec![b.id];
    save(s, &mut tk).await;
    assert!(
        tagged(s, Kind::Ticket, &ws, &[a.id.0]).await.is_empty(),
        "removed tag"
    );
    assert_eq!(
        tagged(s, Kind::Ticket, &ws, &[b.id.0]).await,
        vec![tk.id.0],
        "added tag"
    );
    tk.tag_ids.clear();
    save(s, &mut tk).await;
    assert!(
        tagged(s, Kind::Ticket, &ws, &[b.id.0]).await.is_empty(),
        "all tags removed"
    );

    let mut c = conversation(ws.id(), "Tagged chat");
    c.tag_ids = vec![a.id, b.id];
    put(s, &mut c).await;
    assert_eq!(
        tagged(s, Kind::Conversation, &ws, &[a.id.0, b.id.0]).await,
        vec![c.id.0]
    );
    assert!(
        tagged(s, Kind::Ticket, &ws, &[a.id.0]).await.is_empty(),
        "kinds do not mix"
    );
    remove(s, &c).await;
    assert!(
        tagged(s, Kind::Conversation, &ws, &[a.id.0])
            .await
            .is_empty(),
        "deleted row"
    );
    let n = ok(
        s.count(&Query::new(Kind::Conversation, ws.scope())).await,
        "count",
    );
    assert_eq!(n, 0);
}
