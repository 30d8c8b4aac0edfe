//! Custom domains at Mailgun, behind the core's [`DomainProvider`] port.
//!
//! Endpoints as Mailgun's Go SDK uses them: create, get and verify on `/v4/domains`, delete on
//! `/v3/domains/{name}`. Create, get and verify answer the same shape: `domain` (with its
//! `state`: `active`, `unverified`, `disabled`), `sending_dns_records` (SPF and DKIM TXT, the
//! tracking CNAME) and `receiving_dns_records` (MX, which carry no `name`: they belong on the
//! domain itself, and a `priority` given as a string).
//!
//! New domains get `spam_action` from the config (`tag` by default) so inbound mail carries
//! Mailgun's spam verdict. Deleting a domain Mailgun does not know succeeds: the goal, the
//! domain being gone, is met.

use crate::client::ApiClient;
use crate::config::MailgunConfig;
use async_trait::async_trait;
use gopimi_core::mail::{DomainProvider, ProviderDomain};
use gopimi_core::model::DnsRecord;
use gopimi_core::{Error, Result};
use serde::Deserialize;

/// Mailgun's domain API.
#[derive(Debug, Clone)]
pub struct MailgunDomains {
    client: ApiClient,
    spam_action: Option<String>,
}

impl MailgunDomains {
    /// A client with the config's API key and region.
    pub fn new(cfg: &MailgunConfig) -> Result<Self> {
        Ok(MailgunDomains {
            client: ApiClient::new(cfg)?,
            spam_action: cfg.domain_spam_action.clone(),
        })
    }

    fn path(&self, version: &str, name: &str, suffix: &str) -> Result<String> {
        let name = name.trim().trim_end_matches('.').to_ascii_lowercase();
        let ok = !name.is_empty()
            && name.len() <= 253
            && !name.starts_with('.')
            && !name.contains("..")
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
        if !ok {
            return Err(Error::validation("name", "not a domain name"));
        }
        Ok(self
            .client
            .url(&format!("/{version}/domains/{name}{suffix}")))
    }
}

#[async_trait]
impl DomainProvider for MailgunDomains {
    async fn add_domain(&self, name: &str) -> Result<ProviderDomain> {
        // Validates the name the same way as the other calls.
        self.path("v4", name, "")?;
        let url = self.client.url("/v4/domains");
        let name = name.trim().trim_end_matches('.').to_ascii_lowercase();
        let resp = self
            .client
            .call("domain", false, |http| {
                let mut form = vec![("name", name.as_str())];
                if let Some(action) = &self.spam_action {
                    form.push(("spam_action", action.as_str()));
                }
                http.post(&url).form(&form)
            })
            .await?;
        read_domain(resp).await
    }

    async fn get_domain(&self, name: &str) -> Result<Option<ProviderDomain>> {
        let url = self.path("v4", name, "")?;
        match self
            .client
            .call("domain", true, |http| http.get(&url))
            .await
        {
            Ok(resp) => read_domain(resp).await.map(Some),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn verify_domain(&self, name: &str) -> Result<ProviderDomain> {
        let url = self.path("v4", name, "/verify")?;
        let resp = self
            .client
            .call("domain", true, |http| http.put(&url))
            .await?;
        read_domain(resp).await
    }

    async fn delete_domain(&self, name: &str) -> Result<()> {
        let url = self.path("v3", name, "")?;
        match self
            .client
            .call("domain", true, |http| http.delete(&url))
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e),
        }
    }
}

/// Mailgun's create/get/verify answer.
#[derive(Debug, Deserialize)]
struct DomainResponse {
    domain: DomainInfo,
    #[serde(default)]
    sending_dns_records: Vec<MailgunDnsRecord>,
    #[serde(default)]
    receiving_dns_records: Vec<MailgunDnsRecord>,
}

#[derive(Debug, Deserialize)]
struct DomainInfo {
    name: String,
    #[serde(default)]
    state: Option<String>,
}

#[derive(Debug, Deserialize)]
struct MailgunDnsRecord {
    record_type: String,
    #[serde(default)]
    name: Option<String>,
    value: String,
    #[serde(default)]
    priority: Option<serde_json::Value>,
    #[serde(default)]
    valid: Option<String>,
}

async fn read_domain(resp: reqwest::Response) -> Result<ProviderDomain> {
    let body = resp
        .bytes()
        .await
        .map_err(|e| Error::unavailable("reading Mailgun's domain answer", e))?;
    let parsed: DomainResponse = serde_json::from_slice(&body)
        .map_err(|e| Error::internal("Mailgun's domain answer has an unexpected shape", e))?;
    Ok(to_provider_domain(parsed))
}

fn to_provider_domain(r: DomainResponse) -> ProviderDomain {
    let name = r.domain.name.to_ascii_lowercase();
    let convert = |purpose: &str, rec: MailgunDnsRecord| DnsRecord {
        purpose: purpose.to_owned(),
        record_type: rec.record_type.to_ascii_uppercase(),
        name: rec
            .name
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| name.clone()),
        value: rec.value,
        priority: rec.priority.and_then(|p| match p {
            serde_json::Value::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
            serde_json::Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }),
        valid: rec.valid.map(|v| v.to_ascii_lowercase()),
    };
    let mut records: Vec<DnsRecord> = r
        .sending_dns_records
        .into_iter()
        .map(|rec| convert("sending", rec))
        .collect();
    records.extend(
        r.receiving_dns_records
            .into_iter()
            .map(|rec| convert("receiving", rec)),
    );
    ProviderDomain {
        state: r
            .domain
            .state
            .map(|s| s.to_ascii_lowercase())
            .unwrap_or_else(|| "unverified".to_owned()),
        name,
        records,
    }
}
