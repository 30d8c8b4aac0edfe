//! The webhook transport on reqwest: the adapter behind [`WebhookTransport`]. The rules are
//! the core's ([`gopimi_core::webhooks`]); this file enforces the ones about the connection:
//!
//! - every address a host name resolves to is checked with [`UrlPolicy::allows_ip`] inside the
//!   resolver, and only the allowed ones are handed to the connector, so the address checked is
//!   the address connected to (no DNS rebinding between a check and the connection); literal
//!   addresses are checked by the core before the request;
//! - no proxy (a proxy would resolve the name itself, out of our sight);
//! - redirects are not followed; one timeout bounds connecting, sending and reading;
//! - at most [`TransportConfig::max_response_bytes`] of the response are read.

use async_trait::async_trait;
use gopimi_core::webhooks::{
    SendFailure, UrlPolicy, WebhookRequest, WebhookResponse, WebhookTransport,
};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// Limits of the transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransportConfig {
    /// Whole request, connection included.
    pub timeout: Duration,
    /// Connection alone.
    pub connect_timeout: Duration,
    /// Response bytes read (the rest is dropped).
    pub max_response_bytes: usize,
    /// Where requests may go.
    pub urls: UrlPolicy,
}

impl Default for TransportConfig {
    fn default() -> Self {
        TransportConfig {
            timeout: Duration::from_secs(15),
            connect_timeout: Duration::from_secs(5),
            max_response_bytes: 64 * 1024,
            urls: UrlPolicy::default(),
        }
    }
}

/// Sends webhooks with reqwest.
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
    config: TransportConfig,
}

/// The resolver's refusal, found again in reqwest's error chain.
#[derive(Debug)]
struct Refused(String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} resolves only to private, loopback or reserved addresses",
            self.0
        )
    }
}

impl std::error::Error for Refused {}

/// Resolves with the system resolver, then keeps only the addresses the policy allows.
#[derive(Debug)]
struct CheckedResolver(UrlPolicy);

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.0;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| policy.allows_ip(a.ip()))
                .collect();
            if allowed.is_empty() {
                return Err(Box::new(Refused(host)) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

impl ReqwestTransport {
    /// A transport with its limits.
    pub fn new(config: TransportConfig) -> gopimi_core::Result<Self> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout)
            .no_proxy()
            .dns_resolver(Arc::new(CheckedResolver(config.urls)))
            .build()
            .map_err(|e| gopimi_core::Error::internal("building the webhook HTTP client", e))?;
        Ok(ReqwestTransport { client, config })
    }

    async fn read_body(&self, mut res: reqwest::Response) -> Result<Vec<u8>, reqwest::Error> {
        let mut body = Vec::new();
        while let Some(chunk) = res.chunk().await? {
            let room = self.config.max_response_bytes.saturating_sub(body.len());
            body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if body.len() >= self.config.max_response_bytes {
                break;
            }
        }
        Ok(body)
    }
}

fn failure(e: &reqwest::Error) -> SendFailure {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if let Some(r) = s.downcast_ref::<Refused>() {
            return SendFailure::Refused(r.to_string());
        }
        source = s.source();
    }
    if e.is_timeout() {
        return SendFailure::Timeout;
    }
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    SendFailure::Network(gopimi_core::search::truncate(&message, 500))
}

#[async_trait]
impl WebhookTransport for ReqwestTransport {
    async fn send(&self, request: &WebhookRequest) -> Result<WebhookResponse, SendFailure> {
        // The core checked the URL; checked again here so the adapter is safe on its own.
        self.config
            .urls
            .check_url(&request.url)
            .map_err(|e| SendFailure::Refused(e.to_string()))?;
        let mut req = self.client.post(&request.url).body(request.body.clone());
        for (k, v) in &request.headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let res = req.send().await.map_err(|e| failure(&e))?;
        let status = res.status().as_u16();
        let body = self.read_body(res).await.map_err(|e| failure(&e))?;
        Ok(WebhookResponse { status, body })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The check is on the resolved addresses: a name that is not an address literal but
    /// resolves to loopback is refused unless private addresses are allowed.
    #[tokio::test]
    async fn names_resolving_to_private_addresses_are_refused() {
        let name: Name = "localhost".parse().expect("name");
        let refused = CheckedResolver(UrlPolicy::default()).resolve(name).await;
        let Err(e) = refused else {
            panic!("localhost must be refused");
        };
        assert!(e.downcast_ref::<Refused>().is_some(), "{e}");
        let name: Name = "localhost".parse().expect("name");
        let allowed = CheckedResolver(UrlPolicy::new(true))
            .resolve(name)
            .await
            .expect("allowed when configured");
        assert!(allowed.into_iter().all(|a| a.ip().is_loopback()));
    }

    /// A refusal by the resolver surfaces as `Refused` (final), not as a network error.
    #[tokio::test]
    async fn a_refused_resolution_is_reported_as_refused() {
        let t = ReqwestTransport::new(TransportConfig::default()).expect("transport");
        // Straight through the client, below the URL check: the resolver is the last line.
        let res = t
            .client
            .post("http://localhost:9/")
            .send()
            .await
            .expect_err("refused");
        assert!(matches!(failure(&res), SendFailure::Refused(_)), "{res}");
    }
}
