//! sled storage for gopimi: an embedded key-value store passing the same conformance suite. Being built: see ARCHITECTURE.md.
