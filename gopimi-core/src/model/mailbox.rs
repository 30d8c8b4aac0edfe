//! An email address with an optional display name.

use serde::{Deserialize, Serialize};
use std::fmt;

/// `Name <email>`: a sender or recipient.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Mailbox {
    /// Display name, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The address as given (case preserved).
    pub email: String,
}

impl Mailbox {
    /// A mailbox with no display name.
    pub fn new(email: impl Into<String>) -> Self {
        Mailbox {
            name: None,
            email: email.into(),
        }
    }

    /// A mailbox with a display name.
    pub fn named(name: impl Into<String>, email: impl Into<String>) -> Self {
        let name = name.into();
        Mailbox {
            name: if name.trim().is_empty() {
                None
            } else {
                Some(name)
            },
            email: email.into(),
        }
    }

    /// The address lower-cased and trimmed: the form used for matching and unique keys.
    pub fn normalized(&self) -> String {
        normalize_email(&self.email)
    }
}

impl fmt::Display for Mailbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(n) => write!(f, "{n} <{}>", self.email),
            None => f.write_str(&self.email),
        }
    }
}

/// Lower-cases and trims an address. Email local parts are case-sensitive in theory and never
/// in practice; every helpdesk matches them case-insensitively, and so do we.
pub fn normalize_email(email: &str) -> String {
    email
        .trim()
        .trim_matches(|c| c == '<' || c == '>')
        .to_lowercase()
}

/// Whether `s` looks like an email address: one `@`, a non-empty local part, a domain with a dot
/// and no spaces. Deliberately loose: mail servers decide deliverability.
pub fn is_valid_email(s: &str) -> bool {
    let s = s.trim();
    if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && !local.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_addresses() {
        assert!(is_valid_email("a@example.com"));
        assert!(!is_valid_email("a@localhost"));
        assert!(!is_valid_email("no-at.example.com"));
        assert!(!is_valid_email("a b@example.com"));
        assert_eq!(normalize_email(" <Bob@Example.COM> "), "bob@example.com");
    }
}
