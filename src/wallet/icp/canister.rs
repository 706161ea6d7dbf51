//! ICP canister signatures (the IC interface specification's "Canister
//! signatures") and the Internet Identity delegation chains that start with
//! one. Feature `icp-canister-sig`.
//!
//! A canister-signature public key is the DER `SubjectPublicKeyInfo` with
//! algorithm OID 1.3.6.1.4.1.56387.1.2 whose key bits are
//! `len(canister id) · canister id · seed`. A signature is the CBOR map
//! `{certificate, tree}`: a certificate that the IC signed with BLS12-381
//! (directly with the root key, or with a subnet key that the root key
//! delegated to), and a hash tree whose root hash is the canister's
//! `certified_data` in that certificate (`canister/<id>/certified_data`) and
//! which holds the path `sig/<SHA-256(seed)>/<SHA-256(message)>`.
//!
//! The certificate, delegation and BLS checks are DFINITY's own
//! (`ic-signature-verification`, over `ic-certification` and
//! `ic-verify-bls-signature`); keytree adds the strict key codec, the
//! certificate-age check against an explicit `now`, and the delegation
//! chains.

use std::fmt;

use ic_certification::{Certificate, HashTree, LookupResult};
use serde::Deserialize;
use serde_bytes::ByteBuf;

use super::delegation::{
    ChainJson, DelegationJson, SignedJson, chain_json, check_link_count, links_from_json,
    strict_hex,
};
use super::{
    IcpPublicKey, IcpSignedDelegation, Principal, UnverifiedIcpDelegationChain, check_icp_account,
};
use crate::encoding::hex_encode;
use crate::error::{DecodeReason, Error, KeyError, Result, WalletError};
use crate::wallet::account::AccountId;
use crate::wallet::check::{Expectations, SignerKey, VerifiedAccount};

/// The IC mainnet root public key (raw BLS12-381 G2 point, 96 bytes), as
/// DFINITY publishes it (the bytes after the 37-byte DER prefix of
/// `ic-canister-sig-creation`'s `IC_ROOT_PK_DER`).
pub const IC_MAINNET_ROOT_KEY: [u8; 96] = [
    0x81, 0x4c, 0x0e, 0x6e, 0xc7, 0x1f, 0xab, 0x58, 0x3b, 0x08, 0xbd, 0x81, 0x37, 0x3c, 0x25, 0x5c,
    0x3c, 0x37, 0x1b, 0x2e, 0x84, 0x86, 0x3c, 0x98, 0xa4, 0xf1, 0xe0, 0x8b, 0x74, 0x23, 0x5d, 0x14,
    0xfb, 0x5d, 0x9c, 0x0c, 0xd5, 0x46, 0xd9, 0x68, 0x5f, 0x91, 0x3a, 0x0c, 0x0b, 0x2c, 0xc5, 0x34,
    0x15, 0x83, 0xbf, 0x4b, 0x43, 0x92, 0xe4, 0x67, 0xdb, 0x96, 0xd6, 0x5b, 0x9b, 0xb4, 0xcb, 0x71,
    0x71, 0x12, 0xf8, 0x47, 0x2e, 0x0d, 0x5a, 0x4d, 0x14, 0x50, 0x5f, 0xfd, 0x74, 0x84, 0xb0, 0x12,
    0x91, 0x09, 0x1c, 0x5f, 0x87, 0xb9, 0x88, 0x83, 0x46, 0x3f, 0x98, 0x09, 0x1a, 0x0b, 0xaa, 0xae,
];

/// The default maximum age of a canister signature's certificate: five
/// minutes, in seconds.
pub const DEFAULT_MAX_CERTIFICATE_AGE: u64 = 300;

/// How far in the future (seconds) a certificate's `time` may lie, for
/// clock skew between the IC and the server.
const CLOCK_SKEW: u64 = 60;

/// The DER prefix of an IC root key (`SubjectPublicKeyInfo`, BLS12-381 G2,
/// OIDs 1.3.6.1.4.1.44668.5.3.1.2.1 and 1.3.6.1.4.1.44668.5.3.2.1).
const ROOT_KEY_DER_PREFIX: [u8; 37] = [
    0x30, 0x81, 0x82, 0x30, 0x1d, 0x06, 0x0d, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0xdc, 0x7c, 0x05,
    0x03, 0x01, 0x02, 0x01, 0x06, 0x0c, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0xdc, 0x7c, 0x05, 0x03,
    0x02, 0x01, 0x03, 0x61, 0x00,
];

/// `SEQUENCE { OBJECT IDENTIFIER 1.3.6.1.4.1.56387.1.2 }`.
const ALGORITHM_IDENTIFIER: [u8; 14] = [
    0x30, 0x0c, 0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x83, 0xb8, 0x43, 0x01, 0x02,
];

/// CBOR's self-describing tag 55799, which the spec requires in front of a
/// signature and a certificate.
const SELF_DESCRIBING_TAG: [u8; 3] = [0xd9, 0xd9, 0xf7];

/// The largest canister signature accepted (Internet Identity's are about
/// 1.4 KB with a subnet delegation); anything longer is refused unparsed.
const MAX_SIGNATURE_LEN: usize = 64 * 1024;

/// The longest seed accepted in a canister-signature key (Internet
/// Identity's are 32 bytes).
const MAX_SEED_LEN: usize = 1024;

const KEY_WHAT: &str = "icp canister signature public key (der)";
const SIG_WHAT: &str = "icp canister signature";
const CHAIN_WHAT: &str = "icp canister delegation chain";

const NANOS_PER_SECOND: u128 = 1_000_000_000;

// ---------------------------------------------------------------------------
// Public key.

/// A canister-signature public key: the signing canister and a seed the
/// canister chose (Internet Identity derives one per user and frontend).
///
/// Its DER form is read strictly (minimal lengths, nothing trailing), so
/// the self-authenticating principal, `SHA-224(DER) · 0x02`, is well
/// defined: for Internet Identity it is the user's principal.
///
/// # Example
/// ```
/// use keytree::{IcpCanisterPublicKey, Principal};
/// let ii = Principal::from_text("rdmx6-jaaaa-aaaaa-aaadq-cai")?;
/// let key = IcpCanisterPublicKey::new(ii, vec![7; 32])?;
/// assert_eq!(IcpCanisterPublicKey::from_der(&key.to_der())?, key);
/// assert_eq!(key.canister_id(), ii);
/// assert!(key.principal().is_self_authenticating());
/// Ok::<(), keytree::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IcpCanisterPublicKey {
    canister_id: Principal,
    seed: Vec<u8>,
}

impl IcpCanisterPublicKey {
    /// The key of `canister_id` for `seed`.
    ///
    /// # Errors
    /// [`Error::Decode`] when the seed is longer than 1024 bytes.
    pub fn new(canister_id: Principal, seed: Vec<u8>) -> Result<Self> {
        if seed.len() > MAX_SEED_LEN {
            return Err(Error::decode(
                KEY_WHAT,
                DecodeReason::TooLong { max: MAX_SEED_LEN },
            ));
        }
        Ok(Self { canister_id, seed })
    }

    /// Decodes the DER `SubjectPublicKeyInfo`.
    ///
    /// # Errors
    /// [`Error::Decode`] for another algorithm, malformed or non-canonical
    /// DER, a canister id longer than 29 bytes or a seed longer than 1024.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        if der.len() > MAX_SEED_LEN + 64 {
            return Err(Error::decode(
                KEY_WHAT,
                DecodeReason::TooLong {
                    max: MAX_SEED_LEN + 64,
                },
            ));
        }
        let (spki, rest) = read_tlv(der, 0x30)?;
        if !rest.is_empty() {
            return Err(Error::malformed(KEY_WHAT, "trailing bytes"));
        }
        let algorithm = spki
            .get(..ALGORITHM_IDENTIFIER.len())
            .filter(|a| *a == ALGORITHM_IDENTIFIER)
            .ok_or_else(|| Error::malformed(KEY_WHAT, "not a canister-signature key"))?;
        let (bits, rest) = read_tlv(spki.get(algorithm.len()..).unwrap_or_default(), 0x03)?;
        if !rest.is_empty() {
            return Err(Error::malformed(KEY_WHAT, "trailing bytes in the key"));
        }
        let Some((0, body)) = bits.split_first() else {
            return Err(Error::malformed(KEY_WHAT, "bit string with unused bits"));
        };
        let Some((&id_len, body)) = body.split_first() else {
            return Err(Error::malformed(KEY_WHAT, "empty key"));
        };
        let id = body
            .get(..usize::from(id_len))
            .ok_or_else(|| Error::malformed(KEY_WHAT, "canister id longer than the key"))?;
        let seed = body.get(usize::from(id_len)..).unwrap_or_default();
        let key = Self::new(Principal::from_slice(id)?, seed.to_vec())?;
        if key.to_der() != der {
            return Err(Error::decode(
                KEY_WHAT,
                DecodeReason::NonCanonical("der lengths"),
            ));
        }
        Ok(key)
    }

    /// The DER `SubjectPublicKeyInfo`.
    pub fn to_der(&self) -> Vec<u8> {
        let id = self.canister_id.as_slice();
        let mut bits = Vec::with_capacity(2 + id.len() + self.seed.len());
        bits.push(0); // no unused bits
        // A principal is at most 29 bytes, so its length fits in one byte.
        bits.push(u8::try_from(id.len()).unwrap_or(u8::MAX));
        bits.extend_from_slice(id);
        bits.extend_from_slice(&self.seed);
        let mut bit_string = vec![0x03];
        push_len(&mut bit_string, bits.len());
        bit_string.extend_from_slice(&bits);
        let mut out = vec![0x30];
        push_len(&mut out, ALGORITHM_IDENTIFIER.len() + bit_string.len());
        out.extend_from_slice(&ALGORITHM_IDENTIFIER);
        out.extend_from_slice(&bit_string);
        out
    }

    /// The signing canister.
    pub fn canister_id(&self) -> Principal {
        self.canister_id
    }

    /// The seed.
    pub fn seed(&self) -> &[u8] {
        &self.seed
    }

    /// The self-authenticating principal `SHA-224(DER) · 0x02`.
    pub fn principal(&self) -> Principal {
        Principal::self_authenticating(&self.to_der())
    }
}

impl fmt::Debug for IcpCanisterPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "IcpCanisterPublicKey({}, {})",
            self.canister_id.to_text(),
            hex_encode(&self.seed)
        )
    }
}

/// A DER length, minimal; canister keys stay far below 64 KiB.
fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else if len <= 0xff {
        out.extend([0x81, len as u8]);
    } else {
        out.extend([0x82, (len >> 8) as u8, len as u8]);
    }
}

/// Reads one TLV with `tag`: its content and what follows. Length forms are
/// checked afterwards by re-encoding.
fn read_tlv(input: &[u8], tag: u8) -> Result<(&[u8], &[u8])> {
    let truncated = || Error::malformed(KEY_WHAT, "truncated");
    let (&t, rest) = input.split_first().ok_or_else(truncated)?;
    if t != tag {
        return Err(Error::malformed(
            KEY_WHAT,
            format!("expected tag {tag:#04x}"),
        ));
    }
    let (&first, rest) = rest.split_first().ok_or_else(truncated)?;
    let (len, rest) = match first {
        0..=0x7f => (usize::from(first), rest),
        0x81 => {
            let (&b, rest) = rest.split_first().ok_or_else(truncated)?;
            (usize::from(b), rest)
        }
        0x82 => {
            let hi = rest.first().ok_or_else(truncated)?;
            let lo = rest.get(1).ok_or_else(truncated)?;
            (
                usize::from(*hi) << 8 | usize::from(*lo),
                rest.get(2..).unwrap_or_default(),
            )
        }
        _ => return Err(Error::malformed(KEY_WHAT, "unsupported length form")),
    };
    if rest.len() < len {
        return Err(truncated());
    }
    Ok(rest.split_at(len))
}

// ---------------------------------------------------------------------------
// Signature.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignatureCbor {
    certificate: ByteBuf,
    tree: HashTree,
}

/// A canister signature as decoded, not verified: the CBOR map
/// `{certificate, tree}` with both parts parsed, and the certificate's
/// `time`.
///
/// Decoding checks only the structure (the self-describing CBOR tags, a
/// certificate with a `time`); nothing here is authenticated until
/// [`IcpCanisterSignatureVerifier::verify`] succeeds.
#[derive(Clone, Debug)]
pub struct UnverifiedIcpCanisterSignature {
    certificate: Certificate,
    tree: HashTree,
    time_ns: u64,
}

impl UnverifiedIcpCanisterSignature {
    /// Decodes a canister signature (CBOR, 64 KiB at most).
    ///
    /// # Errors
    /// [`Error::Decode`] for oversized input, a missing self-describing
    /// tag, malformed CBOR, a certificate that does not parse, or a
    /// certificate without a well-formed `time`.
    pub fn from_cbor(bytes: &[u8]) -> Result<Self> {
        if bytes.len() > MAX_SIGNATURE_LEN {
            return Err(Error::decode(
                SIG_WHAT,
                DecodeReason::TooLong {
                    max: MAX_SIGNATURE_LEN,
                },
            ));
        }
        if !bytes.starts_with(&SELF_DESCRIBING_TAG) {
            return Err(Error::decode(
                SIG_WHAT,
                DecodeReason::Prefix {
                    expected: "cbor self-describing tag d9d9f7",
                },
            ));
        }
        let signature: SignatureCbor =
            serde_cbor::from_slice(bytes).map_err(|e| Error::malformed(SIG_WHAT, e))?;
        let certificate = parse_certificate(&signature.certificate)?;
        if let Some(delegation) = &certificate.delegation {
            // The delegation's own certificate must parse too (its BLS
            // signature and canister ranges are checked on verification).
            let inner = parse_certificate(&delegation.certificate)?;
            if inner.delegation.is_some() {
                return Err(Error::malformed(SIG_WHAT, "nested certificate delegation"));
            }
        }
        let time_ns = match certificate.tree.lookup_path([b"time"]) {
            LookupResult::Found(leb) => leb128_u64(leb)?,
            _ => return Err(Error::malformed(SIG_WHAT, "certificate without a time")),
        };
        Ok(Self {
            certificate,
            tree: signature.tree,
            time_ns,
        })
    }

    /// The certificate's `time`, in nanoseconds since the Unix epoch.
    pub fn certificate_time_ns(&self) -> u64 {
        self.time_ns
    }

    /// The certificate's `time`, in whole Unix seconds (rounded down).
    pub fn certificate_time(&self) -> u64 {
        self.time_ns / 1_000_000_000
    }

    /// Whether the certificate is signed by a subnet key that the root key
    /// delegated to (rather than by the root key itself).
    pub fn has_subnet_delegation(&self) -> bool {
        self.certificate.delegation.is_some()
    }

    /// The root hash of the signature's tree (what the canister certified).
    pub fn tree_root_hash(&self) -> [u8; 32] {
        self.tree.digest()
    }

    /// The root hash of the certificate's tree (what the IC signed, after
    /// the `"\x0Dic-state-root"` domain separator).
    pub fn certificate_root_hash(&self) -> [u8; 32] {
        self.certificate.tree.digest()
    }

    /// The certificate's BLS signature bytes.
    pub fn certificate_signature(&self) -> &[u8] {
        &self.certificate.signature
    }
}

fn parse_certificate(bytes: &[u8]) -> Result<Certificate> {
    if !bytes.starts_with(&SELF_DESCRIBING_TAG) {
        return Err(Error::decode(
            "icp certificate",
            DecodeReason::Prefix {
                expected: "cbor self-describing tag d9d9f7",
            },
        ));
    }
    serde_cbor::from_slice(bytes).map_err(|e| Error::malformed("icp certificate", e))
}

/// Unsigned LEB128, as the certificate's `time` is encoded: at most ten
/// bytes, all consumed, no overflow, no redundant trailing zero groups.
fn leb128_u64(bytes: &[u8]) -> Result<u64> {
    let bad =
        |why: &'static str| Error::decode("icp certificate time", DecodeReason::NonCanonical(why));
    if bytes.is_empty() || bytes.len() > 10 {
        return Err(bad("leb128 of 1 to 10 bytes"));
    }
    let mut value: u64 = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let last = i + 1 == bytes.len();
        if last == (b & 0x80 != 0) {
            return Err(bad("leb128 continuation bits"));
        }
        if last && b == 0 && i > 0 {
            return Err(bad("leb128 with redundant zero"));
        }
        let group = u64::from(b & 0x7f);
        let shift = 7 * i as u32;
        if shift == 63 && group > 1 {
            return Err(bad("leb128 overflows 64 bits"));
        }
        value |= group << shift;
    }
    Ok(value)
}

// ---------------------------------------------------------------------------
// Verifier.

/// Verifies canister signatures: against a root key (the IC mainnet root key
/// by default; a local replica's or a test network's with
/// [`IcpCanisterSignatureVerifier::with_root_key`]), with a maximum
/// certificate age checked against an explicit `now`.
///
/// The certificate's `time` says when the IC certified the canister's
/// state, so its age bounds how old the signature is. The default maximum
/// is [`DEFAULT_MAX_CERTIFICATE_AGE`] (five minutes): right for a login
/// where the client asks Internet Identity for a fresh delegation. A server
/// that accepts delegations the client stored earlier (auth-client keeps
/// them for hours) raises it to the session length it is willing to accept.
///
/// # Example
/// ```
/// use keytree::{IC_MAINNET_ROOT_KEY, IcpCanisterSignatureVerifier};
/// let verifier = IcpCanisterSignatureVerifier::new().with_max_certificate_age(600);
/// assert_eq!(verifier.root_key(), &IC_MAINNET_ROOT_KEY);
/// assert_eq!(verifier.max_certificate_age(), 600);
/// // A local replica's key (raw, or in its 133-byte DER form):
/// assert!(IcpCanisterSignatureVerifier::new().with_root_key(&[0; 96]).is_err());
/// Ok::<(), keytree::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct IcpCanisterSignatureVerifier {
    root_key: [u8; 96],
    max_certificate_age: u64,
}

impl Default for IcpCanisterSignatureVerifier {
    fn default() -> Self {
        Self {
            root_key: IC_MAINNET_ROOT_KEY,
            max_certificate_age: DEFAULT_MAX_CERTIFICATE_AGE,
        }
    }
}

impl fmt::Debug for IcpCanisterSignatureVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IcpCanisterSignatureVerifier")
            .field("root_key", &hex_encode(&self.root_key))
            .field("max_certificate_age", &self.max_certificate_age)
            .finish()
    }
}

impl IcpCanisterSignatureVerifier {
    /// The IC mainnet root key, certificates at most
    /// [`DEFAULT_MAX_CERTIFICATE_AGE`] seconds old.
    pub fn new() -> Self {
        Self::default()
    }

    /// Trusts `root_key` instead of the mainnet key: the raw 96-byte
    /// BLS12-381 G2 point, or its 133-byte DER form (what `dfx ping` and
    /// `agent.fetchRootKey()` return).
    ///
    /// # Errors
    /// [`Error::Decode`] for any other length or DER prefix;
    /// [`Error::InvalidKey`] when the bytes are not a valid G2 point.
    pub fn with_root_key(mut self, root_key: &[u8]) -> Result<Self> {
        let raw = match root_key.len() {
            96 => root_key,
            133 => root_key
                .strip_prefix(&ROOT_KEY_DER_PREFIX[..])
                .ok_or_else(|| Error::malformed("icp root key", "not a bls12-381 g2 der key"))?,
            got => {
                return Err(Error::decode(
                    "icp root key",
                    DecodeReason::Length { expected: 96, got },
                ));
            }
        };
        ic_verify_bls_signature::PublicKey::deserialize(raw)
            .map_err(|_| Error::InvalidKey(KeyError::NotOnCurve))?;
        self.root_key
            .copy_from_slice(raw.get(..96).unwrap_or(&[0; 96]));
        Ok(self)
    }

    /// Accepts certificates up to `seconds` old.
    pub fn with_max_certificate_age(mut self, seconds: u64) -> Self {
        self.max_certificate_age = seconds;
        self
    }

    /// The trusted root key (raw, 96 bytes).
    pub fn root_key(&self) -> &[u8; 96] {
        &self.root_key
    }

    /// The maximum certificate age, in seconds.
    pub fn max_certificate_age(&self) -> u64 {
        self.max_certificate_age
    }

    /// Verifies that `signature` is `public_key`'s canister signature over
    /// `message` at `now` (Unix seconds): the certificate's BLS signature by
    /// the root key (or by a subnet key the root key delegated to, for a
    /// range that holds the canister), the canister's `certified_data`
    /// equal to the tree's root hash, the tree holding
    /// `sig/<SHA-256(seed)>/<SHA-256(message)>`, and then the certificate's
    /// `time` within the maximum age of `now` (and at most a minute ahead).
    ///
    /// The message is checked as given; protocols add their own domain
    /// separator (Internet Identity delegations sign
    /// `"\x1Aic-request-auth-delegation" · hash`).
    ///
    /// # Errors
    /// [`Error::Decode`] when the signature does not parse;
    /// [`Error::InvalidSignature`], without detail, for every failed check
    /// (wrong seed, message, canister, root key, a tampered tree or
    /// certificate);
    /// [`WalletError::IcpCertificateStale`](crate::WalletError::IcpCertificateStale)
    /// for an authentic certificate that is too old (or from the future).
    pub fn verify(
        &self,
        public_key: &IcpCanisterPublicKey,
        message: impl AsRef<[u8]>,
        signature: &[u8],
        now: u64,
    ) -> Result<()> {
        self.verify_at(public_key, message.as_ref(), signature, now)
            .map(|_| ())
    }

    /// As [`IcpCanisterSignatureVerifier::verify`], returning the
    /// certificate time in nanoseconds.
    fn verify_at(
        &self,
        public_key: &IcpCanisterPublicKey,
        message: &[u8],
        signature: &[u8],
        now: u64,
    ) -> Result<u64> {
        let parsed = UnverifiedIcpCanisterSignature::from_cbor(signature)?;
        ic_signature_verification::verify_canister_sig(
            message,
            signature,
            &public_key.to_der(),
            &self.root_key,
        )
        .map_err(|_| Error::InvalidSignature)?;
        // The time is authentic only now that the certificate verified.
        let time = u128::from(parsed.time_ns);
        let now_ns = u128::from(now) * NANOS_PER_SECOND;
        let too_old =
            now_ns.saturating_sub(time) > u128::from(self.max_certificate_age) * NANOS_PER_SECOND;
        let too_new = time.saturating_sub(now_ns) > u128::from(CLOCK_SKEW) * NANOS_PER_SECOND;
        if too_old || too_new {
            return Err(WalletError::IcpCertificateStale {
                time_ns: parsed.time_ns,
                now,
                max_age: self.max_certificate_age,
            }
            .into());
        }
        Ok(parsed.time_ns)
    }
}

// ---------------------------------------------------------------------------
// Delegation chains.

/// An Internet Identity delegation chain as decoded, not yet verified: a
/// canister-signature root key and 1 to [`MAX_ICP_DELEGATIONS`](super::MAX_ICP_DELEGATIONS) signed
/// delegations, the first signed by a canister signature, the rest by the
/// previous link's key.
///
/// Its JSON form is `DelegationChain.toJSON()` (what
/// `AuthClient.getIdentity().getDelegation().toJSON()` returns after an
/// Internet Identity login), read as strictly as
/// [`UnverifiedIcpDelegationChain::from_json`].
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct UnverifiedIcpCanisterDelegationChain {
    public_key: IcpCanisterPublicKey,
    delegations: Vec<IcpSignedDelegation>,
}

impl UnverifiedIcpCanisterDelegationChain {
    /// Assembles a chain.
    ///
    /// # Errors
    /// [`Error::Decode`] when there are no delegations;
    /// [`WalletError::IcpChainTooLong`](crate::WalletError::IcpChainTooLong)
    /// for more than [`MAX_ICP_DELEGATIONS`](super::MAX_ICP_DELEGATIONS).
    pub fn new(
        public_key: IcpCanisterPublicKey,
        delegations: Vec<IcpSignedDelegation>,
    ) -> Result<Self> {
        check_link_count(delegations.len(), CHAIN_WHAT)?;
        Ok(Self {
            public_key,
            delegations,
        })
    }

    /// Parses `DelegationChain.toJSON()` output whose `publicKey` is a
    /// canister-signature key.
    ///
    /// # Errors
    /// [`Error::Decode`] for malformed JSON, hex, keys or principals;
    /// [`WalletError::IcpChainTooLong`](crate::WalletError::IcpChainTooLong);
    /// the key errors of [`IcpPublicKey::from_der`] for the delegated keys.
    pub fn from_json(json: &str) -> Result<Self> {
        let raw = chain_json(json, CHAIN_WHAT)?;
        let public_key =
            IcpCanisterPublicKey::from_der(&strict_hex(&raw.public_key, "publicKey")?)?;
        let delegations = links_from_json(raw.delegations, CHAIN_WHAT)?;
        Self::new(public_key, delegations)
    }

    /// The `DelegationChain.toJSON()` form.
    pub fn to_json(&self) -> String {
        let raw = ChainJson {
            delegations: self
                .delegations
                .iter()
                .map(|link| SignedJson {
                    delegation: DelegationJson {
                        expiration: format!("{:x}", link.delegation().expiration_ns()),
                        pubkey: hex_encode(&link.delegation().public_key().to_der()),
                        targets: link
                            .delegation()
                            .targets()
                            .map(|t| t.iter().map(|p| hex_encode(p.as_slice())).collect()),
                    },
                    signature: hex_encode(link.signature()),
                })
                .collect(),
            public_key: hex_encode(&self.public_key.to_der()),
        };
        // Serializing plain strings and vectors cannot fail.
        serde_json::to_string(&raw).unwrap_or_default()
    }

    /// The chain's root key: the canister-signature key of the identity.
    pub fn root_public_key(&self) -> &IcpCanisterPublicKey {
        &self.public_key
    }

    /// The signed delegations, root first.
    pub fn delegations(&self) -> &[IcpSignedDelegation] {
        &self.delegations
    }

    /// Verifies the chain at `now` (Unix seconds) for a request to `target`.
    ///
    /// The first link's signature is checked as a canister signature by the
    /// root key with `verifier` (root key, certificate age); every later
    /// link as in [`UnverifiedIcpDelegationChain::verify`]. Every link must
    /// be unexpired at `now` and allow `target` when it lists targets.
    ///
    /// # Errors
    /// The errors of [`IcpCanisterSignatureVerifier::verify`] for the first
    /// link and of [`UnverifiedIcpDelegationChain::verify`] for the others
    /// (with link indices counted from the root of this chain).
    pub fn verify(
        &self,
        verifier: &IcpCanisterSignatureVerifier,
        now: u64,
        target: Option<&Principal>,
    ) -> Result<IcpCanisterDelegationChain> {
        let Some((first, rest)) = self.delegations.split_first() else {
            return Err(Error::malformed(CHAIN_WHAT, "no delegations"));
        };
        let delegation = first.delegation();
        let certificate_time_ns = verifier.verify_at(
            &self.public_key,
            &delegation.signed_bytes(),
            first.signature(),
            now,
        )?;
        if u128::from(delegation.expiration_ns()) < u128::from(now) * NANOS_PER_SECOND {
            return Err(WalletError::IcpDelegationExpired {
                index: 0,
                expiration_ns: delegation.expiration_ns(),
                now,
            }
            .into());
        }
        if let Some(targets) = delegation.targets() {
            let Some(target) = target else {
                return Err(WalletError::IcpTargetRequired { index: 0 }.into());
            };
            if !targets.contains(target) {
                return Err(WalletError::IcpTargetNotAllowed { index: 0 }.into());
            }
        }
        let mut session_key = delegation.public_key().clone();
        let mut expiration_ns = delegation.expiration_ns();
        let mut restricted = delegation.targets().is_some();
        if !rest.is_empty() {
            let tail = UnverifiedIcpDelegationChain::new(session_key.clone(), rest.to_vec())?
                .verify(now, target)
                .map_err(shift_index)?;
            session_key = tail.session_key().clone();
            expiration_ns = expiration_ns.min(tail.expiration_ns());
            restricted |= tail.restricted_to().is_some();
        }
        Ok(IcpCanisterDelegationChain {
            principal: self.public_key.principal(),
            root: self.public_key.clone(),
            session_key,
            expiration_ns,
            certificate_time_ns,
            target: target.copied().filter(|_| restricted),
        })
    }
}

/// Renumbers a tail chain's link index as an index in the whole chain.
fn shift_index(e: Error) -> Error {
    match e {
        Error::Wallet(WalletError::IcpDelegationExpired {
            index,
            expiration_ns,
            now,
        }) => WalletError::IcpDelegationExpired {
            index: index + 1,
            expiration_ns,
            now,
        }
        .into(),
        Error::Wallet(WalletError::IcpTargetNotAllowed { index }) => {
            WalletError::IcpTargetNotAllowed { index: index + 1 }.into()
        }
        Error::Wallet(WalletError::IcpTargetRequired { index }) => {
            WalletError::IcpTargetRequired { index: index + 1 }.into()
        }
        Error::Wallet(WalletError::IcpDelegationCycle { index }) => {
            WalletError::IcpDelegationCycle { index: index + 1 }.into()
        }
        other => other,
    }
}

/// An Internet Identity delegation chain that verified: the session key may
/// act as the root key's principal until
/// [`IcpCanisterDelegationChain::expiration_ns`].
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct IcpCanisterDelegationChain {
    principal: Principal,
    root: IcpCanisterPublicKey,
    session_key: IcpPublicKey,
    expiration_ns: u64,
    certificate_time_ns: u64,
    target: Option<Principal>,
}

impl IcpCanisterDelegationChain {
    /// The user's principal: self-authenticating, of the root key.
    pub fn principal(&self) -> Principal {
        self.principal
    }

    /// The chain's root key (canister and seed).
    pub fn root_public_key(&self) -> &IcpCanisterPublicKey {
        &self.root
    }

    /// The last delegated key: the one that signs requests.
    pub fn session_key(&self) -> &IcpPublicKey {
        &self.session_key
    }

    /// The earliest expiry in the chain, in nanoseconds since the Unix epoch.
    pub fn expiration_ns(&self) -> u64 {
        self.expiration_ns
    }

    /// The earliest expiry in the chain, in whole Unix seconds (rounded down).
    pub fn expires_at(&self) -> u64 {
        self.expiration_ns / 1_000_000_000
    }

    /// When the IC certified the first link's canister signature, in
    /// nanoseconds since the Unix epoch.
    pub fn certificate_time_ns(&self) -> u64 {
        self.certificate_time_ns
    }

    /// The canister the chain was verified for, when some link restricts
    /// targets; `None` when no link does.
    pub fn restricted_to(&self) -> Option<&Principal> {
        self.target.as_ref()
    }
}

// ---------------------------------------------------------------------------
// Wallet proof.

/// An Internet Identity user's signature over a message: the delegation
/// chain (rooted in a canister signature) and the session key's signature.
///
/// The account is `icp:mainnet:<principal>`, the principal being the
/// self-authenticating principal of the chain's canister-signature root
/// key: the principal the user has at the frontend that requested the
/// delegation. [`IcpVerifier`](crate::IcpVerifier) checks it with its
/// [`IcpCanisterSignatureVerifier`] (mainnet root key by default).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IcpCanisterProof {
    account: AccountId,
    chain: UnverifiedIcpCanisterDelegationChain,
    message: Vec<u8>,
    signature: Vec<u8>,
}

impl IcpCanisterProof {
    /// The chain's session key signed `message`.
    ///
    /// # Errors
    /// [`WalletError::WrongChain`] when `account` is not an ICP account.
    pub fn new(
        account: AccountId,
        chain: UnverifiedIcpCanisterDelegationChain,
        message: impl AsRef<[u8]>,
        signature: Vec<u8>,
    ) -> Result<Self> {
        check_icp_account(&account)?;
        Ok(Self {
            account,
            chain,
            message: message.as_ref().to_vec(),
            signature,
        })
    }

    /// As [`IcpCanisterProof::new`], with the chain in
    /// `DelegationChain.toJSON()` form.
    ///
    /// # Errors
    /// As [`UnverifiedIcpCanisterDelegationChain::from_json`] and
    /// [`IcpCanisterProof::new`].
    pub fn from_delegation_json(
        account: AccountId,
        chain_json: &str,
        message: impl AsRef<[u8]>,
        signature: Vec<u8>,
    ) -> Result<Self> {
        let chain = UnverifiedIcpCanisterDelegationChain::from_json(chain_json)?;
        Self::new(account, chain, message, signature)
    }

    /// The claimed account.
    pub fn account(&self) -> &AccountId {
        &self.account
    }

    /// The delegation chain.
    pub fn chain(&self) -> &UnverifiedIcpCanisterDelegationChain {
        &self.chain
    }

    /// The signed message.
    pub fn message(&self) -> &[u8] {
        &self.message
    }

    /// The session key's signature bytes.
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// Checks the proof: the message is exactly the expected one, the chain
    /// verifies at `expect.now`, its session key signed the message, and
    /// the account is the chain root's principal.
    pub(super) fn verify_with(
        &self,
        verifier: &IcpCanisterSignatureVerifier,
        target: Option<&Principal>,
        expect: &Expectations<'_>,
    ) -> Result<VerifiedAccount> {
        expect.require_exact_message(&self.message)?;
        let chain = self.chain.verify(verifier, expect.now, target)?;
        // The session key signs the tagged login wrapper, as plain ICP logins do.
        let signed = crate::wallet::login_tag::tagged(
            crate::wallet::login_tag::ICP_LOGIN_TAG,
            &self.message,
        );
        chain.session_key().verify(&signed, &self.signature)?;
        if self.account != chain.principal().account_id() {
            return Err(WalletError::AccountMismatch.into());
        }
        Ok(VerifiedAccount::new(
            self.account.clone(),
            SignerKey::Der(chain.session_key().to_der()),
        ))
    }
}

impl From<IcpCanisterProof> for crate::wallet::proof::WalletProof {
    fn from(p: IcpCanisterProof) -> Self {
        Self::IcpCanister(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leb128_forms() {
        assert_eq!(leb128_u64(&[0]).unwrap(), 0);
        assert_eq!(leb128_u64(&[0xe5, 0x8e, 0x26]).unwrap(), 624_485);
        let max = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
        assert_eq!(leb128_u64(&max).unwrap(), u64::MAX);
        let over = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02];
        for bad in [&[][..], &[0x80], &[0x80, 0x00], &[0x01, 0x01], &over[..]] {
            assert!(leb128_u64(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn der_round_trip_and_strictness() {
        let key = IcpCanisterPublicKey::new(
            Principal::from_slice(&[0, 0, 0, 0, 0, 0, 0, 7, 1, 1]).unwrap(),
            vec![0x42; 32],
        )
        .unwrap();
        let der = key.to_der();
        assert_eq!(&der[..4], &[0x30, 0x3c, 0x30, 0x0c]);
        assert_eq!(IcpCanisterPublicKey::from_der(&der).unwrap(), key);
        // Long-form length where short form fits: non-canonical.
        let mut long = vec![0x30, 0x81, 0x3c];
        long.extend_from_slice(&der[2..]);
        assert!(IcpCanisterPublicKey::from_der(&long).is_err());
        let mut trailing = der.clone();
        trailing.push(0);
        assert!(IcpCanisterPublicKey::from_der(&trailing).is_err());
        for cut in 0..der.len() {
            assert!(IcpCanisterPublicKey::from_der(&der[..cut]).is_err());
        }
        // A seed long enough for two-byte lengths round-trips.
        let big = IcpCanisterPublicKey::new(Principal::anonymous(), vec![1; 300]).unwrap();
        assert_eq!(IcpCanisterPublicKey::from_der(&big.to_der()).unwrap(), big);
        assert!(IcpCanisterPublicKey::new(Principal::anonymous(), vec![1; 1025]).is_err());
    }
}
