//! Turning an event into deliveries: one [`WebhookDelivery`] row and one `webhook.deliver` job
//! per enabled endpoint that wants the event, added to the batch of the change that caused it
//! (so a delivery exists exactly when its change committed).

use super::events::Event;
use crate::error::Result;
use crate::ids::{WebhookDeliveryId, WorkspaceId};
use crate::jobs::job;
use crate::model::{Webhook, WebhookDelivery, WebhookDeliveryStatus};
use crate::store::{Filter, Kind, Query, Store, StoreExt, Value, Writes};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The queue of single deliveries.
pub const DELIVER_QUEUE: &str = "webhook.deliver";

/// The payload of a `webhook.deliver` job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliverPayload {
    pub workspace_id: WorkspaceId,
    pub delivery_id: WebhookDeliveryId,
}

/// A workspace's enabled endpoints (read once per change; most workspaces have none).
pub async fn enabled_endpoints(
    store: &dyn Store,
    workspace_id: WorkspaceId,
) -> Result<Vec<Webhook>> {
    let q = Query::new(Kind::Webhook, Some(workspace_id.0))
        .filter(Filter::Eq("enabled", Value::Bool(true)))
        .limit(super::ENDPOINTS_MAX);
    store.find(&q).await
}

/// A new pending delivery of `event` to `hook`, due at `now`. It is dated when the event
/// happened, which is what the ordering rule compares.
pub fn delivery_for(hook: &Webhook, event: &Event, now: DateTime<Utc>) -> WebhookDelivery {
    WebhookDelivery {
        id: WebhookDeliveryId::new(),
        workspace_id: hook.workspace_id,
        webhook_id: hook.id,
        event_id: event.id.clone(),
        event_type: event.event_type.clone(),
        payload: event.payload(),
        status: WebhookDeliveryStatus::Pending,
        attempts: 0,
        response_status: None,
        response_body: None,
        duration_ms: None,
        last_error: None,
        order_key: event.order_key.clone(),
        next_attempt_at: Some(now),
        attempt_log: Vec::new(),
        redelivery_of: None,
        created_at: event.occurred_at,
        updated_at: now,
        version: 0,
    }
}

/// Adds a delivery and the job that sends it at `run_at`.
pub fn add_delivery(
    w: &mut Writes,
    delivery: &mut WebhookDelivery,
    run_at: DateTime<Utc>,
) -> Result<()> {
    w.insert(delivery)?;
    add_job(w, delivery, run_at, run_at)
}

/// Adds a job, written at `now`, that (re)tries a delivery at `run_at`.
pub fn add_job(
    w: &mut Writes,
    delivery: &WebhookDelivery,
    run_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<()> {
    let payload = DeliverPayload {
        workspace_id: delivery.workspace_id,
        delivery_id: delivery.id,
    };
    let mut j = job(DELIVER_QUEUE, &payload, Some(delivery.workspace_id.0), now)?;
    j.run_at = run_at;
    w.insert(&mut j)?;
    Ok(())
}

/// Adds one delivery per endpoint of `endpoints` that wants `event`; how many.
pub fn fan_out(
    w: &mut Writes,
    endpoints: &[Webhook],
    event: &Event,
    now: DateTime<Utc>,
) -> Result<usize> {
    let mut n = 0;
    for hook in endpoints
        .iter()
        .filter(|h| h.enabled && h.workspace_id == event.workspace_id && h.wants(&event.event_type))
    {
        add_delivery(w, &mut delivery_for(hook, event, now), now)?;
        n += 1;
    }
    Ok(n)
}
