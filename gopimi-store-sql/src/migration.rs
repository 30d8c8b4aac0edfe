//! Schema versions: the migrations embedded per dialect (`migrations/<engine>/`, applied with
//! sqlx's migrator, which records them in `_sqlx_migrations` and takes a lock on the server
//! engines so concurrent starts apply each migration once) and the check that runs before them.
//!
//! The check refuses a database whose schema is newer than this build knows: an older gopimi
//! started against a database a newer one migrated must not write rows the newer schema does
//! not expect. Without migrating (`StoreOptions::migrate(false)`), it also refuses an older
//! schema and says to run `gopimi migrate`.

use crate::dialect::Dialect;
use gopimi_core::{Error, Result};
use sqlx::migrate::{Migrate, MigrateError, Migrator};
use sqlx::{Database, Pool, QueryBuilder};

/// The newest schema version this build embeds.
pub(crate) fn latest(migrator: &Migrator) -> i64 {
    migrator.iter().map(|m| m.version).max().unwrap_or(0)
}

/// The schema version a database has, or `None` before the first migration (or if it cannot be
/// read; migrating then reports the real problem).
pub(crate) async fn applied_version<D: Dialect>(pool: &Pool<D::DB>) -> Option<i64> {
    let mut conn = pool.acquire().await.ok()?;
    let mut qb =
        QueryBuilder::<D::DB>::new("SELECT MAX(version) FROM _sqlx_migrations WHERE success");
    D::fetch_int(&mut conn, &mut qb).await.ok().flatten()
}

/// Refuses a schema newer than this build, and an older one when not migrating.
pub(crate) fn check(
    applied: Option<i64>,
    migrator: &Migrator,
    description: &str,
    migrating: bool,
) -> Result<()> {
    let known = latest(migrator);
    let applied_n = applied.unwrap_or(0);
    if applied_n > known {
        return Err(Error::Rejected {
            reason: format!(
                "the {description} has schema version {applied_n}, newer than the newest this build of \
                 gopimi knows ({known}); run a gopimi at least as new as the one that migrated it"
            ),
        });
    }
    if !migrating && applied_n < known {
        return Err(Error::Rejected {
            reason: format!(
                "the {description} has schema version {applied_n}, this build needs {known}; \
                 run `gopimi migrate` first"
            ),
        });
    }
    Ok(())
}

/// Applies the missing migrations; returns the schema version.
pub(crate) async fn run<DB: Database>(
    migrator: &Migrator,
    pool: &Pool<DB>,
    description: &str,
) -> Result<i64>
where
    DB::Connection: Migrate,
{
    migrator
        .run(pool)
        .await
        .map_err(|e| migrate_error(description, e))?;
    Ok(latest(migrator))
}

fn migrate_error(description: &str, err: MigrateError) -> Error {
    match err {
        MigrateError::Execute(
            e @ (sqlx::Error::Io(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Tls(_)),
        ) => Error::unavailable(format!("cannot migrate the {description}: unreachable"), e),
        MigrateError::VersionMissing(v) => Error::Rejected {
            reason: format!(
                "the {description} has migration {v} applied that this build of gopimi does not know; \
                 run the gopimi that applied it"
            ),
        },
        MigrateError::VersionMismatch(v) => Error::Rejected {
            reason: format!(
                "migration {v} of the {description} differs from the one this build embeds; \
                 the database was migrated by a different gopimi"
            ),
        },
        other => {
            let what = format!("migrating the {description} failed: {other}");
            Error::internal(what, other)
        }
    }
}
