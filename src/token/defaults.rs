//! The token format's fixed header type and the default lifetimes and limits.

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
