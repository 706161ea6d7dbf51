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
//! duplicate-free array), and, for tokens of a refresh family (a session),
//! `sid` (the family id, 32 hex digits). Any standard JWT library validates these tokens
//! with the JWKS that [`TokenIssuer::jwks`] exports.
//!
//! The public documentation of the format, the validation order, rotation,
//! refresh and batch validation lives on [`TokenIssuer`] and
//! [`TokenValidator`], since this module is private.

mod api_key;
mod cache;
mod claims;
mod forms;
mod issuer;
mod jwks;
mod jws;
mod mint_view;
mod refresh;
mod session;
mod store;
mod validator;

pub use api_key::{
    API_KEY_PREFIX, ApiKey, ApiKeyId, ApiKeyIssuer, ApiKeyRecord, ApiKeyRequest, ApiKeyStore,
    MAX_API_KEY_NAME, MAX_API_KEY_TTL,
};
pub use claims::{TokenClaims, TokenType};
pub use issuer::{TokenIssuer, TokenPair, TokenRequest};
pub use jwks::{Jwk, Jwks, TokenSigningKey, jwk_thumbprint};
pub use mint_view::{MemberGrant, MintView};
pub use refresh::{FamilyId, RefreshHash, RefreshRecord, RefreshToken};
pub use session::{SessionId, SessionStore};
pub use store::RefreshStore;
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
/// How long after a rotation a retry of the same refresh token is answered
/// again instead of revoking its family, by default (seconds): see
/// [`TokenIssuer::with_refresh_grace`](crate::TokenIssuer::with_refresh_grace).
pub const DEFAULT_REFRESH_GRACE: u64 = 10;

/// Reads the system clock as unix seconds (0 if the clock is before 1970).
pub(crate) fn unix_now() -> u64 {
    crate::encoding::unix_now()
}

/// At most `max` characters of untrusted text, for error messages.
pub(crate) fn clip(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}
