//! The chains (and key families) whose signatures keytree checks.

use std::fmt;

/// A chain (or key family) whose signatures keytree can check.
///
/// Non-exhaustive: chains are added with features.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Chain {
    /// Ethereum and EVM chains (CAIP namespace `eip155`).
    Ethereum,
    /// NEAR (`near`).
    Near,
    /// Internet Computer (`icp`).
    Icp,
    /// Stellar (`stellar`).
    Stellar,
    /// Solana (`solana`).
    Solana,
    /// A bare Ed25519 public key (`rawkey:ed25519`).
    RawEd25519,
    /// A bare secp256k1 public key (`rawkey:secp256k1`).
    RawSecp256k1,
    /// A chain keytree does not know, named by its CAIP-2 namespace.
    Custom(String),
}

impl Chain {
    /// The CAIP-2 namespace (`eip155`, `near`, …).
    pub fn namespace(&self) -> &str {
        match self {
            Self::Ethereum => "eip155",
            Self::Near => "near",
            Self::Icp => "icp",
            Self::Stellar => "stellar",
            Self::Solana => "solana",
            Self::RawEd25519 | Self::RawSecp256k1 => "rawkey",
            Self::Custom(ns) => ns,
        }
    }
}

impl fmt::Display for Chain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::RawEd25519 => f.write_str("rawkey:ed25519"),
            Self::RawSecp256k1 => f.write_str("rawkey:secp256k1"),
            other => f.write_str(other.namespace()),
        }
    }
}
