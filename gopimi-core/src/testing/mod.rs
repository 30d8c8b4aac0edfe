//! The storage conformance suite: the one judge of whether a [`Store`] behaves like the port
//! says ([`crate::store::query`], [`crate::store::batch`], [`crate::store::schema`]).
//!
//! Every store crate runs the whole suite with one macro call in a test file, giving a factory
//! that makes a fresh, empty store per case:
//!
//! ```no_run
//! // tests/conformance.rs of a store crate, with `gopimi-core = { features = ["testing"] }`
//! // in its dev-dependencies.
//! gopimi_core::conformance_tests!(async || gopimi_core::store::MemoryStore::new());
//! ```
//!
//! That expands to one `#[test]` per case, named `conformance_<theme>_<case>` (so
//! `cargo test -- --list` shows every case, `cargo test conformance_search` runs a theme, and a
//! failure names its case). Each test builds its own tokio runtime, calls the factory, and runs
//! the case. Cases that race writers run on a multi-threaded runtime; the others on a
//! current-thread one, unless the call names a flavor for all:
//! `conformance_tests!(flavor = "multi_thread", factory)`.
//!
//! The factory is anything callable with no arguments that returns a future (an `async fn`, an
//! async closure, a closure returning an async block) whose output is a store or an
//! `Option` of one ([`IntoTestStore`]). `None` skips the case with a message, for a backend whose
//! server is not configured. Paths in the factory resolve where the macro is called. The macro
//! defines an item named `__gopimi_conformance_store` there, so a crate that runs the suite
//! against several configurations calls it once per module.
//!
//! To run cases another way (a loop, a benchmark, a custom harness), [`CASES`] lists every case
//! with its name, runtime flavor and function, and [`run_case`] runs one by name.
//!
//! What the suite assumes of a store, so SQL stores may be strict: the factory's store is empty;
//! every row the suite writes belongs to an existing workspace and every id it points to names a
//! row written before (a store may declare foreign keys); rows are deleted before the rows they
//! point to, or purged with their workspace. What it does not assume: any order without a sort,
//! search semantics beyond prefix-of-word on words of four or more letters that are not
//! stopwords, or any error message beyond a conflict naming its unique key.
//!
//! The cases are grouped by theme, one file each; [`sample`] holds the builders and helpers that
//! keep them short.

pub mod batch;
pub mod counts;
pub mod due;
pub mod errors;
pub mod filters;
pub mod get_many;
pub mod housekeeping;
pub mod isolation;
pub mod jobs;
pub mod pagination;
pub mod purge;
pub mod roundtrip;
pub mod sample;
pub mod search;
pub mod sets;
pub mod sla_bench;
pub mod sort;
pub mod store_bench;
pub mod uniques;
pub mod versions;
pub mod visibility;
pub mod webhooks;

use crate::store::Store;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// A case's future.
pub type CaseFuture = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// A case: runs one behaviour against a fresh store and panics when the store misbehaves.
pub type CaseFn = fn(Arc<dyn Store>) -> CaseFuture;

/// The tokio runtime a case runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// One thread: deterministic, enough for every case that does not race writers.
    CurrentThread,
    /// Four worker threads: writers and claimers really run at once.
    MultiThread,
}

impl Flavor {
    /// The flavor named as in `#[tokio::test(flavor = "...")]`: `current_thread` or
    /// `multi_thread`. Panics on another name (it is a typo in a test file).
    pub fn named(name: &str) -> Flavor {
        match name {
            "current_thread" => Flavor::CurrentThread,
            "multi_thread" => Flavor::MultiThread,
            other => panic!("unknown runtime flavor {other:?}: use current_thread or multi_thread"),
        }
    }

    fn runtime(self) -> tokio::runtime::Runtime {
        let mut builder = match self {
            Flavor::CurrentThread => tokio::runtime::Builder::new_current_thread(),
            Flavor::MultiThread => {
                let mut b = tokio::runtime::Builder::new_multi_thread();
                b.worker_threads(4);
                b
            }
        };
        builder
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("building a {self:?} tokio runtime failed: {e}"))
    }
}

/// One conformance case.
#[derive(Debug, Clone, Copy)]
pub struct Case {
    /// The test name, `conformance_<theme>_<case>`.
    pub name: &'static str,
    /// The runtime it needs.
    pub flavor: Flavor,
    /// The case itself.
    pub run: CaseFn,
}

/// What a store factory may return: a store, or `None` to skip (a backend that is not
/// configured in this environment).
pub trait IntoTestStore {
    /// The store to test, if any.
    fn into_test_store(self) -> Option<Arc<dyn Store>>;
}

impl<S: Store> IntoTestStore for S {
    fn into_test_store(self) -> Option<Arc<dyn Store>> {
        Some(Arc::new(self))
    }
}

impl<S: Store> IntoTestStore for Option<S> {
    fn into_test_store(self) -> Option<Arc<dyn Store>> {
        self.map(|s| Arc::new(s) as Arc<dyn Store>)
    }
}

/// The case of that name.
pub fn case(name: &str) -> Option<&'static Case> {
    CASES.iter().find(|c| c.name == name)
}

/// Runs the named case on a fresh store from `factory`, on the case's runtime flavor or the one
/// given. Panics (fails the test) when the case fails or no case has that name.
pub fn run_case<F, Fut>(name: &str, flavor: Option<Flavor>, factory: F)
where
    F: FnOnce() -> Fut,
    Fut: Future,
    Fut::Output: IntoTestStore,
{
    let case = case(name).unwrap_or_else(|| panic!("no conformance case is named {name}"));
    let runtime = flavor.unwrap_or(case.flavor).runtime();
    runtime.block_on(async move {
        match factory().await.into_test_store() {
            Some(store) => (case.run)(store).await,
            None => eprintln!("{name}: did not run: the store factory returned no store"),
        }
    });
}

/// Expands to one `#[test]` per conformance case, each running on a fresh store from the
/// factory. See the [`testing`](crate::testing) module docs.
///
/// Forms: `conformance_tests!(factory)`, `conformance_tests!(flavor = "multi_thread", factory)`
/// or `conformance_tests!(factory, flavor = "current_thread")`.
#[macro_export]
macro_rules! conformance_tests {
    (@with $flavor:expr, $factory:expr) => {
        #[allow(dead_code)]
        async fn __gopimi_conformance_store() -> impl $crate::testing::IntoTestStore {
            ($factory)().await
        }
        $crate::__gopimi_conformance_cases! { tests $flavor }
    };
    (flavor = $flavor:literal, $factory:expr $(,)?) => {
        $crate::conformance_tests!(@with ::core::option::Option::Some(
            $crate::testing::Flavor::named($flavor)
        ), $factory);
    };
    ($factory:expr, flavor = $flavor:literal $(,)?) => {
        $crate::conformance_tests!(@with ::core::option::Option::Some(
            $crate::testing::Flavor::named($flavor)
        ), $factory);
    };
    ($factory:expr $(,)?) => {
        $crate::conformance_tests!(@with ::core::option::Option::None, $factory);
    };
}

/// Emits the case list into [`__gopimi_conformance_emit`]: the one place that lists every case.
#[doc(hidden)]
#[macro_export]
macro_rules! __gopimi_conformance_cases {
    ($($mode:tt)*) => {
        $crate::__gopimi_conformance_emit! { [$($mode)*]
            conformance_roundtrip_accounts = roundtrip::accounts (CurrentThread);
            conformance_roundtrip_tickets = roundtrip::tickets (CurrentThread);
            conformance_roundtrip_inbox = roundtrip::inbox (CurrentThread);
            conformance_roundtrip_contacts = roundtrip::contacts (CurrentThread);
            conformance_roundtrip_settings = roundtrip::settings (CurrentThread);
            conformance_roundtrip_system = roundtrip::system (CurrentThread);
            conformance_roundtrip_times_keep_microseconds = roundtrip::times_keep_microseconds (CurrentThread);
            conformance_roundtrip_unicode_text = roundtrip::unicode_text (CurrentThread);
            conformance_roundtrip_large_body = roundtrip::large_body (CurrentThread);
            conformance_roundtrip_body_verbatim = roundtrip::body_verbatim (CurrentThread);
            conformance_roundtrip_uuid_values = roundtrip::uuid_values (CurrentThread);

            conformance_isolation_get = isolation::get (CurrentThread);
            conformance_isolation_get_many = isolation::get_many (CurrentThread);
            conformance_isolation_query_and_count = isolation::query_and_count (CurrentThread);
            conformance_isolation_search = isolation::search (CurrentThread);
            conformance_isolation_update = isolation::update (CurrentThread);
            conformance_isolation_delete = isolation::delete (CurrentThread);
            conformance_isolation_require = isolation::require (CurrentThread);
            conformance_isolation_global_rows_by_workspace = isolation::global_rows_by_workspace (CurrentThread);
            conformance_isolation_lookup_across_workspaces = isolation::lookup_across_workspaces (CurrentThread);
            conformance_isolation_get_by_id_across_workspaces = isolation::get_by_id_across_workspaces (CurrentThread);

            conformance_uniques_message_id_per_workspace = uniques::message_id_per_workspace (CurrentThread);
            conformance_uniques_contact_email_per_workspace = uniques::contact_email_per_workspace (CurrentThread);
            conformance_uniques_tag_name_per_workspace = uniques::tag_name_per_workspace (CurrentThread);
            conformance_uniques_workspace_email_address_global = uniques::workspace_email_address_global (CurrentThread);
            conformance_uniques_domain_name_global = uniques::domain_name_global (CurrentThread);
            conformance_uniques_user_email_global = uniques::user_email_global (CurrentThread);
            conformance_uniques_global_kind_keys = uniques::global_kind_keys (CurrentThread);
            conformance_uniques_composite_key = uniques::composite_key (CurrentThread);
            conformance_uniques_nulls_never_collide = uniques::nulls_never_collide (CurrentThread);
            conformance_uniques_update_onto_taken_key = uniques::update_onto_taken_key (CurrentThread);
            conformance_uniques_update_keeps_own_key = uniques::update_keeps_own_key (CurrentThread);
            conformance_uniques_freed_by_delete = uniques::freed_by_delete (CurrentThread);
            conformance_uniques_freed_by_update = uniques::freed_by_update (CurrentThread);
            conformance_uniques_freed_earlier_in_batch = uniques::freed_earlier_in_batch (CurrentThread);
            conformance_uniques_duplicate_within_batch = uniques::duplicate_within_batch (CurrentThread);

            conformance_versions_count_writes = versions::count_writes (CurrentThread);
            conformance_versions_stale_update_conflicts = versions::stale_update_conflicts (CurrentThread);
            conformance_versions_stale_delete_conflicts = versions::stale_delete_conflicts (CurrentThread);
            conformance_versions_two_writers_one_wins = versions::two_writers_one_wins (MultiThread);
            conformance_versions_concurrent_increments = versions::concurrent_increments (MultiThread);

            conformance_batch_late_conflict_rolls_back = batch::late_conflict_rolls_back (CurrentThread);
            conformance_batch_late_unique_violation_rolls_back = batch::late_unique_violation_rolls_back (CurrentThread);
            conformance_batch_late_not_found_rolls_back = batch::late_not_found_rolls_back (CurrentThread);
            conformance_batch_rollback_leaves_no_index_entries = batch::rollback_leaves_no_index_entries (CurrentThread);
            conformance_batch_later_ops_see_earlier_ops = batch::later_ops_see_earlier_ops (CurrentThread);
            conformance_batch_empty_batch = batch::empty_batch (CurrentThread);
            conformance_batch_purge_rolls_back = batch::purge_rolls_back (CurrentThread);

            conformance_visibility_ticket_trash = visibility::ticket_trash (CurrentThread);
            conformance_visibility_ticket_spam = visibility::ticket_spam (CurrentThread);
            conformance_visibility_conversations_and_messages = visibility::conversations_and_messages (CurrentThread);

            conformance_filters_eq_each_type = filters::eq_each_type (CurrentThread);
            conformance_filters_ne_skips_null = filters::ne_skips_null (CurrentThread);
            conformance_filters_in_list = filters::in_list (CurrentThread);
            conformance_filters_int_ranges = filters::int_ranges (CurrentThread);
            conformance_filters_time_ranges = filters::time_ranges (CurrentThread);
            conformance_filters_text_ranges_byte_order = filters::text_ranges_byte_order (CurrentThread);
            conformance_filters_null_operand_matches_nothing = filters::null_operand_matches_nothing (CurrentThread);
            conformance_filters_is_null_and_not_null = filters::is_null_and_not_null (CurrentThread);
            conformance_filters_text_equality_is_exact = filters::text_equality_is_exact (CurrentThread);
            conformance_filters_combine_with_and = filters::combine_with_and (CurrentThread);

            conformance_sets_contains_tag = sets::contains_tag (CurrentThread);
            conformance_sets_contains_follows_writes = sets::contains_follows_writes (CurrentThread);

            conformance_search_prefix_of_word = search::prefix_of_word (CurrentThread);
            conformance_search_every_word_must_match = search::every_word_must_match (CurrentThread);
            conformance_search_case_insensitive = search::case_insensitive (CurrentThread);
            conformance_search_ignores_unindexed_text = search::ignores_unindexed_text (CurrentThread);
            conformance_search_with_filters_and_sort = search::with_filters_and_sort (CurrentThread);
            conformance_search_short_words_ignored = search::short_words_ignored (CurrentThread);
            conformance_search_follows_updates_and_deletes = search::follows_updates_and_deletes (CurrentThread);
            conformance_search_counts_and_pages = search::counts_and_pages (CurrentThread);
            conformance_search_unicode_words = search::unicode_words (CurrentThread);
            conformance_search_every_searchable_kind = search::every_searchable_kind (CurrentThread);
            conformance_search_rows_without_search_text = search::rows_without_search_text (CurrentThread);

            conformance_sort_int = sort::int (CurrentThread);
            conformance_sort_text_byte_order = sort::text_byte_order (CurrentThread);
            conformance_sort_time = sort::time (CurrentThread);
            conformance_sort_boolean = sort::boolean (CurrentThread);
            conformance_sort_nulls_first_ascending = sort::nulls_first_ascending (CurrentThread);
            conformance_sort_multiple_keys = sort::multiple_keys (CurrentThread);
            conformance_sort_ties_broken_by_id = sort::ties_broken_by_id (CurrentThread);
            conformance_sort_default_is_id_order = sort::default_is_id_order (CurrentThread);

            conformance_due_sla_due_across_workspaces = due::sla_due_across_workspaces (CurrentThread);
            conformance_housekeeping_removes_only_what_is_spent = housekeeping::removes_only_what_is_spent (CurrentThread);

            conformance_pagination_offset_pages_with_totals = pagination::offset_pages_with_totals (CurrentThread);
            conformance_pagination_past_the_end_and_limit_zero = pagination::past_the_end_and_limit_zero (CurrentThread);
            conformance_pagination_cursor_ascending = pagination::cursor_ascending (CurrentThread);
            conformance_pagination_cursor_descending = pagination::cursor_descending (CurrentThread);
            conformance_pagination_cursor_through_nulls = pagination::cursor_through_nulls (CurrentThread);
            conformance_pagination_cursor_mixed_directions = pagination::cursor_mixed_directions (CurrentThread);
            conformance_pagination_cursor_from_deleted_row = pagination::cursor_from_deleted_row (CurrentThread);
            conformance_pagination_cursor_with_filter = pagination::cursor_with_filter (CurrentThread);

            conformance_counts_total_ignores_paging = counts::total_ignores_paging (CurrentThread);
            conformance_counts_total_follows_filters_and_search = counts::total_follows_filters_and_search (CurrentThread);
            conformance_counts_empty_counts_zero = counts::empty_counts_zero (CurrentThread);

            conformance_jobs_due_only = jobs::due_only (CurrentThread);
            conformance_jobs_oldest_due_first = jobs::oldest_due_first (CurrentThread);
            conformance_jobs_queue_filter = jobs::queue_filter (CurrentThread);
            conformance_jobs_claim_leases_the_job = jobs::claim_leases_the_job (CurrentThread);
            conformance_jobs_expired_lease_is_reclaimed = jobs::expired_lease_is_reclaimed (CurrentThread);
            conformance_jobs_completion_after_lost_lease = jobs::completion_after_lost_lease (CurrentThread);
            conformance_jobs_retry_waits_for_its_time = jobs::retry_waits_for_its_time (CurrentThread);
            conformance_jobs_dead_jobs_stay = jobs::dead_jobs_stay (CurrentThread);
            conformance_jobs_claims_span_workspaces = jobs::claims_span_workspaces (CurrentThread);
            conformance_jobs_concurrent_claimers = jobs::concurrent_claimers (MultiThread);

            conformance_webhooks_head_of_line = webhooks::head_of_line (CurrentThread);

            conformance_purge_removes_only_that_workspace = purge::removes_only_that_workspace (CurrentThread);
            conformance_purge_frees_unique_keys = purge::frees_unique_keys (CurrentThread);
            conformance_purge_clears_indexes = purge::clears_indexes (CurrentThread);
            conformance_purge_empty_workspace = purge::empty_workspace (CurrentThread);

            conformance_get_many_existing_rows_once = get_many::existing_rows_once (CurrentThread);
            conformance_get_many_thousands_of_ids = get_many::thousands_of_ids (CurrentThread);
            conformance_get_many_kinds_never_mix = get_many::kinds_never_mix (CurrentThread);

            conformance_errors_update_missing_is_not_found = errors::update_missing_is_not_found (CurrentThread);
            conformance_errors_delete_missing_is_not_found = errors::delete_missing_is_not_found (CurrentThread);
            conformance_errors_insert_existing_id_conflicts = errors::insert_existing_id_conflicts (CurrentThread);
            conformance_errors_require_semantics = errors::require_semantics (CurrentThread);
            conformance_errors_invalid_queries_refused = errors::invalid_queries_refused (CurrentThread);
            conformance_errors_inconsistent_records_refused = errors::inconsistent_records_refused (CurrentThread);
            conformance_errors_ping_and_flush = errors::ping_and_flush (CurrentThread);
        }
    };
}

/// Turns the case list into tests (`[tests <flavor>]`) or into [`CASES`] (`[cases]`).
#[doc(hidden)]
#[macro_export]
macro_rules! __gopimi_conformance_emit {
    ([tests $flavor:expr] $($name:ident = $module:ident :: $case:ident ($fl:ident);)*) => {
        $(
            #[test]
            fn $name() {
                $crate::testing::run_case(
                    ::core::stringify!($name),
                    $flavor,
                    __gopimi_conformance_store,
                );
            }
        )*
    };
    ([cases] $($name:ident = $module:ident :: $case:ident ($fl:ident);)*) => {
        /// Every conformance case, in the order of the themes.
        pub static CASES: &[$crate::testing::Case] = &[
            $(
                $crate::testing::Case {
                    name: ::core::stringify!($name),
                    flavor: $crate::testing::Flavor::$fl,
                    run: |store| ::std::boxed::Box::pin($crate::testing::$module::$case(store)),
                },
            )*
        ];
    };
}

__gopimi_conformance_cases! { cases }

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_names_are_unique_and_say_conformance() {
        let mut names = std::collections::HashSet::new();
        for c in CASES {
            assert!(c.name.starts_with("conformance_"), "{}", c.name);
            assert!(names.insert(c.name), "duplicate case {}", c.name);
        }
        assert!(CASES.len() >= 60, "the suite has {} cases", CASES.len());
    }
}
