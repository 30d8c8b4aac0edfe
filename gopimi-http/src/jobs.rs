//! The job runner of this server and its periodic tasks: the pipeline's queues (inbound
//! processing, outbound mail), notification and verification emails, the SLA sweep, and the
//! webhook queues when a transport is configured, with the providers the composition root
//! picked.

use crate::workers::PeriodicTask;
use async_trait::async_trait;
use gopimi_core::jobs::JobRunner;
use gopimi_core::mail::{MailSender, MessageIdSigner};
use gopimi_core::notify::{NOTIFY_QUEUE, NotifyConfig, NotifyHandler, UnsubscribeSigner};
use gopimi_core::pipeline::pipeline_runner;
use gopimi_core::service::{Helpdesk, VERIFY_QUEUE, VerificationMailHandler};
use gopimi_core::sla::{SWEEP_QUEUE, SlaSweeper};
use gopimi_core::webhooks::{WebhookPolicy, WebhookTransport, with_webhooks};
use std::sync::Arc;

/// What the runner needs besides the helpdesk.
#[derive(Clone)]
pub struct Pipeline {
    /// Where outbound mail goes (replies and notifications).
    pub sender: Arc<dyn MailSender>,
    /// Signs and checks our Message-Ids.
    pub signer: MessageIdSigner,
    /// Signs the unsubscribe links of notification emails.
    pub unsubscribe: UnsubscribeSigner,
    /// Sender and link base of notification emails.
    pub notify: NotifyConfig,
    /// Outbound webhooks; `None` leaves their queues to another process.
    pub webhooks: Option<Webhooks>,
}

/// How webhooks are sent.
#[derive(Clone)]
pub struct Webhooks {
    /// The HTTP transport.
    pub transport: Arc<dyn WebhookTransport>,
    /// Retries, disabling and the address rule.
    pub policy: WebhookPolicy,
    /// The sender of the "endpoint disabled" email to owners.
    pub from_address: String,
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("notify", &self.notify)
            .field("webhooks", &self.webhooks.is_some())
            .finish_non_exhaustive()
    }
}

/// The reqwest transport with the default limits and `policy`'s address rule.
#[cfg(feature = "webhooks")]
pub fn default_webhooks(
    policy: WebhookPolicy,
    from_address: String,
) -> gopimi_core::Result<Webhooks> {
    let transport = crate::webhook_transport::ReqwestTransport::new(
        crate::webhook_transport::TransportConfig {
            urls: policy.urls,
            ..Default::default()
        },
    )?;
    Ok(Webhooks {
        transport: Arc::new(transport),
        policy,
        from_address,
    })
}

/// The runner with every queue this build handles. Its name in leases is unique per process
/// (`gopimi-<pid>`), so a crashed process's leases are recognizable in the store.
pub fn runner(helpdesk: &Helpdesk, pipeline: &Pipeline) -> JobRunner {
    named_runner(helpdesk, pipeline, format!("gopimi-{}", std::process::id()))
}

/// [`runner`] with a worker name of the caller's choosing (tests run several in one process).
pub fn named_runner(helpdesk: &Helpdesk, pipeline: &Pipeline, worker: String) -> JobRunner {
    let r = pipeline_runner(
        helpdesk,
        pipeline.sender.clone(),
        pipeline.signer.clone(),
        worker,
    )
    .handle(
        NOTIFY_QUEUE,
        Arc::new(NotifyHandler::new(
            helpdesk.store().clone(),
            pipeline.sender.clone(),
            helpdesk.clock().clone(),
            pipeline.unsubscribe.clone(),
            pipeline.notify.clone(),
        )),
    )
    .handle(SWEEP_QUEUE, Arc::new(sla_sweeper(helpdesk)))
    .handle(
        VERIFY_QUEUE,
        Arc::new(VerificationMailHandler::new(
            pipeline.sender.clone(),
            pipeline.notify.from_address.clone(),
        )),
    );
    match &pipeline.webhooks {
        Some(w) => with_webhooks(
            r,
            helpdesk.store().clone(),
            helpdesk.clock().clone(),
            w.transport.clone(),
            pipeline.sender.clone(),
            &w.from_address,
            w.policy,
        ),
        None => r,
    }
}

/// The SLA sweeper over the helpdesk's store and clock.
pub fn sla_sweeper(helpdesk: &Helpdesk) -> SlaSweeper {
    SlaSweeper::new(helpdesk.store().clone(), helpdesk.clock().clone())
}

/// The SLA sweep as a periodic task (`GOPIMI_SLA_SWEEP_SECONDS`). Several processes may run it
/// at once: each warning and breach is still announced once (see `gopimi_core::sla::sweep`).
#[derive(Debug, Clone)]
pub struct SlaSweepTask(pub SlaSweeper);

#[async_trait]
impl PeriodicTask for SlaSweepTask {
    fn name(&self) -> &'static str {
        "sla-sweep"
    }

    async fn run(&self) -> gopimi_core::Result<()> {
        let r = self.0.run_once().await?;
        if r.updated > 0 || r.failed > 0 {
            tracing::info!(
                due = r.due,
                updated = r.updated,
                events = r.events,
                conflicts = r.conflicts,
                failed = r.failed,
                "SLA sweep"
            );
        }
        Ok(())
    }
}

/// Housekeeping as a periodic task (hourly): expired one-time values and settled webhook
/// deliveries past their retention (see `gopimi_core::housekeeping`).
#[derive(Debug, Clone)]
pub struct HousekeepingTask(pub gopimi_core::housekeeping::Housekeeper);

impl HousekeepingTask {
    /// How often it runs.
    pub const INTERVAL: std::time::Duration = std::time::Duration::from_secs(3600);

    /// The task over the helpdesk's store and clock.
    pub fn new(helpdesk: &Helpdesk) -> Self {
        HousekeepingTask(gopimi_core::housekeeping::Housekeeper::new(
            helpdesk.store().clone(),
            helpdesk.clock().clone(),
        ))
    }
}

#[async_trait]
impl PeriodicTask for HousekeepingTask {
    fn name(&self) -> &'static str {
        "housekeeping"
    }

    async fn run(&self) -> gopimi_core::Result<()> {
        let r = self.0.run_once().await?;
        if r.nonces > 0 || r.webhook_deliveries > 0 {
            tracing::info!(
                nonces = r.nonces,
                webhook_deliveries = r.webhook_deliveries,
                "housekeeping"
            );
        }
        Ok(())
    }
}
