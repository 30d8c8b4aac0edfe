//! Mailgun settings: keys, region, timeouts, limits.
//!
//! Two keys, two purposes: the **API key** authenticates our calls to Mailgun (sending, domains,
//! fetching stored messages); the **HTTP webhook signing key** verifies Mailgun's calls to us.
//! Either may be absent: a server that only receives forwarded mail needs the signing key alone.
//! Neither is ever printed: [`Secret`]'s `Debug` is redacted, so logging a config is safe.

use std::fmt;
use std::time::Duration;

/// US API base URL.
pub const US_API_BASE: &str = "https://api.mailgun.net";
/// EU API base URL.
pub const EU_API_BASE: &str = "https://api.eu.mailgun.net";

/// Mailgun's per-message size limit (25 MB), which also bounds a single stored attachment.
pub const MAX_ATTACHMENT_BYTES: u64 = 25 * 1024 * 1024;

/// A secret string whose `Debug`/`Display` never show the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the one place that must use it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret::new(s)
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret::new(s)
    }
}

/// Where Mailgun's API lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Region {
    /// `https://api.mailgun.net`.
    Us,
    /// `https://api.eu.mailgun.net`.
    Eu,
    /// Any other base URL (a stand-in for tests, a proxy). Payload URLs on this origin are
    /// trusted with the API key like `*.mailgun.net` ones.
    Custom(String),
}

impl Region {
    /// Reads `us`, `eu` (any case) or a base URL, as `MAILGUN_API_BASE` is written.
    pub fn parse(s: &str) -> Self {
        let t = s.trim();
        if t.eq_ignore_ascii_case("us") || t.is_empty() {
            Region::Us
        } else if t.eq_ignore_ascii_case("eu") {
            Region::Eu
        } else {
            Region::Custom(t.trim_end_matches('/').to_owned())
        }
    }

    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        match self {
            Region::Us => US_API_BASE,
            Region::Eu => EU_API_BASE,
            Region::Custom(url) => url,
        }
    }
}

/// In-call retry of a Mailgun API call answered 429 or 5xx (or not reached at all).
///
/// The core's job runner retries failed sends with its own backoff; this small in-call retry
/// only smooths over a blip so a single 502 does not cost a job-runner round trip (minutes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = no retry).
    pub attempts: u32,
    /// Delay before the second attempt; doubled each time.
    pub initial_delay: Duration,
    /// Longest single delay. A 429 asking for a longer wait is not retried in-call: it is
    /// returned as `RateLimited` for the job runner to honour.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 3,
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(4),
        }
    }
}

/// Everything the Mailgun adapter needs to know.
#[derive(Debug, Clone)]
pub struct MailgunConfig {
    /// Account (or domain sending) API key; needed to send, manage domains and fetch stored mail.
    pub api_key: Option<Secret>,
    /// HTTP webhook signing key; needed to accept any webhook.
    pub signing_key: Option<Secret>,
    /// Sending domain; when `None`, the domain of each message's sender address is used.
    pub domain: Option<String>,
    /// API region or base URL.
    pub region: Region,
    /// Longest wait to open a connection.
    pub connect_timeout: Duration,
    /// Longest wait for a whole API call (request and response).
    pub request_timeout: Duration,
    /// How far a webhook timestamp may be from now, either way.
    pub signature_window: Duration,
    /// Largest attachment downloaded from Mailgun storage.
    pub max_attachment_bytes: u64,
    /// Largest stored-message response (JSON with the raw MIME inside, so larger than the mail).
    pub max_stored_message_bytes: u64,
    /// In-call retry of API calls.
    pub retry: RetryPolicy,
    /// `spam_action` given to new domains. `tag` makes Mailgun add `X-Mailgun-Sflag`/`-Sscore`
    /// to inbound mail, which is where [`gopimi_core::mail::SpamVerdict`] comes from; `None`
    /// leaves Mailgun's default (`disabled`).
    pub domain_spam_action: Option<String>,
}

impl MailgunConfig {
    /// A config with both keys, the US region and default limits.
    pub fn new(api_key: impl Into<Secret>, signing_key: impl Into<Secret>) -> Self {
        MailgunConfig {
            api_key: Some(api_key.into()),
            signing_key: Some(signing_key.into()),
            ..MailgunConfig::default()
        }
    }

    /// Sets the region or base URL.
    pub fn with_region(mut self, region: Region) -> Self {
        self.region = region;
        self
    }

    /// Sets the sending domain.
    pub fn with_domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }

    /// The API base URL, without a trailing slash.
    pub fn api_base(&self) -> &str {
        self.region.base_url()
    }
}

impl Default for MailgunConfig {
    /// No keys, US region, 10 s connect / 60 s total timeouts, a 5-minute signature window,
    /// 25 MB attachments, spam tagging on new domains.
    fn default() -> Self {
        MailgunConfig {
            api_key: None,
            signing_key: None,
            domain: None,
            region: Region::Us,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            signature_window: Duration::from_secs(5 * 60),
            max_attachment_bytes: MAX_ATTACHMENT_BYTES,
            max_stored_message_bytes: 4 * MAX_ATTACHMENT_BYTES,
            retry: RetryPolicy::default(),
            domain_spam_action: Some("tag".to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_keys() {
        let cfg = MailgunConfig::new("key-3ax6xnjp29jd6fds4gc373sgvjxteol0", "whsec-signing-1234");
        let shown = format!("{cfg:?}");
        assert!(
            !shown.contains("3ax6xnjp29jd6fds4gc373sgvjxteol0"),
            "{shown}"
        );
        assert!(!shown.contains("whsec-signing-1234"), "{shown}");
        assert!(shown.contains("redacted"));
    }

    #[test]
    fn regions_parse_from_the_environment_spelling() {
        assert_eq!(Region::parse("EU").base_url(), EU_API_BASE);
        assert_eq!(Region::parse("us").base_url(), US_API_BASE);
        assert_eq!(
            Region::parse("http://127.0.0.1:9000/").base_url(),
            "http://127.0.0.1:9000"
        );
    }
}
