//! Loads N tickets (default 100,000), each with two messages, into a fresh sled store and
//! measures:
//! - inserts through the store (one atomic batch per ticket with its messages) against raw sled
//!   inserts of the same rows (the same JSON bodies, one `Tree::insert` per row: the ceiling),
//!   and the ratio;
//! - the ticket list with two filters (`status in (open, in_progress, pending)` and `deleted_at
//!   is null`, newest activity first, 25 per page, with the total) at page 1 and page 1,000;
//!   a narrow list (one agent's open tickets);
//! - search (tickets by a subject word, messages by a body word), page 1 with the total;
//! - the SLA sweep's due-ticket query (`sla_due_at <= now`, oldest first, 100 rows).
//!
//! Query figures are the median of 7 runs after one warm-up, in milliseconds.
//!
//! `cargo bench -p gopimi-store-sled --bench store -- [tickets]` (or `GOPIMI_BENCH_TICKETS`).
//! With `GOPIMI_BENCH_DIR=<dir>` the loaded store is kept there, and a later run that finds it
//! already holding the tickets skips both loads and measures the queries again (handy on a
//! shared machine: load once, measure when it is quiet).

use gopimi_core::ids::{UserId, WorkspaceId};
use gopimi_core::store::{Filter, Kind, Query, SortKey, Store, StoreExt, Value, Writes};
use gopimi_core::testing::store_bench::{bench_now, rows};
use gopimi_store_sled::SledStore;
use std::time::Instant;

fn median_ms(mut f: impl FnMut()) -> f64 {
    f();
    let mut v: Vec<f64> = (0..7)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    v.sort_by(f64::total_cmp);
    v[3]
}

fn main() {
    let n: u64 = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .or_else(|| std::env::var("GOPIMI_BENCH_TICKETS").ok())
        .and_then(|s| s.replace('_', "").parse().ok())
        .unwrap_or(100_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    // Fixed workspace and agents, so a kept store can be measured again.
    let ws = WorkspaceId(uuid::Uuid::from_u128(
        0x0190_0000_0000_7000_8000_0000_0000_0001,
    ));
    let agents: Vec<UserId> = (0..10u128)
        .map(|i| {
            UserId(uuid::Uuid::from_u128(
                0x0190_0000_0000_7000_8000_0000_0000_0100 + i,
            ))
        })
        .collect();
    println!("sled store benchmark: {n} tickets, {} messages", 2 * n);
    let kept = std::env::var_os("GOPIMI_BENCH_DIR").map(std::path::PathBuf::from);
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = kept.clone().unwrap_or_else(|| temp.path().join("store"));
    if kept.is_some() && dir.exists() {
        let store = SledStore::open(&dir).expect("kept store");
        let have = rt
            .block_on(store.count(&Query::new(Kind::Ticket, Some(ws.0))))
            .expect("count");
        if have == n {
            println!("reusing the store in {} (loads skipped)", dir.display());
            queries(&rt, &store, ws, &agents);
            return;
        }
        panic!(
            "{} holds {have} tickets, not {n}: remove it first",
            dir.display()
        );
    }

    // Raw ceiling: the same rows, one insert per row, no indexes.
    let raw_dir = tempfile::tempdir().expect("tempdir");
    let raw_secs = {
        let db = sled::open(raw_dir.path()).expect("raw sled");
        let tickets = db.open_tree("tickets").expect("tree");
        let messages = db.open_tree("messages").expect("tree");
        let start = Instant::now();
        for i in 0..n {
            let (t, ms) = rows(ws, i, &agents);
            tickets
                .insert(t.id.0.as_bytes(), serde_json::to_vec(&t).expect("json"))
                .expect("insert");
            for m in &ms {
                messages
                    .insert(m.id.0.as_bytes(), serde_json::to_vec(m).expect("json"))
                    .expect("insert");
            }
        }
        db.flush().expect("flush");
        start.elapsed().as_secs_f64()
    };
    drop(raw_dir);

    let store = SledStore::open(&dir).expect("store");
    let ours_secs = rt.block_on(async {
        let start = Instant::now();
        for i in 0..n {
            let (mut t, [mut m1, mut m2]) = rows(ws, i, &agents);
            let mut w = Writes::new();
            w.insert(&mut t).expect("encode");
            w.insert(&mut m1).expect("encode");
            w.insert(&mut m2).expect("encode");
            w.apply(&store).await.expect("apply");
        }
        store.flush().await.expect("flush");
        start.elapsed().as_secs_f64()
    });
    let rows_total = 3.0 * n as f64;
    let (ours, raw) = (rows_total / ours_secs, rows_total / raw_secs);
    println!(
        "load: store {:.0} rows/s ({:.0} tickets/s with 2 messages each, one batch per ticket), raw sled {:.0} rows/s, ratio {:.3}",
        ours,
        n as f64 / ours_secs,
        raw,
        ours / raw
    );

    queries(&rt, &store, ws, &agents);
    drop(store);

    // What one ticket batch wrote: every key of every tree, per ticket; and the disk it takes.
    let db = sled::open(&dir).expect("reopen raw");
    let mut keys = 0usize;
    for name in db.tree_names() {
        keys += db.open_tree(&name).expect("tree").len();
    }
    let bytes = db.size_on_disk().expect("size");
    let per_batch = keys as f64 / n as f64;
    println!(
        "keys written per ticket batch (ticket + 2 messages, rows and every index): {per_batch:.1}; {:.0} MB on disk",
        bytes as f64 / 1e6
    );
    println!(
        "per key written: store {:.0} keys/s, raw sled {raw:.0} keys/s (one key per row), ratio {:.3}",
        ours / 3.0 * per_batch,
        ours / 3.0 * per_batch / raw
    );
}

fn queries(rt: &tokio::runtime::Runtime, store: &SledStore, ws: WorkspaceId, agents: &[UserId]) {
    let list = Query::new(Kind::Ticket, Some(ws.0))
        .filter(Filter::In(
            "status",
            vec!["open".into(), "in_progress".into(), "pending".into()],
        ))
        .filter(Filter::IsNull("deleted_at"))
        .sort(SortKey::desc("last_activity_at"))
        .limit(25)
        .with_total();
    let narrow = Query::new(Kind::Ticket, Some(ws.0))
        .filter(Filter::Eq("agent_id", Value::Uuid(agents[3].0)))
        .filter(Filter::Eq("status", "open".into()))
        .sort(SortKey::desc("last_activity_at"))
        .limit(25)
        .with_total();
    let search_tickets = Query::new(Kind::Ticket, Some(ws.0))
        .search("printer")
        .sort(SortKey::desc("last_activity_at"))
        .limit(25)
        .with_total();
    let search_messages = Query::new(Kind::Message, Some(ws.0))
        .search("toner")
        .sort(SortKey::desc("created_at"))
        .limit(25)
        .with_total();
    let sla = Query::new(Kind::Ticket, Some(ws.0))
        .filter(Filter::Lte("sla_due_at", Value::Time(bench_now())))
        .sort(SortKey::asc("sla_due_at"))
        .limit(100);
    let page = |q: &Query, p: u64| {
        let mut q = q.clone();
        q.offset = (p - 1) * u64::from(q.limit);
        q
    };
    let cases = [
        ("ticket list, 2 filters, page 1", page(&list, 1)),
        ("ticket list, 2 filters, page 1000", page(&list, 1000)),
        ("ticket list, agent + status, page 1", narrow),
        ("search tickets 'printer', page 1", search_tickets),
        ("search messages 'toner', page 1", search_messages),
        ("SLA due tickets (100)", sla),
    ];
    for (name, q) in &cases {
        let mut result = None;
        let ms = median_ms(|| {
            result = Some(rt.block_on(store.query(q)).expect("query"));
        });
        let r = result.expect("ran");
        println!(
            "{name}: {ms:.2} ms ({} rows{})",
            r.rows.len(),
            r.total.map(|t| format!(", total {t}")).unwrap_or_default()
        );
    }
}
