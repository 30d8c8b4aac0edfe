//! Messages on tickets and conversations: internal notes, outbound replies, inbound email
//! threaded in by the pipeline; listing, editing and (soft) deleting them.
//!
//! An outbound reply is stored with delivery `queued`, and a `mail.send` job with payload
//! `{"message_id": ...}` is written in the same batch, so a reply is never saved without the
//! work of sending it, nor sent without being saved. The send job (the outbound pipeline)
//! resolves the sending address, assigns the Message-ID, builds the MIME and updates delivery.
//! To defaults to the contact's address when empty.
//!
//! Who may change a message: only internal notes can be edited (mail that was sent or received
//! cannot be unsent); a member may edit or delete what they wrote, owners anything. Deletion is
//! soft: the message leaves the thread and its activity entry records it.

use super::Helpdesk;
use super::access::{Access, Caller};
use super::activity::{ActivityAction, change};
use super::input::{self, BODY_MAX};
use super::listing::{Page, PageRequest, fetch_page};
use super::notify_hook::add_notice;
use super::retry::with_retry;
use super::tickets::Change;
use crate::error::{Error, Result};
use crate::ids::{
    AttachmentId, ConversationId, MessageId, TicketId, WorkspaceEmailId, WorkspaceId,
};
use crate::model::{
    Actor, Attachment, Contact, ConversationStatus, DeliveryState, DeliveryStatus, Job, Mailbox,
    Message, MessageKind, Parent, TicketStatus,
};
use crate::notify::Notice;
use crate::store::{Filter, Kind, Query, SortKey, StoreExt, Writes};
use chrono::{DateTime, Utc};
use serde::Deserialize;

/// The queue of the job that sends an outbound reply (the pipeline's constant).
pub use crate::pipeline::SEND_QUEUE;
/// Most To or CC recipients of a reply.
pub const MAX_RECIPIENTS: usize = 50;
/// Most attachments on one message.
pub const MAX_ATTACHMENTS: usize = 20;

/// A reply or an internal note.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewMessage {
    /// Plain text body.
    pub body: String,
    /// Optional HTML body; sanitized before it is stored.
    #[serde(default)]
    pub body_html: Option<String>,
    /// An internal note (never emailed) when true; otherwise an outbound reply.
    #[serde(default)]
    pub internal: bool,
    #[serde(default)]
    pub to: Vec<Mailbox>,
    #[serde(default)]
    pub cc: Vec<Mailbox>,
    /// Uploaded attachments to link to this message.
    #[serde(default)]
    pub attachment_ids: Vec<AttachmentId>,
    /// The workspace email to send from (must be able to send).
    #[serde(default)]
    pub sending_email_id: Option<WorkspaceEmailId>,
    /// Reply All: when `cc` is empty, fill it from the previous inbound message's To and CC
    /// (our own addresses and the To recipients left out).
    #[serde(default)]
    pub reply_all: bool,
}

impl NewMessage {
    /// An internal note.
    pub fn note(body: impl Into<String>) -> Self {
        NewMessage {
            body: body.into(),
            internal: true,
            ..NewMessage::default()
        }
    }

    /// An outbound reply (To defaults to the contact).
    pub fn reply(body: impl Into<String>) -> Self {
        NewMessage {
            body: body.into(),
            ..NewMessage::default()
        }
    }
}

/// Changes to a note; absent fields stay.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MessagePatch {
    pub body: Option<String>,
    #[serde(default, deserialize_with = "input::nullable")]
    pub body_html: Option<Option<String>>,
}

/// Sanitizes HTML for storage and display (scripts, handlers and unsafe URLs removed).
pub fn sanitize_html(html: &str) -> String {
    ammonia::clean(html)
}

/// A message prepared for writing, with what must be written alongside it.
struct Staged {
    message: Message,
    attachments: Vec<Attachment>,
    job: Option<Job>,
    action: ActivityAction,
}

impl Staged {
    /// Adds the message, the attachment links and the send job to a batch; the activity.
    fn stage(&self, w: &mut Writes) -> Result<Vec<Change>> {
        w.insert(&mut self.message.clone())?;
        for a in &self.attachments {
            let mut a = a.clone();
            a.message_id = Some(self.message.id);
            w.update(&mut a)?;
        }
        if let Some(j) = &self.job {
            w.insert(&mut j.clone())?;
        }
        Ok(vec![(
            self.action,
            serde_json::json!({ "message_id": self.message.id }),
        )])
    }
}

fn recipients(field: &str, list: &[Mailbox]) -> Result<Vec<Mailbox>> {
    if list.len() > MAX_RECIPIENTS {
        return Err(Error::validation(
            field,
            format!("at most {MAX_RECIPIENTS} recipients"),
        ));
    }
    list.iter()
        .map(|m| {
            let email = input::email(field, &m.email)?;
            let name = input::optional_text(field, m.name.as_deref(), input::NAME_MAX)?;
            Ok(Mailbox { name, email })
        })
        .collect()
}

impl Helpdesk {
    /// The CC of a Reply All: everyone on the previous inbound message (To and CC) except our
    /// own workspace addresses and the reply's To recipients, in order, without duplicates.
    async fn reply_all_cc(
        &self,
        acc: &Access,
        parent: Parent,
        to: &[Mailbox],
    ) -> Result<Vec<Mailbox>> {
        let (field, id) = match parent {
            Parent::Ticket(t) => ("ticket_id", t.0),
            Parent::Conversation(c) => ("conversation_id", c.0),
        };
        let last: Option<Message> = self
            .db()
            .find_one(
                &Query::new(Kind::Message, acc.scope())
                    .filter(Filter::Eq(field, id.into()))
                    .filter(Filter::Eq("message_kind", "inbound".into()))
                    .filter(Filter::IsNull("deleted_at"))
                    .sort(SortKey::desc("created_at")),
            )
            .await?;
        let Some(last) = last else {
            return Ok(Vec::new());
        };
        let ours: Vec<crate::model::WorkspaceEmail> = self
            .db()
            .find(&Query::new(Kind::WorkspaceEmail, acc.scope()).limit(500))
            .await?;
        let mut skip: Vec<String> = ours
            .iter()
            .map(|e| crate::model::mailbox::normalize_email(&e.address))
            .chain(ours.iter().filter_map(|e| {
                e.forwarding_address
                    .as_deref()
                    .map(crate::model::mailbox::normalize_email)
            }))
            .chain(to.iter().map(Mailbox::normalized))
            .collect();
        let mut cc = Vec::new();
        for m in last.to.iter().chain(&last.cc) {
            let key = m.normalized();
            if !skip.contains(&key) {
                skip.push(key);
                cc.push(m.clone());
            }
        }
        cc.truncate(MAX_RECIPIENTS);
        Ok(cc)
    }

    async fn stage_message(
        &self,
        acc: &Access,
        parent: Parent,
        subject: &str,
        contact: Option<&Contact>,
        new: NewMessage,
    ) -> Result<Staged> {
        let author = acc.caller.user_id();
        let body = input::required_text("body", &new.body, BODY_MAX)?;
        let body_html = input::optional_text("body_html", new.body_html.as_deref(), BODY_MAX)?
            .map(|h| sanitize_html(&h));
        let ids = input::id_list("attachment_ids", &new.attachment_ids, MAX_ATTACHMENTS)?;
        let raw: Vec<uuid::Uuid> = ids.iter().map(|a| a.0).collect();
        let attachments: Vec<Attachment> = self.db().load_many(acc.scope(), &raw).await?;
        if attachments.len() != ids.len() {
            return Err(Error::not_found("attachment"));
        }
        if attachments.iter().any(|a| a.message_id.is_some()) {
            return Err(Error::validation(
                "attachment_ids",
                "an attachment already belongs to another message",
            ));
        }
        let now = self.now();
        let id = MessageId::new();
        let (kind, to, cc, delivery, job, action) = if new.internal {
            (
                MessageKind::Note,
                Vec::new(),
                Vec::new(),
                None,
                None,
                ActivityAction::NoteAdded,
            )
        } else {
            let mut to = recipients("to", &new.to)?;
            if to.is_empty() {
                match contact {
                    Some(c) => to.push(Mailbox::named(c.name.clone(), c.email.clone())),
                    None => {
                        return Err(Error::validation(
                            "to",
                            "a reply needs a recipient (there is no contact to default to)",
                        ));
                    }
                }
            }
            let mut cc = recipients("cc", &new.cc)?;
            if new.reply_all && cc.is_empty() {
                cc = self.reply_all_cc(acc, parent, &to).await?;
            }
            if let Some(e) = new.sending_email_id {
                let email = self.load_workspace_email(acc, e).await?;
                if !email.can_send {
                    return Err(Error::validation(
                        "sending_email_id",
                        format!("{} is not allowed to send", email.address),
                    ));
                }
            }
            let job = crate::jobs::job(
                SEND_QUEUE,
                &serde_json::json!({ "message_id": id }),
                Some(acc.ws().0),
                now,
            )?;
            let delivery = DeliveryState {
                status: DeliveryStatus::Queued,
                reason: None,
                provider_message_id: None,
                attempts: 0,
                updated_at: now,
            };
            (
                MessageKind::Outbound,
                to,
                cc,
                Some(delivery),
                Some(job),
                ActivityAction::ReplyAdded,
            )
        };
        let message = Message {
            id,
            workspace_id: acc.ws(),
            parent,
            kind,
            author_user_id: author,
            author_contact_id: None,
            from: None,
            to,
            cc,
            subject: subject.to_owned(),
            body_text: body,
            body_html,
            new_text: None,
            attachment_ids: ids,
            rfc_message_id: None,
            in_reply_to: None,
            references: Vec::new(),
            sending_email_id: new.sending_email_id,
            delivery,
            thread_match: None,
            thread_notes: Vec::new(),
            auto_submitted: false,
            bounce: false,
            dropped_parts: Vec::new(),
            provider_message_id: None,
            deleted_at: None,
            created_at: now,
            updated_at: now,
            version: 0,
        };
        Ok(Staged {
            message,
            attachments,
            job,
            action,
        })
    }

    /// Adds a reply or an internal note to a ticket (`reply_added` / `note_added`). A reply
    /// is queued for sending (see the module docs) and counts as the first response.
    pub async fn add_ticket_message(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        ticket_id: TicketId,
        new: NewMessage,
    ) -> Result<Message> {
        let acc = self.access(caller, workspace_id).await?;
        let ticket = self.load_ticket(&acc, ticket_id).await?;
        let contact = match ticket.contact_id {
            Some(c) => self.db().load::<Contact>(acc.scope(), c.0).await?,
            None => None,
        };
        let staged = self
            .stage_message(
                &acc,
                Parent::Ticket(ticket_id),
                &ticket.subject,
                contact.as_ref(),
                new,
            )
            .await?;
        let hooks = self.hooks(workspace_id).await?;
        self.mutate_ticket(&acc, ticket_id, acc.caller.actor(), |_, w, now| {
            let changes = staged.stage(w)?;
            hooks.message_created(w, &staged.message, now)?;
            Ok(changes)
        })
        .await?;
        Ok(with_version_one(staged.message))
    }

    /// Adds a reply or an internal note to a conversation.
    pub async fn add_conversation_message(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        conversation_id: ConversationId,
        new: NewMessage,
    ) -> Result<Message> {
        let acc = self.access(caller, workspace_id).await?;
        let conv = self.load_conversation(&acc, conversation_id).await?;
        let contact = match conv.contact_id {
            Some(c) => self.db().load::<Contact>(acc.scope(), c.0).await?,
            None => None,
        };
        let staged = self
            .stage_message(
                &acc,
                Parent::Conversation(conversation_id),
                &conv.subject,
                contact.as_ref(),
                new,
            )
            .await?;
        let hooks = self.hooks(workspace_id).await?;
        self.mutate_conversation(&acc, conversation_id, acc.caller.actor(), |_, w, now| {
            let changes = staged.stage(w)?;
            hooks.message_created(w, &staged.message, now)?;
            Ok(changes)
        })
        .await?;
        Ok(with_version_one(staged.message))
    }

    /// Threads an inbound email into an existing ticket or conversation: the pipeline's hook.
    /// Writes the message, its attachments and jobs with a `message_received` activity (actor:
    /// the contact who wrote, or the system). A customer's reply reopens a resolved or closed
    /// ticket and a closed conversation (`status_changed`), unless it is an auto-reply.
    pub async fn add_inbound_message(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        parent: Parent,
        message: Message,
        attachments: Vec<Attachment>,
        jobs: Vec<Job>,
    ) -> Result<Message> {
        let acc = self.access(caller, workspace_id).await?;
        super::tickets::check_owned_rows(workspace_id, Some(&message), &attachments)?;
        let mut message = message;
        message.parent = parent;
        let actor = message
            .author_contact_id
            .map(Actor::Contact)
            .unwrap_or(Actor::System);
        let reopen = !message.auto_submitted && !message.bounce;
        // Who to email about it (the rules skip auto-replies, bounces and spam), read once.
        let audience = self.audience(workspace_id).await?;
        let hooks = self.hooks(workspace_id).await?;
        let stage = |w: &mut Writes, now, spam: bool| -> Result<Vec<Change>> {
            w.insert(&mut message.clone())?;
            hooks.unless_spam(spam).message_created(w, &message, now)?;
            for a in &attachments {
                let mut a = a.clone();
                a.message_id = Some(message.id);
                w.insert(&mut a)?;
            }
            for j in &jobs {
                let mut j = j.clone();
                j.workspace_id.get_or_insert(workspace_id.0);
                w.insert(&mut j)?;
            }
            Ok(vec![(
                ActivityAction::MessageReceived,
                serde_json::json!({ "message_id": message.id }),
            )])
        };
        match parent {
            Parent::Ticket(id) => {
                self.mutate_ticket(&acc, id, actor, |t, w, now| {
                    let mut changes = stage(w, now, t.spam)?;
                    let notice = Notice::TicketReply {
                        ticket: t,
                        message: &message,
                    };
                    add_notice(w, &notice, &audience, actor, now)?;
                    if reopen && t.status.is_done() {
                        changes.push((
                            ActivityAction::StatusChanged,
                            change(t.status, TicketStatus::Open),
                        ));
                        t.status = TicketStatus::Open;
                    }
                    Ok(changes)
                })
                .await?;
            }
            Parent::Conversation(id) => {
                self.mutate_conversation(&acc, id, actor, |c, w, now| {
                    let mut changes = stage(w, now, c.spam)?;
                    let notice = Notice::ConversationMessage {
                        conversation: c,
                        message: &message,
                    };
                    add_notice(w, &notice, &audience, actor, now)?;
                    if reopen && c.status == ConversationStatus::Closed {
                        changes.push((
                            ActivityAction::StatusChanged,
                            change(c.status, ConversationStatus::Open),
                        ));
                        c.status = ConversationStatus::Open;
                    }
                    Ok(changes)
                })
                .await?;
            }
        }
        Ok(with_version_one(message))
    }

    /// A ticket's messages, oldest first (deleted ones left out).
    pub async fn list_ticket_messages(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        ticket_id: TicketId,
        page: PageRequest,
    ) -> Result<Page<Message>> {
        let acc = self.access(caller, workspace_id).await?;
        self.load_ticket(&acc, ticket_id).await?;
        fetch_page(
            self.db(),
            thread_query(&acc, "ticket_id", ticket_id.0),
            page,
        )
        .await
    }

    /// A conversation's messages, oldest first (deleted ones left out).
    pub async fn list_conversation_messages(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        conversation_id: ConversationId,
        page: PageRequest,
    ) -> Result<Page<Message>> {
        let acc = self.access(caller, workspace_id).await?;
        self.load_conversation(&acc, conversation_id).await?;
        fetch_page(
            self.db(),
            thread_query(&acc, "conversation_id", conversation_id.0),
            page,
        )
        .await
    }

    /// One message of a thread; `NotFound` if it is on another thread or deleted.
    pub(crate) async fn load_message(
        &self,
        acc: &Access,
        parent: Parent,
        id: MessageId,
    ) -> Result<Message> {
        let m: Message = self.db().require(acc.scope(), id.0).await?;
        if m.parent != parent || m.deleted_at.is_some() {
            return Err(Error::not_found("message"));
        }
        Ok(m)
    }

    /// Edits an internal note (`message_edited`).
    pub async fn update_message(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        parent: Parent,
        message_id: MessageId,
        patch: MessagePatch,
    ) -> Result<Message> {
        let acc = self.access(caller, workspace_id).await?;
        self.check_parent_visible(&acc, parent).await?;
        let body = patch
            .body
            .as_deref()
            .map(|b| input::required_text("body", b, BODY_MAX))
            .transpose()?;
        let html = match &patch.body_html {
            Some(Some(h)) => Some(
                input::optional_text("body_html", Some(h), BODY_MAX)?.map(|h| sanitize_html(&h)),
            ),
            Some(None) => Some(None),
            None => None,
        };
        let edit = |m: &mut Message, now: DateTime<Utc>| -> Option<Change> {
            let from = m.body_text.clone();
            let mut changed = false;
            if let Some(b) = &body
                && *b != m.body_text
            {
                m.body_text = b.clone();
                changed = true;
            }
            if let Some(h) = &html
                && *h != m.body_html
            {
                m.body_html = h.clone();
                changed = true;
            }
            if !changed {
                return None;
            }
            m.updated_at = now;
            Some((
                ActivityAction::MessageEdited,
                serde_json::json!({ "message_id": m.id, "from": from, "to": m.body_text }),
            ))
        };
        self.change_message(&acc, parent, message_id, true, edit)
            .await
    }

    /// Deletes a message from its thread (soft: `message_deleted`).
    pub async fn delete_message(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        parent: Parent,
        message_id: MessageId,
    ) -> Result<()> {
        let acc = self.access(caller, workspace_id).await?;
        self.check_parent_visible(&acc, parent).await?;
        let delete = |m: &mut Message, now: DateTime<Utc>| -> Option<Change> {
            m.deleted_at = Some(now);
            m.updated_at = now;
            Some((
                ActivityAction::MessageDeleted,
                serde_json::json!({ "message_id": m.id }),
            ))
        };
        self.change_message(&acc, parent, message_id, false, delete)
            .await
            .map(|_| ())
    }

    async fn check_parent_visible(&self, acc: &Access, parent: Parent) -> Result<()> {
        match parent {
            Parent::Ticket(t) => self.load_ticket(acc, t).await.map(|_| ()),
            Parent::Conversation(c) => self.load_conversation(acc, c).await.map(|_| ()),
        }
    }

    /// Reads a message, checks the caller may change it, applies `f` and writes the message
    /// with the parent's activity entry (the parent is re-written at the version read); the
    /// whole step is retried on a version conflict of either.
    async fn change_message<F>(
        &self,
        acc: &Access,
        parent: Parent,
        message_id: MessageId,
        notes_only: bool,
        f: F,
    ) -> Result<Message>
    where
        F: Fn(&mut Message, DateTime<Utc>) -> Option<Change>,
    {
        with_retry(|| async {
            let current = self.load_message(acc, parent, message_id).await?;
            if notes_only && current.kind != MessageKind::Note {
                return Err(Error::forbidden(
                    "only internal notes can be edited; sent and received mail cannot",
                ));
            }
            let is_author =
                current.author_user_id.is_some() && current.author_user_id == acc.caller.user_id();
            if !is_author && !acc.is_owner() {
                return Err(Error::forbidden(
                    "members can change only messages they wrote",
                ));
            }
            let mut m = current.clone();
            let Some(c) = f(&mut m, self.now()) else {
                return Ok(current);
            };
            let stage = |w: &mut Writes| -> Result<Vec<Change>> {
                w.update(&mut m.clone())?;
                Ok(vec![c.clone()])
            };
            let actor = acc.caller.actor();
            match parent {
                Parent::Ticket(id) => {
                    self.try_mutate_ticket(acc, id, actor, |_, w, _| stage(w))
                        .await?;
                }
                Parent::Conversation(id) => {
                    self.try_mutate_conversation(acc, id, actor, |_, w, _| stage(w))
                        .await?;
                }
            }
            m.version += 1;
            Ok(m)
        })
        .await
    }
}

fn thread_query(acc: &Access, field: &'static str, id: uuid::Uuid) -> Query {
    Query::new(Kind::Message, acc.scope())
        .filter(Filter::Eq(field, id.into()))
        .filter(Filter::IsNull("deleted_at"))
        .sort(SortKey::asc("created_at"))
}

/// A message as it was inserted (version 1).
fn with_version_one(mut m: Message) -> Message {
    m.version = 1;
    m
}
