//! The job queue: claiming takes due jobs only, oldest due first, from the named queues; a claim
//! leases the job (running, worker, one more attempt); an expired lease makes it claimable again;
//! completion is a delete at the version the worker holds, which fails once the lease was lost
//! and the job re-claimed; retries wait for their time; dead jobs stay put; and concurrent
//! claimers never get the same job.

use super::sample::*;
use crate::model::*;
use crate::store::{ClaimRequest, Kind, Query, Store, StoreExt, Writes};
use chrono::{DateTime, Duration, Utc};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use uuid::Uuid;

fn claim_at(now: DateTime<Utc>, worker: &str, limit: u32) -> ClaimRequest {
    ClaimRequest {
        queues: Vec::new(),
        now,
        lease_until: now + Duration::minutes(5),
        worker: worker.into(),
        limit,
    }
}

async fn claim(s: &dyn Store, req: &ClaimRequest) -> Vec<Job> {
    ok(s.claim_jobs(req).await, "claim_jobs")
}

fn job_ids(jobs: &[Job]) -> Vec<Uuid> {
    jobs.iter().map(|j| j.id.0).collect()
}

async fn enqueue(s: &dyn Store, queue: &str, run_at: DateTime<Utc>) -> Job {
    let mut j = job(queue, run_at);
    put(s, &mut j).await;
    j
}

/// Only jobs whose run time has come are claimed.
pub async fn due_only(store: Arc<dyn Store>) {
    let s = &*store;
    let past = enqueue(s, "mail.send", t(-60)).await;
    let now = enqueue(s, "mail.send", t0()).await;
    let _future = enqueue(s, "mail.send", t_us(1)).await;
    let got = claim(s, &claim_at(t0(), "w1", 10)).await;
    assert_eq!(
        sorted(job_ids(&got)),
        sorted(vec![past.id.0, now.id.0]),
        "due jobs only"
    );
}

/// The oldest due jobs are claimed first, up to the limit; a limit of 0 claims nothing.
pub async fn oldest_due_first(store: Arc<dyn Store>) {
    let s = &*store;
    let mut by_due = Vec::new();
    for secs in [-10, -50, -30, -40, -20] {
        by_due.push((secs, enqueue(s, "mail.send", t(secs)).await.id.0));
    }
    by_due.sort();
    assert!(
        claim(s, &claim_at(t0(), "w0", 0)).await.is_empty(),
        "limit 0"
    );
    let first = claim(s, &claim_at(t0(), "w1", 2)).await;
    assert_eq!(
        job_ids(&first),
        vec![by_due[0].1, by_due[1].1],
        "two oldest, in order"
    );
    let rest = claim(s, &claim_at(t0(), "w2", 10)).await;
    assert_eq!(
        job_ids(&rest),
        by_due[2..].iter().map(|(_, id)| *id).collect::<Vec<_>>(),
        "the rest, oldest first"
    );
}

/// A claim names its queues and gets only their jobs; no queue means every queue.
pub async fn queue_filter(store: Arc<dyn Store>) {
    let s = &*store;
    let send = enqueue(s, "mail.send", t(-3)).await;
    let inbound = enqueue(s, "inbound.process", t(-2)).await;
    let sweep = enqueue(s, "sla.sweep", t(-1)).await;
    let mut req = claim_at(t0(), "w1", 10);
    req.queues = vec!["inbound.process".into(), "sla.sweep".into()];
    let got = claim(s, &req).await;
    assert_eq!(job_ids(&got), vec![inbound.id.0, sweep.id.0]);
    req.queues = vec!["webhook.deliver".into()];
    assert!(claim(s, &req).await.is_empty(), "a queue without jobs");
    let rest = claim(s, &claim_at(t0(), "w2", 10)).await;
    assert_eq!(job_ids(&rest), vec![send.id.0], "every queue");
}

/// A claimed job is running, leased to the worker, has one more attempt and a new version, as
/// stored; while leased nobody else claims it.
pub async fn claim_leases_the_job(store: Arc<dyn Store>) {
    let s = &*store;
    let queued = enqueue(s, "mail.send", t(-1)).await;
    let req = claim_at(t0(), "worker-a", 5);
    let got = claim(s, &req).await;
    assert_eq!(got.len(), 1);
    let claimed = &got[0];
    assert_eq!(claimed.status, JobStatus::Running);
    assert_eq!(claimed.lease_until, Some(req.lease_until));
    assert_eq!(claimed.locked_by.as_deref(), Some("worker-a"));
    assert_eq!(claimed.attempts, queued.attempts + 1);
    assert_eq!(claimed.version, queued.version + 1);
    let stored: Job = load(s, None, queued.id.0).await.expect("job stored");
    assert_eq!(&stored, claimed, "the claim is what is stored");
    let during = claim(s, &claim_at(t(60), "worker-b", 5)).await;
    assert!(
        during.is_empty(),
        "a leased job is not claimed again before the lease ends"
    );
}

/// When the lease expires the job is claimable again, by another worker, with attempts
/// incremented again.
pub async fn expired_lease_is_reclaimed(store: Arc<dyn Store>) {
    let s = &*store;
    let j = enqueue(s, "mail.send", t(-1)).await;
    let first = claim(s, &claim_at(t0(), "worker-a", 1)).await;
    assert_eq!(job_ids(&first), vec![j.id.0]);
    let lease_end = first[0].lease_until.expect("leased");
    assert!(
        claim(s, &claim_at(lease_end - Duration::microseconds(1), "b", 1))
            .await
            .is_empty()
    );
    let second = claim(s, &claim_at(lease_end, "worker-b", 1)).await;
    assert_eq!(
        job_ids(&second),
        vec![j.id.0],
        "claimable at the end of the lease"
    );
    assert_eq!(second[0].attempts, 2);
    assert_eq!(second[0].locked_by.as_deref(), Some("worker-b"));
}

/// Completing (deleting at the held version) after the lease was lost and the job re-claimed is
/// a `Conflict`; the new holder completes it.
pub async fn completion_after_lost_lease(store: Arc<dyn Store>) {
    let s = &*store;
    enqueue(s, "mail.send", t(-1)).await;
    let a = claim(s, &claim_at(t0(), "worker-a", 1)).await.remove(0);
    let b = claim(s, &claim_at(t(600), "worker-b", 1)).await.remove(0);
    assert_eq!(a.id, b.id);
    let mut w = Writes::new();
    w.delete(&a);
    assert_conflict(w.apply(s).await, "completing a job whose lease was lost");
    assert!(
        load::<Job>(s, None, a.id.0).await.is_some(),
        "still there for worker b"
    );
    let mut w = Writes::new();
    w.delete(&b);
    ok(w.apply(s).await, "worker b completes the job");
    assert!(
        load::<Job>(s, None, a.id.0).await.is_none(),
        "completed jobs are gone"
    );
    assert!(
        claim(s, &claim_at(t(7_200), "worker-c", 1))
            .await
            .is_empty()
    );
}

/// A failed attempt re-queued for later is not claimed before its time, then is, with its
/// attempts counted.
pub async fn retry_waits_for_its_time(store: Arc<dyn Store>) {
    let s = &*store;
    enqueue(s, "mail.send", t(-1)).await;
    let mut j = claim(s, &claim_at(t0(), "worker-a", 1)).await.remove(0);
    j.status = JobStatus::Queued;
    j.run_at = t(120);
    j.lease_until = None;
    j.locked_by = None;
    j.last_error = Some("smtp 451 try later".into());
    save(s, &mut j).await;
    assert!(
        claim(s, &claim_at(t(119), "worker-b", 1)).await.is_empty(),
        "before its time"
    );
    let again = claim(s, &claim_at(t(120), "worker-b", 1)).await;
    assert_eq!(job_ids(&again), vec![j.id.0]);
    assert_eq!(again[0].attempts, 2);
    assert_eq!(again[0].last_error.as_deref(), Some("smtp 451 try later"));
}

/// Dead jobs are never claimed, however late it is.
pub async fn dead_jobs_stay(store: Arc<dyn Store>) {
    let s = &*store;
    let mut dead = job("mail.send", t(-600));
    dead.status = JobStatus::Dead;
    dead.attempts = 10;
    dead.last_error = Some("gave up".into());
    put(s, &mut dead).await;
    let live = enqueue(s, "mail.send", t(-1)).await;
    let got = claim(s, &claim_at(t(86_400 * 365), "w", 10)).await;
    assert_eq!(job_ids(&got), vec![live.id.0]);
    let stored: Job = load(s, None, dead.id.0).await.expect("dead job kept");
    assert_eq!(stored, dead, "dead job untouched");
}

/// Claims span workspaces: jobs of any workspace and jobs of none are all claimable.
pub async fn claims_span_workspaces(store: Arc<dyn Store>) {
    let s = &*store;
    let a = new_workspace(s, "JobsA").await;
    let b = new_workspace(s, "JobsB").await;
    let mut ja = job("mail.send", t(-3));
    ja.workspace_id = a.scope();
    let mut jb = job("mail.send", t(-2));
    jb.workspace_id = b.scope();
    let mut free = job("sla.sweep", t(-1));
    for j in [&mut ja, &mut jb, &mut free] {
        put(s, j).await;
    }
    let got = claim(s, &claim_at(t0(), "w", 10)).await;
    assert_eq!(job_ids(&got), vec![ja.id.0, jb.id.0, free.id.0]);
    let scoped: Job = load(s, a.scope(), ja.id.0).await.expect("scoped read");
    assert_eq!(
        scoped.workspace_id,
        a.scope(),
        "the claim keeps the job's workspace"
    );
}

/// Eight claimers race over fifty due jobs, in five rounds: every job is claimed exactly once,
/// by the worker the store says holds it, and then completed by it.
pub async fn concurrent_claimers(store: Arc<dyn Store>) {
    for round in 0..5 {
        claim_race(&store, round).await;
    }
    let left = ok(store.count(&Query::new(Kind::Job, None)).await, "count");
    assert_eq!(left, 0, "every job was completed");
}

async fn claim_race(store: &Arc<dyn Store>, round: u32) {
    const JOBS: usize = 50;
    const CLAIMERS: usize = 8;
    let mut w = Writes::new();
    let mut all = HashSet::new();
    for i in 0..JOBS {
        let mut j = job("mail.send", t(-(i as i64 % 7)));
        w.insert(&mut j).expect("encodes");
        all.insert(j.id.0);
    }
    ok(w.apply(&**store).await, "enqueue fifty jobs");
    let barrier = Arc::new(tokio::sync::Barrier::new(CLAIMERS));
    let mut handles = Vec::new();
    for c in 0..CLAIMERS {
        let store = Arc::clone(store);
        let barrier = Arc::clone(&barrier);
        handles.push(tokio::spawn(async move {
            let worker = format!("round-{round}-worker-{c}");
            let req = claim_at(t0(), &worker, 3);
            barrier.wait().await;
            let mut mine = Vec::new();
            for attempt in 0.. {
                assert!(attempt < 10_000, "{worker} never saw the queue drain");
                let got = store.claim_jobs(&req).await.expect("claim_jobs");
                if got.is_empty() {
                    let queued = store
                        .count(
                            &Query::new(Kind::Job, None)
                                .filter(crate::store::Filter::Eq("job_status", "queued".into())),
                        )
                        .await
                        .expect("count");
                    if queued == 0 {
                        break;
                    }
                    tokio::task::yield_now().await;
                    continue;
                }
                for j in &got {
                    assert_eq!(j.locked_by.as_deref(), Some(worker.as_str()));
                }
                mine.extend(got);
            }
            (worker, mine)
        }));
    }
    let mut owner: HashMap<Uuid, String> = HashMap::new();
    let mut claimed_jobs = Vec::new();
    for h in handles {
        let (worker, mine) = h.await.expect("claimer panicked");
        for j in mine {
            if let Some(first) = owner.insert(j.id.0, worker.clone()) {
                panic!(
                    "round {round}: job {} was claimed by both {first} and {worker}",
                    j.id
                );
            }
            claimed_jobs.push(j);
        }
    }
    let claimed: HashSet<Uuid> = owner.keys().copied().collect();
    assert_eq!(claimed, all, "round {round}: every job was claimed");
    let mut done = Writes::new();
    for j in &claimed_jobs {
        let stored: Job = load(&**store, None, j.id.0).await.expect("job stored");
        assert_eq!(
            &stored, j,
            "round {round}: job {} is as its claimer got it",
            j.id
        );
        assert_eq!(
            stored.attempts, 1,
            "round {round}: job {} claimed once",
            j.id
        );
        done.delete(j);
    }
    ok(done.apply(&**store).await, "completing every claimed job");
}
