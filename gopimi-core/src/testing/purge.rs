//! `PurgeWorkspace`: removes every row of the workspace, including rows of global kinds that
//! carry its id (jobs, inbound items), and nothing else; frees the unique keys those rows held;
//! leaves nothing in search or set indexes.

use super::sample::*;
use crate::model::*;
use crate::store::{Batch, Filter, Kind, Op, Query, Store, StoreExt};
use std::sync::Arc;
use uuid::Uuid;

/// Everything one workspace holds, one row of most kinds.
struct Filled {
    ws: Ws,
    rows: Vec<(Kind, Uuid)>,
    tag: Tag,
}

async fn filled(s: &dyn Store, name: &str) -> Filled {
    let ws = new_workspace(s, name).await;
    let slug = name.to_lowercase();
    let w = ws.id();
    let mut rows = Vec::new();
    let mut org = organization(w, "Initech");
    put(s, &mut org).await;
    rows.push((Kind::Organization, org.id.0));
    let mut c = contact(w, &format!("peter@{slug}.example"), "Peter Gibbons");
    c.organization_id = Some(org.id);
    put(s, &mut c).await;
    rows.push((Kind::Contact, c.id.0));
    let mut field = custom_field(w, "Tier");
    put(s, &mut field).await;
    rows.push((Kind::CustomField, field.id.0));
    let mut value = custom_field_value(w, c.id, field.id, serde_json::json!("gold"));
    put(s, &mut value).await;
    rows.push((Kind::CustomFieldValue, value.id.0));
    let mut tag = tag(w, "stapler");
    put(s, &mut tag).await;
    rows.push((Kind::Tag, tag.id.0));
    let mut canned = canned_response(w, "Greeting", "Hello");
    put(s, &mut canned).await;
    rows.push((Kind::CannedResponse, canned.id.0));
    let mut policy = sla_policy(w, "Default");
    put(s, &mut policy).await;
    rows.push((Kind::SlaPolicy, policy.id.0));
    let mut dom = domain(w, &format!("{slug}.example"));
    put(s, &mut dom).await;
    rows.push((Kind::Domain, dom.id.0));
    let mut email = workspace_email(w, &format!("help@{slug}.example"));
    email.domain_id = Some(dom.id);
    put(s, &mut email).await;
    rows.push((Kind::WorkspaceEmail, email.id.0));
    let mut tk = ticket(w, 1, "Missing stapler");
    tk.contact_id = Some(c.id);
    tk.tag_ids = vec![tag.id];
    put(s, &mut tk).await;
    rows.push((Kind::Ticket, tk.id.0));
    let mut conv = conversation(w, "Missing stapler chat");
    put(s, &mut conv).await;
    rows.push((Kind::Conversation, conv.id.0));
    let mut m = message(
        w,
        Parent::Ticket(tk.id),
        Some(&format!("m1@{slug}.example")),
    );
    put(s, &mut m).await;
    rows.push((Kind::Message, m.id.0));
    let mut att = attachment(w, Some(m.id));
    put(s, &mut att).await;
    rows.push((Kind::Attachment, att.id.0));
    let mut act = activity(w, ActivitySubject::Ticket(tk.id), "created");
    put(s, &mut act).await;
    rows.push((Kind::Activity, act.id.0));
    let mut pref = notification_preference(w, ws.owner_id());
    put(s, &mut pref).await;
    rows.push((Kind::NotificationPreference, pref.id.0));
    let mut blocked = blocked_sender(w, "spam@bad.example");
    put(s, &mut blocked).await;
    rows.push((Kind::BlockedSender, blocked.id.0));
    let mut hook = webhook(w, "https://hooks.example/x");
    put(s, &mut hook).await;
    rows.push((Kind::Webhook, hook.id.0));
    let mut delivery = webhook_delivery(w, hook.id);
    put(s, &mut delivery).await;
    rows.push((Kind::WebhookDelivery, delivery.id.0));
    let mut j = job("mail.send", t0());
    j.workspace_id = ws.scope();
    j.dedupe_key = Some(format!("send:{slug}"));
    put(s, &mut j).await;
    rows.push((Kind::Job, j.id.0));
    let mut item = inbound_item(ws.scope(), Some(&format!("key-{slug}")));
    put(s, &mut item).await;
    rows.push((Kind::InboundItem, item.id.0));
    Filled { ws, rows, tag }
}

async fn purge_and_delete(s: &dyn Store, ws: &Ws) {
    let mut batch = Batch::new();
    batch.push(Op::PurgeWorkspace(ws.id().0));
    batch.push(Op::Delete {
        kind: Kind::Workspace,
        workspace_id: None,
        id: ws.id().0,
        expected_version: None,
    });
    ok(s.apply(batch).await, "purge and delete a workspace");
}

/// Purging A removes all of A's rows (memberships, every kind, jobs and inbound items with A's
/// id) and none of B's, nor users, nor jobs without a workspace.
pub async fn removes_only_that_workspace(store: Arc<dyn Store>) {
    let s = &*store;
    let a = filled(s, "Alpha").await;
    let b = filled(s, "Beta").await;
    let mut free_job = job("sla.sweep", t0());
    put(s, &mut free_job).await;
    let mut only_purge = Batch::new();
    only_purge.push(Op::PurgeWorkspace(a.ws.id().0));
    ok(s.apply(only_purge).await, "purge");
    assert!(
        load::<Workspace>(s, None, a.ws.id().0).await.is_some(),
        "the workspace row itself is deleted separately"
    );
    purge_and_delete(s, &a.ws).await;
    for (kind, id) in &a.rows {
        assert!(
            ok(s.get(*kind, None, *id).await, "get").is_none(),
            "A's {kind} {id} purged"
        );
    }
    let members = ok(
        s.count(&Query::new(Kind::Membership, a.ws.scope())).await,
        "count",
    );
    assert_eq!(members, 0, "A's memberships purged");
    assert!(load::<Workspace>(s, None, a.ws.id().0).await.is_none());
    for (kind, id) in &b.rows {
        assert!(
            ok(s.get(*kind, b.ws.scope(), *id).await, "get").is_some(),
            "B's {kind} kept"
        );
    }
    assert!(
        load::<User>(s, None, a.ws.owner_id().0).await.is_some(),
        "users are not purged"
    );
    assert!(
        load::<Job>(s, None, free_job.id.0).await.is_some(),
        "global jobs are kept"
    );
}

/// The unique keys A's rows held (global and per workspace) are free after the purge.
pub async fn frees_unique_keys(store: Arc<dyn Store>) {
    let s = &*store;
    let a = filled(s, "Alpha").await;
    purge_and_delete(s, &a.ws).await;
    let c = new_workspace(s, "Gamma").await;
    put(s, &mut domain(c.id(), "alpha.example")).await;
    put(s, &mut workspace_email(c.id(), "help@alpha.example")).await;
    put(s, &mut inbound_item(None, Some("key-alpha"))).await;
    let mut j = job("mail.send", t0());
    j.dedupe_key = Some("send:alpha".into());
    put(s, &mut j).await;
    put(s, &mut contact(c.id(), "peter@alpha.example", "Peter")).await;
}

/// After a purge, A's rows are in no search or set index; B's still are.
pub async fn clears_indexes(store: Arc<dyn Store>) {
    let s = &*store;
    let a = filled(s, "Alpha").await;
    let b = filled(s, "Beta").await;
    purge_and_delete(s, &a.ws).await;
    let searched = ok(
        s.query(&Query::new(Kind::Ticket, None).search("stapler"))
            .await,
        "search",
    );
    assert_eq!(
        searched.rows.len(),
        1,
        "only B's ticket is found across workspaces"
    );
    let tagged = ok(
        s.query(
            &Query::new(Kind::Ticket, a.ws.scope()).filter(Filter::Contains("tag_ids", a.tag.id.0)),
        )
        .await,
        "query",
    );
    assert!(tagged.rows.is_empty(), "A's tag index is empty");
    let b_tagged = ok(
        s.query(
            &Query::new(Kind::Ticket, b.ws.scope()).filter(Filter::Contains("tag_ids", b.tag.id.0)),
        )
        .await,
        "query",
    );
    assert_eq!(b_tagged.rows.len(), 1, "B's tag index is intact");
    let contacts = ok(
        s.query(&Query::new(Kind::Contact, None).search("gibbons"))
            .await,
        "search",
    );
    assert_eq!(contacts.rows.len(), 1, "only B's contact is found");
}

/// Purging a workspace that has no rows (or does not exist) succeeds and changes nothing.
pub async fn empty_workspace(store: Arc<dyn Store>) {
    let s = &*store;
    let a = new_workspace(s, "Kept").await;
    let mut batch = Batch::new();
    batch.push(Op::PurgeWorkspace(Uuid::now_v7()));
    ok(s.apply(batch).await, "purging an unknown workspace");
    let members = ok(
        s.count(&Query::new(Kind::Membership, a.scope())).await,
        "count",
    );
    assert_eq!(members, 1);
}
