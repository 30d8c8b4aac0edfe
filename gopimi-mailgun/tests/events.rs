//! Signed event webhooks into delivery events.
#![cfg(feature = "reqwest")]

mod common;

use common::*;
use gopimi_core::clock::SystemClock;
use gopimi_mailgun::{DeliveryEventKind, EventWebhookError, MailgunWebhooks, SignatureError};
use std::sync::Arc;

fn hooks() -> MailgunWebhooks {
    MailgunWebhooks::new(verifier_at(Arc::new(SystemClock)))
}

#[tokio::test]
async fn delivered_failed_and_complained_become_delivery_events() {
    let hooks = hooks();
    let cases = [
        (
            "events/delivered.json",
            DeliveryEventKind::Delivered,
            "rosa@example.net",
            "gopimi.t1.m2@help.acme.test",
            Some(250),
        ),
        (
            "events/failed-permanent.json",
            DeliveryEventKind::PermanentFailure,
            "nobody@example.net",
            "gopimi.t1.m3@help.acme.test",
            Some(550),
        ),
        (
            "events/failed-temporary.json",
            DeliveryEventKind::TemporaryFailure,
            "ops@example.org",
            "gopimi.t1.m4@help.acme.test",
            Some(450),
        ),
        (
            "events/complained.json",
            DeliveryEventKind::Complained,
            "angry@example.com",
            "gopimi.t2.m1@help.acme.test",
            None,
        ),
    ];
    for (file, kind, recipient, message_id, code) in cases {
        let (body, token) = signed_event(file, now_secs());
        let e = hooks
            .event_json(&body)
            .await
            .expect("verified")
            .expect("a delivery event");
        assert_eq!(e.kind, kind, "{file}");
        assert_eq!(e.recipient, recipient, "{file}");
        assert_eq!(e.message_id.as_deref(), Some(message_id), "{file}");
        assert_eq!(e.code, code, "{file}");
        assert_eq!(e.event_id, token, "{file}");
    }
}

#[tokio::test]
async fn failure_details_are_kept() {
    let (body, _) = signed_event("events/failed-permanent.json", now_secs());
    let e = hooks().event_json(&body).await.expect("ok").expect("event");
    assert_eq!(e.provider_reason.as_deref(), Some("bounce"));
    assert!(
        e.reason
            .as_deref()
            .is_some_and(|r| r.contains("does not exist"))
    );
    assert_eq!(e.at.timestamp_micros(), 1_741_000_002_500_000);
}

#[tokio::test]
async fn other_events_are_accepted_and_ignored() {
    let (body, _) = signed_event("events/opened.json", now_secs());
    assert_eq!(hooks().event_json(&body).await.expect("verified"), None);
}

#[tokio::test]
async fn a_wrong_key_a_stale_timestamp_and_a_replay_are_refused() {
    let hooks = hooks();
    // Wrong key.
    let mut v = json_fixture("events/delivered.json");
    let ts = now_secs().to_string();
    v["signature"] = serde_json::json!({
        "timestamp": ts, "token": token(),
        "signature": gopimi_mailgun::signature::sign("not-our-key", &ts, "x"),
    });
    let err = hooks
        .event_json(&serde_json::to_vec(&v).expect("json"))
        .await
        .expect_err("bad signature");
    assert!(matches!(
        err,
        EventWebhookError::Signature(SignatureError::BadSignature)
    ));
    assert_eq!(err.response_status(), 401);

    // Stale: signed ten minutes ago.
    let (body, _) = signed_event("events/delivered.json", now_secs() - 600);
    assert!(matches!(
        hooks.event_json(&body).await,
        Err(EventWebhookError::Signature(SignatureError::Stale { .. }))
    ));

    // Replayed.
    let (body, _) = signed_event("events/delivered.json", now_secs());
    hooks.event_json(&body).await.expect("first");
    assert!(matches!(
        hooks.event_json(&body).await,
        Err(EventWebhookError::Signature(SignatureError::Replayed))
    ));

    // Missing signature object.
    let mut v = json_fixture("events/delivered.json");
    v.as_object_mut().expect("object").remove("signature");
    assert!(matches!(
        hooks
            .event_json(&serde_json::to_vec(&v).expect("json"))
            .await,
        Err(EventWebhookError::Signature(SignatureError::Missing(
            "timestamp"
        )))
    ));
}

#[tokio::test]
async fn a_legacy_form_bounce_is_a_permanent_failure() {
    let form = signed_form("events/legacy-bounced.json", "");
    let e = hooks()
        .event_form(&form)
        .await
        .expect("verified")
        .expect("event");
    assert_eq!(e.kind, DeliveryEventKind::PermanentFailure);
    assert_eq!(e.message_id.as_deref(), Some("gopimi.t3.m1@help.acme.test"));
    assert_eq!(e.recipient, "gone@example.org");
    assert_eq!(e.reason.as_deref(), Some("550 5.1.1 User unknown"));
}

#[tokio::test]
async fn garbage_is_refused_as_a_payload_error() {
    let err = hooks().event_json(b"{not json").await.expect_err("garbage");
    assert!(matches!(err, EventWebhookError::Payload(_)));
    assert_eq!(err.response_status(), 406);
}
