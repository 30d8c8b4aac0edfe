//! Outbound webhooks: every rule of them, behind the [`WebhookTransport`] port.
//!
//! - [`events`]: the event types and the JSON body (`id`, `type`, `timestamp`,
//!   `workspace_id`, `data`);
//! - [`enqueue`]: one delivery row and one `webhook.deliver` job per subscribed enabled
//!   endpoint, added to the batch of the change that caused the event (the facade does this for
//!   tickets, messages, conversations and contacts, see `service/webhook_hook.rs`);
//! - [`dispatch`]: the `webhook.dispatch` queue that the SLA engine writes to, fanned out the
//!   same way;
//! - [`deliver`]: sending, ordering per object, retries with backoff and jitter for about a
//!   day, disabling an endpoint that keeps failing ([`policy`]);
//! - [`notice`]: the email to owners when their endpoint is disabled;
//! - [`signing`]: Standard Webhooks signatures (`webhook-id`, `webhook-timestamp`,
//!   `webhook-signature`), both secrets during a rotation's grace period;
//! - [`url_policy`]: http(s) only, no loopback, link-local or private addresses (unless
//!   allowed), checked on the URL when saved and on every resolved address when sent;
//! - [`transport`]: the port an adapter implements (reqwest in `gopimi-http`).
//!
//! Endpoints are managed through the facade (`Helpdesk::create_webhook`, ...; owners only).

pub mod deliver;
pub mod dispatch;
pub mod enqueue;
pub mod events;
pub mod notice;
pub mod policy;
pub mod signing;
pub mod transport;
pub mod url_policy;

pub use deliver::Deliverer;
pub use dispatch::DispatchHandler;
pub use enqueue::{DELIVER_QUEUE, DeliverPayload};
pub use events::{EVENT_TYPES, Event, TEST_EVENT};
pub use notice::{NOTICE_QUEUE, NoticeHandler};
pub use policy::WebhookPolicy;
pub use transport::{SendFailure, WebhookRequest, WebhookResponse, WebhookTransport};
pub use url_policy::UrlPolicy;

/// The queue SLA events are written to (see [`crate::sla::WebhookDispatch`]).
pub use crate::sla::WEBHOOK_QUEUE as DISPATCH_QUEUE;

/// Attempts kept in a delivery's log.
pub const ATTEMPT_LOG_MAX: usize = 20;
/// Bytes of a response body kept in the log.
pub const RESPONSE_EXCERPT_MAX: usize = 1024;
/// Endpoints per workspace.
pub const ENDPOINTS_MAX: u32 = 20;

use crate::clock::Clock;
use crate::jobs::JobRunner;
use crate::mail::MailSender;
use crate::store::Store;
use std::sync::Arc;

/// Registers the three webhook queues on a runner: fan-out of dispatched events, deliveries
/// through `transport`, and the owners' email through `sender` when an endpoint is disabled.
pub fn with_webhooks(
    runner: JobRunner,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    transport: Arc<dyn WebhookTransport>,
    sender: Arc<dyn MailSender>,
    from_address: &str,
    policy: WebhookPolicy,
) -> JobRunner {
    runner
        .handle(
            DISPATCH_QUEUE,
            Arc::new(DispatchHandler::new(store.clone())),
        )
        .handle(
            DELIVER_QUEUE,
            Arc::new(Deliverer::new(
                store.clone(),
                clock.clone(),
                transport,
                policy,
            )),
        )
        .handle(
            NOTICE_QUEUE,
            Arc::new(NoticeHandler::new(store, sender, clock, from_address)),
        )
}
