//! ICP principals: the byte form (0 to 29 bytes) and the canonical text form
//! `Grouped(Base32(CRC32(b) · b))`, lowercase, dashes every five characters.
//!
//! In every build, whatever the features: `icp:…` account texts are checked
//! with [`Principal::from_text`], so every build accepts the same accounts.
//! The `icp` feature adds keys, signatures and delegation chains.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha224};

use crate::error::{DecodeReason, Error, Result};

const WHAT: &str = "icp principal";

/// The longest principal text: 29 bytes + 4 checksum bytes = 53 base32
/// characters, plus 10 dashes.
const MAX_TEXT_LEN: usize = 63;

/// The suffix byte of a self-authenticating principal.
const SELF_AUTHENTICATING_SUFFIX: u8 = 0x02;

/// The anonymous principal's only byte.
const ANONYMOUS_BYTE: u8 = 0x04;

/// An Internet Computer principal: an opaque id of 0 to 29 bytes.
///
/// The text form is the IC's canonical one (`2vxsx-fae`, `aaaaa-aa`,
/// `rrkah-fqaaa-aaaaa-aaaaq-cai`, …). [`Principal::from_text`] (and
/// `FromStr`, and JSON) accept only that canonical text: lowercase, grouped
/// in fives, with a correct CRC32. The IC itself parses case-insensitively;
/// [`Principal::from_text_ignore_case`] does that for callers who need it.
///
/// # Example
/// ```
/// use keytree::Principal;
/// let anonymous: Principal = "2vxsx-fae".parse()?;
/// assert_eq!(anonymous, Principal::anonymous());
/// assert_eq!(anonymous.as_slice(), &[0x04]);
/// assert_eq!(Principal::management_canister().to_string(), "aaaaa-aa");
/// assert!("2VXSX-FAE".parse::<Principal>().is_err());
/// assert_eq!(Principal::from_text_ignore_case("2VXSX-FAE")?, anonymous);
/// Ok::<(), keytree::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Principal {
    len: u8,
    /// Bytes past `len` are always zero, so the derived `Eq`/`Hash` agree
    /// with comparing `as_slice()`.
    bytes: [u8; Principal::MAX_LEN],
}

impl Principal {
    /// The longest principal, in bytes.
    pub const MAX_LEN: usize = 29;

    /// The anonymous principal `2vxsx-fae` (the single byte `0x04`).
    pub const fn anonymous() -> Self {
        let mut bytes = [0u8; Self::MAX_LEN];
        bytes[0] = ANONYMOUS_BYTE;
        Self { len: 1, bytes }
    }

    /// The management canister `aaaaa-aa` (the empty byte string).
    pub const fn management_canister() -> Self {
        Self {
            len: 0,
            bytes: [0u8; Self::MAX_LEN],
        }
    }

    /// The self-authenticating principal of a DER-encoded public key:
    /// `SHA-224(der) · 0x02` (29 bytes).
    ///
    /// This hashes whatever bytes it is given; use `IcpPublicKey::principal`
    /// (feature `icp`) to derive it from a key that was checked.
    pub fn self_authenticating(der_public_key: &[u8]) -> Self {
        let digest: [u8; 28] = Sha224::digest(der_public_key).into();
        let mut bytes = [0u8; Self::MAX_LEN];
        let (head, tail) = bytes.split_at_mut(28);
        head.copy_from_slice(&digest);
        if let Some(last) = tail.first_mut() {
            *last = SELF_AUTHENTICATING_SUFFIX;
        }
        Self {
            len: Self::MAX_LEN as u8,
            bytes,
        }
    }

    /// Accepts 0 to 29 bytes as a principal.
    ///
    /// # Errors
    /// [`Error::Decode`] when `bytes` is longer than 29 bytes.
    pub fn from_slice(bytes: &[u8]) -> Result<Self> {
        let Ok(len) = u8::try_from(bytes.len()) else {
            return Err(too_long());
        };
        let mut out = [0u8; Self::MAX_LEN];
        out.get_mut(..bytes.len())
            .ok_or_else(too_long)?
            .copy_from_slice(bytes);
        Ok(Self { len, bytes: out })
    }

    /// The principal's bytes.
    pub fn as_slice(&self) -> &[u8] {
        // `len <= MAX_LEN` by construction; fall back to the whole buffer
        // rather than panic.
        self.bytes
            .get(..usize::from(self.len))
            .unwrap_or(&self.bytes)
    }

    /// Whether this is the anonymous principal.
    pub fn is_anonymous(&self) -> bool {
        self.as_slice() == [ANONYMOUS_BYTE]
    }

    /// Whether this has the self-authenticating form (29 bytes ending in
    /// `0x02`). Any such principal looks alike; only a key can show that
    /// it is the one.
    pub fn is_self_authenticating(&self) -> bool {
        usize::from(self.len) == Self::MAX_LEN
            && self.as_slice().last() == Some(&SELF_AUTHENTICATING_SUFFIX)
    }

    /// The canonical text form (lowercase, dashes every five characters).
    pub fn to_text(&self) -> String {
        let bytes = self.as_slice();
        let mut payload = Vec::with_capacity(4 + bytes.len());
        payload.extend_from_slice(&crc32(bytes).to_be_bytes());
        payload.extend_from_slice(bytes);
        let plain = base32_encode(&payload);
        let mut out = String::with_capacity(MAX_TEXT_LEN);
        for (i, c) in plain.chars().enumerate() {
            if i > 0 && i % 5 == 0 {
                out.push('-');
            }
            out.push(c);
        }
        out
    }

    /// Parses the canonical text form, strictly: lowercase only, groups of
    /// five characters separated by single dashes (the last group 1 to 5),
    /// valid base32 with zero trailing bits, at most 29 bytes, and a
    /// correct CRC32. The text must be exactly what [`Principal::to_text`]
    /// prints.
    ///
    /// # Errors
    /// [`Error::Decode`] for malformed, non-canonical or over-long text;
    /// [`DecodeReason::Checksum`] when only the checksum is wrong.
    pub fn from_text(text: &str) -> Result<Self> {
        if text.len() > MAX_TEXT_LEN {
            return Err(Error::decode(
                WHAT,
                DecodeReason::TooLong { max: MAX_TEXT_LEN },
            ));
        }
        if text.is_empty() {
            return Err(Error::malformed(WHAT, "empty text"));
        }
        if text.bytes().any(|c| c.is_ascii_uppercase()) {
            return Err(Error::decode(
                WHAT,
                DecodeReason::NonCanonical("upper-case letters (the canonical text is lowercase)"),
            ));
        }
        if text.bytes().any(|c| c != b'-' && base32_value(c).is_none()) {
            return Err(Error::decode(WHAT, DecodeReason::Alphabet("base32")));
        }
        // Grouping: every group but the last is exactly 5 characters; the
        // last is 1 to 5. This also refuses leading, trailing and double
        // dashes.
        let mut groups = text.split('-').peekable();
        let mut plain = Vec::with_capacity(text.len());
        while let Some(group) = groups.next() {
            let last = groups.peek().is_none();
            let ok = if last {
                (1..=5).contains(&group.len())
            } else {
                group.len() == 5
            };
            if !ok {
                return Err(Error::decode(
                    WHAT,
                    DecodeReason::NonCanonical("dashes must separate groups of five characters"),
                ));
            }
            plain.extend_from_slice(group.as_bytes());
        }
        let decoded = base32_decode(&plain)?;
        if decoded.len() < 4 {
            return Err(Error::malformed(WHAT, "shorter than its 4-byte checksum"));
        }
        let (checksum, bytes) = decoded.split_at(4);
        if bytes.len() > Self::MAX_LEN {
            return Err(too_long());
        }
        if checksum != crc32(bytes).to_be_bytes() {
            return Err(Error::decode(WHAT, DecodeReason::Checksum("crc32")));
        }
        let principal = Self::from_slice(bytes)?;
        // Belt and braces: the text must be the one canonical encoding.
        if principal.to_text() != text {
            return Err(Error::decode(
                WHAT,
                DecodeReason::NonCanonical("principal text"),
            ));
        }
        Ok(principal)
    }

    /// Parses the text form case-insensitively, as the IC interface
    /// specification allows (`2VXSX-FAE` is the anonymous principal).
    /// Everything else is as strict as [`Principal::from_text`].
    ///
    /// Use this where people type principals; keep [`Principal::from_text`]
    /// where text is compared or stored, so one principal has one text.
    ///
    /// # Errors
    /// As [`Principal::from_text`].
    pub fn from_text_ignore_case(text: &str) -> Result<Self> {
        if text.len() > MAX_TEXT_LEN {
            return Err(Error::decode(
                WHAT,
                DecodeReason::TooLong { max: MAX_TEXT_LEN },
            ));
        }
        Self::from_text(&text.to_ascii_lowercase())
    }
}

fn too_long() -> Error {
    Error::decode(
        WHAT,
        DecodeReason::TooLong {
            max: Principal::MAX_LEN,
        },
    )
}

impl PartialOrd for Principal {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Byte-wise lexicographic order, as the IC orders principals.
impl Ord for Principal {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_slice().cmp(other.as_slice())
    }
}

impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

impl fmt::Debug for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Principal({})", self.to_text())
    }
}

impl FromStr for Principal {
    type Err = Error;

    /// The strict canonical parse, [`Principal::from_text`].
    fn from_str(s: &str) -> Result<Self> {
        Self::from_text(s)
    }
}

impl AsRef<[u8]> for Principal {
    fn as_ref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl Serialize for Principal {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// JSON accepts only the canonical text.
impl<'de> Deserialize<'de> for Principal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::from_text(&s).map_err(serde::de::Error::custom)
    }
}

// ---------------------------------------------------------------------------
// CRC32 (CRC-32/ISO-HDLC: ISO 3309 / ITU-T V.42 / IEEE 802.3; the one PNG
// and zlib use) and base32 (RFC 4648 §6, unpadded) from the `crc` and
// `data-encoding` crates.

const CRC32: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

/// CRC32 of `bytes` (initial value and final xor `0xFFFFFFFF`).
pub(crate) fn crc32(bytes: &[u8]) -> u32 {
    CRC32.checksum(bytes)
}

/// Lowercase unpadded base32, as the IC prints it.
fn base32_encode(bytes: &[u8]) -> String {
    data_encoding::BASE32_NOPAD
        .encode(bytes)
        .to_ascii_lowercase()
}

/// Is `c` in the lowercase base32 alphabet?
fn base32_value(c: u8) -> Option<u8> {
    match c {
        b'a'..=b'z' => Some(c - b'a'),
        b'2'..=b'7' => Some(c - b'2' + 26),
        _ => None,
    }
}

/// Decodes unpadded lowercase base32, refusing lengths that no byte string
/// encodes to and non-zero trailing bits (`BASE32_NOPAD` checks both; it is
/// uppercase-only, and [`Principal::from_text`] has already refused any
/// uppercase letter, so upper-casing here maps one-to-one).
fn base32_decode(text: &[u8]) -> Result<Vec<u8>> {
    data_encoding::BASE32_NOPAD
        .decode(&text.to_ascii_uppercase())
        .map_err(|e| match e.kind {
            data_encoding::DecodeKind::Trailing => Error::decode(
                WHAT,
                DecodeReason::NonCanonical("non-zero trailing bits in base32"),
            ),
            _ => Error::decode(WHAT, DecodeReason::Alphabet("base32")),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::hex_decode;

    #[test]
    fn crc32_check_value_and_spec_example() {
        // The standard CRC-32 check value.
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        // The crate computes the reflected-table definition keytree used
        // before, over every length a principal can have and more.
        let bitwise = |data: &[u8]| {
            let mut c = u32::MAX;
            for &b in data {
                c ^= u32::from(b);
                for _ in 0..8 {
                    c = if c & 1 != 0 {
                        0xEDB8_8320 ^ (c >> 1)
                    } else {
                        c >> 1
                    };
                }
            }
            !c
        };
        let data: Vec<u8> = (0..64u8).map(|i| i.wrapping_mul(91) ^ 0x5a).collect();
        for n in 0..data.len() {
            assert_eq!(crc32(&data[..n]), bitwise(&data[..n]));
        }
        assert_eq!(crc32(b""), 0);
        // IC interface spec: 0xABCD01 has check sequence 0x233FF206.
        assert_eq!(crc32(&[0xab, 0xcd, 0x01]), 0x233F_F206);
    }

    #[test]
    fn spec_example_and_special_principals() {
        let p = Principal::from_slice(&[0xab, 0xcd, 0x01]).unwrap();
        assert_eq!(p.to_text(), "em77e-bvlzu-aq");
        assert_eq!(Principal::from_text("em77e-bvlzu-aq").unwrap(), p);
        assert_eq!(Principal::anonymous().to_text(), "2vxsx-fae");
        assert!(Principal::anonymous().is_anonymous());
        assert_eq!(Principal::management_canister().to_text(), "aaaaa-aa");
        assert_eq!(
            Principal::from_text("aaaaa-aa").unwrap(),
            Principal::management_canister()
        );
    }

    #[test]
    fn self_authenticating_of_empty_key() {
        // dfinity/candid ic_principal `self_authenticating_ok`.
        let p = Principal::self_authenticating(&[]);
        assert_eq!(
            p.as_slice(),
            hex_decode(
                "d14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f02",
                "t"
            )
            .unwrap()
        );
        assert!(p.is_self_authenticating());
        assert!(!Principal::anonymous().is_self_authenticating());
    }

    #[test]
    fn refusals() {
        let long = Principal::from_slice(&[0xab; 29]).unwrap().to_text();
        assert_eq!(long.len(), 63);
        assert!(Principal::from_slice(&[0; 30]).is_err());
        for bad in [
            "",
            "-",
            "aaaaa-aa-",
            "-aaaaa-aa",
            "aaaaa--aa",
            "aaaaaaa",
            "aaaaa-a",
            "aaaaa",
            "AAAAA-AA",
            "aaaaa-ab",
            "aaaaa-a1",
            " aaaaa-aa",
            "aaaaa-aa ",
            "aaaaé-aa",
        ] {
            assert!(Principal::from_text(bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(
            Principal::from_text("0aaaa-aa").unwrap_err(),
            Error::decode(WHAT, DecodeReason::Alphabet("base32"))
        );
        assert_eq!(
            Principal::from_text("baaaa-aa").unwrap_err(),
            Error::decode(WHAT, DecodeReason::Checksum("crc32"))
        );
    }

    #[test]
    fn trailing_bits_must_be_zero() {
        // "aaaaa-aa" is 7 characters = 35 bits: 4 bytes and 3 spare bits.
        // "aaaaa-ab" sets a spare bit but decodes to the same 4 zero bytes
        // (CRC32 of the empty principal is 0), so only the canonical check
        // refuses it.
        assert_eq!(
            Principal::from_text("aaaaa-ab").unwrap_err(),
            Error::decode(
                WHAT,
                DecodeReason::NonCanonical("non-zero trailing bits in base32")
            )
        );
    }

    #[test]
    fn ordering_is_bytewise() {
        let a = Principal::from_slice(&[1]).unwrap();
        let b = Principal::from_slice(&[0, 9]).unwrap();
        assert!(b < a);
        assert!(Principal::management_canister() < b);
    }

    #[test]
    fn json_is_canonical_text() {
        let p = Principal::anonymous();
        assert_eq!(serde_json::to_string(&p).unwrap(), "\"2vxsx-fae\"");
        assert_eq!(
            serde_json::from_str::<Principal>("\"2vxsx-fae\"").unwrap(),
            p
        );
        assert!(serde_json::from_str::<Principal>("\"2VXSX-FAE\"").is_err());
    }

    proptest::proptest! {
        #[test]
        fn text_round_trip(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..=29)) {
            let p = Principal::from_slice(&bytes).unwrap();
            let text = p.to_text();
            proptest::prop_assert!(text.len() <= MAX_TEXT_LEN);
            proptest::prop_assert_eq!(Principal::from_text(&text).unwrap(), p);
            proptest::prop_assert_eq!(Principal::from_text_ignore_case(&text.to_ascii_uppercase()).unwrap(), p);
        }

        #[test]
        fn never_panics(text in "\\PC{0,70}") {
            let _ = Principal::from_text(&text);
            let _ = Principal::from_text_ignore_case(&text);
        }
    }
}
