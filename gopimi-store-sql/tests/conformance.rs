//! The core's storage conformance suite (`gopimi_core::testing`) on every engine, each case on
//! a fresh database: a temporary SQLite file, a private in-memory SQLite, a new PostgreSQL
//! schema, a new MariaDB/MySQL database. The server engines run when
//! `GOPIMI_TEST_POSTGRES_URL` / `GOPIMI_TEST_MYSQL_URL` are set and say so when they are not.

mod common;

use common::Guarded;

mod sqlite_file {
    use super::*;
    gopimi_core::conformance_tests!(async || crate::common::fixture_sqlite_file()
        .await
        .map(Guarded::from));
}

mod sqlite_memory {
    use super::*;
    gopimi_core::conformance_tests!(async || crate::common::fixture_sqlite_memory()
        .await
        .map(Guarded::from));
}

#[cfg(feature = "postgres")]
mod postgres {
    use super::*;
    gopimi_core::conformance_tests!(async || crate::common::pg::fixture().await.map(Guarded::from));
}

#[cfg(feature = "mysql")]
mod mysql {
    use super::*;
    gopimi_core::conformance_tests!(async || crate::common::my::fixture().await.map(Guarded::from));
}
