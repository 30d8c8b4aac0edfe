//! Blocked senders: mail from these addresses goes straight to spam. The pipeline asks
//! [`Helpdesk::is_blocked_sender`]; members manage the list.

use super::Helpdesk;
use super::access::Caller;
use super::input;
use super::listing::{Page, PageRequest, fetch_page};
use super::retry::on_unique;
use crate::error::Result;
use crate::ids::{BlockedSenderId, WorkspaceId};
use crate::model::BlockedSender;
use crate::store::{Filter, Kind, Query, SortKey, StoreExt, Writes};
use serde::Deserialize;

/// A sender to block.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewBlockedSender {
    pub email: String,
    #[serde(default)]
    pub reason: Option<String>,
}

impl NewBlockedSender {
    /// Blocks an address.
    pub fn new(email: impl Into<String>) -> Self {
        NewBlockedSender {
            email: email.into(),
            reason: None,
        }
    }
}

impl Helpdesk {
    /// Blocks a sender address (case-insensitive; an address already blocked is a validation
    /// error on `email`).
    pub async fn block_sender(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        new: NewBlockedSender,
    ) -> Result<BlockedSender> {
        self.access(caller, workspace_id).await?;
        let email = input::email("email", &new.email)?;
        let reason = input::optional_text("reason", new.reason.as_deref(), input::NOTE_MAX)?;
        let mut b = BlockedSender {
            id: BlockedSenderId::new(),
            workspace_id,
            email,
            reason,
            created_by: caller.user_id(),
            created_at: self.now(),
            version: 0,
        };
        let mut w = Writes::new();
        w.insert(&mut b)?;
        w.apply(self.db())
            .await
            .map_err(|e| on_unique(e, "blocked_sender_email", "email", "is already blocked"))?;
        Ok(b)
    }

    /// Blocked senders, newest first.
    pub async fn list_blocked_senders(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        page: PageRequest,
    ) -> Result<Page<BlockedSender>> {
        let acc = self.access(caller, workspace_id).await?;
        let q = Query::new(Kind::BlockedSender, acc.scope()).sort(SortKey::desc("created_at"));
        fetch_page(self.db(), q, page).await
    }

    /// Unblocks a sender.
    pub async fn unblock_sender(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: BlockedSenderId,
    ) -> Result<()> {
        let acc = self.access(caller, workspace_id).await?;
        self.db()
            .require::<BlockedSender>(acc.scope(), id.0)
            .await?;
        let mut w = Writes::new();
        w.delete_id(Kind::BlockedSender, acc.scope(), id.0);
        w.apply(self.db()).await
    }

    /// Whether mail from `email` is blocked in the workspace.
    pub async fn is_blocked_sender(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        email: &str,
    ) -> Result<bool> {
        let acc = self.access(caller, workspace_id).await?;
        let key = crate::search::exact_key(&input::email_key(email));
        let found: Option<BlockedSender> = self
            .db()
            .find_one(
                &Query::new(Kind::BlockedSender, acc.scope())
                    .filter(Filter::Eq("email", key.into())),
            )
            .await?;
        Ok(found.is_some())
    }
}
