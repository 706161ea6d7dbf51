//! The claims of a context token and their strict JSON form.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::helpers::clip;
use super::refresh::FamilyId;
use crate::error::{Error, Result, TokenError};
use crate::id::ContextId;
use crate::permission::Permissions;
use crate::public_key::PublicKey;
use crate::wallet::AccountId;

/// What a token is for. Only `access` tokens are accepted where an access
/// token is expected; keytree's refresh tokens are opaque values, and
/// `refresh` exists so that no signed refresh credential can ever pass as an
/// access token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum TokenType {
    /// Presented on requests.
    Access,
    /// Presented only to obtain new tokens.
    Refresh,
}

impl TokenType {
    /// The claim value (`access`, `refresh`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Access => "access",
            Self::Refresh => "refresh",
        }
    }
}

impl fmt::Display for TokenType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whom a token is for, as its claims name it: a member key's 32 bytes
/// (`executor_public_key`, not decoded as a point until needed) or a
/// wallet account (`sub`, parsed and canonical).
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum TokenMember {
    Key([u8; 32]),
    Account(AccountId),
}

/// The claims of a context token.
///
/// Obtained from a verified token ([`crate::ValidatedToken::claims`]) or, for
/// inspection only, from [`crate::UnverifiedToken`].
#[derive(Clone, PartialEq, Eq)]
pub struct TokenClaims {
    pub(crate) issuer: String,
    pub(crate) subject: String,
    pub(crate) audience: String,
    pub(crate) expires_at: u64,
    pub(crate) not_before: u64,
    pub(crate) issued_at: u64,
    pub(crate) jti: String,
    pub(crate) token_type: TokenType,
    pub(crate) context_id: ContextId,
    /// `executor_public_key` for a key member; for a wallet-account member
    /// no executor key and `sub` is its CAIP-10 account.
    pub(crate) member: TokenMember,
    pub(crate) permissions: Permissions,
    /// `sid`: the session (refresh family) of a token minted by
    /// `TokenIssuer::issue` or `refresh`; absent for `mint`.
    pub(crate) session: Option<FamilyId>,
}

impl TokenClaims {
    /// `iss`: who minted the token.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }
    /// `sub`: who the token is about (by default the executor key's text;
    /// for a wallet-account member, its CAIP-10 account).
    pub fn subject(&self) -> &str {
        &self.subject
    }
    /// `aud`: the service the token is for.
    pub fn audience(&self) -> &str {
        &self.audience
    }
    /// `exp` (unix seconds).
    pub fn expires_at(&self) -> u64 {
        self.expires_at
    }
    /// `nbf` (unix seconds).
    pub fn not_before(&self) -> u64 {
        self.not_before
    }
    /// `iat` (unix seconds).
    pub fn issued_at(&self) -> u64 {
        self.issued_at
    }
    /// `jti`: the token's unique id.
    pub fn jti(&self) -> &str {
        &self.jti
    }
    /// `token_type`.
    pub fn token_type(&self) -> TokenType {
        self.token_type
    }
    /// `context_id`: the context the token is bound to.
    pub fn context_id(&self) -> &ContextId {
        &self.context_id
    }
    /// The 32 bytes of `executor_public_key`, the member key the token is
    /// for; `None` for a wallet-account member's token (see
    /// [`TokenClaims::account`]).
    pub fn executor_key_bytes(&self) -> Option<&[u8; 32]> {
        match &self.member {
            TokenMember::Key(key) => Some(key),
            TokenMember::Account(_) => None,
        }
    }
    /// The wallet account a wallet-account member's token is for (its
    /// `sub`, which is then canonical CAIP-10); `None` for a key member's
    /// token.
    pub fn account(&self) -> Option<&AccountId> {
        match &self.member {
            TokenMember::Key(_) => None,
            TokenMember::Account(account) => Some(account),
        }
    }
    /// `executor_public_key`, decoded and checked as a [`PublicKey`].
    ///
    /// # Errors
    /// [`TokenError::InvalidRequest`] for a wallet-account member's token,
    /// which has no executor key; [`Error::InvalidKey`] if the bytes are not
    /// a valid key (keytree never mints such a token).
    pub fn executor_public_key(&self) -> Result<PublicKey> {
        match &self.member {
            TokenMember::Key(key) => PublicKey::from_bytes(key),
            TokenMember::Account(_) => Err(no_executor()),
        }
    }
    /// `permissions`.
    pub fn permissions(&self) -> &Permissions {
        &self.permissions
    }

    /// The canonical JSON payload (claims in a fixed order, no whitespace),
    /// through serde: the reference that the hand-written
    /// `TokenClaims::write_json` (claims_json.rs), which minting uses, is
    /// tested against byte for byte.
    #[cfg(test)]
    pub(crate) fn to_json(&self) -> Vec<u8> {
        let executor = self.executor_key_bytes().map(ExecutorText);
        let wire = WireOut {
            iss: &self.issuer,
            sub: &self.subject,
            aud: &self.audience,
            exp: self.expires_at,
            nbf: self.not_before,
            iat: self.issued_at,
            jti: &self.jti,
            token_type: self.token_type,
            context_id: B58Text(self.context_id.as_bytes()),
            executor_public_key: executor.as_ref(),
            permissions: &self.permissions,
            sid: self.session.as_ref(),
        };
        // Serializing strings, integers and a string array cannot fail.
        let mut out =
            Vec::with_capacity(320 + self.issuer.len() + self.subject.len() + self.audience.len());
        if serde_json::to_writer(&mut out, &wire).is_err() {
            out.clear();
        }
        out
    }

    /// Parses the claims JSON strictly.
    ///
    /// # Errors
    /// [`TokenError::InvalidClaims`] for anything but exactly the claims of
    /// the format, each once, each of its type.
    pub(crate) fn from_json(bytes: &[u8]) -> Result<Self> {
        let wire: WireIn<'_> = serde_json::from_slice(bytes).map_err(invalid)?;
        let context_id = ContextId::from_bytes(
            decode_b58_32(&wire.context_id).ok_or_else(|| claim_error("context_id"))?,
        );
        let member = match wire.executor_public_key {
            Some(ExecutorIn(key)) => TokenMember::Key(key),
            // No executor key: a wallet-account member's token, whose `sub`
            // must be a canonical CAIP-10 account.
            None => TokenMember::Account(account_subject(&wire.sub)?),
        };
        if wire.permissions.is_empty() {
            return Err(TokenError::InvalidClaims("permissions must not be empty".into()).into());
        }
        Ok(Self {
            issuer: wire.iss.into_owned(),
            subject: wire.sub.into_owned(),
            audience: wire.aud.into_owned(),
            expires_at: wire.exp,
            not_before: wire.nbf,
            issued_at: wire.iat,
            jti: wire.jti.into_owned(),
            token_type: wire.token_type,
            context_id,
            member,
            permissions: wire.permissions,
            session: wire.sid,
        })
    }
}

impl fmt::Debug for TokenClaims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenClaims")
            .field("iss", &self.issuer)
            .field("sub", &self.subject)
            .field("aud", &self.audience)
            .field("exp", &self.expires_at)
            .field("nbf", &self.not_before)
            .field("iat", &self.issued_at)
            .field("jti", &self.jti)
            .field("token_type", &self.token_type)
            .field("context_id", &self.context_id)
            .field(
                "executor_public_key",
                &self
                    .executor_key_bytes()
                    .map(|k| ExecutorText(k).to_string()),
            )
            .field("permissions", &self.permissions)
            .field("sid", &self.session)
            .finish()
    }
}

fn invalid(e: serde_json::Error) -> Error {
    TokenError::InvalidClaims(clip(&e.to_string(), 160)).into()
}

fn no_executor() -> Error {
    TokenError::InvalidRequest("a wallet-account member's token has no executor key").into()
}

/// The `sub` of a token without `executor_public_key`: exactly the
/// canonical CAIP-10 text of an account.
fn account_subject(sub: &str) -> Result<AccountId> {
    let refuse = || {
        Error::from(TokenError::InvalidClaims(
            "a token without executor_public_key needs a canonical CAIP-10 sub".into(),
        ))
    };
    let account: AccountId = sub.parse().map_err(|_| refuse())?;
    if account.to_string() != sub {
        return Err(refuse());
    }
    Ok(account)
}

fn claim_error(claim: &str) -> Error {
    TokenError::InvalidClaims(format!("{claim} is not a valid base58 32-byte value")).into()
}

/// Base58 text of exactly 32 bytes.
///
/// For a fixed output length, base58 decoding is injective (each leading `1`
/// is one leading zero byte, and the remaining digits, which cannot start
/// with `1`, are a minimal big-endian number), so every accepted text is the
/// canonical encoding of its bytes without encoding them again. Decoding
/// works on 32-bit limbs (about 4× faster than the byte-wise `bs58`). The
/// unit tests and the claims fuzz target check it against the crate's
/// re-encoding decoder.
pub(crate) fn decode_b58_32(text: &str) -> Option<[u8; 32]> {
    let bytes = text.as_bytes();
    if bytes.is_empty() || bytes.len() > 44 {
        return None;
    }
    let zeros = bytes.iter().take_while(|&&c| c == b'1').count();
    // The number, as eight big-endian 32-bit limbs, fed five digits at a
    // time (58^5 < 2^32).
    let mut limbs = [0u32; 8];
    for chunk in bytes.get(zeros..)?.chunks(5) {
        let mut value = 0u64;
        let mut scale = 1u64;
        for &c in chunk {
            value = value * 58 + u64::from(b58_digit(c)?);
            scale *= 58;
        }
        let mut carry = value;
        for limb in limbs.iter_mut().rev() {
            let v = u64::from(*limb) * scale + carry;
            *limb = v as u32;
            carry = v >> 32;
        }
        if carry != 0 {
            return None;
        }
    }
    let mut out = [0u8; 32];
    for (chunk, limb) in out.chunks_exact_mut(4).zip(limbs) {
        chunk.copy_from_slice(&limb.to_be_bytes());
    }
    // The number's minimal length plus one zero byte per leading `1` must be
    // exactly 32 bytes.
    let number_len = 32 - out.iter().take_while(|&&b| b == 0).count();
    (zeros + number_len == 32).then_some(out)
}

const B58_ALPHABET: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// 58^5, the radix of the intermediate digits of [`Base58x32`].
const B58_RADIX: u64 = 58 * 58 * 58 * 58 * 58;

/// `B58_TABLE[i][j]`: digit `j` (most significant first, radix 58^5) of
/// 2^(32·(7−i)), the weight of the `i`-th big-endian 32-bit limb of a
/// 32-byte number. Evaluated at compile time: an out-of-range index here
/// fails the build, it cannot panic at run time.
#[allow(clippy::indexing_slicing)]
const B58_TABLE: [[u64; 9]; 8] = {
    let mut table = [[0u64; 9]; 8];
    let mut i = 0;
    while i < 8 {
        let mut limbs = [0u32; 8];
        limbs[i] = 1;
        let mut j = 9;
        while j > 0 {
            j -= 1;
            let mut rem = 0u64;
            let mut k = 0;
            while k < 8 {
                let cur = (rem << 32) | limbs[k] as u64;
                limbs[k] = (cur / B58_RADIX) as u32;
                rem = cur % B58_RADIX;
                k += 1;
            }
            table[i][j] = rem;
        }
        i += 1;
    }
    table
};

/// The base58 text of 32 bytes (the same text as `bs58`), on the stack: at
/// most 44 characters (58^44 > 2^256).
pub(crate) struct Base58x32 {
    text: [u8; 44],
    len: usize,
}

impl Base58x32 {
    /// Encodes without division of the big number: each 32-bit limb times
    /// its weight's radix-58^5 digits (a table made at compile time) is
    /// summed into nine 64-bit accumulators, carried once halfway (four
    /// products of < 2^61.3 each fit) and once at the end, and each
    /// accumulator is then split into five base58 digits.
    pub(crate) fn new(bytes: &[u8; 32]) -> Self {
        let mut limbs = [0u64; 8];
        for (limb, chunk) in limbs.iter_mut().zip(bytes.chunks_exact(4)) {
            let mut b = [0u8; 4];
            b.copy_from_slice(chunk);
            *limb = u64::from(u32::from_be_bytes(b));
        }
        let mut acc = [0u64; 9];
        let carry_all = |acc: &mut [u64; 9]| {
            let mut carry = 0;
            for a in acc.iter_mut().rev() {
                *a += carry;
                carry = *a / B58_RADIX;
                *a %= B58_RADIX;
            }
        };
        let (high, low) = B58_TABLE.split_at(4);
        let (high_limbs, low_limbs) = limbs.split_at(4);
        for (rows, limbs) in [(high, high_limbs), (low, low_limbs)] {
            for (row, &limb) in rows.iter().zip(limbs) {
                for (a, &t) in acc.iter_mut().zip(row) {
                    *a += limb * t;
                }
            }
            carry_all(&mut acc);
        }
        // Each accumulator (< 58^5 < 2^30) as five base58 characters.
        let mut digits = [b'1'; 45];
        for (chunk, &a) in digits.chunks_exact_mut(5).zip(&acc) {
            let mut v = a as u32;
            for d in chunk.iter_mut().rev() {
                *d = B58_ALPHABET.get((v % 58) as usize).copied().unwrap_or(b'1');
                v /= 58;
            }
        }
        // Leading zero digits go; each leading zero byte is one `1`.
        let lead = digits.iter().take_while(|&&d| d == b'1').count();
        let significant = digits.get(lead..).unwrap_or_default();
        let zeros = bytes.iter().take_while(|&&b| b == 0).count();
        let mut text = [b'1'; 44];
        let len = (zeros + significant.len()).min(text.len());
        if let Some(slot) = text.get_mut(zeros..len) {
            slot.copy_from_slice(significant.get(..len - zeros).unwrap_or_default());
        }
        Self { text, len }
    }

    /// The text's bytes (ASCII).
    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.text.get(..self.len).unwrap_or_default()
    }

    /// The text (the alphabet is ASCII, so it is always UTF-8).
    pub(crate) fn as_str(&self) -> &str {
        std::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }
}

/// Appends the base58 text of 32 bytes (the same text as `bs58`).
pub(crate) fn encode_b58_32(bytes: &[u8; 32], out: &mut String) {
    out.push_str(Base58x32::new(bytes).as_str());
}

/// The value of a base58 (Bitcoin alphabet) digit.
fn b58_digit(c: u8) -> Option<u8> {
    // Evaluated at compile time: an out-of-range index here fails the build,
    // it cannot panic at run time.
    #[allow(clippy::indexing_slicing)]
    const TABLE: [u8; 128] = {
        let alphabet = B58_ALPHABET;
        let mut table = [0xff; 128];
        let mut i = 0;
        while i < alphabet.len() {
            table[alphabet[i] as usize] = i as u8;
            i += 1;
        }
        table
    };
    TABLE.get(usize::from(c)).copied().filter(|&v| v != 0xff)
}

/// `ed25519:<base58>` of 32 key bytes, without decoding the point.
struct ExecutorText<'a>(&'a [u8; 32]);

impl fmt::Display for ExecutorText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&executor_text(self.0))
    }
}

/// `ed25519:<base58>` of 32 key bytes (the [`PublicKey`] text form).
pub(crate) fn executor_text(key: &[u8; 32]) -> String {
    let mut text = String::with_capacity(52);
    text.push_str("ed25519:");
    encode_b58_32(key, &mut text);
    text
}

/// Base58 of 32 bytes, for the context id.
#[cfg(test)]
struct B58Text<'a>(&'a [u8; 32]);

#[cfg(test)]
impl Serialize for B58Text<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut text = String::with_capacity(44);
        encode_b58_32(self.0, &mut text);
        s.serialize_str(&text)
    }
}

#[cfg(test)]
impl Serialize for ExecutorText<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
#[derive(Serialize)]
struct WireOut<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    exp: u64,
    nbf: u64,
    iat: u64,
    jti: &'a str,
    token_type: TokenType,
    context_id: B58Text<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    executor_public_key: Option<&'a ExecutorText<'a>>,
    permissions: &'a Permissions,
    #[serde(skip_serializing_if = "Option::is_none")]
    sid: Option<&'a FamilyId>,
}

/// The claims as read. serde's derived visitor refuses duplicated claims
/// ("duplicate field") and, with `deny_unknown_fields`, unknown ones; `u64`
/// refuses strings, floats, negatives and `null`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireIn<'a> {
    #[serde(borrow)]
    iss: Cow<'a, str>,
    #[serde(borrow)]
    sub: Cow<'a, str>,
    #[serde(borrow)]
    aud: Cow<'a, str>,
    exp: u64,
    nbf: u64,
    iat: u64,
    #[serde(borrow)]
    jti: Cow<'a, str>,
    token_type: TokenType,
    #[serde(borrow)]
    context_id: Cow<'a, str>,
    /// Optional, but never `null`: present, it must be a key text.
    #[serde(default, deserialize_with = "present")]
    executor_public_key: Option<ExecutorIn>,
    permissions: Permissions,
    #[serde(default)]
    sid: Option<FamilyId>,
}

/// `executor_public_key` as read: `ed25519:<base58>` of 32 bytes, decoded
/// without allocating (the text may be borrowed or unescaped).
struct ExecutorIn([u8; 32]);

impl<'de> Deserialize<'de> for ExecutorIn {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = ExecutorIn;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an ed25519:<base58> key text")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<ExecutorIn, E> {
                text.strip_prefix("ed25519:")
                    .and_then(decode_b58_32)
                    .map(ExecutorIn)
                    .ok_or_else(|| {
                        E::custom("executor_public_key is not a valid base58 32-byte value")
                    })
            }
        }
        d.deserialize_str(Visitor)
    }
}

/// A claim that may be absent but, present, is never `null`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<ExecutorIn>, D::Error> {
    ExecutorIn::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::{base58_decode_array, base58_encode};

    fn sample() -> TokenClaims {
        TokenClaims {
            issuer: "iss".into(),
            subject: "sub".into(),
            audience: "aud".into(),
            expires_at: 200,
            not_before: 100,
            issued_at: 100,
            jti: "j".into(),
            token_type: TokenType::Access,
            context_id: ContextId::from_bytes([5; 32]),
            member: TokenMember::Key(*crate::RootKey::from_bytes(&[1; 32]).public_key().as_bytes()),
            permissions: Permissions::parse(["a", "b:c"]).unwrap(),
            session: None,
        }
    }

    #[test]
    fn round_trip() {
        let c = sample();
        let json = c.to_json();
        assert_eq!(TokenClaims::from_json(&json).unwrap(), c);
        let text = String::from_utf8(json).unwrap();
        assert!(text.starts_with(r#"{"iss":"iss","sub":"sub","aud":"aud","exp":200,"#));
    }

    fn mutate(f: impl FnOnce(&mut serde_json::Map<String, serde_json::Value>)) -> Vec<u8> {
        let mut v: serde_json::Value = serde_json::from_slice(&sample().to_json()).unwrap();
        f(v.as_object_mut().unwrap());
        serde_json::to_vec(&v).unwrap()
    }

    #[test]
    fn wrong_types_and_missing_claims_are_errors() {
        use serde_json::json;
        let cases = [
            mutate(|m| {
                m.insert("exp".into(), json!("9999999999"));
            }),
            mutate(|m| {
                m.insert("exp".into(), json!(1.5));
            }),
            mutate(|m| {
                m.insert("exp".into(), json!(-1));
            }),
            mutate(|m| {
                m.insert("exp".into(), json!(null));
            }),
            mutate(|m| {
                m.insert("nbf".into(), json!("0"));
            }),
            mutate(|m| {
                m.insert("iat".into(), json!(true));
            }),
            mutate(|m| {
                m.insert("aud".into(), json!(["aud"]));
            }),
            mutate(|m| {
                m.insert("iss".into(), json!(1));
            }),
            mutate(|m| {
                m.insert("token_type".into(), json!("Access"));
            }),
            mutate(|m| {
                m.insert("permissions".into(), json!("a"));
            }),
            mutate(|m| {
                m.insert("permissions".into(), json!([]));
            }),
            mutate(|m| {
                m.insert("permissions".into(), json!(["b:c", "a"]));
            }),
            mutate(|m| {
                m.insert("context_id".into(), json!("0OIl"));
            }),
            mutate(|m| {
                m.insert("executor_public_key".into(), json!("did:key:z6Mk"));
            }),
            mutate(|m| {
                m.insert("extra".into(), json!(1));
            }),
            mutate(|m| {
                m.remove("exp");
            }),
            mutate(|m| {
                m.remove("nbf");
            }),
            mutate(|m| {
                m.remove("iat");
            }),
            mutate(|m| {
                m.remove("iss");
            }),
            mutate(|m| {
                m.remove("aud");
            }),
            mutate(|m| {
                m.remove("token_type");
            }),
            b"[]".to_vec(),
            b"null".to_vec(),
        ];
        for case in cases {
            assert!(
                TokenClaims::from_json(&case).is_err(),
                "{} accepted",
                String::from_utf8_lossy(&case)
            );
        }
        let exp_string = mutate(|m| {
            m.insert("exp".into(), json!("9999999999"));
        });
        assert!(matches!(
            TokenClaims::from_json(&exp_string),
            Err(Error::Token(TokenError::InvalidClaims(m))) if m.contains("invalid type")
        ));
    }

    #[test]
    fn account_claims_have_no_executor_and_a_canonical_sub() {
        let account: AccountId = "eip155:1:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"
            .parse()
            .unwrap();
        let mut c = sample();
        c.subject = account.to_string();
        c.member = TokenMember::Account(account.clone());
        let json = c.to_json();
        let text = String::from_utf8(json.clone()).unwrap();
        assert!(!text.contains("executor_public_key"), "{text}");
        let back = TokenClaims::from_json(&json).unwrap();
        assert_eq!(back, c);
        assert_eq!(back.account(), Some(&account));
        assert!(back.executor_key_bytes().is_none());
        assert!(matches!(
            back.executor_public_key(),
            Err(Error::Token(TokenError::InvalidRequest(_)))
        ));
        // Without an executor key, `sub` must be canonical CAIP-10.
        for sub in [
            "sub",
            "eip155:1:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
            "eip155:01:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "",
        ] {
            let bad = text.replace(&account.to_string(), sub);
            assert!(
                matches!(
                    TokenClaims::from_json(bad.as_bytes()),
                    Err(Error::Token(TokenError::InvalidClaims(_)))
                ),
                "{bad}"
            );
        }
        // `executor_public_key` is never null.
        let null = mutate(|m| {
            m.insert("executor_public_key".into(), serde_json::Value::Null);
        });
        assert!(TokenClaims::from_json(&null).is_err());
        // A key token without its executor key and a free-text sub.
        let missing = mutate(|m| {
            m.remove("executor_public_key");
        });
        assert!(TokenClaims::from_json(&missing).is_err());
    }

    #[test]
    fn duplicate_claims_are_refused() {
        let json = String::from_utf8(sample().to_json()).unwrap();
        for (claim, value) in [
            ("exp", "99999999999"),
            ("permissions", r#"["admin"]"#),
            ("aud", r#""other""#),
            ("sub", r#""sub""#),
        ] {
            let dup = json.replacen('{', &format!(r#"{{"{claim}":{value},"#), 1);
            let err = TokenClaims::from_json(dup.as_bytes()).unwrap_err();
            assert!(
                matches!(&err, Error::Token(TokenError::InvalidClaims(m)) if m.contains("duplicate field")),
                "{claim}: {err}"
            );
        }
    }

    #[test]
    fn fast_base58_encoder_agrees_with_bs58() {
        let mut x: u64 = 0x1234_5678_9abc_def1;
        for i in 0..5000u32 {
            let mut bytes = [0u8; 32];
            for b in bytes.iter_mut() {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                *b = x as u8;
            }
            let zeros = (i % 40) as usize;
            bytes[..zeros.min(32)].fill(0);
            if i % 7 == 0 {
                bytes[31] = 0;
            }
            let mut fast = String::new();
            encode_b58_32(&bytes, &mut fast);
            assert_eq!(fast, base58_encode(&bytes), "{bytes:02x?}");
            assert_eq!(decode_b58_32(&fast), Some(bytes));
        }
    }

    #[test]
    fn fast_base58_agrees_with_the_canonical_decoder() {
        let mut inputs: Vec<String> = vec![
            String::new(),
            "1".into(),
            "1".repeat(32),
            "1".repeat(33),
            "z".repeat(44),
            "z".repeat(45),
            "0OIl".into(),
            base58_encode(&[0; 32]),
            base58_encode(&[0xff; 32]),
            base58_encode(&[0xff; 33]),
            base58_encode(&[1; 31]),
        ];
        for seed in 0u8..=255 {
            let mut bytes = [seed; 32];
            bytes[..usize::from(seed % 32)].fill(0);
            let text = base58_encode(&bytes);
            inputs.push(text.clone());
            inputs.push(format!("1{text}"));
            inputs.push(text[1..].to_string());
        }
        let alphabet = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0OIl+";
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = 40 + (x % 6) as usize;
            let ones = ((x >> 8) % 4) as usize;
            let text: String = (0..len)
                .map(|i| {
                    if i < ones {
                        '1'
                    } else {
                        let r = (x.rotate_left(i as u32 * 7) >> 3) as usize;
                        char::from(alphabet[r % if x.is_multiple_of(17) { 62 } else { 58 }])
                    }
                })
                .collect();
            inputs.push(text);
        }
        let mut accepted = 0;
        for text in inputs {
            accepted += usize::from(decode_b58_32(&text).is_some());
            assert_eq!(
                decode_b58_32(&text),
                base58_decode_array::<32>(&text, "t").ok(),
                "{text:?}"
            );
        }
        assert!(accepted > 1000, "only {accepted} accepted");
    }
}
