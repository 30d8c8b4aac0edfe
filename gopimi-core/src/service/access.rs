//! Who may see and do what: the one place membership and roles are checked.
//!
//! Every workspace call starts with [`Helpdesk::access`], which answers the workspace, the
//! caller's role in it, or `NotFound` when the caller is not a member: an outsider cannot tell a
//! workspace they do not belong to from one that does not exist. Owner-only actions then ask
//! [`Access::require_owner`]. Owner-only actions are: member management, workspace settings and
//! deletion, SLA policies, emails, domains and webhooks management, permanent deletion and
//! deleting all spam.
//!
//! [`Caller::System`] is the email pipeline and background jobs: it acts with owner rights in
//! any existing workspace and sees personal conversations of every member.

use super::Helpdesk;
use crate::error::{Error, Result};
use crate::ids::{UserId, WorkspaceId};
use crate::model::{Actor, Membership, Role, Workspace};
use crate::store::Kind;
use crate::store::{Filter, Query, StoreExt};

/// Who performs a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Caller {
    /// A signed-in user (authenticated by the embedding app or the HTTP layer).
    User(UserId),
    /// The system itself: the email pipeline, the SLA sweep, background jobs.
    System,
}

impl Caller {
    /// The user, if a user acts.
    pub fn user_id(&self) -> Option<UserId> {
        match self {
            Caller::User(u) => Some(*u),
            Caller::System => None,
        }
    }

    /// How the caller appears in the activity log.
    pub fn actor(&self) -> Actor {
        match self {
            Caller::User(u) => Actor::User(*u),
            Caller::System => Actor::System,
        }
    }

    /// The user, or `Forbidden` for calls only a person can make (their own preferences...).
    pub fn require_user(&self) -> Result<UserId> {
        self.user_id()
            .ok_or_else(|| Error::forbidden("this action needs a signed-in user"))
    }
}

impl From<UserId> for Caller {
    fn from(u: UserId) -> Self {
        Caller::User(u)
    }
}

/// What a caller may do in one workspace, as checked by [`Helpdesk::access`].
#[derive(Debug, Clone)]
pub struct Access {
    /// Who acts.
    pub caller: Caller,
    /// The workspace, as read when access was checked.
    pub workspace: Workspace,
    /// The caller's role; `Owner` for [`Caller::System`].
    pub role: Role,
    /// The caller's membership (none for the system).
    pub membership: Option<Membership>,
}

impl Access {
    /// The workspace id.
    pub fn ws(&self) -> WorkspaceId {
        self.workspace.id
    }

    /// The workspace id as the store's scope.
    pub(crate) fn scope(&self) -> Option<uuid::Uuid> {
        Some(self.workspace.id.0)
    }

    /// Whether the caller is an owner (or the system).
    pub fn is_owner(&self) -> bool {
        self.role == Role::Owner
    }

    /// `Forbidden` unless the caller is an owner; `action` says what was refused.
    pub fn require_owner(&self, action: &str) -> Result<()> {
        if self.is_owner() {
            Ok(())
        } else {
            Err(Error::forbidden(format!(
                "only workspace owners can {action}"
            )))
        }
    }

    /// Whether the caller may see a conversation with this owner: shared ones (no owner) are
    /// visible to every member, personal ones only to their owner and to the system.
    pub fn sees_personal(&self, owner: Option<UserId>) -> bool {
        match (owner, self.caller) {
            (None, _) => true,
            (Some(_), Caller::System) => true,
            (Some(o), Caller::User(u)) => o == u,
        }
    }
}

impl Helpdesk {
    /// Checks that `caller` may act in `workspace_id` and returns what they may do.
    ///
    /// `NotFound` ("workspace") when the workspace does not exist or the caller is not a member.
    pub async fn access(&self, caller: &Caller, workspace_id: WorkspaceId) -> Result<Access> {
        let workspace: Workspace = self
            .db()
            .load(None, workspace_id.0)
            .await?
            .ok_or(Error::not_found("workspace"))?;
        match caller {
            Caller::System => Ok(Access {
                caller: *caller,
                workspace,
                role: Role::Owner,
                membership: None,
            }),
            Caller::User(user) => {
                let membership = self
                    .membership_of(workspace_id, *user)
                    .await?
                    .ok_or(Error::not_found("workspace"))?;
                Ok(Access {
                    caller: *caller,
                    workspace,
                    role: membership.role,
                    membership: Some(membership),
                })
            }
        }
    }

    /// A user's membership in a workspace, if any.
    pub(crate) async fn membership_of(
        &self,
        workspace_id: WorkspaceId,
        user: UserId,
    ) -> Result<Option<Membership>> {
        self.db()
            .find_one(
                &Query::new(Kind::Membership, Some(workspace_id.0))
                    .filter(Filter::Eq("user_id", user.0.into())),
            )
            .await
    }

    /// `NotFound` ("agent") unless `user` is a member of the workspace; the membership found.
    pub(crate) async fn require_member(&self, acc: &Access, user: UserId) -> Result<Membership> {
        self.membership_of(acc.ws(), user)
            .await?
            .ok_or(Error::not_found("agent"))
    }
}
