//! Batch atomicity: a batch is applied entirely or not at all. A failing operation late in a
//! batch leaves no trace of the earlier ones: no rows, no changed rows, no deleted rows, no held
//! unique keys, no search or set index entries. Later operations see earlier ones.

use super::sample::*;
use crate::model::*;
use crate::store::{Batch, Filter, Kind, Op, Query, Record, Store, StoreExt, Writes};
use std::sync::Arc;

/// A workspace with a tag, a canned response and a ticket to change, delete or depend on.
struct Scene {
    ws: Ws,
    tag: Tag,
    canned: CannedResponse,
    ticket: Ticket,
}

async fn scene(s: &dyn Store) -> Scene {
    let ws = new_workspace(s, "Atomic").await;
    let mut tag = tag(ws.id(), "before");
    let mut canned = canned_response(ws.id(), "Greeting", "Hello!");
    let mut ticket = ticket(ws.id(), 1, "Existing");
    put(s, &mut tag).await;
    put(s, &mut canned).await;
    put(s, &mut ticket).await;
    Scene {
        ws,
        tag,
        canned,
        ticket,
    }
}

/// Builds the early part of a doomed batch: insert a contact and a ticket, update the tag,
/// delete the canned response. Returns the writes and the new ids.
fn early_ops(sc: &Scene) -> (Writes, Contact, Ticket) {
    let mut w = Writes::new();
    let mut c = contact(sc.ws.id(), "early@example.net", "Early Bird");
    let mut tk = ticket(sc.ws.id(), 2, "Shipment delayed");
    tk.tag_ids = vec![sc.tag.id];
    let mut changed = sc.tag.clone();
    changed.name = "after".into();
    w.insert(&mut c).expect("encodes");
    w.insert(&mut tk).expect("encodes");
    w.update(&mut changed).expect("encodes");
    w.delete(&sc.canned);
    (w, c, tk)
}

/// Checks nothing of `early_ops` is visible.
async fn assert_untouched(s: &dyn Store, sc: &Scene, c: &Contact, tk: &Ticket) {
    let scope = sc.ws.scope();
    assert!(
        load::<Contact>(s, scope, c.id.0).await.is_none(),
        "inserted contact was rolled back"
    );
    assert!(
        load::<Ticket>(s, scope, tk.id.0).await.is_none(),
        "inserted ticket was rolled back"
    );
    let tag: Option<Tag> = load(s, scope, sc.tag.id.0).await;
    assert_eq!(tag.as_ref(), Some(&sc.tag), "updated tag was rolled back");
    let canned: Option<CannedResponse> = load(s, scope, sc.canned.id.0).await;
    assert_eq!(
        canned.as_ref(),
        Some(&sc.canned),
        "deleted canned response was restored"
    );
    let ticket: Option<Ticket> = load(s, scope, sc.ticket.id.0).await;
    assert_eq!(
        ticket.as_ref(),
        Some(&sc.ticket),
        "existing ticket untouched"
    );
}

/// A stale-version update as the last operation rolls back everything before it.
pub async fn late_conflict_rolls_back(store: Arc<dyn Store>) {
    let s = &*store;
    let sc = scene(s).await;
    let (mut w, c, tk) = early_ops(&sc);
    let mut stale = sc.ticket.clone();
    stale.version = 7;
    stale.subject = "Never".into();
    w.update(&mut stale).expect("encodes");
    assert_conflict(w.apply(s).await, "batch ending in a stale update");
    assert_untouched(s, &sc, &c, &tk).await;
}

/// A unique-key violation as the last operation rolls back everything before it.
pub async fn late_unique_violation_rolls_back(store: Arc<dyn Store>) {
    let s = &*store;
    let sc = scene(s).await;
    let (mut w, c, tk) = early_ops(&sc);
    let mut dup = ticket(sc.ws.id(), sc.ticket.number, "Same number");
    w.insert(&mut dup).expect("encodes");
    assert_conflict_on(
        w.apply(s).await,
        "ticket_number",
        "batch ending in a taken ticket number",
    );
    assert_untouched(s, &sc, &c, &tk).await;
}

/// An update of a missing row as the last operation is `NotFound` and rolls back everything.
pub async fn late_not_found_rolls_back(store: Arc<dyn Store>) {
    let s = &*store;
    let sc = scene(s).await;
    let (mut w, c, tk) = early_ops(&sc);
    let mut ghost = ticket(sc.ws.id(), 99, "Ghost");
    ghost.version = 1;
    w.update(&mut ghost).expect("encodes");
    assert_not_found(
        w.apply(s).await,
        "batch ending in an update of a missing row",
    );
    assert_untouched(s, &sc, &c, &tk).await;
}

/// After a failed batch, the unique keys its inserts would have held are free, and its rows are
/// in no search or set index and no count.
pub async fn rollback_leaves_no_index_entries(store: Arc<dyn Store>) {
    let s = &*store;
    let sc = scene(s).await;
    let (mut w, c, tk) = early_ops(&sc);
    w.op(Op::Require {
        kind: Kind::Ticket,
        workspace_id: sc.ws.scope(),
        id: uuid::Uuid::now_v7(),
        version: None,
    });
    assert_not_found(w.apply(s).await, "batch ending in a failed Require");
    assert_untouched(s, &sc, &c, &tk).await;
    let q = Query::new(Kind::Ticket, sc.ws.scope());
    let found = ok(
        s.query(&q.clone().search("shipment delayed")).await,
        "search",
    );
    assert!(
        found.rows.is_empty(),
        "rolled-back ticket is not searchable"
    );
    let tagged = ok(
        s.query(&q.clone().filter(Filter::Contains("tag_ids", sc.tag.id.0)))
            .await,
        "query",
    );
    assert!(
        tagged.rows.is_empty(),
        "rolled-back ticket is not in the tag index"
    );
    assert_eq!(
        ok(s.count(&q).await, "count"),
        1,
        "only the existing ticket counts"
    );
    let number_two = ok(
        s.query(&q.clone().filter(Filter::Eq("number", 2i64.into())))
            .await,
        "query",
    );
    assert!(
        number_two.rows.is_empty(),
        "rolled-back ticket number is not found"
    );
    put(
        s,
        &mut contact(sc.ws.id(), "early@example.net", "Second try"),
    )
    .await;
    put(s, &mut ticket(sc.ws.id(), 2, "Second try")).await;
}

/// Later operations of a batch see earlier ones: insert then update then require the new
/// version; insert then delete; an update that depends on a row inserted before it.
pub async fn later_ops_see_earlier_ops(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "Sequence").await;
    let mut tg = tag(ws.id(), "first");
    let mut w = Writes::new();
    w.insert(&mut tg).expect("encodes");
    tg.name = "second".into();
    w.update(&mut tg).expect("encodes");
    w.require_unchanged(&tg);
    let mut gone = tag(ws.id(), "short-lived");
    w.insert(&mut gone).expect("encodes");
    w.delete(&gone);
    let mut tk = ticket(ws.id(), 1, "Tagged in the same batch");
    tk.tag_ids = vec![tg.id];
    w.require_exists(Kind::Tag, ws.scope(), tg.id.0);
    w.insert(&mut tk).expect("encodes");
    ok(
        w.apply(s).await,
        "a batch whose operations build on each other",
    );
    let read: Option<Tag> = load(s, ws.scope(), tg.id.0).await;
    assert_eq!(
        read.as_ref().map(|t| (t.name.as_str(), t.version)),
        Some(("second", 2))
    );
    assert!(load::<Tag>(s, ws.scope(), gone.id.0).await.is_none());
    let tagged = ok(
        s.query(&Query::new(Kind::Ticket, ws.scope()).filter(Filter::Contains("tag_ids", tg.id.0)))
            .await,
        "query",
    );
    assert_eq!(ids(&tagged.rows), vec![tk.id.0]);
}

/// An empty batch succeeds and changes nothing.
pub async fn empty_batch(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "Empty").await;
    ok(s.apply(Batch::new()).await, "empty batch");
    let n = ok(
        s.count(&Query::new(Kind::Membership, ws.scope())).await,
        "count",
    );
    assert_eq!(n, 1, "only the owner's membership");
}

/// A purge followed by a failing operation is rolled back with it: every row is back, and
/// searchable again.
pub async fn purge_rolls_back(store: Arc<dyn Store>) {
    let s = &*store;
    let sc = scene(s).await;
    let mut batch = Batch::new();
    batch.push(Op::PurgeWorkspace(sc.ws.id().0));
    // Users are not purged: a second user with the owner's email conflicts after the purge.
    let mut twin = user(&sc.ws.owner.email);
    twin.version = 1;
    batch.push(Op::Insert(Record::encode(&twin).expect("encodes")));
    assert_conflict(s.apply(batch).await, "purge then a taken user email");
    let scope = sc.ws.scope();
    assert_eq!(
        load::<Tag>(s, scope, sc.tag.id.0).await.as_ref(),
        Some(&sc.tag)
    );
    assert_eq!(
        load::<Ticket>(s, scope, sc.ticket.id.0).await.as_ref(),
        Some(&sc.ticket)
    );
    let found = ok(
        s.query(&Query::new(Kind::Ticket, scope).search("existing"))
            .await,
        "search",
    );
    assert_eq!(
        ids(&found.rows),
        vec![sc.ticket.id.0],
        "search index restored"
    );
}
