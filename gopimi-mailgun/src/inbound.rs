//! Mailgun route webhooks, in every shape Mailgun posts them, into one core [`InboundEmail`].
//!
//! The shapes ([`InboundShape`]):
//! - **MIME forward**: a `forward()` to a URL ending in `mime`; the message is in `body-mime`.
//! - **Parsed forward**: the default `forward()`; `body-plain`, `body-html`, `message-headers`
//!   and `attachment-N` files. Rebuilt into MIME by [`crate::rebuild`].
//! - **Stored**: a `store(notify=...)` notification; it carries `message-url` (fetch the raw
//!   MIME from Mailgun's storage) and/or an `attachments` JSON list of URLs. The fetching is
//!   [`crate::storage`]'s; this module reads the notification and assembles the result.
//!
//! Every shape carries the envelope recipient (`recipient`) and sender (`sender`), the spam
//! verdict (`X-Mailgun-Sflag: Yes`, `X-Mailgun-Sscore`, from the form fields, else from the
//! message headers) and a **provider key** for idempotency. Mailgun redelivers a route POST
//! until it gets 200 or 406, re-signed with a fresh token, so the token cannot identify a
//! delivery. The key is therefore, in order of preference:
//! 1. `mailgun:<recipient>:<Message-ID>`: the same message to the same envelope recipient is
//!    the same delivery, whichever shape or retry brought it (a message sent to two of our
//!    addresses is two deliveries, hence the recipient);
//! 2. `mailgun:storage:<storage key>` for a stored message without a Message-ID;
//! 3. `mailgun:sha256:<digest>` of the recipient and the posted content (signing fields left
//!    out), stable across redeliveries of the same payload.
//!
//! An event webhook posted to the route URL by mistake is refused as
//! [`InboundError::NotInbound`], never turned into a ticket.

use crate::fields::{self, StoredAttachment};
use crate::form::WebhookForm;
use crate::rebuild::{self, ParsedMessage, RebuiltPart};
use crate::signature::SignatureError;
use chrono::{DateTime, TimeZone, Utc};
use gopimi_core::mail::{InboundEmail, SpamVerdict};
use sha2::{Digest, Sha256};

/// The provider name recorded on inbound mail.
pub const PROVIDER: &str = "mailgun";

/// Why a route webhook could not become an inbound email.
#[derive(Debug, thiserror::Error)]
pub enum InboundError {
    /// Signature, freshness or replay check failed.
    #[error(transparent)]
    Signature(#[from] SignatureError),
    /// The POST is not a route delivery (e.g. an event webhook sent to the route URL).
    #[error("not an inbound message: {0}")]
    NotInbound(&'static str),
    /// A required field is absent.
    #[error("field `{0}` is missing")]
    Missing(&'static str),
    /// A field could not be read.
    #[error("field `{field}` is invalid: {message}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
    /// A stored message was announced but no API key is configured to fetch it.
    #[error("a store() notification needs the Mailgun API key to fetch the message")]
    NeedsApiKey,
    /// A payload URL is not on a Mailgun host; the API key is never sent there.
    #[error("refusing to send the API key to {0}")]
    UntrustedUrl(String),
    /// A download is larger than allowed.
    #[error("{what} exceeds {limit} bytes")]
    TooLarge {
        /// What was being downloaded.
        what: String,
        /// The limit in bytes.
        limit: u64,
    },
    /// Mailgun's storage failed or refused (see the core error's kind).
    #[error("fetching from Mailgun storage failed: {0}")]
    Fetch(gopimi_core::Error),
    /// Writing the rebuilt MIME failed.
    #[error("rebuilding the message failed: {0}")]
    Build(#[from] std::io::Error),
}

impl InboundError {
    /// Whether Mailgun should retry the POST later: our side or Mailgun's storage was down.
    pub fn is_transient(&self) -> bool {
        match self {
            InboundError::Signature(e) => e.is_transient(),
            InboundError::Fetch(e) => e.is_transient(),
            _ => false,
        }
    }

    /// The HTTP status to answer Mailgun with. Mailgun stops on 200 and **406** and retries
    /// anything else for hours, so: 406 for a payload that will never work, 503 for a
    /// transient failure, and 401 for a signature failure (a misconfigured key is then
    /// recoverable by fixing it while Mailgun keeps retrying).
    pub fn response_status(&self) -> u16 {
        match self {
            e if e.is_transient() => 503,
            InboundError::Signature(_) => 401,
            InboundError::NeedsApiKey => 503,
            InboundError::Build(_) => 500,
            _ => 406,
        }
    }
}

impl From<InboundError> for gopimi_core::Error {
    fn from(e: InboundError) -> Self {
        match e {
            InboundError::Signature(s) => s.into(),
            InboundError::Fetch(inner) => inner,
            InboundError::Missing(field) => {
                gopimi_core::Error::validation(field, "missing from the Mailgun webhook")
            }
            InboundError::Invalid { field, message } => {
                gopimi_core::Error::validation(field, message)
            }
            InboundError::Build(io) => gopimi_core::Error::internal("rebuilding inbound MIME", io),
            other => gopimi_core::Error::Rejected {
                reason: other.to_string(),
            },
        }
    }
}

/// Which kind of route POST a form is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboundShape {
    /// `forward()` to a URL ending in `mime`: `body-mime`.
    Mime,
    /// `forward()` in the default, parsed format.
    Parsed,
    /// `store(notify=...)`: `message-url` and/or an `attachments` URL list.
    Stored,
}

/// Tells the shapes apart (an `attachments` JSON list instead of uploaded files is how a
/// stored-message notification is recognised, as django-anymail does).
pub fn shape(form: &WebhookForm) -> Result<InboundShape, InboundError> {
    if form.has("body-mime") {
        Ok(InboundShape::Mime)
    } else if form.has("message-url") || form.has("attachments") {
        Ok(InboundShape::Stored)
    } else if form.has("event-data") || form.has("event") {
        Err(InboundError::NotInbound(
            "an event webhook was posted to the route URL",
        ))
    } else if form.has("body-plain")
        || form.has("body-html")
        || form.has("message-headers")
        || form.has("from")
    {
        Ok(InboundShape::Parsed)
    } else {
        Err(InboundError::Missing("body-plain"))
    }
}

/// A stored-message notification, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredNotice {
    /// Where to GET the message, if given.
    pub message_url: Option<String>,
    /// Attachments kept on Mailgun storage.
    pub attachments: Vec<StoredAttachment>,
}

impl StoredNotice {
    /// Reads `message-url` and `attachments`.
    pub fn from_form(form: &WebhookForm) -> Result<Self, InboundError> {
        let attachments = match form.last("attachments").map(str::trim) {
            None | Some("") => Vec::new(),
            Some(json) => fields::stored_attachments(json).map_err(|e| InboundError::Invalid {
                field: "attachments",
                message: e.to_string(),
            })?,
        };
        Ok(StoredNotice {
            message_url: form
                .last("message-url")
                .map(str::trim)
                .filter(|u| !u.is_empty())
                .map(str::to_owned),
            attachments,
        })
    }

    /// The storage key: the last path segment of `message-url`.
    pub fn storage_key(&self) -> Option<&str> {
        let url = self.message_url.as_deref()?;
        let path = url.split(['?', '#']).next()?;
        path.rsplit('/').find(|s| !s.is_empty())
    }
}

/// Parses a forward (MIME or parsed shape), which needs no network.
pub fn parse_forward(form: &WebhookForm) -> Result<InboundEmail, InboundError> {
    match shape(form)? {
        InboundShape::Mime => from_mime_field(form),
        InboundShape::Parsed => from_parsed(form, uploaded_parts(form)),
        InboundShape::Stored => Err(InboundError::Invalid {
            field: "message-url",
            message: "a store() notification must be fetched from Mailgun storage".into(),
        }),
    }
}

/// The MIME-forward shape.
fn from_mime_field(form: &WebhookForm) -> Result<InboundEmail, InboundError> {
    let mime = form.last("body-mime").unwrap_or_default();
    if mime.trim().is_empty() {
        return Err(InboundError::Missing("body-mime"));
    }
    from_raw(form, mime.as_bytes().to_vec(), None)
}

/// Builds the inbound email from raw MIME (the MIME forward, or a stored message's
/// `body-mime`), with the envelope from the form.
pub fn from_raw(
    form: &WebhookForm,
    raw: Vec<u8>,
    storage_key: Option<&str>,
) -> Result<InboundEmail, InboundError> {
    let recipient = recipient(form)?;
    let headers = mail_parser::MessageParser::new().parse_headers(&raw);
    let header = |name: &str| {
        headers
            .as_ref()
            .and_then(|m| m.header_raw(name))
            .map(|v| v.trim().to_owned())
    };
    let spam = spam_verdict(form, header("X-Mailgun-Sflag"), header("X-Mailgun-Sscore"));
    let message_id = headers
        .as_ref()
        .and_then(|m| m.message_id())
        .map(str::to_owned);
    let provider_key = provider_key(&recipient, message_id.as_deref(), storage_key, || {
        let mut h = Sha256::new();
        h.update(recipient.to_ascii_lowercase().as_bytes());
        h.update([0]);
        h.update(&raw);
        h.finalize()
    });
    Ok(InboundEmail {
        raw,
        recipient,
        sender: form.last("sender").map(str::to_owned),
        provider: PROVIDER.to_owned(),
        provider_key: Some(provider_key),
        spam,
        received_at: received_at(form),
    })
}

/// The parsed shape (uploaded files, or a stored notification's downloaded attachments).
pub fn from_parsed(
    form: &WebhookForm,
    parts: Vec<RebuiltPart>,
) -> Result<InboundEmail, InboundError> {
    let recipient = recipient(form)?;
    let msg = parsed_message(form, parts);
    let header = |name: &str| {
        msg.headers
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_owned())
    };
    let spam = spam_verdict(form, header("X-Mailgun-Sflag"), header("X-Mailgun-Sscore"));
    let message_id = header("Message-Id")
        .map(|m| fields::strip_angle(&m).to_owned())
        .filter(|m| !m.is_empty());
    let provider_key = provider_key(&recipient, message_id.as_deref(), None, || {
        content_digest(&recipient, form, &msg)
    });
    Ok(InboundEmail {
        raw: rebuild::rebuild(&msg)?,
        recipient,
        sender: form.last("sender").map(str::to_owned),
        provider: PROVIDER.to_owned(),
        provider_key: Some(provider_key),
        spam,
        received_at: received_at(form),
    })
}

/// Mailgun's own field names in a parsed POST; every other field is a copy of a MIME header.
fn is_mailgun_field(name: &str) -> bool {
    const OWN: [&str; 17] = [
        "recipient",
        "sender",
        "from",
        "subject",
        "body-plain",
        "body-html",
        "stripped-text",
        "stripped-signature",
        "stripped-html",
        "attachment-count",
        "content-id-map",
        "message-headers",
        "timestamp",
        "token",
        "signature",
        "message-url",
        "attachments",
    ];
    OWN.contains(&name)
        || name == "domain"
        || name.starts_with("body-")
        || name.starts_with("attachment-")
}

/// The pieces of a parsed POST: headers from `message-headers` (or, when it is absent or
/// empty, from the per-header form fields), completed with `from`/`subject` when missing.
pub fn parsed_message(form: &WebhookForm, parts: Vec<RebuiltPart>) -> ParsedMessage {
    let mut headers = form
        .last("message-headers")
        .and_then(fields::message_headers)
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| {
            form.fields
                .iter()
                .filter(|(k, _)| !is_mailgun_field(k))
                .cloned()
                .collect()
        });
    let has = |headers: &[(String, String)], name: &str| {
        headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(name))
    };
    for (header, field) in [("From", "from"), ("Subject", "subject")] {
        if !has(&headers, header)
            && let Some(v) = form.last(field)
        {
            headers.push((header.to_owned(), v.to_owned()));
        }
    }
    let html: Vec<&str> = form.all("body-html").collect();
    ParsedMessage {
        headers,
        text: form.last("body-plain").map(str::to_owned),
        html: (!html.is_empty()).then(|| html.join("\n")),
        parts,
    }
}

/// The uploaded `attachment-N` files, in N order, inline when `content-id-map` names them.
pub fn uploaded_parts(form: &WebhookForm) -> Vec<RebuiltPart> {
    let cids = form
        .last("content-id-map")
        .map(fields::content_id_map)
        .unwrap_or_default();
    let mut files: Vec<_> = form
        .files
        .iter()
        .filter_map(|f| attachment_index(&f.field).map(|n| (n, f)))
        .collect();
    files.sort_by_key(|(n, _)| *n);
    files
        .into_iter()
        .map(|(_, f)| RebuiltPart {
            filename: f.filename.clone(),
            content_type: f.content_type.clone(),
            content_id: cids
                .iter()
                .find(|(_, field)| *field == f.field)
                .map(|(cid, _)| cid.clone()),
            data: f.data.clone(),
        })
        .collect()
}

/// `attachment-7` → 7.
fn attachment_index(field: &str) -> Option<u32> {
    field.strip_prefix("attachment-")?.parse().ok()
}

/// The envelope recipient, required.
fn recipient(form: &WebhookForm) -> Result<String, InboundError> {
    form.last("recipient")
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned)
        .ok_or(InboundError::Missing("recipient"))
}

/// The spam verdict: posted fields first (Mailgun posts each header as a field), then the
/// message's own headers.
fn spam_verdict(
    form: &WebhookForm,
    flag_header: Option<String>,
    score_header: Option<String>,
) -> SpamVerdict {
    let flag = form
        .last_ci("X-Mailgun-Sflag")
        .map(str::to_owned)
        .or(flag_header);
    let score = form
        .last_ci("X-Mailgun-Sscore")
        .map(str::to_owned)
        .or(score_header);
    SpamVerdict {
        flagged: flag.is_some_and(|f| f.trim().eq_ignore_ascii_case("yes")),
        score: score
            .and_then(|s| s.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite()),
    }
}

/// When Mailgun posted it (the signed timestamp).
fn received_at(form: &WebhookForm) -> Option<DateTime<Utc>> {
    let t = form.last("timestamp")?.trim();
    let secs = t.parse::<i64>().ok().or_else(|| {
        t.parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(|f| f as i64)
    })?;
    Utc.timestamp_opt(secs, 0).single()
}

fn provider_key<D: AsRef<[u8]>>(
    recipient: &str,
    message_id: Option<&str>,
    storage_key: Option<&str>,
    digest: impl FnOnce() -> D,
) -> String {
    let recipient = recipient.to_ascii_lowercase();
    match (
        message_id.map(str::trim).filter(|m| !m.is_empty()),
        storage_key,
    ) {
        (Some(id), _) => format!("{PROVIDER}:{recipient}:{}", fields::strip_angle(id)),
        (None, Some(key)) => format!("{PROVIDER}:storage:{key}"),
        (None, None) => format!("{PROVIDER}:sha256:{}", hex::encode(digest())),
    }
}

/// A digest of what was posted, leaving out the per-delivery signing fields.
fn content_digest(recipient: &str, form: &WebhookForm, msg: &ParsedMessage) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(recipient.to_ascii_lowercase().as_bytes());
    for (k, v) in &form.fields {
        if matches!(k.as_str(), "timestamp" | "token" | "signature") {
            continue;
        }
        for part in [k.as_bytes(), &[0], v.as_bytes(), &[0]] {
            h.update(part);
        }
    }
    for p in &msg.parts {
        h.update((p.data.len() as u64).to_le_bytes());
        h.update(&p.data);
    }
    h.finalize().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::FormFile;

    fn parsed_form() -> WebhookForm {
        let mut f = WebhookForm::new();
        f.push("recipient", "support@help.example.com")
            .push("sender", "bounce+x@example.org")
            .push("from", "Bob <bob@example.org>")
            .push("subject", "Printer on fire")
            .push("X-Mailgun-Sflag", "Yes")
            .push("X-Mailgun-Sscore", "7.2")
            .push("message-headers", r#"[["From", "Bob <bob@example.org>"], ["Subject", "Printer on fire"], ["Message-Id", "<p1@example.org>"]]"#)
            .push("body-plain", "It is on fire.")
            .push("timestamp", "1700000000")
            .push("token", "t1")
            .push("signature", "s1");
        f
    }

    #[test]
    fn shapes_are_told_apart() {
        let mut mime = WebhookForm::new();
        mime.push("body-mime", "From: a@b\r\n\r\nx");
        assert_eq!(shape(&mime).expect("shape"), InboundShape::Mime);
        assert_eq!(shape(&parsed_form()).expect("shape"), InboundShape::Parsed);
        let mut stored = parsed_form();
        stored.push(
            "message-url",
            "https://storage-us-east4.api.mailgun.net/v3/domains/d/messages/KEY",
        );
        assert_eq!(shape(&stored).expect("shape"), InboundShape::Stored);
        let mut event = WebhookForm::new();
        event
            .push("event", "delivered")
            .push("message-headers", "[]");
        assert!(matches!(shape(&event), Err(InboundError::NotInbound(_))));
        assert!(matches!(
            shape(&WebhookForm::new()),
            Err(InboundError::Missing(_))
        ));
    }

    #[test]
    fn spam_verdict_and_envelope_are_carried() {
        let e = parse_forward(&parsed_form()).expect("parses");
        assert!(e.spam.flagged);
        assert_eq!(e.spam.score, Some(7.2));
        assert_eq!(e.recipient, "support@help.example.com");
        assert_eq!(e.sender.as_deref(), Some("bounce+x@example.org"));
        assert_eq!(e.provider, "mailgun");
        assert_eq!(
            e.provider_key.as_deref(),
            Some("mailgun:support@help.example.com:p1@example.org")
        );
        assert_eq!(e.received_at.map(|t| t.timestamp()), Some(1_700_000_000));
    }

    #[test]
    fn spam_headers_inside_message_headers_count_too() {
        let mut f = WebhookForm::new();
        f.push("recipient", "a@b.example")
            .push(
                "message-headers",
                r#"[["X-Mailgun-Sflag", "No"], ["X-Mailgun-Sscore", "1.7"]]"#,
            )
            .push("body-plain", "x");
        let e = parse_forward(&f).expect("parses");
        assert!(!e.spam.flagged);
        assert_eq!(e.spam.score, Some(1.7));
    }

    #[test]
    fn the_key_without_message_id_is_stable_across_redeliveries() {
        let mut a = WebhookForm::new();
        a.push("recipient", "a@b.example")
            .push("body-plain", "hello")
            .push("token", "first");
        let mut b = a.clone();
        b.fields[2].1 = "second".into();
        let ka = parse_forward(&a).expect("a").provider_key;
        assert!(
            ka.as_deref()
                .is_some_and(|k| k.starts_with("mailgun:sha256:"))
        );
        assert_eq!(ka, parse_forward(&b).expect("b").provider_key);
        b.fields[1].1 = "other".into();
        assert_ne!(ka, parse_forward(&b).expect("b").provider_key);
    }

    #[test]
    fn uploaded_files_follow_attachment_order_and_the_content_id_map() {
        let mut f = parsed_form();
        f.push("content-id-map", r#"{"<img1@x>": "attachment-10"}"#);
        for (field, name) in [("attachment-10", "logo.png"), ("attachment-2", "b.txt")] {
            f.push_file(FormFile {
                field: field.into(),
                filename: Some(name.into()),
                content_type: Some("application/octet-stream".into()),
                data: name.as_bytes().to_vec(),
            });
        }
        let parts = uploaded_parts(&f);
        assert_eq!(parts[0].filename.as_deref(), Some("b.txt"));
        assert_eq!(parts[0].content_id, None);
        assert_eq!(parts[1].content_id.as_deref(), Some("img1@x"));
    }

    #[test]
    fn without_message_headers_the_header_fields_are_used() {
        let mut f = WebhookForm::new();
        f.push("recipient", "a@b.example")
            .push("from", "Bob <bob@example.org>")
            .push("Message-Id", "<x1@example.org>")
            .push("In-Reply-To", "<x0@example.org>")
            .push("subject", "Hi")
            .push("body-plain", "x")
            .push("token", "t");
        let m = parsed_message(&f, vec![]);
        let names: Vec<_> = m.headers.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["Message-Id", "In-Reply-To", "From", "Subject"]);
    }

    #[test]
    fn storage_key_is_the_last_url_segment() {
        let n = StoredNotice {
            message_url: Some("https://si.api.mailgun.net/v3/domains/d/messages/eyJwIjp=".into()),
            attachments: vec![],
        };
        assert_eq!(n.storage_key(), Some("eyJwIjp="));
    }
}
