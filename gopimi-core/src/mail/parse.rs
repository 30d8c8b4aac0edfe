//! Raw RFC 5322 bytes in, one normalized [`ParsedEmail`] out: addresses, subject, ids, date,
//! text and sanitized HTML, attachments and inline parts, and what the pipeline needs to route
//! and thread it (auto-reply markers, bounce facts, a forwarded original, the new part of a
//! reply).
//!
//! Pure: no storage, no clock, no network. Routing, threading and the commit build on it.
//!
//! Robustness: real mail is broken in every possible way. Anything mail-parser can read gives
//! a best-effort result (a damaged part is kept as text and noted in `problems`); input with no
//! readable header gives [`ParseError`]. As a last line of defence the parse runs under
//! `catch_unwind`, so a panic deep in a dependency becomes [`ParseError::ParserFailure`]
//! instead of taking a worker down.
//!
//! Decisions that are not obvious:
//! - A missing Message-ID gets a stable derived id (see [`super::message_id`]), so redelivery
//!   is recognized.
//! - Extra ids in `In-Reply-To` (rare: several parents) are appended to `references`, so no
//!   threading hint is lost while `in_reply_to` stays a single id.
//! - An inline part is one with a Content-ID that the HTML body references as `cid:`. An image
//!   with a Content-ID that nothing references is listed as a normal attachment: hiding it
//!   would make it invisible.
//! - Text attachments are stored UTF-8 encoded (mail-parser decodes their charset).

use super::address::mailboxes;
use super::auto_reply::{self, AutoSubmission, header_texts};
use super::bounce::{self, Bounce, BounceContext, FeedbackReport};
use super::forward::{self, ForwardSource, ForwardedMessage};
use super::html_sanitize::sanitize_html;
use super::html_text::html_to_text;
use super::limits::{Budget, DropReason, DroppedPart, ParseLimits, truncate_utf8};
use super::message_id::{derived_message_id, normalize_message_id, parse_id_list};
use super::ports::InboundEmail;
use super::quote;
use super::repair::repair_multipart;
use super::subject::{self, is_forward_subject};
use crate::error::Error;
use crate::model::Mailbox;
use chrono::{DateTime, Utc};
use mail_parser::{HeaderName, Message, MessageParser, MessagePart, MimeHeaders, PartType};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::LazyLock;

/// Longest subject kept, in characters (RFC 5322's line limit).
pub const MAX_SUBJECT_CHARS: usize = 998;

/// Most References kept from an inbound message (the first and the latest ones).
pub const MAX_INBOUND_REFERENCES: usize = 100;

/// What the parser needs besides the bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParseOptions {
    pub limits: ParseLimits,
    /// The SMTP envelope sender, when the provider gave it; `Some("")` is a null sender.
    pub envelope_sender: Option<String>,
    /// Our own addresses (or `@domain`s): an `X-Loop` naming one marks our mail coming back.
    pub loop_addresses: Vec<String>,
}

/// Why bytes could not be read as an email at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("the message is empty")]
    Empty,
    #[error("no email header could be read")]
    NoHeaders,
    #[error("the MIME parser failed on this input")]
    ParserFailure,
}

impl From<ParseError> for Error {
    fn from(e: ParseError) -> Self {
        Error::validation("raw", e.to_string())
    }
}

/// An attachment or inline part, with its bytes.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParsedAttachment {
    /// A safe file name (no path, no control characters), never empty.
    pub filename: String,
    /// `type/subtype`, lower-case, without parameters.
    pub content_type: String,
    /// Content-ID without angle brackets.
    pub content_id: Option<String>,
    /// Referenced from the HTML body as `cid:`; hidden from the attachment list.
    pub inline: bool,
    pub size: u64,
    /// Hex SHA-256 of `data`.
    pub sha256: String,
    pub data: Vec<u8>,
}

impl std::fmt::Debug for ParsedAttachment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParsedAttachment")
            .field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .field("content_id", &self.content_id)
            .field("inline", &self.inline)
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

/// A parsed inbound email.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParsedEmail {
    /// Message-ID without angle brackets; derived when the mail had none.
    pub message_id: String,
    /// Whether `message_id` was derived.
    pub message_id_derived: bool,
    pub from: Option<Mailbox>,
    pub sender: Option<Mailbox>,
    pub reply_to: Vec<Mailbox>,
    pub to: Vec<Mailbox>,
    pub cc: Vec<Mailbox>,
    /// Decoded subject, line breaks removed.
    pub subject: String,
    /// The subject as threading compares it ([`subject::normalize_subject`]).
    pub normalized_subject: String,
    /// A `[#123]` ticket token in the subject.
    pub ticket_token: Option<i64>,
    /// The first id of In-Reply-To.
    pub in_reply_to: Option<String>,
    /// References, oldest first (plus extra In-Reply-To ids).
    pub references: Vec<String>,
    pub date: Option<DateTime<Utc>>,
    /// Plain text body (derived from the HTML when the mail has no text part).
    pub text: String,
    /// Whether `text` was derived from HTML.
    pub text_from_html: bool,
    /// Sanitized HTML body.
    pub html: Option<String>,
    /// The new part of a reply, when quoted history was found.
    pub new_text: Option<String>,
    /// Attachments and inline parts, in message order.
    pub attachments: Vec<ParsedAttachment>,
    /// Parts dropped by the limits.
    pub dropped: Vec<DroppedPart>,
    /// Auto-reply, bulk and loop markers.
    pub auto: AutoSubmission,
    /// Bounce facts, when this is a delivery status notification.
    pub bounce: Option<Bounce>,
    /// Abuse-report facts, when this is an ARF report.
    pub feedback_report: Option<FeedbackReport>,
    /// The original of a message someone forwarded.
    pub forwarded: Option<ForwardedMessage>,
    /// The `List-Id`, for list mail.
    pub list_id: Option<String>,
    /// Damage found and worked around, for the record.
    pub problems: Vec<String>,
}

impl ParsedEmail {
    /// A machine sent it: auto-reply, bounce, bulk, abuse report, our own mail looping.
    pub fn is_automatic(&self) -> bool {
        self.auto.is_automatic() || self.bounce.is_some() || self.feedback_report.is_some()
    }

    /// It must not be answered automatically.
    pub fn suppress_auto_response(&self) -> bool {
        self.is_automatic() || self.auto.suppress_auto_response()
    }

    /// Attachments shown in the message's attachment list (inline parts excluded).
    pub fn listed_attachments(&self) -> impl Iterator<Item = &ParsedAttachment> {
        self.attachments.iter().filter(|a| !a.inline)
    }

    /// Inline parts referenced from the HTML body.
    pub fn inline_parts(&self) -> impl Iterator<Item = &ParsedAttachment> {
        self.attachments.iter().filter(|a| a.inline)
    }

    /// Ids this message replies to, most specific first: In-Reply-To, then References from the
    /// newest to the oldest.
    pub fn thread_candidates(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for id in self.in_reply_to.iter().chain(self.references.iter().rev()) {
            if !out.contains(&id.as_str()) {
                out.push(id);
            }
        }
        out
    }

    /// The To and Cc recipients.
    pub fn recipients(&self) -> impl Iterator<Item = &Mailbox> {
        self.to.iter().chain(self.cc.iter())
    }
}

/// Parses an inbound delivery, taking the envelope sender from it.
pub fn parse_inbound(
    inbound: &InboundEmail,
    options: &ParseOptions,
) -> Result<ParsedEmail, ParseError> {
    let mut options = options.clone();
    if options.envelope_sender.is_none() {
        options.envelope_sender = inbound.sender.clone();
    }
    parse_email(&inbound.raw, &options)
}

/// The mail-parser configuration of the pipeline: mail-parser's own header handling for every
/// header it reads, except that trace headers (`Received`) stay raw. Parsing each hop's
/// `Received` line is mail-parser's most expensive work and nothing here reads it.
pub fn message_parser() -> &'static MessageParser {
    static PARSER: LazyLock<MessageParser> = LazyLock::new(|| {
        MessageParser::new()
            .with_mime_headers()
            .with_date_headers()
            .with_address_headers()
            .with_message_ids()
            .header_id(HeaderName::ReturnPath)
            .header_text(HeaderName::Subject)
            .header_text(HeaderName::Comments)
            .header_address(HeaderName::ListId)
            .header_comma_separated(HeaderName::Keywords)
            .header_comma_separated(HeaderName::ContentLanguage)
            .header_raw(HeaderName::Received)
    });
    &PARSER
}

/// Parses raw message bytes.
pub fn parse_email(raw: &[u8], options: &ParseOptions) -> Result<ParsedEmail, ParseError> {
    if raw.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ParseError::Empty);
    }
    catch_unwind(AssertUnwindSafe(|| parse_unguarded(raw, options)))
        .unwrap_or(Err(ParseError::ParserFailure))
}

fn parse_unguarded(raw: &[u8], options: &ParseOptions) -> Result<ParsedEmail, ParseError> {
    let limits = options.limits;
    let parser = message_parser();
    let header_only = raw.len() as u64 > limits.max_raw_bytes;
    let message = if header_only {
        parser.parse_headers(raw)
    } else {
        parser.parse(raw)
    }
    .ok_or(ParseError::NoHeaders)?;
    let Some(root) = message.parts.first() else {
        return Err(ParseError::NoHeaders);
    };
    if root.headers.is_empty() {
        return Err(ParseError::NoHeaders);
    }

    let mut problems = Vec::new();
    let mut dropped = Vec::new();
    if header_only {
        dropped.push(DroppedPart {
            filename: None,
            content_type: content_type_of(root, "message/rfc822"),
            size: raw.len() as u64,
            reason: DropReason::RawTooLarge {
                limit: limits.max_raw_bytes,
            },
        });
    }
    if message.parts.iter().any(|p| p.is_encoding_problem) {
        problems.push("a MIME part could not be decoded and was kept as text".to_string());
    }

    // Addresses.
    let from = mailboxes(message.from()).into_iter().next();
    let sender = mailboxes(message.sender()).into_iter().next();
    let reply_to = mailboxes(message.reply_to());
    let to = mailboxes(message.to());
    let cc = mailboxes(message.cc());

    // Subject.
    let subject = clean_subject(message.subject().unwrap_or_default());

    // Ids.
    let own_id = message
        .message_id()
        .and_then(normalize_message_id)
        .or_else(|| {
            message.header_raw("Message-ID").and_then(|v| {
                parse_id_list(v)
                    .into_iter()
                    .next()
                    .or_else(|| normalize_message_id(v))
            })
        });
    let (message_id, message_id_derived) = match own_id {
        Some(id) => (id, false),
        None => {
            let key: Vec<(&str, &str)> = ["From", "To", "Cc", "Subject", "Date"]
                .iter()
                .map(|h| (*h, message.header_raw(*h).unwrap_or_default()))
                .collect();
            let body = raw.get(root.offset_body as usize..).unwrap_or_default();
            (derived_message_id(&key, body), true)
        }
    };
    let mut in_reply_ids = message
        .header_raw("In-Reply-To")
        .map(parse_id_list)
        .unwrap_or_default();
    in_reply_ids.retain(|id| *id != message_id);
    let mut references: Vec<String> = header_texts(&message, "references")
        .iter()
        .flat_map(|v| parse_id_list(v))
        .filter(|id| *id != message_id)
        .collect();
    let mut seen = std::collections::HashSet::new();
    references.retain(|id| seen.insert(id.clone()));
    let in_reply_to = in_reply_ids.first().cloned();
    for extra in in_reply_ids.iter().skip(1) {
        if !references.contains(extra) {
            references.push(extra.clone());
        }
    }
    if references.len() > MAX_INBOUND_REFERENCES {
        let tail = references.split_off(references.len() - (MAX_INBOUND_REFERENCES - 1));
        references.truncate(1);
        references.extend(tail);
    }

    let date = message
        .date()
        .filter(|d| d.is_valid())
        .and_then(|d| DateTime::<Utc>::from_timestamp(d.to_timestamp(), 0));

    // Bodies.
    let mut budget = Budget::new(limits);
    let mut text_parts: Vec<String> = Vec::new();
    let mut text_from_html = false;
    for id in &message.text_body {
        match message.parts.get(*id as usize).map(|p| &p.body) {
            Some(PartType::Text(t)) => text_parts.push(t.to_string()),
            Some(PartType::Html(h)) => {
                text_parts.push(html_to_text(bounded(
                    h,
                    limits.max_body_bytes.saturating_mul(4),
                )));
                text_from_html = true;
            }
            _ => {}
        }
    }
    let mut raw_html = String::new();
    for id in &message.html_body {
        if let Some(PartType::Html(h)) = message.parts.get(*id as usize).map(|p| &p.body) {
            if !raw_html.is_empty() {
                raw_html.push('\n');
            }
            raw_html.push_str(h);
        }
    }
    // A multipart part that lost its boundary hides the body: recover it.
    let mut repaired_part = None;
    if text_parts.iter().all(|t| t.trim().is_empty())
        && raw_html.trim().is_empty()
        && let Some(repaired) = repair_multipart(&message)
    {
        problems.push("a multipart part had no usable boundary; its body was recovered".into());
        repaired_part = Some(repaired.part_index);
        if let Some(t) = repaired.text {
            text_parts = vec![t];
        }
        if let Some(h) = repaired.html {
            raw_html = h;
        }
    }
    let mut text = normalize_newlines(&text_parts.join("\n"));
    if text.trim().is_empty() && !raw_html.is_empty() {
        text = normalize_newlines(&html_to_text(bounded(
            &raw_html,
            limits.max_body_bytes.saturating_mul(4),
        )));
        text_from_html = true;
    }
    let text_len = text.len() as u64;
    if truncate_utf8(&mut text, limits.max_body_bytes) {
        dropped.push(DroppedPart {
            filename: None,
            content_type: "text/plain".into(),
            size: text_len,
            reason: DropReason::BodyTruncated {
                limit: limits.max_body_bytes,
            },
        });
    }
    let html = if raw_html.trim().is_empty() {
        None
    } else {
        let raw_len = raw_html.len() as u64;
        let mut clean = sanitize_html(bounded(&raw_html, limits.max_body_bytes.saturating_mul(4)));
        if clean.len() as u64 > limits.max_body_bytes
            || raw_len > limits.max_body_bytes.saturating_mul(4)
        {
            truncate_utf8(&mut clean, limits.max_body_bytes);
            // Re-sanitize so a cut inside a tag cannot leave broken markup behind.
            clean = sanitize_html(&clean);
            dropped.push(DroppedPart {
                filename: None,
                content_type: "text/html".into(),
                size: raw_len,
                reason: DropReason::BodyTruncated {
                    limit: limits.max_body_bytes,
                },
            });
        }
        Some(clean)
    };
    budget.charge(text.len() as u64 + html.as_ref().map_or(0, |h| h.len() as u64));

    // Attachments.
    let html_lower = raw_html.to_ascii_lowercase();
    let mut attachments = Vec::new();
    for (n, id) in message.attachments.iter().enumerate() {
        if repaired_part == Some(*id as usize) {
            continue;
        }
        let Some(part) = message.parts.get(*id as usize) else {
            continue;
        };
        let Some(data) = part_bytes(&message, part) else {
            continue;
        };
        let content_type = content_type_of(part, default_type(part));
        let filename = attachment_filename(part, &content_type, n + 1);
        let content_id = part.content_id().and_then(normalize_message_id);
        let inline = content_id
            .as_ref()
            .is_some_and(|cid| html_lower.contains(&format!("cid:{}", cid.to_ascii_lowercase())));
        let size = data.len() as u64;
        if let Err(reason) = budget.admit_attachment(size) {
            dropped.push(DroppedPart {
                filename: Some(filename),
                content_type,
                size,
                reason,
            });
            continue;
        }
        attachments.push(ParsedAttachment {
            sha256: hex::encode(Sha256::digest(data)),
            data: data.to_vec(),
            filename,
            content_type,
            content_id,
            inline,
            size,
        });
    }

    // Machine-sent mail.
    let auto = auto_reply::detect(
        &message,
        &subject,
        options.envelope_sender.as_deref(),
        &options.loop_addresses,
    );
    let bounce = bounce::detect_bounce(
        &message,
        &text,
        &BounceContext {
            from: from.as_ref(),
            from_raw: message.header_raw("From"),
            subject: &subject,
            own_message_id: Some(&message_id),
            auto: &auto,
        },
    );
    let feedback_report = if bounce.is_none() {
        bounce::detect_feedback_report(&message, Some(&message_id))
    } else {
        None
    };

    // A forwarded original.
    let forwarded = if bounce.is_none() && feedback_report.is_none() {
        forward::detect_forward(&text, &subject)
            .or_else(|| attached_original(&message, &subject, &text))
    } else {
        None
    };

    let new_text = quote::new_text(&text);
    let list_id = header_texts(&message, "list-id")
        .into_iter()
        .next()
        .map(|v| v.split_whitespace().collect::<Vec<_>>().join(" "));

    Ok(ParsedEmail {
        normalized_subject: subject::normalize_subject(&subject),
        ticket_token: subject::ticket_token(&subject),
        message_id,
        message_id_derived,
        from,
        sender,
        reply_to,
        to,
        cc,
        subject,
        in_reply_to,
        references,
        date,
        text,
        text_from_html,
        html,
        new_text,
        attachments,
        dropped,
        auto,
        bounce,
        feedback_report,
        forwarded,
        list_id,
        problems,
    })
}

/// At most `max` bytes of `s`, cut on a character boundary.
fn bounded(s: &str, max: u64) -> &str {
    let max = usize::try_from(max).unwrap_or(usize::MAX);
    if s.len() <= max {
        return s;
    }
    let mut cut = max;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    &s[..cut]
}

fn normalize_newlines(s: &str) -> String {
    s.replace("\r\n", "\n")
        .replace('\r', "\n")
        .replace('\0', "")
}

fn clean_subject(raw: &str) -> String {
    let one_line: String = raw
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let collapsed = one_line.split_whitespace().collect::<Vec<_>>().join(" ");
    collapsed.chars().take(MAX_SUBJECT_CHARS).collect()
}

fn default_type(part: &MessagePart<'_>) -> &'static str {
    match part.body {
        PartType::Text(_) => "text/plain",
        PartType::Html(_) => "text/html",
        PartType::Message(_) => "message/rfc822",
        _ => "application/octet-stream",
    }
}

fn content_type_of(part: &MessagePart<'_>, default: &str) -> String {
    part.content_type()
        .map(|ct| match ct.subtype() {
            Some(sub) => format!("{}/{}", ct.ctype(), sub),
            None => ct.ctype().to_string(),
        })
        .map(|s| s.to_ascii_lowercase())
        .filter(|s| s.len() <= 127 && s.contains('/') && s.chars().all(|c| c.is_ascii_graphic()))
        .unwrap_or_else(|| default.to_string())
}

/// The bytes of an attachment part; `None` for containers.
fn part_bytes<'a>(container: &'a Message<'a>, part: &'a MessagePart<'a>) -> Option<&'a [u8]> {
    match &part.body {
        PartType::Text(t) | PartType::Html(t) => Some(t.as_bytes()),
        PartType::Binary(b) | PartType::InlineBinary(b) => Some(b.as_ref()),
        PartType::Message(inner) => {
            // A nested message parsed in place shares its container's raw bytes (its own
            // `raw_message` is the whole outer message): slice it out. An encoded one (base64)
            // owns its decoded bytes.
            if part.encoding == mail_parser::Encoding::None {
                container
                    .raw_message
                    .get(part.offset_body as usize..part.offset_end as usize)
                    .or(Some(inner.raw_message()))
            } else {
                Some(inner.raw_message())
            }
        }
        PartType::Multipart(_) => None,
    }
}

fn extension_for(content_type: &str) -> &'static str {
    match content_type {
        "image/png" => "png",
        "image/jpeg" | "image/jpg" => "jpg",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "application/pdf" => "pdf",
        "text/plain" => "txt",
        "text/html" => "html",
        "text/calendar" => "ics",
        "message/rfc822" => "eml",
        "message/delivery-status" => "txt",
        "text/rfc822-headers" => "txt",
        "application/zip" => "zip",
        _ => "bin",
    }
}

/// A safe file name: the part's own name without path or control characters, else a name made
/// from the content type.
fn attachment_filename(part: &MessagePart<'_>, content_type: &str, n: usize) -> String {
    let given = part.attachment_name().unwrap_or_default();
    let base = given
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>();
    let base = base.trim().trim_matches('.').trim();
    if !base.is_empty() {
        return base.chars().take(200).collect();
    }
    if let PartType::Message(inner) = &part.body
        && !inner.parts.is_empty()
        && let Some(s) = inner.subject()
    {
        let s: String = s
            .chars()
            .filter(|c| {
                !c.is_control()
                    && !matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|')
            })
            .take(100)
            .collect();
        let s = s.trim();
        if !s.is_empty() {
            return format!("{s}.eml");
        }
    }
    format!("attachment-{n}.{}", extension_for(content_type))
}

/// The original of a forward sent as an attachment: the first attached message, when the
/// subject says forward or the forwarder wrote (almost) nothing.
fn attached_original(message: &Message<'_>, subject: &str, text: &str) -> Option<ForwardedMessage> {
    let inner = message.attachments.iter().find_map(|id| {
        match message.parts.get(*id as usize).map(|p| &p.body) {
            Some(PartType::Message(inner)) if !inner.parts.is_empty() => Some(inner),
            _ => None,
        }
    })?;
    if !is_forward_subject(subject) && text.trim().chars().count() > 300 {
        return None;
    }
    let sender = mailboxes(inner.from()).into_iter().next();
    let body = inner
        .body_text(0)
        .map(|t| normalize_newlines(&t))
        .filter(|t| !t.trim().is_empty());
    Some(ForwardedMessage {
        from_name: sender.as_ref().and_then(|m| m.name.clone()),
        from_address: sender.map(|m| m.email),
        subject: inner.subject().map(clean_subject),
        date: inner.date().map(|d| d.to_rfc822()),
        body: body.map(|b| b.trim().to_string()),
        note: Some(text.trim().to_string()).filter(|t| !t.is_empty()),
        source: ForwardSource::AttachedMessage,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> ParsedEmail {
        parse_email(raw.as_bytes(), &ParseOptions::default()).expect("parses")
    }

    #[test]
    fn empty_and_headerless_input_are_typed_errors() {
        assert_eq!(
            parse_email(b"", &ParseOptions::default()),
            Err(ParseError::Empty)
        );
        assert_eq!(
            parse_email(b" \r\n", &ParseOptions::default()),
            Err(ParseError::Empty)
        );
    }

    #[test]
    fn reads_the_basics() {
        let p = parse(
            "From: \"Ann Example\" <Ann@Example.com>\r\nTo: help@desk.example, Bob <bob@x.example>\r\nCc: carl@x.example\r\nSubject: =?UTF-8?Q?Caf=C3=A9?= broken [#12]\r\nMessage-ID: <m1@example.com>\r\nIn-Reply-To: <p1@desk.example>\r\nReferences: <p0@desk.example> <p1@desk.example>\r\nDate: Tue, 1 Mar 2022 10:00:00 +0100\r\n\r\nHello\r\n",
        );
        assert_eq!(p.message_id, "m1@example.com");
        assert!(!p.message_id_derived);
        assert_eq!(
            p.from,
            Some(Mailbox::named("Ann Example", "Ann@Example.com"))
        );
        assert_eq!(p.to.len(), 2);
        assert_eq!(p.cc, vec![Mailbox::new("carl@x.example")]);
        assert_eq!(p.subject, "Café broken [#12]");
        assert_eq!(p.normalized_subject, "café broken");
        assert_eq!(p.ticket_token, Some(12));
        assert_eq!(p.in_reply_to.as_deref(), Some("p1@desk.example"));
        assert_eq!(p.references, vec!["p0@desk.example", "p1@desk.example"]);
        assert_eq!(
            p.thread_candidates(),
            vec!["p1@desk.example", "p0@desk.example"]
        );
        assert_eq!(
            p.date.map(|d| d.to_rfc3339()).as_deref(),
            Some("2022-03-01T09:00:00+00:00")
        );
        assert_eq!(p.text.trim(), "Hello");
        assert!(p.html.is_none());
    }

    #[test]
    fn limits_drop_parts_and_note_them() {
        let big = "A".repeat(3000);
        let raw = format!(
            "From: a@b.example\r\nSubject: files\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee files\r\n--b\r\nContent-Type: application/octet-stream; name=\"small.bin\"\r\n\r\nsmall\r\n--b\r\nContent-Type: application/octet-stream; name=\"big.bin\"\r\n\r\n{big}\r\n--b\r\nContent-Type: application/octet-stream; name=\"second.bin\"\r\n\r\n{}\r\n--b--\r\n",
            "B".repeat(990)
        );
        let options = ParseOptions {
            limits: ParseLimits {
                max_attachment_bytes: 2000,
                max_message_bytes: 1000,
                max_body_bytes: 1000,
                max_raw_bytes: 1_000_000,
            },
            ..ParseOptions::default()
        };
        let p = parse_email(raw.as_bytes(), &options).expect("parses");
        let kept: Vec<&str> = p.attachments.iter().map(|a| a.filename.as_str()).collect();
        assert_eq!(kept, vec!["small.bin"]);
        assert_eq!(p.dropped.len(), 2);
        assert_eq!(p.dropped[0].filename.as_deref(), Some("big.bin"));
        assert_eq!(
            p.dropped[0].reason,
            DropReason::AttachmentTooLarge { limit: 2000 }
        );
        assert_eq!(p.dropped[1].filename.as_deref(), Some("second.bin"));
        assert_eq!(
            p.dropped[1].reason,
            DropReason::MessageTooLarge { limit: 1000 }
        );
    }

    #[test]
    fn oversized_raw_is_read_for_its_header_only() {
        let raw = format!(
            "From: a@b.example\r\nSubject: huge\r\n\r\n{}",
            "x".repeat(5000)
        );
        let options = ParseOptions {
            limits: ParseLimits {
                max_raw_bytes: 1000,
                ..ParseLimits::default()
            },
            ..ParseOptions::default()
        };
        let p = parse_email(raw.as_bytes(), &options).expect("parses");
        assert_eq!(p.subject, "huge");
        assert!(p.text.is_empty());
        assert!(matches!(
            p.dropped[0].reason,
            DropReason::RawTooLarge { limit: 1000 }
        ));
    }

    #[test]
    fn envelope_null_sender_marks_automatic() {
        let raw = "From: a@b.example\r\nSubject: hi\r\n\r\nbody";
        let inbound = InboundEmail {
            raw: raw.as_bytes().to_vec(),
            recipient: "help@desk.example".into(),
            sender: Some(String::new()),
            provider: "raw".into(),
            provider_key: None,
            spam: Default::default(),
            received_at: None,
        };
        let p = parse_inbound(&inbound, &ParseOptions::default()).expect("parses");
        assert!(p.is_automatic());
        let p = parse(raw);
        assert!(!p.is_automatic());
    }
}
