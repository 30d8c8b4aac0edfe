//! Bearer authentication and the rate limits that go with it.
//!
//! [`require_token`] runs in front of every authenticated route: it reads
//! `Authorization: Bearer <token>`, asks the core who the token belongs to, counts the request
//! against the token's budget (60 a minute by default), and hands the handler an [`Auth`]. The
//! `RateLimit-*` headers are added to every answer, and a request over budget answers 429 with
//! `Retry-After` before the handler runs. [`limit_by_address`] does the same for `/auth/*`, keyed
//! on the client address, since those routes have no token yet.
//!
//! Tokens never reach a log: the span of a request names its route template only.

use crate::error::ApiError;
use crate::rate_limit::RateDecision;
use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use gopimi_core::Error;
use gopimi_core::model::{ApiToken, User};
use gopimi_core::service::Caller;
use std::net::SocketAddr;

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Auth {
    /// The user.
    pub user: User,
    /// The token the request came with.
    pub token: ApiToken,
}

impl Auth {
    /// The caller as the core names it.
    pub fn caller(&self) -> Caller {
        Caller::User(self.user.id)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Auth>().cloned().ok_or_else(|| {
            ApiError::from(Error::Unauthenticated {
                reason: "missing bearer token".into(),
            })
        })
    }
}

/// The bearer token of a request, if any.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

fn with_headers(mut res: Response, decision: &RateDecision) -> Response {
    decision.write_headers(res.headers_mut());
    res
}

fn limited(decision: &RateDecision) -> Response {
    let e = ApiError::from(Error::RateLimited {
        retry_after_secs: decision.reset_secs,
    });
    with_headers(e.into_response(), decision)
}

/// Authenticates the request and applies the per-token rate limit.
pub async fn require_token(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let Some(token) = bearer(req.headers()) else {
        return ApiError::from(Error::Unauthenticated {
            reason: "missing bearer token (Authorization: Bearer <token>)".into(),
        })
        .into_response();
    };
    let (user, token) = match state.helpdesk().authenticate(token).await {
        Ok(found) => found,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let cfg = state.config();
    let decision = state
        .limiter()
        .hit(
            &format!("token:{}", token.id),
            cfg.rate_limit_per_minute,
            cfg.rate_limit_window,
        )
        .await;
    if !decision.allowed {
        return limited(&decision);
    }
    req.extensions_mut().insert(Auth { user, token });
    with_headers(next.run(req).await, &decision)
}

/// Applies the per-address rate limit of `/auth/*`.
pub async fn limit_by_address(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let cfg = state.config();
    let forwarded = cfg
        .trust_forwarded_for
        .then(|| forwarded_for(req.headers()))
        .flatten();
    let addr = forwarded.unwrap_or_else(|| {
        req.extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|| "unknown".to_owned())
    });
    let decision = state
        .limiter()
        .hit(
            &format!("auth:{addr}"),
            cfg.auth_rate_limit_per_minute,
            cfg.rate_limit_window,
        )
        .await;
    if !decision.allowed {
        return limited(&decision);
    }
    with_headers(next.run(req).await, &decision)
}

/// The address a trusted proxy appended to `X-Forwarded-For`: the last entry of the last
/// header (earlier entries come from the client and prove nothing).
fn forwarded_for(headers: &HeaderMap) -> Option<String> {
    let last = headers.get_all("x-forwarded-for").iter().next_back()?;
    let entry = last.to_str().ok()?.rsplit(',').next()?.trim();
    entry
        .parse::<std::net::IpAddr>()
        .ok()
        .map(|ip| ip.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn reads_bearer_tokens_only() {
        let mut h = HeaderMap::new();
        assert_eq!(bearer(&h), None);
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer gpm_abc"),
        );
        assert_eq!(bearer(&h), Some("gpm_abc"));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("bearer  gpm_abc "),
        );
        assert_eq!(bearer(&h), Some("gpm_abc"));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Basic dXNlcjpwYXNz"),
        );
        assert_eq!(bearer(&h), None);
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer "));
        assert_eq!(bearer(&h), None);
    }

    #[test]
    fn the_proxy_appended_address_is_the_last_one() {
        let mut h = HeaderMap::new();
        assert_eq!(forwarded_for(&h), None);
        h.insert(
            "x-forwarded-for",
            HeaderValue::from_static("6.6.6.6, 203.0.113.7"),
        );
        assert_eq!(forwarded_for(&h).as_deref(), Some("203.0.113.7"));
        h.insert("x-forwarded-for", HeaderValue::from_static("not-an-ip"));
        assert_eq!(forwarded_for(&h), None);
    }
}
