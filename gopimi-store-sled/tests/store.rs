//! The sled store through the port, with real domain rows: durability across reopening,
//! concurrent writers on one ticket, search, threading look-ups, job claims, the SLA sweep
//! query and purging a workspace.

#![cfg(feature = "sled")]

mod common;

use chrono::Duration;
use common::{contact, message, sla_due, t0, ticket};
use gopimi_core::Error;
use gopimi_core::ids::WorkspaceId;
use gopimi_core::jobs::job;
use gopimi_core::model::{Job, JobStatus, Message, Ticket, TicketStatus};
use gopimi_core::store::{
    ClaimRequest, Filter, Kind, Op, Query, SortKey, Store, StoreExt, Value, Writes,
};
use gopimi_store_sled::SledStore;
use std::collections::HashSet;
use std::sync::Arc;

async fn insert<E: gopimi_core::store::Entity>(store: &SledStore, e: &mut E) {
    let mut w = Writes::new();
    w.insert(e).expect("encode");
    w.apply(store).await.expect("insert");
}

fn messages_of(ws: WorkspaceId, ticket: &Ticket) -> Query {
    Query::new(Kind::Message, Some(ws.0))
        .filter(Filter::Eq("ticket_id", Value::Uuid(ticket.id.0)))
        .sort(SortKey::asc("created_at"))
        .limit(1000)
        .with_total()
}

fn by_rfc_id(ws: WorkspaceId, rfc: &str) -> Query {
    Query::new(Kind::Message, Some(ws.0)).filter(Filter::Eq("rfc_message_id", Value::from(rfc)))
}

#[tokio::test]
async fn everything_committed_before_a_drop_is_there_after_reopening() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ws = WorkspaceId::new();
    let mut t = ticket(ws, 1, "Printer on fire", t0());
    let mut kept = message(ws, t.id, "<a@mail>", "the printer smokes", t0());
    let mut gone = message(
        ws,
        t.id,
        "<b@mail>",
        "and now it beeps",
        t0() + Duration::minutes(1),
    );
    {
        let store = SledStore::open(dir.path()).expect("open");
        let mut w = Writes::new();
        w.insert(&mut t).expect("encode");
        w.insert(&mut kept).expect("encode");
        w.insert(&mut gone).expect("encode");
        w.apply(&store).await.expect("first batch");
        t.status = TicketStatus::Pending;
        let mut w = Writes::new();
        w.update(&mut t).expect("encode");
        w.delete(&gone);
        w.apply(&store).await.expect("second batch");
        // No flush: dropping the last handle is a clean shutdown.
    }
    let store = SledStore::open(dir.path()).expect("reopen");
    let back: Ticket = store.require(Some(ws.0), t.id.0).await.expect("ticket");
    assert_eq!(back, t);
    assert_eq!(back.version, 2);
    let found: Vec<Message> = store.find(&messages_of(ws, &t)).await.expect("messages");
    assert_eq!(found, vec![kept.clone()]);
    assert!(
        store
            .get(Kind::Message, None, gone.id.0)
            .await
            .expect("get")
            .is_none()
    );
    // The indexes came back too: unique look-up, search, and the unique key still holds.
    let hit: Option<Message> = store
        .find_one(&by_rfc_id(ws, "<a@mail>"))
        .await
        .expect("look-up");
    assert_eq!(hit.map(|m| m.id), Some(kept.id));
    let hits: Vec<Ticket> = store
        .find(&Query::new(Kind::Ticket, Some(ws.0)).search("printer fire"))
        .await
        .expect("search");
    assert_eq!(hits.len(), 1);
    let mut twin = message(ws, t.id, "<a@mail>", "same id", t0());
    let mut w = Writes::new();
    w.insert(&mut twin).expect("encode");
    let err = w
        .apply(&store)
        .await
        .expect_err("unique key survives reopening");
    assert!(err.is_conflict(), "{err}");
    // The freed unique key of the deleted message is free again.
    let mut reuse = message(ws, t.id, "<b@mail>", "again", t0());
    insert(&store, &mut reuse).await;
    assert_eq!(
        store
            .count(&Query::new(Kind::Message, Some(ws.0)))
            .await
            .expect("count"),
        2
    );
}

#[tokio::test]
async fn an_explicit_flush_then_reopen_keeps_the_writes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ws = WorkspaceId::new();
    let mut c = contact(ws, "Grace Hopper", "grace@example.com", t0());
    {
        let store = SledStore::open(dir.path()).expect("open");
        insert(&store, &mut c).await;
        store.flush().await.expect("flush");
        store.ping().await.expect("ping");
    }
    let store = SledStore::open(dir.path()).expect("reopen");
    let names: Vec<gopimi_core::model::Contact> = store
        .find(&Query::new(Kind::Contact, Some(ws.0)).search("hop"))
        .await
        .expect("search");
    assert_eq!(names, vec![c]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_tasks_writing_one_ticket_lose_nothing() {
    let store = Arc::new(SledStore::temporary().expect("store"));
    let ws = WorkspaceId::new();
    let mut t = ticket(ws, 7, "Shared ticket", t0());
    insert(&store, &mut t).await;
    let ticket_id = t.id;

    let mut tasks = Vec::new();
    for i in 0..16u32 {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            let mut conflicts = 0u32;
            // Add a message and touch the ticket in one batch; then change its status alone.
            loop {
                let mut t: Ticket = store.require(Some(ws.0), ticket_id.0).await.expect("read");
                let at = t0() + Duration::seconds(i64::from(i) + 1);
                let mut m = message(
                    ws,
                    ticket_id,
                    &format!("<{i}@mail>"),
                    &format!("note {i}"),
                    at,
                );
                t.description.push_str(&format!("[m{i}]"));
                t.last_activity_at = at;
                let mut w = Writes::new();
                w.insert(&mut m).expect("encode");
                w.update(&mut t).expect("encode");
                match w.apply(&*store).await {
                    Ok(()) => break,
                    Err(e) if e.is_conflict() => conflicts += 1,
                    Err(e) => panic!("task {i}: {e}"),
                }
            }
            loop {
                let mut t: Ticket = store.require(Some(ws.0), ticket_id.0).await.expect("read");
                t.status = TicketStatus::ALL[i as usize % 5];
                t.description.push_str(&format!("[s{i}]"));
                let mut w = Writes::new();
                w.update(&mut t).expect("encode");
                match w.apply(&*store).await {
                    Ok(()) => break,
                    Err(e) if e.is_conflict() => conflicts += 1,
                    Err(e) => panic!("task {i}: {e}"),
                }
            }
            conflicts
        }));
    }
    let mut conflicts = 0;
    for t in tasks {
        conflicts += t.await.expect("task");
    }
    let t: Ticket = store.require(Some(ws.0), ticket_id.0).await.expect("read");
    assert_eq!(t.version, 1 + 32, "every write landed once");
    for i in 0..16 {
        assert!(
            t.description.contains(&format!("[m{i}]")),
            "message write {i} kept"
        );
        assert!(
            t.description.contains(&format!("[s{i}]")),
            "status write {i} kept"
        );
    }
    let msgs: Vec<Message> = store.find(&messages_of(ws, &t)).await.expect("messages");
    assert_eq!(msgs.len(), 16);
    let rfc: HashSet<_> = msgs
        .iter()
        .filter_map(|m| m.rfc_message_id.clone())
        .collect();
    assert_eq!(rfc.len(), 16);
    eprintln!("16 tasks: {conflicts} conflicts retried");
}

#[tokio::test]
async fn search_covers_subjects_bodies_and_contact_names_within_one_workspace() {
    let store = SledStore::temporary().expect("store");
    let (ws, other) = (WorkspaceId::new(), WorkspaceId::new());
    let mut printer = ticket(ws, 1, "Printer jammed again", t0());
    let mut invoice = ticket(ws, 2, "Invoice question", t0());
    invoice.contact_search = "Margaret Hamilton margaret@example.com".into();
    let mut theirs = ticket(other, 1, "Printer jammed", t0());
    for t in [&mut printer, &mut invoice, &mut theirs] {
        insert(&store, t).await;
    }
    let mut body = message(
        ws,
        invoice.id,
        "<x@mail>",
        "The toner cartridge leaks",
        t0(),
    );
    insert(&store, &mut body).await;

    let find = |q: Query| {
        let store = store.clone();
        async move {
            let r: Vec<Ticket> = store.find(&q).await.expect("search");
            r.into_iter().map(|t| t.number).collect::<Vec<_>>()
        }
    };
    let q = |text: &str| Query::new(Kind::Ticket, Some(ws.0)).search(text);
    assert_eq!(find(q("printer")).await, vec![1]);
    assert_eq!(
        find(q("PRINT jam")).await,
        vec![1],
        "prefixes, any case, all words"
    );
    assert_eq!(
        find(q("printer invoice")).await,
        Vec::<i64>::new(),
        "words are ANDed"
    );
    assert_eq!(
        find(q("hamil")).await,
        vec![2],
        "contact names are searched"
    );
    assert_eq!(find(q("margaret@example.com")).await, vec![2]);
    let bodies: Vec<Message> = store
        .find(&Query::new(Kind::Message, Some(ws.0)).search("cartridge"))
        .await
        .expect("search");
    assert_eq!(bodies.len(), 1);
    assert_eq!(
        find(Query::new(Kind::Ticket, Some(other.0)).search("printer")).await,
        vec![1]
    );
}

#[tokio::test]
async fn threading_look_up_finds_a_message_id_only_in_its_workspace() {
    let store = SledStore::temporary().expect("store");
    let (ws, other) = (WorkspaceId::new(), WorkspaceId::new());
    let mut t = ticket(ws, 1, "Hello", t0());
    insert(&store, &mut t).await;
    let mut m = message(ws, t.id, "<CAF123@mail.example>", "hi", t0());
    insert(&store, &mut m).await;
    let hit: Option<Message> = store
        .find_one(&by_rfc_id(ws, "<CAF123@mail.example>"))
        .await
        .expect("q");
    assert_eq!(hit.map(|x| x.id), Some(m.id));
    let miss: Option<Message> = store
        .find_one(&by_rfc_id(other, "<CAF123@mail.example>"))
        .await
        .expect("q");
    assert!(miss.is_none());
    assert!(
        store
            .get(Kind::Message, Some(other.0), m.id.0)
            .await
            .expect("get")
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_claimers_never_share_a_job_and_expired_leases_are_taken_over() {
    let store = Arc::new(SledStore::temporary().expect("store"));
    let now = t0();
    for i in 0..40 {
        let mut j = job(
            "mail",
            &serde_json::json!({ "n": i }),
            None,
            now - Duration::seconds(i),
        )
        .expect("job");
        insert(&store, &mut j).await;
    }
    let mut later = job("mail", &serde_json::json!({}), None, now).expect("job");
    later.run_at = now + Duration::hours(1);
    insert(&store, &mut later).await;

    let claim = |worker: &'static str| {
        let store = Arc::clone(&store);
        tokio::spawn(async move {
            let req = ClaimRequest {
                queues: vec!["mail".into()],
                now,
                lease_until: now + Duration::minutes(5),
                worker: worker.into(),
                limit: 25,
            };
            store.claim_jobs(&req).await.expect("claim")
        })
    };
    let (a, b) = (claim("a"), claim("b"));
    let (a, b) = (a.await.expect("a"), b.await.expect("b"));
    let ids_a: HashSet<_> = a.iter().map(|j| j.id).collect();
    let ids_b: HashSet<_> = b.iter().map(|j| j.id).collect();
    assert!(ids_a.is_disjoint(&ids_b));
    assert!(a.len() + b.len() <= 40 && !ids_a.contains(&later.id) && !ids_b.contains(&later.id));
    let req = |now, limit| ClaimRequest {
        queues: Vec::new(),
        now,
        lease_until: now + Duration::minutes(5),
        worker: "c".into(),
        limit,
    };
    let rest = store
        .claim_jobs(&req(now, 100))
        .await
        .expect("claim the rest");
    assert_eq!(
        a.len() + b.len() + rest.len(),
        40,
        "every due job claimed exactly once"
    );
    // Two hours later every lease has expired: all 40 are claimable again, plus the later job.
    let again = store
        .claim_jobs(&req(now + Duration::hours(2), 100))
        .await
        .expect("take over");
    assert_eq!(again.len(), 41);
    assert!(
        again
            .iter()
            .all(|j| j.status == JobStatus::Running && j.locked_by.as_deref() == Some("c"))
    );
    let stored: Vec<Job> = store
        .find(&Query::new(Kind::Job, None).limit(100))
        .await
        .expect("jobs");
    assert!(
        stored
            .iter()
            .filter(|j| j.id != later.id)
            .all(|j| j.attempts == 2)
    );
}

#[tokio::test]
async fn the_sla_sweep_reads_due_tickets_in_due_order() {
    let store = SledStore::temporary().expect("store");
    let ws = WorkspaceId::new();
    let now = t0();
    for (n, due) in [
        (1, Some(-30)),
        (2, None),
        (3, Some(10)),
        (4, Some(-90)),
        (5, Some(0)),
    ] {
        let mut t = ticket(ws, n, "sla", now);
        t.sla = due.map(|m| sla_due(now + Duration::minutes(m)));
        insert(&store, &mut t).await;
    }
    let due: Vec<Ticket> = store
        .find(
            &Query::new(Kind::Ticket, Some(ws.0))
                .filter(Filter::Lte("sla_due_at", Value::Time(now)))
                .sort(SortKey::asc("sla_due_at")),
        )
        .await
        .expect("due");
    assert_eq!(
        due.iter().map(|t| t.number).collect::<Vec<_>>(),
        vec![4, 1, 5]
    );
}

#[tokio::test]
async fn purging_a_workspace_removes_its_rows_keys_and_jobs_only() {
    let store = SledStore::temporary().expect("store");
    let (gone, kept) = (WorkspaceId::new(), WorkspaceId::new());
    for ws in [gone, kept] {
        let mut t = ticket(ws, 1, "Hello printer", t0());
        insert(&store, &mut t).await;
        let mut m = message(ws, t.id, "<same@mail>", "body", t0());
        insert(&store, &mut m).await;
        let mut j = job("mail", &serde_json::json!({}), Some(ws.0), t0()).expect("job");
        insert(&store, &mut j).await;
    }
    let mut w = Writes::new();
    w.op(Op::PurgeWorkspace(gone.0));
    w.apply(&store).await.expect("purge");

    for kind in [Kind::Ticket, Kind::Message] {
        assert_eq!(
            store
                .count(&Query::new(kind, Some(gone.0)))
                .await
                .expect("count"),
            0
        );
        assert_eq!(
            store
                .count(&Query::new(kind, Some(kept.0)))
                .await
                .expect("count"),
            1
        );
    }
    let jobs: Vec<Job> = store
        .find(&Query::new(Kind::Job, None))
        .await
        .expect("jobs");
    assert_eq!(
        jobs.iter().map(|j| j.workspace_id).collect::<Vec<_>>(),
        vec![Some(kept.0)]
    );
    let search = Query::new(Kind::Ticket, Some(gone.0)).search("printer");
    assert!(store.query(&search).await.expect("search").rows.is_empty());
    // The purged workspace's unique keys are free again; the other's still hold.
    let mut t = ticket(gone, 1, "Fresh start", t0());
    insert(&store, &mut t).await;
    let mut twin = ticket(kept, 1, "Duplicate number", t0());
    let mut w = Writes::new();
    w.insert(&mut twin).expect("encode");
    let err = w
        .apply(&store)
        .await
        .expect_err("number taken in the kept workspace");
    assert!(matches!(err, Error::Conflict { .. }), "{err}");
}

/// The child side of the crash test: write, flush, and die without any clean shutdown.
fn crash_after_flush(dir: &str) -> ! {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let store = SledStore::open(dir).expect("open");
        let ws = WorkspaceId(uuid::Uuid::from_u128(42));
        let mut t = ticket(ws, 1, "Written before the crash", t0());
        insert(&store, &mut t).await;
        store.flush().await.expect("flush");
        let mut after = ticket(ws, 2, "Written after the flush", t0());
        insert(&store, &mut after).await;
        // No drop, no flush: the process dies here.
        std::process::abort();
    })
}

#[test]
fn a_flushed_write_survives_the_process_dying() {
    if let Ok(dir) = std::env::var("GOPIMI_SLED_CRASH_DIR") {
        crash_after_flush(&dir);
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let status = std::process::Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            "a_flushed_write_survives_the_process_dying",
            "--nocapture",
        ])
        .env("GOPIMI_SLED_CRASH_DIR", dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("run the child");
    assert!(!status.success(), "the child was meant to abort");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let store = SledStore::open(dir.path()).expect("reopen after the crash");
        let ws = uuid::Uuid::from_u128(42);
        let first: Option<Ticket> = store
            .find_one(
                &Query::new(Kind::Ticket, Some(ws)).filter(Filter::Eq("number", Value::Int(1))),
            )
            .await
            .expect("query");
        assert_eq!(
            first.map(|t| t.subject).as_deref(),
            Some("Written before the crash")
        );
        // Whatever happened to the unflushed second batch, it is all there or not at all.
        let second: Option<Ticket> = store
            .find_one(
                &Query::new(Kind::Ticket, Some(ws)).filter(Filter::Eq("number", Value::Int(2))),
            )
            .await
            .expect("query");
        let listed = store
            .count(&Query::new(Kind::Ticket, Some(ws)))
            .await
            .expect("count");
        assert_eq!(
            listed,
            1 + u64::from(second.is_some()),
            "row and indexes agree"
        );
    });
}
