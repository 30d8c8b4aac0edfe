//! The job runner over the memory store with a manual clock: success completes, transient
//! failures retry with backoff, permanent failures and exhausted retries go dead, expired
//! leases are taken over.

use async_trait::async_trait;
use chrono::{Duration, TimeZone, Utc};
use gopimi_core::clock::{Clock, ManualClock};
use gopimi_core::jobs::{JobHandler, JobRunner, job};
use gopimi_core::model::{Job, JobStatus};
use gopimi_core::store::{Filter, Kind, MemoryStore, Query, Store, StoreExt, Value, Writes};
use gopimi_core::{Error, Result};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

struct Scripted {
    calls: AtomicUsize,
    fail_first: usize,
    permanent: bool,
}

#[async_trait]
impl JobHandler for Scripted {
    async fn handle(&self, _job: &Job) -> Result<()> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        if n < self.fail_first {
            if self.permanent {
                return Err(Error::Rejected {
                    reason: "mailbox does not exist".into(),
                });
            }
            return Err(Error::Unavailable {
                what: "provider timed out".into(),
                source: None,
            });
        }
        Ok(())
    }
}

fn setup() -> (Arc<MemoryStore>, ManualClock) {
    let clock = ManualClock::new(
        Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0)
            .single()
            .expect("time"),
    );
    (Arc::new(MemoryStore::new()), clock)
}

async fn enqueue(store: &MemoryStore, clock: &ManualClock, queue: &str) -> Job {
    let mut j = job(queue, &serde_json::json!({"n": 1}), None, clock.now()).expect("job");
    let mut w = Writes::new();
    w.insert(&mut j).expect("encode");
    w.apply(store).await.expect("apply");
    j
}

async fn all_jobs(store: &MemoryStore) -> Vec<Job> {
    store
        .find(&Query::new(Kind::Job, None).limit(1000))
        .await
        .expect("query")
}

#[tokio::test]
async fn successful_job_is_removed() {
    let (store, clock) = setup();
    enqueue(&store, &clock, "mail.send").await;
    let h = Arc::new(Scripted {
        calls: AtomicUsize::new(0),
        fail_first: 0,
        permanent: false,
    });
    let runner =
        JobRunner::new(store.clone(), Arc::new(clock.clone()), "w1").handle("mail.send", h.clone());
    let r = runner.run_once().await.expect("run");
    assert_eq!((r.claimed, r.succeeded), (1, 1));
    assert!(all_jobs(&store).await.is_empty());
    assert_eq!(h.calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn transient_failure_retries_after_backoff() {
    let (store, clock) = setup();
    enqueue(&store, &clock, "mail.send").await;
    let h = Arc::new(Scripted {
        calls: AtomicUsize::new(0),
        fail_first: 2,
        permanent: false,
    });
    let runner =
        JobRunner::new(store.clone(), Arc::new(clock.clone()), "w1").handle("mail.send", h.clone());

    assert_eq!(runner.run_once().await.expect("run").retried, 1);
    let jobs = all_jobs(&store).await;
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].status, JobStatus::Queued);
    assert!(
        jobs[0]
            .last_error
            .as_deref()
            .unwrap_or("")
            .contains("timed out")
    );
    assert!(jobs[0].run_at >= clock.now() + Duration::seconds(10));

    // Not due yet: nothing is claimed.
    assert_eq!(runner.run_once().await.expect("run").claimed, 0);
    clock.advance(Duration::seconds(13));
    assert_eq!(runner.run_once().await.expect("run").retried, 1);
    clock.advance(Duration::seconds(25));
    assert_eq!(runner.run_once().await.expect("run").succeeded, 1);
    assert!(all_jobs(&store).await.is_empty());
    assert_eq!(h.calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn permanent_failure_is_dead_at_once_and_kept() {
    let (store, clock) = setup();
    enqueue(&store, &clock, "mail.send").await;
    let h = Arc::new(Scripted {
        calls: AtomicUsize::new(0),
        fail_first: 1,
        permanent: true,
    });
    let runner =
        JobRunner::new(store.clone(), Arc::new(clock.clone()), "w1").handle("mail.send", h);
    assert_eq!(runner.run_once().await.expect("run").dead, 1);
    let jobs = all_jobs(&store).await;
    assert_eq!(jobs[0].status, JobStatus::Dead);
    assert!(
        jobs[0]
            .last_error
            .as_deref()
            .unwrap_or("")
            .contains("mailbox does not exist")
    );
    clock.advance(Duration::days(2));
    assert_eq!(runner.run_once().await.expect("run").claimed, 0);
}

#[tokio::test]
async fn exhausted_retries_go_dead() {
    let (store, clock) = setup();
    let mut j = enqueue(&store, &clock, "mail.send").await;
    j.max_attempts = 2;
    let mut w = Writes::new();
    w.update(&mut j).expect("encode");
    w.apply(store.as_ref()).await.expect("apply");
    let h = Arc::new(Scripted {
        calls: AtomicUsize::new(0),
        fail_first: 99,
        permanent: false,
    });
    let runner =
        JobRunner::new(store.clone(), Arc::new(clock.clone()), "w1").handle("mail.send", h);
    assert_eq!(runner.run_once().await.expect("run").retried, 1);
    clock.advance(Duration::minutes(5));
    assert_eq!(runner.run_once().await.expect("run").dead, 1);
}

#[tokio::test]
async fn expired_lease_is_claimed_again_by_another_worker() {
    let (store, clock) = setup();
    enqueue(&store, &clock, "inbound.process").await;
    let req = gopimi_core::store::ClaimRequest {
        queues: vec!["inbound.process".into()],
        now: clock.now(),
        lease_until: clock.now() + Duration::minutes(5),
        worker: "crashed".into(),
        limit: 10,
    };
    assert_eq!(store.claim_jobs(&req).await.expect("claim").len(), 1);
    let h = Arc::new(Scripted {
        calls: AtomicUsize::new(0),
        fail_first: 0,
        permanent: false,
    });
    let runner = JobRunner::new(store.clone(), Arc::new(clock.clone()), "w2")
        .handle("inbound.process", h.clone());
    assert_eq!(
        runner.run_once().await.expect("run").claimed,
        0,
        "lease still held"
    );
    clock.advance(Duration::minutes(6));
    assert_eq!(runner.run_once().await.expect("run").succeeded, 1);
    let running = store
        .count(
            &Query::new(Kind::Job, None).filter(Filter::Eq("job_status", Value::from("running"))),
        )
        .await
        .expect("count");
    assert_eq!(running, 0);
}

#[tokio::test]
async fn unknown_queue_is_not_claimed() {
    let (store, clock) = setup();
    enqueue(&store, &clock, "other.queue").await;
    let h = Arc::new(Scripted {
        calls: AtomicUsize::new(0),
        fail_first: 0,
        permanent: false,
    });
    let runner =
        JobRunner::new(store.clone(), Arc::new(clock.clone()), "w1").handle("mail.send", h);
    assert_eq!(runner.run_once().await.expect("run").claimed, 0);
    assert_eq!(all_jobs(&store).await.len(), 1);
}
