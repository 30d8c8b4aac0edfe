//! A workspace's audience for notification emails: its members and each member's
//! preferences (a member without a preference row has every event on).

use crate::error::Result;
use crate::ids::{UserId, WorkspaceId};
use crate::model::{Membership, NotificationEvent, NotificationPreference};
use crate::store::{Cursor, Entity, Kind, Query, Store};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// Rows read per page when loading an audience.
const PAGE: u32 = 500;

/// The members of one workspace and their notification preferences.
#[derive(Debug, Clone, PartialEq)]
pub struct Audience {
    workspace_id: WorkspaceId,
    members: BTreeSet<UserId>,
    prefs: HashMap<UserId, NotificationPreference>,
}

impl Audience {
    /// Reads a workspace's members and preferences.
    pub async fn load(store: &dyn Store, workspace_id: WorkspaceId) -> Result<Self> {
        let memberships: Vec<Membership> = read_all(store, Kind::Membership, workspace_id).await?;
        let prefs: Vec<NotificationPreference> =
            read_all(store, Kind::NotificationPreference, workspace_id).await?;
        Ok(Audience::from_parts(
            workspace_id,
            memberships.into_iter().map(|m| m.user_id),
            prefs,
        ))
    }

    /// An audience from known members and preference rows (rows of non-members are ignored).
    pub fn from_parts(
        workspace_id: WorkspaceId,
        members: impl IntoIterator<Item = UserId>,
        prefs: impl IntoIterator<Item = NotificationPreference>,
    ) -> Self {
        Audience {
            workspace_id,
            members: members.into_iter().collect(),
            prefs: prefs
                .into_iter()
                .filter(|p| p.workspace_id == workspace_id)
                .map(|p| (p.user_id, p))
                .collect(),
        }
    }

    /// The workspace.
    pub fn workspace_id(&self) -> WorkspaceId {
        self.workspace_id
    }

    /// Every member, in id order.
    pub fn members(&self) -> impl Iterator<Item = UserId> + '_ {
        self.members.iter().copied()
    }

    /// Whether a user is a member.
    pub fn is_member(&self, user: UserId) -> bool {
        self.members.contains(&user)
    }

    /// Whether a member wants emails for an event (non-members never do).
    pub fn wants(&self, user: UserId, event: NotificationEvent) -> bool {
        self.is_member(user) && self.prefs.get(&user).is_none_or(|p| p.enabled(event))
    }
}

/// Every row of a workspace-scoped kind, page by page.
async fn read_all<E: Entity>(
    store: &dyn Store,
    kind: Kind,
    workspace_id: WorkspaceId,
) -> Result<Vec<E>> {
    let mut out = Vec::new();
    let mut after: Option<Cursor> = None;
    loop {
        let mut q = Query::new(kind, Some(workspace_id.0)).limit(PAGE);
        q.after = after.take();
        let rows = store.query(&q).await?.rows;
        let full = rows.len() == PAGE as usize;
        if let Some(last) = rows.last() {
            after = Some(Cursor {
                values: Vec::new(),
                id: last.id,
            });
        }
        for r in &rows {
            out.push(r.decode()?);
        }
        if !full {
            return Ok(out);
        }
    }
}

/// Audiences read once per workspace, for a caller that notifies about many tickets (the
/// sweep).
#[derive(Debug, Default)]
pub struct AudienceCache {
    loaded: HashMap<WorkspaceId, Arc<Audience>>,
}

impl AudienceCache {
    /// A workspace's audience, read on first use.
    pub async fn get(
        &mut self,
        store: &dyn Store,
        workspace_id: WorkspaceId,
    ) -> Result<Arc<Audience>> {
        if let Some(a) = self.loaded.get(&workspace_id) {
            return Ok(a.clone());
        }
        let a = Arc::new(Audience::load(store, workspace_id).await?);
        self.loaded.insert(workspace_id, a.clone());
        Ok(a)
    }
}
