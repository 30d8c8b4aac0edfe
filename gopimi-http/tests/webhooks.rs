//! Outbound webhooks end to end: the real router on a socket, the reqwest transport, and a real
//! HTTP receiver on 127.0.0.1 (allowed by configuration) that checks signatures the way an
//! integrator would, from the secret alone. Jobs run when the test drains the runner, and time
//! moves only when the test advances the clock, so retries happen exactly when asked.

#![cfg(feature = "webhooks")]

mod common;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::Duration;
use common::{TestServer, User};
use gopimi_core::clock::ManualClock;
use gopimi_core::jobs::JobRunner;
use gopimi_core::mail::recording::RecordingSender;
use gopimi_core::service::Helpdesk;
use gopimi_core::webhooks::{UrlPolicy, WebhookPolicy};
use gopimi_http::HttpConfig;
use gopimi_http::jobs::{Pipeline, Webhooks};
use gopimi_http::webhook_transport::{ReqwestTransport, TransportConfig};
use hmac::{Hmac, Mac};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::Sha256;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

const INBOUND_SECRET: &str = "inbound-secret";

/// What the receiver answers to one request.
#[derive(Debug, Clone, Copy)]
enum Reply {
    Status(u16),
    /// Answers only after the transport has given up.
    Hang,
    /// `302 Found` back to the receiver itself.
    Redirect,
    /// A 200 with a 2 MB body.
    Huge,
}

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Got {
    headers: HeaderMap,
    body: Bytes,
}

impl Got {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }
    fn event_type(&self) -> String {
        self.json()["type"].as_str().unwrap_or_default().to_owned()
    }
}

#[derive(Clone)]
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Got>>>,
    script: Arc<Mutex<VecDeque<Reply>>>,
    default: Arc<Mutex<u16>>,
}

impl Receiver {
    async fn start() -> Receiver {
        let r = Receiver {
            url: String::new(),
            got: Arc::default(),
            script: Arc::default(),
            default: Arc::new(Mutex::new(200)),
        };
        let state = r.clone();
        let app = axum::Router::new().fallback(move |headers: HeaderMap, body: Bytes| {
            let state = state.clone();
            async move {
                use axum::response::IntoResponse;
                state.got.lock().expect("lock").push(Got { headers, body });
                let next = state.script.lock().expect("lock").pop_front();
                let default = *state.default.lock().expect("lock");
                match next.unwrap_or(Reply::Status(default)) {
                    Reply::Status(s) => (
                        StatusCode::from_u16(s).unwrap_or(StatusCode::OK),
                        format!("answered {s}"),
                    )
                        .into_response(),
                    Reply::Hang => {
                        tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                        (StatusCode::OK, "too late".to_owned()).into_response()
                    }
                    Reply::Redirect => (
                        StatusCode::FOUND,
                        [(axum::http::header::LOCATION, "/hooks/elsewhere")],
                        "moved",
                    )
                        .into_response(),
                    Reply::Huge => (StatusCode::OK, "x".repeat(2 << 20)).into_response(),
                }
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind receiver");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, app).await });
        Receiver {
            url: format!("http://{addr}/hooks/gopimi"),
            ..r
        }
    }

    fn then(&self, replies: &[Reply]) {
        self.script
            .lock()
            .expect("lock")
            .extend(replies.iter().copied());
    }

    fn always(&self, status: u16) {
        *self.default.lock().expect("lock") = status;
    }

    fn got(&self) -> Vec<Got> {
        self.got.lock().expect("lock").clone()
    }

    fn types(&self) -> Vec<String> {
        self.got().iter().map(Got::event_type).collect()
    }
}

/// What an integrator does with the secret they were shown: decode it, HMAC-SHA256 over
/// `id.timestamp.body`, and accept if any `v1,` signature of the header matches.
fn integrator_accepts(secret: &str, got: &Got) -> bool {
    let key = BASE64
        .decode(secret.strip_prefix("whsec_").expect("whsec_ prefix"))
        .expect("base64 secret");
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("hmac key");
    mac.update(got.header("webhook-id").as_bytes());
    mac.update(b".");
    mac.update(got.header("webhook-timestamp").as_bytes());
    mac.update(b".");
    mac.update(&got.body);
    let expected = format!("v1,{}", BASE64.encode(mac.finalize().into_bytes()));
    got.header("webhook-signature")
        .split(' ')
        .any(|s| s == expected)
}

struct Env {
    s: TestServer,
    clock: ManualClock,
    runner: JobRunner,
    mail: Arc<RecordingSender>,
    owner: User,
    ws: String,
    rx: Receiver,
    _dir: Option<common::StoreGuard>,
}

impl Env {
    /// A server whose webhooks may reach 127.0.0.1 (or not), with a short transport timeout.
    async fn start(allow_private: bool, policy: WebhookPolicy) -> Env {
        let (store, dir) = common::test_store().await;
        let clock = ManualClock::new(chrono::Utc::now());
        let desk = Helpdesk::builder(store)
            .clock(Arc::new(clock.clone()))
            .webhook_allow_private(allow_private)
            .build();
        let urls = UrlPolicy::new(allow_private);
        let transport = ReqwestTransport::new(TransportConfig {
            timeout: std::time::Duration::from_millis(700),
            urls,
            ..TransportConfig::default()
        })
        .expect("transport");
        let mail = Arc::new(RecordingSender::new());
        let pipeline = Pipeline {
            sender: mail.clone(),
            signer: gopimi_core::mail::MessageIdSigner::new(common::TEST_SECRET),
            unsubscribe: gopimi_core::notify::UnsubscribeSigner::new(common::TEST_SECRET)
                .expect("unsubscribe signer"),
            notify: gopimi_core::notify::NotifyConfig {
                from_address: "notifications@gopimi.test".into(),
                from_name: "gopimi".into(),
                public_url: "http://127.0.0.1".into(),
            },
            webhooks: Some(Webhooks {
                transport: Arc::new(transport),
                policy: WebhookPolicy { urls, ..policy },
                from_address: "notifications@gopimi.test".to_owned(),
            }),
        };
        let runner = gopimi_http::jobs::runner(&desk, &pipeline);
        let config = HttpConfig {
            inbound_secret: Some(INBOUND_SECRET.into()),
            ..HttpConfig::default()
        };
        let s = TestServer::with_helpdesk(desk, config).await;
        let owner = s.register("owner@acme.test").await;
        let ws = s.workspace(&owner, "Acme").await;
        let rx = Receiver::start().await;
        Env {
            s,
            clock,
            runner,
            mail,
            owner,
            ws,
            rx,
            _dir: dir,
        }
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let path = format!("/workspaces/{}{path}", self.ws);
        self.s.call(&self.owner, method, &path, body).await
    }

    /// Creates an endpoint for the receiver; its id and secret.
    async fn hook(&self, events: Value) -> (String, String) {
        let (status, body) = self
            .call(
                Method::POST,
                "/webhooks",
                Some(json!({ "url": self.rx.url, "events": events })),
            )
            .await;
        assert_eq!(status, 201, "create webhook: {body}");
        (
            body["id"].as_str().expect("id").to_owned(),
            body["secret"].as_str().expect("secret").to_owned(),
        )
    }

    async fn ticket(&self, subject: &str) -> String {
        let (status, body) = self
            .call(
                Method::POST,
                "/tickets",
                Some(json!({ "subject": subject })),
            )
            .await;
        assert_eq!(status, 201, "create ticket: {body}");
        body["id"].as_str().expect("id").to_owned()
    }

    async fn set_status(&self, ticket: &str, status: &str) {
        let (code, body) = self
            .call(
                Method::PATCH,
                &format!("/tickets/{ticket}"),
                Some(json!({ "status": status })),
            )
            .await;
        assert_eq!(code, 200, "update ticket: {body}");
    }

    /// Creates `support@acme.test`, a ticket address.
    async fn support_address(&self) {
        let (status, email) = self
            .call(
                Method::POST,
                "/emails",
                Some(json!({ "address": "support@acme.test", "purpose": "ticket" })),
            )
            .await;
        assert_eq!(status, 201, "{email}");
    }

    /// Posts raw mail to `support@acme.test` through `/inbound/raw`.
    async fn post_mail(&self, mail: &'static str) -> reqwest::Response {
        self.s
            .req(Method::POST, "/inbound/raw?recipient=support@acme.test")
            .bearer_auth(INBOUND_SECRET)
            .header("content-type", "message/rfc822")
            .body(mail)
            .send()
            .await
            .expect("post")
    }

    async fn drain(&self) {
        self.runner.drain(200).await.expect("drain");
    }

    /// Moves time past any retry due within the hour, then runs what is due.
    async fn later(&self) {
        self.clock.advance(Duration::hours(1));
        self.drain().await;
    }

    async fn deliveries(&self, hook: &str) -> Vec<Value> {
        let (status, body) = self
            .call(
                Method::GET,
                &format!("/webhooks/{hook}/deliveries?per_page=100"),
                None,
            )
            .await;
        assert_eq!(status, 200, "deliveries: {body}");
        body["data"].as_array().expect("data").clone()
    }
}

#[tokio::test]
async fn deliveries_are_signed_and_a_rotated_secret_signs_alongside_the_new_one() {
    let env = Env::start(true, WebhookPolicy::default()).await;
    let (hook, secret) = env.hook(json!([])).await;
    let ticket = env.ticket("Printer on fire").await;
    env.drain().await;

    let got = env.rx.got();
    assert_eq!(got.len(), 1, "one event: ticket.created");
    let first = &got[0];
    assert!(integrator_accepts(&secret, first), "signature verifies");
    assert!(first.header("webhook-id").starts_with("evt_"));
    assert_eq!(first.header("content-type"), "application/json");
    let body = first.json();
    assert_eq!(body["type"], "ticket.created");
    assert_eq!(body["id"], first.header("webhook-id"));
    assert_eq!(body["workspace_id"], env.ws.as_str());
    assert_eq!(body["data"]["ticket"]["id"], ticket.as_str());
    assert_eq!(body["data"]["ticket"]["subject"], "Printer on fire");
    assert!(body["timestamp"].is_string());
    assert_eq!(
        first.header("webhook-timestamp"),
        env.clock_now_secs().to_string()
    );
    assert!(
        !integrator_accepts(&gopimi_core::webhooks::signing::generate_secret(), first),
        "another secret does not verify"
    );

    // Rotation with a grace period: both the old and the new secret verify.
    let (status, rotated) = env
        .call(
            Method::POST,
            &format!("/webhooks/{hook}/rotate-secret"),
            Some(json!({ "grace_seconds": 3600 })),
        )
        .await;
    assert_eq!(status, 200, "rotate: {rotated}");
    let new_secret = rotated["secret"].as_str().expect("new secret").to_owned();
    assert_ne!(new_secret, secret);
    env.set_status(&ticket, "in_progress").await;
    env.drain().await;
    let got = env.rx.got();
    assert_eq!(
        env.rx.types(),
        ["ticket.created", "ticket.updated", "ticket.status_changed"]
    );
    for g in &got[1..] {
        assert_eq!(g.header("webhook-signature").split(' ').count(), 2);
        assert!(integrator_accepts(&new_secret, g), "new secret verifies");
        assert!(integrator_accepts(&secret, g), "old secret still verifies");
    }
    assert_eq!(got[2].json()["data"]["from"], "open");
    assert_eq!(got[2].json()["data"]["to"], "in_progress");

    // After the grace period only the new secret signs.
    env.clock.advance(Duration::hours(2));
    env.set_status(&ticket, "resolved").await;
    env.drain().await;
    let last = env.rx.got().pop().expect("a delivery");
    assert_eq!(last.header("webhook-signature").split(' ').count(), 1);
    assert!(integrator_accepts(&new_secret, &last));
    assert!(!integrator_accepts(&secret, &last));

    // Neither GET nor the list ever shows a secret.
    let (_, one) = env
        .call(Method::GET, &format!("/webhooks/{hook}"), None)
        .await;
    let (_, list) = env.call(Method::GET, "/webhooks", None).await;
    for v in [&one, &list] {
        let text = v.to_string();
        assert!(!text.contains(&secret) && !text.contains(&new_secret));
        assert!(!text.contains("secret\""), "no secret field: {text}");
    }
}

impl Env {
    fn clock_now_secs(&self) -> i64 {
        self.now().timestamp()
    }

    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        use gopimi_core::clock::Clock;
        self.clock.now()
    }
}

#[tokio::test]
async fn failed_attempts_are_retried_after_500s_and_timeouts_and_logged() {
    let env = Env::start(true, WebhookPolicy::default()).await;
    let (hook, secret) = env.hook(json!(["ticket.created"])).await;
    env.rx
        .then(&[Reply::Status(500), Reply::Hang, Reply::Status(204)]);
    env.ticket("Flaky endpoint").await;

    env.drain().await;
    assert_eq!(env.rx.got().len(), 1, "first attempt answered 500");
    env.drain().await;
    assert_eq!(env.rx.got().len(), 1, "no retry before its time");
    env.later().await;
    assert_eq!(env.rx.got().len(), 2, "second attempt timed out");
    env.later().await;
    let got = env.rx.got();
    assert_eq!(got.len(), 3, "third attempt succeeded");
    env.later().await;
    assert_eq!(env.rx.got().len(), 3, "nothing after success");

    // Same event id on every attempt; each signed.
    assert!(
        got.iter()
            .all(|g| g.header("webhook-id") == got[0].header("webhook-id"))
    );
    assert!(got.iter().all(|g| integrator_accepts(&secret, g)));

    let log = env.deliveries(&hook).await;
    assert_eq!(log.len(), 1);
    let d = &log[0];
    assert_eq!(d["status"], "succeeded");
    assert_eq!(d["attempts"], 3);
    assert_eq!(d["response_status"], 204);
    let attempts = d["attempt_log"].as_array().expect("attempt log");
    assert_eq!(attempts.len(), 3);
    assert_eq!(attempts[0]["response_status"], 500);
    assert_eq!(attempts[0]["response_body"], "answered 500");
    assert!(attempts[1]["response_status"].is_null());
    assert_eq!(attempts[1]["error"], "timed out");
    assert_eq!(attempts[2]["response_status"], 204);
    assert!(
        attempts[0]["request_headers"]
            .as_array()
            .expect("headers")
            .iter()
            .any(|h| h[0] == "webhook-signature")
    );
}

#[tokio::test]
async fn a_tickets_events_arrive_in_order_while_an_earlier_one_is_retried() {
    let env = Env::start(true, WebhookPolicy::default()).await;
    let (hook, _) = env.hook(json!([])).await;
    env.rx.then(&[Reply::Status(503)]);
    let a = env.ticket("First").await;
    env.set_status(&a, "pending").await;
    env.set_status(&a, "resolved").await;
    let b = env.ticket("Second").await;
    env.drain().await;

    // A's first event failed; A's later events wait for it. B is another object: not held up.
    let got = env.rx.got();
    let ids: Vec<String> = got
        .iter()
        .map(|g| {
            g.json()["data"]["ticket"]["id"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert_eq!(ids, [a.clone(), b.clone()], "A once (failed), then B");

    env.later().await;
    let tail: Vec<(String, String)> = env.rx.got()[2..]
        .iter()
        .map(|g| {
            let v = g.json();
            (
                v["type"].as_str().unwrap_or_default().to_owned(),
                v["data"]["to"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = [
        ("ticket.created", ""),
        ("ticket.updated", ""),
        ("ticket.status_changed", "pending"),
        ("ticket.updated", ""),
        ("ticket.status_changed", "resolved"),
    ]
    .iter()
    .map(|(t, s)| ((*t).to_owned(), (*s).to_owned()))
    .collect();
    assert_eq!(tail, expected, "A's events in the order they happened");
    assert!(
        env.deliveries(&hook)
            .await
            .iter()
            .all(|d| d["status"] == "succeeded")
    );
}

#[tokio::test]
async fn an_endpoint_that_keeps_failing_is_disabled_and_its_owner_told() {
    let policy = WebhookPolicy {
        max_attempts: 3,
        disable_after_failures: 3,
        disable_after: Duration::minutes(30),
        ..WebhookPolicy::default()
    };
    let env = Env::start(true, policy).await;
    let (hook, _) = env.hook(json!(["ticket.created"])).await;
    env.rx.always(500);
    env.ticket("Nobody listens").await;
    env.drain().await;
    env.later().await;
    env.later().await;
    assert_eq!(env.rx.got().len(), 3, "three attempts, then given up");
    env.later().await;
    assert_eq!(env.rx.got().len(), 3);

    let (_, h) = env
        .call(Method::GET, &format!("/webhooks/{hook}"), None)
        .await;
    assert_eq!(h["enabled"], false, "{h}");
    assert!(
        h["disabled_reason"]
            .as_str()
            .is_some_and(|r| r.contains("3 failed attempts")),
        "{h}"
    );
    let log = env.deliveries(&hook).await;
    assert_eq!(log[0]["status"], "failed");
    assert_eq!(log[0]["last_error"], "endpoint answered 500");

    let mails = env.mail.sent();
    assert_eq!(mails.len(), 1, "one email to the one owner");
    assert_eq!(mails[0].recipients, vec!["owner@acme.test".to_owned()]);
    let text = String::from_utf8_lossy(&mails[0].mime);
    assert!(text.contains("disabled"), "{text}");

    // A disabled endpoint gets nothing, a test or redelivery is refused...
    env.rx.always(200);
    env.ticket("Still nobody").await;
    env.later().await;
    assert_eq!(env.rx.got().len(), 3);
    let (status, _) = env
        .call(Method::POST, &format!("/webhooks/{hook}/test"), None)
        .await;
    assert_eq!(status, 409);
    // ...until the owner enables it again, which clears the failure record.
    let (status, h) = env
        .call(
            Method::PATCH,
            &format!("/webhooks/{hook}"),
            Some(json!({ "enabled": true })),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(h["enabled"], true);
    assert!(h["disabled_reason"].is_null());
    assert_eq!(h["consecutive_failures"], 0);
    env.ticket("Back").await;
    env.drain().await;
    assert_eq!(env.rx.got().len(), 4);
}

#[tokio::test]
async fn any_delivery_can_be_redelivered_and_a_test_event_sent() {
    let env = Env::start(true, WebhookPolicy::default()).await;
    let (hook, secret) = env.hook(json!(["ticket.created"])).await;
    env.ticket("Once more").await;
    env.drain().await;
    let log = env.deliveries(&hook).await;
    let first = log[0]["id"].as_str().expect("id").to_owned();

    let (status, again) = env
        .call(
            Method::POST,
            &format!("/webhooks/{hook}/deliveries/{first}/redeliver"),
            None,
        )
        .await;
    assert_eq!(status, 202, "{again}");
    assert_eq!(again["redelivery_of"], first.as_str());
    env.drain().await;
    let got = env.rx.got();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].header("webhook-id"), got[1].header("webhook-id"));
    assert_eq!(got[0].json(), got[1].json(), "the same event");
    assert!(integrator_accepts(&secret, &got[1]));
    assert_eq!(env.deliveries(&hook).await.len(), 2);

    let (status, t) = env
        .call(Method::POST, &format!("/webhooks/{hook}/test"), None)
        .await;
    assert_eq!(status, 202, "{t}");
    env.drain().await;
    assert_eq!(env.rx.got()[2].event_type(), "webhook.test");

    // A delivery of another endpoint is not found under this one.
    let (other, _) = env.hook(json!([])).await;
    let (status, _) = env
        .call(
            Method::POST,
            &format!("/webhooks/{other}/deliveries/{first}/redeliver"),
            None,
        )
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn sla_events_from_the_dispatch_queue_reach_subscribed_endpoints_only() {
    let env = Env::start(true, WebhookPolicy::default()).await;
    env.hook(json!(["sla.resolution_breached"])).await;
    let ticket = env.ticket("Late").await;
    env.drain().await;
    assert!(env.rx.got().is_empty(), "not subscribed to ticket.created");

    let ws: uuid::Uuid = env.ws.parse().expect("ws");
    let t: uuid::Uuid = ticket.parse().expect("ticket");
    let payload = gopimi_core::sla::WebhookDispatch {
        event_type: "sla.resolution_breached".to_owned(),
        workspace_id: ws.into(),
        ticket_id: t.into(),
        occurred_at: env.now(),
    };
    let mut job = gopimi_core::jobs::job(
        gopimi_core::sla::WEBHOOK_QUEUE,
        &payload,
        Some(ws),
        chrono::Utc::now() - Duration::minutes(1),
    )
    .expect("job");
    let mut w = gopimi_core::store::Writes::new();
    w.insert(&mut job).expect("insert");
    w.apply(env.s.store.as_ref()).await.expect("apply");
    env.drain().await;
    let got = env.rx.got();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].event_type(), "sla.resolution_breached");
    assert_eq!(got[0].json()["data"]["ticket"]["id"], ticket.as_str());
}

#[tokio::test]
async fn private_addresses_are_refused_by_default_when_saved_and_when_sent() {
    let env = Env::start(false, WebhookPolicy::default()).await;
    for url in [
        env.rx.url.clone(),
        "http://localhost:9/x".to_owned(),
        "http://169.254.169.254/latest".to_owned(),
        "http://[::1]/x".to_owned(),
        "ftp://hooks.example.com/x".to_owned(),
    ] {
        let (status, body) = env
            .call(Method::POST, "/webhooks", Some(json!({ "url": url })))
            .await;
        assert_eq!(status, 422, "{url}: {body}");
        assert!(body["errors"]["url"].is_array(), "{url}: {body}");
    }

    // An endpoint saved when private addresses were allowed (or whose name now resolves to
    // one) is refused at delivery time, once, without retries.
    let ws: uuid::Uuid = env.ws.parse().expect("ws");
    let mut hook = gopimi_core::model::Webhook {
        id: gopimi_core::ids::WebhookId::new(),
        workspace_id: ws.into(),
        url: env.rx.url.clone(),
        events: Vec::new(),
        enabled: true,
        secret: gopimi_core::webhooks::signing::generate_secret(),
        previous_secret: None,
        previous_secret_expires_at: None,
        disabled_reason: None,
        consecutive_failures: 0,
        failing_since: None,
        created_at: chrono::Utc::now(),
        updated_at: chrono::Utc::now(),
        version: 0,
    };
    let mut w = gopimi_core::store::Writes::new();
    w.insert(&mut hook).expect("insert");
    w.apply(env.s.store.as_ref()).await.expect("apply");
    env.ticket("To a private address").await;
    env.drain().await;
    env.later().await;
    assert!(env.rx.got().is_empty(), "nothing reached 127.0.0.1");
    let log = env.deliveries(&hook.id.to_string()).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["status"], "failed");
    assert_eq!(log[0]["attempts"], 1);
    assert!(
        log[0]["last_error"]
            .as_str()
            .is_some_and(|e| e.starts_with("refused")),
        "{}",
        log[0]
    );
}

#[tokio::test]
async fn routes_are_for_owners_of_the_workspace() {
    let s = TestServer::start().await;
    let t = s.team().await;
    let base = format!("/workspaces/{}/webhooks", t.ws);
    let new = json!({ "url": "https://hooks.example.com/in", "events": ["ticket.created"] });

    // No token.
    let res = s.req(Method::GET, &base).send().await.expect("send");
    assert_eq!(res.status().as_u16(), 401);

    // A member may not.
    let (status, _) = s
        .call(&t.member, Method::POST, &base, Some(new.clone()))
        .await;
    assert_eq!(status, 403);
    let (status, _) = s.call(&t.member, Method::GET, &base, None).await;
    assert_eq!(status, 403);

    // The owner may; the secret is shown once.
    let (status, created) = s.call(&t.owner, Method::POST, &base, Some(new)).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().expect("id").to_owned();
    assert!(
        created["secret"]
            .as_str()
            .is_some_and(|s| s.starts_with("whsec_"))
    );
    assert_eq!(created["events"], json!(["ticket.created"]));
    assert_eq!(created["enabled"], true);
    let one = format!("{base}/{id}");
    let (status, got) = s.call(&t.owner, Method::GET, &one, None).await;
    assert_eq!(status, 200);
    assert!(got.get("secret").is_none(), "{got}");
    let (status, list) = s.call(&t.owner, Method::GET, &base, None).await;
    assert_eq!(status, 200);
    assert_eq!(list["meta"]["total"], 1);
    assert!(list["data"][0].get("secret").is_none());
    let (status, _) = s.call(&t.member, Method::GET, &one, None).await;
    assert_eq!(status, 403);

    // Invalid input names its field.
    for (body, field) in [
        (json!({ "url": "not a url" }), "url"),
        (json!({ "url": "http://10.0.0.1/x" }), "url"),
        (
            json!({ "url": "https://hooks.example.com/in", "events": ["ticket.exploded"] }),
            "events",
        ),
        (json!({ "events": [] }), "url"),
    ] {
        let (status, b) = s.call(&t.owner, Method::POST, &base, Some(body)).await;
        assert_eq!(status, 422, "{b}");
        assert!(b["errors"][field].is_array(), "{field}: {b}");
    }
    let (status, b) = s
        .call(
            &t.owner,
            Method::POST,
            &format!("{one}/rotate-secret"),
            Some(json!({ "grace_seconds": -1 })),
        )
        .await;
    assert_eq!(status, 422, "{b}");

    // Another workspace: its endpoints are not found, neither through it nor through ours.
    let other_base = format!("/workspaces/{}/webhooks", t.other_ws);
    let (status, _) = s.call(&t.owner, Method::GET, &other_base, None).await;
    assert_eq!(status, 404);
    let (status, theirs) = s
        .call(
            &t.outsider,
            Method::POST,
            &other_base,
            Some(json!({ "url": "https://hooks.example.org/x" })),
        )
        .await;
    assert_eq!(status, 201);
    let their_id = theirs["id"].as_str().expect("id");
    for (m, path) in [
        (Method::GET, format!("{base}/{their_id}")),
        (Method::PATCH, format!("{base}/{their_id}")),
        (Method::DELETE, format!("{base}/{their_id}")),
        (Method::GET, format!("{base}/{their_id}/deliveries")),
        (Method::POST, format!("{base}/{their_id}/test")),
        (Method::POST, format!("{base}/{their_id}/rotate-secret")),
    ] {
        let body = (m == Method::PATCH).then(|| json!({ "enabled": false }));
        let (status, _) = s.call(&t.owner, m.clone(), &path, body).await;
        assert_eq!(status, 404, "{m} {path}");
    }

    // Rotation without a body, deliveries paginated, test, delete.
    let (status, rotated) = s
        .call(
            &t.owner,
            Method::POST,
            &format!("{one}/rotate-secret"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{rotated}");
    assert_ne!(rotated["secret"], created["secret"]);
    assert!(rotated["previous_secret_expires_at"].is_string());
    let (status, t1) = s
        .call(&t.owner, Method::POST, &format!("{one}/test"), None)
        .await;
    assert_eq!(status, 202, "{t1}");
    assert_eq!(t1["event_type"], "webhook.test");
    assert_eq!(t1["status"], "pending");
    let (status, page) = s
        .call(
            &t.owner,
            Method::GET,
            &format!("{one}/deliveries?page=1&per_page=10"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["meta"]["total"], 1);
    assert_eq!(page["meta"]["per_page"], 10);
    let (status, _) = s
        .call(
            &t.owner,
            Method::GET,
            &format!("{one}/deliveries?status=lost"),
            None,
        )
        .await;
    assert_eq!(status, 422);
    let (status, _) = s.call(&t.owner, Method::DELETE, &one, None).await;
    assert_eq!(status, 204);
    let (status, _) = s.call(&t.owner, Method::GET, &one, None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn every_kind_of_change_emits_its_event() {
    let env = Env::start(true, WebhookPolicy::default()).await;
    let (hook, secret) = env.hook(json!(["*"])).await;
    let owner_id = env.owner.id.clone();

    let (status, contact) = env
        .call(
            Method::POST,
            "/contacts",
            Some(json!({ "name": "Ada", "email": "ada@example.com" })),
        )
        .await;
    assert_eq!(status, 201, "{contact}");
    let contact_id = contact["id"].as_str().expect("id").to_owned();
    let (status, _) = env
        .call(
            Method::PATCH,
            &format!("/contacts/{contact_id}"),
            Some(json!({ "name": "Ada L." })),
        )
        .await;
    assert_eq!(status, 200);
    let (status, conv) = env
        .call(
            Method::POST,
            "/conversations",
            Some(json!({ "subject": "Lunch?" })),
        )
        .await;
    assert_eq!(status, 201, "{conv}");
    let conv_id = conv["id"].as_str().expect("id").to_owned();
    let (status, _) = env
        .call(
            Method::POST,
            &format!("/conversations/{conv_id}/messages"),
            Some(json!({ "body": "Noted", "internal": true })),
        )
        .await;
    assert_eq!(status, 201);
    let ticket = env.ticket("Everything").await;
    let (status, _) = env
        .call(
            Method::PATCH,
            &format!("/tickets/{ticket}"),
            Some(json!({ "agent_id": owner_id })),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = env
        .call(
            Method::POST,
            &format!("/tickets/{ticket}/messages"),
            Some(json!({ "body": "Internal note", "internal": true })),
        )
        .await;
    assert_eq!(status, 201);
    let (status, _) = env
        .call(
            Method::DELETE,
            &format!("/tickets/{ticket}/permanent"),
            None,
        )
        .await;
    assert_eq!(status, 204);
    env.drain().await;

    let mut types = env.rx.types();
    types.sort();
    let mut expected = vec![
        "contact.created",
        "contact.updated",
        "conversation.created",
        "conversation.message_created",
        "ticket.created",
        "ticket.updated",
        "ticket.assigned",
        "message.created",
        "ticket.deleted",
    ];
    expected.sort_unstable();
    assert_eq!(types, expected);
    let got = env.rx.got();
    assert!(got.iter().all(|g| integrator_accepts(&secret, g)));
    let by_type = |t: &str| {
        got.iter()
            .find(|g| g.event_type() == t)
            .map(Got::json)
            .expect("event")
    };
    assert_eq!(
        by_type("contact.updated")["data"]["contact"]["name"],
        "Ada L."
    );
    assert_eq!(by_type("ticket.assigned")["data"]["to"], owner_id.as_str());
    let note = by_type("message.created");
    assert_eq!(note["data"]["ticket_id"], ticket.as_str());
    assert_eq!(note["data"]["message"]["body_text"], "Internal note");
    assert_eq!(
        by_type("conversation.message_created")["data"]["conversation_id"],
        conv_id.as_str()
    );
    assert_eq!(
        by_type("ticket.deleted")["data"]["ticket"]["id"],
        ticket.as_str()
    );
    // The ticket's own events reached the endpoint in the order they happened.
    let ticket_events: Vec<String> = got
        .iter()
        .filter(|g| g.event_type().starts_with("ticket.") || g.event_type() == "message.created")
        .map(Got::event_type)
        .collect();
    assert_eq!(
        ticket_events,
        [
            "ticket.created",
            "ticket.updated",
            "ticket.assigned",
            "message.created",
            "ticket.deleted"
        ]
    );
    assert_eq!(env.deliveries(&hook).await.len(), 9);
}

#[tokio::test]
async fn mail_turned_into_a_ticket_and_a_threaded_reply_emit_their_events() {
    let env = Env::start(true, WebhookPolicy::default()).await;
    env.support_address().await;
    env.hook(json!(["ticket.created", "message.created"])).await;
    let res = env.post_mail(
        "From: Bob <bob@example.com>\r\nTo: support@acme.test\r\nSubject: Broken printer\r\n\
         Message-ID: <first@example.com>\r\nDate: Mon, 2 Mar 2026 10:00:00 +0000\r\n\r\nIt is on fire.\r\n",
    )
    .await;
    assert_eq!(res.status().as_u16(), 202);
    env.drain().await;
    let res = env.post_mail(
        "From: Bob <bob@example.com>\r\nTo: support@acme.test\r\nSubject: Re: Broken printer\r\n\
         Message-ID: <second@example.com>\r\nIn-Reply-To: <first@example.com>\r\n\
         References: <first@example.com>\r\nDate: Mon, 2 Mar 2026 10:05:00 +0000\r\n\r\nStill burning.\r\n",
    )
    .await;
    assert_eq!(res.status().as_u16(), 202);
    env.drain().await;

    assert_eq!(
        env.rx.types(),
        ["ticket.created", "message.created", "message.created"]
    );
    let got = env.rx.got();
    let ticket = got[0].json()["data"]["ticket"]["id"].clone();
    assert_eq!(got[0].json()["data"]["ticket"]["subject"], "Broken printer");
    for g in &got[1..] {
        assert_eq!(g.json()["data"]["ticket_id"], ticket);
        assert_eq!(g.json()["data"]["message"]["kind"], "inbound");
    }
}

#[tokio::test]
async fn redirects_are_not_followed_and_responses_are_cut() {
    let env = Env::start(true, WebhookPolicy::default()).await;
    let (hook, _) = env.hook(json!(["ticket.created"])).await;
    env.rx.then(&[Reply::Redirect, Reply::Huge]);
    env.ticket("Moved away").await;
    env.drain().await;
    assert_eq!(env.rx.got().len(), 1, "the redirect was not followed");
    env.later().await;
    assert_eq!(env.rx.got().len(), 2);
    let log = env.deliveries(&hook).await;
    let attempts = log[0]["attempt_log"].as_array().expect("attempts");
    assert_eq!(attempts[0]["response_status"], 302);
    assert_eq!(log[0]["status"], "succeeded");
    assert_eq!(attempts[1]["response_status"], 200);
    let kept = attempts[1]["response_body"].as_str().expect("body");
    assert_eq!(kept.len(), gopimi_core::webhooks::RESPONSE_EXCERPT_MAX);
}

#[tokio::test]
async fn a_lost_job_does_not_hold_a_tickets_later_events_back_for_good() {
    use gopimi_core::store::{Kind, Query, StoreExt, Writes};
    let env = Env::start(true, WebhookPolicy::default()).await;
    let (hook, _) = env.hook(json!([])).await;
    let a = env.ticket("First").await;
    env.set_status(&a, "pending").await;
    // Every delivery job is lost before it ran (say, dead-lettered while the store was down).
    let jobs: Vec<gopimi_core::model::Job> = env
        .s
        .store
        .find(&Query::new(Kind::Job, None).limit(100))
        .await
        .expect("jobs");
    let mut w = Writes::new();
    let mut lost = 0;
    for j in jobs.iter().filter(|j| j.queue == "webhook.deliver") {
        w.delete(j);
        lost += 1;
    }
    assert!(lost >= 2, "the ticket's events were queued");
    w.apply(env.s.store.as_ref()).await.expect("lose the jobs");
    // A later event arrives; its delivery finds the earlier ones overdue and revives them.
    env.set_status(&a, "resolved").await;
    env.drain().await;
    env.clock.advance(Duration::minutes(16));
    // Each turn of the waiting delivery revives the overdue head of line, one at a time.
    for _ in 0..6 {
        env.later().await;
    }
    let types: Vec<String> = env.rx.types();
    assert_eq!(
        types.first().map(String::as_str),
        Some("ticket.created"),
        "the oldest event first: {types:?}"
    );
    assert_eq!(
        types
            .iter()
            .filter(|t| *t == "ticket.status_changed")
            .count(),
        2,
        "pending, then resolved: {types:?}"
    );
    assert!(
        env.deliveries(&hook)
            .await
            .iter()
            .all(|d| d["status"] == "succeeded"),
        "every delivery went out"
    );
}

#[tokio::test]
async fn spam_stays_out_until_an_agent_takes_it_out_of_spam() {
    let env = Env::start(true, WebhookPolicy::default()).await;
    env.support_address().await;
    let (status, blocked) = env
        .call(
            Method::POST,
            "/blocked-senders",
            Some(json!({ "email": "spammer@example.com" })),
        )
        .await;
    assert_eq!(status, 201, "{blocked}");
    // (The pipeline records the sender as a contact before it decides on spam; contact events
    // are not what this test is about.)
    env.hook(json!([
        "ticket.created",
        "ticket.updated",
        "message.created"
    ]))
    .await;
    for mail in [
        "From: spammer@example.com\r\nTo: support@acme.test\r\nSubject: Cheap pills\r\nMessage-ID: <s1@example.com>\r\n\r\nBuy now.\r\n",
        "From: spammer@example.com\r\nTo: support@acme.test\r\nSubject: Re: Cheap pills\r\nMessage-ID: <s2@example.com>\r\nIn-Reply-To: <s1@example.com>\r\n\r\nStill cheap.\r\n",
    ] {
        assert_eq!(env.post_mail(mail).await.status().as_u16(), 202);
        env.drain().await;
    }
    assert!(
        env.rx.types().is_empty(),
        "spam emits nothing: {:?}",
        env.rx.types()
    );

    // An agent decides it is not spam: integrators hear of the ticket now.
    let (_, spam) = env.call(Method::GET, "/tickets/spam", None).await;
    let ticket = spam["data"][0]["id"]
        .as_str()
        .expect("the spam ticket")
        .to_owned();
    let (status, body) = env
        .call(Method::DELETE, &format!("/tickets/{ticket}/spam"), None)
        .await;
    assert!(status == 200 || status == 204, "{status} {body}");
    env.drain().await;
    let got = env.rx.got();
    assert_eq!(env.rx.types(), ["ticket.updated"]);
    assert_eq!(got[0].json()["data"]["ticket"]["spam"], false);
}
