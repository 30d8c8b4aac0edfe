//! Opening a directory: refusing what is not ours, marking what we create.
//!
//! A store directory holds sled's own files (`conf`, `db`, and `blobs/`, `snap.*` over time).
//! Opening:
//! - a path that exists but is not a directory is refused;
//! - a missing path or an empty directory becomes a new store, marked at once (and flushed) in
//!   the `gopimi:meta` tree with the engine name and our format version;
//! - a non-empty directory without sled's `conf` and `db` is refused as foreign (sled itself
//!   would happily start a new database among someone else's files);
//! - a sled database without our marker is refused as foreign, and one marked with a newer
//!   format than this build reads is refused rather than misread;
//! - sled's own failures to open (a damaged `conf` or log, a lock held by another process) come
//!   back as errors. sled 0.34 can panic on some damaged logs instead of failing; opening runs
//!   under `catch_unwind` so that too becomes an error, not a crash of the caller.
//!
//! A store dropped a moment ago in this process may still hold the directory's lock: sled
//! finishes its last log writes on its own I/O threads, which keep the file open for a few
//! milliseconds after the last handle is gone. Opening therefore retries a held lock for up to
//! [`LOCK_WAIT`] before reporting it (as `Unavailable`: another process is using the store).

use crate::layout::storage;
use gopimi_core::{Error, Result};
use std::path::Path;

/// The store format this build writes and the newest it opens. Format 2 added the
/// all-workspace index of cross-workspace fields (the SLA sweep's due tickets); a format 1
/// store is upgraded in place when opened.
pub const STORE_FORMAT: u8 = 2;

const ENGINE: &[u8] = b"gopimi-store-sled";
const KEY_ENGINE: &[u8] = b"engine";
const KEY_FORMAT: &[u8] = b"format";

fn refuse(path: &Path, why: impl std::fmt::Display) -> Error {
    Error::internal_msg(format!(
        "sled store: refusing to open {}: {why}",
        path.display()
    ))
}

/// Checks what is at `path`; returns whether a new store will be created there.
pub fn inspect(path: &Path) -> Result<bool> {
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(e) => Err(Error::unavailable(
            format!("sled store: cannot read {}", path.display()),
            e,
        )),
        Ok(m) if !m.is_dir() => Err(refuse(path, "it is not a directory")),
        Ok(_) => {
            let entries = std::fs::read_dir(path).map_err(|e| {
                Error::unavailable(format!("sled store: cannot list {}", path.display()), e)
            })?;
            let mut names = Vec::new();
            for e in entries {
                let e = e.map_err(|e| {
                    Error::unavailable(format!("sled store: cannot list {}", path.display()), e)
                })?;
                names.push(e.file_name());
            }
            if names.is_empty() {
                return Ok(true);
            }
            let has = |n: &str| names.iter().any(|x| x == n) && path.join(n).is_file();
            if has("conf") && has("db") {
                Ok(false)
            } else {
                Err(refuse(
                    path,
                    "the directory is not empty and holds no sled database",
                ))
            }
        }
    }
}

/// How long opening waits for a directory lock that is being released.
pub const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

fn lock_held(e: &sled::Error) -> bool {
    matches!(e, sled::Error::Io(io) if io.to_string().contains("could not acquire lock"))
}

/// Opens sled with its failures (and panics) turned into errors.
pub fn open_db(path: &Path, config: sled::Config) -> Result<sled::Db> {
    let started = std::time::Instant::now();
    let opened = loop {
        let attempt = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| config.open()));
        match attempt {
            Ok(Err(e)) if lock_held(&e) && started.elapsed() < LOCK_WAIT => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => break other,
        }
    };
    match opened {
        Ok(Ok(db)) => Ok(db),
        Ok(Err(sled::Error::Io(e))) => Err(Error::unavailable(
            format!("sled store: cannot open {}", path.display()),
            e,
        )),
        Ok(Err(e)) => Err(refuse(path, format!("sled could not read it ({e})"))),
        Err(_) => Err(refuse(path, "sled failed reading it (damaged database)")),
    }
}

/// Marks a new store, or checks the marker of an existing one; returns the format the store
/// was written in.
pub fn check_marker(path: &Path, meta: &sled::Tree, fresh: bool) -> Result<u8> {
    let engine = meta
        .get(KEY_ENGINE)
        .map_err(|e| storage("read marker", e))?;
    match engine {
        None if fresh && meta.is_empty() => {
            meta.insert(KEY_ENGINE, ENGINE)
                .map_err(|e| storage("write marker", e))?;
            meta.insert(KEY_FORMAT, &[STORE_FORMAT])
                .map_err(|e| storage("write marker", e))?;
            meta.flush().map_err(|e| storage("flush marker", e))?;
            Ok(STORE_FORMAT)
        }
        None => Err(refuse(path, "it is a sled database not written by gopimi")),
        Some(e) if e.as_ref() != ENGINE => {
            Err(refuse(path, "it is a sled database not written by gopimi"))
        }
        Some(_) => {
            let format = meta
                .get(KEY_FORMAT)
                .map_err(|e| storage("read marker", e))?
                .and_then(|v| v.first().copied())
                .ok_or_else(|| refuse(path, "its format marker is missing"))?;
            if format > STORE_FORMAT {
                return Err(refuse(
                    path,
                    format!(
                        "it was written by a newer gopimi (store format {format}; this build reads up to {STORE_FORMAT})"
                    ),
                ));
            }
            Ok(format)
        }
    }
}

/// Records that the store now holds `STORE_FORMAT` (after an upgrade).
pub fn mark_current(meta: &sled::Tree) -> Result<()> {
    meta.insert(KEY_FORMAT, &[STORE_FORMAT])
        .map_err(|e| storage("write marker", e))?;
    meta.flush().map_err(|e| storage("flush marker", e))?;
    Ok(())
}

/// Overwrites the format marker (tests of the newer-format refusal).
#[cfg(test)]
pub fn set_format(meta: &sled::Tree, format: u8) -> Result<()> {
    meta.insert(KEY_FORMAT, &[format])
        .map_err(|e| storage("write marker", e))?;
    meta.flush().map_err(|e| storage("flush marker", e))?;
    Ok(())
}
