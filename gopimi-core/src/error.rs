//! The one error type of `gopimi-core`'s boundary.
//!
//! Every variant is something a caller can act on: the HTTP layer maps each to one status code,
//! an embedding app can match on it. Storage backends map their drivers' errors into
//! [`Error::Unavailable`] (transient: retry later) or [`Error::Conflict`] (a precondition of an
//! atomic write failed: re-read and retry), keeping the driver error as the source.

use std::fmt;

/// A boxed error kept as the source chain, never shown to API clients.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Result alias used throughout the core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, in terms a caller can act on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The thing does not exist, or exists in a workspace the caller cannot see.
    /// Workspace isolation relies on this: another workspace's id is indistinguishable from a
    /// missing one.
    #[error("{what} not found")]
    NotFound { what: &'static str },

    /// The caller is known but their role does not allow this action.
    #[error("forbidden: {reason}")]
    Forbidden { reason: String },

    /// Input failed validation; `field` names the offending input field.
    #[error("invalid {field}: {message}")]
    Validation { field: String, message: String },

    /// A precondition of a write failed: a unique key is taken or the row changed underneath
    /// (optimistic concurrency). `what` names the key or the entity.
    #[error("conflict: {what}")]
    Conflict { what: String },

    /// A plan quota would be exceeded by this action.
    #[error("quota exceeded: {resource} (limit {limit})")]
    QuotaExceeded { resource: &'static str, limit: u64 },

    /// Too many requests; retry after the given number of seconds.
    #[error("rate limited, retry after {retry_after_secs}s")]
    RateLimited { retry_after_secs: u64 },

    /// The caller is not authenticated (bad or missing credentials).
    #[error("unauthenticated: {reason}")]
    Unauthenticated { reason: String },

    /// A dependency (database, mail provider, blob storage) is down or timed out. Transient.
    #[error("unavailable: {what}")]
    Unavailable {
        what: String,
        #[source]
        source: Option<BoxError>,
    },

    /// A dependency refused the request for good (e.g. the mail provider rejected a message);
    /// retrying the same request will not help.
    #[error("rejected: {reason}")]
    Rejected { reason: String },

    /// A bug or a corrupted row: something that should never happen. Never shown verbatim to
    /// API clients.
    #[error("internal error: {what}")]
    Internal {
        what: String,
        #[source]
        source: Option<BoxError>,
    },
}

impl Error {
    /// A validation error for `field`.
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Validation {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A not-found error for a kind of thing.
    pub fn not_found(what: &'static str) -> Self {
        Error::NotFound { what }
    }

    /// A forbidden error with a reason.
    pub fn forbidden(reason: impl Into<String>) -> Self {
        Error::Forbidden {
            reason: reason.into(),
        }
    }

    /// A conflict on a key or entity.
    pub fn conflict(what: impl Into<String>) -> Self {
        Error::Conflict { what: what.into() }
    }

    /// A transient failure of a dependency, keeping its source.
    pub fn unavailable(
        what: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Error::Unavailable {
            what: what.into(),
            source: Some(source.into()),
        }
    }

    /// An internal error, keeping its source.
    pub fn internal(
        what: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Error::Internal {
            what: what.into(),
            source: Some(source.into()),
        }
    }

    /// An internal error without a source.
    pub fn internal_msg(what: impl fmt::Display) -> Self {
        Error::Internal {
            what: what.to_string(),
            source: None,
        }
    }

    /// Whether retrying the same call later may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Error::Unavailable { .. } | Error::RateLimited { .. } | Error::Conflict { .. }
        )
    }

    /// Whether this is a conflict (optimistic-concurrency or unique-key failure).
    pub fn is_conflict(&self) -> bool {
        matches!(self, Error::Conflict { .. })
    }

    /// Whether this is a not-found.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::NotFound { .. })
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::internal("stored record could not be decoded", e)
    }
}
