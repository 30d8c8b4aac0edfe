//! Bounces (delivery status notifications) and abuse reports.
//!
//! Two ways to recognize a bounce:
//! 1. **A delivery status report** (RFC 3464): a `message/delivery-status` part, usually inside
//!    `multipart/report; report-type=delivery-status`. Its per-recipient fields give the failed
//!    recipient, action, status and diagnostic.
//! 2. **A non-standard bounce**, as qmail, Exim, older Sendmail and many vendors send them. It
//!    needs two pieces of evidence: that a machine sent it (a `MAILER-DAEMON`/`postmaster`
//!    sender or "Mail Delivery ..." display name, a null return path, or `Auto-Submitted`),
//!    and that it reports a delivery failure (a bounce subject such as "Undelivered Mail
//!    Returned to Sender" or bounce wording in the text). `X-Failed-Recipients` (Exim) alone
//!    is enough. A person forwarding a bounce ("Fwd: Undeliverable: ...") is not a bounce.
//!
//! The message that bounced is found in the returned `message/rfc822` or
//! `text/rfc822-headers` part, or else in `Message-ID:` lines of the returned copy in the
//! text. Every id found there is kept: the pipeline matches them against its own outbound ids.
//!
//! An abuse report (ARF, RFC 5965: `message/feedback-report`) is recognized separately: it is
//! machine-sent but not a bounce.

use super::address::{self, find_ascii_ci};
use super::auto_reply::{AutoMarker, AutoSubmission, header_texts};
use super::message_id::{normalize_message_id, parse_id_list};
use super::subject::leading_prefix;
use crate::model::Mailbox;
use mail_parser::{Message, MimeHeaders, PartType};
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

/// What a bounce reports about delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryOutcome {
    /// Delivery failed for good.
    Failed,
    /// Delivery is delayed; the sender's server keeps trying.
    Delayed,
    /// A success notification (delivered, relayed, expanded).
    Delivered,
}

/// How the bounce was recognized.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BounceEvidence {
    /// An RFC 3464 delivery status part.
    DeliveryStatusReport,
    /// Sender and wording of a non-standard bounce.
    Heuristic,
}

/// One recipient a bounce reports on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BounceRecipient {
    /// The recipient address.
    pub address: String,
    /// The DSN action (`failed`, `delayed`, `delivered`, ...), if reported.
    pub action: Option<String>,
    /// The enhanced status code, e.g. `5.1.1`, if reported or found in the text.
    pub status: Option<String>,
    /// The remote server's words, e.g. `550 5.1.1 User unknown`.
    pub diagnostic: Option<String>,
}

/// A bounce.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bounce {
    pub outcome: DeliveryOutcome,
    pub evidence: BounceEvidence,
    /// Recipients reported on; the first is the main one.
    pub recipients: Vec<BounceRecipient>,
    /// Message-ID of the message that bounced, when found.
    pub original_message_id: Option<String>,
    /// Every Message-ID, In-Reply-To and References id found in the returned message.
    pub referenced_message_ids: Vec<String>,
    /// The reporting server, if named.
    pub reporting_mta: Option<String>,
}

impl Bounce {
    /// Whether this reports a failure (permanent or delayed), not a success notice.
    pub fn is_failure(&self) -> bool {
        self.outcome != DeliveryOutcome::Delivered
    }

    /// The first reported status code.
    pub fn status(&self) -> Option<&str> {
        self.recipients.iter().find_map(|r| r.status.as_deref())
    }
}

/// An abuse or feedback report (ARF).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedbackReport {
    /// `abuse`, `fraud`, `not-spam`, ...
    pub feedback_type: Option<String>,
    /// Message-ID of the reported message, when returned.
    pub original_message_id: Option<String>,
    /// Original recipient, when given.
    pub original_recipient: Option<String>,
}

/// What bounce detection needs besides the message.
pub(crate) struct BounceContext<'a> {
    pub from: Option<&'a Mailbox>,
    /// The raw From header, for senders without a usable address ("MAILER-DAEMON <>").
    pub from_raw: Option<&'a str>,
    pub subject: &'a str,
    pub own_message_id: Option<&'a str>,
    pub auto: &'a AutoSubmission,
}

const DAEMON_LOCAL_PARTS: &[&str] = &[
    "mailer-daemon",
    "mailer_daemon",
    "mailerdaemon",
    "post_master",
    "maildaemon",
    "mail-daemon",
    "mdaemon",
    "postmaster",
    "postoffice",
    "mailadmin",
    "double-bounce",
];

const DAEMON_NAMES: &[&str] = &[
    "mail delivery",
    "mailer-daemon",
    "mailer daemon",
    "postmaster",
    "delivery status notification",
    "mail administrator",
    "mail system",
    "mail transport",
    "microsoft outlook",
    "system administrator",
];

const BOUNCE_SUBJECTS: &[&str] = &[
    "undelivered mail",
    "undeliverable",
    "undelivered",
    "delivery status notification",
    "delivery failure",
    "delivery failed",
    "delivery has failed",
    "delivery notification",
    "delivery report",
    "delivery status",
    "delivery problem",
    "mail delivery failed",
    "mail delivery failure",
    "mail delivery system",
    "mail could not be delivered",
    "message could not be delivered",
    "message delivery has failed",
    "returned mail",
    "returned to sender",
    "failure notice",
    "failed delivery",
    "mail system error",
    "mail failure",
    "notice: mail delivery status",
    "could not send message",
    "delayed mail",
    "delivery delayed",
    "warning: message",
    "warning: could not send",
    "there was an error sending your mail",
    "your message could not be delivered",
    "sorry, your message could not be delivered",
    "non remis",
    "non recapitabile",
    "unzustellbar",
    "nicht zustellbar",
    "onbestelbaar",
    "no se puede entregar",
    "não entregue",
    "mail delivery",
    "postmaster notify",
    "nondeliverable",
    "non-delivery",
    "message not delivered",
    "message blocked",
    "undeliverable mail",
    "returned message",
    "rejected:",
    "メールエラー",
    "недоставленное сообщение",
    "не доставлено",
    "mail failure.",
    "mail failed",
    "could not send mail",
    "delivery warning",
];

const BOUNCE_WORDING: &[&str] = &[
    "could not be delivered",
    "couldn't be delivered",
    "was not delivered",
    "wasn't delivered",
    "could not deliver",
    "unable to deliver",
    "wasn't able to deliver",
    "was undeliverable",
    "undeliverable",
    "delivery has failed",
    "delivery failed",
    "delivery to the following recipient",
    "failed permanently",
    "permanent error",
    "permanent failure",
    "fatal error",
    "following address(es) failed",
    "following addresses had permanent fatal errors",
    "following recipient(s) could not be reached",
    "message you sent could not",
    "user unknown",
    "unknown user",
    "no such user",
    "mailbox unavailable",
    "mailbox is full",
    "mailbox full",
    "quota exceeded",
    "recipient address rejected",
    "address rejected",
    "does not exist",
    "this is the qmail-send program",
    "this is the mail system at host",
    "mail delivery software",
    "delivery status notification",
    "returned mail",
    "transcript of session follows",
    "has been delayed",
    "is delayed",
    "will be retried",
    "still trying",
    "could not be sent",
    "error delivering",
    "did not reach the following recipient",
    "no valid recipients",
    "failed addresses",
    "unknown recipient",
    "recipient name is not recognized",
    "was rejected",
    "message rejected",
    "has been blocked",
    "blocked by",
    "smtp error",
    "remote host said",
    "550 ",
    "554 ",
    "553 ",
    "552 ",
    "551 ",
    "non remis",
    "nicht zugestellt",
    "konnte nicht zugestellt",
    "no ha podido ser entregado",
    "não pôde ser entregue",
    "не может быть доставлено",
    "не доставлено",
];

static STATUS_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^\d.])([245]\.\d{1,3}\.\d{1,3})(?:[^\d.]|\.(?:\D|$)|$)")
        .expect("valid regex")
});

static MESSAGE_ID_LINE_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?im)^[ \t>]*(message-id|in-reply-to|references)[ \t]*:[ \t]*(.*(?:\r?\n[ \t]+.*)*)",
    )
    .expect("valid regex")
});

/// First enhanced status code in `text`.
pub(crate) fn find_status(text: &str) -> Option<String> {
    STATUS_RE
        .captures(text)
        .and_then(|c| c.get(1))
        .map(|m| m.as_str().to_string())
}

/// Field name → value pairs of a header-like block, continuation lines unfolded. Blocks are
/// separated by blank lines.
fn field_blocks(text: &str) -> Vec<Vec<(String, String)>> {
    let mut blocks: Vec<Vec<(String, String)>> = Vec::new();
    let mut current: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !current.is_empty() {
                blocks.push(std::mem::take(&mut current));
            }
            continue;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = current.last_mut() {
                v.push(' ');
                v.push_str(line.trim());
            }
            continue;
        }
        if let Some((name, value)) = line.split_once(':') {
            current.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    if !current.is_empty() {
        blocks.push(current);
    }
    blocks
}

fn field<'a>(block: &'a [(String, String)], name: &str) -> Option<&'a str> {
    block
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// "rfc822; user@example.com" → "user@example.com".
fn typed_address(value: &str) -> String {
    let v = value.split_once(';').map_or(value, |(_, a)| a);
    address::clean_address(v)
}

/// Per-recipient results of a `message/delivery-status` body.
fn parse_delivery_status(text: &str) -> (Vec<BounceRecipient>, Option<String>) {
    let mut recipients = Vec::new();
    let mut reporting_mta = None;
    for block in field_blocks(text) {
        if reporting_mta.is_none()
            && let Some(mta) = field(&block, "reporting-mta")
        {
            reporting_mta = Some(typed_address(mta));
        }
        let rcpt = field(&block, "final-recipient").or_else(|| field(&block, "original-recipient"));
        let action = field(&block, "action").map(|a| a.to_ascii_lowercase());
        if rcpt.is_none() && action.is_none() {
            continue;
        }
        let diagnostic = field(&block, "diagnostic-code")
            .map(|d| d.split_once(';').map_or(d, |(_, r)| r).trim().to_string());
        let mut status = field(&block, "status").and_then(find_status);
        // A generic status ("5.0.0") says less than the remote server's own code in the
        // diagnostic ("550 5.7.1 ..."): prefer the specific one of the same class.
        if let (Some(s), Some(d)) = (&status, diagnostic.as_deref().and_then(find_status))
            && s.ends_with(".0.0")
            && !d.ends_with(".0.0")
            && s.chars().next() == d.chars().next()
        {
            status = Some(d);
        }
        recipients.push(BounceRecipient {
            address: rcpt.map(typed_address).unwrap_or_default(),
            action: action.map(|a| a.split_whitespace().next().unwrap_or_default().to_string()),
            status,
            diagnostic,
        });
    }
    (recipients, reporting_mta)
}

fn outcome_of(recipients: &[BounceRecipient]) -> DeliveryOutcome {
    let actions: Vec<&str> = recipients
        .iter()
        .filter_map(|r| r.action.as_deref())
        .collect();
    if actions.contains(&"failed") {
        return DeliveryOutcome::Failed;
    }
    if actions.contains(&"delayed") {
        return DeliveryOutcome::Delayed;
    }
    if !actions.is_empty()
        && actions
            .iter()
            .all(|a| matches!(*a, "delivered" | "relayed" | "expanded"))
    {
        return DeliveryOutcome::Delivered;
    }
    match recipients
        .iter()
        .find_map(|r| r.status.as_deref())
        .and_then(|s| s.chars().next())
    {
        Some('2') => DeliveryOutcome::Delivered,
        Some('4') => DeliveryOutcome::Delayed,
        _ => DeliveryOutcome::Failed,
    }
}

/// Ids of a returned message: its Message-ID first, then In-Reply-To and References.
fn ids_of_message(message: &Message<'_>) -> Vec<String> {
    let mut ids = Vec::new();
    if message.parts.is_empty() {
        return ids;
    }
    for name in ["message-id", "in-reply-to", "references"] {
        for v in header_texts(message, name) {
            for id in parse_id_list(&v).into_iter().chain(
                // A Message-ID without brackets.
                (name == "message-id" && !v.contains('<'))
                    .then(|| normalize_message_id(&v))
                    .flatten(),
            ) {
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
    }
    ids
}

/// Ids named in `Message-ID:` / `In-Reply-To:` / `References:` lines of free text.
fn ids_in_text(text: &str, own: Option<&str>) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for cap in MESSAGE_ID_LINE_RE.captures_iter(text) {
        let value = cap.get(2).map_or("", |m| m.as_str());
        let mut found = parse_id_list(value);
        if found.is_empty()
            && cap
                .get(1)
                .is_some_and(|m| m.as_str().eq_ignore_ascii_case("message-id"))
            && let Some(id) = normalize_message_id(value)
        {
            found.push(id);
        }
        for id in found {
            if Some(id.as_str()) != own && !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    ids
}

/// The message ids of a returned message in `message`'s parts, and the parts' texts.
struct Returned {
    ids: Vec<String>,
    original: Option<String>,
}

fn returned_message(message: &Message<'_>, own: Option<&str>) -> Returned {
    let parser = super::parse::message_parser();
    let mut ids: Vec<String> = Vec::new();
    let mut original = None;
    let mut push = |found: Vec<String>, first_is_original: bool, original: &mut Option<String>| {
        for (i, id) in found.into_iter().enumerate() {
            if Some(id.as_str()) == own {
                continue;
            }
            if i == 0 && first_is_original && original.is_none() {
                *original = Some(id.clone());
            }
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    };
    for part in message.parts.iter().skip(1) {
        match &part.body {
            PartType::Message(inner) => {
                let found = ids_of_message(inner);
                let has_message_id = !header_texts(inner, "message-id").is_empty();
                push(found, has_message_id, &mut original);
            }
            PartType::Text(text) if part.is_content_type("text", "rfc822-headers") => {
                if let Some(headers) = parser.parse_headers(text.as_bytes()) {
                    let has_message_id = !header_texts(&headers, "message-id").is_empty();
                    push(ids_of_message(&headers), has_message_id, &mut original);
                }
            }
            _ => {}
        }
    }
    if original.is_none() {
        // Returned copies pasted into text (qmail, Exim, Gmail's old format).
        let mut text_ids = Vec::new();
        for part in message.parts.iter() {
            if let PartType::Text(text) | PartType::Html(text) = &part.body {
                let t: &str = text.as_ref();
                let t = t.get(..t.len().min(512 * 1024)).unwrap_or(t);
                for id in ids_in_text(t, own) {
                    if !text_ids.contains(&id) {
                        text_ids.push(id);
                    }
                }
            }
        }
        let first_message_id = message
            .parts
            .iter()
            .filter_map(|p| match &p.body {
                PartType::Text(t) | PartType::Html(t) => Some(t.as_ref()),
                _ => None,
            })
            .find_map(|t: &str| {
                MESSAGE_ID_LINE_RE.captures_iter(t).find_map(|c| {
                    let is_mid = c
                        .get(1)
                        .is_some_and(|m| m.as_str().eq_ignore_ascii_case("message-id"));
                    let v = c.get(2).map_or("", |m| m.as_str());
                    is_mid
                        .then(|| {
                            parse_id_list(v)
                                .into_iter()
                                .next()
                                .or_else(|| normalize_message_id(v))
                        })
                        .flatten()
                        .filter(|id| Some(id.as_str()) != own)
                })
            });
        original = first_message_id;
        push(text_ids, false, &mut None);
    }
    Returned { ids, original }
}

fn is_daemon_sender(from: Option<&Mailbox>, from_raw: Option<&str>) -> bool {
    let raw_says_daemon = from_raw.is_some_and(|raw| {
        let lower = raw.to_ascii_lowercase();
        ["mailer-daemon", "mailer daemon", "postmaster"]
            .iter()
            .any(|d| lower.contains(d))
    });
    let Some(from) = from else {
        return raw_says_daemon;
    };
    if raw_says_daemon && from.email.is_empty() {
        return true;
    }
    let local = from
        .email
        .split('@')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let base = local.split('+').next().unwrap_or_default();
    if DAEMON_LOCAL_PARTS.contains(&base) {
        return true;
    }
    from.name.as_deref().is_some_and(|n| {
        let n = n.to_lowercase();
        DAEMON_NAMES.iter().any(|d| n.contains(d))
    })
}

fn has_bounce_subject(subject: &str) -> bool {
    if leading_prefix(subject).is_some() {
        return false;
    }
    let s = subject.trim().to_lowercase();
    BOUNCE_SUBJECTS.iter().any(|p| s.contains(p))
}

fn has_bounce_wording(text: &str) -> bool {
    let head = text.get(..text.len().min(8 * 1024)).unwrap_or_else(|| {
        let mut cut = text.len().min(8 * 1024);
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        &text[..cut]
    });
    let lower = head.to_lowercase();
    BOUNCE_WORDING.iter().any(|w| lower.contains(w))
}

fn is_delay(subject: &str, text: &str) -> bool {
    let s = subject.to_lowercase();
    if [
        "delay",
        "warning",
        "retried",
        "retrying",
        "still being",
        "temporar",
    ]
    .iter()
    .any(|w| s.contains(w))
    {
        return true;
    }
    let head: String = text.chars().take(2000).collect::<String>().to_lowercase();
    (head.contains("will be retried")
        || head.contains("will continue trying")
        || head.contains("still trying"))
        && !head.contains("permanent")
}

/// Recipients named in a non-standard bounce.
fn heuristic_recipients(
    message: &Message<'_>,
    text: &str,
    ctx: &BounceContext<'_>,
) -> Vec<BounceRecipient> {
    let failed: Vec<String> = header_texts(message, "x-failed-recipients")
        .iter()
        .flat_map(|v| v.split(',').map(address::clean_address).collect::<Vec<_>>())
        .filter(|a| address::looks_like_address(a))
        .collect();
    let diagnostic_section = diagnostic_section(text);
    let status = find_status(diagnostic_section);
    let diagnostic = diagnostic_line(diagnostic_section);
    let addresses = if failed.is_empty() {
        let own: Vec<String> = ctx
            .from
            .map(|m| m.email.to_ascii_lowercase())
            .into_iter()
            .chain(
                super::address::mailboxes(message.to())
                    .into_iter()
                    .map(|m| m.email.to_ascii_lowercase()),
            )
            .collect();
        address::find_addresses(diagnostic_section)
            .into_iter()
            .filter(|a| {
                let l = a.to_ascii_lowercase();
                !own.contains(&l)
                    && !DAEMON_LOCAL_PARTS.contains(&l.split('@').next().unwrap_or_default())
            })
            .take(1)
            .collect()
    } else {
        failed
    };
    if addresses.is_empty() && status.is_none() {
        return Vec::new();
    }
    let addresses = if addresses.is_empty() {
        vec![String::new()]
    } else {
        addresses
    };
    addresses
        .into_iter()
        .map(|address| BounceRecipient {
            address,
            action: None,
            status: status.clone(),
            diagnostic: diagnostic.clone(),
        })
        .collect()
}

/// The part of a bounce text before the returned copy of the message.
fn diagnostic_section(text: &str) -> &str {
    let markers = [
        "copy of the message",
        "----- original message -----",
        "original message follows",
        "------ this is a copy",
        "--- below this line",
        "unsent message below",
        "the original message was received",
        "----- transcript of session follows -----\n\n\n",
        "\nreturn-path:",
        "\nreceived: from",
    ];
    let mut end = text.len();
    for m in markers {
        if let Some(p) = find_ascii_ci(text, m) {
            end = end.min(p);
        }
    }
    let end = end.min(16 * 1024);
    let mut cut = end.min(text.len());
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    &text[..cut]
}

/// The line carrying the remote server's reply, e.g. "550 5.1.1 <x@y>... User unknown".
fn diagnostic_line(section: &str) -> Option<String> {
    static SMTP_RE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?m)\b[45]\d\d[ -]\S.*$").expect("valid regex"));
    SMTP_RE
        .find(section)
        .map(|m| m.as_str().trim().chars().take(500).collect())
}

/// Recognizes a bounce. `text` is the message's readable text (all text parts).
pub(crate) fn detect_bounce(
    message: &Message<'_>,
    text: &str,
    ctx: &BounceContext<'_>,
) -> Option<Bounce> {
    // 1. A delivery status report.
    let mut dsn: Option<(Vec<BounceRecipient>, Option<String>)> = None;
    for part in message.parts.iter() {
        let is_dsn = part.content_type().is_some_and(|ct| {
            ct.ctype().eq_ignore_ascii_case("message")
                && ct.subtype().is_some_and(|s| {
                    s.eq_ignore_ascii_case("delivery-status")
                        || s.eq_ignore_ascii_case("global-delivery-status")
                })
        });
        if is_dsn {
            let body = String::from_utf8_lossy(part.contents()).into_owned();
            dsn = Some(parse_delivery_status(&body));
            break;
        }
    }
    let report_type_dsn = message.parts.first().is_some_and(|root| {
        root.content_type().is_some_and(|ct| {
            ct.ctype().eq_ignore_ascii_case("multipart")
                && ct
                    .subtype()
                    .is_some_and(|s| s.eq_ignore_ascii_case("report"))
                && ct
                    .attribute("report-type")
                    .is_some_and(|r| r.eq_ignore_ascii_case("delivery-status"))
        })
    });

    let (recipients, reporting_mta, evidence) = match dsn {
        Some((mut recipients, mta)) => {
            // Some reports leave Status out; the text may still say it.
            if recipients.iter().all(|r| r.status.is_none())
                && let Some(status) = find_status(diagnostic_section(text))
                && let Some(first) = recipients.first_mut()
            {
                first.status = Some(status);
            }
            (recipients, mta, BounceEvidence::DeliveryStatusReport)
        }
        None if report_type_dsn => (
            heuristic_recipients(message, text, ctx),
            None,
            BounceEvidence::DeliveryStatusReport,
        ),
        None => {
            let failed_header = !header_texts(message, "x-failed-recipients").is_empty();
            let machine = is_daemon_sender(ctx.from, ctx.from_raw)
                || ctx.auto.markers.iter().any(|m| {
                    matches!(m, AutoMarker::NullReturnPath | AutoMarker::AutoSubmitted(_))
                });
            let bounce_subject = has_bounce_subject(ctx.subject);
            if !(failed_header || machine || bounce_subject) {
                return None;
            }
            let bounce_wording = has_bounce_wording(text);
            let wording = bounce_subject || bounce_wording;
            let strong_subject = bounce_subject && bounce_wording;
            if !(failed_header || (machine && wording) || strong_subject) {
                return None;
            }
            // An auto-reply that merely mentions delivery is not a bounce: it needs more than
            // an Auto-Submitted header unless the subject or sender says "bounce".
            let auto_reply_only = !failed_header
                && !is_daemon_sender(ctx.from, ctx.from_raw)
                && !has_bounce_subject(ctx.subject)
                && ctx
                    .auto
                    .markers
                    .iter()
                    .any(|m| matches!(m, AutoMarker::AutoSubmitted(v) if v.to_ascii_lowercase().starts_with("auto-replied") && !v.to_ascii_lowercase().contains("failure")));
            if auto_reply_only {
                return None;
            }
            (
                heuristic_recipients(message, text, ctx),
                None,
                BounceEvidence::Heuristic,
            )
        }
    };

    let outcome = match evidence {
        BounceEvidence::DeliveryStatusReport if !recipients.is_empty() => outcome_of(&recipients),
        _ if is_delay(ctx.subject, text) => DeliveryOutcome::Delayed,
        _ => match recipients
            .iter()
            .find_map(|r| r.status.as_deref())
            .and_then(|s| s.chars().next())
        {
            Some('4') => DeliveryOutcome::Delayed,
            _ => DeliveryOutcome::Failed,
        },
    };
    let returned = returned_message(message, ctx.own_message_id);
    Some(Bounce {
        outcome,
        evidence,
        recipients,
        original_message_id: returned.original,
        referenced_message_ids: returned.ids,
        reporting_mta,
    })
}

fn subject_of<'a>(message: &'a Message<'a>) -> Option<&'a str> {
    if message.parts.is_empty() {
        return None;
    }
    message.subject()
}

/// Recognizes an abuse/feedback report.
pub(crate) fn detect_feedback_report(
    message: &Message<'_>,
    own: Option<&str>,
) -> Option<FeedbackReport> {
    let part = message.parts.iter().find(|p| {
        p.content_type().is_some_and(|ct| {
            ct.ctype().eq_ignore_ascii_case("message")
                && ct
                    .subtype()
                    .is_some_and(|s| s.eq_ignore_ascii_case("feedback-report"))
        })
    });
    let report_type = message.parts.first().is_some_and(|root| {
        root.content_type().is_some_and(|ct| {
            ct.attribute("report-type")
                .is_some_and(|r| r.eq_ignore_ascii_case("feedback-report"))
        })
    });
    // Hotmail's complaint format: the reported message attached, no report part.
    let complaint_subject = subject_of(message).is_some_and(|s| {
        s.trim()
            .to_lowercase()
            .starts_with("complaint about message from")
    });
    if part.is_none() && !report_type && !complaint_subject {
        return None;
    }
    let fields = part
        .map(|p| field_blocks(&String::from_utf8_lossy(p.contents())))
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .collect::<Vec<_>>();
    let returned = returned_message(message, own);
    Some(FeedbackReport {
        feedback_type: field(&fields, "feedback-type")
            .map(|s| s.to_ascii_lowercase())
            .or_else(|| complaint_subject.then(|| "abuse".to_string())),
        original_message_id: returned.original.or_else(|| returned.ids.first().cloned()),
        original_recipient: field(&fields, "original-rcpt-to").map(address::clean_address),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_delivery_status_fields() {
        let (r, mta) = parse_delivery_status(
            "Reporting-MTA: dns; mx.example.org\n\nFinal-Recipient: rfc822; bob@example.com\nAction: failed\nStatus: 5.1.1 (user unknown)\nDiagnostic-Code: smtp; 550 5.1.1 <bob@example.com>:\n  Recipient address rejected\n",
        );
        assert_eq!(mta.as_deref(), Some("mx.example.org"));
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].address, "bob@example.com");
        assert_eq!(r[0].action.as_deref(), Some("failed"));
        assert_eq!(r[0].status.as_deref(), Some("5.1.1"));
        assert_eq!(
            r[0].diagnostic.as_deref(),
            Some("550 5.1.1 <bob@example.com>: Recipient address rejected")
        );
        assert_eq!(outcome_of(&r), DeliveryOutcome::Failed);
    }

    #[test]
    fn status_codes_are_not_taken_from_ip_addresses() {
        assert_eq!(
            find_status("host 10.2.5.4 said: 550 5.7.1 denied"),
            Some("5.7.1".into())
        );
        assert_eq!(find_status("(#5.5.0)"), Some("5.5.0".into()));
        assert_eq!(find_status("version 8.14.4/8.14.4"), None);
    }

    #[test]
    fn ids_in_pasted_copies() {
        let ids = ids_in_text(
            "--- copy\nMessage-ID: <a@x>\nReferences: <b@y>\n <c@z>\nmessage-id: d@w\n",
            None,
        );
        assert_eq!(ids, vec!["a@x", "b@y", "c@z", "d@w"]);
    }
}
