//! Ingest (durable before acknowledged, idempotent per provider key) and routing (exact
//! address, plus tags, forwarding addresses told apart by To/CC, unknown recipients skipped).

use chrono::{TimeZone, Utc};
use gopimi_core::blob::{BlobStore, MemoryBlobStore};
use gopimi_core::clock::{Clock, ManualClock};
use gopimi_core::ids::{WorkspaceEmailId, WorkspaceId};
use gopimi_core::mail::{InboundEmail, SpamVerdict};
use gopimi_core::model::{InboundStatus, Job, Purpose, WorkspaceEmail};
use gopimi_core::pipeline::{InboundLimits, Route, ingest, resolve_recipient};
use gopimi_core::store::{Kind, MemoryStore, Query, StoreExt, Writes};

fn clock() -> ManualClock {
    ManualClock::new(
        Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0)
            .single()
            .expect("time"),
    )
}

fn inbound(key: Option<&str>) -> InboundEmail {
    InboundEmail {
        raw: b"From: a@example.com\r\nTo: support@acme.test\r\nSubject: Hi\r\n\r\nHello\r\n"
            .to_vec(),
        recipient: "support@acme.test".into(),
        sender: Some("a@example.com".into()),
        provider: "raw".into(),
        provider_key: key.map(str::to_owned),
        spam: SpamVerdict::default(),
        received_at: None,
    }
}

#[tokio::test]
async fn ingest_stores_bytes_item_and_job_together() {
    let store = MemoryStore::new();
    let blobs = MemoryBlobStore::new();
    let clock = clock();
    let out = ingest(
        &store,
        &blobs,
        &clock,
        inbound(None),
        &InboundLimits::default(),
    )
    .await
    .expect("ingest");
    assert!(!out.duplicate);
    assert_eq!(out.item.status, InboundStatus::Pending);
    assert_eq!(out.item.received_at, clock.now());
    let raw = blobs
        .get(&out.item.blob_key)
        .await
        .expect("blob")
        .expect("stored");
    assert!(raw.starts_with(b"From: a@example.com"));
    let jobs: Vec<Job> = store
        .find(&Query::new(Kind::Job, None))
        .await
        .expect("jobs");
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].queue, "inbound.process");
    assert_eq!(
        jobs[0].payload["inbound_id"],
        serde_json::json!(out.item.id)
    );
}

#[tokio::test]
async fn redelivery_of_a_provider_key_changes_nothing() {
    let store = MemoryStore::new();
    let blobs = MemoryBlobStore::new();
    let clock = clock();
    let first = ingest(
        &store,
        &blobs,
        &clock,
        inbound(Some("tok-1")),
        &InboundLimits::default(),
    )
    .await
    .expect("ingest");
    let second = ingest(
        &store,
        &blobs,
        &clock,
        inbound(Some("tok-1")),
        &InboundLimits::default(),
    )
    .await
    .expect("ingest");
    assert!(second.duplicate);
    assert_eq!(first.item.id, second.item.id);
    assert_eq!(blobs.len(), 1);
    assert_eq!(
        store
            .count(&Query::new(Kind::Job, None))
            .await
            .expect("count"),
        1
    );
    // The same key from another provider is another delivery.
    let mut other = inbound(Some("tok-1"));
    other.provider = "mailgun".into();
    let third = ingest(&store, &blobs, &clock, other, &InboundLimits::default())
        .await
        .expect("ingest");
    assert!(!third.duplicate);
}

#[tokio::test]
async fn empty_and_oversized_mail_is_refused_before_storing() {
    let store = MemoryStore::new();
    let blobs = MemoryBlobStore::new();
    let clock = clock();
    let mut empty = inbound(None);
    empty.raw.clear();
    let err = ingest(&store, &blobs, &clock, empty, &InboundLimits::default())
        .await
        .expect_err("empty");
    assert!(matches!(err, gopimi_core::Error::Validation { ref field, .. } if field == "message"));
    let err = ingest(
        &store,
        &blobs,
        &clock,
        inbound(None),
        &InboundLimits { max_raw_bytes: 10 },
    )
    .await
    .expect_err("too big");
    assert!(matches!(err, gopimi_core::Error::Validation { .. }));
    assert!(blobs.is_empty());
}

async fn add_email(
    store: &MemoryStore,
    ws: WorkspaceId,
    address: &str,
    forwarding: Option<&str>,
    can_receive: bool,
) -> WorkspaceEmail {
    let now = clock().now();
    let mut e = WorkspaceEmail {
        id: WorkspaceEmailId::new(),
        workspace_id: ws,
        address: address.into(),
        display_name: None,
        purpose: Purpose::Ticket,
        user_id: None,
        can_send: true,
        can_receive,
        forwarding_address: forwarding.map(str::to_owned),
        domain_id: None,
        verified: true,
        verification_code: None,
        created_at: now,
        updated_at: now,
        version: 0,
    };
    let mut w = Writes::new();
    w.insert(&mut e).expect("encode");
    w.apply(store).await.expect("insert");
    e
}

fn delivered(r: Route) -> (WorkspaceEmail, bool) {
    match r {
        Route::Deliver {
            email,
            via_forwarding,
        } => (email, via_forwarding),
        Route::Skip { reason } => panic!("skipped: {reason}"),
    }
}

#[tokio::test]
async fn routes_by_address_case_insensitively_and_through_plus_tags() {
    let store = MemoryStore::new();
    let ws = WorkspaceId::new();
    let support = add_email(&store, ws, "Support@Acme.test", None, true).await;
    let (e, fwd) = delivered(
        resolve_recipient(&store, "SUPPORT@acme.TEST", &[])
            .await
            .expect("route"),
    );
    assert_eq!((e.id, fwd), (support.id, false));
    let (e, _) = delivered(
        resolve_recipient(&store, "support+billing@acme.test", &[])
            .await
            .expect("route"),
    );
    assert_eq!(e.id, support.id);
}

#[tokio::test]
async fn unknown_and_non_receiving_recipients_are_skipped_with_a_reason() {
    let store = MemoryStore::new();
    let ws = WorkspaceId::new();
    add_email(&store, ws, "noreply@acme.test", None, false).await;
    match resolve_recipient(&store, "dmarc@acme.test", &[])
        .await
        .expect("route")
    {
        Route::Skip { reason } => assert!(reason.contains("dmarc@acme.test")),
        other => panic!("expected skip, got {other:?}"),
    }
    match resolve_recipient(&store, "noreply@acme.test", &[])
        .await
        .expect("route")
    {
        Route::Skip { reason } => assert!(reason.contains("does not receive")),
        other => panic!("expected skip, got {other:?}"),
    }
}

#[tokio::test]
async fn one_forwarding_address_serves_several_emails_through_the_to_header() {
    let store = MemoryStore::new();
    let ws = WorkspaceId::new();
    let other_ws = WorkspaceId::new();
    let support = add_email(
        &store,
        ws,
        "support@acme.test",
        Some("fwd-abc@in.gopimi.test"),
        true,
    )
    .await;
    let billing = add_email(&store, ws, "billing@acme.test", None, true).await;
    // A same-named address in another workspace must never be picked.
    add_email(&store, other_ws, "sales@other.test", None, true).await;

    let (e, fwd) = delivered(
        resolve_recipient(
            &store,
            "fwd-abc@in.gopimi.test",
            &["Billing@acme.test".into()],
        )
        .await
        .expect("route"),
    );
    assert_eq!((e.id, fwd), (billing.id, true));
    let (e, _) = delivered(
        resolve_recipient(
            &store,
            "fwd-abc@in.gopimi.test",
            &["sales@other.test".into()],
        )
        .await
        .expect("route"),
    );
    assert_eq!(
        e.id, support.id,
        "falls back to the forwarding address's own email"
    );
}
