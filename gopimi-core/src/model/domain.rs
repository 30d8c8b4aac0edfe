//! Custom sending/receiving domains and the DNS records the provider asks for.

use crate::ids::{DomainId, WorkspaceId};
use crate::store::{Entity, Kind, Value};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Verification state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DomainState {
    Unverified,
    Active,
    Disabled,
}

/// One DNS record to publish.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnsRecord {
    /// `sending` or `receiving`.
    pub purpose: String,
    /// `TXT`, `MX`, `CNAME`.
    pub record_type: String,
    pub name: String,
    pub value: String,
    #[serde(default)]
    pub priority: Option<u16>,
    /// `valid`, `unknown`, ... as the provider reports.
    #[serde(default)]
    pub valid: Option<String>,
}

/// A domain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Domain {
    pub id: DomainId,
    pub workspace_id: WorkspaceId,
    /// Lower-case domain name, unique across workspaces.
    pub name: String,
    pub state: DomainState,
    #[serde(default)]
    pub dns_records: Vec<DnsRecord>,
    pub verified_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default)]
    pub version: u64,
}

impl Entity for Domain {
    const KIND: Kind = Kind::Domain;
    const NAME: &'static str = "domain";
    fn id(&self) -> Uuid {
        self.id.0
    }
    fn workspace_id(&self) -> Option<Uuid> {
        Some(self.workspace_id.0)
    }
    versioned!();
    fn fields(&self) -> Vec<Value> {
        vec![
            crate::search::exact_key(&self.name.to_ascii_lowercase()).into(),
            self.created_at.into(),
        ]
    }
}
