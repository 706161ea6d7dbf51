//! Stellar: SEP-53 signed messages. The strkey codec (SEP-23) is
//! `wallet/strkey.rs`, in every build, so that `stellar:…` account texts
//! are checked the same way whatever the features.
//!
//! SEP-53: the wallet signs SHA-256(`"Stellar Signed Message:\n"` ‖ message)
//! with Ed25519; the signature travels as standard base64.

use sha2::{Digest as _, Sha256};

use super::account::AccountId;
use super::chain::Chain;
use super::check::{Expectations, SignerKey, StatementProof, VerifiedAccount};
use super::proof::WalletProof;
use super::text::parse_base64_signature;
use super::verifier::WalletVerifier;
use crate::error::{Error, Result};
use crate::public_key::{PublicKey, Signature};

use super::strkey::decode_account;

/// The SEP-53 hash: SHA-256(`"Stellar Signed Message:\n"` ‖ message).
pub fn sep53_hash(message: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"Stellar Signed Message:\n");
    h.update(message);
    h.finalize().into()
}

/// A SEP-53 signed message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StellarProof {
    account: AccountId,
    key: PublicKey,
    message: Vec<u8>,
    signature: Signature,
}

impl StellarProof {
    /// A proof: the `stellar:…:G…` account, the message and the base64 signature.
    ///
    /// # Errors
    /// [`Error::Decode`] for a bad signature; [`WalletError::WrongChain`](crate::WalletError::WrongChain).
    pub fn new(
        account: AccountId,
        message: impl AsRef<[u8]>,
        signature_base64: &str,
    ) -> Result<Self> {
        if account.chain() != &Chain::Stellar {
            return Err(super::check::wrong_chain(&Chain::Stellar, account.chain()));
        }
        Ok(Self {
            key: PublicKey::from_bytes(&decode_account(account.address())?)?,
            account,
            message: message.as_ref().to_vec(),
            signature: parse_base64_signature(signature_base64, "stellar signature")?,
        })
    }

    /// The claimed account.
    pub fn account(&self) -> &AccountId {
        &self.account
    }

    /// The exact message bytes that were signed (before the SEP-53 prefix).
    pub(crate) fn signed_bytes(&self) -> &[u8] {
        &self.message
    }
}

impl From<StellarProof> for WalletProof {
    fn from(p: StellarProof) -> Self {
        Self::Stellar(p)
    }
}

/// Verifies SEP-53 proofs.
#[derive(Clone, Copy, Debug, Default)]
pub struct StellarVerifier;

impl StellarVerifier {
    /// The verifier.
    pub fn new() -> Self {
        Self
    }

    fn check(
        account: &AccountId,
        key: &PublicKey,
        message: &[u8],
        signature: &Signature,
    ) -> Result<VerifiedAccount> {
        key.verify(&sep53_hash(message), signature)?;
        Ok(VerifiedAccount::new(
            account.clone(),
            SignerKey::Ed25519(*key),
        ))
    }
}

impl WalletVerifier for StellarVerifier {
    fn chain(&self) -> Chain {
        Chain::Stellar
    }

    /// Requires [`Expectations::message`].
    fn verify(&self, proof: &WalletProof, expect: &Expectations<'_>) -> Result<VerifiedAccount> {
        let WalletProof::Stellar(p) = proof else {
            return Err(super::check::wrong_chain(&self.chain(), &proof.chain()));
        };
        expect.require_exact_message(&p.message)?;
        Self::check(&p.account, &p.key, &p.message, &p.signature)
    }

    /// Delegation statements: SEP-53 of the statement; 64-byte signature.
    fn verify_statement(&self, proof: &StatementProof<'_>) -> Result<VerifiedAccount> {
        let sig = Signature::from_slice(proof.signature).map_err(|_| Error::InvalidSignature)?;
        let key = PublicKey::from_bytes(&decode_account(proof.account.address())?)?;
        Self::check(proof.account, &key, proof.statement.as_bytes(), &sig)
    }
}
