//! Several gopimi processes on one PostgreSQL database share the job queue without doing any
//! job twice: three `gopimi worker --drain` processes race over the same queue of inbound
//! mail, and every message becomes exactly one ticket and exactly one notification email.
//!
//! Runs when `GOPIMI_TEST_POSTGRES_URL` names a database (each run in a fresh schema);
//! otherwise it says that it did not run.

#![cfg(feature = "postgres")]

mod common;

use gopimi_core::blob::FsBlobStore;
use gopimi_core::clock::SystemClock;
use gopimi_core::mail::InboundEmail;
use gopimi_core::model::Purpose;
use gopimi_core::pipeline::{InboundLimits, ingest};
use gopimi_core::service::{Caller, Helpdesk, NewWorkspaceEmail, Registration};
use gopimi_core::store::{Kind, Query, StoreExt};
use std::process::Command;
use std::sync::Arc;

const BIN: &str = env!("CARGO_BIN_EXE_gopimi");
const MAILS: usize = 40;
const WORKERS: usize = 3;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_worker_processes_share_the_queue_and_do_each_job_once() {
    let Some(admin_url) = std::env::var("GOPIMI_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("GOPIMI_TEST_POSTGRES_URL is not set: the multi-process test did not run");
        return;
    };
    let schema = common::PgSchema::create(&admin_url).await;
    let url = schema.url();
    let dir = tempfile::tempdir().expect("tempdir");
    let outbox = dir.path().join("outbox");

    // The workspace and its mail, written through the library as an ingesting server would.
    let opened = gopimi_http::backend::open(&url).await.expect("open");
    let blobs = FsBlobStore::new(dir.path().join("blobs"));
    let hd = Helpdesk::builder(opened.store.clone())
        .blobs(Arc::new(blobs.clone()))
        .build();
    let (owner, _) = hd
        .register(Registration::new(
            "Olga",
            "olga@acme.test",
            "correct horse battery",
        ))
        .await
        .expect("owner");
    let owner = Caller::User(owner.id);
    let ws = hd.create_workspace(&owner, "Acme").await.expect("ws");
    hd.create_workspace_email(
        &owner,
        ws.id,
        NewWorkspaceEmail::new("support@acme.test", Purpose::Ticket),
    )
    .await
    .expect("email");
    for i in 0..MAILS {
        let raw = format!(
            "From: Customer {i} <c{i}@customer.test>\r\nTo: support@acme.test\r\nSubject: Question {i}\r\nMessage-ID: <mp-{i}@customer.test>\r\n\r\nHello {i}\r\n"
        );
        ingest(
            opened.store.as_ref(),
            &blobs,
            &SystemClock,
            InboundEmail {
                raw: raw.into_bytes(),
                recipient: "support@acme.test".into(),
                sender: None,
                provider: "test".into(),
                provider_key: None,
                spam: Default::default(),
                received_at: None,
            },
            &InboundLimits::default(),
        )
        .await
        .expect("ingest");
    }

    // Three processes drain the queue at once.
    let children: Vec<_> = (0..WORKERS)
        .map(|_| {
            Command::new(BIN)
                .args(["worker", "--drain"])
                .env("GOPIMI_DATABASE_URL", &url)
                .env("GOPIMI_DATA_DIR", dir.path())
                .env("GOPIMI_OUTBOX_DIR", &outbox)
                .env(
                    "GOPIMI_MESSAGE_ID_SECRET",
                    "a secret every process shares, 32+ bytes",
                )
                .env("GOPIMI_SLA_SWEEP_SECONDS", "0")
                .env_remove("MAILGUN_API_KEY")
                .env_remove("MAILGUN_WEBHOOK_SIGNING_KEY")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn worker")
        })
        .collect();
    let mut succeeded = 0;
    for child in children {
        let out = tokio::task::spawn_blocking(move || child.wait_with_output())
            .await
            .expect("join")
            .expect("worker ran");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let line = text
            .lines()
            .find(|l| l.starts_with("drained:"))
            .unwrap_or_else(|| panic!("no report: {text}"));
        assert!(line.ends_with("0 retried, 0 dead"), "{line}");
        let n: usize = line
            .split(", ")
            .find_map(|p| p.strip_suffix(" succeeded"))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("unreadable report: {line}"));
        succeeded += n;
    }

    // Each mail: one inbound job and one notification job, each done once.
    assert_eq!(succeeded, 2 * MAILS, "jobs done across the processes");
    let tickets = opened
        .store
        .count(&Query::new(Kind::Ticket, Some(ws.id.0)))
        .await
        .expect("count");
    assert_eq!(tickets, MAILS as u64, "one ticket per mail");
    let left = opened
        .store
        .count(&Query::new(Kind::Job, None))
        .await
        .expect("count");
    assert_eq!(left, 0, "the queue is empty");
    let sent = std::fs::read_dir(&outbox)
        .expect("outbox")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "eml"))
        })
        .count();
    assert_eq!(sent, MAILS, "one notification email per ticket, none twice");
    drop(opened);
    drop(schema);
}
