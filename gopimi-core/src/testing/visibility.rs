//! Trash and spam visibility, the way the core's lists ask for them: live rows are
//! `deleted_at IS NULL` and `spam = false`; the trash is `deleted_at IS NOT NULL`; the spam
//! folder is `spam = true` and not trashed. Moving a row in and out of trash or spam moves it
//! between those lists at once.

use super::sample::*;
use crate::model::*;
use crate::store::{Filter, Kind, Query, Store, StoreExt, Value};
use std::sync::Arc;
use uuid::Uuid;

fn inbox(kind: Kind, ws: &Ws) -> Query {
    Query::new(kind, ws.scope())
        .filter(Filter::IsNull("deleted_at"))
        .filter(Filter::Eq("spam", Value::Bool(false)))
}

fn trash(kind: Kind, ws: &Ws) -> Query {
    Query::new(kind, ws.scope()).filter(Filter::NotNull("deleted_at"))
}

fn spam(kind: Kind, ws: &Ws) -> Query {
    Query::new(kind, ws.scope())
        .filter(Filter::Eq("spam", Value::Bool(true)))
        .filter(Filter::IsNull("deleted_at"))
}

async fn list(s: &dyn Store, q: &Query) -> Vec<Uuid> {
    sorted_ids(&ok(s.query(q).await, "query").rows)
}

/// Trashing a ticket moves it from the list to the trash; restoring moves it back.
pub async fn ticket_trash(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "Trash").await;
    let mut live = ticket(ws.id(), 1, "Live");
    let mut binned = ticket(ws.id(), 2, "Binned");
    binned.deleted_at = Some(t(10));
    put(s, &mut live).await;
    put(s, &mut binned).await;
    assert_eq!(list(s, &inbox(Kind::Ticket, &ws)).await, vec![live.id.0]);
    assert_eq!(list(s, &trash(Kind::Ticket, &ws)).await, vec![binned.id.0]);

    live.deleted_at = Some(t(20));
    save(s, &mut live).await;
    binned.deleted_at = None;
    save(s, &mut binned).await;
    assert_eq!(
        list(s, &inbox(Kind::Ticket, &ws)).await,
        vec![binned.id.0],
        "restored"
    );
    assert_eq!(
        list(s, &trash(Kind::Ticket, &ws)).await,
        vec![live.id.0],
        "trashed"
    );
    let total = ok(
        s.count(&Query::new(Kind::Ticket, ws.scope())).await,
        "count",
    );
    assert_eq!(total, 2, "trash is still stored");
}

/// Marking a ticket as spam hides it from the list and shows it in the spam folder; a trashed
/// spam ticket is in the trash only.
pub async fn ticket_spam(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "Spam").await;
    let mut ham = ticket(ws.id(), 1, "Real question");
    let mut junk = ticket(ws.id(), 2, "Cheap pills");
    junk.spam = true;
    let mut binned_junk = ticket(ws.id(), 3, "More pills");
    binned_junk.spam = true;
    binned_junk.deleted_at = Some(t(5));
    for tk in [&mut ham, &mut junk, &mut binned_junk] {
        put(s, tk).await;
    }
    assert_eq!(list(s, &inbox(Kind::Ticket, &ws)).await, vec![ham.id.0]);
    assert_eq!(list(s, &spam(Kind::Ticket, &ws)).await, vec![junk.id.0]);
    assert_eq!(
        list(s, &trash(Kind::Ticket, &ws)).await,
        vec![binned_junk.id.0]
    );
    junk.spam = false;
    save(s, &mut junk).await;
    ham.spam = true;
    save(s, &mut ham).await;
    assert_eq!(
        list(s, &inbox(Kind::Ticket, &ws)).await,
        vec![junk.id.0],
        "not spam any more"
    );
    assert_eq!(
        list(s, &spam(Kind::Ticket, &ws)).await,
        vec![ham.id.0],
        "marked as spam"
    );
}

/// Conversations and messages follow the same rules (messages have a trash, no spam flag).
pub async fn conversations_and_messages(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "Inbox").await;
    let mut open = conversation(ws.id(), "Hello");
    let mut junk = conversation(ws.id(), "Win a prize");
    junk.spam = true;
    let mut binned = conversation(ws.id(), "Old");
    binned.deleted_at = Some(t(1));
    for c in [&mut open, &mut junk, &mut binned] {
        put(s, c).await;
    }
    assert_eq!(
        list(s, &inbox(Kind::Conversation, &ws)).await,
        vec![open.id.0]
    );
    assert_eq!(
        list(s, &spam(Kind::Conversation, &ws)).await,
        vec![junk.id.0]
    );
    assert_eq!(
        list(s, &trash(Kind::Conversation, &ws)).await,
        vec![binned.id.0]
    );

    let mut kept = message(ws.id(), Parent::Conversation(open.id), Some("kept@x"));
    let mut dropped = message(ws.id(), Parent::Conversation(open.id), Some("dropped@x"));
    dropped.deleted_at = Some(t(2));
    put(s, &mut kept).await;
    put(s, &mut dropped).await;
    let thread = Query::new(Kind::Message, ws.scope())
        .filter(Filter::Eq("conversation_id", open.id.0.into()))
        .filter(Filter::IsNull("deleted_at"));
    assert_eq!(
        list(s, &thread).await,
        vec![kept.id.0],
        "trashed message hidden from thread"
    );
}
