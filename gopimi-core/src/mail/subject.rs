//! Subjects: the normalized form threading compares, ticket tokens like `[#123]`, and the
//! subject of an outbound reply.
//!
//! Reply and forward prefixes are stripped in the languages mail clients actually write
//! (Re, Fwd, Fw, AW, WG, SV, VS, Antw, Doorst, TR, RV, Réf, Odp, PD, ENC, VB, VL, İLT, 回复,
//! 答复, 転送, ...), also with counters (`Re[2]:`, `Re(2):`, `Re^2:`) and full-width colons.
//! A prefix needs its colon: "Re" alone or "I love it" is a subject, not a prefix.
//!
//! Mailing-list tags such as `[dev]` are part of the subject, not prefixes: they are kept, but
//! prefixes after them are stripped, so "Re: [dev] x" and "[dev] Re: x" normalize alike.

use regex::Regex;
use std::sync::LazyLock;

/// Prefixes that mark a reply.
const REPLY_PREFIXES: &[&str] = &[
    "re",
    "aw",
    "sv",
    "antw",
    "antwort",
    "antwoord",
    "odp",
    "odg",
    "ynt",
    "yanıt",
    "res",
    "rif",
    "r",
    "réf",
    "ref",
    "atb",
    "vá",
    "απ",
    "σχετ",
    "отв",
    "ответ",
    "回复",
    "回覆",
    "答复",
    "答覆",
    "返信",
    "회신",
    "답장",
    "تعقيب",
    "השב",
    "svar",
];

/// Prefixes that mark a forward.
const FORWARD_PREFIXES: &[&str] = &[
    "fw",
    "fwd",
    "wg",
    "tr",
    "rv",
    "enc",
    "i",
    "pd",
    "vb",
    "vl",
    "vs",
    "doorst",
    "ilt",
    "İlt",
    "redir.",
    "redir",
    "videresend",
    "vidarebefordra",
    "továbbítás",
    "továbbított",
    "prosl",
    "přeposlat",
    "пересл",
    "пересылка",
    "転送",
    "转发",
    "轉寄",
    "轉發",
    "전달",
    "הועבר",
    "πρθ",
];

fn prefix_alternation(list: &[&str]) -> String {
    let mut sorted: Vec<&str> = list.to_vec();
    // Longest first, so "fwd" wins over "fw".
    sorted.sort_by_key(|p| std::cmp::Reverse(p.chars().count()));
    sorted
        .iter()
        .map(|p| regex::escape(p))
        .collect::<Vec<_>>()
        .join("|")
}

static REPLY_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)^\s*(?:{})\s*(?:\[\d+\]|\(\d+\)|\^\d+)?\s*[:：]\s*",
        prefix_alternation(REPLY_PREFIXES)
    ))
    .expect("valid regex")
});

static FORWARD_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)^\s*(?:{})\s*(?:\[\d+\]|\(\d+\)|\^\d+)?\s*[:：]\s*",
        prefix_alternation(FORWARD_PREFIXES)
    ))
    .expect("valid regex")
});

static TOKEN_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\[#(\d{1,15})\]").expect("valid regex"));

static LIST_TAG_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*\[([^\[\]#][^\[\]]{0,60})\]\s*").expect("valid regex"));

static TRAILER_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\s*\((?:fwd|fw)\)\s*$").expect("valid regex"));

/// What kind of prefix a subject starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubjectPrefix {
    Reply,
    Forward,
}

/// The kind of the first reply or forward prefix, looking past list tags.
pub fn leading_prefix(subject: &str) -> Option<SubjectPrefix> {
    let mut rest = subject;
    loop {
        // The lists do not overlap: "VS" (a reply in Finnish, a forward in Danish) is listed
        // as a forward, the more common reading in mail this product sees.
        if REPLY_RE.is_match(rest) {
            return Some(SubjectPrefix::Reply);
        }
        if FORWARD_RE.is_match(rest) {
            return Some(SubjectPrefix::Forward);
        }
        if let Some(m) = LIST_TAG_RE.find(rest) {
            rest = &rest[m.end()..];
            continue;
        }
        return None;
    }
}

/// Whether the subject says the message is a forward ("Fwd:", "WG:", "TR:", ...).
pub fn is_forward_subject(subject: &str) -> bool {
    leading_prefix(subject) == Some(SubjectPrefix::Forward)
}

/// Whether the subject says the message is a reply ("Re:", "AW:", "SV:", ...).
pub fn is_reply_subject(subject: &str) -> bool {
    leading_prefix(subject) == Some(SubjectPrefix::Reply)
}

/// Strips every leading reply and forward prefix (keeping list tags and ticket tokens), case
/// and spacing kept. "Re: AW: [dev] Fwd: Hello" becomes "[dev] Hello".
pub fn strip_prefixes(subject: &str) -> String {
    let mut tags: Vec<&str> = Vec::new();
    let mut rest = subject.trim();
    loop {
        if let Some(m) = REPLY_RE.find(rest).or_else(|| FORWARD_RE.find(rest)) {
            rest = &rest[m.end()..];
            continue;
        }
        if let Some(m) = LIST_TAG_RE.find(rest) {
            // A list tag directly followed by the end is the subject itself.
            let after = &rest[m.end()..];
            if after.trim().is_empty() {
                break;
            }
            tags.push(m.as_str().trim());
            rest = after;
            continue;
        }
        break;
    }
    let rest = TRAILER_RE.replace(rest, "");
    let mut out = tags.join(" ");
    if !out.is_empty() && !rest.is_empty() {
        out.push(' ');
    }
    out.push_str(rest.trim());
    out
}

/// The subject threading compares: prefixes and ticket tokens removed, whitespace collapsed,
/// lower-cased. Empty when nothing but prefixes was there.
pub fn normalize_subject(subject: &str) -> String {
    let without_tokens = TOKEN_RE.replace_all(subject, " ");
    let stripped = strip_prefixes(&without_tokens);
    stripped
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The first ticket number in a `[#123]` token of the subject.
pub fn ticket_token(subject: &str) -> Option<i64> {
    TOKEN_RE
        .captures_iter(subject)
        .find_map(|c| c.get(1).and_then(|m| m.as_str().parse::<i64>().ok()))
        .filter(|n| *n > 0)
}

/// The token for a ticket number: `[#123]`.
pub fn format_ticket_token(number: i64) -> String {
    format!("[#{number}]")
}

/// The subject with exactly one token, for `number`, at its end. Tokens of other numbers are
/// removed: the mail is about this ticket.
pub fn with_ticket_token(subject: &str, number: i64) -> String {
    let without = TOKEN_RE.replace_all(subject, " ");
    let base = without.split_whitespace().collect::<Vec<_>>().join(" ");
    let token = format_ticket_token(number);
    if base.is_empty() {
        token
    } else {
        format!("{base} {token}")
    }
}

/// The subject of a reply: one `Re: ` in front (a leading reply prefix in any language is
/// replaced by it, so "AW: x" becomes "Re: x", never "Re: AW: x"), and the ticket token when
/// the reply is on a ticket.
pub fn reply_subject(original: &str, ticket_number: Option<i64>) -> String {
    let mut rest = original.trim();
    while let Some(m) = REPLY_RE.find(rest) {
        rest = &rest[m.end()..];
    }
    let base = format!("Re: {}", rest.trim());
    let base = base.trim_end().to_string();
    match ticket_number {
        Some(n) => with_ticket_token(&base, n),
        None => base,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_prefixes_in_many_languages() {
        for s in [
            "Re: Printer broken",
            "RE: Re: Printer broken",
            "AW: WG: Printer broken",
            "SV: VS: Printer broken",
            "Antw: Doorst: Printer broken",
            "RE[2]: Printer broken",
            "Re(3): Printer broken",
            "Re^2: Printer broken",
            "Réf : Printer broken",
            "TR: Printer broken",
            "Odp: Printer broken",
            "回复：Printer broken",
            "答复: Printer broken",
            "転送: Printer broken",
            "Fwd: Fw: Printer broken",
            "Re: Printer broken (fwd)",
            "Re:   Printer    broken [#42]",
            "[#42] RE: printer BROKEN",
            "İLT: Printer broken",
        ] {
            assert_eq!(normalize_subject(s), "printer broken", "{s}");
        }
    }

    #[test]
    fn list_tags_are_kept_and_prefixes_after_them_stripped() {
        assert_eq!(
            normalize_subject("[dev] Re: Build fails"),
            "[dev] build fails"
        );
        assert_eq!(
            normalize_subject("Re: [dev] Build fails"),
            "[dev] build fails"
        );
        assert_eq!(normalize_subject("[dev]"), "[dev]");
    }

    #[test]
    fn words_that_look_like_prefixes_are_not_stripped() {
        assert_eq!(normalize_subject("Re"), "re");
        assert_eq!(normalize_subject("I love it"), "i love it");
        assert_eq!(normalize_subject("Trouble: login"), "trouble: login");
        assert_eq!(normalize_subject("Return policy"), "return policy");
    }

    #[test]
    fn tokens() {
        assert_eq!(ticket_token("Re: Broken [#123]"), Some(123));
        assert_eq!(ticket_token("[#7] x [#9]"), Some(7));
        assert_eq!(ticket_token("No token [#abc] [123]"), None);
        assert_eq!(format_ticket_token(5), "[#5]");
        assert_eq!(with_ticket_token("Broken [#5]", 5), "Broken [#5]");
        assert_eq!(with_ticket_token("Broken [#4] now", 5), "Broken now [#5]");
    }

    #[test]
    fn reply_subjects() {
        assert_eq!(reply_subject("Broken", None), "Re: Broken");
        assert_eq!(reply_subject("Re: Broken", None), "Re: Broken");
        assert_eq!(reply_subject("AW: RE: Broken", Some(9)), "Re: Broken [#9]");
        assert_eq!(reply_subject("Re: Broken [#9]", Some(9)), "Re: Broken [#9]");
        assert_eq!(reply_subject("Fwd: Broken", None), "Re: Fwd: Broken");
    }

    #[test]
    fn prefix_kinds() {
        assert!(is_forward_subject("Fwd: x"));
        assert!(is_forward_subject("WG: x"));
        assert!(is_forward_subject("[list] TR: x"));
        assert!(is_reply_subject("AW: x"));
        assert!(!is_forward_subject("Re: Fwd: x"));
        assert!(!is_forward_subject("x"));
    }
}
