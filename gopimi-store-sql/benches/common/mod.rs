#![allow(dead_code)]

//! What the SQL benches share: the engines they run on. The store workload is every engine's
//! (`gopimi_core::testing::store_bench`).

pub mod engines;
