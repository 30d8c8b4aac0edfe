//! What moves a ticket's SLA metrics: an agent's reply, a status change, and time passing.
//!
//! - **First response** is met by the first outbound reply: not an internal note, not an
//!   auto-reply. A reply after the due time settles it as breached (with the breach event, if
//!   the sweep had not announced it yet).
//! - **Resolution** is met when the ticket becomes resolved or closed by its due time. Resolving
//!   also settles a first response still open (met if in time): a resolved request needs no
//!   reply anymore, and the overall status of a finished ticket is then met or breached, never
//!   "on track" forever.
//! - **Reopening** (resolved/closed back to an open status) starts the resolution clock again
//!   from the reopen: a new due time from the current priority's target, status on track, and
//!   an `sla_resolution_restarted` activity note. The first response stays settled. Warnings
//!   and breaches are then announced again for the new clock (once each).
//! - **Pause on pending** (when the policy says so): while the ticket is `pending`, resolution
//!   does not run (`paused_at` is set); leaving `pending` pushes the resolution due and warning
//!   times out by the working time spent paused. First response is never paused.
//! - **Time passing** ([`advance`], the sweep): a running metric past its due time becomes
//!   breached (a reply or resolution at the due time itself is still in time, and a time is
//!   passed once it is strictly before now); one past its warning time (and not due) becomes warning. A late sweep announces
//!   only the breach, never a warning after the fact.
//!
//! Every function here mutates the ticket in memory and returns an [`SlaOutcome`]; the caller
//! writes the ticket and [`super::record`]s the outcome in one batch.

use super::calendar::WorkingTime;
use super::deadlines::{
    SlaMetric, clocks_run, is_final, metric, refresh, restart_resolution, running,
};
use super::events::{SlaEvent, SlaEventType, SlaNote, SlaOutcome};
use crate::error::Result;
use crate::model::{Message, MessageKind, SlaMetricStatus, Ticket, TicketStatus};
use chrono::{DateTime, Utc};

fn breach_type(m: SlaMetric) -> SlaEventType {
    match m {
        SlaMetric::FirstResponse => SlaEventType::FirstResponseBreached,
        SlaMetric::Resolution => SlaEventType::ResolutionBreached,
    }
}

fn warning_type(m: SlaMetric) -> SlaEventType {
    match m {
        SlaMetric::FirstResponse => SlaEventType::FirstResponseWarning,
        SlaMetric::Resolution => SlaEventType::ResolutionWarning,
    }
}

/// Settles a metric at `at`: met when in time, else breached with its event. Settled metrics
/// are left alone.
fn settle(ticket: &mut Ticket, m: SlaMetric, at: DateTime<Utc>, out: &mut SlaOutcome) {
    let Some(sla) = ticket.sla.as_mut() else {
        return;
    };
    let st = metric(sla, m);
    if is_final(*st.status) {
        return;
    }
    let due = *st.due_at;
    if due.is_some_and(|d| at > d) {
        *st.status = SlaMetricStatus::Breached;
        out.events.push(SlaEvent {
            event_type: breach_type(m),
            due_at: due,
            occurred_at: at,
        });
    } else {
        *st.status = SlaMetricStatus::Met;
    }
}

/// A message was added to the ticket: an outbound, human reply meets (or, late, breaches) the
/// first response. Notes, inbound mail and auto-replies change nothing.
pub fn on_reply(ticket: &mut Ticket, message: &Message, now: DateTime<Utc>) -> SlaOutcome {
    if message.kind != MessageKind::Outbound
        || message.auto_submitted
        || message.ticket_id() != Some(ticket.id)
    {
        return SlaOutcome::default();
    }
    on_agent_reply(ticket, now)
}

/// An agent's outbound reply was added at `now` (the caller vouches it is one: not a note, not
/// an auto-reply); see [`on_reply`] for a caller holding the message.
pub fn on_agent_reply(ticket: &mut Ticket, now: DateTime<Utc>) -> SlaOutcome {
    let mut out = SlaOutcome::default();
    if ticket.sla.is_none() {
        return out;
    }
    settle(ticket, SlaMetric::FirstResponse, now, &mut out);
    refresh(ticket);
    out
}

/// The ticket's status changed from `from` to `ticket.status` at `now`.
pub fn on_status_change(
    ticket: &mut Ticket,
    from: TicketStatus,
    now: DateTime<Utc>,
) -> Result<SlaOutcome> {
    let to = ticket.status;
    let mut out = SlaOutcome::default();
    if from == to {
        return Ok(out);
    }
    let Some(sla) = ticket.sla.as_mut() else {
        return Ok(out);
    };

    // Leaving `pending`: push the resolution clock out by the paused working time.
    if to != TicketStatus::Pending
        && let Some(paused_at) = sla.paused_at.take()
        && !is_final(sla.resolution_status)
    {
        let wt = WorkingTime::new(sla.terms.calendar.as_ref())?;
        let paused = wt.between(paused_at, now);
        sla.resolution_paused_seconds += paused.num_seconds();
        if let Some(d) = sla.resolution_due_at {
            sla.resolution_due_at = Some(wt.add(d, paused)?);
        }
        if let Some(w) = sla.resolution_warn_at {
            sla.resolution_warn_at = Some(wt.add(w, paused)?);
        }
    }

    if to.is_done() && !from.is_done() {
        settle(ticket, SlaMetric::Resolution, now, &mut out);
        settle(ticket, SlaMetric::FirstResponse, now, &mut out);
    } else if from.is_done() && !to.is_done() {
        let previous = ticket
            .sla
            .as_ref()
            .map(|s| s.resolution_status)
            .unwrap_or(SlaMetricStatus::OnTrack);
        if let Some(due) = restart_resolution(ticket, now)? {
            out.notes.push(SlaNote {
                action: "sla_resolution_restarted",
                details: serde_json::json!({
                    "reopened_at": now,
                    "previous_status": previous,
                    "resolution_due_at": due,
                }),
                at: now,
            });
        }
    }

    // Entering `pending` (also straight from a reopening): pause resolution.
    if to == TicketStatus::Pending
        && let Some(sla) = ticket.sla.as_mut()
        && sla.terms.pause_on_pending
        && sla.paused_at.is_none()
        && !is_final(sla.resolution_status)
    {
        sla.paused_at = Some(now);
    }
    refresh(ticket);
    Ok(out)
}

/// Time passed to `now`: marks running metrics whose warning or due time has passed and
/// returns their events. The sweep's step; also safe to call on any ticket at any time (a
/// ticket with nothing due gets only its derived fields refreshed).
pub fn advance(ticket: &mut Ticket, now: DateTime<Utc>) -> SlaOutcome {
    let mut out = SlaOutcome::default();
    if ticket.sla.is_none() || !clocks_run(ticket) {
        refresh(ticket);
        return out;
    }
    for m in [SlaMetric::FirstResponse, SlaMetric::Resolution] {
        let Some(sla) = ticket.sla.as_ref() else {
            break;
        };
        if !running(ticket, sla, m) {
            continue;
        }
        let Some(sla) = ticket.sla.as_mut() else {
            break;
        };
        let st = metric(sla, m);
        let due = *st.due_at;
        if due.is_some_and(|d| d < now) {
            *st.status = SlaMetricStatus::Breached;
            out.events.push(SlaEvent {
                event_type: breach_type(m),
                due_at: due,
                occurred_at: now,
            });
        } else if *st.status == SlaMetricStatus::OnTrack && st.warn_at.is_some_and(|w| w < now) {
            *st.status = SlaMetricStatus::Warning;
            out.events.push(SlaEvent {
                event_type: warning_type(m),
                due_at: due,
                occurred_at: now,
            });
        }
    }
    refresh(ticket);
    out
}
