//! Internet Computer (ICP) wallets: principals, DER public keys, signature
//! verification as the IC does it, and delegation chains.
//!
//! - [`Principal`]: the byte and canonical text forms.
//! - [`IcpPublicKey`]: an Ed25519, ECDSA secp256k1 or ECDSA P-256 key in its
//!   DER `SubjectPublicKeyInfo` form; its self-authenticating principal is
//!   `SHA-224(DER) · 0x02`.
//! - Signatures are what `@dfinity/identity`'s `sign(m)` and the IC accept:
//!   Ed25519 over the raw message (verified strictly), ECDSA over
//!   `SHA-256(m)` as 64 bytes `r · s`. For secp256k1 only low-S signatures
//!   are accepted (k256's rule, and what every dfinity signer produces); for
//!   P-256 high-S is accepted too, because WebCrypto produces it.
//! - [`UnverifiedIcpDelegationChain`] parses `DelegationChain.toJSON()`;
//!   [`UnverifiedIcpDelegationChain::verify`] checks it and returns an
//!   [`IcpDelegationChain`].
//!
//! Canister signatures (Internet Identity) and WebAuthn keys are refused with
//! their own errors; they are not supported yet.

mod delegation;
mod der;
mod principal;

use std::fmt;

use k256::ecdsa::signature::Verifier as _;

use crate::error::{DecodeReason, Error, Result};
use crate::public_key::{PublicKey, Signature};

pub use delegation::{
    IcpDelegation, IcpDelegationChain, IcpSignedDelegation, MAX_ICP_DELEGATION_TARGETS,
    MAX_ICP_DELEGATIONS, UnverifiedIcpDelegationChain,
};
pub use principal::Principal;

use der::Algorithm;

/// The length of every signature the IC accepts from these key types.
const SIGNATURE_LEN: usize = 64;

/// The kind of an [`IcpPublicKey`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IcpKeyType {
    /// Ed25519 (OID 1.3.101.112).
    Ed25519,
    /// ECDSA on secp256k1 (id-ecPublicKey, curve 1.3.132.0.10).
    Secp256k1,
    /// ECDSA on P-256 (id-ecPublicKey, curve 1.2.840.10045.3.1.7).
    P256,
}

impl fmt::Display for IcpKeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Ed25519 => "ed25519",
            Self::Secp256k1 => "secp256k1",
            Self::P256 => "p256",
        })
    }
}

/// A public key as the IC uses it: DER `SubjectPublicKeyInfo` for Ed25519,
/// ECDSA secp256k1 or ECDSA P-256.
///
/// Decoding is strict (one DER encoding per key, uncompressed EC points,
/// points on the curve, no weak Ed25519 keys), so [`IcpPublicKey::to_der`]
/// gives back exactly the bytes that were decoded and the principal is
/// well defined.
///
/// # Example
/// ```
/// use keytree::{IcpKeyType, IcpPublicKey, RootKey, hex_decode};
/// let root = RootKey::from_bytes(&[7; 32]);
/// let key = IcpPublicKey::from_ed25519(root.public_key());
/// let der = key.to_der();
/// assert_eq!(IcpPublicKey::from_der(&der)?, key);
/// assert_eq!(key.key_type(), IcpKeyType::Ed25519);
///
/// let signature = root.sign(b"hello");
/// key.verify(b"hello", signature.as_bytes())?;
/// assert!(key.verify(b"hullo", signature.as_bytes()).is_err());
/// assert!(key.principal().is_self_authenticating());
/// Ok::<(), keytree::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct IcpPublicKey(Key);

#[derive(Clone, PartialEq, Eq)]
enum Key {
    Ed25519(PublicKey),
    Secp256k1(k256::ecdsa::VerifyingKey),
    P256(p256::ecdsa::VerifyingKey),
}

impl IcpPublicKey {
    /// Decodes a DER `SubjectPublicKeyInfo`.
    ///
    /// # Errors
    /// - [`Error::Decode`] for malformed or non-canonical DER, a wrong key
    ///   length or a compressed EC point;
    /// - [`Error::InvalidKey`] for a point that is not on the curve or a
    ///   weak Ed25519 key;
    /// - [`WalletError::IcpCanisterSignature`](crate::WalletError::IcpCanisterSignature)
    ///   for a canister-signature (Internet Identity) key;
    /// - [`WalletError::IcpUnsupportedKey`](crate::WalletError::IcpUnsupportedKey)
    ///   for any other algorithm.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        let (algorithm, key) = der::decode(der)?;
        let key = match algorithm {
            Algorithm::Ed25519 => {
                let bytes = <[u8; 32]>::try_from(key).map_err(|_| {
                    Error::decode(
                        der::WHAT,
                        DecodeReason::Length {
                            expected: 32,
                            got: key.len(),
                        },
                    )
                })?;
                Key::Ed25519(PublicKey::from_bytes(&bytes)?)
            }
            Algorithm::Secp256k1 => Key::Secp256k1(
                k256::ecdsa::VerifyingKey::from_sec1_bytes(key)
                    .map_err(|_| crate::error::KeyError::NotOnCurve)?,
            ),
            Algorithm::P256 => Key::P256(
                p256::ecdsa::VerifyingKey::from_sec1_bytes(key)
                    .map_err(|_| crate::error::KeyError::NotOnCurve)?,
            ),
        };
        Ok(Self(key))
    }

    /// Wraps a native keytree Ed25519 key.
    pub fn from_ed25519(key: PublicKey) -> Self {
        Self(Key::Ed25519(key))
    }

    /// Wraps a secp256k1 ECDSA key.
    pub fn from_secp256k1(key: k256::ecdsa::VerifyingKey) -> Self {
        Self(Key::Secp256k1(key))
    }

    /// Wraps a P-256 ECDSA key.
    pub fn from_p256(key: p256::ecdsa::VerifyingKey) -> Self {
        Self(Key::P256(key))
    }

    /// The DER `SubjectPublicKeyInfo` encoding.
    pub fn to_der(&self) -> Vec<u8> {
        match &self.0 {
            Key::Ed25519(key) => der::encode(Algorithm::Ed25519, key.as_bytes()),
            Key::Secp256k1(key) => {
                der::encode(Algorithm::Secp256k1, key.to_sec1_point(false).as_bytes())
            }
            Key::P256(key) => der::encode(Algorithm::P256, key.to_sec1_point(false).as_bytes()),
        }
    }

    /// The key type.
    pub fn key_type(&self) -> IcpKeyType {
        match self.0 {
            Key::Ed25519(_) => IcpKeyType::Ed25519,
            Key::Secp256k1(_) => IcpKeyType::Secp256k1,
            Key::P256(_) => IcpKeyType::P256,
        }
    }

    /// The native Ed25519 key, when this is one.
    pub fn as_ed25519(&self) -> Option<&PublicKey> {
        match &self.0 {
            Key::Ed25519(key) => Some(key),
            _ => None,
        }
    }

    /// The self-authenticating principal `SHA-224(DER) · 0x02`.
    pub fn principal(&self) -> Principal {
        Principal::self_authenticating(&self.to_der())
    }

    /// Verifies `signature` over `message` as the IC does for this key type:
    /// Ed25519 over the raw message with `verify_strict`; ECDSA over
    /// `SHA-256(message)` with a 64-byte `r · s` signature (secp256k1: low-S
    /// only; P-256: either S).
    ///
    /// The message is verified as given: the IC's own payloads carry a
    /// domain separator (`\x0Aic-request`, `\x1Aic-request-auth-delegation`)
    /// that the caller includes.
    ///
    /// # Errors
    /// [`Error::Decode`] when the signature is not 64 bytes;
    /// [`Error::InvalidSignature`], without detail, when it does not verify.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<()> {
        if signature.len() != SIGNATURE_LEN {
            return Err(Error::decode(
                "icp signature",
                DecodeReason::Length {
                    expected: SIGNATURE_LEN,
                    got: signature.len(),
                },
            ));
        }
        match &self.0 {
            Key::Ed25519(key) => key.verify(message, &Signature::from_slice(signature)?),
            Key::Secp256k1(key) => {
                // `from_slice` refuses r or s of zero or >= n; k256's verify
                // refuses high S (NORMALIZE_S), which is keytree's policy.
                let sig = k256::ecdsa::Signature::from_slice(signature)
                    .map_err(|_| Error::InvalidSignature)?;
                key.verify(message, &sig)
                    .map_err(|_| Error::InvalidSignature)
            }
            Key::P256(key) => {
                let sig = p256::ecdsa::Signature::from_slice(signature)
                    .map_err(|_| Error::InvalidSignature)?;
                key.verify(message, &sig)
                    .map_err(|_| Error::InvalidSignature)
            }
        }
    }
}

impl fmt::Debug for IcpPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "IcpPublicKey({}, {})",
            self.key_type(),
            crate::encoding::hex_encode(&self.to_der())
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::hex_decode;
    use crate::error::KeyError;

    fn hex(s: &str) -> Vec<u8> {
        hex_decode(s, "test").unwrap()
    }

    #[test]
    fn ed25519_principal_matches_dfinity() {
        // tests/vectors/icp identities.json ed25519_0.
        let der = hex(
            "302a300506032b65700321002cb5d3f2b944a66c102e1c5729dff245b31c5d4675bed19500cabe9111ab4231",
        );
        let key = IcpPublicKey::from_der(&der).unwrap();
        assert_eq!(key.to_der(), der);
        assert_eq!(
            key.principal().to_text(),
            "2ez54-zcwgz-6gb6i-v5slq-kvcdm-47h2q-5ubnq-7zhj6-xvgct-ki32j-vae"
        );
    }

    #[test]
    fn weak_ed25519_and_off_curve_points_are_refused() {
        let mut der = der::encode(Algorithm::Ed25519, &[0; 32]);
        der[12] = 1; // the identity point
        assert_eq!(
            IcpPublicKey::from_der(&der).unwrap_err(),
            Error::InvalidKey(KeyError::Weak)
        );
        let mut point = vec![0x04];
        point.extend([1u8; 64]);
        for alg in [Algorithm::Secp256k1, Algorithm::P256] {
            assert_eq!(
                IcpPublicKey::from_der(&der::encode(alg, &point)).unwrap_err(),
                Error::InvalidKey(KeyError::NotOnCurve)
            );
        }
    }

    #[test]
    fn secp256k1_low_s_only_p256_either() {
        use k256::ecdsa::signature::Signer as _;
        let msg = b"keytree icp";
        let k1 = k256::ecdsa::SigningKey::from_slice(&[3; 32]).unwrap();
        let key = IcpPublicKey::from_secp256k1(*k1.verifying_key());
        let sig: k256::ecdsa::Signature = k1.sign(msg);
        let low = sig.normalize_s();
        key.verify(msg, &low.to_bytes()).unwrap();
        let (r, s) = low.split_scalars();
        let high = k256::ecdsa::Signature::from_scalars(r.to_bytes(), (-*s).to_bytes()).unwrap();
        assert_eq!(
            key.verify(msg, &high.to_bytes()).unwrap_err(),
            Error::InvalidSignature
        );
        assert_eq!(IcpPublicKey::from_der(&key.to_der()).unwrap(), key);

        let r1 = p256::ecdsa::SigningKey::from_slice(&[3; 32]).unwrap();
        let key = IcpPublicKey::from_p256(*r1.verifying_key());
        let sig: p256::ecdsa::Signature = r1.sign(msg);
        key.verify(msg, &sig.to_bytes()).unwrap();
        let (r, s) = sig.split_scalars();
        let flipped = p256::ecdsa::Signature::from_scalars(r.to_bytes(), (-*s).to_bytes()).unwrap();
        key.verify(msg, &flipped.to_bytes()).unwrap();
        assert_eq!(IcpPublicKey::from_der(&key.to_der()).unwrap(), key);
    }

    #[test]
    fn signature_length_and_zero_scalars() {
        let k1 = k256::ecdsa::SigningKey::from_slice(&[3; 32]).unwrap();
        let key = IcpPublicKey::from_secp256k1(*k1.verifying_key());
        assert!(matches!(
            key.verify(b"m", &[1; 63]).unwrap_err(),
            Error::Decode { .. }
        ));
        assert_eq!(
            key.verify(b"m", &[0; 64]).unwrap_err(),
            Error::InvalidSignature
        );
        assert_eq!(
            key.verify(b"m", &[0xff; 64]).unwrap_err(),
            Error::InvalidSignature
        );
    }
}
