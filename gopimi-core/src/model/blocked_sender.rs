//! Blocked senders: mail from these addresses goes straight to spam.

use super::mailbox::normalize_email;
use crate::ids::{BlockedSenderId, UserId, WorkspaceId};
use crate::store::{Entity, Kind, Value};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A blocked sender.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlockedSender {
    pub id: BlockedSenderId,
    pub workspace_id: WorkspaceId,
    pub email: String,
    #[serde(default)]
    pub reason: Option<String>,
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub version: u64,
}

impl Entity for BlockedSender {
    const KIND: Kind = Kind::BlockedSender;
    const NAME: &'static str = "blocked sender";
    fn id(&self) -> Uuid {
        self.id.0
    }
    fn workspace_id(&self) -> Option<Uuid> {
        Some(self.workspace_id.0)
    }
    versioned!();
    fn fields(&self) -> Vec<Value> {
        vec![
            crate::search::exact_key(&normalize_email(&self.email)).into(),
            self.created_at.into(),
        ]
    }
}
