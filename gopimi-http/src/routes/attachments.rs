//! Attachments: upload first (multipart, up to 25 MB), then name the ids on a reply; download;
//! delete an upload that was not sent.
//!
//! The upload is read field by field in chunks and refused as soon as it passes the limit, so a
//! client cannot make the server buffer more than 25 MB. Downloads are always served as
//! `attachment` with `nosniff`: an uploaded HTML file must never render in the API's origin.

use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::state::AppState;
use crate::views::AttachmentView;
use axum::extract::multipart::MultipartError;
use axum::extract::{Multipart, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use gopimi_core::ids::{AttachmentId, WorkspaceId};
use gopimi_core::service::NewAttachment;
use uuid::Uuid;

/// A multipart failure as a problem: over the body limit is 413, anything else 400.
pub fn multipart_error(e: &MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge("the upload is larger than 25 MB".into())
    } else {
        ApiError::BadRequest(format!("malformed multipart body: {}", e.body_text()))
    }
}

/// The request body limit of the upload route: the file plus room for the form's framing.
pub fn upload_body_limit(file_limit: usize) -> usize {
    file_limit + 64 * 1024
}

/// Uploads one file (the `file` field of a multipart form).
#[utoipa::path(post, path = "/workspaces/{ws}/attachments", tag = "attachments",
    security(("bearer" = [])), params(("ws" = Uuid, Path)),
    request_body(content_type = "multipart/form-data", description = "a `file` field"),
    responses((status = 201, body = AttachmentView), (status = 413, body = crate::error::Problem),
        (status = 415, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn upload(
    State(state): State<AppState>,
    auth: Auth,
    Path(ws): Path<Uuid>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<(StatusCode, Json<AttachmentView>)> {
    let mut form = multipart.map_err(|_| {
        ApiError::UnsupportedMediaType("expected Content-Type: multipart/form-data".into())
    })?;
    let limit = state.config().attachment_limit;
    while let Some(mut field) = form.next_field().await.map_err(|e| multipart_error(&e))? {
        if field.name() != Some("file") {
            continue;
        }
        let filename = field.file_name().unwrap_or("attachment").to_owned();
        let content_type = field
            .content_type()
            .unwrap_or("application/octet-stream")
            .to_owned();
        let mut bytes: Vec<u8> = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(|e| multipart_error(&e))? {
            if bytes.len() + chunk.len() > limit {
                return Err(ApiError::PayloadTooLarge(format!(
                    "the file is larger than {} MB",
                    limit / (1024 * 1024)
                )));
            }
            bytes.extend_from_slice(&chunk);
        }
        let a = state
            .helpdesk()
            .upload_attachment(
                &auth.caller(),
                WorkspaceId(ws),
                NewAttachment {
                    filename,
                    content_type,
                    bytes,
                },
            )
            .await?;
        return Ok((StatusCode::CREATED, Json(a.into())));
    }
    Err(ApiError::field("file", "a `file` field is required"))
}

/// Downloads an attachment's bytes.
#[utoipa::path(get, path = "/workspaces/{ws}/attachments/{id}", tag = "attachments",
    security(("bearer" = [])), params(("ws" = Uuid, Path), ("id" = Uuid, Path)),
    responses((status = 200, description = "the bytes", content_type = "application/octet-stream"),
        (status = 404, body = crate::error::Problem)))]
pub async fn download(
    State(state): State<AppState>,
    auth: Auth,
    Path((ws, id)): Path<(Uuid, Uuid)>,
) -> ApiResult<Response> {
    let (a, bytes) = state
        .helpdesk()
        .attachment_content(&auth.caller(), WorkspaceId(ws), AttachmentId(id))
        .await?;
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&a.content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    let ascii: String = a
        .filename
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{ascii}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=0"),
    );
    Ok(res)
}

/// Deletes an attachment.
#[utoipa::path(delete, path = "/workspaces/{ws}/attachments/{id}", tag = "attachments",
    security(("bearer" = [])), params(("ws" = Uuid, Path), ("id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    Path((ws, id)): Path<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    state
        .helpdesk()
        .delete_attachment(&auth.caller(), WorkspaceId(ws), AttachmentId(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
