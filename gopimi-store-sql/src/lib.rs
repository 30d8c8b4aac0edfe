//! # gopimi-store-sql
//!
//! The storage port of `gopimi-core` ([`gopimi_core::store::Store`]) on SQL databases, through
//! sqlx:
//!
//! | engine | feature | type | URL |
//! |---|---|---|---|
//! | SQLite (embedded default) | `sqlite` (default) | [`SqliteStore`] | `sqlite://data/gopimi.db`, `sqlite::memory:` |
//! | PostgreSQL | `postgres` | [`PostgresStore`] | `postgres://user:pass@host:5432/gopimi` |
//! | MySQL / MariaDB (10.6+) | `mysql` | [`MySqlStore`] | `mysql://user:pass@host:3306/gopimi` |
//!
//! [`connect`] picks the engine from the URL's scheme and returns the store as
//! `Arc<dyn Store>` for the server; the concrete types have the same constructors and expose
//! their pool and migrations for tools and tests.
//!
//! ## Layout
//! One code base, generic over a [`Dialect`]: `read`, `write` and `claim` hold all the SQL of
//! the port, `conditions` the exact query semantics, `errors` the mapping of driver errors,
//! `migration` the schema version check. What differs
//! per engine (binding, NULL order, full-text match, lock clauses, error codes) is the
//! `Dialect` implementation in each engine's module, next to its constructor.
//!
//! ## Schema
//! One table per `Kind` (`gopimi_core::store::schema`): `id`, `workspace_id`, `version`,
//! `body` (the JSON the core wrote, returned as is), one typed column per projected field, and
//! `search_text` for searchable kinds; a side table per set field (`tickets_tag_ids`); unique
//! constraints named after the core's unique keys; a foreign key from every workspace-scoped
//! row (and from jobs and inbound items, whose workspace is optional) to `workspaces`. The
//! migrations live in `migrations/<engine>/` and are applied on connect; a test checks them
//! against the core's declaration on every engine.
//!
//! ## Semantics
//! Exactly those of `gopimi_core::store::MemoryStore`, the reference, checked by the core's
//! conformance suite on each engine. Text compares byte-wise everywhere (binary collations);
//! ids sort like `Uuid`; times keep microseconds.

// A build without any engine compiles (and can only report that it has none).
#![cfg_attr(
    not(any(feature = "sqlite", feature = "postgres", feature = "mysql")),
    allow(dead_code, unused_imports)
)]

mod claim;
mod conditions;
pub mod dialect;
mod errors;
mod migration;
mod options;
mod read;
mod store;
pub mod target;
mod write;

#[cfg(feature = "mysql")]
pub mod mysql;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "sqlite")]
pub mod sqlite;

pub use dialect::Dialect;
pub use options::StoreOptions;
pub use store::SqlStore;
pub use target::Engine;

#[cfg(feature = "mysql")]
pub use mysql::{MySqlDialect, MySqlStore};
#[cfg(feature = "postgres")]
pub use postgres::{PostgresDialect, PostgresStore};
#[cfg(feature = "sqlite")]
pub use sqlite::{SqliteDialect, SqliteStore};

use gopimi_core::store::Store;
use gopimi_core::{Error, Result};
use std::sync::Arc;

/// Opens the database a URL names, migrating it, as the server's store.
pub async fn connect(url: &str) -> Result<Arc<dyn Store>> {
    connect_with(url, &StoreOptions::default()).await
}

/// Opens the database a URL names with explicit options.
pub async fn connect_with(url: &str, options: &StoreOptions) -> Result<Arc<dyn Store>> {
    let engine = Engine::of_url(url)?;
    match engine {
        #[cfg(feature = "sqlite")]
        Engine::Sqlite => Ok(Arc::new(SqliteStore::connect_with(url, options).await?)),
        #[cfg(feature = "postgres")]
        Engine::Postgres => Ok(Arc::new(PostgresStore::connect_with(url, options).await?)),
        #[cfg(feature = "mysql")]
        Engine::MySql => Ok(Arc::new(MySqlStore::connect_with(url, options).await?)),
        #[allow(unreachable_patterns)]
        other => {
            let _ = options;
            Err(not_built(other))
        }
    }
}

/// Brings the schema of the database a URL names up to date (`gopimi migrate`); returns the
/// schema version.
pub async fn migrate(url: &str) -> Result<i64> {
    let options = StoreOptions::default().migrate(true);
    match Engine::of_url(url)? {
        #[cfg(feature = "sqlite")]
        Engine::Sqlite => {
            SqliteStore::connect_with(url, &options)
                .await?
                .migrate()
                .await
        }
        #[cfg(feature = "postgres")]
        Engine::Postgres => {
            PostgresStore::connect_with(url, &options)
                .await?
                .migrate()
                .await
        }
        #[cfg(feature = "mysql")]
        Engine::MySql => {
            MySqlStore::connect_with(url, &options)
                .await?
                .migrate()
                .await
        }
        #[allow(unreachable_patterns)]
        other => {
            let _ = options;
            Err(not_built(other))
        }
    }
}

#[allow(dead_code)]
fn not_built(engine: Engine) -> Error {
    Error::validation(
        "database_url",
        format!(
            "this build of gopimi has no {} support; rebuild with the `{}` feature",
            engine.name(),
            engine.feature()
        ),
    )
}
