//! Cross-crate end-to-end tests live in this package's `tests/` folder.
