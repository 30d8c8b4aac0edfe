//! Mailgun's signed route webhook over HTTP.

#![cfg(feature = "mailgun")]

mod common;

use common::{TestServer, json};
use gopimi_core::clock::{Clock, SystemClock};
use gopimi_core::model::PlanTable;
use gopimi_http::HttpConfig;
use gopimi_mailgun::signature::sign;
use gopimi_mailgun::{MailgunWebhooks, StoreReplayGuard, WebhookVerifier};
use reqwest::Method;
use std::sync::Arc;

const KEY: &str = "signing-key-for-tests";
const MAIL: &str = "From: Customer <customer@example.net>\r\nTo: support@acme.test\r\nSubject: Printer on fire\r\nMessage-ID: <mg1@example.net>\r\n\r\nHelp!\r\n";

async fn server() -> TestServer {
    TestServer::with_state(HttpConfig::default(), PlanTable::default(), |state| {
        let verifier = WebhookVerifier::new(
            KEY.to_owned(),
            state.clock().clone(),
            Arc::new(StoreReplayGuard::new(state.store().clone())),
        );
        state.with_mailgun(MailgunWebhooks::new(verifier))
    })
    .await
}

fn signed(token: &str, key: &str) -> Vec<(String, String)> {
    let ts = SystemClock.now().timestamp().to_string();
    let sig = sign(key, &ts, token);
    vec![
        ("recipient".into(), "support@acme.test".into()),
        ("sender".into(), "customer@example.net".into()),
        ("body-mime".into(), MAIL.into()),
        ("timestamp".into(), ts),
        ("token".into(), token.into()),
        ("signature".into(), sig),
    ]
}

#[tokio::test]
async fn a_signed_mime_forward_is_stored_and_a_replay_refused() {
    let s = server().await;
    let token = format!("{:050x}", 1u64);
    let res = s
        .req(Method::POST, "/inbound/mailgun")
        .form(&signed(&token, KEY))
        .send()
        .await
        .expect("send");
    let (status, body) = json(res).await;
    assert_eq!(status, 200, "{body}");
    let id = body["id"].as_str().expect("id").to_owned();

    // The same signed token again is a replay.
    let res = s
        .req(Method::POST, "/inbound/mailgun")
        .form(&signed(&token, KEY))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status().as_u16(), 401);

    // The item is there, pending processing.
    let item: gopimi_core::model::InboundItem = {
        use gopimi_core::store::StoreExt;
        s.store
            .require(None, uuid::Uuid::parse_str(&id).expect("uuid"))
            .await
            .expect("stored")
    };
    assert_eq!(item.provider, "mailgun");
    assert_eq!(item.recipient, "support@acme.test");
    s.stop().await;
}

#[tokio::test]
async fn multipart_forms_are_read_too() {
    let s = server().await;
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in signed(&format!("{:050x}", 2u64), KEY) {
        form = form.text(k, v);
    }
    let res = s
        .req(Method::POST, "/inbound/mailgun")
        .multipart(form)
        .send()
        .await
        .expect("send");
    let (status, body) = json(res).await;
    assert_eq!(status, 200, "{body}");
    s.stop().await;
}

#[tokio::test]
async fn bad_signatures_and_unusable_payloads_are_refused() {
    let s = server().await;
    let res = s
        .req(Method::POST, "/inbound/mailgun")
        .form(&signed(&format!("{:050x}", 3u64), "not-the-key"))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status().as_u16(), 401);

    // Signed, but not an inbound message at all: 406 so Mailgun stops retrying.
    let ts = SystemClock.now().timestamp().to_string();
    let token = format!("{:050x}", 4u64);
    let sig = sign(KEY, &ts, &token);
    let res = s
        .req(Method::POST, "/inbound/mailgun")
        .form(&[
            ("timestamp", ts.as_str()),
            ("token", token.as_str()),
            ("signature", sig.as_str()),
        ])
        .send()
        .await
        .expect("send");
    assert_eq!(res.status().as_u16(), 406);

    let res = s
        .req(Method::POST, "/inbound/mailgun")
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .expect("send");
    assert_eq!(res.status().as_u16(), 415);
    s.stop().await;
}

#[tokio::test]
async fn without_a_signing_key_the_route_refuses() {
    let s = TestServer::start().await;
    let res = s
        .req(Method::POST, "/inbound/mailgun")
        .form(&signed(&format!("{:050x}", 5u64), KEY))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status().as_u16(), 401);
    s.stop().await;
}
