//! The registry that maps each chain to its verifier.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use super::chain::Chain;
use super::check::{Expectations, StatementProof, VerifiedAccount};
#[cfg(feature = "ethereum")]
use super::ethereum;
#[cfg(feature = "icp")]
use super::icp;
#[cfg(feature = "near")]
use super::near;
use super::proof::WalletProof;
use super::raw;
#[cfg(feature = "solana")]
use super::solana;
#[cfg(feature = "stellar")]
use super::stellar;
use super::verifier::WalletVerifier;
use crate::error::{Result, WalletError};

/// Maps each [`Chain`] to its verifier.
///
/// # Example
/// ```
/// use keytree::{Chain, WalletRegistry};
/// let registry = WalletRegistry::with_defaults();
/// assert!(registry.get(&Chain::RawEd25519).is_some());
/// Ok::<(), keytree::Error>(())
/// ```
#[derive(Default)]
pub struct WalletRegistry {
    verifiers: BTreeMap<Chain, Arc<dyn WalletVerifier>>,
}

impl WalletRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// A registry holding every built-in verifier compiled in, with default
    /// settings: raw Ed25519 and secp256k1 keys, and per feature Ethereum
    /// (no EIP-1271 resolver: contract wallets are refused), NEAR (no
    /// access-key resolver: implicit accounts only), Stellar, Solana and ICP
    /// (no target canister: delegations restricted to canisters are refused).
    pub fn with_defaults() -> Self {
        let mut r = Self::new();
        r.register(raw::RawKeyVerifier::ed25519());
        r.register(raw::RawKeyVerifier::secp256k1());
        #[cfg(feature = "ethereum")]
        r.register(ethereum::EthereumVerifier::new());
        #[cfg(feature = "near")]
        r.register(near::NearVerifier::new());
        #[cfg(feature = "stellar")]
        r.register(stellar::StellarVerifier::new());
        #[cfg(feature = "solana")]
        r.register(solana::SolanaVerifier::new());
        #[cfg(feature = "icp")]
        r.register(icp::IcpVerifier::new());
        r
    }

    /// Registers `verifier` for its chain, replacing any earlier one.
    pub fn register(&mut self, verifier: impl WalletVerifier + 'static) -> &mut Self {
        self.verifiers.insert(verifier.chain(), Arc::new(verifier));
        self
    }

    /// The verifier for `chain`.
    pub fn get(&self, chain: &Chain) -> Option<&Arc<dyn WalletVerifier>> {
        self.verifiers.get(chain)
    }

    fn require(&self, chain: &Chain) -> Result<&Arc<dyn WalletVerifier>> {
        self.get(chain)
            .ok_or_else(|| WalletError::UnsupportedChain(chain.to_string()).into())
    }

    /// Verifies `proof` with the verifier registered for its chain.
    ///
    /// # Errors
    /// [`WalletError::UnsupportedChain`] when none is registered; otherwise
    /// as [`WalletVerifier::verify`].
    pub fn verify(
        &self,
        proof: &WalletProof,
        expect: &Expectations<'_>,
    ) -> Result<VerifiedAccount> {
        self.require(&proof.chain())?.verify(proof, expect)
    }

    /// [`WalletRegistry::verify`], awaiting async resolvers.
    ///
    /// # Errors
    /// As [`WalletRegistry::verify`].
    pub async fn verify_async(
        &self,
        proof: &WalletProof,
        expect: &Expectations<'_>,
    ) -> Result<VerifiedAccount> {
        self.require(&proof.chain())?
            .verify_async(proof, expect)
            .await
    }

    /// Verifies a delegation statement with the verifier for its account's chain.
    ///
    /// # Errors
    /// [`WalletError::UnsupportedChain`] when none is registered; otherwise
    /// as [`WalletVerifier::verify_statement`].
    pub fn verify_statement(&self, proof: &StatementProof<'_>) -> Result<VerifiedAccount> {
        let verified = self
            .require(proof.account.chain())?
            .verify_statement(proof)?;
        if &verified.account != proof.account {
            return Err(WalletError::AccountMismatch.into());
        }
        Ok(verified)
    }
}

impl fmt::Debug for WalletRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.verifiers.keys()).finish()
    }
}
