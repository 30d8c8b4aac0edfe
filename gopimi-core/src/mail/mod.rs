//! Email: the provider ports and the pure mail layer the pipeline builds on.
//!
//! Inbound: [`parse_email`] turns raw bytes into a [`ParsedEmail`] (addresses, ids, bodies,
//! sanitized HTML, attachments, auto-reply and bounce facts, forwarded originals, the new part
//! of a reply). [`subject`] normalizes subjects and reads ticket tokens.
//!
//! Outbound: [`build_email`] builds the MIME of a reply with threading headers and a signed
//! Message-Id ([`MessageIdSigner`]); [`OutboxSender`] writes sent mail to a folder and
//! [`RecordingSender`] records it in memory for tests.
//!
//! Nothing here touches storage: routing, threading and commits build on these functions.

mod address;
pub mod auto_reply;
pub mod bounce;
pub mod forward;
pub mod html_sanitize;
pub mod html_text;
mod labels;
pub mod limits;
pub mod message_id;
pub mod outbound;
pub mod outbox;
pub mod parse;
pub mod ports;
pub mod quote;
pub mod recording;
mod repair;
pub mod signed_id;
pub mod subject;

pub use auto_reply::{AutoMarker, AutoSubmission};
pub use bounce::{Bounce, BounceEvidence, BounceRecipient, DeliveryOutcome, FeedbackReport};
pub use forward::{ForwardSource, ForwardedMessage};
pub use limits::{DropReason, DroppedPart, ParseLimits};
pub use outbound::{OutboundAttachment, OutboundEmail, build_email};
pub use outbox::OutboxSender;
pub use parse::{
    ParseError, ParseOptions, ParsedAttachment, ParsedEmail, parse_email, parse_inbound,
};
pub use ports::{
    DomainProvider, InboundEmail, MailSender, OutgoingEmail, ProviderDomain, SendReceipt,
    SpamVerdict,
};
pub use recording::{RecordingSender, SendFailure};
pub use signed_id::{MessageIdSigner, ThreadRef};
