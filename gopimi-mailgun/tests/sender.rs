//! Sending finished MIME through a stand-in of Mailgun's `messages.mime` endpoint.
#![cfg(feature = "reqwest")]

mod common;

use common::*;
use gopimi_core::Error;
use gopimi_core::mail::{MailSender, OutgoingEmail};
use gopimi_mailgun::{MailgunConfig, MailgunSender, Region};
use std::time::Duration;
use wiremock::matchers::{basic_auth, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const MIME_PATH: &str = "/v3/help.acme.test/messages.mime";

fn email() -> OutgoingEmail {
    let mime = b"From: Acme Support <support@help.acme.test>\r\n\
To: Rosa Diaz <rosa@example.net>\r\n\
Cc: facilities@example.net\r\n\
Subject: Re: Printer on fire\r\n\
Message-ID: <gopimi.t1.m2@help.acme.test>\r\n\
In-Reply-To: <CAF7rosa.4410@mail.example.net>\r\n\
References: <gopimi.t1.m0@help.acme.test> <CAF7rosa.4410@mail.example.net>\r\n\
\r\n\
A technician is on the way.\r\n"
        .to_vec();
    OutgoingEmail {
        from: "support@help.acme.test".into(),
        recipients: vec![
            "rosa@example.net".into(),
            "facilities@example.net".into(),
            "audit@acme.test".into(),
        ],
        mime,
        message_id: "gopimi.t1.m2@help.acme.test".into(),
    }
}

fn ok() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json_fixture("api/send-ok.json"))
}

fn sender(server: &MockServer) -> MailgunSender {
    MailgunSender::new(&config(&server.uri())).expect("sender")
}

#[tokio::test]
async fn the_mime_goes_out_as_built_to_every_envelope_recipient() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MIME_PATH))
        .and(basic_auth("api", API_KEY))
        .respond_with(ok())
        .expect(1)
        .mount(&server)
        .await;
    let receipt = sender(&server).send(&email()).await.expect("sent");
    assert_eq!(
        receipt.provider_message_id.as_deref(),
        Some("gopimi.t1.m2@help.acme.test"),
        "Mailgun's id, brackets stripped like the Message-IDs we store"
    );

    let requests = server.received_requests().await.expect("recorded");
    let req = &requests[0];
    let ct = req
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .expect("content type");
    assert!(ct.starts_with("multipart/form-data"), "{ct}");
    let parts = multipart_parts(ct, &req.body);
    let to: Vec<_> = parts
        .iter()
        .filter(|p| p.0 == "to")
        .map(|p| String::from_utf8_lossy(&p.3).into_owned())
        .collect();
    assert_eq!(
        to,
        [
            "rosa@example.net",
            "facilities@example.net",
            "audit@acme.test"
        ]
    );
    let message = parts
        .iter()
        .find(|p| p.0 == "message")
        .expect("message part");
    assert!(message.1.is_some(), "sent as a file part");
    assert_eq!(message.3, email().mime, "byte for byte");
}

#[tokio::test]
async fn the_configured_domain_wins_over_the_senders() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v3/mg.acme.test/messages.mime"))
        .respond_with(ok())
        .expect(1)
        .mount(&server)
        .await;
    let s = MailgunSender::new(&config(&server.uri()).with_domain("mg.acme.test")).expect("sender");
    s.send(&email()).await.expect("sent");
}

#[tokio::test]
async fn a_429_then_a_500_are_retried_in_call() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MIME_PATH))
        .respond_with(
            ResponseTemplate::new(429)
                .set_body_json(serde_json::json!({"message": "request limit exceeded"})),
        )
        .up_to_n_times(1)
        .expect(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(MIME_PATH))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(1)
        .expect(1)
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(MIME_PATH))
        .respond_with(ok())
        .expect(1)
        .with_priority(3)
        .mount(&server)
        .await;
    let receipt = sender(&server)
        .send(&email())
        .await
        .expect("sent on the third try");
    assert!(receipt.provider_message_id.is_some());
    // Each attempt carried the whole message again.
    for req in server.received_requests().await.expect("recorded") {
        let ct = req
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .expect("ct");
        let parts = multipart_parts(ct, &req.body);
        assert!(
            parts
                .iter()
                .any(|p| p.0 == "message" && p.3 == email().mime)
        );
    }
}

#[tokio::test]
async fn persistent_5xx_is_unavailable_after_the_bounded_retries() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MIME_PATH))
        .respond_with(ResponseTemplate::new(500).set_body_string("internal error"))
        .expect(3)
        .mount(&server)
        .await;
    let err = sender(&server).send(&email()).await.expect_err("fails");
    assert!(matches!(err, Error::Unavailable { .. }), "{err:?}");
    assert!(err.is_transient(), "the job runner retries it");
}

#[tokio::test]
async fn a_long_rate_limit_is_handed_to_the_job_runner_with_mailguns_wait() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MIME_PATH))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "120")
                .set_body_json(json_fixture("api/rate-limited.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = sender(&server).send(&email()).await.expect_err("limited");
    assert!(
        matches!(
            err,
            Error::RateLimited {
                retry_after_secs: 120
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_400_is_rejected_with_mailguns_message_and_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MIME_PATH))
        .respond_with(
            ResponseTemplate::new(400).set_body_json(json_fixture("api/send-bad-request.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = sender(&server).send(&email()).await.expect_err("rejected");
    match err {
        Error::Rejected { reason } => {
            assert!(
                reason.contains("'to' parameter is not a valid address"),
                "{reason}"
            );
            assert!(reason.contains("400"), "{reason}");
        }
        other => panic!("expected Rejected, got {other:?}"),
    }
}

#[tokio::test]
async fn a_401_is_rejected_and_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MIME_PATH))
        .respond_with(ResponseTemplate::new(401).set_body_string("Forbidden"))
        .expect(1)
        .mount(&server)
        .await;
    let err = sender(&server).send(&email()).await.expect_err("rejected");
    assert!(
        matches!(err, Error::Rejected { ref reason } if reason.contains("401") && reason.contains("Forbidden")),
        "{err:?}"
    );
    assert!(!err.is_transient());
}

#[tokio::test]
async fn a_send_that_times_out_is_unavailable_and_not_resent_in_call() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MIME_PATH))
        .respond_with(ok().set_delay(Duration::from_secs(5)))
        .expect(1)
        .mount(&server)
        .await;
    let cfg = MailgunConfig {
        request_timeout: Duration::from_millis(300),
        ..config(&server.uri())
    };
    let err = MailgunSender::new(&cfg)
        .expect("sender")
        .send(&email())
        .await
        .expect_err("times out");
    assert!(matches!(err, Error::Unavailable { .. }), "{err:?}");
}

#[tokio::test]
async fn an_unreachable_mailgun_is_unavailable() {
    // A port nobody listens on: connection refused, retried, then reported.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let s = MailgunSender::new(&config(&format!("http://{addr}"))).expect("sender");
    let err = s.send(&email()).await.expect_err("unreachable");
    assert!(matches!(err, Error::Unavailable { .. }), "{err:?}");
}

#[test]
fn eu_and_us_bases_are_mailguns() {
    assert_eq!(Region::Eu.base_url(), "https://api.eu.mailgun.net");
    assert_eq!(Region::Us.base_url(), "https://api.mailgun.net");
}

#[tokio::test]
async fn a_sender_without_a_domain_or_recipients_is_a_validation_error() {
    let server = MockServer::start().await;
    let s = sender(&server);
    let mut e = email();
    e.from = "nobody".into();
    assert!(matches!(s.send(&e).await, Err(Error::Validation { .. })));
    let mut e = email();
    e.recipients.clear();
    assert!(matches!(s.send(&e).await, Err(Error::Validation { .. })));
    assert!(
        server
            .received_requests()
            .await
            .expect("recorded")
            .is_empty()
    );
}
