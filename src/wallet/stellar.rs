//! Stellar: the strkey codec (SEP-23) for `G` accounts, `S` seeds and `M`
//! muxed accounts, and SEP-53 signed messages.
//!
//! A strkey is RFC 4648 base32 (uppercase, unpadded) of
//! `version byte ‖ payload ‖ CRC16-XModem(version ‖ payload)` (checksum
//! little-endian). Decoding refuses lowercase, padding, a wrong length or
//! version byte, non-zero trailing bits and a bad checksum. CRC16-XModem is
//! eight lines, so it is written here rather than taken from a crate.
//!
//! SEP-53: the wallet signs SHA-256(`"Stellar Signed Message:\n"` ‖ message)
//! with Ed25519; the signature travels as standard base64.

use std::fmt;

use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

use super::text::parse_base64_signature;
use super::{
    AccountId, Chain, Expectations, SignerKey, StatementProof, VerifiedAccount, WalletProof,
    WalletVerifier,
};
use crate::error::{DecodeReason, Error, Result};
use crate::public_key::{PublicKey, Signature};

const WHAT: &str = "stellar strkey";
const VERSION_ACCOUNT: u8 = 6 << 3; // 'G'
const VERSION_SEED: u8 = 18 << 3; // 'S'
const VERSION_MUXED: u8 = 12 << 3; // 'M'
const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// CRC16-XModem (poly 0x1021, init 0, no reflection, no final xor).
fn crc16_xmodem(data: &[u8]) -> u16 {
    let mut crc: u16 = 0;
    for &b in data {
        crc ^= u16::from(b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

fn base32_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(5) * 8);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in data {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(
                ALPHABET
                    .get(((acc >> bits) & 31) as usize)
                    .copied()
                    .unwrap_or(b'A'),
            ));
        }
    }
    if bits > 0 {
        out.push(char::from(
            ALPHABET
                .get(((acc << (5 - bits)) & 31) as usize)
                .copied()
                .unwrap_or(b'A'),
        ));
    }
    out
}

fn base32_decode(text: &str) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'2'..=b'7' => c - b'2' + 26,
            _ => return Err(Error::decode(WHAT, DecodeReason::Alphabet("base32"))),
        };
        acc = ((acc << 5) | u32::from(v)) & 0xffff;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    // Unpadded base32 leaves 0–4 bits; more (1, 3 or 6 characters in the
    // last group) is an impossible length, and leftovers must be zero.
    if bits >= 5 || acc & ((1 << bits) - 1) != 0 {
        return Err(Error::decode(
            WHAT,
            DecodeReason::NonCanonical("base32 trailing bits"),
        ));
    }
    Ok(out)
}

/// Stellar: the strkey codec (SEP-23) for `G` accounts, `S` seeds and `M`
/// muxed accounts, and SEP-53 signed messages.
///
/// A strkey is RFC 4648 base32 (uppercase, unpadded) of
/// `version byte ‖ payload ‖ CRC16-XModem(version ‖ payload)` (checksum
/// little-endian). Decoding refuses lowercase, padding, a wrong length or
/// version byte, non-zero trailing bits and a bad checksum. CRC16-XModem is
/// eight lines, so it is written here rather than taken from a crate.
///
/// SEP-53: the wallet signs SHA-256(`"Stellar Signed Message:\n"` ‖ message)
/// with Ed25519; the signature travels as standard base64.
///
/// A decoded strkey.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Strkey {
    /// `G…`: an Ed25519 account key.
    Account([u8; 32]),
    /// `S…`: an Ed25519 seed (secret; wiped on drop, hidden from `Debug`).
    Seed(Zeroizing<[u8; 32]>),
    /// `M…`: a muxed account (key and 64-bit id).
    Muxed {
        /// The Ed25519 key.
        key: [u8; 32],
        /// The multiplexing id.
        id: u64,
    },
}

impl fmt::Debug for Strkey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Account(_) | Self::Muxed { .. } => {
                write!(f, "Strkey({})", self.encode().as_str())
            }
            Self::Seed(_) => f.write_str("Strkey(S…)"),
        }
    }
}

impl Strkey {
    /// Decodes a `G`, `S` or `M` strkey strictly.
    ///
    /// # Errors
    /// [`Error::Decode`] for bad alphabet, case, padding, length, version
    /// or trailing bits; [`DecodeReason::Checksum`] for a checksum mismatch.
    pub fn decode(text: &str) -> Result<Self> {
        if text.len() > 69 {
            return Err(Error::decode(WHAT, DecodeReason::TooLong { max: 69 }));
        }
        let raw = Zeroizing::new(base32_decode(text)?);
        let (Some((&version, rest)), true) = (raw.split_first(), raw.len() >= 3) else {
            return Err(Error::decode(
                WHAT,
                DecodeReason::Length {
                    expected: 35,
                    got: raw.len(),
                },
            ));
        };
        let (payload, crc) = rest.split_at(rest.len() - 2);
        let expected_len = match version {
            VERSION_ACCOUNT | VERSION_SEED => 32,
            VERSION_MUXED => 40,
            _ => return Err(Error::malformed(WHAT, "unsupported version byte")),
        };
        if payload.len() != expected_len {
            return Err(Error::decode(
                WHAT,
                DecodeReason::Length {
                    expected: expected_len,
                    got: payload.len(),
                },
            ));
        }
        let body = raw.get(..raw.len() - 2).unwrap_or_default();
        if crc16_xmodem(body).to_le_bytes() != crc {
            return Err(Error::decode(WHAT, DecodeReason::Checksum("crc16-xmodem")));
        }
        let mut key = [0u8; 32];
        key.copy_from_slice(payload.get(..32).unwrap_or(&[0; 32]));
        Ok(match version {
            VERSION_ACCOUNT => Self::Account(key),
            VERSION_SEED => {
                let seed = Zeroizing::new(key);
                zeroize::Zeroize::zeroize(&mut key);
                Self::Seed(seed)
            }
            _ => {
                let mut id = [0u8; 8];
                id.copy_from_slice(payload.get(32..40).unwrap_or(&[0; 8]));
                Self::Muxed {
                    key,
                    id: u64::from_be_bytes(id),
                }
            }
        })
    }

    /// The strkey text (a seed comes back in a wiping buffer).
    pub fn encode(&self) -> Zeroizing<String> {
        let mut raw = Zeroizing::new(Vec::with_capacity(43));
        match self {
            Self::Account(k) => {
                raw.push(VERSION_ACCOUNT);
                raw.extend_from_slice(k);
            }
            Self::Seed(s) => {
                raw.push(VERSION_SEED);
                raw.extend_from_slice(s.as_ref());
            }
            Self::Muxed { key, id } => {
                raw.push(VERSION_MUXED);
                raw.extend_from_slice(key);
                raw.extend_from_slice(&id.to_be_bytes());
            }
        }
        let crc = crc16_xmodem(&raw);
        raw.extend_from_slice(&crc.to_le_bytes());
        Zeroizing::new(base32_encode(&raw))
    }
}

/// Decodes a `G…` account strkey to its Ed25519 key bytes.
pub(crate) fn decode_account(text: &str) -> Result<[u8; 32]> {
    match Strkey::decode(text)? {
        Strkey::Account(k) => Ok(k),
        _ => Err(Error::decode(
            "stellar address",
            DecodeReason::Prefix { expected: "G" },
        )),
    }
}

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
            return Err(crate::wallet::wrong_chain(&Chain::Stellar, account.chain()));
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
            return Err(crate::wallet::wrong_chain(&self.chain(), &proof.chain()));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_known_value() {
        // CRC-16/XMODEM check value.
        assert_eq!(crc16_xmodem(b"123456789"), 0x31c3);
    }

    #[test]
    fn round_trips() {
        for k in [
            Strkey::Account([7; 32]),
            Strkey::Muxed {
                key: [9; 32],
                id: 42,
            },
        ] {
            let text = k.encode();
            assert_eq!(Strkey::decode(&text).unwrap(), k);
            assert!(Strkey::decode(&text.to_lowercase()).is_err());
            assert!(Strkey::decode(&format!("{}=", text.as_str())).is_err());
        }
    }
}
