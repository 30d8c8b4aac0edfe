//! Who gets which notification email.
//!
//! | event | recipients |
//! |---|---|
//! | ticket assigned | the newly assigned agent |
//! | ticket reply (inbound) | the ticket's agent; every member when unassigned |
//! | new conversation message (inbound) | every member for a shared conversation; only the owner for a personal one |
//! | ticket status changed | the ticket's agent; every member when unassigned |
//! | SLA warning or breach | every member (the agent among them) |
//!
//! Then, always:
//! - only current members of the workspace, and only those whose preference for the event is on
//!   (no preference row: on). SLA warnings and breaches share the one `sla_breach` switch, as
//!   in the product we match ("SLA notifications" on or off);
//! - never the member who caused the event (an agent assigning a ticket to themselves, closing
//!   it themselves...);
//! - never about spam or trashed tickets and conversations, and never for an auto-reply, a
//!   bounce, or a message that is not inbound mail (notes and the team's own replies are not
//!   "new messages" for the team).
//!
//! Decision on status changes (the product doc does not say): the assigned agent is the owner
//! of the ticket's progress, so only they hear about it; an unassigned ticket belongs to
//! everyone, so every member does. A reopening by a customer's reply is a status change caused
//! by the contact, so the agent (or everyone) hears about it besides the reply itself.

use super::audience::Audience;
use crate::ids::{UserId, WorkspaceId};
use crate::model::{
    Actor, Conversation, Message, MessageKind, NotificationEvent, Ticket, TicketStatus,
};
use crate::sla::SlaEvent;

/// Something that happened that may notify members.
#[derive(Debug, Clone, Copy)]
pub enum Notice<'a> {
    /// `ticket.agent_id` was just assigned to the ticket.
    TicketAssigned { ticket: &'a Ticket },
    /// An inbound email was threaded into the ticket.
    TicketReply {
        ticket: &'a Ticket,
        message: &'a Message,
    },
    /// An inbound email started or continued a conversation.
    ConversationMessage {
        conversation: &'a Conversation,
        message: &'a Message,
    },
    /// The ticket's status changed from `from` to `ticket.status`.
    TicketStatusChanged {
        ticket: &'a Ticket,
        from: TicketStatus,
    },
    /// An SLA warning or breach on the ticket.
    Sla {
        ticket: &'a Ticket,
        event: &'a SlaEvent,
    },
}

impl Notice<'_> {
    /// The preference switch that governs it.
    pub fn event(&self) -> NotificationEvent {
        match self {
            Notice::TicketAssigned { .. } => NotificationEvent::TicketAssigned,
            Notice::TicketReply { .. } => NotificationEvent::TicketReply,
            Notice::ConversationMessage { .. } => NotificationEvent::ConversationMessage,
            Notice::TicketStatusChanged { .. } => NotificationEvent::TicketStatusChanged,
            Notice::Sla { .. } => NotificationEvent::SlaBreach,
        }
    }

    /// The workspace it happened in.
    pub fn workspace_id(&self) -> WorkspaceId {
        match self {
            Notice::TicketAssigned { ticket }
            | Notice::TicketReply { ticket, .. }
            | Notice::TicketStatusChanged { ticket, .. }
            | Notice::Sla { ticket, .. } => ticket.workspace_id,
            Notice::ConversationMessage { conversation, .. } => conversation.workspace_id,
        }
    }

    /// Whether nobody is told at all: spam, trash, machine-sent or non-inbound mail, no change.
    pub(crate) fn suppressed(&self) -> bool {
        let hidden_ticket = |t: &Ticket| t.spam || t.deleted_at.is_some();
        let not_for_people = |m: &Message| {
            m.kind != MessageKind::Inbound || m.auto_submitted || m.bounce || m.deleted_at.is_some()
        };
        match self {
            Notice::TicketAssigned { ticket } => hidden_ticket(ticket) || ticket.agent_id.is_none(),
            Notice::TicketReply { ticket, message } => {
                hidden_ticket(ticket)
                    || not_for_people(message)
                    || message.ticket_id() != Some(ticket.id)
            }
            Notice::ConversationMessage {
                conversation,
                message,
            } => {
                conversation.spam
                    || conversation.deleted_at.is_some()
                    || not_for_people(message)
                    || message.conversation_id() != Some(conversation.id)
            }
            Notice::TicketStatusChanged { ticket, from } => {
                hidden_ticket(ticket) || *from == ticket.status
            }
            Notice::Sla { ticket, .. } => hidden_ticket(ticket),
        }
    }
}

/// The members to email about a notice caused by `actor`, in id order, each once.
pub fn recipients(notice: &Notice<'_>, audience: &Audience, actor: Actor) -> Vec<UserId> {
    if notice.suppressed() || audience.workspace_id() != notice.workspace_id() {
        return Vec::new();
    }
    let everyone = || audience.members().collect::<Vec<_>>();
    let agent_or_everyone = |t: &Ticket| match t.agent_id {
        Some(a) => vec![a],
        None => everyone(),
    };
    let mut candidates: Vec<UserId> = match notice {
        Notice::TicketAssigned { ticket } => ticket.agent_id.into_iter().collect(),
        Notice::TicketReply { ticket, .. } | Notice::TicketStatusChanged { ticket, .. } => {
            agent_or_everyone(ticket)
        }
        Notice::ConversationMessage { conversation, .. } => match conversation.owner_id {
            Some(owner) => vec![owner],
            None => everyone(),
        },
        Notice::Sla { .. } => everyone(),
    };
    let event = notice.event();
    let actor = actor.user_id();
    candidates.retain(|u| Some(*u) != actor && audience.wants(*u, event));
    candidates.sort();
    candidates.dedup();
    candidates
}
