//! The `gopimi` command line: subcommands, each with `--help`, configured from the environment
//! and flags (see [`crate::config`]). `main.rs` only calls [`main`].

use crate::config::{HttpArgs, StoreArgs};
use crate::workers::Workers;
use crate::{AppState, backend};
use clap::{Parser, Subcommand};
use gopimi_core::blob::{BlobStore, FsBlobStore, MemoryBlobStore};
use gopimi_core::service::Helpdesk;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// gopimi: an API-first helpdesk server.
#[derive(Debug, Parser)]
#[command(name = "gopimi", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP API and the background workers.
    Serve {
        #[command(flatten)]
        store: StoreArgs,
        #[command(flatten)]
        http: HttpArgs,
    },
    /// Run only the background workers (jobs, SLA sweep, inbound processing).
    Worker {
        #[command(flatten)]
        store: StoreArgs,
        /// Run until no job is due, then exit.
        #[arg(long)]
        drain: bool,
    },
    /// Create or update the database schema, then exit.
    Migrate {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Store a raw email (.eml) as if it had arrived for RECIPIENT; a running server or
    /// `gopimi worker` processes it.
    Ingest {
        #[command(flatten)]
        store: StoreArgs,
        /// The .eml file (`-` reads standard input).
        file: std::path::PathBuf,
        /// The envelope recipient: the workspace email it was sent to.
        #[arg(long)]
        recipient: String,
        /// The envelope sender, if known.
        #[arg(long)]
        sender: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create a user and print its id and a session token.
    Create {
        #[command(flatten)]
        store: StoreArgs,
        /// The sign-in address.
        #[arg(long)]
        email: String,
        /// The display name.
        #[arg(long)]
        name: String,
        /// The password (at least 8 characters); prefer `--password-stdin` or the environment.
        #[arg(long, env = "GOPIMI_USER_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Create a personal access token for a user and print it (shown once).
    Create {
        #[command(flatten)]
        store: StoreArgs,
        /// The user's address.
        #[arg(long)]
        email: String,
        /// What the token is for.
        #[arg(long, default_value = "cli")]
        name: String,
        /// When it stops working (RFC 3339).
        #[arg(long)]
        expires_at: Option<chrono::DateTime<chrono::Utc>>,
    },
}

/// Parses the command line and runs it.
pub async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gopimi: {e}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,tower_http=warn,sqlx=warn"));
    let json = std::env::var("GOPIMI_LOG_FORMAT").is_ok_and(|v| v.eq_ignore_ascii_case("json"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// Runs a parsed command.
pub async fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    match cli.command {
        Command::Serve { store, http } => serve(store, http).await,
        Command::Worker { store, drain } => worker(store, drain).await,
        Command::Migrate { store } => {
            let opened = backend::open(&store.database_url).await?;
            opened.store.flush().await?;
            println!("database {} is up to date", redact(&store.database_url));
            Ok(())
        }
        Command::User {
            command:
                UserCommand::Create {
                    store,
                    email,
                    name,
                    password,
                    password_stdin,
                },
        } => {
            let password = if password_stdin {
                let mut line = String::new();
                std::io::stdin().read_line(&mut line)?;
                line.trim_end_matches(['\r', '\n']).to_owned()
            } else {
                password.ok_or("give --password, GOPIMI_USER_PASSWORD or --password-stdin")?
            };
            let (desk, opened) = open_helpdesk(&store).await?;
            let (user, token) = desk
                .register(gopimi_core::service::Registration::new(
                    name, email, password,
                ))
                .await?;
            opened.store.flush().await?;
            println!("user  {}", user.id);
            println!("token {}", token.secret);
            Ok(())
        }
        Command::Token {
            command:
                TokenCommand::Create {
                    store,
                    email,
                    name,
                    expires_at,
                },
        } => {
            let (desk, opened) = open_helpdesk(&store).await?;
            let user = desk
                .user_by_email(&email)
                .await?
                .ok_or_else(|| format!("no user with the address {email}"))?;
            let token = desk.create_token(user.id, &name, expires_at).await?;
            opened.store.flush().await?;
            println!("{}", token.secret);
            Ok(())
        }
        Command::Ingest {
            store,
            file,
            recipient,
            sender,
        } => ingest(store, file, recipient, sender).await,
    }
}

async fn ingest(
    store_args: StoreArgs,
    file: std::path::PathBuf,
    recipient: String,
    sender: Option<String>,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let raw = if file.as_os_str() == "-" {
        tokio::task::spawn_blocking(|| {
            use std::io::Read;
            let mut buf = Vec::new();
            std::io::stdin().read_to_end(&mut buf).map(|_| buf)
        })
        .await??
    } else {
        tokio::fs::read(&file).await?
    };
    let opened = backend::open(&store_args.database_url).await?;
    let blobs = blobs_for(&store_args, opened.backend);
    let clock = gopimi_core::clock::SystemClock;
    let ingested = gopimi_core::pipeline::ingest(
        opened.store.as_ref(),
        blobs.as_ref(),
        &clock,
        gopimi_core::mail::InboundEmail {
            raw,
            recipient,
            sender,
            provider: "cli".to_owned(),
            provider_key: None,
            spam: Default::default(),
            received_at: None,
        },
        &gopimi_core::pipeline::InboundLimits::default(),
    )
    .await?;
    opened.store.flush().await?;
    println!("{}", ingested.item.id);
    Ok(())
}

fn helpdesk(
    args: &StoreArgs,
    store: Arc<dyn gopimi_core::store::Store>,
    blobs: Arc<dyn BlobStore>,
) -> Result<Helpdesk, gopimi_core::Error> {
    let mut b = Helpdesk::builder(store)
        .blobs(blobs)
        .default_plan(args.default_plan.parse()?)
        .webhook_allow_private(args.webhook_allow_private);
    if let Some(d) = args
        .platform_domain
        .as_deref()
        .filter(|d| !d.trim().is_empty())
    {
        b = b.platform_domain(d);
    }
    if let Some(domains) = crate::providers::domain_provider(args)? {
        b = b.domain_provider(domains);
    }
    Ok(b.build())
}

async fn open_helpdesk(
    args: &StoreArgs,
) -> Result<(Helpdesk, backend::OpenedStore), Box<dyn std::error::Error + Send + Sync>> {
    let opened = backend::open(&args.database_url).await?;
    let blobs = blobs_for(args, opened.backend);
    Ok((helpdesk(args, opened.store.clone(), blobs)?, opened))
}

/// Adds the mail providers the configuration names.
fn with_providers(state: AppState, args: &StoreArgs) -> Result<AppState, gopimi_core::Error> {
    let signing = args
        .mailgun_webhook_signing_key
        .as_deref()
        .filter(|k| !k.is_empty());
    #[cfg(feature = "mailgun")]
    if let Some(key) = signing {
        use gopimi_mailgun::{
            MailgunConfig, MailgunWebhooks, Region, StoreReplayGuard, StoredMessages,
            WebhookVerifier,
        };
        let verifier = WebhookVerifier::new(
            key.to_owned(),
            state.clock().clone(),
            Arc::new(StoreReplayGuard::new(state.store().clone())),
        );
        let mut hooks = MailgunWebhooks::new(verifier);
        if let Some(api_key) = args.mailgun_api_key.as_deref().filter(|k| !k.is_empty()) {
            let mut cfg = MailgunConfig::new(api_key.to_owned(), key.to_owned());
            if let Some(base) = args.mailgun_api_base.as_deref().filter(|b| !b.is_empty()) {
                cfg = cfg.with_region(Region::parse(base));
            }
            hooks = hooks.with_storage(StoredMessages::new(&cfg)?);
        }
        return Ok(state.with_mailgun(hooks));
    }
    #[cfg(not(feature = "mailgun"))]
    if signing.is_some() {
        return Err(gopimi_core::Error::validation(
            "mailgun_webhook_signing_key",
            "this gopimi was built without the mailgun feature",
        ));
    }
    Ok(state)
}

fn blobs_for(store: &StoreArgs, backend: backend::Backend) -> Arc<dyn BlobStore> {
    if backend == backend::Backend::Memory {
        Arc::new(MemoryBlobStore::new())
    } else {
        Arc::new(FsBlobStore::new(store.blob_dir()))
    }
}

async fn serve(
    store_args: StoreArgs,
    http: HttpArgs,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let opened = backend::open(&store_args.database_url).await?;
    let blobs = blobs_for(&store_args, opened.backend);
    let config = http.http_config();
    let desk = helpdesk(&store_args, opened.store.clone(), blobs)?;
    let listener = tokio::net::TcpListener::bind(http.listen).await?;
    let addr = listener.local_addr()?;
    let (pipeline, outbound) = pipeline(&store_args, opened.backend, Some(addr))?;
    let wake = Arc::new(tokio::sync::Notify::new());
    let state = AppState::new(desk.clone(), config)
        .with_job_wakeup(wake.clone())
        .with_signers(pipeline.signer.clone(), pipeline.unsubscribe.clone());
    let state = with_providers(state, &store_args)?;

    let mut workers = Workers::new();
    if !http.no_workers {
        start_workers(&mut workers, &desk, &pipeline, &store_args, Some(wake));
    }
    print_banner(&store_args, &http, addr, opened.backend, &outbound);

    let app = crate::router(state);
    crate::server::serve(listener, app, crate::server::shutdown_signal()).await?;
    workers.stop().await;
    opened.store.flush().await?;
    tracing::info!("stopped");
    Ok(())
}

async fn worker(
    store_args: StoreArgs,
    drain: bool,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let opened = backend::open(&store_args.database_url).await?;
    let blobs = blobs_for(&store_args, opened.backend);
    let desk = helpdesk(&store_args, opened.store.clone(), blobs)?;
    let (pipeline, outbound) = pipeline(&store_args, opened.backend, None)?;
    if drain {
        let report = crate::jobs::runner(&desk, &pipeline).drain(1000).await?;
        println!(
            "drained: {} claimed, {} succeeded, {} retried, {} dead",
            report.claimed, report.succeeded, report.retried, report.dead
        );
    } else {
        println!("gopimi worker: outbound mail to {outbound}");
        let mut workers = Workers::new();
        start_workers(&mut workers, &desk, &pipeline, &store_args, None);
        crate::server::shutdown_signal().await;
        workers.stop().await;
    }
    opened.store.flush().await?;
    Ok(())
}

fn pipeline(
    args: &StoreArgs,
    backend: backend::Backend,
    listen: Option<std::net::SocketAddr>,
) -> Result<(crate::jobs::Pipeline, String), gopimi_core::Error> {
    let (sender, line) = crate::providers::mail_sender(args)?;
    let signers = crate::providers::signers(args, backend != backend::Backend::Memory)?;
    let notify = crate::providers::notify_config(args, listen);
    #[cfg(feature = "webhooks")]
    let webhooks = {
        let policy = gopimi_core::webhooks::WebhookPolicy {
            urls: gopimi_core::webhooks::UrlPolicy::new(args.webhook_allow_private),
            ..Default::default()
        };
        Some(crate::jobs::default_webhooks(
            policy,
            notify.from_address.clone(),
        )?)
    };
    #[cfg(not(feature = "webhooks"))]
    let webhooks = None;
    Ok((
        crate::jobs::Pipeline {
            sender,
            signer: signers.message_ids,
            unsubscribe: signers.unsubscribe,
            notify,
            webhooks,
        },
        line,
    ))
}

/// The job runner, the periodic SLA sweep (every `GOPIMI_SLA_SWEEP_SECONDS`; 0 turns the
/// sweep off in this process, for deployments that run it elsewhere) and hourly housekeeping.
fn start_workers(
    workers: &mut Workers,
    desk: &Helpdesk,
    pipeline: &crate::jobs::Pipeline,
    args: &StoreArgs,
    wake: Option<Arc<tokio::sync::Notify>>,
) {
    workers.spawn_jobs(
        Arc::new(crate::jobs::runner(desk, pipeline)),
        Duration::from_millis(500),
        wake,
    );
    if args.sla_sweep_seconds > 0 {
        workers.spawn_periodic(
            Arc::new(crate::jobs::SlaSweepTask(crate::jobs::sla_sweeper(desk))),
            Duration::from_secs(args.sla_sweep_seconds),
        );
    }
    workers.spawn_periodic(
        Arc::new(crate::jobs::HousekeepingTask::new(desk)),
        crate::jobs::HousekeepingTask::INTERVAL,
    );
}

/// A database URL without its password, for printing.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}

fn print_banner(
    store: &StoreArgs,
    http: &HttpArgs,
    addr: std::net::SocketAddr,
    backend: backend::Backend,
    outbound: &str,
) {
    let base = format!("http://{addr}/api/v1");
    println!("gopimi is listening on http://{addr}");
    println!("  database:  {} ({backend:?})", redact(&store.database_url));
    if backend == backend::Backend::Memory {
        println!("  blobs:     in memory (nothing is kept after exit)");
    } else {
        println!("  blobs:     {}", store.blob_dir().display());
    }
    println!("  outbound:  {outbound}");
    println!(
        "  workers:   {}",
        if http.no_workers {
            "off (run `gopimi worker`)"
        } else {
            "on"
        }
    );
    println!(
        "  inbound:   {}",
        if http
            .inbound_secret
            .as_deref()
            .is_some_and(|s| !s.is_empty())
        {
            "POST /api/v1/inbound/raw enabled (GOPIMI_INBOUND_SECRET)"
        } else {
            "set GOPIMI_INBOUND_SECRET to enable POST /api/v1/inbound/raw"
        }
    );
    if store
        .mailgun_webhook_signing_key
        .as_deref()
        .is_some_and(|k| !k.is_empty())
    {
        println!("  mailgun:   POST /api/v1/inbound/mailgun enabled (signed webhooks)");
    }
    println!("  API docs:  {base}/openapi.json");
    println!();
    println!("Get a token:");
    println!(
        "  curl -s -X POST {base}/auth/register -H 'content-type: application/json' \\\n    -d '{{\"name\":\"Ada\",\"email\":\"ada@example.com\",\"password\":\"correct horse battery\"}}'"
    );
}
