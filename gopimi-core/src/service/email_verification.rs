//! Proving that mail to a workspace email reaches us, before the workspace relies on it.
//!
//! An address on the customer's own domain works through forwarding (their mailbox forwards
//! to our forwarding address) or MX records. Either way the proof is the same, and it is the
//! one that matters to a user: mail sent to the address arrives here. So verification sends
//! a message with a one-time code to the address:
//!
//! - when the forwarding works, the message comes back through the inbound pipeline, which
//!   finds the code and marks the address verified on its own ([`Helpdesk::verify_by_inbound`]);
//! - when the mail lands in a mailbox instead (forwarding not set up yet, or a mailbox that
//!   shows it before forwarding), the owner reads the code and confirms it
//!   ([`Helpdesk::confirm_email_verification`]).
//!
//! The code is 12 characters from a 32-letter alphabet without look-alikes (60 bits, shown as
//! `ABCD-EFGH-JKLM`), valid for 24 hours, stored only as a SHA-256 hash with the email's id
//! mixed in (so a code cannot be moved to another address). Members can read workspace
//! emails, hash included; 60 bits keep the code out of reach of guessing it back from the
//! hash. Asking again replaces the code. The plain code exists only in the `mail.verify` job
//! that sends it, which is deleted once sent.

use super::Helpdesk;
use super::access::Caller;
use super::retry::with_retry;
use crate::error::{Error, Result};
use crate::ids::{WorkspaceEmailId, WorkspaceId};
use crate::jobs::{self, JobHandler};
use crate::mail::{MailSender, OutgoingEmail};
use crate::model::{Job, WorkspaceEmail};
use crate::store::{StoreExt, Writes};
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// The queue of verification mail.
pub const VERIFY_QUEUE: &str = "mail.verify";

/// The marker the code follows in the message, and that the inbound pipeline looks for.
const CODE_MARKER: &str = "gopimi verification code:";

/// How long a code stays valid.
const CODE_LIFETIME_HOURS: i64 = 24;

/// The payload of a `mail.verify` job.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VerificationMail {
    pub workspace_id: WorkspaceId,
    pub email_id: WorkspaceEmailId,
    pub address: String,
    pub code: String,
}

/// `<expiry unix seconds>:<hex sha256>` as stored in `verification_code`.
fn stored_code(email_id: WorkspaceEmailId, code: &str, expires_at: DateTime<Utc>) -> String {
    let plain = normalize_code(code).unwrap_or_default();
    format!("{}:{}", expires_at.timestamp(), code_hash(email_id, &plain))
}

fn code_hash(email_id: WorkspaceEmailId, code: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"gopimi-email-verification\0");
    h.update(email_id.0.as_bytes());
    h.update(code.as_bytes());
    hex::encode(h.finalize())
}

/// Whether `code` is the pending code of `email` at `now`. Compares hashes in constant time.
fn code_matches(email: &WorkspaceEmail, code: &str, now: DateTime<Utc>) -> bool {
    let Some((expiry, hash)) = email
        .verification_code
        .as_deref()
        .and_then(|s| s.split_once(':'))
    else {
        return false;
    };
    let Ok(expiry) = expiry.parse::<i64>() else {
        return false;
    };
    if now.timestamp() > expiry {
        return false;
    }
    let Some(code) = normalize_code(code) else {
        return false;
    };
    let given = code_hash(email.id, &code);
    given.len() == hash.len()
        && given
            .bytes()
            .zip(hash.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// Letters and digits without look-alikes (no 0/O, 1/I).
const ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const CODE_LEN: usize = 12;

/// A new code, grouped by four for reading: `ABCD-EFGH-JKLM`.
fn new_code() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    let chars: Vec<char> = (0..CODE_LEN)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// A code as typed (any case, with or without dashes and spaces), or `None` if it cannot be
/// one.
fn normalize_code(code: &str) -> Option<String> {
    let c: String = code
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (c.len() == CODE_LEN && c.bytes().all(|b| ALPHABET.contains(&b))).then_some(c)
}

/// The codes that follow the marker in a text (a forwarder may quote the message more than
/// once).
fn codes_in(text: &str) -> impl Iterator<Item = &str> {
    text.match_indices(CODE_MARKER).filter_map(|(i, m)| {
        let rest = text[i + m.len()..].trim_start();
        let code = rest.get(..CODE_LEN + 2)?;
        normalize_code(code).map(|_| code)
    })
}

impl Helpdesk {
    /// Sends a new verification code to the address (owners only); the address is verified
    /// when that mail comes back through forwarding, or when the owner confirms the code. An
    /// address already verified is returned as it is.
    pub async fn send_email_verification(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: WorkspaceEmailId,
    ) -> Result<WorkspaceEmail> {
        let acc = self.access(caller, workspace_id).await?;
        acc.require_owner("manage emails")?;
        with_retry(|| async {
            let mut e = self.load_workspace_email(&acc, id).await?;
            if e.verified {
                return Ok(e);
            }
            if !e.can_receive {
                return Err(Error::validation(
                    "can_receive",
                    "only an address that receives mail can be verified",
                ));
            }
            let now = self.now();
            let code = new_code();
            e.verification_code = Some(stored_code(
                e.id,
                &code,
                now + Duration::hours(CODE_LIFETIME_HOURS),
            ));
            e.updated_at = now;
            let mut w = Writes::new();
            w.update(&mut e)?;
            let payload = VerificationMail {
                workspace_id,
                email_id: e.id,
                address: e.address.clone(),
                code,
            };
            w.insert(&mut jobs::job(
                VERIFY_QUEUE,
                &payload,
                Some(workspace_id.0),
                now,
            )?)?;
            w.apply(self.db()).await?;
            Ok(e)
        })
        .await
    }

    /// Confirms the code the owner read in the verification mail (owners only). A wrong or
    /// expired code is a validation error on `code`.
    pub async fn confirm_email_verification(
        &self,
        caller: &Caller,
        workspace_id: WorkspaceId,
        id: WorkspaceEmailId,
        code: &str,
    ) -> Result<WorkspaceEmail> {
        let acc = self.access(caller, workspace_id).await?;
        acc.require_owner("manage emails")?;
        with_retry(|| async {
            let mut e = self.load_workspace_email(&acc, id).await?;
            if e.verified {
                return Ok(e);
            }
            let now = self.now();
            if !code_matches(&e, code, now) {
                return Err(Error::validation(
                    "code",
                    "this code is wrong or has expired; ask for a new one",
                ));
            }
            self.mark_verified(&mut e, now).await?;
            Ok(e)
        })
        .await
    }

    /// Called by the inbound pipeline for mail that arrived for `email`: when the text carries
    /// its pending verification code, the address is verified and `true` is returned (the
    /// mail is then set aside, not turned into a ticket).
    pub(crate) async fn verify_by_inbound(
        &self,
        email: &WorkspaceEmail,
        text: &str,
    ) -> Result<bool> {
        if email.verified || email.verification_code.is_none() {
            return Ok(false);
        }
        let now = self.now();
        if !codes_in(text).any(|c| code_matches(email, c, now)) {
            return Ok(false);
        }
        with_retry(|| async {
            let mut e: WorkspaceEmail = self
                .db()
                .require(Some(email.workspace_id.0), email.id.0)
                .await?;
            if !e.verified {
                self.mark_verified(&mut e, now).await?;
            }
            Ok(true)
        })
        .await
    }

    /// Writes `e` as verified, its code spent (at the version read).
    async fn mark_verified(&self, e: &mut WorkspaceEmail, now: DateTime<Utc>) -> Result<()> {
        e.verified = true;
        e.verification_code = None;
        e.updated_at = now;
        let mut w = Writes::new();
        w.update(e)?;
        w.apply(self.db()).await
    }
}

/// Sends `mail.verify` jobs.
pub struct VerificationMailHandler {
    sender: Arc<dyn MailSender>,
    from_address: String,
}

impl std::fmt::Debug for VerificationMailHandler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerificationMailHandler")
            .field("from_address", &self.from_address)
            .finish_non_exhaustive()
    }
}

impl VerificationMailHandler {
    /// A handler sending from `from_address` (the server's notification sender).
    pub fn new(sender: Arc<dyn MailSender>, from_address: impl Into<String>) -> Self {
        VerificationMailHandler {
            sender,
            from_address: from_address.into(),
        }
    }

    /// The message for a job.
    pub fn build(&self, mail: &VerificationMail, now: DateTime<Utc>) -> Result<OutgoingEmail> {
        let domain = self
            .from_address
            .rsplit_once('@')
            .map(|(_, d)| d)
            .unwrap_or("localhost");
        let message_id = format!("verify.{}@{domain}", uuid::Uuid::now_v7().simple());
        let text = format!(
            "This message checks that mail sent to {address} reaches your gopimi workspace.\r\n\
             \r\n\
             If your mailbox forwards to gopimi, there is nothing to do: the address is verified \
             as soon as this message arrives.\r\n\
             \r\n\
             Otherwise, enter this code in gopimi:\r\n\
             \r\n\
             {CODE_MARKER} {code}\r\n\
             \r\n\
             The code is valid for {CODE_LIFETIME_HOURS} hours.\r\n",
            address = mail.address,
            code = mail.code,
        );
        let mime = mail_builder::MessageBuilder::new()
            .from(("gopimi", self.from_address.as_str()))
            .to(mail.address.as_str())
            .subject("Verify your support address")
            .message_id(message_id.as_str())
            .date(mail_builder::headers::date::Date::new(now.timestamp()))
            .header(
                "Auto-Submitted",
                mail_builder::headers::raw::Raw::new("auto-generated"),
            )
            .text_body(text)
            .write_to_vec()
            .map_err(|e| Error::internal("building a verification email", e))?;
        Ok(OutgoingEmail {
            from: self.from_address.clone(),
            recipients: vec![mail.address.clone()],
            mime,
            message_id,
        })
    }
}

#[async_trait]
impl JobHandler for VerificationMailHandler {
    async fn handle(&self, job: &Job) -> Result<()> {
        let mail: VerificationMail = serde_json::from_value(job.payload.clone())
            .map_err(|e| Error::validation("payload", format!("not a verification job: {e}")))?;
        let email = self.build(&mail, chrono::Utc::now())?;
        self.sender.send(&email).await.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_found_after_the_marker_only() {
        let t = format!(
            "> {CODE_MARKER} ABCD-EFGH-JKLM\n{CODE_MARKER}   WXYZ-2345-6789 ok\nother QQQQ-QQQQ-QQQQ"
        );
        assert_eq!(
            codes_in(&t).collect::<Vec<_>>(),
            ["ABCD-EFGH-JKLM", "WXYZ-2345-6789"]
        );
        assert_eq!(codes_in(&format!("{CODE_MARKER} ABCD")).count(), 0);
        assert_eq!(
            codes_in(&format!("{CODE_MARKER} ABCD-EFGH-JKL0")).count(),
            0
        );
        assert_eq!(codes_in(CODE_MARKER).count(), 0);
    }

    #[test]
    fn codes_are_read_in_any_case_with_or_without_dashes() {
        let code = new_code();
        assert_eq!(code.len(), 14);
        let plain = normalize_code(&code).expect("a new code is valid");
        assert_eq!(
            normalize_code(&code.to_ascii_lowercase()),
            Some(plain.clone())
        );
        assert_eq!(normalize_code(&plain), Some(plain));
        assert_eq!(normalize_code("ABCD-EFGH-JKL"), None);
        assert_eq!(normalize_code("ABCD-EFGH-JKLÉ"), None);
    }
}
