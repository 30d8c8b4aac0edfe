//! Notification preferences: five events, on or off, per member per workspace.

use crate::auth::Auth;
use crate::error::ApiResult;
use crate::extract::{Json, Path};
use crate::state::AppState;
use axum::extract::State;
use gopimi_core::ids::WorkspaceId;
use gopimi_core::model::NotificationPreference;
use gopimi_core::service::NotificationSettings;
use serde::Deserialize;
use uuid::Uuid;

/// `PUT /notification-preferences` (documented shape; absent events stay).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PreferencesBody {
    pub ticket_assigned: Option<bool>,
    pub ticket_reply: Option<bool>,
    pub conversation_message: Option<bool>,
    pub ticket_status_changed: Option<bool>,
    pub sla_breach: Option<bool>,
}

/// The caller's preferences in this workspace (all on until changed).
#[utoipa::path(get, path = "/workspaces/{ws}/notification-preferences", tag = "notifications",
    security(("bearer" = [])), params(("ws" = Uuid, Path)),
    responses((status = 200, description = "the preferences"), (status = 404, body = crate::error::Problem)))]
pub async fn get(
    State(state): State<AppState>,
    auth: Auth,
    Path(ws): Path<Uuid>,
) -> ApiResult<Json<NotificationPreference>> {
    let p = state
        .helpdesk()
        .notification_preferences(&auth.caller(), WorkspaceId(ws))
        .await?;
    Ok(Json(p))
}

/// Turns events on or off for the caller in this workspace.
#[utoipa::path(put, path = "/workspaces/{ws}/notification-preferences", tag = "notifications",
    security(("bearer" = [])), params(("ws" = Uuid, Path)), request_body = PreferencesBody,
    responses((status = 200, description = "the preferences"), (status = 422, body = crate::error::Problem)))]
pub async fn put(
    State(state): State<AppState>,
    auth: Auth,
    Path(ws): Path<Uuid>,
    Json(settings): Json<NotificationSettings>,
) -> ApiResult<Json<NotificationPreference>> {
    let p = state
        .helpdesk()
        .set_notification_preferences(&auth.caller(), WorkspaceId(ws), settings)
        .await?;
    Ok(Json(p))
}
