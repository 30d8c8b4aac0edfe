//! Workspace emails: the addresses a workspace receives and sends on, what inbound mail to
//! them becomes (purpose `ticket` or `inbox`; an inbox email with a user is that user's
//! personal inbox), and forwarding addresses on the platform domain.
//!
//! Members can see the emails (they pick one to reply from); only owners manage them. Addresses
//! are unique across all workspaces (case-insensitive): one address routes to one workspace.
//! Verification of custom addresses and everything the pipeline does with them live elsewhere.

use super::Helpdesk;
use super::access::{Access, Caller};
use super::input;
use super::retry::{on_unique, unique_violation, with_retry};
use crate::error::{Error, Result};
use crate::ids::{UserId, WorkspaceEmailId, WorkspaceId};
use crate::model::{Domain, Purpose, Resource, WorkspaceEmail};
use crate::store::{Filter, Kind, Query, SortKey, StoreExt, Writes};
use serde::Deserialize;

const ADDRESS_TAKEN: &str = "this address is already in use";

/// A new workspace email.
#[derive(Debug, Clone, Deserialize)]
pub struct NewWorkspaceEmail {
    pub address: String,
    #[serde(default)]
    pub display_name: Option<String>,
    pub purpose: Purpose,
    /// Makes an inbox email personal to this member.
    #[serde(default)]
    pub user_id: Option<UserId>,
    /// Defaults to true.
    #[serde(default)]
    pub can_send: Option<bool>,
    /// Defaults to true.
    #[serde(default)]
    pub can_receive: Option<bool>,
}

impl NewWorkspaceEmail {
    /// An address that sends and receives for a purpose.
    pub fn new(address: impl Into<String>, purpose: Purpose) -> Self {
        NewWorkspaceEmail {
            address: address.into(),
            display_name: None,
            purpose,
            user_id: None,
            can_send: None,
            can_receive: None,
        }
    }
}

/// Changes to a workspace email; absent fields stay, `Some(None)` clears.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct WorkspaceEmailPatch {
    #[serde(default, deserialize_with = "input::nullable")]
    pub display_name: Option<Option<String>>,
    pub purpose: Option<Purpose>,
    #[serde(default, deserialize_with = "input::nullable")]
    pub user_id: Option<Option<UserId>>,
    pub can_send: Option<bool>,
    pub can_receive: Option<bool>,
}

fn check_user_purpose(purpose: Purpose, user: Option<UserId>) -> Result<()> {
    if purpose == Purpose::Ticket && user.is_some() {
        return Err(Error::validation(
            "user_id",
            "only inbox emails can be personal; ticket emails are shared",
        ));
    }
    Ok(())
}

fn random_local_part() -> String {
    use rand::RngCore;
    let mut b = [0u8; 8];
    rand::rng().fill_bytes(&mut b);
    format!("fwd-{}", hex::encode(b))
}

impl Helpdesk {
    /// One workspace email; another workspace's is `NotFound`.
    pub(crate) async fn load_workspace_email(
        &self,
        acc: &Access,
        id: WorkspaceEmailId,
    ) -> Result<WorkspaceEmail> {
        self.db().require(acc.scope(), id.0).await
    }

    /// The domain row of the workspace matching an address's domain, if any.
    async fn domain_for(&self, acc: &Access, address: &str) -> Result<Option<Domain>> {
        let Some((_, domain)) = address.rsplit_once('@') else {
            return Ok(None);
        };
        self.db()
            .find_one(&Query::new(Kind::Domain, acc.scope()).filter(Filter::Eq(
                "domain_name",
                crate::search::exact_key(&domain.to_ascii_lowercase()).into(),
            )))
            .await
    }

    /// Adds an email (owners only). `QuotaExceeded` ("emails") past the plan's limit.
    pub async fn create_workspace_email(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        new: NewWorkspaceEmail,
    ) -> Result<WorkspaceEmail> {
        let acc = self.access(caller, workspace_id).await?;
        acc.require_owner("manage emails")?;
        let address = input::email("address", &new.address)?;
        let display_name =
            input::optional_text("display_name", new.display_name.as_deref(), input::NAME_MAX)?;
        check_user_purpose(new.purpose, new.user_id)?;
        let member = match new.user_id {
            Some(u) => Some(self.require_member(&acc, u).await?),
            None => None,
        };
        self.check_quota(&acc, Resource::Emails, 1).await?;
        let domain = self.domain_for(&acc, &address).await?;
        let now = self.now();
        let mut email = WorkspaceEmail {
            id: WorkspaceEmailId::new(),
            workspace_id,
            address,
            display_name,
            purpose: new.purpose,
            user_id: new.user_id,
            can_send: new.can_send.unwrap_or(true),
            can_receive: new.can_receive.unwrap_or(true),
            forwarding_address: None,
            domain_id: domain.map(|d| d.id),
            verified: false,
            verification_code: None,
            created_at: now,
            updated_at: now,
            version: 0,
        };
        let mut w = Writes::new();
        if let Some(m) = &member {
            w.require_exists(Kind::Membership, acc.scope(), m.id.0);
        }
        w.insert(&mut email)?;
        w.apply(self.db())
            .await
            .map_err(|e| on_unique(e, "workspace_email_address", "address", ADDRESS_TAKEN))?;
        Ok(email)
    }

    /// One email.
    pub async fn workspace_email(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: WorkspaceEmailId,
    ) -> Result<WorkspaceEmail> {
        let acc = self.access(caller, workspace_id).await?;
        self.load_workspace_email(&acc, id).await
    }

    /// Every email of the workspace, by address.
    pub async fn list_workspace_emails(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
    ) -> Result<Vec<WorkspaceEmail>> {
        let acc = self.access(caller, workspace_id).await?;
        super::listing::fetch_all::<WorkspaceEmail>(
            self.db(),
            Query::new(Kind::WorkspaceEmail, acc.scope()).sort(SortKey::asc("address")),
        )
        .await
        .map(|mut v| {
            v.sort_by_key(|e| e.address.to_lowercase());
            v
        })
    }

    /// Changes an email (owners only).
    pub async fn update_workspace_email(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: WorkspaceEmailId,
        patch: WorkspaceEmailPatch,
    ) -> Result<WorkspaceEmail> {
        let acc = self.access(caller, workspace_id).await?;
        acc.require_owner("manage emails")?;
        let display_name = patch
            .display_name
            .as_ref()
            .map(|d| input::optional_text("display_name", d.as_deref(), input::NAME_MAX))
            .transpose()?;
        let member = match patch.user_id {
            Some(Some(u)) => Some(self.require_member(&acc, u).await?),
            _ => None,
        };
        with_retry(|| async {
            let mut e = self.load_workspace_email(&acc, id).await?;
            let before = e.clone();
            if let Some(d) = &display_name {
                e.display_name = d.clone();
            }
            if let Some(p) = patch.purpose {
                e.purpose = p;
            }
            if let Some(u) = patch.user_id {
                e.user_id = u;
            }
            if let Some(s) = patch.can_send {
                e.can_send = s;
            }
            if let Some(r) = patch.can_receive {
                e.can_receive = r;
            }
            check_user_purpose(e.purpose, e.user_id)?;
            if e == before {
                return Ok(e);
            }
            e.updated_at = self.now();
            let mut w = Writes::new();
            if let Some(m) = &member {
                w.require_exists(Kind::Membership, acc.scope(), m.id.0);
            }
            w.update(&mut e)?;
            w.apply(self.db()).await?;
            Ok(e)
        })
        .await
    }

    /// Removes an email (owners only). Tickets that came in on it keep working; replies fall
    /// back to another sending address.
    pub async fn delete_workspace_email(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: WorkspaceEmailId,
    ) -> Result<()> {
        let acc = self.access(caller, workspace_id).await?;
        acc.require_owner("manage emails")?;
        self.load_workspace_email(&acc, id).await?;
        let mut w = Writes::new();
        w.delete_id(Kind::WorkspaceEmail, acc.scope(), id.0);
        w.apply(self.db()).await
    }

    /// Issues (or replaces) the email's forwarding address, `fwd-<random>@<platform domain>`,
    /// for the customer's own mailbox to forward to (owners only).
    pub async fn issue_forwarding_address(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: WorkspaceEmailId,
    ) -> Result<WorkspaceEmail> {
        let acc = self.access(caller, workspace_id).await?;
        acc.require_owner("manage emails")?;
        let domain = self.config().platform_domain.clone();
        with_retry(|| async {
            let mut e = self.load_workspace_email(&acc, id).await?;
            e.forwarding_address = Some(format!("{}@{domain}", random_local_part()));
            e.updated_at = self.now();
            let mut w = Writes::new();
            w.update(&mut e)?;
            // A collision of 64 random bits: draw again.
            w.apply(self.db()).await.map_err(|err| {
                if unique_violation(&err) == Some("workspace_email_forwarding") {
                    Error::conflict("forwarding address collision")
                } else {
                    err
                }
            })?;
            Ok(e)
        })
        .await
    }
}
