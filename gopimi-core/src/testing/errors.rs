//! Errors a store reports: `NotFound` for writes to missing rows, `Conflict` for an insert over an
//! existing id and for failed `Require` versions, and `Internal` for requests that are caller
//! bugs (unknown fields, searching a kind without search text, inconsistent versions, a
//! workspace-scoped row without a workspace). A store never panics on them.

use super::sample::*;
use crate::model::*;
use crate::store::{Batch, Cursor, Filter, Kind, Op, Query, Record, SortKey, Store, Value};
use std::sync::Arc;
use uuid::Uuid;

fn one(op: Op) -> Batch {
    let mut b = Batch::new();
    b.push(op);
    b
}

/// Updating a row that does not exist is `NotFound` (and inserts nothing).
pub async fn update_missing_is_not_found(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "Missing").await;
    let mut ghost = ticket(ws.id(), 1, "Ghost");
    ghost.version = 2;
    let op = Op::Update {
        record: Record::encode(&ghost).expect("encodes"),
        expected_version: 1,
    };
    assert_not_found(s.apply(one(op)).await, "update of a missing row");
    assert!(
        load::<Ticket>(s, ws.scope(), ghost.id.0).await.is_none(),
        "nothing was inserted"
    );
}

/// Deleting a row that does not exist is `NotFound`, with or without an expected version.
pub async fn delete_missing_is_not_found(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "Missing").await;
    for expected_version in [None, Some(1)] {
        let op = Op::Delete {
            kind: Kind::Tag,
            workspace_id: ws.scope(),
            id: Uuid::now_v7(),
            expected_version,
        };
        assert_not_found(s.apply(one(op)).await, "delete of a missing row");
    }
}

/// Inserting an id that exists is a `Conflict`, also from another workspace, and the stored row
/// is unchanged.
pub async fn insert_existing_id_conflicts(store: Arc<dyn Store>) {
    let s = &*store;
    let a = new_workspace(s, "Alpha").await;
    let b = new_workspace(s, "Beta").await;
    let mut original = tag(a.id(), "original");
    put(s, &mut original).await;
    let mut same = tag(a.id(), "different name");
    same.id = original.id;
    assert_conflict(try_put(s, &mut same).await, "insert over an existing id");
    let mut elsewhere = tag(b.id(), "elsewhere");
    elsewhere.id = original.id;
    assert_conflict(
        try_put(s, &mut elsewhere).await,
        "insert over an id of another workspace",
    );
    let read: Option<Tag> = load(s, a.scope(), original.id.0).await;
    assert_eq!(read, Some(original), "the stored row is unchanged");
    assert!(load::<Tag>(s, b.scope(), elsewhere.id.0).await.is_none());
}

/// `Require` passes for an existing row (at any version, or at its version), is `Conflict` at
/// another version and `NotFound` for a missing row; when it fails, the batch is not applied.
pub async fn require_semantics(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "Require").await;
    let mut tg = tag(ws.id(), "required");
    put(s, &mut tg).await;
    save(s, &mut tg).await;
    let require = |version: Option<u64>, id: Uuid| Op::Require {
        kind: Kind::Tag,
        workspace_id: ws.scope(),
        id,
        version,
    };
    ok(
        s.apply(one(require(None, tg.id.0))).await,
        "require, any version",
    );
    ok(
        s.apply(one(require(Some(2), tg.id.0))).await,
        "require, current version",
    );
    assert_conflict(
        s.apply(one(require(Some(1), tg.id.0))).await,
        "require, old version",
    );
    assert_not_found(
        s.apply(one(require(None, Uuid::now_v7()))).await,
        "require of a missing row",
    );
    let mut guarded = ticket(ws.id(), 1, "Guarded");
    guarded.version = 1;
    guarded.tag_ids = vec![tg.id];
    let mut batch = Batch::new();
    batch.push(Op::Insert(Record::encode(&guarded).expect("encodes")));
    batch.push(require(Some(1), tg.id.0));
    assert_conflict(s.apply(batch).await, "insert guarded by a failing require");
    assert!(
        load::<Ticket>(s, ws.scope(), guarded.id.0).await.is_none(),
        "not applied"
    );
    let read: Option<Tag> = load(s, ws.scope(), tg.id.0).await;
    assert_eq!(read, Some(tg), "require writes nothing");
}

/// Queries naming undeclared fields, `Contains` on a field that is not a set, a cursor with the
/// wrong number of values, or a search on a kind without search text are refused as `Internal`.
pub async fn invalid_queries_refused(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "Invalid").await;
    put(s, &mut ticket(ws.id(), 1, "Anything")).await;
    let q = Query::new(Kind::Ticket, ws.scope());
    let bad = [
        (
            "unknown filter field",
            q.clone().filter(Filter::Eq("no_such_field", Value::Int(1))),
        ),
        (
            "Contains on a plain field",
            q.clone().filter(Filter::Contains("status", Uuid::nil())),
        ),
        (
            "unknown sort field",
            q.clone().sort(SortKey::asc("no_such_field")),
        ),
        ("cursor arity", {
            let mut c = q.clone().sort(SortKey::asc("number"));
            c.after = Some(Cursor {
                values: Vec::new(),
                id: Uuid::nil(),
            });
            c
        }),
        (
            "search on a kind without search text",
            Query::new(Kind::Tag, ws.scope()).search("billing"),
        ),
    ];
    for (what, query) in bad {
        assert_internal(s.query(&query).await, what);
    }
}

/// Records whose version does not follow the operation (an insert not at 1, an update not at
/// expected + 1) and workspace-scoped records without a workspace are refused as `Internal` and
/// write nothing.
pub async fn inconsistent_records_refused(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "Inconsistent").await;
    let mut tg = tag(ws.id(), "versioned");
    tg.version = 2;
    let insert_at_two = Op::Insert(Record::encode(&tg).expect("encodes"));
    assert_internal(s.apply(one(insert_at_two)).await, "insert with version 2");
    assert!(load::<Tag>(s, ws.scope(), tg.id.0).await.is_none());
    put(s, &mut tg).await;
    let mut jump = tg.clone();
    jump.version = 5;
    jump.name = "jumped".into();
    let update_jump = Op::Update {
        record: Record::encode(&jump).expect("encodes"),
        expected_version: 1,
    };
    assert_internal(s.apply(one(update_jump)).await, "update from 1 to 5");
    let read: Option<Tag> = load(s, ws.scope(), tg.id.0).await;
    assert_eq!(read, Some(tg.clone()), "unchanged");
    let mut orphan = Record::encode(&tag(ws.id(), "orphan")).expect("encodes");
    orphan.workspace_id = None;
    orphan.version = 1;
    assert_internal(
        s.apply(one(Op::Insert(orphan))).await,
        "scoped row without workspace",
    );
}

/// `ping` answers on a healthy store, and `flush` succeeds.
pub async fn ping_and_flush(store: Arc<dyn Store>) {
    ok(store.ping().await, "ping");
    let ws = new_workspace(&*store, "Flush").await;
    ok(store.flush().await, "flush");
    assert!(load::<Workspace>(&*store, None, ws.id().0).await.is_some());
}
