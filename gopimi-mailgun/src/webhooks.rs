//! The two webhook entry points the HTTP layer calls: route deliveries and delivery events.
//!
//! Each verifies first (signature, freshness, replay) and only then reads the payload, so a
//! request Mailgun did not sign never reaches the parsers, the storage fetcher or the core.
//! Errors say which HTTP status to answer, in Mailgun's terms (200 and 406 stop its retries).

use crate::events::{self, DeliveryEvent, EventError};
use crate::form::WebhookForm;
use crate::inbound::{self, InboundError, InboundShape};
use crate::signature::{SignatureError, WebhookVerifier};
use gopimi_core::mail::InboundEmail;

#[cfg(feature = "reqwest")]
use crate::{fields, inbound::StoredNotice, rebuild::RebuiltPart, storage::StoredMessages};

/// Receives Mailgun's webhooks.
#[derive(Debug, Clone)]
pub struct MailgunWebhooks {
    verifier: WebhookVerifier,
    #[cfg(feature = "reqwest")]
    storage: Option<StoredMessages>,
}

/// Why an event webhook was refused.
#[derive(Debug, thiserror::Error)]
pub enum EventWebhookError {
    /// Signature, freshness or replay check failed.
    #[error(transparent)]
    Signature(#[from] SignatureError),
    /// The payload could not be read.
    #[error(transparent)]
    Payload(#[from] EventError),
}

impl EventWebhookError {
    /// The HTTP status to answer: 503 when our side was down (Mailgun retries), 401 for a
    /// signature failure, 406 for a payload that will never parse.
    pub fn response_status(&self) -> u16 {
        match self {
            EventWebhookError::Signature(e) if e.is_transient() => 503,
            EventWebhookError::Signature(_) => 401,
            EventWebhookError::Payload(_) => 406,
        }
    }
}

impl From<EventWebhookError> for gopimi_core::Error {
    fn from(e: EventWebhookError) -> Self {
        match e {
            EventWebhookError::Signature(s) => s.into(),
            EventWebhookError::Payload(p) => gopimi_core::Error::validation("body", p.to_string()),
        }
    }
}

impl MailgunWebhooks {
    /// Webhooks verified by `verifier`. Without storage (no API key), `store()` notifications
    /// are refused with [`InboundError::NeedsApiKey`].
    pub fn new(verifier: WebhookVerifier) -> Self {
        MailgunWebhooks {
            verifier,
            #[cfg(feature = "reqwest")]
            storage: None,
        }
    }

    /// Enables fetching stored messages (needs the API key).
    #[cfg(feature = "reqwest")]
    pub fn with_storage(mut self, storage: StoredMessages) -> Self {
        self.storage = Some(storage);
        self
    }

    /// The verifier in use.
    pub fn verifier(&self) -> &WebhookVerifier {
        &self.verifier
    }

    /// A route delivery (forward, MIME forward or store notification) as one inbound email.
    pub async fn inbound(&self, form: &WebhookForm) -> Result<InboundEmail, InboundError> {
        self.verifier.verify(form.signed_fields()).await?;
        match inbound::shape(form)? {
            InboundShape::Mime | InboundShape::Parsed => inbound::parse_forward(form),
            InboundShape::Stored => self.stored(form).await,
        }
    }

    #[cfg(not(feature = "reqwest"))]
    async fn stored(&self, _form: &WebhookForm) -> Result<InboundEmail, InboundError> {
        Err(InboundError::NeedsApiKey)
    }

    /// A store notification: the raw MIME from `message-url` when given (attachments
    /// included); otherwise the parsed fields rebuilt with the attachments downloaded.
    #[cfg(feature = "reqwest")]
    async fn stored(&self, form: &WebhookForm) -> Result<InboundEmail, InboundError> {
        let storage = self.storage.as_ref().ok_or(InboundError::NeedsApiKey)?;
        let notice = StoredNotice::from_form(form)?;
        if let Some(url) = &notice.message_url {
            let mime = storage.fetch_mime(url).await?;
            return inbound::from_raw(form, mime, notice.storage_key());
        }
        let cids = form
            .last("content-id-map")
            .map(fields::content_id_map)
            .unwrap_or_default();
        let mut parts = Vec::with_capacity(notice.attachments.len());
        for att in &notice.attachments {
            parts.push(RebuiltPart {
                data: storage.fetch_attachment(att).await?,
                filename: att.name.clone(),
                content_type: att.content_type.clone(),
                content_id: cids
                    .iter()
                    .find(|(_, url)| *url == att.url)
                    .map(|(cid, _)| cid.clone()),
            });
        }
        inbound::from_parsed(form, parts)
    }

    /// Forgets the signed token of a verified request that we could not process (our store
    /// was down), so Mailgun's retry is accepted instead of refused as a replay.
    pub async fn release(&self, token: &str) {
        self.verifier.release(token).await;
    }

    /// A JSON event webhook. `Ok(None)` for events that do not change delivery state.
    pub async fn event_json(
        &self,
        body: &[u8],
    ) -> Result<Option<DeliveryEvent>, EventWebhookError> {
        let parsed = events::parse_json(body)?;
        self.verifier.verify(parsed.signed_fields()).await?;
        Ok(parsed.event)
    }

    /// A legacy form-encoded event webhook. `Ok(None)` for events that do not change delivery
    /// state.
    pub async fn event_form(
        &self,
        form: &WebhookForm,
    ) -> Result<Option<DeliveryEvent>, EventWebhookError> {
        self.verifier.verify(form.signed_fields()).await?;
        Ok(events::parse_legacy(form)?.event)
    }
}
