//! What differs between SQL engines, in one trait: how a value is bound, how NULLs sort, how a
//! full-text match is written, which lock clauses exist, how a transaction for writing starts,
//! how the driver reports a violated constraint, and the three ways rows come back.
//!
//! Everything else (the SQL of reads and writes, the batch, the error mapping) is written once in
//! the crate's `read`, `write` and `errors` modules against this trait. Each engine's
//! implementation lives next to its constructors: [`crate::sqlite`], [`crate::postgres`],
//! [`crate::mysql`].
//!
//! Running a statement is a dialect method (rather than generic code over `sqlx::Executor`)
//! because it keeps the generic code free of higher-ranked executor bounds; each implementation
//! is three lines of plain sqlx.

use gopimi_core::store::{FieldType, Value};
use sqlx::error::DatabaseError;
use sqlx::{Database, Pool, QueryBuilder, Transaction};
use std::future::Future;
use uuid::Uuid;

/// One row as read back, before the version is checked.
#[derive(Debug)]
pub struct RawRow {
    /// The id.
    pub id: Uuid,
    /// The stored version.
    pub version: i64,
    /// The JSON body.
    pub body: String,
}

/// What a database error means to the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// A unique or primary key was violated. `constraint` is the constraint or index name when
    /// the engine reports one (PostgreSQL, MySQL); `columns` the columns when it reports those
    /// instead (SQLite).
    Unique {
        /// Constraint or index name.
        constraint: Option<String>,
        /// Column names.
        columns: Vec<String>,
    },
    /// A foreign key was violated (a row of a missing workspace, or a workspace still in use).
    ForeignKey,
    /// The engine gave up on this transaction because of a concurrent one (deadlock,
    /// serialization failure, lock wait timeout); the caller should re-read and retry.
    Contention,
    /// The server or the file is not usable right now (shutting down, locked, out of space).
    Unavailable,
    /// Anything else: a bug or a corrupted database.
    Other,
}

/// A SQL engine. Implemented by [`crate::SqliteDialect`], [`crate::PostgresDialect`] and
/// [`crate::MySqlDialect`].
pub trait Dialect: Send + Sync + Sized + 'static {
    /// The sqlx driver.
    type DB: Database;

    /// The engine's name, for messages ("SQLite").
    const NAME: &'static str;

    /// Appended to the job-claim `SELECT` so concurrent claimers skip each other's rows.
    const CLAIM_LOCK: &'static str;

    /// Appended to the `SELECT` of a `Require` so the row cannot change before the batch
    /// commits.
    const SHARE_LOCK: &'static str;

    /// Whether a failed statement leaves its transaction usable (SQLite, MySQL), so the store
    /// may look further before reporting (PostgreSQL aborts the transaction instead).
    const STATEMENT_ERROR_KEEPS_TRANSACTION: bool;

    /// Binds a projected value of a column of type `ty`; `Null` binds a typed NULL so the SQL
    /// text (and the prepared statement) does not depend on which fields are empty.
    fn push_value(qb: &mut QueryBuilder<Self::DB>, ty: FieldType, value: &Value);

    /// Binds an id.
    fn push_id(qb: &mut QueryBuilder<Self::DB>, id: Uuid);

    /// Binds an optional id (a typed NULL for `None`).
    fn push_opt_id(qb: &mut QueryBuilder<Self::DB>, id: Option<Uuid>);

    /// Binds an integer.
    fn push_int(qb: &mut QueryBuilder<Self::DB>, n: i64);

    /// Binds a string.
    fn push_text(qb: &mut QueryBuilder<Self::DB>, s: &str);

    /// Writes one `ORDER BY` term for `column` in the core's order: NULLs first ascending,
    /// last descending.
    fn push_order(qb: &mut QueryBuilder<Self::DB>, column: &str, descending: bool);

    /// Writes a condition true for rows of `table` (aliased `t`) whose search text has a word
    /// starting with each of `words` according to the engine's full-text index. `words` are
    /// non-empty and alphanumeric. The caller adds the exact check on top, so the index may
    /// return a few rows too many but must not miss any.
    fn push_full_text(qb: &mut QueryBuilder<Self::DB>, table: &str, words: &[String]);

    /// Writes a condition true when `word` starts a word of `t.search_text`, compared
    /// byte-wise.
    fn push_word_prefix(qb: &mut QueryBuilder<Self::DB>, word: &str);

    /// Classifies a database error.
    fn classify(err: &(dyn DatabaseError + 'static)) -> Failure;

    /// Starts a transaction for a batch (SQLite takes the write lock up front).
    fn begin_write(
        pool: &Pool<Self::DB>,
    ) -> impl Future<Output = sqlx::Result<Transaction<'static, Self::DB>>> + Send + '_;

    /// Runs a query returning `id, version, body` rows.
    fn fetch_rows<'c>(
        conn: &'c mut <Self::DB as Database>::Connection,
        qb: &'c mut QueryBuilder<Self::DB>,
    ) -> impl Future<Output = sqlx::Result<Vec<RawRow>>> + Send + 'c;

    /// Runs a query whose first row's first column is an integer (a count or a version).
    fn fetch_int<'c>(
        conn: &'c mut <Self::DB as Database>::Connection,
        qb: &'c mut QueryBuilder<Self::DB>,
    ) -> impl Future<Output = sqlx::Result<Option<i64>>> + Send + 'c;

    /// Runs a statement, returning the number of rows it changed.
    fn execute<'c>(
        conn: &'c mut <Self::DB as Database>::Connection,
        qb: &'c mut QueryBuilder<Self::DB>,
    ) -> impl Future<Output = sqlx::Result<u64>> + Send + 'c;
}
