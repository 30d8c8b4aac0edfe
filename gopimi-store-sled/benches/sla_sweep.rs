//! The SLA sweep on sled: the same workload as `gopimi-core`'s `sla_sweep` bench (100,000 open
//! tickets, a pass with 100 due, a pass with 10,000 due, each beside the raw store work for the
//! same tickets), on a store that answers the due query from its `sla_due_at` index.
//!
//! Arguments (optional): total tickets, small due, large due, runs. Defaults 100000 100 10000 3.

use gopimi_core::testing::sla_bench;
use gopimi_store_sled::SledStore;
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
    let store = SledStore::temporary()?;
    let figures = rt.block_on(sla_bench::run(Arc::new(store), total, small, large, runs))?;
    sla_bench::print("sled", &figures);
    Ok(())
}
