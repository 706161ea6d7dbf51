//! NEAR: NEP-413 `signMessage`.
//!
//! The signed bytes are SHA-256 of `borsh(u32 2^31 + 413) ‖ borsh(payload)`,
//! payload = `{ message: string, nonce: [u8; 32], recipient: string,
//! callbackUrl: Option<string> }`, verified with Ed25519 (strict). Keys are
//! `ed25519:<base58>`; signatures are standard base64 (padded, as wallets
//! return them).
//!
//! Borsh comes from the `borsh` crate (without its derive macros): the
//! payload is the tuple `(u32, String, [u8; 32], String, Option<String>)`,
//! and `borsh::from_slice` is strict (UTF-8, option flag 0 or 1, no
//! trailing bytes). keytree adds the tag check and a 64 KiB bound per field.
//!
//! Policies:
//! - The verifier requires the expected recipient ([`Expectations::domain`])
//!   and nonce ([`Expectations::nonce`], 32 bytes) and the exact message
//!   ([`Expectations::message`]).
//! - `callbackUrl`: the proof's value must equal [`Expectations::callback_url`]
//!   exactly, absent matching only absent. The default expectation is
//!   absent, so a proof carrying a callback URL is refused unless the server
//!   names that URL.
//! - Account binding: an implicit account (64 lowercase hex) is its own key.
//!   A named account's keys come from the server's [`AccessKeyResolver`];
//!   only full-access keys count unless
//!   [`NearVerifier::with_function_call_keys`] is set. Without a resolver,
//!   named accounts are refused ([`WalletError::NoAccessKeyResolver`]).

use std::sync::Arc;

use sha2::{Digest as _, Sha256};

use super::account::AccountId;
use super::chain::Chain;
use super::check::{
    Expectations, SignerKey, StatementProof, VerifiedAccount, WalletFuture, now_or_never,
    resolver_pending,
};
use super::proof::WalletProof;
use super::text::{near_implicit_key, parse_base64_signature};
use super::verifier::WalletVerifier;
use crate::encoding::base58_decode_array;
use crate::error::{DecodeReason, Error, Result, WalletError};
use crate::public_key::{PublicKey, Signature};

/// The NEP-413 tag, 2^31 + 413.
pub const NEP413_TAG: u32 = (1 << 31) + 413;
/// The recipient used when a NEAR wallet signs a delegation statement.
pub const NEAR_DELEGATION_RECIPIENT: &str = "keytree";
/// The largest message, recipient or callback URL accepted (bytes).
const MAX_FIELD: usize = 64 * 1024;

/// Parses an `ed25519:<base58>` NEAR public key.
///
/// # Errors
/// [`Error::Decode`] or [`Error::InvalidKey`].
pub fn parse_near_public_key(text: &str) -> Result<PublicKey> {
    let b58 = text.strip_prefix("ed25519:").ok_or(Error::decode(
        "near public key",
        DecodeReason::Prefix {
            expected: "ed25519:",
        },
    ))?;
    PublicKey::from_bytes(&base58_decode_array::<32>(b58, "near public key")?)
}

/// The NEP-413 payload.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Nep413Payload {
    /// The message shown to the user.
    pub message: String,
    /// 32 bytes chosen by the server.
    pub nonce: [u8; 32],
    /// Who the message is for (the app's domain or account).
    pub recipient: String,
    /// Optional callback URL.
    pub callback_url: Option<String>,
}

/// The borsh shape of `tag ‖ payload`.
type Nep413Borsh = (u32, String, [u8; 32], String, Option<String>);

impl Nep413Payload {
    /// A payload.
    pub fn new(
        message: impl Into<String>,
        nonce: [u8; 32],
        recipient: impl Into<String>,
        callback_url: Option<String>,
    ) -> Self {
        Self {
            message: message.into(),
            nonce,
            recipient: recipient.into(),
            callback_url,
        }
    }

    /// `borsh(tag) ‖ borsh(payload)`.
    pub fn to_borsh(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.message.len() + self.recipient.len());
        let value = (
            NEP413_TAG,
            &self.message,
            &self.nonce,
            &self.recipient,
            &self.callback_url,
        );
        // Writing to a Vec fails only for a field over 4 GiB (its u32
        // length); the bytes are then cut short, and no signature matches.
        let _ = borsh::BorshSerialize::serialize(&value, &mut out);
        out
    }

    /// Decodes `borsh(tag) ‖ borsh(payload)` strictly (tag, UTF-8, option
    /// flag 0/1, no trailing bytes, fields of at most 64 KiB).
    ///
    /// # Errors
    /// [`Error::Decode`].
    pub fn from_borsh(bytes: &[u8]) -> Result<Self> {
        const WHAT: &str = "nep-413 payload";
        // Lengths are read before the bytes they announce, so a bound on
        // the input bounds what borsh allocates.
        if bytes.len() > 4 + 32 + 1 + 3 * (4 + MAX_FIELD) {
            return Err(Error::decode(
                WHAT,
                DecodeReason::TooLong {
                    max: 4 + 32 + 1 + 3 * (4 + MAX_FIELD),
                },
            ));
        }
        let (tag, message, nonce, recipient, callback_url): Nep413Borsh =
            borsh::from_slice(bytes).map_err(|e| Error::malformed(WHAT, e))?;
        if tag != NEP413_TAG {
            return Err(Error::malformed(WHAT, "wrong tag"));
        }
        let longest = [Some(&message), Some(&recipient), callback_url.as_ref()]
            .into_iter()
            .flatten()
            .map(String::len)
            .max()
            .unwrap_or(0);
        if longest > MAX_FIELD {
            return Err(Error::decode(
                WHAT,
                DecodeReason::TooLong { max: MAX_FIELD },
            ));
        }
        Ok(Self {
            message,
            nonce,
            recipient,
            callback_url,
        })
    }

    /// SHA-256 of [`Self::to_borsh`]: the bytes the wallet signs.
    pub fn hash(&self) -> [u8; 32] {
        Sha256::digest(self.to_borsh()).into()
    }
}

/// A NEP-413 signed message from a NEAR wallet.
///
/// # Example
/// ```
/// use keytree::{Expectations, Nep413Payload, NearProof, WalletRegistry};
/// // The NEP-413 spec's example payload, signed by a test key (near-api-js vector).
/// let nonce: [u8; 32] = core::array::from_fn(|i| i as u8);
/// let proof = NearProof::new(
///     "near:mainnet:03586f7a0388f22e876daa5134b7fc0b04790f432e4a1761bd42a6c52dbe92d4".parse()?,
///     "ed25519:E4SHEDdgnmCdEwRcrEmAtJJAG8oKPt2un5LfL2t8ZCo",
///     Nep413Payload::new("hi", nonce, "myapp.com", None),
///     "lxB0IOKnxLc//JrlLxjeJRtvV1f5rPg1qMX9udJ7vhJJL9aR3KAeCnEiFcApxpNXx7CyiFcB+NoS8XyrQF4xDQ==",
/// )?;
/// let expect = Expectations::at(0).message(b"hi").domain("myapp.com").nonce(&nonce);
/// WalletRegistry::with_defaults().verify(&proof.into(), &expect)?;
/// Ok::<(), keytree::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NearProof {
    account: AccountId,
    public_key: PublicKey,
    payload: Nep413Payload,
    signature: Signature,
}

impl NearProof {
    /// A proof from the wallet's response: the account, the signing key
    /// (`ed25519:<base58>`), the payload and the base64 signature.
    ///
    /// # Errors
    /// [`Error::Decode`] / [`Error::InvalidKey`] for bad encodings;
    /// [`WalletError::WrongChain`] for a non-NEAR account.
    pub fn new(
        account: AccountId,
        public_key: &str,
        payload: Nep413Payload,
        signature_base64: &str,
    ) -> Result<Self> {
        if account.chain() != &Chain::Near {
            return Err(super::check::wrong_chain(&Chain::Near, account.chain()));
        }
        Ok(Self {
            account,
            public_key: parse_near_public_key(public_key)?,
            payload,
            signature: parse_base64_signature(signature_base64, "near signature")?,
        })
    }

    /// The claimed account.
    pub fn account(&self) -> &AccountId {
        &self.account
    }

    /// The payload.
    pub fn payload(&self) -> &Nep413Payload {
        &self.payload
    }
}

impl From<NearProof> for WalletProof {
    fn from(p: NearProof) -> Self {
        Self::Near(p)
    }
}

/// An access key's permission, as the chain reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AccessKeyPermission {
    /// Full access.
    FullAccess,
    /// Function-call access (limited to some contract methods).
    FunctionCall,
}

/// Looks up a named NEAR account's access keys (the server queries an RPC
/// node or an indexer; keytree does no I/O).
///
/// Async: it returns a [`WalletFuture`] (boxed, `Send`), so an RPC-backed
/// resolver awaits its call; keytree runs no executor. A resolver that
/// needs no I/O implements [`SyncAccessKeyResolver`] instead and is set
/// with [`NearVerifier::with_access_keys_sync`].
pub trait AccessKeyResolver: Send + Sync {
    /// The permission of `key` on `account`, or `None` when it is not one
    /// of the account's access keys.
    ///
    /// # Errors
    /// Any lookup failure; verification then fails closed.
    fn access_key<'a>(
        &'a self,
        account: &'a AccountId,
        key: &'a PublicKey,
    ) -> WalletFuture<'a, Option<AccessKeyPermission>>;
}

/// The `&T`, `Box<T>` and `Arc<T>` impls, which only forward.
macro_rules! forward_access_key_resolver {
    ($($ptr:ty),+) => {$(
        impl<T: AccessKeyResolver + ?Sized> AccessKeyResolver for $ptr {
            fn access_key<'a>(
                &'a self,
                a: &'a AccountId,
                k: &'a PublicKey,
            ) -> WalletFuture<'a, Option<AccessKeyPermission>> {
                (**self).access_key(a, k)
            }
        }
    )+};
}

forward_access_key_resolver!(&T, Box<T>, Arc<T>);

/// An [`AccessKeyResolver`] that answers at once (a table, a cache, a
/// test). Set it with [`NearVerifier::with_access_keys_sync`]; a closure
/// `Fn(&account, &key) -> Result<Option<AccessKeyPermission>>` is one.
pub trait SyncAccessKeyResolver: Send + Sync {
    /// As [`AccessKeyResolver::access_key`].
    ///
    /// # Errors
    /// Any lookup failure; verification then fails closed.
    fn access_key(
        &self,
        account: &AccountId,
        key: &PublicKey,
    ) -> Result<Option<AccessKeyPermission>>;
}

impl<F> SyncAccessKeyResolver for F
where
    F: Fn(&AccountId, &PublicKey) -> Result<Option<AccessKeyPermission>> + Send + Sync,
{
    fn access_key(&self, a: &AccountId, k: &PublicKey) -> Result<Option<AccessKeyPermission>> {
        self(a, k)
    }
}

/// Adapts a [`SyncAccessKeyResolver`] to the async trait.
struct SyncAdapter<R>(R);

impl<R: SyncAccessKeyResolver> AccessKeyResolver for SyncAdapter<R> {
    fn access_key<'a>(
        &'a self,
        a: &'a AccountId,
        k: &'a PublicKey,
    ) -> WalletFuture<'a, Option<AccessKeyPermission>> {
        Box::pin(std::future::ready(self.0.access_key(a, k)))
    }
}

/// NEAR: NEP-413 `signMessage`.
///
/// The signed bytes are SHA-256 of `borsh(u32 2^31 + 413) ‖ borsh(payload)`,
/// payload = `{ message: string, nonce: [u8; 32], recipient: string,
/// callbackUrl: Option<string> }`, verified with Ed25519 (strict). Keys are
/// `ed25519:<base58>`; signatures are standard base64 (padded, as wallets
/// return them).
///
/// Borsh comes from the `borsh` crate (strict: UTF-8, option flag 0 or 1,
/// no trailing bytes); keytree adds the tag check and a 64 KiB bound per
/// field.
///
/// Policies:
/// - The verifier requires the expected recipient ([`Expectations::domain`])
///   and nonce ([`Expectations::nonce`], 32 bytes) and the exact message
///   ([`Expectations::message`]).
/// - `callbackUrl`: the proof's value must equal [`Expectations::callback_url`]
///   exactly, absent matching only absent. The default expectation is
///   absent, so a proof carrying a callback URL is refused unless the server
///   names that URL.
/// - Account binding: an implicit account (64 lowercase hex) is its own key.
///   A named account's keys come from the server's [`AccessKeyResolver`];
///   only full-access keys count unless
///   [`NearVerifier::with_function_call_keys`] is set. Without a resolver,
///   named accounts are refused ([`WalletError::NoAccessKeyResolver`]).
///
/// Verifies NEAR proofs.
#[derive(Clone, Default)]
pub struct NearVerifier {
    resolver: Option<Arc<dyn AccessKeyResolver>>,
    allow_function_call: bool,
}

impl std::fmt::Debug for NearVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NearVerifier")
            .field("resolver", &self.resolver.is_some())
            .field("allow_function_call", &self.allow_function_call)
            .finish()
    }
}

impl NearVerifier {
    /// Implicit accounts only (no resolver).
    pub fn new() -> Self {
        Self::default()
    }

    /// Resolves named accounts' keys through `resolver`.
    #[must_use]
    pub fn with_access_keys(mut self, resolver: impl AccessKeyResolver + 'static) -> Self {
        self.resolver = Some(Arc::new(resolver));
        self
    }

    /// [`NearVerifier::with_access_keys`] for a resolver that answers at
    /// once (no I/O).
    #[must_use]
    pub fn with_access_keys_sync(self, resolver: impl SyncAccessKeyResolver + 'static) -> Self {
        self.with_access_keys(SyncAdapter(resolver))
    }

    /// Also accepts function-call access keys (off by default).
    #[must_use]
    pub fn with_function_call_keys(mut self) -> Self {
        self.allow_function_call = true;
        self
    }

    async fn check_binding(&self, account: &AccountId, key: &PublicKey) -> Result<()> {
        if let Some(implicit) = near_implicit_key(account.address())
            && &implicit == key.as_bytes()
        {
            return Ok(());
        }
        let Some(resolver) = &self.resolver else {
            return Err(if near_implicit_key(account.address()).is_some() {
                WalletError::AccountMismatch.into()
            } else {
                WalletError::NoAccessKeyResolver.into()
            });
        };
        match resolver.access_key(account, key).await? {
            Some(AccessKeyPermission::FullAccess) => Ok(()),
            Some(AccessKeyPermission::FunctionCall) if self.allow_function_call => Ok(()),
            Some(AccessKeyPermission::FunctionCall) => Err(WalletError::FunctionCallKey.into()),
            None => Err(WalletError::UnknownAccessKey.into()),
        }
    }
}

impl NearVerifier {
    async fn verify_proof(
        &self,
        proof: &WalletProof,
        expect: &Expectations<'_>,
    ) -> Result<VerifiedAccount> {
        let WalletProof::Near(p) = proof else {
            return Err(super::check::wrong_chain(&Chain::Near, &proof.chain()));
        };
        let recipient = expect.require_domain()?;
        let nonce = expect.require_nonce()?;
        let message = expect.require_message()?;
        if p.payload.recipient != recipient {
            return Err(WalletError::DomainMismatch {
                expected: recipient.to_owned(),
                got: p.payload.recipient.clone(),
            }
            .into());
        }
        if p.payload.nonce.as_slice() != nonce {
            return Err(WalletError::NonceMismatch.into());
        }
        if p.payload.message.as_bytes() != message {
            return Err(WalletError::MessageMismatch.into());
        }
        if p.payload.callback_url.as_deref() != expect.callback_url {
            return Err(WalletError::CallbackUrlMismatch.into());
        }
        p.public_key.verify(&p.payload.hash(), &p.signature)?;
        self.check_binding(&p.account, &p.public_key).await?;
        Ok(VerifiedAccount::new(
            p.account.clone(),
            SignerKey::Ed25519(p.public_key),
        ))
    }
}

impl WalletVerifier for NearVerifier {
    fn chain(&self) -> Chain {
        Chain::Near
    }

    /// Requires the expected message, recipient ([`Expectations::domain`])
    /// and nonce; the callback URL must equal the expected one. A resolver
    /// that does not answer at once is refused here
    /// ([`WalletError::Resolver`]): use [`WalletVerifier::verify_async`].
    fn verify(&self, proof: &WalletProof, expect: &Expectations<'_>) -> Result<VerifiedAccount> {
        now_or_never(self.verify_proof(proof, expect)).unwrap_or_else(|| Err(resolver_pending()))
    }

    fn verify_async<'a>(
        &'a self,
        proof: &'a WalletProof,
        expect: &'a Expectations<'a>,
    ) -> WalletFuture<'a, VerifiedAccount> {
        Box::pin(self.verify_proof(proof, expect))
    }

    /// Delegation statements: NEP-413 with message = the statement, nonce =
    /// the delegation id, recipient = `"keytree"`, no callback URL. The
    /// stored signature is the 32-byte public key followed by the 64-byte
    /// signature (a named account has several keys).
    fn verify_statement(&self, proof: &StatementProof<'_>) -> Result<VerifiedAccount> {
        let (Some(key), Some(sig), 96) = (
            proof.signature.get(..32),
            proof.signature.get(32..),
            proof.signature.len(),
        ) else {
            return Err(Error::InvalidSignature);
        };
        let key = PublicKey::from_bytes(
            &<[u8; 32]>::try_from(key).map_err(|_| Error::InvalidSignature)?,
        )?;
        let sig = Signature::from_slice(sig)?;
        let payload =
            Nep413Payload::new(proof.statement, *proof.id, NEAR_DELEGATION_RECIPIENT, None);
        key.verify(&payload.hash(), &sig)?;
        now_or_never(self.check_binding(proof.account, &key))
            .unwrap_or_else(|| Err(resolver_pending()))?;
        Ok(VerifiedAccount::new(
            proof.account.clone(),
            SignerKey::Ed25519(key),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The crate's borsh is the layout NEP-413 states: u32 little-endian,
    /// string = u32 length ‖ UTF-8, fixed array = raw bytes, option =
    /// 0 | 1 ‖ value.
    #[test]
    fn borsh_layout() {
        let p = Nep413Payload::new("hi", [7; 32], "app", Some("u".into()));
        let mut want = NEP413_TAG.to_le_bytes().to_vec();
        want.extend_from_slice(&[2, 0, 0, 0, b'h', b'i']);
        want.extend_from_slice(&[7; 32]);
        want.extend_from_slice(&[3, 0, 0, 0, b'a', b'p', b'p']);
        want.extend_from_slice(&[1, 1, 0, 0, 0, b'u']);
        assert_eq!(p.to_borsh(), want);
        assert_eq!(Nep413Payload::from_borsh(&want).unwrap(), p);
        // Option flag 2, trailing byte, bad UTF-8, wrong tag: refused.
        let mut bad = want.clone();
        let flag = want.len() - 6;
        bad[flag] = 2;
        assert!(Nep413Payload::from_borsh(&bad).is_err());
        bad = [want.as_slice(), &[0]].concat();
        assert!(Nep413Payload::from_borsh(&bad).is_err());
        bad = want.clone();
        bad[8] = 0xff;
        assert!(Nep413Payload::from_borsh(&bad).is_err());
        bad = want.clone();
        bad[0] ^= 1;
        assert!(Nep413Payload::from_borsh(&bad).is_err());
        let none = Nep413Payload::new("hi", [7; 32], "app", None);
        assert_eq!(none.to_borsh().last(), Some(&0));
        // A field over 64 KiB is refused even when borsh could read it.
        let long = Nep413Payload::new("x".repeat(MAX_FIELD + 1), [0; 32], "a", None);
        assert!(Nep413Payload::from_borsh(&long.to_borsh()).is_err());
    }
}
