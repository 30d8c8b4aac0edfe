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

/// The next calls either succeed or fail as `Unavailable`; within a few, they succeed again.
#[cfg(any(feature = "postgres", feature = "mysql"))]
async fn recovers(store: &dyn gopimi_core::store::Store) {
    use gopimi_core::store::Kind;
    let mut failures = 0;
    for _ in 0..10 {
        match store.get(Kind::Ticket, None, uuid::Uuid::now_v7()).await {
            Ok(_) => break,
            Err(e) => {
                assert!(matches!(e, Error::Unavailable { .. }), "{e:?}");
                failures += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
    assert!(
        failures < 10,
        "the pool did not recover after {failures} failures"
    );
    for _ in 0..3 {
        store.ping().await.expect("healthy again");
        store
            .get(Kind::Ticket, None, uuid::Uuid::now_v7())
            .await
            .expect("reads work again");
    }
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
            msg.contains("PostgreSQL database at 127.0.0.1:99999999")
                && msg.contains("postgres URL")
                && !msg.contains("hunter2"),
            "{msg}"
        );
        // A password with characters that break URL parsing is kept out too.
        let err = connect_err("postgres://gopimi:hunter2 se/cret@db.internal:5432x/gopimi").await;
        let msg = err.to_string();
        assert!(
            msg.contains("db.internal") && msg.contains("postgres") && !msg.contains("hunter2"),
            "{msg}"
        );
        let err =
            connect_err("postgres://gopimi:hunter2secret@127.0.0.1/gopimi?sslmode=sometimes").await;
        let msg = err.to_string();
        assert!(matches!(err, Error::Validation { .. }), "{err:?}");
        assert!(
            msg.contains("PostgreSQL database at 127.0.0.1/gopimi") && !msg.contains("hunter2"),
            "{msg}"
        );
    }

    /// A store of two connections in a fresh schema, named by a unique application name so a
    /// test kills only its own connections (the database is shared with parallel tests):
    /// the admin URL, the schema, the name and the store.
    async fn killable_store() -> Option<(
        String,
        crate::common::pg::Schema,
        String,
        gopimi_store_sql::PostgresStore,
    )> {
        let Some(url) = crate::common::pg::url() else {
            crate::common::not_configured(crate::common::pg::VAR);
            return None;
        };
        let (schema, options) = crate::common::pg::schema(&url).await;
        let app = format!("gopimi-kill-{}", uuid::Uuid::new_v4().simple());
        let store = gopimi_store_sql::PostgresStore::connect_options(
            options.application_name(&app),
            "test".into(),
            &url,
            &StoreOptions::default().max_connections(2),
        )
        .await
        .expect("connect");
        Some((url, schema, app, store))
    }

    /// A request waiting on the server (here: on a lock another session holds) when its
    /// connection is killed fails as `Unavailable`, not a panic; the pool then replaces the
    /// connection. Only this store's connections are killed (by application name): the
    /// database is shared with tests running in parallel.
    #[tokio::test]
    async fn a_request_killed_mid_flight_is_unavailable_then_the_pool_recovers() {
        let Some((url, schema, app, store)) = killable_store().await else {
            return;
        };
        let mut locker = sqlx::PgConnection::connect(&url).await.expect("locker");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "BEGIN; LOCK TABLE {}.tickets IN ACCESS EXCLUSIVE MODE",
            schema.name
        )))
        .execute(&mut locker)
        .await
        .expect("lock");
        let blocked = {
            let store = store.clone();
            tokio::spawn(async move { store.get(Kind::Ticket, None, uuid::Uuid::now_v7()).await })
        };
        let mut admin = sqlx::PgConnection::connect(&url).await.expect("admin");
        let mut waiting = 0i64;
        for _ in 0..600 {
            waiting = sqlx::query_scalar(
                "SELECT count(*) FROM pg_stat_activity \
                 WHERE application_name = $1 AND wait_event_type = 'Lock'",
            )
            .bind(&app)
            .fetch_one(&mut admin)
            .await
            .expect("activity");
            if waiting > 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(waiting, 1, "the store's read never reached the lock");
        sqlx::query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid() \
             AND application_name = $1",
        )
        .bind(&app)
        .execute(&mut admin)
        .await
        .expect("kill");
        let err = blocked
            .await
            .expect("no panic")
            .expect_err("the killed read cannot succeed");
        assert!(matches!(err, Error::Unavailable { .. }), "{err:?}");
        assert!(err.to_string().contains("test"), "{err}");
        sqlx::raw_sql("ROLLBACK")
            .execute(&mut locker)
            .await
            .expect("unlock");
        crate::recovers(&store).await;
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
        let Some((url, _schema, app, store)) = killable_store().await else {
            return;
        };
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
    async fn bad_urls_name_scheme_and_host_not_password() {
        for url in [
            "mysql://root:hunter2secret@127.0.0.1:99999999/gopimi",
            "mariadb://root:hunter2 se/cret@db.internal:33x06/gopimi",
        ] {
            let err = connect_err(url).await;
            let msg = err.to_string();
            assert!(matches!(err, Error::Validation { .. }), "{url}: {err:?}");
            let host = if url.contains("db.internal") {
                "db.internal"
            } else {
                "127.0.0.1"
            };
            let scheme = url.split(':').next().unwrap_or_default();
            assert!(
                msg.contains("MySQL database at")
                    && msg.contains(host)
                    && msg.contains(&format!("{scheme} URL"))
                    && !msg.contains("hunter2"),
                "{msg}"
            );
        }
    }

    #[tokio::test]
    async fn wrong_password_is_unavailable_without_the_password() {
        let Some(url) = crate::common::my::url() else {
            crate::common::not_configured(crate::common::my::VAR);
            return;
        };
        let mut u = url::Url::parse(&url).expect("url");
        u.set_username("gopimi_no_such_user").expect("user");
        u.set_password(Some("hunter2secret")).expect("password");
        let err = connect_err(u.as_str()).await;
        assert!(matches!(err, Error::Unavailable { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(
            msg.contains("MySQL database at 127.0.0.1") && !msg.contains("hunter2secret"),
            "{msg}"
        );
    }

    /// As on PostgreSQL: a read waiting on a table lock when its connection is killed fails
    /// as `Unavailable`, and the pool recovers.
    #[tokio::test]
    async fn a_request_killed_mid_flight_is_unavailable_then_the_pool_recovers() {
        let Some((store, db)) = crate::common::my::store().await else {
            return;
        };
        store.ping().await.expect("ping");
        let mut locker = sqlx::MySqlConnection::connect(&db.url)
            .await
            .expect("locker");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "LOCK TABLES {}.tickets WRITE",
            db.name
        )))
        .execute(&mut locker)
        .await
        .expect("lock");
        let blocked = {
            let store = store.clone();
            tokio::spawn(async move { store.get(Kind::Ticket, None, uuid::Uuid::now_v7()).await })
        };
        let mut admin = sqlx::MySqlConnection::connect(&db.url)
            .await
            .expect("admin");
        let mut ids: Vec<i64> = Vec::new();
        for _ in 0..600 {
            ids = sqlx::query(
                "SELECT CAST(ID AS SIGNED) FROM information_schema.PROCESSLIST \
                 WHERE DB = ? AND STATE LIKE 'Waiting for table%'",
            )
            .bind(&db.name)
            .fetch_all(&mut admin)
            .await
            .expect("processes")
            .iter()
            .map(|r| r.get::<i64, _>(0))
            .collect();
            if !ids.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(ids.len(), 1, "the store's read never reached the lock");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("KILL {}", ids[0])))
            .execute(&mut admin)
            .await
            .expect("kill");
        let err = blocked
            .await
            .expect("no panic")
            .expect_err("the killed read cannot succeed");
        assert!(matches!(err, Error::Unavailable { .. }), "{err:?}");
        sqlx::raw_sql("UNLOCK TABLES")
            .execute(&mut locker)
            .await
            .expect("unlock");
        crate::recovers(&store).await;
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
