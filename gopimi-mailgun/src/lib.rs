//! The Mailgun provider for gopimi.
pub mod config;
pub mod replay;
pub mod signature;
