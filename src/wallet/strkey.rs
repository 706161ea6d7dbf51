//! The strkey codec (SEP-23, every kind): RFC 4648 base32 (uppercase,
//! unpadded) of `version byte ‖ payload ‖ CRC16-XModem(version ‖ payload)`
//! (checksum little-endian). Base32 and the CRC come from the
//! `data-encoding` and `crc` crates; `data-encoding`'s `BASE32_NOPAD` is as
//! strict as SEP-23 asks (one case, no padding, no impossible lengths, zero
//! trailing bits), so nothing of the codec is written here but the strkey
//! framing.
//!
//! In every build, whatever the features: `stellar:…` account texts are
//! checked with [`decode_account`], so every build accepts the same
//! accounts. The `stellar` feature adds SEP-53 signature verification.

use std::fmt;

use zeroize::Zeroizing;

use crate::error::{DecodeReason, Error, Result, WalletError};

const WHAT: &str = "stellar strkey";
const VERSION_ACCOUNT: u8 = 6 << 3; // 'G'
const VERSION_SEED: u8 = 18 << 3; // 'S'
const VERSION_MUXED: u8 = 12 << 3; // 'M'
const VERSION_PRE_AUTH_TX: u8 = 19 << 3; // 'T'
const VERSION_SHA256_HASH: u8 = 23 << 3; // 'X'
const VERSION_SIGNED_PAYLOAD: u8 = 15 << 3; // 'P'
const VERSION_CONTRACT: u8 = 2 << 3; // 'C'
const VERSION_LIQUIDITY_POOL: u8 = 11 << 3; // 'L'
const VERSION_CLAIMABLE_BALANCE: u8 = 1 << 3; // 'B'

/// The longest strkey text: a `P` key with a 64-byte payload is
/// 1 + 32 + 4 + 64 + 2 = 103 bytes, 165 base32 characters.
const MAX_TEXT_LEN: usize = 165;

/// CRC-16/XMODEM (poly 0x1021, init 0, no reflection, no final xor).
const CRC16: crc::Crc<u16> = crc::Crc::<u16>::new(&crc::CRC_16_XMODEM);

fn base32_decode(text: &str) -> Result<Zeroizing<Vec<u8>>> {
    data_encoding::BASE32_NOPAD
        .decode(text.as_bytes())
        .map(Zeroizing::new)
        .map_err(|e| {
            let reason = match e.kind {
                data_encoding::DecodeKind::Length => DecodeReason::NonCanonical("base32 length"),
                data_encoding::DecodeKind::Trailing => {
                    DecodeReason::NonCanonical("base32 trailing bits")
                }
                _ => DecodeReason::Alphabet("base32"),
            };
            Error::decode(WHAT, reason)
        })
}

/// The payload of a `P…` strkey (CAP-40 signed-payload signer): an Ed25519
/// key and 1 to 64 bytes of payload.
///
/// In the strkey the payload is XDR `opaque<64>`: a 4-byte big-endian
/// length, the bytes, and zero padding to a multiple of four.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct StellarSignedPayload {
    key: [u8; 32],
    payload: Vec<u8>,
}

impl StellarSignedPayload {
    /// The most payload bytes a signed-payload signer carries.
    pub const MAX_PAYLOAD_LEN: usize = 64;

    /// A signed-payload signer: the Ed25519 key and its payload.
    ///
    /// # Errors
    /// [`Error::Decode`] when the payload is empty or longer than 64 bytes.
    pub fn new(key: [u8; 32], payload: impl AsRef<[u8]>) -> Result<Self> {
        let payload = payload.as_ref();
        if payload.is_empty() || payload.len() > Self::MAX_PAYLOAD_LEN {
            return Err(Error::malformed(
                "stellar signed payload",
                "the payload must be 1 to 64 bytes",
            ));
        }
        Ok(Self {
            key,
            payload: payload.to_vec(),
        })
    }

    /// The Ed25519 key.
    pub fn key(&self) -> &[u8; 32] {
        &self.key
    }

    /// The payload (without length or padding).
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// Decodes `key ‖ u32-BE length ‖ payload ‖ zero padding`, strictly.
    fn from_xdr(bytes: &[u8]) -> Result<Self> {
        const W: &str = "stellar signed payload";
        let (Some(key), Some(len)) = (bytes.get(..32), bytes.get(32..36)) else {
            return Err(Error::decode(
                W,
                DecodeReason::Length {
                    expected: 40,
                    got: bytes.len(),
                },
            ));
        };
        let len = u32::from_be_bytes(len.try_into().map_err(|_| Error::malformed(W, "length"))?);
        let len = usize::try_from(len).map_err(|_| Error::malformed(W, "length"))?;
        if len == 0 || len > Self::MAX_PAYLOAD_LEN {
            return Err(Error::malformed(W, "the payload must be 1 to 64 bytes"));
        }
        let padded = len.div_ceil(4) * 4;
        if bytes.len() != 36 + padded {
            return Err(Error::decode(
                W,
                DecodeReason::Length {
                    expected: 36 + padded,
                    got: bytes.len(),
                },
            ));
        }
        let (Some(payload), Some(padding)) = (bytes.get(36..36 + len), bytes.get(36 + len..))
        else {
            return Err(Error::malformed(W, "length"));
        };
        if padding.iter().any(|&b| b != 0) {
            return Err(Error::decode(
                W,
                DecodeReason::NonCanonical("non-zero padding"),
            ));
        }
        let mut k = [0u8; 32];
        k.copy_from_slice(key);
        Self::new(k, payload)
    }

    fn write_xdr(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.key);
        // At most 64 bytes by construction.
        out.extend_from_slice(&(self.payload.len() as u32).to_be_bytes());
        out.extend_from_slice(&self.payload);
        out.resize(
            out.len() + self.payload.len().div_ceil(4) * 4 - self.payload.len(),
            0,
        );
    }
}

impl fmt::Debug for StellarSignedPayload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "StellarSignedPayload({})",
            Strkey::SignedPayload(self.clone()).encode().as_str()
        )
    }
}

/// A decoded Stellar strkey (SEP-23): every kind `stellar-sdk` knows.
///
/// A strkey is RFC 4648 base32 (uppercase, unpadded) of
/// `version byte ‖ payload ‖ CRC16-XModem(version ‖ payload)` (checksum
/// little-endian). [`Strkey::decode`] refuses lowercase, padding, a wrong
/// length or version byte, non-zero trailing bits, non-zero XDR padding in
/// a `P…` payload, and a bad checksum ([`DecodeReason::Checksum`]).
///
/// | prefix | variant | payload |
/// |---|---|---|
/// | `G` | [`Strkey::Account`] | Ed25519 public key (32) |
/// | `S` | [`Strkey::Seed`] | Ed25519 seed (32, secret) |
/// | `M` | [`Strkey::Muxed`] | key (32) ‖ id (u64 big-endian) |
/// | `T` | [`Strkey::PreAuthTx`] | transaction hash (32) |
/// | `X` | [`Strkey::Sha256Hash`] | SHA-256 hash-x signer (32) |
/// | `P` | [`Strkey::SignedPayload`] | key (32) ‖ XDR `opaque<64>` payload |
/// | `C` | [`Strkey::Contract`] | contract id (32) |
/// | `L` | [`Strkey::LiquidityPool`] | pool id (32) |
/// | `B` | [`Strkey::ClaimableBalance`] | type 0 (1) ‖ balance id (32) |
///
/// Only `G…` names a login account ([`AccountId`](crate::AccountId) for `stellar`); a `C…`
/// contract address is refused there with
/// [`WalletError::StellarContractAccount`].
///
/// SEP-53 signed messages are checked by `StellarVerifier` (feature
/// `stellar`): the wallet signs SHA-256(`"Stellar Signed Message:\n"` ‖
/// message) with Ed25519; the signature travels as standard base64.
///
/// # Example
/// ```
/// use keytree::Strkey;
/// let c = Strkey::decode("CA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUWDA")?;
/// assert!(matches!(c, Strkey::Contract(_)));
/// assert_eq!(c.prefix(), 'C');
/// assert_eq!(c.encode().as_str(), "CA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUWDA");
/// Ok::<(), keytree::Error>(())
/// ```
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
    /// `T…`: a pre-authorized transaction hash signer.
    PreAuthTx([u8; 32]),
    /// `X…`: a hash-x signer (the SHA-256 hash of a preimage).
    Sha256Hash([u8; 32]),
    /// `P…`: a signed-payload signer (CAP-40).
    SignedPayload(StellarSignedPayload),
    /// `C…`: a Soroban contract id.
    Contract([u8; 32]),
    /// `L…`: a liquidity pool id.
    LiquidityPool([u8; 32]),
    /// `B…`: a claimable balance id (type V0).
    ClaimableBalance([u8; 32]),
}

impl fmt::Debug for Strkey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Seed(_) => f.write_str("Strkey(S…)"),
            _ => write!(f, "Strkey({})", self.encode().as_str()),
        }
    }
}

fn array32(bytes: &[u8]) -> Result<[u8; 32]> {
    bytes.try_into().map_err(|_| {
        Error::decode(
            WHAT,
            DecodeReason::Length {
                expected: 32,
                got: bytes.len(),
            },
        )
    })
}

impl Strkey {
    /// Decodes a strkey of any kind strictly.
    ///
    /// # Errors
    /// [`Error::Decode`] for bad alphabet, case, padding, length, version
    /// byte or trailing bits, and [`DecodeReason::Checksum`] for a checksum
    /// mismatch (a typo).
    pub fn decode(text: &str) -> Result<Self> {
        if text.len() > MAX_TEXT_LEN {
            return Err(Error::decode(
                WHAT,
                DecodeReason::TooLong { max: MAX_TEXT_LEN },
            ));
        }
        let raw = base32_decode(text)?;
        let Some((body, crc)) = raw.split_last_chunk::<2>() else {
            return Err(short(raw.len()));
        };
        let Some((&version, payload)) = body.split_first() else {
            return Err(short(raw.len()));
        };
        // Lengths first (a wrong length is not a typo), then the checksum,
        // then the payload's own structure.
        let expected = match version {
            VERSION_ACCOUNT
            | VERSION_SEED
            | VERSION_PRE_AUTH_TX
            | VERSION_SHA256_HASH
            | VERSION_CONTRACT
            | VERSION_LIQUIDITY_POOL => Some(32),
            VERSION_MUXED => Some(40),
            VERSION_CLAIMABLE_BALANCE => Some(33),
            VERSION_SIGNED_PAYLOAD => None,
            _ => return Err(Error::malformed(WHAT, "unsupported version byte")),
        };
        let len_ok = match expected {
            Some(n) => payload.len() == n,
            None => (40..=100).contains(&payload.len()),
        };
        if !len_ok {
            return Err(Error::decode(
                WHAT,
                DecodeReason::Length {
                    expected: expected.unwrap_or(40),
                    got: payload.len(),
                },
            ));
        }
        if CRC16.checksum(body).to_le_bytes() != *crc {
            return Err(Error::decode(WHAT, DecodeReason::Checksum("crc16-xmodem")));
        }
        Self::from_payload(version, payload)
    }

    /// Builds a strkey from its version byte and raw payload (what
    /// [`Strkey::version_byte`] and [`Strkey::to_payload`] return), strictly.
    ///
    /// # Errors
    /// [`Error::Decode`] for an unknown version byte or a payload that is
    /// not the kind's exact form.
    pub fn from_payload(version: u8, payload: &[u8]) -> Result<Self> {
        Ok(match version {
            VERSION_ACCOUNT => Self::Account(array32(payload)?),
            VERSION_SEED => {
                let seed: &[u8; 32] = payload.try_into().map_err(|_| {
                    Error::decode(
                        WHAT,
                        DecodeReason::Length {
                            expected: 32,
                            got: payload.len(),
                        },
                    )
                })?;
                Self::Seed(Zeroizing::new(*seed))
            }
            VERSION_MUXED => {
                let Some((key, id)) = payload.split_first_chunk::<32>() else {
                    return Err(short(payload.len()));
                };
                let id: [u8; 8] = id.try_into().map_err(|_| {
                    Error::decode(
                        WHAT,
                        DecodeReason::Length {
                            expected: 40,
                            got: payload.len(),
                        },
                    )
                })?;
                Self::Muxed {
                    key: *key,
                    id: u64::from_be_bytes(id),
                }
            }
            VERSION_PRE_AUTH_TX => Self::PreAuthTx(array32(payload)?),
            VERSION_SHA256_HASH => Self::Sha256Hash(array32(payload)?),
            VERSION_SIGNED_PAYLOAD => Self::SignedPayload(StellarSignedPayload::from_xdr(payload)?),
            VERSION_CONTRACT => Self::Contract(array32(payload)?),
            VERSION_LIQUIDITY_POOL => Self::LiquidityPool(array32(payload)?),
            VERSION_CLAIMABLE_BALANCE => match payload.split_first() {
                // ClaimableBalanceID type 0 (V0) is the only one defined.
                Some((0, id)) => Self::ClaimableBalance(array32(id)?),
                Some(_) => {
                    return Err(Error::malformed(WHAT, "unsupported claimable balance type"));
                }
                None => return Err(short(0)),
            },
            _ => return Err(Error::malformed(WHAT, "unsupported version byte")),
        })
    }

    /// The version byte (`6 << 3` for `G`, …).
    pub fn version_byte(&self) -> u8 {
        match self {
            Self::Account(_) => VERSION_ACCOUNT,
            Self::Seed(_) => VERSION_SEED,
            Self::Muxed { .. } => VERSION_MUXED,
            Self::PreAuthTx(_) => VERSION_PRE_AUTH_TX,
            Self::Sha256Hash(_) => VERSION_SHA256_HASH,
            Self::SignedPayload(_) => VERSION_SIGNED_PAYLOAD,
            Self::Contract(_) => VERSION_CONTRACT,
            Self::LiquidityPool(_) => VERSION_LIQUIDITY_POOL,
            Self::ClaimableBalance(_) => VERSION_CLAIMABLE_BALANCE,
        }
    }

    /// The first character of the text form (`G`, `S`, `M`, `T`, `X`, `P`,
    /// `C`, `L` or `B`).
    pub fn prefix(&self) -> char {
        match self {
            Self::Account(_) => 'G',
            Self::Seed(_) => 'S',
            Self::Muxed { .. } => 'M',
            Self::PreAuthTx(_) => 'T',
            Self::Sha256Hash(_) => 'X',
            Self::SignedPayload(_) => 'P',
            Self::Contract(_) => 'C',
            Self::LiquidityPool(_) => 'L',
            Self::ClaimableBalance(_) => 'B',
        }
    }

    /// The raw payload between version byte and checksum (a seed's comes
    /// back in a wiping buffer, like every payload).
    pub fn to_payload(&self) -> Zeroizing<Vec<u8>> {
        let mut raw = Zeroizing::new(Vec::with_capacity(100));
        match self {
            Self::Account(k)
            | Self::PreAuthTx(k)
            | Self::Sha256Hash(k)
            | Self::Contract(k)
            | Self::LiquidityPool(k) => raw.extend_from_slice(k),
            Self::Seed(s) => raw.extend_from_slice(s.as_ref()),
            Self::Muxed { key, id } => {
                raw.extend_from_slice(key);
                raw.extend_from_slice(&id.to_be_bytes());
            }
            Self::SignedPayload(p) => p.write_xdr(&mut raw),
            Self::ClaimableBalance(id) => {
                raw.push(0);
                raw.extend_from_slice(id);
            }
        }
        raw
    }

    /// The strkey text (a seed comes back in a wiping buffer).
    pub fn encode(&self) -> Zeroizing<String> {
        let mut raw = Zeroizing::new(Vec::with_capacity(103));
        raw.push(self.version_byte());
        raw.extend_from_slice(&self.to_payload());
        let crc = CRC16.checksum(&raw);
        raw.extend_from_slice(&crc.to_le_bytes());
        Zeroizing::new(data_encoding::BASE32_NOPAD.encode(&raw))
    }
}

fn short(got: usize) -> Error {
    Error::decode(WHAT, DecodeReason::Length { expected: 35, got })
}

/// Decodes a `G…` account strkey to its Ed25519 key bytes: the only kind
/// that names a login account.
///
/// # Errors
/// As [`Strkey::decode`]; [`WalletError::StellarContractAccount`] for a
/// `C…` contract; a prefix error for every other kind.
pub(crate) fn decode_account(text: &str) -> Result<[u8; 32]> {
    match Strkey::decode(text)? {
        Strkey::Account(k) => Ok(k),
        Strkey::Contract(_) => Err(WalletError::StellarContractAccount.into()),
        _ => Err(Error::decode(
            "stellar address",
            DecodeReason::Prefix { expected: "G" },
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The CRC the crate computes is the one SEP-23 names: the CRC-16/XMODEM
    /// check value, and the bit-by-bit definition (poly 0x1021, init 0, no
    /// reflection, no final xor) over every length up to a `P` strkey's.
    #[test]
    fn crc_is_xmodem() {
        assert_eq!(CRC16.checksum(b"123456789"), 0x31c3);
        let bitwise = |data: &[u8]| {
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
        };
        let data: Vec<u8> = (0..101u8).map(|i| i.wrapping_mul(37)).collect();
        for n in 0..data.len() {
            assert_eq!(CRC16.checksum(&data[..n]), bitwise(&data[..n]));
        }
    }

    /// `BASE32_NOPAD` is as strict as SEP-23: no lowercase, no padding, no
    /// impossible lengths, no non-zero trailing bits.
    #[test]
    fn base32_is_strict() {
        let text = data_encoding::BASE32_NOPAD.encode(&[0x5a; 35]);
        assert_eq!(base32_decode(&text).unwrap().as_slice(), &[0x5a; 35]);
        assert!(base32_decode(&text.to_lowercase()).is_err());
        assert!(base32_decode(&format!("{text}=")).is_err());
        assert!(base32_decode(&format!("{text}A")).is_err());
        // 35 bytes = 280 bits in 56 symbols: no spare bits; 34 bytes leave 3.
        let short = data_encoding::BASE32_NOPAD.encode(&[0xff; 34]);
        let mut bad = short.clone();
        bad.pop();
        bad.push('7');
        assert!(base32_decode(&short).is_ok());
        assert!(base32_decode(&bad).is_err());
    }

    #[test]
    fn round_trips() {
        for k in [
            Strkey::Account([7; 32]),
            Strkey::Muxed {
                key: [9; 32],
                id: 42,
            },
            Strkey::PreAuthTx([1; 32]),
            Strkey::Sha256Hash([2; 32]),
            Strkey::Contract([3; 32]),
            Strkey::LiquidityPool([4; 32]),
            Strkey::ClaimableBalance([5; 32]),
            Strkey::SignedPayload(StellarSignedPayload::new([6; 32], [1, 2, 3]).unwrap()),
            Strkey::SignedPayload(StellarSignedPayload::new([6; 32], [9; 64]).unwrap()),
        ] {
            let text = k.encode();
            assert_eq!(Strkey::decode(&text).unwrap(), k);
            assert!(Strkey::decode(&text.to_lowercase()).is_err());
            assert!(Strkey::decode(&format!("{}=", text.as_str())).is_err());
            assert_eq!(text.chars().next(), Some(k.prefix()));
            assert_eq!(
                Strkey::from_payload(k.version_byte(), &k.to_payload()).unwrap(),
                k
            );
        }
    }

    #[test]
    fn signed_payload_bounds() {
        assert!(StellarSignedPayload::new([0; 32], []).is_err());
        assert!(StellarSignedPayload::new([0; 32], [0; 65]).is_err());
        let p = StellarSignedPayload::new([0; 32], [7; 5]).unwrap();
        let mut xdr = Vec::new();
        p.write_xdr(&mut xdr);
        assert_eq!(xdr.len(), 32 + 4 + 8);
        assert_eq!(StellarSignedPayload::from_xdr(&xdr).unwrap(), p);
        let mut bad = xdr.clone();
        *bad.last_mut().unwrap() = 1;
        assert!(StellarSignedPayload::from_xdr(&bad).is_err());
        bad = xdr.clone();
        bad.truncate(40);
        assert!(StellarSignedPayload::from_xdr(&bad).is_err());
    }

    #[test]
    fn checksum_is_a_decode_error() {
        let mut text = Strkey::Account([7; 32]).encode().to_string();
        let last = text.pop().unwrap();
        text.push(if last == 'A' { 'Q' } else { 'A' });
        let err = Strkey::decode(&text).unwrap_err();
        assert_eq!(
            err,
            Error::Decode {
                what: WHAT,
                reason: DecodeReason::Checksum("crc16-xmodem")
            }
        );
        assert!(err.to_string().contains("checksum"), "{err}");
    }
}
