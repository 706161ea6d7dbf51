//! Wallet accounts and their signature checks.
//!
//! Placeholder on the `icp` branch until the wallets work (the
//! `WalletVerifier` trait, `Chain`, `AccountId`, the registry) is merged.

#[cfg(feature = "icp")]
mod icp;

#[cfg(feature = "icp")]
pub use icp::{
    IcpDelegation, IcpDelegationChain, IcpKeyType, IcpPublicKey, IcpSignedDelegation,
    MAX_ICP_DELEGATION_TARGETS, MAX_ICP_DELEGATIONS, Principal, UnverifiedIcpDelegationChain,
};
