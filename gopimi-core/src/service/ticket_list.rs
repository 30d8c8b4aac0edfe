//! Ticket lists: the normal queue (trash and spam left out), the trash, the spam view; every
//! filter of the API (`status, priority, agent_id, contact_id, tag, date_from, date_to`),
//! search, sort and pages; and embedding of related rows (`?with=contact,agent,tags`).

use super::Helpdesk;
use super::access::{Access, Caller};
use super::listing::{self, Page, PageRequest, fetch_page};
use super::tickets::AgentSummary;
use crate::error::{Error, Result};
use crate::ids::{ContactId, TagId, UserId, WorkspaceId};
use crate::model::{Contact, Priority, Tag, Ticket, TicketStatus, User};
use crate::store::{Filter, Kind, Query, SortKey, StoreExt, Value};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Sortable ticket fields: API name and projected field.
pub const TICKET_SORTS: &[(&str, &str)] = &[
    ("number", "number"),
    ("subject", "subject_sort"),
    ("status", "status_rank"),
    ("priority", "priority_rank"),
    ("created_at", "created_at"),
    ("updated_at", "updated_at"),
    ("last_activity_at", "last_activity_at"),
];

/// Which view of tickets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum ListView {
    /// Not trashed, not spam.
    #[default]
    Queue,
    /// Trashed (spam or not).
    Trash,
    /// Spam, not trashed.
    Spam,
}

/// Filters, search, sort and page of a ticket list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TicketQuery {
    /// Any of these statuses (empty: all).
    pub statuses: Vec<TicketStatus>,
    /// Any of these priorities (empty: all).
    pub priorities: Vec<Priority>,
    /// `Some(None)`: unassigned tickets; `Some(Some(u))`: assigned to `u`.
    pub agent_id: Option<Option<UserId>>,
    pub contact_id: Option<ContactId>,
    /// A tag id, or a tag name (case-insensitive).
    pub tag: Option<String>,
    /// Created at or after.
    pub date_from: Option<DateTime<Utc>>,
    /// Created at or before.
    pub date_to: Option<DateTime<Utc>>,
    /// Words matched against number, subject, description and the contact's name and email.
    pub search: Option<String>,
    /// Sort keys; empty means newest activity first.
    pub sort: Vec<SortKey>,
    pub page: PageRequest,
}

fn list_of<T: std::str::FromStr<Err = Error>>(value: &str) -> Result<Vec<T>> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::parse)
        .collect()
}

impl TicketQuery {
    /// Parses API query parameters. Unknown parameters are ignored (`with` is read by
    /// [`Embed::parse`]); bad values are validation errors naming the parameter. `status` and
    /// `priority` take comma-separated lists; `agent_id=none` selects unassigned tickets.
    pub fn parse<'a>(params: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self> {
        let mut q = TicketQuery::default();
        let (mut page, mut per_page, mut sort) = (None, None, None);
        for (key, value) in params {
            match key {
                "status" => q.statuses = list_of(value)?,
                "priority" => q.priorities = list_of(value)?,
                "agent_id" => {
                    q.agent_id = match value.trim() {
                        "" => None,
                        "none" | "null" | "unassigned" => Some(None),
                        v => Some(Some(listing::parse_id("agent_id", v)?)),
                    }
                }
                "contact_id" if !value.trim().is_empty() => {
                    q.contact_id = Some(listing::parse_id("contact_id", value)?);
                }
                "tag" if !value.trim().is_empty() => q.tag = Some(value.trim().to_owned()),
                "date_from" if !value.trim().is_empty() => {
                    q.date_from = Some(listing::parse_date_bound("date_from", value, false)?);
                }
                "date_to" if !value.trim().is_empty() => {
                    q.date_to = Some(listing::parse_date_bound("date_to", value, true)?);
                }
                "search" => q.search = Some(value.to_owned()),
                "sort" => sort = Some(value),
                "page" => page = Some(value),
                "per_page" => per_page = Some(value),
                _ => {}
            }
        }
        q.sort = listing::parse_sort(sort, TICKET_SORTS, &[])?;
        q.page = PageRequest::parse(page, per_page)?;
        Ok(q)
    }
}

/// Which related rows to embed in each listed ticket (`?with=contact,agent,tags`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Embed {
    pub contact: bool,
    pub agent: bool,
    pub tags: bool,
}

impl Embed {
    /// Parses `?with=`; an unknown name is a validation error.
    pub fn parse(value: Option<&str>) -> Result<Self> {
        let mut e = Embed::default();
        for part in value
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            match part {
                "contact" => e.contact = true,
                "agent" => e.agent = true,
                "tags" => e.tags = true,
                other => {
                    return Err(Error::validation(
                        "with",
                        format!("cannot embed '{other}' (contact, agent, tags)"),
                    ));
                }
            }
        }
        Ok(e)
    }
}

/// A ticket with its embedded related rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketView {
    pub ticket: Ticket,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent: Option<AgentSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<Tag>>,
}

impl Helpdesk {
    /// The ticket queue: everything not trashed and not spam.
    pub async fn list_tickets(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        query: &TicketQuery,
    ) -> Result<Page<Ticket>> {
        self.ticket_page(caller, workspace_id, query, ListView::Queue)
            .await
    }

    /// The trash: tickets moved there, newest first unless sorted otherwise.
    pub async fn list_trashed_tickets(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        query: &TicketQuery,
    ) -> Result<Page<Ticket>> {
        self.ticket_page(caller, workspace_id, query, ListView::Trash)
            .await
    }

    /// The spam view: tickets marked as spam and not trashed.
    pub async fn list_spam_tickets(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        query: &TicketQuery,
    ) -> Result<Page<Ticket>> {
        self.ticket_page(caller, workspace_id, query, ListView::Spam)
            .await
    }

    async fn ticket_page(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        query: &TicketQuery,
        view: ListView,
    ) -> Result<Page<Ticket>> {
        let acc = self.access(caller, workspace_id).await?;
        let q = self.ticket_store_query(&acc, query, view).await?;
        fetch_page(self.db(), q, query.page).await
    }

    /// The store query of a ticket list.
    pub(crate) async fn ticket_store_query(
        &self,
        acc: &Access,
        query: &TicketQuery,
        view: ListView,
    ) -> Result<Query> {
        let mut q = Query::new(Kind::Ticket, acc.scope());
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
        if !query.priorities.is_empty() {
            q = q.filter(Filter::In(
                "priority",
                query
                    .priorities
                    .iter()
                    .map(|p| Value::from(p.as_str()))
                    .collect(),
            ));
        }
        match query.agent_id {
            Some(Some(a)) => q = q.filter(Filter::Eq("agent_id", a.0.into())),
            Some(None) => q = q.filter(Filter::IsNull("agent_id")),
            None => {}
        }
        if let Some(c) = query.contact_id {
            self.load_contact(acc, c).await?;
            q = q.filter(Filter::Eq("contact_id", c.0.into()));
        }
        if let Some(tag) = &query.tag {
            let tag = self.resolve_tag(acc, tag).await?;
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
        Ok(q)
    }

    /// A tag by id or by name (case-insensitive); `NotFound` otherwise.
    pub(crate) async fn resolve_tag(&self, acc: &Access, tag: &str) -> Result<Tag> {
        if let Ok(id) = tag.trim().parse::<TagId>() {
            return self.load_tag(acc, id).await;
        }
        self.db()
            .find_one(
                &Query::new(Kind::Tag, acc.scope())
                    .filter(Filter::Eq("name_sort", crate::search::sort_key(tag).into())),
            )
            .await?
            .ok_or(Error::not_found("tag"))
    }

    /// Embeds contacts, agents and tags into tickets with one read per kind.
    pub async fn embed_tickets(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        tickets: Vec<Ticket>,
        with: Embed,
    ) -> Result<Vec<TicketView>> {
        let acc = self.access(caller, workspace_id).await?;
        let contacts: Vec<Contact> = if with.contact {
            let ids: Vec<uuid::Uuid> = tickets
                .iter()
                .filter_map(|t| t.contact_id.map(|c| c.0))
                .collect();
            self.db().load_many(acc.scope(), &ids).await?
        } else {
            Vec::new()
        };
        let agents: Vec<User> = if with.agent {
            let ids: Vec<uuid::Uuid> = tickets
                .iter()
                .filter_map(|t| t.agent_id.map(|a| a.0))
                .collect();
            self.db().load_many(None, &ids).await?
        } else {
            Vec::new()
        };
        let tags: Vec<Tag> = if with.tags {
            let ids: Vec<uuid::Uuid> = tickets
                .iter()
                .flat_map(|t| t.tag_ids.iter().map(|x| x.0))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            self.db().load_many(acc.scope(), &ids).await?
        } else {
            Vec::new()
        };
        Ok(tickets
            .into_iter()
            .map(|ticket| TicketView {
                contact: ticket
                    .contact_id
                    .and_then(|c| contacts.iter().find(|x| x.id == c).cloned()),
                agent: ticket.agent_id.and_then(|a| {
                    agents.iter().find(|u| u.id == a).map(|u| AgentSummary {
                        id: u.id,
                        name: u.name.clone(),
                        email: u.email.clone(),
                    })
                }),
                tags: with.tags.then(|| {
                    ticket
                        .tag_ids
                        .iter()
                        .filter_map(|id| tags.iter().find(|t| t.id == *id).cloned())
                        .collect()
                }),
                ticket,
            })
            .collect())
    }
}
