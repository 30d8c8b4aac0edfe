//! MySQL and MariaDB (10.6 or newer, for `SKIP LOCKED`): for teams that already run one.
//!
//! - Ids are `BINARY(16)` (byte order, like `Uuid`); times `DATETIME(6)` holding UTC, bound as
//!   DATETIME (a TIMESTAMP parameter would stop at 2038); text `utf8mb4` with a binary no-pad
//!   collation (`utf8mb4_nopad_bin` on MariaDB, `utf8mb4_0900_bin` on MySQL 8), so comparisons
//!   and sorting are byte-wise and `'a' <> 'a '`, as in the core. MySQL already sorts NULL
//!   first ascending and last descending.
//! - Search: a FULLTEXT index per searchable kind, created without stop words, queried in
//!   boolean mode with `+word*` per word.
//! - Jobs are claimed with `FOR UPDATE SKIP LOCKED`; `Require` takes `LOCK IN SHARE MODE`.
//! - Deadlocks and lock wait timeouts, which InnoDB reports more readily than the other
//!   engines, are conflicts: the caller re-reads and retries.

use crate::dialect::{Dialect, Failure, RawRow};
use crate::migration;
use crate::options::StoreOptions;
use crate::store::SqlStore;
use crate::target::{Engine, bad_url, describe, unreachable};
use chrono::NaiveDateTime;
use gopimi_core::Result;
use gopimi_core::store::{FieldType, Value};
use sqlx::error::DatabaseError;
use sqlx::migrate::Migrator;
use sqlx::mysql::{MySqlConnectOptions, MySqlDatabaseError};
use sqlx::pool::PoolOptions;
use sqlx::{MySql, MySqlConnection, Pool, QueryBuilder, Row, Transaction};
use std::str::FromStr;
use uuid::Uuid;

/// The MySQL/MariaDB dialect.
#[derive(Debug, Clone, Copy, Default)]
pub struct MySqlDialect;

/// The store on MySQL or MariaDB.
pub type MySqlStore = SqlStore<MySqlDialect>;

/// The MySQL migrations, embedded.
pub static MIGRATOR: Migrator = sqlx::migrate!("migrations/mysql");

impl SqlStore<MySqlDialect> {
    /// Connects to `mysql://user:pass@host:3306/db` (or `mariadb://...`) and brings its schema
    /// up to date.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_with(url, &StoreOptions::default()).await
    }

    /// Connects with explicit options.
    pub async fn connect_with(url: &str, options: &StoreOptions) -> Result<Self> {
        let description = describe(Engine::MySql, url);
        // sqlx reads `mysql://`; `mariadb://` is the same protocol.
        let normalized = match url.get(..10) {
            Some(p) if p.eq_ignore_ascii_case("mariadb://") => format!("mysql://{}", &url[10..]),
            _ => url.to_owned(),
        };
        let connect = MySqlConnectOptions::from_str(&normalized)
            .map_err(|e| bad_url(&description, url, e))?;
        Self::connect_options(connect, description, url, options).await
    }

    /// Connects with sqlx options built by the caller. `description` names the database in
    /// errors and must not hold credentials.
    pub async fn connect_options(
        connect: MySqlConnectOptions,
        description: String,
        url: &str,
        options: &StoreOptions,
    ) -> Result<Self> {
        let connect = connect
            .charset("utf8mb4")
            .timezone(Some("+00:00".to_owned()));
        let pool = PoolOptions::<MySql>::new()
            .max_connections(options.max_connections.unwrap_or(8).max(1))
            .test_before_acquire(false)
            .acquire_timeout(options.acquire_timeout)
            .connect_with(connect)
            .await
            .map_err(|e| unreachable(&description, url, e))?;
        let store: Self = SqlStore::from_pools(pool.clone(), pool, description);
        let applied = migration::applied_version::<MySqlDialect>(store.pool()).await;
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

impl Dialect for MySqlDialect {
    type DB = MySql;
    const NAME: &'static str = "MySQL";
    const CLAIM_LOCK: &'static str = " FOR UPDATE SKIP LOCKED";
    const SHARE_LOCK: &'static str = " LOCK IN SHARE MODE";
    const STATEMENT_ERROR_KEEPS_TRANSACTION: bool = true;

    fn push_value(qb: &mut QueryBuilder<MySql>, ty: FieldType, value: &Value) {
        match value {
            Value::Null => match ty {
                FieldType::Bool => qb.push_bind(None::<bool>),
                FieldType::Int => qb.push_bind(None::<i64>),
                FieldType::Text => qb.push_bind(None::<String>),
                FieldType::Uuid => qb.push_bind(None::<Uuid>),
                FieldType::Time => qb.push_bind(None::<NaiveDateTime>),
            },
            Value::Bool(b) => qb.push_bind(*b),
            Value::Int(n) => qb.push_bind(*n),
            Value::Text(s) => qb.push_bind(s.clone()),
            Value::Uuid(u) => qb.push_bind(*u),
            // As DATETIME: a TIMESTAMP parameter would be clamped to 2038.
            Value::Time(t) => qb.push_bind(t.naive_utc()),
        };
    }

    fn push_id(qb: &mut QueryBuilder<MySql>, id: Uuid) {
        qb.push_bind(id);
    }

    fn push_opt_id(qb: &mut QueryBuilder<MySql>, id: Option<Uuid>) {
        qb.push_bind(id);
    }

    fn push_int(qb: &mut QueryBuilder<MySql>, n: i64) {
        qb.push_bind(n);
    }

    fn push_text(qb: &mut QueryBuilder<MySql>, s: &str) {
        qb.push_bind(s.to_owned());
    }

    fn push_order(qb: &mut QueryBuilder<MySql>, column: &str, descending: bool) {
        qb.push(column)
            .push(if descending { " DESC" } else { " ASC" });
    }

    fn push_full_text(qb: &mut QueryBuilder<MySql>, _table: &str, words: &[String]) {
        let query = words
            .iter()
            .map(|w| format!("+{w}*"))
            .collect::<Vec<_>>()
            .join(" ");
        qb.push("MATCH (t.search_text) AGAINST (");
        qb.push_bind(query);
        qb.push(" IN BOOLEAN MODE)");
    }

    fn push_word_prefix(qb: &mut QueryBuilder<MySql>, word: &str) {
        // The column's binary collation makes LOCATE byte-exact.
        qb.push("LOCATE(");
        qb.push_bind(format!(" {word}"));
        qb.push(", CONCAT(' ', t.search_text)) > 0");
    }

    fn classify(err: &(dyn DatabaseError + 'static)) -> Failure {
        let Some(my) = err.try_downcast_ref::<MySqlDatabaseError>() else {
            return Failure::Other;
        };
        match my.number() {
            // duplicate entry / key
            1062 | 1586 | 1022 | 1169 => Failure::Unique {
                constraint: mysql_duplicate_key(my.message()),
                columns: Vec::new(),
            },
            // a row referencing a missing parent, or a parent still referenced
            1451 | 1452 | 1216 | 1217 => Failure::ForeignKey,
            // deadlock, lock wait timeout, MariaDB's "record has changed since last read"
            1213 | 1205 | 1020 => Failure::Contention,
            // too many connections, shutdown in progress, connection killed, read-only server,
            // disk full
            1040 | 1053 | 1077 | 1078 | 1079 | 1080 | 1927 | 1290 | 1836 | 1021 => {
                Failure::Unavailable
            }
            _ => Failure::Other,
        }
    }

    fn begin_write(
        pool: &Pool<MySql>,
    ) -> impl Future<Output = sqlx::Result<Transaction<'static, MySql>>> + Send + '_ {
        pool.begin()
    }

    async fn fetch_rows<'c>(
        conn: &'c mut MySqlConnection,
        qb: &'c mut QueryBuilder<MySql>,
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
        conn: &'c mut MySqlConnection,
        qb: &'c mut QueryBuilder<MySql>,
    ) -> sqlx::Result<Option<i64>> {
        match qb.build().fetch_optional(conn).await? {
            Some(row) => row.try_get::<Option<i64>, _>(0),
            None => Ok(None),
        }
    }

    async fn execute<'c>(
        conn: &'c mut MySqlConnection,
        qb: &'c mut QueryBuilder<MySql>,
    ) -> sqlx::Result<u64> {
        Ok(qb.build().execute(conn).await?.rows_affected())
    }
}

/// The key name of MySQL's "Duplicate entry 'x' for key 'tickets.ticket_number'" (MySQL 8
/// prefixes the table, MariaDB does not).
fn mysql_duplicate_key(message: &str) -> Option<String> {
    let rest = message.rsplit_once("for key '")?.1;
    let key = rest.strip_suffix('\'').unwrap_or(rest);
    Some(key.rsplit('.').next().unwrap_or(key).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keys_are_named() {
        assert_eq!(
            mysql_duplicate_key("Duplicate entry 'a-1' for key 'ticket_number'").as_deref(),
            Some("ticket_number")
        );
        assert_eq!(
            mysql_duplicate_key("Duplicate entry 'a-1' for key 'tickets.ticket_number'").as_deref(),
            Some("ticket_number")
        );
    }
}
