//! API tokens: login sessions and personal access tokens.
//!
//! A token is 32 random bytes, written as `gpm_` and unpadded base64url. It is shown once, when
//! issued; the store keeps only its SHA-256 (hex) and a short prefix that helps a user tell
//! tokens apart. Authentication hashes the presented token and looks the hash up through a
//! unique index, so it costs one indexed read and never compares secrets byte by byte.

use super::Helpdesk;
use super::input;
use crate::error::{Error, Result};
use crate::ids::{TokenId, UserId};
use crate::model::{ApiToken, TokenKind, User};
use crate::store::{Filter, Kind, Query, SortKey, StoreExt, Writes};
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Prefix of every token, so leaked tokens are recognizable by secret scanners.
pub const TOKEN_PREFIX: &str = "gpm_";
/// Most personal tokens per user.
pub const MAX_PERSONAL_TOKENS: u64 = 100;

/// A token as issued: the stored row and the secret, which is never shown again.
#[derive(Debug, Clone, Serialize)]
pub struct IssuedToken {
    /// The stored token (hash and metadata).
    pub token: ApiToken,
    /// The bearer token to hand to the user.
    pub secret: String,
}

/// Hex SHA-256 of a presented token: the stored look-up key.
pub fn hash_token(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn new_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!(
        "{TOKEN_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

impl Helpdesk {
    /// Builds a new token for `user` (not yet written).
    pub(crate) fn new_token(
        &self,
        user: UserId,
        name: String,
        kind: TokenKind,
        expires_at: Option<DateTime<Utc>>,
    ) -> (ApiToken, String) {
        let secret = new_secret();
        let token = ApiToken {
            id: TokenId::new(),
            user_id: user,
            name,
            kind,
            token_hash: hash_token(&secret),
            prefix: secret.chars().take(TOKEN_PREFIX.len() + 6).collect(),
            last_used_at: None,
            expires_at,
            created_at: self.now(),
            version: 0,
        };
        (token, secret)
    }

    /// Issues a login session token for a user.
    pub(crate) async fn issue_session(&self, user: UserId) -> Result<IssuedToken> {
        let (mut token, secret) = self.new_token(user, "session".into(), TokenKind::Session, None);
        let mut w = Writes::new();
        w.require_exists(Kind::User, None, user.0);
        w.insert(&mut token)?;
        w.apply(self.db()).await?;
        Ok(IssuedToken { token, secret })
    }

    /// Creates a personal access token. `expires_at`, if given, must be in the future.
    pub async fn create_token(
        &self,
        user: UserId,
        name: &str,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<IssuedToken> {
        let name = input::name("name", name, input::NAME_MAX)?;
        if let Some(t) = expires_at
            && t <= self.now()
        {
            return Err(Error::validation("expires_at", "must be in the future"));
        }
        let existing = self.db().count(&personal_tokens(user)).await?;
        if existing >= MAX_PERSONAL_TOKENS {
            return Err(Error::validation(
                "name",
                format!("at most {MAX_PERSONAL_TOKENS} personal tokens; revoke one first"),
            ));
        }
        let (mut token, secret) = self.new_token(user, name, TokenKind::Personal, expires_at);
        let mut w = Writes::new();
        w.require_exists(Kind::User, None, user.0);
        w.insert(&mut token)?;
        w.apply(self.db()).await.map_err(|e| {
            if e.is_not_found() {
                Error::not_found("user")
            } else {
                e
            }
        })?;
        Ok(IssuedToken { token, secret })
    }

    /// A user's personal access tokens, newest first (never their secrets).
    pub async fn list_tokens(&self, user: UserId) -> Result<Vec<ApiToken>> {
        self.db()
            .find(
                &personal_tokens(user)
                    .sort(SortKey::desc("created_at"))
                    .limit(500),
            )
            .await
    }

    /// Revokes one of the user's tokens (personal or session: logging out revokes the
    /// session's own token). Another user's token id is `NotFound`.
    pub async fn revoke_token(&self, user: UserId, token_id: TokenId) -> Result<()> {
        let token: ApiToken = self.db().require(None, token_id.0).await?;
        if token.user_id != user {
            return Err(Error::not_found("token"));
        }
        let mut w = Writes::new();
        w.delete_id(Kind::ApiToken, None, token.id.0);
        w.apply(self.db()).await
    }

    /// The user and token a bearer token belongs to; `Unauthenticated` when it is unknown,
    /// expired, or its user is gone. Records when it was last used (at most once a minute, so
    /// reads do not turn into writes on every request).
    pub async fn authenticate(&self, secret: &str) -> Result<(User, ApiToken)> {
        let unauthenticated = || Error::Unauthenticated {
            reason: "invalid or expired token".into(),
        };
        let secret = secret.trim();
        if !secret.starts_with(TOKEN_PREFIX) || secret.len() > 128 {
            return Err(unauthenticated());
        }
        let hash = hash_token(secret);
        let mut token: ApiToken = self
            .db()
            .find_one(
                &Query::new(Kind::ApiToken, None).filter(Filter::Eq("token_hash", hash.into())),
            )
            .await?
            .ok_or_else(unauthenticated)?;
        let now = self.now();
        if token.expires_at.is_some_and(|t| t <= now) {
            return Err(unauthenticated());
        }
        let user: User = self
            .db()
            .load(None, token.user_id.0)
            .await?
            .ok_or_else(unauthenticated)?;
        if token
            .last_used_at
            .is_none_or(|t| now - t >= Duration::minutes(1))
        {
            token.last_used_at = Some(now);
            let mut w = Writes::new();
            w.update(&mut token)?;
            // Best effort: a concurrent request recording the same use is not an error.
            if let Err(e) = w.apply(self.db()).await
                && !e.is_conflict()
                && !e.is_not_found()
            {
                return Err(e);
            }
        }
        Ok((user, token))
    }

    /// Deletes every token of a user except `keep` (after a password change).
    pub(crate) async fn revoke_all_tokens(
        &self,
        user: UserId,
        keep: Option<TokenId>,
    ) -> Result<()> {
        let tokens: Vec<ApiToken> = super::listing::fetch_all(
            self.db(),
            Query::new(Kind::ApiToken, None).filter(Filter::Eq("user_id", user.0.into())),
        )
        .await?;
        let mut w = Writes::new();
        for t in tokens.iter().filter(|t| Some(t.id) != keep) {
            w.delete_id(Kind::ApiToken, None, t.id.0);
        }
        w.apply(self.db()).await
    }
}

fn personal_tokens(user: UserId) -> Query {
    Query::new(Kind::ApiToken, None)
        .filter(Filter::Eq("user_id", user.0.into()))
        .filter(Filter::Eq(
            "token_kind",
            TokenKind::Personal.as_str().into(),
        ))
}
