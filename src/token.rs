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
//! `executor_public_key` (`ed25519:<base58>`; absent for a wallet-account
//! member, whose `sub` is its CAIP-10 account) and `permissions` (a sorted,
//! duplicate-free array), and, for tokens of a refresh family (a session),
//! `sid` (the family id, 32 hex digits). Any standard JWT library validates these tokens
//! with the JWKS that [`TokenIssuer::jwks`] exports.
//!
//! The public documentation of the format, the validation order, rotation,
//! refresh and batch validation lives on [`TokenIssuer`] and
//! [`TokenValidator`], since this module is private.

mod api_key;
mod api_key_info;
mod cache;
mod claims;
mod claims_json;
mod credential;
mod defaults;
mod forms;
mod helpers;
mod issuer;
mod jwks;
mod jws;
mod mint_view;
mod refresh;
mod server_forms;
mod session;
mod store;
mod validator;

pub use api_key::{
    API_KEY_PREFIX, ApiKey, ApiKeyId, ApiKeyIssuer, ApiKeyRecord, ApiKeyRequest, ApiKeyStore,
    MAX_API_KEY_NAME, MAX_API_KEY_TTL,
};
pub use api_key_info::ApiKeyInfo;
pub use claims::{TokenClaims, TokenType};
pub use credential::Credential;
pub use defaults::{
    ACCESS_TOKEN_TYP, DEFAULT_ACCESS_TTL, DEFAULT_LEEWAY, DEFAULT_MAX_TOKEN_LEN,
    DEFAULT_REFRESH_GRACE, DEFAULT_REFRESH_TTL,
};
pub(crate) use helpers::unix_now;
pub use issuer::{TokenIssuer, TokenPair, TokenRequest};
pub use jwks::{Jwk, Jwks, TokenSigningKey, jwk_thumbprint};
pub use mint_view::{AccountGrant, MemberGrant, MintView};
pub use refresh::{FamilyId, RefreshHash, RefreshRecord, RefreshToken};
pub use server_forms::{LoginReply, LogoutRequest, RefreshRequest, WhoAmI};
pub use session::{SessionId, SessionStore};
pub use store::RefreshStore;
pub use validator::{TokenValidator, TokenValidatorBuilder, UnverifiedToken, ValidatedToken};
