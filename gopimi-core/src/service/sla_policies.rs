//! SLA policies (owners only; members may read them). A workspace has at most one active
//! policy: activating one deactivates the others in the same write. Each priority has at most
//! one target. Applying policies to tickets is the SLA work's (see [`super::sla_hook`]).

use super::Helpdesk;
use super::access::{Access, Caller};
use super::input;
use super::retry::with_retry;
use crate::error::{Error, Result};
use crate::ids::{SlaPolicyId, WorkspaceId};
use crate::model::{BusinessCalendar, Resource, SlaPolicy, SlaTarget};
use crate::store::{Filter, Kind, Query, StoreExt, Writes};
use serde::Deserialize;

/// Longest target: a year, in minutes.
pub const MAX_TARGET_MINUTES: u32 = 525_600;

/// A new SLA policy.
#[derive(Debug, Clone, Deserialize)]
pub struct NewSlaPolicy {
    pub name: String,
    /// Defaults to true: a new policy usually replaces the previous one.
    #[serde(default)]
    pub active: Option<bool>,
    pub targets: Vec<SlaTarget>,
    #[serde(default)]
    pub calendar: Option<BusinessCalendar>,
    #[serde(default)]
    pub pause_on_pending: bool,
    /// Warn when this percentage of a target is left (1 to 99, default 20).
    #[serde(default)]
    pub warning_percent: Option<u8>,
}

/// Changes to a policy; absent fields stay, `Some(None)` clears the calendar.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SlaPolicyPatch {
    pub name: Option<String>,
    pub active: Option<bool>,
    pub targets: Option<Vec<SlaTarget>>,
    #[serde(default, deserialize_with = "input::nullable")]
    pub calendar: Option<Option<BusinessCalendar>>,
    pub pause_on_pending: Option<bool>,
    pub warning_percent: Option<u8>,
}

fn check_targets(targets: &[SlaTarget]) -> Result<()> {
    if targets.is_empty() {
        return Err(Error::validation(
            "targets",
            "at least one priority needs a target",
        ));
    }
    for (i, t) in targets.iter().enumerate() {
        if targets[..i].iter().any(|o| o.priority == t.priority) {
            return Err(Error::validation(
                "targets",
                format!("priority {} has two targets", t.priority),
            ));
        }
        for (field, m) in [
            ("first_response_minutes", t.first_response_minutes),
            ("resolution_minutes", t.resolution_minutes),
        ] {
            if m == 0 || m > MAX_TARGET_MINUTES {
                return Err(Error::validation(
                    format!("targets.{field}"),
                    format!("must be between 1 and {MAX_TARGET_MINUTES} minutes"),
                ));
            }
        }
    }
    Ok(())
}

fn check_calendar(c: &BusinessCalendar) -> Result<()> {
    if c.time_zone.parse::<chrono_tz::Tz>().is_err() {
        return Err(Error::validation(
            "calendar.time_zone",
            format!(
                "'{}' is not an IANA time zone like Europe/Berlin",
                c.time_zone
            ),
        ));
    }
    if c.hours.is_empty() {
        return Err(Error::validation(
            "calendar.hours",
            "at least one working day",
        ));
    }
    if c.hours.iter().any(|h| h.start >= h.end) {
        return Err(Error::validation(
            "calendar.hours",
            "each day must start before it ends",
        ));
    }
    Ok(())
}

fn check_warning(p: u8) -> Result<u8> {
    if (1..=99).contains(&p) {
        Ok(p)
    } else {
        Err(Error::validation(
            "warning_percent",
            "must be between 1 and 99",
        ))
    }
}

impl Helpdesk {
    async fn load_sla_policy(&self, acc: &Access, id: SlaPolicyId) -> Result<SlaPolicy> {
        self.db().require(acc.scope(), id.0).await
    }

    /// The workspace's active policy, if any.
    pub async fn active_sla_policy(&self, acc: &Access) -> Result<Option<SlaPolicy>> {
        self.db()
            .find_one(
                &Query::new(Kind::SlaPolicy, acc.scope()).filter(Filter::Eq("active", true.into())),
            )
            .await
    }

    /// Adds the deactivation of every other active policy to a batch.
    async fn deactivate_others(
        &self,
        acc: &Access,
        keep: SlaPolicyId,
        w: &mut Writes,
    ) -> Result<()> {
        let active: Vec<SlaPolicy> = self
            .db()
            .find(
                &Query::new(Kind::SlaPolicy, acc.scope()).filter(Filter::Eq("active", true.into())),
            )
            .await?;
        for mut p in active.into_iter().filter(|p| p.id != keep) {
            p.active = false;
            p.updated_at = self.now();
            w.update(&mut p)?;
        }
        Ok(())
    }

    /// Creates a policy (owners only). `QuotaExceeded` ("sla_policies") past the plan's limit,
    /// which is 0 on Lite.
    pub async fn create_sla_policy(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        new: NewSlaPolicy,
    ) -> Result<SlaPolicy> {
        let acc = self.access(caller, workspace_id).await?;
        acc.require_owner("manage SLA policies")?;
        let name = input::name("name", &new.name, input::NAME_MAX)?;
        check_targets(&new.targets)?;
        if let Some(c) = &new.calendar {
            check_calendar(c)?;
        }
        let warning_percent = check_warning(new.warning_percent.unwrap_or(20))?;
        self.check_quota(&acc, Resource::SlaPolicies, 1).await?;
        let id = SlaPolicyId::new();
        let active = new.active.unwrap_or(true);
        with_retry(|| async {
            let now = self.now();
            let mut p = SlaPolicy {
                id,
                workspace_id,
                name: name.clone(),
                active,
                targets: new.targets.clone(),
                calendar: new.calendar.clone(),
                pause_on_pending: new.pause_on_pending,
                warning_percent,
                created_at: now,
                updated_at: now,
                version: 0,
            };
            let mut w = Writes::new();
            if active {
                self.deactivate_others(&acc, id, &mut w).await?;
            }
            w.insert(&mut p)?;
            w.apply(self.db()).await?;
            Ok(p)
        })
        .await
    }

    /// One policy.
    pub async fn sla_policy(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: SlaPolicyId,
    ) -> Result<SlaPolicy> {
        let acc = self.access(caller, workspace_id).await?;
        self.load_sla_policy(&acc, id).await
    }

    /// Every policy, by name.
    pub async fn list_sla_policies(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
    ) -> Result<Vec<SlaPolicy>> {
        let acc = self.access(caller, workspace_id).await?;
        super::listing::fetch_all::<SlaPolicy>(self.db(), Query::new(Kind::SlaPolicy, acc.scope()))
            .await
            .map(|mut v| {
                v.sort_by_key(|p| (crate::search::sort_key(&p.name), p.id));
                v
            })
    }

    /// Changes a policy (owners only); activating it deactivates the others.
    pub async fn update_sla_policy(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: SlaPolicyId,
        patch: SlaPolicyPatch,
    ) -> Result<SlaPolicy> {
        let acc = self.access(caller, workspace_id).await?;
        acc.require_owner("manage SLA policies")?;
        let name = patch
            .name
            .as_deref()
            .map(|n| input::name("name", n, input::NAME_MAX))
            .transpose()?;
        if let Some(t) = &patch.targets {
            check_targets(t)?;
        }
        if let Some(Some(c)) = &patch.calendar {
            check_calendar(c)?;
        }
        let warning = patch.warning_percent.map(check_warning).transpose()?;
        with_retry(|| async {
            let mut p = self.load_sla_policy(&acc, id).await?;
            let before = p.clone();
            if let Some(n) = &name {
                p.name = n.clone();
            }
            if let Some(a) = patch.active {
                p.active = a;
            }
            if let Some(t) = &patch.targets {
                p.targets = t.clone();
            }
            if let Some(c) = &patch.calendar {
                p.calendar = c.clone();
            }
            if let Some(x) = patch.pause_on_pending {
                p.pause_on_pending = x;
            }
            if let Some(x) = warning {
                p.warning_percent = x;
            }
            if p == before {
                return Ok(p);
            }
            p.updated_at = self.now();
            let mut w = Writes::new();
            if p.active && !before.active {
                self.deactivate_others(&acc, id, &mut w).await?;
            }
            w.update(&mut p)?;
            w.apply(self.db()).await?;
            Ok(p)
        })
        .await
    }

    /// Deletes a policy (owners only). Tickets keep the SLA state they had.
    pub async fn delete_sla_policy(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: SlaPolicyId,
    ) -> Result<()> {
        let acc = self.access(caller, workspace_id).await?;
        acc.require_owner("manage SLA policies")?;
        self.load_sla_policy(&acc, id).await?;
        let mut w = Writes::new();
        w.delete_id(Kind::SlaPolicy, acc.scope(), id.0);
        w.apply(self.db()).await
    }
}
