//! Raw inbound mail: `POST /inbound/raw?recipient=ADDR` takes an RFC 5322 message as the body
//! (`Content-Type: message/rfc822`) and answers 202 with the stored item's id once the bytes and
//! the processing job are durable; `GET /inbound/{id}` says what became of it. Both are
//! authorized by the server's inbound secret, not by a user token: they serve mail providers,
//! scripts and tests, and no user owns mail before it is routed.

use crate::error::{ApiError, ApiResult};
use crate::extract::Json;
use crate::extract::json::body_bytes;
use crate::extract::{Path, Query};
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use gopimi_core::ids::InboundId;
use gopimi_core::mail::{InboundEmail, SpamVerdict};
use gopimi_core::model::InboundItem;
use gopimi_core::pipeline::{self, InboundLimits};
use gopimi_core::store::StoreExt;
use gopimi_core::{Error, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// Query of `POST /inbound/raw`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct RawParams {
    /// The envelope recipient (the address the mail was delivered to).
    pub recipient: Option<String>,
    /// The envelope sender, if known.
    pub sender: Option<String>,
}

/// The answer to an accepted message.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Accepted {
    /// The stored inbound item.
    pub id: Uuid,
    /// `pending` until processed.
    pub status: &'static str,
    /// Whether this was a redelivery of a message already stored (same `Idempotency-Key`).
    pub duplicate: bool,
}

/// What became of an inbound item.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InboundStatusView {
    /// The item.
    pub id: Uuid,
    /// `pending`, `processed`, `skipped` or `failed`.
    pub status: &'static str,
    /// The ticket it became or joined.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket_id: Option<Uuid>,
    /// The conversation it became or joined.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<Uuid>,
    /// The message it became.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<Uuid>,
    /// Why it was skipped or failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl From<InboundItem> for InboundStatusView {
    fn from(i: InboundItem) -> Self {
        InboundStatusView {
            id: i.id.0,
            status: i.status.as_str(),
            ticket_id: i.ticket_id.map(|t| t.0),
            conversation_id: i.conversation_id.map(|c| c.0),
            message_id: i.message_id.map(|m| m.0),
            reason: i.reason,
        }
    }
}

/// Checks `Authorization: Bearer <inbound secret>`. Compares digests so the time taken does not
/// depend on how much of the secret matched.
fn check_secret(state: &AppState, headers: &HeaderMap) -> Result<()> {
    let unauth = |reason: &str| Error::Unauthenticated {
        reason: reason.to_owned(),
    };
    let Some(secret) = state.config().inbound_secret.as_deref() else {
        return Err(unauth(
            "raw inbound is disabled: the server has no GOPIMI_INBOUND_SECRET",
        ));
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| unauth("missing bearer inbound secret"))?;
    let a = Sha256::digest(presented.trim().as_bytes());
    let b = Sha256::digest(secret.as_bytes());
    let diff = a
        .iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y));
    if diff == 0 {
        Ok(())
    } else {
        Err(unauth("wrong inbound secret"))
    }
}

fn is_rfc822(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|ct| {
            ct.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case("message/rfc822")
        })
        .unwrap_or(false)
}

/// The body limit of raw inbound mail: the core's.
pub fn raw_limit() -> usize {
    InboundLimits::default().max_raw_bytes
}

/// Accepts one raw message (`Content-Type: message/rfc822`) for the address in `recipient`.
/// Answers 202 once the message and its processing job are durable. An `Idempotency-Key` header
/// makes redelivery safe: the same key answers the first delivery's item.
#[utoipa::path(post, path = "/inbound/raw", tag = "inbound", params(RawParams),
    request_body(content_type = "message/rfc822", description = "the raw RFC 5322 message"),
    security(("bearer" = [])),
    responses((status = 202, body = Accepted), (status = 401, body = crate::error::Problem),
        (status = 413, body = crate::error::Problem), (status = 415, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
pub async fn post_raw(
    State(state): State<AppState>,
    Query(params): Query<RawParams>,
    req: Request,
) -> ApiResult<(StatusCode, Json<Accepted>)> {
    check_secret(&state, req.headers())?;
    if !is_rfc822(req.headers()) {
        return Err(ApiError::UnsupportedMediaType(
            "expected Content-Type: message/rfc822".into(),
        ));
    }
    let recipient = params
        .recipient
        .filter(|r| !r.trim().is_empty())
        .ok_or_else(|| ApiError::field("recipient", "the recipient address is required"))?;
    let key = req
        .headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty() && s.len() <= 200);
    let raw = body_bytes(req, &state).await?;
    let email = InboundEmail {
        raw: raw.to_vec(),
        recipient,
        sender: params.sender,
        provider: "raw".to_owned(),
        provider_key: key,
        spam: SpamVerdict::default(),
        received_at: None,
    };
    let ingested = pipeline::ingest(
        state.store().as_ref(),
        state.blobs().as_ref(),
        state.clock().as_ref(),
        email,
        &InboundLimits {
            max_raw_bytes: raw_limit(),
        },
    )
    .await?;
    state.wake_jobs();
    Ok((
        StatusCode::ACCEPTED,
        Json(Accepted {
            id: ingested.item.id.0,
            status: ingested.item.status.as_str(),
            duplicate: ingested.duplicate,
        }),
    ))
}

/// What became of an inbound item: `pending`, `processed` (with the ticket or conversation and
/// message), `skipped` or `failed` (with the reason).
#[utoipa::path(get, path = "/inbound/{id}", tag = "inbound",
    params(("id" = Uuid, Path, description = "the inbound item")),
    security(("bearer" = [])),
    responses((status = 200, body = InboundStatusView), (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
pub async fn get_status(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<InboundStatusView>> {
    check_secret(&state, &headers)?;
    let item: InboundItem = state.store().require(None, InboundId(id).0).await?;
    Ok(Json(item.into()))
}
