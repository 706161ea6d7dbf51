//! Opaque refresh tokens, their hashes, families and stored records.

use std::fmt;
use std::str::FromStr;

use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::encoding::{base64url_decode, base64url_encode, hex_decode, hex_encode};
use crate::error::{DecodeReason, Error, Result};
use crate::id::ContextId;
use crate::member_id::MemberId;
use crate::permission::Permissions;
use crate::public_key::PublicKey;
use crate::wallet::AccountId;

/// The BLAKE3 key-derivation context of refresh-token hashes.
const HASH_CONTEXT: &str = "keytree/v1 refresh-token hash";

/// An opaque refresh token: 256 random bits, as 43 characters of unpadded
/// base64url. Hand it to the client; the store keeps only its
/// [`RefreshHash`].
///
/// Secret: wiped on drop, not `Clone`, and `Debug` prints nothing of it.
pub struct RefreshToken {
    bytes: [u8; 32],
    text: Zeroizing<String>,
}

impl RefreshToken {
    /// A fresh random token.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut bytes = [0u8; 32];
        rng.fill_bytes(&mut bytes);
        Self::from_raw(bytes)
    }

    fn from_raw(bytes: [u8; 32]) -> Self {
        let text = Zeroizing::new(base64url_encode(&bytes));
        Self { bytes, text }
    }

    /// The text to give the client.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The hash the store keys it by.
    pub fn hash(&self) -> RefreshHash {
        RefreshHash(blake3::derive_key(HASH_CONTEXT, &self.bytes))
    }
}

impl FromStr for RefreshToken {
    type Err = Error;

    /// Parses the 43-character text a client presents.
    fn from_str(s: &str) -> Result<Self> {
        const WHAT: &str = "refresh token";
        if s.len() != 43 {
            return Err(Error::decode(
                WHAT,
                DecodeReason::Length {
                    expected: 43,
                    got: s.len(),
                },
            ));
        }
        let mut decoded = Zeroizing::new(base64url_decode(s, WHAT)?);
        let bytes = <[u8; 32]>::try_from(decoded.as_slice()).map_err(|_| {
            Error::decode(
                WHAT,
                DecodeReason::Length {
                    expected: 32,
                    got: decoded.len(),
                },
            )
        })?;
        decoded.zeroize();
        Ok(Self::from_raw(bytes))
    }
}

impl Drop for RefreshToken {
    fn drop(&mut self) {
        self.bytes.zeroize();
    }
}

impl ZeroizeOnDrop for RefreshToken {}

impl fmt::Debug for RefreshToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshToken").finish_non_exhaustive()
    }
}

/// The hash of a refresh token: what a [`crate::RefreshStore`] keys by
/// (BLAKE3 in key-derivation mode with a keytree context string).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct RefreshHash([u8; 32]);

impl RefreshHash {
    /// The 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Wraps 32 bytes (for stores that read hashes back).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }
}

impl fmt::Debug for RefreshHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RefreshHash({})", hex_encode(&self.0))
    }
}

/// A refresh family: every refresh token descended from one login shares it,
/// and reuse of any spent member revokes all of them. Text form: 32 hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FamilyId([u8; 16]);

impl FamilyId {
    /// A random id.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut id = [0u8; 16];
        rng.fill_bytes(&mut id);
        Self(id)
    }

    /// Wraps 16 bytes.
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    /// The 16 bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl fmt::Display for FamilyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex_encode(&self.0))
    }
}

impl fmt::Debug for FamilyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FamilyId({self})")
    }
}

impl FromStr for FamilyId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let bytes = hex_decode(s, "family id")?;
        <[u8; 16]>::try_from(bytes.as_slice())
            .map(Self)
            .map_err(|_| {
                Error::decode(
                    "family id",
                    DecodeReason::Length {
                        expected: 16,
                        got: bytes.len(),
                    },
                )
            })
    }
}

impl Serialize for FamilyId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for FamilyId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// What a store keeps for one refresh token (never the token itself).
///
/// Serializable, so that a store backend can keep it as JSON, in one of two
/// versions (a record of any other version is refused, so a store written
/// by a newer keytree fails closed):
///
/// - a key member's record (version 1, no `v` member, the form keytree has
///   always written): `{"family","context_id","executor","subject",
///   "audience","permissions","expires_at"}`, `executor` the member key's
///   text;
/// - a wallet-account member's record: `{"v":2,"family","context_id",
///   "account","subject","audience","permissions","expires_at"}`,
///   `account` the member's primary account in canonical CAIP-10 text.
///
/// `family` is 32 hex digits, `context_id` base58, `permissions` the
/// sorted array, `expires_at` unix seconds; unknown and duplicated members
/// are refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RecordWire", into = "RecordWire")]
pub struct RefreshRecord {
    family: FamilyId,
    context_id: ContextId,
    member: MemberId,
    subject: String,
    audience: String,
    permissions: Permissions,
    expires_at: u64,
}

/// The record's JSON: `v` absent for a key member (version 1), `2` for a
/// wallet-account member.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordWire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    v: Option<u32>,
    family: FamilyId,
    context_id: ContextId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    executor: Option<PublicKey>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    account: Option<AccountId>,
    subject: String,
    audience: String,
    permissions: Permissions,
    expires_at: u64,
}

/// The record version of a wallet-account member's records (refresh and
/// API key); a key member's records carry no version (version 1).
pub(crate) const ACCOUNT_RECORD_VERSION: u32 = 2;

/// The member of a stored record from its version and member fields:
/// version 1 (no `v`) names a key, version 2 an account; anything else is
/// refused.
pub(crate) fn record_member(
    what: &str,
    v: Option<u32>,
    key: Option<PublicKey>,
    account: Option<AccountId>,
) -> std::result::Result<MemberId, String> {
    match (v, key, account) {
        (None, Some(key), None) => Ok(MemberId::Key(key)),
        (Some(ACCOUNT_RECORD_VERSION), None, Some(account)) => Ok(MemberId::Account(account)),
        (None | Some(ACCOUNT_RECORD_VERSION), _, _) => Err(format!(
            "{what}: the member fields do not match the version"
        )),
        (Some(v), _, _) => Err(format!("{what}: unknown record version {v}")),
    }
}

impl TryFrom<RecordWire> for RefreshRecord {
    type Error = String;
    fn try_from(w: RecordWire) -> std::result::Result<Self, String> {
        Ok(Self {
            member: record_member("refresh record", w.v, w.executor, w.account)?,
            family: w.family,
            context_id: w.context_id,
            subject: w.subject,
            audience: w.audience,
            permissions: w.permissions,
            expires_at: w.expires_at,
        })
    }
}

impl From<RefreshRecord> for RecordWire {
    fn from(r: RefreshRecord) -> Self {
        let (v, executor, account) = match r.member {
            MemberId::Key(key) => (None, Some(key), None),
            MemberId::Account(account) => (Some(ACCOUNT_RECORD_VERSION), None, Some(account)),
        };
        Self {
            v,
            family: r.family,
            context_id: r.context_id,
            executor,
            account,
            subject: r.subject,
            audience: r.audience,
            permissions: r.permissions,
            expires_at: r.expires_at,
        }
    }
}

impl RefreshRecord {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        family: FamilyId,
        context_id: ContextId,
        member: MemberId,
        subject: String,
        audience: String,
        permissions: Permissions,
        expires_at: u64,
    ) -> Self {
        Self {
            family,
            context_id,
            member,
            subject,
            audience,
            permissions,
            expires_at,
        }
    }

    /// The family.
    pub fn family(&self) -> &FamilyId {
        &self.family
    }
    /// The context the session is bound to.
    pub fn context_id(&self) -> &ContextId {
        &self.context_id
    }
    /// The member the session is for (a wallet-account member by its
    /// primary account).
    pub fn member(&self) -> &MemberId {
        &self.member
    }
    /// The member key the session is for; `None` for a wallet-account
    /// member's session.
    pub fn executor(&self) -> Option<&PublicKey> {
        self.member.key()
    }
    /// The `sub` of the access tokens.
    pub fn subject(&self) -> &str {
        &self.subject
    }
    /// The `aud` of the access tokens.
    pub fn audience(&self) -> &str {
        &self.audience
    }
    /// The permissions the session's access tokens carry.
    pub fn permissions(&self) -> &Permissions {
        &self.permissions
    }
    /// When this refresh token expires (unix seconds).
    pub fn expires_at(&self) -> u64 {
        self.expires_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trip_and_hash() {
        let t = RefreshToken::generate(&mut rand::rng());
        assert_eq!(t.as_str().len(), 43);
        let back: RefreshToken = t.as_str().parse().unwrap();
        assert_eq!(back.hash(), t.hash());
        assert_ne!(RefreshToken::generate(&mut rand::rng()).hash(), t.hash());
        assert_eq!(format!("{t:?}"), "RefreshToken { .. }");
        assert!("short".parse::<RefreshToken>().is_err());
        assert!(
            format!("{}=", &t.as_str()[..42])
                .parse::<RefreshToken>()
                .is_err()
        );
        let id = FamilyId::generate(&mut rand::rng());
        assert_eq!(id.to_string().parse::<FamilyId>().unwrap(), id);
    }
}
