//! Token validation: single, context-bound, and batched.

use std::fmt;
use std::sync::Arc;

use ed25519_dalek::{Signature as DalekSignature, VerifyingKey};

use super::cache::TokenCache;
use super::claims::{TokenClaims, TokenMember, TokenType};
use super::defaults::{DEFAULT_LEEWAY, DEFAULT_MAX_TOKEN_LEN};
use super::helpers::{clip, unix_now};
use super::jwks::{Jwk, Jwks};
use super::jws::{self, Parts};
use crate::encoding::check_timestamp;
use crate::error::{Error, KeyError, Result, TokenError};
use crate::member_id::MemberId;
use crate::permission::Permission;
use crate::public_key::{PublicKey, nonce_point_acceptable};
use crate::revocation::RevocationView;
use crate::wallet::AccountId;

/// The largest size limit a validator may be configured with.
const MAX_TOKEN_LEN_LIMIT: usize = 64 * 1024;

/// A token that passed every check before the signature.
struct Pending<'t, 'k> {
    parts: Parts<'t>,
    key: &'k VerifyingKey,
    signature: [u8; 64],
}

/// One issuer key, decoded once at build time.
struct ValidatorKey {
    kid: String,
    key: VerifyingKey,
    /// The encoded header keytree's issuer writes for this key.
    header_b64: String,
}

/// Validates context tokens from one issuer for one audience.
///
/// Built from public keys or a JWKS with [`TokenValidator::builder`]; every
/// key is checked once there (valid, not weak, no small-order component), so
/// that the hot path is one strict signature check and a small JSON parse.
/// The token format is described on [`TokenIssuer`](crate::TokenIssuer).
///
/// # Validation is fail-closed
///
/// [`TokenValidator`] works in a fixed order, and stops at the first refusal:
///
/// 1. size: longer than the limit (8 KiB by default) is refused unread;
/// 2. shape: exactly three base64url parts (unpadded, canonical);
/// 3. header, before any crypto: a JSON object with exactly the members
///    `alg`, `typ` and `kid`, each a string, none duplicated; `alg` must be
///    exactly `EdDSA` (so `none`, `HS256`, `RS256`, `ES256`, `eddsa`, … are
///    refused), `typ` exactly `at+jwt`, and `kid` a key the validator holds;
/// 4. the signature, with `verify_strict`;
/// 5. claims: a JSON object with exactly the claims above, none duplicated,
///    each of its JSON type (`"exp":"9999999999"` is an error, never
///    "absent"); `token_type` must be `access`; `iss` and `aud` must match;
///    `exp`, `nbf` and `iat` are checked against the caller's `now` with a
///    leeway (60 s by default);
/// 6. with [`TokenValidator::validate_for`], the live context: the token's
///    context must be the view's, its executor key must not be revoked, its
///    delegation chain window must cover `now` (no leeway: a lapsed
///    delegation refuses the token even when its `exp` is later), and every
///    permission in the token must still be held, so that a revocation, an
///    expiry or a narrowing takes effect at once, not when the token expires.
///    A wallet-account member's token (no `executor_public_key`, `sub` its
///    CAIP-10 account) is checked the same way through
///    [`RevocationView::account_window`] and
///    [`RevocationView::account_permissions_cover`].
///
/// `executor_public_key` is optional: a token without it is a
/// wallet-account member's, and its `sub` must parse as a canonical
/// CAIP-10 account (else [`TokenError::InvalidClaims`]); present, it must
/// be a key text (never `null`).
///
/// Unknown header members and unknown claims are refused: keytree validates
/// only the tokens it mints.
///
/// # Batch validation
///
/// [`TokenValidator::validate_batch`] screens weak and non-canonical
/// signature points, checks all signatures with one Ed25519 batch
/// verification, and falls back to single verification when the batch fails,
/// to say which tokens were bad. For every signature made without an issuer's
/// secret key the results equal validating each token alone. (The holder of
/// an issuer key could craft a signature whose nonce point has a small-order
/// component, which batch verification accepts with some probability and
/// `verify_strict` refuses; that holder can mint valid tokens anyway.)
///
///
/// # Example
/// ```
/// use keytree::{TokenSigningKey, TokenValidator};
/// let key = TokenSigningKey::from_bytes(&[1; 32]);
/// let validator = TokenValidator::builder("https://auth.example", "api")
///     .key(*key.public_key())
///     .leeway(30)
///     .build()?;
/// assert!(validator.validate("not.a.token", 0).is_err());
/// Ok::<(), keytree::Error>(())
/// ```
pub struct TokenValidator {
    issuer: String,
    audience: String,
    leeway: u64,
    max_len: usize,
    keys: Vec<ValidatorKey>,
    cache: Option<TokenCache>,
}

impl fmt::Debug for TokenValidator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenValidator")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("leeway", &self.leeway)
            .field("max_len", &self.max_len)
            .field(
                "kids",
                &self.keys.iter().map(|k| &k.kid).collect::<Vec<_>>(),
            )
            .field("cache", &self.cache.as_ref().map(TokenCache::capacity))
            .finish()
    }
}

/// Configures a [`TokenValidator`].
#[derive(Clone, Debug)]
#[must_use]
pub struct TokenValidatorBuilder {
    issuer: String,
    audience: String,
    leeway: u64,
    max_len: usize,
    keys: Vec<Jwk>,
    cache: usize,
}

impl TokenValidatorBuilder {
    /// Trusts `key` (its `kid` is its thumbprint).
    pub fn key(mut self, key: PublicKey) -> Self {
        self.keys.push(Jwk::from_public_key(key));
        self
    }

    /// Trusts every key of `jwks`.
    pub fn jwks(mut self, jwks: &Jwks) -> Self {
        self.keys.extend(jwks.keys().iter().cloned());
        self
    }

    /// The clock leeway for `exp`, `nbf` and `iat`, in seconds (default 60).
    pub fn leeway(mut self, seconds: u64) -> Self {
        self.leeway = seconds;
        self
    }

    /// The size limit of a token in bytes (default 8 KiB, at most 64 KiB).
    pub fn max_token_len(mut self, bytes: usize) -> Self {
        self.max_len = bytes;
        self
    }

    /// Keeps a verified-token cache of at most `capacity` tokens (0, the
    /// default: none). A repeat validation of a token this validator
    /// already verified skips the signature check and the claims parse:
    /// the cache is keyed by the BLAKE3 hash of the whole token text and
    /// holds its claims until the token's `exp` (never longer; past `exp`
    /// the token takes the full path, which applies the leeway). What is
    /// still checked on every call: size, the claims' times against `now`
    /// (`exp`, `nbf`, `iat`), issuer and audience, and with
    /// [`TokenValidator::validate_for`] the live context (revocation,
    /// delegation window, permissions); the session check
    /// ([`TokenValidator::check_session`]) is separate and live.
    ///
    /// Memory: at most `capacity` entries of one token's claims each
    /// (bounded by the token size limit, 8 KiB by default; a typical
    /// keytree token's claims take well under 1 KiB), in 16 shards; a full
    /// shard drops expired entries first, then an arbitrary one.
    pub fn cache(mut self, capacity: usize) -> Self {
        self.cache = capacity;
        self
    }

    /// Builds the validator.
    ///
    /// # Errors
    /// [`TokenError::InvalidRequest`] for an empty issuer or audience, no
    /// keys, or a size limit above 64 KiB; [`Error::InvalidKey`] for a key
    /// with a small-order component (never produced by keytree; refused so
    /// that batch and single verification agree).
    pub fn build(self) -> Result<TokenValidator> {
        if self.issuer.is_empty() {
            return Err(TokenError::InvalidRequest("empty issuer").into());
        }
        if self.audience.is_empty() {
            return Err(TokenError::InvalidRequest("empty audience").into());
        }
        if self.keys.is_empty() {
            return Err(TokenError::InvalidRequest("a validator needs at least one key").into());
        }
        if self.max_len > MAX_TOKEN_LEN_LIMIT {
            return Err(TokenError::InvalidRequest("token size limit above 64 KiB").into());
        }
        let mut keys: Vec<ValidatorKey> = Vec::with_capacity(self.keys.len());
        for jwk in self.keys {
            if keys.iter().any(|k| k.kid == jwk.kid()) {
                continue;
            }
            let key = VerifyingKey::from_bytes(jwk.public_key().as_bytes())
                .map_err(|_| KeyError::NotOnCurve)?;
            if !key.to_edwards().is_torsion_free() {
                return Err(KeyError::Weak.into());
            }
            keys.push(ValidatorKey {
                kid: jwk.kid().to_owned(),
                key,
                header_b64: jws::encode_header(jwk.kid()),
            });
        }
        Ok(TokenValidator {
            issuer: self.issuer,
            audience: self.audience,
            leeway: self.leeway,
            max_len: self.max_len,
            keys,
            cache: (self.cache > 0).then(|| TokenCache::new(self.cache)),
        })
    }
}

/// A token whose signature, header and claims passed validation.
///
/// Decoding a token also verifies it; to look inside a token without
/// verifying it, use [`UnverifiedToken`].
#[derive(Clone, Debug)]
pub struct ValidatedToken {
    claims: Arc<TokenClaims>,
    executor: Option<PublicKey>,
}

impl ValidatedToken {
    /// The claims.
    pub fn claims(&self) -> &TokenClaims {
        &self.claims
    }

    /// The executor's key.
    ///
    /// # Errors
    /// [`TokenError::InvalidRequest`] for a wallet-account member's token,
    /// which has no executor key (use [`ValidatedToken::member`]);
    /// [`Error::InvalidKey`] if the token's key bytes are not a valid key
    /// (keytree never mints such a token; a token validated with
    /// [`TokenValidator::validate_for`] has its key resolved already).
    pub fn executor_public_key(&self) -> Result<PublicKey> {
        match self.executor {
            Some(key) => Ok(key),
            None => self.claims.executor_public_key(),
        }
    }

    /// The member the token is for: its executor key, or for a
    /// wallet-account member's token the account (`sub`, the member's
    /// primary account).
    ///
    /// # Errors
    /// [`Error::InvalidKey`] if a key token's key bytes are not a valid key
    /// (keytree never mints such a token).
    pub fn member(&self) -> Result<MemberId> {
        match &self.claims.member {
            TokenMember::Key(_) => self.executor_public_key().map(MemberId::Key),
            TokenMember::Account(account) => Ok(MemberId::Account(account.clone())),
        }
    }

    /// Whether the token grants `permission` (by the permission cover rules).
    ///
    /// # Errors
    /// [`TokenError::PermissionNotGranted`] naming the permission.
    pub fn require(&self, permission: &Permission) -> Result<()> {
        if self.claims.permissions.covers(permission) {
            Ok(())
        } else {
            Err(TokenError::PermissionNotGranted(permission.to_string()).into())
        }
    }
}

/// A token looked into **without** verifying anything: for logging and
/// debugging only. Never authorise on it.
#[derive(Clone, Debug)]
pub struct UnverifiedToken {
    kid: String,
    claims: TokenClaims,
}

impl UnverifiedToken {
    /// Splits and decodes a token, parsing its header and claims strictly,
    /// but checks no signature, key, time, issuer or audience.
    ///
    /// # Errors
    /// The decoding refusals of [`TokenValidator::validate`].
    pub fn decode(token: &str) -> Result<Self> {
        let parts = jws::split(token, MAX_TOKEN_LEN_LIMIT)?;
        let kid = jws::check_header(parts.header_b64, |kid| Ok(kid.to_owned()))?;
        let claims = jws::with_payload(parts.payload_b64, TokenClaims::from_json)?;
        Ok(Self { kid, claims })
    }

    /// The header's `kid`.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The claims, unverified.
    pub fn claims(&self) -> &TokenClaims {
        &self.claims
    }
}

impl TokenValidator {
    /// Starts a validator that requires `iss == issuer` and `aud == audience`.
    pub fn builder(
        issuer: impl Into<String>,
        audience: impl Into<String>,
    ) -> TokenValidatorBuilder {
        TokenValidatorBuilder {
            issuer: issuer.into(),
            audience: audience.into(),
            leeway: DEFAULT_LEEWAY,
            max_len: DEFAULT_MAX_TOKEN_LEN,
            keys: Vec::new(),
            cache: 0,
        }
    }

    /// The required issuer.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The required audience.
    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// The `kid`s of the trusted keys.
    pub fn kids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|k| k.kid.as_str())
    }

    /// Everything before the signature check: size, shape, header, key,
    /// signature encoding.
    fn pre_crypto<'t>(&self, token: &'t str) -> Result<Pending<'t, '_>> {
        let parts = jws::split(token, self.max_len)?;
        // Fast path: byte-for-byte the header keytree writes for a trusted
        // key, which the strict parser would accept with that `kid`; anything
        // else goes through the strict parser.
        let key = match self.keys.iter().find(|k| k.header_b64 == parts.header_b64) {
            Some(k) => &k.key,
            None => jws::check_header(parts.header_b64, |kid| {
                self.keys
                    .iter()
                    .find(|k| k.kid == kid)
                    .map(|k| &k.key)
                    .ok_or_else(|| TokenError::UnknownKey(clip(kid, 64)).into())
            })?,
        };
        let signature = jws::decode_signature(parts.signature_b64)?;
        Ok(Pending {
            parts,
            key,
            signature,
        })
    }

    /// Everything after the signature check: claims and their values.
    fn post_crypto(&self, parts: &Parts<'_>, now: u64) -> Result<TokenClaims> {
        let claims = jws::with_payload(parts.payload_b64, TokenClaims::from_json)?;
        self.check_claims(&claims, now)?;
        Ok(claims)
    }

    fn check_claims(&self, c: &TokenClaims, now: u64) -> Result<()> {
        if c.token_type != TokenType::Access {
            return Err(TokenError::WrongTokenType {
                expected: TokenType::Access.as_str(),
            }
            .into());
        }
        if c.issuer != self.issuer {
            return Err(TokenError::WrongIssuer.into());
        }
        if c.audience != self.audience {
            return Err(TokenError::WrongAudience.into());
        }
        if c.expires_at <= c.not_before || c.issued_at > c.expires_at {
            return Err(TokenError::EmptyWindow.into());
        }
        // nbf < exp and iat <= exp, so this bounds all three.
        check_timestamp("token exp", c.expires_at)?;
        if now >= c.expires_at.saturating_add(self.leeway) {
            return Err(TokenError::Expired {
                exp: c.expires_at,
                now,
            }
            .into());
        }
        if now.saturating_add(self.leeway) < c.not_before {
            return Err(TokenError::NotYetValid {
                nbf: c.not_before,
                now,
            }
            .into());
        }
        if c.issued_at > now.saturating_add(self.leeway) {
            return Err(TokenError::IssuedInFuture {
                iat: c.issued_at,
                now,
            }
            .into());
        }
        Ok(())
    }

    /// Validates a token's header, signature and claims at time `now`.
    ///
    /// This does **not** consult the live context: a token of a revoked key
    /// passes until it expires. Servers acting on a context use
    /// [`TokenValidator::validate_for`].
    ///
    /// # Errors
    /// [`TokenError::TooLong`], [`TokenError::Malformed`],
    /// [`TokenError::InvalidHeader`], [`TokenError::Algorithm`],
    /// [`TokenError::HeaderType`], [`TokenError::UnknownKey`],
    /// [`Error::InvalidSignature`], [`TokenError::InvalidClaims`],
    /// [`TokenError::WrongTokenType`], [`TokenError::WrongIssuer`],
    /// [`TokenError::WrongAudience`], [`TokenError::EmptyWindow`],
    /// [`TokenError::Expired`], [`TokenError::NotYetValid`],
    /// [`TokenError::IssuedInFuture`] — in that order of checking.
    pub fn validate(&self, token: &str, now: u64) -> Result<ValidatedToken> {
        let cached = match &self.cache {
            Some(cache) if token.len() <= self.max_len => {
                let digest = TokenCache::digest(token);
                if let Some(claims) = cache.get(&digest, now) {
                    self.check_claims(&claims, now)?;
                    return Ok(ValidatedToken {
                        claims,
                        executor: None,
                    });
                }
                Some((cache, digest))
            }
            _ => None,
        };
        let p = self.pre_crypto(token)?;
        p.key
            .verify_strict(
                p.parts.signing_input.as_bytes(),
                &DalekSignature::from_bytes(&p.signature),
            )
            .map_err(|_| Error::InvalidSignature)?;
        let claims = Arc::new(self.post_crypto(&p.parts, now)?);
        if let Some((cache, digest)) = cached {
            cache.insert(digest, &claims, now);
        }
        Ok(ValidatedToken {
            claims,
            executor: None,
        })
    }

    /// How many tokens the verified-token cache holds (0 without one).
    pub fn cached_tokens(&self) -> usize {
        self.cache.as_ref().map_or(0, TokenCache::len)
    }

    /// [`TokenValidator::validate`] at the system clock's time.
    ///
    /// # Errors
    /// As [`TokenValidator::validate`].
    pub fn validate_now(&self, token: &str) -> Result<ValidatedToken> {
        self.validate(token, unix_now())
    }

    /// Validates a token and binds it to the live context `view` at time
    /// `now` (unix seconds): the token's `context_id` must be the view's, its
    /// executor key must not be revoked, the executor's delegation chain
    /// window ([`RevocationView::member_window`]) must cover `now` exactly
    /// (the leeway applies to the token's own times, never to the
    /// delegation), and every permission in the token must still be held by
    /// that key now. For a wallet-account member's token the account must be
    /// a live member (or linked to one) whose window
    /// ([`RevocationView::account_window`]) covers `now` exactly and which
    /// still holds every permission
    /// ([`RevocationView::account_permissions_cover`]); the errors then
    /// name the account.
    ///
    /// # Errors
    /// Those of [`TokenValidator::validate`], then
    /// [`TokenError::WrongContext`], [`TokenError::ExecutorRevoked`],
    /// [`TokenError::ExecutorOutsideWindow`],
    /// [`TokenError::PermissionRevoked`].
    pub fn validate_for<V: RevocationView + ?Sized>(
        &self,
        view: &V,
        token: &str,
        now: u64,
    ) -> Result<ValidatedToken> {
        let validated = self.validate(token, now)?;
        bind(view, validated.claims, now)
    }

    /// [`TokenValidator::validate_for`] at the system clock's time.
    ///
    /// # Errors
    /// As [`TokenValidator::validate_for`].
    pub fn validate_for_now<V: RevocationView + ?Sized>(
        &self,
        view: &V,
        token: &str,
    ) -> Result<ValidatedToken> {
        self.validate_for(view, token, unix_now())
    }

    /// Validates many tokens with one Ed25519 batch verification.
    ///
    /// Tokens refused before the signature check are refused as
    /// [`TokenValidator::validate`] would; signatures whose nonce point is
    /// non-canonical or of small order are refused without entering the
    /// batch; the rest are batch-verified, and if the batch fails each is
    /// verified alone to say which failed. The results are in input order and
    /// equal those of validating each token alone (see the module docs for
    /// the one theoretical exception, which needs an issuer's secret key).
    pub fn validate_batch(&self, tokens: &[&str], now: u64) -> Vec<Result<ValidatedToken>> {
        let mut stage: Vec<Result<Pending<'_, '_>>> =
            tokens.iter().map(|t| self.pre_crypto(t)).collect();

        // Screen nonce points that single strict verification always refuses.
        for slot in &mut stage {
            if let Ok(p) = slot
                && !nonce_point_acceptable(&p.signature)
            {
                *slot = Err(Error::InvalidSignature);
            }
        }

        let pending: Vec<usize> = stage
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.is_ok().then_some(i))
            .collect();
        let batch_ok = pending.len() >= 2 && {
            let mut messages: Vec<&[u8]> = Vec::with_capacity(pending.len());
            let mut signatures = Vec::with_capacity(pending.len());
            let mut keys = Vec::with_capacity(pending.len());
            for p in stage.iter().flatten() {
                messages.push(p.parts.signing_input.as_bytes());
                signatures.push(DalekSignature::from_bytes(&p.signature));
                keys.push(*p.key);
            }
            ed25519_dalek::verify_batch(&messages, &signatures, &keys).is_ok()
        };
        if !batch_ok {
            for i in pending {
                if let Some(slot) = stage.get_mut(i)
                    && let Ok(p) = slot
                    && p.key
                        .verify_strict(
                            p.parts.signing_input.as_bytes(),
                            &DalekSignature::from_bytes(&p.signature),
                        )
                        .is_err()
                {
                    *slot = Err(Error::InvalidSignature);
                }
            }
        }

        stage
            .into_iter()
            .map(|s| {
                let p = s?;
                Ok(ValidatedToken {
                    claims: Arc::new(self.post_crypto(&p.parts, now)?),
                    executor: None,
                })
            })
            .collect()
    }

    /// [`TokenValidator::validate_batch`], then the context binding of
    /// [`TokenValidator::validate_for`] (at `now`) for each token.
    pub fn validate_batch_for<V: RevocationView + ?Sized>(
        &self,
        view: &V,
        tokens: &[&str],
        now: u64,
    ) -> Vec<Result<ValidatedToken>> {
        self.validate_batch(tokens, now)
            .into_iter()
            .map(|r| r.and_then(|v| bind(view, v.claims, now)))
            .collect()
    }
}

/// Binds verified claims to the live context.
pub(super) fn bind<V: RevocationView + ?Sized>(
    view: &V,
    claims: Arc<TokenClaims>,
    now: u64,
) -> Result<ValidatedToken> {
    if claims.context_id != *view.context_id() {
        return Err(TokenError::WrongContext.into());
    }
    let key_bytes = match &claims.member {
        TokenMember::Key(key) => key,
        TokenMember::Account(account) => {
            bind_account(view, account, &claims, now)?;
            return Ok(ValidatedToken {
                claims,
                executor: None,
            });
        }
    };
    let revoked = || {
        TokenError::ExecutorRevoked(format!("ed25519:{}", bs58::encode(key_bytes).into_string()))
    };
    let executor = view.resolve_key(key_bytes).ok_or_else(revoked)?;
    if view.is_key_revoked(&executor) {
        return Err(revoked().into());
    }
    match view.member_window(&executor) {
        None => return Err(revoked().into()),
        Some((not_before, expires_at)) if !(not_before <= now && now < expires_at) => {
            return Err(TokenError::ExecutorOutsideWindow(executor.to_string()).into());
        }
        Some(_) => {}
    }
    for p in &claims.permissions {
        if !view.live_permissions_cover(&executor, p) {
            return Err(TokenError::PermissionRevoked(p.to_string()).into());
        }
    }
    Ok(ValidatedToken {
        claims,
        executor: Some(executor),
    })
}

/// The live checks of a wallet-account member's token: the account (or
/// the member it is linked to) is a live member whose window covers `now`
/// exactly, and still holds every permission of the token.
fn bind_account<V: RevocationView + ?Sized>(
    view: &V,
    account: &AccountId,
    claims: &TokenClaims,
    now: u64,
) -> Result<()> {
    match view.account_window(account) {
        None => return Err(TokenError::ExecutorRevoked(account.to_string()).into()),
        Some((not_before, expires_at)) if !(not_before <= now && now < expires_at) => {
            return Err(TokenError::ExecutorOutsideWindow(account.to_string()).into());
        }
        Some(_) => {}
    }
    // Obtained through a linked account: it must be linked to this member
    // still (unlinked, or linked to another member since, ends the token).
    if let Some(via) = &claims.via
        && !view.account_linked_to(via, account)
    {
        return Err(TokenError::ExecutorRevoked(via.to_string()).into());
    }
    for p in &claims.permissions {
        if !view.account_permissions_cover(account, p) {
            return Err(TokenError::PermissionRevoked(p.to_string()).into());
        }
    }
    Ok(())
}
