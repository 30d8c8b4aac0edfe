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
        // Register it with the provider now so its DNS records can be shown at once. Best
        // effort: the domain is ours either way, and verification registers it if this failed.
        if let Some(provider) = self.domain_provider() {
            match provider.add_domain(&d.name).await {
                Ok(at_provider) => {
                    if let Ok(updated) = self.save_provider_state(&acc, d.id, at_provider).await {
                        d = updated;
                    }
                }
                Err(e) => tracing::warn!(domain = %d.name, error = %e,
                    "registering the domain with the mail provider failed; verification will retry"),
            }
        }
        Ok(d)
    }

    /// Asks the mail provider to check the domain's DNS now and records what it says: its
    /// state (`active` once verified), its DNS records with their validity, and when it was
    /// first verified (owners only). A domain the provider does not know yet is registered
    /// first. Without a provider (the embedded default sends to the outbox) there is nothing
    /// to verify against: `Conflict`.
    pub async fn verify_domain(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: DomainId,
    ) -> Result<Domain> {
        let acc = self.access(caller, workspace_id).await?;
        acc.require_owner("manage domains")?;
        let d = self.load_domain(&acc, id).await?;
        let Some(provider) = self.domain_provider() else {
            return Err(crate::Error::conflict(
                "no mail provider is configured to verify domains (set MAILGUN_API_KEY and MAILGUN_DOMAIN)",
            ));
        };
        if provider.get_domain(&d.name).await?.is_none() {
            provider.add_domain(&d.name).await?;
        }
        let at_provider = provider.verify_domain(&d.name).await?;
        self.save_provider_state(&acc, d.id, at_provider).await
    }

    async fn save_provider_state(
        &self,
        acc: &Access,
        id: DomainId,
        at_provider: crate::mail::ProviderDomain,
    ) -> Result<Domain> {
        let state = match at_provider.state.as_str() {
            "active" => DomainState::Active,
            "disabled" => DomainState::Disabled,
            _ => DomainState::Unverified,
        };
        with_retry(|| async {
            let mut d = self.load_domain(acc, id).await?;
            let now = self.now();
            d.state = state;
            if !at_provider.records.is_empty() {
                d.dns_records = at_provider.records.clone();
            }
            if state == DomainState::Active && d.verified_at.is_none() {
                d.verified_at = Some(now);
            }
            d.updated_at = now;
            let mut w = Writes::new();
            w.update(&mut d)?;
            w.apply(self.db()).await?;
            Ok(d)
        })
        .await
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
