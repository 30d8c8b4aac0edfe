//! The SLA sweep on the SQL stores: the workload of `gopimi-core`'s `sla_sweep` bench
//! (`gopimi_core::testing::sla_bench`: 100,000 open tickets in 20 workspaces, a pass with 100
//! due, a pass with 10,000 due, each beside the raw store work for the same tickets), on
//! SQLite (a fresh file, always) and on PostgreSQL / MariaDB when `GOPIMI_BENCH_POSTGRES_URL` /
//! `GOPIMI_BENCH_MYSQL_URL` are set (a new schema / database, dropped afterwards). The due
//! query is answered from the `(sla_due_at, id)` index.
//!
//! ```text
//! cargo bench -p gopimi-store-sql --all-features --bench sla_sweep -- [total small large runs]
//! ```
//! Defaults 100000 100 10000 3. `GOPIMI_BENCH_ENGINES=sqlite,postgres,mysql` picks engines.

mod common;

use common::engines;
use gopimi_core::testing::sla_bench;
use std::sync::Arc;

fn arg(i: usize, default: usize) -> usize {
    std::env::args()
        .filter(|a| !a.starts_with('-'))
        .nth(i)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

fn wanted(engine: &str) -> bool {
    match std::env::var("GOPIMI_BENCH_ENGINES") {
        Ok(list) => list.split(',').any(|e| e.trim() == engine),
        Err(_) => true,
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let total = arg(1, 100_000);
    let small = arg(2, 100);
    let large = arg(3, 10_000);
    let runs = arg(4, 3);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        if wanted("sqlite") {
            let (store, _dir, path) = engines::sqlite().await;
            let label = format!("SQLite (file {})", path.display());
            let figures = sla_bench::run(Arc::new(store), total, small, large, runs).await?;
            sla_bench::print(&label, &figures);
        }
        #[cfg(feature = "postgres")]
        if let Some(url) =
            engines::server_url("GOPIMI_BENCH_POSTGRES_URL").filter(|_| wanted("postgres"))
        {
            let (store, schema) = engines::pg::store(&url).await;
            let label = format!("PostgreSQL (schema {schema})");
            let store = Arc::new(store);
            let figures = sla_bench::run(store.clone(), total, small, large, runs).await;
            store.close().await;
            engines::pg::drop_schema(&url, &schema).await;
            sla_bench::print(&label, &figures?);
        }
        #[cfg(feature = "mysql")]
        if let Some(url) = engines::server_url("GOPIMI_BENCH_MYSQL_URL").filter(|_| wanted("mysql"))
        {
            let (store, db) = engines::my::store(&url).await;
            let label = format!("MariaDB/MySQL (database {db})");
            let store = Arc::new(store);
            let figures = sla_bench::run(store.clone(), total, small, large, runs).await;
            store.close().await;
            engines::my::drop_database(&url, &db).await;
            sla_bench::print(&label, &figures?);
        }
        Ok::<(), Box<dyn std::error::Error>>(())
    })
}
