//! Attachments uploaded through the API: the bytes go to the blob store first (under
//! `att/<workspace>/<id>`), then the row is written, so a row never points at missing bytes.
//! An upload is linked to a message when a reply or note names it. An attachment on another
//! member's personal conversation is `NotFound`, like the conversation.

use super::Helpdesk;
use super::access::{Access, Caller};
use crate::error::{Error, Result};
use crate::ids::{AttachmentId, WorkspaceId};
use crate::model::{Attachment, Message, Parent};
use crate::store::{Kind, StoreExt, Writes};
use sha2::{Digest, Sha256};

/// Largest attachment.
pub const MAX_ATTACHMENT_BYTES: usize = 25 * 1024 * 1024;

/// An uploaded file.
#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub filename: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// A file name safe to store and to send back in `Content-Disposition`: the last path segment,
/// without control characters or quotes, at most 255 characters; "attachment" when nothing is
/// left.
pub fn safe_filename(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or(raw);
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(255)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    if cleaned.is_empty() {
        "attachment".to_owned()
    } else {
        cleaned
    }
}

/// A `type/subtype` media type, lower-cased, parameters dropped; octet-stream when malformed.
pub fn safe_content_type(raw: &str) -> String {
    let essence = raw
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let token = |s: &str| {
        !s.is_empty()
            && s.len() <= 127
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    match essence.split_once('/') {
        Some((t, s)) if token(t) && token(s) => essence,
        _ => "application/octet-stream".to_owned(),
    }
}

impl Helpdesk {
    /// Stores an upload (any member). Larger than 25 MB is a validation error on `file`.
    pub async fn upload_attachment(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        upload: NewAttachment,
    ) -> Result<Attachment> {
        let acc = self.access(caller, workspace_id).await?;
        if upload.bytes.len() > MAX_ATTACHMENT_BYTES {
            return Err(Error::validation(
                "file",
                format!("larger than {} MB", MAX_ATTACHMENT_BYTES / (1024 * 1024)),
            ));
        }
        let id = AttachmentId::new();
        let blob_key = format!("att/{}/{}", workspace_id, id);
        let mut a = Attachment {
            id,
            workspace_id,
            message_id: None,
            filename: safe_filename(&upload.filename),
            content_type: safe_content_type(&upload.content_type),
            size: upload.bytes.len() as u64,
            blob_key: blob_key.clone(),
            sha256: hex::encode(Sha256::digest(&upload.bytes)),
            content_id: None,
            inline: false,
            uploaded_by: caller.user_id(),
            created_at: self.now(),
            version: 0,
        };
        self.blobs().put(&blob_key, &upload.bytes).await?;
        let mut w = Writes::new();
        w.require_exists(Kind::Workspace, None, acc.ws().0);
        w.insert(&mut a)?;
        if let Err(e) = w.apply(self.db()).await {
            self.delete_blobs(std::iter::once(blob_key.as_str())).await;
            return Err(e);
        }
        Ok(a)
    }

    async fn visible_attachment(&self, acc: &Access, id: AttachmentId) -> Result<Attachment> {
        let a: Attachment = self.db().require(acc.scope(), id.0).await?;
        if let Some(m) = a.message_id {
            let message: Option<Message> = self.db().load(acc.scope(), m.0).await?;
            if let Some(Parent::Conversation(c)) = message.map(|m| m.parent) {
                self.load_conversation(acc, c)
                    .await
                    .map_err(|_| Error::not_found("attachment"))?;
            }
        }
        Ok(a)
    }

    /// An attachment's metadata.
    pub async fn attachment(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: AttachmentId,
    ) -> Result<Attachment> {
        let acc = self.access(caller, workspace_id).await?;
        self.visible_attachment(&acc, id).await
    }

    /// An attachment's metadata and bytes (for download).
    pub async fn attachment_content(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: AttachmentId,
    ) -> Result<(Attachment, Vec<u8>)> {
        let acc = self.access(caller, workspace_id).await?;
        let a = self.visible_attachment(&acc, id).await?;
        let bytes = self.blobs().get(&a.blob_key).await?.ok_or_else(|| {
            Error::internal_msg(format!("bytes of attachment {} are missing", a.id))
        })?;
        Ok((a, bytes))
    }

    /// Deletes an upload not linked to a message (its uploader or an owner). An attachment of a
    /// message goes with the message.
    pub async fn delete_attachment(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: AttachmentId,
    ) -> Result<()> {
        let acc = self.access(caller, workspace_id).await?;
        let a = self.visible_attachment(&acc, id).await?;
        if a.message_id.is_some() {
            return Err(Error::validation(
                "id",
                "this attachment belongs to a message; delete the message instead",
            ));
        }
        if !acc.is_owner() && a.uploaded_by != caller.user_id() {
            return Err(Error::forbidden(
                "members can delete only their own uploads",
            ));
        }
        let mut w = Writes::new();
        // At the version read: linking it to a message meanwhile makes this a conflict.
        w.delete(&a);
        w.apply(self.db()).await?;
        self.delete_blobs(std::iter::once(a.blob_key.as_str()))
            .await;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_types_are_made_safe() {
        assert_eq!(safe_filename("../../etc/passwd"), "passwd");
        assert_eq!(safe_filename("C:\\x\\report \"q\".pdf"), "report q.pdf");
        assert_eq!(safe_filename("\u{0}"), "attachment");
        assert_eq!(safe_content_type("Text/Plain; charset=utf-8"), "text/plain");
        assert_eq!(
            safe_content_type("evil\r\nheader"),
            "application/octet-stream"
        );
    }
}
