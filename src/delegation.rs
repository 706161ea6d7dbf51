//! Delegations: "issuer grants subject these permissions in this context,
//! from `not_before` until `expires_at`", signed, scoped, expiring, chainable.
//!
//! The signed bytes are canonical (see [`crate::encoding`]): the domain tag
//! `keytree/v1/delegation`, then version, issuer, subject, context id,
//! permissions, window, serial and parent id, each length-prefixed or
//! fixed-width. The [`DelegationId`] is BLAKE3 of those bytes, not of the
//! signature, so ids (and revocations by id) are not malleable.

use std::fmt;
use std::str::FromStr;

use ed25519_dalek::{Signer as _, SigningKey};
use rand_core::Rng as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::client_key::ClientKey;
use crate::encoding::{
    CanonicalReader, CanonicalWriter, base64url_decode, base64url_encode, check_timestamp,
    hex_decode, hex_encode,
};
use crate::error::{DecodeReason, DelegationError, Error, Result};
use crate::id::{ContextId, DelegationId};
use crate::permission::{Permission, Permissions};
use crate::public_key::{PublicKey, Signature};
use crate::root::{RootIdentity, RootKey};
use crate::wallet::{AccountId, Chain, StatementProof, WalletRegistry};

mod chain;
mod statement;

pub(crate) use chain::verify_chain_structure_with;
pub use chain::{ChainPolicy, verify_chain, verify_chain_with_wallets};
const DOMAIN: &str = "keytree/v1/delegation";
const WHAT: &str = "delegation";
/// The only delegation format version this build reads and writes.
pub const DELEGATION_VERSION: u8 = 1;
/// The largest encoded delegation [`Delegation::from_bytes`] accepts.
pub const MAX_DELEGATION_BYTES: usize = 16 * 1024;
/// The default maximum chain length (root link included).
pub const DEFAULT_MAX_CHAIN_DEPTH: usize = 4;

/// Turns 32 key bytes into a checked [`PublicKey`] (normally
/// [`PublicKey::from_bytes`]; a cache of keys already checked in bulk decodes).
pub(crate) type KeyDecoder<'a> = dyn FnMut(&[u8; 32]) -> Result<PublicKey> + 'a;

/// Issuer kind byte of a native Ed25519 key in the canonical encoding.
const ISSUER_ED25519: u8 = 1;
/// Issuer kind byte of a wallet account (followed by its CAIP-10 text,
/// length-prefixed).
const ISSUER_WALLET: u8 = 2;
/// The largest wallet signature a delegation carries.
pub const MAX_WALLET_SIGNATURE: usize = 8 * 1024;
/// An Ethereum ECDSA signature `r ‖ s ‖ v`.
const ETHEREUM_SIGNATURE_LEN: usize = 65;

/// Whether `signature` is a 65-byte Ethereum `r ‖ s ‖ v` whose `v` is not
/// stored in the one accepted form (27 or 28). EIP-191 verification reads
/// 0/1 and 27/28 alike; a stored delegation keeps only 27/28, so its bytes
/// (and every op that carries it) have one encoding.
fn is_non_canonical_ethereum_v(account: &AccountId, signature: &[u8]) -> bool {
    account.chain() == &Chain::Ethereum
        && signature.len() == ETHEREUM_SIGNATURE_LEN
        && !matches!(signature.last(), Some(27 | 28))
}

/// Who signed a delegation.
///
/// Text form: `ed25519:<base58>` for a native key, CAIP-10
/// (`eip155:1:0x…`) for a wallet account. Canonical encoding: kind byte 1 +
/// the 32 key bytes, or kind byte 2 + the CAIP-10 text, length-prefixed.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Issuer {
    /// A native Ed25519 key: a root key, or a client key delegating onwards.
    Key(PublicKey),
    /// A wallet account; it signs the [wallet statement](Delegation::wallet_statement)
    /// and is verified through a [`WalletRegistry`].
    Wallet(AccountId),
}

impl Issuer {
    fn encode(&self, w: &mut CanonicalWriter) {
        match self {
            Self::Key(key) => {
                w.u8(ISSUER_ED25519).bytes(key.as_bytes());
            }
            Self::Wallet(account) => {
                w.u8(ISSUER_WALLET).bytes(account.to_string().as_bytes());
            }
        }
    }

    fn decode(r: &mut CanonicalReader<'_>, keys: &mut KeyDecoder<'_>) -> Result<Self> {
        match r.u8()? {
            ISSUER_ED25519 => Ok(Self::Key(keys(&r.sized::<32>()?)?)),
            ISSUER_WALLET => {
                let raw = r.bytes()?;
                let text = std::str::from_utf8(raw)
                    .map_err(|_| Error::malformed(WHAT, "issuer account is not utf-8"))?;
                Ok(Self::Wallet(parse_canonical_account(text)?))
            }
            other => Err(Error::malformed(
                WHAT,
                format!("unknown issuer kind {other}"),
            )),
        }
    }

    /// The issuer's key, when it is a native key.
    pub fn as_key(&self) -> Option<&PublicKey> {
        match self {
            Self::Key(key) => Some(key),
            Self::Wallet(_) => None,
        }
    }

    /// The issuer's wallet account, when it is one.
    pub fn as_wallet(&self) -> Option<&AccountId> {
        match self {
            Self::Wallet(account) => Some(account),
            Self::Key(_) => None,
        }
    }
}

// `RootIdentity`'s issuer mapping and text parsing live here, beside
// `Issuer`, so that `root` does not import `delegation` (which imports
// `root` to sign).

impl RootIdentity {
    /// The delegation issuer this root signs as.
    pub fn issuer(&self) -> Issuer {
        match self {
            Self::Native(key) => Issuer::Key(*key),
            Self::Wallet(account) => Issuer::Wallet(account.clone()),
        }
    }
}

impl std::str::FromStr for RootIdentity {
    type Err = crate::Error;

    /// Parses `ed25519:<base58>` (or `did:key:z6Mk…`) as a native root,
    /// anything else as canonical CAIP-10 text of a wallet account.
    fn from_str(s: &str) -> crate::Result<Self> {
        if s.starts_with("ed25519:") || s.starts_with("did:key:") {
            return s.parse().map(Self::Native);
        }
        match s.parse::<Issuer>()? {
            Issuer::Wallet(account) => Ok(Self::Wallet(account)),
            Issuer::Key(key) => Ok(Self::Native(key)),
        }
    }
}

impl<'de> serde::Deserialize<'de> for RootIdentity {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s.starts_with("ed25519:") {
            let key: PublicKey = s.parse().map_err(serde::de::Error::custom)?;
            return Ok(Self::Native(key));
        }
        match s.parse::<Issuer>().map_err(serde::de::Error::custom)? {
            Issuer::Wallet(account) => Ok(Self::Wallet(account)),
            Issuer::Key(key) => Ok(Self::Native(key)),
        }
    }
}

/// Parses CAIP-10 text that must already be canonical (one encoding per account).
fn parse_canonical_account(text: &str) -> Result<AccountId> {
    let account: AccountId = text.parse()?;
    if account.to_string() != text {
        return Err(Error::decode(
            "issuer",
            DecodeReason::NonCanonical("account id text"),
        ));
    }
    Ok(account)
}

impl fmt::Display for Issuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Key(key) => key.fmt(f),
            Self::Wallet(account) => account.fmt(f),
        }
    }
}

impl FromStr for Issuer {
    type Err = Error;

    /// `ed25519:<base58>` or canonical CAIP-10 text.
    fn from_str(s: &str) -> Result<Self> {
        if s.starts_with("ed25519:") {
            return s.parse().map(Self::Key);
        }
        parse_canonical_account(s).map(Self::Wallet)
    }
}

impl Serialize for Issuer {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Issuer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// The fields of a delegation, before it is signed.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Body {
    issuer: Issuer,
    subject: PublicKey,
    context: ContextId,
    permissions: Permissions,
    not_before: u64,
    expires_at: u64,
    serial: [u8; 16],
    parent: Option<DelegationId>,
}

impl Body {
    fn statement(&self, issuer: &AccountId, id: &DelegationId) -> String {
        statement::render(&statement::StatementFields {
            issuer,
            subject: &self.subject,
            context: &self.context,
            permissions: &self.permissions,
            not_before: self.not_before,
            expires_at: self.expires_at,
            serial: &self.serial,
            parent: self.parent.as_ref(),
            id,
        })
    }

    fn canonical_bytes(&self) -> Vec<u8> {
        let mut w = CanonicalWriter::new(DOMAIN);
        w.u8(DELEGATION_VERSION);
        self.issuer.encode(&mut w);
        w.bytes(self.subject.as_bytes());
        w.bytes(self.context.as_bytes());
        w.u32(u32::try_from(self.permissions.len()).unwrap_or(u32::MAX));
        for p in &self.permissions {
            w.bytes(p.as_str().as_bytes());
        }
        w.u64(self.not_before).u64(self.expires_at);
        w.bytes(&self.serial);
        match &self.parent {
            None => {
                w.u8(0);
            }
            Some(id) => {
                w.u8(1).bytes(id.as_bytes());
            }
        }
        w.finish()
    }

    fn decode(r: &mut CanonicalReader<'_>, keys: &mut KeyDecoder<'_>) -> Result<Self> {
        let version = r.u8()?;
        if version != DELEGATION_VERSION {
            return Err(Error::decode(
                WHAT,
                DecodeReason::UnsupportedVersion(u32::from(version)),
            ));
        }
        let issuer = Issuer::decode(r, keys)?;
        let subject = keys(&r.sized::<32>()?)?;
        let context = ContextId::from_bytes(r.sized::<32>()?);
        let count = r.u32()?;
        if usize::try_from(count).map_or(true, |c| c > Permissions::MAX_COUNT) {
            return Err(Error::malformed(WHAT, "too many permissions"));
        }
        let mut names = Vec::new();
        for _ in 0..count {
            let raw = r.bytes()?;
            let name = std::str::from_utf8(raw)
                .map_err(|_| Error::malformed(WHAT, "permission is not utf-8"))?;
            names.push(Permission::new(name)?);
        }
        let permissions = Permissions::from_permissions(names)?;
        let not_before = r.u64()?;
        let expires_at = r.u64()?;
        let serial = r.sized::<16>()?;
        let parent = match r.u8()? {
            0 => None,
            1 => Some(DelegationId(r.sized::<32>()?)),
            _ => {
                return Err(Error::decode(
                    WHAT,
                    DecodeReason::NonCanonical("parent flag"),
                ));
            }
        };
        Ok(Self {
            issuer,
            subject,
            context,
            permissions,
            not_before,
            expires_at,
            serial,
            parent,
        })
    }
}

/// A signed delegation whose signature has been checked.
///
/// Construct with [`Delegation::builder`]; decode with
/// [`Delegation::from_bytes`] or serde, which decode strictly *and* verify
/// the issuer's signature ([`UnverifiedDelegation`] decodes without
/// verifying). The validity window is not checked at decode time, because it
/// depends on `now`: call [`Delegation::verify`] or [`verify_chain`].
///
/// # Example
/// ```
/// use keytree::{ContextId, Delegation, Permissions, RootKey};
/// let root = RootKey::from_bytes(&[1; 32]);
/// let ctx = ContextId::from_bytes([2; 32]);
/// let client = root.derive_client_key(&ctx, 0);
/// let d = Delegation::builder(client.public_key(), ctx, Permissions::parse(["context:execute"])?)
///     .valid_between(1_000, 2_000)
///     .sign_as_root(&root)?;
/// d.verify(1_500)?;
/// assert!(d.verify(2_000).is_err()); // expired
/// assert_eq!(Delegation::from_bytes(&d.to_bytes())?, d);
/// Ok::<(), keytree::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Delegation {
    body: Body,
    signature: Vec<u8>,
    canonical: Vec<u8>,
    id: DelegationId,
}

impl Delegation {
    /// Starts a delegation of `permissions` in `context` to `subject`.
    pub fn builder(
        subject: PublicKey,
        context: ContextId,
        permissions: Permissions,
    ) -> DelegationBuilder {
        DelegationBuilder {
            subject,
            context,
            permissions,
            not_before: 0,
            expires_at: 0,
            serial: None,
            parent: None,
        }
    }

    fn from_body(body: Body, signature: Vec<u8>) -> Self {
        let canonical = body.canonical_bytes();
        let id = DelegationId(*blake3::hash(&canonical).as_bytes());
        Self {
            body,
            signature,
            canonical,
            id,
        }
    }

    /// The id: BLAKE3 of the canonical signed bytes.
    pub fn id(&self) -> DelegationId {
        self.id
    }

    /// The canonical bytes the issuer signed.
    pub fn signed_bytes(&self) -> &[u8] {
        &self.canonical
    }

    /// Who signed.
    pub fn issuer(&self) -> &Issuer {
        &self.body.issuer
    }

    /// Who receives the permissions.
    pub fn subject(&self) -> &PublicKey {
        &self.body.subject
    }

    /// The context the delegation is for.
    pub fn context(&self) -> &ContextId {
        &self.body.context
    }

    /// The permissions granted.
    pub fn permissions(&self) -> &Permissions {
        &self.body.permissions
    }

    /// Unix seconds from which it is valid (inclusive).
    pub fn not_before(&self) -> u64 {
        self.body.not_before
    }

    /// Unix seconds at which it stops being valid (exclusive).
    pub fn expires_at(&self) -> u64 {
        self.body.expires_at
    }

    /// The random 16-byte serial.
    pub fn serial(&self) -> &[u8; 16] {
        &self.body.serial
    }

    /// The parent delegation's id, for a link below the first in a chain.
    pub fn parent(&self) -> Option<&DelegationId> {
        self.body.parent.as_ref()
    }

    /// The issuer's signature bytes.
    pub fn signature_bytes(&self) -> &[u8] {
        &self.signature
    }

    /// Checks the issuer's signature over the canonical bytes.
    ///
    /// # Errors
    /// [`Error::InvalidSignature`]; [`DelegationError::UnsupportedIssuer`]
    /// for a wallet issuer (use [`Delegation::verify_signature_with_wallets`]).
    pub fn verify_signature(&self) -> Result<()> {
        match &self.body.issuer {
            Issuer::Key(key) => {
                let sig =
                    Signature::from_slice(&self.signature).map_err(|_| Error::InvalidSignature)?;
                key.verify(&self.canonical, &sig)
            }
            Issuer::Wallet(_) => Err(DelegationError::UnsupportedIssuer.into()),
        }
    }

    /// The human-readable statement a wallet signs to issue a delegation.
    ///
    /// One fixed template carries every field and the delegation id (which is
    /// BLAKE3 of the canonical bytes, so it binds every field again). The
    /// verifier never reads the statement from the wire: it rebuilds it from the
    /// delegation's fields and checks the wallet's signature over it.
    ///
    /// ```text
    /// keytree delegation v1
    ///
    /// {issuer CAIP-10} grants the key below these permissions in context {context id}.
    ///
    /// Subject: {ed25519:…}
    /// Permissions: {name}, {name}, …        ("(none)" when empty)
    /// Valid from: {RFC 3339 UTC} ({unix seconds})
    /// Valid until: {RFC 3339 UTC} ({unix seconds})
    /// Serial: {32 lowercase hex}
    /// Parent: {parent id, base58 | none}
    /// Delegation ID: {id, base58}
    /// ```
    ///
    /// Lines end in LF, with no trailing newline. Permission names cannot hold
    /// `,` or spaces, so the list is unambiguous.
    ///
    /// The statement a wallet issuer signs, rebuilt from the fields; `None`
    /// for a native issuer. See [`Delegation::verify_signature_with_wallets`]
    /// for the template and the per-chain wrapping.
    pub fn wallet_statement(&self) -> Option<String> {
        self.body
            .issuer
            .as_wallet()
            .map(|account| self.body.statement(account, &self.id))
    }

    /// Checks the issuer's signature: native keys directly, wallet accounts
    /// through `wallets`.
    ///
    /// A wallet issuer signs the statement returned by
    /// [`Delegation::wallet_statement`], wrapped per chain:
    ///
    /// | chain | wrapping | stored signature |
    /// |---|---|---|
    /// | Ethereum | EIP-191 `personal_sign` of the statement | 65 bytes `r ‖ s ‖ v` |
    /// | NEAR | NEP-413: message = statement, nonce = the delegation id (32 bytes), recipient = `"keytree"`, no callback URL | 32-byte public key ‖ 64-byte signature |
    /// | Stellar | SEP-53 of the statement | 64 bytes |
    /// | Solana | `signMessage` of the statement's UTF-8 bytes | 64 bytes |
    /// | raw Ed25519 | Ed25519 of the statement's UTF-8 bytes | 64 bytes |
    /// | raw secp256k1 | ECDSA-SHA256 of the statement, low-S | 64 bytes `r ‖ s` |
    /// | ICP, custom chains | as their verifier's `verify_statement` says | |
    ///
    /// # Errors
    /// [`Error::InvalidSignature`], [`Error::Wallet`] (no verifier for the
    /// chain, account mismatch …) or [`DelegationError::UnsupportedIssuer`]
    /// when the chain's verifier does not root delegations.
    pub fn verify_signature_with_wallets(&self, wallets: &WalletRegistry) -> Result<()> {
        match &self.body.issuer {
            Issuer::Key(_) => self.verify_signature(),
            Issuer::Wallet(account) => {
                let statement = self.body.statement(account, &self.id);
                wallets
                    .verify_statement(&StatementProof {
                        account,
                        statement: &statement,
                        id: self.id.as_bytes(),
                        signature: &self.signature,
                    })
                    .map(|_| ())
            }
        }
    }

    /// [`Delegation::verify_signature_with_wallets`], then the window at `now`.
    ///
    /// # Errors
    /// See [`Delegation::verify_signature_with_wallets`] and [`Delegation::check_time`].
    pub fn verify_with_wallets(&self, wallets: &WalletRegistry, now: u64) -> Result<()> {
        self.verify_signature_with_wallets(wallets)?;
        self.check_time(now)
    }

    /// Checks that `now` lies in `[not_before, expires_at)`.
    ///
    /// # Errors
    /// [`DelegationError::NotYetValid`] or [`DelegationError::Expired`].
    pub fn check_time(&self, now: u64) -> Result<()> {
        if now < self.body.not_before {
            return Err(DelegationError::NotYetValid {
                not_before: self.body.not_before,
                now,
            }
            .into());
        }
        if now >= self.body.expires_at {
            return Err(DelegationError::Expired {
                expires_at: self.body.expires_at,
                now,
            }
            .into());
        }
        Ok(())
    }

    /// Checks the signature, then the validity window at `now`.
    ///
    /// # Errors
    /// See [`Delegation::verify_signature`] and [`Delegation::check_time`].
    pub fn verify(&self, now: u64) -> Result<()> {
        self.verify_signature()?;
        self.check_time(now)
    }

    /// The binary form: canonical bytes followed by the length-prefixed signature.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.canonical.clone();
        let len = u32::try_from(self.signature.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&self.signature);
        out
    }

    /// Decodes the binary form and verifies the issuer's signature.
    ///
    /// Only the one canonical encoding is accepted. To inspect a delegation
    /// without verifying it, use [`UnverifiedDelegation::from_bytes`].
    ///
    /// # Errors
    /// [`Error::Decode`] (truncated, trailing bytes, unknown version or issuer
    /// kind, unsorted permissions, empty window, bad signature length …),
    /// [`Error::InvalidKey`] or [`Error::Permission`] for bad fields, and
    /// [`Error::InvalidSignature`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        UnverifiedDelegation::from_bytes(bytes)?.verify_signature()
    }

    /// Decodes the binary form and verifies the issuer's signature, native
    /// or wallet (through `wallets`).
    ///
    /// # Errors
    /// As [`Delegation::from_bytes`] and
    /// [`Delegation::verify_signature_with_wallets`].
    pub fn from_bytes_with_wallets(bytes: &[u8], wallets: &WalletRegistry) -> Result<Self> {
        UnverifiedDelegation::from_bytes(bytes)?.verify_signature_with_wallets(wallets)
    }

    pub(crate) fn decode_unverified(bytes: &[u8]) -> Result<Self> {
        Self::decode_unverified_with(bytes, &mut PublicKey::from_bytes)
    }

    /// [`Delegation::decode_unverified`] with the issuer and subject keys
    /// decoded by `keys` (a cache of keys already checked).
    pub(crate) fn decode_unverified_with(bytes: &[u8], keys: &mut KeyDecoder<'_>) -> Result<Self> {
        if bytes.len() > MAX_DELEGATION_BYTES {
            return Err(Error::decode(
                WHAT,
                DecodeReason::TooLong {
                    max: MAX_DELEGATION_BYTES,
                },
            ));
        }
        let mut r = CanonicalReader::new(bytes, DOMAIN, WHAT)?;
        let body = Body::decode(&mut r, keys)?;
        let signed_len = bytes.len() - r.remaining();
        let signature = r.bytes()?.to_vec();
        r.finish()?;
        let d = Self::checked(body, signature)?;
        if bytes.get(..signed_len) != Some(d.canonical.as_slice()) {
            return Err(Error::decode(
                WHAT,
                DecodeReason::NonCanonical("field order"),
            ));
        }
        Ok(d)
    }

    /// Builds from decoded parts, enforcing the invariants every decoder shares.
    fn checked(body: Body, signature: Vec<u8>) -> Result<Self> {
        if body.not_before >= body.expires_at {
            return Err(DelegationError::EmptyWindow.into());
        }
        check_timestamp("delegation expires_at", body.expires_at)?;
        match body.issuer {
            Issuer::Key(_) if signature.len() != 64 => {
                return Err(Error::decode(
                    WHAT,
                    DecodeReason::Length {
                        expected: 64,
                        got: signature.len(),
                    },
                ));
            }
            Issuer::Key(_) => {}
            Issuer::Wallet(_) if signature.is_empty() || signature.len() > MAX_WALLET_SIGNATURE => {
                return Err(Error::decode(
                    WHAT,
                    DecodeReason::TooLong {
                        max: MAX_WALLET_SIGNATURE,
                    },
                ));
            }
            Issuer::Wallet(ref account) if is_non_canonical_ethereum_v(account, &signature) => {
                return Err(Error::decode(
                    WHAT,
                    DecodeReason::NonCanonical("ethereum signature v (stored as 27 or 28)"),
                ));
            }
            Issuer::Wallet(_) => {}
        }
        Ok(Self::from_body(body, signature))
    }
}

impl fmt::Debug for Delegation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Delegation")
            .field("id", &self.id)
            .field("issuer", &self.body.issuer)
            .field("subject", &self.body.subject)
            .field("context", &self.body.context)
            .field("permissions", &self.body.permissions)
            .field("not_before", &self.body.not_before)
            .field("expires_at", &self.body.expires_at)
            .field("parent", &self.body.parent)
            .finish_non_exhaustive()
    }
}

/// Prepares and signs a [`Delegation`].
#[derive(Clone, Debug)]
#[must_use]
pub struct DelegationBuilder {
    subject: PublicKey,
    context: ContextId,
    permissions: Permissions,
    not_before: u64,
    expires_at: u64,
    serial: Option<[u8; 16]>,
    parent: Option<DelegationId>,
}

impl DelegationBuilder {
    /// Valid from `not_before` (inclusive) to `expires_at` (exclusive), unix seconds.
    pub fn valid_between(mut self, not_before: u64, expires_at: u64) -> Self {
        self.not_before = not_before;
        self.expires_at = expires_at;
        self
    }

    /// Valid from `now` for `seconds`.
    pub fn valid_for(self, now: u64, seconds: u64) -> Self {
        self.valid_between(now, now.saturating_add(seconds))
    }

    /// Makes this a link below `parent` in a chain.
    pub fn child_of(mut self, parent: &Delegation) -> Self {
        self.parent = Some(parent.id());
        self
    }

    /// Sets the serial (normally random; fixed serials are for test vectors).
    pub fn serial(mut self, serial: [u8; 16]) -> Self {
        self.serial = Some(serial);
        self
    }

    /// Signs with a native root key.
    ///
    /// # Errors
    /// [`DelegationError::EmptyWindow`] when the window is empty.
    /// [`Error::TimestampOutOfRange`] when `expires_at` is beyond
    /// [`MAX_TIMESTAMP`](crate::MAX_TIMESTAMP).
    pub fn sign_as_root(self, root: &RootKey) -> Result<Delegation> {
        self.sign_ed25519(root.signing_key(), root.public_key())
    }

    /// Signs with a client key, delegating onward (set [`Self::child_of`]).
    ///
    /// # Errors
    /// [`DelegationError::EmptyWindow`] when the window is empty.
    /// [`Error::TimestampOutOfRange`] when `expires_at` is beyond
    /// [`MAX_TIMESTAMP`](crate::MAX_TIMESTAMP).
    pub fn sign_as_client(self, key: &ClientKey) -> Result<Delegation> {
        self.sign_ed25519(key.signing_key(), key.public_key())
    }

    /// Prepares a delegation issued by a wallet account: the returned
    /// [`UnsignedDelegation`] shows the statement the wallet must sign.
    ///
    /// # Errors
    /// [`DelegationError::EmptyWindow`] when the window is empty.
    /// [`Error::TimestampOutOfRange`] when `expires_at` is beyond
    /// [`MAX_TIMESTAMP`](crate::MAX_TIMESTAMP).
    pub fn for_wallet(self, issuer: AccountId) -> Result<UnsignedDelegation> {
        let body = self.into_body(Issuer::Wallet(issuer))?;
        let id = DelegationId(*blake3::hash(&body.canonical_bytes()).as_bytes());
        Ok(UnsignedDelegation { body, id })
    }

    fn into_body(self, issuer: Issuer) -> Result<Body> {
        if self.not_before >= self.expires_at {
            return Err(DelegationError::EmptyWindow.into());
        }
        check_timestamp("delegation expires_at", self.expires_at)?;
        let serial = self.serial.unwrap_or_else(|| {
            let mut s = [0u8; 16];
            rand::rng().fill_bytes(&mut s);
            s
        });
        Ok(Body {
            issuer,
            subject: self.subject,
            context: self.context,
            permissions: self.permissions,
            not_before: self.not_before,
            expires_at: self.expires_at,
            serial,
            parent: self.parent,
        })
    }

    fn sign_ed25519(self, signing: &SigningKey, issuer: PublicKey) -> Result<Delegation> {
        let body = self.into_body(Issuer::Key(issuer))?;
        let canonical = body.canonical_bytes();
        let sig = signing.sign(&canonical);
        Ok(Delegation::from_body(body, sig.to_bytes().to_vec()))
    }
}

/// A wallet-issued delegation waiting for the wallet's signature.
///
/// Show [`UnsignedDelegation::statement`] to the wallet, wrap it as the
/// chain requires (see [`Delegation::verify_signature_with_wallets`]), and
/// pass the signature bytes to [`UnsignedDelegation::finish`].
#[derive(Clone, Debug)]
pub struct UnsignedDelegation {
    body: Body,
    id: DelegationId,
}

impl UnsignedDelegation {
    /// The delegation id the signed delegation will have.
    pub fn id(&self) -> DelegationId {
        self.id
    }

    /// The statement the wallet signs.
    pub fn statement(&self) -> String {
        match &self.body.issuer {
            Issuer::Wallet(account) => self.body.statement(account, &self.id),
            Issuer::Key(_) => String::new(),
        }
    }

    /// Attaches the wallet's signature. The result is unverified: turn it
    /// into a [`Delegation`] with
    /// [`UnverifiedDelegation::verify_signature_with_wallets`].
    ///
    /// # Errors
    /// [`Error::Decode`] for an empty or oversized signature.
    pub fn finish(self, mut signature: Vec<u8>) -> Result<UnverifiedDelegation> {
        // One stored form per signature: an Ethereum `r ‖ s ‖ v` with
        // v ∈ {0, 1} (some wallets and signers) is stored as v + 27.
        if let Issuer::Wallet(account) = &self.body.issuer
            && account.chain() == &Chain::Ethereum
            && signature.len() == ETHEREUM_SIGNATURE_LEN
            && let Some(v @ (0 | 1)) = signature.last_mut()
        {
            *v += 27;
        }
        Delegation::checked(self.body, signature).map(UnverifiedDelegation)
    }
}

/// The JSON shape of a delegation. Strict: no unknown fields, every field
/// present (`parent` may be `null` but not absent), canonical texts only.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct DelegationJson {
    version: u8,
    issuer: Issuer,
    subject: PublicKey,
    context_id: ContextId,
    permissions: Permissions,
    not_before: u64,
    expires_at: u64,
    serial: String,
    // `deserialize_with` makes the field required (serde would otherwise
    // treat an absent Option as null, a second encoding of the same value).
    #[serde(deserialize_with = "Option::deserialize")]
    parent: Option<DelegationId>,
    signature: String,
}

impl Serialize for Delegation {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        DelegationJson {
            version: DELEGATION_VERSION,
            issuer: self.body.issuer.clone(),
            subject: self.body.subject,
            context_id: self.body.context,
            permissions: self.body.permissions.clone(),
            not_before: self.body.not_before,
            expires_at: self.body.expires_at,
            serial: hex_encode(&self.body.serial),
            parent: self.body.parent,
            signature: base64url_encode(&self.signature),
        }
        .serialize(s)
    }
}

/// Deserialization decodes strictly and verifies the issuer's signature;
/// use [`UnverifiedDelegation`] to inspect without verifying.
impl<'de> Deserialize<'de> for Delegation {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        UnverifiedDelegation::deserialize(d)?
            .verify_signature()
            .map_err(serde::de::Error::custom)
    }
}

/// A delegation decoded (strictly) but not yet verified: for inspection,
/// logging, or routing to the right verifier. Its fields can be read; turn it
/// into a [`Delegation`] with [`UnverifiedDelegation::verify_signature`].
#[derive(Clone, PartialEq, Eq)]
pub struct UnverifiedDelegation(Delegation);

impl UnverifiedDelegation {
    /// Decodes the binary form, refusing anything that is not the one
    /// canonical encoding. Does not verify the signature.
    ///
    /// # Errors
    /// As [`Delegation::from_bytes`], except [`Error::InvalidSignature`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        Delegation::decode_unverified(bytes).map(Self)
    }

    /// Verifies the issuer's signature over the canonical bytes.
    ///
    /// # Errors
    /// [`Error::InvalidSignature`]; [`DelegationError::UnsupportedIssuer`]
    /// for a wallet issuer (use [`Self::verify_signature_with_wallets`]).
    pub fn verify_signature(self) -> Result<Delegation> {
        self.0.verify_signature()?;
        Ok(self.0)
    }

    /// Verifies the issuer's signature, native or wallet (through `wallets`).
    ///
    /// # Errors
    /// As [`Delegation::verify_signature_with_wallets`].
    pub fn verify_signature_with_wallets(self, wallets: &WalletRegistry) -> Result<Delegation> {
        self.0.verify_signature_with_wallets(wallets)?;
        Ok(self.0)
    }

    /// The fields, for inspection only: nothing here has been verified.
    pub fn dangerous_inspect(&self) -> &Delegation {
        &self.0
    }

    /// The id (BLAKE3 of the canonical bytes), which needs no verification.
    pub fn id(&self) -> DelegationId {
        self.0.id
    }
}

impl fmt::Debug for UnverifiedDelegation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Unverified{:?}", self.0)
    }
}

impl Serialize for UnverifiedDelegation {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for UnverifiedDelegation {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let j = DelegationJson::deserialize(d)?;
        Delegation::try_from(j)
            .map(Self)
            .map_err(serde::de::Error::custom)
    }
}

impl TryFrom<DelegationJson> for Delegation {
    type Error = Error;
    fn try_from(j: DelegationJson) -> Result<Self> {
        if j.version != DELEGATION_VERSION {
            return Err(Error::decode(
                WHAT,
                DecodeReason::UnsupportedVersion(u32::from(j.version)),
            ));
        }
        let serial_bytes = hex_decode(&j.serial, "delegation serial")?;
        if hex_encode(&serial_bytes) != j.serial {
            return Err(Error::decode(
                WHAT,
                DecodeReason::NonCanonical("serial hex case"),
            ));
        }
        let serial = <[u8; 16]>::try_from(serial_bytes.as_slice()).map_err(|_| {
            Error::decode(
                "delegation serial",
                DecodeReason::Length {
                    expected: 16,
                    got: serial_bytes.len(),
                },
            )
        })?;
        if j.signature.len() > 4 * MAX_DELEGATION_BYTES {
            return Err(Error::decode(
                WHAT,
                DecodeReason::TooLong {
                    max: MAX_DELEGATION_BYTES,
                },
            ));
        }
        let signature = base64url_decode(&j.signature, "delegation signature")?;
        let body = Body {
            issuer: j.issuer,
            subject: j.subject,
            context: j.context_id,
            permissions: j.permissions,
            not_before: j.not_before,
            expires_at: j.expires_at,
            serial,
            parent: j.parent,
        };
        Self::checked(body, signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> (RootKey, ContextId, ClientKey) {
        let root = RootKey::from_bytes(&[1; 32]);
        let ctx = ContextId::from_bytes([2; 32]);
        let client = root.derive_client_key(&ctx, 0);
        (root, ctx, client)
    }

    fn perms(names: &[&str]) -> Permissions {
        Permissions::parse(names).unwrap()
    }

    #[test]
    fn sign_verify_and_tamper() {
        let (root, ctx, client) = setup();
        let d = Delegation::builder(client.public_key(), ctx, perms(&["a"]))
            .valid_between(10, 20)
            .sign_as_root(&root)
            .unwrap();
        d.verify(10).unwrap();
        d.verify(19).unwrap();
        assert!(matches!(
            d.verify(9),
            Err(Error::Delegation(DelegationError::NotYetValid { .. }))
        ));
        assert!(matches!(
            d.verify(20),
            Err(Error::Delegation(DelegationError::Expired { .. }))
        ));
        // Flip each bit-0 of every byte: decoding (which verifies) refuses
        // all of them, while some still decode unverified, for inspection.
        let bytes = d.to_bytes();
        let mut inspectable = 0;
        for i in 0..bytes.len() {
            let mut t = bytes.clone();
            t[i] ^= 1;
            assert!(
                Delegation::from_bytes(&t).is_err(),
                "tamper at byte {i} accepted"
            );
            if let Ok(u) = UnverifiedDelegation::from_bytes(&t) {
                inspectable += 1;
                // The id covers the signed bytes, not the signature.
                let in_signed_part = i < d.signed_bytes().len();
                assert_eq!(u.id() != d.id(), in_signed_part, "byte {i}");
                assert_eq!(u.verify_signature().unwrap_err(), Error::InvalidSignature);
            }
        }
        assert!(inspectable > 0);
    }

    #[test]
    fn empty_window_refused() {
        let (root, ctx, client) = setup();
        assert!(
            Delegation::builder(client.public_key(), ctx, perms(&["a"]))
                .valid_between(20, 20)
                .sign_as_root(&root)
                .is_err()
        );
    }

    #[test]
    fn id_ignores_signature_and_is_stable() {
        let (root, ctx, client) = setup();
        let d = Delegation::builder(client.public_key(), ctx, perms(&["a"]))
            .valid_between(10, 20)
            .serial([0; 16])
            .sign_as_root(&root)
            .unwrap();
        assert_eq!(d.id().as_bytes(), blake3::hash(d.signed_bytes()).as_bytes());
        let back = Delegation::from_bytes(&d.to_bytes()).unwrap();
        assert_eq!(back.id(), d.id());
    }

    #[test]
    fn json_round_trip_and_strictness() {
        let (root, ctx, client) = setup();
        let d = Delegation::builder(client.public_key(), ctx, perms(&["a", "b:c"]))
            .valid_between(10, 20)
            .sign_as_root(&root)
            .unwrap();
        let json = serde_json::to_value(&d).unwrap();
        let back: Delegation = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(back, d);
        let mut missing_parent = json.clone();
        missing_parent.as_object_mut().unwrap().remove("parent");
        assert!(serde_json::from_value::<Delegation>(missing_parent).is_err());
        let mut extra = json.clone();
        extra["extra"] = 1.into();
        assert!(serde_json::from_value::<Delegation>(extra).is_err());
        let mut upper = json.clone();
        upper["serial"] = d
            .serial()
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect::<String>()
            .into();
        if upper["serial"] != json["serial"] {
            assert!(serde_json::from_value::<Delegation>(upper).is_err());
        }
        let mut unsorted = json.clone();
        unsorted["permissions"] = serde_json::json!(["b:c", "a"]);
        assert!(serde_json::from_value::<Delegation>(unsorted).is_err());
        let mut short_sig = json.clone();
        short_sig["signature"] = "AAAA".into();
        assert!(serde_json::from_value::<Delegation>(short_sig).is_err());
        // A valid encoding with a forged field: decodes unverified, refused verified.
        let mut forged = json;
        forged["expires_at"] = 30.into();
        assert_eq!(
            serde_json::from_value::<Delegation>(forged.clone())
                .unwrap_err()
                .to_string(),
            "signature verification failed"
        );
        let u: UnverifiedDelegation = serde_json::from_value(forged).unwrap();
        assert_eq!(u.dangerous_inspect().expires_at(), 30);
    }

    #[test]
    fn chains() {
        let (root, ctx, client) = setup();
        let sub = ClientKey::from_bytes(&[5; 32]);
        let link0 = Delegation::builder(client.public_key(), ctx, perms(&["blob", "x"]))
            .valid_between(10, 100)
            .sign_as_root(&root)
            .unwrap();
        let link1 = Delegation::builder(sub.public_key(), ctx, perms(&["blob:add"]))
            .valid_between(20, 90)
            .child_of(&link0)
            .sign_as_client(&client)
            .unwrap();
        let root_issuer = Issuer::Key(root.public_key());
        let policy = ChainPolicy::default();
        let chain = [link0.clone(), link1.clone()];
        let leaf = verify_chain(&chain, &root_issuer, 50, &policy).unwrap();
        assert_eq!(leaf.subject(), &sub.public_key());
        // Wrong root.
        let other = Issuer::Key(RootKey::from_bytes(&[9; 32]).public_key());
        assert!(verify_chain(&chain, &other, 50, &policy).is_err());
        // Widened.
        let wide = Delegation::builder(sub.public_key(), ctx, perms(&["y"]))
            .valid_between(20, 90)
            .child_of(&link0)
            .sign_as_client(&client)
            .unwrap();
        assert_eq!(
            verify_chain(&[link0.clone(), wide], &root_issuer, 50, &policy).unwrap_err(),
            Error::Delegation(DelegationError::Widened { index: 1 })
        );
        // Outside the parent's window.
        let late = Delegation::builder(sub.public_key(), ctx, perms(&["blob"]))
            .valid_between(20, 101)
            .child_of(&link0)
            .sign_as_client(&client)
            .unwrap();
        assert!(verify_chain(&[link0.clone(), late], &root_issuer, 50, &policy).is_err());
        // Broken: missing parent id.
        let orphan = Delegation::builder(sub.public_key(), ctx, perms(&["blob"]))
            .valid_between(20, 90)
            .sign_as_client(&client)
            .unwrap();
        assert!(verify_chain(&[link0.clone(), orphan], &root_issuer, 50, &policy).is_err());
        // Depth.
        assert!(verify_chain(&chain, &root_issuer, 50, &ChainPolicy::with_max_depth(1)).is_err());
        // Expired link at `now`.
        assert!(verify_chain(&chain, &root_issuer, 95, &policy).is_err());
        assert!(verify_chain(&[], &root_issuer, 50, &policy).is_err());
    }
}
