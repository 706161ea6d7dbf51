//! Bare keys signing a server nonce (the WebSocket nonce login): an Ed25519
//! or secp256k1 public key in hex, no chain around it.
//!
//! Message construction, exactly: the key signs the login wrapper
//! `"keytree/v1/login/raw-key\n" ‖ message` (`RAW_KEY_LOGIN_TAG`, then the
//! bytes the server issued, unchanged), never the server's bytes alone.
//! - Ed25519: the signature is Ed25519 (RFC 8032, verified strictly) over the
//!   wrapper.
//! - secp256k1: the signature is ECDSA over SHA-256 of the wrapper
//!   (`ecdsa-with-SHA256`, the digest computed by keytree), encoded as 64
//!   bytes `r ‖ s` big-endian (IEEE P1363 / "compact"), with `s` in the low
//!   half of the group order. High-S signatures are refused: each signature
//!   has one accepted encoding. DER signatures are not accepted.
//!
//! The account is the key itself: `rawkey:ed25519:<64 hex>` or
//! `rawkey:secp256k1:<66 hex, SEC1 compressed>`.

use k256::ecdsa::signature::hazmat::PrehashVerifier as _;
use sha2::{Digest as _, Sha256};

use super::account::AccountId;
use super::chain::Chain;
use super::check::{Expectations, SignerKey, StatementProof, VerifiedAccount};
use super::login_tag::{RAW_KEY_LOGIN_TAG, tagged};
use super::proof::WalletProof;
use super::verifier::WalletVerifier;
use crate::encoding::{hex_decode, hex_encode};
use crate::error::{DecodeReason, Error, KeyError, Result, WalletError};
use crate::public_key::{PublicKey, Signature};

/// A bare public key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RawKey {
    Ed25519(PublicKey),
    Secp256k1(k256::ecdsa::VerifyingKey),
}

/// A bare key's signature over a message (normally a server nonce), made
/// over the login wrapper [`RawKeyProof::signing_bytes`]
/// (`"keytree/v1/login/raw-key\n" ‖ message`).
///
/// # Example
/// ```
/// use keytree::{Expectations, RawKeyProof, RootKey, WalletRegistry};
/// let key = RootKey::from_bytes(&[3; 32]);
/// let nonce = b"server-nonce-0001";
/// let sig = key.sign_raw_key_login(nonce); // signs RawKeyProof::signing_bytes(nonce)
/// let proof = RawKeyProof::ed25519_hex(
///     &keytree::hex_encode(key.public_key().as_bytes()),
///     nonce.to_vec(),
///     &keytree::hex_encode(sig.as_bytes()),
/// )?;
/// let registry = WalletRegistry::with_defaults();
/// let who = registry.verify(&proof.into(), &Expectations::at(0).message(nonce))?;
/// assert!(who.account.to_string().starts_with("rawkey:ed25519:"));
/// Ok::<(), keytree::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawKeyProof {
    key: RawKey,
    account: AccountId,
    message: Vec<u8>,
    signature: [u8; 64],
}

impl RawKeyProof {
    /// An Ed25519 key (64 hex digits, either case) and its 64-byte signature
    /// (128 hex digits) over `message`.
    ///
    /// # Errors
    /// [`Error::Decode`] for bad hex or lengths, [`Error::InvalidKey`] for a
    /// weak or invalid key.
    pub fn ed25519_hex(
        key_hex: &str,
        message: impl AsRef<[u8]>,
        signature_hex: &str,
    ) -> Result<Self> {
        let key = PublicKey::from_bytes(&hex_array::<32>(key_hex, "ed25519 key")?)?;
        let signature = hex_array::<64>(signature_hex, "ed25519 signature")?;
        Ok(Self {
            account: AccountId::raw_ed25519(&key),
            key: RawKey::Ed25519(key),
            message: message.as_ref().to_vec(),
            signature,
        })
    }

    /// A secp256k1 key in SEC1 hex, compressed (66 digits) or uncompressed
    /// (130 digits), and its 64-byte `r ‖ s` signature (128 hex digits) over
    /// SHA-256 of `message`.
    ///
    /// # Errors
    /// [`Error::Decode`] for bad hex or lengths, [`Error::InvalidKey`] for a
    /// point not on the curve.
    pub fn secp256k1_hex(
        key_hex: &str,
        message: impl AsRef<[u8]>,
        signature_hex: &str,
    ) -> Result<Self> {
        let bytes = hex_decode(key_hex, "secp256k1 key")?;
        if bytes.len() != 33 && bytes.len() != 65 {
            return Err(Error::decode(
                "secp256k1 key",
                DecodeReason::Length {
                    expected: 33,
                    got: bytes.len(),
                },
            ));
        }
        let key = k256::ecdsa::VerifyingKey::from_sec1_bytes(&bytes)
            .map_err(|_| Error::from(KeyError::NotOnCurve))?;
        let signature = hex_array::<64>(signature_hex, "secp256k1 signature")?;
        Ok(Self {
            account: secp256k1_account(&key),
            key: RawKey::Secp256k1(key),
            message: message.as_ref().to_vec(),
            signature,
        })
    }

    /// The account: the key itself.
    pub fn account(&self) -> &AccountId {
        &self.account
    }

    /// The message (the server's bytes, without the login tag).
    pub fn message(&self) -> &[u8] {
        &self.message
    }

    /// The exact bytes a bare key signs to log in with `message`:
    /// [`RAW_KEY_LOGIN_TAG`] (`"keytree/v1/login/raw-key\n"`, 25 ASCII
    /// bytes) followed by `message` unchanged. Ed25519 signs these bytes;
    /// secp256k1 signs their SHA-256.
    ///
    /// # Example
    /// ```
    /// let bytes = keytree::RawKeyProof::signing_bytes(b"hi");
    /// assert_eq!(bytes, b"keytree/v1/login/raw-key\nhi");
    /// ```
    pub fn signing_bytes(message: &[u8]) -> Vec<u8> {
        tagged(RAW_KEY_LOGIN_TAG, message)
    }
}

impl From<RawKeyProof> for WalletProof {
    fn from(p: RawKeyProof) -> Self {
        Self::RawKey(p)
    }
}

fn hex_array<const N: usize>(text: &str, what: &'static str) -> Result<[u8; N]> {
    let bytes = hex_decode(text, what)?;
    <[u8; N]>::try_from(bytes.as_slice()).map_err(|_| {
        Error::decode(
            what,
            DecodeReason::Length {
                expected: N,
                got: bytes.len(),
            },
        )
    })
}

pub(crate) fn secp256k1_compressed(key: &k256::ecdsa::VerifyingKey) -> [u8; 33] {
    let point = key.to_sec1_point(true);
    let mut out = [0u8; 33];
    if let Some(src) = point.as_bytes().get(..33) {
        out.copy_from_slice(src);
    }
    out
}

fn secp256k1_account(key: &k256::ecdsa::VerifyingKey) -> AccountId {
    AccountId {
        chain: Chain::RawSecp256k1,
        reference: "secp256k1".into(),
        address: hex_encode(&secp256k1_compressed(key)),
    }
}

/// Verifies a 64-byte `r ‖ s` ECDSA signature over SHA-256(`message`),
/// refusing high-S. This is the one path keytree uses for raw secp256k1
/// signatures (and the one the Wycheproof P1363 vectors run through).
///
/// # Errors
/// [`Error::InvalidSignature`].
pub fn verify_secp256k1_sha256(
    key: &k256::ecdsa::VerifyingKey,
    message: &[u8],
    signature: &[u8; 64],
) -> Result<()> {
    let sig = k256::ecdsa::Signature::from_slice(signature).map_err(|_| Error::InvalidSignature)?;
    if sig.normalize_s() != sig {
        return Err(Error::InvalidSignature);
    }
    let digest: [u8; 32] = Sha256::digest(message).into();
    key.verify_prehash(&digest, &sig)
        .map_err(|_| Error::InvalidSignature)
}

/// Bare keys signing a server nonce (the WebSocket nonce login): an Ed25519
/// or secp256k1 public key in hex, no chain around it.
///
/// Message construction, exactly: the key signs the login wrapper
/// `"keytree/v1/login/raw-key\n" ‖ message` (`RAW_KEY_LOGIN_TAG`, then the
/// bytes the server issued, unchanged), never the server's bytes alone.
/// - Ed25519: the signature is Ed25519 (RFC 8032, verified strictly) over the
///   wrapper.
/// - secp256k1: the signature is ECDSA over SHA-256 of the wrapper
///   (`ecdsa-with-SHA256`, the digest computed by keytree), encoded as 64
///   bytes `r ‖ s` big-endian (IEEE P1363 / "compact"), with `s` in the low
///   half of the group order. High-S signatures are refused: each signature
///   has one accepted encoding. DER signatures are not accepted.
///
/// The account is the key itself: `rawkey:ed25519:<64 hex>` or
/// `rawkey:secp256k1:<66 hex, SEC1 compressed>`.
///
/// Verifies bare-key proofs; one instance per key family.
#[derive(Clone, Copy, Debug)]
pub struct RawKeyVerifier {
    chain: RawChain,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RawChain {
    Ed25519,
    Secp256k1,
}

impl RawKeyVerifier {
    /// The verifier for bare Ed25519 keys ([`Chain::RawEd25519`]).
    pub fn ed25519() -> Self {
        Self {
            chain: RawChain::Ed25519,
        }
    }

    /// The verifier for bare secp256k1 keys ([`Chain::RawSecp256k1`]).
    pub fn secp256k1() -> Self {
        Self {
            chain: RawChain::Secp256k1,
        }
    }

    fn check(&self, key: &RawKey, message: &[u8], signature: &[u8; 64]) -> Result<SignerKey> {
        match (self.chain, key) {
            (RawChain::Ed25519, RawKey::Ed25519(k)) => {
                k.verify(message, &Signature::from_bytes(signature))?;
                Ok(SignerKey::Ed25519(*k))
            }
            (RawChain::Secp256k1, RawKey::Secp256k1(k)) => {
                verify_secp256k1_sha256(k, message, signature)?;
                Ok(SignerKey::Secp256k1(secp256k1_compressed(k)))
            }
            (_, other) => Err(WalletError::WrongChain {
                expected: self.chain().to_string(),
                got: match other {
                    RawKey::Ed25519(_) => Chain::RawEd25519,
                    RawKey::Secp256k1(_) => Chain::RawSecp256k1,
                }
                .to_string(),
            }
            .into()),
        }
    }
}

impl WalletVerifier for RawKeyVerifier {
    fn chain(&self) -> Chain {
        match self.chain {
            RawChain::Ed25519 => Chain::RawEd25519,
            RawChain::Secp256k1 => Chain::RawSecp256k1,
        }
    }

    /// Requires [`Expectations::message`] (the nonce the server issued); the
    /// signature must cover [`RawKeyProof::signing_bytes`] of it.
    fn verify(&self, proof: &WalletProof, expect: &Expectations<'_>) -> Result<VerifiedAccount> {
        let WalletProof::RawKey(p) = proof else {
            return Err(super::check::wrong_chain(&self.chain(), &proof.chain()));
        };
        expect.require_exact_message(&p.message)?;
        let signer = self.check(
            &p.key,
            &RawKeyProof::signing_bytes(&p.message),
            &p.signature,
        )?;
        Ok(VerifiedAccount::new(p.account.clone(), signer))
    }

    /// Delegation statements: the statement's UTF-8 bytes (which begin
    /// `keytree delegation v1\n`, their own tag), signed directly with the
    /// key's algorithm as above, no login wrapper; the stored signature is
    /// the 64 bytes.
    fn verify_statement(&self, proof: &StatementProof<'_>) -> Result<VerifiedAccount> {
        let key = match proof.account.chain() {
            Chain::RawEd25519 => {
                let bytes = hex_array::<32>(proof.account.address(), "raw ed25519 key")?;
                RawKey::Ed25519(PublicKey::from_bytes(&bytes)?)
            }
            Chain::RawSecp256k1 => {
                let bytes = hex_array::<33>(proof.account.address(), "raw secp256k1 key")?;
                RawKey::Secp256k1(
                    k256::ecdsa::VerifyingKey::from_sec1_bytes(&bytes)
                        .map_err(|_| Error::from(KeyError::NotOnCurve))?,
                )
            }
            other => {
                return Err(super::check::wrong_chain(&self.chain(), other));
            }
        };
        let signature =
            <[u8; 64]>::try_from(proof.signature).map_err(|_| Error::InvalidSignature)?;
        let signer = self.check(&key, proof.statement.as_bytes(), &signature)?;
        Ok(VerifiedAccount::new(proof.account.clone(), signer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k256::ecdsa::SigningKey;

    #[test]
    fn secp256k1_round_trip_and_high_s() {
        let sk = SigningKey::from_slice(&[7u8; 32]).unwrap();
        let vk = *sk.verifying_key();
        let msg = b"nonce-123";
        let wrapped = RawKeyProof::signing_bytes(msg);
        let digest: [u8; 32] = Sha256::digest(&wrapped).into();
        let (sig, _) = sk.sign_prehash_recoverable(&digest);
        let sig = sig.normalize_s();
        let bytes: [u8; 64] = sig.to_bytes().into();
        verify_secp256k1_sha256(&vk, &wrapped, &bytes).unwrap();
        assert!(verify_secp256k1_sha256(&vk, msg, &bytes).is_err());
        // Malleate: s -> n - s.
        let (r, s) = sig.split_scalars();
        let high = k256::ecdsa::Signature::from_scalars(r.to_bytes(), (-*s).to_bytes()).unwrap();
        let high: [u8; 64] = high.to_bytes().into();
        assert!(verify_secp256k1_sha256(&vk, &wrapped, &high).is_err());

        let key_hex = hex_encode(vk.to_sec1_point(false).as_bytes());
        let proof = RawKeyProof::secp256k1_hex(&key_hex, msg, &hex_encode(&bytes)).unwrap();
        let v = RawKeyVerifier::secp256k1();
        let out = v
            .verify(&proof.clone().into(), &Expectations::at(0).message(msg))
            .unwrap();
        assert_eq!(out.account.chain(), &Chain::RawSecp256k1);
        assert_eq!(
            out.account.to_string().parse::<AccountId>().unwrap(),
            out.account
        );
        assert!(
            v.verify(&proof.clone().into(), &Expectations::at(0))
                .is_err()
        );
        assert!(
            v.verify(&proof.clone().into(), &Expectations::at(0).message(b"x"))
                .is_err()
        );
        assert!(
            RawKeyVerifier::ed25519()
                .verify(&proof.into(), &Expectations::at(0).message(msg))
                .is_err()
        );
    }
}
