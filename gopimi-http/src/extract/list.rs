//! List parameters (`page`, `per_page`, `search`, `sort`, `with` and per-route filters) and the
//! list response shape `{"data": [...], "meta": {"page", "per_page", "total", "last_page"}}`.
//!
//! Parameters are read from the query string by hand rather than through serde so that each bad
//! value becomes a 422 naming its parameter, like a bad body field, instead of a bare 400.

use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;
use uuid::Uuid;

/// Default page size.
pub const DEFAULT_PER_PAGE: u32 = 25;
/// Largest page size.
pub const MAX_PER_PAGE: u32 = 100;

/// The query string of a list request.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    params: BTreeMap<String, String>,
    /// Page number, from 1.
    pub page: u64,
    /// Rows per page, 1..=100.
    pub per_page: u32,
    /// Free-text search, if any.
    pub search: Option<String>,
    /// Sort keys as given: (name, descending).
    pub sort: Vec<(String, bool)>,
    /// Relations to embed (`?with=contact,agent,tags`).
    pub with: BTreeSet<String>,
}

impl ListQuery {
    /// Parses a raw query string.
    pub fn parse(raw: Option<&str>) -> Result<Self, ApiError> {
        let mut params = BTreeMap::new();
        if let Some(raw) = raw {
            for (k, v) in url::form_urlencoded::parse(raw.as_bytes()) {
                params.insert(k.into_owned(), v.into_owned());
            }
        }
        let mut q = ListQuery {
            params,
            page: 1,
            per_page: DEFAULT_PER_PAGE,
            ..ListQuery::default()
        };
        if let Some(p) = q.nonempty("page") {
            q.page = match p.parse::<u64>() {
                Ok(n) if n >= 1 => n,
                _ => return Err(ApiError::field("page", "must be a whole number from 1")),
            };
        }
        if let Some(p) = q.nonempty("per_page") {
            q.per_page = match p.parse::<u32>() {
                Ok(n) if (1..=MAX_PER_PAGE).contains(&n) => n,
                _ => {
                    return Err(ApiError::field(
                        "per_page",
                        format!("must be a whole number from 1 to {MAX_PER_PAGE}"),
                    ));
                }
            };
        }
        q.search = q.nonempty("search").map(str::to_owned);
        if let Some(s) = q.nonempty("sort") {
            q.sort = s
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| match s.strip_prefix('-') {
                    Some(f) => (f.to_owned(), true),
                    None => (s.to_owned(), false),
                })
                .collect();
        }
        if let Some(w) = q.nonempty("with") {
            q.with = w
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect();
        }
        Ok(q)
    }

    fn nonempty(&self, name: &str) -> Option<&str> {
        self.params
            .get(name)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    }

    /// A parameter as text, if given and not empty.
    pub fn text(&self, name: &str) -> Option<String> {
        self.nonempty(name).map(str::to_owned)
    }

    /// A parameter parsed with `FromStr`; a bad value is a 422 on that parameter.
    pub fn parsed<T: FromStr>(&self, name: &str) -> Result<Option<T>, ApiError>
    where
        T::Err: std::fmt::Display,
    {
        match self.nonempty(name) {
            None => Ok(None),
            Some(v) => v
                .parse::<T>()
                .map(Some)
                .map_err(|e| ApiError::field(name, e.to_string())),
        }
    }

    /// A UUID parameter.
    pub fn uuid(&self, name: &str) -> Result<Option<Uuid>, ApiError> {
        match self.nonempty(name) {
            None => Ok(None),
            Some(v) => Uuid::parse_str(v)
                .map(Some)
                .map_err(|_| ApiError::field(name, "must be a UUID")),
        }
    }

    /// A boolean parameter (`true`/`false`/`1`/`0`).
    pub fn boolean(&self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.nonempty(name) {
            None => Ok(None),
            Some("true" | "1") => Ok(Some(true)),
            Some("false" | "0") => Ok(Some(false)),
            Some(_) => Err(ApiError::field(name, "must be true or false")),
        }
    }

    /// A time parameter: RFC 3339, or a date (`YYYY-MM-DD`, read as midnight UTC; with
    /// `end_of_day`, as the last instant of that day so `date_to` includes it).
    pub fn time(&self, name: &str, end_of_day: bool) -> Result<Option<DateTime<Utc>>, ApiError> {
        let Some(v) = self.nonempty(name) else {
            return Ok(None);
        };
        if let Ok(t) = DateTime::parse_from_rfc3339(v) {
            return Ok(Some(t.with_timezone(&Utc)));
        }
        if let Ok(d) = NaiveDate::parse_from_str(v, "%Y-%m-%d") {
            let t = if end_of_day {
                d.and_hms_micro_opt(23, 59, 59, 999_999)
            } else {
                d.and_hms_opt(0, 0, 0)
            };
            if let Some(t) = t {
                return Ok(Some(t.and_utc()));
            }
        }
        Err(ApiError::field(
            name,
            "must be a date (YYYY-MM-DD) or an RFC 3339 time",
        ))
    }

    /// Checks the sort keys against the allowed names; returns them.
    pub fn sort_keys(&self, allowed: &[&str]) -> Result<Vec<(String, bool)>, ApiError> {
        for (name, _) in &self.sort {
            if !allowed.contains(&name.as_str()) {
                return Err(ApiError::field(
                    "sort",
                    format!("cannot sort on '{name}' (allowed: {})", allowed.join(", ")),
                ));
            }
        }
        Ok(self.sort.clone())
    }

    /// Checks `with` against the allowed relations.
    pub fn check_with(&self, allowed: &[&str]) -> Result<(), ApiError> {
        for name in &self.with {
            if !allowed.contains(&name.as_str()) {
                return Err(ApiError::field(
                    "with",
                    format!("cannot embed '{name}' (allowed: {})", allowed.join(", ")),
                ));
            }
        }
        Ok(())
    }

    /// Whether `?with=` names a relation.
    pub fn wants(&self, relation: &str) -> bool {
        self.with.contains(relation)
    }

    /// Offset of the first row of the page.
    pub fn offset(&self) -> u64 {
        (self.page - 1).saturating_mul(u64::from(self.per_page))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ListQuery {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        ListQuery::parse(parts.uri.query())
    }
}

/// Pagination facts of a list response.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct PageMeta {
    /// This page, from 1.
    pub page: u64,
    /// Rows per page.
    pub per_page: u32,
    /// Matching rows over all pages.
    pub total: u64,
    /// The last page (1 when there are no rows).
    pub last_page: u64,
}

impl PageMeta {
    /// Meta for a page of a query with `total` matching rows.
    pub fn new(page: u64, per_page: u32, total: u64) -> Self {
        let per = u64::from(per_page.max(1));
        PageMeta {
            page,
            per_page,
            total,
            last_page: total.div_ceil(per).max(1),
        }
    }
}

/// A list response.
#[derive(Debug, Clone, Serialize)]
pub struct Paged<T> {
    /// The rows of this page.
    pub data: Vec<T>,
    /// Pagination facts.
    pub meta: PageMeta,
}

impl<T> Paged<T> {
    /// A page of rows.
    pub fn new(data: Vec<T>, page: u64, per_page: u32, total: u64) -> Self {
        Paged {
            data,
            meta: PageMeta::new(page, per_page, total),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_defaults_and_bounds() {
        let q = ListQuery::parse(None).expect("empty");
        assert_eq!((q.page, q.per_page), (1, 25));
        let q = ListQuery::parse(Some(
            "page=3&per_page=10&sort=-created_at,number&with=contact,tags",
        ))
        .expect("full");
        assert_eq!(q.offset(), 20);
        assert_eq!(
            q.sort,
            vec![("created_at".into(), true), ("number".into(), false)]
        );
        assert!(q.wants("tags") && !q.wants("agent"));
        assert!(ListQuery::parse(Some("per_page=101")).is_err());
        assert!(ListQuery::parse(Some("page=0")).is_err());
    }

    #[test]
    fn last_page_rounds_up() {
        assert_eq!(PageMeta::new(1, 25, 0).last_page, 1);
        assert_eq!(PageMeta::new(1, 25, 25).last_page, 1);
        assert_eq!(PageMeta::new(1, 25, 26).last_page, 2);
    }

    #[test]
    fn dates_cover_whole_days() {
        let q = ListQuery::parse(Some("date_from=2026-01-02&date_to=2026-01-02")).expect("q");
        let from = q.time("date_from", false).expect("from").expect("some");
        let to = q.time("date_to", true).expect("to").expect("some");
        assert!(to > from);
        assert!(
            ListQuery::parse(Some("date_to=yesterday"))
                .expect("q")
                .time("date_to", true)
                .is_err()
        );
    }
}
