//! The trait every chain's verifier implements.

use std::sync::Arc;

use super::chain::Chain;
use super::check::{Expectations, StatementProof, VerifiedAccount, WalletFuture};
use super::proof::WalletProof;
use crate::error::Result;

/// Checks wallet signatures for one chain.
///
/// A [`WalletVerifier`] checks a [`WalletProof`] (a chain-specific signed
/// message) against what the server expects ([`Expectations`]) and returns
/// the [`VerifiedAccount`] that signed. A [`WalletRegistry`] maps each
/// [`Chain`] to its verifier; [`WalletRegistry::with_defaults`] holds every
/// chain compiled in, and a server registers its own with
/// [`WalletRegistry::register`] (a NEAR verifier with its access-key
/// resolver, say, or a chain keytree does not know).
///
/// Implement it for a chain keytree does not know and
/// [`register`](crate::WalletRegistry::register) it; plain values, references,
/// `Box`es and `Arc`s all work as verifiers.
///
/// [`WalletRegistry`]: crate::WalletRegistry
/// [`WalletRegistry::register`]: crate::WalletRegistry::register
/// [`WalletRegistry::with_defaults`]: crate::WalletRegistry::with_defaults
pub trait WalletVerifier: Send + Sync {
    /// The chain this verifier checks.
    fn chain(&self) -> Chain;

    /// Verifies `proof` against `expect` and returns the signing account.
    ///
    /// # Errors
    /// [`Error::InvalidSignature`] for a bad signature, [`Error::Wallet`]
    /// for a wrong account, domain, nonce, time window or message, and
    /// [`Error::Decode`] for malformed input.
    ///
    /// [`Error::Decode`]: crate::Error::Decode
    /// [`Error::InvalidSignature`]: crate::Error::InvalidSignature
    /// [`Error::Wallet`]: crate::Error::Wallet
    fn verify(&self, proof: &WalletProof, expect: &Expectations<'_>) -> Result<VerifiedAccount>;

    /// [`WalletVerifier::verify`] for servers whose resolvers do I/O: the
    /// resolvers' futures are awaited. Login ([`crate::ChallengeIssuer`])
    /// uses this.
    ///
    /// The default runs [`WalletVerifier::verify`]; verifiers with async
    /// resolvers override it (and their sync `verify` then refuses a
    /// resolver that does not answer at once, with
    /// [`WalletError::Resolver`]).
    ///
    /// # Errors
    /// As [`WalletVerifier::verify`].
    ///
    /// [`WalletError::Resolver`]: crate::WalletError::Resolver
    fn verify_async<'a>(
        &'a self,
        proof: &'a WalletProof,
        expect: &'a Expectations<'a>,
    ) -> WalletFuture<'a, VerifiedAccount> {
        Box::pin(std::future::ready(self.verify(proof, expect)))
    }

    /// Verifies a wallet's signature over a delegation statement.
    ///
    /// The default refuses: a chain must opt in to rooting delegations.
    ///
    /// # Errors
    /// As [`WalletVerifier::verify`]; by default
    /// [`crate::DelegationError::UnsupportedIssuer`].
    fn verify_statement(&self, proof: &StatementProof<'_>) -> Result<VerifiedAccount> {
        let _ = proof;
        Err(crate::error::DelegationError::UnsupportedIssuer.into())
    }
}

/// The `&T`, `Box<T>` and `Arc<T>` impls, which only forward.
macro_rules! forward_wallet_verifier {
    ($($ptr:ty),+) => {$(
        impl<T: WalletVerifier + ?Sized> WalletVerifier for $ptr {
            fn chain(&self) -> Chain {
                (**self).chain()
            }
            fn verify(&self, proof: &WalletProof, expect: &Expectations<'_>) -> Result<VerifiedAccount> {
                (**self).verify(proof, expect)
            }
            fn verify_async<'a>(
                &'a self,
                proof: &'a WalletProof,
                expect: &'a Expectations<'a>,
            ) -> WalletFuture<'a, VerifiedAccount> {
                (**self).verify_async(proof, expect)
            }
            fn verify_statement(&self, proof: &StatementProof<'_>) -> Result<VerifiedAccount> {
                (**self).verify_statement(proof)
            }
        }
    )+};
}

forward_wallet_verifier!(&T, Box<T>, Arc<T>);
