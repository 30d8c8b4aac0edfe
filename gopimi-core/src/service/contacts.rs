//! Contacts: the people who write in. One per address per workspace (matched
//! case-insensitively), optionally in one organization of the same workspace.
//!
//! Deleting a contact unlinks it from its tickets and conversations (each with a
//! `contact_changed` activity) and removes its custom field values; the tickets stay.

use super::Helpdesk;
use super::access::{Access, Caller};
use super::bulk::{BulkItem, BulkReport};
use super::conversations::ConversationQuery;
use super::input;
use super::listing::{self, Page, PageRequest, fetch_all, fetch_page};
use super::retry::{on_unique, with_retry};
use super::ticket_list::TicketQuery;
use crate::error::{Error, Result};
use crate::ids::{ContactId, OrganizationId, WorkspaceId};
use crate::model::{Contact, Conversation, CustomFieldValue, Organization, Resource, Ticket};
use crate::store::{Filter, Kind, Query, SortKey, StoreExt, Writes};
use serde::Deserialize;

/// Sortable contact fields.
pub const CONTACT_SORTS: &[(&str, &str)] = &[
    ("name", "name_sort"),
    ("email", "email"),
    ("created_at", "created_at"),
    ("updated_at", "updated_at"),
];

/// Longest phone number.
pub const PHONE_MAX: usize = 50;

const EMAIL_TAKEN: &str = "a contact with this email already exists";

/// A new contact.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewContact {
    /// Defaults to the part of the address before `@`.
    #[serde(default)]
    pub name: String,
    pub email: String,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub organization_id: Option<OrganizationId>,
    #[serde(default)]
    pub notes: Option<String>,
}

impl NewContact {
    /// A contact with a name and an address.
    pub fn new(name: impl Into<String>, email: impl Into<String>) -> Self {
        NewContact {
            name: name.into(),
            email: email.into(),
            ..NewContact::default()
        }
    }
}

/// Changes to a contact; absent fields stay, `Some(None)` clears.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ContactPatch {
    pub name: Option<String>,
    pub email: Option<String>,
    #[serde(default, deserialize_with = "input::nullable")]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "input::nullable")]
    pub organization_id: Option<Option<OrganizationId>>,
    #[serde(default, deserialize_with = "input::nullable")]
    pub notes: Option<Option<String>>,
}

/// Search, filter, sort and page of a contact list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContactQuery {
    /// Words matched against name, email and phone.
    pub search: Option<String>,
    pub organization_id: Option<OrganizationId>,
    pub sort: Vec<SortKey>,
    pub page: PageRequest,
}

impl ContactQuery {
    /// Parses API query parameters (`search, organization_id, sort, page, per_page`).
    pub fn parse<'a>(params: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self> {
        let mut q = ContactQuery::default();
        let (mut page, mut per_page, mut sort) = (None, None, None);
        for (key, value) in params {
            match key {
                "search" => q.search = Some(value.to_owned()),
                "organization_id" if !value.trim().is_empty() => {
                    q.organization_id = Some(listing::parse_id("organization_id", value)?);
                }
                "sort" => sort = Some(value),
                "page" => page = Some(value),
                "per_page" => per_page = Some(value),
                _ => {}
            }
        }
        q.sort = listing::parse_sort(sort, CONTACT_SORTS, &[])?;
        q.page = PageRequest::parse(page, per_page)?;
        Ok(q)
    }
}

/// The name a contact gets when none is given: the address's local part.
fn default_name(email: &str) -> String {
    email.split('@').next().unwrap_or(email).to_owned()
}

/// Validated contact fields.
pub(crate) struct ContactInput {
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub notes: Option<String>,
}

pub(crate) fn check_contact(new: &NewContact) -> Result<ContactInput> {
    let email = input::email("email", &new.email)?;
    let name = if new.name.trim().is_empty() {
        default_name(&email)
    } else {
        input::name("name", &new.name, input::NAME_MAX)?
    };
    Ok(ContactInput {
        name,
        email,
        phone: input::optional_text("phone", new.phone.as_deref(), PHONE_MAX)?,
        notes: input::optional_text("notes", new.notes.as_deref(), input::NOTE_MAX)?,
    })
}

impl Helpdesk {
    /// One contact of the workspace; another workspace's is `NotFound`.
    pub(crate) async fn load_contact(&self, acc: &Access, id: ContactId) -> Result<Contact> {
        self.db().require(acc.scope(), id.0).await
    }

    /// Builds and inserts a contact (quota already checked by the caller).
    pub(crate) async fn insert_contact(
        &self,
        acc: &Access,
        input: ContactInput,
        organization: Option<&Organization>,
        hooks: &super::webhook_hook::Hooks,
    ) -> Result<Contact> {
        let now = self.now();
        let mut contact = Contact {
            id: ContactId::new(),
            workspace_id: acc.ws(),
            name: input.name,
            email: input.email,
            phone: input.phone,
            organization_id: organization.map(|o| o.id),
            notes: input.notes,
            created_at: now,
            updated_at: now,
            version: 0,
        };
        let mut w = Writes::new();
        if let Some(o) = organization {
            w.require_exists(Kind::Organization, acc.scope(), o.id.0);
        }
        w.insert(&mut contact)?;
        hooks.contact(&mut w, "contact.created", &contact, now)?;
        w.apply(self.db())
            .await
            .map_err(|e| on_unique(e, "contact_email", "email", EMAIL_TAKEN))?;
        Ok(contact)
    }

    /// Creates a contact. The address must be new to the workspace; the organization must be
    /// in it; `QuotaExceeded` ("contacts") past the plan's limit.
    pub async fn create_contact(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        new: NewContact,
    ) -> Result<Contact> {
        let acc = self.access(caller, workspace_id).await?;
        let input = check_contact(&new)?;
        let org = match new.organization_id {
            Some(o) => Some(self.load_organization(&acc, o).await?),
            None => None,
        };
        self.check_quota(&acc, Resource::Contacts, 1).await?;
        let hooks = self.hooks(workspace_id).await?;
        self.insert_contact(&acc, input, org.as_ref(), &hooks).await
    }

    /// The contact with this address (case-insensitive), if any: how the pipeline matches a
    /// sender.
    pub async fn contact_by_email(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        email: &str,
    ) -> Result<Option<Contact>> {
        let acc = self.access(caller, workspace_id).await?;
        self.find_contact_by_email(&acc, email).await
    }

    pub(crate) async fn find_contact_by_email(
        &self,
        acc: &Access,
        email: &str,
    ) -> Result<Option<Contact>> {
        let key = crate::search::exact_key(&input::email_key(email));
        self.db()
            .find_one(
                &Query::new(Kind::Contact, acc.scope()).filter(Filter::Eq("email", key.into())),
            )
            .await
    }

    /// The contact with this address, created (with `name`, or the local part) when there is
    /// none: the pipeline's contact matching. The flag says whether it was created. Respects
    /// the contact quota; a concurrent creation of the same address returns that contact.
    pub async fn find_or_create_contact(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        email: &str,
        name: Option<&str>,
    ) -> Result<(Contact, bool)> {
        let acc = self.access(caller, workspace_id).await?;
        if let Some(c) = self.find_contact_by_email(&acc, email).await? {
            return Ok((c, false));
        }
        let clean_name: String = name
            .unwrap_or("")
            .chars()
            .filter(|c| !c.is_control())
            .take(input::NAME_MAX)
            .collect();
        let input = check_contact(&NewContact::new(clean_name, email))?;
        self.check_quota(&acc, Resource::Contacts, 1).await?;
        let hooks = self.hooks(acc.ws()).await?;
        match self.insert_contact(&acc, input, None, &hooks).await {
            Ok(c) => Ok((c, true)),
            Err(Error::Validation { field, .. }) if field == "email" => self
                .find_contact_by_email(&acc, email)
                .await?
                .map(|c| (c, false))
                .ok_or_else(|| Error::conflict("contact_email")),
            Err(e) => Err(e),
        }
    }

    /// One contact.
    pub async fn contact(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: ContactId,
    ) -> Result<Contact> {
        let acc = self.access(caller, workspace_id).await?;
        self.load_contact(&acc, id).await
    }

    /// Contacts, by name unless sorted otherwise.
    pub async fn list_contacts(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        query: &ContactQuery,
    ) -> Result<Page<Contact>> {
        let acc = self.access(caller, workspace_id).await?;
        let mut q = Query::new(Kind::Contact, acc.scope());
        if let Some(o) = query.organization_id {
            self.load_organization(&acc, o).await?;
            q = q.filter(Filter::Eq("organization_id", o.0.into()));
        }
        if let Some(s) = &query.search {
            q = q.search(s);
        }
        q.sort = if query.sort.is_empty() {
            vec![SortKey::asc("name_sort")]
        } else {
            query.sort.clone()
        };
        fetch_page(self.db(), q, query.page).await
    }

    /// Changes a contact. Tickets and conversations keep the contact's current name and email
    /// for search when next written.
    pub async fn update_contact(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: ContactId,
        patch: ContactPatch,
    ) -> Result<Contact> {
        let acc = self.access(caller, workspace_id).await?;
        let name = patch
            .name
            .as_deref()
            .map(|n| input::name("name", n, input::NAME_MAX))
            .transpose()?;
        let email = patch
            .email
            .as_deref()
            .map(|e| input::email("email", e))
            .transpose()?;
        let phone = patch
            .phone
            .as_ref()
            .map(|p| input::optional_text("phone", p.as_deref(), PHONE_MAX))
            .transpose()?;
        let notes = patch
            .notes
            .as_ref()
            .map(|n| input::optional_text("notes", n.as_deref(), input::NOTE_MAX))
            .transpose()?;
        let org = match patch.organization_id {
            Some(Some(o)) => Some(Some(self.load_organization(&acc, o).await?)),
            Some(None) => Some(None),
            None => None,
        };
        let hooks = self.hooks(workspace_id).await?;
        with_retry(|| async {
            let mut c = self.load_contact(&acc, id).await?;
            let before = c.clone();
            if let Some(n) = &name {
                c.name = n.clone();
            }
            if let Some(e) = &email {
                c.email = e.clone();
            }
            if let Some(p) = &phone {
                c.phone = p.clone();
            }
            if let Some(n) = &notes {
                c.notes = n.clone();
            }
            if let Some(o) = &org {
                c.organization_id = o.as_ref().map(|o| o.id);
            }
            if c == before {
                return Ok(c);
            }
            c.updated_at = self.now();
            let mut w = Writes::new();
            if let Some(Some(o)) = &org {
                w.require_exists(Kind::Organization, acc.scope(), o.id.0);
            }
            w.update(&mut c)?;
            hooks.contact(&mut w, "contact.updated", &c, c.updated_at)?;
            w.apply(self.db())
                .await
                .map_err(|e| on_unique(e, "contact_email", "email", EMAIL_TAKEN))?;
            Ok(c)
        })
        .await
    }

    /// Deletes a contact (see the module docs).
    pub async fn delete_contact(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: ContactId,
    ) -> Result<()> {
        let acc = self.access(caller, workspace_id).await?;
        self.delete_contact_in(&acc, id).await
    }

    pub(crate) async fn delete_contact_in(&self, acc: &Access, id: ContactId) -> Result<()> {
        let contact = self.load_contact(acc, id).await?;
        let of_contact = |kind| {
            Query::new(kind, acc.scope()).filter(Filter::Eq("contact_id", contact.id.0.into()))
        };
        let tickets: Vec<Ticket> = fetch_all(self.db(), of_contact(Kind::Ticket)).await?;
        for t in tickets {
            let patch = super::TicketPatch {
                contact_id: Some(None),
                ..Default::default()
            };
            ignore_gone(self.update_ticket(&acc.caller, acc.ws(), t.id, patch).await)?;
        }
        // The system's view: personal conversations of every member are unlinked too.
        let system = Access {
            caller: Caller::System,
            ..acc.clone()
        };
        let convs: Vec<Conversation> = fetch_all(self.db(), of_contact(Kind::Conversation)).await?;
        for c in convs {
            let r = self
                .mutate_conversation(&system, c.id, acc.caller.actor(), |c, _, _| {
                    if c.contact_id != Some(id) {
                        return Ok(Vec::new());
                    }
                    c.contact_id = None;
                    c.contact_search.clear();
                    Ok(vec![(
                        super::ActivityAction::ContactChanged,
                        super::activity::change(Some(id), None),
                    )])
                })
                .await;
            ignore_gone(r)?;
        }
        let values: Vec<CustomFieldValue> =
            fetch_all(self.db(), of_contact(Kind::CustomFieldValue)).await?;
        let mut w = Writes::new();
        for v in &values {
            w.delete_id(Kind::CustomFieldValue, acc.scope(), v.id.0);
        }
        w.delete_id(Kind::Contact, acc.scope(), contact.id.0);
        w.apply(self.db()).await
    }

    /// Deletes several contacts; one result per id (at most 100).
    pub async fn bulk_delete_contacts(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        ids: &[ContactId],
    ) -> Result<BulkReport> {
        let acc = self.access(caller, workspace_id).await?;
        let ids = input::id_list("ids", ids, input::BULK_MAX)?;
        let mut items = Vec::with_capacity(ids.len());
        for id in ids {
            let result = self.delete_contact_in(&acc, id).await;
            items.push(BulkItem::new(id.0, result));
        }
        Ok(BulkReport { items })
    }

    /// A contact's tickets (the ticket list with the contact filter set).
    pub async fn contact_tickets(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: ContactId,
        query: &TicketQuery,
    ) -> Result<Page<Ticket>> {
        let mut q = query.clone();
        q.contact_id = Some(id);
        self.list_tickets(caller, workspace_id, &q).await
    }

    /// A contact's conversations in one inbox.
    pub async fn contact_conversations(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: ContactId,
        query: &ConversationQuery,
    ) -> Result<Page<Conversation>> {
        let mut q = query.clone();
        q.contact_id = Some(id);
        self.list_conversations(caller, workspace_id, &q).await
    }
}

/// A row deleted concurrently is not an error for a cascade.
fn ignore_gone<T>(r: Result<T>) -> Result<()> {
    match r {
        Ok(_) => Ok(()),
        Err(e) if e.is_not_found() => Ok(()),
        Err(e) => Err(e),
    }
}
