//! A user account: a person who signs in and is a member of workspaces.

use super::mailbox::normalize_email;
use crate::ids::UserId;
use crate::search;
use crate::store::{Entity, Kind, Value};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub name: String,
    /// As entered; matched case-insensitively.
    pub email: String,
    /// Argon2id PHC string; never serialized to API clients (the HTTP layer has its own views).
    #[serde(default)]
    pub password_hash: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default)]
    pub version: u64,
}

impl Entity for User {
    const KIND: Kind = Kind::User;
    const NAME: &'static str = "user";
    fn id(&self) -> Uuid {
        self.id.0
    }
    fn workspace_id(&self) -> Option<Uuid> {
        None
    }
    versioned!();
    fn fields(&self) -> Vec<Value> {
        vec![
            search::exact_key(&normalize_email(&self.email)).into(),
            self.created_at.into(),
        ]
    }
}
