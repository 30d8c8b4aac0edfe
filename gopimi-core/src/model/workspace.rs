//! A workspace: the unit of isolation. Every other row belongs to exactly one.

use super::plan::Plan;
use crate::ids::{UserId, WorkspaceId};
use crate::search;
use crate::store::{Entity, Kind, Value};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A workspace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Workspace {
    pub id: WorkspaceId,
    pub name: String,
    /// The user who created it; always an owner member.
    pub owner_id: UserId,
    pub plan: Plan,
    /// The last ticket number handed out; tickets are numbered 1, 2, ... per workspace.
    #[serde(default)]
    pub ticket_counter: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default)]
    pub version: u64,
}

impl Entity for Workspace {
    const KIND: Kind = Kind::Workspace;
    const NAME: &'static str = "workspace";
    fn id(&self) -> Uuid {
        self.id.0
    }
    fn workspace_id(&self) -> Option<Uuid> {
        None
    }
    versioned!();
    fn fields(&self) -> Vec<Value> {
        vec![
            self.owner_id.0.into(),
            search::sort_key(&self.name).into(),
            self.created_at.into(),
        ]
    }
    fn search_text(&self) -> Option<String> {
        Some(search::normalize([self.name.as_str()]))
    }
}
