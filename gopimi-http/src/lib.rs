//! The gopimi REST API (axum), background workers and the `gopimi` server binary. Being built: see ARCHITECTURE.md.
