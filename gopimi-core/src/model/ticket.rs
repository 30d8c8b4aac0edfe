//! A ticket: a customer request with a lifecycle (status, priority, agent, SLA).

use super::sla_policy::TicketSla;
use crate::ids::{ContactId, TagId, TicketId, UserId, WorkspaceEmailId, WorkspaceId};
use crate::search;
use crate::store::{Entity, Kind, Value};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

/// A ticket's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    Open,
    InProgress,
    Pending,
    Resolved,
    Closed,
}

impl TicketStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [TicketStatus; 5] = [
        TicketStatus::Open,
        TicketStatus::InProgress,
        TicketStatus::Pending,
        TicketStatus::Resolved,
        TicketStatus::Closed,
    ];

    /// API name.
    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::Open => "open",
            TicketStatus::InProgress => "in_progress",
            TicketStatus::Pending => "pending",
            TicketStatus::Resolved => "resolved",
            TicketStatus::Closed => "closed",
        }
    }

    /// Position in the lifecycle, for sorting.
    pub fn rank(self) -> i64 {
        match self {
            TicketStatus::Open => 0,
            TicketStatus::InProgress => 1,
            TicketStatus::Pending => 2,
            TicketStatus::Resolved => 3,
            TicketStatus::Closed => 4,
        }
    }

    /// Resolved or closed: the work is done (a customer reply reopens it).
    pub fn is_done(self) -> bool {
        matches!(self, TicketStatus::Resolved | TicketStatus::Closed)
    }
}

impl fmt::Display for TicketStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TicketStatus {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TicketStatus::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| {
                crate::Error::validation(
                    "status",
                    format!(
                        "unknown status '{s}' (expected open, in_progress, pending, resolved or closed)"
                    ),
                )
            })
    }
}

/// A ticket's priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    Medium,
    High,
    Urgent,
}

impl Priority {
    /// Every priority, lowest first.
    pub const ALL: [Priority; 4] = [
        Priority::Low,
        Priority::Medium,
        Priority::High,
        Priority::Urgent,
    ];

    /// API name.
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Medium => "medium",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }

    /// Sort rank: urgent highest.
    pub fn rank(self) -> i64 {
        match self {
            Priority::Low => 0,
            Priority::Medium => 1,
            Priority::High => 2,
            Priority::Urgent => 3,
        }
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Priority {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Priority::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| {
                crate::Error::validation(
                    "priority",
                    format!("unknown priority '{s}' (expected low, medium, high or urgent)"),
                )
            })
    }
}

/// A ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    pub id: TicketId,
    pub workspace_id: WorkspaceId,
    /// Per-workspace number, 1, 2, ...; shown to customers as `[#N]` in subjects.
    pub number: i64,
    pub subject: String,
    #[serde(default)]
    pub description: String,
    pub status: TicketStatus,
    pub priority: Priority,
    pub agent_id: Option<UserId>,
    pub contact_id: Option<ContactId>,
    /// The workspace email the ticket came in on (and replies go out from by default).
    pub workspace_email_id: Option<WorkspaceEmailId>,
    #[serde(default)]
    pub tag_ids: Vec<TagId>,
    #[serde(default)]
    pub sla: Option<TicketSla>,
    #[serde(default)]
    pub spam: bool,
    /// Set when moved to trash.
    #[serde(default)]
    pub deleted_at: Option<DateTime<Utc>>,
    /// Contact name and email at the time of the last write, kept for search.
    #[serde(default)]
    pub contact_search: String,
    pub first_response_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Last message or change; drives "recently active" threading and default sort.
    pub last_activity_at: DateTime<Utc>,
    #[serde(default)]
    pub version: u64,
}

impl Entity for Ticket {
    const KIND: Kind = Kind::Ticket;
    const NAME: &'static str = "ticket";
    fn id(&self) -> Uuid {
        self.id.0
    }
    fn workspace_id(&self) -> Option<Uuid> {
        Some(self.workspace_id.0)
    }
    versioned!();
    fn fields(&self) -> Vec<Value> {
        vec![
            self.number.into(),
            self.status.as_str().into(),
            self.status.rank().into(),
            self.priority.as_str().into(),
            self.priority.rank().into(),
            self.agent_id.map(|a| a.0).into(),
            self.contact_id.map(|c| c.0).into(),
            self.workspace_email_id.map(|e| e.0).into(),
            search::sort_key(&self.subject).into(),
            self.spam.into(),
            self.deleted_at.into(),
            self.created_at.into(),
            self.updated_at.into(),
            self.last_activity_at.into(),
            self.sla.as_ref().and_then(|s| s.next_check_at).into(),
        ]
    }
    fn sets(&self) -> Vec<Vec<Uuid>> {
        vec![self.tag_ids.iter().map(|t| t.0).collect()]
    }
    fn search_text(&self) -> Option<String> {
        let number = self.number.to_string();
        Some(search::normalize([
            number.as_str(),
            self.subject.as_str(),
            self.description.as_str(),
            self.contact_search.as_str(),
        ]))
    }
}
