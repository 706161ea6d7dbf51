//! Ethereum wallet signatures (in progress on the wallets branch).

use super::{Chain, Expectations, VerifiedAccount, WalletProof, WalletVerifier};
use crate::error::{Result, WalletError};

/// A Ethereum proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EthereumProof {}

/// Verifies Ethereum proofs.
#[derive(Clone, Debug, Default)]
pub struct EthereumVerifier {}

impl EthereumVerifier {
    /// A verifier with default settings.
    pub fn new() -> Self {
        Self {}
    }
}

impl WalletVerifier for EthereumVerifier {
    fn chain(&self) -> Chain {
        Chain::Ethereum
    }

    fn verify(&self, _proof: &WalletProof, _expect: &Expectations<'_>) -> Result<VerifiedAccount> {
        Err(WalletError::UnsupportedChain(self.chain().to_string()).into())
    }
}
