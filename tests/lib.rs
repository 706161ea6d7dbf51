//! keytree's integration tests: one binary, one module per area
//! (modules live in `tests/suite/`, so cargo does not build each as its own
//! test binary).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "suite/common.rs"]
mod common;
#[path = "suite/derivation.rs"]
mod derivation;
#[path = "suite/ethereum.rs"]
mod ethereum;
#[cfg(feature = "icp")]
#[path = "suite/icp.rs"]
mod icp;
