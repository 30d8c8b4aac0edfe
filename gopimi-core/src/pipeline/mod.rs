//! The inbound and outbound email pipeline: raw mail in, threaded tickets and conversations,
//! replies out. Providers only hand over bytes ([`crate::mail::InboundEmail`]); every decision
//! (where mail goes, what it threads into, who it comes from) is made here.
//!
//! Flow: [`ingest`] stores the raw bytes and an inbound record with a processing job in one
//! atomic write, before the provider's webhook is acknowledged; the `inbound.process` job then
//! parses, [`route`]s, threads and commits.

pub mod ingest;
pub mod route;

pub use ingest::{InboundLimits, Ingested, ingest};
pub use route::{Route, resolve_recipient};

/// The queue of inbound processing jobs.
pub const INBOUND_QUEUE: &str = "inbound.process";
/// The queue of outbound mail jobs.
pub const SEND_QUEUE: &str = "mail.send";
