//! Behaviour of the `Helpdesk` facade over the in-memory store: roles, quotas, isolation, the
//! activity log, typed errors for bad input, numbering and concurrency, trash and spam, bulk
//! actions, contacts and imports, users and tokens, messages, conversations, SLA and
//! notification emails.
//!
//! One test binary with a module per concern (one link instead of a dozen).

mod common;

mod activity;
mod bad_input;
mod bulk;
mod concurrency;
mod contacts;
mod conversations;
mod isolation;
mod lifecycle;
mod listing;
mod messages;
mod quotas;
mod roles;
mod settings;
mod sla;
mod users;
mod webhooks;
