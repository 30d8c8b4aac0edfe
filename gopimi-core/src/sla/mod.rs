//! SLA tracking: deadlines per ticket, what meets and breaches them, and the sweep that
//! announces warnings and breaches exactly once.
//!
//! The pieces, one concept each:
//! - [`calendar`]: working-time arithmetic (business hours in an IANA zone, holidays,
//!   daylight-saving switches), or the wall clock without a calendar;
//! - [`deadlines`]: a new ticket's SLA under the workspace's active policy, priority changes,
//!   the overall status and `next_check_at` (the `sla_due_at` index the sweep reads);
//! - [`transitions`]: replies, status changes (resolution, reopening, pause on pending) and time
//!   passing;
//! - [`events`]: warnings and breaches, and what they become in the same atomic write
//!   (activity entries, `webhook.dispatch` jobs, `mail.notify` jobs);
//! - [`sweep`]: the periodic pass over due tickets.
//!
//! # Entry points for ticket writers
//!
//! Everything works on a `Ticket` in memory, before the caller writes it; the caller then adds
//! the outcome to the same [`Writes`](crate::store::Writes) with [`record`]:
//!
//! | the ticket... | call |
//! |---|---|
//! | is created | [`active_policy`], then [`start`] |
//! | changes priority | [`on_priority_change`] (with [`active_policy`]) |
//! | changes status | [`on_status_change`] → [`SlaOutcome`] |
//! | gets an outbound reply | [`on_reply`] (or [`on_agent_reply`]) → [`SlaOutcome`] |
//! | changes in any other way (spam, trash, restore) | [`refresh`] |
//!
//! Policies are validated with [`validate_policy`] before they are saved.

pub mod calendar;
pub mod deadlines;
pub mod events;
pub mod sweep;
pub mod transitions;

pub use calendar::{Calendar, WorkingTime};
pub use deadlines::{SlaMetric, on_priority_change, overall, refresh, start, validate_policy};
pub use events::{
    SlaEvent, SlaEventType, SlaNote, SlaOutcome, WEBHOOK_QUEUE, WebhookDispatch, record,
};
pub use sweep::{
    DEFAULT_SWEEP_INTERVAL, SWEEP_QUEUE, SlaSweeper, SweepOptions, SweepReport, sweep,
};
pub use transitions::{advance, on_agent_reply, on_reply, on_status_change};

use crate::error::Result;
use crate::ids::WorkspaceId;
use crate::model::SlaPolicy;
use crate::store::{Filter, Kind, Query, Store, StoreExt};

/// The workspace's active SLA policy, if any (at most one is active; the newest wins should a
/// race ever leave two).
pub async fn active_policy(
    store: &dyn Store,
    workspace_id: WorkspaceId,
) -> Result<Option<SlaPolicy>> {
    let active: Vec<SlaPolicy> = store
        .find(
            &Query::new(Kind::SlaPolicy, Some(workspace_id.0))
                .filter(Filter::Eq("active", true.into()))
                .limit(10),
        )
        .await?;
    Ok(active.into_iter().max_by_key(|p| (p.updated_at, p.id)))
}
