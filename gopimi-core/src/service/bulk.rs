//! Bulk actions on tickets and conversations: one action over up to 100 ids, with one result
//! per id. The action's arguments (status, agent, tags) are checked once before anything is
//! changed, so a bad argument fails the whole request; each id then succeeds or fails on its
//! own (`NotFound` for an id of another workspace), through the same code path and activity
//! entries as the single-item call.

use super::Helpdesk;
use super::access::{Access, Caller};
use super::input;
use crate::error::{Error, Result};
use crate::ids::{ConversationId, TagId, TicketId, UserId, WorkspaceId};
use crate::model::{ConversationStatus, Priority, TicketStatus};
use serde::Deserialize;
use uuid::Uuid;

/// A bulk request as the API receives it: `{ids, action, status?, priority?, agent_id?,
/// tag_ids?}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct BulkRequest {
    pub ids: Vec<Uuid>,
    /// `status`, `priority`, `assign`, `tag`, `untag`, `trash`, `restore`, `spam`, `not_spam`.
    pub action: String,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub priority: Option<String>,
    /// For `assign`: a member, or `null` to unassign.
    #[serde(default, deserialize_with = "input::nullable")]
    pub agent_id: Option<Option<UserId>>,
    #[serde(default)]
    pub tag_ids: Vec<TagId>,
}

/// What to do to every item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BulkAction {
    /// A status name, checked against the item kind's statuses.
    SetStatus(String),
    SetPriority(Priority),
    Assign(Option<UserId>),
    Tag(Vec<TagId>),
    Untag(Vec<TagId>),
    Trash,
    Restore,
    Spam,
    NotSpam,
}

impl BulkRequest {
    /// The action, with its arguments checked for presence and form.
    pub fn action(&self) -> Result<BulkAction> {
        let need = |v: &Option<String>, field: &str| {
            v.clone().filter(|s| !s.trim().is_empty()).ok_or_else(|| {
                Error::validation(field, format!("is required for '{}'", self.action))
            })
        };
        Ok(match self.action.trim() {
            "status" => BulkAction::SetStatus(need(&self.status, "status")?),
            "priority" => BulkAction::SetPriority(need(&self.priority, "priority")?.parse()?),
            "assign" => BulkAction::Assign(self.agent_id.flatten()),
            "tag" | "untag" => {
                if self.tag_ids.is_empty() {
                    return Err(Error::validation("tag_ids", "is required"));
                }
                if self.action.trim() == "tag" {
                    BulkAction::Tag(self.tag_ids.clone())
                } else {
                    BulkAction::Untag(self.tag_ids.clone())
                }
            }
            "trash" | "delete" => BulkAction::Trash,
            "restore" => BulkAction::Restore,
            "spam" => BulkAction::Spam,
            "not_spam" | "unspam" => BulkAction::NotSpam,
            other => {
                return Err(Error::validation(
                    "action",
                    format!(
                        "unknown action '{other}' (status, priority, assign, tag, untag, trash, \
                         restore, spam, not_spam)"
                    ),
                ));
            }
        })
    }
}

/// The outcome for one id.
#[derive(Debug)]
pub struct BulkItem {
    pub id: Uuid,
    pub result: Result<()>,
}

impl BulkItem {
    pub(crate) fn new<T>(id: Uuid, result: Result<T>) -> Self {
        BulkItem {
            id,
            result: result.map(|_| ()),
        }
    }

    /// Whether this id succeeded.
    pub fn ok(&self) -> bool {
        self.result.is_ok()
    }
}

/// The outcome of a bulk request, in the order of the (deduplicated) ids.
#[derive(Debug, Default)]
pub struct BulkReport {
    pub items: Vec<BulkItem>,
}

impl BulkReport {
    /// How many ids succeeded.
    pub fn succeeded(&self) -> usize {
        self.items.iter().filter(|i| i.ok()).count()
    }

    /// How many ids failed.
    pub fn failed(&self) -> usize {
        self.items.len() - self.succeeded()
    }
}

fn check_ids(ids: &[Uuid]) -> Result<Vec<Uuid>> {
    if ids.is_empty() {
        return Err(Error::validation("ids", "at least one id"));
    }
    input::id_list("ids", ids, input::BULK_MAX)
}

impl Helpdesk {
    async fn check_bulk_args(&self, acc: &Access, action: &BulkAction) -> Result<()> {
        match action {
            BulkAction::Assign(Some(u)) => {
                self.require_member(acc, *u).await?;
            }
            BulkAction::Tag(t) | BulkAction::Untag(t) => {
                let t = input::id_list("tag_ids", t, super::tickets::MAX_TAGS)?;
                self.load_tags(acc, &t).await?;
            }
            _ => {}
        }
        Ok(())
    }

    /// Applies one action to many tickets.
    pub async fn bulk_tickets(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        ids: &[Uuid],
        action: &BulkAction,
    ) -> Result<BulkReport> {
        let acc = self.access(caller, workspace_id).await?;
        let ids = check_ids(ids)?;
        if let BulkAction::SetStatus(s) = action {
            s.parse::<TicketStatus>()?;
        }
        self.check_bulk_args(&acc, action).await?;
        let mut items = Vec::with_capacity(ids.len());
        for id in ids {
            let t = TicketId(id);
            let r = match action {
                BulkAction::SetStatus(s) => match s.parse::<TicketStatus>() {
                    Ok(s) => self
                        .set_ticket_status(caller, workspace_id, t, s)
                        .await
                        .map(|_| ()),
                    Err(e) => Err(e),
                },
                BulkAction::SetPriority(p) => self
                    .set_ticket_priority(caller, workspace_id, t, *p)
                    .await
                    .map(|_| ()),
                BulkAction::Assign(a) => self
                    .assign_ticket(caller, workspace_id, t, *a)
                    .await
                    .map(|_| ()),
                BulkAction::Tag(tags) => self
                    .tag_ticket(caller, workspace_id, t, tags)
                    .await
                    .map(|_| ()),
                BulkAction::Untag(tags) => self
                    .untag_ticket(caller, workspace_id, t, tags)
                    .await
                    .map(|_| ()),
                BulkAction::Trash => self.set_ticket_trashed(&acc, t, true).await.map(|_| ()),
                BulkAction::Restore => self.set_ticket_trashed(&acc, t, false).await.map(|_| ()),
                BulkAction::Spam => self.set_ticket_spam_in(&acc, t, true).await.map(|_| ()),
                BulkAction::NotSpam => self.set_ticket_spam_in(&acc, t, false).await.map(|_| ()),
            };
            items.push(BulkItem::new(id, r));
        }
        Ok(BulkReport { items })
    }

    /// Applies one action to many conversations (`priority` does not apply to them).
    pub async fn bulk_conversations(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        ids: &[Uuid],
        action: &BulkAction,
    ) -> Result<BulkReport> {
        let acc = self.access(caller, workspace_id).await?;
        let ids = check_ids(ids)?;
        let status = match action {
            BulkAction::SetStatus(s) => Some(s.parse::<ConversationStatus>()?),
            BulkAction::SetPriority(_) => {
                return Err(Error::validation(
                    "action",
                    "conversations have no priority",
                ));
            }
            _ => None,
        };
        self.check_bulk_args(&acc, action).await?;
        let mut items = Vec::with_capacity(ids.len());
        for id in ids {
            let c = ConversationId(id);
            let r = match action {
                BulkAction::SetStatus(_) => {
                    let patch = super::ConversationPatch {
                        status,
                        ..Default::default()
                    };
                    self.update_conversation(caller, workspace_id, c, patch)
                        .await
                        .map(|_| ())
                }
                BulkAction::Assign(a) => {
                    let patch = super::ConversationPatch {
                        agent_id: Some(*a),
                        ..Default::default()
                    };
                    self.update_conversation(caller, workspace_id, c, patch)
                        .await
                        .map(|_| ())
                }
                BulkAction::Tag(t) => self.retag_conversation(&acc, c, t, true).await.map(|_| ()),
                BulkAction::Untag(t) => {
                    self.retag_conversation(&acc, c, t, false).await.map(|_| ())
                }
                BulkAction::Trash => self.trash_conversation_in(&acc, c, true).await.map(|_| ()),
                BulkAction::Restore => self.trash_conversation_in(&acc, c, false).await.map(|_| ()),
                BulkAction::Spam => self.spam_conversation_in(&acc, c, true).await.map(|_| ()),
                BulkAction::NotSpam => self.spam_conversation_in(&acc, c, false).await.map(|_| ()),
                BulkAction::SetPriority(_) => Err(Error::validation("action", "no priority")),
            };
            items.push(BulkItem::new(id, r));
        }
        Ok(BulkReport { items })
    }
}
