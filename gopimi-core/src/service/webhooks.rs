//! Webhook endpoints, their delivery logs, redelivery, test events and secret rotation; all
//! owner-only (an endpoint's secret and its payloads are the workspace's keys to everything).
//!
//! A secret is returned only by [`Helpdesk::create_webhook`] and
//! [`Helpdesk::rotate_webhook_secret`] ([`CreatedWebhook::secret`]); adapters must not show
//! [`Webhook::secret`] anywhere else. Rotation keeps the old secret signing alongside the new
//! one for a grace period (24 hours by default, at most 7 days).

use super::Helpdesk;
use super::access::{Access, Caller};
use super::listing::{Page, PageRequest, fetch_page};
use super::retry::with_retry;
use crate::error::{Error, Result};
use crate::ids::{WebhookDeliveryId, WebhookId, WorkspaceId};
use crate::model::{Webhook, WebhookDelivery, WebhookDeliveryStatus};
use crate::store::{Filter, Kind, Query, SortKey, StoreExt, Value, Writes};
use crate::webhooks::enqueue::{add_delivery, delivery_for};
use crate::webhooks::events::{Event, TEST_EVENT, validate_events};
use crate::webhooks::signing::generate_secret;
use crate::webhooks::{ENDPOINTS_MAX, UrlPolicy};
use chrono::Duration;
use serde::Deserialize;

/// Default grace period of a rotated secret.
pub const ROTATION_GRACE_DEFAULT_SECS: i64 = 24 * 3600;
/// Longest grace period.
pub const ROTATION_GRACE_MAX_SECS: i64 = 7 * 24 * 3600;

/// A new endpoint.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewWebhook {
    pub url: String,
    /// Event types; empty (or `["*"]`) means all.
    #[serde(default)]
    pub events: Vec<String>,
    /// On by default.
    #[serde(default)]
    pub enabled: Option<bool>,
}

impl NewWebhook {
    /// An endpoint for every event.
    pub fn new(url: impl Into<String>) -> Self {
        NewWebhook {
            url: url.into(),
            ..NewWebhook::default()
        }
    }
}

/// Changes to an endpoint; absent fields stay. Enabling a disabled endpoint clears its failure
/// record.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct WebhookPatch {
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub events: Option<Vec<String>>,
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// An endpoint with its secret, shown this once.
#[derive(Debug, Clone, PartialEq)]
pub struct CreatedWebhook {
    pub webhook: Webhook,
    pub secret: String,
}

impl Helpdesk {
    fn webhook_urls(&self) -> UrlPolicy {
        self.config().webhook_urls
    }

    async fn owner(&self, caller: &Caller, workspace_id: WorkspaceId) -> Result<Access> {
        let acc = self.access(caller, workspace_id).await?;
        acc.require_owner("manage webhooks")?;
        Ok(acc)
    }

    /// Adds an endpoint (owners only). The URL must be http(s) and, unless the server allows
    /// it, not point to a private address; at most [`ENDPOINTS_MAX`] per workspace.
    pub async fn create_webhook(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        new: NewWebhook,
    ) -> Result<CreatedWebhook> {
        let acc = self.owner(caller, workspace_id).await?;
        let url = self.webhook_urls().check_url(&new.url)?.to_string();
        let events = validate_events(&new.events)?;
        let count = self
            .db()
            .count(&Query::new(Kind::Webhook, acc.scope()))
            .await?;
        if count >= u64::from(ENDPOINTS_MAX) {
            return Err(Error::QuotaExceeded {
                resource: "webhooks",
                limit: u64::from(ENDPOINTS_MAX),
            });
        }
        let now = self.now();
        let secret = generate_secret();
        let mut hook = Webhook {
            id: WebhookId::new(),
            workspace_id,
            url,
            events,
            enabled: new.enabled.unwrap_or(true),
            secret: secret.clone(),
            previous_secret: None,
            previous_secret_expires_at: None,
            disabled_reason: None,
            consecutive_failures: 0,
            failing_since: None,
            created_at: now,
            updated_at: now,
            version: 0,
        };
        let mut w = Writes::new();
        w.insert(&mut hook)?;
        w.apply(self.db()).await?;
        Ok(CreatedWebhook {
            webhook: hook,
            secret,
        })
    }

    /// A workspace's endpoints, oldest first.
    pub async fn list_webhooks(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        page: PageRequest,
    ) -> Result<Page<Webhook>> {
        let acc = self.owner(caller, workspace_id).await?;
        let q = Query::new(Kind::Webhook, acc.scope()).sort(SortKey::asc("created_at"));
        fetch_page(self.db(), q, page).await
    }

    /// One endpoint.
    pub async fn webhook(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: WebhookId,
    ) -> Result<Webhook> {
        let acc = self.owner(caller, workspace_id).await?;
        self.db().require(acc.scope(), id.0).await
    }

    /// Changes an endpoint's URL, events or enabled flag.
    pub async fn update_webhook(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: WebhookId,
        patch: WebhookPatch,
    ) -> Result<Webhook> {
        let acc = self.owner(caller, workspace_id).await?;
        let url = patch
            .url
            .as_deref()
            .map(|u| self.webhook_urls().check_url(u).map(|u| u.to_string()))
            .transpose()?;
        let events = patch.events.as_deref().map(validate_events).transpose()?;
        with_retry(|| async {
            let mut hook: Webhook = self.db().require(acc.scope(), id.0).await?;
            if let Some(u) = &url {
                hook.url = u.clone();
            }
            if let Some(e) = &events {
                hook.events = e.clone();
            }
            if let Some(on) = patch.enabled {
                if on && !hook.enabled {
                    hook.disabled_reason = None;
                    hook.consecutive_failures = 0;
                    hook.failing_since = None;
                }
                hook.enabled = on;
            }
            hook.updated_at = self.now();
            let mut w = Writes::new();
            w.update(&mut hook)?;
            w.apply(self.db()).await?;
            Ok(hook)
        })
        .await
    }

    /// Deletes an endpoint and its delivery log (pending deliveries are not sent).
    pub async fn delete_webhook(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: WebhookId,
    ) -> Result<()> {
        let acc = self.owner(caller, workspace_id).await?;
        let hook: Webhook = self.db().require(acc.scope(), id.0).await?;
        let mut w = Writes::new();
        w.delete_id(Kind::Webhook, acc.scope(), hook.id.0);
        w.apply(self.db()).await?;
        // The log goes after the endpoint, page by page; a delivery whose endpoint is gone is
        // never sent, so a crash in between leaves only unreachable rows.
        loop {
            let q = Query::new(Kind::WebhookDelivery, acc.scope())
                .filter(Filter::Eq("webhook_id", Value::Uuid(id.0)))
                .limit(200);
            let rows = self.db().query(&q).await?.rows;
            if rows.is_empty() {
                return Ok(());
            }
            let mut w = Writes::new();
            for r in &rows {
                w.delete_id(Kind::WebhookDelivery, acc.scope(), r.id);
            }
            match w.apply(self.db()).await {
                Ok(()) => {}
                Err(e) if e.is_not_found() || e.is_conflict() => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// An endpoint's deliveries, newest first; `status` filters (`pending`, `succeeded`,
    /// `failed`).
    pub async fn list_webhook_deliveries(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: WebhookId,
        status: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<WebhookDelivery>> {
        let acc = self.owner(caller, workspace_id).await?;
        self.db().require::<Webhook>(acc.scope(), id.0).await?;
        let mut q = Query::new(Kind::WebhookDelivery, acc.scope())
            .filter(Filter::Eq("webhook_id", Value::Uuid(id.0)))
            .sort(SortKey::desc("created_at"));
        if let Some(s) = status.map(str::trim).filter(|s| !s.is_empty()) {
            let known = [
                WebhookDeliveryStatus::Pending,
                WebhookDeliveryStatus::Succeeded,
                WebhookDeliveryStatus::Failed,
            ];
            let Some(st) = known.iter().find(|k| k.as_str() == s) else {
                return Err(Error::validation(
                    "status",
                    "must be pending, succeeded or failed",
                ));
            };
            q = q.filter(Filter::Eq("delivery_status", st.as_str().into()));
        }
        fetch_page(self.db(), q, page).await
    }

    /// One delivery of an endpoint.
    pub async fn webhook_delivery(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: WebhookId,
        delivery_id: WebhookDeliveryId,
    ) -> Result<WebhookDelivery> {
        let acc = self.owner(caller, workspace_id).await?;
        self.load_delivery(&acc, id, delivery_id).await
    }

    async fn load_delivery(
        &self,
        acc: &Access,
        id: WebhookId,
        delivery_id: WebhookDeliveryId,
    ) -> Result<WebhookDelivery> {
        let d: WebhookDelivery = self.db().require(acc.scope(), delivery_id.0).await?;
        if d.webhook_id != id {
            return Err(Error::not_found("webhook delivery"));
        }
        Ok(d)
    }

    /// Sends a delivery again, whatever became of it: a new delivery with the same event (same
    /// `webhook-id`, so receivers can tell), signed with the endpoint's current secret. It
    /// queues behind the object's pending deliveries like any other.
    pub async fn redeliver_webhook(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: WebhookId,
        delivery_id: WebhookDeliveryId,
    ) -> Result<WebhookDelivery> {
        let acc = self.owner(caller, workspace_id).await?;
        let hook = self.enabled_hook(&acc, id).await?;
        let original = self.load_delivery(&acc, id, delivery_id).await?;
        let now = self.now();
        let event = Event {
            id: original.event_id.clone(),
            event_type: original.event_type.clone(),
            workspace_id,
            occurred_at: now,
            data: serde_json::Value::Null,
            order_key: original.order_key.clone(),
        };
        let mut d = delivery_for(&hook, &event, now);
        d.payload = original.payload.clone();
        d.redelivery_of = Some(original.id);
        let mut w = Writes::new();
        // The endpoint must still exist; its failure counters may move meanwhile.
        w.require_exists(Kind::Webhook, acc.scope(), hook.id.0);
        add_delivery(&mut w, &mut d, now)?;
        w.apply(self.db()).await?;
        Ok(d)
    }

    /// Sends a `webhook.test` event to this endpoint only.
    pub async fn send_test_webhook(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: WebhookId,
    ) -> Result<WebhookDelivery> {
        let acc = self.owner(caller, workspace_id).await?;
        let hook = self.enabled_hook(&acc, id).await?;
        let now = self.now();
        let event = Event::new(
            TEST_EVENT,
            workspace_id,
            now,
            serde_json::json!({ "webhook_id": hook.id, "message": "This is a test event from gopimi." }),
            None,
        );
        let mut d = delivery_for(&hook, &event, now);
        let mut w = Writes::new();
        // The endpoint must still exist; its failure counters may move meanwhile.
        w.require_exists(Kind::Webhook, acc.scope(), hook.id.0);
        add_delivery(&mut w, &mut d, now)?;
        w.apply(self.db()).await?;
        Ok(d)
    }

    async fn enabled_hook(&self, acc: &Access, id: WebhookId) -> Result<Webhook> {
        let hook: Webhook = self.db().require(acc.scope(), id.0).await?;
        if !hook.enabled {
            return Err(Error::conflict("the webhook is disabled; enable it first"));
        }
        Ok(hook)
    }

    /// Replaces an endpoint's secret. For `grace_seconds` (default 24 hours, 0 for none, at
    /// most 7 days) requests carry signatures with both the new and the old secret.
    pub async fn rotate_webhook_secret(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: WebhookId,
        grace_seconds: Option<i64>,
    ) -> Result<CreatedWebhook> {
        let acc = self.owner(caller, workspace_id).await?;
        let grace = grace_seconds.unwrap_or(ROTATION_GRACE_DEFAULT_SECS);
        if !(0..=ROTATION_GRACE_MAX_SECS).contains(&grace) {
            return Err(Error::validation(
                "grace_seconds",
                format!("must be between 0 and {ROTATION_GRACE_MAX_SECS}"),
            ));
        }
        let secret = generate_secret();
        let webhook = with_retry(|| async {
            let mut hook: Webhook = self.db().require(acc.scope(), id.0).await?;
            let now = self.now();
            let old = std::mem::replace(&mut hook.secret, secret.clone());
            if grace > 0 {
                hook.previous_secret = Some(old);
                hook.previous_secret_expires_at = Some(now + Duration::seconds(grace));
            } else {
                hook.previous_secret = None;
                hook.previous_secret_expires_at = None;
            }
            hook.updated_at = now;
            let mut w = Writes::new();
            w.update(&mut hook)?;
            w.apply(self.db()).await?;
            Ok(hook)
        })
        .await?;
        Ok(CreatedWebhook { webhook, secret })
    }
}
