//! A conversation in the shared inbox (visible to all members) or a personal inbox (owner set,
//! visible to its owner). Lighter than a ticket: no priority, no SLA.

use crate::ids::{ContactId, ConversationId, TagId, UserId, WorkspaceEmailId, WorkspaceId};
use crate::search;
use crate::store::{Entity, Kind, Value};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::str::FromStr;
use uuid::Uuid;

/// A conversation's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationStatus {
    Open,
    Closed,
}

impl ConversationStatus {
    /// API name.
    pub fn as_str(self) -> &'static str {
        match self {
            ConversationStatus::Open => "open",
            ConversationStatus::Closed => "closed",
        }
    }
    /// Sort rank.
    pub fn rank(self) -> i64 {
        match self {
            ConversationStatus::Open => 0,
            ConversationStatus::Closed => 1,
        }
    }
}

impl FromStr for ConversationStatus {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "open" => Ok(ConversationStatus::Open),
            "closed" => Ok(ConversationStatus::Closed),
            other => Err(crate::Error::validation(
                "status",
                format!("unknown status '{other}' (expected open or closed)"),
            )),
        }
    }
}

/// A conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    pub id: ConversationId,
    pub workspace_id: WorkspaceId,
    pub subject: String,
    pub status: ConversationStatus,
    /// Set for personal conversations: only this user sees it.
    pub owner_id: Option<UserId>,
    pub agent_id: Option<UserId>,
    pub contact_id: Option<ContactId>,
    pub workspace_email_id: Option<WorkspaceEmailId>,
    #[serde(default)]
    pub tag_ids: Vec<TagId>,
    #[serde(default)]
    pub spam: bool,
    #[serde(default)]
    pub deleted_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub contact_search: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_activity_at: DateTime<Utc>,
    #[serde(default)]
    pub version: u64,
}

impl Entity for Conversation {
    const KIND: Kind = Kind::Conversation;
    const NAME: &'static str = "conversation";
    fn id(&self) -> Uuid {
        self.id.0
    }
    fn workspace_id(&self) -> Option<Uuid> {
        Some(self.workspace_id.0)
    }
    versioned!();
    fn fields(&self) -> Vec<Value> {
        vec![
            self.status.as_str().into(),
            self.status.rank().into(),
            self.owner_id.map(|u| u.0).into(),
            self.agent_id.map(|u| u.0).into(),
            self.contact_id.map(|c| c.0).into(),
            self.workspace_email_id.map(|e| e.0).into(),
            search::sort_key(&self.subject).into(),
            self.spam.into(),
            self.deleted_at.into(),
            self.created_at.into(),
            self.updated_at.into(),
            self.last_activity_at.into(),
        ]
    }
    fn sets(&self) -> Vec<Vec<Uuid>> {
        vec![self.tag_ids.iter().map(|t| t.0).collect()]
    }
    fn search_text(&self) -> Option<String> {
        Some(search::normalize([
            self.subject.as_str(),
            self.contact_search.as_str(),
        ]))
    }
}
