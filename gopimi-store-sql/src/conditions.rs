//! The `WHERE` and `ORDER BY` of a [`Query`], written to reproduce the reference semantics of
//! `gopimi_core::store::query` exactly (the memory store is the reference):
//!
//! - a comparison holds only for non-NULL columns and never for a `Null` operand; comparing
//!   with a value of another type gives the same answer for every non-NULL row (the core's total
//!   order ranks types), so it becomes `IS NOT NULL` or `1=0` rather than a SQL comparison;
//! - `NULL` sorts first ascending and last descending, then `id` ascending breaks ties;
//! - the keyset cursor is the row-value comparison spelled out term by term, because the
//!   directions may differ per key and NULLs take part in the order;
//! - search narrows with the engine's full-text index, then checks every word exactly
//!   ("is a prefix of some word of `search_text`", byte-wise), so tokenizer differences between
//!   engines cannot add rows.
//!
//! Table and column names come from the core's static schema, never from input; every value is
//! bound.

use crate::dialect::Dialect;
use gopimi_core::store::{Cursor, FieldType, Filter, KindSchema, Query, SortKey, Value};
use sqlx::QueryBuilder;
use std::cmp::Ordering;

/// A comparison operator of the core's filters and cursors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Eq,
    Ne,
    Lt,
    Lte,
    Gt,
    Gte,
}

impl Cmp {
    fn sql(self) -> &'static str {
        match self {
            Cmp::Eq => " = ",
            Cmp::Ne => " <> ",
            Cmp::Lt => " < ",
            Cmp::Lte => " <= ",
            Cmp::Gt => " > ",
            Cmp::Gte => " >= ",
        }
    }

    fn holds(self, o: Ordering) -> bool {
        match self {
            Cmp::Eq => o == Ordering::Equal,
            Cmp::Ne => o != Ordering::Equal,
            Cmp::Lt => o == Ordering::Less,
            Cmp::Lte => o != Ordering::Greater,
            Cmp::Gt => o == Ordering::Greater,
            Cmp::Gte => o != Ordering::Less,
        }
    }
}

/// The rank of a type in the core's total order (`Value::cmp_total`): Null < Bool < Int < Text
/// < Uuid < Time.
fn value_rank(v: &Value) -> u8 {
    match v {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Int(_) => 2,
        Value::Text(_) => 3,
        Value::Uuid(_) => 4,
        Value::Time(_) => 5,
    }
}

fn type_rank(ty: FieldType) -> u8 {
    match ty {
        FieldType::Bool => 1,
        FieldType::Int => 2,
        FieldType::Text => 3,
        FieldType::Uuid => 4,
        FieldType::Time => 5,
    }
}

/// Whether a value can be bound to a column of this type.
pub(crate) fn fits(ty: FieldType, v: &Value) -> bool {
    type_rank(ty) == value_rank(v)
}

/// Appends `AND` (or `WHERE` for the first condition).
pub(crate) struct Where {
    first: bool,
}

impl Where {
    pub(crate) fn new() -> Self {
        Where { first: true }
    }

    pub(crate) fn and<DB: sqlx::Database>(&mut self, qb: &mut QueryBuilder<DB>) {
        qb.push(if self.first { " WHERE " } else { " AND " });
        self.first = false;
    }
}

/// `t.column <op> value` with the core's semantics: false for NULL columns and for a `Null`
/// operand.
fn push_cmp<D: Dialect>(
    qb: &mut QueryBuilder<D::DB>,
    column: &str,
    ty: FieldType,
    op: Cmp,
    v: &Value,
) {
    if v.is_null() {
        qb.push("1=0");
    } else if fits(ty, v) {
        qb.push("t.").push(column).push(op.sql());
        D::push_value(qb, ty, v);
    } else if op.holds(type_rank(ty).cmp(&value_rank(v))) {
        qb.push("t.").push(column).push(" IS NOT NULL");
    } else {
        qb.push("1=0");
    }
}

fn field_type(schema: &KindSchema, name: &str) -> FieldType {
    // `Query::validate` ran first, so the field exists; Text is a harmless fallback.
    schema.field(name).map(|f| f.ty).unwrap_or(FieldType::Text)
}

/// One filter.
fn push_filter<D: Dialect>(qb: &mut QueryBuilder<D::DB>, schema: &KindSchema, f: &Filter) {
    let ty = field_type(schema, f.field());
    match f {
        Filter::Eq(n, v) => push_cmp::<D>(qb, n, ty, Cmp::Eq, v),
        Filter::Ne(n, v) => push_cmp::<D>(qb, n, ty, Cmp::Ne, v),
        Filter::Gte(n, v) => push_cmp::<D>(qb, n, ty, Cmp::Gte, v),
        Filter::Lte(n, v) => push_cmp::<D>(qb, n, ty, Cmp::Lte, v),
        Filter::Lt(n, v) => push_cmp::<D>(qb, n, ty, Cmp::Lt, v),
        Filter::In(n, vs) => {
            // Only values of the column's type can equal a stored value.
            let vs: Vec<&Value> = vs.iter().filter(|v| fits(ty, v)).collect();
            if vs.is_empty() {
                qb.push("1=0");
            } else {
                qb.push("t.").push(*n).push(" IN (");
                for (i, v) in vs.into_iter().enumerate() {
                    if i > 0 {
                        qb.push(", ");
                    }
                    D::push_value(qb, ty, v);
                }
                qb.push(")");
            }
        }
        Filter::IsNull(n) => {
            qb.push("t.").push(*n).push(" IS NULL");
        }
        Filter::NotNull(n) => {
            qb.push("t.").push(*n).push(" IS NOT NULL");
        }
        Filter::Contains(set, id) => {
            qb.push("t.id IN (SELECT s.owner_id FROM ")
                .push(schema.table)
                .push("_")
                .push(*set)
                .push(" s WHERE s.value_id = ");
            D::push_id(qb, *id);
            qb.push(")");
        }
    }
}

/// Whether a search word can go to a full-text index: plain alphanumeric, so it cannot be read
/// as query syntax by any engine.
fn indexable(word: &str) -> bool {
    !word.is_empty() && word.chars().all(char::is_alphanumeric)
}

/// The search condition: full-text narrowing, then the exact prefix check per word.
fn push_search<D: Dialect>(
    qb: &mut QueryBuilder<D::DB>,
    w: &mut Where,
    schema: &KindSchema,
    words: &[String],
) {
    // `Query::validate` refused searches of kinds without search text.
    if words.iter().any(|word| word.contains(' ')) {
        // A "word" that can never be a prefix of a single word.
        w.and(qb);
        qb.push("1=0");
        return;
    }
    let indexed: Vec<String> = words.iter().filter(|w| indexable(w)).cloned().collect();
    if !indexed.is_empty() {
        w.and(qb);
        D::push_full_text(qb, schema.table, &indexed);
    }
    for word in words {
        w.and(qb);
        D::push_word_prefix(qb, word);
    }
}

/// The conditions of a query: workspace, filters and search (not the cursor).
pub(crate) fn push_conditions<D: Dialect>(qb: &mut QueryBuilder<D::DB>, w: &mut Where, q: &Query) {
    let schema = q.kind.schema();
    if let Some(ws) = q.workspace_id {
        w.and(qb);
        qb.push("t.workspace_id = ");
        D::push_id(qb, ws);
    }
    for f in &q.filters {
        w.and(qb);
        push_filter::<D>(qb, schema, f);
    }
    if !q.search.is_empty() {
        push_search::<D>(qb, w, schema, &q.search);
    }
}

/// Rows strictly after the cursor in the sort order.
pub(crate) fn push_cursor<D: Dialect>(
    qb: &mut QueryBuilder<D::DB>,
    schema: &KindSchema,
    sort: &[SortKey],
    c: &Cursor,
) {
    qb.push("(");
    for i in 0..=sort.len() {
        if i > 0 {
            qb.push(" OR ");
        }
        qb.push("(");
        // Equal on every earlier key...
        for (k, v) in sort.iter().zip(&c.values).take(i) {
            push_equal::<D>(qb, schema, k.field, v);
            qb.push(" AND ");
        }
        // ...and after on this one (or on the id, last).
        match sort.get(i).zip(c.values.get(i)) {
            Some((k, v)) => push_after::<D>(qb, schema, k, v),
            None => {
                qb.push("t.id > ");
                D::push_id(qb, c.id);
            }
        }
        qb.push(")");
    }
    qb.push(")");
}

/// `column` equals the cursor value (NULL equals NULL in the core's order).
fn push_equal<D: Dialect>(
    qb: &mut QueryBuilder<D::DB>,
    schema: &KindSchema,
    field: &str,
    v: &Value,
) {
    if v.is_null() {
        qb.push("t.").push(field).push(" IS NULL");
    } else {
        push_cmp::<D>(qb, field, field_type(schema, field), Cmp::Eq, v);
    }
}

/// `column` comes after the cursor value in this key's direction.
fn push_after<D: Dialect>(
    qb: &mut QueryBuilder<D::DB>,
    schema: &KindSchema,
    k: &SortKey,
    v: &Value,
) {
    let ty = field_type(schema, k.field);
    if !k.descending {
        // NULL is first: a non-NULL column is after a NULL cursor value; NULL is after nothing.
        if v.is_null() {
            qb.push("t.").push(k.field).push(" IS NOT NULL");
        } else {
            push_cmp::<D>(qb, k.field, ty, Cmp::Gt, v);
        }
    } else if v.is_null() {
        // NULL is last descending: nothing comes after it on this key.
        qb.push("1=0");
    } else {
        qb.push("(t.").push(k.field).push(" IS NULL OR ");
        push_cmp::<D>(qb, k.field, ty, Cmp::Lt, v);
        qb.push(")");
    }
}

/// `ORDER BY` the sort keys, then the id.
pub(crate) fn push_order<D: Dialect>(qb: &mut QueryBuilder<D::DB>, sort: &[SortKey]) {
    qb.push(" ORDER BY ");
    for k in sort {
        D::push_order(qb, &format!("t.{}", k.field), k.descending);
        qb.push(", ");
    }
    qb.push("t.id ASC");
}
