//! One-click unsubscribe (RFC 8058): `GET|POST /unsubscribe/{token}`, no bearer token (the
//! signed token is the authority; `gopimi_core::notify::unsubscribe` holds the rules).
//!
//! Only `POST` changes anything: mail clients send the RFC 8058 one-click `POST`
//! (`List-Unsubscribe=One-Click`), and the confirmation page's button posts the same form.
//! `GET` (a person following the link, or a mail scanner prefetching it) shows what the link
//! would turn off and changes nothing.
//!
//! Browsers get a small HTML page (`Accept: text/html`); every other client gets JSON, and
//! errors as problem details. A link that was forged, altered or has expired answers 401; one
//! whose member has left the workspace answers 404.

use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use gopimi_core::Error;
use gopimi_core::model::{NotificationEvent, Workspace};
use gopimi_core::notify::render::escape_html;
use gopimi_core::notify::{UnsubscribeClaim, Unsubscribed};
use gopimi_core::store::StoreExt;
use serde::Serialize;

/// What a link is for, or what using it did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UnsubscribeView {
    /// `valid` (GET: the link works; nothing changed), `unsubscribed` (POST: turned off now),
    /// `already_unsubscribed` (POST: the link had been used; nothing changed).
    pub status: &'static str,
    /// The notification event the link turns off (`ticket_reply`, `sla_breach`, ...).
    pub event: &'static str,
    pub workspace_id: uuid::Uuid,
    /// The workspace's name, when it still exists.
    pub workspace_name: Option<String>,
}

fn signer_or_refuse(state: &AppState) -> ApiResult<&gopimi_core::notify::UnsubscribeSigner> {
    state.unsubscribe_signer().ok_or_else(|| {
        ApiError::Core(Error::Unauthenticated {
            reason: "this server does not issue unsubscribe links".into(),
        })
    })
}

fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"))
}

fn describe(event: NotificationEvent) -> &'static str {
    match event {
        NotificationEvent::TicketAssigned => "a ticket is assigned to you",
        NotificationEvent::TicketReply => "a customer replies to a ticket",
        NotificationEvent::ConversationMessage => "a conversation gets a new message",
        NotificationEvent::TicketStatusChanged => "a ticket's status changes",
        NotificationEvent::SlaBreach => "a ticket breaches its SLA",
    }
}

async fn view(state: &AppState, claim: &UnsubscribeClaim, status: &'static str) -> UnsubscribeView {
    // The name is decoration: a store hiccup must not fail the unsubscribe itself.
    let workspace_name = state
        .store()
        .load::<Workspace>(None, claim.workspace_id.0)
        .await
        .ok()
        .flatten()
        .map(|w| w.name);
    UnsubscribeView {
        status,
        event: claim.event.as_str(),
        workspace_id: claim.workspace_id.0,
        workspace_name,
    }
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><title>{title}</title></head>\
         <body style=\"font-family:sans-serif;max-width:32rem;margin:3rem auto\">\
         <h1>{title}</h1>{body}</body></html>"
    )
}

fn html_error(e: &ApiError) -> Response {
    let (status, text) = match e {
        ApiError::Core(Error::NotFound { .. }) => (
            StatusCode::NOT_FOUND,
            "You are no longer a member of this workspace, so there is nothing to unsubscribe from.",
        ),
        ApiError::Core(Error::Unauthenticated { .. }) => (
            StatusCode::UNAUTHORIZED,
            "This unsubscribe link is not valid or has expired. You can change your notification settings in gopimi.",
        ),
        _ => (
            StatusCode::SERVICE_UNAVAILABLE,
            "Something went wrong on our side. Please try again in a minute.",
        ),
    };
    (status, Html(page("Unsubscribe", &format!("<p>{text}</p>")))).into_response()
}

fn workspace_label(v: &UnsubscribeView) -> String {
    v.workspace_name
        .as_deref()
        .map(|n| format!(" in <strong>{}</strong>", escape_html(n)))
        .unwrap_or_default()
}

/// Shows what the link turns off; changes nothing.
#[utoipa::path(get, path = "/unsubscribe/{token}", tag = "notifications",
    params(("token" = String, Path, description = "the token from a notification email")),
    responses((status = 200, body = UnsubscribeView, description = "the link is valid; a confirmation page for browsers"),
        (status = 401, body = crate::error::Problem, description = "forged, altered or expired"),
        (status = 404, body = crate::error::Problem, description = "no longer a member")))]
pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    let html = wants_html(&headers);
    let result = async {
        let claim = signer_or_refuse(&state)?.verify(&token, state.clock().now())?;
        Ok::<_, ApiError>(view(&state, &claim, "valid").await)
    }
    .await;
    respond(result, html, |v| {
        page(
            "Unsubscribe",
            &format!(
                "<p>Stop emails when {}{}?</p>\
                 <form method=\"post\"><input type=\"hidden\" name=\"List-Unsubscribe\" \
                 value=\"One-Click\"><button type=\"submit\">Unsubscribe</button></form>",
                describe(event_of(v)),
                workspace_label(v),
            ),
        )
    })
}

/// JSON for API clients, a page for browsers; errors alike.
fn respond(
    result: ApiResult<UnsubscribeView>,
    html: bool,
    render: impl FnOnce(&UnsubscribeView) -> String,
) -> Response {
    match (result, html) {
        (Ok(v), false) => Json(v).into_response(),
        (Ok(v), true) => Html(render(&v)).into_response(),
        (Err(e), true) => html_error(&e),
        (Err(e), false) => e.into_response(),
    }
}

fn event_of(v: &UnsubscribeView) -> NotificationEvent {
    NotificationEvent::ALL
        .into_iter()
        .find(|e| e.as_str() == v.event)
        .unwrap_or(NotificationEvent::TicketReply)
}

/// Turns the link's notification off for its member (RFC 8058 one-click). Using a link again
/// changes nothing and still succeeds.
#[utoipa::path(post, path = "/unsubscribe/{token}", tag = "notifications",
    params(("token" = String, Path, description = "the token from a notification email")),
    request_body(content_type = "application/x-www-form-urlencoded", description = "`List-Unsubscribe=One-Click` (optional)"),
    responses((status = 200, body = UnsubscribeView, description = "unsubscribed (or already)"),
        (status = 401, body = crate::error::Problem, description = "forged, altered or expired"),
        (status = 404, body = crate::error::Problem, description = "no longer a member")))]
pub async fn confirm(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    let html = wants_html(&headers);
    let result = async {
        let signer = signer_or_refuse(&state)?;
        let done = gopimi_core::notify::unsubscribe(
            state.store().as_ref(),
            state.clock().as_ref(),
            signer,
            &token,
        )
        .await?;
        let status = match done {
            Unsubscribed::Done(_) => "unsubscribed",
            Unsubscribed::AlreadyUsed(_) => "already_unsubscribed",
        };
        Ok::<_, ApiError>(view(&state, done.claim(), status).await)
    }
    .await;
    respond(result, html, |v| {
        page(
            "Unsubscribed",
            &format!(
                "<p>You will no longer get emails when {}{}. You can turn them back on in your \
                 notification settings.</p>",
                describe(event_of(v)),
                workspace_label(v),
            ),
        )
    })
}
