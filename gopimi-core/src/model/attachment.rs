//! Attachments: metadata here, bytes in the blob store. Uploaded first, then linked to a
//! message; inbound attachments are linked as they are stored.

use crate::ids::{AttachmentId, MessageId, UserId, WorkspaceId};
use crate::store::{Entity, Kind, Value};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An attachment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attachment {
    pub id: AttachmentId,
    pub workspace_id: WorkspaceId,
    pub message_id: Option<MessageId>,
    pub filename: String,
    pub content_type: String,
    pub size: u64,
    /// Key in the blob store.
    pub blob_key: String,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    /// Content-ID for inline parts referenced as `cid:` from HTML.
    pub content_id: Option<String>,
    /// Inline parts are hidden from the attachment list of the message body.
    #[serde(default)]
    pub inline: bool,
    pub uploaded_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub version: u64,
}

impl Entity for Attachment {
    const KIND: Kind = Kind::Attachment;
    const NAME: &'static str = "attachment";
    fn id(&self) -> Uuid {
        self.id.0
    }
    fn workspace_id(&self) -> Option<Uuid> {
        Some(self.workspace_id.0)
    }
    versioned!();
    fn fields(&self) -> Vec<Value> {
        vec![
            self.message_id.map(|m| m.0).into(),
            self.uploaded_by.map(|u| u.0).into(),
            self.created_at.into(),
        ]
    }
}
