//! API tokens: login sessions and personal access tokens. Only a SHA-256 hash is stored; the
//! token itself is shown once.

use crate::ids::{TokenId, UserId};
use crate::store::{Entity, Kind, Value};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Where a token came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// Issued by register/login; revoked by logout.
    Session,
    /// Created by the user for scripts; listed and revoked under `/me/tokens`.
    Personal,
}

impl TokenKind {
    /// API name.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Session => "session",
            TokenKind::Personal => "personal",
        }
    }
}

/// A stored token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiToken {
    pub id: TokenId,
    pub user_id: UserId,
    pub name: String,
    pub kind: TokenKind,
    /// Hex SHA-256 of the secret token.
    pub token_hash: String,
    /// The first characters of the token, to help users tell tokens apart.
    pub prefix: String,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub version: u64,
}

impl Entity for ApiToken {
    const KIND: Kind = Kind::ApiToken;
    const NAME: &'static str = "token";
    fn id(&self) -> Uuid {
        self.id.0
    }
    fn workspace_id(&self) -> Option<Uuid> {
        None
    }
    versioned!();
    fn fields(&self) -> Vec<Value> {
        vec![
            self.user_id.0.into(),
            self.token_hash.clone().into(),
            self.kind.as_str().into(),
            self.expires_at.into(),
            self.created_at.into(),
        ]
    }
}
