//! Email: the provider ports, and (as the pipeline grows) parsing, routing, threading and
//! outbound MIME.

pub mod ports;

pub use ports::{
    DomainProvider, InboundEmail, MailSender, OutgoingEmail, ProviderDomain, SendReceipt,
    SpamVerdict,
};
