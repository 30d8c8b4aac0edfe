//! The job runner of this server: the pipeline's queues (inbound processing, outbound mail)
//! with the providers the composition root picked, and the webhook queues when a transport is
//! configured.

use gopimi_core::jobs::JobRunner;
use gopimi_core::mail::{MailSender, MessageIdSigner};
use gopimi_core::pipeline::pipeline_runner;
use gopimi_core::service::Helpdesk;
use gopimi_core::webhooks::{WebhookPolicy, WebhookTransport, with_webhooks};
use std::sync::Arc;

/// What the runner needs besides the helpdesk.
#[derive(Clone)]
pub struct Pipeline {
    /// Where outbound mail goes.
    pub sender: Arc<dyn MailSender>,
    /// Signs and checks our Message-Ids.
    pub signer: MessageIdSigner,
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
    let r = pipeline_runner(
        helpdesk,
        pipeline.sender.clone(),
        pipeline.signer.clone(),
        format!("gopimi-{}", std::process::id()),
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
