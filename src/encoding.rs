//! Canonical signing payloads and the text encodings keytree uses.
//!
//! Every signed or hashed structure is encoded as a domain tag followed by
//! fields in a fixed order, under one rule (FORMATS.md, "Canonical
//! encoding"): every byte-string field, fixed-size ones (keys, ids, hashes)
//! included, is prefixed by its u32 big-endian length; integers are
//! fixed-width big-endian and never prefixed; booleans and options are a u8
//! 0/1, followed by the value when 1; lists are a u32 count, then the items.
//! There is exactly one encoding of any value, so hashes and signatures over
//! it are not malleable. None of these payloads is JSON; the one JSON
//! keytree signs is an access token's header and claims, as JWS requires.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::{DecodeReason, Error, Result};

/// The largest timestamp keytree signs or accepts, in unix seconds:
/// 9999-12-31T23:59:59Z.
///
/// Every time keytree signs (delegation windows, op and delta timestamps,
/// token `iat`/`nbf`/`exp`) is refused above it with
/// [`Error::TimestampOutOfRange`]. It keeps a milliseconds or nanoseconds
/// mistake from being signed, keeps every time renderable as RFC 3339, and
/// keeps JSON numbers exact for clients whose numbers are doubles (it is far
/// below 2^53).
pub const MAX_TIMESTAMP: u64 = 253_402_300_799;

/// Refuses a timestamp above [`MAX_TIMESTAMP`].
pub(crate) fn check_timestamp(what: &'static str, t: u64) -> Result<()> {
    if t > MAX_TIMESTAMP {
        return Err(Error::TimestampOutOfRange {
            what,
            got: t,
            max: MAX_TIMESTAMP,
        });
    }
    Ok(())
}

/// Reads the system clock as unix seconds (0 if the clock is before 1970).
/// Only the `_now` convenience methods call it.
pub(crate) fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Builds a canonical payload.
pub(crate) struct CanonicalWriter {
    buf: Vec<u8>,
}

impl CanonicalWriter {
    /// Starts a payload with its domain tag (length-prefixed).
    pub(crate) fn new(domain: &str) -> Self {
        let mut w = Self {
            buf: Vec::with_capacity(256),
        };
        w.bytes(domain.as_bytes());
        w
    }

    /// A length-prefixed byte string (the one rule: fixed-size fields such
    /// as keys, ids and hashes are prefixed too).
    pub(crate) fn bytes(&mut self, bytes: &[u8]) -> &mut Self {
        // Every caller bounds its fields far below 4 GiB; saturate rather than
        // wrap so that an impossible overflow can never alias another encoding.
        let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
        self.buf.extend_from_slice(&len.to_be_bytes());
        self.buf.extend_from_slice(bytes);
        self
    }

    pub(crate) fn u8(&mut self, v: u8) -> &mut Self {
        self.buf.push(v);
        self
    }

    pub(crate) fn u32(&mut self, v: u32) -> &mut Self {
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }

    pub(crate) fn u64(&mut self, v: u64) -> &mut Self {
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }

    pub(crate) fn finish(self) -> Vec<u8> {
        self.buf
    }
}

/// Reads a canonical payload written by [`CanonicalWriter`], strictly.
pub(crate) struct CanonicalReader<'a> {
    rest: &'a [u8],
    what: &'static str,
}

impl<'a> CanonicalReader<'a> {
    /// Starts reading and checks the domain tag.
    pub(crate) fn new(input: &'a [u8], domain: &str, what: &'static str) -> Result<Self> {
        let mut r = Self { rest: input, what };
        let tag = r.bytes()?;
        if tag != domain.as_bytes() {
            return Err(Error::decode(
                what,
                DecodeReason::Malformed("wrong domain tag".into()),
            ));
        }
        Ok(r)
    }

    fn truncated(&self) -> Error {
        Error::decode(self.what, DecodeReason::Malformed("truncated".into()))
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.rest.len() < n {
            return Err(self.truncated());
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let bytes = self.take(N)?;
        <[u8; N]>::try_from(bytes).map_err(|_| self.truncated())
    }

    pub(crate) fn u8(&mut self) -> Result<u8> {
        Ok(u8::from_be_bytes(self.array::<1>()?))
    }

    pub(crate) fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_be_bytes(self.array::<4>()?))
    }

    pub(crate) fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_be_bytes(self.array::<8>()?))
    }

    pub(crate) fn bytes(&mut self) -> Result<&'a [u8]> {
        let len = self.u32()?;
        let len = usize::try_from(len).map_err(|_| self.truncated())?;
        self.take(len)
    }

    /// A length-prefixed field that must be exactly `N` bytes.
    pub(crate) fn sized<const N: usize>(&mut self) -> Result<[u8; N]> {
        let bytes = self.bytes()?;
        <[u8; N]>::try_from(bytes).map_err(|_| {
            Error::decode(
                self.what,
                DecodeReason::Length {
                    expected: N,
                    got: bytes.len(),
                },
            )
        })
    }

    /// Bytes consumed so far are everything: refuse trailing data.
    pub(crate) fn finish(self) -> Result<()> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(Error::decode(
                self.what,
                DecodeReason::Malformed("trailing bytes".into()),
            ))
        }
    }

    pub(crate) fn remaining(&self) -> usize {
        self.rest.len()
    }
}

/// Gives a `struct Name([u8; 32])` id its public API and text forms:
/// `from_bytes`/`as_bytes`, base58 `Display`, `Debug` as `Name(<base58>)`,
/// strict `FromStr` (canonical base58 of exactly 32 bytes) and serde as that
/// text. One definition for every 32-byte id keytree has.
macro_rules! base58_id {
    ($name:ident, $what:literal) => {
        impl $name {
            /// Wraps 32 bytes.
            pub fn from_bytes(bytes: [u8; 32]) -> Self {
                Self(bytes)
            }

            /// The 32 bytes.
            pub fn as_bytes(&self) -> &[u8; 32] {
                &self.0
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&$crate::encoding::base58_encode(&self.0))
            }
        }

        impl ::std::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self)
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::Error;
            fn from_str(s: &str) -> $crate::Result<Self> {
                $crate::encoding::base58_decode_array::<32>(s, $what).map(Self)
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                <String as ::serde::Deserialize>::deserialize(d)?
                    .parse()
                    .map_err(::serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use base58_id;

/// Base58 (Bitcoin alphabet) of `bytes`.
pub fn base58_encode(bytes: &[u8]) -> String {
    bs58::encode(bytes).into_string()
}

/// Decodes base58 into exactly `N` bytes, refusing any other length and any
/// text that is not the canonical encoding of its bytes.
///
/// # Errors
/// [`Error::Decode`] naming `what` on bad alphabet, wrong length or
/// non-canonical text.
pub fn base58_decode_array<const N: usize>(text: &str, what: &'static str) -> Result<[u8; N]> {
    // A base58 string for N bytes is at most ~1.37 N characters; refuse
    // anything absurd before decoding.
    if text.len() > N * 2 + 2 {
        return Err(Error::decode(
            what,
            DecodeReason::TooLong { max: N * 2 + 2 },
        ));
    }
    let mut out = [0u8; N];
    let written = bs58::decode(text).onto(&mut out[..]).map_err(|e| match e {
        bs58::decode::Error::BufferTooSmall => Error::decode(
            what,
            DecodeReason::Length {
                expected: N,
                got: N + 1,
            },
        ),
        _ => Error::decode(what, DecodeReason::Alphabet("base58")),
    })?;
    if written != N {
        return Err(Error::decode(
            what,
            DecodeReason::Length {
                expected: N,
                got: written,
            },
        ));
    }
    if base58_encode(&out) != text {
        return Err(Error::decode(what, DecodeReason::NonCanonical("base58")));
    }
    Ok(out)
}

/// Unpadded base64url of `bytes` (RFC 4648 §5).
pub fn base64url_encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes unpadded base64url, refusing padding and non-canonical trailing bits.
///
/// # Errors
/// [`Error::Decode`] naming `what`.
pub fn base64url_decode(text: &str, what: &'static str) -> Result<Vec<u8>> {
    // The base64 crate's standard engines already refuse non-zero trailing
    // bits (canonical decoding) and, for NO_PAD, any padding.
    URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| Error::decode(what, DecodeReason::Alphabet("base64url")))
}

/// Lowercase hex of `bytes`.
pub fn hex_encode(bytes: &[u8]) -> String {
    fn digit(n: u8) -> char {
        char::from(if n < 10 { b'0' + n } else { b'a' + n - 10 })
    }
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(digit(b >> 4));
        s.push(digit(b & 0x0f));
    }
    s
}

/// Decodes hex (either case; an optional `0x` prefix is *not* accepted here).
///
/// # Errors
/// [`Error::Decode`] naming `what` on odd length or a non-hex digit.
pub fn hex_decode(text: &str, what: &'static str) -> Result<Vec<u8>> {
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(2) {
        return Err(Error::decode(what, DecodeReason::Alphabet("hex")));
    }
    let mut out = Vec::with_capacity(bytes.len() / 2);
    for pair in bytes.chunks_exact(2) {
        let (Some(hi), Some(lo)) = (
            pair.first().and_then(|c| hex_value(*c)),
            pair.get(1).and_then(|c| hex_value(*c)),
        ) else {
            return Err(Error::decode(what, DecodeReason::Alphabet("hex")));
        };
        out.push((hi << 4) | lo);
    }
    Ok(out)
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writer_reader_round_trip() {
        let mut w = CanonicalWriter::new("keytree/test");
        w.bytes(b"abc").u8(7).u32(9).u64(11).bytes(&[1, 2]);
        let buf = w.finish();
        let mut r = CanonicalReader::new(&buf, "keytree/test", "test").unwrap();
        assert_eq!(r.bytes().unwrap(), b"abc");
        assert_eq!(r.u8().unwrap(), 7);
        assert_eq!(r.u32().unwrap(), 9);
        assert_eq!(r.u64().unwrap(), 11);
        assert_eq!(r.sized::<2>().unwrap(), [1, 2]);
        r.finish().unwrap();
    }

    #[test]
    fn reader_refuses_wrong_tag_truncation_and_trailing() {
        let buf = CanonicalWriter::new("a").finish();
        assert!(CanonicalReader::new(&buf, "b", "t").is_err());
        let mut r = CanonicalReader::new(&buf, "a", "t").unwrap();
        assert!(r.u8().is_err());
        let mut buf = CanonicalWriter::new("a").finish();
        buf.push(0);
        assert!(
            CanonicalReader::new(&buf, "a", "t")
                .unwrap()
                .finish()
                .is_err()
        );
        // A length prefix that runs past the end.
        let buf = [0, 0, 0, 9, b'a'];
        assert!(CanonicalReader::new(&buf, "a", "t").is_err());
    }

    #[test]
    fn base58_is_strict() {
        let key = [7u8; 32];
        let text = base58_encode(&key);
        assert_eq!(base58_decode_array::<32>(&text, "k").unwrap(), key);
        assert!(base58_decode_array::<32>("0OIl", "k").is_err());
        assert!(base58_decode_array::<32>(&base58_encode(&[7u8; 31]), "k").is_err());
        assert!(base58_decode_array::<32>(&base58_encode(&[7u8; 33]), "k").is_err());
        assert!(base58_decode_array::<32>("", "k").is_err());
    }

    #[test]
    fn hex_round_trip_and_refusals() {
        assert_eq!(hex_encode(&[0, 0xab, 0xff]), "00abff");
        assert_eq!(hex_decode("00ABff", "h").unwrap(), vec![0, 0xab, 0xff]);
        assert!(hex_decode("0", "h").is_err());
        assert!(hex_decode("zz", "h").is_err());
        assert!(hex_decode("é0", "h").is_err());
    }

    #[test]
    fn base64url_refuses_padding_and_bad_bits() {
        assert_eq!(base64url_decode("AQ", "b").unwrap(), vec![1]);
        assert!(base64url_decode("AQ==", "b").is_err());
        assert!(base64url_decode("AR", "b").is_err());
        assert!(base64url_decode("A+", "b").is_err());
    }
}
