//! What the API shows of stored rows that hold secrets or internals: users (never the password
//! hash), tokens (never the hash; the secret only once, when issued), attachments (never the
//! blob key). Other domain types are shown as the core defines them.

use crate::extract::Paged;
use chrono::{DateTime, Utc};
use gopimi_core::model::{ApiToken, Attachment, User};
use gopimi_core::service::{IssuedToken, Page};
use serde::Serialize;
use uuid::Uuid;

/// A user as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<User> for UserView {
    fn from(u: User) -> Self {
        UserView {
            id: u.id.0,
            name: u.name,
            email: u.email,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

/// A token as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TokenView {
    pub id: Uuid,
    pub name: String,
    /// `session` (from login) or `personal`.
    pub kind: &'static str,
    /// The first characters of the token, to tell tokens apart.
    pub prefix: String,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<ApiToken> for TokenView {
    fn from(t: ApiToken) -> Self {
        TokenView {
            id: t.id.0,
            name: t.name,
            kind: t.kind.as_str(),
            prefix: t.prefix,
            last_used_at: t.last_used_at,
            expires_at: t.expires_at,
            created_at: t.created_at,
        }
    }
}

/// A newly issued token: the only time its secret is shown.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IssuedTokenView {
    #[serde(flatten)]
    pub token: TokenView,
    /// The bearer token. Store it now: it is never shown again.
    pub token_secret: String,
}

impl From<IssuedToken> for IssuedTokenView {
    fn from(t: IssuedToken) -> Self {
        IssuedTokenView {
            token: t.token.into(),
            token_secret: t.secret,
        }
    }
}

/// An attachment as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AttachmentView {
    pub id: Uuid,
    pub filename: String,
    pub content_type: String,
    pub size: u64,
    pub sha256: String,
    pub message_id: Option<Uuid>,
    pub content_id: Option<String>,
    pub inline: bool,
    pub created_at: DateTime<Utc>,
}

impl From<Attachment> for AttachmentView {
    fn from(a: Attachment) -> Self {
        AttachmentView {
            id: a.id.0,
            filename: a.filename,
            content_type: a.content_type,
            size: a.size,
            sha256: a.sha256,
            message_id: a.message_id.map(|m| m.0),
            content_id: a.content_id,
            inline: a.inline,
            created_at: a.created_at,
        }
    }
}

/// A core page as the API's list shape.
pub fn paged<T, U>(page: Page<T>, f: impl FnMut(T) -> U) -> Paged<U> {
    Paged::new(
        page.items.into_iter().map(f).collect(),
        u64::from(page.page),
        page.per_page,
        page.total,
    )
}

/// A whole list (no paging in the core) as the API's list shape: one page holding everything.
pub fn all<T>(items: Vec<T>) -> Paged<T> {
    let n = items.len() as u64;
    let per = u32::try_from(n.max(1)).unwrap_or(u32::MAX);
    Paged::new(items, 1, per, n)
}

/// A webhook endpoint as the API shows it: never its secret.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WebhookView {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub url: String,
    /// Subscribed event types; empty means all.
    pub events: Vec<String>,
    pub enabled: bool,
    /// Why it was disabled automatically, if it was.
    pub disabled_reason: Option<String>,
    /// Failed attempts in a row.
    pub consecutive_failures: u32,
    pub failing_since: Option<DateTime<Utc>>,
    /// While a rotated secret's grace period lasts: when the old secret stops signing.
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl WebhookView {
    /// The view at `now` (an ended grace period is not shown).
    pub fn new(w: gopimi_core::model::Webhook, now: DateTime<Utc>) -> Self {
        WebhookView {
            id: w.id.0,
            workspace_id: w.workspace_id.0,
            url: w.url,
            events: w.events,
            enabled: w.enabled,
            disabled_reason: w.disabled_reason,
            consecutive_failures: w.consecutive_failures,
            failing_since: w.failing_since,
            previous_secret_expires_at: w.previous_secret_expires_at.filter(|t| *t > now),
            created_at: w.created_at,
            updated_at: w.updated_at,
        }
    }
}

/// A webhook endpoint with its secret: only in the answers to creation and rotation.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WebhookWithSecret {
    #[serde(flatten)]
    pub webhook: WebhookView,
    /// `whsec_` + base64; shown this once.
    pub secret: String,
}
