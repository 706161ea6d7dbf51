//! Login challenges: issue + redeem against the bare wallet verification
//! inside it (Ethereum SIWE: parse-free verify = ecrecover + checks), in
//! memory; and, with feature `redis` and `redis-server` installed, the same
//! against a local Redis, with the round trips per redeem counted.
//!
//! Run: `cargo bench -p keytree-benches --bench challenges --all-features -- --warm-up-time 1 --measurement-time 3`
//!
//! The wallet's signing is not timed (it happens on the user's device).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use keytree::{
    AccountId, Challenge, ChallengeIssuer, ChallengeMessage, EthereumProof, Expectations,
    MemoryNonceStore, NonceStore, WalletProof, WalletRegistry,
};

const NOW: u64 = 1_736_942_400;
const DOMAIN: &str = "login.keytree.test";

fn key() -> k256::ecdsa::SigningKey {
    k256::ecdsa::SigningKey::from_slice(&[0x11; 32]).unwrap()
}

fn account(sk: &k256::ecdsa::SigningKey) -> AccountId {
    let addr = keytree::ethereum_address_of(sk.verifying_key());
    format!("eip155:1:{}", keytree::eip55_encode(&addr))
        .parse()
        .unwrap()
}

fn sign(sk: &k256::ecdsa::SigningKey, c: &Challenge) -> WalletProof {
    let ChallengeMessage::Siwe(text) = c.message() else {
        panic!("not siwe")
    };
    let (sig, recid) = sk.sign_prehash_recoverable(&keytree::eip191_hash(text.as_bytes()));
    let mut bytes = sig.to_bytes().to_vec();
    bytes.push(27 + recid.to_byte());
    EthereumProof::siwe(text, &keytree::hex_encode(&bytes))
        .unwrap()
        .into()
}

fn ready<F: std::future::Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match f.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(v) => v,
        std::task::Poll::Pending => panic!("the memory store never pends"),
    }
}

/// `iters` rounds of issue (timed) + sign (untimed) + redeem (timed).
fn issue_redeem<S: NonceStore>(
    issuer: &ChallengeIssuer<S>,
    sk: &k256::ecdsa::SigningKey,
    account: &AccountId,
    iters: u64,
    block: &mut dyn FnMut(&ChallengeIssuer<S>, Step<'_>) -> Option<Challenge>,
) -> Duration {
    let mut timed = Duration::ZERO;
    for _ in 0..iters {
        let t = Instant::now();
        let c = block(issuer, Step::Issue(account)).unwrap();
        timed += t.elapsed();
        let proof = sign(sk, &c);
        let t = Instant::now();
        black_box(block(issuer, Step::Redeem(&proof)));
        timed += t.elapsed();
    }
    timed
}

enum Step<'a> {
    Issue(&'a AccountId),
    Redeem(&'a WalletProof),
}

fn memory(c: &mut Criterion) {
    let sk = key();
    let account = account(&sk);
    let registry = WalletRegistry::with_defaults();
    let issuer = ChallengeIssuer::new(
        DOMAIN,
        keytree::ChallengeKey::from_bytes(&[0x5a; 32]),
        MemoryNonceStore::new(),
    )
    .unwrap();
    let sample = ready(issuer.issue(&account, NOW)).unwrap();
    let proof = sign(&sk, &sample);
    let nonce = sample.nonce().to_string();

    let mut g = c.benchmark_group("challenge_memory");
    g.bench_function("bare_siwe_verify", |b| {
        b.iter(|| {
            let expect = Expectations::at(NOW + 1)
                .domain(DOMAIN)
                .nonce(nonce.as_bytes())
                .message(sample.message().text().as_bytes());
            black_box(registry.verify(black_box(&proof), &expect).unwrap())
        })
    });
    // Each batch signs its challenges first (untimed: the wallet's work),
    // then times issuing as many fresh challenges and redeeming the signed
    // ones, so that signing does not run between the timed steps. Time
    // moves on by batch, so the previous batch's spent marks expire and the
    // store stays small.
    let store = MemoryNonceStore::with_max_entries(1_000_000);
    let batched = ChallengeIssuer::new(
        DOMAIN,
        keytree::ChallengeKey::from_bytes(&[0x5a; 32]),
        &store,
    )
    .unwrap();
    let clock = std::cell::Cell::new(NOW);
    g.bench_function("issue_and_redeem", |b| {
        b.iter_custom(|iters| {
            let now = clock.get() + 1_000;
            clock.set(now);
            let proofs: Vec<WalletProof> = (0..iters)
                .map(|_| sign(&sk, &ready(batched.issue(&account, now)).unwrap()))
                .collect();
            let t = Instant::now();
            for p in &proofs {
                black_box(ready(batched.issue(&account, now)).unwrap());
                ready(batched.redeem(p, now + 1)).unwrap();
            }
            t.elapsed()
        })
    });
    g.finish();
}

#[cfg(feature = "redis")]
fn redis(c: &mut Criterion) {
    use std::process::{Command, Stdio};

    let available = Command::new("redis-server")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !available {
        println!("SKIPPED the Redis part: install redis-server (apt-get install -y redis-server)");
        return;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        std::thread::sleep(Duration::from_millis(20));
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let store = rt
        .block_on(keytree::RedisStore::connect(format!(
            "redis://127.0.0.1:{port}"
        )))
        .unwrap();
    let issuer = ChallengeIssuer::new(
        DOMAIN,
        keytree::ChallengeKey::from_bytes(&[0x5a; 32]),
        store.clone(),
    )
    .unwrap();
    let sk = key();
    let account = account(&sk);

    // Round trips of one redeem, by the store's count and by the server's
    // INFO commandstats (which also counts the commands a script runs).
    let commandstats = || {
        let out = Command::new("redis-cli")
            .args(["-p", &port.to_string(), "INFO", "commandstats"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        out.lines()
            .filter_map(|l| l.strip_prefix("cmdstat_")?.split_once(":calls="))
            .filter_map(|(name, rest)| {
                Some((
                    name.to_owned(),
                    rest.split(',').next()?.parse::<u64>().ok()?,
                ))
            })
            .collect::<std::collections::BTreeMap<String, u64>>()
    };
    let challenge = rt.block_on(issuer.issue(&account, NOW)).unwrap();
    let proof = sign(&sk, &challenge);
    let (ours, theirs) = (store.stats().round_trips, commandstats());
    rt.block_on(issuer.redeem(&proof, NOW + 1)).unwrap();
    let after = commandstats();
    let delta: Vec<String> = after
        .iter()
        .filter(|(name, _)| name.as_str() != "info")
        .filter_map(|(name, n)| {
            let d = n - theirs.get(name).copied().unwrap_or(0);
            (d > 0).then(|| format!("{name}={d}"))
        })
        .collect();
    println!(
        "redis round trips per redeem: {} (keytree's count); server commands: {} (evalsha's script runs one get and one setrange)",
        store.stats().round_trips - ours,
        delta.join(" "),
    );

    // Redeems per second, sequential, one connection.
    let n = 2000u64;
    let mut proofs = Vec::new();
    for _ in 0..n {
        let c = rt.block_on(issuer.issue(&account, NOW)).unwrap();
        proofs.push(sign(&sk, &c));
    }
    let t = Instant::now();
    for p in &proofs {
        rt.block_on(issuer.redeem(p, NOW + 1)).unwrap();
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "redis redeems/s (sequential, verification included): {:.0}",
        n as f64 / secs
    );

    let mut g = c.benchmark_group("challenge_redis");
    let mut step = |issuer: &ChallengeIssuer<keytree::RedisStore>, s: Step<'_>| match s {
        Step::Issue(a) => Some(rt.block_on(issuer.issue(a, NOW)).unwrap()),
        Step::Redeem(p) => {
            rt.block_on(issuer.redeem(p, NOW + 1)).unwrap();
            None
        }
    };
    g.bench_function("issue_and_redeem", |b| {
        b.iter_custom(|iters| issue_redeem(&issuer, &sk, &account, iters, &mut step))
    });
    g.finish();
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(not(feature = "redis"))]
fn redis(_: &mut Criterion) {
    println!("SKIPPED the Redis part: build with --features redis");
}

criterion_group!(benches, memory, redis);
criterion_main!(benches);
