//! Wallet proofs: one signed message per chain, in its own shape.

use super::account::AccountId;
use super::chain::Chain;
#[cfg(feature = "ethereum")]
use super::ethereum;
#[cfg(feature = "icp")]
use super::icp;
#[cfg(feature = "near")]
use super::near;
use super::raw;
#[cfg(feature = "solana")]
use super::solana;
#[cfg(feature = "stellar")]
use super::stellar;

/// A signed message from a wallet, in its chain's own shape.
///
/// Non-exhaustive: variants come with the chain features.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WalletProof {
    /// Ethereum: EIP-191 `personal_sign` or SIWE.
    #[cfg(feature = "ethereum")]
    Ethereum(ethereum::EthereumProof),
    /// NEAR: NEP-413 `signMessage`.
    #[cfg(feature = "near")]
    Near(near::NearProof),
    /// Stellar: SEP-53 signed message.
    #[cfg(feature = "stellar")]
    Stellar(stellar::StellarProof),
    /// Solana: signed message or Sign-In-With-Solana.
    #[cfg(feature = "solana")]
    Solana(solana::SolanaProof),
    /// ICP: a principal's key (or a delegation chain's session key)
    /// signing the message.
    #[cfg(feature = "icp")]
    Icp(icp::IcpProof),
    /// ICP: an Internet Identity delegation chain (rooted in a canister
    /// signature) whose session key signed the message.
    #[cfg(feature = "icp-canister-sig")]
    IcpCanister(icp::IcpCanisterProof),
    /// A bare Ed25519 or secp256k1 key signing a server nonce.
    RawKey(raw::RawKeyProof),
    /// A proof for a chain the server registered itself.
    Custom(CustomProof),
}

impl WalletProof {
    /// The chain whose verifier must check this proof.
    pub fn chain(&self) -> Chain {
        match self {
            #[cfg(feature = "ethereum")]
            Self::Ethereum(_) => Chain::Ethereum,
            #[cfg(feature = "near")]
            Self::Near(_) => Chain::Near,
            #[cfg(feature = "stellar")]
            Self::Stellar(_) => Chain::Stellar,
            #[cfg(feature = "solana")]
            Self::Solana(_) => Chain::Solana,
            #[cfg(feature = "icp")]
            Self::Icp(_) => Chain::Icp,
            #[cfg(feature = "icp-canister-sig")]
            Self::IcpCanister(_) => Chain::Icp,
            Self::RawKey(p) => p.account().chain().clone(),
            Self::Custom(p) => p.account.chain().clone(),
        }
    }
}

/// A proof for a chain keytree does not know: the verifier registered for
/// `account.chain()` interprets the bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CustomProof {
    /// The claimed account.
    pub account: AccountId,
    /// The signed message.
    pub message: Vec<u8>,
    /// The signature, in the chain's own encoding.
    pub signature: Vec<u8>,
}

impl CustomProof {
    /// Builds a custom proof.
    pub fn new(account: AccountId, message: impl AsRef<[u8]>, signature: impl AsRef<[u8]>) -> Self {
        Self {
            account,
            message: message.as_ref().to_vec(),
            signature: signature.as_ref().to_vec(),
        }
    }
}
