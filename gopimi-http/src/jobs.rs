//! The job runner of this server: which handler serves which queue.

use crate::state::AppState;
use gopimi_core::jobs::JobRunner;

/// The runner with every queue this build handles. Its name in leases is host-less but unique
/// per process (`gopimi-<pid>`), so a crashed process's leases are recognizable in the store.
pub fn runner(state: &AppState) -> JobRunner {
    JobRunner::new(
        state.store().clone(),
        state.clock().clone(),
        format!("gopimi-{}", std::process::id()),
    )
}
