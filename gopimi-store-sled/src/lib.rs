//! # gopimi-store-sled
//!
//! An embedded gopimi store on [sled](https://docs.rs/sled/0.34.7): one directory, no SQL,
//! the same [`gopimi_core::store::Store`] port and conformance suite as the SQL stores.
//!
//! ```no_run
//! # #[cfg(feature = "sled")]
//! # async fn demo() -> gopimi_core::Result<()> {
//! use gopimi_core::store::Store;
//! let store = gopimi_store_sled::SledStore::open("/var/lib/gopimi/db")?;
//! // ... hand `store` to the core ...
//! store.flush().await?; // on clean shutdown
//! # Ok(()) }
//! ```
//!
//! ## Behind the `sled` feature, and why
//!
//! sled 0.34.7 (2021) is the only stable sled release and is **unmaintained**; it depends on
//! `fxhash` (RUSTSEC-2025-0057, unmaintained) and `instant` (RUSTSEC-2024-0384, unmaintained).
//! Everything here sits behind this crate's `sled` feature, which is on by default so that
//! `cargo test` in the workspace runs the suite on sled; depend on the crate with
//! `default-features = false` (as the workspace does) to keep sled out of a build. The stored
//! format is our own (`row.rs`, `codec.rs`, `layout.rs`) around the core's JSON bodies, so
//! moving to another engine later is a data migration (read every row, write it as a `Record`),
//! not a rewrite.
//!
//! ## Layout, queries, writes
//!
//! - `layout.rs`: a tree per kind keyed `scope ++ id` (a workspace's rows are one range), plus
//!   per kind an index tree (every projected field, set members, the workspace of global kinds),
//!   a unique-key tree, a search-token tree and an id → workspace tree.
//! - `read.rs`: queries run off those indexes with a small cost model (documented there);
//!   search is a token index with prefix range scans, never a scan of every row.
//! - `write.rs`: a batch is validated under a single-writer lock and committed as one sled
//!   transaction across the trees it touches.
//! - `store.rs`: the single writer, the read gate that makes a batch visible all at once, and
//!   which calls run on tokio's blocking pool.
//!
//! The shared conformance suite (`gopimi_core::testing`) runs on this store in
//! `tests/conformance.rs`, a temporary database per case; `src/tests/differential.rs` replays
//! random batches and queries against the reference `MemoryStore` under planner constants that
//! force every plan.
//!
//! ## sled 0.34's reverse iteration
//!
//! sled 0.34.7 can panic while iterating a range backwards when keys next to a node boundary hold
//! long runs of `0xFF` bytes (its predecessor seek appends only four). Descending sorts walk an
//! index backwards, so index keys encode numbers and times as base-128 digits (never `0xFF`), and
//! every backward step runs under `catch_unwind` with a forward-read fallback for the rare
//! random UUID that still carries such a run. Built with `panic = "abort"`, that fallback cannot
//! catch anything; the encoding alone then keeps the known trigger away.
//!
//! ## Durability
//!
//! A committed batch is atomic (all its trees or none) and visible at once, but on disk only
//! after sled's next flush: sled flushes its log every 500 ms by default, so a crash (power
//! loss, `kill -9`) can lose the last half second of commits, never part of one.
//! [`Store::flush`](gopimi_core::store::Store::flush) (call it on clean shutdown) and dropping
//! the last handle of a store both flush everything committed so far.
//!
//! ## Opening
//!
//! [`SledStore::open`] refuses a file, a non-empty directory that holds no sled database, a
//! sled database that gopimi did not create, and one written by a newer store format, with an
//! [`gopimi_core::Error`] saying which (`open.rs`).

#[cfg(feature = "sled")]
mod codec;
#[cfg(feature = "sled")]
mod layout;
#[cfg(feature = "sled")]
mod open;
#[cfg(feature = "sled")]
mod read;
#[cfg(feature = "sled")]
mod row;
#[cfg(feature = "sled")]
mod store;
#[cfg(feature = "sled")]
mod write;

#[cfg(feature = "sled")]
pub use store::SledStore;

#[cfg(all(test, feature = "sled"))]
mod tests;
