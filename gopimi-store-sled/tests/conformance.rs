//! The shared storage conformance suite on sled: one test per case, each on a fresh temporary
//! database (its own directory, deleted afterwards).

#![cfg(feature = "sled")]

gopimi_core::conformance_tests!(async || {
    gopimi_store_sled::SledStore::temporary().expect("a temporary sled store")
});
