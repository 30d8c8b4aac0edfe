//! Notification emails to workspace members, for five events: ticket assigned, ticket reply
//! (inbound), new conversation message, ticket status changed, SLA breach (and warning).
//!
//! - [`recipients`]: who gets which email (the rules, and the decisions taken);
//! - [`audience`]: a workspace's members and their per-workspace preferences;
//! - [`jobs`]: notifications as `mail.notify` jobs, added to the batch of the change that
//!   causes them ([`notification_jobs`] / [`jobs_for`]);
//! - [`render`] and [`handler`]: the job handler that renders the email and sends it through
//!   the mail sender port;
//! - [`unsubscribe`]: signed one-click unsubscribe tokens (RFC 8058).
//!
//! A writer of a change calls, before applying its batch:
//!
//! ```ignore
//! for mut job in notification_jobs(store, &Notice::TicketAssigned { ticket: &t }, actor, now).await? {
//!     writes.insert(&mut job)?;
//! }
//! ```

pub mod audience;
pub mod handler;
pub mod jobs;
pub mod recipients;
pub mod render;
pub mod unsubscribe;

pub use audience::{Audience, AudienceCache};
pub use handler::{NotificationEmail, NotifyConfig, NotifyHandler, build_mime};
pub use jobs::{NOTIFY_QUEUE, NotifyPayload, jobs_for, notification_jobs};
pub use recipients::{Notice, recipients};
pub use render::{Rendered, render};
pub use unsubscribe::{UnsubscribeClaim, UnsubscribeSigner, Unsubscribed, unsubscribe};
