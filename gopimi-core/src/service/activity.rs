//! The activity log: what changed on a ticket or conversation, who changed it, from what to
//! what. Entries are built here and written by each service in the same batch as the change,
//! so the log can never miss a change or record one that did not happen.
//!
//! Details are JSON. Field changes carry `{"from": old, "to": new}`; tag changes also carry
//! `added` and `removed`; message entries carry `message_id`.

use super::Helpdesk;
use super::access::Caller;
use super::listing::{Page, PageRequest, fetch_page};
use crate::error::Result;
use crate::ids::{ActivityId, ConversationId, TicketId, WorkspaceId};
use crate::model::{Activity, ActivitySubject, Actor};
use crate::store::{Filter, Kind, Query, SortKey};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// What an activity entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityAction {
    /// Created (by an agent, or from an email: the actor is then the contact).
    Created,
    /// `{from, to}` statuses.
    StatusChanged,
    /// `{from, to}` priorities.
    PriorityChanged,
    /// `{from, to}` agent ids (null when unassigned).
    Assigned,
    /// `{from, to}` contact ids.
    ContactChanged,
    /// `{from, to}` subjects.
    SubjectChanged,
    /// `{from, to}` descriptions.
    DescriptionChanged,
    /// `{from, to}` workspace email ids.
    EmailChanged,
    /// `{from, to, added, removed}` tag ids.
    TagsChanged,
    /// An internal note was added: `{message_id}`.
    NoteAdded,
    /// An outbound reply was added: `{message_id}`.
    ReplyAdded,
    /// An inbound email was threaded in: `{message_id}`.
    MessageReceived,
    /// A note was edited: `{message_id, from, to}`.
    MessageEdited,
    /// A message was deleted (soft): `{message_id}`.
    MessageDeleted,
    /// Moved to trash.
    Trashed,
    /// Restored from trash.
    Restored,
    /// Marked as spam.
    SpamMarked,
    /// No longer spam.
    SpamUnmarked,
}

impl ActivityAction {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ActivityAction::Created => "created",
            ActivityAction::StatusChanged => "status_changed",
            ActivityAction::PriorityChanged => "priority_changed",
            ActivityAction::Assigned => "assigned",
            ActivityAction::ContactChanged => "contact_changed",
            ActivityAction::SubjectChanged => "subject_changed",
            ActivityAction::DescriptionChanged => "description_changed",
            ActivityAction::EmailChanged => "email_changed",
            ActivityAction::TagsChanged => "tags_changed",
            ActivityAction::NoteAdded => "note_added",
            ActivityAction::ReplyAdded => "reply_added",
            ActivityAction::MessageReceived => "message_received",
            ActivityAction::MessageEdited => "message_edited",
            ActivityAction::MessageDeleted => "message_deleted",
            ActivityAction::Trashed => "trashed",
            ActivityAction::Restored => "restored",
            ActivityAction::SpamMarked => "spam_marked",
            ActivityAction::SpamUnmarked => "spam_unmarked",
        }
    }
}

impl fmt::Display for ActivityAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A new activity entry (inserted by the caller's batch).
pub(crate) fn entry(
    workspace_id: WorkspaceId,
    subject: ActivitySubject,
    actor: Actor,
    action: ActivityAction,
    details: serde_json::Value,
    now: DateTime<Utc>,
) -> Activity {
    Activity {
        id: ActivityId::new(),
        workspace_id,
        subject,
        actor,
        action: action.as_str().to_owned(),
        details,
        created_at: now,
        version: 0,
    }
}

/// `{"from": .., "to": ..}`.
pub(crate) fn change<T: Serialize>(from: T, to: T) -> serde_json::Value {
    serde_json::json!({ "from": from, "to": to })
}

fn log_query(workspace_id: WorkspaceId, field: &'static str, id: uuid::Uuid) -> Query {
    Query::new(Kind::Activity, Some(workspace_id.0))
        .filter(Filter::Eq(field, id.into()))
        .sort(SortKey::asc("created_at"))
}

impl Helpdesk {
    /// A ticket's activity log, oldest first.
    pub async fn ticket_activities(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        ticket_id: TicketId,
        page: PageRequest,
    ) -> Result<Page<Activity>> {
        let acc = self.access(caller, workspace_id).await?;
        self.load_ticket(&acc, ticket_id).await?;
        fetch_page(
            self.db(),
            log_query(workspace_id, "ticket_id", ticket_id.0),
            page,
        )
        .await
    }

    /// A conversation's activity log, oldest first.
    pub async fn conversation_activities(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        conversation_id: ConversationId,
        page: PageRequest,
    ) -> Result<Page<Activity>> {
        let acc = self.access(caller, workspace_id).await?;
        self.load_conversation(&acc, conversation_id).await?;
        fetch_page(
            self.db(),
            log_query(workspace_id, "conversation_id", conversation_id.0),
            page,
        )
        .await
    }
}
