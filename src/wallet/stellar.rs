//! Stellar wallet signatures (in progress on the wallets branch).

use super::{Chain, Expectations, VerifiedAccount, WalletProof, WalletVerifier};
use crate::error::{Result, WalletError};

/// A Stellar proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StellarProof {}

/// Verifies Stellar proofs.
#[derive(Clone, Debug, Default)]
pub struct StellarVerifier {}

impl StellarVerifier {
    /// A verifier with default settings.
    pub fn new() -> Self {
        Self {}
    }
}

impl WalletVerifier for StellarVerifier {
    fn chain(&self) -> Chain {
        Chain::Stellar
    }

    fn verify(&self, _proof: &WalletProof, _expect: &Expectations<'_>) -> Result<VerifiedAccount> {
        Err(WalletError::UnsupportedChain(self.chain().to_string()).into())
    }
}

pub(crate) fn decode_account(_address: &str) -> Result<[u8; 32]> {
    Err(WalletError::UnsupportedChain("stellar".into()).into())
}
