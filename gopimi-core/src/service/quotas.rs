//! Plan quotas: how much of each limited resource a workspace uses, and the check made before
//! anything that creates one.
//!
//! Counting happens before the write, so two creators racing at the very limit may both pass
//! (the overshoot is bounded by the number of concurrent writers). Tickets are the exception:
//! their creation already compare-and-sets the workspace row (for the ticket number), and the
//! count is read after the workspace, so a ticket quota is exact. Workspaces count per owner
//! (the user who created them) under the best plan among the owner's workspaces and the plan a
//! new workspace gets.

use super::Helpdesk;
use super::access::Access;
use crate::error::{Error, Result};
use crate::ids::UserId;
use crate::model::{Plan, Resource, Workspace};
use crate::store::{Filter, Kind, Query, StoreExt};
use serde::{Deserialize, Serialize};

/// Use of one resource against its limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceUsage {
    pub resource: Resource,
    pub used: u64,
    /// `None` means unlimited.
    pub limit: Option<u64>,
}

/// A workspace's use of every limited resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub plan: Plan,
    pub resources: Vec<ResourceUsage>,
}

fn kind_of(resource: Resource) -> Option<Kind> {
    Some(match resource {
        Resource::Workspaces => return None,
        Resource::Tickets => Kind::Ticket,
        Resource::Contacts => Kind::Contact,
        Resource::Members => Kind::Membership,
        Resource::Emails => Kind::WorkspaceEmail,
        Resource::Domains => Kind::Domain,
        Resource::Tags => Kind::Tag,
        Resource::CannedResponses => Kind::CannedResponse,
        Resource::SlaPolicies => Kind::SlaPolicy,
    })
}

fn exceeded(resource: Resource, limit: u64) -> Error {
    Error::QuotaExceeded {
        resource: resource.as_str(),
        limit,
    }
}

impl Helpdesk {
    /// How many of a resource the workspace uses (workspaces: how many its creator owns).
    pub(crate) async fn used(&self, workspace: &Workspace, resource: Resource) -> Result<u64> {
        match kind_of(resource) {
            Some(kind) => {
                self.db()
                    .count(&Query::new(kind, Some(workspace.id.0)))
                    .await
            }
            None => self
                .owned_workspaces(workspace.owner_id)
                .await
                .map(|w| w.len() as u64),
        }
    }

    /// The workspaces a user created.
    pub(crate) async fn owned_workspaces(&self, owner: UserId) -> Result<Vec<Workspace>> {
        super::listing::fetch_all(
            self.db(),
            Query::new(Kind::Workspace, None).filter(Filter::Eq("owner_id", owner.0.into())),
        )
        .await
    }

    /// `QuotaExceeded` when adding `adding` of `resource` would pass the workspace plan's limit.
    pub(crate) async fn check_quota(
        &self,
        acc: &Access,
        resource: Resource,
        adding: u64,
    ) -> Result<()> {
        self.check_quota_of(&acc.workspace, resource, adding).await
    }

    /// `check_quota` against a workspace row the caller just read.
    pub(crate) async fn check_quota_of(
        &self,
        workspace: &Workspace,
        resource: Resource,
        adding: u64,
    ) -> Result<()> {
        let Some(limit) = self.plans().limits(workspace.plan).limit(resource) else {
            return Ok(());
        };
        if limit == 0 && adding > 0 {
            return Err(exceeded(resource, limit));
        }
        let used = self.used(workspace, resource).await?;
        if used.saturating_add(adding) > limit {
            return Err(exceeded(resource, limit));
        }
        Ok(())
    }

    /// The remaining room for `resource` (`None`: unlimited). For imports that create many.
    pub(crate) async fn quota_room(&self, acc: &Access, resource: Resource) -> Result<Option<u64>> {
        let Some(limit) = self.plans().limits(acc.workspace.plan).limit(resource) else {
            return Ok(None);
        };
        let used = self.used(&acc.workspace, resource).await?;
        Ok(Some(limit.saturating_sub(used)))
    }

    /// `QuotaExceeded` when `owner` may not create another workspace on `plan`.
    pub(crate) async fn check_workspace_quota(&self, owner: UserId, plan: Plan) -> Result<()> {
        let owned = self.owned_workspaces(owner).await?;
        let limit_of = |p: Plan| self.plans().limits(p).limit(Resource::Workspaces);
        // The best plan wins: unlimited beats any number, and a larger number beats a smaller.
        let mut limit = limit_of(plan);
        for w in &owned {
            limit = match (limit, limit_of(w.plan)) {
                (None, _) | (_, None) => None,
                (Some(a), Some(b)) => Some(a.max(b)),
            };
        }
        match limit {
            Some(l) if owned.len() as u64 >= l => Err(exceeded(Resource::Workspaces, l)),
            _ => Ok(()),
        }
    }

    /// The workspace's use of every limited resource, against its plan.
    pub async fn usage(
        &self,
        caller: &super::Caller,
        workspace_id: crate::ids::WorkspaceId,
    ) -> Result<Usage> {
        let acc = self.access(caller, workspace_id).await?;
        let limits = self.plans().limits(acc.workspace.plan);
        let mut resources = Vec::with_capacity(Resource::ALL.len());
        for r in Resource::ALL {
            resources.push(ResourceUsage {
                resource: r,
                used: self.used(&acc.workspace, r).await?,
                limit: limits.limit(r),
            });
        }
        Ok(Usage {
            plan: acc.workspace.plan,
            resources,
        })
    }
}
