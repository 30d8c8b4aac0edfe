//! The composition root's one choice of storage: the database URL's scheme picks the backend,
//! here and nowhere else; everything after works on `Arc<dyn Store>`.
//!
//! Backends are behind cargo features of this crate (`sqlite` by default, `postgres`, `mysql`,
//! `sled`); a URL whose backend was not compiled in is refused with the feature to enable.
//! `memory://` keeps everything in memory (nothing survives a restart): for tests and demos.

use gopimi_core::store::{MemoryStore, Store};
use gopimi_core::{Error, Result};
use std::sync::Arc;

/// Which backend a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// `memory://`
    Memory,
    /// `sqlite://PATH`
    Sqlite,
    /// `postgres://...` or `postgresql://...`
    Postgres,
    /// `mysql://...` or `mariadb://...`
    MySql,
    /// `sled://PATH`
    Sled,
}

impl Backend {
    /// The backend of a database URL.
    pub fn of(url: &str) -> Result<Backend> {
        let scheme = url
            .split_once(':')
            .map(|(s, _)| s.to_ascii_lowercase())
            .unwrap_or_default();
        match scheme.as_str() {
            "memory" => Ok(Backend::Memory),
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            "mysql" | "mariadb" => Ok(Backend::MySql),
            "sled" => Ok(Backend::Sled),
            _ => Err(Error::validation(
                "database_url",
                "unknown database URL scheme (expected sqlite://, postgres://, mysql://, sled:// or memory://)",
            )),
        }
    }

    /// The cargo feature that compiles this backend in.
    pub fn feature(self) -> &'static str {
        match self {
            Backend::Memory => "(always available)",
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
            Backend::MySql => "mysql",
            Backend::Sled => "sled",
        }
    }
}

/// What was opened.
pub struct OpenedStore {
    /// The store.
    pub store: Arc<dyn Store>,
    /// Its backend.
    pub backend: Backend,
}

impl std::fmt::Debug for OpenedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenedStore")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

/// Opens the store a URL names and brings its schema up to date.
pub async fn open(url: &str) -> Result<OpenedStore> {
    let backend = Backend::of(url)?;
    let store: Arc<dyn Store> = match backend {
        Backend::Memory => Arc::new(MemoryStore::new()),
        #[cfg(feature = "sled")]
        Backend::Sled => Arc::new(open_sled(url).await?),
        #[cfg(feature = "sqlite")]
        Backend::Sqlite => {
            if let Ok(path) = path_of(url) {
                create_parent(&path).await?;
            }
            gopimi_store_sql::connect(url).await?
        }
        #[cfg(feature = "postgres")]
        Backend::Postgres => gopimi_store_sql::connect(url).await?,
        #[cfg(feature = "mysql")]
        Backend::MySql => gopimi_store_sql::connect(url).await?,
        // Unreachable when every backend is compiled in.
        #[allow(unreachable_patterns)]
        other => {
            return Err(Error::validation(
                "database_url",
                format!(
                    "this gopimi was built without the {0} backend; rebuild with `--features {0}`",
                    other.feature()
                ),
            ));
        }
    };
    Ok(OpenedStore { store, backend })
}

/// The path of a `sled://PATH` URL (`sled://./data/sled`, `sled:///var/lib/gopimi`).
pub fn path_of(url: &str) -> Result<std::path::PathBuf> {
    let path = url
        .split_once("://")
        .map(|(_, p)| p)
        .filter(|p| !p.is_empty())
        .ok_or_else(|| Error::validation("database_url", "the URL names no path"))?;
    Ok(std::path::PathBuf::from(path))
}

/// Creates the folder a file-backed database lives in (`./data` on the embedded default).
#[cfg(feature = "sqlite")]
async fn create_parent(path: &std::path::Path) -> Result<()> {
    // `sqlite::memory:` and `sqlite://:memory:` name no file.
    if path.as_os_str().is_empty() || path.to_string_lossy().contains(":memory:") {
        return Ok(());
    }
    let file = path.to_string_lossy();
    let file = file.split('?').next().unwrap_or_default();
    if let Some(parent) = std::path::Path::new(file)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
    {
        tokio::fs::create_dir_all(parent)
            .await
            .map_err(|e| Error::unavailable(format!("folder {}", parent.display()), e))?;
    }
    Ok(())
}

#[cfg(feature = "sled")]
async fn open_sled(url: &str) -> Result<gopimi_store_sled::SledStore> {
    let path = path_of(url)?;
    // Opening waits for the directory lock of a process that is shutting down: off the runtime.
    tokio::task::spawn_blocking(move || {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| Error::unavailable(format!("folder {}", parent.display()), e))?;
        }
        gopimi_store_sled::SledStore::open(&path)
    })
    .await
    .map_err(|e| Error::internal("opening the sled store", e))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_pick_backends() {
        assert_eq!(
            Backend::of("sqlite://./data/gopimi.db").ok(),
            Some(Backend::Sqlite)
        );
        assert_eq!(
            Backend::of("postgresql://u@h/db").ok(),
            Some(Backend::Postgres)
        );
        assert_eq!(Backend::of("mariadb://u@h/db").ok(), Some(Backend::MySql));
        assert_eq!(Backend::of("sled://./data/sled").ok(), Some(Backend::Sled));
        assert_eq!(Backend::of("memory://").ok(), Some(Backend::Memory));
        assert!(Backend::of("redis://x").is_err());
        assert!(Backend::of("no scheme").is_err());
    }

    #[test]
    fn paths_come_from_the_url() {
        assert_eq!(
            path_of("sled://./data/sled").ok(),
            Some(std::path::PathBuf::from("./data/sled"))
        );
        assert_eq!(
            path_of("sqlite:///var/lib/gopimi.db").ok(),
            Some(std::path::PathBuf::from("/var/lib/gopimi.db"))
        );
        assert!(path_of("sled://").is_err());
    }
}
