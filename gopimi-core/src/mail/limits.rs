//! Size limits of inbound mail, and the record of what they cut.
//!
//! A message over a limit is still ingested: the parts that do not fit are dropped and listed in
//! [`DroppedPart`]s on the parsed message, so an agent sees that something was there and why it
//! is missing. Nothing is silently lost.
//!
//! Order matters and is deliberate: attachments are kept in the order they appear in the message
//! until the message budget is spent, so the first files (usually the ones the sender meant) are
//! kept and a later huge file does not push out small ones before it.

use serde::{Deserialize, Serialize};

/// Largest single attachment kept, as the hosted service documents: 25 MB.
pub const MAX_ATTACHMENT_BYTES: u64 = 25 * 1024 * 1024;

/// Default budget for everything kept from one message (bodies plus attachments).
pub const DEFAULT_MAX_MESSAGE_BYTES: u64 = 50 * 1024 * 1024;

/// Default cap on each body (text and sanitized HTML), in bytes.
pub const DEFAULT_MAX_BODY_BYTES: u64 = 2 * 1024 * 1024;

/// Default size above which the raw message is not MIME-parsed at all: only its header is read
/// and the whole body is noted as dropped.
pub const DEFAULT_MAX_RAW_BYTES: u64 = 150 * 1024 * 1024;

/// The limits a parse applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParseLimits {
    /// Largest attachment kept; larger ones are dropped.
    pub max_attachment_bytes: u64,
    /// Budget for bodies plus kept attachments; attachments that would exceed it are dropped.
    pub max_message_bytes: u64,
    /// Each body (text, HTML) is cut to this many bytes.
    pub max_body_bytes: u64,
    /// Raw input above this size is parsed for its header only.
    pub max_raw_bytes: u64,
}

impl Default for ParseLimits {
    fn default() -> Self {
        ParseLimits {
            max_attachment_bytes: MAX_ATTACHMENT_BYTES,
            max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_raw_bytes: DEFAULT_MAX_RAW_BYTES,
        }
    }
}

/// Why a part was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum DropReason {
    /// The attachment alone is larger than `max_attachment_bytes`.
    AttachmentTooLarge { limit: u64 },
    /// Keeping it would have exceeded `max_message_bytes`.
    MessageTooLarge { limit: u64 },
    /// A body was cut to `max_body_bytes`; the rest is dropped.
    BodyTruncated { limit: u64 },
    /// The raw message exceeded `max_raw_bytes`; only its header was read.
    RawTooLarge { limit: u64 },
}

impl DropReason {
    /// A short sentence for agents.
    pub fn describe(&self) -> String {
        match self {
            DropReason::AttachmentTooLarge { limit } => {
                format!("attachment larger than {} MB", limit / (1024 * 1024))
            }
            DropReason::MessageTooLarge { limit } => {
                format!("message larger than {} MB in total", limit / (1024 * 1024))
            }
            DropReason::BodyTruncated { limit } => {
                format!("body cut at {} KB", limit / 1024)
            }
            DropReason::RawTooLarge { limit } => {
                format!(
                    "raw message larger than {} MB: body not read",
                    limit / (1024 * 1024)
                )
            }
        }
    }
}

/// One part that was not kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DroppedPart {
    /// The file name, if the part had one.
    pub filename: Option<String>,
    /// Its content type, e.g. `application/pdf`.
    pub content_type: String,
    /// Its decoded size in bytes (for a truncated body: the size before cutting).
    pub size: u64,
    /// Why it was dropped.
    #[serde(flatten)]
    pub reason: DropReason,
}

/// Tracks the message budget while parts are kept in order.
#[derive(Debug)]
pub(crate) struct Budget {
    limits: ParseLimits,
    used: u64,
}

impl Budget {
    pub(crate) fn new(limits: ParseLimits) -> Self {
        Budget { limits, used: 0 }
    }

    /// Charges bytes that are always kept (the bodies, already cut to their own cap).
    pub(crate) fn charge(&mut self, bytes: u64) {
        self.used = self.used.saturating_add(bytes);
    }

    /// Whether an attachment of `size` bytes may be kept; charges it if so.
    pub(crate) fn admit_attachment(&mut self, size: u64) -> Result<(), DropReason> {
        if size > self.limits.max_attachment_bytes {
            return Err(DropReason::AttachmentTooLarge {
                limit: self.limits.max_attachment_bytes,
            });
        }
        if self.used.saturating_add(size) > self.limits.max_message_bytes {
            return Err(DropReason::MessageTooLarge {
                limit: self.limits.max_message_bytes,
            });
        }
        self.used += size;
        Ok(())
    }
}

/// Cuts `text` to at most `max` bytes on a character boundary. Returns whether it was cut.
pub(crate) fn truncate_utf8(text: &mut String, max: u64) -> bool {
    let max = usize::try_from(max).unwrap_or(usize::MAX);
    if text.len() <= max {
        return false;
    }
    let mut cut = max;
    while cut > 0 && !text.is_char_boundary(cut) {
        cut -= 1;
    }
    text.truncate(cut);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_drops_oversized_and_overflowing_attachments_in_order() {
        let mut budget = Budget::new(ParseLimits {
            max_attachment_bytes: 10,
            max_message_bytes: 25,
            max_body_bytes: 100,
            max_raw_bytes: 1000,
        });
        budget.charge(5);
        assert!(budget.admit_attachment(10).is_ok());
        assert_eq!(
            budget.admit_attachment(11),
            Err(DropReason::AttachmentTooLarge { limit: 10 })
        );
        assert!(budget.admit_attachment(10).is_ok());
        assert_eq!(
            budget.admit_attachment(1),
            Err(DropReason::MessageTooLarge { limit: 25 })
        );
    }

    #[test]
    fn truncation_respects_char_boundaries() {
        let mut s = "héllo".to_string();
        assert!(truncate_utf8(&mut s, 2));
        assert_eq!(s, "h");
        let mut t = "abc".to_string();
        assert!(!truncate_utf8(&mut t, 3));
    }
}
