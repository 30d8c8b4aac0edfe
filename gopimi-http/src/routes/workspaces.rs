//! Workspaces, their plan usage and their members.

use crate::auth::Auth;
use crate::error::ApiResult;
use crate::extract::{Json, Paged, Path, QueryPairs};
use crate::state::AppState;
use crate::views::paged;
use axum::extract::State;
use axum::http::StatusCode;
use gopimi_core::ids::{UserId, WorkspaceId};
use gopimi_core::model::{Role, Workspace};
use gopimi_core::service::{Member, PageRequest, Usage, WorkspacePatch, WorkspaceSummary};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A workspace with the caller's role in it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WorkspaceView {
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub workspace: Workspace,
    /// `owner` or `member`.
    pub role: &'static str,
}

impl From<WorkspaceSummary> for WorkspaceView {
    fn from(s: WorkspaceSummary) -> Self {
        WorkspaceView {
            role: s.role.as_str(),
            workspace: s.workspace,
        }
    }
}

/// Reads `?page=&per_page=`.
pub fn page_of(q: &QueryPairs) -> gopimi_core::Result<PageRequest> {
    PageRequest::parse(q.get("page"), q.get("per_page"))
}

/// The caller's workspaces.
#[utoipa::path(get, path = "/workspaces", tag = "workspaces", security(("bearer" = [])),
    responses((status = 200, description = "list of WorkspaceView")))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    q: QueryPairs,
) -> ApiResult<Json<Paged<WorkspaceView>>> {
    let page = state
        .helpdesk()
        .list_workspaces(&auth.caller(), page_of(&q)?)
        .await?;
    Ok(Json(paged(page, Into::into)))
}

/// `POST /workspaces`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewWorkspaceBody {
    pub name: String,
}

/// Creates a workspace owned by the caller.
#[utoipa::path(post, path = "/workspaces", tag = "workspaces", security(("bearer" = [])),
    request_body = NewWorkspaceBody,
    responses((status = 201, body = WorkspaceView), (status = 422, body = crate::error::Problem),
        (status = 429, description = "workspace quota reached")))]
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    Json(body): Json<NewWorkspaceBody>,
) -> ApiResult<(StatusCode, Json<WorkspaceView>)> {
    let ws = state
        .helpdesk()
        .create_workspace(&auth.caller(), &body.name)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(WorkspaceView {
            workspace: ws,
            role: Role::Owner.as_str(),
        }),
    ))
}

/// One workspace.
#[utoipa::path(get, path = "/workspaces/{ws}", tag = "workspaces", security(("bearer" = [])),
    params(("ws" = Uuid, Path)),
    responses((status = 200, body = WorkspaceView), (status = 404, body = crate::error::Problem)))]
pub async fn get(
    State(state): State<AppState>,
    auth: Auth,
    Path(ws): Path<Uuid>,
) -> ApiResult<Json<WorkspaceView>> {
    let s = state
        .helpdesk()
        .workspace(&auth.caller(), WorkspaceId(ws))
        .await?;
    Ok(Json(s.into()))
}

/// `PATCH /workspaces/{ws}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct WorkspacePatchBody {
    pub name: Option<String>,
}

/// Renames a workspace (owners only).
#[utoipa::path(patch, path = "/workspaces/{ws}", tag = "workspaces", security(("bearer" = [])),
    params(("ws" = Uuid, Path)), request_body = WorkspacePatchBody,
    responses((status = 200, body = WorkspaceView), (status = 403, body = crate::error::Problem)))]
pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(ws): Path<Uuid>,
    Json(body): Json<WorkspacePatchBody>,
) -> ApiResult<Json<WorkspaceView>> {
    let w = state
        .helpdesk()
        .update_workspace(
            &auth.caller(),
            WorkspaceId(ws),
            WorkspacePatch { name: body.name },
        )
        .await?;
    Ok(Json(WorkspaceView {
        workspace: w,
        role: Role::Owner.as_str(),
    }))
}

/// Deletes a workspace and everything in it (owners only).
#[utoipa::path(delete, path = "/workspaces/{ws}", tag = "workspaces", security(("bearer" = [])),
    params(("ws" = Uuid, Path)),
    responses((status = 204), (status = 403, body = crate::error::Problem)))]
pub async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    Path(ws): Path<Uuid>,
) -> ApiResult<StatusCode> {
    state
        .helpdesk()
        .delete_workspace(&auth.caller(), WorkspaceId(ws))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The plan and, per limited resource, how much is used of how much.
#[utoipa::path(get, path = "/workspaces/{ws}/usage", tag = "workspaces", security(("bearer" = [])),
    params(("ws" = Uuid, Path)), responses((status = 200, description = "plan usage")))]
pub async fn usage(
    State(state): State<AppState>,
    auth: Auth,
    Path(ws): Path<Uuid>,
) -> ApiResult<Json<Usage>> {
    Ok(Json(
        state
            .helpdesk()
            .usage(&auth.caller(), WorkspaceId(ws))
            .await?,
    ))
}

/// The workspace's members.
#[utoipa::path(get, path = "/workspaces/{ws}/members", tag = "workspaces", security(("bearer" = [])),
    params(("ws" = Uuid, Path)), responses((status = 200, description = "list of members")))]
pub async fn list_members(
    State(state): State<AppState>,
    auth: Auth,
    Path(ws): Path<Uuid>,
    q: QueryPairs,
) -> ApiResult<Json<Paged<Member>>> {
    let page = state
        .helpdesk()
        .list_members(&auth.caller(), WorkspaceId(ws), page_of(&q)?)
        .await?;
    Ok(Json(paged(page, |m| m)))
}

/// `POST /workspaces/{ws}/members`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewMemberBody {
    /// The address of a registered user.
    pub email: String,
    /// `owner` or `member` (default).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub role: Option<Role>,
}

/// Adds a registered user as a member (owners only).
#[utoipa::path(post, path = "/workspaces/{ws}/members", tag = "workspaces", security(("bearer" = [])),
    params(("ws" = Uuid, Path)), request_body = NewMemberBody,
    responses((status = 201, description = "the member"), (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 429, description = "member quota reached")))]
pub async fn add_member(
    State(state): State<AppState>,
    auth: Auth,
    Path(ws): Path<Uuid>,
    Json(body): Json<NewMemberBody>,
) -> ApiResult<(StatusCode, Json<Member>)> {
    let m = state
        .helpdesk()
        .add_member(
            &auth.caller(),
            WorkspaceId(ws),
            &body.email,
            body.role.unwrap_or(Role::Member),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(m)))
}

/// `PATCH /workspaces/{ws}/members/{user_id}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct MemberPatchBody {
    #[schema(value_type = String)]
    pub role: Role,
}

/// Changes a member's role (owners only).
#[utoipa::path(patch, path = "/workspaces/{ws}/members/{user_id}", tag = "workspaces",
    security(("bearer" = [])), params(("ws" = Uuid, Path), ("user_id" = Uuid, Path)),
    request_body = MemberPatchBody,
    responses((status = 200, description = "the member"), (status = 403, body = crate::error::Problem)))]
pub async fn update_member(
    State(state): State<AppState>,
    auth: Auth,
    Path((ws, user)): Path<(Uuid, Uuid)>,
    Json(body): Json<MemberPatchBody>,
) -> ApiResult<Json<Member>> {
    let m = state
        .helpdesk()
        .change_member_role(&auth.caller(), WorkspaceId(ws), UserId(user), body.role)
        .await?;
    Ok(Json(m))
}

/// Removes a member (owners only; members may remove themselves).
#[utoipa::path(delete, path = "/workspaces/{ws}/members/{user_id}", tag = "workspaces",
    security(("bearer" = [])), params(("ws" = Uuid, Path), ("user_id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = crate::error::Problem)))]
pub async fn remove_member(
    State(state): State<AppState>,
    auth: Auth,
    Path((ws, user)): Path<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    state
        .helpdesk()
        .remove_member(&auth.caller(), WorkspaceId(ws), UserId(user))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
