//! The composition root's choice of mail providers and the pipeline's signing secret.
//!
//! Outbound mail goes through Mailgun when `MAILGUN_API_KEY` and `MAILGUN_DOMAIN` are set (and
//! the `mailgun` feature is compiled in), else into the outbox folder as `.eml` files. Inbound
//! Mailgun webhooks are accepted when `MAILGUN_WEBHOOK_SIGNING_KEY` is set, on their own.
//!
//! The Message-Id signing secret must be the same in every process that serves one database
//! and across restarts, or replies to earlier mail lose one way of threading: it comes from
//! `GOPIMI_MESSAGE_ID_SECRET`, else from `<data dir>/message-id.key`, created with 32 random
//! bytes on first start.

use crate::config::StoreArgs;
use gopimi_core::mail::{DomainProvider, MailSender, MessageIdSigner, outbox::OutboxSender};
use gopimi_core::notify::{NotifyConfig, UnsubscribeSigner};
use gopimi_core::{Error, Result};
use std::path::Path;
use std::sync::Arc;

/// Where outbound mail goes, and a line saying so for the banner.
pub fn mail_sender(args: &StoreArgs) -> Result<(Arc<dyn MailSender>, String)> {
    let key = args.mailgun_api_key.as_deref().filter(|k| !k.is_empty());
    let domain = args.mailgun_domain.as_deref().filter(|d| !d.is_empty());
    #[cfg(feature = "mailgun")]
    if let (Some(key), Some(domain)) = (key, domain) {
        use gopimi_mailgun::{MailgunConfig, MailgunSender, Region};
        let mut cfg = MailgunConfig {
            api_key: Some(key.to_owned().into()),
            ..MailgunConfig::default()
        }
        .with_domain(domain);
        if let Some(base) = args.mailgun_api_base.as_deref().filter(|b| !b.is_empty()) {
            cfg = cfg.with_region(Region::parse(base));
        }
        let line = format!("Mailgun ({domain}, {})", cfg.api_base());
        return Ok((Arc::new(MailgunSender::new(&cfg)?), line));
    }
    #[cfg(not(feature = "mailgun"))]
    if key.is_some() && domain.is_some() {
        return Err(Error::validation(
            "mailgun_api_key",
            "this gopimi was built without the mailgun feature",
        ));
    }
    let outbox = OutboxSender::new(&args.outbox_dir)?;
    let line = format!(
        "{} (outbound mail as .eml files)",
        args.outbox_dir.display()
    );
    Ok((Arc::new(outbox), line))
}

/// The mail provider's domain set-up (custom domains' DNS records and verification): Mailgun
/// when `MAILGUN_API_KEY` is set, else none (domains are recorded but cannot be verified).
pub fn domain_provider(args: &StoreArgs) -> Result<Option<Arc<dyn DomainProvider>>> {
    let key = args.mailgun_api_key.as_deref().filter(|k| !k.is_empty());
    #[cfg(feature = "mailgun")]
    if let Some(key) = key {
        use gopimi_mailgun::{MailgunConfig, MailgunDomains, Region};
        let mut cfg = MailgunConfig {
            api_key: Some(key.to_owned().into()),
            ..MailgunConfig::default()
        };
        if let Some(base) = args.mailgun_api_base.as_deref().filter(|b| !b.is_empty()) {
            cfg = cfg.with_region(Region::parse(base));
        }
        return Ok(Some(Arc::new(MailgunDomains::new(&cfg)?)));
    }
    #[cfg(not(feature = "mailgun"))]
    let _ = key;
    Ok(None)
}

/// The server's signers, both under the server secret: our Message-Ids and the unsubscribe
/// links of notification emails (each signer separates its use of the key with its own
/// domain string, so one secret serves both).
#[derive(Debug, Clone)]
pub struct Signers {
    pub message_ids: MessageIdSigner,
    pub unsubscribe: UnsubscribeSigner,
}

/// The signers: under `GOPIMI_MESSAGE_ID_SECRET`, or the key file in the data folder (created
/// on first use). With `persistent` false (`memory://`, where nothing outlives the process) a
/// random key is used.
pub fn signers(args: &StoreArgs, persistent: bool) -> Result<Signers> {
    let secret = server_secret(args, persistent)?;
    Ok(Signers {
        message_ids: MessageIdSigner::new(secret.as_bytes()),
        unsubscribe: UnsubscribeSigner::new(secret.as_bytes()).map_err(|_| {
            Error::validation(
                "message_id_secret",
                "GOPIMI_MESSAGE_ID_SECRET must be at least 16 bytes long",
            )
        })?,
    })
}

fn server_secret(args: &StoreArgs, persistent: bool) -> Result<String> {
    if let Some(secret) = args.message_id_secret.as_deref().filter(|s| !s.is_empty()) {
        return Ok(secret.to_owned());
    }
    if !persistent {
        return Ok(random_key());
    }
    key_file(&args.data_dir.join("message-id.key"))
}

/// Sender and link base of notification emails: from `notifications@` the Mailgun sending
/// domain, else the platform domain, else the public URL's host; links point at
/// `GOPIMI_PUBLIC_URL`, else at the address the server listens on.
pub fn notify_config(args: &StoreArgs, listen: Option<std::net::SocketAddr>) -> NotifyConfig {
    let public_url = args
        .public_url
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(|u| u.trim_end_matches('/').to_owned())
        .unwrap_or_else(|| match listen {
            Some(addr) => format!("http://{addr}"),
            None => "http://127.0.0.1:8080".to_owned(),
        });
    let url_host = url::Url::parse(&public_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned));
    let domain = [
        args.mailgun_domain.clone(),
        args.platform_domain.clone(),
        url_host,
    ]
    .into_iter()
    .flatten()
    .map(|d| d.trim().to_owned())
    .find(|d| !d.is_empty() && d.parse::<std::net::IpAddr>().is_err())
    .unwrap_or_else(|| "localhost".to_owned());
    NotifyConfig {
        from_address: format!("notifications@{domain}"),
        from_name: "gopimi".to_owned(),
        public_url,
    }
}

fn random_key() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Reads the key file, creating it (owner-only on Unix) when missing. A second process racing
/// to create it reads the winner's key.
fn key_file(path: &Path) -> Result<String> {
    let unavailable =
        |what: &str, e: std::io::Error| Error::unavailable(format!("{what} {}", path.display()), e);
    match std::fs::read_to_string(path) {
        Ok(s) if !s.trim().is_empty() => return Ok(s.trim().to_owned()),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(unavailable("reading", e)),
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| unavailable("creating the folder of", e))?;
    }
    let key = random_key();
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    match opts.open(path) {
        Ok(mut f) => {
            use std::io::Write;
            f.write_all(key.as_bytes())
                .and_then(|()| f.sync_all())
                .map_err(|e| unavailable("writing", e))?;
            Ok(key)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => std::fs::read_to_string(path)
            .map(|s| s.trim().to_owned())
            .map_err(|e| unavailable("reading", e)),
        Err(e) => Err(unavailable("creating", e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_file_is_created_once_and_reused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sub").join("message-id.key");
        let first = key_file(&path).expect("create");
        assert_eq!(first.len(), 64);
        assert_eq!(key_file(&path).expect("read"), first);
    }
}
