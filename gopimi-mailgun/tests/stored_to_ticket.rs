//! A Mailgun `store()` notification, end to end: the signed notify POST is verified, the stored
//! MIME is fetched from the stand-in of Mailgun's storage API, and the core's pipeline turns it
//! into a ticket with its attachments; the same notification delivered again changes nothing.
#![cfg(feature = "reqwest")]

mod common;

use common::*;
use gopimi_core::blob::MemoryBlobStore;
use gopimi_core::mail::{MessageIdSigner, RecordingSender};
use gopimi_core::model::{Attachment, InboundItem, InboundStatus, Message, Purpose};
use gopimi_core::pipeline::{InboundLimits, ingest_email, pipeline_runner};
use gopimi_core::service::{Caller, Helpdesk, NewWorkspaceEmail, Registration};
use gopimi_core::store::{Kind, MemoryStore, Query, StoreExt};
use std::sync::Arc;
use wiremock::matchers::{basic_auth, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const STORED_PATH: &str = "/v3/domains/help.acme.test/messages/BAABAgQF-storage-key-4410";

#[tokio::test]
async fn a_stored_message_becomes_a_ticket_with_its_attachments() {
    let mailgun = MockServer::start().await;
    let mut stored = json_fixture("stored-message-raw.json");
    stored["body-mime"] = String::from_utf8(read_fixture("raw/printer-on-fire.eml"))
        .expect("utf-8")
        .into();
    Mock::given(method("GET"))
        .and(path(STORED_PATH))
        .and(header("accept", "message/rfc2822"))
        .and(basic_auth("api", API_KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(stored))
        .mount(&mailgun)
        .await;

    let hd = Helpdesk::builder(Arc::new(MemoryStore::new()))
        .blobs(Arc::new(MemoryBlobStore::new()))
        .build();
    let (owner, _) = hd
        .register(Registration::new(
            "Owner",
            "owner@acme.test",
            "correct horse battery",
        ))
        .await
        .expect("register");
    let caller = Caller::User(owner.id);
    let ws = hd
        .create_workspace(&caller, "Acme")
        .await
        .expect("workspace");
    hd.create_workspace_email(
        &caller,
        ws.id,
        NewWorkspaceEmail::new("support@help.acme.test", Purpose::Ticket),
    )
    .await
    .expect("email");
    let runner = pipeline_runner(
        &hd,
        Arc::new(RecordingSender::new()),
        MessageIdSigner::new(b"mailgun end-to-end secret, 32 bytes+"),
        "mailgun-e2e",
    );

    let hooks = webhooks(&mailgun.uri());
    let form = signed_form("store-notify.json", &mailgun.uri());
    let email = hooks.inbound(&form).await.expect("accepted");
    let ingested = ingest_email(&hd, email, &InboundLimits::default())
        .await
        .expect("ingest");
    runner.drain(10).await.expect("process");
    let item: InboundItem = hd
        .store()
        .require(None, ingested.item.id.0)
        .await
        .expect("item");
    assert_eq!(item.status, InboundStatus::Processed, "{:?}", item.reason);

    let ticket = hd
        .ticket(&caller, ws.id, item.ticket_id.expect("a ticket"))
        .await
        .expect("ticket");
    assert_eq!(ticket.subject, "Re: Printer on fire");
    let contact = hd
        .contact_by_email(&caller, ws.id, "rosa@example.net")
        .await
        .expect("lookup")
        .expect("the sender became the contact");
    assert_eq!(ticket.contact_id, Some(contact.id));

    let message: Message = hd
        .store()
        .require(Some(ws.id.0), item.message_id.expect("message").0)
        .await
        .expect("message");
    let files: Vec<Attachment> = hd
        .store()
        .find(&Query::new(Kind::Attachment, Some(ws.id.0)))
        .await
        .expect("attachments");
    assert!(!files.is_empty(), "the mail's files are stored");
    for f in &files {
        let bytes = hd
            .blobs()
            .get(&f.blob_key)
            .await
            .expect("blob")
            .expect("bytes");
        assert_eq!(bytes.len() as u64, f.size, "{}", f.filename);
    }
    let inline = files.iter().filter(|f| f.inline).count();
    assert_eq!(
        message.attachment_ids.len(),
        files.len() - inline,
        "inline parts are not listed"
    );

    // Mailgun retries the notification (re-signed): nothing new appears.
    let again = signed_form("store-notify.json", &mailgun.uri());
    let email = hooks.inbound(&again).await.expect("accepted again");
    ingest_email(&hd, email, &InboundLimits::default())
        .await
        .expect("ingest again");
    runner.drain(10).await.expect("process again");
    let tickets = hd
        .store()
        .count(&Query::new(Kind::Ticket, Some(ws.id.0)))
        .await
        .expect("count");
    let messages = hd
        .store()
        .count(&Query::new(Kind::Message, Some(ws.id.0)))
        .await
        .expect("count");
    assert_eq!((tickets, messages), (1, 1));
}
