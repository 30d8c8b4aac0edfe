//! Addresses from headers and from free text, as [`Mailbox`]es.
//!
//! Header addresses come through mail-parser (which decodes encoded words and groups); entries
//! without a usable address are skipped, because a mailbox the pipeline cannot write back to is
//! no recipient. Free-text addresses, as forwarded-message blocks quote them ("John Doe
//! <john@x>", "John Doe [mailto:john@x]", "john@x (John Doe)"), go through [`parse_loose`].

use crate::model::Mailbox;
use mail_parser::Address;
use regex::Regex;
use std::sync::LazyLock;

/// The mailboxes of a header, groups flattened, entries without a plausible address skipped.
pub(crate) fn mailboxes(address: Option<&Address<'_>>) -> Vec<Mailbox> {
    let Some(address) = address else {
        return Vec::new();
    };
    let mut out: Vec<Mailbox> = Vec::new();
    for addr in address.iter() {
        let Some(email) = addr.address().map(clean_address) else {
            continue;
        };
        if !looks_like_address(&email) {
            continue;
        }
        let name = addr
            .name()
            .map(clean_name)
            .filter(|n| !n.is_empty() && !n.eq_ignore_ascii_case(&email));
        if out.iter().any(|m| m.email.eq_ignore_ascii_case(&email)) {
            continue;
        }
        out.push(Mailbox { name, email });
    }
    out
}

/// Trims an address and strips brackets, quotes and a `mailto:` prefix.
pub(crate) fn clean_address(raw: &str) -> String {
    let t = raw
        .trim()
        .trim_matches(|c: char| c == '<' || c == '>' || c == '"' || c == '\'' || c.is_whitespace());
    let t = t
        .strip_prefix("mailto:")
        .or_else(|| t.strip_prefix("MAILTO:"))
        .unwrap_or(t);
    t.trim().to_string()
}

/// Trims a display name: whitespace collapsed, surrounding quotes of any style removed.
pub(crate) fn clean_name(raw: &str) -> String {
    let collapsed = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    collapsed
        .trim_matches(|c: char| {
            matches!(
                c,
                '"' | '\'' | '«' | '»' | '„' | '“' | '”' | '‘' | '’' | '‚' | '`'
            ) || c.is_whitespace()
        })
        .to_string()
}

/// A loose plausibility check: one `@`, something on both sides, no spaces.
pub(crate) fn looks_like_address(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.is_empty()
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        && s.len() <= 320
}

static EMAIL_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z0-9._%+'=!#$&*/?^`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+")
        .expect("valid regex")
});

/// The first email address in free text.
pub(crate) fn find_address(text: &str) -> Option<String> {
    EMAIL_RE.find(text).map(|m| m.as_str().to_string())
}

/// All email addresses in free text, in order, without duplicates (case-insensitive).
pub(crate) fn find_addresses(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for m in EMAIL_RE.find_iter(text) {
        let a = m.as_str().trim_end_matches('.').to_string();
        if !out.iter().any(|o| o.eq_ignore_ascii_case(&a)) {
            out.push(a);
        }
    }
    out
}

/// A sender as free text quotes it. Returns the display name and the address; either may be
/// missing ("From: John Doe" has no address, "From: john@x" no name).
pub(crate) fn parse_loose(value: &str) -> (Option<String>, Option<String>) {
    let mut value = value.trim();
    // "John<mailto:john@x> <john@x<mailto:john@x>> on behalf of ticketing@x": the person is
    // before "on behalf of".
    if let Some(pos) = find_ascii_ci(value, " on behalf of ") {
        value = &value[..pos];
    }
    let address = find_address(value);
    // The name is what precedes the first bracket or the address itself.
    let mut end = value.len();
    for marker in ['<', '[', '('] {
        if let Some(p) = value.find(marker) {
            end = end.min(p);
        }
    }
    if let Some(a) = &address
        && let Some(p) = value.find(a.as_str())
    {
        end = end.min(p);
    }
    let mut name = clean_name(&value[..end]);
    // "john@x (John Doe)": the name is in the comment.
    if name.is_empty()
        && let (Some(open), Some(close)) = (value.find('('), value.rfind(')'))
        && open < close
    {
        let inner = clean_name(&value[open + 1..close]);
        if find_address(&inner).is_none() {
            name = inner;
        }
    }
    let name = name.trim_end_matches([',', ';', ':']).trim().to_string();
    let name = (!name.is_empty()
        && address
            .as_deref()
            .is_none_or(|a| !name.eq_ignore_ascii_case(a)))
    .then_some(name);
    (name, address)
}

/// Byte position of an ASCII needle in `haystack`, ignoring ASCII case.
pub(crate) fn find_ascii_ci(haystack: &str, needle: &str) -> Option<usize> {
    let h = haystack.as_bytes();
    let n = needle.as_bytes();
    if n.is_empty() || h.len() < n.len() {
        return None;
    }
    (0..=h.len() - n.len()).find(|&i| h[i..i + n.len()].eq_ignore_ascii_case(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_loose_senders() {
        let cases = [
            (
                "John Doe <john.doe@acme.com>",
                Some("John Doe"),
                Some("john.doe@acme.com"),
            ),
            (
                "\"John Doe\" <john.doe@acme.com>",
                Some("John Doe"),
                Some("john.doe@acme.com"),
            ),
            (
                "« John Doe » <john.doe@acme.com>",
                Some("John Doe"),
                Some("john.doe@acme.com"),
            ),
            (
                "John Doe [mailto:john.doe@acme.com]",
                Some("John Doe"),
                Some("john.doe@acme.com"),
            ),
            (
                "John Doe (john.doe@acme.com)",
                Some("John Doe"),
                Some("john.doe@acme.com"),
            ),
            (
                "John Doe (<john.doe@acme.com>)",
                Some("John Doe"),
                Some("john.doe@acme.com"),
            ),
            ("john.doe@acme.com", None, Some("john.doe@acme.com")),
            ("John Doe", Some("John Doe"), None),
            (
                "John, Doe <john.doe@acme.com>",
                Some("John, Doe"),
                Some("john.doe@acme.com"),
            ),
            (
                "John Doe<mailto:john.doe@acme.com> <john.doe@acme.com<mailto:john.doe@acme.com>> on behalf of ticketing@acme.com<mailto:ticketing@acme.com>",
                Some("John Doe"),
                Some("john.doe@acme.com"),
            ),
            (
                "john.doe@acme.com (John Doe)",
                Some("John Doe"),
                Some("john.doe@acme.com"),
            ),
        ];
        for (input, name, addr) in cases {
            let (n, a) = parse_loose(input);
            assert_eq!(n.as_deref(), name, "name of {input}");
            assert_eq!(a.as_deref(), addr, "address of {input}");
        }
    }

    #[test]
    fn cleans_addresses() {
        assert_eq!(clean_address(" <mailto:a@b.c> "), "a@b.c");
        assert!(looks_like_address("a@b"));
        assert!(!looks_like_address("a b@c"));
        assert!(!looks_like_address("nobody"));
    }
}
