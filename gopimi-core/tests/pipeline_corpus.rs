//! The whole corpus through the whole pipeline: every message ends processed, skipped or failed
//! with a reason (never stuck pending, never a panic), and delivering every message a second
//! time changes nothing.

use chrono::{TimeZone, Utc};
use gopimi_core::blob::MemoryBlobStore;
use gopimi_core::clock::ManualClock;
use gopimi_core::mail::{InboundEmail, MessageIdSigner, RecordingSender, SpamVerdict};
use gopimi_core::model::{InboundItem, InboundStatus, Purpose};
use gopimi_core::pipeline::{InboundLimits, ingest_email, pipeline_runner};
use gopimi_core::service::{Caller, Helpdesk, NewWorkspaceEmail, Registration};
use gopimi_core::store::{Kind, MemoryStore, Query, StoreExt};
use std::path::PathBuf;
use std::sync::Arc;

fn corpus() -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("corpus dir")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (name, std::fs::read(&p).expect("read"))
        })
        .collect()
}

async fn counts(hd: &Helpdesk) -> (u64, u64, u64, u64) {
    let s = hd.store();
    (
        s.count(&Query::new(Kind::Ticket, None))
            .await
            .expect("count"),
        s.count(&Query::new(Kind::Conversation, None))
            .await
            .expect("count"),
        s.count(&Query::new(Kind::Message, None))
            .await
            .expect("count"),
        s.count(&Query::new(Kind::Contact, None))
            .await
            .expect("count"),
    )
}

#[tokio::test]
async fn every_corpus_message_is_settled_and_redelivery_changes_nothing() {
    let clock = ManualClock::new(
        Utc.with_ymd_and_hms(2026, 5, 4, 12, 0, 0)
            .single()
            .expect("time"),
    );
    let hd = Helpdesk::builder(Arc::new(MemoryStore::new()))
        .blobs(Arc::new(MemoryBlobStore::new()))
        .clock(Arc::new(clock))
        .build();
    let runner = pipeline_runner(
        &hd,
        Arc::new(RecordingSender::new()),
        MessageIdSigner::new(b"corpus test secret, long enough to be a key"),
        "corpus",
    );
    let (owner, _) = hd
        .register(Registration::new(
            "Owner",
            "owner@acme.test",
            "correct horse battery",
        ))
        .await
        .expect("register");
    let caller = Caller::User(owner.id);
    let ws = hd.create_workspace(&caller, "Acme").await.expect("ws");
    hd.create_workspace_email(
        &caller,
        ws.id,
        NewWorkspaceEmail::new("support@acme.test", Purpose::Ticket),
    )
    .await
    .expect("email");

    let corpus = corpus();
    assert!(corpus.len() >= 40, "corpus has {} messages", corpus.len());
    let deliver = |raw: Vec<u8>| InboundEmail {
        raw,
        recipient: "support@acme.test".into(),
        sender: None,
        provider: "raw".into(),
        provider_key: None,
        spam: SpamVerdict::default(),
        received_at: None,
    };
    let mut items = Vec::new();
    for (name, raw) in &corpus {
        let ingested = ingest_email(&hd, deliver(raw.clone()), &InboundLimits::default())
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        items.push((name.clone(), ingested.item.id));
    }
    runner.drain(100).await.expect("process");
    let mut processed = 0;
    for (name, id) in &items {
        let item: InboundItem = hd.store().require(None, id.0).await.expect("item");
        assert_ne!(item.status, InboundStatus::Pending, "{name} is stuck");
        if item.status == InboundStatus::Processed {
            processed += 1;
            assert!(item.message_id.is_some(), "{name}");
        } else {
            assert!(
                item.reason.is_some(),
                "{name} ends {:?} without a reason",
                item.status
            );
        }
    }
    assert!(
        processed >= 35,
        "only {processed} of {} became messages",
        items.len()
    );

    let before = counts(&hd).await;
    for (_, raw) in &corpus {
        ingest_email(&hd, deliver(raw.clone()), &InboundLimits::default())
            .await
            .expect("redeliver");
    }
    runner.drain(100).await.expect("process again");
    assert_eq!(
        counts(&hd).await,
        before,
        "redelivery changed tickets/conversations/messages/contacts"
    );
}
