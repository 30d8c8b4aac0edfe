//! Workspace emails: the addresses a workspace receives and sends on, and what inbound mail to
//! them becomes (its purpose).

use super::mailbox::normalize_email;
use crate::ids::{DomainId, UserId, WorkspaceEmailId, WorkspaceId};
use crate::search;
use crate::store::{Entity, Kind, Value};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::str::FromStr;
use uuid::Uuid;

/// What inbound mail to an address becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// Tickets.
    Ticket,
    /// Conversations: shared, or personal when the email has a user.
    Inbox,
}

impl Purpose {
    /// API name.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Ticket => "ticket",
            Purpose::Inbox => "inbox",
        }
    }
}

impl FromStr for Purpose {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "ticket" => Ok(Purpose::Ticket),
            "inbox" => Ok(Purpose::Inbox),
            other => Err(crate::Error::validation(
                "purpose",
                format!("unknown purpose '{other}' (expected ticket or inbox)"),
            )),
        }
    }
}

/// A workspace email.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceEmail {
    pub id: WorkspaceEmailId,
    pub workspace_id: WorkspaceId,
    /// Unique across all workspaces, case-insensitively.
    pub address: String,
    /// Display name used in From.
    #[serde(default)]
    pub display_name: Option<String>,
    pub purpose: Purpose,
    /// Set for a personal inbox.
    pub user_id: Option<UserId>,
    pub can_send: bool,
    pub can_receive: bool,
    /// An address on the platform domain that the customer's own mailbox forwards to.
    pub forwarding_address: Option<String>,
    pub domain_id: Option<DomainId>,
    #[serde(default)]
    pub verified: bool,
    #[serde(default)]
    pub verification_code: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default)]
    pub version: u64,
}

impl Entity for WorkspaceEmail {
    const KIND: Kind = Kind::WorkspaceEmail;
    const NAME: &'static str = "email";
    fn id(&self) -> Uuid {
        self.id.0
    }
    fn workspace_id(&self) -> Option<Uuid> {
        Some(self.workspace_id.0)
    }
    versioned!();
    fn fields(&self) -> Vec<Value> {
        vec![
            search::exact_key(&normalize_email(&self.address)).into(),
            self.forwarding_address
                .as_deref()
                .map(|a| search::exact_key(&normalize_email(a)))
                .into(),
            self.purpose.as_str().into(),
            self.user_id.map(|u| u.0).into(),
            self.domain_id.map(|d| d.0).into(),
            self.can_send.into(),
            self.can_receive.into(),
            self.created_at.into(),
        ]
    }
}
