//! Trash, restore, spam and permanent deletion of tickets.
//!
//! Trash and spam are flags: a trashed or spam ticket leaves the queue but keeps everything and
//! can come back. Permanent deletion (owners only) removes the ticket with its messages,
//! attachment rows and activity log in one atomic write, then the attachment bytes. It works on
//! any ticket, not only trashed ones: the owner asked for it explicitly.

use super::Helpdesk;
use super::access::{Access, Caller};
use super::activity::ActivityAction;
use super::listing::fetch_all;
use super::retry::with_retry;
use crate::error::Result;
use crate::ids::{TicketId, WorkspaceId};
use crate::model::{Activity, Attachment, Message, Ticket};
use crate::store::{Filter, Kind, Query, Value, Writes};

impl Helpdesk {
    /// Moves a ticket to the trash (`trashed` activity). Already trashed: nothing changes.
    pub async fn trash_ticket(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: TicketId,
    ) -> Result<Ticket> {
        let acc = self.access(caller, workspace_id).await?;
        self.set_ticket_trashed(&acc, id, true).await
    }

    /// Restores a ticket from the trash (`restored` activity). Not trashed: nothing changes.
    pub async fn restore_ticket(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: TicketId,
    ) -> Result<Ticket> {
        let acc = self.access(caller, workspace_id).await?;
        self.set_ticket_trashed(&acc, id, false).await
    }

    pub(crate) async fn set_ticket_trashed(
        &self,
        acc: &Access,
        id: TicketId,
        trashed: bool,
    ) -> Result<Ticket> {
        self.mutate_ticket(acc, id, acc.caller.actor(), |t, _, now| {
            if t.deleted_at.is_some() == trashed {
                return Ok(Vec::new());
            }
            t.deleted_at = trashed.then_some(now);
            let action = if trashed {
                ActivityAction::Trashed
            } else {
                ActivityAction::Restored
            };
            Ok(vec![(action, serde_json::json!({}))])
        })
        .await
    }

    /// Marks a ticket as spam (`spam_marked`), or not (`spam_unmarked`).
    pub async fn set_ticket_spam(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: TicketId,
        spam: bool,
    ) -> Result<Ticket> {
        let acc = self.access(caller, workspace_id).await?;
        self.set_ticket_spam_in(&acc, id, spam).await
    }

    pub(crate) async fn set_ticket_spam_in(
        &self,
        acc: &Access,
        id: TicketId,
        spam: bool,
    ) -> Result<Ticket> {
        self.mutate_ticket(acc, id, acc.caller.actor(), |t, _, _| {
            if t.spam == spam {
                return Ok(Vec::new());
            }
            t.spam = spam;
            let action = if spam {
                ActivityAction::SpamMarked
            } else {
                ActivityAction::SpamUnmarked
            };
            Ok(vec![(action, serde_json::json!({}))])
        })
        .await
    }

    /// Deletes a ticket for good, with its messages, attachments and activity (owners only).
    pub async fn delete_ticket_permanently(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: TicketId,
    ) -> Result<()> {
        let acc = self.access(caller, workspace_id).await?;
        acc.require_owner("delete tickets permanently")?;
        self.purge_ticket(&acc, id).await
    }

    /// Permanently deletes every spam ticket of the workspace (owners only); how many.
    pub async fn delete_all_spam_tickets(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
    ) -> Result<u64> {
        let acc = self.access(caller, workspace_id).await?;
        acc.require_owner("delete all spam")?;
        let spam: Vec<Ticket> = fetch_all(
            self.db(),
            Query::new(Kind::Ticket, acc.scope()).filter(Filter::Eq("spam", true.into())),
        )
        .await?;
        let mut n = 0;
        for t in spam {
            match self.purge_ticket(&acc, t.id).await {
                Ok(()) => n += 1,
                // Deleted meanwhile by someone else: the goal is reached.
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e),
            }
        }
        Ok(n)
    }

    pub(crate) async fn purge_ticket(&self, acc: &Access, id: TicketId) -> Result<()> {
        let hooks = self.hooks(acc.ws()).await?;
        let blob_keys = with_retry(|| async {
            let ticket = self.load_ticket(acc, id).await?;
            let messages: Vec<Message> = fetch_all(
                self.db(),
                Query::new(Kind::Message, acc.scope()).filter(Filter::Eq("ticket_id", id.0.into())),
            )
            .await?;
            let attachments = self.attachments_of(acc, &messages).await?;
            let activities: Vec<Activity> = fetch_all(
                self.db(),
                Query::new(Kind::Activity, acc.scope())
                    .filter(Filter::Eq("ticket_id", id.0.into())),
            )
            .await?;
            let mut w = Writes::new();
            for a in &attachments {
                w.delete_id(Kind::Attachment, acc.scope(), a.id.0);
            }
            for m in &messages {
                w.delete_id(Kind::Message, acc.scope(), m.id.0);
            }
            for a in &activities {
                w.delete_id(Kind::Activity, acc.scope(), a.id.0);
            }
            // At the version read: a message added meanwhile bumps the ticket and retries.
            w.delete(&ticket);
            hooks.ticket_deleted(&mut w, &ticket, self.now())?;
            w.apply(self.db()).await?;
            Ok(attachments
                .into_iter()
                .map(|a| a.blob_key)
                .collect::<Vec<_>>())
        })
        .await?;
        self.delete_blobs(blob_keys.iter().map(String::as_str))
            .await;
        Ok(())
    }

    /// The attachment rows linked to any of these messages.
    pub(crate) async fn attachments_of(
        &self,
        acc: &Access,
        messages: &[Message],
    ) -> Result<Vec<Attachment>> {
        let mut out = Vec::new();
        for chunk in messages.chunks(200) {
            let ids: Vec<Value> = chunk.iter().map(|m| Value::from(m.id.0)).collect();
            let mut part: Vec<Attachment> = fetch_all(
                self.db(),
                Query::new(Kind::Attachment, acc.scope()).filter(Filter::In("message_id", ids)),
            )
            .await?;
            out.append(&mut part);
        }
        Ok(out)
    }
}
