//! Issue 10, sessions and logout: access tokens carry `sid` (their refresh
//! family); logout revokes a session without spending its refresh token;
//! "log out everywhere" revokes every session of a member; the validator's
//! session check refuses a logged-out session's access tokens at once, on
//! every instance sharing the store, and fails closed. Memory store, and
//! two instances on a real redis-server.

use keytree::{
    Error, MemoryRefreshStore, RefreshStore, SessionStore, TokenError, TokenIssuer, TokenRequest,
    TokenSigningKey, TokenValidator,
};

use crate::common::Fixture;
use crate::common::block_on;

struct Setup {
    fx: Fixture,
    issuer: TokenIssuer,
    validator: TokenValidator,
    request: TokenRequest,
    other: TokenRequest,
}

fn setup() -> Setup {
    let mut fx = Fixture::new(61);
    let (client, _) = fx.add_member(0, &["blob"]);
    let (client2, _) = fx.add_member(1, &["blob"]);
    let issuer = TokenIssuer::new("https://auth.test", TokenSigningKey::from_bytes(&[62; 32]));
    let validator = issuer.validator("api", fx.now).build().unwrap();
    Setup {
        fx,
        issuer,
        validator,
        request: TokenRequest::new(client.public_key(), "api"),
        other: TokenRequest::new(client2.public_key(), "api"),
    }
}

fn revoked(e: Error) -> bool {
    e == Error::Token(TokenError::SessionRevoked)
}

/// Every scenario, with `a` and `b` two instances sharing one backend.
async fn scenarios<S: RefreshStore + SessionStore>(a: &S, b: &S) {
    let s = setup();
    let (ctx, issuer, v, now) = (&s.fx.ctx, &s.issuer, &s.validator, s.fx.now);

    // Login on A: the access token names its session, which B accepts.
    let pair = issuer.issue(ctx, &s.request, a, now).await.unwrap();
    let valid = v
        .validate_session_for(ctx, pair.access_token(), b, now + 1)
        .await
        .unwrap();
    let sid = *valid.claims().session_id().unwrap();
    // Refresh keeps the session.
    let pair = issuer
        .refresh(ctx, pair.refresh_token(), b, now + 2)
        .await
        .unwrap();
    let valid = v.validate_for(ctx, pair.access_token(), now + 3).unwrap();
    assert_eq!(valid.claims().session_id(), Some(&sid));

    // Logout on B with the refresh token: A refuses the access token at
    // once; the refresh token is revoked, not "reused".
    assert_eq!(issuer.logout(pair.refresh_token(), b).await.unwrap(), sid);
    assert!(revoked(
        v.validate_session_for(ctx, pair.access_token(), a, now + 4)
            .await
            .unwrap_err()
    ));
    assert_eq!(
        issuer
            .refresh(ctx, pair.refresh_token(), a, now + 5)
            .await
            .unwrap_err(),
        TokenError::RefreshRevoked.into()
    );
    // Logging out twice is harmless; an unknown refresh token is unknown.
    assert_eq!(issuer.logout(pair.refresh_token(), a).await.unwrap(), sid);
    let stranger = keytree::RefreshToken::generate(&mut rand::rng());
    assert_eq!(
        issuer.logout(&stranger, a).await.unwrap_err(),
        TokenError::RefreshUnknown.into()
    );

    // Logout with the access token (its sid) leaves other sessions alone.
    let one = issuer.issue(ctx, &s.request, a, now + 10).await.unwrap();
    let two = issuer.issue(ctx, &s.request, a, now + 10).await.unwrap();
    let theirs = issuer.issue(ctx, &s.other, a, now + 10).await.unwrap();
    let one_valid = v.validate_for(ctx, one.access_token(), now + 11).unwrap();
    issuer.logout_session(&one_valid, b).await.unwrap();
    assert!(revoked(
        v.validate_session_for(ctx, one.access_token(), a, now + 12)
            .await
            .unwrap_err()
    ));
    v.validate_session_for(ctx, two.access_token(), a, now + 12)
        .await
        .unwrap();

    // Log out everywhere: every live session of the member (here `two`),
    // none of another member's.
    let two_valid = v.validate_for(ctx, two.access_token(), now + 13).unwrap();
    assert_eq!(issuer.logout_everywhere(&two_valid, b).await.unwrap(), 1);
    assert!(revoked(
        v.validate_session_for(ctx, two.access_token(), a, now + 14)
            .await
            .unwrap_err()
    ));
    v.validate_session_for(ctx, theirs.access_token(), a, now + 14)
        .await
        .unwrap();
    // A new login after that is a new, live session.
    let again = issuer.issue(ctx, &s.request, a, now + 15).await.unwrap();
    v.validate_session_for(ctx, again.access_token(), b, now + 16)
        .await
        .unwrap();

    // A token without a session (mint) passes the session check.
    let minted = issuer.mint(ctx, &s.request, now + 20).unwrap();
    let valid = v
        .validate_session_for(ctx, &minted, a, now + 21)
        .await
        .unwrap();
    assert!(valid.claims().session_id().is_none());
    assert_eq!(
        issuer.logout_session(&valid, a).await.unwrap_err(),
        TokenError::InvalidRequest("the token has no session").into()
    );
}

#[test]
fn memory_sessions() {
    let store = MemoryRefreshStore::new();
    block_on(scenarios(&store, &store));
}

/// A session the store does not know (another deployment's, or purged) is
/// refused: the check fails closed.
#[test]
fn unknown_session_is_refused() {
    let s = setup();
    let store = MemoryRefreshStore::new();
    let pair = block_on(s.issuer.issue(&s.fx.ctx, &s.request, &store, s.fx.now)).unwrap();
    let elsewhere = MemoryRefreshStore::new();
    let e = block_on(s.validator.validate_session_for(
        &s.fx.ctx,
        pair.access_token(),
        &elsewhere,
        s.fx.now + 1,
    ))
    .unwrap_err();
    assert!(revoked(e.clone()));
    assert_eq!(e.http_status(), 401);
}

/// The `sid` claim is in the signed payload, as 32 hex digits.
#[test]
fn sid_claim_is_signed_json() {
    let s = setup();
    let store = MemoryRefreshStore::new();
    let pair = block_on(s.issuer.issue(&s.fx.ctx, &s.request, &store, s.fx.now)).unwrap();
    let payload = pair.access_token().split('.').nth(1).unwrap();
    let json: serde_json::Value =
        serde_json::from_slice(&keytree::base64url_decode(payload, "payload").unwrap()).unwrap();
    let sid = json["sid"].as_str().unwrap();
    assert_eq!(sid.len(), 32);
    let valid = s
        .validator
        .validate(pair.access_token(), s.fx.now + 1)
        .unwrap();
    assert_eq!(valid.claims().session_id().unwrap().to_string(), sid);
    // Minted tokens carry no sid.
    let minted = s.issuer.mint(&s.fx.ctx, &s.request, s.fx.now).unwrap();
    let payload = minted.split('.').nth(1).unwrap();
    let json: serde_json::Value =
        serde_json::from_slice(&keytree::base64url_decode(payload, "payload").unwrap()).unwrap();
    assert!(json.get("sid").is_none());
}

#[cfg(feature = "redis")]
mod redis {
    use std::time::Duration;

    use keytree::{Error, RedisStore};

    use super::*;
    use crate::redis_server::RedisServer;

    async fn store(server: &RedisServer) -> RedisStore {
        RedisStore::builder(server.url())
            .prefix("sess:")
            .timeout(Duration::from_millis(500))
            .connect()
            .await
            .unwrap()
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    }

    /// Two instances (two connections) on one redis-server.
    #[test]
    fn redis_sessions_across_instances() {
        let Some(server) = RedisServer::start("redis_sessions_across_instances") else {
            return;
        };
        runtime().block_on(async {
            let a = store(&server).await;
            let b = store(&server).await;
            scenarios(&a, &b).await;
        });
    }

    /// A store that cannot answer refuses the request (503), never lets a
    /// token through.
    #[test]
    fn redis_session_check_fails_closed() {
        let Some(mut server) = RedisServer::start("redis_session_check_fails_closed") else {
            return;
        };
        runtime().block_on(async {
            let s = setup();
            let a = store(&server).await;
            let pair = s
                .issuer
                .issue(&s.fx.ctx, &s.request, &a, s.fx.now)
                .await
                .unwrap();
            server.stop();
            let e = s
                .validator
                .validate_session_for(&s.fx.ctx, pair.access_token(), &a, s.fx.now + 1)
                .await
                .unwrap_err();
            assert!(matches!(e, Error::StoreUnavailable(_)), "{e:?}");
            assert_eq!(e.http_status(), 503);
        });
    }
}
