//! `get_many`: the rows that exist among the ids, each once, in any order; missing ids left out;
//! any number of ids; kinds never mix.

use super::sample::*;
use crate::model::*;
use crate::store::{Kind, Op, Store, Writes};
use std::sync::Arc;
use uuid::Uuid;

/// Existing rows come back (each once, even when asked twice); missing ids are left out.
pub async fn existing_rows_once(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "Many").await;
    let mut t1 = ticket(ws.id(), 1, "One");
    let mut t2 = ticket(ws.id(), 2, "Two");
    let mut t3 = ticket(ws.id(), 3, "Three");
    for t in [&mut t1, &mut t2, &mut t3] {
        put(s, t).await;
    }
    let asked = [t3.id.0, Uuid::now_v7(), t1.id.0, t1.id.0, Uuid::nil()];
    let rows = ok(
        s.get_many(Kind::Ticket, ws.scope(), &asked).await,
        "get_many",
    );
    assert_eq!(
        sorted_ids(&rows),
        sorted(vec![t1.id.0, t3.id.0]),
        "existing rows, each once"
    );
    for r in &rows {
        let want = if r.id == t1.id.0 { &t1 } else { &t3 };
        assert_eq!(r.version, 1);
        assert_eq!(&r.decode::<Ticket>().expect("decodes"), want);
    }
    let none = ok(s.get_many(Kind::Ticket, ws.scope(), &[]).await, "get_many");
    assert!(none.is_empty(), "no ids, no rows");
}

/// Thousands of ids in one call (more than some engines allow as bind parameters in one
/// statement) all come back.
pub async fn thousands_of_ids(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "Thousands").await;
    let mut w = Writes::new();
    let mut want = Vec::new();
    for i in 0..2_500 {
        let p = Probe::new(&ws, &format!("bulk-{i}")).set("status_rank", i as i64);
        want.push(p.id());
        w.op(Op::Insert(p.record()));
    }
    ok(w.apply(s).await, "insert 2,500 rows");
    let mut asked = want.clone();
    for _ in 0..500 {
        asked.push(Uuid::new_v4());
    }
    let rows = ok(
        s.get_many(Kind::Conversation, ws.scope(), &asked).await,
        "get_many",
    );
    assert_eq!(sorted_ids(&rows), sorted(want));
}

/// Ids of one kind are not found as another kind, by `get` or `get_many`.
pub async fn kinds_never_mix(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "Kinds").await;
    let mut tk = ticket(ws.id(), 1, "A ticket");
    put(s, &mut tk).await;
    assert!(ok(s.get(Kind::Conversation, ws.scope(), tk.id.0).await, "get").is_none());
    assert!(ok(s.get(Kind::Message, ws.scope(), tk.id.0).await, "get").is_none());
    let rows = ok(
        s.get_many(Kind::Conversation, ws.scope(), &[tk.id.0]).await,
        "get_many",
    );
    assert!(rows.is_empty());
    // The same id may even exist in two kinds: each read returns its own kind's row.
    let mut conv = conversation(ws.id(), "Same id");
    conv.id = crate::ids::ConversationId(tk.id.0);
    put(s, &mut conv).await;
    let as_conv: Option<Conversation> = load(s, ws.scope(), tk.id.0).await;
    let as_ticket: Option<Ticket> = load(s, ws.scope(), tk.id.0).await;
    assert_eq!(as_conv, Some(conv));
    assert_eq!(as_ticket, Some(tk));
}
