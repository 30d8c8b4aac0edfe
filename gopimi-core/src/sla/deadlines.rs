//! Deadlines: what a ticket's SLA is when it is created under the workspace's active policy,
//! how a priority change moves it, and when the sweep must look at the ticket next.
//!
//! - Targets are per priority. A ticket whose priority has no target gets no SLA
//!   (`ticket.sla == None`).
//! - First response counts from the ticket's creation; resolution from its creation or its last
//!   reopening, pushed out by the working time it spent paused in `pending`.
//! - The warning time is when `warning_percent` of the target is left (20% by default): with a
//!   4-hour target, 48 minutes before the due time (in working time under a calendar).
//! - The ticket copies the policy's terms ([`SlaTerms`]): editing, deactivating or deleting the
//!   policy changes nothing for tickets already created.
//! - A priority change recomputes the due and warning times of every metric still running
//!   (not met, not breached) from the same starts. Met and breached are final for their clock:
//!   a breach already announced stays breached, and a warning stays a warning, so each event
//!   is emitted at most once per clock. Changing to a priority without a target removes the SLA.
//! - `next_check_at` (projected as `sla_due_at`) is the earliest pending warning or due time of
//!   the metrics that are running; `None` when nothing is left to watch. Metrics do not run while
//!   the ticket is resolved or closed (both are settled then), in spam or in the trash
//!   (suspended: they run again on restore), and resolution does not run while paused.

use super::calendar::{Calendar, WorkingTime, check_reachable};
use crate::error::{Error, Result};
use crate::ids::SlaPolicyId;
use crate::model::{
    BusinessCalendar, SlaMetricStatus, SlaPolicy, SlaTarget, SlaTerms, Ticket, TicketSla,
};
use chrono::{DateTime, Duration, Utc};

/// The two metrics of a ticket's SLA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SlaMetric {
    /// Time to the first outbound reply.
    FirstResponse,
    /// Time to resolved or closed.
    Resolution,
}

impl SlaMetric {
    /// API name.
    pub fn as_str(self) -> &'static str {
        match self {
            SlaMetric::FirstResponse => "first_response",
            SlaMetric::Resolution => "resolution",
        }
    }
}

/// The mutable parts of one metric.
pub(crate) struct MetricState<'a> {
    pub due_at: &'a mut Option<DateTime<Utc>>,
    pub warn_at: &'a mut Option<DateTime<Utc>>,
    pub status: &'a mut SlaMetricStatus,
}

pub(crate) fn metric(sla: &mut TicketSla, m: SlaMetric) -> MetricState<'_> {
    match m {
        SlaMetric::FirstResponse => MetricState {
            due_at: &mut sla.first_response_due_at,
            warn_at: &mut sla.first_response_warn_at,
            status: &mut sla.first_response_status,
        },
        SlaMetric::Resolution => MetricState {
            due_at: &mut sla.resolution_due_at,
            warn_at: &mut sla.resolution_warn_at,
            status: &mut sla.resolution_status,
        },
    }
}

/// Whether a metric is settled for its clock (met or breached).
pub(crate) fn is_final(s: SlaMetricStatus) -> bool {
    matches!(s, SlaMetricStatus::Met | SlaMetricStatus::Breached)
}

/// Validates a policy's calendar and targets before it is saved: a known time zone, working
/// hours in the week, targets the calendar can fit (see [`check_reachable`]), a warning
/// percentage between 1 and 99. The facade's SLA policy service calls this.
pub fn validate_policy(
    targets: &[SlaTarget],
    calendar: Option<&BusinessCalendar>,
    warning_percent: u8,
) -> Result<()> {
    if !(1..=99).contains(&warning_percent) {
        return Err(Error::validation(
            "warning_percent",
            "must be between 1 and 99",
        ));
    }
    if let Some(c) = calendar {
        let cal = Calendar::new(c)?;
        for t in targets {
            check_reachable(
                &cal,
                t.first_response_minutes,
                "targets.first_response_minutes",
            )?;
            check_reachable(&cal, t.resolution_minutes, "targets.resolution_minutes")?;
        }
    }
    Ok(())
}

/// The warning and due times of a clock that started at `start`, for a target of `minutes`,
/// pushed out by `pushed` of paused working time.
fn plan(
    wt: &WorkingTime,
    start: DateTime<Utc>,
    minutes: u32,
    warning_percent: u8,
    pushed: Duration,
) -> Result<(DateTime<Utc>, Option<DateTime<Utc>>)> {
    let target = Duration::minutes(i64::from(minutes));
    let due = wt.add(start, target + pushed)?;
    let warn = match warning_percent.min(99) {
        0 => None,
        pct => {
            let elapsed = Duration::seconds(target.num_seconds() * i64::from(100 - pct) / 100);
            Some(wt.add(start, elapsed + pushed)?)
        }
    };
    Ok((due, warn))
}

/// Starts SLA tracking on a ticket being created: sets `ticket.sla` from the workspace's
/// active policy (`None` without one, or when the ticket's priority has no target). Call it
/// after the ticket's status and first-response/resolved facts are set and before writing it.
/// A ticket created already resolved or closed has both metrics met at once.
pub fn start(ticket: &mut Ticket, policy: Option<&SlaPolicy>) -> Result<()> {
    ticket.sla = match policy {
        Some(p) if p.active && p.workspace_id == ticket.workspace_id => {
            fresh(ticket, p.id, p.terms())?
        }
        _ => None,
    };
    if ticket.sla.is_some() {
        settle_from_facts(ticket);
        refresh(ticket);
    }
    Ok(())
}

/// A new SLA for a ticket under `terms`, counting from its creation; `None` when its priority
/// has no target.
fn fresh(ticket: &Ticket, policy_id: SlaPolicyId, terms: SlaTerms) -> Result<Option<TicketSla>> {
    let Some(target) = terms.target(ticket.priority).cloned() else {
        return Ok(None);
    };
    let wt = WorkingTime::new(terms.calendar.as_ref())?;
    let pct = terms.warning_percent;
    let start = ticket.created_at;
    let (fr_due, fr_warn) = plan(
        &wt,
        start,
        target.first_response_minutes,
        pct,
        Duration::zero(),
    )?;
    let (res_due, res_warn) = plan(&wt, start, target.resolution_minutes, pct, Duration::zero())?;
    let paused_at = (terms.pause_on_pending
        && ticket.status == crate::model::TicketStatus::Pending)
        .then_some(start);
    Ok(Some(TicketSla {
        policy_id,
        first_response_due_at: Some(fr_due),
        resolution_due_at: Some(res_due),
        first_response_warn_at: fr_warn,
        resolution_warn_at: res_warn,
        first_response_status: SlaMetricStatus::OnTrack,
        resolution_status: SlaMetricStatus::OnTrack,
        status: SlaMetricStatus::OnTrack,
        paused_at,
        next_check_at: None,
        terms,
        resolution_started_at: None,
        resolution_paused_seconds: 0,
    }))
}

/// Settles metrics from facts the ticket already carries (a reply sent, the ticket resolved),
/// without events: used when tracking starts, where nothing can have been announced yet.
fn settle_from_facts(ticket: &mut Ticket) {
    let first_response_at = ticket.first_response_at;
    let done_at = ticket.status.is_done().then(|| {
        ticket
            .resolved_at
            .or(ticket.closed_at)
            .unwrap_or(ticket.updated_at)
    });
    let Some(sla) = ticket.sla.as_mut() else {
        return;
    };
    let settle = |m: MetricState<'_>, at: DateTime<Utc>| {
        if !is_final(*m.status) {
            *m.status = if m.due_at.is_some_and(|d| at > d) {
                SlaMetricStatus::Breached
            } else {
                SlaMetricStatus::Met
            };
        }
    };
    if let Some(at) = first_response_at {
        settle(metric(sla, SlaMetric::FirstResponse), at);
    }
    if let Some(at) = done_at {
        settle(metric(sla, SlaMetric::FirstResponse), at);
        settle(metric(sla, SlaMetric::Resolution), at);
        sla.paused_at = None;
    }
}

/// Recomputes a ticket's SLA after its priority changed (`ticket.priority` is the new one).
///
/// A ticket with an SLA keeps its own terms: running metrics get new due and warning times
/// from the same clock starts (creation; last reopening for resolution, plus paused time).
/// A ticket without one gets one when `active_policy` was already in force, unchanged, when the
/// ticket was created (it was created under it, at a priority without a target); a policy
/// created or edited later applies to new tickets only. Changes nothing on a resolved or
/// closed ticket (its metrics are settled).
pub fn on_priority_change(ticket: &mut Ticket, active_policy: Option<&SlaPolicy>) -> Result<()> {
    if ticket.status.is_done() {
        return Ok(());
    }
    let Some(sla) = ticket.sla.as_mut() else {
        let in_force = active_policy.filter(|p| {
            p.active && p.workspace_id == ticket.workspace_id && p.updated_at <= ticket.created_at
        });
        return start(ticket, in_force);
    };
    let Some(target) = sla.terms.target(ticket.priority).cloned() else {
        ticket.sla = None;
        return Ok(());
    };
    let wt = WorkingTime::new(sla.terms.calendar.as_ref())?;
    let pct = sla.terms.warning_percent;
    if !is_final(sla.first_response_status) {
        let (due, warn) = plan(
            &wt,
            ticket.created_at,
            target.first_response_minutes,
            pct,
            Duration::zero(),
        )?;
        sla.first_response_due_at = Some(due);
        sla.first_response_warn_at = warn;
    }
    if !is_final(sla.resolution_status) {
        let start = sla.resolution_started_at.unwrap_or(ticket.created_at);
        let (due, warn) = plan(
            &wt,
            start,
            target.resolution_minutes,
            pct,
            Duration::seconds(sla.resolution_paused_seconds),
        )?;
        sla.resolution_due_at = Some(due);
        sla.resolution_warn_at = warn;
    }
    refresh(ticket);
    Ok(())
}

/// Restarts the resolution clock at `now` (a reopened ticket): new due and warning times from
/// `now`, status on track, no paused time. Returns the new due time, or `None` when the
/// ticket's priority has no target under its terms (then nothing changes).
pub(crate) fn restart_resolution(
    ticket: &mut Ticket,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>> {
    let priority = ticket.priority;
    let Some(sla) = ticket.sla.as_mut() else {
        return Ok(None);
    };
    let Some(target) = sla.terms.target(priority).cloned() else {
        return Ok(None);
    };
    let wt = WorkingTime::new(sla.terms.calendar.as_ref())?;
    let (due, warn) = plan(
        &wt,
        now,
        target.resolution_minutes,
        sla.terms.warning_percent,
        Duration::zero(),
    )?;
    sla.resolution_started_at = Some(now);
    sla.resolution_paused_seconds = 0;
    sla.resolution_due_at = Some(due);
    sla.resolution_warn_at = warn;
    sla.resolution_status = SlaMetricStatus::OnTrack;
    sla.paused_at = None;
    Ok(Some(due))
}

/// Whether a ticket's metrics can run at all: not resolved or closed, not spam, not trashed.
pub(crate) fn clocks_run(ticket: &Ticket) -> bool {
    !ticket.status.is_done() && !ticket.spam && ticket.deleted_at.is_none()
}

/// Whether one metric is running: the ticket's clocks run, the metric is not settled, it has a
/// due time, and (resolution) it is not paused.
pub(crate) fn running(ticket: &Ticket, sla: &TicketSla, m: SlaMetric) -> bool {
    if !clocks_run(ticket) {
        return false;
    }
    match m {
        SlaMetric::FirstResponse => {
            !is_final(sla.first_response_status) && sla.first_response_due_at.is_some()
        }
        SlaMetric::Resolution => {
            !is_final(sla.resolution_status)
                && sla.resolution_due_at.is_some()
                && sla.paused_at.is_none()
        }
    }
}

/// The next instant a running metric needs a look: its warning time while on track, else its
/// due time.
fn next_point(
    status: SlaMetricStatus,
    warn: Option<DateTime<Utc>>,
    due: Option<DateTime<Utc>>,
) -> Option<DateTime<Utc>> {
    match (status, warn) {
        (SlaMetricStatus::OnTrack, Some(w)) => Some(w.min(due.unwrap_or(w))),
        _ => due,
    }
}

/// The overall status: breached if either metric is breached, else warning if either warns,
/// else met if both are met, else on track.
pub fn overall(first_response: SlaMetricStatus, resolution: SlaMetricStatus) -> SlaMetricStatus {
    use SlaMetricStatus::*;
    if first_response == Breached || resolution == Breached {
        Breached
    } else if first_response == Warning || resolution == Warning {
        Warning
    } else if first_response == Met && resolution == Met {
        Met
    } else {
        OnTrack
    }
}

/// Recomputes the derived parts of a ticket's SLA: the overall status and `next_check_at`.
/// Every path that changes a ticket (including spam, trash and restore) calls this before
/// writing it, so the sweep's index is never stale.
pub fn refresh(ticket: &mut Ticket) {
    let Some(sla) = ticket.sla.as_ref() else {
        return;
    };
    let mut next: Option<DateTime<Utc>> = None;
    if running(ticket, sla, SlaMetric::FirstResponse) {
        next = next_point(
            sla.first_response_status,
            sla.first_response_warn_at,
            sla.first_response_due_at,
        );
    }
    if running(ticket, sla, SlaMetric::Resolution) {
        let p = next_point(
            sla.resolution_status,
            sla.resolution_warn_at,
            sla.resolution_due_at,
        );
        next = match (next, p) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    let status = overall(sla.first_response_status, sla.resolution_status);
    if let Some(sla) = ticket.sla.as_mut() {
        sla.next_check_at = next;
        sla.status = status;
    }
}
