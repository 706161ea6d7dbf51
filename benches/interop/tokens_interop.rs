//! Interop with the `jsonwebtoken` crate: it validates keytree tokens using
//! only keytree's JWKS, and keytree refuses what it signs with the wrong
//! algorithm, including HS256 keyed with the issuer's public key bytes.
//!
//! It lives in the `keytree-interop` member so that keytree's own builds
//! never compile jsonwebtoken; `cargo test --workspace` runs it.

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use keytree::{Error, TokenError, TokenIssuer, TokenRequest, TokenSigningKey, TokenValidator};
use serde_json::{Value, json};

use crate::common::Fixture;

// The fixture shared with keytree's own integration tests.
#[path = "../../tests/suite/common.rs"]
mod common;

const ISS: &str = "https://auth.keytree.test";
const AUD: &str = "api.keytree.test";
const SEED: [u8; 32] = [21; 32];

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A context whose member's delegation is valid at the real clock's time
/// (jsonwebtoken reads the system clock).
fn live_setup() -> (Fixture, keytree::ClientKey, TokenIssuer) {
    let mut fx = Fixture::new(4);
    fx.now = unix_now();
    let (client, _) = fx.add_member(0, &["blob", "context:execute"]);
    let issuer = TokenIssuer::new(ISS, TokenSigningKey::from_bytes(&SEED));
    (fx, client, issuer)
}

fn ed25519_pkcs8(seed: &[u8; 32]) -> Vec<u8> {
    // RFC 8410 OneAsymmetricKey v1: SEQ { INT 0, SEQ { OID 1.3.101.112 }, OCTET STRING { OCTET STRING seed } }
    let mut der = vec![
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ];
    der.extend_from_slice(seed);
    der
}

#[test]
fn jsonwebtoken_validates_keytree_tokens_with_only_the_jwks() {
    let (fx, client, issuer) = live_setup();
    let token = issuer
        .mint(
            &fx.ctx,
            &TokenRequest::new(client.public_key(), AUD),
            fx.now,
        )
        .unwrap();
    // All the other side gets: the JWKS body and the token.
    let jwks_json = issuer.jwks(fx.now).to_json();

    let set: JwkSet = serde_json::from_str(&jwks_json).unwrap();
    let header = jsonwebtoken::decode_header(&token).unwrap();
    assert_eq!(header.alg, Algorithm::EdDSA);
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    let jwk = set.find(header.kid.as_deref().unwrap()).unwrap();
    let key = DecodingKey::from_jwk(jwk).unwrap();
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.set_issuer(&[ISS]);
    validation.set_audience(&[AUD]);
    validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
    validation.validate_nbf = true;
    let data = jsonwebtoken::decode::<Value>(&token, &key, &validation).unwrap();
    assert_eq!(data.claims["token_type"], "access");
    assert_eq!(data.claims["context_id"], fx.id().to_string());
    assert_eq!(
        data.claims["executor_public_key"],
        client.public_key().to_string()
    );
    assert_eq!(
        data.claims["permissions"],
        json!(["blob", "context:execute"])
    );

    // And it refuses a tampered one and the wrong audience, as it should.
    let mut wrong_aud = validation.clone();
    wrong_aud.set_audience(&["other"]);
    assert!(jsonwebtoken::decode::<Value>(&token, &key, &wrong_aud).is_err());
    let mut tampered = token.clone();
    let at = token.find('.').unwrap() + 5;
    tampered.replace_range(
        at..at + 1,
        if &token[at..at + 1] == "A" { "B" } else { "A" },
    );
    assert!(jsonwebtoken::decode::<Value>(&tampered, &key, &validation).is_err());
}

#[test]
fn keytree_accepts_a_correct_token_signed_by_jsonwebtoken() {
    // The format is plain JWS: a token jsonwebtoken signs with the issuer
    // key, the right header and keytree's claims passes keytree.
    let (fx, client, issuer) = live_setup();
    let minted = issuer
        .mint(
            &fx.ctx,
            &TokenRequest::new(client.public_key(), AUD),
            fx.now,
        )
        .unwrap();
    let claims: Value = serde_json::from_slice(
        &keytree::base64url_decode(minted.split('.').nth(1).unwrap(), "p").unwrap(),
    )
    .unwrap();
    let mut header = Header::new(Algorithm::EdDSA);
    header.typ = Some("at+jwt".into());
    header.kid = Some(issuer.active_key().kid().into());
    let key = EncodingKey::from_ed_der(&ed25519_pkcs8(&SEED));
    let token = jsonwebtoken::encode(&header, &claims, &key).unwrap();
    let validator = issuer.validator(AUD, fx.now).build().unwrap();
    validator.validate_for(&fx.ctx, &token, fx.now).unwrap();

    // jsonwebtoken's default `typ: "JWT"` is refused: the type is pinned.
    let mut jwt_header = header.clone();
    jwt_header.typ = Some("JWT".into());
    let token = jsonwebtoken::encode(&jwt_header, &claims, &key).unwrap();
    assert!(matches!(
        validator.validate(&token, fx.now),
        Err(Error::Token(TokenError::HeaderType { .. }))
    ));
    // Another Ed25519 key under its own kid: unknown key.
    let rogue = jsonwebtoken::encode(
        &Header {
            kid: Some("rogue".into()),
            ..header.clone()
        },
        &claims,
        &EncodingKey::from_ed_der(&ed25519_pkcs8(&[22; 32])),
    )
    .unwrap();
    assert!(matches!(
        validator.validate(&rogue, fx.now),
        Err(Error::Token(TokenError::UnknownKey(_)))
    ));
    // Another key under the issuer's kid: the signature fails.
    let forged = jsonwebtoken::encode(
        &header,
        &claims,
        &EncodingKey::from_ed_der(&ed25519_pkcs8(&[22; 32])),
    )
    .unwrap();
    assert_eq!(
        validator.validate(&forged, fx.now).unwrap_err(),
        Error::InvalidSignature
    );
}

#[test]
fn keytree_refuses_hmac_keyed_with_the_public_key_and_other_algs() {
    let (fx, client, issuer) = live_setup();
    let minted = issuer
        .mint(
            &fx.ctx,
            &TokenRequest::new(client.public_key(), AUD),
            fx.now,
        )
        .unwrap();
    let claims: Value = serde_json::from_slice(
        &keytree::base64url_decode(minted.split('.').nth(1).unwrap(), "p").unwrap(),
    )
    .unwrap();
    let validator = TokenValidator::builder(ISS, AUD)
        .jwks(&keytree::Jwks::from_json(&issuer.jwks(fx.now).to_json()).unwrap())
        .build()
        .unwrap();
    let public = issuer.active_key().public_key().to_bytes();
    let x = keytree::base64url_encode(&public);
    let jwks_json = issuer.jwks(fx.now).to_json();
    // The classic alg-confusion secrets: the raw key bytes, the `x` text,
    // the whole JWKS body.
    let secrets: [&[u8]; 3] = [&public, x.as_bytes(), jwks_json.as_bytes()];
    for alg in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
        for secret in secrets {
            let mut header = Header::new(alg);
            header.typ = Some("at+jwt".into());
            header.kid = Some(issuer.active_key().kid().into());
            let token =
                jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(secret)).unwrap();
            // Refused at the header, before any key or MAC is computed
            // (HS256 tags are not even the size of an Ed25519 signature).
            assert_eq!(
                validator.validate_for(&fx.ctx, &token, fx.now).unwrap_err(),
                TokenError::Algorithm(format!("{alg:?}")).into()
            );
        }
    }
    // HS512 tags are 64 bytes, exactly an Ed25519 signature's size: this is
    // the real confusion attempt, and the pinned alg refuses it.
    let mut header = Header::new(Algorithm::HS512);
    header.typ = Some("at+jwt".into());
    header.kid = Some(issuer.active_key().kid().into());
    let token = jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(&public)).unwrap();
    assert_eq!(
        validator.validate_for(&fx.ctx, &token, fx.now).unwrap_err(),
        TokenError::Algorithm("HS512".into()).into()
    );
    // And jsonwebtoken itself, given the JWKS key, refuses HS256 for it.
    let set: JwkSet = serde_json::from_str(&jwks_json).unwrap();
    let key = DecodingKey::from_jwk(&set.keys[0]).unwrap();
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(issuer.active_key().kid().into());
    let hs = jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(&public)).unwrap();
    assert!(jsonwebtoken::decode::<Value>(&hs, &key, &Validation::new(Algorithm::EdDSA)).is_err());
}
