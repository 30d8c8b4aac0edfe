//! The mail provider ports: what an inbound adapter hands the core, what a sender takes, and
//! how custom domains are set up. Providers only move bytes; every decision is the core's.

use crate::error::Result;
use crate::model::DnsRecord;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The provider's spam opinion of an inbound message.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SpamVerdict {
    /// The provider flagged it (Mailgun: `X-Mailgun-Sflag: Yes`).
    pub flagged: bool,
    /// The provider's score, if any (Mailgun: `X-Mailgun-Sscore`).
    pub score: Option<f64>,
}

/// One inbound email as a provider adapter delivers it: the raw RFC 5322 bytes plus envelope
/// and provider facts. Adapters that receive parsed forms rebuild the MIME first, so every
/// provider's mail goes through one parser.
#[derive(Debug, Clone, PartialEq)]
pub struct InboundEmail {
    /// The raw message.
    pub raw: Vec<u8>,
    /// Envelope recipient (SMTP `RCPT TO`).
    pub recipient: String,
    /// Envelope sender (SMTP `MAIL FROM`), if known. Empty means a null return path (`<>`).
    pub sender: Option<String>,
    /// Provider name, e.g. `mailgun`, `raw`.
    pub provider: String,
    /// The provider's unique id for this delivery, for idempotency across redeliveries.
    pub provider_key: Option<String>,
    /// Spam verdict.
    pub spam: SpamVerdict,
    /// When the provider received it.
    pub received_at: Option<DateTime<Utc>>,
}

/// A finished message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingEmail {
    /// Envelope sender.
    pub from: String,
    /// Envelope recipients: To, CC and BCC addresses.
    pub recipients: Vec<String>,
    /// The complete MIME message, headers included.
    pub mime: Vec<u8>,
    /// Its Message-ID, without angle brackets.
    pub message_id: String,
}

/// What a sender reports back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SendReceipt {
    /// The provider's id for the message, if it gives one.
    pub provider_message_id: Option<String>,
}

/// Sends finished MIME. Errors say whether retrying may help: `Unavailable` and `RateLimited`
/// are retried with backoff; `Rejected` is final and shown on the message.
#[async_trait]
pub trait MailSender: Send + Sync + 'static {
    /// Hands one message to the provider.
    async fn send(&self, email: &OutgoingEmail) -> Result<SendReceipt>;
}

/// A domain as the provider sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderDomain {
    /// Domain name.
    pub name: String,
    /// `active`, `unverified`, `disabled`.
    pub state: String,
    /// Records to publish, sending and receiving.
    pub records: Vec<DnsRecord>,
}

/// Custom domain set-up at the mail provider.
#[async_trait]
pub trait DomainProvider: Send + Sync + 'static {
    /// Registers a domain; returns its DNS records.
    async fn add_domain(&self, name: &str) -> Result<ProviderDomain>;
    /// Reads a domain's state and records; `None` if the provider does not know it.
    async fn get_domain(&self, name: &str) -> Result<Option<ProviderDomain>>;
    /// Asks the provider to re-check DNS now.
    async fn verify_domain(&self, name: &str) -> Result<ProviderDomain>;
    /// Removes a domain.
    async fn delete_domain(&self, name: &str) -> Result<()>;
}
