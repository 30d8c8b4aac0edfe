//! Workspaces: create (the creator becomes its owner), list the caller's, rename, change plan,
//! delete with everything in it.

use super::Helpdesk;
use super::access::Caller;
use super::input;
use super::listing::{Page, PageRequest};
use super::retry::with_retry;
use crate::error::{Error, Result};
use crate::ids::{MembershipId, WorkspaceId};
use crate::model::{Attachment, Membership, Plan, Role, Workspace};
use crate::store::{Kind, Op, Query, StoreExt, Writes};
use serde::{Deserialize, Serialize};

/// A workspace with the caller's role in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceSummary {
    pub workspace: Workspace,
    pub role: Role,
}

/// Changes to a workspace's settings; absent fields stay.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct WorkspacePatch {
    pub name: Option<String>,
}

impl Helpdesk {
    /// Creates a workspace owned by the calling user, on the configured default plan.
    /// `QuotaExceeded` ("workspaces") when the user already owns as many as their plan allows.
    pub async fn create_workspace(&self, caller: &Caller, name: &str) -> Result<Workspace> {
        let owner = caller.require_user()?;
        let name = input::name("name", name, input::NAME_MAX)?;
        self.user(owner).await?;
        let plan = self.config().default_plan;
        self.check_workspace_quota(owner, plan).await?;
        let now = self.now();
        let mut ws = Workspace {
            id: WorkspaceId::new(),
            name,
            owner_id: owner,
            plan,
            ticket_counter: 0,
            created_at: now,
            updated_at: now,
            version: 0,
        };
        let mut membership = Membership {
            id: MembershipId::new(),
            workspace_id: ws.id,
            user_id: owner,
            role: Role::Owner,
            created_at: now,
            version: 0,
        };
        let mut w = Writes::new();
        w.require_exists(Kind::User, None, owner.0);
        w.insert(&mut ws)?;
        w.insert(&mut membership)?;
        w.apply(self.db()).await?;
        Ok(ws)
    }

    /// The workspaces the calling user is a member of, by name.
    pub async fn list_workspaces(
        &self,
        caller: &Caller,
        page: PageRequest,
    ) -> Result<Page<WorkspaceSummary>> {
        let user = caller.require_user()?;
        let memberships = self.memberships_of_user(user).await?;
        let ids: Vec<uuid::Uuid> = memberships.iter().map(|m| m.workspace_id.0).collect();
        let workspaces: Vec<Workspace> = self.db().load_many(None, &ids).await?;
        let mut all: Vec<WorkspaceSummary> = workspaces
            .into_iter()
            .filter_map(|w| {
                memberships
                    .iter()
                    .find(|m| m.workspace_id == w.id)
                    .map(|m| WorkspaceSummary {
                        role: m.role,
                        workspace: w,
                    })
            })
            .collect();
        all.sort_by(|a, b| {
            crate::search::sort_key(&a.workspace.name)
                .cmp(&crate::search::sort_key(&b.workspace.name))
                .then(a.workspace.id.cmp(&b.workspace.id))
        });
        let total = all.len() as u64;
        let items = all
            .into_iter()
            .skip(usize::try_from(page.offset()).unwrap_or(usize::MAX))
            .take(page.per_page as usize)
            .collect();
        Ok(Page::new(items, page, total))
    }

    /// One workspace and the caller's role in it.
    pub async fn workspace(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
    ) -> Result<WorkspaceSummary> {
        let acc = self.access(caller, workspace_id).await?;
        Ok(WorkspaceSummary {
            role: acc.role,
            workspace: acc.workspace,
        })
    }

    /// Changes workspace settings (owners only).
    pub async fn update_workspace(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        patch: WorkspacePatch,
    ) -> Result<Workspace> {
        let acc = self.access(caller, workspace_id).await?;
        acc.require_owner("change workspace settings")?;
        let name = patch
            .name
            .as_deref()
            .map(|n| input::name("name", n, input::NAME_MAX))
            .transpose()?;
        with_retry(|| async {
            let mut ws: Workspace = self.db().require(None, workspace_id.0).await?;
            let Some(name) = &name else { return Ok(ws) };
            if *name == ws.name {
                return Ok(ws);
            }
            ws.name = name.clone();
            ws.updated_at = self.now();
            let mut w = Writes::new();
            w.update(&mut ws)?;
            w.apply(self.db()).await?;
            Ok(ws)
        })
        .await
    }

    /// Moves a workspace to another plan. Only the system (billing, an administrator's tool)
    /// may: owners do not pick their own limits. Existing data above the new limits is kept;
    /// only new resources are refused.
    pub async fn set_workspace_plan(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        plan: Plan,
    ) -> Result<Workspace> {
        if *caller != Caller::System {
            return Err(Error::forbidden(
                "plans are changed by billing, not by members",
            ));
        }
        with_retry(|| async {
            let mut ws: Workspace = self.db().require(None, workspace_id.0).await?;
            ws.plan = plan;
            ws.updated_at = self.now();
            let mut w = Writes::new();
            w.update(&mut ws)?;
            w.apply(self.db()).await?;
            Ok(ws)
        })
        .await
    }

    /// Deletes a workspace and every row in it (owners only). Attachment bytes are removed from
    /// the blob store after the rows are gone.
    pub async fn delete_workspace(&self, caller: &Caller, workspace_id: WorkspaceId) -> Result<()> {
        let acc = self.access(caller, workspace_id).await?;
        acc.require_owner("delete the workspace")?;
        self.purge_workspace(acc.workspace).await
    }

    /// Deletes a workspace's rows atomically, then its blobs (best effort: a blob left behind
    /// is unreachable garbage, never visible data).
    pub(crate) async fn purge_workspace(&self, ws: Workspace) -> Result<()> {
        let attachments: Vec<Attachment> =
            super::listing::fetch_all(self.db(), Query::new(Kind::Attachment, Some(ws.id.0)))
                .await?;
        let mut w = Writes::new();
        w.op(Op::PurgeWorkspace(ws.id.0));
        w.op(Op::Delete {
            kind: Kind::Workspace,
            workspace_id: None,
            id: ws.id.0,
            expected_version: None,
        });
        w.apply(self.db()).await?;
        self.delete_blobs(attachments.iter().map(|a| a.blob_key.as_str()))
            .await;
        Ok(())
    }

    /// Removes blobs whose rows are gone, logging (not failing) on errors.
    pub(crate) async fn delete_blobs<'a>(&self, keys: impl Iterator<Item = &'a str>) {
        for key in keys {
            if let Err(e) = self.blobs().delete(key).await {
                tracing::warn!(blob = key, error = %e, "could not delete blob of deleted rows");
            }
        }
    }
}
