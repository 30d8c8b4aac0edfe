//! SLA policies and the SLA state a ticket carries.
//!
//! Decision (the two product documents differ): a workspace has at most one *active* policy; a
//! policy holds a first-response and a resolution target per priority. Deadlines may count
//! business hours only when the policy names a calendar.

use super::ticket::Priority;
use crate::ids::{SlaPolicyId, WorkspaceId};
use crate::search;
use crate::store::{Entity, Kind, Value};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc, Weekday};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Targets for one priority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaTarget {
    pub priority: Priority,
    pub first_response_minutes: u32,
    pub resolution_minutes: u32,
}

/// Working hours of one weekday.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkingHours {
    pub day: Weekday,
    pub start: NaiveTime,
    pub end: NaiveTime,
}

/// A business-hours calendar: deadlines count only time inside these hours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessCalendar {
    /// IANA time zone name, e.g. `Europe/Berlin`.
    pub time_zone: String,
    pub hours: Vec<WorkingHours>,
    #[serde(default)]
    pub holidays: Vec<NaiveDate>,
}

/// An SLA policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlaPolicy {
    pub id: SlaPolicyId,
    pub workspace_id: WorkspaceId,
    pub name: String,
    pub active: bool,
    pub targets: Vec<SlaTarget>,
    #[serde(default)]
    pub calendar: Option<BusinessCalendar>,
    /// Whether time in `pending` does not count toward resolution.
    #[serde(default)]
    pub pause_on_pending: bool,
    /// Warn when this percentage of the target is left (default 20).
    #[serde(default = "default_warning_percent")]
    pub warning_percent: u8,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default)]
    pub version: u64,
}

fn default_warning_percent() -> u8 {
    20
}

impl SlaPolicy {
    /// The targets for a priority.
    pub fn target(&self, p: Priority) -> Option<&SlaTarget> {
        self.targets.iter().find(|t| t.priority == p)
    }

    /// The terms a ticket created now is measured against.
    pub fn terms(&self) -> SlaTerms {
        SlaTerms {
            targets: self.targets.clone(),
            calendar: self.calendar.clone(),
            pause_on_pending: self.pause_on_pending,
            warning_percent: self.warning_percent,
        }
    }
}

/// A policy's terms as a ticket keeps them: copied when the ticket is created, so editing or
/// deleting the policy later changes nothing for existing tickets (a policy change applies to
/// new tickets only), and recomputing a ticket's deadlines (priority change, reopening) never
/// reads the policy again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaTerms {
    pub targets: Vec<SlaTarget>,
    #[serde(default)]
    pub calendar: Option<BusinessCalendar>,
    #[serde(default)]
    pub pause_on_pending: bool,
    #[serde(default = "default_warning_percent")]
    pub warning_percent: u8,
}

impl Default for SlaTerms {
    fn default() -> Self {
        SlaTerms {
            targets: Vec::new(),
            calendar: None,
            pause_on_pending: false,
            warning_percent: default_warning_percent(),
        }
    }
}

impl SlaTerms {
    /// The targets for a priority.
    pub fn target(&self, p: Priority) -> Option<&SlaTarget> {
        self.targets.iter().find(|t| t.priority == p)
    }
}

impl Entity for SlaPolicy {
    const KIND: Kind = Kind::SlaPolicy;
    const NAME: &'static str = "SLA policy";
    fn id(&self) -> Uuid {
        self.id.0
    }
    fn workspace_id(&self) -> Option<Uuid> {
        Some(self.workspace_id.0)
    }
    versioned!();
    fn fields(&self) -> Vec<Value> {
        vec![
            self.active.into(),
            search::sort_key(&self.name).into(),
            self.created_at.into(),
        ]
    }
}

/// The state of one SLA metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaMetricStatus {
    OnTrack,
    Warning,
    Met,
    Breached,
}

impl SlaMetricStatus {
    /// API name.
    pub fn as_str(self) -> &'static str {
        match self {
            SlaMetricStatus::OnTrack => "on_track",
            SlaMetricStatus::Warning => "warning",
            SlaMetricStatus::Met => "met",
            SlaMetricStatus::Breached => "breached",
        }
    }
}

/// The SLA state a ticket carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketSla {
    pub policy_id: SlaPolicyId,
    pub first_response_due_at: Option<DateTime<Utc>>,
    pub resolution_due_at: Option<DateTime<Utc>>,
    pub first_response_warn_at: Option<DateTime<Utc>>,
    pub resolution_warn_at: Option<DateTime<Utc>>,
    pub first_response_status: SlaMetricStatus,
    pub resolution_status: SlaMetricStatus,
    /// Overall: breached if either is breached, else warning if either warns, else met if both
    /// met, else on_track.
    pub status: SlaMetricStatus,
    /// When the resolution clock was paused (pending), if it is.
    #[serde(default)]
    pub paused_at: Option<DateTime<Utc>>,
    /// The next time the sweep must look at this ticket; `None` when nothing is left to watch.
    /// Projected as `sla_due_at` so the sweep reads an index, not all tickets.
    pub next_check_at: Option<DateTime<Utc>>,
    /// The policy's terms when the ticket was created (see [`SlaTerms`]).
    #[serde(default)]
    pub terms: SlaTerms,
    /// Start of the current resolution clock: the ticket's creation, or its last reopening.
    /// `None` means the creation time.
    #[serde(default)]
    pub resolution_started_at: Option<DateTime<Utc>>,
    /// Working seconds the current resolution clock spent paused in `pending` (finished
    /// pauses only); the resolution due and warning times are pushed out by this much.
    #[serde(default)]
    pub resolution_paused_seconds: i64,
}
