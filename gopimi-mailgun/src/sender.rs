//! Sending finished MIME through Mailgun, behind the core's [`MailSender`] port.
//!
//! The core builds the whole message (threading headers, Message-ID, body), so the adapter
//! uses `POST /v3/{domain}/messages.mime`, which sends the MIME as given: `to` repeated once
//! per envelope recipient (To, Cc and Bcc alike; Mailgun reads the envelope from these fields,
//! not from the headers) and `message` as a file part. The domain is the configured one, or
//! else the domain of the envelope sender.
//!
//! The receipt's provider id is Mailgun's `id` **without angle brackets**, the form in which
//! Mailgun's events name the message and in which the core stores Message-IDs.
//! Errors follow [`crate::client`]: `Rejected` (final, with Mailgun's message), `RateLimited`
//! and `Unavailable` (retried by the core's job runner). A timed-out send is not retried
//! in-call, since Mailgun may have accepted it.

use crate::client::ApiClient;
use crate::config::MailgunConfig;
use crate::fields::strip_angle;
use async_trait::async_trait;
use gopimi_core::mail::{MailSender, OutgoingEmail, SendReceipt};
use gopimi_core::{Error, Result};
use reqwest::multipart::{Form, Part};

/// Sends mail through Mailgun's `messages.mime` endpoint.
#[derive(Debug, Clone)]
pub struct MailgunSender {
    client: ApiClient,
    domain: Option<String>,
}

impl MailgunSender {
    /// A sender with the config's API key, region and (optional) sending domain.
    pub fn new(cfg: &MailgunConfig) -> Result<Self> {
        Ok(MailgunSender {
            client: ApiClient::new(cfg)?,
            domain: cfg
                .domain
                .as_deref()
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .map(str::to_ascii_lowercase),
        })
    }

    /// The Mailgun domain a message is sent through.
    pub fn sending_domain(&self, from: &str) -> Result<String> {
        let domain = match &self.domain {
            Some(d) => d.clone(),
            None => domain_of(from)
                .ok_or_else(|| Error::validation("from", "the sender has no domain"))?,
        };
        if !is_domain(&domain) {
            return Err(Error::validation(
                "domain",
                format!("`{domain}` is not a domain name"),
            ));
        }
        Ok(domain)
    }
}

#[async_trait]
impl MailSender for MailgunSender {
    async fn send(&self, email: &OutgoingEmail) -> Result<SendReceipt> {
        let domain = self.sending_domain(&email.from)?;
        if email.recipients.is_empty() {
            return Err(Error::validation("recipients", "no envelope recipient"));
        }
        let url = self.client.url(&format!("/v3/{domain}/messages.mime"));
        let resp = self
            .client
            .call("sending domain", false, |http| {
                let mut form = Form::new();
                for to in &email.recipients {
                    form = form.text("to", to.clone());
                }
                let message = Part::bytes(email.mime.clone()).file_name("message.mime");
                let message = match message.mime_str("message/rfc822") {
                    Ok(m) => m,
                    Err(_) => Part::bytes(email.mime.clone()).file_name("message.mime"),
                };
                http.post(&url).multipart(form.part("message", message))
            })
            .await?;
        let body: serde_json::Value = resp
            .json()
            .await
            .map_err(|e| Error::unavailable("reading Mailgun's send answer", e))?;
        Ok(SendReceipt {
            provider_message_id: body["id"]
                .as_str()
                .map(|id| strip_angle(id).to_owned())
                .filter(|id| !id.is_empty()),
        })
    }
}

/// The domain of an address (`Name <a@b.example>` or `a@b.example`), lower-cased.
fn domain_of(address: &str) -> Option<String> {
    let addr = match (address.rfind('<'), address.rfind('>')) {
        (Some(open), Some(close)) if open < close => &address[open + 1..close],
        _ => address,
    };
    let (_, domain) = addr.trim().rsplit_once('@')?;
    let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    (!domain.is_empty()).then_some(domain)
}

/// Letters, digits, hyphens, underscores and dots: safe in a URL path.
fn is_domain(d: &str) -> bool {
    !d.is_empty()
        && d.len() <= 253
        && !d.starts_with('.')
        && !d.contains("..")
        && d.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_domain_comes_from_the_sender() {
        assert_eq!(
            domain_of("support@Help.Example.com").as_deref(),
            Some("help.example.com")
        );
        assert_eq!(
            domain_of("Support <s@mg.example.org>").as_deref(),
            Some("mg.example.org")
        );
        assert_eq!(domain_of("nobody"), None);
        assert!(!is_domain("../v4/domains"));
        assert!(!is_domain("a/b"));
        assert!(is_domain("mg.example-1.org"));
    }
}
