//! Tickets: the queue with its filters, one ticket, trash, spam, bulk actions, tags and the
//! activity log. Messages and notes are in [`super::messages`].

use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Paged, Path, QueryPairs};
use crate::routes::workspaces::page_of;
use crate::state::AppState;
use crate::views::paged;
use axum::extract::State;
use axum::http::StatusCode;
use gopimi_core::ids::{TagId, TicketId, WorkspaceId};
use gopimi_core::model::{Activity, Contact, Tag, Ticket};
use gopimi_core::service::ticket_list::Embed;
use gopimi_core::service::tickets::AgentSummary;
use gopimi_core::service::{
    BulkReport, BulkRequest, NewTicket, Page, TicketPatch, TicketQuery, TicketView,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A ticket with what `?with=` asked to embed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TicketItem {
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub ticket: Ticket,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub contact: Option<Contact>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub agent: Option<AgentSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Object>>)]
    pub tags: Option<Vec<Tag>>,
}

impl From<TicketView> for TicketItem {
    fn from(v: TicketView) -> Self {
        TicketItem {
            ticket: v.ticket,
            contact: v.contact,
            agent: v.agent,
            tags: v.tags,
        }
    }
}

/// The result of one item of a bulk action.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BulkItemView {
    pub id: Uuid,
    pub ok: bool,
    /// The status this item alone would have answered with, when it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The result of a bulk action: one entry per id.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BulkView {
    pub succeeded: usize,
    pub failed: usize,
    pub results: Vec<BulkItemView>,
}

impl From<BulkReport> for BulkView {
    fn from(r: BulkReport) -> Self {
        let succeeded = r.succeeded();
        let failed = r.failed();
        let results = r
            .items
            .into_iter()
            .map(|i| match i.result {
                Ok(()) => BulkItemView {
                    id: i.id,
                    ok: true,
                    status: None,
                    error: None,
                },
                Err(e) => {
                    let api = ApiError::from(e);
                    let status = api.status().as_u16();
                    let error = match &api {
                        ApiError::Core(gopimi_core::Error::Internal { .. }) => {
                            "internal error".to_owned()
                        }
                        ApiError::Core(e) => e.to_string(),
                        _ => "failed".to_owned(),
                    };
                    BulkItemView {
                        id: i.id,
                        ok: false,
                        status: Some(status),
                        error: Some(error),
                    }
                }
            })
            .collect();
        BulkView {
            succeeded,
            failed,
            results,
        }
    }
}

async fn embed_page(
    state: &AppState,
    auth: &Auth,
    ws: Uuid,
    page: Page<Ticket>,
    q: &QueryPairs,
) -> ApiResult<Paged<TicketItem>> {
    let with = Embed::parse(q.get("with"))?;
    let Page {
        items,
        page: p,
        per_page,
        total,
        last_page,
    } = page;
    let views = state
        .helpdesk()
        .embed_tickets(&auth.caller(), WorkspaceId(ws), items, with)
        .await?;
    Ok(paged(
        Page {
            items: views,
            page: p,
            per_page,
            total,
            last_page,
        },
        Into::into,
    ))
}

/// The ticket queue (not trashed, not spam). Filters: `status` and `priority` (comma lists),
/// `agent_id` (`none` for unassigned), `contact_id`, `tag` (id or name), `date_from`, `date_to`;
/// `search`, `sort` (`created_at`, `updated_at`, `last_activity_at`, `number`, `priority`,
/// `status`, `subject`; `-` for descending), `page`, `per_page`, `with=contact,agent,tags`.
#[utoipa::path(get, path = "/workspaces/{ws}/tickets", tag = "tickets", security(("bearer" = [])),
    params(("ws" = Uuid, Path)),
    responses((status = 200, description = "a page of tickets"), (status = 422, body = crate::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Path(ws): Path<Uuid>,
    q: QueryPairs,
) -> ApiResult<Json<Paged<TicketItem>>> {
    let query = TicketQuery::parse(q.iter())?;
    let page = state
        .helpdesk()
        .list_tickets(&auth.caller(), WorkspaceId(ws), &query)
        .await?;
    Ok(Json(embed_page(&state, &auth, ws, page, &q).await?))
}

/// Trashed tickets (same parameters as the queue).
#[utoipa::path(get, path = "/workspaces/{ws}/tickets/trash", tag = "tickets", security(("bearer" = [])),
    params(("ws" = Uuid, Path)), responses((status = 200, description = "a page of tickets")))]
pub async fn trash(
    State(state): State<AppState>,
    auth: Auth,
    Path(ws): Path<Uuid>,
    q: QueryPairs,
) -> ApiResult<Json<Paged<TicketItem>>> {
    let query = TicketQuery::parse(q.iter())?;
    let page = state
        .helpdesk()
        .list_trashed_tickets(&auth.caller(), WorkspaceId(ws), &query)
        .await?;
    Ok(Json(embed_page(&state, &auth, ws, page, &q).await?))
}

/// Tickets marked as spam (same parameters as the queue).
#[utoipa::path(get, path = "/workspaces/{ws}/tickets/spam", tag = "tickets", security(("bearer" = [])),
    params(("ws" = Uuid, Path)), responses((status = 200, description = "a page of tickets")))]
pub async fn spam(
    State(state): State<AppState>,
    auth: Auth,
    Path(ws): Path<Uuid>,
    q: QueryPairs,
) -> ApiResult<Json<Paged<TicketItem>>> {
    let query = TicketQuery::parse(q.iter())?;
    let page = state
        .helpdesk()
        .list_spam_tickets(&auth.caller(), WorkspaceId(ws), &query)
        .await?;
    Ok(Json(embed_page(&state, &auth, ws, page, &q).await?))
}

/// The count of tickets deleted.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Deleted {
    pub deleted: u64,
}

/// Deletes every spam ticket for good (owners only).
#[utoipa::path(delete, path = "/workspaces/{ws}/tickets/spam", tag = "tickets", security(("bearer" = [])),
    params(("ws" = Uuid, Path)),
    responses((status = 200, body = Deleted), (status = 403, body = crate::error::Problem)))]
pub async fn delete_all_spam(
    State(state): State<AppState>,
    auth: Auth,
    Path(ws): Path<Uuid>,
) -> ApiResult<Json<Deleted>> {
    let deleted = state
        .helpdesk()
        .delete_all_spam_tickets(&auth.caller(), WorkspaceId(ws))
        .await?;
    Ok(Json(Deleted { deleted }))
}

/// `POST /tickets`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewTicketBody {
    pub subject: String,
    #[serde(default)]
    pub description: String,
    /// open, in_progress, pending, resolved, closed (default open).
    pub status: Option<String>,
    /// low, medium, high, urgent (default medium).
    pub priority: Option<String>,
    pub agent_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
    pub workspace_email_id: Option<Uuid>,
    #[serde(default)]
    pub tag_ids: Vec<Uuid>,
}

impl NewTicketBody {
    fn into_core(self) -> gopimi_core::Result<NewTicket> {
        Ok(NewTicket {
            subject: self.subject,
            description: self.description,
            status: self.status.as_deref().map(str::parse).transpose()?,
            priority: self.priority.as_deref().map(str::parse).transpose()?,
            agent_id: self.agent_id.map(Into::into),
            contact_id: self.contact_id.map(Into::into),
            workspace_email_id: self.workspace_email_id.map(Into::into),
            tag_ids: self.tag_ids.into_iter().map(TagId).collect(),
        })
    }
}

/// Creates a ticket.
#[utoipa::path(post, path = "/workspaces/{ws}/tickets", tag = "tickets", security(("bearer" = [])),
    params(("ws" = Uuid, Path)), request_body = NewTicketBody,
    responses((status = 201, body = TicketItem), (status = 422, body = crate::error::Problem),
        (status = 429, description = "ticket quota reached")))]
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    Path(ws): Path<Uuid>,
    Json(body): Json<NewTicketBody>,
) -> ApiResult<(StatusCode, Json<Ticket>)> {
    let t = state
        .helpdesk()
        .create_ticket(&auth.caller(), WorkspaceId(ws), body.into_core()?)
        .await?;
    Ok((StatusCode::CREATED, Json(t)))
}

/// One ticket (`?with=contact,agent,tags` embeds related rows).
#[utoipa::path(get, path = "/workspaces/{ws}/tickets/{id}", tag = "tickets", security(("bearer" = [])),
    params(("ws" = Uuid, Path), ("id" = Uuid, Path)),
    responses((status = 200, body = TicketItem), (status = 404, body = crate::error::Problem)))]
pub async fn get(
    State(state): State<AppState>,
    auth: Auth,
    Path((ws, id)): Path<(Uuid, Uuid)>,
    q: QueryPairs,
) -> ApiResult<Json<TicketItem>> {
    let with = Embed::parse(q.get("with"))?;
    let t = state
        .helpdesk()
        .ticket(&auth.caller(), WorkspaceId(ws), TicketId(id))
        .await?;
    let mut views = state
        .helpdesk()
        .embed_tickets(&auth.caller(), WorkspaceId(ws), vec![t], with)
        .await?;
    let view = views
        .pop()
        .ok_or_else(|| gopimi_core::Error::not_found("ticket"))?;
    Ok(Json(view.into()))
}

/// `PATCH /tickets/{id}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = TicketPatchBody)]
pub struct TicketPatchDoc {
    pub subject: Option<String>,
    pub description: Option<String>,
    pub status: Option<String>,
    pub priority: Option<String>,
    /// A member's id, or null to unassign.
    pub agent_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
    pub workspace_email_id: Option<Uuid>,
}

/// Changes a ticket's fields; absent fields stay, `null` clears a nullable one.
#[utoipa::path(patch, path = "/workspaces/{ws}/tickets/{id}", tag = "tickets", security(("bearer" = [])),
    params(("ws" = Uuid, Path), ("id" = Uuid, Path)), request_body = TicketPatchDoc,
    responses((status = 200, body = TicketItem), (status = 404, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path((ws, id)): Path<(Uuid, Uuid)>,
    Json(patch): Json<TicketPatch>,
) -> ApiResult<Json<Ticket>> {
    let t = state
        .helpdesk()
        .update_ticket(&auth.caller(), WorkspaceId(ws), TicketId(id), patch)
        .await?;
    Ok(Json(t))
}

/// Moves a ticket to the trash.
#[utoipa::path(delete, path = "/workspaces/{ws}/tickets/{id}", tag = "tickets", security(("bearer" = [])),
    params(("ws" = Uuid, Path), ("id" = Uuid, Path)),
    responses((status = 200, body = TicketItem), (status = 404, body = crate::error::Problem)))]
pub async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    Path((ws, id)): Path<(Uuid, Uuid)>,
) -> ApiResult<Json<Ticket>> {
    let t = state
        .helpdesk()
        .trash_ticket(&auth.caller(), WorkspaceId(ws), TicketId(id))
        .await?;
    Ok(Json(t))
}

/// Takes a ticket out of the trash.
#[utoipa::path(post, path = "/workspaces/{ws}/tickets/{id}/restore", tag = "tickets",
    security(("bearer" = [])), params(("ws" = Uuid, Path), ("id" = Uuid, Path)),
    responses((status = 200, body = TicketItem), (status = 404, body = crate::error::Problem)))]
pub async fn restore(
    State(state): State<AppState>,
    auth: Auth,
    Path((ws, id)): Path<(Uuid, Uuid)>,
) -> ApiResult<Json<Ticket>> {
    let t = state
        .helpdesk()
        .restore_ticket(&auth.caller(), WorkspaceId(ws), TicketId(id))
        .await?;
    Ok(Json(t))
}

/// Deletes a ticket for good, with its messages and attachments (owners only).
#[utoipa::path(delete, path = "/workspaces/{ws}/tickets/{id}/permanent", tag = "tickets",
    security(("bearer" = [])), params(("ws" = Uuid, Path), ("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
pub async fn delete_permanently(
    State(state): State<AppState>,
    auth: Auth,
    Path((ws, id)): Path<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    state
        .helpdesk()
        .delete_ticket_permanently(&auth.caller(), WorkspaceId(ws), TicketId(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Marks a ticket as spam.
#[utoipa::path(post, path = "/workspaces/{ws}/tickets/{id}/spam", tag = "tickets",
    security(("bearer" = [])), params(("ws" = Uuid, Path), ("id" = Uuid, Path)),
    responses((status = 200, body = TicketItem), (status = 404, body = crate::error::Problem)))]
pub async fn mark_spam(
    State(state): State<AppState>,
    auth: Auth,
    Path((ws, id)): Path<(Uuid, Uuid)>,
) -> ApiResult<Json<Ticket>> {
    let t = state
        .helpdesk()
        .set_ticket_spam(&auth.caller(), WorkspaceId(ws), TicketId(id), true)
        .await?;
    Ok(Json(t))
}

/// Takes a ticket out of spam.
#[utoipa::path(delete, path = "/workspaces/{ws}/tickets/{id}/spam", tag = "tickets",
    security(("bearer" = [])), params(("ws" = Uuid, Path), ("id" = Uuid, Path)),
    responses((status = 200, body = TicketItem), (status = 404, body = crate::error::Problem)))]
pub async fn unmark_spam(
    State(state): State<AppState>,
    auth: Auth,
    Path((ws, id)): Path<(Uuid, Uuid)>,
) -> ApiResult<Json<Ticket>> {
    let t = state
        .helpdesk()
        .set_ticket_spam(&auth.caller(), WorkspaceId(ws), TicketId(id), false)
        .await?;
    Ok(Json(t))
}

/// `POST /tickets/bulk` (documented shape).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct BulkBody {
    /// Up to 100 ids.
    pub ids: Vec<Uuid>,
    /// status, priority, assign, tag, untag, trash, restore, spam, not_spam.
    pub action: String,
    pub status: Option<String>,
    pub priority: Option<String>,
    /// For `assign`: a member, or null to unassign.
    pub agent_id: Option<Uuid>,
    pub tag_ids: Option<Vec<Uuid>>,
}

/// One action over many tickets; one result per id.
#[utoipa::path(post, path = "/workspaces/{ws}/tickets/bulk", tag = "tickets", security(("bearer" = [])),
    params(("ws" = Uuid, Path)), request_body = BulkBody,
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
        .bulk_tickets(&auth.caller(), WorkspaceId(ws), &req.ids, &action)
        .await?;
    Ok(Json(report.into()))
}

/// `PUT /tickets/{id}/tags`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TagsBody {
    pub tag_ids: Vec<Uuid>,
}

/// Replaces a ticket's tags.
#[utoipa::path(put, path = "/workspaces/{ws}/tickets/{id}/tags", tag = "tickets",
    security(("bearer" = [])), params(("ws" = Uuid, Path), ("id" = Uuid, Path)), request_body = TagsBody,
    responses((status = 200, body = TicketItem), (status = 404, body = crate::error::Problem)))]
pub async fn set_tags(
    State(state): State<AppState>,
    auth: Auth,
    Path((ws, id)): Path<(Uuid, Uuid)>,
    Json(body): Json<TagsBody>,
) -> ApiResult<Json<Ticket>> {
    let ids: Vec<TagId> = body.tag_ids.into_iter().map(TagId).collect();
    let t = state
        .helpdesk()
        .set_ticket_tags(&auth.caller(), WorkspaceId(ws), TicketId(id), &ids)
        .await?;
    Ok(Json(t))
}

/// The ticket's activity log, newest first.
#[utoipa::path(get, path = "/workspaces/{ws}/tickets/{id}/activities", tag = "tickets",
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
        .ticket_activities(&auth.caller(), WorkspaceId(ws), TicketId(id), page_of(&q)?)
        .await?;
    Ok(Json(paged(page, |a| a)))
}
