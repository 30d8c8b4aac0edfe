//! The state every handler shares: the core's [`Helpdesk`], the router's configuration and the
//! rate limiter. Cheap to clone (one `Arc`).

use crate::config::HttpConfig;
use crate::rate_limit::{MemoryRateLimiter, RateLimiter};
use gopimi_core::blob::BlobStore;
use gopimi_core::clock::Clock;
use gopimi_core::mail::MessageIdSigner;
use gopimi_core::notify::UnsubscribeSigner;
use gopimi_core::service::Helpdesk;
use gopimi_core::store::Store;
use std::sync::Arc;

/// Shared state of the API.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Clone)]
struct Inner {
    helpdesk: Helpdesk,
    config: HttpConfig,
    limiter: Arc<dyn RateLimiter>,
    wake: Option<Arc<tokio::sync::Notify>>,
    message_ids: Option<MessageIdSigner>,
    unsubscribe: Option<UnsubscribeSigner>,
    #[cfg(feature = "mailgun")]
    mailgun: Option<gopimi_mailgun::MailgunWebhooks>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// State over a helpdesk, with the in-process rate limiter.
    pub fn new(helpdesk: Helpdesk, config: HttpConfig) -> Self {
        Self::with_limiter(helpdesk, config, Arc::new(MemoryRateLimiter::new()))
    }

    /// State with a rate limiter of the caller's choosing (e.g. one shared between processes).
    pub fn with_limiter(
        helpdesk: Helpdesk,
        config: HttpConfig,
        limiter: Arc<dyn RateLimiter>,
    ) -> Self {
        AppState {
            inner: Arc::new(Inner {
                helpdesk,
                config,
                limiter,
                wake: None,
                message_ids: None,
                unsubscribe: None,
                #[cfg(feature = "mailgun")]
                mailgun: None,
            }),
        }
    }

    /// Accepts Mailgun's webhooks through `hooks` (`/inbound/mailgun`).
    #[cfg(feature = "mailgun")]
    pub fn with_mailgun(self, hooks: gopimi_mailgun::MailgunWebhooks) -> Self {
        self.edit(|i| i.mailgun = Some(hooks))
    }

    /// Mailgun's webhooks, when configured.
    #[cfg(feature = "mailgun")]
    pub fn mailgun(&self) -> Option<&gopimi_mailgun::MailgunWebhooks> {
        self.inner.mailgun.as_ref()
    }

    /// Notifies `wake` whenever the API queues background work (inbound mail, replies), so an
    /// in-process job runner starts at once instead of at its next poll.
    pub fn with_job_wakeup(self, wake: Arc<tokio::sync::Notify>) -> Self {
        self.edit(|i| i.wake = Some(wake))
    }

    /// The server's signers: our Message-Ids (which delivery reports name) and unsubscribe
    /// links. The same keys as the job runner's, or reports and links are not recognized.
    /// Without them, `/inbound/mailgun/events` ignores reports and `/unsubscribe/{token}`
    /// refuses every link.
    pub fn with_signers(
        self,
        message_ids: MessageIdSigner,
        unsubscribe: UnsubscribeSigner,
    ) -> Self {
        self.edit(|i| {
            i.message_ids = Some(message_ids);
            i.unsubscribe = Some(unsubscribe);
        })
    }

    /// The Message-Id signer, when configured.
    pub fn message_ids(&self) -> Option<&MessageIdSigner> {
        self.inner.message_ids.as_ref()
    }

    /// The unsubscribe link signer, when configured.
    pub fn unsubscribe_signer(&self) -> Option<&UnsubscribeSigner> {
        self.inner.unsubscribe.as_ref()
    }

    fn edit(self, change: impl FnOnce(&mut Inner)) -> Self {
        let mut inner = Arc::try_unwrap(self.inner).unwrap_or_else(|shared| (*shared).clone());
        change(&mut inner);
        AppState {
            inner: Arc::new(inner),
        }
    }

    /// Tells the in-process job runner, if any, that work was queued.
    pub fn wake_jobs(&self) {
        if let Some(w) = &self.inner.wake {
            w.notify_one();
        }
    }

    /// The helpdesk.
    pub fn helpdesk(&self) -> &Helpdesk {
        &self.inner.helpdesk
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        self.inner.helpdesk.store()
    }

    /// The blob store.
    pub fn blobs(&self) -> &Arc<dyn BlobStore> {
        self.inner.helpdesk.blobs()
    }

    /// The clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        self.inner.helpdesk.clock()
    }

    /// The router's configuration.
    pub fn config(&self) -> &HttpConfig {
        &self.inner.config
    }

    /// The rate limiter.
    pub fn limiter(&self) -> &Arc<dyn RateLimiter> {
        &self.inner.limiter
    }
}
