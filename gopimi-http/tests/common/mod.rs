//! A real server on a real socket for each test: its own in-memory store, its own port.

#![allow(dead_code)]

use gopimi_core::blob::MemoryBlobStore;
use gopimi_core::model::PlanTable;
use gopimi_core::service::Helpdesk;
use gopimi_core::store::{MemoryStore, Store};
use gopimi_http::{AppState, HttpConfig};
use reqwest::{Client, Method, RequestBuilder, Response};
use serde_json::Value;
use std::sync::Arc;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The server secret of test servers (Message-Ids and unsubscribe links).
pub const TEST_SECRET: &[u8] = b"test signing secret, 32 bytes..";

/// A running server.
pub struct TestServer {
    pub base: String,
    pub client: Client,
    pub store: Arc<dyn Store>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
    workers: Option<gopimi_http::workers::Workers>,
    _guard: Option<StoreGuard>,
}

/// What keeps a test store's data alive, and removes it at the end.
pub enum StoreGuard {
    /// A temporary folder (SQLite file, sled directory).
    Dir(tempfile::TempDir),
    /// A PostgreSQL schema, dropped at the end.
    #[cfg(feature = "postgres")]
    Pg(PgSchema),
}

/// A fresh PostgreSQL schema in the database `GOPIMI_TEST_POSTGRES_URL` names; dropped when
/// the guard is.
#[cfg(feature = "postgres")]
pub struct PgSchema {
    admin_url: String,
    name: String,
}

#[cfg(feature = "postgres")]
impl PgSchema {
    /// Creates the schema.
    pub async fn create(admin_url: &str) -> PgSchema {
        use sqlx::Connection;
        let name = format!("gopimi_http_{}", uuid::Uuid::now_v7().simple());
        let mut c = sqlx::PgConnection::connect(admin_url)
            .await
            .expect("connect to GOPIMI_TEST_POSTGRES_URL");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {name}")))
            .execute(&mut c)
            .await
            .expect("create schema");
        PgSchema {
            admin_url: admin_url.to_owned(),
            name,
        }
    }

    /// The database URL with this schema as the search path.
    pub fn url(&self) -> String {
        let sep = if self.admin_url.contains('?') {
            '&'
        } else {
            '?'
        };
        format!(
            "{}{sep}options=-c%20search_path%3D{name}&application_name={name}",
            self.admin_url,
            name = self.name
        )
    }
}

#[cfg(feature = "postgres")]
impl Drop for PgSchema {
    fn drop(&mut self) {
        let (url, name) = (self.admin_url.clone(), self.name.clone());
        // A thread of its own: drop may run inside a runtime that is shutting down.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                use sqlx::Connection;
                if let Ok(mut c) = sqlx::PgConnection::connect(&url).await {
                    let _ = sqlx::query(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                         WHERE application_name = $1",
                    )
                    .bind(&name)
                    .execute(&mut c)
                    .await;
                    let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                        "SET lock_timeout = '10s'; DROP SCHEMA IF EXISTS {name} CASCADE"
                    )))
                    .execute(&mut c)
                    .await;
                }
            });
        })
        .join();
    }
}

/// The store of a test server: in memory, or the backend named by `GOPIMI_TEST_DATABASE`
/// (`sqlite` or `sled`, each in a fresh temporary folder; `postgres`, in a fresh schema of the
/// database `GOPIMI_TEST_POSTGRES_URL` names), so the whole suite can run on a real store:
/// `GOPIMI_TEST_DATABASE=postgres cargo test -p gopimi-http --all-features`.
pub async fn test_store() -> (Arc<dyn Store>, Option<StoreGuard>) {
    let choice = std::env::var("GOPIMI_TEST_DATABASE").unwrap_or_default();
    open_store(&choice).await
}

/// Opens a fresh store of a kind (`memory`, `sqlite`, `sled`, `postgres`).
pub async fn open_store(kind: &str) -> (Arc<dyn Store>, Option<StoreGuard>) {
    if kind.is_empty() || kind == "memory" {
        return (Arc::new(MemoryStore::new()), None);
    }
    #[cfg(feature = "postgres")]
    if kind == "postgres" {
        let admin = std::env::var("GOPIMI_TEST_POSTGRES_URL")
            .expect("GOPIMI_TEST_DATABASE=postgres needs GOPIMI_TEST_POSTGRES_URL");
        let schema = PgSchema::create(&admin).await;
        let opened = gopimi_http::backend::open(&schema.url())
            .await
            .expect("open the test schema");
        return (opened.store, Some(StoreGuard::Pg(schema)));
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let url = match kind {
        "sqlite" => format!("sqlite://{}", dir.path().join("test.db").display()),
        "sled" => format!("sled://{}", dir.path().join("sled").display()),
        other => panic!("GOPIMI_TEST_DATABASE={other}: expected memory, sqlite, sled or postgres"),
    };
    let opened = gopimi_http::backend::open(&url)
        .await
        .expect("open test store");
    (opened.store, Some(StoreGuard::Dir(dir)))
}

impl TestServer {
    /// A server with the default configuration.
    pub async fn start() -> TestServer {
        Self::with_config(HttpConfig::default()).await
    }

    /// A server with a configuration of the test's choosing.
    pub async fn with_config(config: HttpConfig) -> TestServer {
        Self::with_parts(config, PlanTable::default()).await
    }

    /// A server with a configuration and plan limits of the test's choosing.
    pub async fn with_parts(config: HttpConfig, plans: PlanTable) -> TestServer {
        Self::with_state(config, plans, |s| s).await
    }

    /// A server whose state the test adjusts (e.g. adding providers).
    pub async fn with_state(
        config: HttpConfig,
        plans: PlanTable,
        adjust: impl FnOnce(AppState) -> AppState,
    ) -> TestServer {
        Self::full(config, plans, adjust, None, None).await
    }

    /// A server that also runs the background workers in-process, sending mail into `outbox`.
    /// It runs on SQLite (a fresh file) when that backend is built in, whatever
    /// `GOPIMI_TEST_DATABASE` says, so the end-to-end path always crosses a real database.
    pub async fn with_workers(
        config: HttpConfig,
        outbox: &std::path::Path,
        adjust: impl FnOnce(AppState) -> AppState,
    ) -> TestServer {
        let kind = if cfg!(feature = "sqlite") {
            "sqlite".to_owned()
        } else {
            std::env::var("GOPIMI_TEST_DATABASE").unwrap_or_default()
        };
        let store = open_store(&kind).await;
        Self::full(
            config,
            PlanTable::default(),
            adjust,
            Some(outbox.to_owned()),
            Some(store),
        )
        .await
    }

    async fn full(
        config: HttpConfig,
        plans: PlanTable,
        adjust: impl FnOnce(AppState) -> AppState,
        outbox: Option<std::path::PathBuf>,
        store: Option<(Arc<dyn Store>, Option<StoreGuard>)>,
    ) -> TestServer {
        let (store, guard) = match store {
            Some(s) => s,
            None => test_store().await,
        };
        let helpdesk = Helpdesk::builder(store.clone())
            .blobs(Arc::new(MemoryBlobStore::new()))
            .plans(plans)
            .build();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let signer = gopimi_core::mail::MessageIdSigner::new(TEST_SECRET);
        let unsubscribe =
            gopimi_core::notify::UnsubscribeSigner::new(TEST_SECRET).expect("unsubscribe signer");
        let mut state = adjust(
            AppState::new(helpdesk.clone(), config)
                .with_signers(signer.clone(), unsubscribe.clone()),
        );
        let mut workers = None;
        if let Some(dir) = outbox {
            let wake = Arc::new(tokio::sync::Notify::new());
            state = state.with_job_wakeup(wake.clone());
            let pipeline = gopimi_http::jobs::Pipeline {
                sender: Arc::new(
                    gopimi_core::mail::outbox::OutboxSender::new(dir).expect("outbox"),
                ),
                signer,
                unsubscribe,
                notify: gopimi_core::notify::NotifyConfig {
                    from_address: "notifications@gopimi.test".into(),
                    from_name: "gopimi".into(),
                    public_url: format!("http://{addr}"),
                },
                webhooks: None,
            };
            let mut w = gopimi_http::workers::Workers::new();
            w.spawn_jobs(
                Arc::new(gopimi_http::jobs::runner(&helpdesk, &pipeline)),
                std::time::Duration::from_millis(50),
                Some(wake),
            );
            workers = Some(w);
        }
        let (tx, rx) = oneshot::channel::<()>();
        let app = gopimi_http::router(state);
        let task = tokio::spawn(gopimi_http::server::serve(listener, app, async move {
            let _ = rx.await;
        }));
        TestServer {
            base: format!("http://{addr}/api/v1"),
            client: Client::new(),
            store,
            stop: Some(tx),
            task: Some(task),
            workers,
            _guard: guard,
        }
    }

    /// A server over a helpdesk the test built (its own clock, configuration), with no
    /// background workers: the test runs jobs itself.
    pub async fn with_helpdesk(helpdesk: Helpdesk, config: HttpConfig) -> TestServer {
        let store = helpdesk.store().clone();
        let state = AppState::new(helpdesk, config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (tx, rx) = oneshot::channel::<()>();
        let app = gopimi_http::router(state);
        let task = tokio::spawn(gopimi_http::server::serve(listener, app, async move {
            let _ = rx.await;
        }));
        TestServer {
            base: format!("http://{addr}/api/v1"),
            client: Client::new(),
            store,
            stop: Some(tx),
            task: Some(task),
            workers: None,
            _guard: None,
        }
    }

    /// A request to a path under `/api/v1`.
    pub fn req(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}{}", self.base, path))
    }

    /// Signals shutdown without waiting (the listener stops accepting; requests in flight go on).
    pub fn begin_shutdown(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }

    /// Stops the server and waits for requests in flight.
    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.task.take() {
            t.await.expect("join").expect("serve");
        }
        if let Some(w) = self.workers.take() {
            w.stop().await;
        }
    }
}

/// The status and JSON body of a response (Null when the body is empty or not JSON).
pub async fn json(res: Response) -> (u16, Value) {
    let status = res.status().as_u16();
    let bytes = res.bytes().await.expect("body");
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// A registered user with a token.
#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub email: String,
    pub token: String,
}

impl TestServer {
    /// A request with a bearer token.
    pub fn as_user(&self, user: &User, method: Method, path: &str) -> RequestBuilder {
        self.req(method, path).bearer_auth(&user.token)
    }

    /// Registers a user (name derived from the address).
    pub async fn register(&self, email: &str) -> User {
        let res = self
            .req(Method::POST, "/auth/register")
            .json(&serde_json::json!({
                "name": email.split('@').next().unwrap_or("user"),
                "email": email,
                "password": "correct horse battery",
            }))
            .send()
            .await
            .expect("register");
        let (status, body) = json(res).await;
        assert_eq!(status, 201, "register: {body}");
        User {
            id: body["user"]["id"].as_str().expect("id").to_owned(),
            email: email.to_owned(),
            token: body["token"].as_str().expect("token").to_owned(),
        }
    }

    /// Creates a workspace owned by `user`; its id.
    pub async fn workspace(&self, user: &User, name: &str) -> String {
        let (status, body) = json(
            self.as_user(user, Method::POST, "/workspaces")
                .json(&serde_json::json!({ "name": name }))
                .send()
                .await
                .expect("create workspace"),
        )
        .await;
        assert_eq!(status, 201, "workspace: {body}");
        body["id"].as_str().expect("id").to_owned()
    }

    /// Adds `member` to a workspace of `owner` with a role.
    pub async fn add_member(&self, owner: &User, ws: &str, member: &User, role: &str) {
        let (status, body) = json(
            self.as_user(owner, Method::POST, &format!("/workspaces/{ws}/members"))
                .json(&serde_json::json!({ "email": member.email, "role": role }))
                .send()
                .await
                .expect("add member"),
        )
        .await;
        assert_eq!(status, 201, "add member: {body}");
    }

    /// Sends a JSON request as a user; status and body.
    pub async fn call(
        &self,
        user: &User,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut r = self.as_user(user, method, path);
        if let Some(b) = body {
            r = r.json(&b);
        }
        json(r.send().await.expect("send")).await
    }
}

/// A team for permission tests: an owner with a workspace and a plain member of it, and an
/// outsider with a workspace of their own.
pub struct Team {
    pub owner: User,
    pub member: User,
    pub outsider: User,
    pub ws: String,
    pub other_ws: String,
}

impl TestServer {
    /// Sets up a [`Team`].
    pub async fn team(&self) -> Team {
        let owner = self.register("owner@acme.test").await;
        let member = self.register("member@acme.test").await;
        let outsider = self.register("outsider@other.test").await;
        let ws = self.workspace(&owner, "Acme").await;
        let other_ws = self.workspace(&outsider, "Other").await;
        self.add_member(&owner, &ws, &member, "member").await;
        Team {
            owner,
            member,
            outsider,
            ws,
            other_ws,
        }
    }
}
