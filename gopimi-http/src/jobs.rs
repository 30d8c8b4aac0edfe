//! The job runner of this server: the pipeline's queues (inbound processing, outbound mail)
//! with the providers the composition root picked.

use gopimi_core::jobs::JobRunner;
use gopimi_core::mail::{MailSender, MessageIdSigner};
use gopimi_core::pipeline::pipeline_runner;
use gopimi_core::service::Helpdesk;
use std::sync::Arc;

/// What the runner needs besides the helpdesk.
#[derive(Clone)]
pub struct Pipeline {
    /// Where outbound mail goes.
    pub sender: Arc<dyn MailSender>,
    /// Signs and checks our Message-Ids.
    pub signer: MessageIdSigner,
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline").finish_non_exhaustive()
    }
}

/// The runner with every queue this build handles. Its name in leases is unique per process
/// (`gopimi-<pid>`), so a crashed process's leases are recognizable in the store.
pub fn runner(helpdesk: &Helpdesk, pipeline: &Pipeline) -> JobRunner {
    pipeline_runner(
        helpdesk,
        pipeline.sender.clone(),
        pipeline.signer.clone(),
        format!("gopimi-{}", std::process::id()),
    )
}
