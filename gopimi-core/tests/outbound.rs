//! Outbound MIME through the real parser: what we send is what a customer's client reads, and
//! a customer's answer to it threads back by its signed Message-Id even without our copy.

use chrono::{DateTime, Utc};
use gopimi_core::ids::{ConversationId, TicketId};
use gopimi_core::mail::{
    AutoMarker, MailSender, MessageIdSigner, OutboundAttachment, OutboundEmail, OutboxSender,
    ParseOptions, ThreadRef, build_email, parse_email,
};
use gopimi_core::model::Mailbox;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("date")
        .with_timezone(&Utc)
}

fn reply(ticket: TicketId) -> OutboundEmail {
    OutboundEmail {
        from: Mailbox::named("Acme Support", "support@helpdesk.example"),
        to: vec![Mailbox::named("Jürgen Weiß", "juergen@example.de")],
        cc: vec![Mailbox::new("boss@example.de")],
        bcc: vec![Mailbox::new("audit@helpdesk.example")],
        reply_to: None,
        subject: "AW: Drucker kaputt".into(),
        is_reply: true,
        ticket_number: Some(7),
        thread: ThreadRef::Ticket(ticket),
        message_id: None,
        message_id_domain: None,
        in_reply_to: Some("<customer-25@example.de>".into()),
        references: (0..25).map(|i| format!("<customer-{i}@example.de>")).collect(),
        text: "Hallo Jürgen,\n\nder Techniker kommt morgen.\n".into(),
        html: Some("<p>Hallo Jürgen,</p><p>der Techniker kommt morgen.</p><img src=\"cid:sig@helpdesk.example\">".into()),
        attachments: vec![
            OutboundAttachment {
                filename: "signature.png".into(),
                content_type: "image/png".into(),
                data: vec![0x89, b'P', b'N', b'G', 1, 2, 3],
                content_id: Some("sig@helpdesk.example".into()),
            },
            OutboundAttachment {
                filename: "Auftrag Nr. 5.pdf".into(),
                content_type: "application/pdf".into(),
                data: b"%PDF-1.4 test".to_vec(),
                content_id: None,
            },
        ],
        automatic: false,
        extra_headers: vec![],
        date: at("2024-05-02T10:00:00Z"),
    }
}

#[test]
fn a_reply_round_trips_through_the_parser() {
    let signer = MessageIdSigner::new(b"test secret");
    let ticket = TicketId::new();
    let out = build_email(&reply(ticket), &signer).expect("builds");

    assert_eq!(out.from, "support@helpdesk.example");
    assert_eq!(
        out.recipients,
        vec![
            "juergen@example.de",
            "boss@example.de",
            "audit@helpdesk.example"
        ]
    );
    let raw = String::from_utf8_lossy(&out.mime).to_string();
    assert!(
        !raw.contains("audit@helpdesk.example"),
        "BCC stays out of the headers"
    );

    let parsed = parse_email(&out.mime, &ParseOptions::default()).expect("parses");
    assert_eq!(parsed.message_id, out.message_id);
    assert_eq!(
        signer.verify(&parsed.message_id),
        Some(ThreadRef::Ticket(ticket))
    );
    assert!(parsed.message_id.ends_with("@helpdesk.example"));
    assert_eq!(
        parsed.from,
        Some(Mailbox::named("Acme Support", "support@helpdesk.example"))
    );
    assert_eq!(
        parsed.to,
        vec![Mailbox::named("Jürgen Weiß", "juergen@example.de")]
    );
    assert_eq!(parsed.cc, vec![Mailbox::new("boss@example.de")]);
    assert_eq!(parsed.subject, "Re: Drucker kaputt [#7]");
    assert_eq!(parsed.ticket_token, Some(7));
    assert_eq!(
        parsed.in_reply_to.as_deref(),
        Some("customer-25@example.de")
    );
    assert_eq!(parsed.references.len(), 20);
    assert_eq!(parsed.references[0], "customer-0@example.de");
    assert_eq!(
        parsed.references.last().map(String::as_str),
        Some("customer-25@example.de")
    );
    assert_eq!(parsed.date, Some(at("2024-05-02T10:00:00Z")));
    assert!(parsed.text.contains("der Techniker kommt morgen."));
    assert!(
        parsed
            .html
            .as_deref()
            .is_some_and(|h| h.contains("cid:sig@helpdesk.example"))
    );
    let inline: Vec<_> = parsed.inline_parts().collect();
    assert_eq!(inline.len(), 1);
    assert_eq!(inline[0].data, vec![0x89, b'P', b'N', b'G', 1, 2, 3]);
    let listed: Vec<_> = parsed.listed_attachments().collect();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].filename, "Auftrag Nr. 5.pdf");
    assert_eq!(listed[0].content_type, "application/pdf");
    assert_eq!(listed[0].data, b"%PDF-1.4 test".to_vec());
    assert!(!parsed.is_automatic(), "an agent's reply is not automatic");
}

#[test]
fn automatic_mail_is_marked_and_carries_extra_headers() {
    let signer = MessageIdSigner::new(b"test secret");
    let conversation = ConversationId::new();
    let mut email = reply(TicketId::new());
    email.thread = ThreadRef::Conversation(conversation);
    email.ticket_number = None;
    email.is_reply = false;
    email.subject = "We received your request".into();
    email.html = None;
    email.attachments.clear();
    email.automatic = true;
    email.in_reply_to = None;
    email.references.clear();
    email.message_id_domain = Some("mail.helpdesk.example".into());
    email.extra_headers = vec![
        (
            "List-Unsubscribe".into(),
            "<https://helpdesk.example/u/abc>".into(),
        ),
        (
            "List-Unsubscribe-Post".into(),
            "List-Unsubscribe=One-Click".into(),
        ),
    ];
    let out = build_email(&email, &signer).expect("builds");
    let raw = String::from_utf8_lossy(&out.mime).to_string();
    assert!(raw.contains("List-Unsubscribe: <https://helpdesk.example/u/abc>\r\n"));
    assert!(raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"));
    let parsed = parse_email(&out.mime, &ParseOptions::default()).expect("parses");
    assert_eq!(parsed.subject, "We received your request");
    assert!(parsed.in_reply_to.is_none() && parsed.references.is_empty());
    assert!(parsed.message_id.ends_with("@mail.helpdesk.example"));
    assert_eq!(
        signer.verify(&parsed.message_id),
        Some(ThreadRef::Conversation(conversation))
    );
    assert!(parsed.is_automatic());
    assert!(
        parsed
            .auto
            .markers
            .contains(&AutoMarker::AutoSubmitted("auto-generated".into()))
    );
}

#[test]
fn header_injection_and_bad_addresses_are_refused() {
    let signer = MessageIdSigner::new(b"k");
    let mut email = reply(TicketId::new());
    email.to = vec![Mailbox::named(
        "Eve\r\nBcc: victim@example.org",
        "eve@example.org",
    )];
    email.subject = "Hi\r\nBcc: victim@example.org".into();
    let out = build_email(&email, &signer).expect("names and subjects are cleaned");
    let parsed = parse_email(&out.mime, &ParseOptions::default()).expect("parses");
    assert!(!String::from_utf8_lossy(&out.mime).contains("\r\nBcc:"));
    assert_eq!(parsed.to.len(), 1);
    assert_eq!(parsed.to[0].email, "eve@example.org");
    assert!(!out.recipients.contains(&"victim@example.org".to_string()));

    let mut bad = reply(TicketId::new());
    bad.to = vec![Mailbox::new("not an address")];
    assert!(build_email(&bad, &signer).is_err());
    let mut bad = reply(TicketId::new());
    bad.extra_headers = vec![("X-Note".into(), "a\r\nBcc: x@example.org".into())];
    assert!(build_email(&bad, &signer).is_err());
    let mut none = reply(TicketId::new());
    none.to.clear();
    none.cc.clear();
    none.bcc.clear();
    assert!(build_email(&none, &signer).is_err());
}

#[test]
fn a_pre_generated_message_id_is_kept_for_retries() {
    let signer = MessageIdSigner::new(b"k");
    let ticket = TicketId::new();
    let id = signer.generate(ThreadRef::Ticket(ticket), "helpdesk.example");
    let mut email = reply(ticket);
    email.message_id = Some(format!("<{id}>"));
    let first = build_email(&email, &signer).expect("builds");
    let second = build_email(&email, &signer).expect("builds");
    assert_eq!(first.message_id, id);
    assert_eq!(second.message_id, id);
}

#[tokio::test]
async fn a_customer_answer_to_an_outboxed_reply_threads_by_its_signed_id() {
    let dir = tempfile::tempdir().expect("tempdir");
    let outbox = OutboxSender::new(dir.path()).expect("outbox");
    let signer = MessageIdSigner::new(b"server secret");
    let ticket = TicketId::new();
    let out = build_email(&reply(ticket), &signer).expect("builds");
    outbox.send(&out).await.expect("sent");

    // What the customer received.
    let files = outbox.files().expect("files");
    assert_eq!(files.len(), 1);
    let received = std::fs::read(&files[0]).expect("read");
    let received = parse_email(&received, &ParseOptions::default()).expect("parses");
    assert_eq!(received.message_id, out.message_id);

    // The customer's client answers it, quoting our message.
    let answer = format!(
        "From: Jürgen Weiß <juergen@example.de>\r\nTo: support@helpdesk.example\r\nSubject: Re: {}\r\nMessage-ID: <answer-1@example.de>\r\nIn-Reply-To: <{}>\r\nReferences: {} <{}>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nDanke!\r\n\r\nOn Thu, 2 May 2024 at 12:00, Acme Support <support@helpdesk.example> wrote:\r\n> der Techniker kommt morgen.\r\n",
        received.subject,
        received.message_id,
        received
            .references
            .iter()
            .map(|r| format!("<{r}>"))
            .collect::<Vec<_>>()
            .join(" "),
        received.message_id
    );
    let answer = parse_email(answer.as_bytes(), &ParseOptions::default()).expect("parses");
    assert_eq!(answer.new_text.as_deref(), Some("Danke!"));
    assert_eq!(answer.ticket_token, Some(7));
    let threaded = answer
        .thread_candidates()
        .into_iter()
        .find_map(|id| signer.verify(id));
    assert_eq!(threaded, Some(ThreadRef::Ticket(ticket)));
    // A forged reference under another secret does not thread.
    let forger = MessageIdSigner::new(b"guessed secret");
    let forged = forger.generate(ThreadRef::Ticket(TicketId::new()), "helpdesk.example");
    assert_eq!(signer.verify(&forged), None);
}
