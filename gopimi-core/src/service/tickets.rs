//! Tickets: creation (the one path for agents and for the email pipeline), reading, field
//! changes, assignment and tags.
//!
//! Every change goes through `mutate_ticket`: read the ticket, apply the change,
//! write the ticket at the version read together with one activity entry per changed field, and
//! retry on a version conflict. Creation compare-and-sets the workspace's `ticket_counter` in
//! the same batch as the ticket insert, so numbers are 1, 2, 3... per workspace with no gaps from
//! races and no duplicates.

use super::Helpdesk;
use super::access::{Access, Caller};
use super::activity::{self, ActivityAction, change};
use super::input::{self, SUBJECT_MAX};
use super::notify_hook::add_notice;
use super::retry::with_retry;
use super::sla_hook::SlaTrigger;
use crate::error::{Error, Result};
use crate::ids::{ContactId, TagId, TicketId, UserId, WorkspaceEmailId, WorkspaceId};
use crate::model::{
    ActivitySubject, Actor, Attachment, Contact, Job, Message, Parent, Priority, Resource, Tag,
    Ticket, TicketStatus, Workspace,
};
use crate::notify::Notice;
use crate::sla::SlaOutcome;
use crate::store::{Kind, StoreExt, Writes};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Most tags on one ticket or conversation.
pub const MAX_TAGS: usize = 50;

/// A new ticket.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewTicket {
    pub subject: String,
    #[serde(default)]
    pub description: String,
    /// Defaults to open.
    #[serde(default)]
    pub status: Option<TicketStatus>,
    /// Defaults to medium.
    #[serde(default)]
    pub priority: Option<Priority>,
    #[serde(default)]
    pub agent_id: Option<UserId>,
    #[serde(default)]
    pub contact_id: Option<ContactId>,
    /// The workspace email replies go out from by default.
    #[serde(default)]
    pub workspace_email_id: Option<WorkspaceEmailId>,
    #[serde(default)]
    pub tag_ids: Vec<TagId>,
}

impl NewTicket {
    /// A ticket with a subject and defaults for everything else.
    pub fn new(subject: impl Into<String>) -> Self {
        NewTicket {
            subject: subject.into(),
            ..NewTicket::default()
        }
    }
}

/// Where a new ticket comes from.
#[derive(Debug, Clone, Default)]
pub enum TicketOrigin {
    /// An agent or an app, through the API.
    #[default]
    Agent,
    /// An inbound email: the pipeline has matched or created the contact and prepared the first
    /// message (its parent and workspace are set here), its attachments, and any jobs the
    /// email causes (notifications, webhooks). All are written in the ticket's batch.
    Email {
        contact_id: ContactId,
        message: Box<Message>,
        attachments: Vec<Attachment>,
        jobs: Vec<Job>,
        /// The provider or a blocked sender says spam: the ticket goes to the spam view.
        spam: bool,
    },
}

/// A created ticket and the message it was created with (for email origins).
#[derive(Debug, Clone)]
pub struct OpenedTicket {
    pub ticket: Ticket,
    pub message: Option<Message>,
}

/// Changes to a ticket; absent fields stay. `Some(None)` clears a nullable field.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TicketPatch {
    pub subject: Option<String>,
    pub description: Option<String>,
    pub status: Option<TicketStatus>,
    pub priority: Option<Priority>,
    #[serde(default, deserialize_with = "input::nullable")]
    pub agent_id: Option<Option<UserId>>,
    #[serde(default, deserialize_with = "input::nullable")]
    pub contact_id: Option<Option<ContactId>>,
    #[serde(default, deserialize_with = "input::nullable")]
    pub workspace_email_id: Option<Option<WorkspaceEmailId>>,
}

/// One activity to write with a change: what and its details.
pub(crate) type Change = (ActivityAction, serde_json::Value);

/// A subject taken from an email: control characters and runs of whitespace become one space,
/// an empty one becomes "(no subject)", a long one is cut. Email never fails on its subject.
pub fn subject_from_email(raw: &str) -> String {
    let cleaned: String = raw
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let joined = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    if joined.is_empty() {
        return "(no subject)".to_owned();
    }
    joined.chars().take(SUBJECT_MAX).collect()
}

/// The text a ticket or conversation keeps about its contact for search.
pub(crate) fn contact_search(contact: Option<&Contact>) -> String {
    contact
        .map(|c| format!("{} {}", c.name, c.email))
        .unwrap_or_default()
}

impl Helpdesk {
    /// Creates a ticket as an agent (or app). See [`Helpdesk::open_ticket`].
    pub async fn create_ticket(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        new: NewTicket,
    ) -> Result<Ticket> {
        Ok(self
            .open_ticket(caller, workspace_id, new, TicketOrigin::Agent)
            .await?
            .ticket)
    }

    /// The one way a ticket comes to be, from the API or from an email.
    ///
    /// Checks: the subject is required (after trimming) and at most 500 characters (from email
    /// it is cleaned instead, never refused); the contact, agent (a member), tags and workspace
    /// email belong to the workspace (`NotFound` otherwise); the plan's ticket quota.
    /// Writes atomically: the workspace's next number, the ticket, its `created` activity
    /// (actor: the caller, or the contact for email), and for email the message, attachments
    /// and jobs.
    pub async fn open_ticket(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        new: NewTicket,
        origin: TicketOrigin,
    ) -> Result<OpenedTicket> {
        let acc = self.access(caller, workspace_id).await?;
        let from_email = matches!(origin, TicketOrigin::Email { .. });
        let subject = if from_email {
            subject_from_email(&new.subject)
        } else {
            input::required_text("subject", &new.subject, SUBJECT_MAX)?
        };
        let description = input::bounded("description", new.description.trim(), input::BODY_MAX)?;
        let contact_id = match &origin {
            TicketOrigin::Email { contact_id, .. } => Some(*contact_id),
            TicketOrigin::Agent => new.contact_id,
        };
        let contact = match contact_id {
            Some(c) => Some(self.load_contact(&acc, c).await?),
            None => None,
        };
        let agent = match new.agent_id {
            Some(a) => Some(self.require_member(&acc, a).await?),
            None => None,
        };
        let tag_ids = input::id_list("tag_ids", &new.tag_ids, MAX_TAGS)?;
        let tags = self.load_tags(&acc, &tag_ids).await?;
        if let Some(e) = new.workspace_email_id {
            self.load_workspace_email(&acc, e).await?;
        }
        let (message, attachments, jobs, spam, actor) = match origin {
            TicketOrigin::Agent => (None, Vec::new(), Vec::new(), false, acc.caller.actor()),
            TicketOrigin::Email {
                contact_id,
                message,
                attachments,
                jobs,
                spam,
            } => (
                Some(*message),
                attachments,
                jobs,
                spam,
                Actor::Contact(contact_id),
            ),
        };
        check_owned_rows(workspace_id, message.as_ref(), &attachments)?;
        let ticket_id = TicketId::new();
        // Who to email about the new ticket (its first email, its agent), read once.
        let audience = match message.is_some() || agent.is_some() {
            true => Some(self.audience(workspace_id).await?),
            false => None,
        };
        let hooks = self.hooks(workspace_id).await?.unless_spam(spam);

        let _turn = self.creation_turn(workspace_id).lock().await;
        with_retry(|| async {
            // Read the workspace first: its compare-and-set below fails if any ticket was
            // created since, so the count read after it is exact for the quota.
            let mut ws: Workspace = self.db().require(None, workspace_id.0).await?;
            self.check_quota_of(&ws, Resource::Tickets, 1).await?;
            let now = self.now();
            ws.ticket_counter += 1;
            let mut ticket = Ticket {
                id: ticket_id,
                workspace_id,
                number: ws.ticket_counter,
                subject: subject.clone(),
                description: description.clone(),
                status: new.status.unwrap_or(TicketStatus::Open),
                priority: new.priority.unwrap_or(Priority::Medium),
                agent_id: agent.as_ref().map(|m| m.user_id),
                contact_id,
                workspace_email_id: new.workspace_email_id,
                tag_ids: tags.iter().map(|t| t.id).collect(),
                sla: None,
                spam,
                deleted_at: None,
                contact_search: contact_search(contact.as_ref()),
                first_response_at: None,
                resolved_at: None,
                closed_at: None,
                created_at: now,
                updated_at: now,
                last_activity_at: now,
                version: 0,
            };
            // Creation settles nothing late: its outcome is always empty.
            self.sla_on(&acc, &mut ticket, SlaTrigger::Created, now)
                .await?;
            let mut w = Writes::new();
            w.update(&mut ws)?;
            require_refs(&mut w, &acc, contact.as_ref(), agent.as_ref(), &tags);
            if let Some(e) = new.workspace_email_id {
                w.require_exists(Kind::WorkspaceEmail, acc.scope(), e.0);
            }
            w.insert(&mut ticket)?;
            hooks.ticket_created(&mut w, &ticket, now)?;
            let mut details = serde_json::json!({
                "number": ticket.number,
                "subject": ticket.subject,
                "status": ticket.status,
                "priority": ticket.priority,
                "source": if message.is_some() { "email" } else { "api" },
            });
            let mut msg = message.clone();
            if let Some(m) = msg.as_mut() {
                m.parent = Parent::Ticket(ticket_id);
                w.insert(m)?;
                hooks.message_created(&mut w, m, now)?;
                details["message_id"] = serde_json::json!(m.id);
                for a in &attachments {
                    let mut a = a.clone();
                    a.message_id = Some(m.id);
                    w.insert(&mut a)?;
                }
            }
            if let Some(audience) = &audience {
                if let Some(m) = &msg {
                    let notice = Notice::TicketReply {
                        ticket: &ticket,
                        message: m,
                    };
                    add_notice(&mut w, &notice, audience, actor, now)?;
                }
                let notice = Notice::TicketAssigned { ticket: &ticket };
                add_notice(&mut w, &notice, audience, actor, now)?;
            }
            for j in &jobs {
                let mut j = j.clone();
                j.workspace_id.get_or_insert(workspace_id.0);
                w.insert(&mut j)?;
            }
            w.insert(&mut activity::entry(
                workspace_id,
                ActivitySubject::Ticket(ticket_id),
                actor,
                ActivityAction::Created,
                details,
                now,
            ))?;
            w.apply(self.db()).await?;
            Ok(OpenedTicket {
                ticket,
                message: msg,
            })
        })
        .await
    }

    /// A ticket by id (trashed and spam tickets included). Another workspace's ticket is
    /// `NotFound`.
    pub async fn ticket(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: TicketId,
    ) -> Result<Ticket> {
        let acc = self.access(caller, workspace_id).await?;
        self.load_ticket(&acc, id).await
    }

    pub(crate) async fn load_ticket(&self, acc: &Access, id: TicketId) -> Result<Ticket> {
        self.db().require(acc.scope(), id.0).await
    }

    /// Reads a ticket, lets `f` change it (and add rows or preconditions to the batch), and
    /// writes it with one activity entry per reported change, retrying on version conflicts.
    /// `f` reports no change: nothing is written and the ticket is returned as read.
    pub(crate) async fn mutate_ticket<F>(
        &self,
        acc: &Access,
        id: TicketId,
        actor: Actor,
        f: F,
    ) -> Result<Ticket>
    where
        F: Fn(&mut Ticket, &mut Writes, DateTime<Utc>) -> Result<Vec<Change>>,
    {
        with_retry(|| self.try_mutate_ticket(acc, id, actor, &f)).await
    }

    /// One attempt of `mutate_ticket`, for callers that retry a larger step.
    pub(crate) async fn try_mutate_ticket<F>(
        &self,
        acc: &Access,
        id: TicketId,
        actor: Actor,
        f: F,
    ) -> Result<Ticket>
    where
        F: Fn(&mut Ticket, &mut Writes, DateTime<Utc>) -> Result<Vec<Change>>,
    {
        let mut ticket = self.load_ticket(acc, id).await?;
        let before = ticket.clone();
        let now = self.now();
        let mut w = Writes::new();
        let changes = f(&mut ticket, &mut w, now)?;
        if changes.is_empty() {
            return Ok(before);
        }
        let hooks = self.hooks(ticket.workspace_id).await?;
        let mut sla = SlaOutcome::default();
        if before.priority != ticket.priority {
            let t = SlaTrigger::PriorityChanged {
                from: before.priority,
                to: ticket.priority,
            };
            sla.extend(self.sla_on(acc, &mut ticket, t, now).await?);
        }
        if before.status != ticket.status {
            let t = SlaTrigger::StatusChanged {
                from: before.status,
                to: ticket.status,
            };
            sla.extend(self.sla_on(acc, &mut ticket, t, now).await?);
        }
        if changes
            .iter()
            .any(|(a, _)| *a == ActivityAction::ReplyAdded)
        {
            sla.extend(
                self.sla_on(acc, &mut ticket, SlaTrigger::Replied, now)
                    .await?,
            );
        }
        // Spam, trash and restore suspend or resume the SLA clocks.
        crate::sla::refresh(&mut ticket);
        ticket.updated_at = now;
        ticket.last_activity_at = now;
        self.record_sla(&ticket, &sla, &mut w).await?;
        self.notify_ticket_change(&before, &ticket, &changes, actor, now, &mut w)
            .await?;
        w.update(&mut ticket)?;
        hooks.ticket_changed(&mut w, &before, &ticket, &changes, now)?;
        for (action, details) in changes {
            w.insert(&mut activity::entry(
                ticket.workspace_id,
                ActivitySubject::Ticket(ticket.id),
                actor,
                action,
                details,
                now,
            ))?;
        }
        w.apply(self.db()).await?;
        Ok(ticket)
    }

    /// Changes a ticket's fields; each changed field gets its activity entry (`subject_changed`,
    /// `status_changed`, `priority_changed`, `assigned`, `contact_changed`, ...) with from/to.
    pub async fn update_ticket(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: TicketId,
        patch: TicketPatch,
    ) -> Result<Ticket> {
        let acc = self.access(caller, workspace_id).await?;
        let subject = patch
            .subject
            .as_deref()
            .map(|s| input::required_text("subject", s, SUBJECT_MAX))
            .transpose()?;
        let description = patch
            .description
            .as_deref()
            .map(|d| input::bounded("description", d.trim(), input::BODY_MAX))
            .transpose()?;
        let agent = match patch.agent_id {
            Some(Some(a)) => Some(Some(self.require_member(&acc, a).await?)),
            Some(None) => Some(None),
            None => None,
        };
        let contact = match patch.contact_id {
            Some(Some(c)) => Some(Some(self.load_contact(&acc, c).await?)),
            Some(None) => Some(None),
            None => None,
        };
        if let Some(Some(e)) = patch.workspace_email_id {
            self.load_workspace_email(&acc, e).await?;
        }
        self.mutate_ticket(&acc, id, acc.caller.actor(), |t, w, _| {
            let mut changes = Vec::new();
            if let Some(s) = &subject
                && *s != t.subject
            {
                changes.push((ActivityAction::SubjectChanged, change(&t.subject, s)));
                t.subject = s.clone();
            }
            if let Some(d) = &description
                && *d != t.description
            {
                changes.push((
                    ActivityAction::DescriptionChanged,
                    change(&t.description, d),
                ));
                t.description = d.clone();
            }
            if let Some(s) = patch.status
                && s != t.status
            {
                changes.push((ActivityAction::StatusChanged, change(t.status, s)));
                t.status = s;
            }
            if let Some(p) = patch.priority
                && p != t.priority
            {
                changes.push((ActivityAction::PriorityChanged, change(t.priority, p)));
                t.priority = p;
            }
            if let Some(a) = &agent {
                let to = a.as_ref().map(|m| m.user_id);
                if to != t.agent_id {
                    if let Some(m) = a {
                        w.require_exists(Kind::Membership, acc.scope(), m.id.0);
                    }
                    changes.push((ActivityAction::Assigned, change(t.agent_id, to)));
                    t.agent_id = to;
                }
            }
            if let Some(c) = &contact {
                let to = c.as_ref().map(|c| c.id);
                if to != t.contact_id {
                    if let Some(c) = c {
                        w.require_exists(Kind::Contact, acc.scope(), c.id.0);
                    }
                    changes.push((ActivityAction::ContactChanged, change(t.contact_id, to)));
                    t.contact_id = to;
                    t.contact_search = contact_search(c.as_ref());
                }
            }
            if let Some(e) = patch.workspace_email_id
                && e != t.workspace_email_id
            {
                if let Some(e) = e {
                    w.require_exists(Kind::WorkspaceEmail, acc.scope(), e.0);
                }
                changes.push((
                    ActivityAction::EmailChanged,
                    change(t.workspace_email_id, e),
                ));
                t.workspace_email_id = e;
            }
            Ok(changes)
        })
        .await
    }

    /// Sets a ticket's status.
    pub async fn set_ticket_status(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: TicketId,
        status: TicketStatus,
    ) -> Result<Ticket> {
        let patch = TicketPatch {
            status: Some(status),
            ..TicketPatch::default()
        };
        self.update_ticket(caller, workspace_id, id, patch).await
    }

    /// Sets a ticket's priority.
    pub async fn set_ticket_priority(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: TicketId,
        priority: Priority,
    ) -> Result<Ticket> {
        let patch = TicketPatch {
            priority: Some(priority),
            ..TicketPatch::default()
        };
        self.update_ticket(caller, workspace_id, id, patch).await
    }

    /// Assigns a ticket to a member (`None` unassigns). A non-member is `NotFound` ("agent").
    pub async fn assign_ticket(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: TicketId,
        agent: Option<UserId>,
    ) -> Result<Ticket> {
        let patch = TicketPatch {
            agent_id: Some(agent),
            ..TicketPatch::default()
        };
        self.update_ticket(caller, workspace_id, id, patch).await
    }

    /// Replaces a ticket's tags. Every tag must be in the workspace (`NotFound` "tag").
    pub async fn set_ticket_tags(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: TicketId,
        tag_ids: &[TagId],
    ) -> Result<Ticket> {
        let acc = self.access(caller, workspace_id).await?;
        let wanted = input::id_list("tag_ids", tag_ids, MAX_TAGS)?;
        let tags = self.load_tags(&acc, &wanted).await?;
        self.mutate_ticket(&acc, id, acc.caller.actor(), |t, w, _| {
            Ok(retag(&mut t.tag_ids, &wanted, &tags, w, &acc)
                .into_iter()
                .collect())
        })
        .await
    }

    /// Adds tags to a ticket (keeping the others). Safe to run concurrently with other tag
    /// changes: each writer re-reads the current tags.
    pub async fn tag_ticket(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: TicketId,
        tag_ids: &[TagId],
    ) -> Result<Ticket> {
        let acc = self.access(caller, workspace_id).await?;
        let add = input::id_list("tag_ids", tag_ids, MAX_TAGS)?;
        let tags = self.load_tags(&acc, &add).await?;
        self.mutate_ticket(&acc, id, acc.caller.actor(), |t, w, _| {
            let mut wanted = t.tag_ids.clone();
            wanted.extend(add.iter().filter(|a| !t.tag_ids.contains(a)));
            if wanted.len() > MAX_TAGS {
                return Err(Error::validation(
                    "tag_ids",
                    format!("a ticket has at most {MAX_TAGS} tags"),
                ));
            }
            Ok(retag(&mut t.tag_ids, &wanted, &tags, w, &acc)
                .into_iter()
                .collect())
        })
        .await
    }

    /// Removes tags from a ticket (tags it does not have are ignored).
    pub async fn untag_ticket(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: TicketId,
        tag_ids: &[TagId],
    ) -> Result<Ticket> {
        let acc = self.access(caller, workspace_id).await?;
        let remove = input::id_list("tag_ids", tag_ids, MAX_TAGS)?;
        self.load_tags(&acc, &remove).await?;
        self.mutate_ticket(&acc, id, acc.caller.actor(), |t, w, _| {
            let wanted: Vec<TagId> = t
                .tag_ids
                .iter()
                .copied()
                .filter(|x| !remove.contains(x))
                .collect();
            Ok(retag(&mut t.tag_ids, &wanted, &[], w, &acc)
                .into_iter()
                .collect())
        })
        .await
    }
}

/// Sets `current` to `wanted`, requiring newly added tags to still exist, and reports the
/// `tags_changed` activity (none when nothing changed).
pub(crate) fn retag(
    current: &mut Vec<TagId>,
    wanted: &[TagId],
    tags: &[Tag],
    w: &mut Writes,
    acc: &Access,
) -> Option<Change> {
    let added: Vec<TagId> = wanted
        .iter()
        .copied()
        .filter(|t| !current.contains(t))
        .collect();
    let removed: Vec<TagId> = current
        .iter()
        .copied()
        .filter(|t| !wanted.contains(t))
        .collect();
    if added.is_empty() && removed.is_empty() {
        return None;
    }
    for a in &added {
        if tags.iter().any(|t| t.id == *a) {
            w.require_exists(Kind::Tag, acc.scope(), a.0);
        }
    }
    let details = serde_json::json!({
        "from": current.clone(),
        "to": wanted,
        "added": added,
        "removed": removed,
    });
    *current = wanted.to_vec();
    Some((ActivityAction::TagsChanged, details))
}

/// Preconditions that the rows a new ticket points at still exist when it is written.
pub(crate) fn require_refs(
    w: &mut Writes,
    acc: &Access,
    contact: Option<&Contact>,
    agent: Option<&crate::model::Membership>,
    tags: &[Tag],
) {
    if let Some(c) = contact {
        w.require_exists(Kind::Contact, acc.scope(), c.id.0);
    }
    if let Some(m) = agent {
        w.require_exists(Kind::Membership, acc.scope(), m.id.0);
    }
    for t in tags {
        w.require_exists(Kind::Tag, acc.scope(), t.id.0);
    }
}

/// The pipeline's message and attachments must belong to the workspace they are written to.
pub(crate) fn check_owned_rows(
    workspace_id: WorkspaceId,
    message: Option<&Message>,
    attachments: &[Attachment],
) -> Result<()> {
    if message.is_some_and(|m| m.workspace_id != workspace_id)
        || attachments.iter().any(|a| a.workspace_id != workspace_id)
    {
        return Err(Error::internal_msg(
            "a message or attachment of another workspace was passed to ticket creation",
        ));
    }
    Ok(())
}

/// A summary of who a ticket is assigned to, for embedding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentSummary {
    pub id: UserId,
    pub name: String,
    pub email: String,
}
