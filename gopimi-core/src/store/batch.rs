//! One atomic write: a list of operations that a backend applies all together or not at all.
//!
//! Preconditions travel with the operations (the model is Stalwart's write batch with
//! assertions): an update names the version it expects, an insert expects its id and unique keys
//! to be free. A failed precondition rejects the whole batch with [`crate::Error::Conflict`]
//! naming what failed, and the caller re-reads and retries. The core never holds a transaction.
//!
//! Exact semantics (checked by the conformance suite, `gopimi_core::testing`):
//! - operations apply in order and later ones see earlier ones (an insert then an update of the
//!   same row; a unique key freed by an earlier update or delete can be taken by a later op);
//! - a failure rolls back every earlier operation of the batch, including index entries (unique
//!   keys, set fields, search text);
//! - ids are unique per kind across all workspaces: inserting an id that exists in another
//!   workspace is a `Conflict` too; the same id may exist in two different kinds;
//! - a unique-key `Conflict` names the key ([`crate::store::UniqueDef::name`]) in its message;
//! - the stored version is the record's own: an insert must carry version 1 and an update
//!   `expected_version + 1`; anything else, or a workspace-scoped record without a workspace,
//!   is a caller bug refused as `Internal` (the body's version and the stored one never drift);
//! - an update keeps the row in its workspace (another workspace is `NotFound`, like on reads),
//!   except that a row of a global kind without a workspace may be given one (an inbound item
//!   once routed to its workspace).

use super::record::Record;
use super::schema::Kind;
use uuid::Uuid;

/// One operation of a batch.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// Insert a new row (its `version` is 1). Conflict if the id exists or a unique key is taken.
    Insert(Record),
    /// Replace a row whose stored version is `expected_version` with `record` (whose version is
    /// `expected_version + 1`). NotFound if the row is missing (or in another workspace);
    /// Conflict if the version differs or a unique key is taken by another row.
    Update {
        /// The new row.
        record: Record,
        /// The version the caller read.
        expected_version: u64,
    },
    /// Delete a row. With `expected_version`, Conflict if it differs. NotFound if missing.
    Delete {
        /// Kind of the row.
        kind: Kind,
        /// The row's workspace (checked, like on reads).
        workspace_id: Option<Uuid>,
        /// Its id.
        id: Uuid,
        /// The version the caller read, if it matters.
        expected_version: Option<u64>,
    },
    /// Assert a row exists (in that workspace) and optionally has a version, writing nothing.
    /// Used to make a write depend on a row it does not change (e.g. the tag being attached).
    Require {
        /// Kind of the row.
        kind: Kind,
        /// The row's workspace.
        workspace_id: Option<Uuid>,
        /// Its id.
        id: Uuid,
        /// The version it must have, if any.
        version: Option<u64>,
    },
    /// Delete every row of every workspace-scoped kind in this workspace, and global-kind rows
    /// whose `workspace_id` is this workspace (jobs, inbound items). The workspace row itself is
    /// deleted with a separate `Delete`.
    PurgeWorkspace(Uuid),
}

/// An ordered list of operations applied atomically.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Batch {
    /// The operations, applied in order.
    pub ops: Vec<Op>,
}

impl Batch {
    /// An empty batch.
    pub fn new() -> Self {
        Batch::default()
    }

    /// Appends an operation.
    pub fn push(&mut self, op: Op) -> &mut Self {
        self.ops.push(op);
        self
    }

    /// Whether the batch does nothing.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }
}
