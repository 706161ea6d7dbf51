//! Minting: the issuer, its keys and rotation, and refresh pairs.

use std::fmt;

use rand_core::CryptoRng;

use super::claims::{TokenClaims, TokenMember, TokenType};
use super::defaults::{DEFAULT_ACCESS_TTL, DEFAULT_REFRESH_GRACE, DEFAULT_REFRESH_TTL};
use super::helpers::unix_now;
use super::jwks::{Jwks, TokenSigningKey};
use super::jws::{b64_append, compact};
use super::mint_view::MintView;
use super::refresh::{FamilyId, RefreshRecord, RefreshToken};
use super::store::RefreshStore;
use super::validator::{TokenValidator, TokenValidatorBuilder};
use crate::encoding::check_timestamp;
use crate::error::{ContextError, DelegationError, Error, Result, TokenError};
use crate::member_id::MemberId;
use crate::permission::Permissions;
use crate::public_key::PublicKey;
use crate::wallet::AccountId;

/// What to mint: for which member (a key, or a wallet account with
/// [`TokenRequest::for_account`]), for which audience, with which
/// permissions and for how long.
///
/// # Example
/// ```
/// use keytree::{Permissions, RootKey, TokenRequest};
/// let key = RootKey::from_bytes(&[1; 32]).public_key();
/// let request = TokenRequest::new(key, "api")
///     .permissions(Permissions::parse(["blob:read"])?)
///     .ttl(300);
/// assert_eq!(request.audience(), "api");
/// Ok::<(), keytree::Error>(())
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct TokenRequest {
    member: MemberId,
    audience: String,
    permissions: Option<Permissions>,
    ttl: Option<u64>,
    subject: Option<String>,
}

impl TokenRequest {
    /// A token for member `executor`, for the service `audience`. By default
    /// it carries all the member's current permissions, lives for the
    /// issuer's access TTL, and its `sub` is the executor key's text.
    pub fn new(executor: PublicKey, audience: impl Into<String>) -> Self {
        Self::for_member(MemberId::Key(executor), audience)
    }

    /// A token for the wallet-account member `account` (or the member it
    /// is linked to), for the service `audience`. The token carries no
    /// executor key; its `sub` is the member's primary account (so logging
    /// in with a linked account gives the same `sub`), and it cannot be
    /// set with [`TokenRequest::subject`]. By default it carries all the
    /// member's current permissions and lives for the issuer's access TTL,
    /// cut at the end of the member's window.
    ///
    /// # Example
    /// ```
    /// use keytree::{AccountId, TokenRequest};
    /// let account: AccountId = "eip155:1:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed".parse()?;
    /// let request = TokenRequest::for_account(account.clone(), "api");
    /// assert_eq!(request.member().account(), Some(&account));
    /// assert!(request.executor().is_none());
    /// Ok::<(), keytree::Error>(())
    /// ```
    pub fn for_account(account: AccountId, audience: impl Into<String>) -> Self {
        Self::for_member(MemberId::Account(account), audience)
    }

    /// A token for `member` (a key or a wallet account), for `audience`.
    pub fn for_member(member: MemberId, audience: impl Into<String>) -> Self {
        Self {
            member,
            audience: audience.into(),
            permissions: None,
            ttl: None,
            subject: None,
        }
    }

    /// Only these permissions (each must be covered by the member's).
    pub fn permissions(mut self, permissions: Permissions) -> Self {
        self.permissions = Some(permissions);
        self
    }

    /// Lifetime in seconds (still cut at the end of the member's delegation).
    pub fn ttl(mut self, seconds: u64) -> Self {
        self.ttl = Some(seconds);
        self
    }

    /// The `sub` claim of a key member's token, for example the wallet
    /// account that logged in (a wallet-account member's `sub` is always
    /// its primary account: minting refuses a request that sets one). An
    /// account that is a wallet member of the context (live, linked or
    /// revoked, in any spelling) is refused as a key member's subject: it
    /// would give the key member that wallet member's `sub`.
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }

    /// The executor key; `None` for a wallet-account member.
    pub fn executor(&self) -> Option<&PublicKey> {
        self.member.key()
    }

    /// The member the token is for.
    pub fn member(&self) -> &MemberId {
        &self.member
    }

    /// The audience.
    pub fn audience(&self) -> &str {
        &self.audience
    }
}

/// An access token and the refresh token that renews it.
pub struct TokenPair {
    access_token: String,
    issued_at: u64,
    access_expires_at: u64,
    refresh_token: RefreshToken,
    refresh_expires_at: u64,
}

impl TokenPair {
    /// The access token (a compact JWS).
    pub fn access_token(&self) -> &str {
        &self.access_token
    }
    /// When the pair was issued (unix seconds): the `now` it was made at.
    pub fn issued_at(&self) -> u64 {
        self.issued_at
    }
    /// When the access token expires (unix seconds).
    pub fn access_expires_at(&self) -> u64 {
        self.access_expires_at
    }
    /// The refresh token (opaque; give it to the client, keep no copy).
    pub fn refresh_token(&self) -> &RefreshToken {
        &self.refresh_token
    }
    /// When the refresh token expires (unix seconds).
    pub fn refresh_expires_at(&self) -> u64 {
        self.refresh_expires_at
    }
    /// Both tokens, by value.
    pub fn into_parts(self) -> (String, RefreshToken) {
        (self.access_token, self.refresh_token)
    }
}

impl fmt::Debug for TokenPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenPair")
            .field("access_token", &"<redacted>")
            .field("access_expires_at", &self.access_expires_at)
            .field("refresh_expires_at", &self.refresh_expires_at)
            .finish_non_exhaustive()
    }
}

/// Claims checked against the context, with what the refresh record needs.
struct Minted {
    claims: TokenClaims,
    member: MemberId,
    /// The linked account an account member logged in with (not its
    /// primary): kept in the refresh record, re-resolved on refresh.
    via: Option<AccountId>,
    window_end: u64,
}

/// Mints context tokens for the members of a [`Context`](crate::Context)
/// (or a [`ContextReplica`](crate::ContextReplica); see [`MintView`]).
///
/// # Format
///
/// A token is a compact JWS (RFC 7515) signed with Ed25519, `alg: "EdDSA"`
/// (RFC 8037). The protected header is exactly
/// `{"alg":"EdDSA","typ":"at+jwt","kid":"<thumbprint>"}`: `typ` is explicit
/// (RFC 8725 §3.11; `at+jwt` is RFC 9068's access-token type) and `kid` is the
/// RFC 7638 JWK thumbprint of the issuer key ([`crate::jwk_thumbprint`]). The
/// claims are `iss`, `sub`, `aud` (one string), `exp`, `nbf`, `iat` (unix
/// seconds, integers), `jti`, `token_type` (`access`), `context_id`
/// (base58), `executor_public_key` (`ed25519:<base58>`) and `permissions`
/// (a sorted, duplicate-free, non-empty array). A wallet-account member's
/// token ([`TokenRequest::for_account`]) has no `executor_public_key`: its
/// `sub` is the member's primary account in canonical CAIP-10 text, and
/// validators refuse a token without `executor_public_key` whose `sub` is
/// anything else. Tokens from
/// [`TokenIssuer::issue`] and [`TokenIssuer::refresh`] add `sid`, their
/// session ([`crate::SessionId`], the refresh family, 32 hex digits), which
/// [`TokenIssuer::logout`] revokes and [`TokenValidator::check_session`]
/// checks. Any standard JWT library
/// validates these tokens with the JWKS that [`TokenIssuer::jwks`] exports.
///
/// # Keys and rotation
///
/// A [`TokenIssuer`] signs with one active [`TokenSigningKey`] and keeps
/// publishing the previous ones until their retirement time, so tokens signed
/// before a rotation keep validating while they live. A retired key leaves
/// the JWKS; a validator built from that JWKS refuses its tokens as signed by
/// an unknown key.
///
/// # Refresh tokens
///
/// Refresh tokens are opaque 256-bit random values ([`RefreshToken`]); the
/// [`crate::RefreshStore`] sees only their hashes. Each is single-use:
/// [`TokenIssuer::refresh`] spends it and returns a new access and refresh
/// pair in the same family. Presenting a spent one revokes the whole family
/// (a stolen token and its legitimate holder cannot both keep going).
/// Refreshing for a member that was revoked, or whose permissions were
/// narrowed below the family's, fails and revokes the family; so does
/// refreshing a session that logged in with a linked account once that
/// account is unlinked or linked to another member (the refresh record
/// keeps it, [`RefreshRecord::via`]).
///
/// # Example
/// ```
/// use keytree::{
///     Context, ContextId, Delegation, OpKind, Permission, Permissions, RootKey, TokenIssuer,
///     TokenRequest, TokenSigningKey, TokenValidator,
/// };
/// let now = 1_700_000_000;
/// let root = RootKey::from_bytes(&[1; 32]);
/// let id = ContextId::from_bytes([2; 32]);
/// let mut ctx = Context::builder(id).create(&root, now)?;
/// let client = root.derive_client_key(&id, 0);
/// let grant = Delegation::builder(client.public_key(), id, Permissions::parse(["blob"])?)
///     .valid_for(now, 86_400)
///     .sign_as_root(&root)?;
/// let op = ctx.propose(OpKind::AddMember { chain: vec![grant] }, now).sign(&root);
/// ctx.apply(op)?;
///
/// let issuer = TokenIssuer::new("https://auth.example", TokenSigningKey::from_bytes(&[3; 32]));
/// let token = issuer.mint(&ctx, &TokenRequest::new(client.public_key(), "api"), now)?;
///
/// let validator = TokenValidator::builder("https://auth.example", "api")
///     .jwks(&issuer.jwks(now))
///     .build()?;
/// let valid = validator.validate_for(&ctx, &token, now + 5)?;
/// valid.require(&Permission::new("blob:add")?)?;
/// assert!(valid.require(&Permission::new("context:members")?).is_err());
/// Ok::<(), keytree::Error>(())
/// ```
pub struct TokenIssuer {
    issuer: String,
    active: TokenSigningKey,
    /// Previous keys, newest first, each published until its retirement time.
    previous: Vec<(TokenSigningKey, u64)>,
    access_ttl: u64,
    refresh_ttl: u64,
    refresh_grace: u64,
}

impl fmt::Debug for TokenIssuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenIssuer")
            .field("issuer", &self.issuer)
            .field("active_kid", &self.active.kid())
            .field(
                "previous",
                &self
                    .previous
                    .iter()
                    .map(|(k, t)| (k.kid(), t))
                    .collect::<Vec<_>>(),
            )
            .field("access_ttl", &self.access_ttl)
            .field("refresh_ttl", &self.refresh_ttl)
            .field("refresh_grace", &self.refresh_grace)
            .finish()
    }
}

impl TokenIssuer {
    /// An issuer named `issuer` (the `iss` claim) signing with `key`.
    pub fn new(issuer: impl Into<String>, key: TokenSigningKey) -> Self {
        Self {
            issuer: issuer.into(),
            active: key,
            previous: Vec::new(),
            access_ttl: DEFAULT_ACCESS_TTL,
            refresh_ttl: DEFAULT_REFRESH_TTL,
            refresh_grace: DEFAULT_REFRESH_GRACE,
        }
    }

    /// Sets the refresh retry grace window (default 10 s, at most 300): a
    /// retry of a refresh token within this many seconds of its rotation,
    /// while the successor it was rotated to is still unused, is answered
    /// with a new pair instead of revoking the family (a reply lost on the
    /// way must not log the user out). The retry supersedes the unused
    /// successor, which becomes spent: at most one successor is live, and
    /// using the superseded one later revokes the family. Outside the window,
    /// or once the successor was used, a second use is reuse and revokes the
    /// family. `0` turns retries off.
    #[must_use]
    pub fn with_refresh_grace(mut self, seconds: u64) -> Self {
        self.refresh_grace = seconds.min(300);
        self
    }

    /// Sets the default access-token lifetime (default 15 minutes).
    #[must_use]
    pub fn with_access_ttl(mut self, seconds: u64) -> Self {
        self.access_ttl = seconds;
        self
    }

    /// Sets the refresh-token lifetime (default 30 days; always cut at the
    /// end of the member's delegation).
    #[must_use]
    pub fn with_refresh_ttl(mut self, seconds: u64) -> Self {
        self.refresh_ttl = seconds;
        self
    }

    /// The `iss` claim.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The key new tokens are signed with.
    pub fn active_key(&self) -> &TokenSigningKey {
        &self.active
    }

    /// Makes `key` the active signing key. The previous active key keeps
    /// being published (and its tokens keep validating) until
    /// `retire_previous_at`; choose it at least one access TTL ahead.
    ///
    /// # Example
    /// ```
    /// use keytree::{TokenIssuer, TokenSigningKey};
    /// let mut issuer = TokenIssuer::new("https://auth.example", TokenSigningKey::from_bytes(&[1; 32]));
    /// let old_kid = issuer.active_key().kid().to_owned();
    /// issuer.rotate(TokenSigningKey::from_bytes(&[2; 32]), 2_000);
    /// assert_eq!(issuer.jwks(1_000).keys().len(), 2); // the old key is still published
    /// assert_eq!(issuer.jwks(2_000).keys().len(), 1); // and retired at 2000
    /// assert!(issuer.jwks(2_000).get(&old_kid).is_none());
    /// Ok::<(), keytree::Error>(())
    /// ```
    pub fn rotate(&mut self, key: TokenSigningKey, retire_previous_at: u64) {
        if key.kid() == self.active.kid() {
            return;
        }
        self.previous.retain(|(k, _)| k.kid() != key.kid());
        let old = std::mem::replace(&mut self.active, key);
        self.previous.insert(0, (old, retire_previous_at));
    }

    /// Drops the keys whose retirement time has come.
    pub fn retire_expired(&mut self, now: u64) {
        self.previous.retain(|(_, t)| now < *t);
    }

    /// The JWKS to publish at `now`: the active key and every previous key
    /// not yet retired.
    pub fn jwks(&self, now: u64) -> Jwks {
        std::iter::once(self.active.to_jwk())
            .chain(
                self.previous
                    .iter()
                    .filter(|(_, t)| now < *t)
                    .map(|(k, _)| k.to_jwk()),
            )
            .collect()
    }

    /// A validator for this issuer's tokens for `audience`, trusting the keys
    /// published at `now`. Further settings can be chained before `build`.
    pub fn validator(&self, audience: impl Into<String>, now: u64) -> TokenValidatorBuilder {
        TokenValidator::builder(self.issuer.clone(), audience).jwks(&self.jwks(now))
    }

    /// Mints an access token for a member of `ctx` at time `now`: a key
    /// member, or a wallet-account member ([`TokenRequest::for_account`],
    /// read through [`MintView::account_grant`]).
    ///
    /// Only permissions the member holds now may be in the token (by
    /// default, all of them), and the token expires no later than the
    /// member's delegation (a wallet-account member's window).
    ///
    /// # Errors
    /// [`crate::ContextError::NotMember`] or [`crate::ContextError::Revoked`] for a key
    /// or account that is not a live member; [`crate::PermissionError::NotCovered`] for
    /// a permission the member does not hold;
    /// [`DelegationError::NotYetValid`] or [`DelegationError::Expired`]
    /// outside the member's delegation window;
    /// [`TokenError::InvalidRequest`] for an empty audience or subject, a
    /// subject set for a wallet-account member, a key member's subject
    /// naming (in any spelling) a wallet member of the context (live,
    /// linked or revoked), no permissions, or a zero TTL.
    pub fn mint<V: MintView + ?Sized>(
        &self,
        ctx: &V,
        request: &TokenRequest,
        now: u64,
    ) -> Result<String> {
        self.mint_with_rng(ctx, request, now, &mut rand::rng())
    }

    /// [`TokenIssuer::mint`] with the `jti` drawn from `rng` (the worked
    /// examples of FORMATS.md use a seeded one).
    pub(crate) fn mint_with_rng<V: MintView + ?Sized, R: CryptoRng + ?Sized>(
        &self,
        ctx: &V,
        request: &TokenRequest,
        now: u64,
        rng: &mut R,
    ) -> Result<String> {
        let minted = self.claims_for(ctx, request, now, rng)?;
        Ok(self.sign(&minted.claims))
    }

    /// [`TokenIssuer::mint`] at the system clock's time.
    ///
    /// # Errors
    /// As [`TokenIssuer::mint`].
    pub fn mint_now<V: MintView + ?Sized>(
        &self,
        ctx: &V,
        request: &TokenRequest,
    ) -> Result<String> {
        self.mint(ctx, request, unix_now())
    }

    /// Mints an access token and starts a new refresh family for it, stored
    /// in `store`.
    ///
    /// # Errors
    /// Those of [`TokenIssuer::mint`], and the store's.
    pub async fn issue<V: MintView + ?Sized, S: RefreshStore + ?Sized>(
        &self,
        ctx: &V,
        request: &TokenRequest,
        store: &S,
        now: u64,
    ) -> Result<TokenPair> {
        let (minted, family, refresh) = {
            let mut rng = rand::rng();
            let minted = self.claims_for(ctx, request, now, &mut rng)?;
            (
                minted,
                FamilyId::generate(&mut rng),
                RefreshToken::generate(&mut rng),
            )
        };
        self.finish_pair(minted, family, refresh, store, now).await
    }

    /// Spends `refresh` and returns a new access and refresh pair in the same
    /// family.
    ///
    /// A retry of the same token within the grace window after its rotation
    /// (the reply was lost), while its successor is unused, gets a new pair
    /// and supersedes the lost successor ([`TokenIssuer::with_refresh_grace`]).
    ///
    /// Refused, and the family revoked, when the token was already spent
    /// (outside that window, or after its successor was used),
    /// when its context is not `ctx`, or when its member is no longer live,
    /// no longer holds the family's permissions, or is outside its
    /// delegation window.
    ///
    /// # Errors
    /// [`TokenError::RefreshUnknown`], [`TokenError::RefreshReused`],
    /// [`TokenError::RefreshRevoked`], [`TokenError::RefreshExpired`],
    /// [`TokenError::WrongContext`], the minting refusals of
    /// [`TokenIssuer::mint`], and the store's.
    pub async fn refresh<V: MintView + ?Sized, S: RefreshStore + ?Sized>(
        &self,
        ctx: &V,
        refresh: &RefreshToken,
        store: &S,
        now: u64,
    ) -> Result<TokenPair> {
        let next = RefreshToken::generate(&mut rand::rng());
        let record = store
            .consume(&refresh.hash(), &next.hash(), now, self.refresh_grace)
            .await?;
        let family = *record.family();
        let minted = if *record.context_id() == ctx.mint_context_id()? {
            // A session that logged in with a linked account asks again
            // through that account: once it is unlinked (or linked to
            // another member) the session ends, as the member's would on
            // revocation.
            let request = match record.member() {
                MemberId::Key(_) => {
                    TokenRequest::for_member(record.member().clone(), record.audience())
                        .subject(record.subject())
                }
                MemberId::Account(primary) => TokenRequest::for_account(
                    record.via().unwrap_or(primary).clone(),
                    record.audience(),
                ),
            }
            .permissions(record.permissions().clone());
            let mut rng = rand::rng();
            self.claims_for(ctx, &request, now, &mut rng)
                .and_then(|minted| {
                    if minted.member == *record.member() {
                        Ok(minted)
                    } else {
                        Err(ContextError::NotMember(request.member().to_string()).into())
                    }
                })
        } else {
            Err(TokenError::WrongContext.into())
        };
        match minted {
            Ok(minted) => self.finish_pair(minted, family, next, store, now).await,
            Err(e) => {
                store.revoke_family(&family).await?;
                // A session whose member (or the linked account it logged in
                // with) is no longer a member has ended: the refresh token is
                // refused like a revoked one (401), not as a bad request.
                Err(match e {
                    Error::Context(ContextError::NotMember(_)) => TokenError::RefreshRevoked.into(),
                    e => e,
                })
            }
        }
    }

    async fn finish_pair<S: RefreshStore + ?Sized>(
        &self,
        minted: Minted,
        family: FamilyId,
        refresh: RefreshToken,
        store: &S,
        now: u64,
    ) -> Result<TokenPair> {
        let Minted {
            mut claims,
            member,
            via,
            window_end,
        } = minted;
        // A refresh family is a session: its access tokens name it (`sid`).
        claims.session = Some(family);
        let refresh_expires_at = now.saturating_add(self.refresh_ttl).min(window_end);
        let record = RefreshRecord::new(
            family,
            claims.context_id,
            member,
            via,
            claims.subject.clone(),
            claims.audience.clone(),
            claims.permissions.clone(),
            refresh_expires_at,
        );
        store.insert(refresh.hash(), record, now).await?;
        Ok(TokenPair {
            access_token: self.sign(&claims),
            issued_at: now,
            access_expires_at: claims.expires_at,
            refresh_token: refresh,
            refresh_expires_at,
        })
    }

    /// Checks a request against the live context and builds the claims.
    fn claims_for<V: MintView + ?Sized, R: CryptoRng + ?Sized>(
        &self,
        ctx: &V,
        request: &TokenRequest,
        now: u64,
        rng: &mut R,
    ) -> Result<Minted> {
        if request.audience.is_empty() {
            return Err(TokenError::InvalidRequest("empty audience").into());
        }
        if request.subject.as_deref() == Some("") {
            return Err(TokenError::InvalidRequest("empty subject").into());
        }
        let (member, held, window, subject, token_member, via) = match &request.member {
            MemberId::Key(key) => {
                let grant = ctx.member_grant(key, now)?;
                let subject = match &request.subject {
                    Some(subject) => {
                        check_key_subject(ctx, subject, now)?;
                        subject.clone()
                    }
                    None => super::claims::executor_text(key.as_bytes()),
                };
                (
                    MemberId::Key(grant.key),
                    grant.permissions,
                    grant.window,
                    subject,
                    TokenMember::Key(key.to_bytes()),
                    None,
                )
            }
            MemberId::Account(account) => {
                if request.subject.is_some() {
                    return Err(TokenError::InvalidRequest(
                        "a wallet-account member's sub is its account",
                    )
                    .into());
                }
                let grant = ctx.account_grant(account, now)?;
                let via = (*account != grant.account).then(|| account.clone());
                (
                    MemberId::Account(grant.account.clone()),
                    grant.permissions,
                    grant.window,
                    grant.account.to_string(),
                    TokenMember::Account(grant.account),
                    via,
                )
            }
        };
        let held = &held;
        let permissions = match &request.permissions {
            Some(wanted) => {
                wanted.require_subset_of(held)?;
                wanted.clone()
            }
            None => held.clone(),
        };
        if permissions.is_empty() {
            return Err(TokenError::InvalidRequest("a token needs at least one permission").into());
        }
        let (not_before, window_end) = window;
        if now < not_before {
            return Err(DelegationError::NotYetValid { not_before, now }.into());
        }
        if now >= window_end {
            return Err(DelegationError::Expired {
                expires_at: window_end,
                now,
            }
            .into());
        }
        let ttl = request.ttl.unwrap_or(self.access_ttl);
        if ttl == 0 {
            return Err(TokenError::InvalidRequest("zero ttl").into());
        }
        check_timestamp("token iat", now)?;
        let mut jti = [0u8; 16];
        rng.fill_bytes(&mut jti);
        let mut jti_text = String::with_capacity(22);
        b64_append(&jti, &mut jti_text);
        let claims = TokenClaims {
            issuer: self.issuer.clone(),
            subject,
            audience: request.audience.clone(),
            expires_at: now.saturating_add(ttl).min(window_end),
            not_before: now,
            issued_at: now,
            jti: jti_text,
            token_type: TokenType::Access,
            context_id: ctx.mint_context_id()?,
            member: token_member,
            via: via.clone(),
            permissions,
            session: None,
        };
        Ok(Minted {
            claims,
            member,
            via,
            window_end,
        })
    }

    /// Signs claims with the active key into a compact JWS.
    fn sign(&self, claims: &TokenClaims) -> String {
        let key = self.active_key();
        let mut payload = Vec::new();
        claims.write_json(&mut payload);
        compact(key.header_b64(), &payload, |input| key.sign(input))
    }
}

/// Refuses a key member's `sub` that names, in any spelling, an account
/// this context knows as a wallet member (live, linked or revoked): that
/// member's own tokens carry that `sub`, so a key member's token must not
/// (a consumer reading `sub` would take one member for the other, and a
/// revoked wallet member would live on as another member's `sub`).
/// Subjects that are no account, or an account that is no member here,
/// pass; a view that cannot answer refuses.
fn check_key_subject<V: MintView + ?Sized>(ctx: &V, subject: &str, now: u64) -> Result<()> {
    let Ok(account) = subject.parse::<AccountId>() else {
        return Ok(());
    };
    match ctx.account_grant(&account, now) {
        Err(Error::Context(ContextError::NotMember(_))) => Ok(()),
        Ok(_) | Err(Error::Context(ContextError::Revoked(_))) => Err(TokenError::InvalidRequest(
            "a key member's subject names a wallet member of this context",
        )
        .into()),
        Err(e) => Err(e),
    }
}
