//! Ingests one `.eml` file into an in-memory helpdesk and prints what it became: the inbound
//! item's status, and the ticket or conversation with its message and threading decision.
//!
//! `cargo run -p gopimi-core --example ingest_eml -- FILE.eml [--recipient support@example.com] [--inbox]`
//!
//! Without `--recipient`, the first To address of the message is used. The workspace email for
//! that address is created first (purpose ticket, or inbox with `--inbox`), so the mail routes.

use gopimi_core::blob::MemoryBlobStore;
use gopimi_core::mail::{InboundEmail, MessageIdSigner, RecordingSender, SpamVerdict};
use gopimi_core::model::{Message, Purpose};
use gopimi_core::pipeline::{InboundLimits, ingest_email, pipeline_runner};
use gopimi_core::service::{Caller, Helpdesk, NewWorkspaceEmail, Registration};
use gopimi_core::store::{MemoryStore, StoreExt};
use std::sync::Arc;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut path = None;
    let mut recipient = None;
    let mut purpose = Purpose::Ticket;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--recipient" => recipient = args.next(),
            "--inbox" => purpose = Purpose::Inbox,
            _ => path = Some(a),
        }
    }
    let Some(path) = path else {
        eprintln!("usage: ingest_eml FILE.eml [--recipient ADDRESS] [--inbox]");
        std::process::exit(2);
    };
    let raw = std::fs::read(&path)?;
    let recipient = match recipient {
        Some(r) => r,
        None => gopimi_core::mail::parse_email(&raw, &Default::default())?
            .to
            .first()
            .map(|m| m.email.clone())
            .ok_or("the message has no To address; pass --recipient")?,
    };

    let hd = Helpdesk::builder(Arc::new(MemoryStore::new()))
        .blobs(Arc::new(MemoryBlobStore::new()))
        .build();
    let (owner, _) = hd
        .register(Registration::new(
            "Example Owner",
            "owner@example.invalid",
            "example password 1",
        ))
        .await?;
    let caller = Caller::User(owner.id);
    let ws = hd.create_workspace(&caller, "Example").await?;
    hd.create_workspace_email(&caller, ws.id, NewWorkspaceEmail::new(&recipient, purpose))
        .await?;

    let email = InboundEmail {
        raw,
        recipient: recipient.clone(),
        sender: None,
        provider: "file".into(),
        provider_key: None,
        spam: SpamVerdict::default(),
        received_at: None,
    };
    let ingested = ingest_email(&hd, email, &InboundLimits::default()).await?;
    let runner = pipeline_runner(
        &hd,
        Arc::new(RecordingSender::new()),
        MessageIdSigner::new(b"example secret, not for production"),
        "example",
    );
    runner.drain(10).await?;
    let item: gopimi_core::model::InboundItem =
        hd.store().require(None, ingested.item.id.0).await?;
    println!(
        "inbound item {} to {recipient}: {}",
        item.id,
        item.status.as_str()
    );
    if let Some(reason) = &item.reason {
        println!("  reason: {reason}");
    }
    if let Some(t) = item.ticket_id {
        let ticket = hd.ticket(&caller, ws.id, t).await?;
        println!(
            "ticket #{} \"{}\" status={} priority={} spam={}",
            ticket.number,
            ticket.subject,
            ticket.status.as_str(),
            ticket.priority.as_str(),
            ticket.spam
        );
    }
    if let Some(c) = item.conversation_id {
        let conv = hd.conversation(&caller, ws.id, c).await?;
        println!(
            "conversation \"{}\" status={}",
            conv.subject,
            conv.status.as_str()
        );
    }
    if let Some(m) = item.message_id {
        let msg: Message = hd.store().require(Some(ws.id.0), m.0).await?;
        if let Some(from) = &msg.from {
            println!("from: {from}");
        }
        println!(
            "message-id: {}",
            msg.rfc_message_id.as_deref().unwrap_or("-")
        );
        println!("threading: {:?}", msg.thread_match);
        println!(
            "attachments: {} listed{}",
            msg.attachment_ids.len(),
            if msg.auto_submitted {
                ", automatic mail"
            } else {
                ""
            }
        );
        for d in &msg.dropped_parts {
            println!("dropped: {d}");
        }
        let body = msg.new_text.as_deref().unwrap_or(&msg.body_text);
        println!("---\n{}", body.chars().take(600).collect::<String>());
    }
    Ok(())
}
