//! Canned responses: reply templates, searchable by name.

use crate::ids::{CannedResponseId, UserId, WorkspaceId};
use crate::search;
use crate::store::{Entity, Kind, Value};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A canned response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CannedResponse {
    pub id: CannedResponseId,
    pub workspace_id: WorkspaceId,
    pub name: String,
    pub body: String,
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default)]
    pub version: u64,
}

impl Entity for CannedResponse {
    const KIND: Kind = Kind::CannedResponse;
    const NAME: &'static str = "canned response";
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
        // Searchable by name, as the product documents say.
        Some(search::normalize([self.name.as_str()]))
    }
}
