//! Wallet login challenges over the memory store and (feature `redis`) a
//! real Redis: single use under concurrency, attempt limits, expiry,
//! domain and account binding, every chain's form, and (Redis) refresh
//! reuse across instances and a server dying mid-run.

use std::sync::Arc;

use keytree::{
    AccountId, Challenge, ChallengeError, ChallengeIssuer, ChallengeMessage, Error, EthereumProof,
    MemoryNonceStore, NonceStore, RawKeyProof, RootKey, WalletError, WalletProof,
};

pub const NOW: u64 = 1_736_942_400;
pub const DOMAIN: &str = "login.keytree.test";

pub fn eth_key(seed: u8) -> k256::ecdsa::SigningKey {
    k256::ecdsa::SigningKey::from_slice(&[seed; 32]).unwrap()
}

pub fn eth_account(sk: &k256::ecdsa::SigningKey) -> AccountId {
    let addr = keytree::ethereum_address_of(sk.verifying_key());
    format!("eip155:1:{}", keytree::eip55_encode(&addr))
        .parse()
        .unwrap()
}

/// What a wallet does: EIP-191 `personal_sign` over the exact text.
pub fn eth_sign_hex(sk: &k256::ecdsa::SigningKey, text: &str) -> String {
    let hash = keytree::eip191_hash(text.as_bytes());
    let (sig, recid) = sk.sign_prehash_recoverable(&hash);
    let mut out = sig.to_bytes().to_vec();
    out.push(27 + recid.to_byte());
    keytree::hex_encode(&out)
}

pub fn siwe_text(c: &Challenge) -> &str {
    match c.message() {
        ChallengeMessage::Siwe(t) => t,
        other => panic!("expected SIWE, got {other:?}"),
    }
}

pub fn eth_proof(sk: &k256::ecdsa::SigningKey, c: &Challenge) -> WalletProof {
    let text = siwe_text(c);
    EthereumProof::siwe(text, &eth_sign_hex(sk, text))
        .unwrap()
        .into()
}

fn is(e: &Error, want: &ChallengeError) -> bool {
    matches!(e, Error::Challenge(k) if std::mem::discriminant(k) == std::mem::discriminant(want))
}

// ---------------------------------------------------------------------------
// Scenarios, generic over the store: `a` and `b` are two server instances
// sharing one backend.

pub async fn concurrent_redeem<S: NonceStore + Clone + 'static>(store: S) {
    let issuer = Arc::new(ChallengeIssuer::new(DOMAIN, store).unwrap());
    let sk = eth_key(0x11);
    let c = issuer.issue(&eth_account(&sk), NOW).await.unwrap();
    let proof = Arc::new(eth_proof(&sk, &c));
    let mut tasks = Vec::new();
    for _ in 0..64 {
        let (issuer, proof) = (issuer.clone(), proof.clone());
        tasks.push(tokio::spawn(
            async move { issuer.redeem(&proof, NOW + 5).await },
        ));
    }
    let (mut ok, mut spent) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(v) => {
                assert_eq!(v.account, *c.account());
                ok += 1;
            }
            Err(e) if is(&e, &ChallengeError::AlreadySpent) => spent += 1,
            Err(e) => panic!("unexpected refusal: {e}"),
        }
    }
    assert_eq!((ok, spent), (1, 63));
}

pub async fn attempts<S: NonceStore>(store: S) {
    let issuer = ChallengeIssuer::new(DOMAIN, store).unwrap();
    let sk = eth_key(0x11);
    let account = eth_account(&sk);

    // A wrong signature does not spend; the right one afterwards succeeds.
    let c = issuer.issue(&account, NOW).await.unwrap();
    let text = siwe_text(&c);
    let mut bad = keytree::hex_decode(&eth_sign_hex(&sk, text), "sig").unwrap();
    bad[64] = if bad[64] == 27 { 28 } else { 27 }; // the other recovery id: another key
    let wrong: WalletProof = EthereumProof::siwe(text, &keytree::hex_encode(&bad))
        .unwrap()
        .into();
    let e = issuer.redeem(&wrong, NOW + 1).await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::InvalidSignature | Error::Wallet(WalletError::AccountMismatch)
        ),
        "{e}"
    );
    assert_eq!(
        issuer
            .store()
            .peek(c.nonce(), NOW + 1)
            .await
            .unwrap()
            .attempts(),
        1
    );
    issuer.redeem(&eth_proof(&sk, &c), NOW + 2).await.unwrap();

    // Five wrong ones kill it: the right one is then refused.
    let c = issuer.issue(&account, NOW).await.unwrap();
    let wrong: WalletProof = EthereumProof::siwe(siwe_text(&c), &keytree::hex_encode(&bad))
        .unwrap()
        .into();
    for _ in 0..5 {
        assert!(issuer.redeem(&wrong, NOW + 1).await.is_err());
    }
    let e = issuer
        .redeem(&eth_proof(&sk, &c), NOW + 2)
        .await
        .unwrap_err();
    assert_eq!(e, ChallengeError::TooManyAttempts { max: 5 }.into());
}

pub async fn expiry_and_unknown<S: NonceStore>(store: S) {
    let issuer = ChallengeIssuer::new(DOMAIN, store)
        .unwrap()
        .with_ttl(60)
        .unwrap();
    let sk = eth_key(0x11);
    let c = issuer.issue(&eth_account(&sk), NOW).await.unwrap();
    let e = issuer
        .redeem(&eth_proof(&sk, &c), NOW + 60)
        .await
        .unwrap_err();
    assert!(
        is(
            &e,
            &ChallengeError::Expired {
                expires_at: 0,
                now: 0
            }
        ),
        "{e}"
    );
    // The refusal changed nothing: before the expiry it still redeems.
    assert!(issuer.redeem(&eth_proof(&sk, &c), NOW + 59).await.is_ok());

    // A nonce never issued.
    let other = ChallengeIssuer::new(DOMAIN, MemoryNonceStore::new()).unwrap();
    let c = other.issue(&eth_account(&sk), NOW).await.unwrap();
    let e = issuer
        .redeem(&eth_proof(&sk, &c), NOW + 1)
        .await
        .unwrap_err();
    assert_eq!(e, ChallengeError::Unknown.into());
}

pub async fn domain_binding<S: NonceStore>(a: S, b: S) {
    let at_a = ChallengeIssuer::new("a.keytree.test", a).unwrap();
    let at_b = ChallengeIssuer::new("b.keytree.test", b).unwrap();
    let sk = eth_key(0x11);
    let c = at_a.issue(&eth_account(&sk), NOW).await.unwrap();
    let proof = eth_proof(&sk, &c);
    let e = at_b.redeem(&proof, NOW + 1).await.unwrap_err();
    assert!(
        is(
            &e,
            &ChallengeError::WrongDomain {
                expected: String::new(),
                got: String::new()
            }
        ),
        "{e}"
    );
    // Refusing it at B neither spent it nor counted an attempt.
    assert_eq!(
        at_a.store()
            .peek(c.nonce(), NOW + 1)
            .await
            .unwrap()
            .attempts(),
        0
    );
    at_a.redeem(&proof, NOW + 2).await.unwrap();
}

pub async fn account_binding<S: NonceStore>(store: S) {
    let issuer = ChallengeIssuer::new(DOMAIN, store).unwrap();
    let (x, y) = (eth_key(0x11), eth_key(0x22));
    let c = issuer.issue(&eth_account(&x), NOW).await.unwrap();

    // Y signs X's exact challenge text.
    let text = siwe_text(&c);
    let by_y: WalletProof = EthereumProof::siwe(text, &eth_sign_hex(&y, text))
        .unwrap()
        .into();
    let e = issuer.redeem(&by_y, NOW + 1).await.unwrap_err();
    assert_eq!(e, WalletError::AccountMismatch.into());

    // Y signs a SIWE message of its own that carries X's nonce.
    let own = text.replace(eth_account(&x).address(), eth_account(&y).address());
    let by_y: WalletProof = EthereumProof::siwe(&own, &eth_sign_hex(&y, &own))
        .unwrap()
        .into();
    let e = issuer.redeem(&by_y, NOW + 1).await.unwrap_err();
    assert_eq!(e, ChallengeError::WrongAccount.into());

    // A message X signed but that is not the rendered one.
    let edited = text.replace("URI: https://", "URI: http://");
    let by_x: WalletProof = EthereumProof::siwe(&edited, &eth_sign_hex(&x, &edited))
        .unwrap()
        .into();
    let e = issuer.redeem(&by_x, NOW + 1).await.unwrap_err();
    assert_eq!(e, ChallengeError::MessageMismatch.into());

    // X itself still can (three failed attempts of five).
    let who = issuer.redeem(&eth_proof(&x, &c), NOW + 2).await.unwrap();
    assert_eq!(who.account, eth_account(&x));
}

// ---------------------------------------------------------------------------
// Memory store.

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn memory_concurrent_redeem_exactly_once() {
    runtime().block_on(concurrent_redeem(Arc::new(MemoryNonceStore::new())));
}

#[test]
fn memory_concurrent_redeem_on_threads() {
    // The same with plain threads (no runtime: the memory store never pends).
    let issuer = ChallengeIssuer::new(DOMAIN, MemoryNonceStore::new()).unwrap();
    let sk = eth_key(0x11);
    let c = block_on(issuer.issue(&eth_account(&sk), NOW)).unwrap();
    let proof = eth_proof(&sk, &c);
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..64)
            .map(|_| s.spawn(|| block_on(issuer.redeem(&proof, NOW + 1))))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
    assert_eq!(
        results
            .iter()
            .filter(|r| matches!(r, Err(e) if is(e, &ChallengeError::AlreadySpent)))
            .count(),
        63
    );
}

#[test]
fn memory_attempts() {
    runtime().block_on(attempts(MemoryNonceStore::new()));
}

#[test]
fn memory_expiry_and_unknown() {
    runtime().block_on(expiry_and_unknown(MemoryNonceStore::new()));
}

#[test]
fn memory_domain_binding() {
    let shared = Arc::new(MemoryNonceStore::new());
    runtime().block_on(domain_binding(shared.clone(), shared));
}

#[test]
fn memory_account_binding() {
    runtime().block_on(account_binding(MemoryNonceStore::new()));
}

/// One poll: the memory store's futures are always ready.
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match f.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(v) => v,
        std::task::Poll::Pending => panic!("the memory store never pends"),
    }
}

#[test]
fn memory_store_is_bounded() {
    let store = MemoryNonceStore::with_limits(3, 10);
    let issuer = ChallengeIssuer::new(DOMAIN, &store)
        .unwrap()
        .with_ttl(60)
        .unwrap();
    let key = RootKey::from_bytes(&[4; 32]);
    let account = AccountId::raw_ed25519(&key.public_key());
    let first = block_on(issuer.issue(&account, NOW)).unwrap();
    block_on(issuer.issue(&account, NOW + 1)).unwrap();
    block_on(issuer.issue(&account, NOW + 2)).unwrap();
    // Full of live challenges: the new one is refused, none is evicted.
    let e = block_on(issuer.issue(&account, NOW + 3)).unwrap_err();
    assert_eq!(e, ChallengeError::StoreFull { max: 3 }.into());
    // Once the first has expired, it is the one evicted.
    block_on(issuer.issue(&account, NOW + 60)).unwrap();
    assert_eq!(store.len(), 3);
    assert_eq!(
        block_on(store.peek(first.nonce(), NOW + 61)).unwrap_err(),
        ChallengeError::Unknown.into()
    );
    block_on(issuer.issue(&account, NOW + 61)).unwrap();
    // Past retention everything is purged.
    assert_eq!(store.purge_expired(NOW + 200).unwrap(), 3);
}

#[test]
fn spent_challenges_make_room() {
    let store = MemoryNonceStore::with_limits(1, 10);
    let issuer = ChallengeIssuer::new(DOMAIN, &store).unwrap();
    let key = RootKey::from_bytes(&[4; 32]);
    let account = AccountId::raw_ed25519(&key.public_key());
    let c = block_on(issuer.issue(&account, NOW)).unwrap();
    block_on(issuer.redeem(&raw_proof(&key, &c), NOW + 1)).unwrap();
    block_on(issuer.issue(&account, NOW + 2)).unwrap();
    assert_eq!(store.len(), 1);
}

pub fn raw_proof(key: &RootKey, c: &Challenge) -> WalletProof {
    let text = c.message().text().as_bytes();
    RawKeyProof::ed25519_hex(
        &keytree::hex_encode(key.public_key().as_bytes()),
        text,
        &keytree::hex_encode(key.sign(text).as_bytes()),
    )
    .unwrap()
    .into()
}

#[test]
fn raw_key_form() {
    let issuer = ChallengeIssuer::new(DOMAIN, MemoryNonceStore::new()).unwrap();
    let key = RootKey::from_bytes(&[4; 32]);
    let account = AccountId::raw_ed25519(&key.public_key());
    let c = block_on(issuer.issue(&account, NOW)).unwrap();
    assert!(matches!(c.message(), ChallengeMessage::Text(_)));
    // Signing the bare nonce is not the challenge.
    let bare = RawKeyProof::ed25519_hex(
        &keytree::hex_encode(key.public_key().as_bytes()),
        c.nonce().as_bytes(),
        &keytree::hex_encode(key.sign(c.nonce().as_bytes()).as_bytes()),
    )
    .unwrap();
    assert_eq!(
        block_on(issuer.redeem(&bare.into(), NOW + 1)).unwrap_err(),
        ChallengeError::MissingNonce.into()
    );
    let who = block_on(issuer.redeem(&raw_proof(&key, &c), NOW + 1)).unwrap();
    assert_eq!(who.account, account);
}

#[cfg(feature = "near")]
#[test]
fn near_form() {
    use keytree::NearProof;
    let issuer = ChallengeIssuer::new(DOMAIN, MemoryNonceStore::new()).unwrap();
    let key = RootKey::from_bytes(&[6; 32]);
    let account: AccountId = format!(
        "near:mainnet:{}",
        keytree::hex_encode(key.public_key().as_bytes())
    )
    .parse()
    .unwrap();
    let c = block_on(issuer.issue(&account, NOW)).unwrap();
    let ChallengeMessage::Nep413(payload) = c.message() else {
        panic!("not nep-413")
    };
    assert_eq!(payload.recipient, DOMAIN);
    assert_eq!(&payload.nonce, c.nonce().as_bytes());
    assert_eq!(payload.callback_url, None);
    use base64::Engine as _;
    let sig =
        base64::engine::general_purpose::STANDARD.encode(key.sign(&payload.hash()).as_bytes());
    let pk = format!(
        "ed25519:{}",
        keytree::base58_encode(key.public_key().as_bytes())
    );
    let proof = NearProof::new(account.clone(), &pk, payload.clone(), &sig).unwrap();
    assert_eq!(
        block_on(issuer.redeem(&proof.into(), NOW + 1))
            .unwrap()
            .account,
        account
    );
}

#[cfg(feature = "stellar")]
#[test]
fn stellar_form() {
    use keytree::{StellarProof, Strkey};
    let issuer = ChallengeIssuer::new(DOMAIN, MemoryNonceStore::new()).unwrap();
    let key = RootKey::from_bytes(&[7; 32]);
    let g = Strkey::Account(*key.public_key().as_bytes()).encode();
    let account: AccountId = format!("stellar:pubnet:{}", g.as_str()).parse().unwrap();
    let c = block_on(issuer.issue(&account, NOW)).unwrap();
    let ChallengeMessage::Sep53(text) = c.message() else {
        panic!("not sep-53")
    };
    use base64::Engine as _;
    let sig = base64::engine::general_purpose::STANDARD
        .encode(key.sign(&keytree::sep53_hash(text.as_bytes())).as_bytes());
    let proof = StellarProof::new(account.clone(), text, &sig).unwrap();
    assert_eq!(
        block_on(issuer.redeem(&proof.into(), NOW + 1))
            .unwrap()
            .account,
        account
    );
}

#[cfg(feature = "solana")]
#[test]
fn solana_form() {
    use keytree::SolanaProof;
    let issuer = ChallengeIssuer::new(DOMAIN, MemoryNonceStore::new()).unwrap();
    let key = RootKey::from_bytes(&[8; 32]);
    let account: AccountId = format!(
        "solana:{}:{}",
        keytree::SOLANA_MAINNET,
        keytree::base58_encode(key.public_key().as_bytes())
    )
    .parse()
    .unwrap();
    let c = block_on(issuer.issue(&account, NOW)).unwrap();
    let ChallengeMessage::Siws(text) = c.message() else {
        panic!("not siws")
    };
    let sig = keytree::base58_encode(key.sign(text.as_bytes()).as_bytes());
    let proof = SolanaProof::sign_in(text, &sig).unwrap();
    assert_eq!(
        block_on(issuer.redeem(&proof.into(), NOW + 1))
            .unwrap()
            .account,
        account
    );
}

#[cfg(feature = "icp")]
#[test]
fn icp_form() {
    use keytree::{IcpProof, IcpPublicKey};
    let issuer = ChallengeIssuer::new(DOMAIN, MemoryNonceStore::new()).unwrap();
    let key = RootKey::from_bytes(&[9; 32]);
    let public = IcpPublicKey::from_ed25519(key.public_key());
    let account = keytree::Principal::self_authenticating(&public.to_der()).account_id();
    let c = block_on(issuer.issue(&account, NOW)).unwrap();
    let ChallengeMessage::Text(text) = c.message() else {
        panic!("not text")
    };
    assert!(text.contains("with your ICP account:"));
    let sig = key.sign(text.as_bytes()).to_bytes().to_vec();
    let proof = IcpProof::new(account.clone(), &public.to_der(), text.as_bytes(), sig).unwrap();
    assert_eq!(
        block_on(issuer.redeem(&proof.into(), NOW + 1))
            .unwrap()
            .account,
        account
    );
}

// ---------------------------------------------------------------------------
// Redis: the same scenarios against a real server, plus refresh reuse
// across instances and a server dying mid-run.

#[cfg(feature = "redis")]
mod redis {
    use std::collections::HashSet;
    use std::sync::Arc;
    use std::time::Duration;

    use keytree::{
        ChallengeError, ChallengeIssuer, Error, RedisStore, RefreshStore, TokenError, TokenIssuer,
        TokenRequest, TokenSigningKey,
    };

    use super::*;
    use crate::common::Fixture;
    use crate::redis_server::RedisServer;

    async fn store(server: &RedisServer, prefix: &str) -> RedisStore {
        RedisStore::builder(server.url())
            .prefix(prefix)
            .timeout(Duration::from_millis(500))
            .connect()
            .await
            .unwrap()
    }

    macro_rules! redis_test {
        ($name:ident, |$server:ident| $body:expr) => {
            #[test]
            fn $name() {
                let Some($server) = RedisServer::start(stringify!($name)) else {
                    return;
                };
                super::runtime().block_on(async { $body.await });
            }
        };
    }

    redis_test!(redis_concurrent_redeem_exactly_once, |server| async {
        concurrent_redeem(store(&server, "t1:").await).await
    });

    redis_test!(redis_attempts, |server| async {
        attempts(store(&server, "t2:").await).await
    });

    redis_test!(redis_expiry_and_unknown, |server| async {
        expiry_and_unknown(store(&server, "t3:").await).await
    });

    redis_test!(redis_domain_binding, |server| async {
        // Two store objects (two connections): two server instances.
        domain_binding(store(&server, "t4:").await, store(&server, "t4:").await).await
    });

    redis_test!(redis_account_binding, |server| async {
        account_binding(store(&server, "t5:").await).await
    });

    redis_test!(
        redis_spent_on_one_instance_refused_on_other,
        |server| async {
            let a = ChallengeIssuer::new(DOMAIN, store(&server, "t6:").await).unwrap();
            let b = ChallengeIssuer::new(DOMAIN, store(&server, "t6:").await).unwrap();
            let other_prefix = ChallengeIssuer::new(DOMAIN, store(&server, "t6b:").await).unwrap();
            let sk = eth_key(0x11);
            let c = a.issue(&eth_account(&sk), NOW).await.unwrap();
            let proof = eth_proof(&sk, &c);
            // Another prefix is another deployment: it does not know the nonce.
            assert_eq!(
                other_prefix.redeem(&proof, NOW + 1).await.unwrap_err(),
                ChallengeError::Unknown.into()
            );
            a.redeem(&proof, NOW + 1).await.unwrap();
            assert_eq!(
                b.redeem(&proof, NOW + 2).await.unwrap_err(),
                ChallengeError::AlreadySpent.into()
            );
        }
    );

    redis_test!(
        redis_refresh_reuse_across_instances_revokes_family,
        |server| async {
            let (a, b) = (store(&server, "t7:").await, store(&server, "t7:").await);
            // Redis expires refresh records on its own clock: use real time.
            let root = keytree::RootKey::from_bytes(&[3; 32]);
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs();
            let ctx = keytree::Context::builder(keytree::ContextId::from_bytes([4; 32]))
                .create(&root, now)
                .unwrap();
            let mut fx = Fixture { root, ctx, now };
            let (client, _) = fx.add_member(0, &["context:execute"]);
            let issuer = TokenIssuer::new(
                "https://auth.keytree.test",
                TokenSigningKey::from_bytes(&[9; 32]),
            );
            let request = TokenRequest::new(client.public_key(), "api");
            let first = issuer.issue(&fx.ctx, &request, &a, now).await.unwrap();
            // Instance A rotates it.
            let second = issuer
                .refresh(&fx.ctx, first.refresh_token(), &a, now + 10)
                .await
                .unwrap();
            // The old one is replayed at instance B: reuse, the family is revoked.
            let e = issuer
                .refresh(&fx.ctx, first.refresh_token(), &b, now + 20)
                .await
                .unwrap_err();
            assert_eq!(e, TokenError::RefreshReused.into());
            // So the legitimate newest one is dead too, on either instance.
            let e = issuer
                .refresh(&fx.ctx, second.refresh_token(), &a, now + 30)
                .await
                .unwrap_err();
            assert_eq!(e, TokenError::RefreshRevoked.into());
            // Member revocation through the store, from B.
            let third = issuer.issue(&fx.ctx, &request, &a, now).await.unwrap();
            assert_eq!(
                b.revoke_member(fx.ctx.id(), &client.public_key())
                    .await
                    .unwrap(),
                1
            );
            let e = issuer
                .refresh(&fx.ctx, third.refresh_token(), &a, now + 40)
                .await
                .unwrap_err();
            assert_eq!(e, TokenError::RefreshRevoked.into());
            // Unknown and expired.
            let e = RefreshStore::consume(&b, &keytree::RefreshHash::from_bytes([1; 32]), now)
                .await
                .unwrap_err();
            assert_eq!(e, TokenError::RefreshUnknown.into());
            let fourth = issuer.issue(&fx.ctx, &request, &a, now).await.unwrap();
            let e = RefreshStore::consume(
                &b,
                &fourth.refresh_token().hash(),
                fourth.refresh_expires_at(),
            )
            .await
            .unwrap_err();
            assert_eq!(e, TokenError::RefreshExpired.into());
        }
    );

    redis_test!(redis_round_trips_per_redeem, |server| async {
        let s = store(&server, "t8:").await;
        let issuer = ChallengeIssuer::new(DOMAIN, s.clone()).unwrap();
        let sk = eth_key(0x11);
        let c = issuer.issue(&eth_account(&sk), NOW).await.unwrap();
        let proof = eth_proof(&sk, &c);
        let before = s.stats().round_trips;
        let (get, evalsha) = (server.command_calls("get"), server.command_calls("evalsha"));
        issuer.redeem(&proof, NOW + 1).await.unwrap();
        // Two requests: GET, then EVALSHA (whose script runs its own GET,
        // which the server's command stats count too).
        assert_eq!(s.stats().round_trips - before, 2);
        assert_eq!(server.command_calls("evalsha") - evalsha, 1);
        assert_eq!(server.command_calls("get") - get, 2);
    });

    #[test]
    fn redis_unreachable_fails_closed() {
        // Nothing listens on this port.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        super::runtime().block_on(async {
            let e = RedisStore::builder(format!("redis://127.0.0.1:{port}"))
                .timeout(Duration::from_millis(300))
                .connect()
                .await
                .unwrap_err();
            assert!(matches!(e, Error::StoreUnavailable(_)), "{e}");
        });
    }

    #[test]
    fn redis_fault_mid_run() {
        let Some(mut server) = RedisServer::start("redis_fault_mid_run") else {
            return;
        };
        super::runtime().block_on(async {
            let s = store(&server, "t9:").await;
            let issuer = Arc::new(ChallengeIssuer::new(DOMAIN, s).unwrap());
            let sk = Arc::new(eth_key(0x11));
            let account = eth_account(&sk);
            let mut spent = HashSet::new();

            // A run of logins; some challenges are left outstanding.
            let mut outstanding = Vec::new();
            for i in 0..20 {
                let c = issuer.issue(&account, NOW).await.unwrap();
                if i % 4 == 0 {
                    outstanding.push(c);
                    continue;
                }
                issuer.redeem(&eth_proof(&sk, &c), NOW + 1).await.unwrap();
                assert!(spent.insert(*c.nonce()), "nonce spent twice");
            }

            // Redis dies in the middle of concurrent redeems.
            let mut tasks = Vec::new();
            for c in outstanding.clone() {
                let (issuer, sk) = (issuer.clone(), sk.clone());
                tasks.push(tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    (c.clone(), issuer.redeem(&eth_proof(&sk, &c), NOW + 2).await)
                }));
            }
            server.stop();
            for t in tasks {
                let (c, result) = t.await.unwrap();
                match result {
                    // A redeem may have finished before the kill.
                    Ok(_) => assert!(spent.insert(*c.nonce()), "nonce spent twice"),
                    Err(e) => assert!(matches!(e, Error::StoreUnavailable(_)), "{e}"),
                }
            }
            // Every call after the stop fails closed.
            for c in &outstanding {
                let e = issuer
                    .redeem(&eth_proof(&sk, c), NOW + 3)
                    .await
                    .unwrap_err();
                assert!(matches!(e, Error::StoreUnavailable(_)), "{e}");
            }
            let e = issuer.issue(&account, NOW + 3).await.unwrap_err();
            assert!(matches!(e, Error::StoreUnavailable(_)), "{e}");

            // A new server on the same port: new challenges work again
            // (after the connection notices), old ones are gone.
            server.restart();
            let mut issued = None;
            for _ in 0..100 {
                match issuer.issue(&account, NOW + 4).await {
                    Ok(c) => {
                        issued = Some(c);
                        break;
                    }
                    Err(Error::StoreUnavailable(_)) => {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    Err(e) => panic!("{e}"),
                }
            }
            let c = issued.expect("redis came back but issuing never recovered");
            issuer.redeem(&eth_proof(&sk, &c), NOW + 5).await.unwrap();
            assert!(spent.insert(*c.nonce()), "nonce spent twice");
            for c in &outstanding {
                let e = issuer
                    .redeem(&eth_proof(&sk, c), NOW + 6)
                    .await
                    .unwrap_err();
                assert_eq!(
                    e,
                    ChallengeError::Unknown.into(),
                    "old challenge must not come back"
                );
            }
        });
    }
}
