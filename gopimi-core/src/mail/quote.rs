//! The new part of a reply: the text above the quoted history.
//!
//! History starts at the first of:
//! - an attribution line ("On Tue, 3 May 2022, Bob <b@x> wrote:", "Am ... schrieb ...:",
//!   "Le ... a écrit :", "El ... escribió:", ...), also when a client wrapped it over two
//!   lines; it must carry a digit or an `@` so that "Alice wrote:" in prose does not count;
//! - a separator line ("-----Original Message-----", "---------- Forwarded message
//!   ---------", Outlook's line of underscores followed by a quoted "From:");
//! - a quoted header block: a "From:" line (any language) followed within a few lines by a
//!   "Sent:"/"Date:" line and a "To:"/"Subject:" line, as Outlook writes them;
//! - a `>`-quoted line, when no marker above came first. If the quote is interleaved with
//!   answers (inline replies), the new part is every unquoted line.
//!
//! The whole body stays stored; this only marks where the new part ends.

use super::labels::{self, Label, Separator};
use regex::Regex;
use std::sync::LazyLock;

static ATTRIBUTION_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:wrote|writes|schrieb|schreibt|a écrit|a ecrit|escribió|escribio|ha scritto|schreef|heeft .* geschreven|skrev|skrev følgende|napisał\(a\)|napisał|napisała|pisze|escreveu|написал\(а\)|написал|написала|пишет|написав|kirjoitti|ezt írta|írta|napsal\(a\)|napsal|napísal|yazdı|şunu yazdı|a scris|je napisao|napisao je|kirjutas|rašė|έγραψε|写道|寫道|のメッセージ|書きました|작성)\s*(?:följande)?\s*[:：]?\s*$",
    )
    .expect("valid regex")
});

/// The verb in the middle: "Bob <b@x> kirjoitti 28/10/2021 12.46:", "Den 28/10/2021 skrev
/// "Bob" <b@x> följande:". Only counted with an address on the line.
static ATTRIBUTION_MID_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:wrote|schrieb|a écrit|escribió|ha scritto|schreef|skrev|napisał|escreveu|написал|kirjoitti|napsal|napísal|yazdı|írta)\b.*[:：]\s*$",
    )
    .expect("valid regex")
});

/// Gmail's form in languages without a verb: "2021年10月27日(水) 9:31 Bob <b@x>:".
static ADDRESS_COLON_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\d.*<[^<>@\s]+@[^<>\s]+>\s*[:：]\s*$").expect("valid regex"));

/// Whether `line` is an attribution line ("On ..., Bob <b@x> wrote:").
pub(crate) fn is_attribution_line(line: &str) -> bool {
    is_attribution(line)
}

fn is_attribution(line: &str) -> bool {
    let s = labels::strip_decoration(line);
    if s.len() > 400 || s.is_empty() {
        return false;
    }
    let has_evidence = s.chars().any(|c| c.is_ascii_digit()) || s.contains('@');
    has_evidence
        && (ATTRIBUTION_RE.is_match(s)
            || ADDRESS_COLON_RE.is_match(s)
            || (s.contains('@') && ATTRIBUTION_MID_RE.is_match(s)))
}

/// Whether lines from `start` open a quoted header block.
fn is_header_block(lines: &[&str], start: usize) -> bool {
    if !matches!(labels::header_line(lines[start]), Some((Label::From, _))) {
        return false;
    }
    let mut date = false;
    let mut other = false;
    for line in lines.iter().skip(start + 1).take(6) {
        match labels::header_line(line) {
            Some((Label::Date, _)) => date = true,
            Some((Label::To | Label::Subject | Label::Cc, _)) => other = true,
            _ => {}
        }
    }
    date && other
}

fn is_quoted(line: &str) -> bool {
    line.trim_start_matches([' ', '\u{feff}']).starts_with('>')
}

/// Where quoted history starts, as a line index, by the markers in the module docs (the `>`
/// rule aside).
pub(crate) fn history_start(lines: &[&str]) -> Option<usize> {
    for i in 0..lines.len() {
        let line = lines[i];
        if let Some((kind, _)) = labels::separator(line) {
            match kind {
                Separator::Forward => return Some(i),
                Separator::Original => {
                    let underscores = labels::strip_decoration(line).starts_with('_');
                    let followed_by_from = lines
                        .iter()
                        .skip(i + 1)
                        .find(|l| !l.trim().is_empty())
                        .is_some_and(|l| matches!(labels::header_line(l), Some((Label::From, _))));
                    if !underscores || followed_by_from {
                        return Some(i);
                    }
                }
            }
        }
        if is_attribution(line) {
            return Some(i);
        }
        // A wrapped attribution: "On Wed, Oct 27, 2021 at 9:31 AM Bob <b@x>" / "wrote:".
        if let Some(next) = lines.get(i + 1)
            && !line.trim().is_empty()
            && labels::strip_decoration(next).len() < 40
            && is_attribution(&format!("{} {}", line.trim_end(), next.trim()))
            && !is_attribution(next)
        {
            return Some(i);
        }
        if is_header_block(lines, i) {
            return Some(i);
        }
    }
    None
}

/// The new part of `text`, or `None` when no quoted history was found.
pub fn new_text(text: &str) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let marker = history_start(&lines);
    let first_quote = lines.iter().position(|l| is_quoted(l));
    let cut = match (marker, first_quote) {
        (Some(m), Some(q)) => Some(m.min(q)),
        (Some(m), None) => Some(m),
        (None, Some(q)) => Some(q),
        (None, None) => None,
    }?;
    let before = tidy(&lines[..cut]);
    if marker.is_none_or(|m| m > cut) && before.is_empty() {
        // Interleaved: the message starts with a quote and answers between quotes.
        let unquoted: Vec<&str> = lines
            .iter()
            .take(marker.unwrap_or(lines.len()))
            .copied()
            .filter(|l| !is_quoted(l))
            .collect();
        return Some(tidy(&unquoted));
    }
    Some(before)
}

fn tidy(lines: &[&str]) -> String {
    let joined = lines.join("\n");
    let mut out = String::with_capacity(joined.len());
    let mut blank = 0;
    for line in joined.trim().lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gmail_reply() {
        let t = "Thanks, that works.\n\nOn Wed, Oct 27, 2021 at 9:31 AM Bob <bob@x.com> wrote:\n> Try again.\n";
        assert_eq!(new_text(t).as_deref(), Some("Thanks, that works."));
    }

    #[test]
    fn wrapped_gmail_attribution() {
        let t = "Yes!\n\nOn Wed, Oct 27, 2021 at 9:31 AM Bob <bob@x.com>\nwrote:\n\n> Try again.\n";
        assert_eq!(new_text(t).as_deref(), Some("Yes!"));
    }

    #[test]
    fn localized_attributions() {
        for a in [
            "Am 28.10.2021 um 12:46 schrieb Bob <bob@x.com>:",
            "Le 28/10/2021 à 12:46, Bob a écrit :",
            "El 28/10/2021 12:46, Bob escribió:",
            "Il giorno 28/10/2021, 12:46 Bob ha scritto:",
            "Op 28-10-2021 12:46 schreef Bob <bob@x.com>:",
            "Den 28. okt. 2021 kl. 12.46 skrev Bob <bob@x.com>:",
            "W dniu 28.10.2021 o 12:46, Bob pisze:",
            "2021年10月27日(水) 9:31 Bob <bob@x.com>:",
        ] {
            let t = format!("Reply text\n\n{a}\n> old\n");
            assert_eq!(new_text(&t).as_deref(), Some("Reply text"), "{a}");
        }
    }

    #[test]
    fn outlook_reply_blocks() {
        let t = "See below.\n\n-----Original Message-----\nFrom: Bob\nSent: Monday\nTo: Ann\nSubject: x\n\nold";
        assert_eq!(new_text(t).as_deref(), Some("See below."));
        let t = "See below.\n\n________________________________\nFrom: Bob <b@x.com>\nSent: Monday\nTo: Ann\nSubject: x\n\nold";
        assert_eq!(new_text(t).as_deref(), Some("See below."));
        let t = "Siehe unten.\n\nVon: Bob <b@x.com>\nGesendet: Montag\nAn: Ann\nBetreff: x\n\nalt";
        assert_eq!(new_text(t).as_deref(), Some("Siehe unten."));
    }

    #[test]
    fn interleaved_quotes_keep_the_answers() {
        let t = "> Do you have a backup?\nYes, from Monday.\n> Which version?\n2.1\n";
        assert_eq!(new_text(t).as_deref(), Some("Yes, from Monday.\n2.1"));
    }

    #[test]
    fn plain_mail_has_no_history() {
        assert_eq!(
            new_text("Hello,\nmy printer is broken.\nAlice wrote: nothing"),
            None
        );
        assert_eq!(new_text(""), None);
    }
}
