//! A contact: a person who writes to the workspace. Matched by exact address.

use super::mailbox::normalize_email;
use crate::ids::{ContactId, OrganizationId, WorkspaceId};
use crate::search;
use crate::store::{Entity, Kind, Value};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A contact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    pub id: ContactId,
    pub workspace_id: WorkspaceId,
    pub name: String,
    /// As given; unique per workspace case-insensitively.
    pub email: String,
    #[serde(default)]
    pub phone: Option<String>,
    pub organization_id: Option<OrganizationId>,
    #[serde(default)]
    pub notes: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default)]
    pub version: u64,
}

impl Entity for Contact {
    const KIND: Kind = Kind::Contact;
    const NAME: &'static str = "contact";
    fn id(&self) -> Uuid {
        self.id.0
    }
    fn workspace_id(&self) -> Option<Uuid> {
        Some(self.workspace_id.0)
    }
    versioned!();
    fn fields(&self) -> Vec<Value> {
        vec![
            search::exact_key(&normalize_email(&self.email)).into(),
            search::sort_key(&self.name).into(),
            self.organization_id.map(|o| o.0).into(),
            self.created_at.into(),
            self.updated_at.into(),
        ]
    }
    fn search_text(&self) -> Option<String> {
        Some(search::normalize([
            self.name.as_str(),
            self.email.as_str(),
            self.phone.as_deref().unwrap_or(""),
        ]))
    }
}
