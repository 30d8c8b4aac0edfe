//! Custom domains: a workspace's own sending and receiving domains, unique across workspaces.
//! Owners manage them; the plan limits how many (none on Lite). DNS records and verification
//! come from the mail provider's domain port and are filled in by that adapter.

use super::Helpdesk;
use super::access::{Access, Caller};
use super::organizations::domain_name;
use super::retry::{on_unique, with_retry};
use crate::error::Result;
use crate::ids::{DomainId, WorkspaceId};
use crate::model::{Domain, DomainState, Resource, WorkspaceEmail};
use crate::store::{Filter, Kind, Query, StoreExt, Writes};
use serde::Deserialize;

/// A new domain.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewDomain {
    /// e.g. `support.example.com`.
    pub name: String,
}

impl Helpdesk {
    async fn load_domain(&self, acc: &Access, id: DomainId) -> Result<Domain> {
        self.db().require(acc.scope(), id.0).await
    }

    /// Adds a domain, unverified (owners only). `QuotaExceeded` ("domains") past the plan's
    /// limit, which is 0 on Lite.
    pub async fn create_domain(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        new: NewDomain,
    ) -> Result<Domain> {
        let acc = self.access(caller, workspace_id).await?;
        acc.require_owner("manage domains")?;
        let name = domain_name("name", &new.name)?;
        self.check_quota(&acc, Resource::Domains, 1).await?;
        let now = self.now();
        let mut d = Domain {
            id: DomainId::new(),
            workspace_id,
            name,
            state: DomainState::Unverified,
            dns_records: Vec::new(),
            verified_at: None,
            created_at: now,
            updated_at: now,
            version: 0,
        };
        let mut w = Writes::new();
        w.insert(&mut d)?;
        w.apply(self.db())
            .await
            .map_err(|e| on_unique(e, "domain_name", "name", "this domain is already in use"))?;
        Ok(d)
    }

    /// One domain.
    pub async fn domain(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: DomainId,
    ) -> Result<Domain> {
        let acc = self.access(caller, workspace_id).await?;
        self.load_domain(&acc, id).await
    }

    /// Every domain of the workspace, by name.
    pub async fn list_domains(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
    ) -> Result<Vec<Domain>> {
        let acc = self.access(caller, workspace_id).await?;
        let mut v: Vec<Domain> =
            super::listing::fetch_all(self.db(), Query::new(Kind::Domain, acc.scope())).await?;
        v.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(v)
    }

    /// Removes a domain (owners only); its emails stay, no longer linked to it.
    pub async fn delete_domain(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: DomainId,
    ) -> Result<()> {
        let acc = self.access(caller, workspace_id).await?;
        acc.require_owner("manage domains")?;
        let d = self.load_domain(&acc, id).await?;
        let emails: Vec<WorkspaceEmail> = super::listing::fetch_all(
            self.db(),
            Query::new(Kind::WorkspaceEmail, acc.scope())
                .filter(Filter::Eq("domain_id", d.id.0.into())),
        )
        .await?;
        for e in emails {
            with_retry(|| async {
                let mut e = self.load_workspace_email(&acc, e.id).await?;
                e.domain_id = None;
                e.updated_at = self.now();
                let mut w = Writes::new();
                w.update(&mut e)?;
                w.apply(self.db()).await
            })
            .await?;
        }
        let mut w = Writes::new();
        w.delete_id(Kind::Domain, acc.scope(), d.id.0);
        w.apply(self.db()).await
    }
}
