//! # gopimi-mailgun
//!
//! The Mailgun provider for gopimi: everything Mailgun-specific and nothing else. It speaks
//! Mailgun's formats and API and hands the core clean values; every decision (which ticket a
//! mail threads into, whether a spam-flagged mail is kept, what a bounce does to a contact)
//! stays in `gopimi-core`.
//!
//! | module | owns |
//! |---|---|
//! | [`config`] | keys (redacted in `Debug`), region, timeouts, limits |
//! | [`signature`] | HMAC verification of webhooks, timestamp window |
//! | [`replay`] | refusing a webhook token seen before (memory or store-backed) |
//! | [`form`] | a webhook form as ordered pairs + files, framework-agnostic |
//! | [`fields`] | Mailgun's JSON-in-form fields (`message-headers`, `content-id-map`, `attachments`) |
//! | [`rebuild`] | parsed deliveries back into one MIME message |
//! | [`inbound`] | route webhooks in every shape → [`gopimi_core::mail::InboundEmail`] |
//! | [`events`] | event webhooks → [`events::DeliveryEvent`] |
//! | [`webhooks`] | the verified entry points the HTTP layer calls |
//! | `client` | (feature `reqwest`) auth, timeouts, retry, error mapping, bounded reads |
//! | `storage` | (feature `reqwest`) fetching stored messages and attachments |
//! | `sender` | (feature `reqwest`) [`gopimi_core::mail::MailSender`] over `messages.mime` |
//! | `domains` | (feature `reqwest`) [`gopimi_core::mail::DomainProvider`] over the domains API |
//!
//! Everything that touches the network sits behind the `reqwest` feature (on by default),
//! with rustls on the workspace's single crypto provider (aws-lc-rs); no OpenSSL.
//!
//! ## Use from the HTTP layer
//! ```no_run
//! # async fn demo(body: &[u8]) -> Result<(), Box<dyn std::error::Error>> {
//! use gopimi_mailgun::{MailgunConfig, MailgunWebhooks, WebhookForm, WebhookVerifier};
//! use gopimi_mailgun::replay::MemoryReplayGuard;
//! use std::sync::Arc;
//!
//! let cfg = MailgunConfig::new("key-...", "signing-key");
//! let verifier = WebhookVerifier::new(
//!     cfg.signing_key.clone().expect("set"),
//!     Arc::new(gopimi_core::clock::SystemClock),
//!     Arc::new(MemoryReplayGuard::new()),
//! )
//! .with_window(cfg.signature_window);
//! let hooks = MailgunWebhooks::new(verifier)
//!     .with_storage(gopimi_mailgun::StoredMessages::new(&cfg)?);
//! let form = WebhookForm::from_urlencoded(body);
//! match hooks.inbound(&form).await {
//!     Ok(email) => { /* hand `email` to the core's ingestion */ }
//!     Err(e) => { /* answer e.response_status() */ }
//! }
//! # Ok(()) }
//! ```

pub mod config;
pub mod events;
pub mod fields;
pub mod form;
pub mod inbound;
pub mod rebuild;
pub mod replay;
pub mod signature;
pub mod webhooks;

#[cfg(feature = "reqwest")]
pub mod client;
#[cfg(feature = "reqwest")]
pub mod domains;
#[cfg(feature = "reqwest")]
pub mod sender;
#[cfg(feature = "reqwest")]
pub mod storage;

pub use config::{MailgunConfig, Region, RetryPolicy, Secret};
pub use events::{DeliveryEvent, DeliveryEventKind};
pub use form::{FormFile, WebhookForm};
pub use inbound::{InboundError, InboundShape};
pub use replay::{MemoryReplayGuard, ReplayGuard, StoreReplayGuard};
pub use signature::{SignatureError, SignedFields, Verified, WebhookVerifier};
pub use webhooks::{EventWebhookError, MailgunWebhooks};

#[cfg(feature = "reqwest")]
pub use domains::MailgunDomains;
#[cfg(feature = "reqwest")]
pub use sender::MailgunSender;
#[cfg(feature = "reqwest")]
pub use storage::StoredMessages;
