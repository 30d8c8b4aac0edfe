//! Reads over many rows: filters, full-text search, sort and pagination.
//!
//! The semantics here are the contract every backend reproduces exactly, and the conformance
//! suite (`gopimi_core::testing`) checks them:
//! - filters combine with AND. NULL follows SQL: only `IsNull` matches a `Null` field; a
//!   comparison (`Eq`, `Ne`, `Gte`, `Lte`, `Lt`) whose operand is `Null` matches nothing, and a
//!   `Null` inside an `In` list matches nothing; `In` with an empty list matches nothing;
//! - Text compares byte-wise, exactly: no case or accent folding, no trailing-space padding
//!   (binary, no-pad collations in SQL); `""` is a value, not `Null`;
//! - search: the query is split into words by [`crate::search::words`]; a row matches when every
//!   word is a prefix of some word of its `search_text` (case-insensitive, since both sides are
//!   normalized by the core). A row without search text never matches a search. Searching a kind
//!   that is not `searchable` is a caller bug (`Internal`);
//! - sort keys apply in order, then `id` ascending breaks ties (ids compare as unsigned bytes, so
//!   v7 ids are in creation order), so pages never overlap or skip rows; no sort key means `id`
//!   ascending. `Null` sorts first ascending, last descending; `false` before `true`;
//! - `after` is a keyset cursor: the sort values and id of the last row of the previous page. It
//!   is a position, not a row (the row may since have been deleted); rows strictly after it in
//!   sort order are returned, then `offset` and `limit` apply;
//! - `count_total` counts every row matching the filters and search, ignoring `after`, `offset`
//!   and `limit`.
//!
//! With `workspace_id` set, only that workspace's rows are read; `None` reads every row of the
//! kind (global kinds, and routing look-ups across workspaces such as an address to its
//! workspace email).

use super::schema::Kind;
use super::value::Value;
use uuid::Uuid;

/// One condition on a projected field.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// `field = value`.
    Eq(&'static str, Value),
    /// `field <> value` (and not null).
    Ne(&'static str, Value),
    /// `field IN (values)`; an empty list matches nothing.
    In(&'static str, Vec<Value>),
    /// `field >= value`.
    Gte(&'static str, Value),
    /// `field <= value`.
    Lte(&'static str, Value),
    /// `field < value`.
    Lt(&'static str, Value),
    /// `field IS NULL`.
    IsNull(&'static str),
    /// `field IS NOT NULL`.
    NotNull(&'static str),
    /// The set field contains this id.
    Contains(&'static str, Uuid),
}

impl Filter {
    /// The field this filter names.
    pub fn field(&self) -> &'static str {
        match self {
            Filter::Eq(f, _)
            | Filter::Ne(f, _)
            | Filter::In(f, _)
            | Filter::Gte(f, _)
            | Filter::Lte(f, _)
            | Filter::Lt(f, _)
            | Filter::IsNull(f)
            | Filter::NotNull(f)
            | Filter::Contains(f, _) => f,
        }
    }
}

/// One sort key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortKey {
    /// A projected field.
    pub field: &'static str,
    /// Descending when true.
    pub descending: bool,
}

impl SortKey {
    /// Ascending on `field`.
    pub fn asc(field: &'static str) -> Self {
        SortKey {
            field,
            descending: false,
        }
    }
    /// Descending on `field`.
    pub fn desc(field: &'static str) -> Self {
        SortKey {
            field,
            descending: true,
        }
    }
}

/// A keyset cursor: the sort values of the last row seen, then its id.
#[derive(Debug, Clone, PartialEq)]
pub struct Cursor {
    /// One value per sort key.
    pub values: Vec<Value>,
    /// The id of the last row seen.
    pub id: Uuid,
}

/// A read of many rows of one kind.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// The kind.
    pub kind: Kind,
    /// The workspace; `None` reads across workspaces (global kinds and routing look-ups only).
    pub workspace_id: Option<Uuid>,
    /// Conditions, combined with AND.
    pub filters: Vec<Filter>,
    /// Full-text search words (already normalized); empty means no search.
    pub search: Vec<String>,
    /// Sort keys; `id` ascending is always appended as the final tie-breaker.
    pub sort: Vec<SortKey>,
    /// Rows to skip (offset pagination).
    pub offset: u64,
    /// Maximum rows to return; 0 returns none (useful with `count_total`).
    pub limit: u32,
    /// Keyset cursor; when set, rows strictly after it in sort order are returned.
    pub after: Option<Cursor>,
    /// Whether to count all matching rows (ignoring offset, limit and cursor).
    pub count_total: bool,
}

impl Query {
    /// A query over `kind` in one workspace with no filters, the first 100 rows by id.
    pub fn new(kind: Kind, workspace_id: Option<Uuid>) -> Self {
        Query {
            kind,
            workspace_id,
            filters: Vec::new(),
            search: Vec::new(),
            sort: Vec::new(),
            offset: 0,
            limit: 100,
            after: None,
            count_total: false,
        }
    }

    /// Adds a filter.
    pub fn filter(mut self, f: Filter) -> Self {
        self.filters.push(f);
        self
    }

    /// Adds a sort key.
    pub fn sort(mut self, key: SortKey) -> Self {
        self.sort.push(key);
        self
    }

    /// Sets the limit.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = limit;
        self
    }

    /// Sets the offset.
    pub fn offset(mut self, offset: u64) -> Self {
        self.offset = offset;
        self
    }

    /// Sets the search words from free text.
    pub fn search(mut self, text: &str) -> Self {
        self.search = crate::search::words(text);
        self
    }

    /// Checks that every filter, sort key and cursor names a declared field of the right shape.
    /// Backends call this first; a failure is a bug in the caller, reported as `Internal`.
    pub fn validate(&self) -> crate::Result<()> {
        let schema = self.kind.schema();
        for f in &self.filters {
            let name = f.field();
            let ok = match f {
                Filter::Contains(..) => schema.sets.contains(&name),
                _ => schema.field(name).is_some(),
            };
            if !ok {
                return Err(crate::Error::internal_msg(format!(
                    "query on {} names unknown field {name}",
                    schema.table
                )));
            }
        }
        for s in &self.sort {
            if schema.field(s.field).is_none() {
                return Err(crate::Error::internal_msg(format!(
                    "query on {} sorts on unknown field {}",
                    schema.table, s.field
                )));
            }
        }
        if !self.search.is_empty() && !schema.searchable {
            return Err(crate::Error::internal_msg(format!(
                "query searches {}, which has no search text",
                schema.table
            )));
        }
        if let Some(c) = &self.after
            && c.values.len() != self.sort.len()
        {
            return Err(crate::Error::internal_msg(
                "cursor has a different number of values than sort keys",
            ));
        }
        Ok(())
    }

    /// Asks for the total count.
    pub fn with_total(mut self) -> Self {
        self.count_total = true;
        self
    }
}

/// The rows of one page and, when asked, the total.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QueryResult {
    /// The rows, in sort order.
    pub rows: Vec<super::record::StoredRecord>,
    /// All matching rows, when `count_total` was set.
    pub total: Option<u64>,
}
