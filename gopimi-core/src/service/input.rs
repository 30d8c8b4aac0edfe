//! Checks on input shared by the services: required and optional text with length limits,
//! email addresses, colors, and the `null`-versus-absent distinction of PATCH bodies.
//!
//! Every failure is `Error::Validation` naming the input field, so the HTTP layer can answer
//! 422 with an `errors` object and an embedding app can show the message next to the field.

use crate::error::{Error, Result};
use crate::model::mailbox::{is_valid_email, normalize_email};
use serde::{Deserialize, Deserializer};

/// Longest name of a workspace, user, contact, organization, tag, field or canned response.
pub const NAME_MAX: usize = 255;
/// Longest ticket or conversation subject.
pub const SUBJECT_MAX: usize = 500;
/// Longest ticket description, message body or canned response body, in characters.
pub const BODY_MAX: usize = 200_000;
/// Longest free-text note (contact notes, reasons).
pub const NOTE_MAX: usize = 10_000;
/// Most ids in one bulk request.
pub const BULK_MAX: usize = 100;

/// Trimmed, non-empty, at most `max` characters, without control characters other than line
/// breaks and tabs.
pub fn required_text(field: &str, value: &str, max: usize) -> Result<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(Error::validation(field, "is required"));
    }
    bounded(field, v, max)
}

/// Like [`required_text`] but empty (after trimming) means "none".
pub fn optional_text(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => bounded(field, v, max).map(Some),
    }
}

/// At most `max` characters and no control characters other than line breaks and tabs; not
/// trimmed (bodies keep their layout).
pub fn bounded(field: &str, value: &str, max: usize) -> Result<String> {
    if value.chars().count() > max {
        return Err(Error::validation(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(Error::validation(field, "contains control characters"));
    }
    Ok(value.to_owned())
}

/// A single-line name: required, bounded, without line breaks.
pub fn name(field: &str, value: &str, max: usize) -> Result<String> {
    let v = required_text(field, value, max)?;
    if v.contains(['\n', '\r']) {
        return Err(Error::validation(field, "must be a single line"));
    }
    Ok(v.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// A valid email address, trimmed (case kept; matching is case-insensitive elsewhere).
pub fn email(field: &str, value: &str) -> Result<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(Error::validation(field, "is required"));
    }
    if !is_valid_email(v) {
        return Err(Error::validation(
            field,
            format!("'{v}' is not a valid email address"),
        ));
    }
    Ok(v.to_owned())
}

/// The matching form of an address.
pub fn email_key(value: &str) -> String {
    normalize_email(value)
}

/// A `#rrggbb` color, lower-cased. `#RGB` shorthand is expanded.
pub fn color(field: &str, value: &str) -> Result<String> {
    let v = value.trim().to_ascii_lowercase();
    let hex = v.strip_prefix('#').unwrap_or("");
    let ok = hex.bytes().all(|b| b.is_ascii_hexdigit());
    match (ok, hex.len()) {
        (true, 6) => Ok(v),
        (true, 3) => Ok(format!(
            "#{}",
            hex.chars().flat_map(|c| [c, c]).collect::<String>()
        )),
        _ => Err(Error::validation(
            field,
            format!("'{}' is not a color like #1f6feb", value.trim()),
        )),
    }
}

/// A list of ids without duplicates, at most `max` long.
pub fn id_list<T: Copy + Eq + std::hash::Hash>(
    field: &str,
    ids: &[T],
    max: usize,
) -> Result<Vec<T>> {
    let mut seen = std::collections::HashSet::new();
    let out: Vec<T> = ids.iter().copied().filter(|i| seen.insert(*i)).collect();
    if out.len() > max {
        return Err(Error::validation(field, format!("at most {max} ids")));
    }
    Ok(out)
}

/// Deserializes a PATCH field that may be absent (`None`), `null` (`Some(None)`) or a value
/// (`Some(Some(v))`). Use with `#[serde(default, deserialize_with = "nullable")]`.
pub fn nullable<'de, D, T>(d: D) -> std::result::Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_rules() {
        assert!(required_text("subject", "   ", 10).is_err());
        assert_eq!(required_text("subject", "  hi ", 10).expect("ok"), "hi");
        assert!(required_text("subject", "12345678901", 10).is_err());
        assert!(required_text("subject", "a\u{0}b", 10).is_err());
        assert_eq!(name("name", " Acme   Inc ", 20).expect("ok"), "Acme Inc");
    }

    #[test]
    fn colors() {
        assert_eq!(color("color", "#1F6FEB").expect("ok"), "#1f6feb");
        assert_eq!(color("color", "#abc").expect("ok"), "#aabbcc");
        assert!(color("color", "red").is_err());
        assert!(color("color", "#12345g").is_err());
    }

    #[test]
    fn patch_fields_tell_null_from_absent() {
        #[derive(Deserialize, Default)]
        struct P {
            #[serde(default, deserialize_with = "nullable")]
            agent: Option<Option<u32>>,
        }
        let absent: P = serde_json::from_str("{}").expect("json");
        let null: P = serde_json::from_str(r#"{"agent":null}"#).expect("json");
        let set: P = serde_json::from_str(r#"{"agent":7}"#).expect("json");
        assert_eq!(absent.agent, None);
        assert_eq!(null.agent, Some(None));
        assert_eq!(set.agent, Some(Some(7)));
    }
}
