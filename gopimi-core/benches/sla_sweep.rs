//! The SLA sweep with 100,000 open tickets, 100 due and then 10,000 due: its cost must follow
//! the due tickets, not all tickets. Prints each figure beside the raw store work for the same
//! tickets and the ratios.
//!
//! The workload lives in `gopimi_core::testing::sla_bench` so every store runs the same one: a
//! store crate's bench calls `sla_bench::run` with its own store (SQLite through
//! `gopimi-store-sql` answers the due query from an index on `sla_due_at`).
//!
//! Arguments (optional): total tickets, small due, large due, runs. Defaults 100000 100 10000 3.

use gopimi_core::store::MemoryStore;
use gopimi_core::testing::sla_bench;
use std::sync::Arc;

fn arg(i: usize, default: usize) -> usize {
    std::env::args()
        .filter(|a| !a.starts_with('-'))
        .nth(i)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let total = arg(1, 100_000);
    let small = arg(2, 100);
    let large = arg(3, 10_000);
    let runs = arg(4, 3);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let figures = rt.block_on(sla_bench::run(
        Arc::new(MemoryStore::new()),
        total,
        small,
        large,
        runs,
    ))?;
    sla_bench::print("the memory store", &figures);
    println!(
        "  note: the memory store has no index; it answers every query by scanning all {} tickets, \
         so each batch of the due query costs the same whatever is due. The SQL stores answer it \
         from their (sla_due_at, id) index.",
        figures.total
    );
    Ok(())
}
