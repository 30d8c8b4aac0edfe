//! The activity log records every change, with who did it and the values before and after.

use crate::common::env;
use gopimi_core::model::{Actor, Priority, Role, TicketStatus};
use gopimi_core::service::{NewMessage, NewTag, NewTicket, PageRequest, TicketPatch};
use serde_json::json;

#[tokio::test]
async fn every_ticket_change_is_logged_with_from_and_to() {
    let e = env().await;
    let d = &e.desk;
    let (agent, member) = e.member("Ana Agent", Role::Member).await;
    let tag = d
        .create_tag(&e.owner, e.ws, NewTag::new("vip"))
        .await
        .expect("tag");
    let t = d
        .create_ticket(&e.owner, e.ws, NewTicket::new("Login fails"))
        .await
        .expect("ticket");
    d.set_ticket_status(&member, e.ws, t.id, TicketStatus::Pending)
        .await
        .expect("status");
    d.set_ticket_priority(&e.owner, e.ws, t.id, Priority::Urgent)
        .await
        .expect("priority");
    d.assign_ticket(&e.owner, e.ws, t.id, Some(agent))
        .await
        .expect("assign");
    d.set_ticket_tags(&e.owner, e.ws, t.id, &[tag.id])
        .await
        .expect("tags");
    let patch = TicketPatch {
        subject: Some("Login fails on mobile".into()),
        ..Default::default()
    };
    d.update_ticket(&e.owner, e.ws, t.id, patch)
        .await
        .expect("subject");
    let note = d
        .add_ticket_message(&member, e.ws, t.id, NewMessage::note("Checked the logs"))
        .await
        .expect("note");
    d.trash_ticket(&e.owner, e.ws, t.id).await.expect("trash");
    d.restore_ticket(&e.owner, e.ws, t.id)
        .await
        .expect("restore");
    d.set_ticket_spam(&e.owner, e.ws, t.id, true)
        .await
        .expect("spam");
    d.set_ticket_spam(&e.owner, e.ws, t.id, false)
        .await
        .expect("not spam");

    let log = d
        .ticket_activities(
            &e.owner,
            e.ws,
            t.id,
            PageRequest::new(1, 100).expect("page"),
        )
        .await
        .expect("log");
    let actions: Vec<&str> = log.items.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "created",
            "status_changed",
            "priority_changed",
            "assigned",
            "tags_changed",
            "subject_changed",
            "note_added",
            "trashed",
            "restored",
            "spam_marked",
            "spam_unmarked",
        ]
    );
    let by = |action: &str| log.items.iter().find(|a| a.action == action).expect(action);
    assert_eq!(
        by("status_changed").details,
        json!({"from": "open", "to": "pending"})
    );
    assert_eq!(by("status_changed").actor, Actor::User(agent));
    assert_eq!(
        by("priority_changed").details,
        json!({"from": "medium", "to": "urgent"})
    );
    assert_eq!(by("priority_changed").actor, Actor::User(e.owner_id));
    assert_eq!(by("assigned").details, json!({"from": null, "to": agent}));
    assert_eq!(by("tags_changed").details["added"], json!([tag.id]));
    assert_eq!(by("tags_changed").details["from"], json!([]));
    assert_eq!(
        by("subject_changed").details,
        json!({"from": "Login fails", "to": "Login fails on mobile"})
    );
    assert_eq!(by("note_added").details["message_id"], json!(note.id));
}

#[tokio::test]
async fn a_change_to_the_same_value_writes_nothing() {
    let e = env().await;
    let t = e
        .desk
        .create_ticket(&e.owner, e.ws, NewTicket::new("Same"))
        .await
        .expect("ticket");
    let again = e
        .desk
        .set_ticket_status(&e.owner, e.ws, t.id, TicketStatus::Open)
        .await
        .expect("no-op");
    assert_eq!(again.version, t.version, "the ticket was not rewritten");
    let log = e
        .desk
        .ticket_activities(&e.owner, e.ws, t.id, PageRequest::default())
        .await
        .expect("log");
    assert_eq!(log.total, 1, "only `created`");
}

#[tokio::test]
async fn resolving_and_reopening_keeps_the_sla_facts() {
    let e = env().await;
    let d = &e.desk;
    let t = d
        .create_ticket(&e.owner, e.ws, NewTicket::new("x"))
        .await
        .expect("ticket");
    assert!(t.first_response_at.is_none() && t.resolved_at.is_none());
    let t = d
        .set_ticket_status(&e.owner, e.ws, t.id, TicketStatus::Resolved)
        .await
        .expect("resolve");
    assert!(t.resolved_at.is_some());
    let t = d
        .set_ticket_status(&e.owner, e.ws, t.id, TicketStatus::Closed)
        .await
        .expect("close");
    assert!(t.resolved_at.is_some() && t.closed_at.is_some());
    let t = d
        .set_ticket_status(&e.owner, e.ws, t.id, TicketStatus::Open)
        .await
        .expect("reopen");
    assert!(t.resolved_at.is_none() && t.closed_at.is_none());
}
