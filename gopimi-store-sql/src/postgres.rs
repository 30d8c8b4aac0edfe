//! PostgreSQL: the path past one machine (several gopimi processes sharing one database).
//!
//! - Ids are `uuid` (PostgreSQL orders them byte-wise, like `Uuid`), times `timestamptz`
//!   (microseconds), text `COLLATE "C"` (byte order).
//! - PostgreSQL sorts NULL last ascending; every `ORDER BY` and sort index says
//!   `NULLS FIRST` ascending and `NULLS LAST` descending to get the core's order.
//! - Search: a generated `tsvector` column ('simple' configuration: no stemming or stop words)
//!   with a GIN index, queried with a prefix `tsquery` (`word:* & word:*`).
//! - Jobs are claimed with `FOR UPDATE SKIP LOCKED`; `Require` takes `FOR SHARE`.
//! - Transactions run at READ COMMITTED: every precondition is in the `WHERE` of the statement
//!   that writes, which PostgreSQL re-checks against the newest row version after waiting on a
//!   concurrent writer, so a lost update shows up as a conflict.

use crate::dialect::{Dialect, Failure, RawRow};
use crate::migration;
use crate::options::StoreOptions;
use crate::store::SqlStore;
use crate::target::{Engine, bad_url, describe, unreachable};
use chrono::{DateTime, Utc};
use gopimi_core::Result;
use gopimi_core::store::{FieldType, Value};
use sqlx::error::DatabaseError;
use sqlx::migrate::Migrator;
use sqlx::pool::PoolOptions;
use sqlx::postgres::PgConnectOptions;
use sqlx::{PgConnection, Pool, Postgres, QueryBuilder, Row, Transaction};
use std::str::FromStr;
use uuid::Uuid;

/// The PostgreSQL dialect.
#[derive(Debug, Clone, Copy, Default)]
pub struct PostgresDialect;

/// The store on PostgreSQL.
pub type PostgresStore = SqlStore<PostgresDialect>;

/// The PostgreSQL migrations, embedded.
pub static MIGRATOR: Migrator = sqlx::migrate!("migrations/postgres");

impl SqlStore<PostgresDialect> {
    /// Connects to `postgres://user:pass@host:5432/db` and brings its schema up to date.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_with(url, &StoreOptions::default()).await
    }

    /// Connects with explicit options.
    pub async fn connect_with(url: &str, options: &StoreOptions) -> Result<Self> {
        let description = describe(Engine::Postgres, url);
        let connect = PgConnectOptions::from_str(url).map_err(|e| bad_url(&description, url, e))?;
        Self::connect_options(connect, description, url, options).await
    }

    /// Connects with sqlx options built by the caller (e.g. a `search_path` per test schema).
    /// `description` names the database in errors and must not hold credentials.
    pub async fn connect_options(
        connect: PgConnectOptions,
        description: String,
        url: &str,
        options: &StoreOptions,
    ) -> Result<Self> {
        let pool = PoolOptions::<Postgres>::new()
            .max_connections(options.max_connections.unwrap_or(8).max(1))
            .test_before_acquire(false)
            .acquire_timeout(options.acquire_timeout)
            .connect_with(connect)
            .await
            .map_err(|e| unreachable(&description, url, e))?;
        let store: Self = SqlStore::from_pools(pool.clone(), pool, description);
        let applied = migration::applied_version::<PostgresDialect>(store.pool()).await;
        migration::check(applied, &MIGRATOR, store.description(), options.migrate)?;
        if options.migrate {
            store.migrate().await?;
        }
        Ok(store)
    }

    /// Applies the embedded migrations that are missing; returns the schema version.
    pub async fn migrate(&self) -> Result<i64> {
        migration::run(&MIGRATOR, self.pool(), self.description()).await
    }
}

impl Dialect for PostgresDialect {
    type DB = Postgres;
    const NAME: &'static str = "PostgreSQL";
    const CLAIM_LOCK: &'static str = " FOR UPDATE SKIP LOCKED";
    const SHARE_LOCK: &'static str = " FOR SHARE";
    const STATEMENT_ERROR_KEEPS_TRANSACTION: bool = false;

    fn push_value(qb: &mut QueryBuilder<Postgres>, ty: FieldType, value: &Value) {
        match value {
            Value::Null => match ty {
                FieldType::Bool => qb.push_bind(None::<bool>),
                FieldType::Int => qb.push_bind(None::<i64>),
                FieldType::Text => qb.push_bind(None::<String>),
                FieldType::Uuid => qb.push_bind(None::<Uuid>),
                FieldType::Time => qb.push_bind(None::<DateTime<Utc>>),
            },
            Value::Bool(b) => qb.push_bind(*b),
            Value::Int(n) => qb.push_bind(*n),
            Value::Text(s) => qb.push_bind(s.clone()),
            Value::Uuid(u) => qb.push_bind(*u),
            Value::Time(t) => qb.push_bind(*t),
        };
    }

    fn push_id(qb: &mut QueryBuilder<Postgres>, id: Uuid) {
        qb.push_bind(id);
    }

    fn push_opt_id(qb: &mut QueryBuilder<Postgres>, id: Option<Uuid>) {
        qb.push_bind(id);
    }

    fn push_int(qb: &mut QueryBuilder<Postgres>, n: i64) {
        qb.push_bind(n);
    }

    fn push_text(qb: &mut QueryBuilder<Postgres>, s: &str) {
        qb.push_bind(s.to_owned());
    }

    fn push_order(qb: &mut QueryBuilder<Postgres>, column: &str, descending: bool) {
        qb.push(column).push(if descending {
            " DESC NULLS LAST"
        } else {
            " ASC NULLS FIRST"
        });
    }

    fn push_full_text(qb: &mut QueryBuilder<Postgres>, _table: &str, words: &[String]) {
        let query = words
            .iter()
            .map(|w| format!("{w}:*"))
            .collect::<Vec<_>>()
            .join(" & ");
        qb.push("t.search_vector @@ to_tsquery('simple', ");
        qb.push_bind(query);
        qb.push(")");
    }

    fn push_word_prefix(qb: &mut QueryBuilder<Postgres>, word: &str) {
        qb.push("strpos(' ' || t.search_text, ");
        qb.push_bind(format!(" {word}"));
        qb.push(") > 0");
    }

    fn classify(err: &(dyn DatabaseError + 'static)) -> Failure {
        let code = err.code().unwrap_or_default();
        match code.as_ref() {
            "23505" => Failure::Unique {
                constraint: err.constraint().map(str::to_owned),
                columns: Vec::new(),
            },
            "23503" => Failure::ForeignKey,
            // serialization failure, deadlock, lock not available
            "40001" | "40P01" | "55P03" => Failure::Contention,
            // admin shutdown, crash shutdown, cannot connect now, too many connections,
            // read-only transaction (a standby), out of disk/memory
            "57P01" | "57P02" | "57P03" | "53300" | "25006" | "53100" | "53200" => {
                Failure::Unavailable
            }
            c if c.starts_with("08") => Failure::Unavailable,
            _ => Failure::Other,
        }
    }

    fn begin_write(
        pool: &Pool<Postgres>,
    ) -> impl Future<Output = sqlx::Result<Transaction<'static, Postgres>>> + Send + '_ {
        pool.begin()
    }

    async fn fetch_rows<'c>(
        conn: &'c mut PgConnection,
        qb: &'c mut QueryBuilder<Postgres>,
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
        conn: &'c mut PgConnection,
        qb: &'c mut QueryBuilder<Postgres>,
    ) -> sqlx::Result<Option<i64>> {
        match qb.build().fetch_optional(conn).await? {
            Some(row) => row.try_get::<Option<i64>, _>(0),
            None => Ok(None),
        }
    }

    async fn execute<'c>(
        conn: &'c mut PgConnection,
        qb: &'c mut QueryBuilder<Postgres>,
    ) -> sqlx::Result<u64> {
        Ok(qb.build().execute(conn).await?.rows_affected())
    }
}
