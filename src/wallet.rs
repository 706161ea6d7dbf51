//! Wallet signatures behind one trait.
//!
//! A [`WalletVerifier`] checks a [`WalletProof`] (a chain-specific signed
//! message) against what the server expects ([`Expectations`]) and returns
//! the [`VerifiedAccount`] that signed. A [`WalletRegistry`] maps each
//! [`Chain`] to its verifier; [`WalletRegistry::with_defaults`] holds every
//! chain compiled in, and a server registers its own with
//! [`WalletRegistry::register`] (a NEAR verifier with its access-key
//! resolver, say, or a chain keytree does not know).
//!
//! # Accounts: CAIP-10 text
//!
//! [`AccountId`] prints and parses `namespace:reference:address`:
//!
//! | chain | namespace | reference | address |
//! |---|---|---|---|
//! | Ethereum | `eip155` | decimal chain id, no leading zero (`1`) | `0x` + 40 hex, printed EIP-55 |
//! | NEAR | `near` | `mainnet` or `testnet` | a NEAR account id (`alice.near`, 64-hex implicit) |
//! | Stellar | `stellar` | `pubnet` or `testnet` | a `G…` account strkey |
//! | Solana | `solana` | the first 32 base58 characters of the genesis hash (`5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp` for mainnet) | base58 Ed25519 key |
//! | ICP | `icp` | `mainnet` (the IC has one public network) | principal text |
//! | raw Ed25519 key | `rawkey` | `ed25519` | 64 lowercase hex |
//! | raw secp256k1 key | `rawkey` | `secp256k1` | 66 lowercase hex (SEC1 compressed) |
//! | anything else | its namespace | CAIP-2 reference | CAIP-10 address |
//!
//! Parsing is strict and the printed form is the one canonical text: an
//! Ethereum address given in lowercase (or a valid EIP-55 mixed case) prints
//! in EIP-55, and parsing the printed text gives the same account.
//! Deviation from CAIP-10: NEAR addresses may contain `_`, as NEAR account
//! ids do.
//!
//! # Example
//! ```
//! use keytree::{AccountId, Chain};
//! let a: AccountId = "eip155:1:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed".parse()?;
//! assert_eq!(a.chain(), &Chain::Ethereum);
//! assert_eq!(a.to_string(), "eip155:1:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
//! assert_eq!(a.to_string().parse::<AccountId>()?, a);
//! Ok::<(), keytree::Error>(())
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{DecodeReason, Error, Result, WalletError};
use crate::public_key::PublicKey;

#[cfg(feature = "ethereum")]
pub(crate) mod ethereum;
#[cfg(feature = "icp")]
pub(crate) mod icp;
pub(crate) mod input;
pub(crate) mod login_tag;
#[cfg(feature = "near")]
pub(crate) mod near;
pub(crate) mod raw;
// Parsing is used by SIWE and SIWS only; formatting by delegation statements.
#[cfg_attr(not(any(feature = "ethereum", feature = "solana")), allow(dead_code))]
pub(crate) mod rfc3339;
// Also used by login challenges (domain, URI and statement checks).
#[cfg_attr(not(any(feature = "ethereum", feature = "solana")), allow(dead_code))]
pub(crate) mod signin;
#[cfg(feature = "solana")]
pub(crate) mod solana;
#[cfg(feature = "stellar")]
pub(crate) mod stellar;
pub(crate) mod text;

const WHAT: &str = "account id";
/// How far a sign-in message's issued-at may lie ahead of `now` (clock skew).
pub const DEFAULT_WALLET_LEEWAY: u64 = 60;

/// A chain (or key family) whose signatures keytree can check.
///
/// Non-exhaustive: chains are added with features.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Chain {
    /// Ethereum and EVM chains (CAIP namespace `eip155`).
    Ethereum,
    /// NEAR (`near`).
    Near,
    /// Internet Computer (`icp`).
    Icp,
    /// Stellar (`stellar`).
    Stellar,
    /// Solana (`solana`).
    Solana,
    /// A bare Ed25519 public key (`rawkey:ed25519`).
    RawEd25519,
    /// A bare secp256k1 public key (`rawkey:secp256k1`).
    RawSecp256k1,
    /// A chain keytree does not know, named by its CAIP-2 namespace.
    Custom(String),
}

impl Chain {
    /// The CAIP-2 namespace (`eip155`, `near`, …).
    pub fn namespace(&self) -> &str {
        match self {
            Self::Ethereum => "eip155",
            Self::Near => "near",
            Self::Icp => "icp",
            Self::Stellar => "stellar",
            Self::Solana => "solana",
            Self::RawEd25519 | Self::RawSecp256k1 => "rawkey",
            Self::Custom(ns) => ns,
        }
    }
}

impl fmt::Display for Chain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::RawEd25519 => f.write_str("rawkey:ed25519"),
            Self::RawSecp256k1 => f.write_str("rawkey:secp256k1"),
            other => f.write_str(other.namespace()),
        }
    }
}

/// A wallet account: a chain, a CAIP-2 reference (network) and an address.
///
/// # CAIP-10 text
///
/// [`AccountId`] prints and parses `namespace:reference:address`:
///
/// | chain | namespace | reference | address |
/// |---|---|---|---|
/// | Ethereum | `eip155` | decimal chain id, no leading zero (`1`) | `0x` + 40 hex, printed EIP-55 |
/// | NEAR | `near` | `mainnet` or `testnet` | a NEAR account id (`alice.near`, 64-hex implicit) |
/// | Stellar | `stellar` | `pubnet` or `testnet` | a `G…` account strkey |
/// | Solana | `solana` | the first 32 base58 characters of the genesis hash (`5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp` for mainnet) | base58 Ed25519 key |
/// | ICP | `icp` | `mainnet` (the IC has one public network) | principal text |
/// | raw Ed25519 key | `rawkey` | `ed25519` | 64 lowercase hex |
/// | raw secp256k1 key | `rawkey` | `secp256k1` | 66 lowercase hex (SEC1 compressed) |
/// | anything else | its namespace | CAIP-2 reference | CAIP-10 address |
///
/// Parsing is strict and the printed form is the one canonical text: an
/// Ethereum address given in lowercase (or a valid EIP-55 mixed case) prints
/// in EIP-55, and parsing the printed text gives the same account.
/// Deviation from CAIP-10: NEAR addresses may contain `_`, as NEAR account
/// ids do.
///
/// Construct by parsing CAIP-10 text or with [`AccountId::new`]; every
/// constructor validates, so an `AccountId` is always canonical.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId {
    chain: Chain,
    reference: String,
    address: String,
}

/// The longest CAIP-10 text accepted (namespace 8 + reference 32 + address 128 + 2).
pub const MAX_ACCOUNT_ID_LEN: usize = 170;

impl AccountId {
    /// Builds and validates an account from its three parts.
    ///
    /// # Errors
    /// [`Error::Decode`] when a part is not valid for the chain.
    pub fn new(chain: Chain, reference: &str, address: &str) -> Result<Self> {
        let reference = text::check_reference(&chain, reference)?;
        let address = text::canonical_address(&chain, &reference, address)?;
        Ok(Self {
            chain,
            reference,
            address,
        })
    }

    /// The chain.
    pub fn chain(&self) -> &Chain {
        &self.chain
    }

    /// The CAIP-2 reference (`1`, `mainnet`, `pubnet`, …).
    pub fn reference(&self) -> &str {
        &self.reference
    }

    /// The address in its canonical text form.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The account of a bare Ed25519 key (`rawkey:ed25519:<hex>`).
    pub fn raw_ed25519(key: &PublicKey) -> Self {
        Self {
            chain: Chain::RawEd25519,
            reference: "ed25519".into(),
            address: crate::encoding::hex_encode(key.as_bytes()),
        }
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}",
            self.chain.namespace(),
            self.reference,
            self.address
        )
    }
}

impl fmt::Debug for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AccountId({self})")
    }
}

impl FromStr for AccountId {
    type Err = Error;

    /// Parses CAIP-10 `namespace:reference:address`.
    fn from_str(s: &str) -> Result<Self> {
        if s.len() > MAX_ACCOUNT_ID_LEN {
            return Err(Error::decode(
                WHAT,
                DecodeReason::TooLong {
                    max: MAX_ACCOUNT_ID_LEN,
                },
            ));
        }
        let mut parts = s.splitn(3, ':');
        let (Some(ns), Some(reference), Some(address)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(Error::malformed(
                WHAT,
                "expected namespace:reference:address",
            ));
        };
        let chain = text::chain_of(ns, reference)?;
        Self::new(chain, reference, address)
    }
}

impl Serialize for AccountId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Deserialization accepts only the canonical text (what `Display` prints).
impl<'de> Deserialize<'de> for AccountId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let account: AccountId = s.parse().map_err(serde::de::Error::custom)?;
        if account.to_string() != s {
            return Err(serde::de::Error::custom(
                "account id is not in canonical CAIP-10 form",
            ));
        }
        Ok(account)
    }
}

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
/// [`register`](WalletRegistry::register) it; plain values, references,
/// `Box`es and `Arc`s all work as verifiers.
pub trait WalletVerifier: Send + Sync {
    /// The chain this verifier checks.
    fn chain(&self) -> Chain;

    /// Verifies `proof` against `expect` and returns the signing account.
    ///
    /// # Errors
    /// [`Error::InvalidSignature`] for a bad signature, [`Error::Wallet`]
    /// for a wrong account, domain, nonce, time window or message, and
    /// [`Error::Decode`] for malformed input.
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

/// The refusal for a proof or account of another chain than the verifier's.
pub(crate) fn wrong_chain(expected: &Chain, got: &Chain) -> crate::Error {
    WalletError::WrongChain {
        expected: expected.to_string(),
        got: got.to_string(),
    }
    .into()
}

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
