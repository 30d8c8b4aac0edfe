//! Outbound webhook endpoints and their deliveries (the rules are [`crate::webhooks`]').

use crate::ids::{WebhookDeliveryId, WebhookId, WorkspaceId};
use crate::store::{Entity, Kind, Value};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An endpoint that receives events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Webhook {
    pub id: WebhookId,
    pub workspace_id: WorkspaceId,
    pub url: String,
    /// Event types; empty means all.
    #[serde(default)]
    pub events: Vec<String>,
    pub enabled: bool,
    /// `whsec_` + base64 of the signing key. Never shown after creation or rotation.
    pub secret: String,
    /// The previous secret during a rotation's grace period, and when that ends.
    #[serde(default)]
    pub previous_secret: Option<String>,
    #[serde(default)]
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    /// Why the endpoint was disabled automatically (cleared when the owner enables it again).
    #[serde(default)]
    pub disabled_reason: Option<String>,
    /// Failed attempts in a row, across deliveries (a success resets it).
    #[serde(default)]
    pub consecutive_failures: u32,
    /// When the current run of failures started.
    #[serde(default)]
    pub failing_since: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default)]
    pub version: u64,
}

impl Webhook {
    /// The secrets to sign with at `now`: the current one, then the previous one while its
    /// grace period lasts (receivers accept either signature).
    pub fn signing_secrets(&self, now: DateTime<Utc>) -> Vec<&str> {
        let mut s = vec![self.secret.as_str()];
        if let (Some(prev), Some(until)) = (&self.previous_secret, self.previous_secret_expires_at)
            && now < until
        {
            s.push(prev.as_str());
        }
        s
    }

    /// Whether the endpoint wants an event type (the test event goes to every endpoint).
    pub fn wants(&self, event_type: &str) -> bool {
        self.events.is_empty()
            || self.events.iter().any(|e| e == event_type || e == "*")
            || event_type == crate::webhooks::TEST_EVENT
    }
}

impl Entity for Webhook {
    const KIND: Kind = Kind::Webhook;
    const NAME: &'static str = "webhook";
    fn id(&self) -> Uuid {
        self.id.0
    }
    fn workspace_id(&self) -> Option<Uuid> {
        Some(self.workspace_id.0)
    }
    versioned!();
    fn fields(&self) -> Vec<Value> {
        vec![self.enabled.into(), self.created_at.into()]
    }
}

/// State of one delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookDeliveryStatus {
    /// Not yet sent, or failed and waiting for its next attempt.
    Pending,
    /// The endpoint answered 2xx.
    Succeeded,
    /// Given up: retries exhausted, address refused, or endpoint disabled.
    Failed,
}

impl WebhookDeliveryStatus {
    /// API name.
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookDeliveryStatus::Pending => "pending",
            WebhookDeliveryStatus::Succeeded => "succeeded",
            WebhookDeliveryStatus::Failed => "failed",
        }
    }
}

/// One attempt of a delivery, as the delivery log shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookAttempt {
    /// 1-based.
    pub attempt: u32,
    pub at: DateTime<Utc>,
    /// The URL and the headers sent (the signature included: it is useless without the body's
    /// exact bytes and the timestamp, which it covers).
    pub request_url: String,
    pub request_headers: Vec<(String, String)>,
    pub response_status: Option<u16>,
    /// The first bytes of the response body.
    pub response_body: Option<String>,
    pub duration_ms: u64,
    /// Why it failed without a status (timeout, connection refused, address refused).
    pub error: Option<String>,
}

/// One event sent (or to be sent) to one endpoint, with its attempt log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookDelivery {
    pub id: WebhookDeliveryId,
    pub workspace_id: WorkspaceId,
    pub webhook_id: WebhookId,
    /// The event id (`webhook-id` header); the same across retries and redeliveries, so
    /// receivers can deduplicate.
    pub event_id: String,
    pub event_type: String,
    /// The JSON body sent.
    pub payload: serde_json::Value,
    pub status: WebhookDeliveryStatus,
    pub attempts: u32,
    pub response_status: Option<u16>,
    /// First bytes of the response body.
    pub response_body: Option<String>,
    pub duration_ms: Option<u64>,
    pub last_error: Option<String>,
    /// Deliveries with the same key to the same endpoint are sent one at a time, oldest first
    /// (e.g. `ticket:<id>`: a ticket's events arrive in the order they happened).
    #[serde(default)]
    pub order_key: Option<String>,
    /// When the next attempt is due (while pending).
    #[serde(default)]
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The latest attempts, oldest first (at most [`crate::webhooks::ATTEMPT_LOG_MAX`]).
    #[serde(default)]
    pub attempt_log: Vec<WebhookAttempt>,
    /// The delivery this one re-sends, for a redelivery.
    #[serde(default)]
    pub redelivery_of: Option<WebhookDeliveryId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default)]
    pub version: u64,
}

impl Entity for WebhookDelivery {
    const KIND: Kind = Kind::WebhookDelivery;
    const NAME: &'static str = "webhook delivery";
    fn id(&self) -> Uuid {
        self.id.0
    }
    fn workspace_id(&self) -> Option<Uuid> {
        Some(self.workspace_id.0)
    }
    versioned!();
    fn fields(&self) -> Vec<Value> {
        vec![
            self.webhook_id.0.into(),
            self.status.as_str().into(),
            self.created_at.into(),
            self.order_key
                .as_deref()
                .map(|k| crate::search::truncate(k, 128))
                .into(),
        ]
    }
}
