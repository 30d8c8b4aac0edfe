//! An organization groups contacts of one company. A contact belongs to at most one.

use crate::ids::{OrganizationId, WorkspaceId};
use crate::search;
use crate::store::{Entity, Kind, Value};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An organization.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Organization {
    pub id: OrganizationId,
    pub workspace_id: WorkspaceId,
    /// Unique per workspace, case-insensitively.
    pub name: String,
    #[serde(default)]
    pub domain: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default)]
    pub version: u64,
}

impl Entity for Organization {
    const KIND: Kind = Kind::Organization;
    const NAME: &'static str = "organization";
    fn id(&self) -> Uuid {
        self.id.0
    }
    fn workspace_id(&self) -> Option<Uuid> {
        Some(self.workspace_id.0)
    }
    versioned!();
    fn fields(&self) -> Vec<Value> {
        vec![search::sort_key(&self.name).into(), self.created_at.into()]
    }
    fn search_text(&self) -> Option<String> {
        Some(search::normalize([
            self.name.as_str(),
            self.domain.as_deref().unwrap_or(""),
        ]))
    }
}
