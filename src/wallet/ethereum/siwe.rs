//! Sign-In with Ethereum (EIP-4361): the message grammar, parsed strictly.
//!
//! ```text
//! [scheme "://"] domain " wants you to sign in with your Ethereum account:" LF
//! address LF
//! LF
//! [statement LF]
//! LF
//! "URI: " uri LF
//! "Version: 1" LF
//! "Chain ID: " chain-id LF
//! "Nonce: " nonce LF
//! "Issued At: " issued-at
//! [LF "Expiration Time: " expiration-time]
//! [LF "Not Before: " not-before]
//! [LF "Request ID: " request-id]
//! [LF "Resources:" *(LF "- " uri)]
//! ```
//!
//! Line endings are LF only; no trailing newline; fields in this order; the
//! address must be EIP-55 checksummed; the nonce is at least 8 ASCII letters
//! and digits; times are RFC 3339. URIs are checked for the RFC 3986 shape
//! (a scheme, then URI characters only), not resolved.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};
use crate::wallet::rfc3339;
use crate::wallet::signin::{check_authority, check_nonce, check_uri, is_reserved, is_unreserved};
use crate::wallet::text::{eip55_encode, parse_eth_address};

const WHAT: &str = "siwe message";
const HEADER: &str = " wants you to sign in with your Ethereum account:";
/// The largest SIWE message accepted.
pub const MAX_SIWE_LEN: usize = 16 * 1024;

/// Sign-In with Ethereum (EIP-4361): the message grammar, parsed strictly.
///
/// ```text
/// [scheme "://"] domain " wants you to sign in with your Ethereum account:" LF
/// address LF
/// LF
/// [statement LF]
/// LF
/// "URI: " uri LF
/// "Version: 1" LF
/// "Chain ID: " chain-id LF
/// "Nonce: " nonce LF
/// "Issued At: " issued-at
/// [LF "Expiration Time: " expiration-time]
/// [LF "Not Before: " not-before]
/// [LF "Request ID: " request-id]
/// [LF "Resources:" *(LF "- " uri)]
/// ```
///
/// Line endings are LF only; no trailing newline; fields in this order; the
/// address must be EIP-55 checksummed; the nonce is at least 8 ASCII letters
/// and digits; times are RFC 3339. URIs are checked for the RFC 3986 shape
/// (a scheme, then URI characters only), not resolved.
///
/// A parsed EIP-4361 message. `Display` prints it back byte for byte.
///
/// # Example
/// ```
/// use keytree::SiweMessage;
/// let text = "example.com wants you to sign in with your Ethereum account:\n\
/// 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed\n\n\n\
/// URI: https://example.com\nVersion: 1\nChain ID: 1\nNonce: abcdef12\n\
/// Issued At: 2025-01-15T11:00:00Z";
/// let m: SiweMessage = text.parse()?;
/// assert_eq!(m.domain, "example.com");
/// assert_eq!(m.chain_id, 1);
/// assert_eq!(m.to_string(), text);
/// Ok::<(), keytree::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SiweMessage {
    /// Optional scheme before the domain (`https`).
    pub scheme: Option<String>,
    /// The RFC 3986 authority requesting the sign-in.
    pub domain: String,
    /// The signer's address.
    pub address: [u8; 20],
    /// The human-readable statement, if any.
    pub statement: Option<String>,
    /// The RFC 3986 URI the sign-in is for.
    pub uri: String,
    /// The EIP-155 chain id.
    pub chain_id: u64,
    /// The nonce (≥ 8 alphanumerics).
    pub nonce: String,
    /// Issued-at text as written (RFC 3339).
    pub issued_at: String,
    /// Optional expiration time text.
    pub expiration_time: Option<String>,
    /// Optional not-before time text.
    pub not_before: Option<String>,
    /// Optional request id.
    pub request_id: Option<String>,
    /// Resource URIs (empty and absent are different: see `has_resources`).
    pub resources: Vec<String>,
    /// Whether a `Resources:` line is present (possibly with no items).
    pub has_resources: bool,
}

struct Lines<'a> {
    lines: std::iter::Peekable<std::str::Split<'a, char>>,
}

impl<'a> Lines<'a> {
    fn next(&mut self, what: &str) -> Result<&'a str> {
        self.lines
            .next()
            .ok_or_else(|| Error::malformed(WHAT, format!("missing {what}")))
    }

    fn field(&mut self, prefix: &str) -> Result<&'a str> {
        self.next(prefix)?
            .strip_prefix(prefix)
            .ok_or_else(|| Error::malformed(WHAT, format!("expected {prefix:?}")))
    }

    fn optional(&mut self, prefix: &str) -> Option<&'a str> {
        let line = self.lines.peek()?;
        let value = line.strip_prefix(prefix)?;
        self.lines.next();
        Some(value)
    }
}

fn check_statement(s: &str) -> Result<()> {
    if s.is_empty()
        || !s
            .chars()
            .all(|c| is_unreserved(c) || is_reserved(c) || c == ' ')
    {
        return Err(Error::malformed(WHAT, "invalid statement"));
    }
    Ok(())
}

impl FromStr for SiweMessage {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        if text.len() > MAX_SIWE_LEN {
            return Err(Error::decode(
                WHAT,
                crate::error::DecodeReason::TooLong { max: MAX_SIWE_LEN },
            ));
        }
        let mut lines = Lines {
            lines: text.split('\n').peekable(),
        };
        let head = lines
            .next("header")?
            .strip_suffix(HEADER)
            .ok_or_else(|| Error::malformed(WHAT, "bad header line"))?;
        let (scheme, domain) = match head.split_once("://") {
            Some((s, d)) => {
                let ok = s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
                if !ok {
                    return Err(Error::malformed(WHAT, "invalid scheme"));
                }
                (Some(s.to_owned()), d)
            }
            None => (None, head),
        };
        check_authority(domain, WHAT)?;
        let address_text = lines.next("address")?;
        let address = parse_eth_address(address_text)?;
        if eip55_encode(&address) != address_text {
            return Err(Error::malformed(WHAT, "address is not eip-55 checksummed"));
        }
        if !lines.next("blank line")?.is_empty() {
            return Err(Error::malformed(
                WHAT,
                "expected a blank line after the address",
            ));
        }
        let statement = match lines.next("statement")? {
            "" => None,
            s => {
                check_statement(s)?;
                if !lines.next("blank line")?.is_empty() {
                    return Err(Error::malformed(
                        WHAT,
                        "expected a blank line after the statement",
                    ));
                }
                Some(s.to_owned())
            }
        };
        let uri = lines.field("URI: ")?;
        check_uri(uri, WHAT)?;
        if lines.field("Version: ")? != "1" {
            return Err(Error::malformed(WHAT, "version must be 1"));
        }
        let chain_text = lines.field("Chain ID: ")?;
        let chain_id = parse_chain_id(chain_text)?;
        let nonce = lines.field("Nonce: ")?;
        check_nonce(nonce, WHAT)?;
        let issued_at = lines.field("Issued At: ")?;
        rfc3339::parse(issued_at)?;
        let expiration_time = lines.optional("Expiration Time: ");
        if let Some(t) = expiration_time {
            rfc3339::parse(t)?;
        }
        let not_before = lines.optional("Not Before: ");
        if let Some(t) = not_before {
            rfc3339::parse(t)?;
        }
        let request_id = lines.optional("Request ID: ");
        if let Some(r) = request_id {
            // pchar = unreserved / pct-encoded / sub-delims / ":" / "@"
            if !r
                .chars()
                .all(|c| is_unreserved(c) || "%!$&'()*+,;=:@".contains(c))
            {
                return Err(Error::malformed(WHAT, "invalid request id"));
            }
        }
        let mut resources = Vec::new();
        let has_resources = match lines.lines.next() {
            None => false,
            Some("Resources:") => {
                for line in lines.lines.by_ref() {
                    let r = line
                        .strip_prefix("- ")
                        .ok_or_else(|| Error::malformed(WHAT, "invalid resource line"))?;
                    check_uri(r, WHAT)?;
                    resources.push(r.to_owned());
                }
                true
            }
            Some(_) => return Err(Error::malformed(WHAT, "unexpected line")),
        };
        Ok(Self {
            scheme,
            domain: domain.to_owned(),
            address,
            statement,
            uri: uri.to_owned(),
            chain_id,
            nonce: nonce.to_owned(),
            issued_at: issued_at.to_owned(),
            expiration_time: expiration_time.map(str::to_owned),
            not_before: not_before.map(str::to_owned),
            request_id: request_id.map(str::to_owned),
            resources,
            has_resources,
        })
    }
}

fn parse_chain_id(text: &str) -> Result<u64> {
    if text.is_empty()
        || !text.bytes().all(|c| c.is_ascii_digit())
        || (text.starts_with('0') && text.len() > 1)
    {
        return Err(Error::malformed(WHAT, "invalid chain id"));
    }
    text.parse::<u64>()
        .ok()
        .filter(|id| *id != 0)
        .ok_or_else(|| Error::malformed(WHAT, "invalid chain id"))
}

impl SiweMessage {
    /// Issued-at, unix seconds.
    pub fn issued_at_unix(&self) -> Result<u64> {
        rfc3339::parse(&self.issued_at)
    }

    /// Expiration time, unix seconds.
    pub fn expiration_unix(&self) -> Result<Option<u64>> {
        self.expiration_time
            .as_deref()
            .map(rfc3339::parse)
            .transpose()
    }

    /// Not-before, unix seconds.
    pub fn not_before_unix(&self) -> Result<Option<u64>> {
        self.not_before.as_deref().map(rfc3339::parse).transpose()
    }
}

impl fmt::Display for SiweMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(s) = &self.scheme {
            write!(f, "{s}://")?;
        }
        write!(
            f,
            "{}{HEADER}\n{}\n\n",
            self.domain,
            eip55_encode(&self.address)
        )?;
        if let Some(s) = &self.statement {
            writeln!(f, "{s}")?;
        }
        write!(
            f,
            "\nURI: {}\nVersion: 1\nChain ID: {}\nNonce: {}\nIssued At: {}",
            self.uri, self.chain_id, self.nonce, self.issued_at
        )?;
        if let Some(t) = &self.expiration_time {
            write!(f, "\nExpiration Time: {t}")?;
        }
        if let Some(t) = &self.not_before {
            write!(f, "\nNot Before: {t}")?;
        }
        if let Some(r) = &self.request_id {
            write!(f, "\nRequest ID: {r}")?;
        }
        if self.has_resources {
            f.write_str("\nResources:")?;
            for r in &self.resources {
                write!(f, "\n- {r}")?;
            }
        }
        Ok(())
    }
}
