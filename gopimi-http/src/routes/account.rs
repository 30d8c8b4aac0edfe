//! Registration, login, logout, the signed-in account and its personal access tokens.

use crate::auth::Auth;
use crate::error::ApiResult;
use crate::extract::{Json, Paged, Path};
use crate::state::AppState;
use crate::views::{self, IssuedTokenView, TokenView, UserView};
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use gopimi_core::ids::TokenId;
use gopimi_core::service::{ProfilePatch, Registration};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A user with a freshly issued session token.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Session {
    pub user: UserView,
    /// The bearer token for `Authorization: Bearer <token>`; shown once.
    pub token: String,
    /// The token's id (to revoke it under `/me/tokens`).
    pub token_id: Uuid,
}

/// `POST /auth/register`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RegisterBody {
    pub name: String,
    pub email: String,
    pub password: String,
}

/// `POST /auth/login`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LoginBody {
    pub email: String,
    pub password: String,
}

/// Creates an account and signs it in.
#[utoipa::path(post, path = "/auth/register", tag = "auth", request_body = RegisterBody,
    responses((status = 201, body = Session), (status = 409, description = "email taken"),
        (status = 422, body = crate::error::Problem), (status = 429, description = "rate limited")))]
pub async fn register(
    State(state): State<AppState>,
    Json(body): Json<RegisterBody>,
) -> ApiResult<(StatusCode, Json<Session>)> {
    let (user, issued) = state
        .helpdesk()
        .register(Registration::new(body.name, body.email, body.password))
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(Session {
            user: user.into(),
            token_id: issued.token.id.0,
            token: issued.secret,
        }),
    ))
}

/// Signs in with email and password; answers a new session token.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = LoginBody,
    responses((status = 200, body = Session), (status = 401, body = crate::error::Problem),
        (status = 429, description = "rate limited")))]
pub async fn login(
    State(state): State<AppState>,
    Json(body): Json<LoginBody>,
) -> ApiResult<Json<Session>> {
    let (user, issued) = state.helpdesk().login(&body.email, &body.password).await?;
    Ok(Json(Session {
        user: user.into(),
        token_id: issued.token.id.0,
        token: issued.secret,
    }))
}

/// Revokes the token this request came with.
#[utoipa::path(post, path = "/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = crate::error::Problem)))]
pub async fn logout(State(state): State<AppState>, auth: Auth) -> ApiResult<StatusCode> {
    state
        .helpdesk()
        .revoke_token(auth.user.id, auth.token.id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in user.
#[utoipa::path(get, path = "/me", tag = "me", security(("bearer" = [])),
    responses((status = 200, body = UserView), (status = 401, body = crate::error::Problem)))]
pub async fn me(auth: Auth) -> Json<UserView> {
    Json(auth.user.into())
}

/// `PATCH /me`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ProfileBody {
    pub name: Option<String>,
    pub email: Option<String>,
}

/// Changes the signed-in user's name or email.
#[utoipa::path(patch, path = "/me", tag = "me", security(("bearer" = [])), request_body = ProfileBody,
    responses((status = 200, body = UserView), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
pub async fn update_me(
    State(state): State<AppState>,
    auth: Auth,
    Json(body): Json<ProfileBody>,
) -> ApiResult<Json<UserView>> {
    let user = state
        .helpdesk()
        .update_profile(
            auth.user.id,
            ProfilePatch {
                name: body.name,
                email: body.email,
            },
        )
        .await?;
    Ok(Json(user.into()))
}

/// `PUT /me/password`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PasswordBody {
    pub current_password: String,
    pub password: String,
}

/// Changes the password. Every other token of the user is revoked; this one stays.
#[utoipa::path(put, path = "/me/password", tag = "me", security(("bearer" = [])), request_body = PasswordBody,
    responses((status = 204), (status = 422, body = crate::error::Problem)))]
pub async fn change_password(
    State(state): State<AppState>,
    auth: Auth,
    Json(body): Json<PasswordBody>,
) -> ApiResult<StatusCode> {
    state
        .helpdesk()
        .change_password(
            auth.user.id,
            &body.current_password,
            &body.password,
            Some(auth.token.id),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes the account, its tokens and memberships (workspaces it alone owns must be deleted or
/// handed over first).
#[utoipa::path(delete, path = "/me", tag = "me", security(("bearer" = [])),
    responses((status = 204), (status = 409, body = crate::error::Problem)))]
pub async fn delete_me(State(state): State<AppState>, auth: Auth) -> ApiResult<StatusCode> {
    state.helpdesk().delete_account(auth.user.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Everything stored about the signed-in user, as one JSON document.
#[utoipa::path(get, path = "/me/export", tag = "me", security(("bearer" = [])),
    responses((status = 200, description = "the user's data")))]
pub async fn export(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<serde_json::Value>> {
    Ok(Json(state.helpdesk().export_user_data(auth.user.id).await?))
}

/// The user's personal access tokens (never their secrets).
#[utoipa::path(get, path = "/me/tokens", tag = "me", security(("bearer" = [])),
    responses((status = 200, description = "list of TokenView")))]
pub async fn list_tokens(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Paged<TokenView>>> {
    let tokens = state.helpdesk().list_tokens(auth.user.id).await?;
    Ok(Json(views::all(
        tokens.into_iter().map(Into::into).collect(),
    )))
}

/// `POST /me/tokens`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewTokenBody {
    pub name: String,
    pub expires_at: Option<DateTime<Utc>>,
}

/// Creates a personal access token; its secret is in the answer, once.
#[utoipa::path(post, path = "/me/tokens", tag = "me", security(("bearer" = [])), request_body = NewTokenBody,
    responses((status = 201, body = IssuedTokenView), (status = 422, body = crate::error::Problem)))]
pub async fn create_token(
    State(state): State<AppState>,
    auth: Auth,
    Json(body): Json<NewTokenBody>,
) -> ApiResult<(StatusCode, Json<IssuedTokenView>)> {
    let issued = state
        .helpdesk()
        .create_token(auth.user.id, &body.name, body.expires_at)
        .await?;
    Ok((StatusCode::CREATED, Json(issued.into())))
}

/// Revokes one of the user's tokens.
#[utoipa::path(delete, path = "/me/tokens/{id}", tag = "me", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    state
        .helpdesk()
        .revoke_token(auth.user.id, TokenId(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
