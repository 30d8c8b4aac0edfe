//! Tests that need the crate's internals (planner constants, the meta tree).

mod differential;
mod opening;
