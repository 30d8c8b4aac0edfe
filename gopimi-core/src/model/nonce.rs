//! A used one-time value (a Mailgun webhook token, an unsubscribe token) kept until it expires,
//! so a replay is refused even across several server processes.

use crate::store::{Entity, Kind, Value};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A used nonce.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Nonce {
    pub id: Uuid,
    /// Namespaced key, e.g. `mailgun:<token>`; unique.
    pub key: String,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub version: u64,
}

impl Entity for Nonce {
    const KIND: Kind = Kind::Nonce;
    const NAME: &'static str = "nonce";
    fn id(&self) -> Uuid {
        self.id
    }
    fn workspace_id(&self) -> Option<Uuid> {
        None
    }
    versioned!();
    fn fields(&self) -> Vec<Value> {
        vec![
            crate::search::exact_key(&self.key).into(),
            self.expires_at.into(),
        ]
    }
}
