//! Bad input at the edges: URLs that do not parse, servers that are not there, files that
//! cannot be created, and connections killed under a running store. Errors name the engine and
//! host, never the password; a broken connection is `Unavailable`, and the pool recovers.

mod common;

use gopimi_core::Error;
use gopimi_store_sql::{StoreOptions, connect_with};
use std::time::Duration;

fn quick() -> StoreOptions {
    StoreOptions::default().acquire_timeout(Duration::from_secs(3))
}

async fn connect_err(url: &str) -> Error {
    match connect_with(url, &quick()).await {
        Ok(_) => panic!("connecting to {url} should fail"),
        Err(e) => e,
    }
}

#[tokio::test]
async fn unsupported_or_garbled_urls_are_validation_errors() {
    for url in ["redis://localhost/0", "not a url at all", ""] {
        let err = connect_err(url).await;
        assert!(
            matches!(err, Error::Validation { ref field, .. } if field == "database_url"),
            "{url}: {err:?}"
        );
    }
}

#[tokio::test]
async fn a_sqlite_file_that_cannot_be_created_is_unavailable() {
    let err = connect_err("sqlite:///nonexistent-dir-for-gopimi/sub/gopimi.db").await;
    let msg = err.to_string();
    assert!(matches!(err, Error::Unavailable { .. }), "{err:?}");
    assert!(
        msg.contains("SQLite database at /nonexistent-dir-for-gopimi/sub/gopimi.db"),
        "{msg}"
    );
}

#[cfg(feature = "postgres")]
mod postgres {
    use super::*;
    use gopimi_core::store::{Kind, Store};
    use sqlx::Connection;

    #[tokio::test]
    async fn unreachable_server_names_host_not_password() {
        let err = connect_err("postgres://gopimi:hunter2secret@127.0.0.1:1/gopimi").await;
        let msg = err.to_string();
        assert!(matches!(err, Error::Unavailable { .. }), "{err:?}");
        assert!(
            msg.contains("PostgreSQL database at 127.0.0.1:1/gopimi"),
            "{msg}"
        );
        assert!(!msg.contains("hunter2secret"), "{msg}");
        let err = connect_err("postgres://gopimi:hunter2secret@host.invalid/gopimi").await;
        assert!(
            err.to_string().contains("host.invalid") && !err.to_string().contains("hunter2"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn bad_urls_name_scheme_not_password() {
        let err = connect_err("postgres://gopimi:hunter2secret@127.0.0.1:99999999/gopimi").await;
        let msg = err.to_string();
        assert!(matches!(err, Error::Validation { .. }), "{err:?}");
        assert!(
            msg.contains("PostgreSQL") && !msg.contains("hunter2secret"),
            "{msg}"
        );
        let err =
            connect_err("postgres://gopimi:hunter2secret@127.0.0.1/gopimi?sslmode=sometimes").await;
        assert!(!err.to_string().contains("hunter2secret"), "{err}");
    }

    #[tokio::test]
    async fn wrong_password_is_unavailable_without_the_password() {
        let Some(url) = crate::common::pg::url() else {
            crate::common::not_configured(crate::common::pg::VAR);
            return;
        };
        let mut u = url::Url::parse(&url).expect("url");
        u.set_username("gopimi_no_such_role").expect("user");
        u.set_password(Some("hunter2secret")).expect("password");
        let err = connect_err(u.as_str()).await;
        assert!(matches!(err, Error::Unavailable { .. }), "{err:?}");
        assert!(!err.to_string().contains("hunter2secret"), "{err}");
    }

    /// Every connection of the store is killed by the server; the next request fails as
    /// `Unavailable` (or succeeds on a fresh connection), never panics, and within a few
    /// requests the pool has replaced its connections.
    #[tokio::test]
    async fn killed_connections_are_unavailable_then_replaced() {
        let Some(url) = crate::common::pg::url() else {
            crate::common::not_configured(crate::common::pg::VAR);
            return;
        };
        let (_schema, options) = crate::common::pg::schema(&url).await;
        let app = format!("gopimi-kill-{}", uuid::Uuid::new_v4().simple());
        let store = gopimi_store_sql::PostgresStore::connect_options(
            options.application_name(&app),
            "test".into(),
            &url,
            &StoreOptions::default().max_connections(2),
        )
        .await
        .expect("connect");
        store.ping().await.expect("ping");
        let mut admin = sqlx::PgConnection::connect(&url).await.expect("admin");
        let killed: i64 = sqlx::query_scalar(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1",
        )
        .bind(&app)
        .fetch_one(&mut admin)
        .await
        .expect("kill");
        assert!(killed >= 1, "no connection was killed");
        let mut failures = 0;
        let mut ok = false;
        for _ in 0..10 {
            match store.get(Kind::Ticket, None, uuid::Uuid::now_v7()).await {
                Ok(_) => {
                    ok = true;
                    break;
                }
                Err(e) => {
                    assert!(matches!(e, Error::Unavailable { .. }), "{e:?}");
                    failures += 1;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
        assert!(ok, "the pool did not recover after {failures} failures");
        store.ping().await.expect("healthy again");
    }
}

#[cfg(feature = "mysql")]
mod mysql {
    use super::*;
    use gopimi_core::store::{Kind, Store};
    use sqlx::{Connection, Row};

    #[tokio::test]
    async fn unreachable_server_names_host_not_password() {
        let err = connect_err("mysql://root:hunter2secret@127.0.0.1:1/gopimi").await;
        let msg = err.to_string();
        assert!(matches!(err, Error::Unavailable { .. }), "{err:?}");
        assert!(
            msg.contains("MySQL database at 127.0.0.1:1/gopimi"),
            "{msg}"
        );
        assert!(!msg.contains("hunter2secret"), "{msg}");
    }

    #[tokio::test]
    async fn killed_connections_are_unavailable_then_replaced() {
        let Some((store, db)) = crate::common::my::store().await else {
            return;
        };
        store.ping().await.expect("ping");
        let mut admin = sqlx::MySqlConnection::connect(&db.url)
            .await
            .expect("admin");
        let ids: Vec<i64> = sqlx::query(
            "SELECT CAST(ID AS SIGNED) FROM information_schema.PROCESSLIST WHERE DB = ?",
        )
        .bind(&db.name)
        .fetch_all(&mut admin)
        .await
        .expect("processes")
        .iter()
        .map(|r| r.get::<i64, _>(0))
        .collect();
        assert!(!ids.is_empty(), "no connection to kill");
        for id in ids {
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("KILL {id}")))
                .execute(&mut admin)
                .await;
        }
        let mut ok = false;
        for _ in 0..10 {
            match store.get(Kind::Ticket, None, uuid::Uuid::now_v7()).await {
                Ok(_) => {
                    ok = true;
                    break;
                }
                Err(e) => {
                    assert!(matches!(e, Error::Unavailable { .. }), "{e:?}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
        assert!(ok, "the pool did not recover");
        store.ping().await.expect("healthy again");
    }
}
