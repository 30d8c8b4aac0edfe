//! Plans and their quotas. The table is configurable; Lite, Pro and Business are the defaults of
//! the hosted product we match. A self-hosted server defaults new workspaces to Business.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// A plan name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Plan {
    /// For individuals and small teams; no custom domains, no SLA.
    Lite,
    /// Growing teams: custom domains and SLA policies.
    Pro,
    /// The highest limits.
    Business,
}

impl Plan {
    /// The plan's name as used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Plan::Lite => "lite",
            Plan::Pro => "pro",
            Plan::Business => "business",
        }
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Plan {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "lite" => Ok(Plan::Lite),
            "pro" => Ok(Plan::Pro),
            "business" => Ok(Plan::Business),
            other => Err(crate::Error::validation(
                "plan",
                format!("unknown plan '{other}' (expected lite, pro or business)"),
            )),
        }
    }
}

/// A resource that a plan limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resource {
    /// Workspaces owned by one user (counted per owner, under the owner's best plan).
    Workspaces,
    /// Tickets in a workspace (trash included: it still takes space).
    Tickets,
    /// Contacts in a workspace.
    Contacts,
    /// Members of a workspace, owner included.
    Members,
    /// Workspace emails.
    Emails,
    /// Custom domains.
    Domains,
    /// Tags.
    Tags,
    /// Canned responses.
    CannedResponses,
    /// SLA policies.
    SlaPolicies,
}

impl Resource {
    /// Every resource.
    pub const ALL: [Resource; 9] = [
        Resource::Workspaces,
        Resource::Tickets,
        Resource::Contacts,
        Resource::Members,
        Resource::Emails,
        Resource::Domains,
        Resource::Tags,
        Resource::CannedResponses,
        Resource::SlaPolicies,
    ];

    /// The API name.
    pub fn as_str(self) -> &'static str {
        match self {
            Resource::Workspaces => "workspaces",
            Resource::Tickets => "tickets",
            Resource::Contacts => "contacts",
            Resource::Members => "members",
            Resource::Emails => "emails",
            Resource::Domains => "domains",
            Resource::Tags => "tags",
            Resource::CannedResponses => "canned_responses",
            Resource::SlaPolicies => "sla_policies",
        }
    }
}

/// The limits of one plan; `None` means unlimited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanLimits {
    /// Limit per resource.
    pub limits: BTreeMap<Resource, Option<u64>>,
}

impl PlanLimits {
    /// The limit for a resource (unlimited if absent).
    pub fn limit(&self, r: Resource) -> Option<u64> {
        self.limits.get(&r).copied().flatten()
    }

    fn of(values: [Option<u64>; 9]) -> Self {
        PlanLimits {
            limits: Resource::ALL.into_iter().zip(values).collect(),
        }
    }
}

/// Limits for every plan. Construct your own to change them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanTable {
    /// Limits per plan.
    pub plans: BTreeMap<Plan, PlanLimits>,
}

impl PlanTable {
    /// The limits of `plan`.
    pub fn limits(&self, plan: Plan) -> PlanLimits {
        self.plans
            .get(&plan)
            .cloned()
            .unwrap_or_else(|| PlanLimits {
                limits: BTreeMap::new(),
            })
    }

    /// A table with no limits at all (for embedding apps that do not sell plans).
    pub fn unlimited() -> Self {
        PlanTable {
            plans: [Plan::Lite, Plan::Pro, Plan::Business]
                .into_iter()
                .map(|p| (p, PlanLimits::of([None; 9])))
                .collect(),
        }
    }
}

impl Default for PlanTable {
    /// The hosted product's tiers. Order: workspaces, tickets, contacts, members, emails,
    /// domains, tags, canned responses, SLA policies. Lite has no custom domains and no SLA.
    fn default() -> Self {
        let lite = PlanLimits::of([
            Some(1),
            Some(1_000),
            Some(500),
            Some(3),
            Some(2),
            Some(0),
            Some(20),
            Some(20),
            Some(0),
        ]);
        let pro = PlanLimits::of([
            Some(3),
            Some(10_000),
            Some(5_000),
            Some(10),
            Some(10),
            Some(3),
            Some(100),
            Some(100),
            Some(5),
        ]);
        let business = PlanLimits::of([
            Some(10),
            Some(100_000),
            Some(50_000),
            Some(50),
            Some(50),
            Some(20),
            Some(500),
            Some(500),
            Some(20),
        ]);
        PlanTable {
            plans: [
                (Plan::Lite, lite),
                (Plan::Pro, pro),
                (Plan::Business, business),
            ]
            .into_iter()
            .collect(),
        }
    }
}
