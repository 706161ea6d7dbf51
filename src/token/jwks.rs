//! Issuer keys, their RFC 7638 thumbprints, and the JWKS a server publishes.

use std::fmt;

use ed25519_dalek::SigningKey;
use ed25519_dalek::hazmat::{ExpandedSecretKey, raw_sign};
use rand_core::CryptoRng;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use sha2::{Digest, Sha256, Sha512};
use zeroize::Zeroizing;

use super::helpers::clip;
use super::jws::{ALG, b64_append, encode_header};
use crate::encoding::base64url_encode;
use crate::error::{Error, Result, TokenError};
use crate::public_key::PublicKey;

/// The largest JWKS [`Jwks::from_json`] reads.
const MAX_JWKS_BYTES: usize = 64 * 1024;
/// The most keys one JWKS may hold.
const MAX_JWKS_KEYS: usize = 64;

/// The RFC 7638 JWK thumbprint of an Ed25519 key: unpadded base64url of the
/// SHA-256 of `{"crv":"Ed25519","kty":"OKP","x":"<base64url key>"}` (required
/// members only, in lexicographic order, no whitespace). keytree uses it as
/// the `kid`.
///
/// # Example
/// ```
/// // RFC 8037 Appendix A.3.
/// let x = keytree::base64url_decode("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", "x")?;
/// let key = keytree::PublicKey::from_bytes(&x.try_into().unwrap())?;
/// assert_eq!(keytree::jwk_thumbprint(&key), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
/// Ok::<(), keytree::Error>(())
/// ```
pub fn jwk_thumbprint(key: &PublicKey) -> String {
    let mut json = String::with_capacity(80);
    json.push_str(r#"{"crv":"Ed25519","kty":"OKP","x":""#);
    b64_append(key.as_bytes(), &mut json);
    json.push_str(r#""}"#);
    base64url_encode(&Sha256::digest(json.as_bytes()))
}

/// An issuer's Ed25519 signing key for tokens.
///
/// Secret: zeroized on drop (the dalek key wipes itself), never printed by
/// `Debug` (which shows the `kid`), not `Clone`, exported only as
/// [`Zeroizing`] bytes.
///
/// # Example
/// ```
/// use keytree::TokenSigningKey;
/// let key = TokenSigningKey::generate(&mut rand::rng());
/// assert_eq!(key.kid().len(), 43);
/// assert_eq!(TokenSigningKey::from_bytes(&key.to_bytes()).kid(), key.kid());
/// Ok::<(), keytree::Error>(())
/// ```
pub struct TokenSigningKey {
    signing: SigningKey,
    /// `H(seed)` split into the signing scalar and the nonce prefix, kept so
    /// that each signature does not hash the seed again (dalek's `sign`
    /// does). Made here from `signing` and nothing else, so it always
    /// matches `signing`'s public key, which `raw_sign` is given (a
    /// mismatched pair would leak the key); it wipes itself on drop.
    expanded: ExpandedSecretKey,
    public: PublicKey,
    kid: String,
    header_b64: String,
}

impl TokenSigningKey {
    /// Generates a key from a cryptographically secure RNG.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        Self::from_signing(SigningKey::generate(rng))
    }

    /// A key from its 32-byte seed.
    pub fn from_bytes(seed: &[u8; 32]) -> Self {
        Self::from_signing(SigningKey::from_bytes(seed))
    }

    fn from_signing(signing: SigningKey) -> Self {
        let public = PublicKey::from_verifying_key(signing.verifying_key());
        let kid = jwk_thumbprint(&public);
        let header_b64 = encode_header(&kid);
        let expanded = ExpandedSecretKey::from(signing.as_bytes());
        Self {
            signing,
            expanded,
            public,
            kid,
            header_b64,
        }
    }

    /// The seed, in a buffer that wipes itself when dropped.
    pub fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.signing.to_bytes())
    }

    /// The public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// The key id: the RFC 7638 thumbprint ([`jwk_thumbprint`]).
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public JWK.
    pub fn to_jwk(&self) -> Jwk {
        Jwk {
            key: self.public,
            kid: self.kid.clone(),
        }
    }

    /// The encoded protected header every token of this key carries.
    pub(crate) fn header_b64(&self) -> &str {
        &self.header_b64
    }

    /// The Ed25519 signature of `message`: the same bytes as dalek's
    /// `SigningKey::sign` (RFC 8032 signing is deterministic), without
    /// hashing the seed again.
    pub(crate) fn sign(&self, message: &[u8]) -> [u8; 64] {
        raw_sign::<Sha512>(&self.expanded, message, self.signing.as_ref()).to_bytes()
    }
}

impl fmt::Debug for TokenSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// One public Ed25519 JWK (RFC 8037 `OKP`), with its thumbprint `kid`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Jwk {
    key: PublicKey,
    kid: String,
}

impl Jwk {
    /// The JWK of a public key.
    pub fn from_public_key(key: PublicKey) -> Self {
        let kid = jwk_thumbprint(&key);
        Self { key, kid }
    }

    /// The key.
    pub fn public_key(&self) -> &PublicKey {
        &self.key
    }

    /// Its `kid` (the RFC 7638 thumbprint).
    pub fn kid(&self) -> &str {
        &self.kid
    }

    fn write_json(&self, out: &mut String) {
        out.push_str(r#"{"kty":"OKP","crv":"Ed25519","x":""#);
        b64_append(self.key.as_bytes(), out);
        out.push_str(r#"","kid":""#);
        out.push_str(&self.kid);
        out.push_str(r#"","alg":"EdDSA","use":"sig"}"#);
    }

    /// The JWK as JSON:
    /// `{"kty":"OKP","crv":"Ed25519","x":…,"kid":…,"alg":"EdDSA","use":"sig"}`.
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(160);
        self.write_json(&mut out);
        out
    }
}

/// A JWK Set: the body a server serves at `/.well-known/jwks.json`.
///
/// # Example
/// ```
/// use keytree::{Jwks, TokenIssuer, TokenSigningKey};
/// let issuer = TokenIssuer::new("https://auth.example", TokenSigningKey::from_bytes(&[1; 32]));
/// let json = issuer.jwks(0).to_json();
/// assert!(json.starts_with(r#"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"#));
/// assert_eq!(Jwks::from_json(&json)?, issuer.jwks(0));
/// Ok::<(), keytree::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Jwks {
    keys: Vec<Jwk>,
}

impl Jwks {
    /// A set of keys (duplicates collapse).
    pub fn new(keys: impl IntoIterator<Item = Jwk>) -> Self {
        let mut set = Self::default();
        for k in keys {
            if !set.keys.iter().any(|have| have.kid == k.kid) {
                set.keys.push(k);
            }
        }
        set
    }

    /// The keys.
    pub fn keys(&self) -> &[Jwk] {
        &self.keys
    }

    /// The key with this `kid`.
    pub fn get(&self, kid: &str) -> Option<&Jwk> {
        self.keys.iter().find(|k| k.kid == kid)
    }

    /// The JSON body: `{"keys":[…]}`.
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(16 + 160 * self.keys.len());
        out.push_str(r#"{"keys":["#);
        for (i, k) in self.keys.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            k.write_json(&mut out);
        }
        out.push_str("]}");
        out
    }

    /// Parses a JWKS strictly.
    ///
    /// Every key must be an Ed25519 `OKP` public key: `kty` `OKP`, `crv`
    /// `Ed25519`, `x` the canonical unpadded base64url of a valid, not weak,
    /// key; `alg`, when present, `EdDSA`; `use`, when present, `sig`; `kid`,
    /// when present, equal to the key's RFC 7638 thumbprint (the only `kid`
    /// keytree issues). A key carrying private material (`d`) is refused.
    /// Other members are ignored, as RFC 7517 asks, but no member may appear
    /// twice in an object.
    ///
    /// # Errors
    /// [`TokenError::InvalidJwks`] naming what was wrong, or
    /// [`Error::InvalidKey`] for a weak or invalid key.
    pub fn from_json(json: &str) -> Result<Self> {
        if json.len() > MAX_JWKS_BYTES {
            return Err(bad("larger than 64 KiB"));
        }
        let raw: RawJwks = serde_json::from_str(json).map_err(|e| bad(&e.to_string()))?;
        let keys = raw.keys.ok_or_else(|| bad("missing \"keys\""))?;
        if keys.len() > MAX_JWKS_KEYS {
            return Err(bad("more than 64 keys"));
        }
        let mut out = Vec::with_capacity(keys.len());
        for raw in keys {
            let jwk = raw.into_jwk()?;
            if out.iter().any(|k: &Jwk| k.kid == jwk.kid) {
                return Err(bad("the same key appears twice"));
            }
            out.push(jwk);
        }
        Ok(Self { keys: out })
    }
}

impl FromIterator<Jwk> for Jwks {
    fn from_iter<I: IntoIterator<Item = Jwk>>(iter: I) -> Self {
        Self::new(iter)
    }
}

fn bad(detail: &str) -> Error {
    TokenError::InvalidJwks(clip(detail, 160)).into()
}

/// `{"keys": [...]}`, other members ignored, duplicates refused.
struct RawJwks {
    keys: Option<Vec<RawJwk>>,
}

/// One JWK's members of interest; other members ignored, duplicates refused.
#[derive(Default)]
struct RawJwk {
    kty: Option<String>,
    crv: Option<String>,
    x: Option<String>,
    kid: Option<String>,
    alg: Option<String>,
    use_: Option<String>,
    has_d: bool,
}

impl RawJwk {
    fn into_jwk(self) -> Result<Jwk> {
        if self.has_d {
            return Err(bad("a key carries private material (\"d\")"));
        }
        if self.kty.as_deref() != Some("OKP") {
            return Err(bad("every key must have kty \"OKP\""));
        }
        if self.crv.as_deref() != Some("Ed25519") {
            return Err(bad("every key must have crv \"Ed25519\""));
        }
        if self.alg.as_deref().is_some_and(|a| a != ALG) {
            return Err(bad("a key's alg is not \"EdDSA\""));
        }
        if self.use_.as_deref().is_some_and(|u| u != "sig") {
            return Err(bad("a key's use is not \"sig\""));
        }
        let x = self.x.ok_or_else(|| bad("a key has no \"x\""))?;
        if x.len() != 43 {
            return Err(bad("\"x\" is not 32 bytes of unpadded base64url"));
        }
        let bytes = crate::encoding::base64url_decode(&x, "jwk x")?;
        let bytes = <[u8; 32]>::try_from(bytes.as_slice())
            .map_err(|_| bad("\"x\" is not 32 bytes of unpadded base64url"))?;
        let key = PublicKey::from_bytes(&bytes)?;
        let jwk = Jwk::from_public_key(key);
        if let Some(kid) = self.kid
            && kid != jwk.kid
        {
            return Err(bad("a key's kid is not its RFC 7638 thumbprint"));
        }
        Ok(jwk)
    }
}

fn dup<E: de::Error>(name: &str) -> E {
    E::custom(format_args!("duplicate member {name:?}"))
}

fn set_once<E: de::Error, T>(slot: &mut Option<T>, value: T, name: &str) -> Result<(), E> {
    if slot.is_some() {
        return Err(dup(name));
    }
    *slot = Some(value);
    Ok(())
}

/// Members seen so far, to refuse duplicates of ignored members too.
fn note<E: de::Error>(seen: &mut Vec<String>, name: &str) -> Result<(), E> {
    if seen.iter().any(|s| s == name) {
        return Err(dup(name));
    }
    if seen.len() >= 64 {
        return Err(E::custom("too many members"));
    }
    seen.push(name.to_owned());
    Ok(())
}

impl<'de> Deserialize<'de> for RawJwks {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawJwks;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JWKS object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawJwks, A::Error> {
                let mut seen = Vec::new();
                let mut keys = None;
                while let Some(name) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    note(&mut seen, &name)?;
                    if name == "keys" {
                        keys = Some(map.next_value::<Vec<RawJwk>>()?);
                    } else {
                        map.next_value::<de::IgnoredAny>()?;
                    }
                }
                Ok(RawJwks { keys })
            }
        }
        d.deserialize_map(V)
    }
}

impl<'de> Deserialize<'de> for RawJwk {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawJwk;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JWK object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawJwk, A::Error> {
                let mut seen = Vec::new();
                let mut k = RawJwk::default();
                while let Some(name) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    note(&mut seen, &name)?;
                    match name.as_ref() {
                        "kty" => set_once(&mut k.kty, map.next_value()?, "kty")?,
                        "crv" => set_once(&mut k.crv, map.next_value()?, "crv")?,
                        "x" => set_once(&mut k.x, map.next_value()?, "x")?,
                        "kid" => set_once(&mut k.kid, map.next_value()?, "kid")?,
                        "alg" => set_once(&mut k.alg, map.next_value()?, "alg")?,
                        "use" => set_once(&mut k.use_, map.next_value()?, "use")?,
                        "d" => {
                            map.next_value::<de::IgnoredAny>()?;
                            k.has_d = true;
                        }
                        _ => {
                            map.next_value::<de::IgnoredAny>()?;
                        }
                    }
                }
                Ok(k)
            }
        }
        d.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kept expanded key signs exactly as dalek's `SigningKey::sign`
    /// (and what it signs verifies strictly under the published key).
    #[test]
    fn sign_with_the_kept_expanded_key_is_dalek_sign() {
        use ed25519_dalek::Signer as _;
        for seed in [[0u8; 32], [1; 32], [0x42; 32], [0xff; 32]] {
            let key = TokenSigningKey::from_bytes(&seed);
            let dalek = SigningKey::from_bytes(&seed);
            for len in [0usize, 1, 111, 112, 128, 450, 4096] {
                let message: Vec<u8> = (0..len).map(|i| (i * 7 + len) as u8).collect();
                let signature = key.sign(&message);
                assert_eq!(signature, dalek.sign(&message).to_bytes());
                dalek
                    .verifying_key()
                    .verify_strict(&message, &ed25519_dalek::Signature::from_bytes(&signature))
                    .unwrap();
            }
        }
    }

    #[test]
    fn rfc8037_a3_thumbprint() {
        // RFC 8037 A.2/A.3 (the RFC 8032 TEST 1 key).
        let x =
            crate::encoding::base64url_decode("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", "x")
                .unwrap();
        let key = PublicKey::from_bytes(&x.try_into().unwrap()).unwrap();
        assert_eq!(
            jwk_thumbprint(&key),
            "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
        );
    }

    #[test]
    fn jwks_round_trip_and_refusals() {
        let a = TokenSigningKey::from_bytes(&[1; 32]);
        let b = TokenSigningKey::from_bytes(&[2; 32]);
        let set = Jwks::new([a.to_jwk(), b.to_jwk(), a.to_jwk()]);
        assert_eq!(set.keys().len(), 2);
        let json = set.to_json();
        assert_eq!(Jwks::from_json(&json).unwrap(), set);
        let x = &json[json.find(r#""x":""#).unwrap() + 5..][..43];
        let kid = a.kid();
        let ok = format!(
            r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","x":"{x}","extra":[1]}}],"other":1}}"#
        );
        assert_eq!(Jwks::from_json(&ok).unwrap().keys()[0].kid(), kid);
        let bad_cases = [
            String::new(),
            "[]".into(),
            "{}".into(),
            r#"{"keys":{}}"#.into(),
            format!(r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","x":"{x}"}}],"keys":[]}}"#),
            format!(r#"{{"keys":[{{"kty":"OKP","kty":"OKP","crv":"Ed25519","x":"{x}"}}]}}"#),
            format!(r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","x":"{x}","extra":1,"extra":2}}]}}"#),
            format!(r#"{{"keys":[{{"kty":"RSA","crv":"Ed25519","x":"{x}"}}]}}"#),
            format!(r#"{{"keys":[{{"kty":"OKP","crv":"X25519","x":"{x}"}}]}}"#),
            format!(r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","x":"{x}","alg":"HS256"}}]}}"#),
            format!(r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","x":"{x}","use":"enc"}}]}}"#),
            format!(r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","x":"{x}","kid":"other"}}]}}"#),
            format!(r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","x":"{x}","d":"AAAA"}}]}}"#),
            format!(r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","x":"{x}="}}]}}"#),
            format!(r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","x":"{x}"}},{{"kty":"OKP","crv":"Ed25519","x":"{x}"}}]}}"#),
            r#"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}]}"#.into(),
            r#"{"keys":[{"kty":"OKP","crv":"Ed25519"}]}"#.into(),
        ];
        for case in bad_cases {
            assert!(Jwks::from_json(&case).is_err(), "{case} accepted");
        }
    }

    #[test]
    fn debug_hides_the_secret() {
        let key = TokenSigningKey::from_bytes(&[0x42; 32]);
        let dbg = format!("{key:?}");
        assert!(dbg.contains(key.kid()));
        assert!(!dbg.contains("42, 42"));
    }
}
