//! Workspace members: list, add an existing user by email, change a role, remove.
//!
//! Only owners manage members; any member may leave (remove themselves). A workspace always
//! keeps at least one owner: removing or demoting the last one is refused. The check holds under
//! concurrency because the write also requires every other owner's membership to be unchanged,
//! so two owners demoting each other at once cannot both succeed.

use super::Helpdesk;
use super::access::{Access, Caller};
use super::input;
use super::listing::{Page, PageRequest};
use super::retry::{on_unique, with_retry};
use crate::error::{Error, Result};
use crate::ids::{MembershipId, UserId, WorkspaceId};
use crate::model::{Membership, Resource, Role, User};
use crate::store::{Kind, Query, StoreExt, Writes};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A member as listed: the user and their role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub membership_id: MembershipId,
    pub user_id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub joined_at: DateTime<Utc>,
}

fn member_of(m: &Membership, u: &User) -> Member {
    Member {
        membership_id: m.id,
        user_id: m.user_id,
        name: u.name.clone(),
        email: u.email.clone(),
        role: m.role,
        joined_at: m.created_at,
    }
}

impl Helpdesk {
    /// Every membership of a workspace.
    pub(crate) async fn all_memberships(&self, ws: WorkspaceId) -> Result<Vec<Membership>> {
        super::listing::fetch_all(self.db(), Query::new(Kind::Membership, Some(ws.0))).await
    }

    async fn members_view(&self, memberships: &[Membership]) -> Result<Vec<Member>> {
        let ids: Vec<uuid::Uuid> = memberships.iter().map(|m| m.user_id.0).collect();
        let users: Vec<User> = self.db().load_many(None, &ids).await?;
        Ok(memberships
            .iter()
            .filter_map(|m| {
                users
                    .iter()
                    .find(|u| u.id == m.user_id)
                    .map(|u| member_of(m, u))
            })
            .collect())
    }

    /// The workspace's members, owners first, then by name.
    pub async fn list_members(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        page: PageRequest,
    ) -> Result<Page<Member>> {
        self.access(caller, workspace_id).await?;
        let memberships = self.all_memberships(workspace_id).await?;
        let mut all = self.members_view(&memberships).await?;
        all.sort_by(|a, b| {
            (a.role != Role::Owner, a.name.to_lowercase(), a.user_id).cmp(&(
                b.role != Role::Owner,
                b.name.to_lowercase(),
                b.user_id,
            ))
        });
        let total = all.len() as u64;
        let items = all
            .into_iter()
            .skip(usize::try_from(page.offset()).unwrap_or(usize::MAX))
            .take(page.per_page as usize)
            .collect();
        Ok(Page::new(items, page, total))
    }

    /// Adds an existing user, found by email, with a role (owners only).
    /// `NotFound` ("user") when nobody has registered that address.
    pub async fn add_member(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        email: &str,
        role: Role,
    ) -> Result<Member> {
        let acc = self.access(caller, workspace_id).await?;
        acc.require_owner("manage members")?;
        let email = input::email("email", email)?;
        let user = self
            .user_by_email(&email)
            .await?
            .ok_or(Error::not_found("user"))?;
        if self.membership_of(workspace_id, user.id).await?.is_some() {
            return Err(Error::validation("email", "is already a member"));
        }
        self.check_quota(&acc, Resource::Members, 1).await?;
        let mut m = Membership {
            id: MembershipId::new(),
            workspace_id,
            user_id: user.id,
            role,
            created_at: self.now(),
            version: 0,
        };
        let mut w = Writes::new();
        w.require_exists(Kind::User, None, user.id.0);
        w.insert(&mut m)?;
        w.apply(self.db())
            .await
            .map_err(|e| on_unique(e, "membership_user", "email", "is already a member"))?;
        Ok(member_of(&m, &user))
    }

    /// Changes a member's role (owners only). Demoting the last owner is refused.
    pub async fn change_member_role(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        user_id: UserId,
        role: Role,
    ) -> Result<Member> {
        let acc = self.access(caller, workspace_id).await?;
        acc.require_owner("manage members")?;
        let m = with_retry(|| async {
            let all = self.all_memberships(workspace_id).await?;
            let mut m = all
                .iter()
                .find(|m| m.user_id == user_id)
                .cloned()
                .ok_or(Error::not_found("member"))?;
            if m.role == role {
                return Ok(m);
            }
            let mut w = Writes::new();
            if m.role == Role::Owner {
                keep_an_owner(&mut w, &all, user_id, "role")?;
            }
            m.role = role;
            w.update(&mut m)?;
            w.apply(self.db()).await?;
            Ok(m)
        })
        .await?;
        let user = self.user(m.user_id).await?;
        Ok(member_of(&m, &user))
    }

    /// Removes a member (owners only; any member may remove themselves). Removing the last
    /// owner is refused. Their notification preferences go with the membership; tickets stay
    /// assigned to them until someone reassigns them.
    pub async fn remove_member(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        user_id: UserId,
    ) -> Result<()> {
        let acc = self.access(caller, workspace_id).await?;
        if caller.user_id() != Some(user_id) {
            acc.require_owner("manage members")?;
        }
        with_retry(|| async {
            let all = self.all_memberships(workspace_id).await?;
            let m = all
                .iter()
                .find(|m| m.user_id == user_id)
                .ok_or(Error::not_found("member"))?;
            let mut w = Writes::new();
            if m.role == Role::Owner {
                keep_an_owner(&mut w, &all, user_id, "user_id")?;
            }
            w.delete(m);
            self.delete_preferences_of(&mut w, workspace_id, user_id)
                .await?;
            w.apply(self.db()).await
        })
        .await
    }

    /// Whether a user is a member (for adapters deciding who to notify).
    pub async fn is_member(&self, acc: &Access, user: UserId) -> Result<bool> {
        Ok(self.membership_of(acc.ws(), user).await?.is_some())
    }
}

/// Requires another owner to exist and to stay unchanged while `leaving` stops being one.
fn keep_an_owner(w: &mut Writes, all: &[Membership], leaving: UserId, field: &str) -> Result<()> {
    let others: Vec<&Membership> = all
        .iter()
        .filter(|o| o.user_id != leaving && o.role == Role::Owner)
        .collect();
    if others.is_empty() {
        return Err(Error::validation(
            field,
            "a workspace needs at least one owner: make someone else an owner first",
        ));
    }
    for o in others {
        w.require_unchanged(o);
    }
    Ok(())
}
