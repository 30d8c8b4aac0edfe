//! Messages and internal notes on tickets and conversations: the thread, a reply (emailed by a
//! `mail.send` job written with it) or a note (never emailed), and editing or deleting notes.

use crate::auth::Auth;
use crate::error::ApiResult;
use crate::extract::{Json, Paged, Path, QueryPairs};
use crate::routes::workspaces::page_of;
use crate::state::AppState;
use crate::views::paged;
use axum::extract::State;
use axum::http::StatusCode;
use gopimi_core::ids::{ConversationId, MessageId, TicketId, WorkspaceId};
use gopimi_core::model::{Message, Parent};
use gopimi_core::service::{MessagePatch, NewMessage};
use serde::Deserialize;
use uuid::Uuid;

/// A reply or a note (documented shape).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewMessageBody {
    /// Plain text body.
    pub body: String,
    /// Optional HTML body (sanitized).
    pub body_html: Option<String>,
    /// An internal note when true (never emailed).
    #[serde(default)]
    pub internal: bool,
    /// Recipients (`[{"email", "name"?}]`); a reply defaults to the contact.
    #[schema(value_type = Option<Vec<Object>>)]
    pub to: Option<Vec<serde_json::Value>>,
    #[schema(value_type = Option<Vec<Object>>)]
    pub cc: Option<Vec<serde_json::Value>>,
    /// Ids of uploaded attachments.
    pub attachment_ids: Option<Vec<Uuid>>,
    /// The workspace email to send from.
    pub sending_email_id: Option<Uuid>,
}

/// Editing a note (documented shape).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct MessagePatchBody {
    pub body: Option<String>,
    pub body_html: Option<String>,
}

/// The ticket's thread, oldest first.
#[utoipa::path(get, path = "/workspaces/{ws}/tickets/{id}/messages", tag = "tickets",
    security(("bearer" = [])), params(("ws" = Uuid, Path), ("id" = Uuid, Path)),
    responses((status = 200, description = "a page of messages"), (status = 404, body = crate::error::Problem)))]
pub async fn list_ticket(
    State(state): State<AppState>,
    auth: Auth,
    Path((ws, id)): Path<(Uuid, Uuid)>,
    q: QueryPairs,
) -> ApiResult<Json<Paged<Message>>> {
    let page = state
        .helpdesk()
        .list_ticket_messages(&auth.caller(), WorkspaceId(ws), TicketId(id), page_of(&q)?)
        .await?;
    Ok(Json(paged(page, |m| m)))
}

/// Replies to the customer (emailed) or adds an internal note (`internal: true`).
#[utoipa::path(post, path = "/workspaces/{ws}/tickets/{id}/messages", tag = "tickets",
    security(("bearer" = [])), params(("ws" = Uuid, Path), ("id" = Uuid, Path)),
    request_body = NewMessageBody,
    responses((status = 201, description = "the message"), (status = 404, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
pub async fn post_ticket(
    State(state): State<AppState>,
    auth: Auth,
    Path((ws, id)): Path<(Uuid, Uuid)>,
    Json(new): Json<NewMessage>,
) -> ApiResult<(StatusCode, Json<Message>)> {
    let m = state
        .helpdesk()
        .add_ticket_message(&auth.caller(), WorkspaceId(ws), TicketId(id), new)
        .await?;
    state.wake_jobs();
    Ok((StatusCode::CREATED, Json(m)))
}

/// Edits an internal note.
#[utoipa::path(patch, path = "/workspaces/{ws}/tickets/{id}/messages/{message_id}", tag = "tickets",
    security(("bearer" = [])),
    params(("ws" = Uuid, Path), ("id" = Uuid, Path), ("message_id" = Uuid, Path)),
    request_body = MessagePatchBody,
    responses((status = 200, description = "the message"), (status = 404, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
pub async fn patch_ticket(
    State(state): State<AppState>,
    auth: Auth,
    Path((ws, id, mid)): Path<(Uuid, Uuid, Uuid)>,
    Json(patch): Json<MessagePatch>,
) -> ApiResult<Json<Message>> {
    let m = state
        .helpdesk()
        .update_message(
            &auth.caller(),
            WorkspaceId(ws),
            Parent::Ticket(TicketId(id)),
            MessageId(mid),
            patch,
        )
        .await?;
    Ok(Json(m))
}

/// Deletes an internal note.
#[utoipa::path(delete, path = "/workspaces/{ws}/tickets/{id}/messages/{message_id}", tag = "tickets",
    security(("bearer" = [])),
    params(("ws" = Uuid, Path), ("id" = Uuid, Path), ("message_id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub async fn delete_ticket(
    State(state): State<AppState>,
    auth: Auth,
    Path((ws, id, mid)): Path<(Uuid, Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    state
        .helpdesk()
        .delete_message(
            &auth.caller(),
            WorkspaceId(ws),
            Parent::Ticket(TicketId(id)),
            MessageId(mid),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The conversation's thread, oldest first.
#[utoipa::path(get, path = "/workspaces/{ws}/conversations/{id}/messages", tag = "conversations",
    security(("bearer" = [])), params(("ws" = Uuid, Path), ("id" = Uuid, Path)),
    responses((status = 200, description = "a page of messages"), (status = 404, body = crate::error::Problem)))]
pub async fn list_conversation(
    State(state): State<AppState>,
    auth: Auth,
    Path((ws, id)): Path<(Uuid, Uuid)>,
    q: QueryPairs,
) -> ApiResult<Json<Paged<Message>>> {
    let page = state
        .helpdesk()
        .list_conversation_messages(
            &auth.caller(),
            WorkspaceId(ws),
            ConversationId(id),
            page_of(&q)?,
        )
        .await?;
    Ok(Json(paged(page, |m| m)))
}

/// Replies in a conversation (emailed) or adds an internal note.
#[utoipa::path(post, path = "/workspaces/{ws}/conversations/{id}/messages", tag = "conversations",
    security(("bearer" = [])), params(("ws" = Uuid, Path), ("id" = Uuid, Path)),
    request_body = NewMessageBody,
    responses((status = 201, description = "the message"), (status = 404, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
pub async fn post_conversation(
    State(state): State<AppState>,
    auth: Auth,
    Path((ws, id)): Path<(Uuid, Uuid)>,
    Json(new): Json<NewMessage>,
) -> ApiResult<(StatusCode, Json<Message>)> {
    let m = state
        .helpdesk()
        .add_conversation_message(&auth.caller(), WorkspaceId(ws), ConversationId(id), new)
        .await?;
    state.wake_jobs();
    Ok((StatusCode::CREATED, Json(m)))
}

/// Edits an internal note of a conversation.
#[utoipa::path(patch, path = "/workspaces/{ws}/conversations/{id}/messages/{message_id}",
    tag = "conversations", security(("bearer" = [])),
    params(("ws" = Uuid, Path), ("id" = Uuid, Path), ("message_id" = Uuid, Path)),
    request_body = MessagePatchBody,
    responses((status = 200, description = "the message"), (status = 404, body = crate::error::Problem)))]
pub async fn patch_conversation(
    State(state): State<AppState>,
    auth: Auth,
    Path((ws, id, mid)): Path<(Uuid, Uuid, Uuid)>,
    Json(patch): Json<MessagePatch>,
) -> ApiResult<Json<Message>> {
    let m = state
        .helpdesk()
        .update_message(
            &auth.caller(),
            WorkspaceId(ws),
            Parent::Conversation(ConversationId(id)),
            MessageId(mid),
            patch,
        )
        .await?;
    Ok(Json(m))
}

/// Deletes an internal note of a conversation.
#[utoipa::path(delete, path = "/workspaces/{ws}/conversations/{id}/messages/{message_id}",
    tag = "conversations", security(("bearer" = [])),
    params(("ws" = Uuid, Path), ("id" = Uuid, Path), ("message_id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub async fn delete_conversation(
    State(state): State<AppState>,
    auth: Auth,
    Path((ws, id, mid)): Path<(Uuid, Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    state
        .helpdesk()
        .delete_message(
            &auth.caller(),
            WorkspaceId(ws),
            Parent::Conversation(ConversationId(id)),
            MessageId(mid),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
