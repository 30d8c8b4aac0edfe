//! A stored inbound email: written (with its raw bytes in the blob store) before the provider's
//! webhook is acknowledged, then processed by a job. Its status says what became of it.

use crate::ids::{ConversationId, InboundId, MessageId, TicketId};
use crate::store::{Entity, Kind, Value};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What became of an inbound item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InboundStatus {
    /// Stored, waiting for processing.
    Pending,
    /// Became (or was already) a message.
    Processed,
    /// Deliberately not turned into anything (unknown recipient, our own mail, ...).
    Skipped,
    /// Processing failed permanently; `reason` says why.
    Failed,
}

impl InboundStatus {
    /// API name.
    pub fn as_str(self) -> &'static str {
        match self {
            InboundStatus::Pending => "pending",
            InboundStatus::Processed => "processed",
            InboundStatus::Skipped => "skipped",
            InboundStatus::Failed => "failed",
        }
    }
}

/// An inbound item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboundItem {
    pub id: InboundId,
    /// Set once routed.
    pub workspace_id: Option<Uuid>,
    /// `raw`, `mailgun`, ...
    pub provider: String,
    /// Provider-unique id of the delivery (e.g. Mailgun's token or storage key); redelivery of
    /// the same key is recognized before anything else happens.
    pub provider_key: Option<String>,
    /// Envelope recipient.
    pub recipient: String,
    /// Envelope sender, if known.
    pub sender: Option<String>,
    /// Key of the raw RFC 5322 bytes in the blob store.
    pub blob_key: String,
    pub size: u64,
    /// The provider said it is spam.
    #[serde(default)]
    pub provider_spam: bool,
    #[serde(default)]
    pub spam_score: Option<f64>,
    pub status: InboundStatus,
    pub reason: Option<String>,
    pub ticket_id: Option<TicketId>,
    pub conversation_id: Option<ConversationId>,
    pub message_id: Option<MessageId>,
    pub received_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default)]
    pub version: u64,
}

impl Entity for InboundItem {
    const KIND: Kind = Kind::InboundItem;
    const NAME: &'static str = "inbound item";
    fn id(&self) -> Uuid {
        self.id.0
    }
    fn workspace_id(&self) -> Option<Uuid> {
        self.workspace_id
    }
    versioned!();
    fn fields(&self) -> Vec<Value> {
        vec![
            self.provider_key
                .as_deref()
                .map(|k| crate::search::exact_key(&format!("{}:{k}", self.provider)))
                .into(),
            self.status.as_str().into(),
            self.received_at.into(),
            self.created_at.into(),
        ]
    }
}
