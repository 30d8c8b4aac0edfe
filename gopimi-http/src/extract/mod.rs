//! Request extractors and response shapes shared by every route.

pub mod json;
pub mod list;
pub mod path;

pub use json::Json;
pub use list::{PageMeta, Paged};
pub use path::{Path, Query, QueryPairs};
