//! # gopimi-core
//!
//! The helpdesk domain of gopimi: workspaces, tickets, messages and notes, shared and personal
//! inbox conversations, contacts, organizations, custom fields, tags, canned responses, SLA
//! policies, workspace emails and domains, attachments, the activity log, notification
//! preferences, plan quotas, spam and trash; plus email threading, routing and SLA logic.
//!
//! It does no I/O of its own beyond its ports:
//! - [`store::Store`]: the storage port (an in-memory reference implementation is
//!   [`store::MemoryStore`]; SQL and sled live in their own crates);
//! - [`blob::BlobStore`]: attachment and raw-mail bytes;
//! - [`mail::MailSender`], [`mail::DomainProvider`] and [`mail::InboundEmail`]: mail providers;
//! - [`clock::Clock`], for time.
//!
//! Business rules live here and nowhere else: backends store, providers move bytes.
//!
//! With the `testing` feature, [`testing`] exports the conformance suite every store passes.

pub mod blob;
pub mod clock;
pub mod error;
pub mod housekeeping;
pub mod ids;
pub mod jobs;
pub mod mail;
pub mod model;
pub mod notify;
pub mod pipeline;
pub mod search;
pub mod service;
pub mod sla;
pub mod store;
pub mod webhooks;

#[cfg(feature = "testing")]
pub mod testing;

pub use error::{Error, Result};
pub use service::{Caller, Helpdesk};
