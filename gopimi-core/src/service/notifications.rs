//! Notification preferences: per member, per workspace, five event types, all on until the
//! member turns one off. No row means all on, so a new member needs no setup.

use super::Helpdesk;
use super::access::Caller;
use super::retry::with_retry;
use crate::error::Result;
use crate::ids::{UserId, WorkspaceId};
use crate::model::{NotificationEvent, NotificationPreference};
use crate::store::{Filter, Kind, Query, StoreExt, Writes};
use serde::{Deserialize, Serialize};

/// The five switches; in a PUT, absent ones keep their current value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationSettings {
    pub ticket_assigned: Option<bool>,
    pub ticket_reply: Option<bool>,
    pub conversation_message: Option<bool>,
    pub ticket_status_changed: Option<bool>,
    pub sla_breach: Option<bool>,
}

impl NotificationSettings {
    fn get(&self, e: NotificationEvent) -> Option<bool> {
        match e {
            NotificationEvent::TicketAssigned => self.ticket_assigned,
            NotificationEvent::TicketReply => self.ticket_reply,
            NotificationEvent::ConversationMessage => self.conversation_message,
            NotificationEvent::TicketStatusChanged => self.ticket_status_changed,
            NotificationEvent::SlaBreach => self.sla_breach,
        }
    }
}

fn pref_query(ws: WorkspaceId, user: UserId) -> Query {
    Query::new(Kind::NotificationPreference, Some(ws.0))
        .filter(Filter::Eq("user_id", user.0.into()))
}

impl Helpdesk {
    /// A member's preferences (defaults, all on, when never set). For the pipeline deciding
    /// whom to notify; no access check.
    pub async fn preferences_for(
        &self,
        workspace_id: WorkspaceId,
        user: UserId,
    ) -> Result<NotificationPreference> {
        Ok(self
            .db()
            .find_one(&pref_query(workspace_id, user))
            .await?
            .unwrap_or_else(|| NotificationPreference::defaults(workspace_id, user, self.now())))
    }

    /// The calling member's preferences in a workspace.
    pub async fn notification_preferences(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
    ) -> Result<NotificationPreference> {
        let user = caller.require_user()?;
        self.access(caller, workspace_id).await?;
        self.preferences_for(workspace_id, user).await
    }

    /// Sets the calling member's preferences; absent switches keep their value.
    pub async fn set_notification_preferences(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        settings: NotificationSettings,
    ) -> Result<NotificationPreference> {
        let user = caller.require_user()?;
        self.access(caller, workspace_id).await?;
        with_retry(|| async {
            let existing: Option<NotificationPreference> =
                self.db().find_one(&pref_query(workspace_id, user)).await?;
            let is_new = existing.is_none();
            let mut pref = existing.unwrap_or_else(|| {
                NotificationPreference::defaults(workspace_id, user, self.now())
            });
            for e in NotificationEvent::ALL {
                if let Some(on) = settings.get(e) {
                    pref.set(e, on);
                }
            }
            pref.updated_at = self.now();
            let mut w = Writes::new();
            w.require_exists(Kind::Workspace, None, workspace_id.0);
            if is_new {
                w.insert(&mut pref)?;
            } else {
                w.update(&mut pref)?;
            }
            // Two first-time writers race on the per-user unique key: retry as an update.
            w.apply(self.db()).await.map_err(|e| {
                if super::retry::unique_violation(&e) == Some("notification_preference_user") {
                    crate::Error::conflict("notification preference created concurrently")
                } else {
                    e
                }
            })?;
            Ok(pref)
        })
        .await
    }

    /// Adds the deletion of a member's preference row (if any) to a batch.
    pub(crate) async fn delete_preferences_of(
        &self,
        w: &mut Writes,
        workspace_id: WorkspaceId,
        user: UserId,
    ) -> Result<()> {
        let existing: Option<NotificationPreference> =
            self.db().find_one(&pref_query(workspace_id, user)).await?;
        if let Some(p) = existing {
            w.delete_id(Kind::NotificationPreference, Some(workspace_id.0), p.id.0);
        }
        Ok(())
    }
}
