//! Text normalization shared by every backend, so search and sort agree everywhere.
//!
//! The core projects already-normalized text: backends index and compare it byte-wise and never
//! apply collations, stemming or case folding of their own. That is what lets SQLite FTS5,
//! PostgreSQL `tsvector` ('simple' configuration), MariaDB FULLTEXT, sled and the memory store
//! return the same rows for the same search.

/// Longest projected text value, in bytes. Keeps every projected column indexable in MySQL
/// (`VARCHAR(255)` under utf8mb4) and bounds sort keys.
pub const MAX_PROJECTED_TEXT: usize = 255;

/// Longest `search_text`, in bytes.
pub const MAX_SEARCH_TEXT: usize = 32 * 1024;

/// Shortest search word that is honoured (MariaDB's FULLTEXT ignores shorter tokens by default).
pub const MIN_WORD_LEN: usize = 3;

/// Lower-cases and splits text into words: maximal runs of alphanumeric characters.
fn tokens(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
}

/// The search text to index: words joined by single spaces, truncated to
/// [`MAX_SEARCH_TEXT`] on a word boundary.
pub fn normalize<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for part in parts {
        for w in tokens(part) {
            if out.len() + w.len() + 1 > MAX_SEARCH_TEXT {
                return out;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&w);
        }
    }
    out
}

/// The words of a search query, normalized like [`normalize`]. Words shorter than
/// [`MIN_WORD_LEN`] are dropped, because not every engine indexes them; a query of only short
/// words therefore matches everything, like no query.
pub fn words(query: &str) -> Vec<String> {
    let mut out: Vec<String> = tokens(query)
        .filter(|w| w.chars().count() >= MIN_WORD_LEN)
        .collect();
    out.sort();
    out.dedup();
    out.truncate(8);
    out
}

/// A sort key for free text: trimmed, lower-cased, whitespace collapsed, cut to
/// [`MAX_PROJECTED_TEXT`] bytes on a character boundary.
pub fn sort_key(text: &str) -> String {
    let lowered = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    truncate(&lowered, MAX_PROJECTED_TEXT)
}

/// Cuts `s` to at most `max` bytes on a character boundary.
pub fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}

/// A projected key for exact look-ups (emails, Message-IDs): kept as is when short enough,
/// otherwise replaced by `sha256:` and the hex digest, so long values stay unique and indexable.
pub fn exact_key(s: &str) -> String {
    if s.len() <= MAX_PROJECTED_TEXT {
        return s.to_owned();
    }
    use sha2::{Digest, Sha256};
    format!("sha256:{}", hex::encode(Sha256::digest(s.as_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_lowercases_and_splits_on_punctuation() {
        assert_eq!(
            normalize(["Hello, World!", "alice@Example.com"]),
            "hello world alice example com"
        );
    }

    #[test]
    fn words_drop_short_and_duplicate_words() {
        assert_eq!(words("an Invoice invoice of 2024"), vec!["2024", "invoice"]);
    }

    #[test]
    fn exact_key_hashes_long_values() {
        let long = "x".repeat(300);
        let k = exact_key(&long);
        assert!(k.starts_with("sha256:"));
        assert!(k.len() <= MAX_PROJECTED_TEXT);
        assert_eq!(exact_key("a@b"), "a@b");
    }

    #[test]
    fn sort_key_is_cut_on_char_boundary() {
        let s = "é".repeat(200);
        let k = sort_key(&s);
        assert!(k.len() <= MAX_PROJECTED_TEXT);
        assert!(k.chars().all(|c| c == 'é'));
    }
}
