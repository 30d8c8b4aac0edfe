//! Conversations: the shared inbox (visible to every member) and personal inboxes (an owner set:
//! visible only to that user; other members, owners included, get `NotFound`). The same shape as
//! tickets where it applies (status open/closed, agent, contact, tags, messages and notes, trash,
//! spam, bulk) without priority, numbers or SLA.
//!
//! Lists show one inbox at a time ([`InboxScope`]): the shared one, or the caller's personal
//! one. That is how the product presents them, and it keeps every list a single indexed query.

use super::Helpdesk;
use super::access::{Access, Caller};
use super::activity::{self, ActivityAction, change};
use super::input::{self, SUBJECT_MAX};
use super::listing::{self, Page, PageRequest, fetch_all, fetch_page};
use super::notify_hook::add_notice;
use super::retry::with_retry;
use super::ticket_list::ListView;
use super::tickets::{
    Change, MAX_TAGS, check_owned_rows, contact_search, require_refs, retag, subject_from_email,
};
use crate::error::{Error, Result};
use crate::ids::{ContactId, ConversationId, TagId, UserId, WorkspaceEmailId, WorkspaceId};
use crate::model::{
    Activity, ActivitySubject, Actor, Attachment, Conversation, ConversationStatus, Job, Message,
    Parent,
};
use crate::notify::Notice;
use crate::store::{Filter, Kind, Query, SortKey, StoreExt, Value, Writes};
use chrono::{DateTime, Utc};
use serde::Deserialize;

/// Sortable conversation fields: API name and projected field.
pub const CONVERSATION_SORTS: &[(&str, &str)] = &[
    ("subject", "subject_sort"),
    ("status", "status_rank"),
    ("created_at", "created_at"),
    ("updated_at", "updated_at"),
    ("last_activity_at", "last_activity_at"),
];

/// A new conversation.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewConversation {
    pub subject: String,
    #[serde(default)]
    pub status: Option<ConversationStatus>,
    /// Makes it personal: only this user sees it. A user may only create their own.
    #[serde(default)]
    pub owner_id: Option<UserId>,
    /// Defaults to the owner for personal conversations.
    #[serde(default)]
    pub agent_id: Option<UserId>,
    #[serde(default)]
    pub contact_id: Option<ContactId>,
    #[serde(default)]
    pub workspace_email_id: Option<WorkspaceEmailId>,
    #[serde(default)]
    pub tag_ids: Vec<TagId>,
}

impl NewConversation {
    /// A shared conversation with a subject.
    pub fn new(subject: impl Into<String>) -> Self {
        NewConversation {
            subject: subject.into(),
            ..NewConversation::default()
        }
    }
}

/// Where a new conversation comes from (see [`super::TicketOrigin`]).
#[derive(Debug, Clone, Default)]
pub enum ConversationOrigin {
    #[default]
    Agent,
    Email {
        contact_id: ContactId,
        message: Box<Message>,
        attachments: Vec<Attachment>,
        jobs: Vec<Job>,
        spam: bool,
    },
}

/// A created conversation and its first message (for email origins).
#[derive(Debug, Clone)]
pub struct OpenedConversation {
    pub conversation: Conversation,
    pub message: Option<Message>,
}

/// Changes to a conversation; absent fields stay, `Some(None)` clears.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ConversationPatch {
    pub subject: Option<String>,
    pub status: Option<ConversationStatus>,
    #[serde(default, deserialize_with = "input::nullable")]
    pub agent_id: Option<Option<UserId>>,
    #[serde(default, deserialize_with = "input::nullable")]
    pub contact_id: Option<Option<ContactId>>,
    #[serde(default, deserialize_with = "input::nullable")]
    pub workspace_email_id: Option<Option<WorkspaceEmailId>>,
}

/// Which inbox a list shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum InboxScope {
    /// Conversations without an owner.
    #[default]
    Shared,
    /// The calling user's personal conversations.
    Personal,
}

/// Filters, search, sort and page of a conversation list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConversationQuery {
    pub inbox: InboxScope,
    pub statuses: Vec<ConversationStatus>,
    pub agent_id: Option<Option<UserId>>,
    pub contact_id: Option<ContactId>,
    pub tag: Option<String>,
    pub date_from: Option<DateTime<Utc>>,
    pub date_to: Option<DateTime<Utc>>,
    pub search: Option<String>,
    pub sort: Vec<SortKey>,
    pub page: PageRequest,
}

impl ConversationQuery {
    /// Parses API query parameters (as [`super::TicketQuery::parse`], plus
    /// `inbox=shared|personal`).
    pub fn parse<'a>(params: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self> {
        let mut q = ConversationQuery::default();
        let (mut page, mut per_page, mut sort) = (None, None, None);
        for (key, value) in params {
            let v = value.trim();
            match key {
                "inbox" => {
                    q.inbox = match v {
                        "" | "shared" => InboxScope::Shared,
                        "personal" | "mine" => InboxScope::Personal,
                        other => {
                            return Err(Error::validation(
                                "inbox",
                                format!("unknown inbox '{other}' (shared or personal)"),
                            ));
                        }
                    }
                }
                "status" => {
                    q.statuses = v
                        .split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::parse)
                        .collect::<Result<_>>()?;
                }
                "agent_id" => {
                    q.agent_id = match v {
                        "" => None,
                        "none" | "null" | "unassigned" => Some(None),
                        v => Some(Some(listing::parse_id("agent_id", v)?)),
                    }
                }
                "contact_id" if !v.is_empty() => {
                    q.contact_id = Some(listing::parse_id("contact_id", v)?);
                }
                "tag" if !v.is_empty() => q.tag = Some(v.to_owned()),
                "date_from" if !v.is_empty() => {
                    q.date_from = Some(listing::parse_date_bound("date_from", v, false)?);
                }
                "date_to" if !v.is_empty() => {
                    q.date_to = Some(listing::parse_date_bound("date_to", v, true)?);
                }
                "search" => q.search = Some(value.to_owned()),
                "sort" => sort = Some(value),
                "page" => page = Some(value),
                "per_page" => per_page = Some(value),
                _ => {}
            }
        }
        q.sort = listing::parse_sort(sort, CONVERSATION_SORTS, &[])?;
        q.page = PageRequest::parse(page, per_page)?;
        Ok(q)
    }
}

impl Helpdesk {
    /// Creates a conversation as an agent. See [`Helpdesk::open_conversation`].
    pub async fn create_conversation(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        new: NewConversation,
    ) -> Result<Conversation> {
        Ok(self
            .open_conversation(caller, workspace_id, new, ConversationOrigin::Agent)
            .await?
            .conversation)
    }

    /// The one way a conversation comes to be, from the API or from an email. Checks as for
    /// tickets; a personal conversation's owner must be a member and, for a user caller, the
    /// caller. Written atomically with its `created` activity (and, from email, the message,
    /// attachments and jobs).
    pub async fn open_conversation(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        new: NewConversation,
        origin: ConversationOrigin,
    ) -> Result<OpenedConversation> {
        let acc = self.access(caller, workspace_id).await?;
        let from_email = matches!(origin, ConversationOrigin::Email { .. });
        let subject = if from_email {
            subject_from_email(&new.subject)
        } else {
            input::required_text("subject", &new.subject, SUBJECT_MAX)?
        };
        if let (Some(owner), Caller::User(me)) = (new.owner_id, caller)
            && owner != *me
        {
            return Err(Error::forbidden(
                "a personal conversation can only be created in your own inbox",
            ));
        }
        let owner = match new.owner_id {
            Some(o) => Some(self.require_member(&acc, o).await?),
            None => None,
        };
        let agent = match new.agent_id.or(new.owner_id) {
            Some(a) => Some(self.require_member(&acc, a).await?),
            None => None,
        };
        let contact_id = match &origin {
            ConversationOrigin::Email { contact_id, .. } => Some(*contact_id),
            ConversationOrigin::Agent => new.contact_id,
        };
        let contact = match contact_id {
            Some(c) => Some(self.load_contact(&acc, c).await?),
            None => None,
        };
        let tag_ids = input::id_list("tag_ids", &new.tag_ids, MAX_TAGS)?;
        let tags = self.load_tags(&acc, &tag_ids).await?;
        if let Some(e) = new.workspace_email_id {
            self.load_workspace_email(&acc, e).await?;
        }
        let (message, attachments, jobs, spam, actor) = match origin {
            ConversationOrigin::Agent => (None, Vec::new(), Vec::new(), false, acc.caller.actor()),
            ConversationOrigin::Email {
                contact_id,
                message,
                attachments,
                jobs,
                spam,
            } => (
                Some(*message),
                attachments,
                jobs,
                spam,
                Actor::Contact(contact_id),
            ),
        };
        check_owned_rows(workspace_id, message.as_ref(), &attachments)?;
        let hooks = self.hooks(workspace_id).await?.unless_spam(spam);
        let now = self.now();
        let id = ConversationId::new();
        let mut conv = Conversation {
            id,
            workspace_id,
            subject,
            status: new.status.unwrap_or(ConversationStatus::Open),
            owner_id: owner.as_ref().map(|m| m.user_id),
            agent_id: agent.as_ref().map(|m| m.user_id),
            contact_id,
            workspace_email_id: new.workspace_email_id,
            tag_ids: tags.iter().map(|t| t.id).collect(),
            spam,
            deleted_at: None,
            contact_search: contact_search(contact.as_ref()),
            created_at: now,
            updated_at: now,
            last_activity_at: now,
            version: 0,
        };
        let mut w = Writes::new();
        require_refs(&mut w, &acc, contact.as_ref(), agent.as_ref(), &tags);
        if let Some(o) = &owner {
            w.require_exists(Kind::Membership, acc.scope(), o.id.0);
        }
        if let Some(e) = new.workspace_email_id {
            w.require_exists(Kind::WorkspaceEmail, acc.scope(), e.0);
        }
        w.insert(&mut conv)?;
        hooks.conversation_created(&mut w, &conv, now)?;
        let mut details = serde_json::json!({
            "subject": conv.subject,
            "status": conv.status,
            "owner_id": conv.owner_id,
            "source": if message.is_some() { "email" } else { "api" },
        });
        let mut msg = message;
        if let Some(m) = msg.as_mut() {
            m.parent = Parent::Conversation(id);
            w.insert(m)?;
            hooks.message_created(&mut w, m, now)?;
            details["message_id"] = serde_json::json!(m.id);
            for a in &attachments {
                let mut a = a.clone();
                a.message_id = Some(m.id);
                w.insert(&mut a)?;
            }
        }
        if let Some(m) = &msg {
            let audience = self.audience(workspace_id).await?;
            let notice = Notice::ConversationMessage {
                conversation: &conv,
                message: m,
            };
            add_notice(&mut w, &notice, &audience, actor, now)?;
        }
        for j in &jobs {
            let mut j = j.clone();
            j.workspace_id.get_or_insert(workspace_id.0);
            w.insert(&mut j)?;
        }
        w.insert(&mut activity::entry(
            workspace_id,
            ActivitySubject::Conversation(id),
            actor,
            ActivityAction::Created,
            details,
            now,
        ))?;
        w.apply(self.db()).await?;
        Ok(OpenedConversation {
            conversation: conv,
            message: msg,
        })
    }

    /// A conversation by id; another member's personal conversation is `NotFound`.
    pub async fn conversation(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: ConversationId,
    ) -> Result<Conversation> {
        let acc = self.access(caller, workspace_id).await?;
        self.load_conversation(&acc, id).await
    }

    pub(crate) async fn load_conversation(
        &self,
        acc: &Access,
        id: ConversationId,
    ) -> Result<Conversation> {
        let c: Conversation = self.db().require(acc.scope(), id.0).await?;
        if !acc.sees_personal(c.owner_id) {
            return Err(Error::not_found("conversation"));
        }
        Ok(c)
    }

    /// As `mutate_ticket`, for conversations.
    pub(crate) async fn mutate_conversation<F>(
        &self,
        acc: &Access,
        id: ConversationId,
        actor: Actor,
        f: F,
    ) -> Result<Conversation>
    where
        F: Fn(&mut Conversation, &mut Writes, DateTime<Utc>) -> Result<Vec<Change>>,
    {
        with_retry(|| self.try_mutate_conversation(acc, id, actor, &f)).await
    }

    /// One attempt of `mutate_conversation`.
    pub(crate) async fn try_mutate_conversation<F>(
        &self,
        acc: &Access,
        id: ConversationId,
        actor: Actor,
        f: F,
    ) -> Result<Conversation>
    where
        F: Fn(&mut Conversation, &mut Writes, DateTime<Utc>) -> Result<Vec<Change>>,
    {
        let mut conv = self.load_conversation(acc, id).await?;
        let before = conv.clone();
        let now = self.now();
        let mut w = Writes::new();
        let changes = f(&mut conv, &mut w, now)?;
        if changes.is_empty() {
            return Ok(before);
        }
        conv.updated_at = now;
        conv.last_activity_at = now;
        w.update(&mut conv)?;
        for (action, details) in changes {
            w.insert(&mut activity::entry(
                conv.workspace_id,
                ActivitySubject::Conversation(conv.id),
                actor,
                action,
                details,
                now,
            ))?;
        }
        w.apply(self.db()).await?;
        Ok(conv)
    }

    /// Changes a conversation's fields, one activity entry per changed field.
    pub async fn update_conversation(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: ConversationId,
        patch: ConversationPatch,
    ) -> Result<Conversation> {
        let acc = self.access(caller, workspace_id).await?;
        let subject = patch
            .subject
            .as_deref()
            .map(|s| input::required_text("subject", s, SUBJECT_MAX))
            .transpose()?;
        let agent = match patch.agent_id {
            Some(Some(a)) => Some(Some(self.require_member(&acc, a).await?)),
            Some(None) => Some(None),
            None => None,
        };
        let contact = match patch.contact_id {
            Some(Some(c)) => Some(Some(self.load_contact(&acc, c).await?)),
            Some(None) => Some(None),
            None => None,
        };
        if let Some(Some(e)) = patch.workspace_email_id {
            self.load_workspace_email(&acc, e).await?;
        }
        self.mutate_conversation(&acc, id, acc.caller.actor(), |c, w, _| {
            let mut changes = Vec::new();
            if let Some(s) = &subject
                && *s != c.subject
            {
                changes.push((ActivityAction::SubjectChanged, change(&c.subject, s)));
                c.subject = s.clone();
            }
            if let Some(s) = patch.status
                && s != c.status
            {
                changes.push((ActivityAction::StatusChanged, change(c.status, s)));
                c.status = s;
            }
            if let Some(a) = &agent {
                let to = a.as_ref().map(|m| m.user_id);
                if to != c.agent_id {
                    if let Some(m) = a {
                        w.require_exists(Kind::Membership, acc.scope(), m.id.0);
                    }
                    changes.push((ActivityAction::Assigned, change(c.agent_id, to)));
                    c.agent_id = to;
                }
            }
            if let Some(ct) = &contact {
                let to = ct.as_ref().map(|x| x.id);
                if to != c.contact_id {
                    if let Some(x) = ct {
                        w.require_exists(Kind::Contact, acc.scope(), x.id.0);
                    }
                    changes.push((ActivityAction::ContactChanged, change(c.contact_id, to)));
                    c.contact_id = to;
                    c.contact_search = contact_search(ct.as_ref());
                }
            }
            if let Some(e) = patch.workspace_email_id
                && e != c.workspace_email_id
            {
                if let Some(e) = e {
                    w.require_exists(Kind::WorkspaceEmail, acc.scope(), e.0);
                }
                changes.push((
                    ActivityAction::EmailChanged,
                    change(c.workspace_email_id, e),
                ));
                c.workspace_email_id = e;
            }
            Ok(changes)
        })
        .await
    }

    /// Replaces a conversation's tags.
    pub async fn set_conversation_tags(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: ConversationId,
        tag_ids: &[TagId],
    ) -> Result<Conversation> {
        let acc = self.access(caller, workspace_id).await?;
        let wanted = input::id_list("tag_ids", tag_ids, MAX_TAGS)?;
        let tags = self.load_tags(&acc, &wanted).await?;
        self.mutate_conversation(&acc, id, acc.caller.actor(), |c, w, _| {
            Ok(retag(&mut c.tag_ids, &wanted, &tags, w, &acc)
                .into_iter()
                .collect())
        })
        .await
    }

    /// Adds tags to a conversation, keeping the others.
    pub async fn tag_conversation(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: ConversationId,
        tag_ids: &[TagId],
    ) -> Result<Conversation> {
        let acc = self.access(caller, workspace_id).await?;
        self.retag_conversation(&acc, id, tag_ids, true).await
    }

    /// Removes tags from a conversation (tags it does not have are ignored).
    pub async fn untag_conversation(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: ConversationId,
        tag_ids: &[TagId],
    ) -> Result<Conversation> {
        let acc = self.access(caller, workspace_id).await?;
        self.retag_conversation(&acc, id, tag_ids, false).await
    }

    /// Adds (`add = true`) or removes tags on a conversation, keeping the others.
    pub(crate) async fn retag_conversation(
        &self,
        acc: &Access,
        id: ConversationId,
        tag_ids: &[TagId],
        add: bool,
    ) -> Result<Conversation> {
        let ids = input::id_list("tag_ids", tag_ids, MAX_TAGS)?;
        let tags = self.load_tags(acc, &ids).await?;
        self.mutate_conversation(acc, id, acc.caller.actor(), |c, w, _| {
            let wanted: Vec<TagId> = if add {
                let mut v = c.tag_ids.clone();
                v.extend(ids.iter().filter(|a| !c.tag_ids.contains(a)));
                v
            } else {
                c.tag_ids
                    .iter()
                    .copied()
                    .filter(|x| !ids.contains(x))
                    .collect()
            };
            if wanted.len() > MAX_TAGS {
                return Err(Error::validation(
                    "tag_ids",
                    format!("a conversation has at most {MAX_TAGS} tags"),
                ));
            }
            Ok(retag(&mut c.tag_ids, &wanted, &tags, w, acc)
                .into_iter()
                .collect())
        })
        .await
    }

    /// Lists one inbox (shared, or the caller's personal one), trash and spam left out.
    pub async fn list_conversations(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        query: &ConversationQuery,
    ) -> Result<Page<Conversation>> {
        self.conversation_page(caller, workspace_id, query, ListView::Queue)
            .await
    }

    /// Trashed conversations of one inbox.
    pub async fn list_trashed_conversations(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        query: &ConversationQuery,
    ) -> Result<Page<Conversation>> {
        self.conversation_page(caller, workspace_id, query, ListView::Trash)
            .await
    }

    /// Spam conversations of one inbox.
    pub async fn list_spam_conversations(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        query: &ConversationQuery,
    ) -> Result<Page<Conversation>> {
        self.conversation_page(caller, workspace_id, query, ListView::Spam)
            .await
    }

    async fn conversation_page(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        query: &ConversationQuery,
        view: ListView,
    ) -> Result<Page<Conversation>> {
        let acc = self.access(caller, workspace_id).await?;
        let mut q = Query::new(Kind::Conversation, acc.scope());
        q = match query.inbox {
            InboxScope::Shared => q.filter(Filter::IsNull("owner_id")),
            InboxScope::Personal => {
                let me = caller.user_id().ok_or_else(|| {
                    Error::validation("inbox", "the system has no personal inbox")
                })?;
                q.filter(Filter::Eq("owner_id", me.0.into()))
            }
        };
        q = match view {
            ListView::Queue => q
                .filter(Filter::IsNull("deleted_at"))
                .filter(Filter::Eq("spam", false.into())),
            ListView::Trash => q.filter(Filter::NotNull("deleted_at")),
            ListView::Spam => q
                .filter(Filter::IsNull("deleted_at"))
                .filter(Filter::Eq("spam", true.into())),
        };
        if !query.statuses.is_empty() {
            q = q.filter(Filter::In(
                "status",
                query
                    .statuses
                    .iter()
                    .map(|s| Value::from(s.as_str()))
                    .collect(),
            ));
        }
        match query.agent_id {
            Some(Some(a)) => q = q.filter(Filter::Eq("agent_id", a.0.into())),
            Some(None) => q = q.filter(Filter::IsNull("agent_id")),
            None => {}
        }
        if let Some(c) = query.contact_id {
            self.load_contact(&acc, c).await?;
            q = q.filter(Filter::Eq("contact_id", c.0.into()));
        }
        if let Some(tag) = &query.tag {
            let tag = self.resolve_tag(&acc, tag).await?;
            q = q.filter(Filter::Contains("tag_ids", tag.id.0));
        }
        if let Some(from) = query.date_from {
            q = q.filter(Filter::Gte("created_at", from.into()));
        }
        if let Some(to) = query.date_to {
            q = q.filter(Filter::Lte("created_at", to.into()));
        }
        if let Some(s) = &query.search {
            q = q.search(s);
        }
        q.sort = if query.sort.is_empty() {
            match view {
                ListView::Queue => vec![SortKey::desc("last_activity_at")],
                ListView::Trash => vec![SortKey::desc("deleted_at")],
                ListView::Spam => vec![SortKey::desc("created_at")],
            }
        } else {
            query.sort.clone()
        };
        fetch_page(self.db(), q, query.page).await
    }

    /// Moves a conversation to the trash (`true`) or restores it (`false`).
    pub async fn set_conversation_trashed(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: ConversationId,
        trashed: bool,
    ) -> Result<Conversation> {
        let acc = self.access(caller, workspace_id).await?;
        self.trash_conversation_in(&acc, id, trashed).await
    }

    pub(crate) async fn trash_conversation_in(
        &self,
        acc: &Access,
        id: ConversationId,
        trashed: bool,
    ) -> Result<Conversation> {
        self.mutate_conversation(acc, id, acc.caller.actor(), |c, _, now| {
            if c.deleted_at.is_some() == trashed {
                return Ok(Vec::new());
            }
            c.deleted_at = trashed.then_some(now);
            let action = if trashed {
                ActivityAction::Trashed
            } else {
                ActivityAction::Restored
            };
            Ok(vec![(action, serde_json::json!({}))])
        })
        .await
    }

    /// Marks a conversation as spam or not.
    pub async fn set_conversation_spam(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: ConversationId,
        spam: bool,
    ) -> Result<Conversation> {
        let acc = self.access(caller, workspace_id).await?;
        self.spam_conversation_in(&acc, id, spam).await
    }

    pub(crate) async fn spam_conversation_in(
        &self,
        acc: &Access,
        id: ConversationId,
        spam: bool,
    ) -> Result<Conversation> {
        self.mutate_conversation(acc, id, acc.caller.actor(), |c, _, _| {
            if c.spam == spam {
                return Ok(Vec::new());
            }
            c.spam = spam;
            let action = if spam {
                ActivityAction::SpamMarked
            } else {
                ActivityAction::SpamUnmarked
            };
            Ok(vec![(action, serde_json::json!({}))])
        })
        .await
    }

    /// Deletes a conversation for good with its messages, attachments and activity (owners).
    pub async fn delete_conversation_permanently(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: ConversationId,
    ) -> Result<()> {
        let acc = self.access(caller, workspace_id).await?;
        acc.require_owner("delete conversations permanently")?;
        self.purge_conversation(&acc, id).await
    }

    /// Permanently deletes every spam conversation the caller can see (owners only); how many.
    pub async fn delete_all_spam_conversations(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
    ) -> Result<u64> {
        let acc = self.access(caller, workspace_id).await?;
        acc.require_owner("delete all spam")?;
        let spam: Vec<Conversation> = fetch_all(
            self.db(),
            Query::new(Kind::Conversation, acc.scope()).filter(Filter::Eq("spam", true.into())),
        )
        .await?;
        let mut n = 0;
        for c in spam.into_iter().filter(|c| acc.sees_personal(c.owner_id)) {
            match self.purge_conversation(&acc, c.id).await {
                Ok(()) => n += 1,
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e),
            }
        }
        Ok(n)
    }

    pub(crate) async fn purge_conversation(&self, acc: &Access, id: ConversationId) -> Result<()> {
        let blob_keys = with_retry(|| async {
            let conv = self.load_conversation(acc, id).await?;
            let messages: Vec<Message> = fetch_all(
                self.db(),
                Query::new(Kind::Message, acc.scope())
                    .filter(Filter::Eq("conversation_id", id.0.into())),
            )
            .await?;
            let attachments = self.attachments_of(acc, &messages).await?;
            let activities: Vec<Activity> = fetch_all(
                self.db(),
                Query::new(Kind::Activity, acc.scope())
                    .filter(Filter::Eq("conversation_id", id.0.into())),
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
            w.delete(&conv);
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
}
