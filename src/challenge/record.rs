//! What a [`crate::NonceStore`] keeps for one challenge, and its byte form.

use std::fmt;
use std::str::FromStr;

use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};

use crate::encoding::{hex_decode, hex_encode};
use crate::error::{ChallengeError, DecodeReason, Error, Result};
use crate::wallet::AccountId;

/// The largest stored record accepted by [`ChallengeRecord::from_store_bytes`].
pub const MAX_CHALLENGE_RECORD_LEN: usize = 16 * 1024;
/// The largest attempt limit a record can carry (three decimal digits).
pub const MAX_ATTEMPT_LIMIT: u32 = 999;

const MAGIC: &str = "kt1:";

/// A challenge's 32-byte random nonce. Its text form (in messages and
/// store keys) is 64 lowercase hex digits, which also satisfies the
/// SIWE/SIWS rule of at least eight letters and digits.
///
/// Not a secret: it travels to the client in the challenge text.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChallengeNonce([u8; 32]);

impl ChallengeNonce {
    /// A fresh random nonce.
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

/// What a [`crate::NonceStore`] keeps for one challenge: the account and
/// domain it is bound to, its window, the exact text the wallet must sign,
/// the attempt limit, and its mutable state (failed attempts, spent).
///
/// # Store bytes
///
/// [`to_store_bytes`](Self::to_store_bytes) gives one self-contained value
/// for key-value backends, ASCII fields separated by `:`:
///
/// ```text
/// kt1:<state L|S>:<attempts, 3 digits>:<expires_at>:<max_attempts>:<json>
/// ```
///
/// `L` is live, `S` spent; `attempts` is zero-padded (`000`–`999`), so a
/// script can update the state and the counter in place (Redis `SETRANGE`
/// at offsets 4 and 6) and read the limits with one pattern match;
/// `expires_at` and `max_attempts` are decimal without leading zeros; the
/// JSON object holds exactly `account` (CAIP-10), `domain`, `issued_at` and
/// `message`, in that order, as serde_json writes them. Decoding is strict:
/// the bytes must be exactly what encoding the decoded record gives.
///
/// # Example
/// ```
/// use keytree::ChallengeRecord;
/// let bytes = br#"kt1:L:000:1700000300:5:{"account":"eip155:1:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed","domain":"example.com","issued_at":1700000000,"message":"hi"}"#;
/// let record = ChallengeRecord::from_store_bytes(bytes)?;
/// assert_eq!(record.expires_at(), 1_700_000_300);
/// assert_eq!(record.to_store_bytes(), bytes);
/// Ok::<(), keytree::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChallengeRecord {
    account: AccountId,
    domain: String,
    issued_at: u64,
    expires_at: u64,
    max_attempts: u32,
    message: String,
    attempts: u32,
    spent: bool,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    account: String,
    domain: String,
    issued_at: u64,
    message: String,
}

impl ChallengeRecord {
    pub(crate) fn new(
        account: AccountId,
        domain: String,
        issued_at: u64,
        expires_at: u64,
        max_attempts: u32,
        message: String,
    ) -> Self {
        Self {
            account,
            domain,
            issued_at,
            expires_at,
            max_attempts,
            message,
            attempts: 0,
            spent: false,
        }
    }

    /// The account the challenge was issued to.
    pub fn account(&self) -> &AccountId {
        &self.account
    }
    /// The domain (audience) it is bound to.
    pub fn domain(&self) -> &str {
        &self.domain
    }
    /// When it was issued, unix seconds.
    pub fn issued_at(&self) -> u64 {
        self.issued_at
    }
    /// When it expires, unix seconds (redeemable while `now < expires_at`).
    pub fn expires_at(&self) -> u64 {
        self.expires_at
    }
    /// How many failed redemptions kill it.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }
    /// The exact text the wallet signs (for NEP-413, the payload's `message`).
    pub fn message(&self) -> &str {
        &self.message
    }
    /// Failed redemptions so far.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
    /// Whether it was redeemed.
    pub fn is_spent(&self) -> bool {
        self.spent
    }
    /// Whether failed attempts reached the limit.
    pub fn is_dead(&self) -> bool {
        self.attempts >= self.max_attempts
    }

    /// The same record with `attempts` failed redemptions (for stores).
    #[must_use]
    pub fn with_attempts(mut self, attempts: u32) -> Self {
        self.attempts = attempts;
        self
    }

    /// The same record, spent or not (for stores).
    #[must_use]
    pub fn with_spent(mut self, spent: bool) -> Self {
        self.spent = spent;
        self
    }

    pub(crate) fn set_attempts(&mut self, attempts: u32) {
        self.attempts = attempts;
    }

    pub(crate) fn set_spent(&mut self) {
        self.spent = true;
    }

    /// Refuses a record that cannot be redeemed at `now`, in this order:
    /// spent, dead (attempt limit reached), expired. Stores use it so that
    /// every backend reports the same kinds.
    ///
    /// # Errors
    /// [`ChallengeError::AlreadySpent`], [`ChallengeError::TooManyAttempts`],
    /// [`ChallengeError::Expired`].
    pub fn check_live(&self, now: u64) -> Result<()> {
        if self.spent {
            return Err(ChallengeError::AlreadySpent.into());
        }
        if self.is_dead() {
            return Err(ChallengeError::TooManyAttempts {
                max: self.max_attempts,
            }
            .into());
        }
        if now >= self.expires_at {
            return Err(ChallengeError::Expired {
                expires_at: self.expires_at,
                now,
            }
            .into());
        }
        Ok(())
    }

    /// The store bytes (see the type docs).
    pub fn to_store_bytes(&self) -> Vec<u8> {
        let body = Body {
            account: self.account.to_string(),
            domain: self.domain.clone(),
            issued_at: self.issued_at,
            message: self.message.clone(),
        };
        // Serializing a struct of strings and integers cannot fail.
        let json = serde_json::to_string(&body).unwrap_or_default();
        format!(
            "{MAGIC}{}:{:03}:{}:{}:{json}",
            if self.spent { 'S' } else { 'L' },
            self.attempts.min(MAX_ATTEMPT_LIMIT),
            self.expires_at,
            self.max_attempts,
        )
        .into_bytes()
    }

    /// Decodes store bytes strictly (see the type docs).
    ///
    /// # Errors
    /// [`ChallengeError::CorruptRecord`] for anything but the canonical form.
    pub fn from_store_bytes(bytes: &[u8]) -> Result<Self> {
        let corrupt = |why: &str| Error::from(ChallengeError::CorruptRecord(why.to_owned()));
        if bytes.len() > MAX_CHALLENGE_RECORD_LEN {
            return Err(corrupt("too long"));
        }
        let text = std::str::from_utf8(bytes).map_err(|_| corrupt("not utf-8"))?;
        let rest = text
            .strip_prefix(MAGIC)
            .ok_or_else(|| corrupt("bad magic"))?;
        let mut parts = rest.splitn(5, ':');
        let (Some(state), Some(attempts), Some(expires_at), Some(max), Some(json)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(corrupt("missing field"));
        };
        let spent = match state {
            "L" => false,
            "S" => true,
            _ => return Err(corrupt("bad state")),
        };
        if attempts.len() != 3 || !attempts.bytes().all(|c| c.is_ascii_digit()) {
            return Err(corrupt("bad attempt counter"));
        }
        let attempts: u32 = attempts
            .parse()
            .map_err(|_| corrupt("bad attempt counter"))?;
        let expires_at = decimal(expires_at).ok_or_else(|| corrupt("bad expiry"))?;
        let max_attempts = decimal(max)
            .and_then(|m| u32::try_from(m).ok())
            .filter(|m| (1..=MAX_ATTEMPT_LIMIT).contains(m))
            .ok_or_else(|| corrupt("bad attempt limit"))?;
        let body: Body = serde_json::from_str(json).map_err(|_| corrupt("bad json"))?;
        let account: AccountId = body.account.parse().map_err(|_| corrupt("bad account"))?;
        if body.issued_at > expires_at {
            return Err(corrupt("issued after expiry"));
        }
        let record = Self {
            account,
            domain: body.domain,
            issued_at: body.issued_at,
            expires_at,
            max_attempts,
            message: body.message,
            attempts,
            spent,
        };
        if record.to_store_bytes() != bytes {
            return Err(corrupt("non-canonical encoding"));
        }
        Ok(record)
    }
}

/// Decimal digits without a leading zero (except `0` itself), as u64.
fn decimal(text: &str) -> Option<u64> {
    if text.is_empty()
        || text.len() > 20
        || !text.bytes().all(|c| c.is_ascii_digit())
        || (text.len() > 1 && text.starts_with('0'))
    {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> ChallengeRecord {
        ChallengeRecord::new(
            AccountId::raw_ed25519(&crate::RootKey::from_bytes(&[1; 32]).public_key()),
            "example.com".into(),
            100,
            400,
            5,
            "line one\nNonce: x \"quoted\"".into(),
        )
    }

    #[test]
    fn store_bytes_round_trip_and_strictness() {
        let r = record().with_attempts(3).with_spent(true);
        let bytes = r.to_store_bytes();
        assert!(bytes.starts_with(b"kt1:S:003:400:5:{"));
        assert_eq!(ChallengeRecord::from_store_bytes(&bytes).unwrap(), r);
        let text = String::from_utf8(bytes).unwrap();
        for bad in [
            text.replacen("kt1", "kt2", 1),
            text.replacen(":S:", ":X:", 1),
            text.replacen(":003:", ":03:", 1),
            text.replacen(":400:", ":0400:", 1),
            text.replacen(":5:", ":0:", 1),
            text.replacen(":5:", ":1000:", 1),
            text.replacen("{\"account\"", "{ \"account\"", 1),
            text.replacen("\"issued_at\":100", "\"issued_at\":500", 1),
            text.replacen("}", ",\"x\":1}", 1),
            text[..text.len() - 1].to_owned(),
        ] {
            assert!(
                ChallengeRecord::from_store_bytes(bad.as_bytes()).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn liveness_order() {
        let r = record();
        assert!(r.check_live(399).is_ok());
        assert!(matches!(
            r.check_live(400),
            Err(Error::Challenge(ChallengeError::Expired { .. }))
        ));
        assert!(matches!(
            r.clone().with_attempts(5).check_live(0),
            Err(Error::Challenge(ChallengeError::TooManyAttempts { max: 5 }))
        ));
        assert_eq!(
            r.with_attempts(5).with_spent(true).check_live(999),
            Err(ChallengeError::AlreadySpent.into())
        );
    }

    #[test]
    fn nonce_text() {
        let n = ChallengeNonce::from_bytes([0xab; 32]);
        assert_eq!(n.to_string().parse::<ChallengeNonce>().unwrap(), n);
        assert!(
            n.to_string()
                .to_uppercase()
                .parse::<ChallengeNonce>()
                .is_err()
        );
        assert!("abcd".parse::<ChallengeNonce>().is_err());
    }
}
