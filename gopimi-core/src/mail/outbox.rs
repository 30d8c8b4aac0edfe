//! A mail sender that writes each sent message as an `.eml` file into a folder: the default
//! when no provider is configured (`GOPIMI_OUTBOX_DIR`, default `./data/outbox`), and a way to
//! read what the system sent during development and tests.
//!
//! File names sort in send order: `<UTC time, microseconds>-<sequence>-<message id>.eml`. The
//! time never goes backwards within a process (a clock step back reuses the last time and the
//! sequence orders), and the sequence orders messages sent within one microsecond. Files are
//! written to a temporary name and renamed, so a reader never sees half a message.
//!
//! The envelope (which BCC recipients got it) is not part of MIME; it is recorded in two
//! headers prepended to the file, `X-Gopimi-Envelope-From` and `X-Gopimi-Envelope-To`.

use super::ports::{MailSender, OutgoingEmail, SendReceipt};
use crate::clock::{Clock, SystemClock};
use crate::error::{Error, Result};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::Mutex;

/// Default folder when `GOPIMI_OUTBOX_DIR` is not set.
pub const DEFAULT_OUTBOX_DIR: &str = "./data/outbox";

/// Writes sent mail to a folder.
#[derive(Clone)]
pub struct OutboxSender {
    dir: PathBuf,
    clock: Arc<dyn Clock>,
    state: Arc<Mutex<(DateTime<Utc>, u64)>>,
}

impl std::fmt::Debug for OutboxSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboxSender")
            .field("dir", &self.dir)
            .finish()
    }
}

impl OutboxSender {
    /// An outbox in `dir`, created if missing.
    pub fn new(dir: impl Into<PathBuf>) -> Result<Self> {
        Self::with_clock(dir, Arc::new(SystemClock))
    }

    /// An outbox that names files by `clock`'s time.
    pub fn with_clock(dir: impl Into<PathBuf>, clock: Arc<dyn Clock>) -> Result<Self> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)
            .map_err(|e| Error::unavailable(format!("outbox folder {}", dir.display()), e))?;
        Ok(OutboxSender {
            dir,
            clock,
            state: Arc::new(Mutex::new((DateTime::<Utc>::MIN_UTC, 0))),
        })
    }

    /// The outbox named by `GOPIMI_OUTBOX_DIR`, or `./data/outbox`.
    pub fn from_env() -> Result<Self> {
        let dir = std::env::var_os("GOPIMI_OUTBOX_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_OUTBOX_DIR));
        Self::new(dir)
    }

    /// The folder written to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The `.eml` files in send order.
    pub fn files(&self) -> Result<Vec<PathBuf>> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .map_err(|e| Error::unavailable("outbox folder", e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        files.sort();
        Ok(files)
    }

    fn next_name(&self, message_id: &str) -> String {
        let now = self.clock.now();
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let time = if now > state.0 { now } else { state.0 };
        state.0 = time;
        state.1 += 1;
        let seq = state.1;
        drop(state);
        format!(
            "{}-{:06}-{}.eml",
            time.format("%Y%m%dT%H%M%S%.6fZ"),
            seq,
            safe_name(message_id)
        )
    }
}

/// A Message-Id as a file name part: letters, digits, `.`, `-`, `_`, `@`; at most 80 chars.
fn safe_name(message_id: &str) -> String {
    let s: String = message_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@') {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect();
    if s.is_empty() {
        "message".to_string()
    } else {
        s
    }
}

fn envelope_line(value: &str) -> String {
    value.chars().filter(|c| !c.is_control()).collect()
}

#[async_trait]
impl MailSender for OutboxSender {
    async fn send(&self, email: &OutgoingEmail) -> Result<SendReceipt> {
        let name = self.next_name(&email.message_id);
        let mut content = Vec::with_capacity(email.mime.len() + 200);
        content.extend_from_slice(b"X-Gopimi-Envelope-From: ");
        content.extend_from_slice(envelope_line(&email.from).as_bytes());
        content.extend_from_slice(b"\r\nX-Gopimi-Envelope-To: ");
        content.extend_from_slice(envelope_line(&email.recipients.join(", ")).as_bytes());
        content.extend_from_slice(b"\r\n");
        content.extend_from_slice(&email.mime);

        let final_path = self.dir.join(&name);
        let temp_path = self.dir.join(format!(".{name}.tmp"));
        tokio::fs::write(&temp_path, &content)
            .await
            .map_err(|e| Error::unavailable("outbox write", e))?;
        if let Err(e) = tokio::fs::rename(&temp_path, &final_path).await {
            let _ = tokio::fs::remove_file(&temp_path).await;
            return Err(Error::unavailable("outbox rename", e));
        }
        Ok(SendReceipt {
            provider_message_id: Some(format!("outbox:{name}")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    fn email(id: &str) -> OutgoingEmail {
        OutgoingEmail {
            from: "help@desk.example".into(),
            recipients: vec!["a@x.example".into(), "hidden@x.example".into()],
            mime: format!("Message-ID: <{id}>\r\nSubject: t\r\n\r\nbody\r\n").into_bytes(),
            message_id: id.into(),
        }
    }

    #[tokio::test]
    async fn files_sort_in_send_order_even_when_the_clock_steps_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let start = DateTime::parse_from_rfc3339("2024-05-01T10:00:00Z")
            .expect("date")
            .with_timezone(&Utc);
        let clock = ManualClock::new(start);
        let outbox = OutboxSender::with_clock(dir.path().join("out"), Arc::new(clock.clone()))
            .expect("outbox");
        let mut receipts = Vec::new();
        for (i, step) in [0i64, 0, -5, 3].iter().enumerate() {
            clock.advance(chrono::Duration::seconds(*step));
            receipts.push(
                outbox
                    .send(&email(&format!("m{i}/x@desk.example")))
                    .await
                    .expect("sent"),
            );
        }
        let files = outbox.files().expect("files");
        assert_eq!(files.len(), 4);
        for (i, f) in files.iter().enumerate() {
            let content = std::fs::read_to_string(f).expect("read");
            assert!(
                content.contains(&format!("Message-ID: <m{i}/x@desk.example>")),
                "{content}"
            );
            assert!(content.starts_with("X-Gopimi-Envelope-From: help@desk.example\r\nX-Gopimi-Envelope-To: a@x.example, hidden@x.example\r\n"));
            let name = f.file_name().and_then(|n| n.to_str()).expect("name");
            assert!(
                name.ends_with(&format!("m{i}_x@desk.example.eml")),
                "{name}"
            );
            assert_eq!(
                receipts[i].provider_message_id.as_deref(),
                Some(format!("outbox:{name}").as_str())
            );
        }
        // No temporary files are left behind.
        let all = std::fs::read_dir(outbox.dir()).expect("dir").count();
        assert_eq!(all, 4);
    }
}
