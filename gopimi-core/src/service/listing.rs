//! Lists: pages, sorting and the parsing of list parameters shared by every list call.
//!
//! Pages are numbered from 1; `per_page` defaults to 25 and is capped at 100 (a larger value is
//! clamped rather than refused, as most list APIs do). A sort is a comma-separated list of field
//! names, each optionally prefixed with `-` for descending; each list declares which names it
//! accepts and the projected field each maps to.

use crate::error::{Error, Result};
use crate::store::{Entity, Query, SortKey, Store, StoreExt};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

/// Default page size.
pub const DEFAULT_PER_PAGE: u32 = 25;
/// Largest page size.
pub const MAX_PER_PAGE: u32 = 100;

/// Which page to return.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRequest {
    /// From 1.
    pub page: u32,
    /// 1 to 100.
    pub per_page: u32,
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest {
            page: 1,
            per_page: DEFAULT_PER_PAGE,
        }
    }
}

impl PageRequest {
    /// A page, validated: page 0 or per_page 0 is a validation error, per_page above 100 is
    /// clamped to 100.
    pub fn new(page: u32, per_page: u32) -> Result<Self> {
        if page == 0 {
            return Err(Error::validation("page", "pages are numbered from 1"));
        }
        if per_page == 0 {
            return Err(Error::validation("per_page", "must be at least 1"));
        }
        Ok(PageRequest {
            page,
            per_page: per_page.min(MAX_PER_PAGE),
        })
    }

    /// Parses `?page=` and `?per_page=` as given (either may be absent).
    pub fn parse(page: Option<&str>, per_page: Option<&str>) -> Result<Self> {
        let num = |field: &str, v: Option<&str>, default: u32| -> Result<u32> {
            match v.map(str::trim) {
                None | Some("") => Ok(default),
                Some(s) => s.parse::<u32>().map_err(|_| {
                    Error::validation(field, format!("'{s}' is not a positive number"))
                }),
            }
        };
        PageRequest::new(
            num("page", page, 1)?,
            num("per_page", per_page, DEFAULT_PER_PAGE)?,
        )
    }

    /// Rows to skip.
    pub fn offset(&self) -> u64 {
        u64::from(self.page.saturating_sub(1)) * u64::from(self.per_page)
    }

    /// Applies this page to a query.
    pub fn apply(&self, q: Query) -> Query {
        q.offset(self.offset()).limit(self.per_page)
    }
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    /// The rows of this page.
    pub items: Vec<T>,
    /// This page's number, from 1.
    pub page: u32,
    /// The page size.
    pub per_page: u32,
    /// All matching rows.
    pub total: u64,
    /// The last page's number (1 when there are no rows).
    pub last_page: u32,
}

impl<T> Page<T> {
    /// A page of `items` out of `total`.
    pub fn new(items: Vec<T>, req: PageRequest, total: u64) -> Self {
        let per = u64::from(req.per_page.max(1));
        let last = total.div_ceil(per).max(1);
        Page {
            items,
            page: req.page,
            per_page: req.per_page,
            total,
            last_page: u32::try_from(last).unwrap_or(u32::MAX),
        }
    }

    /// The same page with each item transformed.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            page: self.page,
            per_page: self.per_page,
            total: self.total,
            last_page: self.last_page,
        }
    }
}

/// Reads one page of a query.
pub(crate) async fn fetch_page<E: Entity>(
    store: &dyn Store,
    query: Query,
    req: PageRequest,
) -> Result<Page<E>> {
    let (items, total) = store.find_page::<E>(&req.apply(query)).await?;
    Ok(Page::new(items, req, total))
}

/// Reads every row of a query, a few hundred at a time, in id order. For cascades (deleting a
/// tag from every ticket) and exports.
pub(crate) async fn fetch_all<E: Entity>(store: &dyn Store, mut query: Query) -> Result<Vec<E>> {
    const CHUNK: u32 = 500;
    query.sort.clear();
    query.limit = CHUNK;
    query.offset = 0;
    let mut out: Vec<E> = Vec::new();
    loop {
        let rows = store.query(&query).await?.rows;
        let n = rows.len();
        let last = rows.last().map(|r| r.id);
        for r in &rows {
            out.push(r.decode()?);
        }
        match last {
            Some(id) if n == CHUNK as usize => {
                query.after = Some(crate::store::Cursor {
                    values: Vec::new(),
                    id,
                });
            }
            _ => return Ok(out),
        }
    }
}

/// Parses `?sort=`: comma-separated names from `allowed` (API name, projected field), each
/// optionally prefixed with `-`. Empty input gives `default`.
pub fn parse_sort(
    input: Option<&str>,
    allowed: &[(&str, &'static str)],
    default: &[SortKey],
) -> Result<Vec<SortKey>> {
    let Some(input) = input.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(default.to_vec());
    };
    let mut keys = Vec::new();
    for part in input.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (descending, name) = match part.strip_prefix('-') {
            Some(n) => (true, n),
            None => (false, part.strip_prefix('+').unwrap_or(part)),
        };
        let field = allowed
            .iter()
            .find(|(api, _)| *api == name)
            .map(|(_, f)| *f)
            .ok_or_else(|| {
                let names: Vec<&str> = allowed.iter().map(|(a, _)| *a).collect();
                Error::validation(
                    "sort",
                    format!("cannot sort by '{name}' (one of: {})", names.join(", ")),
                )
            })?;
        keys.push(SortKey { field, descending });
    }
    if keys.len() > 3 {
        return Err(Error::validation("sort", "at most three sort fields"));
    }
    Ok(keys)
}

/// Parses a date bound of `?date_from=` / `?date_to=`: an RFC 3339 time, or a `YYYY-MM-DD`
/// day (the start of the day for a lower bound, the end of the day for an upper bound).
pub fn parse_date_bound(field: &str, input: &str, upper: bool) -> Result<DateTime<Utc>> {
    let s = input.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
        Error::validation(
            field,
            format!("'{s}' is neither a date (YYYY-MM-DD) nor an RFC 3339 time"),
        )
    })?;
    let time = if upper {
        NaiveTime::from_hms_micro_opt(23, 59, 59, 999_999)
    } else {
        NaiveTime::from_hms_opt(0, 0, 0)
    }
    .ok_or_else(|| Error::internal_msg("constant time of day out of range"))?;
    Ok(day.and_time(time).and_utc())
}

/// Parses an id parameter (`?contact_id=`).
pub fn parse_id<T: std::str::FromStr>(field: &str, input: &str) -> Result<T> {
    input
        .trim()
        .parse::<T>()
        .map_err(|_| Error::validation(field, format!("'{}' is not a valid id", input.trim())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_clamp_and_count() {
        let req = PageRequest::new(2, 500).expect("valid");
        assert_eq!(req.per_page, 100);
        assert_eq!(req.offset(), 100);
        assert!(PageRequest::new(0, 10).is_err());
        let p: Page<u8> = Page::new(vec![], PageRequest::default(), 51);
        assert_eq!(p.last_page, 3);
        let p: Page<u8> = Page::new(vec![], PageRequest::default(), 0);
        assert_eq!(p.last_page, 1);
        assert!(matches!(
            PageRequest::parse(Some("x"), None),
            Err(Error::Validation { field, .. }) if field == "page"
        ));
    }

    #[test]
    fn sort_names_are_checked() {
        let allowed = [("created_at", "created_at"), ("subject", "subject_sort")];
        let keys = parse_sort(Some("-created_at,subject"), &allowed, &[]).expect("valid");
        assert_eq!(
            keys,
            vec![SortKey::desc("created_at"), SortKey::asc("subject_sort")]
        );
        assert!(matches!(
            parse_sort(Some("password"), &allowed, &[]),
            Err(Error::Validation { field, .. }) if field == "sort"
        ));
    }

    #[test]
    fn day_bounds_cover_the_whole_day() {
        let from = parse_date_bound("date_from", "2024-03-01", false).expect("date");
        let to = parse_date_bound("date_to", "2024-03-01", true).expect("date");
        assert!(to > from);
        assert_eq!((to - from).num_hours(), 23);
        assert!(parse_date_bound("date_to", "yesterday", true).is_err());
    }
}
