//! A retried refresh after a lost reply must not log the user out; a true
//! replay still revokes the family (issue 8). Memory store, and a real
//! redis-server whose reply is lost (`CLIENT PAUSE … WRITE`).

use keytree::{
    Context, ContextId, RefreshStore, RootKey, TokenError, TokenIssuer, TokenRequest,
    TokenSigningKey,
};

use crate::common::Fixture;
use crate::common::block_on;

const NOW: u64 = 1_700_000_000;

struct Setup {
    fx: Fixture,
    issuer: TokenIssuer,
    request: TokenRequest,
}

fn setup(grace: u64) -> Setup {
    let root = RootKey::from_bytes(&[3; 32]);
    let ctx = Context::builder(ContextId::from_bytes([4; 32]))
        .create(&root, NOW)
        .unwrap();
    let mut fx = Fixture {
        root,
        ctx,
        now: NOW,
    };
    let (client, _) = fx.add_member(0, &["context:execute"]);
    let issuer = TokenIssuer::new("https://auth.test", TokenSigningKey::from_bytes(&[9; 32]))
        .with_refresh_grace(grace);
    let request = TokenRequest::new(client.public_key(), "api");
    Setup {
        fx,
        issuer,
        request,
    }
}

/// The scenarios, on any store.
async fn scenarios<S: RefreshStore>(store: &S) {
    let s = setup(10);
    let (ctx, issuer) = (&s.fx.ctx, &s.issuer);

    // 1. Lost reply: the rotation happened, the client never saw `lost`.
    let first = issuer.issue(ctx, &s.request, store, NOW).await.unwrap();
    let lost = issuer
        .refresh(ctx, first.refresh_token(), store, NOW + 1)
        .await
        .unwrap();
    // Its retry within the window gets a new pair; the user stays logged in.
    let retry = issuer
        .refresh(ctx, first.refresh_token(), store, NOW + 2)
        .await
        .unwrap();
    let next = issuer
        .refresh(ctx, retry.refresh_token(), store, NOW + 3)
        .await
        .unwrap();
    // The superseded successor is dead: using it is reuse and revokes.
    assert_eq!(
        issuer
            .refresh(ctx, lost.refresh_token(), store, NOW + 4)
            .await
            .unwrap_err(),
        TokenError::RefreshReused.into()
    );
    assert_eq!(
        issuer
            .refresh(ctx, next.refresh_token(), store, NOW + 5)
            .await
            .unwrap_err(),
        TokenError::RefreshRevoked.into()
    );

    // 2. A replay after the successor was used revokes, even in the window.
    let first = issuer.issue(ctx, &s.request, store, NOW).await.unwrap();
    let second = issuer
        .refresh(ctx, first.refresh_token(), store, NOW + 1)
        .await
        .unwrap();
    let third = issuer
        .refresh(ctx, second.refresh_token(), store, NOW + 2)
        .await
        .unwrap();
    assert_eq!(
        issuer
            .refresh(ctx, first.refresh_token(), store, NOW + 3)
            .await
            .unwrap_err(),
        TokenError::RefreshReused.into()
    );
    assert_eq!(
        issuer
            .refresh(ctx, third.refresh_token(), store, NOW + 4)
            .await
            .unwrap_err(),
        TokenError::RefreshRevoked.into()
    );

    // 3. A replay after the window revokes.
    let first = issuer.issue(ctx, &s.request, store, NOW).await.unwrap();
    let second = issuer
        .refresh(ctx, first.refresh_token(), store, NOW + 1)
        .await
        .unwrap();
    assert_eq!(
        issuer
            .refresh(ctx, first.refresh_token(), store, NOW + 11)
            .await
            .unwrap_err(),
        TokenError::RefreshReused.into()
    );
    assert_eq!(
        issuer
            .refresh(ctx, second.refresh_token(), store, NOW + 12)
            .await
            .unwrap_err(),
        TokenError::RefreshRevoked.into()
    );

    // 4. With the grace window off, the retry is reuse.
    let strict = setup(0);
    let first = strict
        .issuer
        .issue(ctx, &s.request, store, NOW)
        .await
        .unwrap();
    strict
        .issuer
        .refresh(ctx, first.refresh_token(), store, NOW + 1)
        .await
        .unwrap();
    assert_eq!(
        strict
            .issuer
            .refresh(ctx, first.refresh_token(), store, NOW + 1)
            .await
            .unwrap_err(),
        TokenError::RefreshReused.into()
    );
}

#[test]
fn memory_refresh_retry_within_grace_and_replay() {
    block_on(scenarios(&keytree::MemoryRefreshStore::new()));
}

#[cfg(feature = "redis")]
mod redis {
    use std::process::Command;
    use std::time::Duration;

    use keytree::{Error, RedisStore, TokenError};

    use super::{NOW, scenarios, setup};
    use crate::redis_server::RedisServer;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    }

    async fn store(server: &RedisServer, prefix: &str) -> RedisStore {
        RedisStore::builder(server.url())
            .prefix(prefix)
            .timeout(Duration::from_millis(300))
            .connect()
            .await
            .unwrap()
    }

    #[test]
    fn redis_refresh_retry_within_grace_and_replay() {
        let Some(server) = RedisServer::start("redis_refresh_retry_within_grace_and_replay") else {
            return;
        };
        // NOW is in 2023: records stored with relative expiries live; an
        // absolute PEXPIREAT from this `now` would have deleted them at once.
        runtime().block_on(async { scenarios(&store(&server, "rr1:").await).await });
    }

    /// Issue 8 (low): refresh records expire relative to the caller's `now`
    /// (what the memory store does), not at an absolute time on Redis's
    /// clock: a `now` far in the past keeps the record its full lifetime.
    #[test]
    fn redis_refresh_expiry_is_relative_to_now() {
        let Some(server) = RedisServer::start("redis_refresh_expiry_is_relative_to_now") else {
            return;
        };
        runtime().block_on(async {
            let store = store(&server, "rr3:").await;
            let s = setup(10);
            let pair = s
                .issuer
                .issue(&s.fx.ctx, &s.request, &store, NOW)
                .await
                .unwrap();
            let key = format!(
                "rr3:rt:{}",
                keytree::hex_encode(pair.refresh_token().hash().as_bytes())
            );
            let out = Command::new("redis-cli")
                .args(["-p", &server.port.to_string(), "PTTL", &key])
                .output()
                .unwrap();
            let pttl: i64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
            let want = (pair.refresh_expires_at() - NOW + keytree::DEFAULT_RETENTION) as i64 * 1000;
            assert!(
                pttl > want - 60_000 && pttl <= want,
                "pttl {pttl}, want {want}"
            );
            // And the token refreshes, as it does on the memory store.
            s.issuer
                .refresh(&s.fx.ctx, pair.refresh_token(), &store, NOW + 5)
                .await
                .unwrap();
        });
    }

    /// The rotation is applied but its reply is lost (the call times out
    /// while Redis holds writes, then Redis runs it); the client retries.
    #[test]
    fn redis_refresh_lost_reply_then_retry_keeps_user_logged_in() {
        let Some(server) = RedisServer::start("redis_refresh_lost_reply_then_retry") else {
            return;
        };
        runtime().block_on(async {
            let store = store(&server, "rr2:").await;
            let s = setup(10);
            let (ctx, issuer) = (&s.fx.ctx, &s.issuer);
            let first = issuer.issue(ctx, &s.request, &store, NOW).await.unwrap();
            let paused = Command::new("redis-cli")
                .args([
                    "-p",
                    &server.port.to_string(),
                    "CLIENT",
                    "PAUSE",
                    "800",
                    "WRITE",
                ])
                .output()
                .unwrap();
            assert!(paused.status.success());
            let e = issuer
                .refresh(ctx, first.refresh_token(), &store, NOW + 1)
                .await
                .unwrap_err();
            assert!(matches!(e, Error::StoreUnavailable(_)), "{e:?}");
            // The pause ends and Redis applies the rotation nobody saw.
            tokio::time::sleep(Duration::from_millis(1000)).await;
            let spent = Command::new("redis-cli")
                .args([
                    "-p",
                    &server.port.to_string(),
                    "HGET",
                    &format!(
                        "rr2:rt:{}",
                        keytree::hex_encode(first.refresh_token().hash().as_bytes())
                    ),
                    "s",
                ])
                .output()
                .unwrap();
            assert_eq!(
                String::from_utf8_lossy(&spent.stdout).trim(),
                "1",
                "the timed-out rotation was applied"
            );
            // The retry: a new pair, and the session goes on.
            let retry = issuer
                .refresh(ctx, first.refresh_token(), &store, NOW + 2)
                .await
                .unwrap();
            let next = issuer
                .refresh(ctx, retry.refresh_token(), &store, NOW + 3)
                .await
                .unwrap();
            // A later real replay of the first token still revokes the family.
            assert_eq!(
                issuer
                    .refresh(ctx, first.refresh_token(), &store, NOW + 30)
                    .await
                    .unwrap_err(),
                TokenError::RefreshReused.into()
            );
            assert_eq!(
                issuer
                    .refresh(ctx, next.refresh_token(), &store, NOW + 31)
                    .await
                    .unwrap_err(),
                TokenError::RefreshRevoked.into()
            );
        });
    }
}
