//! Where the facade's writes turn into notification emails: each change adds the
//! `mail.notify` jobs it causes to its own batch (the rules of who gets what are
//! [`crate::notify::recipients`]'s).
//!
//! - a ticket created with an agent, or assigned to one: `ticket_assigned` (not when the agent
//!   assigned it to themselves);
//! - a status change: `ticket_status_changed` — except the reopening caused by a customer's
//!   reply, which the `ticket_reply` email about that reply already tells;
//! - an inbound email on a ticket (a reply, or the email that opened the ticket):
//!   `ticket_reply`; on a conversation: `conversation_message`;
//! - SLA warnings and breaches come with their events ([`crate::sla::record`]).

use super::Helpdesk;
use super::activity::ActivityAction;
use super::tickets::Change;
use crate::error::Result;
use crate::ids::WorkspaceId;
use crate::model::{Actor, Ticket};
use crate::notify::{Audience, Notice, jobs_for};
use crate::store::Writes;
use chrono::{DateTime, Utc};

/// Adds the jobs of one notice to a batch.
pub(crate) fn add_notice(
    w: &mut Writes,
    notice: &Notice<'_>,
    audience: &Audience,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<()> {
    for mut job in jobs_for(notice, audience, actor, now)? {
        w.insert(&mut job)?;
    }
    Ok(())
}

impl Helpdesk {
    /// A workspace's members and notification preferences.
    pub(crate) async fn audience(&self, workspace_id: WorkspaceId) -> Result<Audience> {
        Audience::load(self.db(), workspace_id).await
    }

    /// Adds the notifications of a ticket change (assignment, status) to its batch.
    pub(crate) async fn notify_ticket_change(
        &self,
        before: &Ticket,
        after: &Ticket,
        changes: &[Change],
        actor: Actor,
        now: DateTime<Utc>,
        w: &mut Writes,
    ) -> Result<()> {
        let assigned = after.agent_id.is_some() && after.agent_id != before.agent_id;
        let reopened_by_reply = changes
            .iter()
            .any(|(a, _)| *a == ActivityAction::MessageReceived);
        let status_changed = after.status != before.status && !reopened_by_reply;
        if !assigned && !status_changed {
            return Ok(());
        }
        let audience = self.audience(after.workspace_id).await?;
        if assigned {
            add_notice(
                w,
                &Notice::TicketAssigned { ticket: after },
                &audience,
                actor,
                now,
            )?;
        }
        if status_changed {
            let notice = Notice::TicketStatusChanged {
                ticket: after,
                from: before.status,
            };
            add_notice(w, &notice, &audience, actor, now)?;
        }
        Ok(())
    }
}
