//! Outbound webhook endpoints and their deliveries.

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
    /// `whsec_` + base64 of the signing key.
    pub secret: String,
    /// The previous secret during a rotation's grace period, and when that ends.
    #[serde(default)]
    pub previous_secret: Option<String>,
    #[serde(default)]
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub disabled_reason: Option<String>,
    #[serde(default)]
    pub consecutive_failures: u32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default)]
    pub version: u64,
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
    Pending,
    Succeeded,
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

/// One event sent (or to be sent) to one endpoint, with its attempt log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookDelivery {
    pub id: WebhookDeliveryId,
    pub workspace_id: WorkspaceId,
    pub webhook_id: WebhookId,
    /// The event id (`webhook-id` header); the same across redeliveries.
    pub event_id: String,
    pub event_type: String,
    pub payload: serde_json::Value,
    pub status: WebhookDeliveryStatus,
    pub attempts: u32,
    pub response_status: Option<u16>,
    /// First bytes of the response body.
    pub response_body: Option<String>,
    pub duration_ms: Option<u64>,
    pub last_error: Option<String>,
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
        ]
    }
}
