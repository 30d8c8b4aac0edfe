//! Unique keys: per workspace or global, as each kind declares; NULLs never collide; a conflict
//! names the key; keys freed by a delete or an update are free again.

use super::sample::*;
use crate::model::*;
use crate::store::{Batch, Kind, Op, Query, Record, Store, StoreExt};
use std::sync::Arc;

/// The same Message-ID (and provider message id) is fine in two workspaces and a conflict in one.
pub async fn message_id_per_workspace(store: Arc<dyn Store>) {
    let s = &*store;
    let a = new_workspace(s, "Alpha").await;
    let b = new_workspace(s, "Beta").await;
    let mut ta = ticket(a.id(), 1, "Thread");
    let mut tb = ticket(b.id(), 1, "Thread");
    put(s, &mut ta).await;
    put(s, &mut tb).await;
    let rfc = "CAF=abc123@mail.example.com";
    let mut ma = message(a.id(), Parent::Ticket(ta.id), Some(rfc));
    ma.provider_message_id = Some("prov-1".into());
    let mut mb = message(b.id(), Parent::Ticket(tb.id), Some(rfc));
    mb.provider_message_id = Some("prov-1".into());
    put(s, &mut ma).await;
    put(s, &mut mb).await;
    let mut again = message(a.id(), Parent::Ticket(ta.id), Some(rfc));
    assert_conflict_on(
        try_put(s, &mut again).await,
        "message_rfc_id",
        "same Message-ID twice in one workspace",
    );
    let mut same_provider = message(a.id(), Parent::Ticket(ta.id), Some("other@x"));
    same_provider.provider_message_id = Some("prov-1".into());
    assert_conflict_on(
        try_put(s, &mut same_provider).await,
        "message_provider_id",
        "same provider message id twice in one workspace",
    );
    let n = ok(
        s.count(&Query::new(Kind::Message, a.scope())).await,
        "count",
    );
    assert_eq!(n, 1, "the refused messages were not stored");
}

/// Contact emails are unique per workspace (case-insensitively, as the core projects them).
pub async fn contact_email_per_workspace(store: Arc<dyn Store>) {
    let s = &*store;
    let a = new_workspace(s, "Alpha").await;
    let b = new_workspace(s, "Beta").await;
    put(s, &mut contact(a.id(), "bob@example.com", "Bob")).await;
    put(s, &mut contact(b.id(), "bob@example.com", "Bob too")).await;
    assert_conflict_on(
        try_put(s, &mut contact(a.id(), "Bob@Example.COM", "Robert")).await,
        "contact_email",
        "the same email twice in one workspace",
    );
}

/// Tag names are unique per workspace (case-insensitively, as the core projects them).
pub async fn tag_name_per_workspace(store: Arc<dyn Store>) {
    let s = &*store;
    let a = new_workspace(s, "Alpha").await;
    let b = new_workspace(s, "Beta").await;
    put(s, &mut tag(a.id(), "Billing")).await;
    put(s, &mut tag(b.id(), "Billing")).await;
    assert_conflict_on(
        try_put(s, &mut tag(a.id(), "billing")).await,
        "tag_name",
        "the same tag name twice in one workspace",
    );
    put(s, &mut tag(a.id(), "Billing issues")).await;
}

/// Workspace email addresses (and forwarding addresses) are unique across all workspaces.
pub async fn workspace_email_address_global(store: Arc<dyn Store>) {
    let s = &*store;
    let a = new_workspace(s, "Alpha").await;
    let b = new_workspace(s, "Beta").await;
    let mut ea = workspace_email(a.id(), "support@shared.example");
    ea.forwarding_address = Some("fwd-1@in.example".into());
    put(s, &mut ea).await;
    assert_conflict_on(
        try_put(s, &mut workspace_email(b.id(), "Support@Shared.example")).await,
        "workspace_email_address",
        "the same address in another workspace",
    );
    let mut fwd = workspace_email(b.id(), "other@shared.example");
    fwd.forwarding_address = Some("fwd-1@in.example".into());
    assert_conflict_on(
        try_put(s, &mut fwd).await,
        "workspace_email_forwarding",
        "the same forwarding address in another workspace",
    );
    fwd.forwarding_address = Some("fwd-2@in.example".into());
    put(s, &mut fwd).await;
}

/// Domain names are unique across all workspaces.
pub async fn domain_name_global(store: Arc<dyn Store>) {
    let s = &*store;
    let a = new_workspace(s, "Alpha").await;
    let b = new_workspace(s, "Beta").await;
    put(s, &mut domain(a.id(), "mail.acme.example")).await;
    assert_conflict_on(
        try_put(s, &mut domain(b.id(), "MAIL.acme.example")).await,
        "domain_name",
        "the same domain in another workspace",
    );
}

/// User emails are unique across the installation.
pub async fn user_email_global(store: Arc<dyn Store>) {
    let s = &*store;
    put(s, &mut user("ada@example.org")).await;
    assert_conflict_on(
        try_put(s, &mut user(" ADA@example.org ")).await,
        "user_email",
        "the same user email twice",
    );
    put(s, &mut user("ada2@example.org")).await;
}

/// Unique keys of global kinds: token hashes, nonce keys, inbound provider keys, job dedupe keys.
pub async fn global_kind_keys(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "Keys").await;
    put(s, &mut api_token(ws.owner_id(), "hash-1")).await;
    assert_conflict_on(
        try_put(s, &mut api_token(ws.owner_id(), "hash-1")).await,
        "api_token_hash",
        "token hash",
    );
    put(s, &mut nonce("mailgun:t1")).await;
    assert_conflict_on(
        try_put(s, &mut nonce("mailgun:t1")).await,
        "nonce_key",
        "nonce",
    );
    put(s, &mut inbound_item(None, Some("k1"))).await;
    assert_conflict_on(
        try_put(s, &mut inbound_item(ws.scope(), Some("k1"))).await,
        "inbound_provider_key",
        "inbound provider key, even with a workspace set",
    );
    let mut j = job("sla.sweep", t0());
    j.dedupe_key = Some("sweep".into());
    put(s, &mut j).await;
    let mut j2 = job("sla.sweep", t(5));
    j2.dedupe_key = Some("sweep".into());
    assert_conflict_on(
        try_put(s, &mut j2).await,
        "job_dedupe_key",
        "job dedupe key",
    );
}

/// A key over two fields (a contact's value for a custom field) conflicts only when both match.
pub async fn composite_key(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "Composite").await;
    let mut c1 = contact(ws.id(), "one@example.net", "One");
    let mut c2 = contact(ws.id(), "two@example.net", "Two");
    let mut f1 = custom_field(ws.id(), "Tier");
    let mut f2 = custom_field(ws.id(), "Region");
    for c in [&mut c1, &mut c2] {
        put(s, c).await;
    }
    for f in [&mut f1, &mut f2] {
        put(s, f).await;
    }
    let v = serde_json::json!("gold");
    put(s, &mut custom_field_value(ws.id(), c1.id, f1.id, v.clone())).await;
    put(s, &mut custom_field_value(ws.id(), c1.id, f2.id, v.clone())).await;
    put(s, &mut custom_field_value(ws.id(), c2.id, f1.id, v.clone())).await;
    assert_conflict_on(
        try_put(s, &mut custom_field_value(ws.id(), c1.id, f1.id, v)).await,
        "custom_field_value",
        "the same contact and field twice",
    );
}

/// Rows whose key fields are NULL never collide, in per-workspace and in global keys.
pub async fn nulls_never_collide(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "Nulls").await;
    let mut tk = ticket(ws.id(), 1, "Notes");
    put(s, &mut tk).await;
    for _ in 0..3 {
        put(s, &mut message(ws.id(), Parent::Ticket(tk.id), None)).await;
        put(
            s,
            &mut workspace_email(ws.id(), &format!("{}@nulls.example", uuid::Uuid::new_v4())),
        )
        .await;
        put(s, &mut job("mail.send", t0())).await;
        put(s, &mut inbound_item(None, None)).await;
    }
    let messages = ok(
        s.count(&Query::new(Kind::Message, ws.scope())).await,
        "count",
    );
    assert_eq!(messages, 3, "three messages without Message-ID");
    let jobs = ok(s.count(&Query::new(Kind::Job, None)).await, "count");
    assert_eq!(jobs, 3, "three jobs without dedupe key");
}

/// An update that takes a key another row holds conflicts and leaves both rows as they were.
pub async fn update_onto_taken_key(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "Taken").await;
    let mut x = contact(ws.id(), "x@example.net", "X");
    let mut y = contact(ws.id(), "y@example.net", "Y");
    put(s, &mut x).await;
    put(s, &mut y).await;
    let mut moved = y.clone();
    moved.email = "X@example.net".into();
    assert_conflict_on(
        try_save(s, &mut moved).await,
        "contact_email",
        "update onto x's email",
    );
    let read: Option<Contact> = load(s, ws.scope(), y.id.0).await;
    assert_eq!(read, Some(y), "y is unchanged");
    let read: Option<Contact> = load(s, ws.scope(), x.id.0).await;
    assert_eq!(read, Some(x), "x is unchanged");
}

/// An update that keeps its own key (or changes its case only, which projects the same) is not
/// a conflict with itself.
pub async fn update_keeps_own_key(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "Own").await;
    let mut c = contact(ws.id(), "own@example.net", "Own");
    put(s, &mut c).await;
    c.name = "Own Renamed".into();
    save(s, &mut c).await;
    c.email = "OWN@example.net".into();
    save(s, &mut c).await;
    let read: Option<Contact> = load(s, ws.scope(), c.id.0).await;
    assert_eq!(read, Some(c));
}

/// A key freed by deleting its row can be taken by a new row.
pub async fn freed_by_delete(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "Freed").await;
    let mut first = workspace_email(ws.id(), "reuse@freed.example");
    put(s, &mut first).await;
    remove(s, &first).await;
    let other = new_workspace(s, "Other").await;
    put(s, &mut workspace_email(other.id(), "reuse@freed.example")).await;
    let mut t1 = tag(ws.id(), "again");
    put(s, &mut t1).await;
    remove(s, &t1).await;
    put(s, &mut tag(ws.id(), "again")).await;
}

/// A key freed by updating its row to another value can be taken by another row; the new value
/// is held.
pub async fn freed_by_update(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "Moved").await;
    let mut c = contact(ws.id(), "old@example.net", "Mover");
    put(s, &mut c).await;
    c.email = "new@example.net".into();
    save(s, &mut c).await;
    put(s, &mut contact(ws.id(), "old@example.net", "Newcomer")).await;
    assert_conflict_on(
        try_put(s, &mut contact(ws.id(), "new@example.net", "Late")).await,
        "contact_email",
        "the moved-to email is held",
    );
    let mut m_parent = ticket(ws.id(), 1, "Parent");
    put(s, &mut m_parent).await;
    let mut m = message(ws.id(), Parent::Ticket(m_parent.id), Some("a@x"));
    put(s, &mut m).await;
    m.rfc_message_id = None;
    save(s, &mut m).await;
    put(
        s,
        &mut message(ws.id(), Parent::Ticket(m_parent.id), Some("a@x")),
    )
    .await;
}

/// Within one batch, a key freed by an earlier operation can be taken by a later one.
pub async fn freed_earlier_in_batch(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "Batch").await;
    let mut a = tag(ws.id(), "alpha");
    let mut b = tag(ws.id(), "beta");
    put(s, &mut a).await;
    put(s, &mut b).await;
    // Swap the two names through a temporary one, then reuse a deleted row's name.
    let mut w = crate::store::Writes::new();
    let mut a2 = a.clone();
    a2.name = "tmp".into();
    w.update(&mut a2).expect("encodes");
    let mut b2 = b.clone();
    b2.name = "alpha".into();
    w.update(&mut b2).expect("encodes");
    let mut a3 = a2.clone();
    a3.name = "beta".into();
    w.update(&mut a3).expect("encodes");
    let mut c = tag(ws.id(), "gamma");
    w.insert(&mut c).expect("encodes");
    w.delete(&c);
    let mut c_again = tag(ws.id(), "gamma");
    w.insert(&mut c_again).expect("encodes");
    ok(w.apply(s).await, "a batch that reuses keys it freed");
    let read: Option<Tag> = load(s, ws.scope(), a.id.0).await;
    assert_eq!(read.map(|t| t.name), Some("beta".to_owned()));
    let read: Option<Tag> = load(s, ws.scope(), b.id.0).await;
    assert_eq!(read.map(|t| t.name), Some("alpha".to_owned()));
    assert!(load::<Tag>(s, ws.scope(), c.id.0).await.is_none());
    assert!(load::<Tag>(s, ws.scope(), c_again.id.0).await.is_some());
}

/// Two inserts of the same key in one batch conflict, and neither is stored.
pub async fn duplicate_within_batch(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "Dup").await;
    let mut one = contact(ws.id(), "dup@example.net", "One");
    let mut two = contact(ws.id(), "dup@example.net", "Two");
    one.version = 1;
    two.version = 1;
    let mut batch = Batch::new();
    batch.push(Op::Insert(Record::encode(&one).expect("encodes")));
    batch.push(Op::Insert(Record::encode(&two).expect("encodes")));
    assert_conflict_on(
        s.apply(batch).await,
        "contact_email",
        "the same key twice in a batch",
    );
    let n = ok(
        s.count(&Query::new(Kind::Contact, ws.scope())).await,
        "count",
    );
    assert_eq!(n, 0, "neither contact was stored");
}
