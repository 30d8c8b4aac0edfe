//! Mailgun's route webhook: `POST /inbound/mailgun` (feature `mailgun`, enabled by
//! `MAILGUN_WEBHOOK_SIGNING_KEY`).
//!
//! The request is read into a framework-free form (urlencoded or multipart, repeated keys and
//! attachment files kept), handed to `gopimi-mailgun` to verify (signature, timestamp window,
//! token replay) and turn into one [`gopimi_core::mail::InboundEmail`], then stored by the core's
//! ingest before we answer. Statuses follow Mailgun's retry rules: 200 once durable, 406 for a
//! payload that will never be accepted (Mailgun stops retrying), 401 for a bad signature, 503
//! when our side is down (Mailgun retries).

use crate::error::ApiError;
use crate::extract::Json;
use crate::extract::json::body_bytes;
use crate::routes::inbound::{Accepted, raw_limit};
use crate::state::AppState;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use gopimi_core::pipeline::{self, InboundLimits};
use gopimi_mailgun::{FormFile, WebhookForm};

fn status_problem(status: u16, detail: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let problem = crate::error::Problem {
        kind: "https://gopimi.dev/problems/mailgun-webhook".to_owned(),
        title: "Mailgun webhook refused".to_owned(),
        status: status.as_u16(),
        detail,
        errors: None,
        resource: None,
        limit: None,
    };
    crate::error::problem_response(status, &problem, None)
}

/// Reads a webhook body (urlencoded or multipart) into a form.
async fn read_form(state: &AppState, req: Request) -> Result<WebhookForm, ApiError> {
    let essence = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "application/x-www-form-urlencoded" => {
            let bytes = body_bytes(req, state).await?;
            Ok(WebhookForm::from_urlencoded(&bytes))
        }
        "multipart/form-data" => {
            let mut mp = Multipart::from_request(req, state)
                .await
                .map_err(|e| ApiError::BadRequest(format!("malformed multipart body: {e}")))?;
            let mut form = WebhookForm::new();
            while let Some(field) = mp
                .next_field()
                .await
                .map_err(|e| crate::routes::attachments::multipart_error(&e))?
            {
                let name = field.name().unwrap_or("").to_owned();
                let filename = field.file_name().map(str::to_owned);
                let content_type = field.content_type().map(str::to_owned);
                let data = field
                    .bytes()
                    .await
                    .map_err(|e| crate::routes::attachments::multipart_error(&e))?;
                if filename.is_some() {
                    form.push_file(FormFile {
                        field: name,
                        filename,
                        content_type,
                        data: data.to_vec(),
                    });
                } else {
                    form.push(name, String::from_utf8_lossy(&data).into_owned());
                }
            }
            Ok(form)
        }
        _ => Err(ApiError::UnsupportedMediaType(
            "expected application/x-www-form-urlencoded or multipart/form-data".into(),
        )),
    }
}

/// Mailgun route target: verifies the signature, stores the message and answers 200 with the
/// inbound item's id once it is durable.
#[utoipa::path(post, path = "/inbound/mailgun", tag = "inbound",
    request_body(content_type = "multipart/form-data", description = "Mailgun's forward, MIME forward or store notification"),
    responses((status = 200, body = Accepted), (status = 401, description = "bad signature or not configured"),
        (status = 406, description = "a payload Mailgun should not retry"),
        (status = 503, description = "our side is down; Mailgun retries")))]
pub async fn inbound(State(state): State<AppState>, req: Request) -> Response {
    let Some(hooks) = state.mailgun() else {
        return status_problem(
            401,
            "Mailgun webhooks are not configured (MAILGUN_WEBHOOK_SIGNING_KEY)".into(),
        );
    };
    let form = match read_form(&state, req).await {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    let email = match hooks.inbound(&form).await {
        Ok(email) => email,
        Err(e) => {
            let status = e.response_status();
            if status >= 500 {
                tracing::warn!(error = %e, "Mailgun webhook failed on our side");
            }
            let detail = if status == 500 {
                "internal error".to_owned()
            } else {
                e.to_string()
            };
            return status_problem(status, detail);
        }
    };
    let token = form.last("token").map(str::to_owned);
    match pipeline::ingest(
        state.store().as_ref(),
        state.blobs().as_ref(),
        state.clock().as_ref(),
        email,
        &InboundLimits {
            max_raw_bytes: raw_limit(),
        },
    )
    .await
    {
        Ok(ingested) => {
            state.wake_jobs();
            (
                StatusCode::OK,
                Json(Accepted {
                    id: ingested.item.id.0,
                    status: ingested.item.status.as_str(),
                    duplicate: ingested.duplicate,
                }),
            )
                .into_response()
        }
        // A message we will never accept (empty, too large): 406 stops Mailgun's retries.
        Err(e @ gopimi_core::Error::Validation { .. }) => status_problem(406, e.to_string()),
        Err(e) => {
            // Mailgun retries with the same signed token: let that retry through.
            if let Some(token) = token {
                hooks.release(&token).await;
            }
            ApiError::from(e).into_response()
        }
    }
}

/// What an event webhook did.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct EventApplied {
    /// `updated` (the message's delivery state moved), `unchanged` (it already said as much),
    /// `ignored` (an event that does not change delivery state, or about mail we did not send).
    pub status: &'static str,
    /// The message whose state moved.
    pub message_id: Option<uuid::Uuid>,
    /// Its delivery status now.
    pub delivery_status: Option<&'static str>,
}

/// Mailgun event webhooks (`delivered`, `failed`, `complained`; JSON, or the legacy form
/// shape): verifies the signature, then records the outcome on the outbound message it is
/// about (`gopimi_core::pipeline::delivery` holds the rules). Events about mail we did not
/// send, and events that do not change delivery state (opened, clicked), answer 200 so
/// Mailgun does not retry them.
#[utoipa::path(post, path = "/inbound/mailgun/events", tag = "inbound",
    request_body(content_type = "application/json", description = "Mailgun's event webhook (`signature` and `event-data`)"),
    responses((status = 200, body = EventApplied), (status = 401, description = "bad signature or not configured"),
        (status = 406, description = "a payload Mailgun should not retry"),
        (status = 503, description = "our side is down; Mailgun retries")))]
pub async fn events(State(state): State<AppState>, req: Request) -> Response {
    let Some(hooks) = state.mailgun() else {
        return status_problem(
            401,
            "Mailgun webhooks are not configured (MAILGUN_WEBHOOK_SIGNING_KEY)".into(),
        );
    };
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
        });
    let (verified, token) = if is_json {
        let bytes = match body_bytes(req, &state).await {
            Ok(b) => b,
            Err(e) => return e.into_response(),
        };
        let token = serde_json::from_slice::<serde_json::Value>(&bytes)
            .ok()
            .and_then(|v| v["signature"]["token"].as_str().map(str::to_owned));
        (hooks.event_json(&bytes).await, token)
    } else {
        let form = match read_form(&state, req).await {
            Ok(f) => f,
            Err(e) => return e.into_response(),
        };
        let token = form.last("token").map(str::to_owned);
        (hooks.event_form(&form).await, token)
    };
    let event = match verified {
        Ok(event) => event,
        Err(e) => {
            let status = e.response_status();
            if status >= 500 {
                tracing::warn!(error = %e, "Mailgun event webhook failed on our side");
            }
            return status_problem(status, e.to_string());
        }
    };
    let ignored = || {
        Json(EventApplied {
            status: "ignored",
            message_id: None,
            delivery_status: None,
        })
        .into_response()
    };
    let (Some(report), Some(signer)) =
        (event.as_ref().and_then(|e| e.report()), state.message_ids())
    else {
        return ignored();
    };
    match pipeline::apply_delivery_report(state.store().as_ref(), signer, &report).await {
        Ok(pipeline::DeliveryApplied::Updated {
            message_id, status, ..
        }) => Json(EventApplied {
            status: "updated",
            message_id: Some(message_id.0),
            delivery_status: Some(status.as_str()),
        })
        .into_response(),
        Ok(pipeline::DeliveryApplied::Unchanged) => Json(EventApplied {
            status: "unchanged",
            message_id: None,
            delivery_status: None,
        })
        .into_response(),
        Ok(pipeline::DeliveryApplied::UnknownMessage) => ignored(),
        Err(e) => {
            if let Some(token) = token {
                hooks.release(&token).await;
            }
            ApiError::from(e).into_response()
        }
    }
}
