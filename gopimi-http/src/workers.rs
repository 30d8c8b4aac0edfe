//! Background work in the server process (or alone, in `gopimi worker`): the job runner polling
//! the store, and periodic tasks such as the SLA sweep.
//!
//! Shutdown is cooperative: when the token is cancelled, a loop finishes the pass it is in
//! (every claimed job runs to completion and is completed or rescheduled) and then stops. Jobs
//! that were not claimed stay queued for the next process; a process killed mid-job leaves its
//! lease to run out, after which any runner claims the job again.

use async_trait::async_trait;
use gopimi_core::jobs::JobRunner;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// A task run every `interval` (e.g. the SLA sweep).
#[async_trait]
pub trait PeriodicTask: Send + Sync + 'static {
    /// Its name, for logs.
    fn name(&self) -> &'static str;
    /// One run. Errors are logged; the next run comes at the next interval.
    async fn run(&self) -> gopimi_core::Result<()>;
}

/// Background workers, started together and stopped together.
pub struct Workers {
    tasks: JoinSet<()>,
    shutdown: CancellationToken,
}

impl std::fmt::Debug for Workers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workers")
            .field("tasks", &self.tasks.len())
            .finish()
    }
}

impl Default for Workers {
    fn default() -> Self {
        Self::new()
    }
}

impl Workers {
    /// No workers yet.
    pub fn new() -> Self {
        Workers {
            tasks: JoinSet::new(),
            shutdown: CancellationToken::new(),
        }
    }

    /// The token that stops every worker.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// Runs the job runner: a pass, then another at once if it found work, else after `poll`
    /// or as soon as `wake` is notified (the API notifies it when it queues work, so mail is
    /// processed without waiting for the next poll).
    pub fn spawn_jobs(
        &mut self,
        runner: Arc<JobRunner>,
        poll: Duration,
        wake: Option<Arc<tokio::sync::Notify>>,
    ) {
        let stop = self.shutdown.clone();
        self.tasks.spawn(async move {
            tracing::info!(queues = ?runner.queues(), "job runner started");
            while !stop.is_cancelled() {
                let idle = match runner.run_once().await {
                    Ok(r) => r.claimed == 0,
                    Err(e) => {
                        tracing::warn!(error = %e, "claiming jobs failed; retrying");
                        true
                    }
                };
                if idle {
                    let woken = async {
                        match &wake {
                            Some(w) => w.notified().await,
                            None => std::future::pending::<()>().await,
                        }
                    };
                    tokio::select! {
                        _ = stop.cancelled() => break,
                        _ = tokio::time::sleep(poll) => {}
                        _ = woken => {}
                    }
                }
            }
            tracing::info!("job runner stopped");
        });
    }

    /// Runs a task every `interval` (the first run after one interval).
    pub fn spawn_periodic(&mut self, task: Arc<dyn PeriodicTask>, interval: Duration) {
        let stop = self.shutdown.clone();
        let interval = interval.max(Duration::from_millis(10));
        self.tasks.spawn(async move {
            loop {
                tokio::select! {
                    _ = stop.cancelled() => break,
                    _ = tokio::time::sleep(interval) => {}
                }
                if let Err(e) = task.run().await {
                    tracing::warn!(task = task.name(), error = %e, "periodic task failed");
                }
            }
        });
    }

    /// Asks every worker to stop after its current pass and waits for them.
    pub async fn stop(mut self) {
        self.shutdown.cancel();
        while let Some(res) = self.tasks.join_next().await {
            if let Err(e) = res {
                tracing::error!(error = %e, "a worker ended abnormally");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gopimi_core::clock::SystemClock;
    use gopimi_core::jobs::{self, JobHandler};
    use gopimi_core::model::Job;
    use gopimi_core::store::{Kind, MemoryStore, Query, Store, StoreExt, Writes};
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Count(AtomicUsize);

    #[async_trait]
    impl JobHandler for Count {
        async fn handle(&self, _job: &Job) -> gopimi_core::Result<()> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
    }

    #[tokio::test]
    async fn runs_queued_jobs_and_stops_on_request() {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let now = chrono::Utc::now();
        let mut w = Writes::new();
        for i in 0..3 {
            let mut j = jobs::job("test.count", &i, None, now).expect("job");
            w.insert(&mut j).expect("insert");
        }
        w.apply(store.as_ref()).await.expect("apply");
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let runner = JobRunner::new(store.clone(), Arc::new(SystemClock), "test")
            .handle("test.count", count.clone());
        let mut workers = Workers::new();
        workers.spawn_jobs(Arc::new(runner), Duration::from_millis(10), None);
        let mut left = u64::MAX;
        for _ in 0..500 {
            left = store
                .count(&Query::new(Kind::Job, None))
                .await
                .expect("count");
            if left == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        workers.stop().await;
        assert_eq!(left, 0, "every job completed");
        assert_eq!(count.0.load(Ordering::SeqCst), 3);
    }
}
