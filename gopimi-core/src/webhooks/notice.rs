//! The email to a workspace's owners when one of its endpoints is disabled for failing
//! (`webhook.disabled` jobs, written in the batch that disables it). Sent through the same
//! [`MailSender`] port as every other email; no preference turns it off, since the owner
//! otherwise would not learn that their integration stopped.

use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::ids::{WebhookId, WorkspaceId};
use crate::jobs::JobHandler;
use crate::mail::{MailSender, OutgoingEmail};
use crate::model::{Job, Membership, Role, User, Workspace};
use crate::store::{Filter, Kind, Query, Store, StoreExt, Value};
use async_trait::async_trait;
use mail_builder::MessageBuilder;
use mail_builder::headers::date::Date;
use mail_builder::headers::raw::Raw;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The queue of "endpoint disabled" emails.
pub const NOTICE_QUEUE: &str = "webhook.disabled";

/// The payload of a `webhook.disabled` job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticePayload {
    pub workspace_id: WorkspaceId,
    pub webhook_id: WebhookId,
    pub url: String,
    pub reason: String,
}

/// Sends the email to every owner of the workspace.
pub struct NoticeHandler {
    store: Arc<dyn Store>,
    sender: Arc<dyn MailSender>,
    clock: Arc<dyn Clock>,
    from_address: String,
}

impl std::fmt::Debug for NoticeHandler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NoticeHandler")
            .field("from_address", &self.from_address)
            .finish_non_exhaustive()
    }
}

impl NoticeHandler {
    /// A handler sending from `from_address` (e.g. `notifications@<platform domain>`).
    pub fn new(
        store: Arc<dyn Store>,
        sender: Arc<dyn MailSender>,
        clock: Arc<dyn Clock>,
        from_address: impl Into<String>,
    ) -> Self {
        NoticeHandler {
            store,
            sender,
            clock,
            from_address: from_address.into(),
        }
    }
}

#[async_trait]
impl JobHandler for NoticeHandler {
    async fn handle(&self, job: &Job) -> Result<()> {
        let p: NoticePayload = serde_json::from_value(job.payload.clone())
            .map_err(|e| Error::internal("webhook.disabled payload", e))?;
        let db = self.store.as_ref();
        let Some(ws) = db.load::<Workspace>(None, p.workspace_id.0).await? else {
            return Ok(());
        };
        let owners: Vec<Membership> = db
            .find(
                &Query::new(Kind::Membership, Some(ws.id.0))
                    .filter(Filter::Eq("role", Value::from(Role::Owner.as_str())))
                    .limit(100),
            )
            .await?;
        let ids: Vec<uuid::Uuid> = owners.iter().map(|m| m.user_id.0).collect();
        let users: Vec<User> = db.load_many(None, &ids).await?;
        if users.is_empty() {
            return Ok(());
        }
        let subject = format!("[{}] A webhook endpoint was disabled", ws.name);
        let text = format!(
            "The webhook endpoint {url} of the workspace \"{name}\" was disabled: {reason}.\n\n\
             Events are no longer sent to it. Fix the endpoint, then enable it again \
             (PATCH /api/v1/workspaces/{ws}/webhooks/{id} with {{\"enabled\": true}}) and \
             redeliver what it missed from its delivery log.\n",
            url = p.url,
            name = ws.name,
            reason = p.reason,
            ws = ws.id,
            id = p.webhook_id,
        );
        let domain = self
            .from_address
            .rsplit_once('@')
            .map(|(_, d)| d)
            .unwrap_or("localhost");
        let now = self.clock.now();
        for user in users {
            let message_id = format!("webhook.{}@{domain}", uuid::Uuid::now_v7().simple());
            let mime = MessageBuilder::new()
                .from(("gopimi", self.from_address.as_str()))
                .to((user.name.as_str(), user.email.as_str()))
                .subject(subject.as_str())
                .message_id(message_id.as_str())
                .date(Date::new(now.timestamp()))
                .header("Auto-Submitted", Raw::new("auto-generated"))
                .header("X-Auto-Response-Suppress", Raw::new("All"))
                .text_body(text.as_str())
                .write_to_vec()
                .map_err(|e| Error::internal("building the webhook notice", e))?;
            self.sender
                .send(&OutgoingEmail {
                    from: self.from_address.clone(),
                    recipients: vec![user.email.clone()],
                    mime,
                    message_id,
                })
                .await?;
        }
        Ok(())
    }
}
