//! The compact JWS splitter and the strict protected-header parser.
//!
//! Nothing here does cryptography: it cuts a token into its parts, decodes
//! the header and checks `alg`, `typ` and `kid` before any key is touched.

use std::borrow::Cow;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

use super::defaults::ACCESS_TOKEN_TYP;
use super::helpers::clip;
use crate::error::{Error, Result, TokenError};

/// The only accepted `alg`.
pub(crate) const ALG: &str = "EdDSA";
/// Unpadded base64url of 64 bytes.
const SIGNATURE_B64_LEN: usize = 86;
/// The longest accepted encoded header (keytree's own are about 120 bytes).
pub(crate) const MAX_HEADER_B64: usize = 512;
/// Stack buffers up to this size; larger payloads go to the heap.
const STACK_PAYLOAD: usize = 4096;

/// A token cut into its parts. Nothing is decoded or verified.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Parts<'a> {
    /// `header.payload`: the bytes the signature covers.
    pub(crate) signing_input: &'a str,
    pub(crate) header_b64: &'a str,
    pub(crate) payload_b64: &'a str,
    pub(crate) signature_b64: &'a str,
}

fn malformed(detail: &str) -> Error {
    TokenError::Malformed(detail.to_owned()).into()
}

/// Splits `token` into exactly three parts (the signature may be empty here:
/// an unsigned `alg: none` token is then refused by its header).
///
/// # Errors
/// [`TokenError::TooLong`] beyond `max_len`; [`TokenError::Malformed`] for
/// any other shape.
pub(crate) fn split(token: &str, max_len: usize) -> Result<Parts<'_>> {
    if token.len() > max_len {
        return Err(TokenError::TooLong { max: max_len }.into());
    }
    let Some((signing_input, signature_b64)) = token.rsplit_once('.') else {
        return Err(malformed("expected three dot-separated parts"));
    };
    let Some((header_b64, payload_b64)) = signing_input.split_once('.') else {
        return Err(malformed("expected three dot-separated parts"));
    };
    if payload_b64.contains('.') {
        return Err(malformed("expected three dot-separated parts"));
    }
    if header_b64.is_empty() || payload_b64.is_empty() {
        return Err(malformed("empty header or payload"));
    }
    if header_b64.len() > MAX_HEADER_B64 {
        return Err(malformed("header too long"));
    }
    Ok(Parts {
        signing_input,
        header_b64,
        payload_b64,
        signature_b64,
    })
}

/// Decodes the signature part: exactly 64 bytes of canonical base64url.
///
/// # Errors
/// [`TokenError::Malformed`].
pub(crate) fn decode_signature(signature_b64: &str) -> Result<[u8; 64]> {
    if signature_b64.len() != SIGNATURE_B64_LEN {
        return Err(malformed("signature is not 64 bytes of base64url"));
    }
    let mut buf = [0u8; 66];
    let n = URL_SAFE_NO_PAD
        .decode_slice(signature_b64, &mut buf)
        .map_err(|_| malformed("signature is not base64url"))?;
    buf.get(..n)
        .and_then(|s| <[u8; 64]>::try_from(s).ok())
        .ok_or_else(|| malformed("signature is not 64 bytes of base64url"))
}

/// The protected header, parsed strictly: exactly `alg`, `typ`, `kid`.
///
/// serde's derived struct visitor refuses a duplicated member ("duplicate
/// field") and, with `deny_unknown_fields`, any other member (`crit`, `jku`,
/// `jwk`, `x5u`, `b64`, …). A member of the wrong type is an error.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Header<'a> {
    #[serde(borrow)]
    pub(crate) alg: Cow<'a, str>,
    #[serde(borrow)]
    pub(crate) typ: Cow<'a, str>,
    #[serde(borrow)]
    pub(crate) kid: Cow<'a, str>,
}

/// Decodes and parses the header, then pins `alg` and `typ`. The caller
/// resolves `kid`, which is returned.
///
/// # Errors
/// [`TokenError::InvalidHeader`], [`TokenError::Algorithm`],
/// [`TokenError::HeaderType`].
pub(crate) fn check_header<T>(
    header_b64: &str,
    resolve_kid: impl FnOnce(&str) -> Result<T>,
) -> Result<T> {
    let mut buf = [0u8; MAX_HEADER_B64];
    let n = URL_SAFE_NO_PAD
        .decode_slice(header_b64, &mut buf)
        .map_err(|_| TokenError::InvalidHeader("not base64url".into()))?;
    let bytes = buf.get(..n).unwrap_or_default();
    let header = parse_header(bytes)?;
    resolve_kid(&header.kid)
}

/// Parses header JSON and pins `alg` and `typ`.
pub(crate) fn parse_header(bytes: &[u8]) -> Result<Header<'_>> {
    let header: Header<'_> = serde_json::from_slice(bytes)
        .map_err(|e| TokenError::InvalidHeader(clip(&e.to_string(), 120)))?;
    if header.alg != ALG {
        return Err(TokenError::Algorithm(clip(&header.alg, 32)).into());
    }
    if header.typ != ACCESS_TOKEN_TYP {
        return Err(TokenError::HeaderType {
            expected: ACCESS_TOKEN_TYP,
            got: clip(&header.typ, 32),
        }
        .into());
    }
    Ok(header)
}

/// Decodes the payload and hands the bytes to `f` (stack buffer when small).
///
/// # Errors
/// [`TokenError::Malformed`] when the payload is not base64url; `f`'s errors.
pub(crate) fn with_payload<T>(payload_b64: &str, f: impl FnOnce(&[u8]) -> Result<T>) -> Result<T> {
    let bad = || malformed("payload is not base64url");
    let needed = payload_b64.len() / 4 * 3 + 3;
    if needed <= STACK_PAYLOAD {
        let mut buf = [0u8; STACK_PAYLOAD];
        let n = URL_SAFE_NO_PAD
            .decode_slice(payload_b64, &mut buf)
            .map_err(|_| bad())?;
        f(buf.get(..n).unwrap_or_default())
    } else {
        let bytes = URL_SAFE_NO_PAD.decode(payload_b64).map_err(|_| bad())?;
        f(&bytes)
    }
}

/// The encoded protected header for a key id.
pub(crate) fn encode_header(kid: &str) -> String {
    let json = format!(r#"{{"alg":"{ALG}","typ":"{ACCESS_TOKEN_TYP}","kid":"{kid}"}}"#);
    URL_SAFE_NO_PAD.encode(json)
}

/// A compact JWS `header.payload.signature` in one buffer sized up front:
/// the cached encoded header, the payload encoded straight after it, and
/// the signature that `sign` makes over that signing input.
pub(crate) fn compact(
    header_b64: &str,
    payload: &[u8],
    sign: impl FnOnce(&[u8]) -> [u8; 64],
) -> String {
    let payload_b64 = payload.len().div_ceil(3) * 4;
    let mut out = String::with_capacity(header_b64.len() + payload_b64 + 2 + SIGNATURE_B64_LEN);
    out.push_str(header_b64);
    out.push('.');
    b64_append(payload, &mut out);
    let signature = sign(out.as_bytes());
    out.push('.');
    b64_append(&signature, &mut out);
    out
}

/// Unpadded base64url, appended to `out`.
pub(crate) fn b64_append(bytes: &[u8], out: &mut String) {
    URL_SAFE_NO_PAD.encode_string(bytes, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        URL_SAFE_NO_PAD.encode(s)
    }

    fn sig() -> String {
        URL_SAFE_NO_PAD.encode([0u8; 64])
    }

    #[test]
    fn split_shapes() {
        let good = format!("{}.{}.{}", b64("{}"), b64("{}"), sig());
        assert!(split(&good, 8192).is_ok());
        for bad in [
            String::new(),
            "a.b".into(),
            format!("a.b.c.{}", sig()),
            format!("..{}", sig()),
            format!("a..{}", sig()),
            format!(".b.{}", sig()),
        ] {
            assert!(split(&bad, 8192).is_err(), "{bad:?} accepted");
        }
        assert!(decode_signature(&sig()).is_ok());
        for bad in [
            "c".to_string(),
            format!("{}=", &sig()[..85]),
            format!("{}A", sig()),
            sig().replace('A', "+"),
        ] {
            assert!(decode_signature(&bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(
            split(&good, 10).unwrap_err(),
            Error::Token(TokenError::TooLong { max: 10 })
        );
        // Non-canonical trailing bits in the signature.
        let mut s = sig();
        s.replace_range(85..86, "B");
        assert!(decode_signature(&s).is_err());
    }

    #[test]
    fn header_pins_alg_and_typ() {
        let ok = br#"{"alg":"EdDSA","typ":"at+jwt","kid":"k"}"#;
        assert_eq!(parse_header(ok).unwrap().kid, "k");
        let cases: &[&[u8]] = &[
            br#"{"alg":"none","typ":"at+jwt","kid":"k"}"#,
            br#"{"alg":"HS256","typ":"at+jwt","kid":"k"}"#,
            br#"{"alg":"RS256","typ":"at+jwt","kid":"k"}"#,
            br#"{"alg":"ES256","typ":"at+jwt","kid":"k"}"#,
            br#"{"alg":"eddsa","typ":"at+jwt","kid":"k"}"#,
            br#"{"alg":"EDDSA","typ":"at+jwt","kid":"k"}"#,
            br#"{"alg":"EdDSA ","typ":"at+jwt","kid":"k"}"#,
            br#"{"typ":"at+jwt","kid":"k"}"#,
            br#"{"alg":null,"typ":"at+jwt","kid":"k"}"#,
            br#"{"alg":["EdDSA"],"typ":"at+jwt","kid":"k"}"#,
            br#"{"alg":"EdDSA","alg":"EdDSA","typ":"at+jwt","kid":"k"}"#,
            br#"{"alg":"none","alg":"EdDSA","typ":"at+jwt","kid":"k"}"#,
            br#"{"alg":"EdDSA","typ":"at+jwt","typ":"at+jwt","kid":"k"}"#,
            br#"{"alg":"EdDSA","typ":"at+jwt","kid":"k","kid":"j"}"#,
            br#"{"alg":"EdDSA","typ":"JWT","kid":"k"}"#,
            br#"{"alg":"EdDSA","kid":"k"}"#,
            br#"{"alg":"EdDSA","typ":"at+jwt"}"#,
            br#"{"alg":"EdDSA","typ":"at+jwt","kid":7}"#,
            br#"{"alg":"EdDSA","typ":"at+jwt","kid":"k","crit":["exp"]}"#,
            br#"{"alg":"EdDSA","typ":"at+jwt","kid":"k","jwk":{}}"#,
            br#"["EdDSA"]"#,
            br#"{"alg":"EdDSA","typ":"at+jwt","kid":"k"} x"#,
            b"",
        ];
        for case in cases {
            assert!(
                parse_header(case).is_err(),
                "{} accepted",
                String::from_utf8_lossy(case)
            );
        }
        // The duplicate is refused even when both values are EdDSA: serde's
        // derived visitor reports it, it does not take the last one.
        let dup = parse_header(br#"{"alg":"EdDSA","alg":"EdDSA","typ":"at+jwt","kid":"k"}"#);
        assert!(matches!(
            dup,
            Err(Error::Token(TokenError::InvalidHeader(m))) if m.contains("duplicate field `alg`")
        ));
    }

    /// RFC 8037 A.4/A.5 through this module's splitter and signature decoder
    /// (the header is `{"alg":"EdDSA"}` alone, which the validator refuses for
    /// lack of `typ` and `kid`; the JWS mechanics are what is checked here).
    #[test]
    fn rfc8037_a4_through_the_jws_code_path() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors/rfc8037");
        if !dir.is_dir() {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "shared vectors missing under CI=true"
            );
            eprintln!("SKIPPED: {} not found", dir.display());
            return;
        }
        let text = std::fs::read_to_string(dir.join("jose_okp_ed25519.json")).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let compact = v["jws"]["compact"].as_str().unwrap();
        let parts = split(compact, 8192).unwrap();
        assert_eq!(
            parts.signing_input,
            v["jws"]["signing_input"].as_str().unwrap()
        );
        let header = URL_SAFE_NO_PAD.decode(parts.header_b64).unwrap();
        assert_eq!(header, br#"{"alg":"EdDSA"}"#);
        let payload = with_payload(parts.payload_b64, |p| Ok(p.to_vec())).unwrap();
        assert_eq!(payload, b"Example of Ed25519 signing");
        let signature = decode_signature(parts.signature_b64).unwrap();
        let x = URL_SAFE_NO_PAD
            .decode(v["public_jwk"]["x"].as_str().unwrap())
            .unwrap();
        let key = ed25519_dalek::VerifyingKey::from_bytes(&x.try_into().unwrap()).unwrap();
        key.verify_strict(
            parts.signing_input.as_bytes(),
            &ed25519_dalek::Signature::from_bytes(&signature),
        )
        .unwrap();
        // Signing the same input with the A.1 key reproduces the signature.
        let d = URL_SAFE_NO_PAD
            .decode(v["private_jwk"]["d"].as_str().unwrap())
            .unwrap();
        let signer = crate::TokenSigningKey::from_bytes(&d.try_into().unwrap());
        assert_eq!(signer.sign(parts.signing_input.as_bytes()), signature);
        // And the header alone is refused by the strict parser.
        assert!(parse_header(&header).is_err());
    }

    #[test]
    fn encode_header_is_what_parse_accepts() {
        let h = encode_header("abc");
        let bytes = URL_SAFE_NO_PAD.decode(&h).unwrap();
        assert_eq!(parse_header(&bytes).unwrap().kid, "abc");
        assert_eq!(
            std::str::from_utf8(&bytes).unwrap(),
            r#"{"alg":"EdDSA","typ":"at+jwt","kid":"abc"}"#
        );
    }
}
