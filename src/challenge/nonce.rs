//! The challenge nonce: 32 bytes that carry their own issue time, lifetime
//! and MAC, so that issuing a challenge stores nothing.

use std::fmt;
use std::str::FromStr;

use rand_core::CryptoRng;

use crate::encoding::{hex_decode, hex_encode};
use crate::error::{DecodeReason, Error, Result};

/// The largest attempt limit an issuer accepts.
pub const MAX_ATTEMPT_LIMIT: u32 = 999;

/// A challenge's 32-byte nonce. Its text form (in messages and store keys)
/// is 64 lowercase hex digits, which also satisfies the SIWE/SIWS rule of at
/// least eight letters and digits.
///
/// Issued nonces are sealed ([`crate::ChallengeIssuer`]): bytes 0–4 are the
/// issue time (unix seconds, 40-bit big-endian), 5–7 the lifetime in
/// seconds (24-bit big-endian), 8–15 random, 16–31 a MAC under the
/// server's [`crate::ChallengeKey`] over those and the domain and account.
///
/// Not a secret: it travels to the client in the challenge text.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChallengeNonce([u8; 32]);

impl ChallengeNonce {
    /// 32 random bytes (not a sealed nonce: an issuer refuses it).
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut bytes = [0u8; 32];
        rng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// Wraps 32 bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for ChallengeNonce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex_encode(&self.0))
    }
}

impl fmt::Debug for ChallengeNonce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChallengeNonce({self})")
    }
}

impl FromStr for ChallengeNonce {
    type Err = Error;

    /// Parses exactly 64 lowercase hex digits.
    fn from_str(s: &str) -> Result<Self> {
        const WHAT: &str = "challenge nonce";
        if s.len() != 64 || s.bytes().any(|c| c.is_ascii_uppercase()) {
            return Err(Error::decode(
                WHAT,
                DecodeReason::NonCanonical("64 lowercase hex digits"),
            ));
        }
        let bytes = hex_decode(s, WHAT)?;
        <[u8; 32]>::try_from(bytes.as_slice())
            .map(Self)
            .map_err(|_| {
                Error::decode(
                    WHAT,
                    DecodeReason::Length {
                        expected: 32,
                        got: bytes.len(),
                    },
                )
            })
    }
}
