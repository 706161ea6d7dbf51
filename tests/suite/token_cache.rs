//! Issue 10, the verified-token cache: a repeat validation skips the
//! signature, but time, revocation, session and permissions stay live;
//! entries never outlive `exp`; memory is bounded; a different token text
//! (another signature) is never a hit.

use keytree::{
    Error, MemoryRefreshStore, OpKind, Permission, TokenError, TokenIssuer, TokenRequest,
    TokenSigningKey, TokenValidator,
};

use crate::common::Fixture;
use crate::common::block_on;

fn setup(capacity: usize) -> (Fixture, TokenIssuer, TokenValidator, keytree::ClientKey) {
    let mut fx = Fixture::new(81);
    let (client, _) = fx.add_member(0, &["blob", "context:execute"]);
    let issuer = TokenIssuer::new("https://auth.test", TokenSigningKey::from_bytes(&[82; 32]));
    let validator = issuer
        .validator("api", fx.now)
        .leeway(30)
        .cache(capacity)
        .build()
        .unwrap();
    (fx, issuer, validator, client)
}

#[test]
fn repeat_validation_hits_and_time_stays_live() {
    let (fx, issuer, v, client) = setup(1000);
    let now = fx.now;
    let token = issuer
        .mint(
            &fx.ctx,
            &TokenRequest::new(client.public_key(), "api").ttl(600),
            now,
        )
        .unwrap();
    assert_eq!(v.cached_tokens(), 0);
    let first = v.validate_for(&fx.ctx, &token, now + 1).unwrap();
    assert_eq!(v.cached_tokens(), 1);
    let again = v.validate_for(&fx.ctx, &token, now + 2).unwrap();
    assert_eq!(v.cached_tokens(), 1);
    assert_eq!(again.claims(), first.claims());
    assert_eq!(again.executor_public_key().unwrap(), client.public_key());
    // Before nbf − leeway: refused though cached.
    assert!(matches!(
        v.validate(&token, now - 31).unwrap_err(),
        Error::Token(TokenError::NotYetValid { .. })
    ));
    // Within the leeway after exp the entry is gone and the full path
    // (with its leeway) answers; past it, expired.
    v.validate(&token, now + 600 + 29).unwrap();
    assert!(matches!(
        v.validate(&token, now + 600 + 30).unwrap_err(),
        Error::Token(TokenError::Expired { .. })
    ));
}

#[test]
fn other_text_is_never_a_hit() {
    let (fx, issuer, v, client) = setup(1000);
    let token = issuer
        .mint(
            &fx.ctx,
            &TokenRequest::new(client.public_key(), "api"),
            fx.now,
        )
        .unwrap();
    v.validate(&token, fx.now).unwrap();
    // The same header and claims with a changed signature byte.
    let (head, sig) = token.rsplit_once('.').unwrap();
    let mut sig = keytree::base64url_decode(sig, "sig").unwrap();
    sig[10] ^= 1;
    let forged = format!("{head}.{}", keytree::base64url_encode(&sig));
    assert_eq!(
        v.validate(&forged, fx.now).unwrap_err(),
        Error::InvalidSignature
    );
    // Another validator's audience: the cache is per validator.
    let other = issuer.validator("other", fx.now).cache(10).build().unwrap();
    assert_eq!(
        other.validate(&token, fx.now).unwrap_err(),
        TokenError::WrongAudience.into()
    );
}

#[test]
fn revocation_permissions_and_sessions_stay_live() {
    let (mut fx, issuer, v, client) = setup(1000);
    let now = fx.now;
    let store = MemoryRefreshStore::new();
    let pair = block_on(issuer.issue(
        &fx.ctx,
        &TokenRequest::new(client.public_key(), "api"),
        &store,
        now,
    ))
    .unwrap();
    let token = pair.access_token();
    block_on(v.validate_session_for(&fx.ctx, token, &store, now)).unwrap();
    block_on(v.validate_session_for(&fx.ctx, token, &store, now + 1)).unwrap();
    assert_eq!(v.cached_tokens(), 1);
    // Narrowed permissions: refused at once though cached.
    fx.apply(OpKind::SetPermissions {
        member: client.public_key(),
        permissions: crate::common::perms(&["blob"]),
    })
    .unwrap();
    assert!(matches!(
        v.validate_for(&fx.ctx, token, now + 2).unwrap_err(),
        Error::Token(TokenError::PermissionRevoked(_))
    ));
    // A logged-out session (a fresh context, the permissions above being
    // narrowed): refused at once though cached.
    let (mut fx2, issuer2, v2, client2) = setup(1000);
    let pair2 = block_on(issuer2.issue(
        &fx2.ctx,
        &TokenRequest::new(client2.public_key(), "api"),
        &store,
        now,
    ))
    .unwrap();
    block_on(v2.validate_session_for(&fx2.ctx, pair2.access_token(), &store, now)).unwrap();
    block_on(issuer2.logout(pair2.refresh_token(), &store)).unwrap();
    assert_eq!(
        block_on(v2.validate_session_for(&fx2.ctx, pair2.access_token(), &store, now + 1))
            .unwrap_err(),
        TokenError::SessionRevoked.into()
    );
    // A revoked key: refused at once.
    let t = issuer2
        .mint(
            &fx2.ctx,
            &TokenRequest::new(client2.public_key(), "api"),
            now,
        )
        .unwrap();
    v2.validate_for(&fx2.ctx, &t, now).unwrap();
    fx2.apply(OpKind::RevokeKey {
        key: client2.public_key(),
    })
    .unwrap();
    assert!(matches!(
        v2.validate_for(&fx2.ctx, &t, now + 1).unwrap_err(),
        Error::Token(TokenError::ExecutorRevoked(_))
    ));
    // And the permission check of the principal is the token's.
    let valid = v.validate(token, now + 3).unwrap();
    assert!(
        valid
            .require(&Permission::new("context:execute").unwrap())
            .is_ok()
    );
}

#[test]
fn memory_is_bounded() {
    let (fx, issuer, v, client) = setup(32);
    for i in 0..200 {
        let t = issuer
            .mint(
                &fx.ctx,
                &TokenRequest::new(client.public_key(), "api"),
                fx.now + i,
            )
            .unwrap();
        v.validate(&t, fx.now + i).unwrap();
    }
    assert!(v.cached_tokens() <= 32, "{}", v.cached_tokens());
    let (_, _, none, _) = setup(0);
    assert_eq!(none.cached_tokens(), 0);
}
