//! The HTTP client every Mailgun API call goes through: Basic auth, bounded timeouts, the
//! in-call retry, the mapping of Mailgun's answers to the core's errors, and bounded reads.
//!
//! Answers map to [`gopimi_core::Error`] so that the core's job runner knows what to do:
//! - 2xx: success;
//! - 404: `NotFound` (callers that expect absence turn it into `None`);
//! - 429: retried in-call when Mailgun asks for a wait no longer than the policy's
//!   `max_delay` (or says nothing), else `RateLimited` with Mailgun's wait;
//! - other 4xx (400 bad request, 401 bad key, 402, 413 too large, ...): `Rejected` with
//!   Mailgun's own message; never retried, retrying the same request cannot help;
//! - 5xx: retried in-call, then `Unavailable`;
//! - connection failures: retried in-call (the request never left), then `Unavailable`;
//! - timeouts: `Unavailable`; retried in-call only for idempotent calls, because a send that
//!   timed out may have been accepted and sending it twice would duplicate the mail.
//!
//! Redirects are never followed, so the API key cannot be carried to another host.

use crate::config::{MailgunConfig, RetryPolicy, Secret};
use gopimi_core::Error;
use reqwest::{RequestBuilder, Response, StatusCode};
use std::time::Duration;
use url::Url;

/// Longest error body read from Mailgun to find its message.
const MAX_ERROR_BODY: u64 = 64 * 1024;

/// Default wait reported for a 429 that names none.
const DEFAULT_RATE_LIMIT_SECS: u64 = 60;

/// An authenticated client of Mailgun's API.
#[derive(Clone)]
pub struct ApiClient {
    http: reqwest::Client,
    base: Url,
    api_key: Secret,
    retry: RetryPolicy,
}

impl std::fmt::Debug for ApiClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiClient")
            .field("base", &self.base.as_str())
            .field("api_key", &self.api_key)
            .finish_non_exhaustive()
    }
}

/// Why a bounded read stopped.
#[derive(Debug)]
pub enum ReadError {
    /// The body is larger than the limit.
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// The connection failed while reading.
    Transport(Error),
}

impl ApiClient {
    /// A client for the configured region, with the config's API key and timeouts.
    pub fn new(cfg: &MailgunConfig) -> Result<Self, Error> {
        let api_key = cfg
            .api_key
            .clone()
            .filter(|k| !k.expose().is_empty())
            .ok_or_else(|| {
                Error::validation("MAILGUN_API_KEY", "the Mailgun API key is not set")
            })?;
        let base = Url::parse(cfg.api_base())
            .map_err(|e| Error::validation("MAILGUN_API_BASE", e.to_string()))?;
        if !matches!(base.scheme(), "https" | "http") || base.host_str().is_none() {
            return Err(Error::validation(
                "MAILGUN_API_BASE",
                "must be an http(s) URL with a host",
            ));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(cfg.connect_timeout)
            .timeout(cfg.request_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("gopimi/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::internal("building the Mailgun HTTP client", e))?;
        Ok(ApiClient {
            http,
            base,
            api_key,
            retry: cfg.retry.clone(),
        })
    }

    /// `path` (starting with `/`) on the API base.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base.as_str().trim_end_matches('/'))
    }

    /// Whether the API key may be sent to `url`: an `https` URL on a `*.mailgun.net` host, or
    /// a URL on the configured base's origin (a stand-in in tests, a proxy).
    pub fn is_trusted(&self, url: &str) -> bool {
        let Ok(u) = Url::parse(url) else {
            return false;
        };
        if u.origin() == self.base.origin() {
            return true;
        }
        u.scheme() == "https"
            && u.host_str()
                .is_some_and(|h| h.to_ascii_lowercase().ends_with(".mailgun.net"))
    }

    /// Runs one API call with Basic auth and the in-call retry. `build` makes the request
    /// afresh for each attempt (multipart bodies cannot be cloned). `what` names the thing for
    /// `NotFound`.
    pub async fn call(
        &self,
        what: &'static str,
        idempotent: bool,
        build: impl Fn(&reqwest::Client) -> RequestBuilder,
    ) -> Result<Response, Error> {
        let attempts = self.retry.attempts.max(1);
        let mut delay = self.retry.initial_delay;
        let mut attempt = 1;
        loop {
            let last = attempt >= attempts;
            let req = build(&self.http).basic_auth("api", Some(self.api_key.expose()));
            let wait = match req.send().await {
                Ok(resp) if resp.status().is_success() => return Ok(resp),
                Ok(resp) => match classify(what, resp).await {
                    Failure::Final(e) => return Err(e),
                    Failure::Retry { error, wait } => {
                        if last {
                            return Err(error);
                        }
                        match wait {
                            Some(w) if w > self.retry.max_delay => return Err(error),
                            Some(w) => w,
                            None => delay,
                        }
                    }
                },
                Err(e) => {
                    let retry = e.is_connect() || (idempotent && e.is_timeout());
                    let error = Error::unavailable(format!("Mailgun ({what})"), e);
                    if last || !retry {
                        return Err(error);
                    }
                    delay
                }
            };
            tracing::debug!(
                what,
                attempt,
                wait_ms = wait.as_millis() as u64,
                "retrying Mailgun call"
            );
            tokio::time::sleep(wait).await;
            delay = (delay * 2).min(self.retry.max_delay);
            attempt += 1;
        }
    }

    /// A GET of an absolute URL taken from a payload, refused unless [`Self::is_trusted`].
    pub async fn get_trusted(
        &self,
        what: &'static str,
        url: &str,
        accept: Option<&'static str>,
    ) -> Result<Response, TrustedGetError> {
        if !self.is_trusted(url) {
            return Err(TrustedGetError::Untrusted);
        }
        self.call(what, true, |http| {
            let req = http.get(url);
            match accept {
                Some(a) => req.header(reqwest::header::ACCEPT, a),
                None => req,
            }
        })
        .await
        .map_err(TrustedGetError::Call)
    }
}

/// Why a GET of a payload URL failed.
#[derive(Debug)]
pub enum TrustedGetError {
    /// Not a Mailgun host: nothing was sent.
    Untrusted,
    /// The call failed.
    Call(Error),
}

enum Failure {
    Final(Error),
    Retry {
        error: Error,
        wait: Option<Duration>,
    },
}

async fn classify(what: &'static str, resp: Response) -> Failure {
    let status = resp.status();
    let retry_after = header_secs(&resp);
    let body = read_limited(resp, MAX_ERROR_BODY).await.unwrap_or_default();
    let json: Option<serde_json::Value> = serde_json::from_slice(&body).ok();
    let message = json
        .as_ref()
        .and_then(|j| j["message"].as_str().map(str::to_owned))
        .unwrap_or_else(|| String::from_utf8_lossy(&body).trim().to_owned());
    let message = if message.is_empty() {
        status.canonical_reason().unwrap_or("error").to_owned()
    } else {
        message
    };
    if status == StatusCode::TOO_MANY_REQUESTS {
        let wait = retry_after
            .or_else(|| json.as_ref().and_then(|j| j["retry-seconds"].as_u64()))
            .or_else(|| retry_after_from_message(&message));
        return Failure::Retry {
            error: Error::RateLimited {
                retry_after_secs: wait.unwrap_or(DEFAULT_RATE_LIMIT_SECS).max(1),
            },
            wait: wait.map(Duration::from_secs),
        };
    }
    if status.is_server_error() {
        return Failure::Retry {
            error: Error::Unavailable {
                what: format!("Mailgun ({what}) answered {}: {message}", status.as_u16()),
                source: None,
            },
            wait: None,
        };
    }
    if status == StatusCode::NOT_FOUND {
        return Failure::Final(Error::NotFound { what });
    }
    Failure::Final(Error::Rejected {
        reason: format!("Mailgun answered {}: {message}", status.as_u16()),
    })
}

/// `Retry-After: <seconds>`.
fn header_secs(resp: &Response) -> Option<u64> {
    resp.headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Mailgun's "... limit exceeded, try again after <RFC 2822 date>".
fn retry_after_from_message(message: &str) -> Option<u64> {
    let (_, date) = message.split_once("try again after ")?;
    let at = chrono::DateTime::parse_from_rfc2822(date.trim().trim_end_matches('.')).ok()?;
    let secs = (at.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_seconds();
    Some(secs.max(1) as u64)
}

/// Reads a body of at most `limit` bytes, refusing larger ones by their `Content-Length`
/// before reading and by counting while reading.
pub async fn read_limited(mut resp: Response, limit: u64) -> Result<Vec<u8>, ReadError> {
    if resp.content_length().is_some_and(|n| n > limit) {
        return Err(ReadError::TooLarge { limit });
    }
    let mut out = Vec::with_capacity(resp.content_length().unwrap_or(0).min(limit) as usize);
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                if out.len() as u64 + chunk.len() as u64 > limit {
                    return Err(ReadError::TooLarge { limit });
                }
                out.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(out),
            Err(e) => {
                return Err(ReadError::Transport(Error::unavailable(
                    "reading a Mailgun response",
                    e,
                )));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Region;

    fn client(base: &str) -> ApiClient {
        ApiClient::new(&MailgunConfig::new("key", "sig").with_region(Region::parse(base)))
            .expect("client")
    }

    #[test]
    fn only_mailgun_hosts_and_the_configured_base_are_trusted() {
        let c = client("http://127.0.0.1:4000");
        assert!(c.is_trusted("https://storage-us-east4.api.mailgun.net/v3/domains/d/messages/k"));
        assert!(c.is_trusted("https://se.api.mailgun.net/v3/domains/d/messages/k"));
        assert!(c.is_trusted("http://127.0.0.1:4000/v3/domains/d/messages/k"));
        assert!(!c.is_trusted("http://127.0.0.1:4001/v3/domains/d/messages/k"));
        assert!(
            !c.is_trusted("http://storage.api.mailgun.net/v3/x"),
            "plain http"
        );
        assert!(!c.is_trusted("https://mailgun.net.evil.example/v3/x"));
        assert!(!c.is_trusted("https://evilmailgun.net/v3/x"));
        assert!(!c.is_trusted("https://evil.example/x.mailgun.net"));
        assert!(!c.is_trusted("not a url"));
    }

    #[test]
    fn a_missing_api_key_is_a_configuration_error() {
        let cfg = MailgunConfig {
            signing_key: Some("sig".into()),
            ..MailgunConfig::default()
        };
        assert!(matches!(
            ApiClient::new(&cfg),
            Err(Error::Validation { .. })
        ));
    }

    #[test]
    fn rate_limit_dates_in_messages_are_read() {
        let at = (chrono::Utc::now() + chrono::Duration::seconds(120)).to_rfc2822();
        let secs =
            retry_after_from_message(&format!("request limit exceeded, try again after {at}"))
                .expect("a date");
        assert!((100..=121).contains(&secs), "{secs}");
        assert_eq!(retry_after_from_message("no date"), None);
    }
}
