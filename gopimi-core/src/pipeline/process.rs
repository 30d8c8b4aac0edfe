//! Step two of inbound mail: the `inbound.process` job turns a stored inbound item into a
//! message on a ticket or conversation, or sets it aside with a reason.
//!
//! Order of decisions, each recorded on the item when it ends processing:
//! 1. parse the raw bytes (never fails on messy mail; only empty or header-less input fails);
//! 2. route the envelope recipient to a workspace email ([`super::route`]), else *skipped*;
//! 3. find the sender: the From address, or the original sender of a forwarded message when a
//!    member (or an address on the workspace email's own domain) forwarded it in;
//! 4. drop loops: mail from one of our own sending addresses is *skipped*;
//! 5. bounces of our own messages land on the ticket or conversation of the bounced message and
//!    mark its delivery failed, never reopening anything; bounces of anything else are
//!    *skipped* (they must not become tickets);
//! 6. a message already stored (same Message-ID in the workspace) is *processed* again as
//!    itself: redelivery changes nothing;
//! 7. match or create the contact, decide spam (provider verdict or a blocked sender), thread
//!    ([`super::thread`]), then write the message, its attachments and activity in one batch
//!    through the facade's creation paths.

use super::ingest::ProcessInbound;
use super::route::{Route, resolve_recipient};
use super::thread::{ThreadInput, ThreadTarget, thread};
use crate::error::{Error, Result};
use crate::ids::{AttachmentId, MessageId, WorkspaceId};
use crate::jobs::JobHandler;
use crate::mail::parse::{ParseOptions, ParsedEmail, parse_email};
use crate::mail::signed_id::MessageIdSigner;
use crate::model::mailbox::normalize_email;
use crate::model::{
    Attachment, DeliveryState, DeliveryStatus, InboundItem, InboundStatus, Job, Mailbox,
    Membership, Message, MessageKind, Parent, Purpose, User, WorkspaceEmail,
};
use crate::search::exact_key;
use crate::service::{
    Caller, ConversationOrigin, Helpdesk, NewConversation, NewTicket, TicketOrigin,
};
use crate::store::{Filter, Kind, Query, StoreExt, Value, Writes};
use async_trait::async_trait;
use sha2::{Digest, Sha256};

/// What became of one inbound item.
#[derive(Debug, Clone, PartialEq)]
pub struct Processed {
    /// The item, with its final status.
    pub item: InboundItem,
}

/// Processes inbound items.
#[derive(Clone)]
pub struct InboundProcessor {
    helpdesk: Helpdesk,
    signer: MessageIdSigner,
}

impl std::fmt::Debug for InboundProcessor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InboundProcessor").finish_non_exhaustive()
    }
}

enum Outcome {
    Processed {
        workspace_id: WorkspaceId,
        parent: Parent,
        message_id: MessageId,
    },
    Skipped {
        workspace_id: Option<WorkspaceId>,
        reason: String,
    },
    Failed {
        reason: String,
    },
}

impl InboundProcessor {
    /// A processor over a helpdesk; `signer` checks our signed Message-Ids in replies.
    pub fn new(helpdesk: Helpdesk, signer: MessageIdSigner) -> Self {
        InboundProcessor { helpdesk, signer }
    }

    /// Processes one inbound item by id. Processing an item that is no longer pending returns
    /// it unchanged, so a re-run job is harmless.
    pub async fn process(&self, inbound_id: crate::ids::InboundId) -> Result<Processed> {
        let store = self.helpdesk.store();
        let item: InboundItem = store.require(None, inbound_id.0).await?;
        if item.status != InboundStatus::Pending {
            return Ok(Processed { item });
        }
        let outcome = match self.decide(&item).await {
            Ok(o) => o,
            // Transient trouble (store down): let the job runner retry.
            Err(e) if e.is_transient() && !e.is_conflict() => return Err(e),
            Err(Error::QuotaExceeded { resource, limit }) => Outcome::Failed {
                reason: format!("the workspace reached its {resource} limit ({limit})"),
            },
            Err(e) => Outcome::Failed {
                reason: e.to_string(),
            },
        };
        self.finish(item, outcome).await
    }

    async fn finish(&self, item: InboundItem, outcome: Outcome) -> Result<Processed> {
        let store = self.helpdesk.store();
        let now = self.helpdesk.clock().now();
        let mut item = item;
        match outcome {
            Outcome::Processed {
                workspace_id,
                parent,
                message_id,
            } => {
                item.status = InboundStatus::Processed;
                item.workspace_id = Some(workspace_id.0);
                item.message_id = Some(message_id);
                match parent {
                    Parent::Ticket(t) => item.ticket_id = Some(t),
                    Parent::Conversation(c) => item.conversation_id = Some(c),
                }
            }
            Outcome::Skipped {
                workspace_id,
                reason,
            } => {
                tracing::info!(inbound = %item.id, %reason, "inbound mail skipped");
                item.status = InboundStatus::Skipped;
                item.workspace_id = workspace_id.map(|w| w.0).or(item.workspace_id);
                item.reason = Some(reason);
            }
            Outcome::Failed { reason } => {
                tracing::warn!(inbound = %item.id, %reason, "inbound mail failed");
                item.status = InboundStatus::Failed;
                item.reason = Some(reason);
            }
        }
        item.updated_at = now;
        let mut w = Writes::new();
        w.update(&mut item)?;
        w.apply(store.as_ref()).await?;
        Ok(Processed { item })
    }

    async fn decide(&self, item: &InboundItem) -> Result<Outcome> {
        let store = self.helpdesk.store();
        let Some(raw) = self.helpdesk.blobs().get(&item.blob_key).await? else {
            return Ok(Outcome::Failed {
                reason: "the raw message is missing from blob storage".into(),
            });
        };
        let options = ParseOptions {
            envelope_sender: item.sender.clone(),
            loop_addresses: vec![item.recipient.clone()],
            ..ParseOptions::default()
        };
        let parsed = match parse_email(&raw, &options) {
            Ok(p) => p,
            Err(e) => {
                return Ok(Outcome::Failed {
                    reason: format!("unreadable message: {e}"),
                });
            }
        };
        let header_recipients: Vec<String> = parsed.recipients().map(|m| m.email.clone()).collect();
        let email =
            match resolve_recipient(store.as_ref(), &item.recipient, &header_recipients).await? {
                Route::Deliver { email, .. } => email,
                Route::Skip { reason } => {
                    return Ok(Outcome::Skipped {
                        workspace_id: None,
                        reason,
                    });
                }
            };
        let ws = email.workspace_id;

        // Our verification mail coming back through the customer's forwarding: the address
        // works; the message itself is not a ticket.
        if self
            .helpdesk
            .verify_by_inbound(&email, &parsed.text)
            .await?
        {
            return Ok(Outcome::Skipped {
                workspace_id: Some(ws),
                reason: format!(
                    "verification of {} (the address is now verified)",
                    email.address
                ),
            });
        }

        let Some(sender) = self.sender_of(&parsed, &email, item).await? else {
            return Ok(Outcome::Skipped {
                workspace_id: Some(ws),
                reason: "the message names no sender address".into(),
            });
        };
        if let Some(own) = self.own_sending_address(&sender.email).await? {
            return Ok(Outcome::Skipped {
                workspace_id: Some(ws),
                reason: format!("mail from our own sending address {own} (loop prevention)"),
            });
        }

        if let Some(bounce) = parsed.bounce.as_ref().filter(|b| b.is_failure()) {
            return self.bounce(ws, &email, &parsed, bounce, item).await;
        }

        // Redelivery of a message already stored in this workspace.
        let existing: Option<Message> = store
            .find_one(&Query::new(Kind::Message, Some(ws.0)).filter(Filter::Eq(
                "rfc_message_id",
                Value::Text(exact_key(&parsed.message_id)),
            )))
            .await?;
        if let Some(m) = existing {
            return Ok(Outcome::Processed {
                workspace_id: ws,
                parent: m.parent,
                message_id: m.id,
            });
        }

        let system = Caller::System;
        let (contact, _) = self
            .helpdesk
            .find_or_create_contact(&system, ws, &sender.email, sender.name.as_deref())
            .await?;
        let spam = item.provider_spam
            || self
                .helpdesk
                .is_blocked_sender(&system, ws, &sender.email)
                .await?;
        let now = self.helpdesk.clock().now();
        let decision = thread(
            store.as_ref(),
            &self.signer,
            &ThreadInput {
                workspace_id: ws,
                purpose: email.purpose,
                in_reply_to: parsed.in_reply_to.as_deref(),
                references: &parsed.references,
                ticket_token: parsed.ticket_token,
                subject: &parsed.subject,
                sender: &sender.email,
                sender_contact: Some(contact.id),
                now,
            },
        )
        .await?;

        let message_id = MessageId::new();
        let attachments = self.store_attachments(ws, message_id, &parsed).await?;
        let message = Message {
            id: message_id,
            workspace_id: ws,
            // Set by the creation path below.
            parent: Parent::Ticket(crate::ids::TicketId(uuid::Uuid::nil())),
            kind: MessageKind::Inbound,
            author_user_id: None,
            author_contact_id: Some(contact.id),
            from: Some(sender.clone()),
            to: parsed.to.clone(),
            cc: parsed.cc.clone(),
            subject: parsed.subject.clone(),
            body_text: parsed.text.clone(),
            body_html: parsed.html.clone(),
            new_text: parsed.new_text.clone(),
            attachment_ids: attachments
                .iter()
                .filter(|a| !a.inline)
                .map(|a| a.id)
                .collect(),
            rfc_message_id: Some(parsed.message_id.clone()),
            in_reply_to: parsed.in_reply_to.clone(),
            references: parsed.references.clone(),
            sending_email_id: Some(email.id),
            delivery: None,
            thread_match: Some(decision.matched.clone()),
            thread_notes: decision.notes.clone(),
            auto_submitted: parsed.is_automatic(),
            bounce: false,
            dropped_parts: parsed
                .dropped
                .iter()
                .map(|d| {
                    format!(
                        "{} ({}, {} bytes) dropped: {}",
                        d.filename.as_deref().unwrap_or("unnamed part"),
                        d.content_type,
                        d.size,
                        serde_json::to_string(&d.reason).unwrap_or_default()
                    )
                })
                .collect(),
            provider_message_id: None,
            deleted_at: None,
            created_at: now,
            updated_at: now,
            version: 0,
        };
        let jobs: Vec<Job> = Vec::new();
        let result = match decision.target {
            ThreadTarget::Ticket(t) => self
                .helpdesk
                .add_inbound_message(
                    &system,
                    ws,
                    Parent::Ticket(t.id),
                    message,
                    attachments,
                    jobs,
                )
                .await
                .map(|m| (m.parent, m.id)),
            ThreadTarget::Conversation(c) => self
                .helpdesk
                .add_inbound_message(
                    &system,
                    ws,
                    Parent::Conversation(c.id),
                    message,
                    attachments,
                    jobs,
                )
                .await
                .map(|m| (m.parent, m.id)),
            ThreadTarget::New => match email.purpose {
                Purpose::Ticket => {
                    let new = NewTicket {
                        subject: parsed.subject.clone(),
                        workspace_email_id: Some(email.id),
                        ..NewTicket::default()
                    };
                    self.helpdesk
                        .open_ticket(
                            &system,
                            ws,
                            new,
                            TicketOrigin::Email {
                                contact_id: contact.id,
                                message: Box::new(message),
                                attachments,
                                jobs,
                                spam,
                            },
                        )
                        .await
                        .map(|o| (Parent::Ticket(o.ticket.id), message_id))
                }
                Purpose::Inbox => {
                    let new = NewConversation {
                        subject: parsed.subject.clone(),
                        owner_id: email.user_id,
                        agent_id: email.user_id,
                        contact_id: Some(contact.id),
                        workspace_email_id: Some(email.id),
                        ..NewConversation::default()
                    };
                    self.helpdesk
                        .open_conversation(
                            &system,
                            ws,
                            new,
                            ConversationOrigin::Email {
                                contact_id: contact.id,
                                message: Box::new(message),
                                attachments,
                                jobs,
                                spam,
                            },
                        )
                        .await
                        .map(|o| (Parent::Conversation(o.conversation.id), message_id))
                }
            },
        };
        match result {
            Ok((parent, message_id)) => Ok(Outcome::Processed {
                workspace_id: ws,
                parent,
                message_id,
            }),
            // The same Message-ID was committed by a concurrent delivery: it is that message.
            Err(e)
                if e.is_conflict()
                    || matches!(&e, Error::Validation { field, .. } if field == "rfc_message_id") =>
            {
                let existing: Option<Message> = store
                    .find_one(&Query::new(Kind::Message, Some(ws.0)).filter(Filter::Eq(
                        "rfc_message_id",
                        Value::Text(exact_key(&parsed.message_id)),
                    )))
                    .await?;
                match existing {
                    Some(m) => Ok(Outcome::Processed {
                        workspace_id: ws,
                        parent: m.parent,
                        message_id: m.id,
                    }),
                    None => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// The sender to attribute the mail to. A forwarded message counts as its original
    /// sender's when a member forwarded it, or an address on the workspace email's own domain
    /// did (a mailbox rule forwarding support mail in); otherwise the forwarder is the sender,
    /// because a stranger forwarding mail must not speak for someone else.
    async fn sender_of(
        &self,
        parsed: &ParsedEmail,
        email: &WorkspaceEmail,
        item: &InboundItem,
    ) -> Result<Option<Mailbox>> {
        let from = parsed.from.clone().or_else(|| {
            item.sender
                .as_deref()
                .filter(|s| s.contains('@'))
                .map(Mailbox::new)
        });
        let Some(from) = from else { return Ok(None) };
        if let Some(original) = parsed.forwarded.as_ref().and_then(|f| f.sender())
            && crate::model::mailbox::is_valid_email(&original.email)
        {
            let same_domain = domain_of(&from.email) == domain_of(&email.address);
            if same_domain || self.is_member(email.workspace_id, &from.email).await? {
                return Ok(Some(original));
            }
        }
        Ok(Some(from))
    }

    async fn is_member(&self, ws: WorkspaceId, address: &str) -> Result<bool> {
        let store = self.helpdesk.store();
        let user: Option<User> = store
            .find_one(&Query::new(Kind::User, None).filter(Filter::Eq(
                "email",
                Value::Text(exact_key(&normalize_email(address))),
            )))
            .await?;
        let Some(user) = user else { return Ok(false) };
        let m: Option<Membership> = store
            .find_one(
                &Query::new(Kind::Membership, Some(ws.0))
                    .filter(Filter::Eq("user_id", Value::Uuid(user.id.0))),
            )
            .await?;
        Ok(m.is_some())
    }

    /// One of our sending addresses (any workspace), if `address` is one.
    async fn own_sending_address(&self, address: &str) -> Result<Option<String>> {
        let found: Option<WorkspaceEmail> = self
            .helpdesk
            .store()
            .find_one(
                &Query::new(Kind::WorkspaceEmail, None)
                    .filter(Filter::Eq(
                        "address",
                        Value::Text(exact_key(&normalize_email(address))),
                    ))
                    .filter(Filter::Eq("can_send", Value::Bool(true))),
            )
            .await?;
        Ok(found.map(|e| e.address))
    }

    async fn bounce(
        &self,
        ws: WorkspaceId,
        email: &WorkspaceEmail,
        parsed: &ParsedEmail,
        bounce: &crate::mail::Bounce,
        item: &InboundItem,
    ) -> Result<Outcome> {
        let store = self.helpdesk.store();
        let mut ids: Vec<String> = bounce.original_message_id.iter().cloned().collect();
        ids.extend(bounce.referenced_message_ids.iter().cloned());
        ids.extend(parsed.in_reply_to.iter().cloned());
        ids.truncate(50);
        let candidates: Vec<Message> = if ids.is_empty() {
            Vec::new()
        } else {
            store
                .find(
                    &Query::new(Kind::Message, Some(ws.0))
                        .filter(Filter::In(
                            "rfc_message_id",
                            ids.iter().map(|i| Value::Text(exact_key(i))).collect(),
                        ))
                        .limit(51),
                )
                .await?
        };
        let Some(original) = ids.iter().find_map(|id| {
            candidates
                .iter()
                .find(|m| m.rfc_message_id.as_deref() == Some(id.as_str()))
                .cloned()
        }) else {
            return Ok(Outcome::Skipped {
                workspace_id: Some(ws),
                reason: "a bounce of a message we do not know".into(),
            });
        };
        let now = self.helpdesk.clock().now();
        let reason = bounce
            .recipients
            .iter()
            .map(|r| {
                format!(
                    "{}: {}",
                    r.address,
                    r.diagnostic
                        .as_deref()
                        .or(r.status.as_deref())
                        .unwrap_or("undeliverable")
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        // Mark the bounced message's delivery failed (best effort: a concurrent edit wins).
        if original.kind == MessageKind::Outbound {
            let mut bounced = original.clone();
            let attempts = bounced.delivery.as_ref().map(|d| d.attempts).unwrap_or(0);
            bounced.delivery = Some(DeliveryState {
                status: DeliveryStatus::Failed,
                reason: Some(if reason.is_empty() {
                    "bounced".to_owned()
                } else {
                    crate::search::truncate(&reason, 1000)
                }),
                provider_message_id: bounced
                    .delivery
                    .as_ref()
                    .and_then(|d| d.provider_message_id.clone()),
                attempts,
                updated_at: now,
            });
            bounced.updated_at = now;
            let mut w = Writes::new();
            w.update(&mut bounced)?;
            if let Err(e) = w.apply(store.as_ref()).await
                && !e.is_conflict()
            {
                return Err(e);
            }
        }
        // Idempotent: the bounce itself may have been stored already.
        if let Some(m) = store
            .find_one::<Message>(&Query::new(Kind::Message, Some(ws.0)).filter(Filter::Eq(
                "rfc_message_id",
                Value::Text(exact_key(&parsed.message_id)),
            )))
            .await?
        {
            return Ok(Outcome::Processed {
                workspace_id: ws,
                parent: m.parent,
                message_id: m.id,
            });
        }
        let message = Message {
            id: MessageId::new(),
            workspace_id: ws,
            parent: original.parent,
            kind: MessageKind::Inbound,
            author_user_id: None,
            author_contact_id: None,
            from: parsed.from.clone(),
            to: parsed.to.clone(),
            cc: parsed.cc.clone(),
            subject: parsed.subject.clone(),
            body_text: parsed.text.clone(),
            body_html: parsed.html.clone(),
            new_text: None,
            attachment_ids: Vec::new(),
            rfc_message_id: Some(parsed.message_id.clone()),
            in_reply_to: parsed.in_reply_to.clone(),
            references: parsed.references.clone(),
            sending_email_id: Some(email.id),
            delivery: None,
            thread_match: None,
            thread_notes: vec![format!(
                "delivery failure report for {}",
                original.rfc_message_id.as_deref().unwrap_or("our message")
            )],
            auto_submitted: true,
            bounce: true,
            dropped_parts: Vec::new(),
            provider_message_id: None,
            deleted_at: None,
            created_at: now,
            updated_at: now,
            version: 0,
        };
        let _ = item;
        let stored = self
            .helpdesk
            .add_inbound_message(
                &Caller::System,
                ws,
                original.parent,
                message,
                Vec::new(),
                Vec::new(),
            )
            .await?;
        Ok(Outcome::Processed {
            workspace_id: ws,
            parent: stored.parent,
            message_id: stored.id,
        })
    }

    /// Stores every kept part's bytes and returns its attachment rows (not yet written).
    async fn store_attachments(
        &self,
        ws: WorkspaceId,
        message_id: MessageId,
        parsed: &ParsedEmail,
    ) -> Result<Vec<Attachment>> {
        let now = self.helpdesk.clock().now();
        let mut out = Vec::with_capacity(parsed.attachments.len());
        for part in &parsed.attachments {
            let id = AttachmentId::new();
            let blob_key = format!("att/{ws}/{id}");
            self.helpdesk.blobs().put(&blob_key, &part.data).await?;
            out.push(Attachment {
                id,
                workspace_id: ws,
                message_id: Some(message_id),
                filename: part.filename.clone(),
                content_type: part.content_type.clone(),
                size: part.size,
                blob_key,
                sha256: hex::encode(Sha256::digest(&part.data)),
                content_id: part.content_id.clone(),
                inline: part.inline,
                uploaded_by: None,
                created_at: now,
                version: 0,
            });
        }
        Ok(out)
    }
}

fn domain_of(address: &str) -> String {
    normalize_email(address)
        .rsplit_once('@')
        .map(|(_, d)| d.to_owned())
        .unwrap_or_default()
}

#[async_trait]
impl JobHandler for InboundProcessor {
    async fn handle(&self, job: &Job) -> Result<()> {
        let payload: ProcessInbound = serde_json::from_value(job.payload.clone())
            .map_err(|e| Error::validation("payload", e.to_string()))?;
        self.process(payload.inbound_id).await.map(|_| ())
    }
}
