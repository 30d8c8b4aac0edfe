//! Notification preferences: five event types, toggled per member per workspace, on by default.

use crate::ids::{NotificationPreferenceId, UserId, WorkspaceId};
use crate::store::{Entity, Kind, Value};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::str::FromStr;
use uuid::Uuid;

/// The five notification events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationEvent {
    TicketAssigned,
    TicketReply,
    ConversationMessage,
    TicketStatusChanged,
    SlaBreach,
}

impl NotificationEvent {
    /// Every event.
    pub const ALL: [NotificationEvent; 5] = [
        NotificationEvent::TicketAssigned,
        NotificationEvent::TicketReply,
        NotificationEvent::ConversationMessage,
        NotificationEvent::TicketStatusChanged,
        NotificationEvent::SlaBreach,
    ];

    /// API name.
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationEvent::TicketAssigned => "ticket_assigned",
            NotificationEvent::TicketReply => "ticket_reply",
            NotificationEvent::ConversationMessage => "conversation_message",
            NotificationEvent::TicketStatusChanged => "ticket_status_changed",
            NotificationEvent::SlaBreach => "sla_breach",
        }
    }
}

impl FromStr for NotificationEvent {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        NotificationEvent::ALL
            .into_iter()
            .find(|e| e.as_str() == s)
            .ok_or_else(|| crate::Error::validation("event", format!("unknown event '{s}'")))
    }
}

/// One member's preferences in one workspace. A missing row means "all on".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotificationPreference {
    pub id: NotificationPreferenceId,
    pub workspace_id: WorkspaceId,
    pub user_id: UserId,
    pub ticket_assigned: bool,
    pub ticket_reply: bool,
    pub conversation_message: bool,
    pub ticket_status_changed: bool,
    pub sla_breach: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default)]
    pub version: u64,
}

impl NotificationPreference {
    /// All events on.
    pub fn defaults(workspace_id: WorkspaceId, user_id: UserId, now: DateTime<Utc>) -> Self {
        NotificationPreference {
            id: NotificationPreferenceId::new(),
            workspace_id,
            user_id,
            ticket_assigned: true,
            ticket_reply: true,
            conversation_message: true,
            ticket_status_changed: true,
            sla_breach: true,
            created_at: now,
            updated_at: now,
            version: 0,
        }
    }

    /// Whether an event is on.
    pub fn enabled(&self, e: NotificationEvent) -> bool {
        match e {
            NotificationEvent::TicketAssigned => self.ticket_assigned,
            NotificationEvent::TicketReply => self.ticket_reply,
            NotificationEvent::ConversationMessage => self.conversation_message,
            NotificationEvent::TicketStatusChanged => self.ticket_status_changed,
            NotificationEvent::SlaBreach => self.sla_breach,
        }
    }

    /// Turns an event on or off.
    pub fn set(&mut self, e: NotificationEvent, on: bool) {
        match e {
            NotificationEvent::TicketAssigned => self.ticket_assigned = on,
            NotificationEvent::TicketReply => self.ticket_reply = on,
            NotificationEvent::ConversationMessage => self.conversation_message = on,
            NotificationEvent::TicketStatusChanged => self.ticket_status_changed = on,
            NotificationEvent::SlaBreach => self.sla_breach = on,
        }
    }
}

impl Entity for NotificationPreference {
    const KIND: Kind = Kind::NotificationPreference;
    const NAME: &'static str = "notification preference";
    fn id(&self) -> Uuid {
        self.id.0
    }
    fn workspace_id(&self) -> Option<Uuid> {
        Some(self.workspace_id.0)
    }
    versioned!();
    fn fields(&self) -> Vec<Value> {
        vec![self.user_id.0.into(), self.created_at.into()]
    }
}
