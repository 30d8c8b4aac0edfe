//! Workspace isolation: an id from another workspace behaves exactly like a missing one,
//! everywhere it can be passed.

use crate::common::{env, not_found};
use gopimi_core::model::{Parent, Role};
use gopimi_core::service::{
    BulkAction, ContactPatch, NewContact, NewMessage, NewTag, NewTicket, PageRequest, TagPatch,
    TicketPatch, TicketQuery,
};

#[tokio::test]
async fn ids_from_another_workspace_are_not_found_everywhere() {
    let e = env().await;
    let d = &e.desk;
    // The same owner has a second workspace B with its own rows.
    let b = d
        .create_workspace(&e.owner, "Other brand")
        .await
        .expect("ws b")
        .id;
    let b_ticket = d
        .create_ticket(&e.owner, b, NewTicket::new("B's ticket"))
        .await
        .expect("t");
    let b_tag = d
        .create_tag(&e.owner, b, NewTag::new("b-tag"))
        .await
        .expect("tag");
    let b_contact = d
        .create_contact(&e.owner, b, NewContact::new("Bea", "bea@example.org"))
        .await
        .expect("contact");
    let a_ticket = d
        .create_ticket(&e.owner, e.ws, NewTicket::new("A's ticket"))
        .await
        .expect("t");
    let (a, o) = (e.ws, &e.owner);

    assert_eq!(not_found(d.ticket(o, a, b_ticket.id).await), "ticket");
    assert_eq!(
        not_found(
            d.update_ticket(o, a, b_ticket.id, TicketPatch::default())
                .await
        ),
        "ticket"
    );
    assert_eq!(not_found(d.trash_ticket(o, a, b_ticket.id).await), "ticket");
    assert_eq!(
        not_found(d.set_ticket_spam(o, a, b_ticket.id, true).await),
        "ticket"
    );
    assert_eq!(
        not_found(d.delete_ticket_permanently(o, a, b_ticket.id).await),
        "ticket"
    );
    assert_eq!(
        not_found(
            d.add_ticket_message(o, a, b_ticket.id, NewMessage::note("hi"))
                .await
        ),
        "ticket"
    );
    assert_eq!(
        not_found(
            d.list_ticket_messages(o, a, b_ticket.id, PageRequest::default())
                .await
        ),
        "ticket"
    );
    assert_eq!(
        not_found(
            d.ticket_activities(o, a, b_ticket.id, PageRequest::default())
                .await
        ),
        "ticket"
    );
    assert_eq!(
        not_found(d.set_ticket_tags(o, a, a_ticket.id, &[b_tag.id]).await),
        "tag"
    );
    assert_eq!(
        not_found(d.tag_ticket(o, a, a_ticket.id, &[b_tag.id]).await),
        "tag"
    );
    let mut new = NewTicket::new("with B's contact");
    new.contact_id = Some(b_contact.id);
    assert_eq!(not_found(d.create_ticket(o, a, new).await), "contact");
    let mut new = NewTicket::new("with B's tag");
    new.tag_ids = vec![b_tag.id];
    assert_eq!(not_found(d.create_ticket(o, a, new).await), "tag");
    let patch = TicketPatch {
        contact_id: Some(Some(b_contact.id)),
        ..Default::default()
    };
    assert_eq!(
        not_found(d.update_ticket(o, a, a_ticket.id, patch).await),
        "contact"
    );
    assert_eq!(not_found(d.contact(o, a, b_contact.id).await), "contact");
    assert_eq!(
        not_found(
            d.update_contact(o, a, b_contact.id, ContactPatch::default())
                .await
        ),
        "contact"
    );
    assert_eq!(
        not_found(d.delete_contact(o, a, b_contact.id).await),
        "contact"
    );
    assert_eq!(
        not_found(d.contact_fields(o, a, b_contact.id).await),
        "contact"
    );
    assert_eq!(not_found(d.tag(o, a, b_tag.id).await), "tag");
    assert_eq!(
        not_found(d.update_tag(o, a, b_tag.id, TagPatch::default()).await),
        "tag"
    );
    assert_eq!(not_found(d.delete_tag(o, a, b_tag.id).await), "tag");
    let q = TicketQuery::parse([("contact_id", b_contact.id.to_string().as_str())]).expect("q");
    assert_eq!(not_found(d.list_tickets(o, a, &q).await), "contact");
    let q = TicketQuery::parse([("tag", b_tag.id.to_string().as_str())]).expect("q");
    assert_eq!(not_found(d.list_tickets(o, a, &q).await), "tag");
    assert_eq!(
        not_found(
            d.delete_message(
                o,
                a,
                Parent::Ticket(b_ticket.id),
                gopimi_core::ids::MessageId::new()
            )
            .await
        ),
        "ticket"
    );

    // In bulk, the foreign id fails alone.
    let report = d
        .bulk_tickets(o, a, &[a_ticket.id.0, b_ticket.id.0], &BulkAction::Trash)
        .await
        .expect("bulk");
    assert!(report.items[0].ok());
    assert!(matches!(
        report.items[1].result,
        Err(gopimi_core::Error::NotFound { what: "ticket" })
    ));

    // B's rows are untouched by all of the above.
    let b_after = d.ticket(o, b, b_ticket.id).await.expect("b ticket");
    assert_eq!(b_after, b_ticket);
    assert!(d.tag(o, b, b_tag.id).await.is_ok());
    assert!(d.contact(o, b, b_contact.id).await.is_ok());
}

#[tokio::test]
async fn an_agent_must_be_a_member_of_the_workspace() {
    let e = env().await;
    let (outsider, _) = crate::common::user(&e.desk, "Out Sider").await;
    let t = e
        .desk
        .create_ticket(&e.owner, e.ws, NewTicket::new("assign me"))
        .await
        .expect("ticket");
    assert_eq!(
        not_found(
            e.desk
                .assign_ticket(&e.owner, e.ws, t.id, Some(outsider))
                .await
        ),
        "agent"
    );
    let (mid, _) = e.member("Mo", Role::Member).await;
    let t = e
        .desk
        .assign_ticket(&e.owner, e.ws, t.id, Some(mid))
        .await
        .expect("assign");
    assert_eq!(t.agent_id, Some(mid));
}
