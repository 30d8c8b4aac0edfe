//! Runnable examples of embedding gopimi: `cargo run --example <name>`.
