//! The blob port: attachment bytes and raw inbound mail, kept outside the record store.
//!
//! Keys are chosen by the core (`raw/<yyyy>/<mm>/<id>.eml`, `att/<workspace>/<id>`) and are
//! plain relative paths of `[A-Za-z0-9._-]` segments; a backend may rely on that.

use crate::error::{Error, Result};
use async_trait::async_trait;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Where bytes live.
#[async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// Stores bytes under a key, durably, replacing any previous value.
    async fn put(&self, key: &str, bytes: &[u8]) -> Result<()>;
    /// The bytes under a key, or `None`.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>>;
    /// Removes a key; removing a missing key is not an error.
    async fn delete(&self, key: &str) -> Result<()>;
}

/// Checks a key is a safe relative path.
pub fn validate_key(key: &str) -> Result<()> {
    let ok = !key.is_empty()
        && key.len() <= 512
        && key.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
        });
    if ok {
        Ok(())
    } else {
        Err(Error::validation(
            "key",
            format!("invalid blob key '{key}'"),
        ))
    }
}

/// Blobs as files under a root folder. Writes go to a temporary file that is synced and then
/// renamed into place, so a crash never leaves a half-written blob under its key.
#[derive(Debug, Clone)]
pub struct FsBlobStore {
    root: PathBuf,
}

impl FsBlobStore {
    /// A store rooted at `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        FsBlobStore { root: root.into() }
    }

    /// The root folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path(&self, key: &str) -> Result<PathBuf> {
        validate_key(key)?;
        Ok(self.root.join(key))
    }
}

fn io_err(what: String) -> impl FnOnce(std::io::Error) -> Error {
    move |e| Error::unavailable(what, e)
}

#[async_trait]
impl BlobStore for FsBlobStore {
    async fn put(&self, key: &str, bytes: &[u8]) -> Result<()> {
        let path = self.path(key)?;
        let dir = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| self.root.clone());
        let bytes = bytes.to_vec();
        tokio::task::spawn_blocking(move || -> Result<()> {
            use std::io::Write;
            std::fs::create_dir_all(&dir)
                .map_err(io_err(format!("blob folder {}", dir.display())))?;
            let tmp = dir.join(format!(".tmp-{}", uuid::Uuid::now_v7()));
            let mut f = std::fs::File::create(&tmp).map_err(io_err("blob write".into()))?;
            f.write_all(&bytes).map_err(io_err("blob write".into()))?;
            f.sync_data().map_err(io_err("blob sync".into()))?;
            std::fs::rename(&tmp, &path).map_err(io_err("blob rename".into()))?;
            Ok(())
        })
        .await
        .map_err(|e| Error::internal("blob write task", e))?
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        let path = self.path(key)?;
        match tokio::fs::read(&path).await {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::unavailable("blob read", e)),
        }
    }

    async fn delete(&self, key: &str) -> Result<()> {
        let path = self.path(key)?;
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::unavailable("blob delete", e)),
        }
    }
}

/// Blobs in memory, for tests and examples.
#[derive(Debug, Default)]
pub struct MemoryBlobStore {
    blobs: Mutex<HashMap<String, Vec<u8>>>,
}

impl MemoryBlobStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many blobs are stored.
    pub fn len(&self) -> usize {
        self.blobs.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Whether no blob is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[async_trait]
impl BlobStore for MemoryBlobStore {
    async fn put(&self, key: &str, bytes: &[u8]) -> Result<()> {
        validate_key(key)?;
        self.blobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key.to_owned(), bytes.to_vec());
        Ok(())
    }
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        validate_key(key)?;
        Ok(self
            .blobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .cloned())
    }
    async fn delete(&self, key: &str) -> Result<()> {
        validate_key(key)?;
        self.blobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(key);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn fs_blob_round_trips_and_refuses_traversal() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = FsBlobStore::new(dir.path());
        store.put("raw/2026/a.eml", b"hello").await.expect("put");
        assert_eq!(
            store.get("raw/2026/a.eml").await.expect("get"),
            Some(b"hello".to_vec())
        );
        assert_eq!(store.get("raw/none").await.expect("get"), None);
        store.delete("raw/2026/a.eml").await.expect("delete");
        assert_eq!(store.get("raw/2026/a.eml").await.expect("get"), None);
        assert!(store.put("../etc/passwd", b"x").await.is_err());
        assert!(store.put("/abs", b"x").await.is_err());
    }
}
