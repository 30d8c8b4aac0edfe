//! A mail sender for tests: records what it was asked to send, and fails on request.
//!
//! Failures are queued: `fail_next` makes the next send fail once, transiently
//! (`Error::Unavailable`, retried with backoff by the send job) or permanently
//! (`Error::Rejected`, final); `fail_always` makes every send fail until cleared. A failed send
//! is counted as an attempt but not recorded as sent.

use super::ports::{MailSender, OutgoingEmail, SendReceipt};
use crate::error::{Error, Result};
use async_trait::async_trait;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

/// How a send should fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendFailure {
    /// A temporary failure (provider down, timeout): retry later.
    Transient(String),
    /// A permanent rejection: do not retry.
    Permanent(String),
}

impl SendFailure {
    fn to_error(&self) -> Error {
        match self {
            SendFailure::Transient(reason) => Error::Unavailable {
                what: format!("mail provider: {reason}"),
                source: None,
            },
            SendFailure::Permanent(reason) => Error::Rejected {
                reason: reason.clone(),
            },
        }
    }
}

#[derive(Debug, Default)]
struct State {
    sent: Vec<OutgoingEmail>,
    attempts: usize,
    queued: VecDeque<SendFailure>,
    always: Option<SendFailure>,
}

/// Records sent mail in memory. Clones share the record.
#[derive(Debug, Clone, Default)]
pub struct RecordingSender {
    state: Arc<Mutex<State>>,
}

impl RecordingSender {
    /// A sender that succeeds until told otherwise.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The next send fails this way (queued after earlier requests).
    pub fn fail_next(&self, failure: SendFailure) {
        self.lock().queued.push_back(failure);
    }

    /// Every send fails this way until `None` is set.
    pub fn fail_always(&self, failure: Option<SendFailure>) {
        self.lock().always = failure;
    }

    /// Messages sent successfully, in order.
    pub fn sent(&self) -> Vec<OutgoingEmail> {
        self.lock().sent.clone()
    }

    /// The last message sent successfully.
    pub fn last(&self) -> Option<OutgoingEmail> {
        self.lock().sent.last().cloned()
    }

    /// Send calls so far, failed ones included.
    pub fn attempts(&self) -> usize {
        self.lock().attempts
    }
}

#[async_trait]
impl MailSender for RecordingSender {
    async fn send(&self, email: &OutgoingEmail) -> Result<SendReceipt> {
        let mut state = self.lock();
        state.attempts += 1;
        if let Some(failure) = state.queued.pop_front().or_else(|| state.always.clone()) {
            return Err(failure.to_error());
        }
        state.sent.push(email.clone());
        let n = state.sent.len();
        Ok(SendReceipt {
            provider_message_id: Some(format!("recorded-{n}")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email() -> OutgoingEmail {
        OutgoingEmail {
            from: "a@x.example".into(),
            recipients: vec!["b@x.example".into()],
            mime: b"Subject: t\r\n\r\nx".to_vec(),
            message_id: "m@x.example".into(),
        }
    }

    #[tokio::test]
    async fn records_and_fails_on_request() {
        let sender = RecordingSender::new();
        sender.fail_next(SendFailure::Transient("timeout".into()));
        sender.fail_next(SendFailure::Permanent("mailbox disabled".into()));
        let first = sender.send(&email()).await.expect_err("transient");
        assert!(first.is_transient());
        let second = sender.send(&email()).await.expect_err("permanent");
        assert!(matches!(second, Error::Rejected { .. }));
        assert!(!second.is_transient());
        let ok = sender.send(&email()).await.expect("sent");
        assert_eq!(ok.provider_message_id.as_deref(), Some("recorded-1"));
        assert_eq!(sender.attempts(), 3);
        assert_eq!(sender.sent().len(), 1);

        sender.fail_always(Some(SendFailure::Transient("down".into())));
        assert!(sender.send(&email()).await.is_err());
        assert!(sender.send(&email()).await.is_err());
        sender.fail_always(None);
        assert!(sender.send(&email()).await.is_ok());
        assert_eq!(sender.sent().len(), 2);
        assert_eq!(
            sender.last().map(|e| e.message_id),
            Some("m@x.example".into())
        );
    }
}
