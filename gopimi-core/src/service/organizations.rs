//! Organizations: companies that group contacts. Names are unique per workspace
//! (case-insensitive). Deleting one unlinks its contacts; the contacts stay.

use super::Helpdesk;
use super::access::{Access, Caller};
use super::input;
use super::listing::{Page, PageRequest, fetch_all, fetch_page};
use super::retry::{on_unique, with_retry};
use crate::error::{Error, Result};
use crate::ids::{OrganizationId, WorkspaceId};
use crate::model::{Contact, Organization};
use crate::store::{Filter, Kind, Query, SortKey, StoreExt, Writes};
use serde::Deserialize;

const NAME_TAKEN: &str = "an organization with this name already exists";

/// A new organization.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewOrganization {
    pub name: String,
    /// The company's web or mail domain, e.g. `example.com`.
    #[serde(default)]
    pub domain: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
}

impl NewOrganization {
    /// An organization with a name.
    pub fn new(name: impl Into<String>) -> Self {
        NewOrganization {
            name: name.into(),
            ..NewOrganization::default()
        }
    }
}

/// Changes to an organization; absent fields stay, `Some(None)` clears.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OrganizationPatch {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "input::nullable")]
    pub domain: Option<Option<String>>,
    #[serde(default, deserialize_with = "input::nullable")]
    pub notes: Option<Option<String>>,
}

/// A domain name: labels of letters, digits and hyphens with at least one dot; lower-cased.
pub(crate) fn domain_name(field: &str, value: &str) -> Result<String> {
    let d = value.trim().trim_end_matches('.').to_ascii_lowercase();
    let ok = d.len() <= 253
        && d.contains('.')
        && d.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    if ok {
        Ok(d)
    } else {
        Err(Error::validation(
            field,
            format!("'{}' is not a domain name like example.com", value.trim()),
        ))
    }
}

fn optional_domain(value: Option<&str>) -> Result<Option<String>> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => domain_name("domain", v).map(Some),
        None => Ok(None),
    }
}

impl Helpdesk {
    /// One organization of the workspace; another workspace's is `NotFound`.
    pub(crate) async fn load_organization(
        &self,
        acc: &Access,
        id: OrganizationId,
    ) -> Result<Organization> {
        self.db().require(acc.scope(), id.0).await
    }

    /// The organization with this name (case-insensitive), if any.
    pub(crate) async fn organization_by_name(
        &self,
        acc: &Access,
        name: &str,
    ) -> Result<Option<Organization>> {
        self.db()
            .find_one(
                &Query::new(Kind::Organization, acc.scope()).filter(Filter::Eq(
                    "name_sort",
                    crate::search::sort_key(name).into(),
                )),
            )
            .await
    }

    /// Creates an organization.
    pub async fn create_organization(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        new: NewOrganization,
    ) -> Result<Organization> {
        let acc = self.access(caller, workspace_id).await?;
        self.insert_organization(&acc, new).await
    }

    pub(crate) async fn insert_organization(
        &self,
        acc: &Access,
        new: NewOrganization,
    ) -> Result<Organization> {
        let name = input::name("name", &new.name, input::NAME_MAX)?;
        let domain = optional_domain(new.domain.as_deref())?;
        let notes = input::optional_text("notes", new.notes.as_deref(), input::NOTE_MAX)?;
        let now = self.now();
        let mut org = Organization {
            id: OrganizationId::new(),
            workspace_id: acc.ws(),
            name,
            domain,
            notes,
            created_at: now,
            updated_at: now,
            version: 0,
        };
        let mut w = Writes::new();
        w.insert(&mut org)?;
        w.apply(self.db())
            .await
            .map_err(|e| on_unique(e, "organization_name", "name", NAME_TAKEN))?;
        Ok(org)
    }

    /// One organization.
    pub async fn organization(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: OrganizationId,
    ) -> Result<Organization> {
        let acc = self.access(caller, workspace_id).await?;
        self.load_organization(&acc, id).await
    }

    /// Organizations by name; `search` matches words of the name and domain.
    pub async fn list_organizations(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        search: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<Organization>> {
        let acc = self.access(caller, workspace_id).await?;
        let mut q = Query::new(Kind::Organization, acc.scope()).sort(SortKey::asc("name_sort"));
        if let Some(s) = search {
            q = q.search(s);
        }
        fetch_page(self.db(), q, page).await
    }

    /// Changes an organization.
    pub async fn update_organization(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: OrganizationId,
        patch: OrganizationPatch,
    ) -> Result<Organization> {
        let acc = self.access(caller, workspace_id).await?;
        let name = patch
            .name
            .as_deref()
            .map(|n| input::name("name", n, input::NAME_MAX))
            .transpose()?;
        let domain = patch
            .domain
            .as_ref()
            .map(|d| optional_domain(d.as_deref()))
            .transpose()?;
        let notes = patch
            .notes
            .as_ref()
            .map(|n| input::optional_text("notes", n.as_deref(), input::NOTE_MAX))
            .transpose()?;
        with_retry(|| async {
            let mut org = self.load_organization(&acc, id).await?;
            let before = org.clone();
            if let Some(n) = &name {
                org.name = n.clone();
            }
            if let Some(d) = &domain {
                org.domain = d.clone();
            }
            if let Some(n) = &notes {
                org.notes = n.clone();
            }
            if org == before {
                return Ok(org);
            }
            org.updated_at = self.now();
            let mut w = Writes::new();
            w.update(&mut org)?;
            w.apply(self.db())
                .await
                .map_err(|e| on_unique(e, "organization_name", "name", NAME_TAKEN))?;
            Ok(org)
        })
        .await
    }

    /// Deletes an organization; its contacts lose the link and stay.
    pub async fn delete_organization(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: OrganizationId,
    ) -> Result<()> {
        let acc = self.access(caller, workspace_id).await?;
        let org = self.load_organization(&acc, id).await?;
        let contacts: Vec<Contact> = fetch_all(
            self.db(),
            Query::new(Kind::Contact, acc.scope())
                .filter(Filter::Eq("organization_id", org.id.0.into())),
        )
        .await?;
        for c in contacts {
            let r = with_retry(|| async {
                let mut c = self.load_contact(&acc, c.id).await?;
                if c.organization_id != Some(org.id) {
                    return Ok(());
                }
                c.organization_id = None;
                c.updated_at = self.now();
                let mut w = Writes::new();
                w.update(&mut c)?;
                w.apply(self.db()).await
            })
            .await;
            match r {
                Err(e) if !e.is_not_found() => return Err(e),
                _ => {}
            }
        }
        // A contact linked in the instant between the unlinking above and this delete keeps
        // the id of a missing organization, which reads as none (writes that link a contact
        // require the organization to exist, so none can link after this).
        let mut w = Writes::new();
        w.delete_id(Kind::Organization, acc.scope(), org.id.0);
        w.apply(self.db()).await
    }
}
