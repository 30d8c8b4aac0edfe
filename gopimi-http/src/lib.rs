//! # gopimi-http
//!
//! The gopimi REST API on axum, its background workers, and the `gopimi` server binary.
//!
//! An application that embeds gopimi can mount the API inside its own axum server:
//!
//! ```no_run
//! use gopimi_core::service::Helpdesk;
//! use gopimi_core::store::MemoryStore;
//! use gopimi_http::{AppState, HttpConfig};
//! use std::sync::Arc;
//!
//! # async fn run() -> std::io::Result<()> {
//! let helpdesk = Helpdesk::builder(Arc::new(MemoryStore::new())).build();
//! let state = AppState::new(helpdesk, HttpConfig::default());
//! let app = axum::Router::new().merge(gopimi_http::router(state));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! gopimi_http::server::serve(listener, app, std::future::pending()).await
//! # }
//! ```
//!
//! The contract is `API.md`: every route lives under `/api/v1`, errors are RFC 9457 problem
//! details (one mapping, in [`error`]), lists share one shape ([`extract::list`]). Business rules
//! live in `gopimi-core`; handlers here parse, call the [`gopimi_core::service::Helpdesk`] and
//! shape the answer. They never open a transaction or decide anything about tickets or mail.
//!
//! | module | owns |
//! |---|---|
//! | [`routes`] | the route table (one source for the router and the OpenAPI document) and one file per route group |
//! | [`auth`] | bearer tokens → the caller; per-token and per-address rate limits with `RateLimit-*` headers |
//! | [`rate_limit`] | the rate-limit port and its in-process default |
//! | [`error`] | the API error and its single mapping to statuses and problem details |
//! | [`extract`] | JSON, path and query extractors whose rejections are problems; the list shape |
//! | [`views`] | what the API shows of rows holding secrets (users, tokens, attachments) |
//! | [`layers`] | request ids, tracing without secrets, CORS, panic containment |
//! | [`server`] | serving with graceful shutdown |
//! | [`workers`], [`jobs`] | background job runner and periodic tasks, with cooperative shutdown |
//! | [`backend`], [`providers`] | the composition root's one choice of store and mail providers |
//! | [`config`], [`cli`] | environment and flags; the `gopimi` subcommands |
//!
//! Cargo features pick what is compiled in: `sqlite` (default), `postgres`, `mysql`, `sled`,
//! `mailgun` (default). `memory://` is always available, for tests and demos.

pub mod auth;
pub mod backend;
pub mod cli;
pub mod config;
pub mod error;
pub mod extract;
pub mod jobs;
pub mod layers;
pub mod providers;
pub mod rate_limit;
pub mod routes;
pub mod server;
pub mod state;
pub mod views;
#[cfg(feature = "webhooks")]
pub mod webhook_transport;
pub mod workers;

pub use config::HttpConfig;
pub use error::{ApiError, ApiResult};
pub use state::AppState;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use routes::openapi::{ApiDoc, OpenApiDocument};
use std::sync::Arc;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

fn table(state: &AppState) -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi()).nest("/api/v1", routes::api(state))
}

/// The OpenAPI document of every route.
pub fn openapi(state: &AppState) -> utoipa::openapi::OpenApi {
    table(state).into_openapi()
}

/// The API as an axum router, ready to serve or to merge into an application's own router.
pub fn router(state: AppState) -> Router {
    let (api, doc) = table(&state).split_for_parts();
    let doc = serde_json::to_string(&doc).unwrap_or_else(|_| "{}".to_owned());
    let app = api
        .fallback(layers::no_route)
        .method_not_allowed_fallback(layers::method_not_allowed)
        .layer(axum::Extension(OpenApiDocument(Arc::new(doc))))
        .layer(DefaultBodyLimit::max(state.config().json_body_limit))
        .with_state(state.clone());
    layers::wrap(app, &state.config().cors_origins)
}
