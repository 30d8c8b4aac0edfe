//! The one place a ticket's SLA state is (re)computed, called by every ticket write that can
//! move it: creation, a priority or status change, the first outbound reply. The rules are
//! [`crate::sla`]'s; this file only feeds them what happened.
//!
//! It keeps the facts SLA metrics are measured on (when the first response was sent, when the
//! ticket was resolved, when it was closed; reopening clears the last two), then lets the SLA
//! engine compute deadlines from the workspace's active policy (creation, and a priority change
//! of a ticket created without a target), settle metrics, restart the resolution clock on
//! reopening and pause it in `pending`. What that produces (a late reply's breach, a reopening's
//! `sla_resolution_restarted` note) is returned as an [`SlaOutcome`] and added to the same batch
//! as the ticket with [`Helpdesk::record_sla`]. Every other change only refreshes the derived
//! fields ([`sla::refresh`]: spam, trash and restore suspend or resume the clocks).

use super::Helpdesk;
use super::access::Access;
use crate::error::Result;
use crate::model::{Priority, Ticket, TicketStatus};
use crate::notify::AudienceCache;
use crate::sla::{self, SlaOutcome};
use crate::store::Writes;
use chrono::{DateTime, Utc};

/// What happened to a ticket that may move its SLA state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaTrigger {
    /// The ticket was created.
    Created,
    /// Its priority changed (targets are per priority).
    PriorityChanged { from: Priority, to: Priority },
    /// Its status changed (resolution, pause on pending, reopening).
    StatusChanged {
        from: TicketStatus,
        to: TicketStatus,
    },
    /// An agent's reply was queued for sending: the first one meets the first-response target.
    Replied,
}

impl Helpdesk {
    /// Updates the SLA-relevant fields of `ticket` for `trigger`, before it is written; returns
    /// what the caller must add to the batch with [`Helpdesk::record_sla`].
    ///
    /// The SLA never blocks the change itself: should its arithmetic fail (a policy saved
    /// before its calendar was validated, a deadline out of range), the ticket keeps the SLA
    /// state it had, the failure is logged, and the change goes through. Only a store that
    /// cannot be read fails the call (the caller retries or reports it).
    pub(crate) async fn sla_on(
        &self,
        acc: &Access,
        ticket: &mut Ticket,
        trigger: SlaTrigger,
        now: DateTime<Utc>,
    ) -> Result<SlaOutcome> {
        let kept = ticket.sla.clone();
        match self.sla_step(acc, ticket, trigger, now).await {
            Err(e) if !e.is_transient() => {
                tracing::warn!(ticket = %ticket.id, ?trigger, error = %e,
                    "SLA not updated; the ticket keeps its previous SLA state");
                ticket.sla = kept;
                sla::refresh(ticket);
                Ok(SlaOutcome::default())
            }
            other => other,
        }
    }

    async fn sla_step(
        &self,
        acc: &Access,
        ticket: &mut Ticket,
        trigger: SlaTrigger,
        now: DateTime<Utc>,
    ) -> Result<SlaOutcome> {
        match trigger {
            SlaTrigger::Created => {
                if ticket.status.is_done() {
                    ticket.resolved_at = Some(now);
                }
                if ticket.status == TicketStatus::Closed {
                    ticket.closed_at = Some(now);
                }
                let policy = sla::active_policy(self.db(), acc.ws()).await?;
                sla::start(ticket, policy.as_ref())?;
                Ok(SlaOutcome::default())
            }
            SlaTrigger::StatusChanged { from, to } => {
                if to.is_done() {
                    ticket.resolved_at.get_or_insert(now);
                } else {
                    ticket.resolved_at = None;
                }
                ticket.closed_at = match to {
                    TicketStatus::Closed => Some(ticket.closed_at.unwrap_or(now)),
                    _ => None,
                };
                sla::on_status_change(ticket, from, now)
            }
            SlaTrigger::Replied => {
                ticket.first_response_at.get_or_insert(now);
                Ok(sla::transitions::on_agent_reply(ticket, now))
            }
            SlaTrigger::PriorityChanged { .. } => {
                // The active policy matters only to a ticket created without a target.
                let policy = match ticket.sla {
                    Some(_) => None,
                    None => sla::active_policy(self.db(), acc.ws()).await?,
                };
                sla::on_priority_change(ticket, policy.as_ref())?;
                Ok(SlaOutcome::default())
            }
        }
    }

    /// Adds an SLA outcome (activity entries, webhook and notification jobs) to the batch that
    /// writes `ticket`.
    pub(crate) async fn record_sla(
        &self,
        ticket: &Ticket,
        outcome: &SlaOutcome,
        w: &mut Writes,
    ) -> Result<()> {
        if outcome.is_empty() {
            return Ok(());
        }
        sla::record(self.db(), ticket, outcome, &mut AudienceCache::default(), w).await
    }
}
