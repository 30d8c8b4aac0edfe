//! The storage conformance suite against the in-memory reference store.

use gopimi_core::store::MemoryStore;

gopimi_core::conformance_tests!(async || MemoryStore::new());
