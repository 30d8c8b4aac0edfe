//! Trash, restore, spam and permanent deletion: what each list shows, and what is really gone.

use crate::common::{env, not_found};
use gopimi_core::ids::TicketId;
use gopimi_core::service::{NewAttachment, NewMessage, NewTicket, TicketQuery};
use gopimi_core::store::{Filter, Kind, Query, StoreExt};

async fn ids(e: &crate::common::Env, which: &str) -> Vec<TicketId> {
    let q = TicketQuery::default();
    let page = match which {
        "queue" => e.desk.list_tickets(&e.owner, e.ws, &q).await,
        "trash" => e.desk.list_trashed_tickets(&e.owner, e.ws, &q).await,
        _ => e.desk.list_spam_tickets(&e.owner, e.ws, &q).await,
    }
    .expect("list");
    let mut v: Vec<TicketId> = page.items.iter().map(|t| t.id).collect();
    v.sort();
    v
}

#[tokio::test]
async fn trash_and_spam_leave_the_queue_and_come_back() {
    let e = env().await;
    let d = &e.desk;
    let a = d
        .create_ticket(&e.owner, e.ws, NewTicket::new("a"))
        .await
        .expect("a")
        .id;
    let b = d
        .create_ticket(&e.owner, e.ws, NewTicket::new("b"))
        .await
        .expect("b")
        .id;
    let c = d
        .create_ticket(&e.owner, e.ws, NewTicket::new("c"))
        .await
        .expect("c")
        .id;
    d.trash_ticket(&e.owner, e.ws, a).await.expect("trash");
    d.set_ticket_spam(&e.owner, e.ws, b, true)
        .await
        .expect("spam");
    assert_eq!(ids(&e, "queue").await, vec![c]);
    assert_eq!(ids(&e, "trash").await, vec![a]);
    assert_eq!(ids(&e, "spam").await, vec![b]);
    // A trashed ticket can still be opened by id.
    assert!(
        d.ticket(&e.owner, e.ws, a)
            .await
            .expect("get")
            .deleted_at
            .is_some()
    );

    d.restore_ticket(&e.owner, e.ws, a).await.expect("restore");
    d.set_ticket_spam(&e.owner, e.ws, b, false)
        .await
        .expect("not spam");
    let mut all = vec![a, b, c];
    all.sort();
    assert_eq!(ids(&e, "queue").await, all);
    assert!(ids(&e, "trash").await.is_empty());
    assert!(ids(&e, "spam").await.is_empty());
}

#[tokio::test]
async fn permanent_deletion_removes_messages_attachments_and_the_log() {
    let e = env().await;
    let d = &e.desk;
    let t = d
        .create_ticket(&e.owner, e.ws, NewTicket::new("to purge"))
        .await
        .expect("t");
    let keep = d
        .create_ticket(&e.owner, e.ws, NewTicket::new("to keep"))
        .await
        .expect("t");
    let upload = d
        .upload_attachment(
            &e.owner,
            e.ws,
            NewAttachment {
                filename: "log.txt".into(),
                content_type: "text/plain".into(),
                bytes: b"stack trace".to_vec(),
            },
        )
        .await
        .expect("upload");
    let mut note = NewMessage::note("see attached");
    note.attachment_ids = vec![upload.id];
    d.add_ticket_message(&e.owner, e.ws, t.id, note)
        .await
        .expect("note");
    d.add_ticket_message(&e.owner, e.ws, keep.id, NewMessage::note("stays"))
        .await
        .expect("note");
    assert_eq!(e.blobs.len(), 1);
    let linked = d
        .attachment(&e.owner, e.ws, upload.id)
        .await
        .expect("attachment");
    assert!(linked.message_id.is_some());

    d.delete_ticket_permanently(&e.owner, e.ws, t.id)
        .await
        .expect("purge");
    assert_eq!(not_found(d.ticket(&e.owner, e.ws, t.id).await), "ticket");
    assert_eq!(
        not_found(d.attachment(&e.owner, e.ws, upload.id).await),
        "attachment"
    );
    assert_eq!(e.blobs.len(), 0, "the bytes are gone too");
    let scope = Some(e.ws.0);
    let count = |kind, field, id: TicketId| {
        let store = e.store.clone();
        async move {
            store
                .count(&Query::new(kind, scope).filter(Filter::Eq(field, id.0.into())))
                .await
                .expect("count")
        }
    };
    assert_eq!(count(Kind::Message, "ticket_id", t.id).await, 0);
    assert_eq!(count(Kind::Activity, "ticket_id", t.id).await, 0);
    assert_eq!(count(Kind::Message, "ticket_id", keep.id).await, 1);
    assert_eq!(count(Kind::Activity, "ticket_id", keep.id).await, 2);
}

#[tokio::test]
async fn deleting_all_spam_deletes_only_spam() {
    let e = env().await;
    let d = &e.desk;
    for i in 0..3 {
        let t = d
            .create_ticket(&e.owner, e.ws, NewTicket::new(format!("spam {i}")))
            .await
            .expect("t");
        d.set_ticket_spam(&e.owner, e.ws, t.id, true)
            .await
            .expect("spam");
    }
    let ham = d
        .create_ticket(&e.owner, e.ws, NewTicket::new("ham"))
        .await
        .expect("t");
    assert_eq!(
        d.delete_all_spam_tickets(&e.owner, e.ws)
            .await
            .expect("purge"),
        3
    );
    assert!(ids(&e, "spam").await.is_empty());
    assert_eq!(ids(&e, "queue").await, vec![ham.id]);
}
