//! The `mail.send` job: turns a queued outbound message into MIME and hands it to the
//! configured [`MailSender`], recording the outcome on the message.
//!
//! - The Message-Id is assigned and stored *before* the first attempt, so every retry sends the
//!   same id and a customer's reply threads whichever attempt reached them. It is one of our
//!   signed ids ([`MessageIdSigner`]), so replies thread even if our copy is later deleted.
//! - The From address is resolved in the documented order: the message's sending email, the
//!   ticket's (or conversation's) workspace email, then the first sendable email of the
//!   workspace. For conversations the default is the address the last inbound message was sent
//!   to, when it can send.
//! - In-Reply-To names the last inbound message of the thread; References carry its chain.
//! - Transient failures leave the message `deferred` and the job retries with backoff;
//!   permanent ones (or the last attempt) mark it `failed` with the provider's reason.

use crate::error::{Error, Result};
use crate::jobs::JobHandler;
use crate::mail::MailSender;
use crate::mail::outbound::{OutboundAttachment, OutboundEmail, build_email, references_chain};
use crate::mail::signed_id::{MessageIdSigner, ThreadRef};
use crate::model::mailbox::normalize_email;
use crate::model::{
    Attachment, Conversation, DeliveryState, DeliveryStatus, Job, Mailbox, Message, MessageKind,
    Parent, Ticket, WorkspaceEmail,
};
use crate::service::Helpdesk;
use crate::store::{Filter, Kind, Query, SortKey, StoreExt, Value, Writes};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The payload of a `mail.send` job.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SendMessage {
    /// The outbound message to send.
    pub message_id: crate::ids::MessageId,
}

/// Sends outbound messages.
#[derive(Clone)]
pub struct SendHandler {
    helpdesk: Helpdesk,
    sender: Arc<dyn MailSender>,
    signer: MessageIdSigner,
}

impl std::fmt::Debug for SendHandler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SendHandler").finish_non_exhaustive()
    }
}

struct Thread {
    subject: String,
    ticket_number: Option<i64>,
    reference: ThreadRef,
    default_email: Option<crate::ids::WorkspaceEmailId>,
    parent_field: &'static str,
    parent_id: uuid::Uuid,
}

impl SendHandler {
    /// A handler sending through `sender`, signing Message-Ids with `signer`.
    pub fn new(helpdesk: Helpdesk, sender: Arc<dyn MailSender>, signer: MessageIdSigner) -> Self {
        SendHandler {
            helpdesk,
            sender,
            signer,
        }
    }

    /// Sends one message (by id); `last_attempt` marks a failure as final.
    pub async fn send(&self, message_id: crate::ids::MessageId, last_attempt: bool) -> Result<()> {
        let store = self.helpdesk.store();
        let Some(mut message) = store.load::<Message>(None, message_id.0).await? else {
            // Deleted together with its ticket: nothing to send.
            return Ok(());
        };
        if message.kind != MessageKind::Outbound || message.deleted_at.is_some() {
            return Ok(());
        }
        if matches!(
            message.delivery.as_ref().map(|d| d.status),
            Some(DeliveryStatus::Sent | DeliveryStatus::Delivered | DeliveryStatus::Complained)
        ) {
            return Ok(());
        }
        let ws = message.workspace_id;
        let thread = self.thread_of(&message).await?;
        let last_inbound: Option<Message> = store
            .find_one(
                &Query::new(Kind::Message, Some(ws.0))
                    .filter(Filter::Eq(
                        thread.parent_field,
                        Value::Uuid(thread.parent_id),
                    ))
                    .filter(Filter::Eq("message_kind", Value::from("inbound")))
                    .filter(Filter::IsNull("deleted_at"))
                    .sort(SortKey::desc("created_at")),
            )
            .await?;
        let from = match self
            .sending_email(&message, &thread, last_inbound.as_ref())
            .await?
        {
            Some(e) => e,
            None => {
                return self
                    .record_failure(
                        message,
                        Error::Rejected {
                            reason: "no workspace email can send for this workspace".into(),
                        },
                        true,
                    )
                    .await;
            }
        };
        if message.to.is_empty() && message.cc.is_empty() {
            return self
                .record_failure(
                    message,
                    Error::Rejected {
                        reason: "the message has no recipient".into(),
                    },
                    true,
                )
                .await;
        }
        // Assign and keep the Message-Id before the first attempt.
        if message.rfc_message_id.is_none() {
            message.rfc_message_id = Some(
                self.signer
                    .generate(thread.reference, domain_of(&from.address)),
            );
            message.sending_email_id = Some(from.id);
            message.updated_at = self.helpdesk.clock().now();
            let mut w = Writes::new();
            w.update(&mut message)?;
            w.apply(store.as_ref()).await?;
        }
        let attachments: Vec<Attachment> = store
            .load_many(
                Some(ws.0),
                &message
                    .attachment_ids
                    .iter()
                    .map(|a| a.0)
                    .collect::<Vec<_>>(),
            )
            .await?;
        let mut files = Vec::with_capacity(attachments.len());
        for a in attachments {
            let Some(data) = self.helpdesk.blobs().get(&a.blob_key).await? else {
                return self
                    .record_failure(
                        message,
                        Error::Rejected {
                            reason: format!("attachment {} is missing from storage", a.filename),
                        },
                        true,
                    )
                    .await;
            };
            files.push(OutboundAttachment {
                filename: a.filename,
                content_type: a.content_type,
                data,
                content_id: if a.inline { a.content_id } else { None },
            });
        }
        let (in_reply_to, references) = match &last_inbound {
            Some(m) => (
                m.rfc_message_id.clone(),
                references_chain(&m.references, m.rfc_message_id.as_deref()),
            ),
            None => (None, Vec::new()),
        };
        let outbound = OutboundEmail {
            from: Mailbox {
                name: from.display_name.clone(),
                email: from.address.clone(),
            },
            to: message.to.clone(),
            cc: message.cc.clone(),
            bcc: Vec::new(),
            reply_to: None,
            subject: thread.subject.clone(),
            is_reply: last_inbound.is_some(),
            ticket_number: thread.ticket_number,
            thread: thread.reference,
            message_id: message.rfc_message_id.clone(),
            message_id_domain: None,
            in_reply_to,
            references,
            text: message.body_text.clone(),
            html: message.body_html.clone(),
            attachments: files,
            automatic: false,
            extra_headers: Vec::new(),
            date: self.helpdesk.clock().now(),
        };
        let built = match build_email(&outbound, &self.signer) {
            Ok(b) => b,
            Err(e) => return self.record_failure(message, e, true).await,
        };
        match self.sender.send(&built).await {
            Ok(receipt) => {
                let now = self.helpdesk.clock().now();
                let attempts = message.delivery.as_ref().map(|d| d.attempts).unwrap_or(0) + 1;
                message.delivery = Some(DeliveryState {
                    status: DeliveryStatus::Sent,
                    reason: None,
                    provider_message_id: receipt.provider_message_id,
                    attempts,
                    updated_at: now,
                });
                message.updated_at = now;
                let mut w = Writes::new();
                w.update(&mut message)?;
                w.apply(store.as_ref()).await
            }
            Err(e) => {
                let last = last_attempt || !e.is_transient();
                self.record_failure(message, e, last).await
            }
        }
    }

    /// Records a failed attempt on the message, then returns the error so the job runner
    /// retries (transient) or gives up (final).
    async fn record_failure(&self, mut message: Message, error: Error, last: bool) -> Result<()> {
        let now = self.helpdesk.clock().now();
        let attempts = message.delivery.as_ref().map(|d| d.attempts).unwrap_or(0) + 1;
        message.delivery = Some(DeliveryState {
            status: if last {
                DeliveryStatus::Failed
            } else {
                DeliveryStatus::Deferred
            },
            reason: Some(crate::search::truncate(&error.to_string(), 1000)),
            provider_message_id: None,
            attempts,
            updated_at: now,
        });
        message.updated_at = now;
        let mut w = Writes::new();
        w.update(&mut message)?;
        w.apply(self.helpdesk.store().as_ref()).await?;
        if last && error.is_transient() {
            // Out of attempts: report it as final so the runner stops.
            return Err(Error::Rejected {
                reason: error.to_string(),
            });
        }
        Err(error)
    }

    async fn thread_of(&self, message: &Message) -> Result<Thread> {
        let store = self.helpdesk.store();
        let ws = Some(message.workspace_id.0);
        Ok(match message.parent {
            Parent::Ticket(id) => {
                let t: Ticket = store.require(ws, id.0).await?;
                Thread {
                    subject: t.subject,
                    ticket_number: Some(t.number),
                    reference: ThreadRef::Ticket(t.id),
                    default_email: t.workspace_email_id,
                    parent_field: "ticket_id",
                    parent_id: t.id.0,
                }
            }
            Parent::Conversation(id) => {
                let c: Conversation = store.require(ws, id.0).await?;
                Thread {
                    subject: c.subject,
                    ticket_number: None,
                    reference: ThreadRef::Conversation(c.id),
                    default_email: c.workspace_email_id,
                    parent_field: "conversation_id",
                    parent_id: c.id.0,
                }
            }
        })
    }

    async fn sending_email(
        &self,
        message: &Message,
        thread: &Thread,
        last_inbound: Option<&Message>,
    ) -> Result<Option<WorkspaceEmail>> {
        let store = self.helpdesk.store();
        let ws = message.workspace_id;
        let load = |id: crate::ids::WorkspaceEmailId| async move {
            Ok::<_, Error>(
                store
                    .load::<WorkspaceEmail>(Some(ws.0), id.0)
                    .await?
                    .filter(|e| e.can_send),
            )
        };
        if let Some(id) = message.sending_email_id
            && let Some(e) = load(id).await?
        {
            return Ok(Some(e));
        }
        if thread.ticket_number.is_none()
            && let Some(inbound) = last_inbound
        {
            let addresses: Vec<Value> = inbound
                .to
                .iter()
                .map(|m| Value::Text(crate::search::exact_key(&normalize_email(&m.email))))
                .collect();
            if !addresses.is_empty()
                && let Some(e) = store
                    .find_one::<WorkspaceEmail>(
                        &Query::new(Kind::WorkspaceEmail, Some(ws.0))
                            .filter(Filter::In("address", addresses))
                            .filter(Filter::Eq("can_send", Value::Bool(true))),
                    )
                    .await?
            {
                return Ok(Some(e));
            }
        }
        if let Some(id) = thread.default_email
            && let Some(e) = load(id).await?
        {
            return Ok(Some(e));
        }
        store
            .find_one::<WorkspaceEmail>(
                &Query::new(Kind::WorkspaceEmail, Some(ws.0))
                    .filter(Filter::Eq("can_send", Value::Bool(true)))
                    .sort(SortKey::asc("created_at")),
            )
            .await
    }
}

fn domain_of(address: &str) -> &str {
    address.rsplit_once('@').map(|(_, d)| d).unwrap_or(address)
}

#[async_trait]
impl JobHandler for SendHandler {
    async fn handle(&self, job: &Job) -> Result<()> {
        let payload: SendMessage = serde_json::from_value(job.payload.clone())
            .map_err(|e| Error::validation("payload", e.to_string()))?;
        self.send(payload.message_id, job.attempts >= job.max_attempts)
            .await
    }
}
