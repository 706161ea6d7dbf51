//! keytree's integration tests: one binary, one module per area
//! (modules live in `tests/suite/`, so cargo does not build each as its own
//! test binary).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "suite/api_keys.rs"]
mod api_keys;
#[path = "suite/batch_redteam.rs"]
mod batch_redteam;
#[cfg(feature = "ethereum")]
#[path = "suite/challenges.rs"]
mod challenges;
#[path = "suite/common.rs"]
mod common;
#[path = "suite/conformance_ed25519.rs"]
mod conformance_ed25519;
#[path = "suite/context.rs"]
mod context;
#[path = "suite/derivation.rs"]
mod derivation;
#[cfg(feature = "ethereum")]
#[path = "suite/ethereum.rs"]
mod ethereum;
#[path = "suite/expiry.rs"]
mod expiry;
#[path = "suite/fleet.rs"]
mod fleet;
#[path = "suite/formats_vectors.rs"]
mod formats_vectors;
#[path = "suite/fuzz_replay.rs"]
mod fuzz_replay;
#[path = "../fuzz/targets.rs"]
mod fuzz_targets;
#[path = "suite/hardening.rs"]
mod hardening;
#[cfg(feature = "icp")]
#[path = "suite/icp.rs"]
mod icp;
#[cfg(feature = "icp-canister-sig")]
#[path = "suite/icp_canister.rs"]
mod icp_canister;
#[path = "suite/layout.rs"]
mod layout;
#[cfg(feature = "near")]
#[path = "suite/near.rs"]
mod near;
#[path = "suite/primitives.rs"]
mod primitives;
#[path = "suite/properties.rs"]
mod properties;
#[cfg(all(feature = "icp", feature = "solana"))]
#[path = "suite/protocol_separation.rs"]
mod protocol_separation;
#[cfg(feature = "redis")]
#[path = "suite/redis_server.rs"]
mod redis_server;
#[path = "suite/refresh_retry.rs"]
mod refresh_retry;
#[cfg(all(feature = "ethereum", feature = "near"))]
#[path = "suite/resolvers.rs"]
mod resolvers;
#[cfg(all(feature = "ethereum", feature = "solana"))]
#[path = "suite/server_forms.rs"]
mod server_forms;
#[cfg(feature = "ethereum")]
#[path = "suite/server_types.rs"]
mod server_types;
#[path = "suite/sessions.rs"]
mod sessions;
#[cfg(feature = "solana")]
#[path = "suite/solana.rs"]
mod solana;
#[cfg(feature = "stellar")]
#[path = "suite/stellar.rs"]
mod stellar;
#[path = "suite/token_cache.rs"]
mod token_cache;
#[path = "suite/tokens.rs"]
mod tokens;
#[cfg(all(
    feature = "ethereum",
    feature = "near",
    feature = "stellar",
    feature = "solana"
))]
#[path = "suite/wallet_delegation.rs"]
mod wallet_delegation;
#[path = "suite/wallet_members.rs"]
mod wallet_members;
#[cfg(all(feature = "stellar", feature = "solana"))]
#[path = "suite/wallet_properties.rs"]
mod wallet_properties;
#[path = "suite/wallet_redteam.rs"]
mod wallet_redteam;
#[path = "suite/wallet_tokens.rs"]
mod wallet_tokens;
