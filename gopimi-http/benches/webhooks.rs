//! What outbound webhooks add to a change: tickets created one after another through the
//! facade on SQLite, with no endpoint, with one endpoint that does not want the event (the
//! endpoints are read, nothing is written), and with one that does (a delivery row and its job
//! join the ticket's batch). Beside them, the raw ceiling of the same engine in the same run:
//! plain sqlx transactions writing the same number of rows with JSON bodies of the same size.
//!
//! ```sh
//! cargo bench -p gopimi-http --bench webhooks          # 2,000 tickets per mode
//! GOPIMI_BENCH_TICKETS=500 cargo bench -p gopimi-http --bench webhooks
//! ```

use gopimi_core::service::{Caller, Helpdesk, NewTicket, NewWebhook, Registration};
use gopimi_core::store::Store;
use gopimi_store_sql::SqliteStore;
use std::sync::Arc;
use std::time::Instant;

async fn open(dir: &std::path::Path, name: &str) -> SqliteStore {
    let url = format!("sqlite://{}", dir.join(name).display());
    SqliteStore::connect(&url).await.expect("sqlite")
}

/// Raw ceiling: one transaction per "ticket" updating one row and inserting `rows` rows of
/// `bytes`-byte JSON bodies into a plain table.
async fn raw(store: &SqliteStore, n: u64, rows: usize, bytes: usize) -> f64 {
    let pool = store.pool();
    sqlx::query("CREATE TABLE raw_rows (id BLOB PRIMARY KEY, body TEXT NOT NULL)")
        .execute(pool)
        .await
        .expect("create");
    sqlx::query("CREATE TABLE raw_counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
        .execute(pool)
        .await
        .expect("create");
    sqlx::query("INSERT INTO raw_counter (id, n) VALUES (1, 0)")
        .execute(pool)
        .await
        .expect("insert");
    let body = format!("{{\"pad\":\"{}\"}}", "x".repeat(bytes.saturating_sub(10)));
    let start = Instant::now();
    for _ in 0..n {
        let mut tx = pool.begin().await.expect("begin");
        sqlx::query("UPDATE raw_counter SET n = n + 1 WHERE id = 1")
            .execute(&mut *tx)
            .await
            .expect("update");
        for _ in 0..rows {
            sqlx::query("INSERT INTO raw_rows (id, body) VALUES (?, ?)")
                .bind(uuid::Uuid::now_v7().as_bytes().to_vec())
                .bind(&body)
                .execute(&mut *tx)
                .await
                .expect("insert");
        }
        tx.commit().await.expect("commit");
    }
    n as f64 / start.elapsed().as_secs_f64()
}

/// Tickets a second through the facade, with `events` for the one endpoint (None: none).
async fn facade(store: SqliteStore, n: u64, events: Option<Vec<String>>) -> f64 {
    let store: Arc<dyn Store> = Arc::new(store);
    let desk = Helpdesk::builder(store).build();
    let (user, _) = desk
        .register(Registration::new(
            "Bench",
            "bench@example.com",
            "a long enough password",
        ))
        .await
        .expect("register");
    let me = Caller::User(user.id);
    let ws = desk.create_workspace(&me, "Bench").await.expect("ws").id;
    if let Some(events) = events {
        let new = NewWebhook {
            events,
            ..NewWebhook::new("https://hooks.example.com/in")
        };
        desk.create_webhook(&me, ws, new).await.expect("webhook");
    }
    let start = Instant::now();
    for i in 0..n {
        desk.create_ticket(&me, ws, NewTicket::new(format!("Printer {i} is on fire")))
            .await
            .expect("ticket");
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let n: u64 = std::env::var("GOPIMI_BENCH_TICKETS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let dir = tempfile::tempdir().expect("tempdir");
        // A created ticket writes the workspace (its counter), the ticket and its activity;
        // with a subscribed endpoint also a delivery and its job.
        let ceiling_3 = raw(&open(dir.path(), "raw3.db").await, n, 2, 900).await;
        let ceiling_5 = raw(&open(dir.path(), "raw5.db").await, n, 4, 900).await;
        let none = facade(open(dir.path(), "none.db").await, n, None).await;
        let other = facade(
            open(dir.path(), "other.db").await,
            n,
            Some(vec!["contact.created".into()]),
        )
        .await;
        let subscribed = facade(
            open(dir.path(), "subscribed.db").await,
            n,
            Some(vec!["ticket.created".into()]),
        )
        .await;
        println!("tickets created one after another on SQLite, {n} per mode");
        println!("| what | tickets/s | ratio to its ceiling |");
        println!("|---|---:|---:|");
        println!("| raw sqlx ceiling, 1 update + 2 inserts per tx | {ceiling_3:.0} | 1 |");
        println!("| raw sqlx ceiling, 1 update + 4 inserts per tx | {ceiling_5:.0} | 1 |");
        println!("| facade, no endpoint | {none:.0} | {:.2} |", none / ceiling_3);
        println!(
            "| facade, one endpoint not subscribed (read only) | {other:.0} | {:.2} |",
            other / ceiling_3
        );
        println!(
            "| facade, one subscribed endpoint (+ delivery + job) | {subscribed:.0} | {:.2} |",
            subscribed / ceiling_5
        );
        println!(
            "cost of webhooks: {:.1}% with an endpoint that does not want the event, {:.1}% with one that does",
            (1.0 - other / none) * 100.0,
            (1.0 - subscribed / none) * 100.0
        );
    });
}
