//! The list response shape: `{"data": [...], "meta": {"page", "per_page", "total", "last_page"}}`.
//!
//! List *parameters* (`page`, `per_page`, `search`, `sort`, `with`, filters) are parsed by the
//! core's own parsers (`TicketQuery::parse`, `PageRequest::parse`, ...), handed the query string
//! as pairs ([`super::QueryPairs`]), so their names, bounds and error messages live in one place
//! and an embedding app gets the same rules; a bad value is a 422 naming the parameter.

use serde::Serialize;

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
    fn last_page_rounds_up() {
        assert_eq!(PageMeta::new(1, 25, 0).last_page, 1);
        assert_eq!(PageMeta::new(1, 25, 25).last_page, 1);
        assert_eq!(PageMeta::new(1, 25, 26).last_page, 2);
    }
}
