//! JSON in and out, with the contract's statuses for bad bodies.
//!
//! axum's own `Json` answers with plain-text rejections; ours answers with problem details:
//! 415 when the content type is not JSON, 413 past the route's body limit, 400 when the bytes are
//! not JSON at all, and 422 naming the field (by its path in the document) when the JSON does not
//! fit the expected shape.

use crate::error::ApiError;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;

/// A JSON request body or response.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

/// Whether a request's content type is JSON (`application/json` or `application/*+json`).
pub fn is_json_content_type(headers: &axum::http::HeaderMap) -> bool {
    let Some(ct) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Reads a body as bytes, turning the limit rejection into 413.
pub async fn body_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state).await.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge("the request body is larger than this route accepts".into())
        } else {
            ApiError::BadRequest("the request body could not be read".into())
        }
    })
}

/// Parses JSON bytes into `T` with the contract's errors.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(de) {
        Ok(v) => Ok(v),
        Err(e) => {
            let inner = e.inner();
            if inner.is_syntax() || inner.is_eof() {
                return Err(ApiError::BadRequest(format!("malformed JSON: {inner}")));
            }
            let path = e.path().to_string();
            let message = clean_serde_message(&inner.to_string());
            let field = if path == "." || path.is_empty() {
                missing_field(&message).unwrap_or_else(|| "body".to_owned())
            } else {
                path
            };
            Err(ApiError::Fields(BTreeMap::from([(field, vec![message])])))
        }
    }
}

/// serde's messages end with " at line 1 column 17"; clients do not need that.
fn clean_serde_message(m: &str) -> String {
    match m.rfind(" at line ") {
        Some(i) => m[..i].to_owned(),
        None => m.to_owned(),
    }
}

/// "missing field `email`" names the field itself.
fn missing_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("missing field `")?;
    let end = rest.find('`')?;
    Some(rest[..end].to_owned())
}

impl<T, S> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json_content_type(req.headers()) {
            return Err(ApiError::UnsupportedMediaType(
                "expected Content-Type: application/json".into(),
            ));
        }
        let bytes = body_bytes(req, state).await?;
        parse_json(&bytes).map(Json)
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Register {
        name: String,
        email: String,
        age: Option<u32>,
    }

    #[test]
    fn syntax_errors_are_400_and_shape_errors_name_the_field() {
        assert!(matches!(
            parse_json::<Register>(b"{\"name\":"),
            Err(ApiError::BadRequest(_))
        ));
        match parse_json::<Register>(br#"{"name":"a"}"#) {
            Err(ApiError::Fields(f)) => assert!(f.contains_key("email"), "{f:?}"),
            other => panic!("expected field error, got {other:?}"),
        }
        match parse_json::<Register>(br#"{"name":"a","email":"b","age":"x"}"#) {
            Err(ApiError::Fields(f)) => assert!(f.contains_key("age"), "{f:?}"),
            other => panic!("expected field error, got {other:?}"),
        }
    }
}
