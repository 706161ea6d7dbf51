//! Solana wallet signatures (in progress on the wallets branch).

use super::{Chain, Expectations, VerifiedAccount, WalletProof, WalletVerifier};
use crate::error::{Result, WalletError};

/// A Solana proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SolanaProof {}

/// Verifies Solana proofs.
#[derive(Clone, Debug, Default)]
pub struct SolanaVerifier {}

impl SolanaVerifier {
    /// A verifier with default settings.
    pub fn new() -> Self {
        Self {}
    }
}

impl WalletVerifier for SolanaVerifier {
    fn chain(&self) -> Chain {
        Chain::Solana
    }

    fn verify(&self, _proof: &WalletProof, _expect: &Expectations<'_>) -> Result<VerifiedAccount> {
        Err(WalletError::UnsupportedChain(self.chain().to_string()).into())
    }
}
