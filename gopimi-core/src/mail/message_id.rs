//! Message-IDs as the pipeline stores and compares them: without angle brackets, whitespace
//! removed. And the stable id given to a message that arrived without one.
//!
//! A derived id hashes the headers that identify a message (From, To, Cc, Subject, Date) and
//! the body bytes, not the whole raw message: a redelivery through another relay adds or
//! rewrites `Received` and authentication headers, and must still get the same id.

use sha2::{Digest, Sha256};

/// Domain of derived ids: `.invalid` (RFC 2606) so a derived id can never collide with a real
/// host's ids.
pub const DERIVED_ID_DOMAIN: &str = "gopimi.invalid";

/// Longest Message-ID kept; longer values are cut (RFC 5322 lines stop at 998 characters).
pub const MAX_MESSAGE_ID_LEN: usize = 250;

/// Normalizes one Message-ID: trims, drops angle brackets and inner whitespace. `None` when
/// nothing usable remains.
pub fn normalize_message_id(raw: &str) -> Option<String> {
    let trimmed = raw.trim();
    let inner = match (trimmed.find('<'), trimmed.rfind('>')) {
        (Some(a), Some(b)) if a < b => &trimmed[a + 1..b],
        _ => trimmed.trim_matches(|c| c == '<' || c == '>'),
    };
    let mut id: String = inner
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control() && *c != '<' && *c != '>')
        .collect();
    if id.is_empty() {
        return None;
    }
    if id.len() > MAX_MESSAGE_ID_LEN {
        let mut cut = MAX_MESSAGE_ID_LEN;
        while !id.is_char_boundary(cut) {
            cut -= 1;
        }
        id.truncate(cut);
    }
    Some(id)
}

/// Splits a header value holding several ids (References, In-Reply-To) into normalized ids.
/// Bracketed ids are taken as they are; text outside brackets (comments, phrases some clients
/// add) is ignored unless the value holds no brackets at all, in which case whitespace- or
/// comma-separated tokens that look like ids (contain `@`) are used.
pub fn parse_id_list(raw: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = raw;
    let mut bracketed = false;
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('>') else { break };
        bracketed = true;
        if let Some(id) = normalize_message_id(&after[..close]) {
            push_unique(&mut out, id);
        }
        rest = &after[close + 1..];
    }
    if !bracketed {
        for token in raw.split(|c: char| c.is_whitespace() || c == ',') {
            if token.contains('@')
                && let Some(id) = normalize_message_id(token)
            {
                push_unique(&mut out, id);
            }
        }
    }
    out
}

fn push_unique(list: &mut Vec<String>, id: String) {
    if !list.contains(&id) {
        list.push(id);
    }
}

/// The stable id of a message without Message-ID: `derived.<32 hex>@gopimi.invalid`, from the
/// identifying header values and the body bytes.
pub fn derived_message_id(key_headers: &[(&str, &str)], body: &[u8]) -> String {
    let mut hasher = Sha256::new();
    for (name, value) in key_headers {
        hasher.update(name.to_ascii_lowercase().as_bytes());
        hasher.update(b":");
        // Unfolded and trimmed, so re-folding by a relay does not change the id.
        let unfolded: String = value.split_whitespace().collect::<Vec<_>>().join(" ");
        hasher.update(unfolded.as_bytes());
        hasher.update(b"\n");
    }
    hasher.update(b"\n");
    hasher.update(body);
    let digest = hasher.finalize();
    format!("derived.{}@{DERIVED_ID_DOMAIN}", hex::encode(&digest[..16]))
}

/// Whether an id was derived by [`derived_message_id`].
pub fn is_derived_message_id(id: &str) -> bool {
    id.starts_with("derived.") && id.ends_with(&format!("@{DERIVED_ID_DOMAIN}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_ids() {
        assert_eq!(
            normalize_message_id(" <abc@example.com> ").as_deref(),
            Some("abc@example.com")
        );
        assert_eq!(
            normalize_message_id("abc @example.com").as_deref(),
            Some("abc@example.com")
        );
        assert_eq!(normalize_message_id(" <> "), None);
    }

    #[test]
    fn splits_reference_lists() {
        assert_eq!(
            parse_id_list("<a@x> (comment) <b@y>\r\n <a@x>"),
            vec!["a@x".to_string(), "b@y".to_string()]
        );
        assert_eq!(
            parse_id_list("a@x, b@y"),
            vec!["a@x".to_string(), "b@y".to_string()]
        );
        assert!(parse_id_list("no ids here").is_empty());
    }

    #[test]
    fn derived_ids_ignore_folding_but_not_content() {
        let a = derived_message_id(&[("Subject", "Hello  world")], b"body");
        let b = derived_message_id(&[("subject", "Hello\r\n world")], b"body");
        let c = derived_message_id(&[("Subject", "Hello world")], b"other body");
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(is_derived_message_id(&a));
    }
}
