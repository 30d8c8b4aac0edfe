//! Answering a [`Query`] from the index trees without reading every row.
//!
//! Every filter and every search word maps to one or more key ranges of an index tree (a
//! *source*): `Eq`/`In`/`IsNull` are point prefixes of the field's index, `Gte`/`Lte`/`Lt`/
//! `NotNull`/`Ne` are value ranges (which skip the `Null` entries, sorted first), `Contains` is
//! a prefix of the set index, a search word is a prefix of the token index (a word matches every
//! token it begins), and the workspace of a global kind is a prefix of its workspace index.
//!
//! # Cost model
//!
//! Reading an index key costs about one unit, reading and decoding a row about four
//! ([`ROW_COST`]). The planner, in order:
//! 1. **Unique look-up.** Equality on every field of a unique key (a message's `rfc_message_id`
//!    when threading, a user's email): one point read.
//! 2. **Probe.** Each source is read up to [`PROBE`] keys. One that ends within it is *small*
//!    and exact. One that does not, but whose complement within its index does (for indexes
//!    holding one entry per row: fields, the workspace of global kinds), becomes an
//!    *exclusion*: `deleted_at IS NULL` is "every row but these few".
//! 3. **Small sources.** Their ids are intersected, minus the exclusions. If every condition
//!    was small or excluded, that set is exact without reading a row; otherwise its rows are
//!    read and every condition re-checked on them.
//! 4. **Large sources.** If a total is asked for or the page is deep (offset + limit above
//!    `PROBE`), each large source is read in full (keys only, resuming where the probe stopped)
//!    and intersected: the exact set. Otherwise rows are tested one by one as they come.
//! 5. **Order.** Without a sort, an exact set's ids are sorted and only the page's rows read;
//!    otherwise the row tree is walked in id order. With a sort, the first sort key's index is
//!    walked in its direction, narrowed to the range of any filter on that same field (the SLA
//!    sweep reads only due keys), in groups of equal first-key value (each group sorted in
//!    memory by the remaining keys and id, which is how `id` breaks ties in both directions).
//!    With an exact set, the walk competes with reading and sorting the whole set
//!    (`|set| × ROW_COST`): the walk is estimated at `(offset + limit) × range / |set|` keys,
//!    assuming matches spread evenly, and gives up (falling back to the sort) once it has spent
//!    what the sort would cost, so a skewed spread costs at most about twice the better plan.
//!
//! The total without any condition is the per-scope row count every write keeps. A total over
//! a large condition costs one key read per matching entry (there are no per-value counts), which
//! is what a broad list with a total pays: see `BENCHMARKS.md`.
//!
//! Queries across workspaces on workspace-scoped kinds (`workspace_id: None`, meant for routing
//! look-ups) use a global unique key when the filters pin one; a range sorted on a
//! cross-workspace field (the SLA sweep's due tickets) walks that field's all-workspace index;
//! anything else reads the whole kind.
//!
//! Keyset cursors seek the sort index to the cursor's first value and compare exactly from
//! there. The semantics, checked against the reference `MemoryStore` in the tests, are those of
//! `gopimi_core::store::query`.

use crate::codec::{FIRST_NON_NULL, Reader, prefix_end, trailing_id};
use crate::layout::{
    CROSS_SCOPE, GLOBAL_SCOPE, Layout, encoded, field_prefix, row_key, set_prefix, storage,
    unique_key, workspace_prefix,
};
use crate::row::Row;
use gopimi_core::Result;
use gopimi_core::store::{Cursor, Filter, Query, QueryResult, Scope, SortKey, StoredRecord, Value};
use std::cmp::Ordering;
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Bound;
use uuid::Uuid;

/// The planner's two constants.
#[derive(Debug, Clone, Copy)]
pub struct Tuning {
    /// How many keys a source is read before it counts as large.
    pub probe: usize,
    /// Cost of reading a row relative to reading an index key.
    pub row_cost: u64,
}

impl Tuning {
    /// What the store uses.
    pub const DEFAULT: Tuning = Tuning {
        probe: PROBE,
        row_cost: ROW_COST,
    };
}

/// How many keys a source is read before it counts as large.
pub const PROBE: usize = 2_000;
/// Cost of reading a row relative to reading an index key.
pub const ROW_COST: u64 = 4;

/// Hashes ids by folding their bytes: ids are time-ordered UUIDs with random low bits, written
/// by the store, so a keyed SipHash buys nothing here and costs a third of an id set's build.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(23) ^ u64::from_le_bytes(b))
                .wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn finish(&self) -> u64 {
        self.0 ^ (self.0 >> 29)
    }
}

/// A set of row ids.
type IdSet = HashSet<Uuid, BuildHasherDefault<IdHasher>>;

type KeyRange = (Vec<u8>, Option<Vec<u8>>);

/// One condition as index key ranges.
struct Source<'a> {
    tree: &'a sled::Tree,
    ranges: Vec<KeyRange>,
    /// For search words: the token must be at least as long as the word, i.e. the key longer
    /// than scope + word + id (the word prefix could otherwise run into the id bytes).
    min_key_len: usize,
    /// For indexes where every row has exactly one entry (a field's values, the workspace of
    /// a global kind): the whole index range, so the rows *not* matching are the complement.
    domain: Option<KeyRange>,
    /// The projected field whose index this reads, if any.
    field: Option<usize>,
}

impl<'a> Source<'a> {
    /// The rows failing this condition, as ranges of the same index: the gaps between its
    /// ranges within the domain. `deleted_at IS NULL` is "every row but a few": its complement
    /// is small even when it is not.
    fn complement(&self) -> Option<Source<'a>> {
        let (start, end) = self.domain.as_ref()?;
        let mut ranges = self.ranges.clone();
        ranges.sort();
        let mut gaps = Vec::new();
        let mut at = start.clone();
        for (s, e) in ranges {
            if s > at {
                gaps.push((at.clone(), Some(s)));
            }
            match e {
                Some(e) if e > at => at = e,
                Some(_) => {}
                None => {
                    at.clear();
                    break;
                }
            }
        }
        if !at.is_empty() && end.as_ref().is_none_or(|e| at < *e) {
            gaps.push((at, end.clone()));
        }
        Some(Source {
            tree: self.tree,
            ranges: gaps,
            min_key_len: 0,
            domain: None,
            field: None,
        })
    }

    /// Reads ids, stopping after `cap` keys; returns them and whether the source was exhausted.
    fn read(&self, cap: usize) -> Result<Progress> {
        let mut p = Progress::default();
        self.resume(&mut p, cap)?;
        Ok(p)
    }

    /// Reads up to `cap` more keys from where `p` stopped.
    fn resume(&self, p: &mut Progress, cap: usize) -> Result<()> {
        let mut seen = 0usize;
        while let Some((start, end)) = self.ranges.get(p.range) {
            let lower = match &p.after {
                Some(k) => Bound::Excluded(k.as_ref()),
                None => Bound::Included(start.as_slice()),
            };
            let upper = match end {
                Some(e) => Bound::Excluded(e.as_slice()),
                None => Bound::Unbounded,
            };
            for k in self.tree.range::<&[u8], _>((lower, upper)).keys() {
                let k = k.map_err(|e| storage("index scan", e))?;
                if k.len() < self.min_key_len {
                    continue;
                }
                if seen >= cap {
                    return Ok(());
                }
                seen += 1;
                p.ids.insert(trailing_id(&k)?);
                p.after = Some(k);
            }
            p.range += 1;
            p.after = None;
        }
        p.exhausted = true;
        Ok(())
    }
}

/// How far a source has been read, and the ids read so far.
#[derive(Default)]
struct Progress {
    ids: IdSet,
    /// The range being read, and the last key read in it.
    range: usize,
    after: Option<sled::IVec>,
    exhausted: bool,
}

fn prefix_range(prefix: Vec<u8>) -> (Vec<u8>, Option<Vec<u8>>) {
    let end = prefix_end(&prefix);
    (prefix, end)
}

fn with(prefix: &[u8], tail: &[u8]) -> Vec<u8> {
    let mut k = prefix.to_vec();
    k.extend_from_slice(tail);
    k
}

/// The compiled query: field positions resolved.
struct Plan<'a> {
    q: &'a Query,
    layout: &'a Layout,
    scope: Option<[u8; 16]>,
    /// Workspace to check row by row (global kinds read in one workspace).
    ws_check: Option<Uuid>,
}

/// The sort values of a row.
fn sort_values(row: &Row, q: &Query) -> Vec<Value> {
    let schema = q.kind.schema();
    q.sort
        .iter()
        .map(|k| {
            schema
                .field_index(k.field)
                .map_or(Value::Null, |i| row.field(i).clone())
        })
        .collect()
}

/// Compares (values, id) under the sort's directions; `id` always ascending.
fn compare_keys(sort: &[SortKey], a: (&[Value], Uuid), b: (&[Value], Uuid)) -> Ordering {
    for (i, k) in sort.iter().enumerate() {
        let o = a.0[i].cmp_total(&b.0[i]);
        let o = if k.descending { o.reverse() } else { o };
        if o != Ordering::Equal {
            return o;
        }
    }
    a.1.cmp(&b.1)
}

fn after(sort: &[SortKey], values: &[Value], id: Uuid, c: &Cursor) -> bool {
    compare_keys(sort, (values, id), (&c.values, c.id)) == Ordering::Greater
}

/// Whether a row satisfies one filter (the reference semantics).
fn matches_filter(q: &Query, row: &Row, f: &Filter) -> bool {
    let schema = q.kind.schema();
    let value = |n: &str| schema.field_index(n).map_or(&Value::Null, |i| row.field(i));
    match f {
        Filter::Eq(n, v) => !v.is_null() && value(n) == v,
        Filter::Ne(n, v) => {
            let x = value(n);
            !v.is_null() && !x.is_null() && x != v
        }
        Filter::In(n, vs) => {
            let x = value(n);
            !x.is_null() && vs.contains(x)
        }
        Filter::Gte(n, v) => {
            let x = value(n);
            !v.is_null() && !x.is_null() && x.cmp_total(v) != Ordering::Less
        }
        Filter::Lte(n, v) => {
            let x = value(n);
            !v.is_null() && !x.is_null() && x.cmp_total(v) != Ordering::Greater
        }
        Filter::Lt(n, v) => {
            let x = value(n);
            !v.is_null() && !x.is_null() && x.cmp_total(v) == Ordering::Less
        }
        Filter::IsNull(n) => value(n).is_null(),
        Filter::NotNull(n) => !value(n).is_null(),
        Filter::Contains(n, id) => schema
            .sets
            .iter()
            .position(|s| s == n)
            .and_then(|i| row.sets.get(i))
            .is_some_and(|s| s.binary_search(id).is_ok()),
    }
}

/// Whether every search word is a prefix of one of the row's tokens.
fn matches_search(q: &Query, row: &Row) -> bool {
    if q.search.is_empty() {
        return true;
    }
    if row.tokens.is_empty() {
        return false;
    }
    q.search
        .iter()
        .all(|w| row.tokens.iter().any(|t| t.starts_with(w.as_str())))
}

impl<'a> Plan<'a> {
    fn matches(&self, row: &Row) -> bool {
        self.q
            .workspace_id
            .is_none_or(|ws| row.workspace_id == Some(ws))
            && self
                .q
                .filters
                .iter()
                .all(|f| matches_filter(self.q, row, f))
            && matches_search(self.q, row)
    }

    fn row(&self, scope: &[u8; 16], id: Uuid) -> Result<Option<Row>> {
        self.layout.read_row(self.q.kind, scope, id)
    }

    /// The sources of every condition, in a rough order of selectivity.
    fn sources(&self, scope: &[u8; 16]) -> Vec<Source<'a>> {
        let schema = self.q.kind.schema();
        let trees = self.layout.kind(self.q.kind);
        let mut out = Vec::new();
        let idx = |ranges, domain, field| Source {
            tree: &trees.idx,
            ranges,
            min_key_len: 0,
            domain,
            field,
        };
        for f in &self.q.filters {
            if let Filter::Contains(n, id) = f {
                let j = schema.sets.iter().position(|s| s == n).unwrap_or(0);
                out.push(idx(
                    vec![prefix_range(set_prefix(scope, j, *id))],
                    None,
                    None,
                ));
                continue;
            }
            let Some(i) = schema.field_index(f.field()) else {
                continue;
            };
            let fp = field_prefix(scope, i);
            let non_null = with(&fp, &[FIRST_NON_NULL]);
            let field_end = prefix_end(&fp);
            let ranges = match f {
                // A comparison with a Null operand matches nothing (SQL semantics).
                Filter::Eq(_, v)
                | Filter::Ne(_, v)
                | Filter::Gte(_, v)
                | Filter::Lte(_, v)
                | Filter::Lt(_, v)
                    if v.is_null() =>
                {
                    Vec::new()
                }
                Filter::Eq(_, v) => vec![prefix_range(with(&fp, &encoded(v)))],
                Filter::IsNull(_) => vec![prefix_range(with(&fp, &encoded(&Value::Null)))],
                Filter::In(_, vs) => {
                    let mut enc: Vec<Vec<u8>> = vs
                        .iter()
                        .filter(|v| !v.is_null())
                        .map(|v| with(&fp, &encoded(v)))
                        .collect();
                    enc.sort();
                    enc.dedup();
                    enc.into_iter().map(prefix_range).collect()
                }
                Filter::NotNull(_) => vec![(non_null, field_end)],
                Filter::Ne(_, v) => {
                    let at = with(&fp, &encoded(v));
                    let past = prefix_end(&at);
                    let mut r = vec![(non_null, Some(at))];
                    if let Some(p) = past {
                        r.push((p, field_end));
                    }
                    r
                }
                Filter::Gte(_, v) => vec![(with(&fp, &encoded(v)), field_end)],
                Filter::Lte(_, v) => vec![(non_null, prefix_end(&with(&fp, &encoded(v))))],
                Filter::Lt(_, v) => vec![(non_null, Some(with(&fp, &encoded(v))))],
                Filter::Contains(..) => continue,
            };
            let domain = (fp.clone(), prefix_end(&fp));
            out.push(idx(ranges, Some(domain), Some(i)));
        }
        if let Some(ws) = self.ws_check {
            let all = workspace_prefix(None)[..GLOBAL_SCOPE.len() + 1].to_vec();
            let domain = prefix_range(all);
            out.push(idx(
                vec![prefix_range(workspace_prefix(Some(ws)))],
                Some(domain),
                None,
            ));
        }
        if let Some(text) = &trees.text {
            for w in &self.q.search {
                out.push(Source {
                    tree: text,
                    ranges: vec![prefix_range(with(scope, w.as_bytes()))],
                    min_key_len: 16 + w.len() + 16,
                    domain: None,
                    field: None,
                });
            }
        }
        // (Searching a kind without search text is refused by `Query::validate`.)
        out.sort_by_key(|s| s.ranges.len() != 1);
        out
    }

    /// The row a unique key pins, if the filters pin one.
    fn unique_hit(&self) -> Result<Option<Option<Row>>> {
        let kind = self.q.kind;
        let schema = kind.schema();
        let Some(uniq) = &self.layout.kind(kind).uniq else {
            return Ok(None);
        };
        for (u, def) in schema.uniques.iter().enumerate() {
            if def.scope == Scope::Workspace && self.q.workspace_id.is_none() {
                continue;
            }
            let values: Option<Vec<&Value>> = def
                .fields
                .iter()
                .map(|name| {
                    self.q.filters.iter().find_map(|f| match f {
                        Filter::Eq(n, v) if n == name && !v.is_null() => Some(v),
                        _ => None,
                    })
                })
                .collect();
            let Some(values) = values else { continue };
            let Some(key) = unique_key(kind, u, self.q.workspace_id, &values) else {
                continue;
            };
            let id = match uniq.get(key).map_err(|e| storage("read unique key", e))? {
                Some(v) => trailing_id(&v)?,
                None => return Ok(Some(None)),
            };
            let row = self.layout.find_row(kind, self.q.workspace_id, id)?;
            return Ok(Some(row.filter(|r| self.matches(r))));
        }
        Ok(None)
    }
}

/// Sorts matching rows and cuts the page, like the reference store.
fn page_in_memory(q: &Query, rows: Vec<Row>, total: Option<u64>) -> QueryResult {
    let total = q.count_total.then(|| total.unwrap_or(rows.len() as u64));
    let mut keyed: Vec<(Vec<Value>, Row)> =
        rows.into_iter().map(|r| (sort_values(&r, q), r)).collect();
    keyed.sort_by(|a, b| compare_keys(&q.sort, (&a.0, a.1.id), (&b.0, b.1.id)));
    let rows = keyed
        .into_iter()
        .filter(|(v, r)| q.after.as_ref().is_none_or(|c| after(&q.sort, v, r.id, c)))
        .skip(usize::try_from(q.offset).unwrap_or(usize::MAX))
        .take(q.limit as usize)
        .map(|(_, r)| r.stored())
        .collect();
    QueryResult { rows, total }
}

/// How the scan decides that an entry matches.
enum Check<'s> {
    /// By id alone: in `include` (the exact matching set) when there is one, and not in
    /// `exclude` (rows known to fail).
    Ids {
        include: Option<&'s IdSet>,
        exclude: &'s IdSet,
    },
    /// Read the row and test every condition.
    Rows,
}

impl Check<'_> {
    /// Whether the id passes (`None`: the row must be read to tell).
    fn by_id(&self, id: &Uuid) -> Option<bool> {
        match self {
            Check::Ids { include, exclude } => {
                Some(include.is_none_or(|s| s.contains(id)) && !exclude.contains(id))
            }
            Check::Rows => None,
        }
    }
}

/// Collects a page from entries arriving in sort order.
struct Pager<'q> {
    q: &'q Query,
    skip: u64,
    out: Vec<StoredRecord>,
}

impl Pager<'_> {
    fn full(&self) -> bool {
        self.out.len() >= self.q.limit as usize
    }

    fn push(&mut self, row: &Row) {
        if self.skip > 0 {
            self.skip -= 1;
        } else if !self.full() {
            self.out.push(row.stored());
        }
    }
}

/// Runs a query.
pub fn query(layout: &Layout, q: &Query, tuning: Tuning) -> Result<QueryResult> {
    q.validate()?;
    let schema = q.kind.schema();
    let scope = match (schema.scope, q.workspace_id) {
        (Scope::Workspace, Some(ws)) => Some(*ws.as_bytes()),
        (Scope::Workspace, None) => None,
        (Scope::Global, _) => Some(GLOBAL_SCOPE),
    };
    let plan = Plan {
        q,
        layout,
        scope,
        ws_check: match schema.scope {
            Scope::Global => q.workspace_id,
            Scope::Workspace => None,
        },
    };

    if let Some(hit) = plan.unique_hit()? {
        return Ok(page_in_memory(q, hit.into_iter().collect(), None));
    }
    let Some(scope) = plan.scope else {
        if let Some(r) = cross_indexed(&plan)? {
            return Ok(r);
        }
        return cross_workspace(&plan);
    };

    let sources = plan.sources(&scope);
    // 2. Small sources, or sources whose complement is small (those become exclusions).
    let mut small: Option<IdSet> = None;
    let mut excluded = IdSet::default();
    let mut large = Vec::new();
    let mut sizes: Vec<Option<u64>> = Vec::with_capacity(sources.len());
    for s in &sources {
        let read = s.read(tuning.probe)?;
        sizes.push(read.exhausted.then_some(read.ids.len() as u64));
        if read.exhausted {
            small = Some(match small {
                None => read.ids,
                Some(acc) => intersect(acc, &read.ids),
            });
            continue;
        }
        if let Some(c) = s.complement() {
            let failing = c.read(tuning.probe)?;
            if failing.exhausted {
                excluded.extend(failing.ids);
                continue;
            }
        }
        large.push((s, read));
    }
    let need = q.offset.saturating_add(u64::from(q.limit));
    let exact: Option<IdSet> = match small {
        Some(mut ids) => {
            ids.retain(|id| !excluded.contains(id));
            if !large.is_empty() {
                // Some conditions have no small id set: test them on the candidate rows.
                let mut rows = Vec::with_capacity(ids.len());
                for id in ids {
                    if let Some(r) = plan.row(&scope, id)?
                        && plan.matches(&r)
                    {
                        rows.push(r);
                    }
                }
                return Ok(page_in_memory(q, rows, None));
            }
            Some(ids)
        }
        // 3. Large sources: the exact set when a total is wanted or the page is deep.
        None if !large.is_empty() && (q.count_total || need > tuning.probe as u64) => {
            let mut acc: Option<IdSet> = None;
            for (s, read) in &mut large {
                s.resume(read, usize::MAX)?;
                let ids = std::mem::take(&mut read.ids);
                acc = Some(match acc {
                    None => ids,
                    Some(a) => intersect(a, &ids),
                });
            }
            acc.map(|mut set| {
                set.retain(|id| !excluded.contains(id));
                set
            })
        }
        None => None,
    };
    let in_scope = layout.count(q.kind, &scope)?;
    let total = match &exact {
        Some(set) => set.len() as u64,
        None if large.is_empty() => in_scope.saturating_sub(excluded.len() as u64),
        None => 0, // not asked for
    };
    let result = |rows| QueryResult {
        rows,
        total: q.count_total.then_some(total),
    };
    let walk = q
        .sort
        .first()
        .and_then(|first| schema.field_index(first.field))
        .map(|i| Walk::new(&scope, i, &sources, &sizes));

    if let Some(set) = &exact {
        if q.after.is_none() && (q.offset >= set.len() as u64 || q.limit == 0) {
            // The page lies past the last match.
            return Ok(result(Vec::new()));
        }
        if q.sort.is_empty() {
            // Id order: sort the ids, read only the page's rows.
            let mut ids: Vec<Uuid> = set.iter().copied().collect();
            ids.sort();
            let from = q
                .after
                .as_ref()
                .map_or(0, |c| ids.partition_point(|id| *id <= c.id));
            let pick = ids[from..]
                .iter()
                .skip(usize::try_from(q.offset).unwrap_or(usize::MAX))
                .take(q.limit as usize);
            let mut out = Vec::new();
            for id in pick {
                if let Some(r) = plan.row(&scope, *id)? {
                    out.push(r.stored());
                }
            }
            return Ok(result(out));
        }
        // Walk the sort index (cost: keys until the page is full, assuming the matches are
        // spread evenly) or read and sort the set (cost: its rows). The walk gives up once it
        // has spent what the sort would have cost, so a skewed spread costs at most twice the
        // better plan.
        let walked = walk.as_ref().and_then(|w| w.size).unwrap_or(in_scope);
        let sort_cost = (set.len() as u64).saturating_mul(tuning.row_cost);
        let scan_cost = need
            .saturating_mul(walked)
            .checked_div(set.len() as u64)
            .unwrap_or(u64::MAX)
            .min(walked);
        if let Some(walk) = &walk
            && scan_cost < sort_cost
        {
            let check = Check::Ids {
                include: Some(set),
                exclude: &excluded,
            };
            let mut pager = Pager {
                q,
                skip: q.offset,
                out: Vec::new(),
            };
            if scan_sorted(
                &plan, &scope, walk, q.sort[0], &check, &mut pager, sort_cost,
            )? {
                return Ok(result(pager.out));
            }
        }
        let mut rows = Vec::with_capacity(set.len());
        for id in set {
            if let Some(r) = plan.row(&scope, *id)? {
                rows.push(r);
            }
        }
        return Ok(page_in_memory(q, rows, Some(total)));
    }

    // No exact set: every row but the excluded ones matches, or rows are tested one by one
    // (a shallow page without a total).
    let check = if large.is_empty() {
        Check::Ids {
            include: None,
            exclude: &excluded,
        }
    } else {
        Check::Rows
    };
    let mut pager = Pager {
        q,
        skip: q.offset,
        out: Vec::new(),
    };
    if q.limit > 0 {
        match (q.sort.first(), &walk) {
            (Some(first), Some(walk)) => {
                scan_sorted(&plan, &scope, walk, *first, &check, &mut pager, u64::MAX)?;
            }
            _ => scan_rows(&plan, &scope, &check, &mut pager)?,
        }
    }
    Ok(result(pager.out))
}

fn intersect(a: IdSet, b: &IdSet) -> IdSet {
    if a.len() <= b.len() {
        a.into_iter().filter(|id| b.contains(id)).collect()
    } else {
        b.iter().copied().filter(|id| a.contains(id)).collect()
    }
}

/// A cross-workspace query whose filters and first sort key are all on one
/// [cross-workspace field](gopimi_core::store::KindSchema::cross_workspace_fields) (the SLA
/// sweep: `sla_due_at < now`, oldest first, after a cursor, no total): walks that field's
/// all-workspace index from the cursor, in the sort's direction, reading only the rows it
/// returns (plus the rest of the last group of equal values, so ties are ordered by id like
/// everywhere else). `None` for any other shape, which falls back to reading the kind.
fn cross_indexed(plan: &Plan<'_>) -> Result<Option<QueryResult>> {
    let q = plan.q;
    let schema = q.kind.schema();
    let Some(first) = q.sort.first().copied() else {
        return Ok(None);
    };
    if q.count_total
        || !q.search.is_empty()
        || q.filters.is_empty()
        || !schema.cross_workspace_fields().contains(&first.field)
    {
        return Ok(None);
    }
    let Some(field) = schema.field_index(first.field) else {
        return Ok(None);
    };
    // Conditions that never match Null (the index holds set values only).
    let ranged = q.filters.iter().all(|f| {
        f.field() == first.field
            && matches!(
                f,
                Filter::Eq(..)
                    | Filter::In(..)
                    | Filter::Gte(..)
                    | Filter::Lte(..)
                    | Filter::Lt(..)
                    | Filter::NotNull(..)
            )
    });
    if !ranged {
        return Ok(None);
    }
    let sources = plan.sources(&CROSS_SCOPE);
    let sizes = vec![None; sources.len()];
    let walk = Walk::new(&CROSS_SCOPE, field, &sources, &sizes);
    let (mut lo, mut hi) = (walk.lo.clone(), walk.hi.clone());
    if let Some(v) = q
        .after
        .as_ref()
        .and_then(|c| c.values.first())
        .filter(|v| !v.is_null())
    {
        let at = with(&walk.prefix, &encoded(v));
        if first.descending {
            hi = min_end(hi, prefix_end(&at));
        } else {
            lo = lo.max(at);
        }
    }
    let tree = &plan.layout.kind(q.kind).idx;
    let range = (
        Bound::Included(lo),
        hi.map_or(Bound::Unbounded, Bound::Excluded),
    );
    let keys: Box<dyn Iterator<Item = sled::Result<(sled::IVec, sled::IVec)>>> = if first.descending
    {
        Box::new(tree.range(range).rev())
    } else {
        Box::new(tree.range(range))
    };
    let need = usize::try_from(q.offset.saturating_add(u64::from(q.limit))).unwrap_or(usize::MAX);
    let mut rows = Vec::new();
    let mut last_value: Option<Vec<u8>> = None;
    for kv in keys {
        let (k, _) = kv.map_err(|e| storage("scan cross-workspace index", e))?;
        let value = k
            .get(walk.prefix.len()..k.len().saturating_sub(16))
            .unwrap_or_default();
        if rows.len() >= need && last_value.as_deref() != Some(value) {
            break;
        }
        let id = trailing_id(&k)?;
        let Some(row) = plan.layout.find_row(q.kind, None, id)? else {
            continue;
        };
        if !plan.matches(&row)
            || q.after
                .as_ref()
                .is_some_and(|c| !after(&q.sort, &sort_values(&row, q), row.id, c))
        {
            continue;
        }
        last_value = Some(value.to_vec());
        rows.push(row);
    }
    Ok(Some(page_in_memory(q, rows, None)))
}

/// Reads every row of the kind (cross-workspace queries on workspace-scoped kinds).
fn cross_workspace(plan: &Plan<'_>) -> Result<QueryResult> {
    let mut rows = Vec::new();
    for kv in plan.layout.kind(plan.q.kind).rows.iter() {
        let (k, v) = kv.map_err(|e| storage("scan", e))?;
        let row = Row::decode(trailing_id(&k)?, &v)?;
        if plan.matches(&row) {
            rows.push(row);
        }
    }
    Ok(page_in_memory(plan.q, rows, None))
}

/// Whether an entry passes, reading the row only when needed; returns the row if it was read.
fn admit(
    plan: &Plan<'_>,
    scope: &[u8; 16],
    id: Uuid,
    check: &Check<'_>,
) -> Result<(bool, Option<Row>)> {
    match check {
        Check::Ids { .. } => Ok((check.by_id(&id) == Some(true), None)),
        Check::Rows => match plan.row(scope, id)? {
            Some(r) if plan.matches(&r) => Ok((true, Some(r))),
            _ => Ok((false, None)),
        },
    }
}

/// No sort: rows in id order straight from the row tree, from the cursor on.
fn scan_rows(
    plan: &Plan<'_>,
    scope: &[u8; 16],
    check: &Check<'_>,
    pager: &mut Pager<'_>,
) -> Result<()> {
    let trees = plan.layout.kind(plan.q.kind);
    let start = match &plan.q.after {
        Some(c) => Bound::Excluded(row_key(scope, c.id).to_vec()),
        None => Bound::Included(scope.to_vec()),
    };
    let end = match prefix_end(scope) {
        Some(e) => Bound::Excluded(e),
        None => Bound::Unbounded,
    };
    for kv in trees.rows.range((start, end)) {
        let (k, v) = kv.map_err(|e| storage("scan", e))?;
        let id = trailing_id(&k)?;
        if check.by_id(&id) == Some(false) {
            continue;
        }
        let row = Row::decode(id, &v)?;
        if matches!(check, Check::Rows) && !plan.matches(&row) {
            continue;
        }
        pager.push(&row);
        if pager.full() {
            break;
        }
    }
    Ok(())
}

/// The part of the first sort key's index a walk covers: the whole field, narrowed by filters
/// on that same field that are one contiguous range (`sla_due_at <= now` sorted by
/// `sla_due_at`, due jobs sorted by `due_at`), with the range's size when the probe counted it.
struct Walk {
    /// The field's index prefix.
    prefix: Vec<u8>,
    lo: Vec<u8>,
    hi: Option<Vec<u8>>,
    /// How many entries the range holds, when known.
    size: Option<u64>,
}

/// The smaller of two exclusive upper bounds (`None` is unbounded).
fn min_end(a: Option<Vec<u8>>, b: Option<Vec<u8>>) -> Option<Vec<u8>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, None) => a,
        (None, b) => b,
    }
}

impl Walk {
    fn new(scope: &[u8; 16], field: usize, sources: &[Source<'_>], sizes: &[Option<u64>]) -> Walk {
        let prefix = field_prefix(scope, field);
        let mut walk = Walk {
            lo: prefix.clone(),
            hi: prefix_end(&prefix),
            prefix,
            size: None,
        };
        for (s, size) in sources.iter().zip(sizes) {
            if s.field != Some(field) {
                continue;
            }
            let [(lo, hi)] = s.ranges.as_slice() else {
                continue;
            };
            walk.lo = walk.lo.max(lo.clone());
            walk.hi = min_end(walk.hi.take(), hi.clone());
            if let Some(n) = size {
                walk.size = Some(walk.size.map_or(*n, |m| m.min(*n)));
            }
        }
        walk
    }
}

/// With a sort: walk the first sort key's index (within `walk`) in its direction, one group of
/// equal values at a time. Returns `false` when it gave up after visiting `budget` index keys.
fn scan_sorted(
    plan: &Plan<'_>,
    scope: &[u8; 16],
    walk: &Walk,
    first: SortKey,
    check: &Check<'_>,
    pager: &mut Pager<'_>,
    budget: u64,
) -> Result<bool> {
    let q = plan.q;
    let fp = &walk.prefix;
    // The cursor narrows the walk further: everything before its first value is behind us.
    let cursor_first = q.after.as_ref().map(|c| {
        let mut k = fp.clone();
        k.extend_from_slice(&encoded(&c.values[0]));
        k
    });
    let (lo, hi) = match (cursor_first, first.descending) {
        (Some(c), false) => (walk.lo.clone().max(c), walk.hi.clone()),
        (Some(c), true) => (walk.lo.clone(), min_end(walk.hi.clone(), prefix_end(&c))),
        (None, _) => (walk.lo.clone(), walk.hi.clone()),
    };
    if hi.as_ref().is_some_and(|h| *h <= lo) {
        return Ok(true);
    }
    let upper = match &hi {
        Some(h) => Bound::Excluded(h.as_slice()),
        None => Bound::Unbounded,
    };
    let idx = &plan.layout.kind(q.kind).idx;
    let iter: Box<dyn Iterator<Item = sled::Result<sled::IVec>>> = if first.descending {
        Box::new(Descending::new(idx, lo, hi))
    } else {
        Box::new(
            idx.range::<&[u8], _>((Bound::Included(lo.as_slice()), upper))
                .keys(),
        )
    };

    let mut group_value: Option<Vec<u8>> = None;
    let mut group: Vec<(Uuid, Option<Row>)> = Vec::new();
    let mut visited = 0u64;
    for k in iter {
        let k = k.map_err(|e| storage("index scan", e))?;
        visited += 1;
        if visited > budget {
            return Ok(false);
        }
        let id = trailing_id(&k)?;
        let value = k
            .get(fp.len()..k.len() - 16)
            .ok_or_else(|| gopimi_core::Error::internal_msg("sled store: short index key"))?;
        if group_value.as_deref() != Some(value) {
            flush_group(plan, scope, group_value.as_deref(), &mut group, pager)?;
            if pager.full() {
                return Ok(true);
            }
            group_value = Some(value.to_vec());
        }
        let (ok, row) = admit(plan, scope, id, check)?;
        if ok {
            group.push((id, row));
        }
    }
    flush_group(plan, scope, group_value.as_deref(), &mut group, pager)?;
    Ok(true)
}

/// Orders one group of equal first-key values by the remaining keys and id, drops what the
/// cursor already covered, and pages the rest.
fn flush_group(
    plan: &Plan<'_>,
    scope: &[u8; 16],
    value: Option<&[u8]>,
    group: &mut Vec<(Uuid, Option<Row>)>,
    pager: &mut Pager<'_>,
) -> Result<()> {
    let q = plan.q;
    if group.is_empty() {
        return Ok(());
    }
    let Some(value) = value else {
        group.clear();
        return Ok(());
    };
    let first = Reader::new(value).value()?;
    let needs_rows = q.sort.len() > 1;
    let mut members: Vec<(Vec<Value>, Uuid, Option<Row>)> = Vec::with_capacity(group.len());
    for (id, row) in group.drain(..) {
        let row = match row {
            Some(r) => Some(r),
            None if needs_rows => match plan.row(scope, id)? {
                Some(r) => Some(r),
                None => continue,
            },
            None => None,
        };
        let values = match &row {
            Some(r) if needs_rows => sort_values(r, q),
            _ => vec![first.clone()],
        };
        members.push((values, id, row));
    }
    members.sort_by(|a, b| compare_keys(&q.sort, (&a.0, a.1), (&b.0, b.1)));
    for (values, id, row) in members {
        if pager.full() {
            break;
        }
        if let Some(c) = &q.after
            && !after(&q.sort, &values, id, c)
        {
            continue;
        }
        if pager.skip > 0 {
            pager.skip -= 1;
            continue;
        }
        let row = match row {
            Some(r) => r,
            None => match plan.row(scope, id)? {
                Some(r) => r,
                None => continue,
            },
        };
        pager.push(&row);
    }
    Ok(())
}

/// The keys of `[lo, hi)` from the highest down.
///
/// sled 0.34's reverse iterator can panic ("fucked up tree traversal") when a key next to a node
/// boundary holds a run of more than four `0xFF` bytes. The codec keeps numbers free of such
/// runs, but UUID bytes are random; so each reverse step runs under `catch_unwind`, and if sled
/// panics the rest of the range is read forward (which is not affected) and handed out
/// backwards. Correct either way; the fallback only costs memory for the rest of the range.
pub(crate) struct Descending<'t> {
    tree: &'t sled::Tree,
    lo: Vec<u8>,
    hi: Option<Vec<u8>>,
    iter: Option<sled::Iter>,
    /// The last key handed out: where the fallback resumes.
    last: Option<sled::IVec>,
    fallback: Vec<sled::IVec>,
}

impl<'t> Descending<'t> {
    pub(crate) fn new(tree: &'t sled::Tree, lo: Vec<u8>, hi: Option<Vec<u8>>) -> Self {
        let upper = match &hi {
            Some(h) => Bound::Excluded(h.clone()),
            None => Bound::Unbounded,
        };
        let iter = tree.range((Bound::Included(lo.clone()), upper));
        Descending {
            tree,
            lo,
            hi,
            iter: Some(iter),
            last: None,
            fallback: Vec::new(),
        }
    }

    fn read_rest_forward(&mut self) -> sled::Result<()> {
        let upper = match (&self.last, &self.hi) {
            (Some(k), _) => Bound::Excluded(k.to_vec()),
            (None, Some(h)) => Bound::Excluded(h.clone()),
            (None, None) => Bound::Unbounded,
        };
        for k in self
            .tree
            .range((Bound::Included(self.lo.clone()), upper))
            .keys()
        {
            self.fallback.push(k?);
        }
        Ok(())
    }
}

impl Iterator for Descending<'_> {
    type Item = sled::Result<sled::IVec>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(iter) = &mut self.iter {
            match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| iter.next_back())) {
                Ok(Some(Ok((k, _)))) => {
                    self.last = Some(k.clone());
                    return Some(Ok(k));
                }
                Ok(Some(Err(e))) => return Some(Err(e)),
                Ok(None) => {
                    self.iter = None;
                    return None;
                }
                Err(_) => {
                    self.iter = None;
                    if let Err(e) = self.read_rest_forward() {
                        return Some(Err(e));
                    }
                }
            }
        }
        self.fallback.pop().map(Ok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Thousands of keys sharing a value with a long `0xFF` run (like many rows holding the same
    /// negative number in a fixed-width two's-complement encoding), then keys of the next value:
    /// whole leaves start above the `[0xFF; 4]` seek key sled uses to step back over the
    /// separator `..80`, so sled's own reverse walk loops and panics. The guarded walk must still
    /// be complete and in order.
    #[test]
    fn descending_walk_is_complete_where_sled_reverse_iteration_panics() {
        let db = sled::Config::new().temporary(true).open().expect("sled");
        let tree = db.open_tree("t").expect("tree");
        let mut keys = Vec::new();
        for i in 0..5_000u32 {
            let mut a = vec![1u8, 2, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];
            a.extend_from_slice(&i.to_be_bytes());
            let mut b = vec![1u8, 2, 0x80];
            b.extend_from_slice(&i.to_be_bytes());
            for k in [a, b] {
                tree.insert(&k, &[]).expect("insert");
                keys.push(k);
            }
        }
        tree.insert([1u8, 1, 0xFF], &[])
            .expect("insert below the range");
        tree.insert([1u8, 3], &[]).expect("insert above the range");
        keys.sort();
        keys.reverse();

        let raw = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            tree.range(vec![1u8, 2]..vec![1u8, 3]).rev().count()
        }));
        assert!(raw.is_err(), "this tree trips sled's reverse iteration");

        let got: Vec<Vec<u8>> = Descending::new(&tree, vec![1, 2], Some(vec![1, 3]))
            .map(|k| k.expect("key").to_vec())
            .collect();
        assert_eq!(got.len(), keys.len());
        assert!(got == keys, "descending order");
    }
}
