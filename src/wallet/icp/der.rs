//! DER `SubjectPublicKeyInfo` for the key types the IC uses, read and written
//! strictly.
//!
//! The structure is tiny and fixed, so keytree reads it with the small TLV
//! reader below rather than the `der`/`spki` crates: the reader refuses
//! everything but definite, minimal lengths, exact content lengths and no
//! trailing bytes, and the result is re-encoded and compared byte for byte,
//! so exactly one DER encoding is accepted per key. That matters here more
//! than usual: a principal is SHA-224 of these bytes, so two encodings of
//! one key would be two identities.
//!
//! ```text
//! SEQUENCE {
//!   SEQUENCE { OBJECT IDENTIFIER algorithm, [OBJECT IDENTIFIER curve] }
//!   BIT STRING (0 unused bits) key
//! }
//! ```

use crate::error::{DecodeReason, Error, Result, WalletError};

pub(crate) const WHAT: &str = "icp public key (der)";

const TAG_SEQUENCE: u8 = 0x30;
const TAG_BIT_STRING: u8 = 0x03;
const TAG_OID: u8 = 0x06;

/// 1.3.101.112 (RFC 8410).
const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];
/// 1.2.840.10045.2.1 (RFC 5480).
const OID_EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
/// 1.3.132.0.10.
const OID_SECP256K1: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x0a];
/// 1.2.840.10045.3.1.7 (prime256v1).
const OID_P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
/// 1.3.6.1.4.1.56387.1.2 (dfinity canister signature).
const OID_CANISTER_SIGNATURE: &[u8] = &[0x2b, 0x06, 0x01, 0x04, 0x01, 0x83, 0xb8, 0x43, 0x01, 0x02];
/// 1.3.6.1.4.1.56387.1.1 (dfinity DER-wrapped COSE, WebAuthn).
const OID_DER_WRAPPED_COSE: &[u8] = &[0x2b, 0x06, 0x01, 0x04, 0x01, 0x83, 0xb8, 0x43, 0x01, 0x01];

/// The SPKI prefixes, for emitting (and so for the canonical comparison).
const PREFIX_ED25519: &[u8] = &[
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];
const PREFIX_SECP256K1: &[u8] = &[
    0x30, 0x56, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x05, 0x2b,
    0x81, 0x04, 0x00, 0x0a, 0x03, 0x42, 0x00,
];
const PREFIX_P256: &[u8] = &[
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];

/// The largest SPKI accepted (P-256: 91 bytes); anything longer is refused
/// before parsing.
pub(crate) const MAX_DER_LEN: usize = 91;

/// The key algorithms keytree verifies for ICP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Algorithm {
    Ed25519,
    Secp256k1,
    P256,
}

impl Algorithm {
    fn prefix(self) -> &'static [u8] {
        match self {
            Self::Ed25519 => PREFIX_ED25519,
            Self::Secp256k1 => PREFIX_SECP256K1,
            Self::P256 => PREFIX_P256,
        }
    }

    /// Raw key length: 32 for Ed25519, 65 (uncompressed SEC1) for ECDSA.
    fn key_len(self) -> usize {
        match self {
            Self::Ed25519 => 32,
            Self::Secp256k1 | Self::P256 => 65,
        }
    }
}

/// Writes the SPKI for a raw key of the right length.
pub(crate) fn encode(algorithm: Algorithm, key: &[u8]) -> Vec<u8> {
    let prefix = algorithm.prefix();
    let mut out = Vec::with_capacity(prefix.len() + key.len());
    out.extend_from_slice(prefix);
    out.extend_from_slice(key);
    out
}

/// Reads an SPKI: the algorithm and the raw key bytes (32-byte Ed25519 key,
/// or a 65-byte uncompressed SEC1 point, `0x04 · x · y`, as the IC
/// requires). The key bytes are not yet checked to be a curve point.
///
/// # Errors
/// [`Error::Decode`] for malformed or non-canonical DER;
/// [`WalletError::IcpCanisterSignature`] for a canister-signature key;
/// [`WalletError::IcpUnsupportedKey`] for any other algorithm.
pub(crate) fn decode(der: &[u8]) -> Result<(Algorithm, &[u8])> {
    if der.len() > MAX_DER_LEN {
        // Canister-signature keys are longer than any key accepted here; say
        // so rather than "too long" when the header shows one.
        if let Ok(Some(oid)) = peek_algorithm_oid(der) {
            refuse_unsupported(oid)?;
        }
        return Err(Error::decode(
            WHAT,
            DecodeReason::TooLong { max: MAX_DER_LEN },
        ));
    }
    let mut outer = Reader::new(der);
    let spki = outer.tlv(TAG_SEQUENCE)?;
    outer.finish()?;

    let mut fields = Reader::new(spki);
    let algorithm_identifier = fields.tlv(TAG_SEQUENCE)?;
    let bit_string = fields.tlv(TAG_BIT_STRING)?;
    fields.finish()?;

    let mut alg = Reader::new(algorithm_identifier);
    let oid = alg.tlv(TAG_OID)?;
    refuse_unsupported(oid)?;
    let curve = if alg.is_empty() {
        None
    } else {
        Some(alg.tlv(TAG_OID)?)
    };
    alg.finish()?;

    let algorithm = match (oid, curve) {
        (OID_ED25519, None) => Algorithm::Ed25519,
        (OID_EC_PUBLIC_KEY, Some(OID_SECP256K1)) => Algorithm::Secp256k1,
        (OID_EC_PUBLIC_KEY, Some(OID_P256)) => Algorithm::P256,
        (OID_ED25519, Some(_)) => {
            return Err(Error::malformed(
                WHAT,
                "ed25519 algorithm identifier must not have parameters",
            ));
        }
        (OID_EC_PUBLIC_KEY, Some(curve)) => {
            return Err(WalletError::IcpUnsupportedKey(format!(
                "ecdsa on curve {}",
                oid_text(curve)
            ))
            .into());
        }
        (OID_EC_PUBLIC_KEY, None) => {
            return Err(Error::malformed(
                WHAT,
                "ec public key without a named curve",
            ));
        }
        (other, _) => {
            return Err(WalletError::IcpUnsupportedKey(oid_text(other)).into());
        }
    };

    let (&unused_bits, key) = bit_string
        .split_first()
        .ok_or_else(|| Error::malformed(WHAT, "empty bit string"))?;
    if unused_bits != 0 {
        return Err(Error::malformed(WHAT, "bit string with unused bits"));
    }
    if key.len() != algorithm.key_len() {
        return Err(Error::decode(
            WHAT,
            DecodeReason::Length {
                expected: algorithm.key_len(),
                got: key.len(),
            },
        ));
    }
    if algorithm != Algorithm::Ed25519 && key.first() != Some(&0x04) {
        return Err(Error::decode(
            WHAT,
            DecodeReason::NonCanonical("ecdsa points must be uncompressed (0x04 · x · y)"),
        ));
    }
    // The one encoding: strict parsing above should make this redundant.
    if encode(algorithm, key) != der {
        return Err(Error::decode(WHAT, DecodeReason::NonCanonical("der")));
    }
    Ok((algorithm, key))
}

/// Refuses the IC key types that keytree knows of but cannot verify, with
/// their own error.
fn refuse_unsupported(oid: &[u8]) -> Result<()> {
    if oid == OID_CANISTER_SIGNATURE {
        return Err(WalletError::IcpCanisterSignature.into());
    }
    if oid == OID_DER_WRAPPED_COSE {
        return Err(WalletError::IcpUnsupportedKey(
            "webauthn (der-wrapped cose, 1.3.6.1.4.1.56387.1.1)".into(),
        )
        .into());
    }
    Ok(())
}

/// The algorithm OID of an SPKI, read leniently from its header only (used
/// to name an over-long key's algorithm in the error).
fn peek_algorithm_oid(der: &[u8]) -> Result<Option<&[u8]>> {
    let mut outer = Reader::new(der);
    let spki = outer.tlv(TAG_SEQUENCE)?;
    let mut fields = Reader::new(spki);
    let algorithm_identifier = fields.tlv(TAG_SEQUENCE)?;
    let mut alg = Reader::new(algorithm_identifier);
    Ok(Some(alg.tlv(TAG_OID)?))
}

/// Dotted text of an OID's content bytes, for error messages; falls back to
/// hex when the bytes are not a well-formed OID.
fn oid_text(content: &[u8]) -> String {
    fn arcs(content: &[u8]) -> Option<Vec<u64>> {
        let mut arcs = Vec::new();
        let mut value: u64 = 0;
        let mut in_arc = false;
        for &b in content {
            if !in_arc && b == 0x80 {
                return None; // non-minimal arc encoding
            }
            value = value.checked_mul(128)?.checked_add(u64::from(b & 0x7f))?;
            in_arc = b & 0x80 != 0;
            if !in_arc {
                arcs.push(value);
                value = 0;
            }
        }
        if in_arc || arcs.is_empty() {
            return None;
        }
        let first = *arcs.first()?;
        let (a, b) = match first {
            0..=39 => (0, first),
            40..=79 => (1, first - 40),
            _ => (2, first - 80),
        };
        let mut out = vec![a, b];
        out.extend(arcs.get(1..)?);
        Some(out)
    }
    match arcs(content) {
        Some(arcs) => arcs
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join("."),
        None => format!("oid {}", crate::encoding::hex_encode(content)),
    }
}

/// A strict DER TLV reader over a slice.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(input: &'a [u8]) -> Self {
        Self { rest: input }
    }

    fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    fn byte(&mut self) -> Result<u8> {
        let (&b, rest) = self
            .rest
            .split_first()
            .ok_or_else(|| Error::malformed(WHAT, "truncated"))?;
        self.rest = rest;
        Ok(b)
    }

    /// A definite length in its minimal form (short form below 128; long
    /// form with one or two length bytes otherwise, no leading zero).
    fn length(&mut self) -> Result<usize> {
        let first = self.byte()?;
        if first < 0x80 {
            return Ok(usize::from(first));
        }
        let len = match first {
            0x81 => {
                let n = self.byte()?;
                if n < 0x80 {
                    return Err(Error::decode(
                        WHAT,
                        DecodeReason::NonCanonical("long-form length where short form suffices"),
                    ));
                }
                usize::from(n)
            }
            0x82 => {
                let hi = self.byte()?;
                let lo = self.byte()?;
                if hi == 0 {
                    return Err(Error::decode(
                        WHAT,
                        DecodeReason::NonCanonical("length with a leading zero byte"),
                    ));
                }
                usize::from(hi) << 8 | usize::from(lo)
            }
            0x80 => return Err(Error::malformed(WHAT, "indefinite length")),
            _ => return Err(Error::malformed(WHAT, "length too large")),
        };
        Ok(len)
    }

    /// One element with tag `tag`; returns its content.
    fn tlv(&mut self, tag: u8) -> Result<&'a [u8]> {
        let got = self.byte()?;
        if got != tag {
            return Err(Error::malformed(
                WHAT,
                format!("expected tag 0x{tag:02x}, got 0x{got:02x}"),
            ));
        }
        let len = self.length()?;
        if self.rest.len() < len {
            return Err(Error::malformed(WHAT, "length runs past the end"));
        }
        let (content, rest) = self.rest.split_at(len);
        self.rest = rest;
        Ok(content)
    }

    fn finish(self) -> Result<()> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(Error::malformed(WHAT, "trailing bytes"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::hex_decode;

    fn hex(s: &str) -> Vec<u8> {
        hex_decode(s, "test").unwrap()
    }

    #[test]
    fn prefixes_are_what_the_oids_say() {
        // Build each prefix from its parts to check the constants.
        fn spki(alg: &[u8], key_len: usize) -> Vec<u8> {
            let mut alg_seq = vec![TAG_SEQUENCE, alg.len() as u8];
            alg_seq.extend_from_slice(alg);
            let bits_len = key_len + 1;
            let total = alg_seq.len() + 2 + bits_len;
            let mut out = vec![TAG_SEQUENCE, total as u8];
            out.extend(alg_seq);
            out.extend([TAG_BIT_STRING, bits_len as u8, 0]);
            out
        }
        let oid = |c: &[u8]| {
            let mut v = vec![TAG_OID, c.len() as u8];
            v.extend_from_slice(c);
            v
        };
        assert_eq!(spki(&oid(OID_ED25519), 32), PREFIX_ED25519);
        let k1 = [oid(OID_EC_PUBLIC_KEY), oid(OID_SECP256K1)].concat();
        assert_eq!(spki(&k1, 65), PREFIX_SECP256K1);
        let r1 = [oid(OID_EC_PUBLIC_KEY), oid(OID_P256)].concat();
        assert_eq!(spki(&r1, 65), PREFIX_P256);
    }

    #[test]
    fn round_trip() {
        let ed = hex(
            "302a300506032b65700321002cb5d3f2b944a66c102e1c5729dff245b31c5d4675bed19500cabe9111ab4231",
        );
        let (alg, key) = decode(&ed).unwrap();
        assert_eq!(alg, Algorithm::Ed25519);
        assert_eq!(encode(alg, key), ed);
    }

    #[test]
    fn refuses_non_minimal_lengths_and_trailing_bytes() {
        let ed = hex(
            "302a300506032b65700321002cb5d3f2b944a66c102e1c5729dff245b31c5d4675bed19500cabe9111ab4231",
        );
        // Outer length in long form (0x81 0x2a).
        let mut long = vec![0x30, 0x81, 0x2a];
        long.extend_from_slice(&ed[2..]);
        assert!(matches!(
            decode(&long).unwrap_err(),
            Error::Decode {
                reason: DecodeReason::NonCanonical(_),
                ..
            }
        ));
        let mut trailing = ed.clone();
        trailing.push(0);
        assert!(decode(&trailing).is_err());
        // Inner trailing byte inside the outer sequence.
        let mut inner = ed.clone();
        inner[1] += 1;
        inner.push(0);
        assert!(decode(&inner).is_err());
        // Unused bits.
        let mut unused = ed.clone();
        unused[11] = 1;
        assert!(decode(&unused).is_err());
        // Truncated anywhere.
        for n in 0..ed.len() {
            assert!(decode(&ed[..n]).is_err(), "prefix of {n} bytes accepted");
        }
        // Ed25519 with a NULL parameter (RFC 8410 forbids it).
        let with_null = hex(
            "302c300706032b657005000321002cb5d3f2b944a66c102e1c5729dff245b31c5d4675bed19500cabe9111ab4231",
        );
        assert!(decode(&with_null).is_err());
    }

    #[test]
    fn unknown_and_unsupported_oids() {
        // X25519 (1.3.101.110): a real SPKI, not a signing key.
        let x25519 = hex(
            "302a300506032b656e0321002cb5d3f2b944a66c102e1c5729dff245b31c5d4675bed19500cabe9111ab4231",
        );
        assert_eq!(
            decode(&x25519).unwrap_err(),
            Error::Wallet(WalletError::IcpUnsupportedKey("1.3.101.110".into()))
        );
        // A canister-signature key (Internet Identity): canister id + seed.
        let mut bits = vec![10u8];
        bits.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 7, 1, 1]);
        bits.extend_from_slice(&[0x42; 32]);
        let mut der = vec![0x30, (17 + bits.len()) as u8, 0x30, 0x0c, 0x06, 0x0a];
        der.extend_from_slice(OID_CANISTER_SIGNATURE);
        der.extend([0x03, (bits.len() + 1) as u8, 0x00]);
        der.extend(bits);
        assert_eq!(
            decode(&der).unwrap_err(),
            Error::Wallet(WalletError::IcpCanisterSignature)
        );
        // Compressed secp256k1 point: refused, the IC wants uncompressed.
        let mut compressed = vec![0x30, 0x36, 0x30, 0x10];
        compressed.extend_from_slice(&PREFIX_SECP256K1[4..20]);
        compressed.extend([0x03, 0x22, 0x00, 0x02]);
        compressed.extend([0x11; 32]);
        assert!(matches!(
            decode(&compressed).unwrap_err(),
            Error::Decode {
                reason: DecodeReason::Length {
                    expected: 65,
                    got: 33
                },
                ..
            }
        ));
    }

    #[test]
    fn oid_text_forms() {
        assert_eq!(oid_text(OID_CANISTER_SIGNATURE), "1.3.6.1.4.1.56387.1.2");
        assert_eq!(oid_text(OID_P256), "1.2.840.10045.3.1.7");
        assert_eq!(oid_text(&[0x80, 0x01]), "oid 8001");
        assert_eq!(oid_text(&[0x81]), "oid 81");
        assert_eq!(oid_text(&[0xff; 20]), format!("oid {}", "ff".repeat(20)));
    }
}
