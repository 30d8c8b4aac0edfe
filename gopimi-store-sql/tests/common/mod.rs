//! Fresh databases for tests: a temporary SQLite file, a private in-memory SQLite, a new
//! PostgreSQL schema (`search_path`) or a new MariaDB/MySQL database per test, so tests run in
//! parallel without seeing each other's rows.
//!
//! The server engines are used when `GOPIMI_TEST_POSTGRES_URL` / `GOPIMI_TEST_MYSQL_URL` are
//! set; otherwise the fixture returns `None` after saying so on stderr, and the test passes
//! without running. Schemas and databases are dropped when the fixture is dropped, and ones
//! left over by killed runs (named `gopimi_test_<unix seconds>_...`) are dropped after a day.

#![allow(dead_code)]

pub mod rec;

use gopimi_core::store::Store;
use gopimi_store_sql::SqliteStore;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// A store and whatever keeps its database alive.
pub struct Fixture {
    pub store: Arc<dyn Store>,
    pub name: &'static str,
    _keep: Box<dyn Send + Sync>,
}

fn unique_name() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    format!(
        "gopimi_test_{secs}_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    )
}

/// Whether a leftover test schema/database is old enough to drop.
fn stale(name: &str) -> bool {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    name.strip_prefix("gopimi_test_")
        .and_then(|r| r.split('_').next())
        .and_then(|s| s.parse::<u64>().ok())
        .is_some_and(|t| t + 86_400 < now)
}

/// A store that keeps its database's guard (temp dir, schema, database) alive as long as
/// itself, for factories that hand out only the store.
pub struct Guarded {
    store: Arc<dyn Store>,
    _keep: Box<dyn Send + Sync>,
}

impl From<Fixture> for Guarded {
    fn from(f: Fixture) -> Self {
        Guarded {
            store: f.store,
            _keep: f._keep,
        }
    }
}

#[async_trait::async_trait]
impl Store for Guarded {
    async fn get(
        &self,
        kind: gopimi_core::store::Kind,
        ws: Option<uuid::Uuid>,
        id: uuid::Uuid,
    ) -> gopimi_core::Result<Option<gopimi_core::store::StoredRecord>> {
        self.store.get(kind, ws, id).await
    }
    async fn get_many(
        &self,
        kind: gopimi_core::store::Kind,
        ws: Option<uuid::Uuid>,
        ids: &[uuid::Uuid],
    ) -> gopimi_core::Result<Vec<gopimi_core::store::StoredRecord>> {
        self.store.get_many(kind, ws, ids).await
    }
    async fn query(
        &self,
        q: &gopimi_core::store::Query,
    ) -> gopimi_core::Result<gopimi_core::store::QueryResult> {
        self.store.query(q).await
    }
    async fn apply(&self, batch: gopimi_core::store::Batch) -> gopimi_core::Result<()> {
        self.store.apply(batch).await
    }
    async fn claim_jobs(
        &self,
        request: &gopimi_core::store::ClaimRequest,
    ) -> gopimi_core::Result<Vec<gopimi_core::model::Job>> {
        self.store.claim_jobs(request).await
    }
    async fn ping(&self) -> gopimi_core::Result<()> {
        self.store.ping().await
    }
    async fn flush(&self) -> gopimi_core::Result<()> {
        self.store.flush().await
    }
}

pub fn not_configured(var: &str) {
    eprintln!("NOT RUN: {var} is not set; this test did not run against that engine");
}

pub async fn sqlite_file() -> (SqliteStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("gopimi.db").display());
    let store = SqliteStore::connect(&url).await.expect("open sqlite file");
    (store, dir)
}

pub async fn sqlite_memory() -> SqliteStore {
    SqliteStore::in_memory().await.expect("open sqlite memory")
}

pub async fn fixture_sqlite_file() -> Option<Fixture> {
    let (store, dir) = sqlite_file().await;
    Some(Fixture {
        store: Arc::new(store),
        name: "sqlite-file",
        _keep: Box::new(dir),
    })
}

pub async fn fixture_sqlite_memory() -> Option<Fixture> {
    Some(Fixture {
        store: Arc::new(sqlite_memory().await),
        name: "sqlite-memory",
        _keep: Box::new(()),
    })
}

/// Runs a cleanup statement on its own thread and runtime (the test's runtime may be shutting
/// down when a fixture drops).
fn cleanup_on_drop(
    run: impl FnOnce() -> std::pin::Pin<Box<dyn std::future::Future<Output = ()>>> + Send + 'static,
) {
    let _ = std::thread::spawn(move || {
        if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            rt.block_on(run());
        }
    })
    .join();
}

#[cfg(feature = "postgres")]
pub mod pg {
    use super::*;
    use gopimi_store_sql::{PostgresStore, StoreOptions};
    use sqlx::postgres::PgConnectOptions;
    use sqlx::{Connection, PgConnection, Row};
    use std::str::FromStr;

    pub const VAR: &str = "GOPIMI_TEST_POSTGRES_URL";

    /// Drops the schema when dropped.
    pub struct Schema {
        pub url: String,
        pub name: String,
    }

    impl Drop for Schema {
        fn drop(&mut self) {
            let url = self.url.clone();
            let name = self.name.clone();
            cleanup_on_drop(move || {
                Box::pin(async move {
                    if let Ok(mut c) = PgConnection::connect(&url).await {
                        // The store's connections may still hold locks (a test that panicked
                        // mid-transaction): end them first, and never wait long.
                        let _ = sqlx::query(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                             WHERE application_name = $1",
                        )
                        .bind(&name)
                        .execute(&mut c)
                        .await;
                        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                            "SET lock_timeout = '10s'; DROP SCHEMA IF EXISTS {name} CASCADE"
                        )))
                        .execute(&mut c)
                        .await;
                    }
                })
            });
        }
    }

    pub fn url() -> Option<String> {
        std::env::var(VAR).ok().filter(|s| !s.is_empty())
    }

    /// A new schema in the configured database, and the store's connect options for it.
    pub async fn schema(url: &str) -> (Schema, PgConnectOptions) {
        let mut c = PgConnection::connect(url)
            .await
            .expect("connect to GOPIMI_TEST_POSTGRES_URL");
        let old: Vec<String> =
            sqlx::query("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'gopimi_test_%'")
                .fetch_all(&mut c)
                .await
                .expect("list schemas")
                .iter()
                .map(|r| r.get::<String, _>(0))
                .collect();
        for s in old.into_iter().filter(|s| stale(s)) {
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP SCHEMA IF EXISTS {s} CASCADE"
            )))
            .execute(&mut c)
            .await;
        }
        let name = unique_name();
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {name}")))
            .execute(&mut c)
            .await
            .expect("create schema");
        let options = PgConnectOptions::from_str(url)
            .expect("url")
            .options([("search_path", name.as_str())])
            .application_name(&name);
        (
            Schema {
                url: url.to_owned(),
                name,
            },
            options,
        )
    }

    pub async fn store() -> Option<(PostgresStore, Schema)> {
        let Some(url) = url() else {
            not_configured(VAR);
            return None;
        };
        let (schema, options) = schema(&url).await;
        let store = PostgresStore::connect_options(
            options,
            format!("PostgreSQL test schema {}", schema.name),
            &url,
            &StoreOptions::default().max_connections(4),
        )
        .await
        .expect("connect to the test schema");
        Some((store, schema))
    }

    pub async fn fixture() -> Option<Fixture> {
        let (store, schema) = store().await?;
        Some(Fixture {
            store: Arc::new(store),
            name: "postgres",
            _keep: Box::new(schema),
        })
    }
}

#[cfg(feature = "mysql")]
pub mod my {
    use super::*;
    use gopimi_store_sql::{MySqlStore, StoreOptions};
    use sqlx::mysql::MySqlConnectOptions;
    use sqlx::{Connection, MySqlConnection, Row};
    use std::str::FromStr;

    pub const VAR: &str = "GOPIMI_TEST_MYSQL_URL";

    /// Drops the database when dropped.
    pub struct Database {
        pub url: String,
        pub name: String,
    }

    impl Drop for Database {
        fn drop(&mut self) {
            let url = self.url.clone();
            let name = self.name.clone();
            cleanup_on_drop(move || {
                Box::pin(async move {
                    if let Ok(mut c) = MySqlConnection::connect(&url).await {
                        // The store's connections may still hold metadata locks (a test that
                        // panicked mid-transaction): end them first, and never wait long.
                        let ids: Vec<i64> = sqlx::query(
                            "SELECT CAST(ID AS SIGNED) FROM information_schema.PROCESSLIST WHERE DB = ?",
                        )
                        .bind(&name)
                        .fetch_all(&mut c)
                        .await
                        .map(|rows| rows.iter().map(|r| r.get::<i64, _>(0)).collect())
                        .unwrap_or_default();
                        for id in ids {
                            let kill = sqlx::AssertSqlSafe(format!("KILL {id}"));
                            let _ = sqlx::raw_sql(kill).execute(&mut c).await;
                        }
                        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                            "SET SESSION lock_wait_timeout = 10; DROP DATABASE IF EXISTS {name}"
                        )))
                        .execute(&mut c)
                        .await;
                    }
                })
            });
        }
    }

    pub fn url() -> Option<String> {
        std::env::var(VAR).ok().filter(|s| !s.is_empty())
    }

    /// A new database on the configured server, and the store's connect options for it.
    pub async fn database(url: &str) -> (Database, MySqlConnectOptions) {
        let mut c = MySqlConnection::connect(url)
            .await
            .expect("connect to GOPIMI_TEST_MYSQL_URL");
        let old: Vec<String> = sqlx::query(
            "SELECT CAST(schema_name AS CHAR) FROM information_schema.schemata WHERE schema_name LIKE 'gopimi\\_test\\_%'",
        )
        .fetch_all(&mut c)
        .await
        .expect("list databases")
        .iter()
        .map(|r| r.get::<String, _>(0))
        .collect();
        for s in old.into_iter().filter(|s| stale(s)) {
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {s}")))
                .execute(&mut c)
                .await;
        }
        let name = unique_name();
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut c)
            .await
            .expect("create database");
        let options = MySqlConnectOptions::from_str(url)
            .expect("url")
            .database(&name);
        (
            Database {
                url: url.to_owned(),
                name,
            },
            options,
        )
    }

    pub async fn store() -> Option<(MySqlStore, Database)> {
        let Some(url) = url() else {
            not_configured(VAR);
            return None;
        };
        let (db, options) = database(&url).await;
        let store = MySqlStore::connect_options(
            options,
            format!("MySQL test database {}", db.name),
            &url,
            &StoreOptions::default().max_connections(4),
        )
        .await
        .expect("connect to the test database");
        Some((store, db))
    }

    pub async fn fixture() -> Option<Fixture> {
        let (store, db) = store().await?;
        Some(Fixture {
            store: Arc::new(store),
            name: "mysql",
            _keep: Box::new(db),
        })
    }
}

/// Instantiates `cases::$name(store)` for every engine: `sqlite_file::$name`,
/// `sqlite_memory::$name`, `postgres::$name`, `mysql::$name`.
#[allow(unused_macros)]
macro_rules! per_engine {
    ($($name:ident),* $(,)?) => {
        mod sqlite_file {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                if let Some(f) = $crate::common::fixture_sqlite_file().await {
                    super::cases::$name(f.store.clone(), f.name).await;
                }
            })*
        }
        mod sqlite_memory {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                if let Some(f) = $crate::common::fixture_sqlite_memory().await {
                    super::cases::$name(f.store.clone(), f.name).await;
                }
            })*
        }
        #[cfg(feature = "postgres")]
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                if let Some(f) = $crate::common::pg::fixture().await {
                    super::cases::$name(f.store.clone(), f.name).await;
                }
            })*
        }
        #[cfg(feature = "mysql")]
        mod mysql {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                if let Some(f) = $crate::common::my::fixture().await {
                    super::cases::$name(f.store.clone(), f.name).await;
                }
            })*
        }
    };
}
