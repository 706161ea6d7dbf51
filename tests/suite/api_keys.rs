//! Issue 10, API keys: created by a member through its token, shown once,
//! stored as a keyed hash, validated into the same principal a token
//! gives and checked live against the context, listable and revocable by
//! their owner only. Memory store, and two instances on a real
//! redis-server.

use keytree::{
    ApiKey, ApiKeyIssuer, ApiKeyRequest, ApiKeyStore, Error, ErrorKind, MemoryApiKeyStore, OpKind,
    PermissionError, TokenError, TokenIssuer, TokenRequest, TokenSigningKey, ValidatedToken,
};

use crate::common::block_on;
use crate::common::{Fixture, perms};

const SECRET: [u8; 32] = [0x77; 32];

fn token_for(fx: &Fixture, tokens: &TokenIssuer, key: keytree::PublicKey) -> ValidatedToken {
    let t = tokens
        .mint(&fx.ctx, &TokenRequest::new(key, "api"), fx.now)
        .unwrap();
    tokens
        .validator("api", fx.now)
        .build()
        .unwrap()
        .validate_for(&fx.ctx, &t, fx.now)
        .unwrap()
}

fn invalid(e: &Error) -> bool {
    *e == Error::Token(TokenError::ApiKeyInvalid)
}

/// Every scenario, `a` and `b` two instances on one backend.
async fn scenarios<S: ApiKeyStore>(a: &S, b: &S) {
    let mut fx = Fixture::new(71);
    let (alice, _) = fx.add_member(0, &["blob", "context:execute"]);
    let (bob, _) = fx.add_member(1, &["blob"]);
    let tokens = TokenIssuer::new("https://auth.test", TokenSigningKey::from_bytes(&[72; 32]));
    let keys = ApiKeyIssuer::new("https://auth.test", &SECRET);
    let now = fx.now;
    let alice_token = token_for(&fx, &tokens, alice.public_key());
    let bob_token = token_for(&fx, &tokens, bob.public_key());

    // Create on A with fewer permissions; validate on B: the same kind of
    // principal a token gives, scoped to the context and the owner.
    let request = ApiKeyRequest::new("ci", 3600).permissions(perms(&["blob"]));
    let (key, record) = keys.create(&alice_token, &request, a, now).await.unwrap();
    assert!(ApiKey::looks_like(key.as_str()));
    assert_eq!(key.as_str().len(), 71);
    assert!(key.as_str().starts_with(&format!("kt_{}_", record.id())));
    assert!(!format!("{key:?}{record:?}").contains(&key.as_str()[28..]));
    let who = keys
        .validate_for(&fx.ctx, key.as_str(), b, now + 1)
        .await
        .unwrap();
    assert_eq!(who.executor_public_key().unwrap(), alice.public_key());
    assert_eq!(who.claims().context_id(), &fx.id());
    assert_eq!(who.claims().permissions(), &perms(&["blob"]));
    assert_eq!(who.claims().jti(), record.id().to_string());
    assert!(
        who.require(&keytree::Permission::new("blob:add").unwrap())
            .is_ok()
    );
    assert!(
        who.require(&keytree::Permission::new("context:execute").unwrap())
            .is_err()
    );

    // Wrong secret, unknown id, malformed text: one detail-free refusal.
    let text = key.as_str();
    // A secret digit changed in the middle (still canonical base64url).
    let c = if &text[50..51] == "A" { "B" } else { "A" };
    let flipped = format!("{}{c}{}", &text[..50], &text[51..]);
    assert!(flipped.parse::<ApiKey>().is_ok());
    let other_id = format!("kt_{}{}", "0".repeat(24), &text[27..]);
    for bad in [flipped.as_str(), other_id.as_str(), "kt_nope", "Bearer x"] {
        let e = keys
            .validate_for(&fx.ctx, bad, a, now + 1)
            .await
            .unwrap_err();
        assert!(invalid(&e), "{bad}: {e:?}");
        assert_eq!(e.kind(), ErrorKind::Unauthorized);
    }
    // Expired.
    assert!(matches!(
        keys.validate_for(&fx.ctx, key.as_str(), a, now + 3600)
            .await
            .unwrap_err(),
        Error::Token(TokenError::Expired { .. })
    ));
    // More than the creating token carries is refused.
    let too_much = ApiKeyRequest::new("x", 60).permissions(perms(&["admin"]));
    assert!(matches!(
        keys.create(&bob_token, &too_much, a, now)
            .await
            .unwrap_err(),
        Error::Permission(PermissionError::NotCovered(_))
    ));
    assert!(matches!(
        keys.create(&bob_token, &ApiKeyRequest::new("", 60), a, now)
            .await
            .unwrap_err(),
        Error::Token(TokenError::InvalidRequest(_))
    ));

    // Listing is per owner; only the owner revokes.
    let (key2, record2) = keys
        .create(&alice_token, &ApiKeyRequest::new("deploy", 600), b, now + 2)
        .await
        .unwrap();
    let (bob_key, _) = keys
        .create(&bob_token, &ApiKeyRequest::new("bob", 600), a, now)
        .await
        .unwrap();
    let listed: Vec<String> = keys
        .list(&alice_token, b)
        .await
        .unwrap()
        .iter()
        .map(|r| r.name().to_owned())
        .collect();
    assert_eq!(listed, ["ci", "deploy"]);
    assert_eq!(keys.list(&bob_token, a).await.unwrap().len(), 1);
    assert!(!keys.revoke(&bob_token, record2.id(), a).await.unwrap());
    keys.validate_for(&fx.ctx, key2.as_str(), a, now + 3)
        .await
        .unwrap();
    assert!(keys.revoke(&alice_token, record2.id(), b).await.unwrap());
    assert!(invalid(
        &keys
            .validate_for(&fx.ctx, key2.as_str(), a, now + 4)
            .await
            .unwrap_err()
    ));
    assert!(!keys.revoke(&alice_token, record2.id(), a).await.unwrap());
    assert_eq!(keys.list(&alice_token, a).await.unwrap().len(), 1);

    // Live against the context: revoking the owner refuses its keys at once.
    keys.validate_for(&fx.ctx, bob_key.as_str(), b, now + 5)
        .await
        .unwrap();
    fx.apply(OpKind::RevokeKey {
        key: bob.public_key(),
    })
    .unwrap();
    assert!(matches!(
        keys.validate_for(&fx.ctx, bob_key.as_str(), b, now + 6)
            .await
            .unwrap_err(),
        Error::Token(TokenError::ExecutorRevoked(_))
    ));
    // Another issuer secret (another deployment) accepts nothing.
    let elsewhere = ApiKeyIssuer::new("https://auth.test", &[1; 32]);
    assert!(invalid(
        &elsewhere
            .validate_for(&fx.ctx, key.as_str(), a, now + 1)
            .await
            .unwrap_err()
    ));
}

#[test]
fn memory_api_keys() {
    let store = MemoryApiKeyStore::new();
    block_on(scenarios(&store, &store));
    // "ci" (alice) and "bob" remain; "deploy" was revoked.
    assert_eq!(store.len(), 2);
    assert_eq!(store.purge_expired(u64::MAX).unwrap(), 2);
    assert!(store.is_empty());
}

#[test]
fn api_key_text_round_trip() {
    let key = ApiKey::generate(&mut rand::rng());
    let back: ApiKey = key.as_str().parse().unwrap();
    assert_eq!(back.id(), key.id());
    assert_eq!(back.as_str(), key.as_str());
    assert!(format!("{key:?}").starts_with("ApiKey { id: ApiKeyId("));
    // Upper-case id digits are not the canonical text.
    let upper = format!(
        "kt_{}{}",
        key.id().to_string().to_uppercase(),
        &key.as_str()[27..]
    );
    assert!(upper.parse::<ApiKey>().is_err());
}

#[cfg(feature = "redis")]
mod redis {
    use std::time::Duration;

    use keytree::RedisStore;

    use super::*;
    use crate::redis_server::RedisServer;

    async fn store(server: &RedisServer) -> RedisStore {
        RedisStore::builder(server.url())
            .prefix("keys:")
            .timeout(Duration::from_millis(500))
            .connect()
            .await
            .unwrap()
    }

    #[test]
    fn redis_api_keys_across_instances() {
        let Some(server) = RedisServer::start("redis_api_keys_across_instances") else {
            return;
        };
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
            .block_on(async {
                let a = store(&server).await;
                let b = store(&server).await;
                scenarios(&a, &b).await;
            });
    }
}
