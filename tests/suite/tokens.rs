//! Context tokens: minting, validation, context binding, rotation, refresh,
//! batch validation, and the attack tests of the tokens issue. Every attack
//! test asserts the specific refusal, so it fails if that defence regresses
//! (not merely if something else happens to refuse).

use ed25519_dalek::Signer as _;
use keytree::{
    ContextError, DelegationError, Error, MemoryRefreshStore, OpKind, Permission, PermissionError,
    PublicKey, RefreshStore, RefreshToken, TokenError, TokenIssuer, TokenRequest, TokenSigningKey,
    TokenValidator, UnverifiedToken, base64url_decode, base64url_encode,
};
use serde_json::{Value, json};

use crate::common::block_on;
use crate::common::{Fixture, perms};

const ISS: &str = "https://auth.keytree.test";
const AUD: &str = "api.keytree.test";
const ISSUER_SEED: [u8; 32] = [9; 32];

struct Setup {
    fx: Fixture,
    client: keytree::ClientKey,
    issuer: TokenIssuer,
    validator: TokenValidator,
}

impl Setup {
    fn new() -> Self {
        let mut fx = Fixture::new(1);
        let (client, _) = fx.add_member(0, &["blob", "context:execute"]);
        let issuer = TokenIssuer::new(ISS, TokenSigningKey::from_bytes(&ISSUER_SEED));
        let validator = issuer.validator(AUD, fx.now).build().unwrap();
        Self {
            fx,
            client,
            issuer,
            validator,
        }
    }

    fn now(&self) -> u64 {
        self.fx.now
    }

    fn request(&self) -> TokenRequest {
        TokenRequest::new(self.client.public_key(), AUD)
    }

    fn mint(&self) -> String {
        self.issuer
            .mint(&self.fx.ctx, &self.request(), self.now())
            .unwrap()
    }

    fn validate(&self, token: &str) -> keytree::Result<keytree::ValidatedToken> {
        self.validator.validate_for(&self.fx.ctx, token, self.now())
    }
}

fn token_err(r: keytree::Result<keytree::ValidatedToken>) -> TokenError {
    match r {
        Err(Error::Token(e)) => e,
        other => panic!("expected a token error, got {other:?}"),
    }
}

fn b64(bytes: &[u8]) -> String {
    base64url_encode(bytes)
}

/// The decoded header and claims of a token.
fn parts(token: &str) -> (Value, Value) {
    let mut it = token.split('.');
    let h = base64url_decode(it.next().unwrap(), "h").unwrap();
    let p = base64url_decode(it.next().unwrap(), "p").unwrap();
    (
        serde_json::from_slice(&h).unwrap(),
        serde_json::from_slice(&p).unwrap(),
    )
}

/// A compact JWS over exactly these header and payload texts, signed with
/// Ed25519 under `seed`: a correctly signed token whose content we choose.
fn sign_raw(seed: &[u8; 32], header: &str, payload: &str) -> String {
    let key = ed25519_dalek::SigningKey::from_bytes(seed);
    let input = format!("{}.{}", b64(header.as_bytes()), b64(payload.as_bytes()));
    let sig = key.sign(input.as_bytes());
    format!("{input}.{}", b64(&sig.to_bytes()))
}

/// Re-signs a token with the issuer key after `edit` changes its claims.
fn resign(token: &str, edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> String {
    let (header, mut claims) = parts(token);
    edit(claims.as_object_mut().unwrap());
    sign_raw(
        &ISSUER_SEED,
        &header.to_string(),
        &serde_json::to_string(&claims).unwrap(),
    )
}

#[test]
fn mint_and_validate() {
    let s = Setup::new();
    let token = s.mint();
    let (header, claims) = parts(&token);
    assert_eq!(
        header,
        json!({"alg": "EdDSA", "typ": "at+jwt", "kid": s.issuer.active_key().kid()})
    );
    for claim in [
        "iss",
        "sub",
        "aud",
        "exp",
        "nbf",
        "iat",
        "jti",
        "token_type",
        "context_id",
        "executor_public_key",
        "permissions",
    ] {
        assert!(claims.get(claim).is_some(), "{claim} missing");
    }
    assert_eq!(claims["token_type"], "access");
    assert_eq!(claims["permissions"], json!(["blob", "context:execute"]));

    let v = s.validate(&token).unwrap();
    let c = v.claims();
    assert_eq!(c.issuer(), ISS);
    assert_eq!(c.audience(), AUD);
    assert_eq!(c.context_id(), &s.fx.id());
    assert_eq!(v.executor_public_key().unwrap(), s.client.public_key());
    assert_eq!(c.subject(), s.client.public_key().to_string());
    assert_eq!(c.expires_at(), s.now() + keytree::DEFAULT_ACCESS_TTL);
    v.require(&Permission::new("blob:add").unwrap()).unwrap();
    v.require(&Permission::new("context:execute:x").unwrap())
        .unwrap();
    assert_eq!(
        v.require(&Permission::new("context:members").unwrap())
            .unwrap_err(),
        TokenError::PermissionNotGranted("context:members".into()).into()
    );
    // Each token has its own jti.
    assert_ne!(parts(&s.mint()).1["jti"], claims["jti"]);
    // The context-free validation agrees, and so does the unverified view.
    assert_eq!(s.validator.validate(&token, s.now()).unwrap().claims(), c);
    assert_eq!(UnverifiedToken::decode(&token).unwrap().claims(), c);
}

#[test]
fn mint_binds_to_the_member() {
    let mut s = Setup::new();
    let now = s.now();
    // Narrower is fine; wider is an error.
    let narrow = s
        .issuer
        .mint(
            &s.fx.ctx,
            &s.request().permissions(perms(&["blob:read"])),
            now,
        )
        .unwrap();
    assert_eq!(parts(&narrow).1["permissions"], json!(["blob:read"]));
    assert_eq!(
        s.issuer
            .mint(&s.fx.ctx, &s.request().permissions(perms(&["admin"])), now)
            .unwrap_err(),
        PermissionError::NotCovered("admin".into()).into()
    );
    assert!(
        s.issuer
            .mint(
                &s.fx.ctx,
                &s.request().permissions(perms(&["context"])),
                now
            )
            .is_err()
    );
    // TTL is cut at the end of the member's delegation (now - 10 + 86400).
    let long = s
        .issuer
        .mint(&s.fx.ctx, &s.request().ttl(10 * 86_400), now)
        .unwrap();
    assert_eq!(parts(&long).1["exp"], json!(now - 10 + 86_400));
    // Outside the window.
    assert_eq!(
        s.issuer
            .mint(&s.fx.ctx, &s.request(), now - 11)
            .unwrap_err(),
        DelegationError::NotYetValid {
            not_before: now - 10,
            now: now - 11
        }
        .into()
    );
    assert!(matches!(
        s.issuer.mint(&s.fx.ctx, &s.request(), now + 86_390),
        Err(Error::Delegation(DelegationError::Expired { .. }))
    ));
    assert!(s.issuer.mint(&s.fx.ctx, &s.request().ttl(0), now).is_err());
    assert!(
        s.issuer
            .mint(
                &s.fx.ctx,
                &TokenRequest::new(s.client.public_key(), ""),
                now
            )
            .is_err()
    );
    // A stranger and a revoked member get nothing.
    let stranger = keytree::RootKey::from_bytes(&[77; 32]).public_key();
    assert!(matches!(
        s.issuer
            .mint(&s.fx.ctx, &TokenRequest::new(stranger, AUD), now),
        Err(Error::Context(ContextError::NotMember(_)))
    ));
    s.fx.apply(OpKind::RevokeKey {
        key: s.client.public_key(),
    })
    .unwrap();
    assert!(matches!(
        s.issuer.mint(&s.fx.ctx, &s.request(), now),
        Err(Error::Context(ContextError::Revoked(_)))
    ));
}

// ---- attack tests -------------------------------------------------------

#[test]
fn attack_alg_none() {
    let s = Setup::new();
    let (mut header, claims) = parts(&s.mint());
    header["alg"] = json!("none");
    let payload = claims.to_string();
    // With an empty signature (the classic form) …
    let unsigned = format!(
        "{}.{}.",
        b64(header.to_string().as_bytes()),
        b64(payload.as_bytes())
    );
    assert_eq!(
        token_err(s.validate(&unsigned)),
        TokenError::Algorithm("none".into())
    );
    // … and with a signature-shaped tail, refused by the header check.
    let signed = sign_raw(&ISSUER_SEED, &header.to_string(), &payload);
    assert_eq!(
        token_err(s.validate(&signed)),
        TokenError::Algorithm("none".into())
    );
}

#[test]
fn attack_wrong_or_differently_cased_alg() {
    let s = Setup::new();
    let (header, claims) = parts(&s.mint());
    for alg in [
        "HS256", "RS256", "ES256", "PS256", "eddsa", "EDDSA", "Ed25519", "",
    ] {
        let mut h = header.clone();
        h["alg"] = json!(alg);
        let t = sign_raw(&ISSUER_SEED, &h.to_string(), &claims.to_string());
        assert_eq!(token_err(s.validate(&t)), TokenError::Algorithm(alg.into()));
    }
    let mut h = header.clone();
    h.as_object_mut().unwrap().remove("alg");
    let t = sign_raw(&ISSUER_SEED, &h.to_string(), &claims.to_string());
    assert!(matches!(token_err(s.validate(&t)), TokenError::InvalidHeader(m) if m.contains("alg")));
}

#[test]
fn attack_exp_as_string() {
    let s = Setup::new();
    let t = resign(&s.mint(), |c| {
        c.insert("exp".into(), json!("9999999999"));
    });
    assert!(matches!(
        token_err(s.validate(&t)),
        TokenError::InvalidClaims(m) if m.contains("invalid type")
    ));
}

#[test]
fn attack_missing_exp() {
    let s = Setup::new();
    for claim in ["exp", "nbf", "iat", "iss", "aud"] {
        let t = resign(&s.mint(), |c| {
            c.remove(claim);
        });
        assert!(
            matches!(
                token_err(s.validate(&t)),
                TokenError::InvalidClaims(m) if m.contains(&format!("missing field `{claim}`"))
            ),
            "{claim}"
        );
    }
}

#[test]
fn attack_nbf_in_the_future() {
    let s = Setup::new();
    let now = s.now();
    let t = resign(&s.mint(), |c| {
        c.insert("nbf".into(), json!(now + 61));
    });
    assert_eq!(
        token_err(s.validate(&t)),
        TokenError::NotYetValid { nbf: now + 61, now }
    );
    // Within the leeway it passes.
    let t = resign(&s.mint(), |c| {
        c.insert("nbf".into(), json!(now + 60));
    });
    s.validate(&t).unwrap();
}

#[test]
fn attack_expired_beyond_leeway() {
    let s = Setup::new();
    let token = s.mint();
    let exp = s.now() + keytree::DEFAULT_ACCESS_TTL;
    // Past exp but within the 60 s leeway: accepted.
    s.validator
        .validate_for(&s.fx.ctx, &token, exp + 59)
        .unwrap();
    assert_eq!(
        token_err(s.validator.validate_for(&s.fx.ctx, &token, exp + 60)),
        TokenError::Expired { exp, now: exp + 60 }
    );
    // A validator with no leeway refuses at exp.
    let strict = s.issuer.validator(AUD, s.now()).leeway(0).build().unwrap();
    assert_eq!(
        token_err(strict.validate(&token, exp)),
        TokenError::Expired { exp, now: exp }
    );
}

#[test]
fn attack_wrong_audience_or_issuer() {
    let s = Setup::new();
    let other_aud = s.issuer.validator("other-api", s.now()).build().unwrap();
    assert_eq!(
        token_err(other_aud.validate(&s.mint(), s.now())),
        TokenError::WrongAudience
    );
    let other_iss = TokenValidator::builder("https://evil.test", AUD)
        .jwks(&s.issuer.jwks(s.now()))
        .build()
        .unwrap();
    assert_eq!(
        token_err(other_iss.validate(&s.mint(), s.now())),
        TokenError::WrongIssuer
    );
    let t = resign(&s.mint(), |c| {
        c.insert("aud".into(), json!([AUD]));
    });
    assert!(matches!(
        token_err(s.validate(&t)),
        TokenError::InvalidClaims(_)
    ));
}

#[test]
fn attack_refresh_used_as_access() {
    let s = Setup::new();
    let store = MemoryRefreshStore::new();
    let pair = block_on(s.issuer.issue(&s.fx.ctx, &s.request(), &store, s.now())).unwrap();
    // The opaque refresh token is not a JWS at all.
    assert!(matches!(
        token_err(s.validate(pair.refresh_token().as_str())),
        TokenError::Malformed(_)
    ));
    // A signed token claiming to be a refresh token is refused as access.
    let t = resign(pair.access_token(), |c| {
        c.insert("token_type".into(), json!("refresh"));
    });
    assert_eq!(
        token_err(s.validate(&t)),
        TokenError::WrongTokenType { expected: "access" }
    );
    // And a refresh `typ` header is refused before that.
    let (mut h, c) = parts(pair.access_token());
    h["typ"] = json!("rt+jwt");
    let t = sign_raw(&ISSUER_SEED, &h.to_string(), &c.to_string());
    assert!(matches!(
        token_err(s.validate(&t)),
        TokenError::HeaderType { .. }
    ));
}

#[test]
fn attack_tampered_payload_with_original_signature() {
    let s = Setup::new();
    let token = s.mint();
    let (_, mut claims) = parts(&token);
    claims["sub"] = json!("someone-else");
    let mut pieces: Vec<String> = token.split('.').map(str::to_owned).collect();
    pieces[1] = b64(claims.to_string().as_bytes());
    let tampered = pieces.join(".");
    assert_eq!(s.validate(&tampered).unwrap_err(), Error::InvalidSignature);
    // Flipping one signature bit is refused too.
    let mut sig = base64url_decode(&pieces[2], "s").unwrap();
    sig[10] ^= 1;
    let flipped = format!("{}.{}", pieces_head(&token), b64(&sig));
    assert_eq!(s.validate(&flipped).unwrap_err(), Error::InvalidSignature);
}

fn pieces_head(token: &str) -> &str {
    token.rsplit_once('.').unwrap().0
}

#[test]
fn attack_permission_widened_in_forged_payload() {
    let s = Setup::new();
    let token = s.mint();
    let (_, mut claims) = parts(&token);
    claims["permissions"] = json!(["admin"]);
    let forged = format!(
        "{}.{}.{}",
        token.split('.').next().unwrap(),
        b64(claims.to_string().as_bytes()),
        token.rsplit('.').next().unwrap()
    );
    assert_eq!(s.validate(&forged).unwrap_err(), Error::InvalidSignature);
    // Re-signed by an attacker's key under the issuer's kid: still refused.
    let (header, _) = parts(&token);
    let t = sign_raw(&[66; 32], &header.to_string(), &claims.to_string());
    assert_eq!(s.validate(&t).unwrap_err(), Error::InvalidSignature);
}

#[test]
fn attack_signature_from_unknown_or_retired_key() {
    let mut s = Setup::new();
    let now = s.now();
    // A different issuer key the validator never trusted.
    let rogue = TokenIssuer::new(ISS, TokenSigningKey::from_bytes(&[55; 32]));
    let t = rogue.mint(&s.fx.ctx, &s.request(), now).unwrap();
    assert_eq!(
        token_err(s.validate(&t)),
        TokenError::UnknownKey(rogue.active_key().kid().into())
    );

    // Rotation: old tokens keep validating until the old key retires.
    let before = s.mint();
    s.issuer
        .rotate(TokenSigningKey::from_bytes(&[10; 32]), now + 1000);
    let after = s.mint();
    let both = s.issuer.validator(AUD, now).build().unwrap();
    both.validate_for(&s.fx.ctx, &before, now).unwrap();
    both.validate_for(&s.fx.ctx, &after, now).unwrap();
    assert_eq!(s.issuer.jwks(now).keys().len(), 2);
    // Once retired, the JWKS drops it and a validator built from it refuses.
    s.issuer.retire_expired(now + 1000);
    assert_eq!(s.issuer.jwks(now + 1000).keys().len(), 1);
    let fresh = s.issuer.validator(AUD, now + 1000).build().unwrap();
    assert!(matches!(
        token_err(fresh.validate(&before, now + 500)),
        TokenError::UnknownKey(_)
    ));
    fresh.validate(&after, now + 500).unwrap();
}

#[test]
fn attack_token_for_context_a_used_in_context_b() {
    let s = Setup::new();
    let mut other = Fixture::new(2);
    // Even with the same member key in B, the token is bound to A.
    other.add_member(0, &["blob"]);
    let t = s.mint();
    assert_eq!(
        token_err(s.validator.validate_for(&other.ctx, &t, s.now())),
        TokenError::WrongContext
    );
}

#[test]
fn attack_token_of_a_revoked_member() {
    let mut s = Setup::new();
    let token = s.mint();
    s.validate(&token).unwrap();
    s.fx.apply(OpKind::RevokeKey {
        key: s.client.public_key(),
    })
    .unwrap();
    assert!(matches!(
        token_err(s.validate(&token)),
        TokenError::ExecutorRevoked(_)
    ));
    // The context-free path does not know about revocation (documented).
    s.validator.validate(&token, s.now()).unwrap();
}

#[test]
fn narrowed_permission_fails_at_once() {
    let mut s = Setup::new();
    let token = s.mint();
    s.fx.apply(OpKind::SetPermissions {
        member: s.client.public_key(),
        permissions: perms(&["blob"]),
    })
    .unwrap();
    assert_eq!(
        token_err(s.validate(&token)),
        TokenError::PermissionRevoked("context:execute".into())
    );
    // A token minted after the narrowing passes.
    s.validate(&s.mint()).unwrap();
}

#[test]
fn attack_duplicate_json_keys_in_header() {
    let s = Setup::new();
    let token = s.mint();
    let (_, claims) = parts(&token);
    let kid = s.issuer.active_key().kid();
    for header in [
        format!(r#"{{"alg":"none","alg":"EdDSA","typ":"at+jwt","kid":"{kid}"}}"#),
        format!(r#"{{"alg":"EdDSA","alg":"EdDSA","typ":"at+jwt","kid":"{kid}"}}"#),
        format!(r#"{{"alg":"EdDSA","typ":"at+jwt","kid":"{kid}","kid":"{kid}"}}"#),
        format!(r#"{{"alg":"EdDSA","typ":"JWT","typ":"at+jwt","kid":"{kid}"}}"#),
    ] {
        let t = sign_raw(&ISSUER_SEED, &header, &claims.to_string());
        assert!(
            matches!(token_err(s.validate(&t)), TokenError::InvalidHeader(m) if m.contains("duplicate field")),
            "{header}"
        );
    }
}

#[test]
fn attack_duplicate_json_keys_in_claims() {
    let s = Setup::new();
    let token = s.mint();
    let (header, claims) = parts(&token);
    let text = claims.to_string();
    for (claim, value) in [
        ("exp", "99999999999".to_string()),
        ("permissions", r#"["admin"]"#.to_string()),
        ("aud", format!("{AUD:?}")),
        ("context_id", format!("{:?}", s.fx.id().to_string())),
    ] {
        // The duplicate comes last, where a last-wins parser would take it.
        let dup = format!("{},\"{claim}\":{value}}}", &text[..text.len() - 1]);
        let t = sign_raw(&ISSUER_SEED, &header.to_string(), &dup);
        assert!(
            matches!(token_err(s.validate(&t)), TokenError::InvalidClaims(m) if m.contains("duplicate field")),
            "{claim}"
        );
    }
}

#[test]
fn oversize_unknown_members_and_wrong_typ_are_refused() {
    let s = Setup::new();
    let token = s.mint();
    let big = format!("{token}{}", "A".repeat(keytree::DEFAULT_MAX_TOKEN_LEN));
    assert_eq!(
        token_err(s.validate(&big)),
        TokenError::TooLong {
            max: keytree::DEFAULT_MAX_TOKEN_LEN
        }
    );
    let (header, claims) = parts(&token);
    for (name, value) in [
        ("crit", json!(["exp"])),
        ("jku", json!("https://evil")),
        ("jwk", json!({})),
    ] {
        let mut h = header.clone();
        h[name] = value;
        let t = sign_raw(&ISSUER_SEED, &h.to_string(), &claims.to_string());
        assert!(matches!(
            token_err(s.validate(&t)),
            TokenError::InvalidHeader(m) if m.contains("unknown field")
        ));
    }
    let mut h = header.clone();
    h["typ"] = json!("JWT");
    let t = sign_raw(&ISSUER_SEED, &h.to_string(), &claims.to_string());
    assert_eq!(
        token_err(s.validate(&t)),
        TokenError::HeaderType {
            expected: "at+jwt",
            got: "JWT".into()
        }
    );
    let t = resign(&token, |c| {
        c.insert("role".into(), json!("admin"));
    });
    assert!(matches!(
        token_err(s.validate(&t)),
        TokenError::InvalidClaims(m) if m.contains("unknown field")
    ));
}

#[test]
fn no_panics_on_garbage() {
    let s = Setup::new();
    for t in [
        "",
        ".",
        "..",
        "...",
        "a.b.c",
        "\u{0}.\u{0}.\u{0}",
        "eyJ.eyJ.eyJ",
        "é.é.é",
    ] {
        assert!(s.validate(t).is_err());
    }
}

// ---- refresh -------------------------------------------------------------

#[test]
fn refresh_rotates_and_reuse_revokes_the_family() {
    let s = Setup::new();
    let store = MemoryRefreshStore::new();
    let now = s.now();
    let first = block_on(s.issuer.issue(&s.fx.ctx, &s.request(), &store, now)).unwrap();
    s.validate(first.access_token()).unwrap();
    assert_eq!(first.refresh_expires_at(), now - 10 + 86_400);

    let second = block_on(
        s.issuer
            .refresh(&s.fx.ctx, first.refresh_token(), &store, now + 10),
    )
    .unwrap();
    assert_ne!(second.access_token(), first.access_token());
    assert_ne!(
        second.refresh_token().as_str(),
        first.refresh_token().as_str()
    );
    let v = s
        .validator
        .validate_for(&s.fx.ctx, second.access_token(), now + 10)
        .unwrap();
    assert_eq!(
        v.claims().permissions(),
        &perms(&["blob", "context:execute"])
    );

    // Presenting the spent first token again: refused, and the family dies.
    let reuse = block_on(
        s.issuer
            .refresh(&s.fx.ctx, first.refresh_token(), &store, now + 20),
    );
    assert_eq!(reuse.unwrap_err(), TokenError::RefreshReused.into());
    let after = block_on(
        s.issuer
            .refresh(&s.fx.ctx, second.refresh_token(), &store, now + 30),
    );
    assert_eq!(after.unwrap_err(), TokenError::RefreshRevoked.into());

    // The client's text form round-trips; unknown tokens are refused.
    let parsed: RefreshToken = second.refresh_token().as_str().parse().unwrap();
    assert_eq!(parsed.hash(), second.refresh_token().hash());
    let unknown = RefreshToken::generate(&mut rand::rng());
    assert_eq!(
        block_on(s.issuer.refresh(&s.fx.ctx, &unknown, &store, now)).unwrap_err(),
        TokenError::RefreshUnknown.into()
    );
}

#[test]
fn refresh_expiry_and_member_revocation() {
    let mut s = Setup::new();
    s.issuer =
        TokenIssuer::new(ISS, TokenSigningKey::from_bytes(&ISSUER_SEED)).with_refresh_ttl(100);
    let store = MemoryRefreshStore::new();
    let now = s.now();
    let pair = block_on(s.issuer.issue(&s.fx.ctx, &s.request(), &store, now)).unwrap();
    assert_eq!(pair.refresh_expires_at(), now + 100);
    assert_eq!(
        block_on(
            s.issuer
                .refresh(&s.fx.ctx, pair.refresh_token(), &store, now + 100)
        )
        .unwrap_err(),
        TokenError::RefreshExpired.into()
    );
    assert_eq!(store.purge_expired(now + 100).unwrap(), 1);
    assert!(store.is_empty());

    // Revoking a member's families through the store.
    let pair = block_on(s.issuer.issue(&s.fx.ctx, &s.request(), &store, now)).unwrap();
    let pair2 = block_on(s.issuer.issue(&s.fx.ctx, &s.request(), &store, now)).unwrap();
    let n = block_on(store.revoke_member(&s.fx.id(), &s.client.public_key().into())).unwrap();
    assert_eq!(n, 2);
    for p in [&pair, &pair2] {
        assert_eq!(
            block_on(s.issuer.refresh(&s.fx.ctx, p.refresh_token(), &store, now)).unwrap_err(),
            TokenError::RefreshRevoked.into()
        );
    }

    // Revoked in the context only: the refresh fails and kills the family.
    let pair = block_on(s.issuer.issue(&s.fx.ctx, &s.request(), &store, now)).unwrap();
    s.fx.apply(OpKind::RevokeKey {
        key: s.client.public_key(),
    })
    .unwrap();
    assert!(matches!(
        block_on(
            s.issuer
                .refresh(&s.fx.ctx, pair.refresh_token(), &store, now)
        ),
        Err(Error::Context(ContextError::Revoked(_)))
    ));
}

#[test]
fn refresh_after_narrowing_or_in_another_context_fails() {
    let mut s = Setup::new();
    let store = MemoryRefreshStore::new();
    let now = s.now();
    let pair = block_on(s.issuer.issue(&s.fx.ctx, &s.request(), &store, now)).unwrap();
    let other = Fixture::new(3);
    assert_eq!(
        block_on(
            s.issuer
                .refresh(&other.ctx, pair.refresh_token(), &store, now)
        )
        .unwrap_err(),
        TokenError::WrongContext.into()
    );
    let pair = block_on(s.issuer.issue(&s.fx.ctx, &s.request(), &store, now)).unwrap();
    s.fx.apply(OpKind::SetPermissions {
        member: s.client.public_key(),
        permissions: perms(&["blob"]),
    })
    .unwrap();
    assert!(matches!(
        block_on(
            s.issuer
                .refresh(&s.fx.ctx, pair.refresh_token(), &store, now)
        ),
        Err(Error::Permission(PermissionError::NotCovered(_)))
    ));
    // The family is gone: a retry within the grace window finds it revoked,
    // and a later use is reuse.
    assert_eq!(
        block_on(
            s.issuer
                .refresh(&s.fx.ctx, pair.refresh_token(), &store, now)
        )
        .unwrap_err(),
        TokenError::RefreshRevoked.into()
    );
    assert_eq!(
        block_on(
            s.issuer
                .refresh(&s.fx.ctx, pair.refresh_token(), &store, now + 60)
        )
        .unwrap_err(),
        TokenError::RefreshReused.into()
    );
}

#[test]
fn store_futures_are_send() {
    fn is_send<T: Send>(_: &T) {}
    let s = Setup::new();
    let store = std::sync::Arc::new(MemoryRefreshStore::new());
    let request = s.request();
    let issue = s.issuer.issue(&s.fx.ctx, &request, &store, s.now());
    is_send(&issue);
    let pair = block_on(issue).unwrap();
    let refresh = s
        .issuer
        .refresh(&s.fx.ctx, pair.refresh_token(), &store, s.now());
    is_send(&refresh);
    block_on(refresh).unwrap();
    // `&T`, `Box<T>` and `Arc<T>` are stores too.
    let boxed: Box<MemoryRefreshStore> = Box::new(MemoryRefreshStore::new());
    block_on(s.issuer.issue(&s.fx.ctx, &s.request(), &boxed, s.now())).unwrap();
    block_on(s.issuer.issue(&s.fx.ctx, &s.request(), &&*boxed, s.now())).unwrap();
}

// ---- batch ----------------------------------------------------------------

fn same(
    a: &keytree::Result<keytree::ValidatedToken>,
    b: &keytree::Result<keytree::ValidatedToken>,
) -> bool {
    match (a, b) {
        (Ok(x), Ok(y)) => x.claims() == y.claims(),
        (Err(x), Err(y)) => x == y,
        _ => false,
    }
}

#[test]
fn batch_equals_single_on_a_mix_of_good_and_bad_tokens() {
    let mut s = Setup::new();
    let now = s.now();
    let good: Vec<String> = (0..10).map(|_| s.mint()).collect();
    let mut tampered = good[0].clone();
    tampered.replace_range(tampered.len() - 5..tampered.len() - 4, "A");
    if tampered == good[0] {
        tampered.replace_range(tampered.len() - 5..tampered.len() - 4, "B");
    }
    let rogue = TokenIssuer::new(ISS, TokenSigningKey::from_bytes(&[55; 32]))
        .mint(&s.fx.ctx, &s.request(), now)
        .unwrap();
    let (header, _) = parts(&good[1]);
    let under_our_kid = sign_raw(
        &[66; 32],
        &header.to_string(),
        &parts(&good[1]).1.to_string(),
    );
    let expired_claims = resign(&good[2], |c| {
        c.insert("exp".into(), json!(now - 1000));
    });
    let exp_string = resign(&good[3], |c| {
        c.insert("exp".into(), json!("9999999999"));
    });
    let mut h = header.clone();
    h["alg"] = json!("HS256");
    let hs = sign_raw(&ISSUER_SEED, &h.to_string(), &parts(&good[4]).1.to_string());
    // A signature whose R is the identity point (small order) and s = 0.
    let mut small_r = vec![0u8; 64];
    small_r[0] = 1;
    let small_order = format!("{}.{}", pieces_head(&good[5]), b64(&small_r));
    // Non-canonical s (s ≥ ℓ).
    let mut big_s = base64url_decode(good[6].rsplit('.').next().unwrap(), "s").unwrap();
    big_s[63] = 0xff;
    let non_canonical_s = format!("{}.{}", pieces_head(&good[6]), b64(&big_s));

    let mut all: Vec<String> = good.clone();
    all.extend([
        tampered,
        rogue,
        under_our_kid,
        expired_claims,
        exp_string,
        hs,
        small_order,
        non_canonical_s,
        "garbage".into(),
    ]);
    // Interleave good and bad.
    all.swap(1, 12);
    all.swap(3, 15);
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();

    let batch = s.validator.validate_batch(&refs, now);
    let single: Vec<_> = refs.iter().map(|t| s.validator.validate(t, now)).collect();
    assert_eq!(batch.len(), single.len());
    for (i, (b, one)) in batch.iter().zip(&single).enumerate() {
        assert!(same(b, one), "token {i}: batch {b:?} vs single {one:?}");
    }
    assert_eq!(batch.iter().filter(|r| r.is_ok()).count(), 10);

    // All good: the batch path accepts all of them.
    let good_refs: Vec<&str> = good.iter().map(String::as_str).collect();
    assert!(
        s.validator
            .validate_batch(&good_refs, now)
            .iter()
            .all(Result::is_ok)
    );
    assert!(s.validator.validate_batch(&[], now).is_empty());
    assert!(s.validator.validate_batch(&good_refs[..1], now)[0].is_ok());

    // Context-bound batches equal context-bound singles, after a revocation too.
    s.fx.apply(OpKind::SetPermissions {
        member: s.client.public_key(),
        permissions: perms(&["blob"]),
    })
    .unwrap();
    let batch = s.validator.validate_batch_for(&s.fx.ctx, &refs, now);
    for (b, t) in batch.iter().zip(&refs) {
        let one = s.validator.validate_for(&s.fx.ctx, t, now);
        assert!(same(b, &one), "batch {b:?} vs single {one:?}");
    }
    assert!(batch.iter().all(Result::is_err));
}

#[test]
fn validator_from_jwks_json_and_weak_keys() {
    let s = Setup::new();
    let json = s.issuer.jwks(s.now()).to_json();
    let jwks = keytree::Jwks::from_json(&json).unwrap();
    let v = TokenValidator::builder(ISS, AUD)
        .jwks(&jwks)
        .build()
        .unwrap();
    v.validate_for(&s.fx.ctx, &s.mint(), s.now()).unwrap();
    assert!(TokenValidator::builder(ISS, AUD).build().is_err());
    assert!(
        TokenValidator::builder("", AUD)
            .key(s.client.public_key())
            .build()
            .is_err()
    );
    // A key with a small-order component (valid point, not weak, not
    // torsion-free) is refused at build time.
    let base = s.client.public_key().to_bytes();
    let p = ed25519_dalek::VerifyingKey::from_bytes(&base)
        .unwrap()
        .to_edwards();
    let t8 = ed25519_dalek::VerifyingKey::from_bytes(&[
        0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98,
        0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53,
        0xfc, 0x05,
    ])
    .unwrap()
    .to_edwards();
    let mixed = (p + t8).compress().to_bytes();
    // Such a key cannot even become a `PublicKey` (so neither a validator
    // key nor a JWKS entry); the builder's own check stays as a backstop.
    assert_eq!(
        PublicKey::from_bytes(&mixed).unwrap_err(),
        Error::InvalidKey(keytree::KeyError::Weak)
    );
}

// ---- RFC 8037 ---------------------------------------------------------------

#[test]
fn rfc8037_appendix_a_vectors() {
    let Some(dir) = crate::common::shared_vectors("rfc8037") else {
        return;
    };
    let v = crate::common::read_json(&dir.join("jose_okp_ed25519.json"));
    let d: [u8; 32] = base64url_decode(v["private_jwk"]["d"].as_str().unwrap(), "d")
        .unwrap()
        .try_into()
        .unwrap();
    let x = v["public_jwk"]["x"].as_str().unwrap();
    let key = TokenSigningKey::from_bytes(&d);
    // A.2: the public key; A.3: the thumbprint is keytree's kid.
    assert_eq!(b64(key.public_key().as_bytes()), x);
    assert_eq!(
        key.kid(),
        v["jwk_thumbprint_sha256_b64url"].as_str().unwrap()
    );
    assert_eq!(
        keytree::jwk_thumbprint(key.public_key()),
        v["jwk_thumbprint_sha256_b64url"].as_str().unwrap()
    );
    let jwk: Value = serde_json::from_str(&key.to_jwk().to_json()).unwrap();
    assert_eq!(jwk["x"], x);
    assert_eq!(jwk["kty"], "OKP");
    assert_eq!(jwk["crv"], "Ed25519");
    // The published JWK (without kid) parses to the same key and kid.
    let set = format!(r#"{{"keys":[{}]}}"#, v["public_jwk"]);
    let parsed = keytree::Jwks::from_json(&set).unwrap();
    assert_eq!(parsed.keys()[0].kid(), key.kid());
    // A.4/A.5: the signature over the JWS signing input verifies strictly.
    let jws = &v["jws"];
    let sig = keytree::Signature::from_slice(
        &base64url_decode(jws["signature_b64url"].as_str().unwrap(), "sig").unwrap(),
    )
    .unwrap();
    key.public_key()
        .verify(jws["signing_input"].as_str().unwrap().as_bytes(), &sig)
        .unwrap();
    assert_eq!(
        format!(
            "{}.{}",
            jws["signing_input"].as_str().unwrap(),
            jws["signature_b64url"].as_str().unwrap()
        ),
        jws["compact"].as_str().unwrap()
    );
    // keytree refuses the A.4 token itself: its header has no typ or kid.
    let validator = TokenValidator::builder(ISS, AUD)
        .key(*key.public_key())
        .build()
        .unwrap();
    assert!(matches!(
        token_err(validator.validate(jws["compact"].as_str().unwrap(), 0)),
        TokenError::InvalidHeader(_)
    ));
}
