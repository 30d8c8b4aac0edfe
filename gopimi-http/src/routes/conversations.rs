//! Conversations of the shared inbox (every member sees them) and personal inboxes (only their
//! owner does): the same shape as tickets where it applies.

use crate::auth::Auth;
use crate::error::ApiResult;
use crate::extract::{Json, Paged, Path, QueryPairs};
use crate::routes::tickets::{BulkView, Deleted, TagsBody};
use crate::routes::workspaces::page_of;
use crate::state::AppState;
use crate::views::paged;
use axum::extract::State;
use axum::http::StatusCode;
use gopimi_core::ids::{ConversationId, TagId, WorkspaceId};
use gopimi_core::model::{Activity, Conversation};
use gopimi_core::service::{BulkRequest, ConversationPatch, ConversationQuery, NewConversation};
use serde::Deserialize;
use uuid::Uuid;

/// `POST /conversations` (documented shape).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewConversationBody {
    pub subject: String,
    /// open or closed.
    pub status: Option<String>,
    /// Set for a personal conversation (only this user sees it).
    pub owner_id: Option<Uuid>,
    pub agent_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
    pub workspace_email_id: Option<Uuid>,
    pub tag_ids: Option<Vec<Uuid>>,
}

/// `PATCH /conversations/{id}` (documented shape).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ConversationPatchBody {
    pub subject: Option<String>,
    pub status: Option<String>,
    pub agent_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
    pub workspace_email_id: Option<Uuid>,
}

macro_rules! list_route {
    ($name:ident, $path:literal, $call:ident, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(get, path = $path, tag = "conversations", security(("bearer" = [])),
                            params(("ws" = Uuid, Path)),
                            responses((status = 200, description = "a page of conversations"),
                                (status = 422, body = crate::error::Problem)))]
        pub async fn $name(
            State(state): State<AppState>,
            auth: Auth,
            Path(ws): Path<Uuid>,
            q: QueryPairs,
        ) -> ApiResult<Json<Paged<Conversation>>> {
            let query = ConversationQuery::parse(q.iter())?;
            let page = state
                .helpdesk()
                .$call(&auth.caller(), WorkspaceId(ws), &query)
                .await?;
            Ok(Json(paged(page, |c| c)))
        }
    };
}

list_route!(
    list,
    "/workspaces/{ws}/conversations",
    list_conversations,
    "Conversations (not trashed, not spam): `inbox=shared|personal`, `status`, `agent_id`, \
     `contact_id`, `tag`, `date_from`, `date_to`, `search`, `sort`, `page`, `per_page`."
);
list_route!(
    trash,
    "/workspaces/{ws}/conversations/trash",
    list_trashed_conversations,
    "Trashed conversations."
);
list_route!(
    spam,
    "/workspaces/{ws}/conversations/spam",
    list_spam_conversations,
    "Conversations marked as spam."
);

/// Starts a conversation.
#[utoipa::path(post, path = "/workspaces/{ws}/conversations", tag = "conversations",
    security(("bearer" = [])), params(("ws" = Uuid, Path)), request_body = NewConversationBody,
    responses((status = 201, description = "the conversation"), (status = 422, body = crate::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    Path(ws): Path<Uuid>,
    Json(new): Json<NewConversation>,
) -> ApiResult<(StatusCode, Json<Conversation>)> {
    let c = state
        .helpdesk()
        .create_conversation(&auth.caller(), WorkspaceId(ws), new)
        .await?;
    Ok((StatusCode::CREATED, Json(c)))
}

/// One conversation.
#[utoipa::path(get, path = "/workspaces/{ws}/conversations/{id}", tag = "conversations",
    security(("bearer" = [])), params(("ws" = Uuid, Path), ("id" = Uuid, Path)),
    responses((status = 200, description = "the conversation"), (status = 404, body = crate::error::Problem)))]
pub async fn get(
    State(state): State<AppState>,
    auth: Auth,
    Path((ws, id)): Path<(Uuid, Uuid)>,
) -> ApiResult<Json<Conversation>> {
    let c = state
        .helpdesk()
        .conversation(&auth.caller(), WorkspaceId(ws), ConversationId(id))
        .await?;
    Ok(Json(c))
}

/// Changes a conversation's fields.
#[utoipa::path(patch, path = "/workspaces/{ws}/conversations/{id}", tag = "conversations",
    security(("bearer" = [])), params(("ws" = Uuid, Path), ("id" = Uuid, Path)),
    request_body = ConversationPatchBody,
    responses((status = 200, description = "the conversation"), (status = 404, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path((ws, id)): Path<(Uuid, Uuid)>,
    Json(patch): Json<ConversationPatch>,
) -> ApiResult<Json<Conversation>> {
    let c = state
        .helpdesk()
        .update_conversation(&auth.caller(), WorkspaceId(ws), ConversationId(id), patch)
        .await?;
    Ok(Json(c))
}

macro_rules! flag_route {
    ($name:ident, $method:ident, $path:literal, $call:ident, $value:literal, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path($method, path = $path, tag = "conversations", security(("bearer" = [])),
                                    params(("ws" = Uuid, Path), ("id" = Uuid, Path)),
                                    responses((status = 200, description = "the conversation"),
                                        (status = 404, body = crate::error::Problem)))]
        pub async fn $name(
            State(state): State<AppState>,
            auth: Auth,
            Path((ws, id)): Path<(Uuid, Uuid)>,
        ) -> ApiResult<Json<Conversation>> {
            let c = state
                .helpdesk()
                .$call(&auth.caller(), WorkspaceId(ws), ConversationId(id), $value)
                .await?;
            Ok(Json(c))
        }
    };
}

flag_route!(
    delete,
    delete,
    "/workspaces/{ws}/conversations/{id}",
    set_conversation_trashed,
    true,
    "Moves a conversation to the trash."
);
flag_route!(
    restore,
    post,
    "/workspaces/{ws}/conversations/{id}/restore",
    set_conversation_trashed,
    false,
    "Takes a conversation out of the trash."
);
flag_route!(
    mark_spam,
    post,
    "/workspaces/{ws}/conversations/{id}/spam",
    set_conversation_spam,
    true,
    "Marks a conversation as spam."
);
flag_route!(
    unmark_spam,
    delete,
    "/workspaces/{ws}/conversations/{id}/spam",
    set_conversation_spam,
    false,
    "Takes a conversation out of spam."
);

/// Deletes a conversation for good (owners only).
#[utoipa::path(delete, path = "/workspaces/{ws}/conversations/{id}/permanent", tag = "conversations",
    security(("bearer" = [])), params(("ws" = Uuid, Path), ("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = crate::error::Problem)))]
pub async fn delete_permanently(
    State(state): State<AppState>,
    auth: Auth,
    Path((ws, id)): Path<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    state
        .helpdesk()
        .delete_conversation_permanently(&auth.caller(), WorkspaceId(ws), ConversationId(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes every spam conversation for good (owners only).
#[utoipa::path(delete, path = "/workspaces/{ws}/conversations/spam", tag = "conversations",
    security(("bearer" = [])), params(("ws" = Uuid, Path)),
    responses((status = 200, body = Deleted), (status = 403, body = crate::error::Problem)))]
pub async fn delete_all_spam(
    State(state): State<AppState>,
    auth: Auth,
    Path(ws): Path<Uuid>,
) -> ApiResult<Json<Deleted>> {
    let deleted = state
        .helpdesk()
        .delete_all_spam_conversations(&auth.caller(), WorkspaceId(ws))
        .await?;
    Ok(Json(Deleted { deleted }))
}

/// One action over many conversations; one result per id.
#[utoipa::path(post, path = "/workspaces/{ws}/conversations/bulk", tag = "conversations",
    security(("bearer" = [])), params(("ws" = Uuid, Path)),
    request_body = crate::routes::tickets::BulkBody,
    responses((status = 200, body = BulkView), (status = 422, body = crate::error::Problem)))]
pub async fn bulk(
    State(state): State<AppState>,
    auth: Auth,
    Path(ws): Path<Uuid>,
    Json(req): Json<BulkRequest>,
) -> ApiResult<Json<BulkView>> {
    let action = req.action()?;
    let report = state
        .helpdesk()
        .bulk_conversations(&auth.caller(), WorkspaceId(ws), &req.ids, &action)
        .await?;
    Ok(Json(report.into()))
}

/// Replaces a conversation's tags.
#[utoipa::path(put, path = "/workspaces/{ws}/conversations/{id}/tags", tag = "conversations",
    security(("bearer" = [])), params(("ws" = Uuid, Path), ("id" = Uuid, Path)), request_body = TagsBody,
    responses((status = 200, description = "the conversation"), (status = 404, body = crate::error::Problem)))]
pub async fn set_tags(
    State(state): State<AppState>,
    auth: Auth,
    Path((ws, id)): Path<(Uuid, Uuid)>,
    Json(body): Json<TagsBody>,
) -> ApiResult<Json<Conversation>> {
    let ids: Vec<TagId> = body.tag_ids.into_iter().map(TagId).collect();
    let c = state
        .helpdesk()
        .set_conversation_tags(&auth.caller(), WorkspaceId(ws), ConversationId(id), &ids)
        .await?;
    Ok(Json(c))
}

/// The conversation's activity log.
#[utoipa::path(get, path = "/workspaces/{ws}/conversations/{id}/activities", tag = "conversations",
    security(("bearer" = [])), params(("ws" = Uuid, Path), ("id" = Uuid, Path)),
    responses((status = 200, description = "a page of activities")))]
pub async fn activities(
    State(state): State<AppState>,
    auth: Auth,
    Path((ws, id)): Path<(Uuid, Uuid)>,
    q: QueryPairs,
) -> ApiResult<Json<Paged<Activity>>> {
    let page = state
        .helpdesk()
        .conversation_activities(
            &auth.caller(),
            WorkspaceId(ws),
            ConversationId(id),
            page_of(&q)?,
        )
        .await?;
    Ok(Json(paged(page, |a| a)))
}
