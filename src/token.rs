//! Scoped context tokens: "this client key may do P in context C until T".
//!
//! # Format
//!
//! A token is a compact JWS (RFC 7515) signed with Ed25519, `alg: "EdDSA"`
//! (RFC 8037). The protected header is exactly
//! `{"alg":"EdDSA","typ":"at+jwt","kid":"<thumbprint>"}`: `typ` is explicit
//! (RFC 8725 §3.11; `at+jwt` is RFC 9068's access-token type) and `kid` is the
//! RFC 7638 JWK thumbprint of the issuer key. The claims are `iss`, `sub`,
//! `aud` (one string), `exp`, `nbf`, `iat` (unix seconds, integers), `jti`,
//! `token_type` (`access` or `refresh`), `context_id` (base58),
//! `executor_public_key` (`ed25519:<base58>`) and `permissions` (a sorted,
//! duplicate-free array). Any standard JWT library validates these tokens
//! with the JWKS that [`TokenIssuer::jwks`] exports.
//!
//! # Validation is fail-closed
//!
//! [`TokenValidator`] works in a fixed order, and stops at the first refusal:
//!
//! 1. size: longer than the limit (8 KiB by default) is refused unread;
//! 2. shape: exactly three base64url parts (unpadded, canonical);
//! 3. header, before any crypto: a JSON object with exactly the members
//!    `alg`, `typ` and `kid`, each a string, none duplicated; `alg` must be
//!    exactly `EdDSA` (so `none`, `HS256`, `RS256`, `ES256`, `eddsa`, … are
//!    refused), `typ` exactly `at+jwt`, and `kid` a key the validator holds;
//! 4. the signature, with `verify_strict`;
//! 5. claims: a JSON object with exactly the claims above, none duplicated,
//!    each of its JSON type (`"exp":"9999999999"` is an error, never
//!    "absent"); `token_type` must be `access`; `iss` and `aud` must match;
//!    `exp`, `nbf` and `iat` are checked against the caller's `now` with a
//!    leeway (60 s by default);
//! 6. with [`TokenValidator::validate_for`], the live context: the token's
//!    context must be the view's, its executor key must not be revoked, and
//!    every permission in the token must still be held, so that a revocation
//!    or a narrowing takes effect at once, not when the token expires.
//!
//! Unknown header members and unknown claims are refused: keytree validates
//! only the tokens it mints.
//!
//! # Keys and rotation
//!
//! A [`TokenIssuer`] signs with one active [`TokenSigningKey`] and keeps
//! publishing the previous ones until their retirement time, so tokens signed
//! before a rotation keep validating while they live. A retired key leaves
//! the JWKS; a validator built from that JWKS refuses its tokens as signed by
//! an unknown key.
//!
//! # Refresh tokens
//!
//! Refresh tokens are opaque 256-bit random values ([`RefreshToken`]); the
//! [`crate::RefreshStore`] sees only their hashes. Each is single-use:
//! [`TokenIssuer::refresh`] spends it and returns a new access and refresh
//! pair in the same family. Presenting a spent one revokes the whole family
//! (a stolen token and its legitimate holder cannot both keep going).
//! Refreshing for a member that was revoked, or whose permissions were
//! narrowed below the family's, fails and revokes the family.
//!
//! # Batch validation
//!
//! [`TokenValidator::validate_batch`] screens weak and non-canonical
//! signature points, checks all signatures with one Ed25519 batch
//! verification, and falls back to single verification when the batch fails,
//! to say which tokens were bad. For every signature made without an issuer's
//! secret key the results equal validating each token alone. (The holder of
//! an issuer key could craft a signature whose nonce point has a small-order
//! component, which batch verification accepts with some probability and
//! `verify_strict` refuses; that holder can mint valid tokens anyway.)
//!
//! # Example
//! ```
//! use keytree::{
//!     Context, ContextId, Delegation, OpKind, Permission, Permissions, RootKey, TokenIssuer,
//!     TokenRequest, TokenSigningKey, TokenValidator,
//! };
//! let now = 1_700_000_000;
//! let root = RootKey::from_bytes(&[1; 32]);
//! let id = ContextId::from_bytes([2; 32]);
//! let mut ctx = Context::builder(id).create(&root, now)?;
//! let client = root.derive_client_key(&id, 0);
//! let grant = Delegation::builder(client.public_key(), id, Permissions::parse(["blob"])?)
//!     .valid_for(now, 86_400)
//!     .sign_as_root(&root)?;
//! let op = ctx.propose(OpKind::AddMember { chain: vec![grant] }, now).sign(&root);
//! ctx.apply(op)?;
//!
//! let issuer = TokenIssuer::new("https://auth.example", TokenSigningKey::from_bytes(&[3; 32]));
//! let token = issuer.mint(&ctx, &TokenRequest::new(client.public_key(), "api"), now)?;
//!
//! let validator = TokenValidator::builder("https://auth.example", "api")
//!     .jwks(&issuer.jwks(now))
//!     .build()?;
//! let valid = validator.validate_for(&ctx, &token, now + 5)?;
//! valid.require(&Permission::new("blob:add")?)?;
//! assert!(valid.require(&Permission::new("context:members")?).is_err());
//! Ok::<(), keytree::Error>(())
//! ```

mod claims;
mod issuer;
mod jwks;
mod jws;
mod refresh;
mod validator;

pub use claims::{TokenClaims, TokenType};
pub use issuer::{TokenIssuer, TokenPair, TokenRequest};
pub use jwks::{Jwk, Jwks, TokenSigningKey, jwk_thumbprint};
pub use refresh::{FamilyId, RefreshHash, RefreshRecord, RefreshToken};
pub use validator::{TokenValidator, TokenValidatorBuilder, UnverifiedToken, ValidatedToken};

/// The `typ` header of access tokens (RFC 9068).
pub const ACCESS_TOKEN_TYP: &str = "at+jwt";
/// The default clock leeway, in seconds.
pub const DEFAULT_LEEWAY: u64 = 60;
/// The default size limit of a token, in bytes.
pub const DEFAULT_MAX_TOKEN_LEN: usize = 8 * 1024;
/// The default access-token lifetime, in seconds.
pub const DEFAULT_ACCESS_TTL: u64 = 15 * 60;
/// The default refresh-token lifetime, in seconds.
pub const DEFAULT_REFRESH_TTL: u64 = 30 * 24 * 3600;

/// Reads the system clock as unix seconds (0 if the clock is before 1970).
pub(crate) fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// At most `max` characters of untrusted text, for error messages.
pub(crate) fn clip(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}
