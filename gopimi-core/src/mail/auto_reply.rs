//! Machine-sent mail: auto-replies, vacation notices, bulk and list mail, loops.
//!
//! Every marker found is recorded. Two questions are answered from them:
//! - [`AutoSubmission::is_automatic`]: a machine wrote it (auto-reply, bounce, bulk sender).
//!   Such mail never notifies agents' auto-rules and never gets automatic mail back.
//! - [`AutoSubmission::suppress_auto_response`]: we must not answer it automatically. True for
//!   every automatic message and additionally for mailing-list traffic and for senders that
//!   ask for it.
//!
//! Choices, per RFC 3834 and what servers actually send:
//! - `Auto-Submitted` with any value but `no` is automatic (`auto-replied`, `auto-generated`,
//!   `auto-notified`, vendor values).
//! - `X-Autoreply`, `X-Autorespond`, `X-Auto-Reply`, `X-Autoresponder` (any value but `no`)
//!   are automatic; so is Microsoft's `X-MS-Exchange-Generated-Message-Source` and
//!   `X-MS-Exchange-Inbox-Rules-Loop`.
//! - `Precedence: bulk | junk | auto_reply` is automatic; `Precedence: list` and a `List-Id`
//!   only suppress automatic answers: a person wrote the post, the list relayed it.
//! - A null return path (`Return-Path: <>` or an empty envelope sender) is automatic: only
//!   notifications (bounces, auto-replies) are sent with one.
//! - `X-Loop` naming one of our addresses (or domains) is automatic: it is our own mail
//!   coming back.
//! - `X-Auto-Response-Suppress` is recorded but never makes a message automatic on its own:
//!   Outlook sets it on ordinary mail too. Values other than `None` suppress auto-responses.
//! - Well-known auto-reply subject prefixes ("Automatic reply:", "Auto reply:", "Out of
//!   Office:", "Abwesenheitsnotiz:", "Réponse automatique :", ...) are automatic: some
//!   servers send vacation notices with no header marker at all.

use super::address::find_ascii_ci;
use super::labels::fold;
use mail_parser::{HeaderName, HeaderValue, Message};
use serde::{Deserialize, Serialize};

/// One marker of machine-sent mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "marker", content = "value", rename_all = "snake_case")]
pub enum AutoMarker {
    /// `Auto-Submitted` with a value other than `no`.
    AutoSubmitted(String),
    /// `X-Autoreply`, `X-Autorespond` and similar, with their value.
    AutoReplyHeader(String),
    /// `Precedence: bulk`, `junk` or `auto_reply`.
    Precedence(String),
    /// `Precedence: list`, or a `List-Id`: list traffic.
    MailingList(String),
    /// `Return-Path: <>` or an empty envelope sender.
    NullReturnPath,
    /// `X-Loop` naming one of our addresses.
    Loop(String),
    /// `X-Auto-Response-Suppress` with its value (recorded; never automatic on its own).
    AutoResponseSuppress(String),
    /// A well-known auto-reply subject.
    AutoReplySubject,
}

impl AutoMarker {
    /// Whether this marker alone means a machine sent the message.
    pub fn is_automatic(&self) -> bool {
        !matches!(
            self,
            AutoMarker::MailingList(_) | AutoMarker::AutoResponseSuppress(_)
        )
    }
}

/// The markers of one message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoSubmission {
    pub markers: Vec<AutoMarker>,
}

impl AutoSubmission {
    /// A machine sent it.
    pub fn is_automatic(&self) -> bool {
        self.markers.iter().any(AutoMarker::is_automatic)
    }

    /// It must not be answered automatically.
    pub fn suppress_auto_response(&self) -> bool {
        self.markers.iter().any(|m| match m {
            AutoMarker::AutoResponseSuppress(v) => !v.trim().eq_ignore_ascii_case("none"),
            _ => true,
        })
    }

    /// It came through a mailing list.
    pub fn is_list_mail(&self) -> bool {
        self.markers
            .iter()
            .any(|m| matches!(m, AutoMarker::MailingList(_)))
    }
}

const AUTO_REPLY_HEADERS: &[&str] = &[
    "x-autoreply",
    "x-autorespond",
    "x-auto-reply",
    "x-autoresponder",
    "x-autoresponse",
    "x-ms-exchange-generated-message-source",
    "x-ms-exchange-inbox-rules-loop",
];

const AUTO_REPLY_SUBJECTS: &[&str] = &[
    "automatic reply:",
    "auto reply:",
    "auto-reply:",
    "autoreply:",
    "autorespons",
    "auto response:",
    "auto-response:",
    "automated reply:",
    "out of office:",
    "out of office reply",
    "out of the office",
    "out-of-office",
    "abwesenheitsnotiz",
    "automatische antwort",
    "réponse automatique",
    "respuesta automática",
    "risposta automatica",
    "automatisch antwoord",
    "automatisk svar",
    "autosvar",
    "automaattinen vastaus",
    "odpowiedź automatyczna",
    "automatická odpověď",
    "resposta automática",
    "автоматический ответ",
    "otomatik yanıt",
    "自動応答",
    "自动回复",
];

/// Text values of a header, all occurrences.
pub(crate) fn header_texts(message: &Message<'_>, name: &str) -> Vec<String> {
    let Some(part) = message.parts.first() else {
        return Vec::new();
    };
    part.headers
        .iter()
        .filter(|h| h.name.as_str().eq_ignore_ascii_case(name))
        .filter_map(|h| header_value_text(&h.value, message, h.offset_start, h.offset_end))
        .collect()
}

/// A header's value as text, falling back to the raw bytes for structured values.
pub(crate) fn header_value_text(
    value: &HeaderValue<'_>,
    message: &Message<'_>,
    start: u32,
    end: u32,
) -> Option<String> {
    match value {
        HeaderValue::Text(t) => Some(t.to_string()),
        HeaderValue::TextList(list) => Some(list.join(" ")),
        _ => message
            .raw_message
            .get(start as usize..end as usize)
            .map(|b| String::from_utf8_lossy(b).trim().to_string()),
    }
}

/// Finds the markers of `message`. `envelope_sender` is the SMTP `MAIL FROM` when the
/// provider gave it (`Some("")` is a null sender); `loop_addresses` are our own addresses or
/// `@domain`s.
pub fn detect(
    message: &Message<'_>,
    subject: &str,
    envelope_sender: Option<&str>,
    loop_addresses: &[String],
) -> AutoSubmission {
    let mut markers = Vec::new();

    for v in header_texts(message, HeaderName::AutoSubmitted.as_str()) {
        let v = v.trim().to_string();
        if !v.is_empty() && !v.eq_ignore_ascii_case("no") {
            markers.push(AutoMarker::AutoSubmitted(v));
        }
    }
    for name in AUTO_REPLY_HEADERS {
        for v in header_texts(message, name) {
            let v = v.trim().to_string();
            if !v.eq_ignore_ascii_case("no") && !v.eq_ignore_ascii_case("false") {
                markers.push(AutoMarker::AutoReplyHeader(format!("{name}: {v}")));
            }
        }
    }
    for v in header_texts(message, "precedence") {
        let lower = v.trim().to_ascii_lowercase();
        match lower.as_str() {
            "bulk" | "junk" | "auto_reply" | "auto-reply" => {
                markers.push(AutoMarker::Precedence(lower))
            }
            "list" => markers.push(AutoMarker::MailingList("Precedence: list".into())),
            _ => {}
        }
    }
    for v in header_texts(message, HeaderName::ListId.as_str()) {
        markers.push(AutoMarker::MailingList(v.trim().to_string()));
    }
    let null_header = header_texts(message, HeaderName::ReturnPath.as_str())
        .iter()
        .any(|v| v.trim().trim_matches(['<', '>']).trim().is_empty());
    if null_header || envelope_sender.is_some_and(|s| s.trim().trim_matches(['<', '>']).is_empty())
    {
        markers.push(AutoMarker::NullReturnPath);
    }
    for v in header_texts(message, "x-loop") {
        let lower = v.to_ascii_lowercase();
        let ours = loop_addresses.iter().any(|a| {
            let a = a.trim().to_ascii_lowercase();
            !a.is_empty() && lower.contains(&a)
        });
        if ours {
            markers.push(AutoMarker::Loop(v.trim().to_string()));
        }
    }
    for v in header_texts(message, "x-auto-response-suppress") {
        markers.push(AutoMarker::AutoResponseSuppress(v.trim().to_string()));
    }
    let folded = fold(subject.trim());
    if AUTO_REPLY_SUBJECTS.iter().any(|p| folded.starts_with(p))
        || find_ascii_ci(&folded, "(auto-reply)").is_some()
    {
        markers.push(AutoMarker::AutoReplySubject);
    }

    AutoSubmission { markers }
}
