//! Near wallet signatures (in progress on the wallets branch).

use super::{Chain, Expectations, VerifiedAccount, WalletProof, WalletVerifier};
use crate::error::{Result, WalletError};

/// A Near proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NearProof {}

/// Verifies Near proofs.
#[derive(Clone, Debug, Default)]
pub struct NearVerifier {}

impl NearVerifier {
    /// A verifier with default settings.
    pub fn new() -> Self {
        Self {}
    }
}

impl WalletVerifier for NearVerifier {
    fn chain(&self) -> Chain {
        Chain::Near
    }

    fn verify(&self, _proof: &WalletProof, _expect: &Expectations<'_>) -> Result<VerifiedAccount> {
        Err(WalletError::UnsupportedChain(self.chain().to_string()).into())
    }
}
