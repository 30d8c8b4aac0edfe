//! Where the facade's writes turn into webhook deliveries: each change adds, to its own batch,
//! one delivery (and its job) per enabled endpoint of the workspace that wants the event (see
//! [`crate::webhooks`]). The endpoints are read once per change; with none, nothing is added.
//!
//! - a ticket created: `ticket.created` (and `message.created` for the email that opened it);
//! - a ticket changed: `ticket.updated` with the changes (field edits, tags, trash, spam,
//!   restore; not the messages, which have their own event), `ticket.status_changed` with
//!   `from` and `to`, `ticket.assigned` when it gets an agent;
//! - a ticket deleted for good: `ticket.deleted`;
//! - a message on a ticket (inbound, reply, note): `message.created`; on a conversation:
//!   `conversation.message_created`; a conversation opened: `conversation.created`;
//! - a contact created or changed: `contact.created`, `contact.updated`;
//! - SLA warnings and breaches go through the `webhook.dispatch` queue ([`crate::sla::record`]).
//!
//! A ticket's events (its messages' included) share the order key `ticket:<id>`, so they
//! reach each endpoint in the order they happened.
//!
//! Spam stays out, as it does from notifications: a ticket or conversation that arrives as
//! spam emits no `*.created` event, mail threaded into a spam ticket or conversation emits no
//! message event, and changes to a ticket that stays in spam emit nothing. Marking a ticket as
//! spam, or taking it out, is a `ticket.updated` (with the whole ticket), so an integrator can
//! drop it or pick it up.

use super::Helpdesk;
use super::activity::ActivityAction;
use super::tickets::Change;
use crate::error::Result;
use crate::ids::WorkspaceId;
use crate::model::{Contact, Conversation, Message, Parent, Ticket, Webhook};
use crate::store::Writes;
use crate::webhooks::enqueue::{enabled_endpoints, fan_out};
use crate::webhooks::events::{Event, contact_key, conversation_key, ticket_key};
use chrono::{DateTime, Utc};
use serde_json::json;

/// The enabled endpoints of a workspace, read before a change's batch is built.
#[derive(Debug, Clone, Default)]
pub(crate) struct Hooks(Vec<Webhook>);

impl Hooks {
    /// These hooks, or none for something that is spam.
    pub(crate) fn unless_spam(&self, spam: bool) -> Hooks {
        if spam { Hooks::default() } else { self.clone() }
    }

    /// Adds one event's deliveries to a batch.
    pub(crate) fn emit(
        &self,
        w: &mut Writes,
        event_type: &str,
        workspace_id: WorkspaceId,
        now: DateTime<Utc>,
        data: serde_json::Value,
        order_key: String,
    ) -> Result<()> {
        if self.0.is_empty() {
            return Ok(());
        }
        let event = Event::new(event_type, workspace_id, now, data, Some(order_key));
        fan_out(w, &self.0, &event, now)?;
        Ok(())
    }

    /// `message.created` or `conversation.message_created` for a new message.
    pub(crate) fn message_created(
        &self,
        w: &mut Writes,
        message: &Message,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut m = message.clone();
        m.version = m.version.max(1);
        match message.parent {
            Parent::Ticket(t) => self.emit(
                w,
                "message.created",
                message.workspace_id,
                now,
                json!({ "message": m, "ticket_id": t }),
                ticket_key(t),
            ),
            Parent::Conversation(c) => self.emit(
                w,
                "conversation.message_created",
                message.workspace_id,
                now,
                json!({ "message": m, "conversation_id": c }),
                conversation_key(c),
            ),
        }
    }

    /// `ticket.created` for a new ticket (its message's event is the caller's).
    pub(crate) fn ticket_created(
        &self,
        w: &mut Writes,
        ticket: &Ticket,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.emit(
            w,
            "ticket.created",
            ticket.workspace_id,
            now,
            json!({ "ticket": ticket }),
            ticket_key(ticket.id),
        )
    }

    /// The events of a ticket change.
    pub(crate) fn ticket_changed(
        &self,
        w: &mut Writes,
        before: &Ticket,
        after: &Ticket,
        changes: &[Change],
        now: DateTime<Utc>,
    ) -> Result<()> {
        if before.spam && after.spam {
            return Ok(());
        }
        let key = || ticket_key(after.id);
        let ws = after.workspace_id;
        let fields: Vec<serde_json::Value> = changes
            .iter()
            .filter(|(a, _)| !is_message_action(*a))
            .map(|(a, d)| json!({ "action": a.as_str(), "details": d }))
            .collect();
        if !fields.is_empty() {
            let data = json!({ "ticket": after, "changes": fields });
            self.emit(w, "ticket.updated", ws, now, data, key())?;
        }
        if before.status != after.status {
            let data = json!({ "ticket": after, "from": before.status, "to": after.status });
            self.emit(w, "ticket.status_changed", ws, now, data, key())?;
        }
        if after.agent_id.is_some() && after.agent_id != before.agent_id {
            let data = json!({ "ticket": after, "from": before.agent_id, "to": after.agent_id });
            self.emit(w, "ticket.assigned", ws, now, data, key())?;
        }
        Ok(())
    }

    /// `ticket.deleted` for a ticket deleted for good.
    pub(crate) fn ticket_deleted(
        &self,
        w: &mut Writes,
        ticket: &Ticket,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let data = json!({ "ticket": { "id": ticket.id, "number": ticket.number, "subject": ticket.subject } });
        self.emit(
            w,
            "ticket.deleted",
            ticket.workspace_id,
            now,
            data,
            ticket_key(ticket.id),
        )
    }

    /// `conversation.created` for a new conversation.
    pub(crate) fn conversation_created(
        &self,
        w: &mut Writes,
        conversation: &Conversation,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.emit(
            w,
            "conversation.created",
            conversation.workspace_id,
            now,
            json!({ "conversation": conversation }),
            conversation_key(conversation.id),
        )
    }

    /// `contact.created` or `contact.updated`.
    pub(crate) fn contact(
        &self,
        w: &mut Writes,
        event_type: &str,
        contact: &Contact,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.emit(
            w,
            event_type,
            contact.workspace_id,
            now,
            json!({ "contact": contact }),
            contact_key(contact.id),
        )
    }
}

/// Changes that are about messages, which `message.created` reports instead.
fn is_message_action(a: ActivityAction) -> bool {
    matches!(
        a,
        ActivityAction::NoteAdded
            | ActivityAction::ReplyAdded
            | ActivityAction::MessageReceived
            | ActivityAction::MessageEdited
            | ActivityAction::MessageDeleted
    )
}

impl Helpdesk {
    /// The enabled endpoints of a workspace, for a change about to be written.
    pub(crate) async fn hooks(&self, workspace_id: WorkspaceId) -> Result<Hooks> {
        Ok(Hooks(enabled_endpoints(self.db(), workspace_id).await?))
    }
}
