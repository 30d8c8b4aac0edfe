//! The `webhook.deliver` queue: sends one delivery, records the attempt, and decides what
//! comes next.
//!
//! - Ordering: deliveries to one endpoint with the same order key (one ticket's events) go out
//!   one at a time, oldest first. A delivery that is not the oldest pending one of its key waits
//!   (its job is put back until the earlier one's next attempt) without using an attempt.
//!   A head of line that has been due for [`STALLED_HEAD`] without being sent has lost its job
//!   (dead-lettered after store errors, or removed by hand): the waiting delivery queues the
//!   head's job again, so one lost job can never hold an object's events back for good. At
//!   worst the head is then sent twice; receivers deduplicate on `webhook-id`.
//! - A 2xx answer succeeds. Anything else (3xx included: redirects are not followed), a
//!   timeout or a network error is a failed attempt, retried with the policy's backoff until its
//!   attempts are used up; a refused address fails the delivery at once.
//! - Every failed attempt counts against the endpoint; one that has failed long enough in a row
//!   is disabled with the reason recorded, and its owners are emailed (`webhook.disabled`).
//!   Deliveries still pending for a disabled endpoint fail when their turn comes.
//!
//! The attempt is recorded with the delivery's expected version; a delivery changed meanwhile
//! is re-read (the outcome stays; only the bookkeeping is redone).

use super::enqueue::{DeliverPayload, add_job};
use super::notice::{NOTICE_QUEUE, NoticePayload};
use super::policy::WebhookPolicy;
use super::signing::signature_header;
use super::transport::{SendFailure, WebhookRequest, WebhookResponse, WebhookTransport};
use super::{ATTEMPT_LOG_MAX, RESPONSE_EXCERPT_MAX};
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::ids::{WebhookId, WorkspaceId};
use crate::jobs::{JobHandler, job};
use crate::model::{Job, Webhook, WebhookAttempt, WebhookDelivery, WebhookDeliveryStatus};
use crate::service::retry::with_retry;
use crate::store::{Filter, Kind, Query, SortKey, Store, StoreExt, Value, Writes};
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use std::sync::Arc;

/// How long a head of line may be overdue before a waiting delivery queues its job again.
pub const STALLED_HEAD: Duration = Duration::minutes(15);

/// The `user-agent` of every request.
pub const USER_AGENT: &str = concat!("gopimi-webhooks/", env!("CARGO_PKG_VERSION"));

/// Sends deliveries; the handler of `webhook.deliver`.
pub struct Deliverer {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    transport: Arc<dyn WebhookTransport>,
    policy: WebhookPolicy,
}

impl std::fmt::Debug for Deliverer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deliverer")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

/// What one attempt came to.
struct Sent {
    attempt: WebhookAttempt,
    result: Result<WebhookResponse, SendFailure>,
}

impl Deliverer {
    /// A deliverer over its ports and policy.
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        transport: Arc<dyn WebhookTransport>,
        policy: WebhookPolicy,
    ) -> Self {
        Deliverer {
            store,
            clock,
            transport,
            policy,
        }
    }

    /// Runs one delivery's turn: waits, sends or gives up, as the rules say.
    pub async fn deliver(&self, p: DeliverPayload) -> Result<()> {
        let db = self.store.as_ref();
        let scope = Some(p.workspace_id.0);
        let Some(delivery) = db.load::<WebhookDelivery>(scope, p.delivery_id.0).await? else {
            return Ok(());
        };
        if delivery.status != WebhookDeliveryStatus::Pending {
            return Ok(());
        }
        // Deleting an endpoint deletes its deliveries; one missing here was deleted meanwhile.
        let Some(hook) = db.load::<Webhook>(scope, delivery.webhook_id.0).await? else {
            return Ok(());
        };
        let now = self.clock.now();
        if !hook.enabled {
            return self.give_up(p, "the endpoint is disabled").await;
        }
        // Not due yet: this is a stray copy of the job (e.g. one that ran again after a crash
        // between recording an attempt and completing). The attempt recorded then queued the
        // job that is due; dropping this one keeps one live job per delivery.
        if delivery.next_attempt_at.is_some_and(|at| at > now) {
            return Ok(());
        }
        if let Some(head) = self.head_of_line(&delivery).await?
            && head.id != delivery.id
        {
            let head_due = head.next_attempt_at.unwrap_or(head.created_at);
            if now - head_due > STALLED_HEAD {
                tracing::warn!(delivery = %head.id, "webhook delivery overdue; queueing its job again");
                let mut w = Writes::new();
                add_job(&mut w, &head, now, now)?;
                add_job(&mut w, &delivery, now + Duration::seconds(1), now)?;
                return w.apply(db).await;
            }
            let at = head.next_attempt_at.unwrap_or(now).max(now) + Duration::seconds(1);
            tracing::debug!(delivery = %delivery.id, waits_for = %head.id, "webhook delivery waits its turn");
            return self.requeue(&delivery, at).await;
        }
        let sent = self.send(&hook, &delivery, now).await?;
        self.record(p, sent).await
    }

    /// The oldest pending delivery with the same endpoint and order key.
    async fn head_of_line(&self, d: &WebhookDelivery) -> Result<Option<WebhookDelivery>> {
        match &d.order_key {
            None => Ok(None),
            Some(key) => {
                self.store
                    .find_one(&head_of_line_query(d.workspace_id, d.webhook_id, key))
                    .await
            }
        }
    }

    /// Puts a delivery's job back for `at` (no attempt used).
    async fn requeue(&self, d: &WebhookDelivery, at: DateTime<Utc>) -> Result<()> {
        let mut w = Writes::new();
        add_job(&mut w, d, at, self.clock.now())?;
        w.apply(self.store.as_ref()).await
    }

    /// Builds, signs and sends the request; times it.
    async fn send(&self, hook: &Webhook, d: &WebhookDelivery, now: DateTime<Utc>) -> Result<Sent> {
        let body = serde_json::to_vec(&d.payload)?;
        let ts = now.timestamp();
        let signature = signature_header(&hook.signing_secrets(now), &d.event_id, ts, &body)?;
        let headers = vec![
            ("content-type".to_owned(), "application/json".to_owned()),
            ("user-agent".to_owned(), USER_AGENT.to_owned()),
            ("webhook-id".to_owned(), d.event_id.clone()),
            ("webhook-timestamp".to_owned(), ts.to_string()),
            ("webhook-signature".to_owned(), signature),
        ];
        let request = WebhookRequest {
            url: hook.url.clone(),
            headers,
            body,
        };
        let started = std::time::Instant::now();
        let result = match self.policy.urls.check_url(&hook.url) {
            Err(e) => Err(SendFailure::Refused(e.to_string())),
            Ok(_) => self.transport.send(&request).await,
        };
        let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let (response_status, response_body, error) = match &result {
            Ok(r) => (Some(r.status), Some(excerpt(&r.body)), None),
            Err(f) => (None, None, Some(f.to_string())),
        };
        Ok(Sent {
            attempt: WebhookAttempt {
                attempt: d.attempts.saturating_add(1),
                at: now,
                request_url: request.url,
                request_headers: request.headers,
                response_status,
                response_body,
                duration_ms,
                error,
            },
            result,
        })
    }

    /// Records an attempt and what follows from it, in one batch.
    async fn record(&self, p: DeliverPayload, sent: Sent) -> Result<()> {
        let db = self.store.as_ref();
        let scope = Some(p.workspace_id.0);
        with_retry(|| async {
            let Some(mut d) = db.load::<WebhookDelivery>(scope, p.delivery_id.0).await? else {
                return Ok(());
            };
            if d.status != WebhookDeliveryStatus::Pending {
                return Ok(());
            }
            let mut hook = db.load::<Webhook>(scope, d.webhook_id.0).await?;
            let now = self.clock.now();
            let mut w = Writes::new();
            let a = &sent.attempt;
            d.attempts = d.attempts.saturating_add(1);
            d.response_status = a.response_status;
            d.response_body = a.response_body.clone();
            d.duration_ms = Some(a.duration_ms);
            d.updated_at = now;
            d.attempt_log.push(a.clone());
            if d.attempt_log.len() > ATTEMPT_LOG_MAX {
                let extra = d.attempt_log.len() - ATTEMPT_LOG_MAX;
                d.attempt_log.drain(..extra);
            }
            let ok = matches!(&sent.result, Ok(r) if (200..300).contains(&r.status));
            let mut hook_changed = false;
            if ok {
                d.status = WebhookDeliveryStatus::Succeeded;
                d.next_attempt_at = None;
                d.last_error = None;
                if let Some(h) = hook.as_mut()
                    && h.consecutive_failures > 0
                {
                    h.consecutive_failures = 0;
                    h.failing_since = None;
                    hook_changed = true;
                }
            } else {
                let retryable = match &sent.result {
                    Ok(_) => true,
                    Err(f) => f.is_retryable(),
                };
                d.last_error = Some(match &sent.result {
                    Ok(r) => format!("endpoint answered {}", r.status),
                    Err(f) => f.to_string(),
                });
                let next = retryable
                    .then(|| self.policy.next_attempt(d.attempts, now))
                    .flatten();
                d.next_attempt_at = next;
                match next {
                    Some(at) => add_job(&mut w, &d, at, now)?,
                    None => d.status = WebhookDeliveryStatus::Failed,
                }
                if let Some(h) = hook.as_mut() {
                    h.consecutive_failures = h.consecutive_failures.saturating_add(1);
                    h.failing_since.get_or_insert(a.at);
                    hook_changed = true;
                    if h.enabled
                        && self
                            .policy
                            .should_disable(h.consecutive_failures, h.failing_since, now)
                    {
                        self.disable(h, &mut w, now)?;
                    }
                }
            }
            w.update(&mut d)?;
            if let Some(h) = hook.as_mut().filter(|_| hook_changed) {
                h.updated_at = now;
                w.update(h)?;
            }
            w.apply(db).await
        })
        .await
    }

    /// Disables an endpoint that keeps failing and queues the email to its owners.
    fn disable(&self, h: &mut Webhook, w: &mut Writes, now: DateTime<Utc>) -> Result<()> {
        let since = h.failing_since.unwrap_or(now);
        let reason = format!(
            "disabled automatically after {} failed attempts in a row since {}",
            h.consecutive_failures,
            since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        );
        tracing::warn!(webhook = %h.id, %reason, "webhook endpoint disabled");
        h.enabled = false;
        h.disabled_reason = Some(reason.clone());
        let payload = NoticePayload {
            workspace_id: h.workspace_id,
            webhook_id: h.id,
            url: h.url.clone(),
            reason,
        };
        w.insert(&mut job(
            NOTICE_QUEUE,
            &payload,
            Some(h.workspace_id.0),
            now,
        )?)?;
        Ok(())
    }

    /// Marks a delivery failed without sending it.
    async fn give_up(&self, p: DeliverPayload, why: &str) -> Result<()> {
        let db = self.store.as_ref();
        with_retry(|| async {
            let Some(mut d) = db
                .load::<WebhookDelivery>(Some(p.workspace_id.0), p.delivery_id.0)
                .await?
            else {
                return Ok(());
            };
            if d.status != WebhookDeliveryStatus::Pending {
                return Ok(());
            }
            d.status = WebhookDeliveryStatus::Failed;
            d.last_error = Some(why.to_owned());
            d.next_attempt_at = None;
            d.updated_at = self.clock.now();
            let mut w = Writes::new();
            w.update(&mut d)?;
            w.apply(db).await
        })
        .await
    }
}

/// The query of the ordering rule: pending deliveries of one endpoint and order key, oldest
/// first (creation time, then id; ids are time-ordered). Its first row is the only one of them
/// that may be sent. The conformance suite pins it down on every store.
pub fn head_of_line_query(
    workspace_id: WorkspaceId,
    webhook_id: WebhookId,
    order_key: &str,
) -> Query {
    Query::new(Kind::WebhookDelivery, Some(workspace_id.0))
        .filter(Filter::Eq("webhook_id", Value::Uuid(webhook_id.0)))
        .filter(Filter::Eq(
            "order_key",
            crate::search::truncate(order_key, 128).into(),
        ))
        .filter(Filter::Eq(
            "delivery_status",
            WebhookDeliveryStatus::Pending.as_str().into(),
        ))
        .sort(SortKey::asc("created_at"))
        .limit(1)
}

/// The first bytes of a response body, as text.
fn excerpt(body: &[u8]) -> String {
    let cut = &body[..body.len().min(RESPONSE_EXCERPT_MAX)];
    crate::search::truncate(&String::from_utf8_lossy(cut), RESPONSE_EXCERPT_MAX)
}

#[async_trait]
impl JobHandler for Deliverer {
    async fn handle(&self, job: &Job) -> Result<()> {
        let p: DeliverPayload = serde_json::from_value(job.payload.clone())
            .map_err(|e| Error::internal("webhook.deliver payload", e))?;
        self.deliver(p).await
    }
}
