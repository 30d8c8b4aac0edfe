//! The API's one error type and its one mapping to RFC 9457 problem details.
//!
//! Every handler returns [`ApiError`]; the core's [`gopimi_core::Error`] converts into it, and so
//! do the HTTP-only failures (malformed body, wrong content type, too large, unknown route). Each
//! variant has exactly one status, chosen here and nowhere else. Internal errors are logged with
//! their source chain and shown to clients as a bare "internal error": no driver message, path or
//! query ever leaks into a response.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use gopimi_core::Error;
use serde::Serialize;
use std::collections::BTreeMap;

/// The media type of problem details.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An error answered by the API.
#[derive(Debug)]
pub enum ApiError {
    /// An error of the core.
    Core(Error),
    /// The body could not be parsed (400).
    BadRequest(String),
    /// Several fields are invalid at once (422).
    Fields(BTreeMap<String, Vec<String>>),
    /// The body's content type is not the one this route takes (415).
    UnsupportedMediaType(String),
    /// The body is larger than this route accepts (413).
    PayloadTooLarge(String),
    /// No route answers this path (404).
    NoRoute,
    /// The route exists but not with this method (405).
    MethodNotAllowed,
}

/// Results of handlers.
pub type ApiResult<T> = Result<T, ApiError>;

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError::Core(e)
    }
}

impl ApiError {
    /// A validation error on one field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::Core(Error::validation(field, message))
    }

    /// The status this error answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Core(e) => core_status(e),
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Fields(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::NoRoute => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        }
    }
}

fn core_status(e: &Error) -> StatusCode {
    match e {
        Error::NotFound { .. } => StatusCode::NOT_FOUND,
        Error::Forbidden { .. } => StatusCode::FORBIDDEN,
        Error::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        Error::Conflict { .. } => StatusCode::CONFLICT,
        Error::QuotaExceeded { .. } | Error::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        Error::Unauthenticated { .. } => StatusCode::UNAUTHORIZED,
        Error::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
        // A dependency refused for good (e.g. the mail provider rejected a domain): the request
        // cannot succeed as made, which is the client's to change.
        Error::Rejected { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// An RFC 9457 problem details body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the problem type.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the problem type.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What happened in this case.
    pub detail: String,
    /// For 422: each invalid field with its messages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<BTreeMap<String, Vec<String>>>,
    /// For quota errors: the resource whose limit was reached.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// For quota errors: the plan's limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
}

const TYPE_BASE: &str = "https://gopimi.dev/problems/";

impl ApiError {
    /// The problem body and the `Retry-After` seconds, if any.
    fn problem(&self) -> (Problem, Option<u64>) {
        let status = self.status();
        let mut p = Problem {
            kind: String::new(),
            title: String::new(),
            status: status.as_u16(),
            detail: String::new(),
            errors: None,
            resource: None,
            limit: None,
        };
        let mut retry_after = None;
        let (slug, title, detail): (&str, &str, String) = match self {
            ApiError::Core(e) => match e {
                Error::NotFound { what } => ("not-found", "Not found", format!("{what} not found")),
                Error::Forbidden { reason } => ("forbidden", "Forbidden", reason.clone()),
                Error::Validation { field, message } => {
                    p.errors = Some(BTreeMap::from([(field.clone(), vec![message.clone()])]));
                    ("validation", "Invalid input", format!("{field}: {message}"))
                }
                Error::Conflict { what } => ("conflict", "Conflict", format!("conflict: {what}")),
                Error::QuotaExceeded { resource, limit } => {
                    p.resource = Some((*resource).to_owned());
                    p.limit = Some(*limit);
                    (
                        "quota-exceeded",
                        "Plan quota exceeded",
                        format!("the plan allows {limit} {resource}; remove some or change plan"),
                    )
                }
                Error::RateLimited { retry_after_secs } => {
                    retry_after = Some((*retry_after_secs).max(1));
                    (
                        "rate-limited",
                        "Too many requests",
                        format!(
                            "rate limit reached; retry after {} s",
                            (*retry_after_secs).max(1)
                        ),
                    )
                }
                Error::Unauthenticated { reason } => {
                    ("unauthenticated", "Unauthenticated", reason.clone())
                }
                Error::Unavailable { what, .. } => (
                    "unavailable",
                    "Service unavailable",
                    format!("{what} is unavailable; try again later"),
                ),
                Error::Rejected { reason } => ("rejected", "Rejected", reason.clone()),
                _ => (
                    "internal",
                    "Internal error",
                    "internal error; the server log has the details".to_owned(),
                ),
            },
            ApiError::BadRequest(d) => ("bad-request", "Malformed request", d.clone()),
            ApiError::Fields(errors) => {
                p.errors = Some(errors.clone());
                let fields: Vec<&str> = errors.keys().map(String::as_str).collect();
                (
                    "validation",
                    "Invalid input",
                    format!("invalid fields: {}", fields.join(", ")),
                )
            }
            ApiError::UnsupportedMediaType(d) => (
                "unsupported-media-type",
                "Unsupported media type",
                d.clone(),
            ),
            ApiError::PayloadTooLarge(d) => ("payload-too-large", "Payload too large", d.clone()),
            ApiError::NoRoute => (
                "no-route",
                "Not found",
                "no such route; see /api/v1/openapi.json".to_owned(),
            ),
            ApiError::MethodNotAllowed => (
                "method-not-allowed",
                "Method not allowed",
                "this route does not take that method".to_owned(),
            ),
        };
        p.kind = format!("{TYPE_BASE}{slug}");
        p.title = title.to_owned();
        p.detail = detail;
        (p, retry_after)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if let ApiError::Core(e) = &self {
            match e {
                Error::Internal { .. } => {
                    tracing::error!(error = %e, source = ?std::error::Error::source(e), "internal error")
                }
                Error::Unavailable { .. } => {
                    tracing::warn!(error = %e, source = ?std::error::Error::source(e), "dependency unavailable")
                }
                _ => {}
            }
        }
        let (problem, retry_after) = self.problem();
        problem_response(status, &problem, retry_after)
    }
}

/// Builds a problem+json response.
pub fn problem_response(
    status: StatusCode,
    problem: &Problem,
    retry_after: Option<u64>,
) -> Response {
    let body = serde_json::to_vec(problem).unwrap_or_else(|_| b"{}".to_vec());
    let mut res = (status, body).into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    if let Some(secs) = retry_after {
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_core_error_has_its_status() {
        let cases: Vec<(Error, u16)> = vec![
            (Error::not_found("ticket"), 404),
            (Error::forbidden("owners only"), 403),
            (Error::validation("email", "bad"), 422),
            (Error::conflict("user_email"), 409),
            (
                Error::QuotaExceeded {
                    resource: "tickets",
                    limit: 3,
                },
                429,
            ),
            (
                Error::RateLimited {
                    retry_after_secs: 7,
                },
                429,
            ),
            (
                Error::Unauthenticated {
                    reason: "no token".into(),
                },
                401,
            ),
            (
                Error::unavailable("database", std::io::Error::other("down")),
                503,
            ),
            (
                Error::internal("boom", std::io::Error::other("secret path /x")),
                500,
            ),
        ];
        for (e, status) in cases {
            assert_eq!(ApiError::from(e).status().as_u16(), status);
        }
    }

    #[test]
    fn internal_errors_do_not_leak_their_source() {
        let e = ApiError::from(Error::internal(
            "db row",
            std::io::Error::other("/var/secret"),
        ));
        let (p, _) = e.problem();
        assert!(!p.detail.contains("secret"));
        assert!(!p.detail.contains("db row"));
    }

    #[test]
    fn validation_lists_the_field() {
        let (p, _) = ApiError::from(Error::validation("email", "is not an address")).problem();
        let errors = p.errors.expect("errors");
        assert_eq!(errors["email"], vec!["is not an address".to_owned()]);
    }
}
