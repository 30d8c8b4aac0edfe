//! Workspace isolation: a row of workspace A is invisible through workspace B on every read and
//! every write precondition (`None` or `NotFound`, never the row, never a `Conflict` that would
//! reveal it exists).

use super::sample::*;
use crate::model::*;
use crate::store::{Batch, Filter, Kind, Op, Query, Record, Store, StoreExt, Value};
use std::sync::Arc;

struct Pair {
    a: Ws,
    b: Ws,
    ticket_a: Ticket,
    ticket_b: Ticket,
}

/// Two workspaces, each with ticket #1 about the same thing.
async fn pair(s: &dyn Store) -> Pair {
    let a = new_workspace(s, "Alpha").await;
    let b = new_workspace(s, "Beta").await;
    let mut ticket_a = ticket(a.id(), 1, "Printer offline in Alpha");
    let mut ticket_b = ticket(b.id(), 1, "Printer offline in Beta");
    put(s, &mut ticket_a).await;
    put(s, &mut ticket_b).await;
    Pair {
        a,
        b,
        ticket_a,
        ticket_b,
    }
}

/// `get` of A's row through B is `None`; through A it is the row.
pub async fn get(store: Arc<dyn Store>) {
    let s = &*store;
    let p = pair(s).await;
    let id = p.ticket_a.id.0;
    assert!(
        ok(s.get(Kind::Ticket, p.b.scope(), id).await, "get").is_none(),
        "A's ticket must be invisible through B"
    );
    assert!(ok(s.get(Kind::Ticket, p.a.scope(), id).await, "get").is_some());
    assert_not_found(
        s.require::<Ticket>(p.b.scope(), id).await,
        "require A's ticket through B",
    );
}

/// `get_many` through B leaves A's rows out and keeps B's.
pub async fn get_many(store: Arc<dyn Store>) {
    let s = &*store;
    let p = pair(s).await;
    let both = [p.ticket_a.id.0, p.ticket_b.id.0];
    let via_b = ok(
        s.get_many(Kind::Ticket, p.b.scope(), &both).await,
        "get_many",
    );
    assert_eq!(
        ids(&via_b),
        vec![p.ticket_b.id.0],
        "get_many through B returns only B's row"
    );
    let via_a = ok(
        s.get_many(Kind::Ticket, p.a.scope(), &both).await,
        "get_many",
    );
    assert_eq!(
        ids(&via_a),
        vec![p.ticket_a.id.0],
        "get_many through A returns only A's row"
    );
}

/// Queries and counts through B see only B's rows, also with an equality on a per-workspace
/// unique key that both workspaces use (ticket number 1).
pub async fn query_and_count(store: Arc<dyn Store>) {
    let s = &*store;
    let p = pair(s).await;
    let all_b = ok(
        s.query(&Query::new(Kind::Ticket, p.b.scope()).with_total())
            .await,
        "query",
    );
    assert_eq!(ids(&all_b.rows), vec![p.ticket_b.id.0]);
    assert_eq!(all_b.total, Some(1), "count through B");
    let by_number = ok(
        s.query(&Query::new(Kind::Ticket, p.a.scope()).filter(Filter::Eq("number", Value::Int(1))))
            .await,
        "query",
    );
    assert_eq!(
        ids(&by_number.rows),
        vec![p.ticket_a.id.0],
        "Eq on the per-workspace ticket number stays in the workspace"
    );
    let fresh = new_workspace(s, "Gamma").await;
    let none = ok(
        s.count(&Query::new(Kind::Ticket, fresh.scope())).await,
        "count",
    );
    assert_eq!(none, 0, "an empty workspace counts no tickets");
}

/// Search through B never returns A's rows that contain the same words.
pub async fn search(store: Arc<dyn Store>) {
    let s = &*store;
    let p = pair(s).await;
    let res = ok(
        s.query(
            &Query::new(Kind::Ticket, p.b.scope())
                .search("printer offline")
                .with_total(),
        )
        .await,
        "query",
    );
    assert_eq!(
        ids(&res.rows),
        vec![p.ticket_b.id.0],
        "search stays in the workspace"
    );
    assert_eq!(res.total, Some(1));
    let alpha = ok(
        s.query(&Query::new(Kind::Ticket, p.b.scope()).search("alpha"))
            .await,
        "query",
    );
    assert!(alpha.rows.is_empty(), "A's words are not found through B");
}

/// An update naming B for A's row is `NotFound` and changes nothing.
pub async fn update(store: Arc<dyn Store>) {
    let s = &*store;
    let p = pair(s).await;
    let mut forged = p.ticket_a.clone();
    forged.workspace_id = p.b.id();
    forged.subject = "Hijacked".into();
    forged.version = 2;
    let mut batch = Batch::new();
    batch.push(Op::Update {
        record: Record::encode(&forged).expect("encodes"),
        expected_version: 1,
    });
    assert_not_found(s.apply(batch).await, "update of A's ticket through B");
    let read: Option<Ticket> = load(s, p.a.scope(), p.ticket_a.id.0).await;
    assert_eq!(read, Some(p.ticket_a.clone()), "A's ticket is unchanged");
}

/// A delete naming B for A's row is `NotFound` and deletes nothing.
pub async fn delete(store: Arc<dyn Store>) {
    let s = &*store;
    let p = pair(s).await;
    for expected_version in [None, Some(1)] {
        let mut batch = Batch::new();
        batch.push(Op::Delete {
            kind: Kind::Ticket,
            workspace_id: p.b.scope(),
            id: p.ticket_a.id.0,
            expected_version,
        });
        assert_not_found(s.apply(batch).await, "delete of A's ticket through B");
    }
    assert!(
        ok(
            s.get(Kind::Ticket, p.a.scope(), p.ticket_a.id.0).await,
            "get"
        )
        .is_some()
    );
}

/// A `Require` naming B for A's row is `NotFound`, and the batch it guards is not applied.
pub async fn require(store: Arc<dyn Store>) {
    let s = &*store;
    let p = pair(s).await;
    let mut t = tag(p.b.id(), "guarded");
    t.version = 1;
    let mut batch = Batch::new();
    batch.push(Op::Insert(Record::encode(&t).expect("encodes")));
    batch.push(Op::Require {
        kind: Kind::Ticket,
        workspace_id: p.b.scope(),
        id: p.ticket_a.id.0,
        version: None,
    });
    assert_not_found(s.apply(batch).await, "require of A's ticket through B");
    assert!(
        ok(s.get(Kind::Tag, p.b.scope(), t.id.0).await, "get").is_none(),
        "the guarded insert was not applied"
    );
}

/// Rows of global kinds that carry a workspace (jobs, inbound items) are scoped like any row
/// when a workspace is named, and all visible when none is. An update never moves such a row to
/// another workspace, but may give one to a row without (an inbound item being routed).
pub async fn global_rows_by_workspace(store: Arc<dyn Store>) {
    let s = &*store;
    let p = pair(s).await;
    let mut job_a = job("mail.send", t0());
    job_a.workspace_id = p.a.scope();
    let mut job_free = job("sla.sweep", t0());
    let mut item_a = inbound_item(p.a.scope(), Some("k-a"));
    put(s, &mut job_a).await;
    put(s, &mut job_free).await;
    put(s, &mut item_a).await;
    assert!(ok(s.get(Kind::Job, p.b.scope(), job_a.id.0).await, "get").is_none());
    assert!(ok(s.get(Kind::Job, p.a.scope(), job_a.id.0).await, "get").is_some());
    assert!(ok(s.get(Kind::Job, None, job_a.id.0).await, "get").is_some());
    assert!(
        ok(
            s.get(Kind::InboundItem, p.b.scope(), item_a.id.0).await,
            "get"
        )
        .is_none()
    );
    let in_a = ok(s.query(&Query::new(Kind::Job, p.a.scope())).await, "query");
    assert_eq!(ids(&in_a.rows), vec![job_a.id.0], "jobs of A only");
    let all = ok(s.query(&Query::new(Kind::Job, None)).await, "query");
    assert_eq!(
        sorted_ids(&all.rows),
        sorted(vec![job_a.id.0, job_free.id.0]),
        "without a workspace, every job"
    );
    // A row without a workspace may be given one (routing); a row with one never moves.
    let mut routed = item_a.clone();
    routed.workspace_id = p.b.scope();
    assert_not_found(
        try_save(s, &mut routed).await,
        "moving A's inbound item to B",
    );
    let mut free_item = inbound_item(None, Some("k-free"));
    put(s, &mut free_item).await;
    free_item.workspace_id = p.b.scope();
    save(s, &mut free_item).await;
    assert!(
        ok(
            s.get(Kind::InboundItem, p.b.scope(), free_item.id.0).await,
            "get"
        )
        .is_some()
    );
    assert!(
        ok(
            s.get(Kind::InboundItem, p.a.scope(), free_item.id.0).await,
            "get"
        )
        .is_none()
    );
}

/// A routing look-up (no workspace named) finds a workspace-scoped row by a global unique key.
/// A row of a workspace-scoped kind found by its id alone (`workspace_id: None`): how an id
/// that names no workspace is resolved (the ticket a signed Message-Id names, when a
/// provider's delivery report arrives). Scoped reads still see only their workspace.
pub async fn get_by_id_across_workspaces(store: Arc<dyn Store>) {
    let s = &*store;
    let p = pair(s).await;
    let found = ok(s.get(Kind::Ticket, None, p.ticket_b.id.0).await, "get");
    let found: Ticket = ok(found.expect("found by id alone").decode(), "decode");
    assert_eq!(found.workspace_id, p.b.id());
    assert!(
        ok(
            s.get(Kind::Ticket, p.a.scope(), p.ticket_b.id.0).await,
            "get"
        )
        .is_none(),
        "not through another workspace"
    );
    assert!(
        ok(s.get(Kind::Ticket, None, uuid::Uuid::now_v7()).await, "get").is_none(),
        "an unknown id"
    );
    remove(s, &p.ticket_b).await;
    assert!(
        ok(s.get(Kind::Ticket, None, p.ticket_b.id.0).await, "get").is_none(),
        "gone once deleted"
    );
    let still = ok(s.get(Kind::Ticket, None, p.ticket_a.id.0).await, "get");
    assert_eq!(still.map(|r| r.id), Some(p.ticket_a.id.0));
}

pub async fn lookup_across_workspaces(store: Arc<dyn Store>) {
    let s = &*store;
    let p = pair(s).await;
    let mut email_a = workspace_email(p.a.id(), "help@alpha.example");
    let mut email_b = workspace_email(p.b.id(), "help@beta.example");
    put(s, &mut email_a).await;
    put(s, &mut email_b).await;
    let found = ok(
        s.query(
            &Query::new(Kind::WorkspaceEmail, None)
                .filter(Filter::Eq("address", "help@beta.example".into())),
        )
        .await,
        "query",
    );
    assert_eq!(ids(&found.rows), vec![email_b.id.0]);
    let routed: Vec<WorkspaceEmail> = ok(
        s.find(
            &Query::new(Kind::WorkspaceEmail, None)
                .filter(Filter::Eq("address", "help@alpha.example".into())),
        )
        .await,
        "find",
    );
    assert_eq!(routed.first().map(|e| e.workspace_id), Some(p.a.id()));
    let scoped = ok(
        s.query(
            &Query::new(Kind::WorkspaceEmail, p.b.scope())
                .filter(Filter::Eq("address", "help@alpha.example".into())),
        )
        .await,
        "query",
    );
    assert!(
        scoped.rows.is_empty(),
        "a scoped look-up does not find A's address through B"
    );
}
