//! Pieces shared by the sign-in message grammars (SIWE, SIWS): RFC 3986
//! URI and authority shapes, and the nonce rule.

use crate::error::{Error, Result};

pub(crate) fn is_unreserved(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')
}

pub(crate) fn is_reserved(c: char) -> bool {
    matches!(
        c,
        ':' | '/'
            | '?'
            | '#'
            | '['
            | ']'
            | '@'
            | '!'
            | '$'
            | '&'
            | '\''
            | '('
            | ')'
            | '*'
            | '+'
            | ','
            | ';'
            | '='
    )
}

/// An RFC 3986 URI, checked for shape: `scheme ":" rest`, with URI characters only.
pub(crate) fn check_uri(uri: &str, what: &'static str) -> Result<()> {
    let (scheme, rest) = uri
        .split_once(':')
        .ok_or_else(|| Error::malformed(what, "uri without scheme"))?;
    let scheme_ok = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    let rest_ok = rest
        .chars()
        .all(|c| is_unreserved(c) || is_reserved(c) || c == '%');
    if scheme_ok && rest_ok {
        Ok(())
    } else {
        Err(Error::malformed(what, "invalid uri"))
    }
}

/// An RFC 3986 authority: `[userinfo "@"] host [":" port]`, host a reg-name,
/// IPv4 or bracketed IPv6.
pub(crate) fn check_authority(authority: &str, what: &'static str) -> Result<()> {
    let bad = || Error::malformed(what, "invalid domain (rfc 3986 authority)");
    if authority.is_empty() {
        return Err(bad());
    }
    let host_port = match authority.rsplit_once('@') {
        Some((userinfo, hp)) => {
            if !userinfo
                .chars()
                .all(|c| is_unreserved(c) || "%!$&'()*+,;=:".contains(c))
            {
                return Err(bad());
            }
            hp
        }
        None => authority,
    };
    let (host, port) = if let Some(v6) = host_port.strip_prefix('[') {
        let (inside, after) = v6.split_once(']').ok_or_else(bad)?;
        if inside.is_empty()
            || !inside
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
        {
            return Err(bad());
        }
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or_else(bad)?),
        };
        ("[]", port)
    } else {
        match host_port.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (host_port, None),
        }
    };
    if host != "[]"
        && (host.is_empty()
            || !host
                .chars()
                .all(|c| is_unreserved(c) || "%!$&'()*+,;=".contains(c)))
    {
        return Err(bad());
    }
    if let Some(p) = port
        && (p.is_empty() || p.len() > 5 || !p.bytes().all(|c| c.is_ascii_digit()))
    {
        return Err(bad());
    }
    Ok(())
}

pub(crate) fn check_nonce(nonce: &str, what: &'static str) -> Result<()> {
    if nonce.len() < 8 || !nonce.bytes().all(|c| c.is_ascii_alphanumeric()) {
        return Err(Error::malformed(
            what,
            "nonce must be at least 8 letters and digits",
        ));
    }
    Ok(())
}
