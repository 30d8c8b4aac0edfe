//! A fresh database per engine for the benchmarks: a SQLite file in a temporary directory
//! (always), a new PostgreSQL schema and a new MariaDB/MySQL database when
//! `GOPIMI_BENCH_POSTGRES_URL` / `GOPIMI_BENCH_MYSQL_URL` name a server. The schema or database
//! is dropped at the end unless `GOPIMI_BENCH_KEEP=1` (then its name is printed, for EXPLAIN).

use gopimi_store_sql::{SqliteStore, StoreOptions};
use std::time::{SystemTime, UNIX_EPOCH};

/// Whether to leave the databases behind.
pub fn keep() -> bool {
    std::env::var("GOPIMI_BENCH_KEEP").is_ok_and(|v| v == "1")
}

/// A name no other run uses: `gopimi_bench_<unix seconds>_<random>`.
pub fn fresh_name() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    format!(
        "gopimi_bench_{secs}_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    )
}

/// The server URL a variable names, if set.
pub fn server_url(var: &str) -> Option<String> {
    std::env::var(var).ok().filter(|s| !s.is_empty())
}

/// A SQLite file store in a directory that lives as long as the returned guard (or in
/// `GOPIMI_BENCH_DIR` when kept).
pub async fn sqlite() -> (SqliteStore, Option<tempfile::TempDir>, std::path::PathBuf) {
    let (dir, path) = match std::env::var_os("GOPIMI_BENCH_DIR") {
        Some(d) => {
            let d = std::path::PathBuf::from(d);
            std::fs::create_dir_all(&d).expect("bench dir");
            let path = d.join(format!("{}.db", fresh_name()));
            (None, path)
        }
        None => {
            let t = tempfile::tempdir().expect("temp dir");
            let path = t.path().join("gopimi.db");
            (Some(t), path)
        }
    };
    let url = format!("sqlite://{}", path.display());
    let store = SqliteStore::connect(&url).await.expect("open sqlite");
    (store, dir, path)
}

#[cfg(feature = "postgres")]
pub mod pg {
    use super::*;
    use gopimi_store_sql::PostgresStore;
    use sqlx::postgres::PgConnectOptions;
    use sqlx::{Connection, PgConnection};
    use std::str::FromStr;

    /// A store on a new schema of the database `url` names; drop it with [`drop_schema`].
    pub async fn store(url: &str) -> (PostgresStore, String) {
        let name = fresh_name();
        let mut c = PgConnection::connect(url).await.expect("connect postgres");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {name}")))
            .execute(&mut c)
            .await
            .expect("create schema");
        let options = PgConnectOptions::from_str(url)
            .expect("url")
            .options([("search_path", name.as_str())]);
        let store = PostgresStore::connect_options(
            options,
            format!("PostgreSQL bench schema {name}"),
            url,
            &StoreOptions::default(),
        )
        .await
        .expect("connect to the bench schema");
        (store, name)
    }

    pub async fn drop_schema(url: &str, name: &str) {
        if keep() {
            println!("  (kept PostgreSQL schema {name})");
            return;
        }
        if let Ok(mut c) = PgConnection::connect(url).await {
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP SCHEMA IF EXISTS {name} CASCADE"
            )))
            .execute(&mut c)
            .await;
        }
    }
}

#[cfg(feature = "mysql")]
pub mod my {
    use super::*;
    use gopimi_store_sql::MySqlStore;
    use sqlx::mysql::MySqlConnectOptions;
    use sqlx::{Connection, MySqlConnection};
    use std::str::FromStr;

    /// A store on a new database of the server `url` names; drop it with [`drop_database`].
    pub async fn store(url: &str) -> (MySqlStore, String) {
        let name = fresh_name();
        let mut c = MySqlConnection::connect(url).await.expect("connect mysql");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut c)
            .await
            .expect("create database");
        let options = MySqlConnectOptions::from_str(url)
            .expect("url")
            .database(&name);
        let store = MySqlStore::connect_options(
            options,
            format!("MySQL bench database {name}"),
            url,
            &StoreOptions::default(),
        )
        .await
        .expect("connect to the bench database");
        (store, name)
    }

    pub async fn drop_database(url: &str, name: &str) {
        if keep() {
            println!("  (kept MySQL database {name})");
            return;
        }
        if let Ok(mut c) = MySqlConnection::connect(url).await {
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name}"
            )))
            .execute(&mut c)
            .await;
        }
    }
}
