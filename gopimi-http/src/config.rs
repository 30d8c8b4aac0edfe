//! Server configuration: environment variables, each also a command-line flag (`gopimi serve
//! --help` lists them). The names and defaults are the contract's (API.md, "Server
//! configuration"); [`HttpConfig`] is the part the router itself needs, so an embedding app can
//! build it in code without clap.

use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Where data lives and which providers to use: shared by every subcommand.
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// Database URL: `sqlite://PATH`, `postgres://...`, `mysql://...`, `sled://PATH`, or
    /// `memory://` (nothing kept; for tests and demos).
    #[arg(
        long,
        env = "GOPIMI_DATABASE_URL",
        default_value = "sqlite://./data/gopimi.db"
    )]
    pub database_url: String,

    /// Folder for local data: attachment and raw-mail blobs live in `<data-dir>/blobs`.
    #[arg(long, env = "GOPIMI_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,

    /// Folder that receives outbound mail as `.eml` files when no mail provider is configured.
    #[arg(long, env = "GOPIMI_OUTBOX_DIR", default_value = "./data/outbox")]
    pub outbox_dir: PathBuf,

    /// Domain of forwarding addresses handed out to workspaces (e.g. `in.example.com`).
    #[arg(long, env = "GOPIMI_PLATFORM_DOMAIN")]
    pub platform_domain: Option<String>,

    /// The URL clients reach this server at (used in links such as unsubscribe).
    #[arg(long, env = "GOPIMI_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Plan of new workspaces: lite, pro or business.
    #[arg(long, env = "GOPIMI_DEFAULT_PLAN", default_value = "business")]
    pub default_plan: String,

    /// Seconds between SLA sweeps (0: no sweep in this process).
    #[arg(long, env = "GOPIMI_SLA_SWEEP_SECONDS", default_value_t = 60)]
    pub sla_sweep_seconds: u64,

    /// Let webhooks reach loopback and private addresses (development only).
    #[arg(long, env = "GOPIMI_WEBHOOK_ALLOW_PRIVATE", default_value_t = false)]
    pub webhook_allow_private: bool,

    /// Secret that signs our outgoing Message-Ids (threading of replies). Every process serving
    /// one database must share it; without it, `<data-dir>/message-id.key` is created and used.
    #[arg(long, env = "GOPIMI_MESSAGE_ID_SECRET", hide_env_values = true)]
    pub message_id_secret: Option<String>,

    /// Mailgun webhook signing key: enables `/inbound/mailgun` and `/inbound/mailgun/events`.
    #[arg(long, env = "MAILGUN_WEBHOOK_SIGNING_KEY", hide_env_values = true)]
    pub mailgun_webhook_signing_key: Option<String>,

    /// Mailgun API key: with `MAILGUN_DOMAIN`, mail is sent through Mailgun instead of the outbox.
    #[arg(long, env = "MAILGUN_API_KEY", hide_env_values = true)]
    pub mailgun_api_key: Option<String>,

    /// Mailgun sending domain.
    #[arg(long, env = "MAILGUN_DOMAIN")]
    pub mailgun_domain: Option<String>,

    /// Mailgun API base URL (US by default; `https://api.eu.mailgun.net` for EU).
    #[arg(long, env = "MAILGUN_API_BASE")]
    pub mailgun_api_base: Option<String>,
}

impl StoreArgs {
    /// Where blobs are kept.
    pub fn blob_dir(&self) -> PathBuf {
        self.data_dir.join("blobs")
    }
}

/// Options of the HTTP server.
#[derive(Debug, Clone, Args)]
pub struct HttpArgs {
    /// Address to listen on.
    #[arg(long, env = "GOPIMI_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Secret that authorizes `/inbound/raw` and `GET /inbound/{id}` (`Authorization: Bearer ...`).
    /// Without it those routes answer 401.
    #[arg(long, env = "GOPIMI_INBOUND_SECRET", hide_env_values = true)]
    pub inbound_secret: Option<String>,

    /// Requests a minute per token on authenticated routes.
    #[arg(long, env = "GOPIMI_RATE_LIMIT_PER_MINUTE", default_value_t = 60)]
    pub rate_limit_per_minute: u32,

    /// Requests a minute per client address on `/auth/*`.
    #[arg(long, env = "GOPIMI_AUTH_RATE_LIMIT_PER_MINUTE", default_value_t = 5)]
    pub auth_rate_limit_per_minute: u32,

    /// Origins allowed by CORS, comma-separated, or `*`; none by default.
    #[arg(long, env = "GOPIMI_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,

    /// Behind a reverse proxy: key the `/auth/*` rate limit on the address the proxy appended
    /// to `X-Forwarded-For` (its last entry) instead of the proxy's own address. Only enable it
    /// when every request comes through such a proxy; otherwise clients can pick their key.
    #[arg(long, env = "GOPIMI_TRUST_FORWARDED_FOR", default_value_t = false)]
    pub trust_forwarded_for: bool,

    /// Do not run background workers in this process (run `gopimi worker` instead).
    #[arg(long, env = "GOPIMI_NO_WORKERS", default_value_t = false)]
    pub no_workers: bool,
}

impl HttpArgs {
    /// The router's configuration.
    pub fn http_config(&self) -> HttpConfig {
        HttpConfig {
            inbound_secret: self.inbound_secret.clone().filter(|s| !s.is_empty()),
            rate_limit_per_minute: self.rate_limit_per_minute,
            trust_forwarded_for: self.trust_forwarded_for,
            auth_rate_limit_per_minute: self.auth_rate_limit_per_minute,
            cors_origins: self
                .cors_origins
                .iter()
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect(),
            ..HttpConfig::default()
        }
    }
}

/// What the router needs to know; `Default` is the contract's defaults.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Secret of the raw inbound routes; `None` refuses them.
    pub inbound_secret: Option<String>,
    /// Requests per window per token.
    pub rate_limit_per_minute: u32,
    /// Requests per window per client address on `/auth/*`.
    pub auth_rate_limit_per_minute: u32,
    /// Key the per-address limit on the last `X-Forwarded-For` entry (behind a proxy).
    pub trust_forwarded_for: bool,
    /// The rate-limit window (a minute; shorter only in tests).
    pub rate_limit_window: Duration,
    /// CORS origins (`*` for any); empty disables CORS.
    pub cors_origins: Vec<String>,
    /// Largest JSON body.
    pub json_body_limit: usize,
    /// Largest attachment upload.
    pub attachment_limit: usize,
    /// Largest CSV contact import.
    pub import_limit: usize,
    /// Largest raw inbound message.
    pub inbound_limit: usize,
}

/// 25 MB: the contract's attachment limit.
pub const ATTACHMENT_LIMIT: usize = 25 * 1024 * 1024;

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            inbound_secret: None,
            rate_limit_per_minute: 60,
            auth_rate_limit_per_minute: 5,
            trust_forwarded_for: false,
            rate_limit_window: Duration::from_secs(60),
            cors_origins: Vec::new(),
            json_body_limit: 1024 * 1024,
            attachment_limit: ATTACHMENT_LIMIT,
            // 50,000 contacts (the largest plan) of a few dozen bytes each, with room to spare.
            import_limit: 16 * 1024 * 1024,
            // A message with a 25 MB attachment is about a third larger in base64.
            inbound_limit: 40 * 1024 * 1024,
        }
    }
}
