//! A message on a ticket or conversation: an inbound email, an outbound reply, or an internal
//! note (never emailed, never visible to the customer).

use super::mailbox::Mailbox;
use crate::ids::{
    AttachmentId, ContactId, ConversationId, MessageId, TicketId, UserId, WorkspaceEmailId,
    WorkspaceId,
};
use crate::search;
use crate::store::{Entity, Kind, Value};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a message belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum Parent {
    Ticket(TicketId),
    Conversation(ConversationId),
}

/// What kind of message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// Received by email.
    Inbound,
    /// Written by an agent and sent by email.
    Outbound,
    /// Internal note: never leaves the workspace.
    Note,
}

impl MessageKind {
    /// API name.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Inbound => "inbound",
            MessageKind::Outbound => "outbound",
            MessageKind::Note => "note",
        }
    }
}

/// Delivery state of an outbound message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for the send job.
    Queued,
    /// Handed to the mail provider.
    Sent,
    /// The provider confirmed delivery to the recipient's server.
    Delivered,
    /// Temporarily failing; will retry.
    Deferred,
    /// Gave up (permanent failure or retries exhausted).
    Failed,
    /// The recipient marked it as spam.
    Complained,
}

impl DeliveryStatus {
    /// API name.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Queued => "queued",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Deferred => "deferred",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Complained => "complained",
        }
    }
}

/// Delivery facts of an outbound message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryState {
    pub status: DeliveryStatus,
    /// Why it failed or was deferred, in the provider's words.
    pub reason: Option<String>,
    /// The provider's id for the sent message (Mailgun's `id`).
    pub provider_message_id: Option<String>,
    pub attempts: u32,
    pub updated_at: DateTime<Utc>,
}

/// Why an inbound message landed where it did: threading that can be explained can be debugged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThreadMatch {
    /// Its In-Reply-To named a stored message.
    InReplyTo { message_id: String },
    /// One of its References named a stored message.
    References { message_id: String },
    /// Our signed reference in a Message-Id it replied to named the parent.
    SignedReference { message_id: String },
    /// A ticket token like `[#123]` in the subject.
    Token { number: i64 },
    /// The same normalized subject from the same contact on a recently active ticket.
    Subject { normalized: String },
    /// Nothing matched: a new ticket or conversation.
    New,
}

/// A message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub id: MessageId,
    pub workspace_id: WorkspaceId,
    pub parent: Parent,
    pub kind: MessageKind,
    /// The user who wrote it (outbound and notes).
    pub author_user_id: Option<UserId>,
    /// The contact who sent it (inbound).
    pub author_contact_id: Option<ContactId>,
    pub from: Option<Mailbox>,
    #[serde(default)]
    pub to: Vec<Mailbox>,
    #[serde(default)]
    pub cc: Vec<Mailbox>,
    #[serde(default)]
    pub subject: String,
    /// Plain text body (derived from HTML when the mail had none).
    pub body_text: String,
    /// Sanitized HTML body, if any.
    pub body_html: Option<String>,
    /// The part of `body_text` before quoted history, when it could be told apart.
    #[serde(default)]
    pub new_text: Option<String>,
    #[serde(default)]
    pub attachment_ids: Vec<AttachmentId>,
    /// RFC 5322 Message-ID without angle brackets.
    pub rfc_message_id: Option<String>,
    pub in_reply_to: Option<String>,
    #[serde(default)]
    pub references: Vec<String>,
    /// The workspace email it was sent from (outbound) or received on (inbound).
    pub sending_email_id: Option<WorkspaceEmailId>,
    /// Delivery state, for outbound messages.
    pub delivery: Option<DeliveryState>,
    /// How it was threaded, for inbound messages; and what was considered and rejected.
    pub thread_match: Option<ThreadMatch>,
    #[serde(default)]
    pub thread_notes: Vec<String>,
    /// An auto-reply, bounce or other machine-sent mail: never notifies, never answered.
    #[serde(default)]
    pub auto_submitted: bool,
    /// A delivery status notification (bounce) about one of our messages.
    #[serde(default)]
    pub bounce: bool,
    /// Provider id of the inbound delivery, for idempotency.
    pub provider_message_id: Option<String>,
    #[serde(default)]
    pub deleted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default)]
    pub version: u64,
}

impl Message {
    /// The ticket, if the message is on one.
    pub fn ticket_id(&self) -> Option<TicketId> {
        match self.parent {
            Parent::Ticket(t) => Some(t),
            Parent::Conversation(_) => None,
        }
    }

    /// The conversation, if the message is on one.
    pub fn conversation_id(&self) -> Option<ConversationId> {
        match self.parent {
            Parent::Conversation(c) => Some(c),
            Parent::Ticket(_) => None,
        }
    }
}

impl Entity for Message {
    const KIND: Kind = Kind::Message;
    const NAME: &'static str = "message";
    fn id(&self) -> Uuid {
        self.id.0
    }
    fn workspace_id(&self) -> Option<Uuid> {
        Some(self.workspace_id.0)
    }
    versioned!();
    fn fields(&self) -> Vec<Value> {
        vec![
            self.ticket_id().map(|t| t.0).into(),
            self.conversation_id().map(|c| c.0).into(),
            self.kind.as_str().into(),
            self.rfc_message_id.as_deref().map(search::exact_key).into(),
            self.provider_message_id
                .as_deref()
                .map(search::exact_key)
                .into(),
            self.delivery.as_ref().map(|d| d.status.as_str()).into(),
            self.deleted_at.into(),
            self.created_at.into(),
        ]
    }
    fn search_text(&self) -> Option<String> {
        Some(search::normalize([
            self.subject.as_str(),
            self.body_text.as_str(),
        ]))
    }
}
