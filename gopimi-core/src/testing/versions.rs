//! Optimistic concurrency: versions count writes, a write against a stale version is a
//! `Conflict`, and concurrent writers never lose an update. The concurrent cases run on a
//! multi-threaded runtime so the writers really race.

use super::sample::*;
use crate::ids::ActivityId;
use crate::model::*;
use crate::store::{Filter, Kind, Query, Store, StoreExt, Writes};
use std::sync::Arc;
use tokio::sync::Barrier;

/// A new row has version 1 and every update adds one, as `get` and the decoded entity report.
pub async fn count_writes(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "Versions").await;
    let mut tk = ticket(ws.id(), 1, "Counting");
    put(s, &mut tk).await;
    for expected in 2..=4u64 {
        tk.subject = format!("Counting {expected}");
        save(s, &mut tk).await;
        let raw = ok(s.get(Kind::Ticket, ws.scope(), tk.id.0).await, "get").expect("exists");
        assert_eq!(
            raw.version,
            expected,
            "stored version after {} updates",
            expected - 1
        );
        let read: Ticket = load(s, ws.scope(), tk.id.0).await.expect("exists");
        assert_eq!(read.version, expected, "decoded version");
        assert_eq!(read.subject, tk.subject);
    }
}

/// An update against a version that is no longer stored is a `Conflict`; the stored row stays
/// the one that won.
pub async fn stale_update_conflicts(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "Stale").await;
    let mut tk = ticket(ws.id(), 1, "Original");
    put(s, &mut tk).await;
    let mut first = tk.clone();
    let mut second = tk.clone();
    first.subject = "First writer".into();
    save(s, &mut first).await;
    second.subject = "Second writer".into();
    assert_conflict(try_save(s, &mut second).await, "update from a stale read");
    let read: Option<Ticket> = load(s, ws.scope(), tk.id.0).await;
    assert_eq!(read, Some(first), "the first writer's row is stored");
}

/// A delete against a stale version is a `Conflict` and deletes nothing; without a version it
/// deletes whatever is stored.
pub async fn stale_delete_conflicts(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "StaleDelete").await;
    let mut tk = ticket(ws.id(), 1, "Keep me");
    put(s, &mut tk).await;
    let stale = tk.clone();
    tk.subject = "Changed".into();
    save(s, &mut tk).await;
    let mut w = Writes::new();
    w.delete(&stale);
    assert_conflict(w.apply(s).await, "delete from a stale read");
    assert!(
        load::<Ticket>(s, ws.scope(), tk.id.0).await.is_some(),
        "still there"
    );
    let mut w = Writes::new();
    w.delete_id(Kind::Ticket, ws.scope(), tk.id.0);
    ok(w.apply(s).await, "delete without a version");
    assert!(
        load::<Ticket>(s, ws.scope(), tk.id.0).await.is_none(),
        "gone"
    );
}

/// Two writers read the same ticket version and each apply a batch (an activity entry, then the
/// ticket update) at the same moment: exactly one wins, the loser gets `Conflict`, and nothing of
/// the loser's batch is stored. Repeated over several rounds.
pub async fn two_writers_one_wins(store: Arc<dyn Store>) {
    let ws = new_workspace(&*store, "Race").await;
    let mut tk = ticket(ws.id(), 1, "Race");
    put(&*store, &mut tk).await;
    for round in 0..10 {
        let read: Ticket = load(&*store, ws.scope(), tk.id.0).await.expect("exists");
        let barrier = Arc::new(Barrier::new(2));
        let mut handles = Vec::new();
        for writer in 0..2 {
            let store = Arc::clone(&store);
            let barrier = Arc::clone(&barrier);
            let mut mine = read.clone();
            let ws_id = ws.id();
            handles.push(tokio::spawn(async move {
                mine.subject = format!("round {round} writer {writer}");
                mine.priority = if writer == 0 {
                    Priority::High
                } else {
                    Priority::Low
                };
                let mut entry =
                    activity(ws_id, ActivitySubject::Ticket(mine.id), "priority_changed");
                entry.details = serde_json::json!({ "round": round, "writer": writer });
                let mut w = Writes::new();
                w.insert(&mut entry).expect("encodes");
                w.update(&mut mine).expect("encodes");
                barrier.wait().await;
                (w.apply(&*store).await, entry.id, mine)
            }));
        }
        let mut results = Vec::new();
        for h in handles {
            results.push(h.await.expect("writer task panicked"));
        }
        let winners: Vec<&(crate::Result<()>, ActivityId, Ticket)> =
            results.iter().filter(|r| r.0.is_ok()).collect();
        assert_eq!(
            winners.len(),
            1,
            "round {round}: exactly one writer wins: {results:?}"
        );
        let loser = results.iter().find(|r| r.0.is_err()).expect("one loser");
        assert!(
            matches!(loser.0, Err(crate::Error::Conflict { .. })),
            "round {round}: the loser gets Conflict, got {:?}",
            loser.0
        );
        let winner = winners[0];
        let stored: Ticket = load(&*store, ws.scope(), tk.id.0).await.expect("exists");
        assert_eq!(
            stored, winner.2,
            "round {round}: the winner's ticket is stored"
        );
        assert!(
            load::<Activity>(&*store, ws.scope(), winner.1.0)
                .await
                .is_some(),
            "round {round}: the winner's activity is stored"
        );
        assert!(
            load::<Activity>(&*store, ws.scope(), loser.1.0)
                .await
                .is_none(),
            "round {round}: nothing of the loser's batch is stored"
        );
    }
    let entries = ok(
        store
            .count(
                &Query::new(Kind::Activity, ws.scope())
                    .filter(Filter::Eq("ticket_id", tk.id.0.into())),
            )
            .await,
        "count",
    );
    assert_eq!(entries, 10, "one activity entry per round");
}

/// Eight writers each add ten to a counter with read-modify-write and retry on `Conflict`: the
/// counter ends at exactly 80 and its version at 81. No update is lost.
pub async fn concurrent_increments(store: Arc<dyn Store>) {
    let ws = new_workspace(&*store, "Counter").await;
    let id = ws.id();
    let mut handles = Vec::new();
    for _ in 0..8 {
        let store = Arc::clone(&store);
        handles.push(tokio::spawn(async move {
            let mut conflicts = 0u32;
            for _ in 0..10 {
                loop {
                    let mut w: Workspace =
                        store.require(None, id.0).await.expect("workspace readable");
                    w.ticket_counter += 1;
                    // Let the other writers run between the read and the write.
                    tokio::task::yield_now().await;
                    match try_save(&*store, &mut w).await {
                        Ok(()) => break,
                        Err(e) if e.is_conflict() => {
                            conflicts += 1;
                            assert!(conflicts < 10_000, "writer starved: {e}");
                            tokio::task::yield_now().await;
                        }
                        Err(e) => panic!("increment failed with a non-conflict error: {e}"),
                    }
                }
            }
        }));
    }
    for h in handles {
        h.await.expect("writer task panicked");
    }
    let w: Workspace = load(&*store, None, id.0).await.expect("exists");
    assert_eq!(w.ticket_counter, 80, "no increment was lost");
    assert_eq!(w.version, 81, "one version per successful write");
}
