//! What every verifier shares: the server's expectations, the outcome of a
//! verification, the statement a wallet signs for a delegation, and the
//! helpers for resolvers and wrong-chain refusals.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use super::account::AccountId;
use super::chain::Chain;
use crate::error::{Error, Result, WalletError};
use crate::public_key::PublicKey;

/// How far a sign-in message's issued-at may lie ahead of `now` (clock skew).
pub const DEFAULT_WALLET_LEEWAY: u64 = 60;

/// The key that produced a wallet signature.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignerKey {
    /// An Ed25519 key (NEAR, Stellar, Solana, raw Ed25519).
    Ed25519(PublicKey),
    /// A secp256k1 key, SEC1 compressed (Ethereum EOAs, raw secp256k1).
    Secp256k1([u8; 33]),
    /// A DER `SubjectPublicKeyInfo` (ICP identities).
    Der(Vec<u8>),
    /// No key: a smart-contract wallet vouched for the signature (EIP-1271).
    Contract,
}

/// The outcome of a successful wallet verification.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifiedAccount {
    /// The chain.
    pub chain: Chain,
    /// The account the signature is bound to.
    pub account: AccountId,
    /// The key that signed.
    pub signer: SignerKey,
}

impl VerifiedAccount {
    /// Builds the outcome (for verifiers of custom chains).
    pub fn new(account: AccountId, signer: SignerKey) -> Self {
        Self {
            chain: account.chain().clone(),
            account,
            signer,
        }
    }
}

/// What the server expects of a proof: the current time and, per message
/// format, the message, domain (recipient) and nonce it issued.
///
/// Every verifier fails closed: a format that needs an expectation (SIWE's
/// domain and nonce, NEP-413's recipient and nonce, the exact message for
/// plain signed messages) refuses a proof when it is missing, with
/// [`WalletError::MissingExpectation`].
///
/// # Example
/// ```
/// use keytree::Expectations;
/// let e = Expectations::at(1_700_000_000)
///     .message(b"Sign in to example.com: 8f3a9c0d")
///     .domain("example.com");
/// assert_eq!(e.now, 1_700_000_000);
/// Ok::<(), keytree::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Expectations<'a> {
    /// The current time, unix seconds.
    pub now: u64,
    /// The exact message that must have been signed (plain messages,
    /// NEP-413's `message` field).
    pub message: Option<&'a [u8]>,
    /// The expected domain: SIWE/SIWS `domain`, NEP-413 `recipient`.
    pub domain: Option<&'a str>,
    /// The expected nonce: SIWE/SIWS nonce text, or the NEP-413 32 bytes.
    pub nonce: Option<&'a [u8]>,
    /// NEP-413 `callbackUrl`: the proof's must equal this (absent = absent).
    pub callback_url: Option<&'a str>,
}

impl<'a> Expectations<'a> {
    /// Expectations at time `now`, nothing else required yet.
    pub fn at(now: u64) -> Self {
        Self {
            now,
            ..Self::default()
        }
    }

    /// Requires exactly this signed message.
    pub fn message(mut self, message: &'a [u8]) -> Self {
        self.message = Some(message);
        self
    }

    /// Requires this domain (SIWE/SIWS) or recipient (NEP-413).
    pub fn domain(mut self, domain: &'a str) -> Self {
        self.domain = Some(domain);
        self
    }

    /// Requires this nonce.
    pub fn nonce(mut self, nonce: &'a [u8]) -> Self {
        self.nonce = Some(nonce);
        self
    }

    /// Requires this NEP-413 callback URL.
    pub fn callback_url(mut self, url: &'a str) -> Self {
        self.callback_url = Some(url);
        self
    }

    /// Refuses unless the expected message is set and `signed` is exactly it.
    pub(crate) fn require_exact_message(&self, signed: &[u8]) -> Result<()> {
        if self.require_message()? == signed {
            Ok(())
        } else {
            Err(WalletError::MessageMismatch.into())
        }
    }

    pub(crate) fn require_message(&self) -> Result<&'a [u8]> {
        self.message
            .ok_or(WalletError::MissingExpectation("message").into())
    }

    #[cfg_attr(
        not(any(feature = "ethereum", feature = "near", feature = "solana")),
        allow(dead_code)
    )]
    pub(crate) fn require_domain(&self) -> Result<&'a str> {
        self.domain
            .ok_or(WalletError::MissingExpectation("domain").into())
    }

    #[cfg_attr(not(any(feature = "ethereum", feature = "near")), allow(dead_code))]
    pub(crate) fn require_nonce(&self) -> Result<&'a [u8]> {
        self.nonce
            .ok_or(WalletError::MissingExpectation("nonce").into())
    }
}

/// A wallet's signature over a delegation statement, as stored in a
/// wallet-issued [`crate::Delegation`]. See [`crate::Delegation`]'s wallet
/// docs for the template and the per-chain wrapping.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct StatementProof<'a> {
    /// The issuing account.
    pub account: &'a AccountId,
    /// The statement text rebuilt from the delegation's fields.
    pub statement: &'a str,
    /// The delegation id (NEP-413 uses it as the nonce).
    pub id: &'a [u8; 32],
    /// The signature bytes stored in the delegation.
    pub signature: &'a [u8],
}

/// A boxed `Send` future of a keytree [`Result`]: what async resolvers
/// ([`Eip1271Resolver`](crate::Eip1271Resolver),
/// [`AccessKeyResolver`](crate::AccessKeyResolver)) and
/// [`WalletVerifier::verify_async`] return. keytree runs no executor: the
/// server's runtime drives these.
///
/// [`WalletVerifier::verify_async`]: crate::WalletVerifier::verify_async
pub type WalletFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'a>>;

/// Polls `future` once: its output if it is ready at once, `None` when it
/// is waiting on I/O. The sync verification path uses it, so a resolver
/// whose answer is immediate (every sync one) works without a runtime.
#[cfg_attr(not(any(feature = "ethereum", feature = "near")), allow(dead_code))]
pub(crate) fn now_or_never<F: Future>(future: F) -> Option<F::Output> {
    let mut future = std::pin::pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(out) => Some(out),
        Poll::Pending => None,
    }
}

/// The refusal when a sync verification meets a resolver that is still
/// waiting: fail closed, and say which call to use.
#[cfg_attr(not(any(feature = "ethereum", feature = "near")), allow(dead_code))]
pub(crate) fn resolver_pending() -> Error {
    WalletError::Resolver(
        "the resolver did not answer at once; use the async verification (verify_async, redeem)"
            .into(),
    )
    .into()
}

/// The refusal for a proof or account of another chain than the verifier's.
pub(crate) fn wrong_chain(expected: &Chain, got: &Chain) -> crate::Error {
    WalletError::WrongChain {
        expected: expected.to_string(),
        got: got.to_string(),
    }
    .into()
}
