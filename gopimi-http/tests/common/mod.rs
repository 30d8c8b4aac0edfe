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

/// A running server.
pub struct TestServer {
    pub base: String,
    pub client: Client,
    pub store: Arc<dyn Store>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
    workers: Option<gopimi_http::workers::Workers>,
    _tempdir: Option<tempfile::TempDir>,
}

/// The store of a test server: in memory, or the backend named by `GOPIMI_TEST_DATABASE`
/// (`sqlite` or `sled`, each in a fresh temporary folder), so the whole suite can run on a real
/// store: `GOPIMI_TEST_DATABASE=sqlite cargo test -p gopimi-http`.
pub async fn test_store() -> (Arc<dyn Store>, Option<tempfile::TempDir>) {
    let choice = std::env::var("GOPIMI_TEST_DATABASE").unwrap_or_default();
    open_store(&choice).await
}

/// Opens a fresh store of a kind (`memory`, `sqlite`, `sled`).
pub async fn open_store(kind: &str) -> (Arc<dyn Store>, Option<tempfile::TempDir>) {
    if kind.is_empty() || kind == "memory" {
        return (Arc::new(MemoryStore::new()), None);
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let url = match kind {
        "sqlite" => format!("sqlite://{}", dir.path().join("test.db").display()),
        "sled" => format!("sled://{}", dir.path().join("sled").display()),
        other => panic!("GOPIMI_TEST_DATABASE={other}: expected memory, sqlite or sled"),
    };
    let opened = gopimi_http::backend::open(&url)
        .await
        .expect("open test store");
    (opened.store, Some(dir))
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
        store: Option<(Arc<dyn Store>, Option<tempfile::TempDir>)>,
    ) -> TestServer {
        let (store, tempdir) = match store {
            Some(s) => s,
            None => test_store().await,
        };
        let helpdesk = Helpdesk::builder(store.clone())
            .blobs(Arc::new(MemoryBlobStore::new()))
            .plans(plans)
            .build();
        let mut state = adjust(AppState::new(helpdesk.clone(), config));
        let mut workers = None;
        if let Some(dir) = outbox {
            let wake = Arc::new(tokio::sync::Notify::new());
            state = state.with_job_wakeup(wake.clone());
            let pipeline = gopimi_http::jobs::Pipeline {
                sender: Arc::new(
                    gopimi_core::mail::outbox::OutboxSender::new(dir).expect("outbox"),
                ),
                signer: gopimi_core::mail::MessageIdSigner::new(b"test signing secret, 32 bytes.."),
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
            workers,
            _tempdir: tempdir,
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
            _tempdir: None,
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
