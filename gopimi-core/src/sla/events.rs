//! SLA events and what they become in the store.
//!
//! A transition ([`super::transitions`]) or the sweep returns an [`SlaOutcome`]: events
//! (warnings and breaches) and notes (activity entries that are not events, such as a reopened
//! ticket's restarted resolution clock). [`record`] adds, to the same [`Writes`] as the ticket
//! update that produced them:
//! - one activity entry per event and note (actor: system);
//! - one `webhook.dispatch` job per event, with a [`WebhookDispatch`] payload;
//! - `mail.notify` jobs for the members who want SLA emails (see [`crate::notify`]).
//!
//! Because the ticket update carries its expected version, the whole batch commits only if the
//! ticket did not change since it was read: an event is written exactly once, whoever (sweep,
//! second sweep, agent's reply) gets there first.

use crate::error::Result;
use crate::ids::{ActivityId, TicketId, WorkspaceId};
use crate::jobs::job;
use crate::model::{Activity, ActivitySubject, Actor, Ticket};
use crate::notify::{AudienceCache, Notice, jobs_for};
use crate::store::{Store, Writes};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The queue outbound webhook events are written to (the webhook dispatcher consumes it).
pub const WEBHOOK_QUEUE: &str = "webhook.dispatch";

/// An SLA event type, named as webhooks carry it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SlaEventType {
    /// `sla.first_response_warning`
    #[serde(rename = "sla.first_response_warning")]
    FirstResponseWarning,
    /// `sla.resolution_warning`
    #[serde(rename = "sla.resolution_warning")]
    ResolutionWarning,
    /// `sla.first_response_breached`
    #[serde(rename = "sla.first_response_breached")]
    FirstResponseBreached,
    /// `sla.resolution_breached`
    #[serde(rename = "sla.resolution_breached")]
    ResolutionBreached,
}

impl SlaEventType {
    /// Every event type.
    pub const ALL: [SlaEventType; 4] = [
        SlaEventType::FirstResponseWarning,
        SlaEventType::ResolutionWarning,
        SlaEventType::FirstResponseBreached,
        SlaEventType::ResolutionBreached,
    ];

    /// The webhook event name, e.g. `sla.resolution_breached`.
    pub fn as_str(self) -> &'static str {
        match self {
            SlaEventType::FirstResponseWarning => "sla.first_response_warning",
            SlaEventType::ResolutionWarning => "sla.resolution_warning",
            SlaEventType::FirstResponseBreached => "sla.first_response_breached",
            SlaEventType::ResolutionBreached => "sla.resolution_breached",
        }
    }

    /// The activity action it is logged as, e.g. `sla_resolution_breached`.
    pub fn activity_action(self) -> &'static str {
        match self {
            SlaEventType::FirstResponseWarning => "sla_first_response_warning",
            SlaEventType::ResolutionWarning => "sla_resolution_warning",
            SlaEventType::FirstResponseBreached => "sla_first_response_breached",
            SlaEventType::ResolutionBreached => "sla_resolution_breached",
        }
    }

    /// Whether this is a breach (not a warning).
    pub fn is_breach(self) -> bool {
        matches!(
            self,
            SlaEventType::FirstResponseBreached | SlaEventType::ResolutionBreached
        )
    }

    /// The metric it is about.
    pub fn metric(self) -> super::SlaMetric {
        match self {
            SlaEventType::FirstResponseWarning | SlaEventType::FirstResponseBreached => {
                super::SlaMetric::FirstResponse
            }
            SlaEventType::ResolutionWarning | SlaEventType::ResolutionBreached => {
                super::SlaMetric::Resolution
            }
        }
    }
}

impl fmt::Display for SlaEventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One warning or breach of one ticket's metric.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaEvent {
    pub event_type: SlaEventType,
    /// The due time of the metric when the event happened.
    pub due_at: Option<DateTime<Utc>>,
    /// When it was detected.
    pub occurred_at: DateTime<Utc>,
}

/// An activity entry that is not an event (e.g. `sla_resolution_restarted` on reopening).
#[derive(Debug, Clone, PartialEq)]
pub struct SlaNote {
    /// The activity action.
    pub action: &'static str,
    /// Its details.
    pub details: serde_json::Value,
    /// When it happened.
    pub at: DateTime<Utc>,
}

/// What an SLA transition produced besides the ticket's new state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SlaOutcome {
    pub events: Vec<SlaEvent>,
    pub notes: Vec<SlaNote>,
}

impl SlaOutcome {
    /// Nothing happened.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty() && self.notes.is_empty()
    }

    /// Appends another outcome.
    pub fn extend(&mut self, other: SlaOutcome) {
        self.events.extend(other.events);
        self.notes.extend(other.notes);
    }
}

/// The payload of a `webhook.dispatch` job for an SLA event. The dispatcher delivers it to
/// every enabled endpoint of the workspace subscribed to `event_type`.
///
/// ```json
/// {"event_type": "sla.resolution_breached",
///  "workspace_id": "0190...", "ticket_id": "0190...",
///  "occurred_at": "2026-03-02T10:00:00Z"}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookDispatch {
    /// The event name, e.g. `sla.first_response_breached`.
    pub event_type: String,
    pub workspace_id: WorkspaceId,
    pub ticket_id: TicketId,
    pub occurred_at: DateTime<Utc>,
}

/// Adds everything an outcome causes to `w`, in the same batch as the ticket's update:
/// activity entries, webhook jobs and notification jobs. `audiences` caches each workspace's
/// members and preferences across tickets (the sweep reuses one per pass).
pub async fn record(
    store: &dyn Store,
    ticket: &Ticket,
    outcome: &SlaOutcome,
    audiences: &mut AudienceCache,
    w: &mut Writes,
) -> Result<()> {
    for note in &outcome.notes {
        w.insert(&mut Activity {
            id: ActivityId::new(),
            workspace_id: ticket.workspace_id,
            subject: ActivitySubject::Ticket(ticket.id),
            actor: Actor::System,
            action: note.action.to_owned(),
            details: note.details.clone(),
            created_at: note.at,
            version: 0,
        })?;
    }
    if outcome.events.is_empty() {
        return Ok(());
    }
    let audience = audiences.get(store, ticket.workspace_id).await?;
    for event in &outcome.events {
        w.insert(&mut Activity {
            id: ActivityId::new(),
            workspace_id: ticket.workspace_id,
            subject: ActivitySubject::Ticket(ticket.id),
            actor: Actor::System,
            action: event.event_type.activity_action().to_owned(),
            details: serde_json::json!({
                "event_type": event.event_type,
                "metric": event.event_type.metric().as_str(),
                "due_at": event.due_at,
            }),
            created_at: event.occurred_at,
            version: 0,
        })?;
        let payload = WebhookDispatch {
            event_type: event.event_type.as_str().to_owned(),
            workspace_id: ticket.workspace_id,
            ticket_id: ticket.id,
            occurred_at: event.occurred_at,
        };
        w.insert(&mut job(
            WEBHOOK_QUEUE,
            &payload,
            Some(ticket.workspace_id.0),
            event.occurred_at,
        )?)?;
        let notice = Notice::Sla { ticket, event };
        for mut j in jobs_for(&notice, &audience, Actor::System, event.occurred_at)? {
            w.insert(&mut j)?;
        }
    }
    Ok(())
}
