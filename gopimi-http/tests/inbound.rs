//! Raw inbound mail over HTTP: durable acceptance, status, and the inbound secret.

mod common;

use common::{TestServer, json};
use gopimi_http::HttpConfig;
use reqwest::Method;

const MAIL: &str = "From: Customer <customer@example.net>\r\nTo: support@acme.test\r\nSubject: Printer on fire\r\nMessage-ID: <m1@example.net>\r\n\r\nHelp!\r\n";

async fn server() -> TestServer {
    TestServer::with_config(HttpConfig {
        inbound_secret: Some("s3cret".into()),
        ..HttpConfig::default()
    })
    .await
}

#[tokio::test]
async fn raw_mail_is_accepted_once_durable_and_its_status_is_readable() {
    let s = server().await;
    let res = s
        .req(Method::POST, "/inbound/raw?recipient=support@acme.test")
        .bearer_auth("s3cret")
        .header("content-type", "message/rfc822")
        .body(MAIL)
        .send()
        .await
        .expect("send");
    let (status, body) = json(res).await;
    assert_eq!(status, 202, "{body}");
    let id = body["id"].as_str().expect("id").to_owned();
    assert_eq!(body["duplicate"], false);

    let (status, body) = json(
        s.req(Method::GET, &format!("/inbound/{id}"))
            .bearer_auth("s3cret")
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "pending");

    // An unknown id, and a malformed one, are not found.
    for path in [
        format!("/inbound/{}", uuid::Uuid::now_v7()),
        "/inbound/not-an-id".to_owned(),
    ] {
        let res = s
            .req(Method::GET, &path)
            .bearer_auth("s3cret")
            .send()
            .await
            .expect("send");
        assert_eq!(res.status().as_u16(), 404);
    }
    s.stop().await;
}

#[tokio::test]
async fn redelivery_with_the_same_key_answers_the_first_item() {
    let s = server().await;
    let send = || {
        s.req(Method::POST, "/inbound/raw?recipient=support@acme.test")
            .bearer_auth("s3cret")
            .header("content-type", "message/rfc822")
            .header("idempotency-key", "delivery-1")
            .body(MAIL)
            .send()
    };
    let (_, first) = json(send().await.expect("send")).await;
    let (status, second) = json(send().await.expect("send")).await;
    assert_eq!(status, 202);
    assert_eq!(first["id"], second["id"]);
    assert_eq!(second["duplicate"], true);
    s.stop().await;
}

#[tokio::test]
async fn the_inbound_secret_content_type_and_recipient_are_checked() {
    let s = server().await;
    let post = |auth: Option<&'static str>, ct: &'static str, q: &'static str| {
        let mut r = s
            .req(Method::POST, &format!("/inbound/raw{q}"))
            .header("content-type", ct)
            .body(MAIL);
        if let Some(a) = auth {
            r = r.bearer_auth(a);
        }
        r.send()
    };
    let q = "?recipient=support@acme.test";
    assert_eq!(
        post(None, "message/rfc822", q)
            .await
            .expect("send")
            .status()
            .as_u16(),
        401
    );
    assert_eq!(
        post(Some("wrong"), "message/rfc822", q)
            .await
            .expect("send")
            .status()
            .as_u16(),
        401
    );
    assert_eq!(
        post(Some("s3cret"), "text/plain", q)
            .await
            .expect("send")
            .status()
            .as_u16(),
        415
    );
    let (status, body) = json(
        post(Some("s3cret"), "message/rfc822", "")
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(status, 422);
    assert!(body["errors"]["recipient"].is_array(), "{body}");

    let res = s
        .req(Method::GET, &format!("/inbound/{}", uuid::Uuid::now_v7()))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status().as_u16(), 401);
    s.stop().await;
}

#[tokio::test]
async fn without_a_configured_secret_raw_inbound_is_refused() {
    let s = TestServer::start().await;
    let res = s
        .req(Method::POST, "/inbound/raw?recipient=support@acme.test")
        .bearer_auth("anything")
        .header("content-type", "message/rfc822")
        .body(MAIL)
        .send()
        .await
        .expect("send");
    assert_eq!(res.status().as_u16(), 401);
    s.stop().await;
}
