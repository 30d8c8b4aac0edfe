//! Membership of a user in a workspace, with a role.

use crate::ids::{MembershipId, UserId, WorkspaceId};
use crate::store::{Entity, Kind, Value};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::str::FromStr;
use uuid::Uuid;

/// What a member may do. Owners manage members, settings, SLA policies, emails, domains and
/// webhooks, and delete permanently; members work tickets, contacts, tags and canned responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Owner,
    Member,
}

impl Role {
    /// API name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Member => "member",
        }
    }
}

impl FromStr for Role {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "owner" => Ok(Role::Owner),
            "member" => Ok(Role::Member),
            other => Err(crate::Error::validation(
                "role",
                format!("unknown role '{other}' (expected owner or member)"),
            )),
        }
    }
}

/// A user's membership in a workspace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Membership {
    pub id: MembershipId,
    pub workspace_id: WorkspaceId,
    pub user_id: UserId,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub version: u64,
}

impl Entity for Membership {
    const KIND: Kind = Kind::Membership;
    const NAME: &'static str = "member";
    fn id(&self) -> Uuid {
        self.id.0
    }
    fn workspace_id(&self) -> Option<Uuid> {
        Some(self.workspace_id.0)
    }
    versioned!();
    fn fields(&self) -> Vec<Value> {
        vec![
            self.user_id.0.into(),
            self.role.as_str().into(),
            self.created_at.into(),
        ]
    }
}
