//! Notification emails as jobs: one `mail.notify` job per recipient, written in the same
//! atomic batch as the change that causes it, so an email is never sent for a change that did
//! not commit and never lost for one that did.
//!
//! The payload names what happened, not what the email says: the handler renders it when it
//! runs, reading the ticket or conversation then, and checks again that the recipient is still
//! a member who wants this event (an unsubscribe in between is honoured).

use super::audience::Audience;
use super::recipients::{Notice, recipients};
use crate::error::Result;
use crate::ids::{ConversationId, MessageId, TicketId, UserId, WorkspaceId};
use crate::jobs::job;
use crate::model::{Actor, Job, NotificationEvent};
use crate::store::Store;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The queue of notification emails.
pub const NOTIFY_QUEUE: &str = "mail.notify";

/// The payload of a `mail.notify` job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifyPayload {
    pub workspace_id: WorkspaceId,
    /// The member to email.
    pub user_id: UserId,
    pub event: NotificationEvent,
    #[serde(default)]
    pub ticket_id: Option<TicketId>,
    #[serde(default)]
    pub conversation_id: Option<ConversationId>,
    /// The inbound message, for replies and conversation messages.
    #[serde(default)]
    pub message_id: Option<MessageId>,
    /// Event details: `{"from", "to"}` statuses for a status change; `{"event_type", "due_at"}`
    /// for an SLA warning or breach.
    #[serde(default)]
    pub detail: serde_json::Value,
    pub occurred_at: DateTime<Utc>,
}

/// The jobs to add to the batch of the change behind `notice`, given the workspace's audience.
pub fn jobs_for(
    notice: &Notice<'_>,
    audience: &Audience,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<Vec<Job>> {
    let users = recipients(notice, audience, actor);
    if users.is_empty() {
        return Ok(Vec::new());
    }
    let (ticket_id, conversation_id, message_id, detail) = match notice {
        Notice::TicketAssigned { ticket } => (Some(ticket.id), None, None, serde_json::Value::Null),
        Notice::TicketReply { ticket, message } => (
            Some(ticket.id),
            None,
            Some(message.id),
            serde_json::Value::Null,
        ),
        Notice::ConversationMessage {
            conversation,
            message,
        } => (
            None,
            Some(conversation.id),
            Some(message.id),
            serde_json::Value::Null,
        ),
        Notice::TicketStatusChanged { ticket, from } => (
            Some(ticket.id),
            None,
            None,
            serde_json::json!({ "from": from, "to": ticket.status }),
        ),
        Notice::Sla { ticket, event } => (
            Some(ticket.id),
            None,
            None,
            serde_json::json!({ "event_type": event.event_type, "due_at": event.due_at }),
        ),
    };
    let workspace_id = notice.workspace_id();
    users
        .into_iter()
        .map(|user_id| {
            let payload = NotifyPayload {
                workspace_id,
                user_id,
                event: notice.event(),
                ticket_id,
                conversation_id,
                message_id,
                detail: detail.clone(),
                occurred_at: now,
            };
            job(NOTIFY_QUEUE, &payload, Some(workspace_id.0), now)
        })
        .collect()
}

/// The jobs to add to the batch of the change behind `notice`, reading the workspace's
/// audience first. Add each to the change's `Writes` with `insert`.
pub async fn notification_jobs(
    store: &dyn Store,
    notice: &Notice<'_>,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<Vec<Job>> {
    if notice.suppressed() {
        return Ok(Vec::new());
    }
    let audience = Audience::load(store, notice.workspace_id()).await?;
    jobs_for(notice, &audience, actor, now)
}
