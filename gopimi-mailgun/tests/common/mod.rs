//! Shared test helpers: fixtures, signing, a stand-in config.
#![allow(dead_code)]

use gopimi_core::clock::{Clock, ManualClock, SystemClock};
use gopimi_mailgun::signature::sign;
use gopimi_mailgun::{
    FormFile, MailgunConfig, MailgunWebhooks, MemoryReplayGuard, Region, RetryPolicy,
    StoredMessages, WebhookForm, WebhookVerifier,
};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

pub const API_KEY: &str = "key-test-0123456789abcdef";
pub const SIGNING_KEY: &str = "signing-key-test-fedcba9876543210";

pub fn fixture_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

pub fn read_fixture(rel: &str) -> Vec<u8> {
    std::fs::read(fixture_path(rel)).expect("fixture exists")
}

pub fn json_fixture(rel: &str) -> Value {
    serde_json::from_slice(&read_fixture(rel)).expect("fixture is JSON")
}

/// Resolves `@raw/...` values and `{{storage}}` placeholders.
pub fn resolve(value: &str, storage: &str) -> String {
    if let Some(file) = value.strip_prefix('@') {
        return String::from_utf8(read_fixture(file)).expect("utf-8 fixture");
    }
    value.replace("{{storage}}", storage)
}

/// A fresh token, unique within the test run.
pub fn token() -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    format!("{:050x}", (std::process::id() as u64) << 32 | n)
}

/// Signs `(timestamp, token)` now, as Mailgun would.
pub fn signing(now_secs: i64) -> (String, String, String) {
    let ts = now_secs.to_string();
    let tok = token();
    let sig = sign(SIGNING_KEY, &ts, &tok);
    (ts, tok, sig)
}

pub fn now_secs() -> i64 {
    SystemClock.now().timestamp()
}

/// A form fixture, signed now, with placeholders resolved.
pub fn signed_form(rel: &str, storage: &str) -> WebhookForm {
    let v = json_fixture(rel);
    let (ts, tok, sig) = signing(now_secs());
    let mut form = WebhookForm::new();
    for pair in v["fields"].as_array().expect("fields") {
        let name = pair[0].as_str().expect("name");
        let value = match name {
            "timestamp" => ts.clone(),
            "token" => tok.clone(),
            "signature" => sig.clone(),
            _ => resolve(pair[1].as_str().expect("value"), storage),
        };
        form.push(name, value);
    }
    if let Some(files) = v["files"].as_array() {
        use base64::Engine;
        for f in files {
            form.push_file(FormFile {
                field: f["field"].as_str().expect("field").to_owned(),
                filename: f["filename"].as_str().map(str::to_owned),
                content_type: f["content-type"].as_str().map(str::to_owned),
                data: base64::engine::general_purpose::STANDARD
                    .decode(f["base64"].as_str().expect("base64"))
                    .expect("valid base64"),
            });
        }
    }
    form
}

/// A JSON event fixture with its signature object filled in.
pub fn signed_event(rel: &str, now: i64) -> (Vec<u8>, String) {
    let mut v = json_fixture(rel);
    let (ts, tok, sig) = signing(now);
    v["signature"] = serde_json::json!({"timestamp": ts, "token": tok, "signature": sig});
    (serde_json::to_vec(&v).expect("json"), tok)
}

/// A config pointing at a stand-in, with fast retries.
pub fn config(base: &str) -> MailgunConfig {
    MailgunConfig {
        retry: RetryPolicy {
            attempts: 3,
            initial_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(200),
        },
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(2),
        ..MailgunConfig::new(API_KEY, SIGNING_KEY).with_region(Region::Custom(base.to_owned()))
    }
}

pub fn verifier_at(clock: Arc<dyn Clock>) -> WebhookVerifier {
    WebhookVerifier::new(SIGNING_KEY, clock, Arc::new(MemoryReplayGuard::new()))
}

/// Webhooks on the system clock with storage on `base`.
pub fn webhooks(base: &str) -> MailgunWebhooks {
    MailgunWebhooks::new(verifier_at(Arc::new(SystemClock)))
        .with_storage(StoredMessages::new(&config(base)).expect("storage"))
}

/// A manual clock at `secs`.
pub fn manual_clock(secs: i64) -> ManualClock {
    use chrono::TimeZone;
    ManualClock::new(chrono::Utc.timestamp_opt(secs, 0).single().expect("time"))
}

/// One part of a multipart/form-data body: (name, filename, content type, bytes).
pub type FormPart = (String, Option<String>, Option<String>, Vec<u8>);

/// A multipart/form-data request body read back with mail-parser.
pub fn multipart_parts(content_type: &str, body: &[u8]) -> Vec<FormPart> {
    use mail_parser::{MessageParser, MimeHeaders, PartType};
    let mut raw = format!("Content-Type: {content_type}\r\n\r\n").into_bytes();
    raw.extend_from_slice(body);
    let msg = MessageParser::default()
        .parse(&raw)
        .expect("multipart parses");
    let mut out = Vec::new();
    for part in msg.parts.iter().skip(1) {
        if matches!(part.body, PartType::Multipart(_)) {
            continue;
        }
        let cd = part.content_disposition();
        let name = cd
            .and_then(|d| d.attribute("name"))
            .unwrap_or_default()
            .to_owned();
        let filename = cd.and_then(|d| d.attribute("filename")).map(str::to_owned);
        let ct = part.content_type().map(|c| match c.subtype() {
            Some(s) => format!("{}/{s}", c.ctype()),
            None => c.ctype().to_owned(),
        });
        out.push((name, filename, ct, part.contents().to_vec()));
    }
    out
}
