//! The route table: one [`OpenApiRouter`] per route group, merged here. The same table builds
//! the axum router and the OpenAPI document, so every route is documented by construction.

pub mod health;
pub mod inbound;
pub mod openapi;

use crate::state::AppState;
use axum::extract::DefaultBodyLimit;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Every route under `/api/v1`.
pub fn api(_state: &AppState) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health::health))
        .routes(routes!(openapi::openapi_json))
        .merge(inbound_routes())
}

fn inbound_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(inbound::post_raw))
        .routes(routes!(inbound::get_status))
        .layer(DefaultBodyLimit::max(inbound::raw_limit()))
}
