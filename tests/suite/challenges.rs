//! Wallet login challenges over the memory store and (feature `redis`) a
//! real Redis: single use under concurrency, attempt limits, expiry,
//! domain and account binding, every chain's form, and (Redis) refresh
//! reuse across instances and a server dying mid-run.

use crate::common::DalekSign as _;
use crate::common::block_on;
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

/// The test fleet's nonce-sealing key.
fn key() -> keytree::ChallengeKey {
    keytree::ChallengeKey::from_bytes(&[0x5a; 32])
}

fn is(e: &Error, want: &ChallengeError) -> bool {
    matches!(e, Error::Challenge(k) if std::mem::discriminant(k) == std::mem::discriminant(want))
}

// ---------------------------------------------------------------------------
// Scenarios, generic over the store: `a` and `b` are two server instances
// sharing one backend.

pub async fn concurrent_redeem<S: NonceStore + Clone + 'static>(store: S) {
    let issuer = Arc::new(ChallengeIssuer::new(DOMAIN, key(), store).unwrap());
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
    let issuer = ChallengeIssuer::new(DOMAIN, key(), store).unwrap();
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
        issuer.store().attempts(c.nonce(), NOW + 1).await.unwrap(),
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
    let issuer = ChallengeIssuer::new(DOMAIN, key(), store)
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
    // (Sealed under another server key: refused, as forged or altered ones are.)
    let other = ChallengeIssuer::new(
        DOMAIN,
        keytree::ChallengeKey::from_bytes(&[0x77; 32]),
        MemoryNonceStore::new(),
    )
    .unwrap();
    let c = other.issue(&eth_account(&sk), NOW).await.unwrap();
    let e = issuer
        .redeem(&eth_proof(&sk, &c), NOW + 1)
        .await
        .unwrap_err();
    assert_eq!(e, ChallengeError::Unknown.into());
}

pub async fn domain_binding<S: NonceStore>(a: S, b: S) {
    let at_a = ChallengeIssuer::new("a.keytree.test", key(), a).unwrap();
    let at_b = ChallengeIssuer::new("b.keytree.test", key(), b).unwrap();
    let sk = eth_key(0x11);
    let c = at_a.issue(&eth_account(&sk), NOW).await.unwrap();
    let proof = eth_proof(&sk, &c);
    let e = at_b.redeem(&proof, NOW + 1).await.unwrap_err();
    assert!(
        is(
            &e,
            // Sealed for domain A: at B the nonce does not open.
            &ChallengeError::Unknown
        ),
        "{e}"
    );
    // Refusing it at B neither spent it nor counted an attempt.
    assert_eq!(at_a.store().attempts(c.nonce(), NOW + 1).await.unwrap(), 0);
    at_a.redeem(&proof, NOW + 2).await.unwrap();
}

pub async fn account_binding<S: NonceStore>(store: S) {
    let issuer = ChallengeIssuer::new(DOMAIN, key(), store).unwrap();
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
    // X's nonce is sealed for X's account: under Y it does not open.
    let e = issuer.redeem(&by_y, NOW + 1).await.unwrap_err();
    assert_eq!(e, ChallengeError::Unknown.into());

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
    let issuer = ChallengeIssuer::new(DOMAIN, key(), MemoryNonceStore::new()).unwrap();
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

/// Issue 8: a flood of unauthenticated issues stores nothing, and a real
/// user's login then works; failed redemptions fill a bounded store only up
/// to its cap, evicting counters, never a spent mark.
#[test]
fn memory_flood_of_issues_stores_nothing() {
    let store = MemoryNonceStore::with_max_entries(1_000);
    let issuer = ChallengeIssuer::new(DOMAIN, key(), &store).unwrap();
    // 10^6 issues: one account, then many accounts.
    let victim = RootKey::from_bytes(&[4; 32]);
    let account = AccountId::raw_ed25519(&victim.public_key());
    for i in 0..500_000u64 {
        block_on(issuer.issue(&account, NOW + i % 60)).unwrap();
    }
    for i in 0..500_000u64 {
        let acc: AccountId = format!("eip155:1:0x{i:040x}").parse().unwrap();
        block_on(issuer.issue(&acc, NOW + i % 60)).unwrap();
    }
    assert_eq!(store.len(), 0, "issuing stored something");
    // The real user: issue and redeem.
    let c = block_on(issuer.issue(&account, NOW + 5)).unwrap();
    block_on(issuer.redeem(&raw_proof(&victim, &c), NOW + 6)).unwrap();
    assert_eq!(store.len(), 1);
    // Replay still refused.
    assert_eq!(
        block_on(issuer.redeem(&raw_proof(&victim, &c), NOW + 7)).unwrap_err(),
        ChallengeError::AlreadySpent.into()
    );

    // The attacker redeems 5 000 issued nonces with bad signatures: the
    // store holds at most its cap, and the user's spent mark stays.
    let attacker = RootKey::from_bytes(&[5; 32]);
    let attacker_account = AccountId::raw_ed25519(&attacker.public_key());
    for i in 0..5_000u64 {
        let c = block_on(issuer.issue(&attacker_account, NOW + 10)).unwrap();
        let text = c.message().text().as_bytes();
        let bad = RawKeyProof::ed25519_hex(
            &keytree::hex_encode(attacker.public_key().as_bytes()),
            text,
            &keytree::hex_encode(attacker.sign_raw_key_login(b"other").as_bytes()),
        )
        .unwrap();
        assert!(block_on(issuer.redeem(&bad.into(), NOW + 10 + i % 2)).is_err());
        assert!(store.len() <= store.max_entries());
    }
    assert_eq!(store.len(), store.max_entries());
    let bound = store.max_entries() * keytree::NONCE_ENTRY_BYTES;
    assert_eq!(bound, 320_000, "stated memory bound: {bound} bytes");
    assert_eq!(
        block_on(issuer.redeem(&raw_proof(&victim, &c), NOW + 11)).unwrap_err(),
        ChallengeError::AlreadySpent.into()
    );
    // And a new real login still works.
    let c = block_on(issuer.issue(&account, NOW + 12)).unwrap();
    block_on(issuer.redeem(&raw_proof(&victim, &c), NOW + 13)).unwrap();
    // Everything is gone once the challenges expire.
    assert_eq!(
        store.purge_expired(NOW + 10_000).unwrap(),
        store.max_entries()
    );
}

/// Forged and altered nonces are refused without touching the store.
#[test]
fn memory_forged_or_altered_nonce_refused() {
    let store = MemoryNonceStore::new();
    let issuer = ChallengeIssuer::new(DOMAIN, key(), &store).unwrap();
    let user = RootKey::from_bytes(&[4; 32]);
    let account = AccountId::raw_ed25519(&user.public_key());
    let c = block_on(issuer.issue(&account, NOW)).unwrap();
    let hex = c.nonce().to_string();
    for pos in [0usize, 9, 20, 40, 63] {
        let flipped = if &hex[pos..=pos] == "0" { "1" } else { "0" };
        let altered = format!("{}{flipped}{}", &hex[..pos], &hex[pos + 1..]);
        let text = c.message().text().replace(&hex, &altered);
        let proof: WalletProof = RawKeyProof::ed25519_hex(
            &keytree::hex_encode(user.public_key().as_bytes()),
            text.as_bytes(),
            &keytree::hex_encode(user.sign_raw_key_login(text.as_bytes()).as_bytes()),
        )
        .unwrap()
        .into();
        assert_eq!(
            block_on(issuer.redeem(&proof, NOW + 1)).unwrap_err(),
            ChallengeError::Unknown.into(),
            "altered at {pos}"
        );
    }
    assert!(store.is_empty());
    block_on(issuer.redeem(&raw_proof(&user, &c), NOW + 1)).unwrap();
}

pub fn raw_proof(key: &RootKey, c: &Challenge) -> WalletProof {
    let text = c.message().text().as_bytes();
    RawKeyProof::ed25519_hex(
        &keytree::hex_encode(key.public_key().as_bytes()),
        text,
        &keytree::hex_encode(key.sign_raw_key_login(text).as_bytes()),
    )
    .unwrap()
    .into()
}

/// Issue 8 (low): no challenge may expire past year 9999, so its rendered
/// RFC 3339 dates stay real dates.
#[test]
fn challenge_expiry_beyond_year_9999_is_refused() {
    let issuer = ChallengeIssuer::new(DOMAIN, key(), MemoryNonceStore::new()).unwrap();
    let account = AccountId::raw_ed25519(&RootKey::from_bytes(&[4; 32]).public_key());
    let last = keytree::MAX_TIMESTAMP - keytree::DEFAULT_CHALLENGE_TTL;
    assert!(block_on(issuer.issue(&account, last)).is_ok());
    assert!(matches!(
        block_on(issuer.issue(&account, last + 1)).unwrap_err(),
        Error::TimestampOutOfRange { .. }
    ));
}

#[test]
fn raw_key_form() {
    let issuer = ChallengeIssuer::new(DOMAIN, key(), MemoryNonceStore::new()).unwrap();
    let key = RootKey::from_bytes(&[4; 32]);
    let account = AccountId::raw_ed25519(&key.public_key());
    let c = block_on(issuer.issue(&account, NOW)).unwrap();
    assert!(matches!(c.message(), ChallengeMessage::Text(_)));
    // Signing the bare nonce is not the challenge.
    let bare = RawKeyProof::ed25519_hex(
        &keytree::hex_encode(key.public_key().as_bytes()),
        c.nonce().as_bytes(),
        &keytree::hex_encode(key.dalek_sign(c.nonce().as_bytes()).as_bytes()),
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
    let issuer = ChallengeIssuer::new(DOMAIN, key(), MemoryNonceStore::new()).unwrap();
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
    let sig = base64::engine::general_purpose::STANDARD
        .encode(key.dalek_sign(&payload.hash()).as_bytes());
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
    let issuer = ChallengeIssuer::new(DOMAIN, key(), MemoryNonceStore::new()).unwrap();
    let key = RootKey::from_bytes(&[7; 32]);
    let g = Strkey::Account(*key.public_key().as_bytes()).encode();
    let account: AccountId = format!("stellar:pubnet:{}", g.as_str()).parse().unwrap();
    let c = block_on(issuer.issue(&account, NOW)).unwrap();
    let ChallengeMessage::Sep53(text) = c.message() else {
        panic!("not sep-53")
    };
    use base64::Engine as _;
    let sig = base64::engine::general_purpose::STANDARD.encode(
        key.dalek_sign(&keytree::sep53_hash(text.as_bytes()))
            .as_bytes(),
    );
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
    let issuer = ChallengeIssuer::new(DOMAIN, key(), MemoryNonceStore::new()).unwrap();
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
    let sig = keytree::base58_encode(key.dalek_sign(text.as_bytes()).as_bytes());
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
    let issuer = ChallengeIssuer::new(DOMAIN, key(), MemoryNonceStore::new()).unwrap();
    let key = RootKey::from_bytes(&[9; 32]);
    let public = IcpPublicKey::from_ed25519(key.public_key());
    let account = keytree::Principal::self_authenticating(&public.to_der()).account_id();
    let c = block_on(issuer.issue(&account, NOW)).unwrap();
    let ChallengeMessage::Text(text) = c.message() else {
        panic!("not text")
    };
    assert!(text.contains("with your ICP account:"));
    let sig = key
        .dalek_sign(&IcpProof::signing_bytes(text.as_bytes()))
        .to_bytes()
        .to_vec();
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
            let a = ChallengeIssuer::new(DOMAIN, key(), store(&server, "t6:").await).unwrap();
            let b = ChallengeIssuer::new(DOMAIN, key(), store(&server, "t6:").await).unwrap();
            let other_deployment = ChallengeIssuer::new(
                DOMAIN,
                keytree::ChallengeKey::from_bytes(&[0x77; 32]),
                store(&server, "t6b:").await,
            )
            .unwrap();
            let sk = eth_key(0x11);
            let c = a.issue(&eth_account(&sk), NOW).await.unwrap();
            let proof = eth_proof(&sk, &c);
            // Another deployment (its own key and prefix) does not open it.
            assert_eq!(
                other_deployment.redeem(&proof, NOW + 1).await.unwrap_err(),
                ChallengeError::Unknown.into()
            );
            a.redeem(&proof, NOW + 1).await.unwrap();
            assert_eq!(
                b.redeem(&proof, NOW + 2).await.unwrap_err(),
                ChallengeError::AlreadySpent.into()
            );
        }
    );

    fn dbsize(server: &RedisServer) -> u64 {
        let out = std::process::Command::new("redis-cli")
            .args(["-p", &server.port.to_string(), "DBSIZE"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
    }

    // Issue 8: 10^5 unauthenticated issues (one account, then many) write
    // nothing to Redis; a real user's login then works, and Redis holds one
    // key (the spent nonce, until its challenge expires).
    redis_test!(redis_flood_of_issues_stores_nothing, |server| async {
        let issuer = ChallengeIssuer::new(DOMAIN, key(), store(&server, "fl:").await).unwrap();
        let sk = eth_key(0x11);
        let account = eth_account(&sk);
        for _ in 0..50_000 {
            issuer.issue(&account, NOW).await.unwrap();
        }
        for i in 0..50_000u64 {
            let acc: keytree::AccountId = format!("eip155:1:0x{i:040x}").parse().unwrap();
            issuer.issue(&acc, NOW).await.unwrap();
        }
        assert_eq!(dbsize(&server), 0, "issuing wrote to redis");
        let c = issuer.issue(&account, NOW + 1).await.unwrap();
        issuer.redeem(&eth_proof(&sk, &c), NOW + 2).await.unwrap();
        assert_eq!(dbsize(&server), 1);
        assert_eq!(
            issuer
                .redeem(&eth_proof(&sk, &c), NOW + 3)
                .await
                .unwrap_err(),
            ChallengeError::AlreadySpent.into()
        );
    });

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
                b.revoke_member(fx.ctx.id(), &client.public_key().into())
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
            let next = keytree::RefreshHash::from_bytes([2; 32]);
            let e = RefreshStore::consume(
                &b,
                &keytree::RefreshHash::from_bytes([1; 32]),
                &next,
                now,
                10,
            )
            .await
            .unwrap_err();
            assert_eq!(e, TokenError::RefreshUnknown.into());
            let fourth = issuer.issue(&fx.ctx, &request, &a, now).await.unwrap();
            let e = RefreshStore::consume(
                &b,
                &fourth.refresh_token().hash(),
                &next,
                fourth.refresh_expires_at(),
                10,
            )
            .await
            .unwrap_err();
            assert_eq!(e, TokenError::RefreshExpired.into());
        }
    );

    redis_test!(redis_round_trips_per_redeem, |server| async {
        let s = store(&server, "t8:").await;
        let issuer = ChallengeIssuer::new(DOMAIN, key(), s.clone()).unwrap();
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
            let issuer = Arc::new(ChallengeIssuer::new(DOMAIN, key(), s).unwrap());
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
            // Issuing needs no store: it still works.
            issuer.issue(&account, NOW + 3).await.unwrap();

            // A new, empty server on the same port: the spent marks are gone,
            // so the fleet rotates its challenge key (as the docs require
            // after losing the nonce store), which retires every nonce
            // issued before.
            server.restart();
            let s = store(&server, "t9:").await;
            let issuer =
                ChallengeIssuer::new(DOMAIN, keytree::ChallengeKey::from_bytes(&[0x78; 32]), s)
                    .unwrap();
            let c = issuer.issue(&account, NOW + 4).await.unwrap();
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

/// A bound challenge (`issue_bound`, e.g. a link challenge bound to the
/// member that asked) redeems only with its binding: not unbound, not with
/// another binding (without counting an attempt against the owner's), and
/// an unbound challenge does not redeem as a bound one. Client forms too.
#[test]
fn memory_bound_challenge_redeems_only_with_its_binding() {
    block_on(async {
        let issuer = ChallengeIssuer::new(DOMAIN, key(), MemoryNonceStore::new())
            .unwrap()
            .with_max_attempts(1)
            .unwrap();
        let sk = eth_key(0x61);
        let account = eth_account(&sk);
        let c = issuer
            .issue_bound(&account, b"member-1", NOW)
            .await
            .unwrap();
        let proof = eth_proof(&sk, &c);
        for wrong in [
            issuer.redeem(&proof, NOW + 1).await,
            issuer.redeem_bound(&proof, b"member-2", NOW + 1).await,
            issuer.redeem_bound(&proof, b"", NOW + 1).await,
        ] {
            let e = wrong.unwrap_err();
            assert!(is(&e, &ChallengeError::Unknown), "{e}");
        }
        // No attempt was spent (max 1): the owner still redeems, once.
        let ok = issuer.redeem_bound(&proof, b"member-1", NOW + 1).await;
        assert_eq!(ok.unwrap().account, account);
        let again = issuer.redeem_bound(&proof, b"member-1", NOW + 2).await;
        assert!(again.is_err());

        // An unbound challenge is not a bound one.
        let c = issuer.issue(&account, NOW).await.unwrap();
        let proof = eth_proof(&sk, &c);
        let e = issuer
            .redeem_bound(&proof, b"member-1", NOW + 1)
            .await
            .unwrap_err();
        assert!(is(&e, &ChallengeError::Unknown), "{e}");
        assert!(issuer.redeem(&proof, NOW + 1).await.is_ok());

        // The client forms (JSON in, as a gateway reads it).
        let request: keytree::ChallengeRequest =
            serde_json::from_value(serde_json::json!({"wallet": account.to_string()})).unwrap();
        let c = issuer
            .issue_client_bound(&request, b"member-1", NOW)
            .await
            .unwrap();
        let client: keytree::ClientProof = serde_json::from_value(serde_json::json!({
            "wallet": account.to_string(),
            "nonce": c.nonce().to_string(),
            "signature": format!("0x{}", eth_sign_hex(&sk, siwe_text(&c))),
        }))
        .unwrap();
        let e = issuer
            .redeem_client_bound(&client, b"member-2", NOW + 1)
            .await
            .unwrap_err();
        assert!(is(&e, &ChallengeError::Unknown), "{e}");
        let ok = issuer
            .redeem_client_bound(&client, b"member-1", NOW + 1)
            .await
            .unwrap();
        assert_eq!(ok.account, account);
    });
}
