//! The email pipeline end to end on the memory store: raw mail in, tickets and conversations
//! threaded, replies out through the outbox, answers threaded back, and every way mail is set
//! aside or kept out of loops.

use chrono::{Duration, TimeZone, Utc};
use gopimi_core::blob::MemoryBlobStore;
use gopimi_core::clock::{Clock, ManualClock};
use gopimi_core::ids::{InboundId, TicketId, UserId, WorkspaceId};
use gopimi_core::jobs::JobRunner;
use gopimi_core::mail::{InboundEmail, MessageIdSigner, OutboxSender, SpamVerdict};
use gopimi_core::model::{
    Conversation, DeliveryStatus, InboundItem, InboundStatus, Message, Purpose, ThreadMatch,
    Ticket, TicketStatus,
};
use gopimi_core::pipeline::{
    DeliveryApplied, DeliveryReport, InboundLimits, ReportKind, apply_delivery_report,
    ingest_email, pipeline_runner,
};
use gopimi_core::service::{
    Caller, Helpdesk, NewBlockedSender, NewMessage, NewWorkspaceEmail, PageRequest, Registration,
    VERIFY_QUEUE, VerificationMailHandler,
};
use gopimi_core::store::{Kind, MemoryStore, Query, StoreExt};
use std::sync::Arc;

struct World {
    hd: Helpdesk,
    clock: ManualClock,
    runner: JobRunner,
    outbox: OutboxSender,
    _dir: tempfile::TempDir,
    owner: Caller,
    owner_id: UserId,
    ws: WorkspaceId,
}

async fn world() -> World {
    let clock = ManualClock::new(
        Utc.with_ymd_and_hms(2026, 4, 1, 9, 0, 0)
            .single()
            .expect("time"),
    );
    let hd = Helpdesk::builder(Arc::new(MemoryStore::new()))
        .blobs(Arc::new(MemoryBlobStore::new()))
        .clock(Arc::new(clock.clone()))
        .build();
    let dir = tempfile::tempdir().expect("tempdir");
    let outbox = OutboxSender::with_clock(dir.path().join("outbox"), Arc::new(clock.clone()))
        .expect("outbox");
    let signer = MessageIdSigner::new(SIGNER_SECRET);
    let runner = pipeline_runner(&hd, Arc::new(outbox.clone()), signer, "test").handle(
        VERIFY_QUEUE,
        Arc::new(VerificationMailHandler::new(
            Arc::new(outbox.clone()),
            "notifications@gopimi.test",
        )),
    );
    let (owner, _) = hd
        .register(Registration::new(
            "Olivia Owner",
            "olivia@acme.test",
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
        NewWorkspaceEmail::new("support@acme.test", Purpose::Ticket),
    )
    .await
    .expect("email");
    World {
        hd,
        clock,
        runner,
        outbox,
        _dir: dir,
        owner: caller,
        owner_id: owner.id,
        ws: ws.id,
    }
}

impl World {
    async fn deliver_to(&self, recipient: &str, raw: &str) -> InboundItem {
        let email = InboundEmail {
            raw: raw.replace('\n', "\r\n").into_bytes(),
            recipient: recipient.into(),
            sender: None,
            provider: "raw".into(),
            provider_key: None,
            spam: SpamVerdict::default(),
            received_at: None,
        };
        self.deliver_email(email).await
    }

    async fn deliver_email(&self, email: InboundEmail) -> InboundItem {
        let ingested = ingest_email(&self.hd, email, &InboundLimits::default())
            .await
            .expect("ingest");
        self.runner.drain(20).await.expect("run jobs");
        self.item(ingested.item.id).await
    }

    async fn deliver(&self, raw: &str) -> InboundItem {
        self.deliver_to("support@acme.test", raw).await
    }

    async fn item(&self, id: InboundId) -> InboundItem {
        self.hd.store().require(None, id.0).await.expect("item")
    }

    async fn ticket(&self, id: TicketId) -> Ticket {
        self.hd
            .ticket(&self.owner, self.ws, id)
            .await
            .expect("ticket")
    }

    async fn messages(&self, id: TicketId) -> Vec<Message> {
        self.hd
            .list_ticket_messages(&self.owner, self.ws, id, PageRequest::default())
            .await
            .expect("messages")
            .items
    }

    async fn tickets(&self) -> Vec<Ticket> {
        self.hd
            .store()
            .find(&Query::new(Kind::Ticket, Some(self.ws.0)).limit(1000))
            .await
            .expect("tickets")
    }
}

const FIRST: &str = "From: Carla Customer <carla@customer.test>
To: Support <support@acme.test>
Subject: Printer on fire
Message-ID: <first-1@customer.test>
Date: Wed, 1 Apr 2026 08:59:00 +0000
Content-Type: text/plain; charset=utf-8

Hello, my printer is on fire. Please help!
";

#[tokio::test]
async fn full_round_trip_inbound_reply_outbox_answer_threads_back() {
    let w = world().await;
    let item = w.deliver(FIRST).await;
    assert_eq!(item.status, InboundStatus::Processed, "{:?}", item.reason);
    let ticket_id = item.ticket_id.expect("ticket");
    let ticket = w.ticket(ticket_id).await;
    assert_eq!(ticket.subject, "Printer on fire");
    assert_eq!(ticket.number, 1);
    let contact =
        w.hd.contact_by_email(&w.owner, w.ws, "CARLA@customer.test")
            .await
            .expect("lookup")
            .expect("contact created");
    assert_eq!(contact.name, "Carla Customer");
    assert_eq!(ticket.contact_id, Some(contact.id));

    // The agent replies; the send job writes the .eml to the outbox.
    let reply =
        w.hd.add_ticket_message(
            &w.owner,
            w.ws,
            ticket_id,
            NewMessage::reply("We are on our way."),
        )
        .await
        .expect("reply");
    w.runner.drain(5).await.expect("send");
    let files = w.outbox.files().expect("outbox files");
    assert_eq!(files.len(), 1);
    let eml = std::fs::read_to_string(&files[0]).expect("read eml");
    assert!(
        eml.contains("In-Reply-To: <first-1@customer.test>"),
        "{eml}"
    );
    assert!(
        eml.contains("[#1]"),
        "subject carries the ticket token: {eml}"
    );
    assert!(eml.contains("From: <support@acme.test>") || eml.contains("support@acme.test"));
    let sent: Message =
        w.hd.store()
            .require(Some(w.ws.0), reply.id.0)
            .await
            .expect("reply row");
    assert_eq!(
        sent.delivery.as_ref().map(|d| d.status),
        Some(DeliveryStatus::Sent)
    );
    let our_id = sent.rfc_message_id.clone().expect("message id assigned");
    assert!(eml.contains(&format!("Message-ID: <{our_id}>")), "{eml}");

    // The customer answers our reply: it threads into the same ticket.
    let answer = format!(
        "From: carla@customer.test\nTo: support@acme.test\nSubject: Re: [#1] Printer on fire\nMessage-ID: <answer-2@customer.test>\nIn-Reply-To: <{our_id}>\nReferences: <first-1@customer.test> <{our_id}>\n\nThanks, it is out now.\n"
    );
    let item2 = w.deliver(&answer).await;
    assert_eq!(item2.ticket_id, Some(ticket_id));
    let msgs = w.messages(ticket_id).await;
    assert_eq!(msgs.len(), 3);
    assert_eq!(
        msgs[2].thread_match,
        Some(ThreadMatch::InReplyTo {
            message_id: our_id.clone()
        })
    );
    assert_eq!(w.tickets().await.len(), 1);
}

#[tokio::test]
async fn redelivering_the_same_message_changes_nothing() {
    let w = world().await;
    let first = w.deliver(FIRST).await;
    let again = w.deliver(FIRST).await;
    assert_eq!(again.status, InboundStatus::Processed);
    assert_eq!(again.message_id, first.message_id);
    assert_eq!(w.tickets().await.len(), 1);
    assert_eq!(w.messages(first.ticket_id.expect("ticket")).await.len(), 1);
}

#[tokio::test]
async fn unknown_recipient_is_skipped_and_creates_nothing() {
    let w = world().await;
    let item = w.deliver_to("dmarc-reports@acme.test", FIRST).await;
    assert_eq!(item.status, InboundStatus::Skipped);
    assert!(
        item.reason
            .as_deref()
            .unwrap_or("")
            .contains("dmarc-reports@acme.test")
    );
    assert!(w.tickets().await.is_empty());
}

#[tokio::test]
async fn a_reply_to_a_resolved_ticket_reopens_it_but_an_auto_reply_does_not() {
    let w = world().await;
    let first = w.deliver(FIRST).await;
    let id = first.ticket_id.expect("ticket");
    w.hd.set_ticket_status(&w.owner, w.ws, id, TicketStatus::Resolved)
        .await
        .expect("resolve");
    let auto = "From: carla@customer.test\nTo: support@acme.test\nSubject: Out of office\nAuto-Submitted: auto-replied\nMessage-ID: <ooo@customer.test>\nIn-Reply-To: <first-1@customer.test>\n\nI am away.\n";
    let item = w.deliver(auto).await;
    assert_eq!(item.ticket_id, Some(id));
    assert_eq!(w.ticket(id).await.status, TicketStatus::Resolved);
    let human = "From: carla@customer.test\nTo: support@acme.test\nSubject: Re: Printer on fire\nMessage-ID: <again@customer.test>\nIn-Reply-To: <first-1@customer.test>\n\nIt is burning again.\n";
    w.deliver(human).await;
    assert_eq!(w.ticket(id).await.status, TicketStatus::Open);
}

#[tokio::test]
async fn references_thread_when_in_reply_to_is_unknown() {
    let w = world().await;
    let first = w.deliver(FIRST).await;
    let raw = "From: carla@customer.test\nTo: support@acme.test\nSubject: more\nMessage-ID: <m3@customer.test>\nIn-Reply-To: <lost@elsewhere.test>\nReferences: <first-1@customer.test> <lost@elsewhere.test>\n\nmore\n";
    let item = w.deliver(raw).await;
    assert_eq!(item.ticket_id, first.ticket_id);
    let msgs = w.messages(first.ticket_id.expect("t")).await;
    assert_eq!(
        msgs[1].thread_match,
        Some(ThreadMatch::References {
            message_id: "first-1@customer.test".into()
        })
    );
    assert!(
        msgs[1]
            .thread_notes
            .iter()
            .any(|n| n.contains("lost@elsewhere.test"))
    );
}

#[tokio::test]
async fn token_threads_for_participants_and_not_for_strangers() {
    let w = world().await;
    let first = w.deliver(FIRST).await;
    let id = first.ticket_id.expect("ticket");
    let from_contact = "From: carla@customer.test\nTo: support@acme.test\nSubject: About [#1] again\nMessage-ID: <tok1@customer.test>\n\nsee ticket\n";
    assert_eq!(w.deliver(from_contact).await.ticket_id, Some(id));
    let stranger = "From: mallory@evil.test\nTo: support@acme.test\nSubject: Re: [#1] Printer on fire\nMessage-ID: <tok2@evil.test>\n\nlet me in\n";
    let item = w.deliver(stranger).await;
    assert_ne!(item.ticket_id, Some(id));
    assert_eq!(w.tickets().await.len(), 2);
}

#[tokio::test]
async fn same_subject_from_same_contact_threads_within_thirty_days_only() {
    let w = world().await;
    let first = w.deliver(FIRST).await;
    let id = first.ticket_id.expect("ticket");
    let again = "From: carla@customer.test\nTo: support@acme.test\nSubject: RE: AW: printer on FIRE\nMessage-ID: <s2@customer.test>\n\nstill\n";
    assert_eq!(w.deliver(again).await.ticket_id, Some(id));
    w.clock.advance(Duration::days(31));
    let late = "From: carla@customer.test\nTo: support@acme.test\nSubject: Re: Printer on fire\nMessage-ID: <s3@customer.test>\n\nagain\n";
    assert_ne!(w.deliver(late).await.ticket_id, Some(id));
}

#[tokio::test]
async fn provider_spam_and_blocked_senders_go_to_spam() {
    let w = world().await;
    let mut email = InboundEmail {
        raw: FIRST.replace('\n', "\r\n").into_bytes(),
        recipient: "support@acme.test".into(),
        sender: None,
        provider: "mailgun".into(),
        provider_key: Some("k1".into()),
        spam: SpamVerdict {
            flagged: true,
            score: Some(9.5),
        },
        received_at: None,
    };
    let item = w.deliver_email(email.clone()).await;
    assert!(w.ticket(item.ticket_id.expect("t")).await.spam);

    w.hd.block_sender(
        &w.owner,
        w.ws,
        NewBlockedSender {
            email: "bad@spam.test".into(),
            reason: None,
        },
    )
    .await
    .expect("block");
    email.raw = b"From: bad@spam.test\r\nTo: support@acme.test\r\nSubject: buy\r\nMessage-ID: <b1@spam.test>\r\n\r\nbuy now\r\n".to_vec();
    email.spam = SpamVerdict::default();
    email.provider_key = Some("k2".into());
    let item = w.deliver_email(email).await;
    assert!(w.ticket(item.ticket_id.expect("t")).await.spam);
}

#[tokio::test]
async fn mail_from_our_own_sending_address_is_ignored() {
    let w = world().await;
    let raw = "From: support@acme.test\nTo: support@acme.test\nSubject: loop\nMessage-ID: <loop@acme.test>\n\nloop\n";
    let item = w.deliver(raw).await;
    assert_eq!(item.status, InboundStatus::Skipped);
    assert!(item.reason.as_deref().unwrap_or("").contains("loop"));
    assert!(w.tickets().await.is_empty());
}

#[tokio::test]
async fn a_bounce_of_our_reply_lands_on_its_ticket_without_reopening() {
    let w = world().await;
    let first = w.deliver(FIRST).await;
    let id = first.ticket_id.expect("ticket");
    let reply =
        w.hd.add_ticket_message(&w.owner, w.ws, id, NewMessage::reply("On our way"))
            .await
            .expect("reply");
    w.runner.drain(5).await.expect("send");
    w.hd.set_ticket_status(&w.owner, w.ws, id, TicketStatus::Closed)
        .await
        .expect("close");
    let sent: Message =
        w.hd.store()
            .require(Some(w.ws.0), reply.id.0)
            .await
            .expect("row");
    let ours = sent.rfc_message_id.expect("id");
    let dsn = format!(
        "From: MAILER-DAEMON@mx.customer.test\nTo: support@acme.test\nSubject: Undelivered Mail Returned to Sender\nMessage-ID: <dsn1@mx.customer.test>\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n\n--B\nContent-Type: text/plain\n\nDelivery failed.\n--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.customer.test\n\nFinal-Recipient: rfc822; carla@customer.test\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\n\n--B\nContent-Type: text/rfc822-headers\n\nMessage-ID: <{ours}>\nFrom: support@acme.test\nTo: carla@customer.test\nSubject: Re: [#1] Printer on fire\n\n--B--\n"
    );
    let item = w.deliver(&dsn).await;
    assert_eq!(item.status, InboundStatus::Processed, "{:?}", item.reason);
    assert_eq!(item.ticket_id, Some(id));
    assert_eq!(w.ticket(id).await.status, TicketStatus::Closed);
    let sent: Message =
        w.hd.store()
            .require(Some(w.ws.0), reply.id.0)
            .await
            .expect("row");
    let delivery = sent.delivery.expect("delivery");
    assert_eq!(delivery.status, DeliveryStatus::Failed);
    assert!(
        delivery
            .reason
            .unwrap_or_default()
            .contains("carla@customer.test")
    );
}

#[tokio::test]
async fn a_bounce_of_something_we_never_sent_is_skipped() {
    let w = world().await;
    let dsn = "From: MAILER-DAEMON@mx.test\nTo: support@acme.test\nSubject: Undeliverable\nMessage-ID: <dsn2@mx.test>\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n\n--B\nContent-Type: text/plain\n\nfailed\n--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.test\n\nFinal-Recipient: rfc822; x@y.test\nAction: failed\nStatus: 5.0.0\n\n--B--\n";
    let item = w.deliver(dsn).await;
    assert_eq!(item.status, InboundStatus::Skipped);
    assert!(w.tickets().await.is_empty());
}

#[tokio::test]
async fn a_member_forwarding_customer_mail_makes_the_customer_the_contact() {
    let w = world().await;
    let raw = "From: Olivia Owner <olivia@acme.test>\nTo: support@acme.test\nSubject: Fwd: Broken invoice\nMessage-ID: <fw1@acme.test>\n\nCan someone take this?\n\n---------- Forwarded message ---------\nFrom: Bob Buyer <bob@buyer.test>\nDate: Tue, 31 Mar 2026 10:00:00 +0000\nSubject: Broken invoice\nTo: olivia@acme.test\n\nMy invoice is wrong.\n";
    let item = w.deliver(raw).await;
    let ticket = w.ticket(item.ticket_id.expect("ticket")).await;
    let contact =
        w.hd.contact_by_email(&w.owner, w.ws, "bob@buyer.test")
            .await
            .expect("lookup")
            .expect("the original sender became the contact");
    assert_eq!(ticket.contact_id, Some(contact.id));
}

#[tokio::test]
async fn inbox_emails_make_shared_or_personal_conversations() {
    let w = world().await;
    w.hd.create_workspace_email(
        &w.owner,
        w.ws,
        NewWorkspaceEmail::new("hello@acme.test", Purpose::Inbox),
    )
    .await
    .expect("shared inbox");
    let mut personal = NewWorkspaceEmail::new("olivia.inbox@acme.test", Purpose::Inbox);
    personal.user_id = Some(w.owner_id);
    w.hd.create_workspace_email(&w.owner, w.ws, personal)
        .await
        .expect("personal inbox");

    let shared = w
        .deliver_to("hello@acme.test", &FIRST.replace("first-1", "c1"))
        .await;
    let conv: Conversation =
        w.hd.store()
            .require(
                Some(w.ws.0),
                shared.conversation_id.expect("conversation").0,
            )
            .await
            .expect("row");
    assert_eq!(conv.owner_id, None);

    let mine = w
        .deliver_to("olivia.inbox@acme.test", &FIRST.replace("first-1", "c2"))
        .await;
    let conv: Conversation =
        w.hd.store()
            .require(Some(w.ws.0), mine.conversation_id.expect("conversation").0)
            .await
            .expect("row");
    assert_eq!(conv.owner_id, Some(w.owner_id));
    assert_eq!(conv.agent_id, Some(w.owner_id));
    assert!(w.tickets().await.is_empty());
}

#[tokio::test]
async fn attachments_are_stored_and_inline_parts_hidden_from_the_list() {
    let w = world().await;
    let raw = "From: carla@customer.test\nTo: support@acme.test\nSubject: screenshot\nMessage-ID: <att1@customer.test>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"M\"\n\n--M\nContent-Type: multipart/related; boundary=\"R\"\n\n--R\nContent-Type: text/html\n\n<p>see <img src=\"cid:logo@x\"></p>\n--R\nContent-Type: image/png\nContent-ID: <logo@x>\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n--R--\n--M\nContent-Type: application/pdf; name=\"report.pdf\"\nContent-Disposition: attachment; filename=\"report.pdf\"\nContent-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--M--\n";
    let item = w.deliver(raw).await;
    let msg: Message =
        w.hd.store()
            .require(Some(w.ws.0), item.message_id.expect("message").0)
            .await
            .expect("row");
    assert_eq!(msg.attachment_ids.len(), 1, "only the PDF is listed");
    let all: Vec<gopimi_core::model::Attachment> =
        w.hd.store()
            .find(&Query::new(Kind::Attachment, Some(w.ws.0)))
            .await
            .expect("attachments");
    assert_eq!(all.len(), 2);
    let pdf = all
        .iter()
        .find(|a| a.filename == "report.pdf")
        .expect("pdf");
    let bytes =
        w.hd.blobs()
            .get(&pdf.blob_key)
            .await
            .expect("blob")
            .expect("bytes");
    assert!(bytes.starts_with(b"%PDF"));
}

#[tokio::test]
async fn a_failing_sender_marks_the_reply_deferred_then_failed() {
    let w = world().await;
    let first = w.deliver(FIRST).await;
    let id = first.ticket_id.expect("ticket");
    let recording = gopimi_core::mail::RecordingSender::new();
    recording.fail_always(Some(gopimi_core::mail::SendFailure::Permanent(
        "mailbox unavailable".into(),
    )));
    let runner = pipeline_runner(
        &w.hd,
        Arc::new(recording.clone()),
        MessageIdSigner::new(b"another secret for this test only"),
        "failing",
    );
    let reply =
        w.hd.add_ticket_message(&w.owner, w.ws, id, NewMessage::reply("hello"))
            .await
            .expect("reply");
    let report = runner.drain(5).await.expect("run");
    assert_eq!(report.dead, 1);
    let row: Message =
        w.hd.store()
            .require(Some(w.ws.0), reply.id.0)
            .await
            .expect("row");
    assert_eq!(row.delivery.map(|d| d.status), Some(DeliveryStatus::Failed));
    let _ = w.clock.now();
}

#[tokio::test]
async fn a_reply_threads_by_our_signed_message_id_even_when_our_copy_is_gone() {
    let w = world().await;
    let first = w.deliver(FIRST).await;
    let id = first.ticket_id.expect("ticket");
    let reply =
        w.hd.add_ticket_message(&w.owner, w.ws, id, NewMessage::reply("On it"))
            .await
            .expect("reply");
    w.runner.drain(5).await.expect("send");
    let sent: Message =
        w.hd.store()
            .require(Some(w.ws.0), reply.id.0)
            .await
            .expect("row");
    let ours = sent.rfc_message_id.clone().expect("id");
    // Our stored copy disappears (e.g. removed by hand from the database).
    let mut wr = gopimi_core::store::Writes::new();
    wr.delete(&sent);
    wr.apply(w.hd.store().as_ref()).await.expect("delete");
    let answer = format!(
        "From: carla@customer.test\nTo: support@acme.test\nSubject: totally different subject\nMessage-ID: <sig@customer.test>\nIn-Reply-To: <{ours}>\n\nthanks\n"
    );
    let item = w.deliver(&answer).await;
    assert_eq!(item.ticket_id, Some(id));
    let msg: Message =
        w.hd.store()
            .require(Some(w.ws.0), item.message_id.expect("m").0)
            .await
            .expect("row");
    assert_eq!(
        msg.thread_match,
        Some(ThreadMatch::SignedReference { message_id: ours })
    );

    // A forged id in our format does not thread anywhere.
    let forged = "From: carla@customer.test\nTo: support@acme.test\nSubject: other thing\nMessage-ID: <forged@customer.test>\nIn-Reply-To: <gpm.taaaaaaaaaaaaaaaaaaaaaaaaaa.aaaaaaaaaaaaa.aaaaaaaaaaaaa@acme.test>\n\nhi\n";
    let item = w.deliver(forged).await;
    assert_ne!(item.ticket_id, Some(id));
}

#[tokio::test]
async fn a_cc_recipient_replying_threads_into_the_ticket_by_token() {
    let w = world().await;
    let raw = "From: carla@customer.test\nTo: support@acme.test\nCc: Dave Boss <dave@customer.test>\nSubject: Printer on fire\nMessage-ID: <cc1@customer.test>\n\nhelp\n";
    let first = w.deliver(raw).await;
    let id = first.ticket_id.expect("ticket");
    let from_cc = "From: dave@customer.test\nTo: support@acme.test\nSubject: Re: [#1] Printer on fire\nMessage-ID: <cc2@customer.test>\n\nThis is urgent.\n";
    let item = w.deliver(from_cc).await;
    assert_eq!(item.ticket_id, Some(id));
    assert_eq!(w.messages(id).await.len(), 2);
}

#[tokio::test]
async fn reply_all_fills_cc_from_the_previous_message_without_our_addresses() {
    let w = world().await;
    let raw = "From: carla@customer.test\nTo: support@acme.test, Erin <erin@customer.test>\nCc: Dave <dave@customer.test>, support@acme.test\nSubject: Team question\nMessage-ID: <ra1@customer.test>\n\nquestion\n";
    let item = w.deliver(raw).await;
    let id = item.ticket_id.expect("ticket");
    let mut reply = NewMessage::reply("Answer for everyone");
    reply.reply_all = true;
    let stored =
        w.hd.add_ticket_message(&w.owner, w.ws, id, reply)
            .await
            .expect("reply");
    let cc: Vec<String> = stored.cc.iter().map(|m| m.email.clone()).collect();
    assert_eq!(
        cc,
        vec![
            "erin@customer.test".to_owned(),
            "dave@customer.test".to_owned()
        ]
    );
    w.runner.drain(5).await.expect("send");
    let eml = std::fs::read_to_string(&w.outbox.files().expect("files")[0]).expect("eml");
    let cc_line = eml
        .lines()
        .find(|l| l.starts_with("Cc:"))
        .expect("a Cc header")
        .to_owned();
    assert!(
        cc_line.contains("dave@customer.test") && cc_line.contains("erin@customer.test"),
        "{cc_line}"
    );
    assert!(!cc_line.contains("support@acme.test"), "{cc_line}");
}

const SIGNER_SECRET: &[u8] = b"test secret of the pipeline, 32+ bytes";

/// Sends an agent's reply to the first customer mail; returns the ticket and our Message-Id.
async fn sent_reply(w: &World) -> (TicketId, String) {
    let item = w.deliver(FIRST).await;
    let ticket_id = item.ticket_id.expect("ticket");
    let reply =
        w.hd.add_ticket_message(&w.owner, w.ws, ticket_id, NewMessage::reply("On our way."))
            .await
            .expect("reply");
    w.runner.drain(5).await.expect("send");
    let sent: Message =
        w.hd.store()
            .require(Some(w.ws.0), reply.id.0)
            .await
            .expect("reply row");
    (ticket_id, sent.rfc_message_id.expect("message id"))
}

async fn delivery_of(w: &World, rfc_id: &str) -> (DeliveryStatus, Option<String>) {
    let m =
        w.hd.store()
            .find::<Message>(&Query::new(Kind::Message, Some(w.ws.0)).limit(100))
            .await
            .expect("messages")
            .into_iter()
            .find(|m| m.rfc_message_id.as_deref() == Some(rfc_id))
            .expect("message");
    let d = m.delivery.expect("delivery state");
    (d.status, d.reason)
}

fn report(rfc_id: &str, kind: ReportKind, reason: Option<&str>) -> DeliveryReport {
    DeliveryReport {
        message_id: format!("<{rfc_id}>"),
        recipient: "carla@customer.test".into(),
        kind,
        reason: reason.map(str::to_owned),
        at: Utc::now(),
    }
}

#[tokio::test]
async fn provider_delivery_reports_move_the_reply_towards_the_worse_outcome_only() {
    let w = world().await;
    let (ticket_id, rfc_id) = sent_reply(&w).await;
    let signer = MessageIdSigner::new(SIGNER_SECRET);
    let store = w.hd.store().as_ref();

    let applied = apply_delivery_report(
        store,
        &signer,
        &report(&rfc_id, ReportKind::Delivered, None),
    )
    .await
    .expect("delivered");
    assert!(matches!(
        applied,
        DeliveryApplied::Updated {
            status: DeliveryStatus::Delivered,
            ..
        }
    ));
    assert_eq!(delivery_of(&w, &rfc_id).await.0, DeliveryStatus::Delivered);

    // A late temporary failure never hides the delivery.
    let applied = apply_delivery_report(
        store,
        &signer,
        &report(&rfc_id, ReportKind::Deferred, Some("4.2.2 mailbox full")),
    )
    .await
    .expect("deferred");
    assert_eq!(applied, DeliveryApplied::Unchanged);
    assert_eq!(delivery_of(&w, &rfc_id).await.0, DeliveryStatus::Delivered);

    // A hard bounce does, names the recipient, and tells the agents on the ticket's timeline.
    let bounce = report(&rfc_id, ReportKind::Failed, Some("550 5.1.1 no such user"));
    apply_delivery_report(store, &signer, &bounce)
        .await
        .expect("failed");
    let (status, reason) = delivery_of(&w, &rfc_id).await;
    assert_eq!(status, DeliveryStatus::Failed);
    assert_eq!(
        reason.as_deref(),
        Some("carla@customer.test: 550 5.1.1 no such user")
    );
    let timeline = |w: &World| {
        let hd = w.hd.clone();
        let owner = w.owner;
        let ws = w.ws;
        async move {
            hd.ticket_activities(&owner, ws, ticket_id, PageRequest::default())
                .await
                .expect("activities")
                .items
                .into_iter()
                .filter(|a| a.action == "delivery_failed")
                .count()
        }
    };
    assert_eq!(timeline(&w).await, 1);

    // The provider redelivers the same event: nothing changes, no second timeline entry.
    assert_eq!(
        apply_delivery_report(store, &signer, &bounce)
            .await
            .expect("again"),
        DeliveryApplied::Unchanged
    );
    assert_eq!(timeline(&w).await, 1);
}

#[tokio::test]
async fn delivery_reports_about_ids_we_did_not_sign_change_nothing() {
    let w = world().await;
    let (_, rfc_id) = sent_reply(&w).await;
    let store = w.hd.store().as_ref();
    // Someone else's signer (a forged report) and an id that is not ours at all.
    let other = MessageIdSigner::new(b"another server's secret, 32+ bytes long");
    assert_eq!(
        apply_delivery_report(store, &other, &report(&rfc_id, ReportKind::Failed, None))
            .await
            .expect("forged"),
        DeliveryApplied::UnknownMessage
    );
    let signer = MessageIdSigner::new(SIGNER_SECRET);
    assert_eq!(
        apply_delivery_report(
            store,
            &signer,
            &report("first-1@customer.test", ReportKind::Failed, None)
        )
        .await
        .expect("not ours"),
        DeliveryApplied::UnknownMessage
    );
    assert_eq!(
        apply_delivery_report(store, &signer, &report("", ReportKind::Failed, None))
            .await
            .expect("empty"),
        DeliveryApplied::UnknownMessage
    );
    assert_eq!(delivery_of(&w, &rfc_id).await.0, DeliveryStatus::Sent);
}

/// Creates `help@customer-shop.test` with a forwarding address; returns its id and the
/// forwarding address.
async fn forwarded_email(w: &World) -> (gopimi_core::ids::WorkspaceEmailId, String) {
    let e =
        w.hd.create_workspace_email(
            &w.owner,
            w.ws,
            NewWorkspaceEmail::new("help@customer-shop.test", Purpose::Ticket),
        )
        .await
        .expect("email");
    let e =
        w.hd.issue_forwarding_address(&w.owner, w.ws, e.id)
            .await
            .expect("forwarding");
    (e.id, e.forwarding_address.expect("forwarding address"))
}

/// Sends the verification mail and returns it as written to the outbox.
async fn verification_mail(w: &World, id: gopimi_core::ids::WorkspaceEmailId) -> String {
    let before = w.outbox.files().expect("outbox").len();
    let e =
        w.hd.send_email_verification(&w.owner, w.ws, id)
            .await
            .expect("send verification");
    assert!(!e.verified);
    w.runner.drain(5).await.expect("send job");
    let files = w.outbox.files().expect("outbox");
    assert_eq!(files.len(), before + 1, "one verification mail");
    std::fs::read_to_string(files.last().expect("file")).expect("read")
}

#[tokio::test]
async fn an_address_is_verified_when_its_verification_mail_comes_back_through_forwarding() {
    let w = world().await;
    let (id, forwarding) = forwarded_email(&w).await;
    let eml = verification_mail(&w, id).await;
    assert!(
        eml.contains("To: <help@customer-shop.test>") || eml.contains("help@customer-shop.test")
    );
    let tickets_before = w.tickets().await.len();

    // The customer's mailbox forwards it to us, as forwarders do: the whole message.
    let item = w.deliver_to(&forwarding, &eml.replace("\r\n", "\n")).await;
    assert_eq!(item.status, InboundStatus::Skipped, "{:?}", item.reason);
    let email =
        w.hd.workspace_email(&w.owner, w.ws, id)
            .await
            .expect("email");
    assert!(
        email.verified,
        "the address is verified by the mail arriving"
    );
    assert_eq!(email.verification_code, None);
    assert_eq!(
        w.tickets().await.len(),
        tickets_before,
        "no ticket for the verification mail"
    );
}

#[tokio::test]
async fn an_owner_confirms_the_code_from_the_mail_and_a_wrong_code_is_refused() {
    let w = world().await;
    let (id, _) = forwarded_email(&w).await;
    let eml = verification_mail(&w, id).await;
    let code = eml
        .lines()
        .find_map(|l| l.strip_prefix("gopimi verification code: "))
        .expect("code in the mail")
        .trim()
        .to_owned();

    let wrong =
        w.hd.confirm_email_verification(&w.owner, w.ws, id, "AAAA-BBBB-CCCC")
            .await;
    assert!(
        matches!(&wrong, Err(gopimi_core::Error::Validation { field, .. }) if field == "code"),
        "{wrong:?}"
    );
    // Members cannot verify addresses.
    let (member, _) =
        w.hd.register(Registration::new(
            "Max Member",
            "max@acme.test",
            "correct horse battery",
        ))
        .await
        .expect("member");
    w.hd.add_member(
        &w.owner,
        w.ws,
        "max@acme.test",
        gopimi_core::model::Role::Member,
    )
    .await
    .expect("add member");
    let forbidden =
        w.hd.confirm_email_verification(&Caller::User(member.id), w.ws, id, &code)
            .await;
    assert!(
        matches!(forbidden, Err(gopimi_core::Error::Forbidden { .. })),
        "{forbidden:?}"
    );

    // Lower case without dashes is the same code.
    let typed = code.replace('-', "").to_ascii_lowercase();
    let e =
        w.hd.confirm_email_verification(&w.owner, w.ws, id, &typed)
            .await
            .expect("right code");
    assert!(e.verified);

    // A code expires after a day.
    let (other, _) = {
        let e =
            w.hd.create_workspace_email(
                &w.owner,
                w.ws,
                NewWorkspaceEmail::new("sales@customer-shop.test", Purpose::Ticket),
            )
            .await
            .expect("email");
        (e.id, ())
    };
    let eml = verification_mail(&w, other).await;
    let code = eml
        .lines()
        .find_map(|l| l.strip_prefix("gopimi verification code: "))
        .expect("code")
        .trim()
        .to_owned();
    w.clock.advance(Duration::hours(25));
    assert!(
        w.hd.confirm_email_verification(&w.owner, w.ws, other, &code)
            .await
            .is_err(),
        "an expired code is refused"
    );
}
