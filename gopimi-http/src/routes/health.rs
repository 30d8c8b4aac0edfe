//! `GET /health`: liveness and store reachability.

use crate::error::ApiResult;
use crate::extract::Json;
use crate::state::AppState;
use axum::extract::State;
use serde::Serialize;

/// The health answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok` when the server and its store answer.
    pub status: &'static str,
    /// The store's state.
    pub store: &'static str,
}

/// Liveness and store reachability: 200 when the store answers, 503 when it does not.
#[utoipa::path(get, path = "/health", tag = "meta",
    responses((status = 200, body = Health), (status = 503, description = "the store is unreachable")))]
pub async fn health(State(state): State<AppState>) -> ApiResult<Json<Health>> {
    state.store().ping().await?;
    Ok(Json(Health {
        status: "ok",
        store: "ok",
    }))
}
