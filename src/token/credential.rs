//! The credential an HTTP request carries: an access token or an API key,
//! read from the `Authorization` and `X-API-Key` header values.

use core::fmt;

use super::api_key::ApiKey;
use crate::error::{Result, TokenError};

/// A caller's credential as an HTTP request carries it, before validation:
/// an access token (`Authorization: Bearer <token>`) or an API key
/// (`X-API-Key: <key>`, or `Authorization: Bearer kt_…`). Framework-free:
/// a server passes the two header values it read.
///
/// Validate an [`AccessToken`](Self::AccessToken) with
/// [`TokenValidator::validate_session_for`](crate::TokenValidator::validate_session_for)
/// and an [`ApiKey`](Self::ApiKey) with
/// [`ApiKeyIssuer::validate_for`](crate::ApiKeyIssuer::validate_for); both
/// give a [`ValidatedToken`](crate::ValidatedToken).
///
/// `Debug` names the kind only, never the secret.
///
/// # Example
/// ```
/// use keytree::Credential;
/// let c = Credential::from_headers(Some("Bearer eyJ.x.y"), None)?;
/// assert_eq!(c, Credential::AccessToken("eyJ.x.y"));
/// // The scheme is case-insensitive (RFC 7235 §2.1).
/// let key = "kt_0123456789abcdef01234567_x";
/// assert_eq!(Credential::from_headers(Some(&format!("bearer {key}")), None)?, Credential::ApiKey(key));
/// assert_eq!(Credential::from_headers(None, Some(key))?, Credential::ApiKey(key));
/// assert!(Credential::from_headers(None, None).is_err());
/// assert!(Credential::from_headers(Some("Basic dXNlcg=="), None).is_err());
/// // An endpoint that needs a session's token refuses an API key.
/// assert!(Credential::ApiKey(key).access_token().is_err());
/// Ok::<(), keytree::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Credential<'a> {
    /// An access token (a compact JWS).
    AccessToken(&'a str),
    /// An API key (`kt_…`).
    ApiKey(&'a str),
}

impl fmt::Debug for Credential<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::AccessToken(_) => "Credential::AccessToken(..)",
            Self::ApiKey(_) => "Credential::ApiKey(..)",
        })
    }
}

impl<'a> Credential<'a> {
    /// Reads the credential from the values of the `Authorization` and
    /// `X-API-Key` headers (`None` for a header that is absent).
    ///
    /// `Authorization` must use the `Bearer` scheme (any case, RFC 7235
    /// §2.1) with one credential after it; a bearer value that starts with
    /// `kt_` is an API key, anything else an access token. Surrounding
    /// whitespace is ignored. Sending both headers is refused, since which
    /// one to believe would be a guess.
    ///
    /// # Errors
    /// [`TokenError::InvalidRequest`] when neither header carries a
    /// credential, for another scheme or an empty or spaced bearer value,
    /// and when both headers are present.
    pub fn from_headers(
        authorization: Option<&'a str>,
        x_api_key: Option<&'a str>,
    ) -> Result<Self> {
        match (authorization, x_api_key) {
            (Some(_), Some(_)) => Err(TokenError::InvalidRequest(
                "send one of Authorization and X-API-Key, not both",
            )
            .into()),
            (None, Some(key)) => Ok(Self::ApiKey(one_value(key)?)),
            (Some(header), None) => {
                let value = bearer_value(header)?;
                Ok(match ApiKey::looks_like(value) {
                    true => Self::ApiKey(value),
                    false => Self::AccessToken(value),
                })
            }
            (None, None) => {
                Err(TokenError::InvalidRequest("no bearer token or API key in the request").into())
            }
        }
    }

    /// [`from_headers`](Self::from_headers) from every value a request
    /// carries for each header, as raw bytes (with `http`:
    /// `headers.get_all("authorization").iter().map(HeaderValue::as_bytes)`),
    /// so that a header sent twice, or one that is not text, is refused
    /// rather than read as its first value or as absent (which would let a
    /// lone `X-API-Key` through beside an unreadable `Authorization`).
    ///
    /// # Errors
    /// As [`from_headers`](Self::from_headers); [`TokenError::InvalidRequest`]
    /// for a header present more than once or whose value is not UTF-8.
    pub fn from_header_values<A, X>(authorization: A, x_api_key: X) -> Result<Self>
    where
        A: IntoIterator<Item = &'a [u8]>,
        X: IntoIterator<Item = &'a [u8]>,
    {
        Self::from_headers(only_value(authorization)?, only_value(x_api_key)?)
    }

    /// The access token, for endpoints that need a session's token (an
    /// API key cannot make API keys or log sessions out).
    ///
    /// # Errors
    /// [`TokenError::InvalidRequest`] for an API key.
    pub fn access_token(self) -> Result<&'a str> {
        match self {
            Self::AccessToken(token) => Ok(token),
            Self::ApiKey(_) => Err(TokenError::InvalidRequest(
                "this request needs an access token, not an API key",
            )
            .into()),
        }
    }
}

/// The one value of a header (`None` when absent), as text.
fn only_value<'a>(values: impl IntoIterator<Item = &'a [u8]>) -> Result<Option<&'a str>> {
    let mut values = values.into_iter();
    let Some(first) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(TokenError::InvalidRequest("a credential header is sent once").into());
    }
    std::str::from_utf8(first)
        .map(Some)
        .map_err(|_| TokenError::InvalidRequest("a credential header is not text").into())
}

/// The credential of an `Authorization: Bearer <credential>` value.
fn bearer_value(header: &str) -> Result<&str> {
    let header = header.trim();
    let (scheme, rest) = header.split_once(' ').ok_or(TokenError::InvalidRequest(
        "authorization must be `Bearer <credential>`",
    ))?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(TokenError::InvalidRequest("authorization scheme must be Bearer").into());
    }
    one_value(rest)
}

/// A non-empty value without inner whitespace.
fn one_value(value: &str) -> Result<&str> {
    let value = value.trim();
    if value.is_empty() || value.contains(|c: char| c.is_ascii_whitespace()) {
        return Err(TokenError::InvalidRequest("a credential is one non-empty value").into());
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::Credential;

    #[test]
    fn reads_each_form_and_refuses_the_rest() {
        let key = "kt_0123456789abcdef01234567_secret";
        let (bearer_key, spaced_key) = (format!("Bearer {key}"), format!(" {key} "));
        let ok = |a, x| Credential::from_headers(a, x).unwrap();
        assert_eq!(
            ok(Some("Bearer t.o.k"), None),
            Credential::AccessToken("t.o.k")
        );
        assert_eq!(
            ok(Some("  BEARER   t.o.k  "), None),
            Credential::AccessToken("t.o.k")
        );
        assert_eq!(ok(Some(&bearer_key), None), Credential::ApiKey(key));
        assert_eq!(ok(None, Some(&spaced_key)), Credential::ApiKey(key));
        // X-API-Key is an API key whatever it looks like; its validation
        // refuses what is not one.
        assert_eq!(ok(None, Some("abc")), Credential::ApiKey("abc"));
        for (a, x) in [
            (None, None),
            (Some("Bearer"), None),
            (Some("Bearer "), None),
            (Some("Bearer a b"), None),
            (Some("Basic dXNlcjpwYXNz"), None),
            (Some("Bearertoken"), None),
            (None, Some("")),
            (None, Some("a b")),
            (Some("Bearer t.o.k"), Some(key)),
        ] {
            let err = Credential::from_headers(a, x).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::BadRequest, "{a:?} {x:?}");
        }
        assert_eq!(Credential::AccessToken("t").access_token().unwrap(), "t");
        assert!(Credential::ApiKey(key).access_token().is_err());
        // Every value of each header: one each, as text.
        let values = |a: &[&'static [u8]], x: &[&'static [u8]]| {
            Credential::from_header_values(a.to_vec(), x.to_vec())
        };
        assert_eq!(
            values(&[b"Bearer t.o.k"], &[]).unwrap(),
            Credential::AccessToken("t.o.k")
        );
        assert_eq!(values(&[], &[b"abc"]).unwrap(), Credential::ApiKey("abc"));
        let (tok, tok2, abc): (&[u8], &[u8], &[u8]) = (b"Bearer t.o.k", b"Bearer u.v.w", b"abc");
        let (bad_a, bad_x): (&[u8], &[u8]) = (b"Bearer \xff", b"\xfe");
        let none: &[&[u8]] = &[];
        for (a, x) in [
            (&[tok, tok2][..], none),
            (&[tok, tok], none),
            (none, &[abc, abc]),
            (&[bad_a], &[abc]),
            (&[tok], &[bad_x]),
            (&[tok], &[abc]),
            (none, none),
        ] {
            let err = values(a, x).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::BadRequest, "{a:?} {x:?}");
        }
        let debug = format!("{:?}", Credential::ApiKey(key));
        assert!(!debug.contains("secret"), "{debug}");
    }
}
