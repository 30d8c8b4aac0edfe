//! Contacts: the list with search, one contact, bulk delete, CSV import, a contact's tickets and
//! conversations, and its custom field values.

use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::extract::json::body_bytes;
use crate::extract::{Json, Paged, Path, QueryPairs};
use crate::routes::tickets::BulkView;
use crate::state::AppState;
use crate::views::{all, paged};
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{StatusCode, header};
use gopimi_core::ids::{ContactId, WorkspaceId};
use gopimi_core::model::{Contact, Conversation, Ticket};
use gopimi_core::service::{
    ContactField, ContactPatch, ContactQuery, ConversationQuery, ImportReport, NewContact,
    TicketQuery,
};
use serde::Deserialize;
use uuid::Uuid;

/// `POST /contacts` (documented shape).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewContactBody {
    pub email: String,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub organization_id: Option<Uuid>,
    pub notes: Option<String>,
}

/// `PATCH /contacts/{id}` (documented shape; `null` clears).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ContactPatchBody {
    pub email: Option<String>,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub organization_id: Option<Uuid>,
    pub notes: Option<String>,
}

/// `POST /contacts/bulk-delete`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct IdsBody {
    pub ids: Vec<Uuid>,
}

/// Contacts: `search` (name, email, phone), `organization_id`, `sort`, `page`, `per_page`.
#[utoipa::path(get, path = "/workspaces/{ws}/contacts", tag = "contacts", security(("bearer" = [])),
    params(("ws" = Uuid, Path)), responses((status = 200, description = "a page of contacts")))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Path(ws): Path<Uuid>,
    q: QueryPairs,
) -> ApiResult<Json<Paged<Contact>>> {
    let query = ContactQuery::parse(q.iter())?;
    let page = state
        .helpdesk()
        .list_contacts(&auth.caller(), WorkspaceId(ws), &query)
        .await?;
    Ok(Json(paged(page, |c| c)))
}

/// Creates a contact.
#[utoipa::path(post, path = "/workspaces/{ws}/contacts", tag = "contacts", security(("bearer" = [])),
    params(("ws" = Uuid, Path)), request_body = NewContactBody,
    responses((status = 201, description = "the contact"), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem), (status = 429, description = "contact quota reached")))]
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    Path(ws): Path<Uuid>,
    Json(new): Json<NewContact>,
) -> ApiResult<(StatusCode, Json<Contact>)> {
    let c = state
        .helpdesk()
        .create_contact(&auth.caller(), WorkspaceId(ws), new)
        .await?;
    Ok((StatusCode::CREATED, Json(c)))
}

/// One contact.
#[utoipa::path(get, path = "/workspaces/{ws}/contacts/{id}", tag = "contacts", security(("bearer" = [])),
    params(("ws" = Uuid, Path), ("id" = Uuid, Path)),
    responses((status = 200, description = "the contact"), (status = 404, body = crate::error::Problem)))]
pub async fn get(
    State(state): State<AppState>,
    auth: Auth,
    Path((ws, id)): Path<(Uuid, Uuid)>,
) -> ApiResult<Json<Contact>> {
    let c = state
        .helpdesk()
        .contact(&auth.caller(), WorkspaceId(ws), ContactId(id))
        .await?;
    Ok(Json(c))
}

/// Changes a contact.
#[utoipa::path(patch, path = "/workspaces/{ws}/contacts/{id}", tag = "contacts", security(("bearer" = [])),
    params(("ws" = Uuid, Path), ("id" = Uuid, Path)), request_body = ContactPatchBody,
    responses((status = 200, description = "the contact"), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path((ws, id)): Path<(Uuid, Uuid)>,
    Json(patch): Json<ContactPatch>,
) -> ApiResult<Json<Contact>> {
    let c = state
        .helpdesk()
        .update_contact(&auth.caller(), WorkspaceId(ws), ContactId(id), patch)
        .await?;
    Ok(Json(c))
}

/// Deletes a contact (its tickets and conversations stay, without a contact).
#[utoipa::path(delete, path = "/workspaces/{ws}/contacts/{id}", tag = "contacts", security(("bearer" = [])),
    params(("ws" = Uuid, Path), ("id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    Path((ws, id)): Path<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    state
        .helpdesk()
        .delete_contact(&auth.caller(), WorkspaceId(ws), ContactId(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes many contacts; one result per id.
#[utoipa::path(post, path = "/workspaces/{ws}/contacts/bulk-delete", tag = "contacts",
    security(("bearer" = [])), params(("ws" = Uuid, Path)), request_body = IdsBody,
    responses((status = 200, body = BulkView), (status = 422, body = crate::error::Problem)))]
pub async fn bulk_delete(
    State(state): State<AppState>,
    auth: Auth,
    Path(ws): Path<Uuid>,
    Json(body): Json<IdsBody>,
) -> ApiResult<Json<BulkView>> {
    let ids: Vec<ContactId> = body.ids.into_iter().map(ContactId).collect();
    let report = state
        .helpdesk()
        .bulk_delete_contacts(&auth.caller(), WorkspaceId(ws), &ids)
        .await?;
    Ok(Json(report.into()))
}

/// Reads the CSV of an import request: a `text/csv` body, or the `file` field of a multipart
/// form.
async fn csv_bytes(state: &AppState, req: Request) -> ApiResult<Vec<u8>> {
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match ct.as_str() {
        "text/csv" | "application/csv" | "text/plain" => Ok(body_bytes(req, state).await?.to_vec()),
        "multipart/form-data" => {
            let mut form = Multipart::from_request(req, state)
                .await
                .map_err(|e| ApiError::BadRequest(format!("malformed multipart body: {e}")))?;
            while let Some(field) = form
                .next_field()
                .await
                .map_err(|e| crate::routes::attachments::multipart_error(&e))?
            {
                if field.name() == Some("file") {
                    let bytes = field
                        .bytes()
                        .await
                        .map_err(|e| crate::routes::attachments::multipart_error(&e))?;
                    return Ok(bytes.to_vec());
                }
            }
            Err(ApiError::field("file", "a CSV file is required"))
        }
        _ => Err(ApiError::UnsupportedMediaType(
            "send the CSV as text/csv or as the `file` field of multipart/form-data".into(),
        )),
    }
}

/// Imports contacts from CSV (a header row naming `email`, `name`, `phone`, `notes` and custom
/// fields). Rows that fail are reported with their line and field; the others are created, up
/// to the plan's contact quota.
#[utoipa::path(post, path = "/workspaces/{ws}/contacts/import", tag = "contacts",
    security(("bearer" = [])), params(("ws" = Uuid, Path)),
    request_body(content_type = "text/csv", description = "CSV with a header row"),
    responses((status = 200, description = "created count, per-row errors, ignored columns"),
        (status = 415, body = crate::error::Problem)))]
pub async fn import(
    State(state): State<AppState>,
    auth: Auth,
    Path(ws): Path<Uuid>,
    req: Request,
) -> ApiResult<Json<ImportReport>> {
    let bytes = csv_bytes(&state, req).await?;
    let report = state
        .helpdesk()
        .import_contacts_csv(&auth.caller(), WorkspaceId(ws), &bytes)
        .await?;
    Ok(Json(report))
}

/// A contact's tickets (ticket list parameters apply).
#[utoipa::path(get, path = "/workspaces/{ws}/contacts/{id}/tickets", tag = "contacts",
    security(("bearer" = [])), params(("ws" = Uuid, Path), ("id" = Uuid, Path)),
    responses((status = 200, description = "a page of tickets"), (status = 404, body = crate::error::Problem)))]
pub async fn tickets(
    State(state): State<AppState>,
    auth: Auth,
    Path((ws, id)): Path<(Uuid, Uuid)>,
    q: QueryPairs,
) -> ApiResult<Json<Paged<Ticket>>> {
    let query = TicketQuery::parse(q.iter())?;
    let page = state
        .helpdesk()
        .contact_tickets(&auth.caller(), WorkspaceId(ws), ContactId(id), &query)
        .await?;
    Ok(Json(paged(page, |t| t)))
}

/// A contact's conversations (conversation list parameters apply).
#[utoipa::path(get, path = "/workspaces/{ws}/contacts/{id}/conversations", tag = "contacts",
    security(("bearer" = [])), params(("ws" = Uuid, Path), ("id" = Uuid, Path)),
    responses((status = 200, description = "a page of conversations"), (status = 404, body = crate::error::Problem)))]
pub async fn conversations(
    State(state): State<AppState>,
    auth: Auth,
    Path((ws, id)): Path<(Uuid, Uuid)>,
    q: QueryPairs,
) -> ApiResult<Json<Paged<Conversation>>> {
    let query = ConversationQuery::parse(q.iter())?;
    let page = state
        .helpdesk()
        .contact_conversations(&auth.caller(), WorkspaceId(ws), ContactId(id), &query)
        .await?;
    Ok(Json(paged(page, |c| c)))
}

/// Every custom field with the contact's value.
#[utoipa::path(get, path = "/workspaces/{ws}/contacts/{id}/fields", tag = "contacts",
    security(("bearer" = [])), params(("ws" = Uuid, Path), ("id" = Uuid, Path)),
    responses((status = 200, description = "fields with values"), (status = 404, body = crate::error::Problem)))]
pub async fn fields(
    State(state): State<AppState>,
    auth: Auth,
    Path((ws, id)): Path<(Uuid, Uuid)>,
) -> ApiResult<Json<Paged<ContactField>>> {
    let f = state
        .helpdesk()
        .contact_fields(&auth.caller(), WorkspaceId(ws), ContactId(id))
        .await?;
    Ok(Json(all(f)))
}

/// Sets custom field values: an object keyed by field id or name; `null` clears a value. One
/// bad value changes nothing.
#[utoipa::path(put, path = "/workspaces/{ws}/contacts/{id}/fields", tag = "contacts",
    security(("bearer" = [])), params(("ws" = Uuid, Path), ("id" = Uuid, Path)),
    request_body(content = Object, description = "{field id or name: value}"),
    responses((status = 200, description = "fields with values"), (status = 422, body = crate::error::Problem)))]
pub async fn set_fields(
    State(state): State<AppState>,
    auth: Auth,
    Path((ws, id)): Path<(Uuid, Uuid)>,
    Json(values): Json<serde_json::Map<String, serde_json::Value>>,
) -> ApiResult<Json<Paged<ContactField>>> {
    let f = state
        .helpdesk()
        .set_contact_fields(&auth.caller(), WorkspaceId(ws), ContactId(id), &values)
        .await?;
    Ok(Json(all(f)))
}
