//! Ed25519 public keys and signatures: text forms, strict verification.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use std::collections::HashMap;

use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha512};

use crate::encoding::{base58_decode_array, base58_encode, base64url_decode, base64url_encode};
use crate::error::{DecodeReason, Error, KeyError, Result};

/// The text prefix of a native key.
const ED25519_PREFIX: &str = "ed25519:";
/// `did:key` with the multibase `z` (base58btc) marker.
const DID_KEY_PREFIX: &str = "did:key:z";
/// The multicodec varint for `ed25519-pub`.
const ED25519_MULTICODEC: [u8; 2] = [0xed, 0x01];

/// An Ed25519 public key that passed every check where it entered: on the
/// curve, canonically encoded, not of small order.
///
/// Text form `ed25519:<base58>`; `did:key:z6Mk…` is accepted and produced too.
/// Verification is always strict (`verify_strict`).
///
/// # Example
/// ```
/// use keytree::{PublicKey, RootKey};
/// let root = RootKey::from_bytes(&[1; 32]);
/// let text = root.public_key().to_string();
/// assert!(text.starts_with("ed25519:"));
/// let did = root.public_key().to_did_key();
/// assert_eq!(text.parse::<PublicKey>()?, did.parse::<PublicKey>()?);
/// Ok::<(), keytree::Error>(())
/// ```
#[derive(Clone, Copy)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    /// Accepts 32 bytes as a public key.
    ///
    /// Every way in (text, `did:key`, JSON, JWK, the binary forms) ends
    /// here, so every key keytree holds is a canonically encoded point of
    /// the prime-order subgroup: small-order points *and* mixed-order points
    /// (a valid key plus a torsion component, which `verify_strict` would
    /// accept and batch verification would treat differently) are refused.
    ///
    /// # Errors
    /// [`Error::InvalidKey`]: not a curve point, a non-canonical encoding, or
    /// a weak key ([`KeyError::Weak`]: small order or a torsion component).
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self> {
        let key = VerifyingKey::from_bytes(bytes).map_err(|_| KeyError::NotOnCurve)?;
        // Canonical: `y < p`, and no sign bit on `x = 0` (`y = ±1`), the only
        // ways decompression accepts bytes that `compress` would not give back.
        let mut y = *bytes;
        let sign = y.last().is_some_and(|top| top & 0x80 != 0);
        if let Some(top) = y.last_mut() {
            *top &= 0x7f;
        }
        let x_is_zero = SMALL_ORDER_Y.get(..2).is_some_and(|ys| ys.contains(&y));
        if y_non_canonical(&y) || (sign && x_is_zero) {
            return Err(KeyError::NonCanonical.into());
        }
        if key.is_weak() || !torsion_free(&key.to_edwards()) {
            return Err(KeyError::Weak.into());
        }
        Ok(Self(key))
    }

    /// Wraps a key that came from a secret we hold (never weak).
    pub(crate) fn from_verifying_key(key: VerifyingKey) -> Self {
        Self(key)
    }

    /// The 32 key bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        self.0.as_bytes()
    }

    /// The 32 key bytes, copied.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// The `did:key:z6Mk…` form.
    pub fn to_did_key(&self) -> String {
        let mut buf = Vec::with_capacity(34);
        buf.extend_from_slice(&ED25519_MULTICODEC);
        buf.extend_from_slice(self.as_bytes());
        format!("{DID_KEY_PREFIX}{}", base58_encode(&buf))
    }

    /// Verifies `signature` over `message` with `verify_strict`.
    ///
    /// # Errors
    /// [`Error::InvalidSignature`], without detail.
    pub fn verify(&self, message: &[u8], signature: &Signature) -> Result<()> {
        self.0
            .verify_strict(message, &signature.to_dalek())
            .map_err(|_| Error::InvalidSignature)
    }

    /// Decodes 32 bytes that this process checked before (they come back
    /// from a snapshot it sealed with its own MAC key): decompression only,
    /// without the canonical-encoding and subgroup checks of
    /// [`PublicKey::from_bytes`].
    pub(crate) fn from_checked_bytes(bytes: &[u8; 32]) -> Result<Self> {
        VerifyingKey::from_bytes(bytes)
            .map(Self)
            .map_err(|_| KeyError::NotOnCurve.into())
    }
}

/// Whether every `(key, message, signature)` triple verifies, with one
/// Ed25519 batch verification (false for an empty batch).
///
/// Signatures whose nonce point `R` is non-canonical or of small order
/// (which `verify_strict` always refuses) fail the batch before any curve
/// work. The keys are [`PublicKey`]s, so none is weak or mixed-order. What
/// remains different from `verify_strict` needs the signer's secret key: a
/// signer can make a nonce point with a torsion component, which the batch
/// equation accepts with some probability and `verify_strict` refuses.
pub(crate) fn verify_batch(
    keys: &[PublicKey],
    messages: &[&[u8]],
    signatures: &[Signature],
) -> bool {
    if keys.is_empty()
        || keys.len() != messages.len()
        || keys.len() != signatures.len()
        || !signatures.iter().all(|s| nonce_point_acceptable(&s.0))
    {
        return false;
    }
    // The Ed25519 batch equation (as `ed25519_dalek::verify_batch` checks
    // it): `[-Σ zᵢsᵢ]B + Σ [zᵢ]Rᵢ + Σ [zᵢkᵢ]Aᵢ = O`, with `kᵢ =
    // H(Rᵢ‖Aᵢ‖Mᵢ)` and 128-bit `zᵢ` drawn from a hash of every `kᵢ` and
    // `sᵢ`. The terms of one key are summed into one (`[Σ zᵢkᵢ]A`): a
    // log's ops and links are signed by a few keys, so the multiscalar
    // multiplication has about half as many points.
    let mut transcript = blake3::Hasher::new_derive_key("keytree 2026 ed25519 batch verification");
    let mut hrams = Vec::with_capacity(signatures.len());
    let mut nonces = Vec::with_capacity(signatures.len());
    let mut ss = Vec::with_capacity(signatures.len());
    for ((key, message), signature) in keys.iter().zip(messages).zip(signatures) {
        let (r, s) = signature.0.split_at(32);
        let (Ok(r), Ok(s)) = (<[u8; 32]>::try_from(r), <[u8; 32]>::try_from(s)) else {
            return false;
        };
        let Some(s) = Option::<Scalar>::from(Scalar::from_canonical_bytes(s)) else {
            return false;
        };
        let Some(nonce) = CompressedEdwardsY(r).decompress() else {
            return false;
        };
        let mut h = Sha512::new();
        h.update(r);
        h.update(key.as_bytes());
        h.update(message);
        let hram: [u8; 64] = h.finalize().into();
        transcript.update(&hram);
        transcript.update(s.as_bytes());
        hrams.push(Scalar::from_bytes_mod_order_wide(&hram));
        nonces.push(nonce);
        ss.push(s);
    }
    let mut zs = transcript.finalize_xof();
    let mut b_coefficient = Scalar::ZERO;
    let mut scalars = Vec::with_capacity(signatures.len() + 2);
    let mut points = Vec::with_capacity(signatures.len() + 2);
    let mut by_key: HashMap<[u8; 32], usize> = HashMap::new();
    let mut key_terms: Vec<(Scalar, EdwardsPoint)> = Vec::new();
    for (((key, hram), nonce), s) in keys.iter().zip(&hrams).zip(nonces).zip(&ss) {
        let mut z = [0u8; 16];
        zs.fill(&mut z);
        let z = Scalar::from(u128::from_le_bytes(z));
        b_coefficient += z * s;
        scalars.push(z);
        points.push(nonce);
        let slot = *by_key.entry(key.to_bytes()).or_insert_with(|| {
            key_terms.push((Scalar::ZERO, key.0.to_edwards()));
            key_terms.len() - 1
        });
        if let Some((coefficient, _)) = key_terms.get_mut(slot) {
            *coefficient += z * hram;
        }
    }
    for (coefficient, point) in key_terms {
        scalars.push(coefficient);
        points.push(point);
    }
    scalars.push(-b_coefficient);
    points.push(ED25519_BASEPOINT_POINT);
    EdwardsPoint::vartime_multiscalar_mul(scalars, points).is_identity()
}

/// Whether `point` lies in the prime-order subgroup: `[ℓ]P = O`, computed
/// as `[ℓ − 1]P + P` in variable time (a public key is public).
fn torsion_free(point: &EdwardsPoint) -> bool {
    let l_minus_one = -Scalar::ONE;
    (EdwardsPoint::vartime_double_scalar_mul_basepoint(&l_minus_one, point, &Scalar::ZERO) + point)
        .is_identity()
}

/// Whether a signature's nonce point `R` can pass `verify_strict`: its
/// encoding is canonical (`y < p`) and it is not one of the small-order
/// points. Cheap byte checks, so batches (here and in token validation)
/// need no extra decompression.
pub(crate) fn nonce_point_acceptable(signature: &[u8; 64]) -> bool {
    let mut r = [0u8; 32];
    r.copy_from_slice(signature.get(..32).unwrap_or(&[0u8; 32]));
    !(y_non_canonical(&r) || small_order_encoding(&r))
}

/// `y ≥ p = 2^255 − 19`, ignoring the sign bit.
fn y_non_canonical(r: &[u8; 32]) -> bool {
    let mut y = *r;
    if let Some(top) = y.last_mut() {
        *top &= 0x7f;
    }
    // p little-endian: ed ff .. ff 7f.
    let Some((first, rest)) = y.split_first() else {
        return false;
    };
    let Some((last, middle)) = rest.split_last() else {
        return false;
    };
    *last == 0x7f && middle.iter().all(|b| *b == 0xff) && *first >= 0xed
}

/// Whether `r` (sign bit ignored) encodes one of the eight small-order
/// points (the non-canonical `y ≥ p` forms are refused by
/// [`y_non_canonical`]).
fn small_order_encoding(r: &[u8; 32]) -> bool {
    let mut y = *r;
    if let Some(top) = y.last_mut() {
        *top &= 0x7f;
    }
    SMALL_ORDER_Y.contains(&y)
}

/// The `y` coordinates (sign bit clear) of the eight small-order points.
const SMALL_ORDER_Y: [[u8; 32]; 5] = [
    // y = 1: the identity (order 1). The first two have x = 0.
    [
        0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0,
    ],
    // y = p − 1 (order 2).
    [
        0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0x7f,
    ],
    // y = 0 (order 4).
    [0; 32],
    // The two y values of the order-8 points.
    [
        0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98,
        0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53,
        0xfc, 0x05,
    ],
    [
        0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67,
        0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac,
        0x03, 0x7a,
    ],
];

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for PublicKey {}

impl Hash for PublicKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state);
    }
}

impl PartialOrd for PublicKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for PublicKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_bytes().cmp(other.as_bytes())
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{ED25519_PREFIX}{}", base58_encode(self.as_bytes()))
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({self})")
    }
}

impl FromStr for PublicKey {
    type Err = Error;

    /// Parses `ed25519:<base58>` or `did:key:z6Mk…`.
    fn from_str(s: &str) -> Result<Self> {
        const WHAT: &str = "public key";
        if let Some(b58) = s.strip_prefix(ED25519_PREFIX) {
            return Self::from_bytes(&base58_decode_array::<32>(b58, WHAT)?);
        }
        if let Some(b58) = s.strip_prefix(DID_KEY_PREFIX) {
            let bytes = base58_decode_array::<34>(b58, WHAT)?;
            let (codec, key) = bytes.split_at(2);
            if codec != ED25519_MULTICODEC {
                return Err(Error::decode(
                    WHAT,
                    DecodeReason::Prefix {
                        expected: "did:key:z6Mk (ed25519-pub multicodec)",
                    },
                ));
            }
            let key = <[u8; 32]>::try_from(key).map_err(|_| {
                Error::decode(
                    WHAT,
                    DecodeReason::Length {
                        expected: 32,
                        got: key.len(),
                    },
                )
            })?;
            return Self::from_bytes(&key);
        }
        Err(Error::decode(
            WHAT,
            DecodeReason::Prefix {
                expected: "ed25519: or did:key:z",
            },
        ))
    }
}

impl Serialize for PublicKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Deserialization accepts only the canonical `ed25519:<base58>` form, so a
/// key has one JSON encoding.
impl<'de> Deserialize<'de> for PublicKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if !s.starts_with(ED25519_PREFIX) {
            return Err(serde::de::Error::custom(
                "public key must be in ed25519:<base58> form",
            ));
        }
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A 64-byte Ed25519 signature. Text and JSON form: unpadded base64url.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Signature([u8; 64]);

impl Signature {
    /// Wraps 64 bytes. Validity is only known once verified.
    pub fn from_bytes(bytes: &[u8; 64]) -> Self {
        Self(*bytes)
    }

    /// Wraps a slice of exactly 64 bytes.
    ///
    /// # Errors
    /// [`Error::Decode`] when the slice is not 64 bytes long.
    pub fn from_slice(bytes: &[u8]) -> Result<Self> {
        <[u8; 64]>::try_from(bytes).map(Self).map_err(|_| {
            Error::decode(
                "signature",
                DecodeReason::Length {
                    expected: 64,
                    got: bytes.len(),
                },
            )
        })
    }

    /// The 64 bytes.
    pub fn to_bytes(&self) -> [u8; 64] {
        self.0
    }

    /// The 64 bytes, borrowed.
    pub fn as_bytes(&self) -> &[u8; 64] {
        &self.0
    }

    pub(crate) fn to_dalek(self) -> ed25519_dalek::Signature {
        ed25519_dalek::Signature::from_bytes(&self.0)
    }

    pub(crate) fn from_dalek(sig: &ed25519_dalek::Signature) -> Self {
        Self(sig.to_bytes())
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({})", base64url_encode(&self.0))
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&base64url_encode(&self.0))
    }
}

impl FromStr for Signature {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        if s.len() > 86 {
            return Err(Error::decode(
                "signature",
                DecodeReason::TooLong { max: 86 },
            ));
        }
        Self::from_slice(&base64url_decode(s, "signature")?)
    }
}

impl Serialize for Signature {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Signature {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn small_order_table_matches_dalek() {
        // Every point whose encoding the table lists decompresses to a weak
        // (small-order) key, and the table covers all eight small-order points.
        let mut weak_points = std::collections::BTreeSet::new();
        // Walk multiples of a known order-8 point: its multiples are the
        // eight small-order points; each must be in the table.
        let order8 = ed25519_dalek::VerifyingKey::from_bytes(&[
            0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef,
            0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88,
            0x6d, 0x53, 0xfc, 0x05,
        ])
        .unwrap();
        assert!(order8.is_weak());
        let p = order8.to_edwards();
        let mut acc = p;
        for _ in 0..8 {
            let enc = acc.compress().to_bytes();
            assert!(small_order_encoding(&enc), "{enc:02x?} missing");
            weak_points.insert(enc);
            acc += p;
        }
        assert_eq!(weak_points.len(), 8);
        // And a normal point is not flagged.
        let normal = crate::RootKey::from_bytes(&[1; 32]).public_key().to_bytes();
        assert!(!small_order_encoding(&normal));
        assert!(!y_non_canonical(&normal));
        let mut p_enc = [0xffu8; 32];
        p_enc[0] = 0xed;
        p_enc[31] = 0x7f;
        assert!(y_non_canonical(&p_enc));
        p_enc[0] = 0xec;
        assert!(!y_non_canonical(&p_enc));
    }

    use super::*;

    /// The checks as first written (compress round trip, constant-time
    /// subgroup check), kept to show the faster ones refuse exactly the same.
    fn reference(bytes: &[u8; 32]) -> std::result::Result<(), KeyError> {
        let key = VerifyingKey::from_bytes(bytes).map_err(|_| KeyError::NotOnCurve)?;
        let point = key.to_edwards();
        if point.compress().as_bytes() != bytes {
            return Err(KeyError::NonCanonical);
        }
        if key.is_weak() || !point.is_torsion_free() {
            return Err(KeyError::Weak);
        }
        Ok(())
    }

    #[test]
    fn key_checks_match_the_reference_checks() {
        let mut inputs: Vec<[u8; 32]> = (0u32..3000)
            .map(|i| *blake3::hash(&i.to_be_bytes()).as_bytes())
            .collect();
        for y in SMALL_ORDER_Y {
            for top in [0u8, 0x80] {
                let mut b = y;
                b[31] |= top;
                inputs.push(b);
            }
        }
        // y = p .. p + 18 and 2^255 - 1, both signs.
        for low in 0xedu8..=0xff {
            for top in [0x7fu8, 0xff] {
                let mut b = [0xff; 32];
                b[0] = low;
                b[31] = top;
                inputs.push(b);
            }
        }
        // Valid points, and the same plus each torsion point (mixed order).
        for i in 0u8..16 {
            let p = ed25519_dalek::SigningKey::from_bytes(&[i; 32])
                .verifying_key()
                .to_edwards();
            for t in curve25519_dalek::constants::EIGHT_TORSION {
                inputs.push((p + t).compress().to_bytes());
                inputs.push(t.compress().to_bytes());
            }
        }
        let mut accepted = 0;
        for b in &inputs {
            let got = PublicKey::from_bytes(b).map(|_| ()).map_err(|e| match e {
                Error::InvalidKey(k) => k,
                other => panic!("unexpected {other}"),
            });
            assert_eq!(got, reference(b), "{}", crate::encoding::hex_encode(b));
            accepted += usize::from(got.is_ok());
        }
        // Random points on the curve are torsion-free one time in eight.
        assert!(accepted > 150, "{accepted}");
    }

    #[test]
    fn refuses_small_order_and_non_canonical_points() {
        // The identity point (small order).
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(
            PublicKey::from_bytes(&identity).unwrap_err(),
            Error::InvalidKey(KeyError::Weak)
        );
        // y = p (non-canonical encoding of y = 0, a small-order point):
        // p = 2^255 - 19 = 0xed ff .. ff 7f (little endian).
        let mut y_eq_p = [0xffu8; 32];
        y_eq_p[0] = 0xed;
        y_eq_p[31] = 0x7f;
        assert!(PublicKey::from_bytes(&y_eq_p).is_err());
        // y = 2 is not on the curve? Try a few values that do not decompress.
        let mut off_curve = [0u8; 32];
        off_curve[0] = 2;
        assert!(PublicKey::from_bytes(&off_curve).is_err());
    }

    #[test]
    fn text_forms() {
        let key = crate::RootKey::from_bytes(&[9; 32]).public_key();
        let text = key.to_string();
        assert_eq!(text.parse::<PublicKey>().unwrap(), key);
        let did = key.to_did_key();
        assert!(did.starts_with("did:key:z6Mk"));
        assert_eq!(did.parse::<PublicKey>().unwrap(), key);
        assert!("ed25519".parse::<PublicKey>().is_err());
        assert!("secp256k1:abc".parse::<PublicKey>().is_err());
        assert!("ed25519:0OIl".parse::<PublicKey>().is_err());
        assert!(
            format!("ed25519:{}", base58_encode(&[1; 31]))
                .parse::<PublicKey>()
                .is_err()
        );
        assert!(
            format!("did:key:z{}", base58_encode(&[0xe7, 0x01, 1, 2]))
                .parse::<PublicKey>()
                .is_err()
        );
    }

    #[test]
    fn json_is_canonical_text_only() {
        let key = crate::RootKey::from_bytes(&[9; 32]).public_key();
        let json = serde_json::to_string(&key).unwrap();
        assert_eq!(serde_json::from_str::<PublicKey>(&json).unwrap(), key);
        let did_json = serde_json::to_string(&key.to_did_key()).unwrap();
        assert!(serde_json::from_str::<PublicKey>(&did_json).is_err());
    }

    /// Signatures by two keys over several messages each (so their key
    /// terms are merged) verify as a batch exactly when each verifies alone.
    #[test]
    fn batch_with_repeated_keys_matches_strict_verification() {
        use ed25519_dalek::Signer;
        let signers = [
            ed25519_dalek::SigningKey::from_bytes(&[3; 32]),
            ed25519_dalek::SigningKey::from_bytes(&[4; 32]),
        ];
        let messages: Vec<Vec<u8>> = (0u8..12).map(|i| vec![i; 40]).collect();
        let mut keys = Vec::new();
        let mut signatures = Vec::new();
        for (i, m) in messages.iter().enumerate() {
            let signer = &signers[i % 2];
            keys.push(PublicKey::from_bytes(signer.verifying_key().as_bytes()).unwrap());
            signatures.push(Signature::from_bytes(&signer.sign(m).to_bytes()));
        }
        let refs: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
        assert!(verify_batch(&keys, &refs, &signatures));
        // Two signatures of one key swapped between its messages.
        let mut swapped = signatures.clone();
        swapped.swap(0, 2);
        assert!(keys[0].verify(refs[0], &swapped[0]).is_err());
        assert!(!verify_batch(&keys, &refs, &swapped));
        // A signature claimed for the other key.
        let mut wrong_key = keys.clone();
        wrong_key.swap(4, 5);
        assert!(!verify_batch(&wrong_key, &refs, &signatures));
        // One flipped bit in s, and one in a message.
        let mut bad_s = signatures.clone();
        let mut bytes = bad_s[7].to_bytes();
        bytes[40] ^= 1;
        bad_s[7] = Signature::from_bytes(&bytes);
        assert!(!verify_batch(&keys, &refs, &bad_s));
        let mut bad_message = messages.clone();
        bad_message[11][0] ^= 1;
        let bad_refs: Vec<&[u8]> = bad_message.iter().map(Vec::as_slice).collect();
        assert!(!verify_batch(&keys, &bad_refs, &signatures));
        // A non-canonical s (s + ℓ) that verify_strict refuses.
        let mut big_s = signatures.clone();
        let mut bytes = big_s[3].to_bytes();
        let s = Scalar::from_canonical_bytes(bytes[32..].try_into().unwrap()).unwrap();
        let l_minus_one = -Scalar::ONE;
        // s + ℓ as 256-bit little-endian: s + (ℓ − 1) + 1 without reduction.
        let mut carry = 1u16;
        for (i, (a, b)) in s.as_bytes().iter().zip(l_minus_one.as_bytes()).enumerate() {
            let sum = u16::from(*a) + u16::from(*b) + carry;
            bytes[32 + i] = (sum & 0xff) as u8;
            carry = sum >> 8;
        }
        if carry == 0 && bytes[63] & 0xe0 == 0 {
            big_s[3] = Signature::from_bytes(&bytes);
            assert!(keys[3].verify(refs[3], &big_s[3]).is_err());
            assert!(!verify_batch(&keys, &refs, &big_s));
        }
    }
}
