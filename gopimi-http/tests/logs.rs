//! Request logs name the route, status and request id, and never a secret: no bearer token, no
//! password, no inbound secret, no path token.

mod common;

use common::TestServer;
use gopimi_http::HttpConfig;
use reqwest::Method;
use serde_json::json;
use std::io::Write;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn logs_carry_routes_and_no_secrets() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter("trace")
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let s = TestServer::with_config(HttpConfig {
        inbound_secret: Some("inbound-secret-XYZ".into()),
        ..HttpConfig::default()
    })
    .await;
    let ada = s.register("ada@example.com").await;
    let (_, tok) = s
        .call(
            &ada,
            Method::POST,
            "/me/tokens",
            Some(json!({"name": "ci"})),
        )
        .await;
    let pat = tok["token_secret"].as_str().expect("secret").to_owned();
    let res = s
        .req(Method::GET, "/me")
        .bearer_auth(&pat)
        .header("x-request-id", "req-123")
        .send()
        .await
        .expect("send");
    assert_eq!(res.status().as_u16(), 200);
    let res = s
        .req(Method::POST, "/inbound/raw?recipient=support@acme.test")
        .bearer_auth("inbound-secret-XYZ")
        .header("content-type", "message/rfc822")
        .body("From: a@b.test\r\n\r\nhi\r\n")
        .send()
        .await
        .expect("send");
    assert_eq!(res.status().as_u16(), 202);
    let _ = s
        .req(Method::GET, "/me")
        .bearer_auth("gpm_wrong-token-ABC")
        .send()
        .await;
    s.stop().await;

    let logs =
        String::from_utf8_lossy(&captured.0.lock().unwrap_or_else(|p| p.into_inner())).into_owned();
    assert!(logs.contains("/api/v1/me"), "routes are logged: {logs}");
    assert!(logs.contains("req-123"), "request ids are logged");
    assert!(logs.contains("status=200"), "statuses are logged");
    for secret in [
        ada.token.as_str(),
        pat.as_str(),
        "correct horse battery",
        "inbound-secret-XYZ",
        "gpm_wrong-token-ABC",
        "support@acme.test",
    ] {
        assert!(
            !logs.contains(secret),
            "a secret or query value reached the logs: {secret}"
        );
    }
}
