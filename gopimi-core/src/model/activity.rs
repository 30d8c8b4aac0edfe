//! The activity log: one entry per change to a ticket or conversation, written in the same
//! atomic write as the change.

use crate::ids::{ActivityId, ContactId, ConversationId, TicketId, UserId, WorkspaceId};
use crate::store::{Entity, Kind, Value};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What the entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum ActivitySubject {
    Ticket(TicketId),
    Conversation(ConversationId),
}

/// Who caused it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum Actor {
    User(UserId),
    Contact(ContactId),
    System,
}

impl Actor {
    /// The user, if a user acted.
    pub fn user_id(&self) -> Option<UserId> {
        match self {
            Actor::User(u) => Some(*u),
            _ => None,
        }
    }
}

/// An activity entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Activity {
    pub id: ActivityId,
    pub workspace_id: WorkspaceId,
    pub subject: ActivitySubject,
    pub actor: Actor,
    /// e.g. `created`, `status_changed`, `priority_changed`, `assigned`, `tagged`, `note_added`.
    pub action: String,
    /// Old and new values and any detail, as JSON.
    #[serde(default)]
    pub details: serde_json::Value,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub version: u64,
}

impl Entity for Activity {
    const KIND: Kind = Kind::Activity;
    const NAME: &'static str = "activity";
    fn id(&self) -> Uuid {
        self.id.0
    }
    fn workspace_id(&self) -> Option<Uuid> {
        Some(self.workspace_id.0)
    }
    versioned!();
    fn fields(&self) -> Vec<Value> {
        let (t, c) = match self.subject {
            ActivitySubject::Ticket(t) => (Some(t.0), None),
            ActivitySubject::Conversation(c) => (None, Some(c.0)),
        };
        vec![
            t.into(),
            c.into(),
            self.actor.user_id().map(|u| u.0).into(),
            crate::search::truncate(&self.action, 64).into(),
            self.created_at.into(),
        ]
    }
}
