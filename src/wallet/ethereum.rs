//! Ethereum: EIP-191 `personal_sign`, Sign-In with Ethereum (EIP-4361) and
//! contract wallets (EIP-1271, and EIP-6492 for undeployed ones) through a
//! resolver.
//!
//! Signatures are 65 bytes `r ‖ s ‖ v`, hex with an optional `0x`. Only
//! `v ∈ {0, 1, 27, 28}` is accepted (EIP-155 values such as 35–38 are
//! refused), and only low-S (EIP-2): each signature has one accepted form.
//! The address recovered must equal the claimed one. Addresses compare as
//! 20 bytes; a mixed-case claim must pass its EIP-55 checksum (enforced
//! when the [`AccountId`] is parsed).
//!
//! EIP-191 signatures are not bound to a chain: the chain id in an
//! `eip155:<id>:` account is not signed. Restrict it with
//! [`EthereumVerifier::with_chain_ids`] when it matters; SIWE messages carry
//! and sign their chain id, which must match the account's.

mod eip6492;
mod siwe;

pub use eip6492::{EIP6492_MAGIC, Eip6492Signature};
pub use siwe::{MAX_SIWE_LEN, SiweMessage};

use std::sync::Arc;

use k256::ecdsa::{RecoveryId, VerifyingKey};

use super::account::AccountId;
use super::chain::Chain;
use super::check::{
    Expectations, SignerKey, StatementProof, VerifiedAccount, WalletFuture, now_or_never,
    resolver_pending,
};
use super::proof::WalletProof;
use super::raw::secp256k1_compressed;
use super::text::{keccak256, parse_eth_address};
use super::verifier::WalletVerifier;
use crate::error::{DecodeReason, Error, Result, WalletError};

const SIG_WHAT: &str = "ethereum signature";
/// The longest signature hex accepted (contract wallets may use long ones).
const MAX_SIGNATURE_BYTES: usize = 4096;

/// The EIP-191 (version `0x45`) hash of `message`:
/// keccak256(`"\x19Ethereum Signed Message:\n"` ‖ decimal length ‖ message).
pub fn eip191_hash(message: &[u8]) -> [u8; 32] {
    let mut buf = Vec::with_capacity(message.len() + 48);
    buf.extend_from_slice(b"\x19Ethereum Signed Message:\n");
    buf.extend_from_slice(message.len().to_string().as_bytes());
    buf.extend_from_slice(message);
    keccak256(&buf)
}

/// The address of a secp256k1 key: the last 20 bytes of keccak256 of the
/// uncompressed point without its `04` prefix.
pub fn ethereum_address_of(key: &VerifyingKey) -> [u8; 20] {
    let point = key.to_sec1_point(false);
    let hash = keccak256(point.as_bytes().get(1..).unwrap_or_default());
    let mut out = [0u8; 20];
    if let Some(tail) = hash.get(12..) {
        out.copy_from_slice(tail);
    }
    out
}

/// Decodes signature hex (`0x` optional) into bytes, at most 4096.
///
/// # Errors
/// [`Error::Decode`] on bad hex or excessive length.
pub fn ethereum_signature_from_hex(text: &str) -> Result<Vec<u8>> {
    let hex = text.strip_prefix("0x").unwrap_or(text);
    if hex.len() > 2 * MAX_SIGNATURE_BYTES {
        return Err(Error::decode(
            SIG_WHAT,
            DecodeReason::TooLong {
                max: MAX_SIGNATURE_BYTES,
            },
        ));
    }
    crate::encoding::hex_decode(hex, SIG_WHAT)
}

/// Splits a 65-byte `r ‖ s ‖ v` signature, enforcing the v and low-S rules.
///
/// # Errors
/// [`Error::Decode`] for a wrong length or a `v` outside {0, 1, 27, 28};
/// [`Error::InvalidSignature`] for r or s out of range or a high S.
pub fn parse_ethereum_signature(bytes: &[u8]) -> Result<(k256::ecdsa::Signature, RecoveryId)> {
    let (Some(rs), Some(&v), 65) = (bytes.get(..64), bytes.get(64), bytes.len()) else {
        // "invalid ethereum signature length: expected 65 bytes, got 64"
        return Err(Error::decode(
            "ethereum signature length",
            DecodeReason::Length {
                expected: 65,
                got: bytes.len(),
            },
        ));
    };
    let parity = match v {
        0 | 27 => 0,
        1 | 28 => 1,
        _ => {
            return Err(Error::malformed(
                SIG_WHAT,
                format!("v must be 0, 1, 27 or 28, got {v}"),
            ));
        }
    };
    let sig = k256::ecdsa::Signature::from_slice(rs).map_err(|_| Error::InvalidSignature)?;
    if sig.normalize_s() != sig {
        return Err(Error::InvalidSignature);
    }
    let id = RecoveryId::from_byte(parity).ok_or(Error::InvalidSignature)?;
    Ok((sig, id))
}

/// Recovers the signer address of a 65-byte signature over a 32-byte hash.
///
/// # Errors
/// As [`parse_ethereum_signature`]; [`Error::InvalidSignature`] when no key recovers.
pub fn ethereum_recover_address(
    hash: &[u8; 32],
    signature: &[u8],
) -> Result<([u8; 20], VerifyingKey)> {
    let (sig, id) = parse_ethereum_signature(signature)?;
    let key =
        VerifyingKey::recover_from_prehash(hash, &sig, id).map_err(|_| Error::InvalidSignature)?;
    Ok((ethereum_address_of(&key), key))
}

/// A contract-wallet oracle: the server asks the chain (EIP-1271
/// `isValidSignature(hash, signature)`); keytree does no RPC itself.
///
/// Async: each method returns a [`WalletFuture`] (boxed, `Send`), so an
/// RPC-backed resolver awaits its call; keytree runs no executor. A
/// resolver that needs no I/O implements [`SyncEip1271Resolver`] instead
/// and is set with [`EthereumVerifier::with_eip1271_sync`].
///
/// EIP-6492 signatures (wallets not deployed yet) reach
/// [`Eip1271Resolver::is_valid_undeployed_signature`] with their parts;
/// a resolver that does not override it refuses them with
/// [`WalletError::Eip6492Unsupported`].
pub trait Eip1271Resolver: Send + Sync {
    /// Whether `contract` on `chain_id` accepts `signature` over `hash`
    /// (the call returned the magic value `0x1626ba7e`).
    ///
    /// # Errors
    /// Any lookup failure; verification then fails closed.
    fn is_valid_signature<'a>(
        &'a self,
        chain_id: u64,
        contract: &'a [u8; 20],
        hash: &'a [u8; 32],
        signature: &'a [u8],
    ) -> WalletFuture<'a, bool>;

    /// EIP-6492: whether `contract` on `chain_id`, once deployed by calling
    /// `wrapped.factory()` with `wrapped.factory_calldata()` (in a
    /// simulation, e.g. `eth_call` of the EIP's universal validator),
    /// accepts `wrapped.signature()` over `hash` (EIP-1271). If the
    /// contract is already deployed, the EIP asks to check the inner
    /// signature directly.
    ///
    /// # Errors
    /// By default [`WalletError::Eip6492Unsupported`]; otherwise any lookup
    /// failure, and verification fails closed.
    fn is_valid_undeployed_signature<'a>(
        &'a self,
        chain_id: u64,
        contract: &'a [u8; 20],
        hash: &'a [u8; 32],
        wrapped: &'a Eip6492Signature,
    ) -> WalletFuture<'a, bool> {
        let _ = (chain_id, contract, hash, wrapped);
        Box::pin(std::future::ready(Err(
            WalletError::Eip6492Unsupported.into()
        )))
    }
}

/// The `&T`, `Box<T>` and `Arc<T>` impls, which only forward.
macro_rules! forward_eip1271 {
    ($($ptr:ty),+) => {$(
        impl<T: Eip1271Resolver + ?Sized> Eip1271Resolver for $ptr {
            fn is_valid_signature<'a>(
                &'a self,
                c: u64,
                a: &'a [u8; 20],
                h: &'a [u8; 32],
                s: &'a [u8],
            ) -> WalletFuture<'a, bool> {
                (**self).is_valid_signature(c, a, h, s)
            }
            fn is_valid_undeployed_signature<'a>(
                &'a self,
                c: u64,
                a: &'a [u8; 20],
                h: &'a [u8; 32],
                w: &'a Eip6492Signature,
            ) -> WalletFuture<'a, bool> {
                (**self).is_valid_undeployed_signature(c, a, h, w)
            }
        }
    )+};
}

forward_eip1271!(&T, Box<T>, Arc<T>);

/// An [`Eip1271Resolver`] that answers at once (a table, a cache, a test):
/// the same questions, as plain functions. Set it with
/// [`EthereumVerifier::with_eip1271_sync`]; a closure
/// `Fn(chain_id, &contract, &hash, &signature) -> Result<bool>` is one.
pub trait SyncEip1271Resolver: Send + Sync {
    /// As [`Eip1271Resolver::is_valid_signature`].
    ///
    /// # Errors
    /// Any lookup failure; verification then fails closed.
    fn is_valid_signature(
        &self,
        chain_id: u64,
        contract: &[u8; 20],
        hash: &[u8; 32],
        signature: &[u8],
    ) -> Result<bool>;

    /// As [`Eip1271Resolver::is_valid_undeployed_signature`].
    ///
    /// # Errors
    /// By default [`WalletError::Eip6492Unsupported`].
    fn is_valid_undeployed_signature(
        &self,
        chain_id: u64,
        contract: &[u8; 20],
        hash: &[u8; 32],
        wrapped: &Eip6492Signature,
    ) -> Result<bool> {
        let _ = (chain_id, contract, hash, wrapped);
        Err(WalletError::Eip6492Unsupported.into())
    }
}

impl<F> SyncEip1271Resolver for F
where
    F: Fn(u64, &[u8; 20], &[u8; 32], &[u8]) -> Result<bool> + Send + Sync,
{
    fn is_valid_signature(&self, c: u64, a: &[u8; 20], h: &[u8; 32], s: &[u8]) -> Result<bool> {
        self(c, a, h, s)
    }
}

/// Adapts a [`SyncEip1271Resolver`] to the async trait.
struct SyncAdapter<R>(R);

impl<R: SyncEip1271Resolver> Eip1271Resolver for SyncAdapter<R> {
    fn is_valid_signature<'a>(
        &'a self,
        c: u64,
        a: &'a [u8; 20],
        h: &'a [u8; 32],
        s: &'a [u8],
    ) -> WalletFuture<'a, bool> {
        Box::pin(std::future::ready(self.0.is_valid_signature(c, a, h, s)))
    }
    fn is_valid_undeployed_signature<'a>(
        &'a self,
        c: u64,
        a: &'a [u8; 20],
        h: &'a [u8; 32],
        w: &'a Eip6492Signature,
    ) -> WalletFuture<'a, bool> {
        Box::pin(std::future::ready(
            self.0.is_valid_undeployed_signature(c, a, h, w),
        ))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Message {
    PersonalSign(Vec<u8>),
    Siwe(Box<SiweMessage>, String),
}

/// An Ethereum wallet's signed message.
///
/// # Example
/// ```
/// use keytree::{EthereumProof, Expectations, WalletRegistry};
/// // ethers' `Wallet.signMessage("hello world")` with a test key.
/// let proof = EthereumProof::personal_sign(
///     "eip155:1:0x0Fa26cFB399AAbf9C3366b3aE297365761c63df4".parse()?,
///     "hello world",
///     "0x755629cecf2d839b339f940c004f32d05e669704e376931603e2b4a903e3053754f3d24659b9cfa04d190f98b081ca98e1bf48863799266c72fe706a45488ebb1c",
/// )?;
/// let who = WalletRegistry::with_defaults()
///     .verify(&proof.into(), &Expectations::at(0).message(b"hello world"))?;
/// assert_eq!(who.account.address(), "0x0Fa26cFB399AAbf9C3366b3aE297365761c63df4");
/// Ok::<(), keytree::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EthereumProof {
    account: AccountId,
    address: [u8; 20],
    message: Message,
    signature: Vec<u8>,
}

impl EthereumProof {
    /// An EIP-191 `personal_sign` of `message` (text or bytes) by `account`.
    ///
    /// # Errors
    /// [`Error::Decode`] for bad signature hex; [`WalletError::WrongChain`]
    /// when `account` is not an `eip155` account.
    pub fn personal_sign(
        account: AccountId,
        message: impl AsRef<[u8]>,
        signature_hex: &str,
    ) -> Result<Self> {
        if account.chain() != &Chain::Ethereum {
            return Err(super::check::wrong_chain(&Chain::Ethereum, account.chain()));
        }
        Ok(Self {
            address: parse_eth_address(account.address())?,
            account,
            message: Message::PersonalSign(message.as_ref().to_vec()),
            signature: ethereum_signature_from_hex(signature_hex)?,
        })
    }

    /// A SIWE message (its exact text) and its EIP-191 signature. The
    /// account is `eip155:<Chain ID>:<address>` from the message.
    ///
    /// # Errors
    /// [`Error::Decode`] when the text is not a valid EIP-4361 message or the
    /// signature hex is bad.
    pub fn siwe(message: &str, signature_hex: &str) -> Result<Self> {
        let parsed: SiweMessage = message.parse()?;
        let account = AccountId::new(
            Chain::Ethereum,
            &parsed.chain_id.to_string(),
            &super::text::eip55_encode(&parsed.address),
        )?;
        Ok(Self {
            address: parse_eth_address(account.address())?,
            account,
            message: Message::Siwe(Box::new(parsed), message.to_owned()),
            signature: ethereum_signature_from_hex(signature_hex)?,
        })
    }

    /// The claimed account.
    pub fn account(&self) -> &AccountId {
        &self.account
    }

    /// The exact bytes that were signed (before the EIP-191 prefix): the
    /// SIWE text or the `personal_sign` message.
    pub(crate) fn signed_bytes(&self) -> &[u8] {
        match &self.message {
            Message::PersonalSign(m) => m,
            Message::Siwe(_, text) => text.as_bytes(),
        }
    }

    /// The parsed SIWE message, for a SIWE proof.
    pub fn siwe_message(&self) -> Option<&SiweMessage> {
        match &self.message {
            Message::Siwe(m, _) => Some(m),
            Message::PersonalSign(_) => None,
        }
    }
}

impl From<EthereumProof> for WalletProof {
    fn from(p: EthereumProof) -> Self {
        Self::Ethereum(p)
    }
}

/// Ethereum: EIP-191 `personal_sign`, Sign-In with Ethereum (EIP-4361) and
/// contract wallets (EIP-1271) through a resolver.
///
/// Signatures are 65 bytes `r ‖ s ‖ v`, hex with an optional `0x`. Only
/// `v ∈ {0, 1, 27, 28}` is accepted (EIP-155 values such as 35–38 are
/// refused), and only low-S (EIP-2): each signature has one accepted form.
/// The address recovered must equal the claimed one. Addresses compare as
/// 20 bytes; a mixed-case claim must pass its EIP-55 checksum (enforced
/// when the [`AccountId`] is parsed).
///
/// EIP-191 signatures are not bound to a chain: the chain id in an
/// `eip155:<id>:` account is not signed. Restrict it with
/// [`EthereumVerifier::with_chain_ids`] when it matters; SIWE messages carry
/// and sign their chain id, which must match the account's.
///
/// Verifies Ethereum proofs.
#[derive(Clone, Default)]
pub struct EthereumVerifier {
    resolver: Option<Arc<dyn Eip1271Resolver>>,
    chain_ids: Option<Vec<u64>>,
    issued_at_leeway: u64,
}

impl std::fmt::Debug for EthereumVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EthereumVerifier")
            .field("eip1271", &self.resolver.is_some())
            .field("chain_ids", &self.chain_ids)
            .field("issued_at_leeway", &self.issued_at_leeway)
            .finish()
    }
}

/// The default tolerance for a SIWE `Issued At` ahead of `now` (clock skew).
pub const DEFAULT_ISSUED_AT_LEEWAY: u64 = super::check::DEFAULT_WALLET_LEEWAY;

impl EthereumVerifier {
    /// Externally owned accounts only; any chain id; 60 s issued-at leeway.
    pub fn new() -> Self {
        Self {
            resolver: None,
            chain_ids: None,
            issued_at_leeway: DEFAULT_ISSUED_AT_LEEWAY,
        }
    }

    /// Accepts contract wallets through `resolver` (EIP-1271) when the
    /// recovered address is not the claimed one.
    #[must_use]
    pub fn with_eip1271(mut self, resolver: impl Eip1271Resolver + 'static) -> Self {
        self.resolver = Some(Arc::new(resolver));
        self
    }

    /// [`EthereumVerifier::with_eip1271`] for a resolver that answers at
    /// once (no I/O).
    #[must_use]
    pub fn with_eip1271_sync(self, resolver: impl SyncEip1271Resolver + 'static) -> Self {
        self.with_eip1271(SyncAdapter(resolver))
    }

    /// Accepts only accounts on these chain ids.
    #[must_use]
    pub fn with_chain_ids(mut self, ids: impl IntoIterator<Item = u64>) -> Self {
        self.chain_ids = Some(ids.into_iter().collect());
        self
    }

    /// How far a SIWE `Issued At` may lie ahead of `now` (default 60 s).
    #[must_use]
    pub fn with_issued_at_leeway(mut self, seconds: u64) -> Self {
        self.issued_at_leeway = seconds;
        self
    }

    fn chain_id(&self, account: &AccountId) -> Result<u64> {
        let id: u64 = account
            .reference()
            .parse()
            .map_err(|_| Error::malformed("account id", "bad eip155 chain id"))?;
        if let Some(allowed) = &self.chain_ids
            && !allowed.contains(&id)
        {
            return Err(WalletError::WrongNetwork {
                expected: format!("{allowed:?}"),
                got: id.to_string(),
            }
            .into());
        }
        Ok(id)
    }

    /// Checks `signature` over `hash` for `account`: an EIP-6492 wrapper
    /// goes to the resolver with its parts; otherwise ecrecover first, then
    /// the EIP-1271 resolver if one is set.
    async fn check_signer(
        &self,
        account: &AccountId,
        claimed: [u8; 20],
        hash: &[u8; 32],
        signature: &[u8],
    ) -> Result<VerifiedAccount> {
        let chain_id = self.chain_id(account)?;
        if Eip6492Signature::is_wrapped(signature) {
            let wrapped = Eip6492Signature::from_bytes(signature)?;
            let Some(r) = &self.resolver else {
                return Err(WalletError::Eip6492Unsupported.into());
            };
            let ok = r
                .is_valid_undeployed_signature(chain_id, &claimed, hash, &wrapped)
                .await?;
            return if ok {
                Ok(VerifiedAccount::new(account.clone(), SignerKey::Contract))
            } else {
                Err(Error::InvalidSignature)
            };
        }
        let recovered = ethereum_recover_address(hash, signature);
        if let Ok((address, key)) = &recovered
            && *address == claimed
        {
            return Ok(VerifiedAccount::new(
                account.clone(),
                SignerKey::Secp256k1(secp256k1_compressed(key)),
            ));
        }
        match &self.resolver {
            Some(r) => {
                if r.is_valid_signature(chain_id, &claimed, hash, signature)
                    .await?
                {
                    Ok(VerifiedAccount::new(account.clone(), SignerKey::Contract))
                } else {
                    Err(Error::InvalidSignature)
                }
            }
            // 65 well-formed bytes from another key: say so plainly; a
            // signature of another length is a length error.
            None => Err(match recovered {
                Ok(_) => WalletError::AccountMismatch.into(),
                Err(e) => e,
            }),
        }
    }

    fn check_siwe(&self, m: &SiweMessage, expect: &Expectations<'_>) -> Result<()> {
        let domain = expect.require_domain()?;
        let nonce = expect.require_nonce()?;
        if m.domain != domain {
            return Err(WalletError::DomainMismatch {
                expected: domain.to_owned(),
                got: m.domain.clone(),
            }
            .into());
        }
        if m.nonce.as_bytes() != nonce {
            return Err(WalletError::NonceMismatch.into());
        }
        let now = expect.now;
        let issued_at = m.issued_at_unix()?;
        if issued_at > now.saturating_add(self.issued_at_leeway) {
            return Err(WalletError::IssuedInFuture { issued_at, now }.into());
        }
        if let Some(expires_at) = m.expiration_unix()?
            && now >= expires_at
        {
            return Err(WalletError::Expired { expires_at, now }.into());
        }
        if let Some(not_before) = m.not_before_unix()?
            && now < not_before
        {
            return Err(WalletError::NotYetValid { not_before, now }.into());
        }
        Ok(())
    }
}

impl EthereumVerifier {
    async fn verify_proof(
        &self,
        proof: &WalletProof,
        expect: &Expectations<'_>,
    ) -> Result<VerifiedAccount> {
        let WalletProof::Ethereum(p) = proof else {
            return Err(super::check::wrong_chain(&self.chain(), &proof.chain()));
        };
        let hash = match &p.message {
            Message::PersonalSign(m) => {
                if expect.require_message()? != m.as_slice() {
                    return Err(WalletError::MessageMismatch.into());
                }
                eip191_hash(m)
            }
            Message::Siwe(m, text) => {
                self.check_siwe(m, expect)?;
                eip191_hash(text.as_bytes())
            }
        };
        self.check_signer(&p.account, p.address, &hash, &p.signature)
            .await
    }
}

impl WalletVerifier for EthereumVerifier {
    fn chain(&self) -> Chain {
        Chain::Ethereum
    }

    /// `personal_sign` needs [`Expectations::message`]; SIWE needs
    /// [`Expectations::domain`] and [`Expectations::nonce`] (the nonce's
    /// text bytes) and checks times against [`Expectations::now`]. A
    /// resolver that does not answer at once is refused here
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

    /// Delegation statements are signed with EIP-191 `personal_sign` of the
    /// statement text; the stored signature is the 65 bytes `r ‖ s ‖ v`.
    /// Checked without a runtime: a contract wallet's resolver must answer
    /// at once ([`WalletError::Resolver`] otherwise).
    fn verify_statement(&self, proof: &StatementProof<'_>) -> Result<VerifiedAccount> {
        let hash = eip191_hash(proof.statement.as_bytes());
        let claimed = parse_eth_address(proof.account.address())?;
        now_or_never(self.check_signer(proof.account, claimed, &hash, proof.signature))
            .unwrap_or_else(|| Err(resolver_pending()))
    }
}
