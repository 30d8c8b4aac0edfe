//! Messages: notes stay internal, replies are queued with their send job, the pipeline's hooks
//! create tickets from email and thread replies in.

use crate::common::{env, invalid_field, is_forbidden, not_found};
use gopimi_core::ids::MessageId;
use gopimi_core::model::{
    DeliveryStatus, Job, Mailbox, Message, MessageKind, Parent, Role, TicketStatus,
};
use gopimi_core::service::{
    MessagePatch, NewContact, NewMessage, NewTicket, PageRequest, TicketOrigin,
};
use gopimi_core::store::{Filter, Kind, Query, StoreExt};
use gopimi_core::{Caller, model::Actor};

#[tokio::test]
async fn a_reply_is_queued_with_its_send_job_and_defaults_to_the_contact() {
    let e = env().await;
    let d = &e.desk;
    let c = d
        .create_contact(
            &e.owner,
            e.ws,
            NewContact::new("Cy Customer", "cy@example.org"),
        )
        .await
        .expect("contact");
    let mut new = NewTicket::new("Refund");
    new.contact_id = Some(c.id);
    let t = d.create_ticket(&e.owner, e.ws, new).await.expect("ticket");
    let mut reply = NewMessage::reply("We have refunded you.");
    reply.cc = vec![Mailbox::new("boss@example.org")];
    let m = d
        .add_ticket_message(&e.owner, e.ws, t.id, reply)
        .await
        .expect("reply");
    assert_eq!(m.kind, MessageKind::Outbound);
    assert_eq!(m.to, vec![Mailbox::named("Cy Customer", "cy@example.org")]);
    assert_eq!(
        m.delivery.as_ref().map(|d| d.status),
        Some(DeliveryStatus::Queued)
    );
    let jobs: Vec<Job> = e
        .store
        .find(&Query::new(Kind::Job, None).filter(Filter::Eq("queue", "mail.send".into())))
        .await
        .expect("jobs");
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].payload, serde_json::json!({ "message_id": m.id }));
    assert_eq!(jobs[0].workspace_id, Some(e.ws.0));
    let after = d.ticket(&e.owner, e.ws, t.id).await.expect("ticket");
    assert!(
        after.first_response_at.is_some(),
        "the reply is the first response"
    );

    // A note never produces a send job.
    d.add_ticket_message(&e.owner, e.ws, t.id, NewMessage::note("internal"))
        .await
        .expect("note");
    let n = e
        .store
        .count(&Query::new(Kind::Job, None))
        .await
        .expect("count");
    assert_eq!(n, 1);
}

#[tokio::test]
async fn a_reply_needs_someone_to_go_to() {
    let e = env().await;
    let t = e
        .desk
        .create_ticket(&e.owner, e.ws, NewTicket::new("no contact"))
        .await
        .expect("t");
    assert_eq!(
        invalid_field(
            e.desk
                .add_ticket_message(&e.owner, e.ws, t.id, NewMessage::reply("hello"))
                .await
        ),
        "to"
    );
    let mut bad = NewMessage::reply("hello");
    bad.to = vec![Mailbox::new("not an address")];
    assert_eq!(
        invalid_field(e.desk.add_ticket_message(&e.owner, e.ws, t.id, bad).await),
        "to"
    );
}

#[tokio::test]
async fn notes_can_be_edited_by_their_author_and_deleted_from_the_thread() {
    let e = env().await;
    let d = &e.desk;
    let (_, member) = e.member("Mo", Role::Member).await;
    let (_, other) = e.member("Ola", Role::Member).await;
    let t = d
        .create_ticket(&e.owner, e.ws, NewTicket::new("notes"))
        .await
        .expect("t");
    let note = d
        .add_ticket_message(&member, e.ws, t.id, NewMessage::note("draft"))
        .await
        .expect("note");
    let parent = Parent::Ticket(t.id);
    let edit = || MessagePatch {
        body: Some("final".into()),
        ..Default::default()
    };
    assert!(is_forbidden(
        d.update_message(&other, e.ws, parent, note.id, edit())
            .await
    ));
    let edited = d
        .update_message(&member, e.ws, parent, note.id, edit())
        .await
        .expect("edit");
    assert_eq!(edited.body_text, "final");
    assert_eq!(edited.version, note.version + 1);
    // Owners may edit anyone's note.
    d.update_message(
        &e.owner,
        e.ws,
        parent,
        note.id,
        MessagePatch {
            body: Some("owner".into()),
            ..Default::default()
        },
    )
    .await
    .expect("owner edit");

    let c = d
        .create_contact(&e.owner, e.ws, NewContact::new("C", "c@example.org"))
        .await
        .expect("c");
    let mut with_contact = NewTicket::new("reply");
    with_contact.contact_id = Some(c.id);
    let t2 = d
        .create_ticket(&e.owner, e.ws, with_contact)
        .await
        .expect("t2");
    let reply = d
        .add_ticket_message(&member, e.ws, t2.id, NewMessage::reply("sent"))
        .await
        .expect("reply");
    assert!(is_forbidden(
        d.update_message(&member, e.ws, Parent::Ticket(t2.id), reply.id, edit())
            .await
    ));
    // A message of another ticket is not found through this one.
    assert_eq!(
        not_found(
            d.update_message(&member, e.ws, parent, reply.id, edit())
                .await
        ),
        "message"
    );

    assert!(is_forbidden(
        d.delete_message(&other, e.ws, parent, note.id).await
    ));
    d.delete_message(&member, e.ws, parent, note.id)
        .await
        .expect("delete");
    let thread = d
        .list_ticket_messages(&e.owner, e.ws, t.id, PageRequest::default())
        .await
        .expect("list");
    assert_eq!(thread.total, 0);
    assert_eq!(
        not_found(d.delete_message(&member, e.ws, parent, note.id).await),
        "message"
    );
    let log = d
        .ticket_activities(&e.owner, e.ws, t.id, PageRequest::default())
        .await
        .expect("log");
    let actions: Vec<&str> = log.items.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "created",
            "note_added",
            "message_edited",
            "message_edited",
            "message_deleted"
        ]
    );
    assert_eq!(log.items[2].details["from"], "draft");
    assert_eq!(log.items[2].details["to"], "final");
}

fn inbound(
    ws: gopimi_core::ids::WorkspaceId,
    contact: gopimi_core::ids::ContactId,
    body: &str,
) -> Message {
    let now = chrono::Utc::now();
    Message {
        id: MessageId::new(),
        workspace_id: ws,
        parent: Parent::Ticket(gopimi_core::ids::TicketId::new()),
        kind: MessageKind::Inbound,
        author_user_id: None,
        author_contact_id: Some(contact),
        from: Some(Mailbox::new("cy@example.org")),
        to: vec![Mailbox::new("help@example.net")],
        cc: vec![],
        subject: "Printer".into(),
        body_text: body.into(),
        body_html: None,
        new_text: None,
        attachment_ids: vec![],
        rfc_message_id: Some(format!("{}@mail.example.org", MessageId::new())),
        in_reply_to: None,
        references: vec![],
        sending_email_id: None,
        delivery: None,
        thread_match: None,
        thread_notes: vec![],
        auto_submitted: false,
        bounce: false,
        provider_message_id: None,
        deleted_at: None,
        created_at: now,
        updated_at: now,
        version: 0,
    }
}

#[tokio::test]
async fn the_pipeline_opens_tickets_from_email_and_threads_replies_in() {
    let e = env().await;
    let d = &e.desk;
    let (contact, created) = d
        .find_or_create_contact(&Caller::System, e.ws, "Cy@Example.org", Some("Cy"))
        .await
        .expect("contact");
    assert!(created);
    let (again, created) = d
        .find_or_create_contact(&Caller::System, e.ws, "cy@example.org", None)
        .await
        .expect("contact");
    assert!(!created);
    assert_eq!(again.id, contact.id);

    let first = inbound(e.ws, contact.id, "It is on fire");
    let opened = d
        .open_ticket(
            &Caller::System,
            e.ws,
            NewTicket::new("  Printer\r\n on fire "),
            TicketOrigin::Email {
                contact_id: contact.id,
                message: Box::new(first.clone()),
                attachments: vec![],
                jobs: vec![],
                spam: false,
            },
        )
        .await
        .expect("open");
    assert_eq!(opened.ticket.subject, "Printer on fire");
    assert_eq!(opened.ticket.contact_id, Some(contact.id));
    let msg = opened.message.expect("first message");
    assert_eq!(msg.parent, Parent::Ticket(opened.ticket.id));
    let log = d
        .ticket_activities(&e.owner, e.ws, opened.ticket.id, PageRequest::default())
        .await
        .expect("log");
    assert_eq!(log.items[0].actor, Actor::Contact(contact.id));
    assert_eq!(log.items[0].details["source"], "email");

    // An empty subject from email is not an error.
    let untitled = d
        .open_ticket(
            &Caller::System,
            e.ws,
            NewTicket::new(""),
            TicketOrigin::Email {
                contact_id: contact.id,
                message: Box::new(inbound(e.ws, contact.id, "?")),
                attachments: vec![],
                jobs: vec![],
                spam: true,
            },
        )
        .await
        .expect("open");
    assert_eq!(untitled.ticket.subject, "(no subject)");
    assert!(untitled.ticket.spam);

    // A customer's reply to a resolved ticket reopens it.
    let id = opened.ticket.id;
    d.set_ticket_status(&e.owner, e.ws, id, TicketStatus::Resolved)
        .await
        .expect("resolve");
    d.add_inbound_message(
        &Caller::System,
        e.ws,
        Parent::Ticket(id),
        inbound(e.ws, contact.id, "Still broken"),
        vec![],
        vec![],
    )
    .await
    .expect("thread in");
    let t = d.ticket(&e.owner, e.ws, id).await.expect("ticket");
    assert_eq!(t.status, TicketStatus::Open);
    let thread = d
        .list_ticket_messages(&e.owner, e.ws, id, PageRequest::default())
        .await
        .expect("thread");
    assert_eq!(thread.total, 2);
    let log = d
        .ticket_activities(&e.owner, e.ws, id, PageRequest::default())
        .await
        .expect("log");
    let actions: Vec<&str> = log.items.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "created",
            "status_changed",
            "message_received",
            "status_changed"
        ]
    );
}
