//! The transport port: sends one signed request and reports what came back. It moves bytes
//! and decides nothing, except that it must apply [`super::UrlPolicy::allows_ip`] to every
//! address it connects to, bound its time and the response bytes it reads, and never follow
//! redirects (a 3xx is an answer like any other, and a failure).

use async_trait::async_trait;
use std::fmt;

/// One request to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookRequest {
    pub url: String,
    /// `content-type`, `user-agent` and the three `webhook-*` headers.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// The endpoint's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookResponse {
    pub status: u16,
    /// The first bytes of the body (the transport stops reading after its limit).
    pub body: Vec<u8>,
}

/// Why no answer came back. Data, not an error of the core: every case is recorded in the
/// delivery log and decided on by the deliverer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendFailure {
    /// The URL or every address it resolves to is not allowed ([`super::UrlPolicy`]). Final:
    /// retrying will not help.
    Refused(String),
    /// No answer within the transport's time limit.
    Timeout,
    /// DNS, connection or TLS failure, or a broken response.
    Network(String),
}

impl SendFailure {
    /// Whether a later attempt may succeed.
    pub fn is_retryable(&self) -> bool {
        !matches!(self, SendFailure::Refused(_))
    }
}

impl fmt::Display for SendFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendFailure::Refused(why) => write!(f, "refused: {why}"),
            SendFailure::Timeout => f.write_str("timed out"),
            SendFailure::Network(why) => write!(f, "network error: {why}"),
        }
    }
}

/// Sends webhook requests (reqwest in `gopimi-http`; a recording fake in tests).
#[async_trait]
pub trait WebhookTransport: Send + Sync + 'static {
    /// Sends one request.
    async fn send(&self, request: &WebhookRequest) -> Result<WebhookResponse, SendFailure>;
}
