//! API keys: opaque, long-lived credentials a member creates for its
//! scripts and services, validated into the same [`ValidatedToken`] an
//! access token gives, and checked live against the context.

use std::fmt;
use std::future::Future;
use std::str::FromStr;
use std::sync::Arc;

use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::claims::{TokenClaims, TokenMember, TokenType};
use super::helpers::unix_now;
use super::refresh::{ACCOUNT_RECORD_VERSION, record_member};
use super::validator::{ValidatedToken, bind};
use crate::encoding::{
    CanonicalWriter, base64url_decode, base64url_encode, hex_decode, hex_encode,
};
use crate::error::{DecodeReason, Error, Result, TokenError};
use crate::id::ContextId;
use crate::member_id::MemberId;
use crate::permission::Permissions;
use crate::public_key::PublicKey;
use crate::revocation::RevocationView;
use crate::wallet::AccountId;

/// The text every API key starts with.
pub const API_KEY_PREFIX: &str = "kt_";
/// The longest API key lifetime accepted, in seconds (two years).
pub const MAX_API_KEY_TTL: u64 = 2 * 366 * 24 * 3600;
/// The longest API key name accepted, in bytes.
pub const MAX_API_KEY_NAME: usize = 128;

/// The BLAKE3 key-derivation context of the hashing key.
const HASH_KEY_CONTEXT: &str = "keytree/v1 api-key hash key";
/// The domain tag of the hashed bytes.
const HASH_DOMAIN: &str = "keytree/v1/api-key";
const ID_LEN: usize = 12;
const SECRET_TEXT_LEN: usize = 43;
/// `kt_` + 24 hex + `_` + 43 base64url.
const KEY_TEXT_LEN: usize = 3 + 2 * ID_LEN + 1 + SECRET_TEXT_LEN;

/// The public id of an API key: 12 random bytes, written as 24 lowercase
/// hex digits. It is the visible part of the key (`kt_<id>_…`), safe to
/// show in lists and logs.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ApiKeyId([u8; ID_LEN]);

impl ApiKeyId {
    /// The 12 bytes.
    pub fn as_bytes(&self) -> &[u8; ID_LEN] {
        &self.0
    }
}

impl fmt::Display for ApiKeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex_encode(&self.0))
    }
}

impl fmt::Debug for ApiKeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKeyId({self})")
    }
}

impl FromStr for ApiKeyId {
    type Err = Error;
    /// Parses 24 lowercase hex digits.
    fn from_str(s: &str) -> Result<Self> {
        if s.len() != 2 * ID_LEN || s.bytes().any(|c| c.is_ascii_uppercase()) {
            return Err(Error::decode(
                "api key id",
                DecodeReason::NonCanonical("24 lowercase hex digits"),
            ));
        }
        let bytes = hex_decode(s, "api key id")?;
        <[u8; ID_LEN]>::try_from(bytes.as_slice())
            .map(Self)
            .map_err(|_| {
                Error::decode(
                    "api key id",
                    DecodeReason::Length {
                        expected: ID_LEN,
                        got: bytes.len(),
                    },
                )
            })
    }
}

impl Serialize for ApiKeyId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ApiKeyId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// An API key as its owner receives it, once: `kt_<24 hex id>_<43
/// base64url secret>` (71 characters; a 96-bit public id and a 256-bit
/// secret). The store keeps only its keyed hash ([`ApiKeyRecord`]).
///
/// Secret: wiped on drop, not `Clone`, and `Debug` shows only the id.
pub struct ApiKey {
    id: ApiKeyId,
    secret: [u8; 32],
    text: Zeroizing<String>,
}

impl ApiKey {
    /// A fresh random key.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut id = [0u8; ID_LEN];
        rng.fill_bytes(&mut id);
        let mut secret = [0u8; 32];
        rng.fill_bytes(&mut secret);
        Self::from_parts(ApiKeyId(id), secret)
    }

    fn from_parts(id: ApiKeyId, secret: [u8; 32]) -> Self {
        let mut text = Zeroizing::new(String::with_capacity(KEY_TEXT_LEN));
        text.push_str(API_KEY_PREFIX);
        text.push_str(&hex_encode(&id.0));
        text.push('_');
        text.push_str(&Zeroizing::new(base64url_encode(&secret)));
        Self { id, secret, text }
    }

    /// The public id.
    pub fn id(&self) -> &ApiKeyId {
        &self.id
    }

    /// The key's text, to give to its owner.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether `text` has the form of an API key (its prefix), so a server
    /// can tell it from an access token in `Authorization: Bearer`.
    pub fn looks_like(text: &str) -> bool {
        text.starts_with(API_KEY_PREFIX)
    }
}

impl FromStr for ApiKey {
    type Err = Error;

    /// Parses the text form exactly.
    fn from_str(s: &str) -> Result<Self> {
        const WHAT: &str = "api key";
        if s.len() != KEY_TEXT_LEN {
            return Err(Error::decode(
                WHAT,
                DecodeReason::Length {
                    expected: KEY_TEXT_LEN,
                    got: s.len(),
                },
            ));
        }
        let rest = s.strip_prefix(API_KEY_PREFIX).ok_or(Error::decode(
            WHAT,
            DecodeReason::Prefix {
                expected: API_KEY_PREFIX,
            },
        ))?;
        let (id, secret) = match (rest.get(..2 * ID_LEN), rest.get(2 * ID_LEN..)) {
            (Some(id), Some(tail)) => match tail.strip_prefix('_') {
                Some(secret) => (id, secret),
                None => return Err(Error::malformed(WHAT, "expected kt_<id>_<secret>")),
            },
            _ => return Err(Error::malformed(WHAT, "expected kt_<id>_<secret>")),
        };
        let id: ApiKeyId = id.parse()?;
        let bytes = Zeroizing::new(base64url_decode(secret, WHAT)?);
        let secret = <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| {
            Error::decode(
                WHAT,
                DecodeReason::Length {
                    expected: 32,
                    got: bytes.len(),
                },
            )
        })?;
        let key = Self::from_parts(id, secret);
        if key.text.as_str() != s {
            return Err(Error::decode(
                WHAT,
                DecodeReason::NonCanonical("api key text"),
            ));
        }
        Ok(key)
    }
}

impl Drop for ApiKey {
    fn drop(&mut self) {
        self.secret.zeroize();
    }
}

impl ZeroizeOnDrop for ApiKey {}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// What a store keeps of an API key: its id, owner, scope and the keyed
/// hash of its secret (never the secret). Serializable, so a store backend
/// can keep it as JSON, in one of two versions (any other is refused, so a
/// store written by a newer keytree fails closed): a key member's record
/// (version 1, no `v` member) `{"id","name","context_id","owner",
/// "subject","audience","permissions","created_at","expires_at","hash"}`
/// with `owner` the member key's text, and a wallet-account member's
/// record `{"v":2,"id","name","context_id","account",…}` with `account`
/// (in place of `owner`) the member's primary account in canonical
/// CAIP-10 text.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ApiKeyWire", into = "ApiKeyWire")]
pub struct ApiKeyRecord {
    id: ApiKeyId,
    name: String,
    context_id: ContextId,
    owner: MemberId,
    subject: String,
    audience: String,
    permissions: Permissions,
    created_at: u64,
    expires_at: u64,
    #[serde(with = "hash_hex")]
    hash: [u8; 32],
}

/// The record's JSON: `v` absent for a key member (version 1), `2` for a
/// wallet-account member.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ApiKeyWire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    v: Option<u32>,
    id: ApiKeyId,
    name: String,
    context_id: ContextId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    owner: Option<PublicKey>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    account: Option<AccountId>,
    subject: String,
    audience: String,
    permissions: Permissions,
    created_at: u64,
    expires_at: u64,
    #[serde(with = "hash_hex")]
    hash: [u8; 32],
}

impl TryFrom<ApiKeyWire> for ApiKeyRecord {
    type Error = String;
    fn try_from(w: ApiKeyWire) -> std::result::Result<Self, String> {
        Ok(Self {
            owner: record_member("api key record", w.v, w.owner, w.account)?,
            id: w.id,
            name: w.name,
            context_id: w.context_id,
            subject: w.subject,
            audience: w.audience,
            permissions: w.permissions,
            created_at: w.created_at,
            expires_at: w.expires_at,
            hash: w.hash,
        })
    }
}

impl From<ApiKeyRecord> for ApiKeyWire {
    fn from(r: ApiKeyRecord) -> Self {
        let (v, owner, account) = match r.owner {
            MemberId::Key(key) => (None, Some(key), None),
            MemberId::Account(account) => (Some(ACCOUNT_RECORD_VERSION), None, Some(account)),
        };
        Self {
            v,
            id: r.id,
            name: r.name,
            context_id: r.context_id,
            owner,
            account,
            subject: r.subject,
            audience: r.audience,
            permissions: r.permissions,
            created_at: r.created_at,
            expires_at: r.expires_at,
            hash: r.hash,
        }
    }
}

mod hash_hex {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(h: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::encoding::hex_encode(h))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let text = String::deserialize(d)?;
        let bytes =
            crate::encoding::hex_decode(&text, "api key hash").map_err(serde::de::Error::custom)?;
        <[u8; 32]>::try_from(bytes.as_slice())
            .map_err(|_| serde::de::Error::custom("api key hash must be 32 bytes"))
    }
}

impl fmt::Debug for ApiKeyRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiKeyRecord")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("context_id", &self.context_id)
            .field("owner", &self.owner)
            .field("permissions", &self.permissions)
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl ApiKeyRecord {
    /// The key's public id.
    pub fn id(&self) -> &ApiKeyId {
        &self.id
    }
    /// The name its owner gave it.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The context it is scoped to.
    pub fn context_id(&self) -> &ContextId {
        &self.context_id
    }
    /// The member that owns it (and that it acts as): a key, or a
    /// wallet-account member by its primary account.
    pub fn owner(&self) -> &MemberId {
        &self.owner
    }
    /// The `sub` of its validated principal.
    pub fn subject(&self) -> &str {
        &self.subject
    }
    /// The `aud` of its validated principal.
    pub fn audience(&self) -> &str {
        &self.audience
    }
    /// The permissions it grants (never more than its owner holds, live).
    pub fn permissions(&self) -> &Permissions {
        &self.permissions
    }
    /// When it was created (unix seconds).
    pub fn created_at(&self) -> u64 {
        self.created_at
    }
    /// When it expires (unix seconds).
    pub fn expires_at(&self) -> u64 {
        self.expires_at
    }
}

/// Where API key records live: by id, listable by owner, shared by every
/// instance of a cluster.
///
/// The contract (each method one atomic step):
///
/// - [`insert`](Self::insert) stores a record, kept at least until its
///   `expires_at` (counted from `now` as a relative lifetime); an id
///   already stored is refused ([`TokenError::InvalidRequest`]).
/// - [`get`](Self::get) returns the record of a live (stored, unrevoked)
///   key, or `None`.
/// - [`list`](Self::list) returns the live records of an owner in a
///   context.
/// - [`remove`](Self::remove) deletes a record (revocation) and says
///   whether it was there.
///
/// A store that fails answers [`Error::StoreUnavailable`]: the key is then
/// refused, never accepted. Implemented for `&T`, `Box<T>` and `Arc<T>`.
pub trait ApiKeyStore: Send + Sync {
    /// Stores a new record.
    ///
    /// # Errors
    /// [`TokenError::InvalidRequest`] for an id already stored;
    /// [`Error::StoreUnavailable`].
    fn insert(&self, record: ApiKeyRecord, now: u64) -> impl Future<Output = Result<()>> + Send;

    /// The record of a live key.
    ///
    /// # Errors
    /// [`Error::StoreUnavailable`].
    fn get(&self, id: &ApiKeyId) -> impl Future<Output = Result<Option<ApiKeyRecord>>> + Send;

    /// The live records of `owner` in `context`.
    ///
    /// # Errors
    /// [`Error::StoreUnavailable`].
    fn list(
        &self,
        context: &ContextId,
        owner: &MemberId,
    ) -> impl Future<Output = Result<Vec<ApiKeyRecord>>> + Send;

    /// Deletes a record; whether it was there.
    ///
    /// # Errors
    /// [`Error::StoreUnavailable`].
    fn remove(&self, id: &ApiKeyId) -> impl Future<Output = Result<bool>> + Send;
}

macro_rules! forward_api_key_store {
    ($($ty:ty),*) => {$(
        impl<T: ApiKeyStore + ?Sized> ApiKeyStore for $ty {
            fn insert(&self, record: ApiKeyRecord, now: u64) -> impl Future<Output = Result<()>> + Send {
                (**self).insert(record, now)
            }
            fn get(&self, id: &ApiKeyId) -> impl Future<Output = Result<Option<ApiKeyRecord>>> + Send {
                (**self).get(id)
            }
            fn list(
                &self,
                context: &ContextId,
                owner: &MemberId,
            ) -> impl Future<Output = Result<Vec<ApiKeyRecord>>> + Send {
                (**self).list(context, owner)
            }
            fn remove(&self, id: &ApiKeyId) -> impl Future<Output = Result<bool>> + Send {
                (**self).remove(id)
            }
        }
    )*};
}

forward_api_key_store!(&T, Box<T>, Arc<T>);

/// What a member asks for when it creates an API key: a name, optionally
/// fewer permissions than its token carries, and a lifetime.
#[derive(Clone, Debug)]
#[must_use]
pub struct ApiKeyRequest {
    name: String,
    permissions: Option<Permissions>,
    ttl: u64,
}

impl ApiKeyRequest {
    /// A key named `name`, valid for `ttl` seconds, with every permission
    /// of the creating token.
    pub fn new(name: impl Into<String>, ttl: u64) -> Self {
        Self {
            name: name.into(),
            permissions: None,
            ttl,
        }
    }

    /// Only these permissions (a subset of the creating token's).
    pub fn permissions(mut self, permissions: Permissions) -> Self {
        self.permissions = Some(permissions);
        self
    }
}

/// Creates, validates, lists and revokes API keys, with the fleet's
/// hashing secret. Every instance of a cluster holds the same secret.
///
/// - A key is created by a member through its validated access token
///   ([`create`](Self::create)): it is scoped to the token's context,
///   acts as the token's member (its owner: the executor key, or a
///   wallet-account member's primary account), and grants at most the
///   token's permissions, until its expiry.
/// - [`validate_for`](Self::validate_for) parses the key, looks its record
///   up by id, compares the keyed hash of the secret in constant time
///   (an unknown id costs the same hash), checks the expiry, and then
///   binds it to the live context exactly as
///   [`TokenValidator::validate_for`](crate::TokenValidator::validate_for)
///   binds a token: a revoked or lapsed owner, or a permission it no
///   longer holds, refuses the key at once. The result is a
///   [`ValidatedToken`] whose `jti` is the key's id and whose `iss` is this
///   issuer's name.
/// - Unknown ids, wrong secrets, revoked keys and malformed key text are
///   one detail-free [`TokenError::ApiKeyInvalid`].
///
/// # Example
/// ```
/// # fn ready<F: std::future::Future>(f: F) -> F::Output {
/// #     let mut f = std::pin::pin!(f);
/// #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// #     match f.as_mut().poll(&mut cx) { std::task::Poll::Ready(v) => v, _ => unreachable!() }
/// # }
/// use keytree::*;
/// let now = 1_700_000_000;
/// let root = RootKey::from_bytes(&[1; 32]);
/// let id = ContextId::from_bytes([2; 32]);
/// let mut ctx = Context::builder(id).create(&root, now)?;
/// let client = root.derive_client_key(&id, 0);
/// let grant = Delegation::builder(client.public_key(), id, Permissions::parse(["blob"])?)
///     .valid_for(now, 86_400)
///     .sign_as_root(&root)?;
/// ctx.apply(ctx.propose(OpKind::AddMember { chain: vec![grant] }, now).sign(&root))?;
/// let tokens = TokenIssuer::new("https://auth.example", TokenSigningKey::from_bytes(&[3; 32]));
/// let token = tokens.mint(&ctx, &TokenRequest::new(client.public_key(), "api"), now)?;
/// let owner = tokens.validator("api", now).build()?.validate_for(&ctx, &token, now)?;
///
/// let keys = ApiKeyIssuer::new("https://auth.example", &[9; 32]); // the fleet's secret
/// let store = MemoryApiKeyStore::new();
/// let (key, record) = ready(keys.create(&owner, &ApiKeyRequest::new("ci", 3600), &store, now))?;
/// let who = ready(keys.validate_for(&ctx, key.as_str(), &store, now + 1))?;
/// assert_eq!(who.claims().jti(), record.id().to_string());
/// assert!(ready(keys.revoke(&owner, record.id(), &store))?);
/// assert!(ready(keys.validate_for(&ctx, key.as_str(), &store, now + 2)).is_err());
/// Ok::<(), keytree::Error>(())
/// ```
pub struct ApiKeyIssuer {
    issuer: String,
    hash_key: [u8; 32],
}

impl fmt::Debug for ApiKeyIssuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiKeyIssuer")
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

impl Drop for ApiKeyIssuer {
    fn drop(&mut self) {
        self.hash_key.zeroize();
    }
}

impl ZeroizeOnDrop for ApiKeyIssuer {}

impl ApiKeyIssuer {
    /// An issuer named `issuer` (the `iss` of the principals it validates)
    /// hashing secrets under a key derived from `secret` (32 bytes from the
    /// fleet's configuration; not the token signing key).
    pub fn new(issuer: impl Into<String>, secret: &[u8; 32]) -> Self {
        Self {
            issuer: issuer.into(),
            hash_key: blake3::derive_key(HASH_KEY_CONTEXT, secret),
        }
    }

    fn hash(&self, id: &ApiKeyId, secret: &[u8; 32]) -> [u8; 32] {
        let mut w = CanonicalWriter::new(HASH_DOMAIN);
        w.bytes(&id.0).bytes(secret);
        let mut bytes = Zeroizing::new(w.finish());
        let out = *blake3::keyed_hash(&self.hash_key, &bytes).as_bytes();
        bytes.zeroize();
        out
    }

    /// Creates a key for the owner of `token` (its member, in its
    /// context) and stores its record; returns the key (show it once) and
    /// the record.
    ///
    /// # Errors
    /// [`TokenError::InvalidRequest`] for an empty or too long name, a zero
    /// or too long lifetime, or no permissions;
    /// [`crate::PermissionError::NotCovered`] for a permission the token
    /// does not carry; [`Error::TimestampOutOfRange`]; the store's errors.
    pub async fn create<S: ApiKeyStore + ?Sized>(
        &self,
        token: &ValidatedToken,
        request: &ApiKeyRequest,
        store: &S,
        now: u64,
    ) -> Result<(ApiKey, ApiKeyRecord)> {
        if request.name.is_empty() || request.name.len() > MAX_API_KEY_NAME {
            return Err(TokenError::InvalidRequest("api key name must be 1 to 128 bytes").into());
        }
        if request.ttl == 0 || request.ttl > MAX_API_KEY_TTL {
            return Err(TokenError::InvalidRequest("api key ttl must be 1 s to 2 years").into());
        }
        let claims = token.claims();
        let permissions = match &request.permissions {
            Some(wanted) => {
                wanted.require_subset_of(claims.permissions())?;
                wanted.clone()
            }
            None => claims.permissions().clone(),
        };
        if permissions.is_empty() {
            return Err(TokenError::InvalidRequest("an api key needs a permission").into());
        }
        let expires_at = now.saturating_add(request.ttl);
        crate::encoding::check_timestamp("api key expiry", expires_at)?;
        let key = ApiKey::generate(&mut rand::rng());
        let record = ApiKeyRecord {
            id: key.id,
            name: request.name.clone(),
            context_id: *claims.context_id(),
            owner: token.member()?,
            subject: claims.subject().to_owned(),
            audience: claims.audience().to_owned(),
            permissions,
            created_at: now,
            expires_at,
            hash: self.hash(&key.id, &key.secret),
        };
        store.insert(record.clone(), now).await?;
        Ok((key, record))
    }

    /// [`create`](Self::create) at the system clock's time.
    ///
    /// # Errors
    /// As [`create`](Self::create).
    pub async fn create_now<S: ApiKeyStore + ?Sized>(
        &self,
        token: &ValidatedToken,
        request: &ApiKeyRequest,
        store: &S,
    ) -> Result<(ApiKey, ApiKeyRecord)> {
        self.create(token, request, store, unix_now()).await
    }

    /// Validates an API key at `now` and binds it to the live context
    /// `view` (see the type docs).
    ///
    /// # Errors
    /// [`TokenError::ApiKeyInvalid`]; [`TokenError::Expired`]; the binding
    /// refusals of
    /// [`TokenValidator::validate_for`](crate::TokenValidator::validate_for)
    /// ([`TokenError::WrongContext`], [`TokenError::ExecutorRevoked`],
    /// [`TokenError::ExecutorOutsideWindow`],
    /// [`TokenError::PermissionRevoked`]); [`Error::StoreUnavailable`].
    pub async fn validate_for<V, S>(
        &self,
        view: &V,
        key: &str,
        store: &S,
        now: u64,
    ) -> Result<ValidatedToken>
    where
        V: RevocationView + ?Sized,
        S: ApiKeyStore + ?Sized,
    {
        let invalid = || Error::from(TokenError::ApiKeyInvalid);
        let key: ApiKey = key.parse().map_err(|_| invalid())?;
        let record = store.get(&key.id).await?;
        let presented = self.hash(&key.id, &key.secret);
        // The same comparison whether or not the id is known.
        let stored = record.as_ref().map_or([0u8; 32], |r| r.hash);
        let matches = bool::from(presented.ct_eq(&stored)) && record.is_some();
        let record = match record {
            Some(r) if matches && r.id == key.id => r,
            _ => return Err(invalid()),
        };
        if now >= record.expires_at {
            return Err(TokenError::Expired {
                exp: record.expires_at,
                now,
            }
            .into());
        }
        let claims = TokenClaims {
            issuer: self.issuer.clone(),
            subject: record.subject,
            audience: record.audience,
            expires_at: record.expires_at,
            not_before: record.created_at,
            issued_at: record.created_at,
            jti: record.id.to_string(),
            token_type: TokenType::Access,
            context_id: record.context_id,
            member: match record.owner {
                MemberId::Key(key) => TokenMember::Key(key.to_bytes()),
                MemberId::Account(account) => TokenMember::Account(account),
            },
            permissions: record.permissions,
            session: None,
        };
        bind(view, std::sync::Arc::new(claims), now)
    }

    /// [`validate_for`](Self::validate_for) at the system clock's time.
    ///
    /// # Errors
    /// As [`validate_for`](Self::validate_for).
    pub async fn validate_for_now<V, S>(
        &self,
        view: &V,
        key: &str,
        store: &S,
    ) -> Result<ValidatedToken>
    where
        V: RevocationView + ?Sized,
        S: ApiKeyStore + ?Sized,
    {
        self.validate_for(view, key, store, unix_now()).await
    }

    /// The live keys of the owner of `token` in its context.
    ///
    /// # Errors
    /// [`Error::StoreUnavailable`].
    pub async fn list<S: ApiKeyStore + ?Sized>(
        &self,
        token: &ValidatedToken,
        store: &S,
    ) -> Result<Vec<ApiKeyRecord>> {
        let owner = token.member()?;
        let mut keys = store.list(token.claims().context_id(), &owner).await?;
        keys.sort_by_key(|r| (r.created_at, r.id));
        Ok(keys)
    }

    /// Revokes key `id` if the owner of `token` owns it (in its context);
    /// whether a key was revoked. Another member's key is left alone and
    /// answered `false`, as an unknown one is.
    ///
    /// # Errors
    /// [`Error::StoreUnavailable`].
    pub async fn revoke<S: ApiKeyStore + ?Sized>(
        &self,
        token: &ValidatedToken,
        id: &ApiKeyId,
        store: &S,
    ) -> Result<bool> {
        let owner = token.member()?;
        match store.get(id).await? {
            Some(r) if r.owner == owner && r.context_id == *token.claims().context_id() => {
                store.remove(id).await
            }
            _ => Ok(false),
        }
    }
}
