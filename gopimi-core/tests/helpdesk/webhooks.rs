//! Webhooks through the facade, as an embedding app uses them: owners manage endpoints, changes
//! queue deliveries in their own batch, and the job runner sends them through whatever
//! transport the app plugs in (a recording fake here).

use crate::common::{env, invalid_field};
use async_trait::async_trait;
use gopimi_core::Error;
use gopimi_core::clock::SystemClock;
use gopimi_core::jobs::JobRunner;
use gopimi_core::mail::recording::RecordingSender;
use gopimi_core::model::{Role, WebhookDeliveryStatus};
use gopimi_core::service::{NewTicket, NewWebhook, PageRequest, WebhookPatch};
use gopimi_core::webhooks::signing::verify;
use gopimi_core::webhooks::{
    SendFailure, WebhookPolicy, WebhookRequest, WebhookResponse, WebhookTransport, with_webhooks,
};
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct Recorder(Mutex<Vec<WebhookRequest>>);

#[async_trait]
impl WebhookTransport for Recorder {
    async fn send(&self, request: &WebhookRequest) -> Result<WebhookResponse, SendFailure> {
        self.0.lock().expect("lock").push(request.clone());
        Ok(WebhookResponse {
            status: 200,
            body: b"ok".to_vec(),
        })
    }
}

fn header<'a>(r: &'a WebhookRequest, name: &str) -> &'a str {
    r.headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_default()
}

#[tokio::test]
async fn owners_manage_endpoints_and_changes_are_delivered_signed() {
    let e = env().await;
    let (_, member) = e.member("Max Member", Role::Member).await;
    let new = || NewWebhook {
        events: vec!["ticket.created".into()],
        ..NewWebhook::new("https://hooks.example.com/in")
    };
    assert!(matches!(
        e.desk.create_webhook(&member, e.ws, new()).await,
        Err(Error::Forbidden { .. })
    ));
    assert_eq!(
        invalid_field(
            e.desk
                .create_webhook(&e.owner, e.ws, NewWebhook::new("http://192.168.0.10/"))
                .await
        ),
        "url"
    );
    let created = e
        .desk
        .create_webhook(&e.owner, e.ws, new())
        .await
        .expect("create");
    assert!(created.secret.starts_with("whsec_"));

    e.desk
        .create_ticket(&e.owner, e.ws, NewTicket::new("Hello"))
        .await
        .expect("ticket");
    let transport = Arc::new(Recorder::default());
    let runner = with_webhooks(
        JobRunner::new(e.store.clone(), Arc::new(SystemClock), "test"),
        e.store.clone(),
        Arc::new(SystemClock),
        transport.clone(),
        Arc::new(RecordingSender::new()),
        "notifications@example.net",
        WebhookPolicy::default(),
    );
    runner.drain(10).await.expect("drain");
    let sent = transport.0.lock().expect("lock").clone();
    assert_eq!(sent.len(), 1);
    let r = &sent[0];
    let ts: i64 = header(r, "webhook-timestamp").parse().expect("timestamp");
    assert!(verify(
        &created.secret,
        header(r, "webhook-id"),
        ts,
        &r.body,
        header(r, "webhook-signature")
    ));
    let page = e
        .desk
        .list_webhook_deliveries(
            &e.owner,
            e.ws,
            created.webhook.id,
            None,
            PageRequest::default(),
        )
        .await
        .expect("deliveries");
    assert_eq!(page.total, 1);
    assert_eq!(page.items[0].status, WebhookDeliveryStatus::Succeeded);

    // Disabled: changes queue nothing for it.
    e.desk
        .update_webhook(
            &e.owner,
            e.ws,
            created.webhook.id,
            WebhookPatch {
                enabled: Some(false),
                ..WebhookPatch::default()
            },
        )
        .await
        .expect("disable");
    e.desk
        .create_ticket(&e.owner, e.ws, NewTicket::new("Quiet"))
        .await
        .expect("ticket");
    runner.drain(10).await.expect("drain");
    assert_eq!(transport.0.lock().expect("lock").len(), 1);
}
