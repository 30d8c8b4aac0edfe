//! Every shape of Mailgun's route webhook becomes the same mail as the one delivered raw, read
//! through mail-parser (the core's parser), with the envelope, spam verdict and idempotency
//! key carried; stored messages and attachments are fetched from a stand-in of Mailgun.
#![cfg(feature = "reqwest")]

mod common;

use common::*;
use gopimi_core::mail::InboundEmail;
use gopimi_mailgun::{InboundError, MailgunWebhooks, SignatureError};
use mail_parser::{MessageParser, MimeHeaders};
use wiremock::matchers::{any, basic_auth, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const STORED_PATH: &str = "/v3/domains/help.acme.test/messages/BAABAgQF-storage-key-4410";

/// A file as a user sees it: name, content type, Content-ID, bytes.
type SeenFile = (Option<String>, String, Option<String>, Vec<u8>);

/// What a user sees of a mail: who, what, thread, bodies, files.
#[derive(Debug, PartialEq)]
struct Seen {
    from: Option<String>,
    from_name: Option<String>,
    to: Vec<String>,
    cc: Vec<String>,
    subject: Option<String>,
    message_id: Option<String>,
    in_reply_to: Option<String>,
    references: Vec<String>,
    date: Option<i64>,
    text: String,
    html: String,
    files: Vec<SeenFile>,
}

fn seen(raw: &[u8]) -> Seen {
    let m = MessageParser::default().parse(raw).expect("mail parses");
    let addrs = |a: Option<&mail_parser::Address>| -> Vec<String> {
        a.map(|a| {
            a.iter()
                .filter_map(|x| x.address().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
    };
    let norm = |s: Option<std::borrow::Cow<str>>| {
        s.map(|s| s.replace("\r\n", "\n").trim_end().to_owned())
            .unwrap_or_default()
    };
    let mut files: Vec<_> = m
        .attachments()
        .map(|p| {
            let ct = p
                .content_type()
                .map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or("")))
                .unwrap_or_default();
            (
                p.attachment_name().map(str::to_owned),
                ct,
                p.content_id().map(str::to_owned),
                p.contents().to_vec(),
            )
        })
        .collect();
    files.sort();
    Seen {
        from: m
            .from()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .map(str::to_owned),
        from_name: m
            .from()
            .and_then(|a| a.first())
            .and_then(|a| a.name())
            .map(str::to_owned),
        to: addrs(m.to()),
        cc: addrs(m.cc()),
        subject: m.subject().map(str::to_owned),
        message_id: m.message_id().map(str::to_owned),
        in_reply_to: m.in_reply_to().as_text().map(str::to_owned),
        references: m
            .references()
            .as_text_list()
            .map(|l| l.iter().map(|s| s.to_string()).collect())
            .unwrap_or_default(),
        date: m.date().map(|d| d.to_timestamp()),
        text: norm(m.body_text(0)),
        html: norm(m.body_html(0)),
        files,
    }
}

fn raw_seen() -> Seen {
    seen(&read_fixture("raw/printer-on-fire.eml"))
}

fn assert_envelope(e: &InboundEmail) {
    assert_eq!(e.recipient, "support@help.acme.test");
    assert_eq!(e.sender.as_deref(), Some("rosa.bounces@example.net"));
    assert_eq!(e.provider, "mailgun");
    assert!(!e.spam.flagged);
    assert_eq!(e.spam.score, Some(0.4));
    assert_eq!(
        e.provider_key.as_deref(),
        Some("mailgun:support@help.acme.test:CAF7rosa.4410@mail.example.net")
    );
    assert!(e.received_at.is_some());
}

#[test]
fn the_raw_fixture_is_what_the_tests_think_it_is() {
    let s = raw_seen();
    assert_eq!(s.from.as_deref(), Some("rosa@example.net"));
    assert_eq!(
        s.in_reply_to.as_deref(),
        Some("gopimi.t1.m1@help.acme.test")
    );
    assert_eq!(s.references.len(), 2);
    assert_eq!(s.files.len(), 3);
    assert!(s.text.contains("on fire again"));
    assert!(s.html.contains("cid:flame.7f3a@mail.example.net"));
    assert_eq!(s.cc, ["facilities@example.net"]);
    assert!(s.date.is_some());
    assert!(
        s.files
            .iter()
            .any(|f| f.2.as_deref() == Some("flame.7f3a@mail.example.net"))
    );
}

#[tokio::test]
async fn a_parsed_forward_with_uploads_and_inline_cid_becomes_the_same_mail() {
    let hooks = webhooks("http://127.0.0.1:9");
    let form = signed_form("forward-parsed.json", "");
    let email = hooks.inbound(&form).await.expect("accepted");
    assert_envelope(&email);
    assert_eq!(seen(&email.raw), raw_seen());
    // The whole Received chain survives the rebuild, in order.
    let m = MessageParser::default().parse(&email.raw).expect("parses");
    assert_eq!(m.header_values("Received").count(), 2);
    let raw = String::from_utf8_lossy(&email.raw);
    let first = raw
        .find("Received: from mail.example.net")
        .expect("first hop");
    let second = raw
        .find("Received: by mail.example.net")
        .expect("second hop");
    assert!(first < second, "order kept");
}

#[tokio::test]
async fn a_parsed_forward_sent_urlencoded_without_files_keeps_text_and_html() {
    let hooks = webhooks("http://127.0.0.1:9");
    let mut form = signed_form("forward-parsed.json", "");
    form.files.clear();
    // Through the urlencoded wire format and back, repeated keys and all.
    let form = gopimi_mailgun::WebhookForm::from_urlencoded(form.to_urlencoded().as_bytes());
    let email = hooks.inbound(&form).await.expect("accepted");
    let got = seen(&email.raw);
    let want = raw_seen();
    assert_eq!(got.subject, want.subject);
    assert_eq!(got.message_id, want.message_id);
    assert_eq!(got.references, want.references);
    assert_eq!(got.text, want.text);
    assert_eq!(got.html, want.html);
    assert!(got.files.is_empty());
}

#[tokio::test]
async fn a_mime_forward_is_the_raw_mail_itself() {
    let hooks = webhooks("http://127.0.0.1:9");
    let form = signed_form("forward-mime.json", "");
    let email = hooks.inbound(&form).await.expect("accepted");
    assert_envelope(&email);
    assert_eq!(email.raw, read_fixture("raw/printer-on-fire.eml"));
    assert_eq!(seen(&email.raw), raw_seen());
}

#[tokio::test]
async fn a_store_notification_is_fetched_as_raw_mime_with_the_api_key() {
    let mailgun = MockServer::start().await;
    let mut stored = json_fixture("stored-message-raw.json");
    stored["body-mime"] = String::from_utf8(read_fixture("raw/printer-on-fire.eml"))
        .expect("utf-8")
        .into();
    Mock::given(method("GET"))
        .and(path(STORED_PATH))
        .and(header("accept", "message/rfc2822"))
        .and(basic_auth("api", API_KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(stored))
        .expect(1)
        .mount(&mailgun)
        .await;
    let hooks = webhooks(&mailgun.uri());
    let form = signed_form("store-notify.json", &mailgun.uri());
    let email = hooks.inbound(&form).await.expect("accepted");
    assert_envelope(&email);
    assert_eq!(seen(&email.raw), raw_seen());
}

#[tokio::test]
async fn a_store_notification_without_message_url_downloads_its_attachments() {
    use base64::Engine;
    let mailgun = MockServer::start().await;
    let files = json_fixture("forward-parsed.json")["files"].clone();
    for (i, f) in files.as_array().expect("files").iter().enumerate() {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(f["base64"].as_str().expect("b64"))
            .expect("b64");
        Mock::given(method("GET"))
            .and(path(format!("{STORED_PATH}/attachments/{i}")))
            .and(basic_auth("api", API_KEY))
            .respond_with(ResponseTemplate::new(200).set_body_bytes(bytes))
            .expect(1)
            .mount(&mailgun)
            .await;
    }
    let hooks = webhooks(&mailgun.uri());
    let mut form = signed_form("store-notify.json", &mailgun.uri());
    form.fields.retain(|(k, _)| k != "message-url");
    let email = hooks.inbound(&form).await.expect("accepted");
    assert_envelope(&email);
    let got = seen(&email.raw);
    let want = raw_seen();
    assert_eq!(
        got.files, want.files,
        "same files, inline image with its cid"
    );
    assert_eq!(got.subject, want.subject);
    assert_eq!(got.in_reply_to, want.in_reply_to);
    assert_eq!(got.text, want.text);
}

#[tokio::test]
async fn the_api_key_is_never_sent_to_a_host_that_is_not_mailgun() {
    let mailgun = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&elsewhere)
        .await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&mailgun)
        .await;
    let hooks = webhooks(&mailgun.uri());
    // message-url on another origin.
    let form = signed_form("store-notify.json", &elsewhere.uri());
    let err = hooks.inbound(&form).await.expect_err("refused");
    assert!(matches!(err, InboundError::UntrustedUrl(_)), "{err:?}");
    assert_eq!(err.response_status(), 406);
    // An attachment URL on another origin.
    let mut form = signed_form("store-notify.json", &elsewhere.uri());
    form.fields.retain(|(k, _)| k != "message-url");
    let err = hooks.inbound(&form).await.expect_err("refused");
    assert!(matches!(err, InboundError::UntrustedUrl(_)), "{err:?}");
    // A look-alike host over https.
    let mut form = signed_form("store-notify.json", &mailgun.uri());
    for (k, v) in form.fields.iter_mut() {
        if k == "message-url" {
            *v = "https://mailgun.net.attacker.example/v3/domains/x/messages/k".into();
        }
    }
    let err = hooks.inbound(&form).await.expect_err("refused");
    assert!(
        matches!(err, InboundError::UntrustedUrl(ref h) if h == "mailgun.net.attacker.example")
    );
}

fn attachments_only_form(
    base: &str,
    attachments: serde_json::Value,
) -> gopimi_mailgun::WebhookForm {
    let mut form = signed_form("store-notify.json", base);
    form.fields.retain(|(k, _)| k != "message-url");
    for (k, v) in form.fields.iter_mut() {
        if k == "attachments" {
            *v = attachments.to_string();
        }
    }
    form
}

#[tokio::test]
async fn a_stored_attachment_declared_over_25_mb_is_refused_without_downloading() {
    let mailgun = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&mailgun)
        .await;
    let url = format!("{}{STORED_PATH}/attachments/0", mailgun.uri());
    let form = attachments_only_form(
        &mailgun.uri(),
        serde_json::json!([{"url": url, "name": "huge.iso", "content-type": "application/octet-stream", "size": 25 * 1024 * 1024 + 1}]),
    );
    let err = webhooks(&mailgun.uri())
        .inbound(&form)
        .await
        .expect_err("refused");
    assert!(
        matches!(err, InboundError::TooLarge { limit, .. } if limit == 25 * 1024 * 1024),
        "{err:?}"
    );
    assert_eq!(err.response_status(), 406);
}

#[tokio::test]
async fn a_stored_attachment_larger_than_25_mb_on_the_wire_is_refused() {
    let mailgun = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{STORED_PATH}/attachments/0")))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![7u8; 25 * 1024 * 1024 + 1]))
        .expect(1)
        .mount(&mailgun)
        .await;
    let url = format!("{}{STORED_PATH}/attachments/0", mailgun.uri());
    // The declared size lies (or is absent): the read itself is bounded.
    let form = attachments_only_form(
        &mailgun.uri(),
        serde_json::json!([{"url": url, "name": "huge.iso", "content-type": "application/octet-stream"}]),
    );
    let err = webhooks(&mailgun.uri())
        .inbound(&form)
        .await
        .expect_err("refused");
    assert!(matches!(err, InboundError::TooLarge { .. }), "{err:?}");
}

#[tokio::test]
async fn storage_outages_are_retried_then_reported_as_transient() {
    let mailgun = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(STORED_PATH))
        .respond_with(ResponseTemplate::new(503))
        .expect(3)
        .mount(&mailgun)
        .await;
    let form = signed_form("store-notify.json", &mailgun.uri());
    let err = webhooks(&mailgun.uri())
        .inbound(&form)
        .await
        .expect_err("fails");
    assert!(err.is_transient(), "{err:?}");
    assert_eq!(err.response_status(), 503, "Mailgun must retry later");
}

#[tokio::test]
async fn an_expired_stored_message_is_final() {
    let mailgun = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(STORED_PATH))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(serde_json::json!({"message": "Message not found"})),
        )
        .expect(1)
        .mount(&mailgun)
        .await;
    let form = signed_form("store-notify.json", &mailgun.uri());
    let err = webhooks(&mailgun.uri())
        .inbound(&form)
        .await
        .expect_err("fails");
    assert!(
        matches!(err, InboundError::Fetch(ref e) if e.is_not_found()),
        "{err:?}"
    );
    assert_eq!(err.response_status(), 406);
}

#[tokio::test]
async fn an_unsigned_store_notification_fetches_nothing() {
    let mailgun = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&mailgun)
        .await;
    let mut form = signed_form("store-notify.json", &mailgun.uri());
    for (k, v) in form.fields.iter_mut() {
        if k == "signature" {
            *v = gopimi_mailgun::signature::sign("some-other-key", "1", "2");
        }
    }
    let err = webhooks(&mailgun.uri())
        .inbound(&form)
        .await
        .expect_err("refused");
    assert!(matches!(
        err,
        InboundError::Signature(SignatureError::BadSignature)
    ));
    assert_eq!(err.response_status(), 401);
}

#[tokio::test]
async fn a_redelivered_post_with_the_same_token_is_refused() {
    let hooks = webhooks("http://127.0.0.1:9");
    let form = signed_form("forward-mime.json", "");
    hooks.inbound(&form).await.expect("first time");
    let err = hooks.inbound(&form).await.expect_err("replay");
    assert!(matches!(
        err,
        InboundError::Signature(SignatureError::Replayed)
    ));
}

#[tokio::test]
async fn without_an_api_key_a_store_notification_is_left_for_mailgun_to_retry() {
    let hooks = MailgunWebhooks::new(verifier_at(std::sync::Arc::new(
        gopimi_core::clock::SystemClock,
    )));
    let form = signed_form(
        "store-notify.json",
        "https://storage-us-east4.api.mailgun.net",
    );
    let err = hooks.inbound(&form).await.expect_err("cannot fetch");
    assert!(matches!(err, InboundError::NeedsApiKey));
    assert_eq!(err.response_status(), 503);
    // Forwards still work with the signing key alone.
    hooks
        .inbound(&signed_form("forward-mime.json", ""))
        .await
        .expect("forward accepted");
}

#[tokio::test]
async fn an_event_posted_to_the_route_url_is_not_a_mail() {
    let hooks = webhooks("http://127.0.0.1:9");
    let form = signed_form("events/legacy-bounced.json", "");
    let err = hooks.inbound(&form).await.expect_err("not a mail");
    assert!(matches!(err, InboundError::NotInbound(_)));
    assert_eq!(err.response_status(), 406);
}
