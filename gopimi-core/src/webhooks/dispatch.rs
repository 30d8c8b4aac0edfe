//! The `webhook.dispatch` queue: events written by parts of the core that do not fan out
//! themselves (the SLA engine, see [`crate::sla::WebhookDispatch`]). Each job becomes one
//! delivery per subscribed enabled endpoint, in one batch. The event id is derived from the job
//! id, so should the job run twice (a crash between the batch and the job's completion), the
//! receiver sees the same `webhook-id` twice and can drop the copy.

use super::enqueue::{enabled_endpoints, fan_out};
use super::events::{Event, ticket_key};
use crate::error::{Error, Result};
use crate::jobs::JobHandler;
use crate::model::{Job, Ticket};
use crate::sla::WebhookDispatch;
use crate::store::{Store, StoreExt, Writes};
use async_trait::async_trait;
use std::sync::Arc;

/// Handles `webhook.dispatch` jobs.
pub struct DispatchHandler {
    store: Arc<dyn Store>,
}

impl std::fmt::Debug for DispatchHandler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DispatchHandler").finish_non_exhaustive()
    }
}

impl DispatchHandler {
    /// A handler over the store.
    pub fn new(store: Arc<dyn Store>) -> Self {
        DispatchHandler { store }
    }
}

#[async_trait]
impl JobHandler for DispatchHandler {
    async fn handle(&self, job: &Job) -> Result<()> {
        let p: WebhookDispatch = serde_json::from_value(job.payload.clone())
            .map_err(|e| Error::internal("webhook.dispatch payload", e))?;
        let db = self.store.as_ref();
        let endpoints = enabled_endpoints(db, p.workspace_id).await?;
        if endpoints.is_empty() {
            return Ok(());
        }
        // A ticket deleted since has nothing left to tell.
        let Some(ticket) = db
            .load::<Ticket>(Some(p.workspace_id.0), p.ticket_id.0)
            .await?
        else {
            return Ok(());
        };
        let mut event = Event::new(
            &p.event_type,
            p.workspace_id,
            p.occurred_at,
            serde_json::json!({ "ticket": ticket }),
            Some(ticket_key(ticket.id)),
        );
        event.id = format!("evt_{}", job.id.0.simple());
        let mut w = Writes::new();
        // Due now (the claim time); dated when the event happened (see `delivery_for`).
        fan_out(&mut w, &endpoints, &event, job.updated_at)?;
        w.apply(db).await
    }
}
