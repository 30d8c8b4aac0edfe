//! A real server on a real socket for each test: its own in-memory store, its own port.

#![allow(dead_code)]

use gopimi_core::blob::MemoryBlobStore;
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
}

impl TestServer {
    /// A server with the default configuration.
    pub async fn start() -> TestServer {
        Self::with_config(HttpConfig::default()).await
    }

    /// A server with a configuration of the test's choosing.
    pub async fn with_config(config: HttpConfig) -> TestServer {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let state = AppState::new(store.clone(), Arc::new(MemoryBlobStore::new()), config);
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
        }
    }

    /// A request to a path under `/api/v1`.
    pub fn req(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, format!("{}{}", self.base, path))
    }

    /// Stops the server and waits for requests in flight.
    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.task.take() {
            t.await.expect("join").expect("serve");
        }
    }
}

/// The status and JSON body of a response (Null when the body is empty or not JSON).
pub async fn json(res: Response) -> (u16, Value) {
    let status = res.status().as_u16();
    let bytes = res.bytes().await.expect("body");
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}
