//! The MIME of an outbound message (a reply or a new message), built with mail-builder.
//!
//! What it guarantees:
//! - a Message-Id on our domain that carries a signed reference to the ticket or
//!   conversation ([`MessageIdSigner`]); the caller may pass one it generated earlier (it is
//!   stored with the message before the send job runs, so a retry sends the same id);
//! - `In-Reply-To` and `References` for threading in the customer's client: References is the
//!   whole chain ending with In-Reply-To, bounded to [`MAX_REFERENCES`] ids by keeping the
//!   first (the thread's root) and the most recent ones;
//! - the subject rule: one `Re: ` for replies, exactly one `[#N]` token on tickets;
//! - `Auto-Submitted: auto-generated` on automatic mail (RFC 3834), so well-behaved servers
//!   never answer it;
//! - no header injection: addresses are validated, names and subjects lose control
//!   characters, extra headers must have a token name and a single-line value;
//! - text and HTML as `multipart/alternative`, inline parts (with a Content-ID) in
//!   `multipart/related` beside the HTML, other files as attachments in `multipart/mixed`.

use super::address::looks_like_address;
use super::message_id::normalize_message_id;
use super::ports::OutgoingEmail;
use super::signed_id::{MessageIdSigner, ThreadRef};
use super::subject::{reply_subject, with_ticket_token};
use crate::error::{Error, Result};
use crate::model::Mailbox;
use chrono::{DateTime, Utc};
use mail_builder::MessageBuilder;
use mail_builder::headers::address::Address;
use mail_builder::headers::date::Date;
use mail_builder::headers::message_id::MessageId;
use mail_builder::headers::raw::Raw;
use mail_builder::mime::{BodyPart, MimePart};

/// Most ids in an outbound References header.
pub const MAX_REFERENCES: usize = 20;

/// A file to attach.
#[derive(Clone, PartialEq, Eq)]
pub struct OutboundAttachment {
    pub filename: String,
    pub content_type: String,
    pub data: Vec<u8>,
    /// Set for an inline part referenced from the HTML as `cid:<content_id>`.
    pub content_id: Option<String>,
}

impl std::fmt::Debug for OutboundAttachment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboundAttachment")
            .field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .field("size", &self.data.len())
            .field("content_id", &self.content_id)
            .finish()
    }
}

/// Everything an outbound message is made of.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboundEmail {
    pub from: Mailbox,
    pub to: Vec<Mailbox>,
    pub cc: Vec<Mailbox>,
    /// Envelope-only recipients: never written into the headers.
    pub bcc: Vec<Mailbox>,
    pub reply_to: Option<Mailbox>,
    /// The subject of the thread (for a reply, the subject being answered).
    pub subject: String,
    /// Prefix `Re: ` (replies).
    pub is_reply: bool,
    /// The ticket number, for the `[#N]` token.
    pub ticket_number: Option<i64>,
    /// What the message belongs to, signed into its Message-Id.
    pub thread: ThreadRef,
    /// A Message-Id generated earlier (without brackets); `None` generates one.
    pub message_id: Option<String>,
    /// Domain of a generated Message-Id; defaults to the From address's domain.
    pub message_id_domain: Option<String>,
    pub in_reply_to: Option<String>,
    /// The thread's chain, oldest first.
    pub references: Vec<String>,
    pub text: String,
    pub html: Option<String>,
    pub attachments: Vec<OutboundAttachment>,
    /// Sent by the system, not typed by an agent: adds `Auto-Submitted: auto-generated`.
    pub automatic: bool,
    /// Further headers, e.g. `List-Unsubscribe`, `List-Unsubscribe-Post`.
    pub extra_headers: Vec<(String, String)>,
    pub date: DateTime<Utc>,
}

/// Headers the builder writes itself; extra headers may not replace them.
const RESERVED_HEADERS: &[&str] = &[
    "from",
    "to",
    "cc",
    "bcc",
    "reply-to",
    "subject",
    "message-id",
    "in-reply-to",
    "references",
    "date",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
    "auto-submitted",
    "sender",
    "return-path",
];

fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn checked_address(field: &str, m: &Mailbox) -> Result<Address<'static>> {
    let email = m.email.trim();
    if !looks_like_address(email) || email.contains(['<', '>', ',', ';', '"']) {
        return Err(Error::validation(
            field,
            format!("not an email address: {email:?}"),
        ));
    }
    let name = m.name.as_deref().map(one_line).filter(|n| !n.is_empty());
    Ok(Address::new_address(name, email.to_string()))
}

fn address_list(field: &str, list: &[Mailbox]) -> Result<Option<Address<'static>>> {
    let items = list
        .iter()
        .map(|m| checked_address(field, m))
        .collect::<Result<Vec<_>>>()?;
    Ok(match items.len() {
        0 => None,
        1 => items.into_iter().next(),
        _ => Some(Address::new_list(items)),
    })
}

/// The References chain: the given ids, then In-Reply-To, deduplicated, bounded to
/// [`MAX_REFERENCES`] keeping the first and the latest.
pub fn references_chain(references: &[String], in_reply_to: Option<&str>) -> Vec<String> {
    let mut chain: Vec<String> = Vec::new();
    for id in references
        .iter()
        .map(String::as_str)
        .chain(in_reply_to)
        .filter_map(normalize_message_id)
    {
        // The latest mention wins the position.
        chain.retain(|c| *c != id);
        chain.push(id);
    }
    if chain.len() > MAX_REFERENCES {
        let tail = chain.split_off(chain.len() - (MAX_REFERENCES - 1));
        chain.truncate(1);
        chain.extend(tail);
    }
    chain
}

/// The subject to send: `Re: ` for replies and exactly one ticket token.
pub fn outbound_subject(subject: &str, is_reply: bool, ticket_number: Option<i64>) -> String {
    let subject = one_line(subject);
    match (is_reply, ticket_number) {
        (true, n) => reply_subject(&subject, n),
        (false, Some(n)) => with_ticket_token(&subject, n),
        (false, None) => subject,
    }
}

fn check_extra_header(name: &str, value: &str) -> Result<()> {
    let valid_name =
        !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !valid_name || RESERVED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
        return Err(Error::validation(
            "extra_headers",
            format!("header name not allowed: {name:?}"),
        ));
    }
    if value.chars().any(|c| c.is_control()) || !value.is_ascii() || value.len() > 900 {
        return Err(Error::validation(
            "extra_headers",
            format!("header value of {name} must be one line of ASCII"),
        ));
    }
    Ok(())
}

fn checked_content_type(ct: &str) -> String {
    let ct = ct.trim().to_ascii_lowercase();
    let valid = ct.split_once('/').is_some_and(|(t, s)| {
        !t.is_empty()
            && !s.is_empty()
            && ct
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'+' | b'.'))
    });
    if valid {
        ct
    } else {
        "application/octet-stream".to_string()
    }
}

fn safe_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(200)
        .collect();
    let cleaned = cleaned.trim().to_string();
    if cleaned.is_empty() {
        "attachment".to_string()
    } else {
        cleaned
    }
}

/// Builds the message. Returns the finished MIME with its envelope and Message-Id.
pub fn build_email(email: &OutboundEmail, signer: &MessageIdSigner) -> Result<OutgoingEmail> {
    let from = checked_address("from", &email.from)?;
    let to = address_list("to", &email.to)?;
    let cc = address_list("cc", &email.cc)?;
    for m in &email.bcc {
        checked_address("bcc", m)?;
    }
    if email.to.is_empty() && email.cc.is_empty() && email.bcc.is_empty() {
        return Err(Error::validation(
            "to",
            "a message needs at least one recipient",
        ));
    }

    let message_id = match &email.message_id {
        Some(id) => normalize_message_id(id)
            .filter(|id| id.contains('@'))
            .ok_or_else(|| Error::validation("message_id", "not a Message-Id"))?,
        None => {
            let domain = email
                .message_id_domain
                .clone()
                .or_else(|| {
                    email
                        .from
                        .email
                        .rsplit_once('@')
                        .map(|(_, d)| d.to_string())
                })
                .unwrap_or_default();
            let domain = domain.trim();
            if domain.is_empty()
                || !domain
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-'))
            {
                return Err(Error::validation("message_id_domain", "not a domain name"));
            }
            signer.generate(email.thread, domain)
        }
    };

    let mut builder = MessageBuilder::new()
        .from(from)
        .subject(outbound_subject(
            &email.subject,
            email.is_reply,
            email.ticket_number,
        ))
        .message_id(message_id.clone())
        .date(Date::new(email.date.timestamp()));
    if let Some(to) = to {
        builder = builder.to(to);
    }
    if let Some(cc) = cc {
        builder = builder.cc(cc);
    }
    if let Some(reply_to) = &email.reply_to {
        builder = builder.reply_to(checked_address("reply_to", reply_to)?);
    }
    let in_reply_to = email.in_reply_to.as_deref().and_then(normalize_message_id);
    if let Some(parent) = &in_reply_to {
        builder = builder.in_reply_to(MessageId::new(parent.clone()));
    }
    let chain = references_chain(&email.references, in_reply_to.as_deref());
    if !chain.is_empty() {
        builder = builder.references(MessageId::new_list(chain.into_iter()));
    }
    if email.automatic {
        builder = builder.header("Auto-Submitted", Raw::new("auto-generated"));
    }
    for (name, value) in &email.extra_headers {
        check_extra_header(name, value)?;
        builder = builder.header(name.clone(), Raw::new(value.clone()));
    }

    builder = builder.body(body_tree(email));
    let mime = builder
        .write_to_vec()
        .map_err(|e| Error::internal("MIME could not be written", e))?;

    let mut recipients: Vec<String> = Vec::new();
    for m in email.to.iter().chain(&email.cc).chain(&email.bcc) {
        let address = m.email.trim().to_string();
        if !recipients.iter().any(|r| r.eq_ignore_ascii_case(&address)) {
            recipients.push(address);
        }
    }
    Ok(OutgoingEmail {
        from: email.from.email.trim().to_string(),
        recipients,
        mime,
        message_id,
    })
}

fn body_tree(email: &OutboundEmail) -> MimePart<'static> {
    let text = MimePart::new("text/plain", BodyPart::Text(email.text.clone().into()));
    let (inline, files): (Vec<&OutboundAttachment>, Vec<&OutboundAttachment>) = email
        .attachments
        .iter()
        .partition(|a| a.content_id.is_some() && email.html.is_some());

    let readable = match &email.html {
        Some(html) => {
            let html_part = MimePart::new("text/html", BodyPart::Text(html.clone().into()));
            let html_part = if inline.is_empty() {
                html_part
            } else {
                let mut related = vec![html_part];
                for a in &inline {
                    let cid = a
                        .content_id
                        .as_deref()
                        .and_then(normalize_message_id)
                        .unwrap_or_default();
                    related.push(
                        MimePart::new(
                            checked_content_type(&a.content_type),
                            BodyPart::Binary(a.data.clone().into()),
                        )
                        .inline()
                        .cid(cid),
                    );
                }
                MimePart::new("multipart/related", related)
            };
            MimePart::new("multipart/alternative", vec![text, html_part])
        }
        None => text,
    };
    if files.is_empty() {
        return readable;
    }
    let mut mixed = vec![readable];
    for a in files {
        mixed.push(
            MimePart::new(
                checked_content_type(&a.content_type),
                BodyPart::Binary(a.data.clone().into()),
            )
            .attachment(safe_filename(&a.filename)),
        );
    }
    MimePart::new("multipart/mixed", mixed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_bounded_keeping_root_and_latest() {
        let refs: Vec<String> = (0..30).map(|i| format!("m{i}@x")).collect();
        let chain = references_chain(&refs, Some("<m30@x>"));
        assert_eq!(chain.len(), MAX_REFERENCES);
        assert_eq!(chain[0], "m0@x");
        assert_eq!(chain[1], "m12@x");
        assert_eq!(chain.last().map(String::as_str), Some("m30@x"));
        let chain = references_chain(&["a@x".into(), "b@x".into()], Some("a@x"));
        assert_eq!(chain, vec!["b@x", "a@x"]);
    }

    #[test]
    fn subjects() {
        assert_eq!(
            outbound_subject("Broken\r\nBcc: x@y", true, Some(3)),
            "Re: Broken Bcc: x@y [#3]"
        );
        assert_eq!(outbound_subject("Welcome", false, Some(3)), "Welcome [#3]");
        assert_eq!(outbound_subject("Welcome", false, None), "Welcome");
    }

    #[test]
    fn extra_headers_cannot_inject() {
        assert!(check_extra_header("List-Unsubscribe", "<https://x.example/u>").is_ok());
        assert!(check_extra_header("X-Evil", "a\r\nBcc: x@y").is_err());
        assert!(check_extra_header("Bcc", "x@y").is_err());
        assert!(check_extra_header("Bad Name", "x").is_err());
    }
}
