//! Fetching what a `store()` notification points at: the stored message and its attachments.
//!
//! - The message: `GET {message-url}` with `Accept: message/rfc2822`; Mailgun answers JSON whose
//!   `body-mime` is the complete raw message, attachments included.
//! - An attachment: `GET {url}`, raw bytes, at most 25 MB (Mailgun's message size limit, so a
//!   larger one is not a real attachment): refused by its declared size before downloading,
//!   and by counting while reading.
//!
//! Both URLs come from the payload, so the API key goes only to `https://*.mailgun.net` (or the
//! configured API base); any other URL is refused before a connection is made.

use crate::client::{ApiClient, ReadError, TrustedGetError, read_limited};
use crate::config::MailgunConfig;
use crate::fields::StoredAttachment;
use crate::inbound::InboundError;

/// Reads messages and attachments kept on Mailgun storage.
#[derive(Debug, Clone)]
pub struct StoredMessages {
    client: ApiClient,
    max_attachment_bytes: u64,
    max_message_bytes: u64,
}

impl StoredMessages {
    /// A reader with the config's API key and limits.
    pub fn new(cfg: &MailgunConfig) -> gopimi_core::Result<Self> {
        Ok(StoredMessages {
            client: ApiClient::new(cfg)?,
            max_attachment_bytes: cfg.max_attachment_bytes,
            max_message_bytes: cfg.max_stored_message_bytes,
        })
    }

    /// The raw MIME of a stored message.
    pub async fn fetch_mime(&self, message_url: &str) -> Result<Vec<u8>, InboundError> {
        let resp = self
            .client
            .get_trusted("stored message", message_url, Some("message/rfc2822"))
            .await
            .map_err(|e| untrusted_or_fetch(e, message_url))?;
        let body = read_limited(resp, self.max_message_bytes)
            .await
            .map_err(|e| too_large_or_fetch(e, "stored message"))?;
        let json: serde_json::Value =
            serde_json::from_slice(&body).map_err(|e| InboundError::Invalid {
                field: "message-url",
                message: format!("stored message is not JSON: {e}"),
            })?;
        match json.get("body-mime").and_then(|m| m.as_str()) {
            Some(mime) if !mime.trim().is_empty() => Ok(mime.as_bytes().to_vec()),
            _ => Err(InboundError::Invalid {
                field: "message-url",
                message: "stored message has no body-mime".into(),
            }),
        }
    }

    /// The bytes of a stored attachment.
    pub async fn fetch_attachment(&self, att: &StoredAttachment) -> Result<Vec<u8>, InboundError> {
        let what = || format!("attachment {}", att.name.as_deref().unwrap_or("(unnamed)"));
        if att.size.is_some_and(|s| s > self.max_attachment_bytes) {
            return Err(InboundError::TooLarge {
                what: what(),
                limit: self.max_attachment_bytes,
            });
        }
        let resp = self
            .client
            .get_trusted("stored attachment", &att.url, None)
            .await
            .map_err(|e| untrusted_or_fetch(e, &att.url))?;
        read_limited(resp, self.max_attachment_bytes)
            .await
            .map_err(|e| too_large_or_fetch(e, &what()))
    }
}

fn untrusted_or_fetch(e: TrustedGetError, url: &str) -> InboundError {
    match e {
        TrustedGetError::Untrusted => {
            // Log the host only: storage URLs carry the storage key.
            let host = url::Url::parse(url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_owned))
                .unwrap_or_else(|| "an unparsable URL".to_owned());
            InboundError::UntrustedUrl(host)
        }
        TrustedGetError::Call(e) => InboundError::Fetch(e),
    }
}

fn too_large_or_fetch(e: ReadError, what: &str) -> InboundError {
    match e {
        ReadError::TooLarge { limit } => InboundError::TooLarge {
            what: what.to_owned(),
            limit,
        },
        ReadError::Transport(e) => InboundError::Fetch(e),
    }
}
