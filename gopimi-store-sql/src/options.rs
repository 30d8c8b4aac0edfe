//! Settings for opening a store.

use std::time::Duration;

/// How a store opens its database. The defaults suit the server: migrate on start, a small
/// pool, and a bounded wait for a connection (so a database that went away answers
/// `Unavailable` instead of hanging requests).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct StoreOptions {
    /// Apply missing migrations on connect (default true). When false, a database whose
    /// schema is not the current one is refused.
    pub migrate: bool,
    /// Connections in the pool; for SQLite, reader connections beside the one writer.
    /// Default: 8 for PostgreSQL and MySQL, 4 SQLite readers.
    pub max_connections: Option<u32>,
    /// How long a request waits for a connection before `Unavailable` (default 10 s).
    pub acquire_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            migrate: true,
            max_connections: None,
            acquire_timeout: Duration::from_secs(10),
        }
    }
}

impl StoreOptions {
    /// Whether to migrate on connect.
    pub fn migrate(mut self, migrate: bool) -> Self {
        self.migrate = migrate;
        self
    }

    /// The pool size.
    pub fn max_connections(mut self, n: u32) -> Self {
        self.max_connections = Some(n);
        self
    }

    /// The wait for a connection.
    pub fn acquire_timeout(mut self, timeout: Duration) -> Self {
        self.acquire_timeout = timeout;
        self
    }
}
