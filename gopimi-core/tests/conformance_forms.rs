//! The other forms of `conformance_tests!`: a named flavor, an `async fn` factory and a factory
//! returning `Option` (what a store crate does when its server may not be configured). Runs the
//! whole suite again on the memory store, every case on a multi-threaded runtime.

use gopimi_core::store::MemoryStore;

async fn fresh_if_configured() -> Option<MemoryStore> {
    Some(MemoryStore::new())
}

mod multi_thread {
    use super::fresh_if_configured;
    gopimi_core::conformance_tests!(flavor = "multi_thread", fresh_if_configured);
}

#[test]
fn a_factory_without_a_store_skips_the_case() {
    gopimi_core::testing::run_case("conformance_roundtrip_accounts", None, || async {
        None::<MemoryStore>
    });
}

#[test]
#[should_panic(expected = "no conformance case is named")]
fn an_unknown_case_name_fails() {
    gopimi_core::testing::run_case("conformance_no_such_case", None, || async {
        MemoryStore::new()
    });
}
