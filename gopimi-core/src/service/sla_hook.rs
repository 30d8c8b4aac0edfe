//! The one place a ticket's SLA fields are (re)computed, called by every ticket write that can
//! move them: creation, a priority or status change, the first outbound reply.
//!
//! Today it keeps the facts SLA metrics are measured on: when the first response was sent, when
//! the ticket was resolved, when it was closed (reopening clears the last two). Deadlines from
//! the workspace's active SLA policy (`Ticket::sla`: due times, warning times, statuses and the
//! `next_check_at` the sweep reads) are the SLA work's to add here; every caller already passes
//! what happened, the access (for the workspace) and the time, and writes the ticket in the same
//! batch as the change.

use super::Helpdesk;
use super::access::Access;
use crate::error::Result;
use crate::model::{Priority, Ticket, TicketStatus};
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
    /// Updates the SLA-relevant fields of `ticket` for `trigger`, before it is written.
    pub(crate) async fn sla_on(
        &self,
        _acc: &Access,
        ticket: &mut Ticket,
        trigger: SlaTrigger,
        now: DateTime<Utc>,
    ) -> Result<()> {
        match trigger {
            SlaTrigger::Created => {
                if ticket.status.is_done() {
                    ticket.resolved_at = Some(now);
                }
                if ticket.status == TicketStatus::Closed {
                    ticket.closed_at = Some(now);
                }
            }
            SlaTrigger::StatusChanged { to, .. } => {
                if to.is_done() {
                    ticket.resolved_at.get_or_insert(now);
                } else {
                    ticket.resolved_at = None;
                }
                ticket.closed_at = match to {
                    TicketStatus::Closed => Some(ticket.closed_at.unwrap_or(now)),
                    _ => None,
                };
            }
            SlaTrigger::Replied => {
                ticket.first_response_at.get_or_insert(now);
            }
            SlaTrigger::PriorityChanged { .. } => {}
        }
        Ok(())
    }
}
