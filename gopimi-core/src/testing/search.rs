//! Full-text search: a row matches when every search word is a prefix of some word of its
//! search text. Case-insensitive because the core normalizes both sides. Text the core does not
//! index is not found. Words shorter than three characters never reach the store.
//!
//! Backend-neutral on purpose: every search word has at least four letters and none is an
//! English stopword, so MariaDB's FULLTEXT (minimum token size, stopword list), PostgreSQL's
//! `simple` text search, SQLite FTS5 and token indexes all agree.

use super::sample::*;
use crate::model::*;
use crate::store::{Filter, Kind, Query, SortKey, Store, StoreExt};
use std::sync::Arc;
use uuid::Uuid;

async fn found(s: &dyn Store, kind: Kind, scope: Option<Uuid>, text: &str) -> Vec<Uuid> {
    let q = Query::new(kind, scope).search(text);
    sorted_ids(&ok(s.query(&q).await, &format!("search {text:?}")).rows)
}

async fn tickets(s: &dyn Store, ws: &Ws, subjects: &[&str]) -> Vec<Ticket> {
    let mut out = Vec::new();
    for (i, subject) in subjects.iter().enumerate() {
        let mut tk = ticket(ws.id(), i as i64 + 1, subject);
        put(s, &mut tk).await;
        out.push(tk);
    }
    out
}

/// A word matches as a prefix of an indexed word, not as a substring in its middle nor as a
/// longer word; numbers are words too.
pub async fn prefix_of_word(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "Prefix").await;
    let mut tk = ticket(ws.id(), 1042, "Invoice payment failed");
    put(s, &mut tk).await;
    let mut other = ticket(ws.id(), 2077, "Password reset");
    put(s, &mut other).await;
    let one = vec![tk.id.0];
    for q in ["invo", "invoice", "paym", "fail", "1042", "104"] {
        assert_eq!(
            found(s, Kind::Ticket, ws.scope(), q).await,
            one,
            "{q:?} matches"
        );
    }
    for q in ["voice", "invoices", "ayment", "invoicepayment", "1043"] {
        assert!(
            found(s, Kind::Ticket, ws.scope(), q).await.is_empty(),
            "{q:?} must not match"
        );
    }
}

/// Several words must all match, each in any field the core indexed (subject, description).
pub async fn every_word_must_match(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "AllWords").await;
    let t = tickets(
        s,
        &ws,
        &["Printer jammed", "Printer offline", "Scanner jammed"],
    )
    .await;
    let mut laptop = ticket(ws.id(), 10, "Laptop");
    laptop.description = "The battery looks swollen".into();
    put(s, &mut laptop).await;
    let scope = ws.scope();
    assert_eq!(
        found(s, Kind::Ticket, scope, "printer jammed").await,
        vec![t[0].id.0]
    );
    assert_eq!(
        found(s, Kind::Ticket, scope, "jammed printer").await,
        vec![t[0].id.0]
    );
    assert_eq!(
        found(s, Kind::Ticket, scope, "jammed").await,
        sorted(vec![t[0].id.0, t[2].id.0])
    );
    assert!(
        found(s, Kind::Ticket, scope, "printer scanner")
            .await
            .is_empty()
    );
    assert_eq!(
        found(s, Kind::Ticket, scope, "laptop swollen").await,
        vec![laptop.id.0]
    );
    assert_eq!(
        found(s, Kind::Ticket, scope, "batt lapt").await,
        vec![laptop.id.0]
    );
}

/// Search ignores case on both sides.
pub async fn case_insensitive(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "Case").await;
    let t = tickets(s, &ws, &["URGENT Refund Request"]).await;
    for q in ["urgent", "REFUND", "ReQuEsT", "Refund URGENT"] {
        assert_eq!(
            found(s, Kind::Ticket, ws.scope(), q).await,
            vec![t[0].id.0],
            "{q:?}"
        );
    }
}

/// Text the core does not index (a contact's notes) is not found; indexed text (name, email) is.
pub async fn ignores_unindexed_text(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "Unindexed").await;
    let mut c = contact(ws.id(), "priscilla@example.net", "Priscilla Presley");
    c.notes = Some("Quarterly renewal negotiations".into());
    put(s, &mut c).await;
    assert_eq!(
        found(s, Kind::Contact, ws.scope(), "priscilla").await,
        vec![c.id.0]
    );
    assert_eq!(
        found(s, Kind::Contact, ws.scope(), "presley").await,
        vec![c.id.0]
    );
    assert!(
        found(s, Kind::Contact, ws.scope(), "quarterly")
            .await
            .is_empty()
    );
    assert!(
        found(s, Kind::Contact, ws.scope(), "renewal")
            .await
            .is_empty()
    );
}

/// Search combines with filters, sort and the total count.
pub async fn with_filters_and_sort(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "Combined").await;
    let mut t = tickets(
        s,
        &ws,
        &[
            "Refund for order",
            "Refund again",
            "Refund third",
            "Shipping question",
        ],
    )
    .await;
    t[1].status = TicketStatus::Closed;
    save(s, &mut t[1]).await;
    let q = Query::new(Kind::Ticket, ws.scope())
        .search("refund")
        .filter(Filter::Eq("status", "open".into()))
        .sort(SortKey::desc("number"))
        .with_total();
    let res = ok(s.query(&q).await, "query");
    assert_eq!(ids(&res.rows), vec![t[2].id.0, t[0].id.0]);
    assert_eq!(res.total, Some(2));
}

/// Words shorter than three characters are dropped by the core before the store sees them: a
/// query of only short words lists everything; short words beside long ones change nothing.
pub async fn short_words_ignored(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "Short").await;
    let t = tickets(s, &ws, &["An invoice of May", "Delivery note"]).await;
    assert!(
        Query::new(Kind::Ticket, ws.scope())
            .search("an of ok")
            .search
            .is_empty()
    );
    assert_eq!(
        found(s, Kind::Ticket, ws.scope(), "an of ok").await,
        sorted(vec![t[0].id.0, t[1].id.0]),
        "only short words: no search"
    );
    assert_eq!(
        found(s, Kind::Ticket, ws.scope(), "zz invoice").await,
        vec![t[0].id.0]
    );
}

/// The index follows updates (old words gone, new words found) and deletes.
pub async fn follows_updates_and_deletes(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "Reindex").await;
    let mut t = tickets(s, &ws, &["Broken keyboard"]).await;
    t[0].subject = "Flickering monitor".into();
    save(s, &mut t[0]).await;
    assert!(
        found(s, Kind::Ticket, ws.scope(), "keyboard")
            .await
            .is_empty(),
        "old words"
    );
    assert_eq!(
        found(s, Kind::Ticket, ws.scope(), "monitor").await,
        vec![t[0].id.0]
    );
    remove(s, &t[0]).await;
    assert!(
        found(s, Kind::Ticket, ws.scope(), "monitor")
            .await
            .is_empty(),
        "deleted row"
    );
}

/// Search results page and count like any query.
pub async fn counts_and_pages(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "SearchPages").await;
    let mut subjects = Vec::new();
    for i in 0..17 {
        subjects.push(if i % 3 == 2 {
            "Password reset"
        } else {
            "Shipment delayed"
        });
    }
    let t = tickets(s, &ws, &subjects).await;
    let want: Vec<Uuid> = t
        .iter()
        .filter(|tk| tk.subject.starts_with("Shipment"))
        .map(|tk| tk.id.0)
        .collect();
    let mut got = Vec::new();
    for page in 0..3u64 {
        let q = Query::new(Kind::Ticket, ws.scope())
            .search("shipment")
            .sort(SortKey::asc("number"))
            .offset(page * 5)
            .limit(5)
            .with_total();
        let res = ok(s.query(&q).await, "query");
        assert_eq!(res.total, Some(want.len() as u64), "page {page} total");
        got.extend(ids(&res.rows));
    }
    assert_eq!(got, want, "pages of a search, in order");
    let n = ok(
        s.count(&Query::new(Kind::Ticket, ws.scope()).search("password"))
            .await,
        "count",
    );
    assert_eq!(n, 5);
}

/// Non-ASCII words are found by prefix and regardless of case.
pub async fn unicode_words(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "Unicode").await;
    let t = tickets(s, &ws, &["Café Müller Straße", "Привет команда"]).await;
    for q in ["café", "CAFÉ", "müll", "MÜLLER", "straße"] {
        assert_eq!(
            found(s, Kind::Ticket, ws.scope(), q).await,
            vec![t[0].id.0],
            "{q:?}"
        );
    }
    for q in ["привет", "ПРИВ", "команда"] {
        assert_eq!(
            found(s, Kind::Ticket, ws.scope(), q).await,
            vec![t[1].id.0],
            "{q:?}"
        );
    }
    assert!(
        found(s, Kind::Ticket, ws.scope(), "cafe").await.is_empty(),
        "no accent folding"
    );
}

/// Every searchable kind is searchable, and a search in one kind never returns another's rows.
pub async fn every_searchable_kind(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "Kinds").await;
    let mut tk = ticket(ws.id(), 1, "Ticketword zebra");
    put(s, &mut tk).await;
    let mut m = message(ws.id(), Parent::Ticket(tk.id), Some("kinds@x"));
    m.subject = "Messageword".into();
    m.body_text = "giraffe".into();
    put(s, &mut m).await;
    let mut c = conversation(ws.id(), "Conversationword");
    put(s, &mut c).await;
    let mut ct = contact(ws.id(), "kinds@example.net", "Contactword");
    put(s, &mut ct).await;
    let mut o = organization(ws.id(), "Organizationword");
    put(s, &mut o).await;
    let mut cr = canned_response(ws.id(), "Cannedword", "Body text never searched");
    put(s, &mut cr).await;
    let mut w2 = workspace(ws.owner_id(), "Workspaceword");
    put(s, &mut w2).await;
    let scope = ws.scope();
    assert_eq!(
        found(s, Kind::Ticket, scope, "ticketword").await,
        vec![tk.id.0]
    );
    assert_eq!(
        found(s, Kind::Message, scope, "messageword giraffe").await,
        vec![m.id.0]
    );
    assert_eq!(
        found(s, Kind::Conversation, scope, "conversationword").await,
        vec![c.id.0]
    );
    assert_eq!(
        found(s, Kind::Contact, scope, "contactword").await,
        vec![ct.id.0]
    );
    assert_eq!(
        found(s, Kind::Organization, scope, "organizationword").await,
        vec![o.id.0]
    );
    assert_eq!(
        found(s, Kind::CannedResponse, scope, "cannedword").await,
        vec![cr.id.0]
    );
    assert_eq!(
        found(s, Kind::Workspace, None, "workspaceword").await,
        vec![w2.id.0]
    );
    assert!(
        found(s, Kind::Ticket, scope, "giraffe").await.is_empty(),
        "kinds do not mix"
    );
    assert!(
        found(s, Kind::Message, scope, "zebra").await.is_empty(),
        "kinds do not mix"
    );
}

/// Rows without search text (none, or empty) are listed without a search and never match one.
pub async fn rows_without_search_text(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "NoText").await;
    let p = put_probes(
        s,
        vec![
            Probe::new(&ws, "indexed").search_text("Orchestra rehearsal"),
            Probe::new(&ws, "none"),
            Probe::new(&ws, "empty").search_text(""),
        ],
    )
    .await;
    assert_eq!(
        found(s, Kind::Conversation, ws.scope(), "orchestra").await,
        vec![p[0]]
    );
    let all = ok(
        s.count(&Query::new(Kind::Conversation, ws.scope())).await,
        "count",
    );
    assert_eq!(all, 3);
}
