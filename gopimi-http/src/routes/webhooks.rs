//! Outbound webhook endpoints (owners only): CRUD, the delivery log, redelivery, a test event
//! and secret rotation. The secret is in the answers to creation and rotation only.

use crate::auth::Auth;
use crate::error::ApiResult;
use crate::extract::{Json, Paged, Path, QueryPairs};
use crate::routes::workspaces::page_of;
use crate::state::AppState;
use crate::views::{WebhookView, WebhookWithSecret, paged};
use axum::extract::State;
use axum::http::StatusCode;
use gopimi_core::ids::{WebhookDeliveryId, WebhookId, WorkspaceId};
use gopimi_core::model::WebhookDelivery;
use gopimi_core::service::{CreatedWebhook, NewWebhook, WebhookPatch};
use serde::Deserialize;
use uuid::Uuid;

/// `POST /webhooks` (documented shape).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewWebhookBody {
    /// An http(s) URL; private and loopback addresses are refused unless the server allows them.
    pub url: String,
    /// Event types (`ticket.created`, ...); empty or `["*"]` for all.
    pub events: Option<Vec<String>>,
    /// On by default.
    pub enabled: Option<bool>,
}

/// `POST /webhooks/{id}/rotate-secret` (optional body).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct RotateBody {
    /// How long the old secret keeps signing too (seconds; default 86400, 0 for none, at most
    /// 604800).
    #[serde(default)]
    pub grace_seconds: Option<i64>,
}

fn with_secret(state: &AppState, c: CreatedWebhook) -> WebhookWithSecret {
    WebhookWithSecret {
        webhook: WebhookView::new(c.webhook, state.clock().now()),
        secret: c.secret,
    }
}

/// The workspace's endpoints.
#[utoipa::path(get, path = "/workspaces/{ws}/webhooks", tag = "webhooks", security(("bearer" = [])),
    params(("ws" = Uuid, Path)),
    responses((status = 200, description = "a page of WebhookView"), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Path(ws): Path<Uuid>,
    q: QueryPairs,
) -> ApiResult<Json<Paged<WebhookView>>> {
    let p = state
        .helpdesk()
        .list_webhooks(&auth.caller(), WorkspaceId(ws), page_of(&q)?)
        .await?;
    let now = state.clock().now();
    Ok(Json(paged(p, |w| WebhookView::new(w, now))))
}

/// Adds an endpoint; the answer carries its `secret`, shown this once.
#[utoipa::path(post, path = "/workspaces/{ws}/webhooks", tag = "webhooks", security(("bearer" = [])),
    params(("ws" = Uuid, Path)), request_body = NewWebhookBody,
    responses((status = 201, body = WebhookWithSecret), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem),
        (status = 429, description = "too many endpoints")))]
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    Path(ws): Path<Uuid>,
    Json(new): Json<NewWebhook>,
) -> ApiResult<(StatusCode, Json<WebhookWithSecret>)> {
    let c = state
        .helpdesk()
        .create_webhook(&auth.caller(), WorkspaceId(ws), new)
        .await?;
    Ok((StatusCode::CREATED, Json(with_secret(&state, c))))
}

/// One endpoint.
#[utoipa::path(get, path = "/workspaces/{ws}/webhooks/{id}", tag = "webhooks", security(("bearer" = [])),
    params(("ws" = Uuid, Path), ("id" = Uuid, Path)),
    responses((status = 200, body = WebhookView), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
pub async fn get(
    State(state): State<AppState>,
    auth: Auth,
    Path((ws, id)): Path<(Uuid, Uuid)>,
) -> ApiResult<Json<WebhookView>> {
    let w = state
        .helpdesk()
        .webhook(&auth.caller(), WorkspaceId(ws), WebhookId(id))
        .await?;
    Ok(Json(WebhookView::new(w, state.clock().now())))
}

/// Changes an endpoint's `url`, `events` or `enabled`; enabling clears its failure record.
#[utoipa::path(patch, path = "/workspaces/{ws}/webhooks/{id}", tag = "webhooks", security(("bearer" = [])),
    params(("ws" = Uuid, Path), ("id" = Uuid, Path)), request_body = NewWebhookBody,
    responses((status = 200, body = WebhookView), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path((ws, id)): Path<(Uuid, Uuid)>,
    Json(patch): Json<WebhookPatch>,
) -> ApiResult<Json<WebhookView>> {
    let w = state
        .helpdesk()
        .update_webhook(&auth.caller(), WorkspaceId(ws), WebhookId(id), patch)
        .await?;
    Ok(Json(WebhookView::new(w, state.clock().now())))
}

/// Deletes an endpoint and its delivery log.
#[utoipa::path(delete, path = "/workspaces/{ws}/webhooks/{id}", tag = "webhooks", security(("bearer" = [])),
    params(("ws" = Uuid, Path), ("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
pub async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    Path((ws, id)): Path<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    state
        .helpdesk()
        .delete_webhook(&auth.caller(), WorkspaceId(ws), WebhookId(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The endpoint's delivery log, newest first: each delivery with its attempts (request
/// headers, response status, first bytes of the body, duration). `?status=` filters
/// (`pending`, `succeeded`, `failed`).
#[utoipa::path(get, path = "/workspaces/{ws}/webhooks/{id}/deliveries", tag = "webhooks", security(("bearer" = [])),
    params(("ws" = Uuid, Path), ("id" = Uuid, Path)),
    responses((status = 200, description = "a page of deliveries"), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn deliveries(
    State(state): State<AppState>,
    auth: Auth,
    Path((ws, id)): Path<(Uuid, Uuid)>,
    q: QueryPairs,
) -> ApiResult<Json<Paged<WebhookDelivery>>> {
    let p = state
        .helpdesk()
        .list_webhook_deliveries(
            &auth.caller(),
            WorkspaceId(ws),
            WebhookId(id),
            q.get("status"),
            page_of(&q)?,
        )
        .await?;
    Ok(Json(paged(p, |d| d)))
}

/// Sends a delivery again (a new delivery with the same event id); 409 if the endpoint is
/// disabled.
#[utoipa::path(post, path = "/workspaces/{ws}/webhooks/{id}/deliveries/{delivery_id}/redeliver", tag = "webhooks",
    security(("bearer" = [])),
    params(("ws" = Uuid, Path), ("id" = Uuid, Path), ("delivery_id" = Uuid, Path)),
    responses((status = 202, description = "the new delivery"), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn redeliver(
    State(state): State<AppState>,
    auth: Auth,
    Path((ws, id, delivery_id)): Path<(Uuid, Uuid, Uuid)>,
) -> ApiResult<(StatusCode, Json<WebhookDelivery>)> {
    let d = state
        .helpdesk()
        .redeliver_webhook(
            &auth.caller(),
            WorkspaceId(ws),
            WebhookId(id),
            WebhookDeliveryId(delivery_id),
        )
        .await?;
    state.wake_jobs();
    Ok((StatusCode::ACCEPTED, Json(d)))
}

/// Sends a `webhook.test` event to this endpoint; 409 if it is disabled.
#[utoipa::path(post, path = "/workspaces/{ws}/webhooks/{id}/test", tag = "webhooks", security(("bearer" = [])),
    params(("ws" = Uuid, Path), ("id" = Uuid, Path)),
    responses((status = 202, description = "the test delivery"), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn test(
    State(state): State<AppState>,
    auth: Auth,
    Path((ws, id)): Path<(Uuid, Uuid)>,
) -> ApiResult<(StatusCode, Json<WebhookDelivery>)> {
    let d = state
        .helpdesk()
        .send_test_webhook(&auth.caller(), WorkspaceId(ws), WebhookId(id))
        .await?;
    state.wake_jobs();
    Ok((StatusCode::ACCEPTED, Json(d)))
}

/// Replaces the endpoint's secret; the answer carries the new one, shown this once. For
/// `grace_seconds` (default a day) requests are signed with both secrets.
#[utoipa::path(post, path = "/workspaces/{ws}/webhooks/{id}/rotate-secret", tag = "webhooks", security(("bearer" = [])),
    params(("ws" = Uuid, Path), ("id" = Uuid, Path)), request_body(content = RotateBody, description = "optional"),
    responses((status = 200, body = WebhookWithSecret), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn rotate_secret(
    State(state): State<AppState>,
    auth: Auth,
    Path((ws, id)): Path<(Uuid, Uuid)>,
    body: axum::body::Bytes,
) -> ApiResult<Json<WebhookWithSecret>> {
    // The body is optional: none (or empty) rotates with the default grace period.
    let grace = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        crate::extract::json::parse_json::<RotateBody>(&body)?.grace_seconds
    };
    let c = state
        .helpdesk()
        .rotate_webhook_secret(&auth.caller(), WorkspaceId(ws), WebhookId(id), grace)
        .await?;
    Ok(Json(with_secret(&state, c)))
}
