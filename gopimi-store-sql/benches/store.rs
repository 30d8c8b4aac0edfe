//! Loads N tickets (default 100,000), each with two messages, into a fresh database of each
//! engine (the workload of `gopimi-store-sled/benches/store.rs`, so the figures compare) and
//! measures:
//! - inserts through the store (one atomic batch per ticket with its messages) against the raw
//!   ceiling on the same engine in the same run: the same rows (the same JSON bodies keyed by
//!   id, no other column or index) with bare prepared INSERTs through sqlx, one transaction per
//!   ticket (the store's commit count), and as multi-row INSERTs of 500 tickets per transaction
//!   (the engine's bulk speed); and the ratios;
//! - the ticket list with two filters (`status in (open, in_progress, pending)` and
//!   `deleted_at is null`, newest activity first, 25 per page, with the total) at page 1 and
//!   page 1,000; a narrow list (one agent's open tickets); the queue as the facade lists it
//!   (not trashed, not spam);
//! - search (tickets by a subject word, messages by a body word), page 1 with the total;
//! - the SLA due-ticket query (`sla_due_at <= now`, oldest first, 100 rows) in the workspace
//!   and across workspaces (the sweep's query).
//!
//! Query figures are the median of 7 runs after one warm-up, in milliseconds. On PostgreSQL
//! the load is followed by `VACUUM ANALYZE`, what autovacuum does in production; MariaDB keeps
//! its statistics itself; SQLite runs as the store opens it (no `ANALYZE`).
//!
//! ```text
//! cargo bench -p gopimi-store-sql --all-features --bench store -- [tickets]
//! ```
//! SQLite (a file in a temporary directory) always; PostgreSQL and MariaDB/MySQL when
//! `GOPIMI_BENCH_POSTGRES_URL` / `GOPIMI_BENCH_MYSQL_URL` are set (a new schema / database is
//! created and dropped). `GOPIMI_BENCH_ENGINES=sqlite,postgres,mysql` picks engines;
//! `GOPIMI_BENCH_TICKETS` sets the count; `GOPIMI_BENCH_KEEP=1` keeps the databases (and
//! `GOPIMI_BENCH_DIR` the SQLite file) to EXPLAIN the queries afterwards.

mod common;

use common::engines;
use gopimi_core::ids::{UserId, WorkspaceId};
use gopimi_core::store::{Filter, Kind, Query, SortKey, Store, Value, Writes};
use gopimi_core::testing::sample;
use gopimi_core::testing::store_bench::{bench_now, rows};
use std::time::Instant;

/// Tickets per transaction in the multi-row ceiling.
const BULK: u64 = 500;

/// Seconds to insert the same rows raw: one transaction per ticket, and in bulk.
struct Raw {
    per_ticket: f64,
    bulk: f64,
}

/// Inserts the rows of `$n` tickets into `raw_tickets` / `raw_messages` of `$pool` twice (one
/// transaction per ticket with prepared INSERTs; multi-row INSERTs of [`BULK`] tickets per
/// transaction), with `$ph(i)` the engine's i-th placeholder and `$id` turning a `Uuid` into
/// what the engine binds for an id column. A macro, since sqlx's executors are concrete per
/// engine.
macro_rules! raw_ceiling {
    ($pool:expr, $ddl:expr, $ph:expr, $id:expr, $ws:expr, $agents:expr, $n:expr) => {{
        let pool = $pool;
        let ph: fn(usize) -> String = $ph;
        let (ws, agents, n): (WorkspaceId, &[UserId], u64) = ($ws, $agents, $n);
        let mut per_ticket = 0.0;
        let mut bulk = 0.0;
        for round in 0..2 {
            for ddl in [
                "DROP TABLE IF EXISTS raw_tickets",
                "DROP TABLE IF EXISTS raw_messages",
            ]
            .into_iter()
            .chain($ddl)
            {
                sqlx::raw_sql(sqlx::AssertSqlSafe(ddl.to_owned()))
                    .execute(pool)
                    .await
                    .expect("raw table");
            }
            let start = Instant::now();
            if round == 0 {
                let one_ticket = format!(
                    "INSERT INTO raw_tickets (id, body) VALUES ({}, {})",
                    ph(1),
                    ph(2)
                );
                let two_messages = format!(
                    "INSERT INTO raw_messages (id, body) VALUES ({}, {}), ({}, {})",
                    ph(1),
                    ph(2),
                    ph(3),
                    ph(4)
                );
                for i in 0..n {
                    let (t, [m1, m2]) = rows(ws, i, agents);
                    let mut tx = pool.begin().await.expect("begin");
                    sqlx::query(sqlx::AssertSqlSafe(one_ticket.clone()))
                        .bind($id(t.id.0))
                        .bind(serde_json::to_string(&t).expect("json"))
                        .execute(&mut *tx)
                        .await
                        .expect("insert ticket");
                    sqlx::query(sqlx::AssertSqlSafe(two_messages.clone()))
                        .bind($id(m1.id.0))
                        .bind(serde_json::to_string(&m1).expect("json"))
                        .bind($id(m2.id.0))
                        .bind(serde_json::to_string(&m2).expect("json"))
                        .execute(&mut *tx)
                        .await
                        .expect("insert messages");
                    tx.commit().await.expect("commit");
                }
                per_ticket = start.elapsed().as_secs_f64();
            } else {
                let mut i = 0;
                while i < n {
                    let end = (i + BULK).min(n);
                    let batch: Vec<_> = (i..end).map(|k| rows(ws, k, agents)).collect();
                    let values = |count: usize| {
                        (0..count)
                            .map(|r| format!("({}, {})", ph(2 * r + 1), ph(2 * r + 2)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    };
                    let mut tx = pool.begin().await.expect("begin");
                    let sql = format!(
                        "INSERT INTO raw_tickets (id, body) VALUES {}",
                        values(batch.len())
                    );
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                    for (t, _) in &batch {
                        q = q
                            .bind($id(t.id.0))
                            .bind(serde_json::to_string(t).expect("json"));
                    }
                    q.execute(&mut *tx).await.expect("insert tickets");
                    let sql = format!(
                        "INSERT INTO raw_messages (id, body) VALUES {}",
                        values(2 * batch.len())
                    );
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                    for (_, ms) in &batch {
                        for m in ms {
                            q = q
                                .bind($id(m.id.0))
                                .bind(serde_json::to_string(m).expect("json"));
                        }
                    }
                    q.execute(&mut *tx).await.expect("insert messages");
                    tx.commit().await.expect("commit");
                    i = end;
                }
                bulk = start.elapsed().as_secs_f64();
            }
        }
        for ddl in [
            "DROP TABLE IF EXISTS raw_tickets",
            "DROP TABLE IF EXISTS raw_messages",
        ] {
            sqlx::raw_sql(ddl).execute(pool).await.expect("drop raw");
        }
        Raw { per_ticket, bulk }
    }};
}

fn agents() -> Vec<UserId> {
    (0..10u128)
        .map(|i| {
            UserId(uuid::Uuid::from_u128(
                0x0190_0000_0000_7000_8000_0000_0000_0100 + i,
            ))
        })
        .collect()
}

/// The load through the store, one batch per ticket; returns the seconds it took.
async fn load(store: &dyn Store, ws: WorkspaceId, agents: &[UserId], n: u64) -> f64 {
    let start = Instant::now();
    for i in 0..n {
        let (mut t, [mut m1, mut m2]) = rows(ws, i, agents);
        let mut w = Writes::new();
        w.insert(&mut t).expect("encode");
        w.insert(&mut m1).expect("encode");
        w.insert(&mut m2).expect("encode");
        w.apply(store).await.expect("apply");
    }
    store.flush().await.expect("flush");
    start.elapsed().as_secs_f64()
}

fn report_load(n: u64, ours_secs: f64, raw: &Raw) {
    let rows_total = 3.0 * n as f64;
    let ours = rows_total / ours_secs;
    let per = rows_total / raw.per_ticket;
    let bulk = rows_total / raw.bulk;
    println!(
        "  load through the store:              {ours:>9.0} rows/s ({:.0} ticket batches/s, one transaction each)",
        n as f64 / ours_secs
    );
    println!(
        "  raw INSERTs, one transaction/ticket: {per:>9.0} rows/s   store/raw {:.3}",
        ours / per
    );
    println!(
        "  raw multi-row INSERTs, {BULK}/tx:       {bulk:>9.0} rows/s   store/raw {:.3}",
        ours / bulk
    );
}

async fn median_ms(store: &dyn Store, q: &Query) -> (f64, gopimi_core::store::QueryResult) {
    let mut last = store.query(q).await.expect("query");
    let mut v = Vec::new();
    for _ in 0..7 {
        let s = Instant::now();
        last = store.query(q).await.expect("query");
        v.push(s.elapsed().as_secs_f64() * 1000.0);
    }
    v.sort_by(f64::total_cmp);
    (v[3], last)
}

async fn queries(store: &dyn Store, ws: WorkspaceId, agents: &[UserId]) {
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
    let sla = |ws: Option<uuid::Uuid>| {
        Query::new(Kind::Ticket, ws)
            .filter(Filter::Lte("sla_due_at", Value::Time(bench_now())))
            .sort(SortKey::asc("sla_due_at"))
            .limit(100)
    };
    let page = |q: &Query, p: u64| {
        let mut q = q.clone();
        q.offset = (p - 1) * u64::from(q.limit);
        q
    };
    // The queue as `Helpdesk::list_tickets` asks for it: not trashed, not spam, any status.
    let queue = Query::new(Kind::Ticket, Some(ws.0))
        .filter(Filter::IsNull("deleted_at"))
        .filter(Filter::Eq("spam", false.into()))
        .sort(SortKey::desc("last_activity_at"))
        .limit(25)
        .with_total();
    let cases = [
        ("ticket list, 2 filters, page 1", page(&list, 1)),
        ("ticket list, 2 filters, page 1000", page(&list, 1000)),
        ("ticket list, agent + status, page 1", narrow),
        ("ticket queue (not trashed, not spam), page 1", queue),
        ("search tickets 'printer', page 1", search_tickets),
        ("search messages 'toner', page 1", search_messages),
        ("SLA due tickets (100), in the workspace", sla(Some(ws.0))),
        ("SLA due tickets (100), all workspaces", sla(None)),
    ];
    for (name, q) in &cases {
        let (ms, r) = median_ms(store, q).await;
        println!(
            "  {name:<42} {ms:>9.2} ms ({} rows{})",
            r.rows.len(),
            r.total.map(|t| format!(", total {t}")).unwrap_or_default()
        );
    }
}

/// Creates the workspace, loads the store and prints the load figures beside `raw`.
async fn load_and_report(store: &dyn Store, n: u64, raw: &Raw) -> WorkspaceId {
    let ws = sample::new_workspace(store, "Bench").await.workspace.id;
    let secs = load(store, ws, &agents(), n).await;
    report_load(n, secs, raw);
    ws
}

fn wanted(engine: &str) -> bool {
    match std::env::var("GOPIMI_BENCH_ENGINES") {
        Ok(list) => list.split(',').any(|e| e.trim() == engine),
        Err(_) => true,
    }
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
    println!(
        "SQL store benchmark: {n} tickets, {} messages per engine",
        2 * n
    );
    // The raw rows are keyed like the store's: a random-looking but time-ordered id per row.
    let raw_ws = WorkspaceId(uuid::Uuid::now_v7());
    rt.block_on(async {
        if wanted("sqlite") {
            let (store, _dir, path) = engines::sqlite().await;
            println!("\nSQLite, file {} (WAL, synchronous=NORMAL)", path.display());
            let raw = raw_ceiling!(
                store.pool(),
                [
                    "CREATE TABLE raw_tickets (id BLOB NOT NULL PRIMARY KEY, body TEXT NOT NULL)",
                    "CREATE TABLE raw_messages (id BLOB NOT NULL PRIMARY KEY, body TEXT NOT NULL)",
                ],
                |_| "?".to_owned(),
                |u: uuid::Uuid| u.as_bytes().to_vec(),
                raw_ws,
                &agents(),
                n
            );
            let ws = load_and_report(&store, n, &raw).await;
            queries(&store, ws, &agents()).await;
            let size = |p: &std::path::Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
            let wal = path.with_extension("db-wal");
            println!(
                "  database file after the load: {:.0} MB (+ {:.0} MB WAL)",
                size(&path) as f64 / 1e6,
                size(&wal) as f64 / 1e6
            );
            if engines::keep() {
                println!("  (kept {})", path.display());
                std::mem::forget(_dir);
            }
        }
        #[cfg(feature = "postgres")]
        if let Some(url) = engines::server_url("GOPIMI_BENCH_POSTGRES_URL")
            .filter(|_| wanted("postgres"))
        {
            let (store, schema) = engines::pg::store(&url).await;
            println!("\nPostgreSQL, {} (new schema {schema})", store.description());
            let raw = raw_ceiling!(
                store.pool(),
                [
                    "CREATE TABLE raw_tickets (id uuid NOT NULL PRIMARY KEY, body text NOT NULL)",
                    "CREATE TABLE raw_messages (id uuid NOT NULL PRIMARY KEY, body text NOT NULL)",
                ],
                |i| format!("${i}"),
                |u: uuid::Uuid| u,
                raw_ws,
                &agents(),
                n
            );
            let ws = load_and_report(&store, n, &raw).await;
            // What autovacuum does after a load in production (this server may run without
            // it): statistics for the planner and the visibility map for index-only scans.
            sqlx::raw_sql("VACUUM ANALYZE tickets, messages")
                .execute(store.pool())
                .await
                .expect("vacuum");
            queries(&store, ws, &agents()).await;
            store.close().await;
            engines::pg::drop_schema(&url, &schema).await;
        }
        #[cfg(feature = "mysql")]
        if let Some(url) =
            engines::server_url("GOPIMI_BENCH_MYSQL_URL").filter(|_| wanted("mysql"))
        {
            let (store, db) = engines::my::store(&url).await;
            println!("\nMySQL/MariaDB, {} (new database {db})", store.description());
            let raw = raw_ceiling!(
                store.pool(),
                [
                    "CREATE TABLE raw_tickets (id BINARY(16) NOT NULL PRIMARY KEY, body LONGTEXT NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
                    "CREATE TABLE raw_messages (id BINARY(16) NOT NULL PRIMARY KEY, body LONGTEXT NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
                ],
                |_| "?".to_owned(),
                |u: uuid::Uuid| u.as_bytes().to_vec(),
                raw_ws,
                &agents(),
                n
            );
            let ws = load_and_report(&store, n, &raw).await;
            queries(&store, ws, &agents()).await;
            store.close().await;
            engines::my::drop_database(&url, &db).await;
        }
    });
}
