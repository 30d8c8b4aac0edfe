//! Turning sqlx errors into the core's [`Error`], in one place.
//!
//! - A violated unique key becomes `Conflict` naming the [`UniqueDef`] (constraints and indexes
//!   are named after the unique keys of `gopimi_core::store::schema`, and SQLite, which reports
//!   columns instead, is matched on the key's columns); a taken id is `Conflict` "... exists".
//! - A missing workspace behind a foreign key is `NotFound`; deleting a row something still
//!   references is `Conflict`.
//! - Deadlocks, serialization failures and lock timeouts are `Conflict`: the caller re-reads
//!   and retries, like after a version mismatch.
//! - A server or file that cannot be reached, or a connection that broke, is `Unavailable`.
//! - Anything else is `Internal`, with the driver error kept as the source.
//!
//! Messages name the engine and the host (see [`crate::target`]), never credentials.

use crate::dialect::{Dialect, Failure};
use gopimi_core::Error;
use gopimi_core::store::{Kind, UniqueDef};
use uuid::Uuid;

/// What a write was doing when it failed, to word the error.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WriteContext {
    pub kind: Kind,
    pub id: Option<Uuid>,
    pub deleting: bool,
}

/// Maps the error of a read.
pub(crate) fn read_error<D: Dialect>(err: sqlx::Error, target: &str) -> Error {
    map::<D>(err, target, None)
}

/// Maps the error of a write.
pub(crate) fn write_error<D: Dialect>(err: sqlx::Error, target: &str, ctx: WriteContext) -> Error {
    map::<D>(err, target, Some(ctx))
}

fn map<D: Dialect>(err: sqlx::Error, target: &str, ctx: Option<WriteContext>) -> Error {
    match &err {
        sqlx::Error::Database(db) => match D::classify(db.as_ref()) {
            Failure::Unique {
                constraint,
                columns,
            } => match ctx {
                Some(ctx) => unique_conflict(ctx, constraint.as_deref(), &columns),
                None => Error::internal(
                    format!("{target} reported a unique violation on a read"),
                    err,
                ),
            },
            Failure::ForeignKey => match ctx {
                Some(ctx) if ctx.deleting => Error::conflict(format!(
                    "{} {} is still referenced by other rows",
                    ctx.kind.noun(),
                    ctx.id.map(|i| i.to_string()).unwrap_or_default()
                )),
                _ => Error::NotFound { what: "workspace" },
            },
            Failure::Contention => Error::conflict(match ctx {
                Some(ctx) => format!("concurrent write to {}, retry", ctx.kind.noun()),
                None => "concurrent write, retry".to_owned(),
            }),
            Failure::Unavailable => Error::unavailable(format!("{target} is unavailable"), err),
            Failure::Other => Error::internal(format!("{target} rejected a statement"), err),
        },
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::BeginFailed => Error::unavailable(format!("{target} is unreachable"), err),
        _ => Error::internal(format!("{target}: unexpected driver error"), err),
    }
}

/// The conflict for a violated unique key of `ctx.kind`.
fn unique_conflict(ctx: WriteContext, constraint: Option<&str>, columns: &[String]) -> Error {
    let schema = ctx.kind.schema();
    let by_name = |u: &&UniqueDef| {
        constraint.is_some_and(|c| c == u.name || c.rsplit('.').next() == Some(u.name))
    };
    // SQLite reports "table.column" for each column of the violated index.
    let cols: Vec<&str> = columns
        .iter()
        .map(|c| c.rsplit('.').next().unwrap_or(c))
        .filter(|c| *c != "workspace_id")
        .collect();
    let by_columns = |u: &&UniqueDef| !cols.is_empty() && u.fields == cols.as_slice();
    if let Some(u) = schema
        .uniques
        .iter()
        .find(by_name)
        .or_else(|| schema.uniques.iter().find(by_columns))
    {
        return Error::conflict(u.name);
    }
    let primary = constraint
        .is_some_and(|c| c.ends_with("_pkey") || c.eq_ignore_ascii_case("PRIMARY"))
        || cols == ["id"];
    if primary {
        let id = ctx.id.map(|i| i.to_string()).unwrap_or_default();
        return Error::conflict(format!("{} {id} exists", ctx.kind.noun()));
    }
    Error::conflict(
        constraint
            .map(str::to_owned)
            .unwrap_or_else(|| columns.join(", ")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_violations_name_the_key() {
        let ctx = WriteContext {
            kind: Kind::Ticket,
            id: Some(Uuid::nil()),
            deleting: false,
        };
        let cols = vec![
            "tickets.workspace_id".to_owned(),
            "tickets.number".to_owned(),
        ];
        assert!(
            matches!(unique_conflict(ctx, None, &cols), Error::Conflict { what } if what == "ticket_number")
        );
        assert!(
            matches!(unique_conflict(ctx, Some("ticket_number"), &[]), Error::Conflict { what } if what == "ticket_number")
        );
        assert!(
            matches!(unique_conflict(ctx, Some("tickets_pkey"), &[]), Error::Conflict { what } if what.ends_with("exists"))
        );
        assert!(
            matches!(unique_conflict(ctx, None, &["tickets.id".to_owned()]), Error::Conflict { what } if what.ends_with("exists"))
        );
    }
}
