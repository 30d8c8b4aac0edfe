//! Workspace emails (addresses mail arrives on and goes out from), their forwarding addresses,
//! custom domains with their DNS records, and blocked senders.

use crate::auth::Auth;
use crate::error::ApiResult;
use crate::extract::{Json, Paged, Path, QueryPairs};
use crate::routes::workspaces::page_of;
use crate::state::AppState;
use crate::views::{all, paged};
use axum::extract::State;
use axum::http::StatusCode;
use gopimi_core::ids::{BlockedSenderId, DomainId, WorkspaceEmailId, WorkspaceId};
use gopimi_core::model::{BlockedSender, DnsRecord, Domain, WorkspaceEmail};
use gopimi_core::service::{NewBlockedSender, NewDomain, NewWorkspaceEmail, WorkspaceEmailPatch};
use serde::Deserialize;
use uuid::Uuid;

/// `POST /emails` (documented shape).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewEmailBody {
    pub address: String,
    /// `ticket` or `inbox`.
    pub purpose: String,
    pub display_name: Option<String>,
    /// For a personal inbox: the member it belongs to.
    pub user_id: Option<Uuid>,
    pub can_send: Option<bool>,
    pub can_receive: Option<bool>,
}

/// The workspace's emails.
#[utoipa::path(get, path = "/workspaces/{ws}/emails", tag = "email", security(("bearer" = [])),
    params(("ws" = Uuid, Path)), responses((status = 200, description = "list of emails")))]
pub async fn list_emails(
    State(state): State<AppState>,
    auth: Auth,
    Path(ws): Path<Uuid>,
) -> ApiResult<Json<Paged<WorkspaceEmail>>> {
    let v = state
        .helpdesk()
        .list_workspace_emails(&auth.caller(), WorkspaceId(ws))
        .await?;
    Ok(Json(all(v)))
}

/// Adds an email (owners only): `purpose` `ticket` makes tickets of inbound mail, `inbox`
/// conversations (personal when `user_id` is set).
#[utoipa::path(post, path = "/workspaces/{ws}/emails", tag = "email", security(("bearer" = [])),
    params(("ws" = Uuid, Path)), request_body = NewEmailBody,
    responses((status = 201, description = "the email"), (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem),
        (status = 429, description = "email quota reached")))]
pub async fn create_email(
    State(state): State<AppState>,
    auth: Auth,
    Path(ws): Path<Uuid>,
    Json(new): Json<NewWorkspaceEmail>,
) -> ApiResult<(StatusCode, Json<WorkspaceEmail>)> {
    let e = state
        .helpdesk()
        .create_workspace_email(&auth.caller(), WorkspaceId(ws), new)
        .await?;
    Ok((StatusCode::CREATED, Json(e)))
}

/// One email.
#[utoipa::path(get, path = "/workspaces/{ws}/emails/{id}", tag = "email", security(("bearer" = [])),
    params(("ws" = Uuid, Path), ("id" = Uuid, Path)),
    responses((status = 200, description = "the email"), (status = 404, body = crate::error::Problem)))]
pub async fn get_email(
    State(state): State<AppState>,
    auth: Auth,
    Path((ws, id)): Path<(Uuid, Uuid)>,
) -> ApiResult<Json<WorkspaceEmail>> {
    let e = state
        .helpdesk()
        .workspace_email(&auth.caller(), WorkspaceId(ws), WorkspaceEmailId(id))
        .await?;
    Ok(Json(e))
}

/// Changes an email (owners only).
#[utoipa::path(patch, path = "/workspaces/{ws}/emails/{id}", tag = "email", security(("bearer" = [])),
    params(("ws" = Uuid, Path), ("id" = Uuid, Path)), request_body(content = Object),
    responses((status = 200, description = "the email"), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
pub async fn update_email(
    State(state): State<AppState>,
    auth: Auth,
    Path((ws, id)): Path<(Uuid, Uuid)>,
    Json(patch): Json<WorkspaceEmailPatch>,
) -> ApiResult<Json<WorkspaceEmail>> {
    let e = state
        .helpdesk()
        .update_workspace_email(&auth.caller(), WorkspaceId(ws), WorkspaceEmailId(id), patch)
        .await?;
    Ok(Json(e))
}

/// Removes an email (owners only).
#[utoipa::path(delete, path = "/workspaces/{ws}/emails/{id}", tag = "email", security(("bearer" = [])),
    params(("ws" = Uuid, Path), ("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = crate::error::Problem)))]
pub async fn delete_email(
    State(state): State<AppState>,
    auth: Auth,
    Path((ws, id)): Path<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    state
        .helpdesk()
        .delete_workspace_email(&auth.caller(), WorkspaceId(ws), WorkspaceEmailId(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Issues a forwarding address on the platform domain for this email (owners only): the
/// customer's own mailbox forwards to it.
#[utoipa::path(post, path = "/workspaces/{ws}/emails/{id}/forwarding", tag = "email",
    security(("bearer" = [])), params(("ws" = Uuid, Path), ("id" = Uuid, Path)),
    responses((status = 200, description = "the email with its forwarding address"),
        (status = 403, body = crate::error::Problem)))]
pub async fn forwarding(
    State(state): State<AppState>,
    auth: Auth,
    Path((ws, id)): Path<(Uuid, Uuid)>,
) -> ApiResult<Json<WorkspaceEmail>> {
    let e = state
        .helpdesk()
        .issue_forwarding_address(&auth.caller(), WorkspaceId(ws), WorkspaceEmailId(id))
        .await?;
    Ok(Json(e))
}

/// The workspace's custom domains.
#[utoipa::path(get, path = "/workspaces/{ws}/domains", tag = "email", security(("bearer" = [])),
    params(("ws" = Uuid, Path)), responses((status = 200, description = "list of domains")))]
pub async fn list_domains(
    State(state): State<AppState>,
    auth: Auth,
    Path(ws): Path<Uuid>,
) -> ApiResult<Json<Paged<Domain>>> {
    let v = state
        .helpdesk()
        .list_domains(&auth.caller(), WorkspaceId(ws))
        .await?;
    Ok(Json(all(v)))
}

/// `POST /domains`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewDomainBody {
    pub name: String,
}

/// Adds a custom domain (owners only; plans with domains).
#[utoipa::path(post, path = "/workspaces/{ws}/domains", tag = "email", security(("bearer" = [])),
    params(("ws" = Uuid, Path)), request_body = NewDomainBody,
    responses((status = 201, description = "the domain"), (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 429, description = "domain quota reached")))]
pub async fn create_domain(
    State(state): State<AppState>,
    auth: Auth,
    Path(ws): Path<Uuid>,
    Json(body): Json<NewDomainBody>,
) -> ApiResult<(StatusCode, Json<Domain>)> {
    let d = state
        .helpdesk()
        .create_domain(
            &auth.caller(),
            WorkspaceId(ws),
            NewDomain { name: body.name },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(d)))
}

/// One domain.
#[utoipa::path(get, path = "/workspaces/{ws}/domains/{id}", tag = "email", security(("bearer" = [])),
    params(("ws" = Uuid, Path), ("id" = Uuid, Path)),
    responses((status = 200, description = "the domain"), (status = 404, body = crate::error::Problem)))]
pub async fn get_domain(
    State(state): State<AppState>,
    auth: Auth,
    Path((ws, id)): Path<(Uuid, Uuid)>,
) -> ApiResult<Json<Domain>> {
    let d = state
        .helpdesk()
        .domain(&auth.caller(), WorkspaceId(ws), DomainId(id))
        .await?;
    Ok(Json(d))
}

/// Removes a domain (owners only).
#[utoipa::path(delete, path = "/workspaces/{ws}/domains/{id}", tag = "email", security(("bearer" = [])),
    params(("ws" = Uuid, Path), ("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = crate::error::Problem)))]
pub async fn delete_domain(
    State(state): State<AppState>,
    auth: Auth,
    Path((ws, id)): Path<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    state
        .helpdesk()
        .delete_domain(&auth.caller(), WorkspaceId(ws), DomainId(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The DNS records to publish for a domain (sending and receiving).
#[utoipa::path(get, path = "/workspaces/{ws}/domains/{id}/dns-records", tag = "email",
    security(("bearer" = [])), params(("ws" = Uuid, Path), ("id" = Uuid, Path)),
    responses((status = 200, description = "list of DNS records"), (status = 404, body = crate::error::Problem)))]
pub async fn dns_records(
    State(state): State<AppState>,
    auth: Auth,
    Path((ws, id)): Path<(Uuid, Uuid)>,
) -> ApiResult<Json<Paged<DnsRecord>>> {
    let d = state
        .helpdesk()
        .domain(&auth.caller(), WorkspaceId(ws), DomainId(id))
        .await?;
    Ok(Json(all(d.dns_records)))
}

/// Blocked senders: mail from them goes straight to spam.
#[utoipa::path(get, path = "/workspaces/{ws}/blocked-senders", tag = "email", security(("bearer" = [])),
    params(("ws" = Uuid, Path)), responses((status = 200, description = "a page of blocked senders")))]
pub async fn list_blocked(
    State(state): State<AppState>,
    auth: Auth,
    Path(ws): Path<Uuid>,
    q: QueryPairs,
) -> ApiResult<Json<Paged<BlockedSender>>> {
    let p = state
        .helpdesk()
        .list_blocked_senders(&auth.caller(), WorkspaceId(ws), page_of(&q)?)
        .await?;
    Ok(Json(paged(p, |b| b)))
}

/// `POST /blocked-senders`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewBlockedBody {
    /// An address, or `@domain` for a whole domain.
    pub email: String,
    pub reason: Option<String>,
}

/// Blocks a sender.
#[utoipa::path(post, path = "/workspaces/{ws}/blocked-senders", tag = "email", security(("bearer" = [])),
    params(("ws" = Uuid, Path)), request_body = NewBlockedBody,
    responses((status = 201, description = "the blocked sender"), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
pub async fn block(
    State(state): State<AppState>,
    auth: Auth,
    Path(ws): Path<Uuid>,
    Json(new): Json<NewBlockedSender>,
) -> ApiResult<(StatusCode, Json<BlockedSender>)> {
    let b = state
        .helpdesk()
        .block_sender(&auth.caller(), WorkspaceId(ws), new)
        .await?;
    Ok((StatusCode::CREATED, Json(b)))
}

/// Unblocks a sender.
#[utoipa::path(delete, path = "/workspaces/{ws}/blocked-senders/{id}", tag = "email",
    security(("bearer" = [])), params(("ws" = Uuid, Path), ("id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub async fn unblock(
    State(state): State<AppState>,
    auth: Auth,
    Path((ws, id)): Path<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    state
        .helpdesk()
        .unblock_sender(&auth.caller(), WorkspaceId(ws), BlockedSenderId(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /emails/{id}/verify`: without a code, sends one; with the code from that mail,
/// confirms it.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct VerifyEmailBody {
    /// The code from the verification mail (`ABCD-EFGH-JKLM`, any case, dashes optional).
    #[serde(default)]
    pub code: Option<String>,
}

/// Verifies that mail to this address reaches the workspace (owners only). Without a code it
/// sends a verification mail to the address (202): when the address forwards to gopimi, it
/// is verified as soon as that mail arrives; otherwise post the code from the mail (200, or
/// 422 on `code` when it is wrong or expired).
#[utoipa::path(post, path = "/workspaces/{ws}/emails/{id}/verify", tag = "email",
    security(("bearer" = [])), params(("ws" = Uuid, Path), ("id" = Uuid, Path)),
    request_body(content = VerifyEmailBody, description = "empty, or the code"),
    responses((status = 200, description = "the email, verified (or already verified)"),
        (status = 202, description = "a verification mail is on its way"),
        (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn verify_email(
    State(state): State<AppState>,
    auth: Auth,
    Path((ws, id)): Path<(Uuid, Uuid)>,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<WorkspaceEmail>)> {
    let desk = state.helpdesk();
    let (ws, id) = (WorkspaceId(ws), WorkspaceEmailId(id));
    let body: VerifyEmailBody = if body.iter().all(u8::is_ascii_whitespace) {
        VerifyEmailBody::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| crate::error::ApiError::BadRequest(format!("malformed JSON body: {e}")))?
    };
    match body.code.filter(|c| !c.trim().is_empty()) {
        Some(code) => {
            let e = desk
                .confirm_email_verification(&auth.caller(), ws, id, &code)
                .await?;
            Ok((StatusCode::OK, Json(e)))
        }
        None => {
            let e = desk.send_email_verification(&auth.caller(), ws, id).await?;
            if e.verified {
                return Ok((StatusCode::OK, Json(e)));
            }
            state.wake_jobs();
            Ok((StatusCode::ACCEPTED, Json(e)))
        }
    }
}

/// Asks the mail provider to check the domain's DNS records now (owners only); answers the
/// domain with its state (`active` once verified) and records. 409 when no mail provider is
/// configured (the embedded default), since there is nothing to verify against.
#[utoipa::path(post, path = "/workspaces/{ws}/domains/{id}/verify", tag = "email",
    security(("bearer" = [])), params(("ws" = Uuid, Path), ("id" = Uuid, Path)),
    responses((status = 200, description = "the domain as the provider sees it now"),
        (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 503, body = crate::error::Problem)))]
pub async fn verify_domain(
    State(state): State<AppState>,
    auth: Auth,
    Path((ws, id)): Path<(Uuid, Uuid)>,
) -> ApiResult<Json<Domain>> {
    let d = state
        .helpdesk()
        .verify_domain(&auth.caller(), WorkspaceId(ws), DomainId(id))
        .await?;
    Ok(Json(d))
}
