//! CAIP-10 parts: which chain a namespace names, and each chain's canonical
//! reference and address text. Also EIP-55 (needed in every build, because
//! an `eip155` account prints checksummed whatever features are on).

use sha3::{Digest as _, Keccak256};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::chain::Chain;
use crate::encoding::{base58_decode_array, hex_decode, hex_encode};
use crate::error::{DecodeReason, Error, Result};
use crate::public_key::Signature;

const WHAT: &str = "account id";

/// Keccak-256.
pub(crate) fn keccak256(data: &[u8]) -> [u8; 32] {
    Keccak256::digest(data).into()
}

/// The chain a CAIP-2 namespace (and, for `rawkey`, reference) names.
pub(crate) fn chain_of(namespace: &str, reference: &str) -> Result<Chain> {
    Ok(match namespace {
        "eip155" => Chain::Ethereum,
        "near" => Chain::Near,
        "icp" => Chain::Icp,
        "stellar" => Chain::Stellar,
        "solana" => Chain::Solana,
        "rawkey" => match reference {
            "ed25519" => Chain::RawEd25519,
            "secp256k1" => Chain::RawSecp256k1,
            _ => {
                return Err(Error::malformed(
                    WHAT,
                    "rawkey reference must be ed25519 or secp256k1",
                ));
            }
        },
        other => {
            check_namespace(other)?;
            Chain::Custom(other.to_owned())
        }
    })
}

/// CAIP-2 namespace: `[-a-z0-9]{3,8}`, and not one keytree knows (those have
/// their own `Chain` variant, so `Custom("eip155")` would be a second form).
fn check_namespace(ns: &str) -> Result<()> {
    let ok = (3..=8).contains(&ns.len())
        && ns
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-');
    if !ok {
        return Err(Error::malformed(
            WHAT,
            "namespace must match [-a-z0-9]{3,8}",
        ));
    }
    // Built-in namespaces have their own `Chain` variant; `ed25519` and
    // `did` would collide with the native issuer text forms
    // (`ed25519:<base58>`, `did:key:…`).
    if matches!(
        ns,
        "eip155" | "near" | "icp" | "stellar" | "solana" | "rawkey" | "ed25519" | "did"
    ) {
        return Err(Error::malformed(
            WHAT,
            "a built-in or reserved namespace cannot be a custom chain",
        ));
    }
    Ok(())
}

/// Validates the CAIP-2 reference for `chain` and returns it.
pub(crate) fn check_reference(chain: &Chain, reference: &str) -> Result<String> {
    let generic = (1..=32).contains(&reference.len())
        && reference
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_');
    if !generic {
        return Err(Error::malformed(
            WHAT,
            "reference must match [-_a-zA-Z0-9]{1,32}",
        ));
    }
    let ok = match chain {
        Chain::Ethereum => {
            // Decimal chain id, no leading zero, non-zero, fits u64.
            reference.bytes().all(|c| c.is_ascii_digit())
                && !reference.starts_with('0')
                && reference.parse::<u64>().is_ok()
        }
        Chain::Near => matches!(reference, "mainnet" | "testnet"),
        Chain::Stellar => matches!(reference, "pubnet" | "testnet"),
        // CAIP-30: the first 32 characters of the base58 genesis hash.
        Chain::Solana => reference.len() == 32 && reference.bytes().all(bs58_alphabet),
        Chain::RawEd25519 => reference == "ed25519",
        Chain::RawSecp256k1 => reference == "secp256k1",
        // ICP has one public network.
        Chain::Icp => reference == "mainnet",
        Chain::Custom(ns) => {
            check_namespace(ns)?;
            true
        }
    };
    if !ok {
        return Err(Error::malformed(
            WHAT,
            format!("invalid {} reference {reference:?}", chain.namespace()),
        ));
    }
    Ok(reference.to_owned())
}

fn bs58_alphabet(c: u8) -> bool {
    c.is_ascii_alphanumeric() && !matches!(c, b'0' | b'O' | b'I' | b'l')
}

/// Validates `address` for `chain` and returns its canonical text.
pub(crate) fn canonical_address(chain: &Chain, _reference: &str, address: &str) -> Result<String> {
    let generic = (1..=128).contains(&address.len())
        && address.bytes().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(c, b'-' | b'.' | b'%')
                || (c == b'_' && *chain == Chain::Near)
        });
    if !generic {
        return Err(Error::malformed(
            WHAT,
            "address must match [-.%a-zA-Z0-9]{1,128}",
        ));
    }
    match chain {
        Chain::Ethereum => parse_eth_address(address).map(|a| eip55_encode(&a)),
        Chain::Near => {
            check_near_account(address)?;
            Ok(address.to_owned())
        }
        Chain::Stellar => {
            check_stellar_account(address)?;
            Ok(address.to_owned())
        }
        Chain::Solana => {
            base58_decode_array::<32>(address, "solana address")?;
            Ok(address.to_owned())
        }
        Chain::RawEd25519 => {
            let bytes = lower_hex_array::<32>(address, "raw ed25519 key")?;
            crate::PublicKey::from_bytes(&bytes)?;
            Ok(address.to_owned())
        }
        Chain::RawSecp256k1 => {
            let bytes = lower_hex_array::<33>(address, "raw secp256k1 key")?;
            k256::PublicKey::from_sec1_bytes(&bytes)
                .map_err(|_| Error::from(crate::error::KeyError::NotOnCurve))?;
            Ok(address.to_owned())
        }
        // The canonical (strict, lowercase) principal text.
        Chain::Icp => {
            super::principal::Principal::from_text(address)?;
            Ok(address.to_owned())
        }
        Chain::Custom(_) => Ok(address.to_owned()),
    }
}

fn lower_hex_array<const N: usize>(text: &str, what: &'static str) -> Result<[u8; N]> {
    let bytes = hex_decode(text, what)?;
    if hex_encode(&bytes) != text {
        return Err(Error::decode(
            what,
            DecodeReason::NonCanonical("uppercase hex"),
        ));
    }
    <[u8; N]>::try_from(bytes.as_slice()).map_err(|_| {
        Error::decode(
            what,
            DecodeReason::Length {
                expected: N,
                got: bytes.len(),
            },
        )
    })
}

/// Parses `0x` + 40 hex digits. All-lowercase and all-uppercase digits are
/// accepted as unchecksummed; mixed case must be a valid EIP-55 checksum.
///
/// # Errors
/// [`Error::Decode`] on bad prefix, length or digits;
/// [`Error::InvalidSignature`] is *not* used: a bad checksum guards typos,
/// so it is [`DecodeReason::Checksum`] ("eip-55 checksum mismatch").
pub fn parse_eth_address(text: &str) -> Result<[u8; 20]> {
    const WHAT: &str = "ethereum address";
    let hex = text
        .strip_prefix("0x")
        .ok_or(Error::decode(WHAT, DecodeReason::Prefix { expected: "0x" }))?;
    if hex.len() != 40 {
        return Err(Error::decode(
            WHAT,
            DecodeReason::Length {
                expected: 20,
                got: hex.len() / 2,
            },
        ));
    }
    let bytes = hex_decode(hex, WHAT)?;
    let addr = <[u8; 20]>::try_from(bytes.as_slice()).map_err(|_| {
        Error::decode(
            WHAT,
            DecodeReason::Length {
                expected: 20,
                got: bytes.len(),
            },
        )
    })?;
    let has_lower = hex.bytes().any(|c| c.is_ascii_lowercase());
    let has_upper = hex.bytes().any(|c| c.is_ascii_uppercase());
    if has_lower && has_upper && eip55_encode(&addr) != text {
        return Err(Error::decode(WHAT, DecodeReason::Checksum("eip-55")));
    }
    Ok(addr)
}

/// The EIP-55 mixed-case checksum form of an address (`0x…`).
pub fn eip55_encode(address: &[u8; 20]) -> String {
    let lower = hex_encode(address);
    let hash = keccak256(lower.as_bytes());
    let mut out = String::with_capacity(42);
    out.push_str("0x");
    for (i, c) in lower.chars().enumerate() {
        let nibble = hash
            .get(i / 2)
            .map_or(0, |b| if i % 2 == 0 { b >> 4 } else { b & 0x0f });
        if c.is_ascii_alphabetic() && nibble >= 8 {
            out.push(c.to_ascii_uppercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether `text` is a valid EIP-55 checksummed address (exact case).
pub fn eip55_is_valid(text: &str) -> bool {
    parse_eth_address(text).is_ok_and(|a| eip55_encode(&a) == text)
}

/// NEAR account id rules (nearcore): 2–64 characters of `a-z 0-9 - _ .`;
/// separators neither lead, trail nor repeat.
pub(crate) fn check_near_account(id: &str) -> Result<()> {
    let bad = |why: &str| Error::malformed("near account id", why);
    if !(2..=64).contains(&id.len()) {
        return Err(bad("length must be 2 to 64"));
    }
    let mut prev_sep = true; // a separator may not lead
    for c in id.bytes() {
        match c {
            b'a'..=b'z' | b'0'..=b'9' => prev_sep = false,
            b'-' | b'_' | b'.' => {
                if prev_sep {
                    return Err(bad("misplaced separator"));
                }
                prev_sep = true;
            }
            _ => return Err(bad("invalid character")),
        }
    }
    if prev_sep {
        return Err(bad("trailing separator"));
    }
    Ok(())
}

/// An implicit NEAR account: 64 lowercase hex digits, the Ed25519 key itself.
#[cfg_attr(not(feature = "near"), allow(dead_code))]
pub(crate) fn near_implicit_key(id: &str) -> Option<[u8; 32]> {
    if id.len() != 64 || !id.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    hex_decode(id, "near implicit account")
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
}

/// A `G…` account strkey with a valid checksum (a muxed `M…` account, a
/// `C…` contract or any other kind is refused).
fn check_stellar_account(address: &str) -> Result<()> {
    super::strkey::decode_account(address).map(|_| ())
}

/// Decodes a standard (padded) base64 Ed25519 signature.
///
/// # Errors
/// [`Error::Decode`] on bad base64 or a length other than 64.
#[cfg_attr(not(any(feature = "near", feature = "stellar")), allow(dead_code))]
pub(crate) fn parse_base64_signature(text: &str, what: &'static str) -> Result<Signature> {
    if text.len() > 88 {
        return Err(Error::decode(what, DecodeReason::TooLong { max: 88 }));
    }
    let bytes = STANDARD
        .decode(text)
        .map_err(|_| Error::decode(what, DecodeReason::Alphabet("base64")))?;
    Signature::from_slice(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eip55_examples() {
        // From EIP-55.
        for a in [
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
            "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
            "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
        ] {
            assert!(eip55_is_valid(a), "{a}");
            let lower = a.to_lowercase().replace("0X", "0x");
            assert_eq!(eip55_encode(&parse_eth_address(&lower).unwrap()), a);
        }
        assert!(parse_eth_address("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD").is_err());
        assert!(parse_eth_address("5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed").is_err());
        assert!(parse_eth_address("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeA").is_err());
    }

    /// One principal, one text, whatever the features: another case or
    /// grouping of the canonical text is refused in every build (else a
    /// build without `icp` would take `icp:mainnet:2VXSX-FAE` as a second
    /// account, and a log it wrote would not replay where `icp` is on).
    #[test]
    fn icp_text_is_canonical_without_the_feature() {
        assert!(canonical_address(&Chain::Icp, "mainnet", "2vxsx-fae").is_ok());
        assert!(canonical_address(&Chain::Icp, "mainnet", "aaaaa-aa").is_ok());
        for bad in [
            "2VXSX-FAE",
            "2vxsx-fAe",
            "2vxsxfae",
            "2vxs-xfae",
            "2vxsx--fae",
            "-2vxsx-fae",
            "2vxsx-fae-",
            "2vxsx-fa1",
            "2vxsx.fae",
        ] {
            assert!(
                canonical_address(&Chain::Icp, "mainnet", bad).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn near_ids() {
        for ok in ["alice.near", "a1", "x_y-z.t", &"a".repeat(64)] {
            check_near_account(ok).unwrap();
        }
        for bad in [
            "a",
            "Alice.near",
            ".a",
            "a.",
            "a..b",
            "a-_b",
            &"a".repeat(65),
            "a b",
        ] {
            assert!(check_near_account(bad).is_err(), "{bad}");
        }
        assert!(near_implicit_key(&"ab".repeat(32)).is_some());
        assert!(near_implicit_key(&"AB".repeat(32)).is_none());
    }
}
