//! The `mail.notify` job handler: renders a notification email, builds its MIME and sends it
//! through the [`MailSender`] port.
//!
//! Before sending it checks again what may have changed since the job was written: the
//! recipient is still a member and still wants this event, and the ticket or conversation
//! still exists and is not spam or trashed. If not, the job completes without an email.
//!
//! Every email is marked as machine-sent (`Auto-Submitted: auto-generated`, RFC 3834, and
//! `X-Auto-Response-Suppress: All` for Exchange) so autoresponders stay quiet, and carries
//! the one-click unsubscribe headers of RFC 8058:
//! `List-Unsubscribe: <{public_url}/api/v1/unsubscribe/{token}>` and
//! `List-Unsubscribe-Post: List-Unsubscribe=One-Click`, with a fresh token per email.

use super::jobs::NotifyPayload;
use super::render::{RenderContext, Rendered, render};
use super::unsubscribe::UnsubscribeSigner;
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::jobs::JobHandler;
use crate::mail::{MailSender, OutgoingEmail};
use crate::model::{
    Conversation, Job, Membership, Message, NotificationPreference, Ticket, User, Workspace,
};
use crate::store::{Filter, Kind, Query, Store, StoreExt, Value};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mail_builder::MessageBuilder;
use mail_builder::headers::date::Date;
use mail_builder::headers::raw::Raw;
use std::sync::Arc;

/// Where notification emails come from and where their links point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyConfig {
    /// The sender address, e.g. `notifications@mail.example.com`.
    pub from_address: String,
    /// The sender's display name.
    pub from_name: String,
    /// The server's public base URL, without a trailing slash (`GOPIMI_PUBLIC_URL`).
    pub public_url: String,
}

impl NotifyConfig {
    /// The one-click unsubscribe URL for a token.
    pub fn unsubscribe_url(&self, token: &str) -> String {
        format!(
            "{}/api/v1/unsubscribe/{token}",
            self.public_url.trim_end_matches('/')
        )
    }

    /// The domain Message-Ids are minted on: the sender address's.
    fn message_id_domain(&self) -> &str {
        self.from_address
            .rsplit_once('@')
            .map(|(_, d)| d)
            .filter(|d| !d.is_empty())
            .unwrap_or("localhost")
    }
}

/// A notification email ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationEmail {
    pub to_name: String,
    pub to_address: String,
    pub rendered: Rendered,
    pub unsubscribe_url: String,
}

/// Builds the MIME of a notification (multipart/alternative, text and HTML).
pub fn build_mime(
    config: &NotifyConfig,
    email: &NotificationEmail,
    now: DateTime<Utc>,
) -> Result<OutgoingEmail> {
    let message_id = format!(
        "notify.{}@{}",
        uuid::Uuid::now_v7().simple(),
        config.message_id_domain()
    );
    let mime = MessageBuilder::new()
        .from((config.from_name.as_str(), config.from_address.as_str()))
        .to((email.to_name.as_str(), email.to_address.as_str()))
        .subject(email.rendered.subject.as_str())
        .message_id(message_id.as_str())
        .date(Date::new(now.timestamp()))
        .header("Auto-Submitted", Raw::new("auto-generated"))
        .header("X-Auto-Response-Suppress", Raw::new("All"))
        .header(
            "List-Unsubscribe",
            Raw::new(format!("<{}>", email.unsubscribe_url)),
        )
        .header(
            "List-Unsubscribe-Post",
            Raw::new("List-Unsubscribe=One-Click"),
        )
        .text_body(email.rendered.text.as_str())
        .html_body(email.rendered.html.as_str())
        .write_to_vec()
        .map_err(|e| Error::internal("building a notification email", e))?;
    Ok(OutgoingEmail {
        from: config.from_address.clone(),
        recipients: vec![email.to_address.clone()],
        mime,
        message_id,
    })
}

/// Handles `mail.notify` jobs.
pub struct NotifyHandler {
    store: Arc<dyn Store>,
    sender: Arc<dyn MailSender>,
    clock: Arc<dyn Clock>,
    signer: UnsubscribeSigner,
    config: NotifyConfig,
}

impl std::fmt::Debug for NotifyHandler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotifyHandler")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl NotifyHandler {
    /// A handler over the ports it needs.
    pub fn new(
        store: Arc<dyn Store>,
        sender: Arc<dyn MailSender>,
        clock: Arc<dyn Clock>,
        signer: UnsubscribeSigner,
        config: NotifyConfig,
    ) -> Self {
        NotifyHandler {
            store,
            sender,
            clock,
            signer,
            config,
        }
    }

    /// The email a job would send now, or `None` when it should not be sent any more.
    pub async fn prepare(&self, payload: &NotifyPayload) -> Result<Option<NotificationEmail>> {
        let db = self.store.as_ref();
        let ws = payload.workspace_id;
        let scope = Some(ws.0);
        let by_user = |kind| {
            Query::new(kind, scope).filter(Filter::Eq("user_id", Value::Uuid(payload.user_id.0)))
        };
        let member: Option<Membership> = db.find_one(&by_user(Kind::Membership)).await?;
        if member.is_none() {
            return Ok(None);
        }
        let pref: Option<NotificationPreference> =
            db.find_one(&by_user(Kind::NotificationPreference)).await?;
        if pref.is_some_and(|p| !p.enabled(payload.event)) {
            return Ok(None);
        }
        let Some(user) = db.load::<User>(None, payload.user_id.0).await? else {
            return Ok(None);
        };
        let Some(workspace) = db.load::<Workspace>(None, ws.0).await? else {
            return Ok(None);
        };
        let ticket: Option<Ticket> = match payload.ticket_id {
            Some(id) => match db.load::<Ticket>(scope, id.0).await? {
                Some(t) if !t.spam && t.deleted_at.is_none() => Some(t),
                _ => return Ok(None),
            },
            None => None,
        };
        let conversation: Option<Conversation> = match payload.conversation_id {
            Some(id) => match db.load::<Conversation>(scope, id.0).await? {
                Some(c) if !c.spam && c.deleted_at.is_none() => Some(c),
                _ => return Ok(None),
            },
            None => None,
        };
        if ticket.is_none() && conversation.is_none() {
            return Err(Error::internal_msg(
                "notification names neither a ticket nor a conversation",
            ));
        }
        let message: Option<Message> = match payload.message_id {
            Some(id) => db
                .load::<Message>(scope, id.0)
                .await?
                .filter(|m| m.deleted_at.is_none()),
            None => None,
        };
        let now = self.clock.now();
        let token = self.signer.issue(ws, payload.user_id, payload.event, now)?;
        let unsubscribe_url = self.config.unsubscribe_url(&token);
        let rendered = render(&RenderContext {
            payload,
            workspace_name: &workspace.name,
            recipient_name: &user.name,
            ticket: ticket.as_ref(),
            conversation: conversation.as_ref(),
            message: message.as_ref(),
            unsubscribe_url: &unsubscribe_url,
        });
        Ok(Some(NotificationEmail {
            to_name: user.name,
            to_address: user.email,
            rendered,
            unsubscribe_url,
        }))
    }
}

#[async_trait]
impl JobHandler for NotifyHandler {
    async fn handle(&self, job: &Job) -> Result<()> {
        let payload: NotifyPayload = serde_json::from_value(job.payload.clone())
            .map_err(|e| Error::internal("mail.notify payload", e))?;
        let Some(email) = self.prepare(&payload).await? else {
            tracing::debug!(job = %job.id, "notification no longer wanted; not sent");
            return Ok(());
        };
        let outgoing = build_mime(&self.config, &email, self.clock.now())?;
        self.sender.send(&outgoing).await?;
        Ok(())
    }
}
