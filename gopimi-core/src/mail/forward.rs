//! The original sender of a message a person forwarded to the helpdesk.
//!
//! When a customer's mail reaches an agent's own mailbox and the agent forwards it, the mail
//! arrives from the agent; the ticket belongs to the customer named inside it. Clients write
//! that inside in many ways; the ones recognized here:
//! - a separator line ("---------- Forwarded message ---------", "Begin forwarded message:",
//!   "-------- Weitergeleitete Nachricht --------", Yahoo's one-line form with the headers
//!   glued on, ...) followed by a block of quoted headers (any language, `>`-quoted or not);
//! - when the subject says it is a forward ("Fwd:", "WG:", "TR:", "RV:", ...): Outlook's bare
//!   header block ("From: ... Sent: ... To: ... Subject: ..."), optionally under a line of
//!   underscores or "-----Original Message-----", and Outlook for Mac's "On <date>, <sender>
//!   wrote:" with the original indented below it;
//! - an attached `message/rfc822` (forward as attachment), handled by the parser.
//!
//! Without a forward subject, a bare header block or "Original Message" separator is taken for
//! quoted history of a reply, not a forward: that is how Outlook quotes replies.
//!
//! The topmost block wins: in a chain of forwards it names the message that was forwarded.

use super::address::{find_address, parse_loose};
use super::labels::{self, Label, Separator, fold};
use super::subject::{is_forward_subject, strip_prefixes};
use crate::model::Mailbox;
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

/// Where the forwarded original was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ForwardSource {
    /// A quoted header block in the body.
    InlineBlock,
    /// An "On ... wrote:" line under a forward subject.
    Attribution,
    /// An attached `message/rfc822`.
    AttachedMessage,
}

/// What is known of a forwarded original.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForwardedMessage {
    /// The original sender's display name, if given.
    pub from_name: Option<String>,
    /// The original sender's address, if given (some clients quote only the name).
    pub from_address: Option<String>,
    /// The original subject.
    pub subject: Option<String>,
    /// The original date, as the client wrote it (often localized).
    pub date: Option<String>,
    /// The original body, when it could be told apart.
    pub body: Option<String>,
    /// What the forwarder wrote above the forwarded message.
    pub note: Option<String>,
    pub source: ForwardSource,
}

impl ForwardedMessage {
    /// The original sender as a mailbox, when an address is known.
    pub fn sender(&self) -> Option<Mailbox> {
        self.from_address.as_ref().map(|a| Mailbox {
            name: self.from_name.clone(),
            email: a.clone(),
        })
    }
}

#[derive(Default)]
struct Block {
    from: Option<String>,
    subject: Option<String>,
    date: Option<String>,
    end: usize,
}

/// Reads a block of quoted header lines starting at `start`; `None` unless it names a sender.
fn read_block(lines: &[&str], start: usize) -> Option<Block> {
    let mut i = start;
    // Blank lines between a separator and its headers.
    while i < lines.len() && labels::strip_decoration(lines[i]).is_empty() && i < start + 3 {
        i += 1;
    }
    let mut block = Block::default();
    let mut seen = 0usize;
    let mut last_label: Option<Label> = None;
    while i < lines.len() {
        let line = lines[i];
        match labels::header_line(line) {
            Some((label, value)) => {
                seen += 1;
                last_label = Some(label);
                let value = value.to_string();
                match label {
                    Label::From if block.from.is_none() => block.from = Some(value),
                    Label::Subject if block.subject.is_none() => block.subject = Some(value),
                    Label::Date if block.date.is_none() => block.date = Some(value),
                    _ => {}
                }
            }
            None => {
                let stripped = labels::strip_decoration(line);
                // Outlook wraps long To/Cc lines without a label.
                let continuation = !stripped.is_empty()
                    && matches!(last_label, Some(Label::To | Label::Cc))
                    && stripped.contains('@')
                    && seen > 0;
                if !continuation {
                    break;
                }
            }
        }
        i += 1;
    }
    block.end = i;
    (block.from.is_some() && seen >= 2).then_some(block)
}

static GLUED_FROM_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[^:]{1,30}:\s*([^<>]{0,200}<[^<>]+>|[^:]{0,200})").expect("valid regex")
});

/// Yahoo's one-line block: "From: J <j@x>To: ...Sent: ...Subject: Hello".
fn read_glued(rest: &str) -> Option<Block> {
    let (label, _) = labels::header_line(rest)?;
    if label != Label::From {
        return None;
    }
    let from = GLUED_FROM_RE
        .captures(rest)
        .and_then(|c| c.get(1))
        .map(|m| m.as_str().trim().to_string())?;
    // The subject is the last labelled field; a colon follows its label, except in some
    // Yahoo locales.
    let subject = last_labelled_value(rest, true).or_else(|| last_labelled_value(rest, false));
    Some(Block {
        from: Some(from),
        subject,
        date: None,
        end: 0,
    })
}

/// The value after the last subject label in a glued line.
fn last_labelled_value(rest: &str, require_colon: bool) -> Option<String> {
    let chars: Vec<char> = rest.chars().collect();
    let folded: Vec<char> = fold(rest).chars().collect();
    if folded.len() != chars.len() {
        return None;
    }
    let mut best: Option<(usize, String)> = None;
    for label in SUBJECT_WORDS {
        let l: Vec<char> = label.chars().collect();
        if l.len() > folded.len() {
            continue;
        }
        for start in (0..=folded.len() - l.len()).rev() {
            if folded[start..start + l.len()] != l[..] {
                continue;
            }
            let mut j = start + l.len();
            while j < chars.len() && chars[j] == ' ' {
                j += 1;
            }
            let colon = j < chars.len() && (chars[j] == ':' || chars[j] == '：');
            if require_colon && !colon {
                continue;
            }
            let value: String = chars[if colon { j + 1 } else { j }..].iter().collect();
            let value = value.trim().to_string();
            if !value.is_empty() && best.as_ref().is_none_or(|(p, _)| start > *p) {
                best = Some((start, value));
            }
            break;
        }
    }
    best.map(|(_, v)| v)
}

/// Subject labels as they appear glued in Yahoo lines (a colon usually follows).
const SUBJECT_WORDS: &[&str] = &[
    "subject",
    "betreff",
    "objet",
    "asunto",
    "oggetto",
    "onderwerp",
    "emne",
    "ämne",
    "aihe",
    "předmět",
    "predmet",
    "temat",
    "тема",
    "konu",
    "tárgy",
    "subiect",
    "assunto",
];

/// Words that end an attribution's lead-in: the sender's name follows them.
const ATTRIBUTION_CONNECTORS: &[&str] = &[
    "on",
    "am",
    "le",
    "el",
    "il",
    "giorno",
    "op",
    "heeft",
    "dne",
    "d.",
    "den",
    "em",
    "dnia",
    "w",
    "dniu",
    "użytkownik",
    "пользователь",
    "používateľ",
    "időpontban",
    "schrieb",
    "skrev",
    "wrote",
    "kirjoitti",
    "at",
    "à",
    "um",
    "kl.",
    "klo",
    "o",
    "a",
    "às",
];

/// The sender named in an attribution line ("On ..., "John Doe" <john@x> wrote:").
fn attribution_sender(line: &str) -> Option<(Option<String>, Option<String>)> {
    let s = labels::strip_decoration(line);
    let address = find_address(s)?;
    // A quoted name wins.
    for (open, close) in [
        ('"', '"'),
        ('“', '”'),
        ('„', '”'),
        ('„', '“'),
        ('«', '»'),
        ('\'', '\''),
    ] {
        if let Some(a) = s.find(open) {
            let after = &s[a + open.len_utf8()..];
            if let Some(b) = after.find(close) {
                let name = super::address::clean_name(&after[..b]);
                if !name.is_empty() && !name.contains('@') {
                    return Some((Some(name), Some(address)));
                }
            }
        }
    }
    let addr_pos = s.find(address.as_str())?;
    let before = &s[..addr_pos];
    let before = before.trim_end_matches(['<', '(', ' ', '\t']);
    let mut words: Vec<&str> = Vec::new();
    for word in before.split_whitespace().rev() {
        let lower = word.to_lowercase();
        if word.chars().any(|c| c.is_ascii_digit())
            || word.ends_with(',')
            || ATTRIBUTION_CONNECTORS.contains(&lower.as_str())
            || words.len() >= 4
        {
            break;
        }
        words.push(word);
    }
    words.reverse();
    let name = super::address::clean_name(&words.join(" "));
    Some(((!name.is_empty()).then_some(name), Some(address)))
}

fn is_indented(line: &str) -> bool {
    line.starts_with("    ") || line.starts_with('\t')
}

fn tidy(lines: &[&str], unquote: bool) -> Option<String> {
    let text: Vec<&str> = lines
        .iter()
        .map(|l| {
            if unquote {
                let t = l.trim_start_matches(' ');
                let t = t.strip_prefix('>').unwrap_or(t);
                t.strip_prefix(' ').unwrap_or(t)
            } else {
                l
            }
        })
        .collect();
    let joined = text.join("\n");
    let t = joined.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    (!t.is_empty()).then(|| t.to_string())
}

fn build(
    block: Block,
    lines: &[&str],
    note_end: usize,
    body_start: usize,
    subject: &str,
    source: ForwardSource,
) -> ForwardedMessage {
    let (from_name, from_address) = block
        .from
        .as_deref()
        .map(parse_loose)
        .unwrap_or((None, None));
    let quoted = lines
        .get(body_start.saturating_sub(1))
        .is_some_and(|l| l.trim_start().starts_with('>'));
    let body_end = lines
        .iter()
        .enumerate()
        .skip(body_start)
        .find(|(_, l)| labels::separator(l).is_some())
        .map_or(lines.len(), |(i, _)| i);
    ForwardedMessage {
        from_name,
        from_address,
        subject: block
            .subject
            .filter(|s| !s.is_empty())
            .or_else(|| Some(strip_prefixes(subject)).filter(|s| !s.is_empty())),
        date: block.date,
        body: tidy(lines.get(body_start..body_end).unwrap_or_default(), quoted),
        note: tidy(lines.get(..note_end).unwrap_or_default(), false),
        source,
    }
}

/// Finds a forwarded original in a body. `subject` is the forwarding message's subject.
pub fn detect_forward(text: &str, subject: &str) -> Option<ForwardedMessage> {
    let lines: Vec<&str> = text.lines().collect();
    let forward_subject = is_forward_subject(subject);
    for i in 0..lines.len() {
        let line = lines[i];
        if let Some((kind, rest)) = labels::separator(line) {
            if kind == Separator::Forward || forward_subject {
                if !rest.is_empty()
                    && let Some(block) = read_glued(rest)
                {
                    return Some(build(
                        block,
                        &lines,
                        i,
                        i + 1,
                        subject,
                        ForwardSource::InlineBlock,
                    ));
                }
                if let Some(block) = read_block(&lines, i + 1) {
                    let end = block.end;
                    return Some(build(
                        block,
                        &lines,
                        i,
                        end,
                        subject,
                        ForwardSource::InlineBlock,
                    ));
                }
                if kind == Separator::Forward {
                    // A forward whose headers could not be read: forwarded, sender unknown.
                    return Some(build(
                        Block::default(),
                        &lines,
                        i,
                        i + 1,
                        subject,
                        ForwardSource::InlineBlock,
                    ));
                }
            }
            continue;
        }
        if !forward_subject {
            continue;
        }
        if matches!(labels::header_line(line), Some((Label::From, _)))
            && let Some(block) = read_block(&lines, i)
        {
            let end = block.end;
            return Some(build(
                block,
                &lines,
                i,
                end,
                subject,
                ForwardSource::InlineBlock,
            ));
        }
        // Outlook for Mac: "On 28/10/2021 12:46, "John Doe" <john@x> wrote:" and the original
        // indented below it.
        let next = lines.iter().skip(i + 1).find(|l| !l.trim().is_empty());
        if super::quote::is_attribution_line(line)
            && next.is_some_and(|l| is_indented(l))
            && let Some((name, address)) = attribution_sender(line)
        {
            let body: Vec<&str> = lines[i + 1..].iter().map(|l| l.trim_start()).collect();
            return Some(ForwardedMessage {
                from_name: name,
                from_address: address,
                subject: Some(strip_prefixes(subject)).filter(|s| !s.is_empty()),
                date: None,
                body: tidy(&body, false),
                note: tidy(&lines[..i], false),
                source: ForwardSource::Attribution,
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gmail_forward_with_note() {
        let text = "Can you look at this?\n\n---------- Forwarded message ---------\nFrom: Jane Roe <jane@customer.example>\nDate: Wed, Oct 27, 2021 at 9:31 AM\nSubject: Broken invoice\nTo: <agent@help.example>\n\nThe invoice is wrong.\n";
        let f = detect_forward(text, "Fwd: Broken invoice").expect("forward");
        assert_eq!(f.from_address.as_deref(), Some("jane@customer.example"));
        assert_eq!(f.from_name.as_deref(), Some("Jane Roe"));
        assert_eq!(f.subject.as_deref(), Some("Broken invoice"));
        assert_eq!(f.note.as_deref(), Some("Can you look at this?"));
        assert_eq!(f.body.as_deref(), Some("The invoice is wrong."));
    }

    #[test]
    fn apple_mail_quoted_german() {
        let text = "> Anfang der weitergeleiteten Nachricht:\n>\n> Von: Jane Roe <jane@x.example>\n> Betreff: Rechnung\n> Datum: 26. Oktober 2021\n> An: a@b.example\n>\n> Hallo\n";
        let f = detect_forward(text, "WG: Rechnung").expect("forward");
        assert_eq!(f.from_address.as_deref(), Some("jane@x.example"));
        assert_eq!(f.subject.as_deref(), Some("Rechnung"));
        assert_eq!(f.body.as_deref(), Some("Hallo"));
    }

    #[test]
    fn outlook_block_needs_a_forward_subject() {
        let text = "FYI\n\nFrom: Jane Roe <jane@x.example>\nSent: Monday\nTo: a@b.example\nSubject: Order\n\nWhere is it?";
        assert!(detect_forward(text, "Re: Order").is_none());
        let f = detect_forward(text, "FW: Order").expect("forward");
        assert_eq!(f.from_address.as_deref(), Some("jane@x.example"));
    }

    #[test]
    fn yahoo_glued_line() {
        let text = "   ----- Forwarded Message ----- From: Jane Roe <jane@x.example>To: \"a@b.example\" <a@b.example>Sent: Tuesday, November 2, 2021, 09:26:50 AM GMT+1Subject: Order 7\n Where?";
        let f = detect_forward(text, "Fwd: Order 7").expect("forward");
        assert_eq!(f.from_address.as_deref(), Some("jane@x.example"));
        assert_eq!(f.from_name.as_deref(), Some("Jane Roe"));
        assert_eq!(f.subject.as_deref(), Some("Order 7"));
    }

    #[test]
    fn outlook_mac_attribution() {
        let text = "\u{feff}Op 28/10/2021 12:46 heeft Jane Roe <jane@x.example> geschreven:\n\n    Waar is het?\n";
        let f = detect_forward(text, "FW: Bestelling").expect("forward");
        assert_eq!(f.from_name.as_deref(), Some("Jane Roe"));
        assert_eq!(f.from_address.as_deref(), Some("jane@x.example"));
        assert_eq!(f.subject.as_deref(), Some("Bestelling"));
        // A reply quoted with ">" is no forward even under a Fwd subject.
        let reply = "Yes\n\nOn Wed, Oct 27, 2021 at 9:31 AM Jane <jane@x.example> wrote:\n> Where?";
        assert!(detect_forward(reply, "Fwd: x").is_none());
    }

    #[test]
    fn plain_mail_is_no_forward() {
        assert!(detect_forward("Hello\nFrom: my heart\nthanks", "Hello").is_none());
    }
}
