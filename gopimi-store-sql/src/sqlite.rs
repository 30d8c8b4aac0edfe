//! SQLite: the embedded default. One file (or memory), no server.
//!
//! - Connections run in WAL mode with `synchronous = NORMAL` (a commit survives a crash of the
//!   process; a power cut may lose the last commits, never corrupt the file), foreign keys on,
//!   and a busy timeout for other processes sharing the file.
//! - One writer connection, opened with `BEGIN IMMEDIATE` per batch so a transaction never
//!   has to upgrade a read lock (which fails with `SQLITE_BUSY` instead of waiting), beside a
//!   pool of readers that WAL lets run during writes.
//! - An in-memory database lives as long as its one connection, so it gets exactly one,
//!   shared by reads and writes, that is never recycled.
//! - Ids are 16-byte BLOBs and times integer microseconds: both sort like the core's values.
//! - Search uses an external-content FTS5 table per searchable kind, kept by triggers
//!   (migrations/sqlite), with the `unicode61` tokenizer and diacritics kept, so "cafe" does
//!   not find "café", as in the core.

use crate::dialect::{Dialect, Failure, RawRow};
use crate::migration;
use crate::options::StoreOptions;
use crate::store::SqlStore;
use crate::target::{Engine, bad_url, describe, unreachable};
use gopimi_core::Result;
use gopimi_core::store::{FieldType, Value};
use sqlx::error::DatabaseError;
use sqlx::migrate::Migrator;
use sqlx::pool::PoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{Pool, QueryBuilder, Row, Sqlite, SqliteConnection, Transaction};
use std::str::FromStr;
use std::time::Duration;
use uuid::Uuid;

/// The SQLite dialect.
#[derive(Debug, Clone, Copy, Default)]
pub struct SqliteDialect;

/// The store on SQLite.
pub type SqliteStore = SqlStore<SqliteDialect>;

/// The SQLite migrations, embedded.
pub static MIGRATOR: Migrator = sqlx::migrate!("migrations/sqlite");

/// How long a connection waits for another process's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

fn is_memory(url: &str) -> bool {
    let rest = url.split_once(':').map(|(_, r)| r).unwrap_or(url);
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    rest.split('?').next() == Some(":memory:") || url.contains("mode=memory")
}

impl SqlStore<SqliteDialect> {
    /// Opens (creating if missing) the database at `url` (`sqlite://path/to/gopimi.db`,
    /// `sqlite:gopimi.db` or `sqlite::memory:`) and brings its schema up to date.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_with(url, &StoreOptions::default()).await
    }

    /// Opens a fresh in-memory database with the current schema.
    pub async fn in_memory() -> Result<Self> {
        Self::connect("sqlite::memory:").await
    }

    /// Opens the database at `url` with explicit options.
    pub async fn connect_with(url: &str, options: &StoreOptions) -> Result<Self> {
        let description = describe(Engine::Sqlite, url);
        let memory = is_memory(url);
        let mut connect = SqliteConnectOptions::from_str(url)
            .map_err(|e| bad_url(&description, url, e))?
            .create_if_missing(true)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        if !memory {
            connect = connect
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal);
        }
        let (read, write) = if memory {
            let pool = PoolOptions::<Sqlite>::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .test_before_acquire(false)
                .acquire_timeout(options.acquire_timeout)
                .connect_with(connect)
                .await
                .map_err(|e| unreachable(&description, url, e))?;
            (pool.clone(), pool)
        } else {
            // The writer first: it creates the file and switches it to WAL before readers open.
            let write = PoolOptions::<Sqlite>::new()
                .max_connections(1)
                .min_connections(1)
                .test_before_acquire(false)
                .acquire_timeout(options.acquire_timeout)
                .connect_with(connect.clone())
                .await
                .map_err(|e| unreachable(&description, url, e))?;
            let read = PoolOptions::<Sqlite>::new()
                .max_connections(options.max_connections.unwrap_or(4).max(1))
                .test_before_acquire(false)
                .acquire_timeout(options.acquire_timeout)
                .connect_with(connect)
                .await
                .map_err(|e| unreachable(&description, url, e))?;
            (read, write)
        };
        let store = SqlStore::from_pools(read, write, description);
        store.prepare_schema(options.migrate).await?;
        Ok(store)
    }

    /// Applies the embedded migrations that are missing; returns the schema version.
    pub async fn migrate(&self) -> Result<i64> {
        migration::run(&MIGRATOR, self.pool(), self.description()).await
    }

    async fn prepare_schema(&self, migrate: bool) -> Result<()> {
        let applied = migration::applied_version::<SqliteDialect>(self.pool()).await;
        migration::check(applied, &MIGRATOR, self.description(), migrate)?;
        if migrate {
            self.migrate().await?;
        }
        Ok(())
    }
}

impl Dialect for SqliteDialect {
    type DB = Sqlite;
    const NAME: &'static str = "SQLite";
    const CLAIM_LOCK: &'static str = "";
    const SHARE_LOCK: &'static str = "";
    const STATEMENT_ERROR_KEEPS_TRANSACTION: bool = true;

    fn push_value(qb: &mut QueryBuilder<Sqlite>, ty: FieldType, value: &Value) {
        match value {
            Value::Null => match ty {
                FieldType::Bool => qb.push_bind(None::<bool>),
                FieldType::Int | FieldType::Time => qb.push_bind(None::<i64>),
                FieldType::Text => qb.push_bind(None::<String>),
                FieldType::Uuid => qb.push_bind(None::<Uuid>),
            },
            Value::Bool(b) => qb.push_bind(*b),
            Value::Int(n) => qb.push_bind(*n),
            Value::Text(s) => qb.push_bind(s.clone()),
            Value::Uuid(u) => qb.push_bind(*u),
            Value::Time(t) => qb.push_bind(t.timestamp_micros()),
        };
    }

    fn push_id(qb: &mut QueryBuilder<Sqlite>, id: Uuid) {
        qb.push_bind(id);
    }

    fn push_opt_id(qb: &mut QueryBuilder<Sqlite>, id: Option<Uuid>) {
        qb.push_bind(id);
    }

    fn push_int(qb: &mut QueryBuilder<Sqlite>, n: i64) {
        qb.push_bind(n);
    }

    fn push_text(qb: &mut QueryBuilder<Sqlite>, s: &str) {
        qb.push_bind(s.to_owned());
    }

    fn push_order(qb: &mut QueryBuilder<Sqlite>, column: &str, descending: bool) {
        // SQLite already sorts NULL first ascending and last descending.
        qb.push(column)
            .push(if descending { " DESC" } else { " ASC" });
    }

    fn push_full_text(qb: &mut QueryBuilder<Sqlite>, table: &str, words: &[String]) {
        // FTS5 query: each word quoted (no operator can appear) and marked as a prefix.
        let query = words
            .iter()
            .map(|w| format!("\"{}\"*", w.replace('"', "\"\"")))
            .collect::<Vec<_>>()
            .join(" AND ");
        qb.push("t.rowid IN (SELECT rowid FROM ")
            .push(table)
            .push("_fts WHERE ")
            .push(table)
            .push("_fts MATCH ");
        qb.push_bind(query);
        qb.push(")");
    }

    fn push_word_prefix(qb: &mut QueryBuilder<Sqlite>, word: &str) {
        // instr is byte-exact (LIKE would fold ASCII case).
        qb.push("instr(' ' || t.search_text, ");
        qb.push_bind(format!(" {word}"));
        qb.push(") > 0");
    }

    fn classify(err: &(dyn DatabaseError + 'static)) -> Failure {
        let code: i32 = err.code().and_then(|c| c.parse().ok()).unwrap_or(0);
        match code {
            // SQLITE_CONSTRAINT_UNIQUE, SQLITE_CONSTRAINT_PRIMARYKEY
            2067 | 1555 => Failure::Unique {
                constraint: None,
                columns: sqlite_unique_columns(err.message()),
            },
            // SQLITE_CONSTRAINT_FOREIGNKEY
            787 => Failure::ForeignKey,
            // SQLITE_BUSY_SNAPSHOT: a read snapshot went stale before writing.
            517 => Failure::Contention,
            // BUSY, LOCKED, NOMEM, READONLY, IOERR, FULL, CANTOPEN.
            _ if matches!(code & 0xff, 5 | 6 | 7 | 8 | 10 | 13 | 14) => Failure::Unavailable,
            _ => Failure::Other,
        }
    }

    fn begin_write(
        pool: &Pool<Sqlite>,
    ) -> impl Future<Output = sqlx::Result<Transaction<'static, Sqlite>>> + Send + '_ {
        pool.begin_with("BEGIN IMMEDIATE")
    }

    async fn fetch_rows<'c>(
        conn: &'c mut SqliteConnection,
        qb: &'c mut QueryBuilder<Sqlite>,
    ) -> sqlx::Result<Vec<RawRow>> {
        let rows = qb.build().fetch_all(conn).await?;
        rows.iter()
            .map(|r| {
                Ok(RawRow {
                    id: r.try_get(0)?,
                    version: r.try_get(1)?,
                    body: r.try_get(2)?,
                })
            })
            .collect()
    }

    async fn fetch_int<'c>(
        conn: &'c mut SqliteConnection,
        qb: &'c mut QueryBuilder<Sqlite>,
    ) -> sqlx::Result<Option<i64>> {
        match qb.build().fetch_optional(conn).await? {
            Some(row) => row.try_get::<Option<i64>, _>(0),
            None => Ok(None),
        }
    }

    async fn execute<'c>(
        conn: &'c mut SqliteConnection,
        qb: &'c mut QueryBuilder<Sqlite>,
    ) -> sqlx::Result<u64> {
        Ok(qb.build().execute(conn).await?.rows_affected())
    }
}

/// Splits "UNIQUE constraint failed: tickets.workspace_id, tickets.number" into columns.
fn sqlite_unique_columns(message: &str) -> Vec<String> {
    message
        .split_once("constraint failed:")
        .map(|(_, cols)| {
            cols.split(',')
                .map(|c| c.trim().to_owned())
                .filter(|c| !c.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_violations_list_their_columns() {
        assert_eq!(
            sqlite_unique_columns("UNIQUE constraint failed: tickets.workspace_id, tickets.number"),
            vec!["tickets.workspace_id", "tickets.number"]
        );
    }
}
