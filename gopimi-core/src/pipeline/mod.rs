//! The inbound and outbound email pipeline: raw mail in, threaded tickets and conversations,
//! replies out. Providers only hand over bytes ([`crate::mail::InboundEmail`]); every decision
//! (where mail goes, what it threads into, who it comes from) is made here.
//!
//! Flow: [`ingest`] stores the raw bytes and an inbound record with a processing job in one
//! atomic write, before the provider's webhook is acknowledged; the `inbound.process` job then
//! parses, [`route`]s, threads and commits.

pub mod delivery;
pub mod ingest;
pub mod process;
pub mod route;
pub mod send;
pub mod thread;

pub use delivery::{DeliveryApplied, DeliveryReport, ReportKind, apply_delivery_report};
pub use ingest::{InboundLimits, Ingested, ingest};
pub use process::{InboundProcessor, Processed};
pub use route::{Route, resolve_recipient};
pub use send::{SendHandler, SendMessage};
pub use thread::{ThreadDecision, ThreadInput, ThreadTarget, thread};

/// The queue of inbound processing jobs.
pub const INBOUND_QUEUE: &str = "inbound.process";
/// The queue of outbound mail jobs.
pub const SEND_QUEUE: &str = "mail.send";

use crate::error::Result;
use crate::jobs::JobRunner;
use crate::mail::{InboundEmail, MailSender, MessageIdSigner};
use crate::service::Helpdesk;
use std::sync::Arc;

/// Stores an inbound email durably with the helpdesk's ports and queues its processing: what
/// a webhook handler calls before acknowledging the provider.
pub async fn ingest_email(
    helpdesk: &Helpdesk,
    email: InboundEmail,
    limits: &InboundLimits,
) -> Result<Ingested> {
    ingest(
        helpdesk.store().as_ref(),
        helpdesk.blobs().as_ref(),
        helpdesk.clock().as_ref(),
        email,
        limits,
    )
    .await
}

/// A job runner serving the pipeline's queues: inbound processing and outbound mail.
pub fn pipeline_runner(
    helpdesk: &Helpdesk,
    sender: Arc<dyn MailSender>,
    signer: MessageIdSigner,
    worker: impl Into<String>,
) -> JobRunner {
    JobRunner::new(helpdesk.store().clone(), helpdesk.clock().clone(), worker)
        .handle(
            INBOUND_QUEUE,
            Arc::new(InboundProcessor::new(helpdesk.clone(), signer.clone())),
        )
        .handle(
            SEND_QUEUE,
            Arc::new(SendHandler::new(helpdesk.clone(), sender, signer)),
        )
}
