//! Fleet benches: a context replica against a plain `Context`.
//!
//! - `validate_for_replica` (a fresh-checked read of a `ContextReplica`) vs
//!   `validate_for_context` (the same token against a plain `Context`),
//!   target ≤ 1.05×, with `ed25519_verify_strict` as the raw baseline;
//! - `catch_up_memory_2000`: a cold replica replaying 2,000 add-member ops
//!   from the memory store (throughput in ops/s), beside
//!   `baseline_two_verify_strict_2000` (the two signature checks each op
//!   carries, done one by one);
//! - `catch_up_redis_2000` the same from Redis, when `REDIS_URL` is set;
//! - memory per member: printed once (resident-set growth while a context
//!   of 20,000 key members and its log is built, from `/proc/self/statm`;
//!   Linux only).
//!
//! Run: `cargo bench --bench fleet --features redis -- --warm-up-time 1 --measurement-time 3`
//! (with `REDIS_URL=redis://127.0.0.1:6379` for the Redis case).

#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use ed25519_dalek::{Signer as _, SigningKey};
use keytree::{
    Context, ContextId, ContextReplica, ContextStore, Delegation, MemoryContextStore, OpKind,
    Permissions, RootKey, TokenIssuer, TokenRequest, TokenSigningKey,
};

const AUD: &str = "api.keytree.bench";
const OPS: u32 = 2000;

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A context with `n` key members, built directly (no store).
fn context_with(n: u32, seed: u8, now: u64) -> (RootKey, Context) {
    let root = RootKey::from_bytes(&[seed; 32]);
    let id = ContextId::from_bytes([seed.wrapping_add(1); 32]);
    let mut ctx = Context::builder(id).create(&root, now).unwrap();
    let perms = Permissions::parse(["blob", "context:execute"]).unwrap();
    for i in 0..n {
        let client = root.derive_client_key(&id, i);
        let d = Delegation::builder(client.public_key(), id, perms.clone())
            .valid_for(now - 60, 86_400)
            .sign_as_root(&root)
            .unwrap();
        let op = ctx
            .propose(OpKind::AddMember { chain: vec![d] }, now)
            .sign(&root);
        ctx.apply(op).unwrap();
    }
    (root, ctx)
}

async fn publish<S: ContextStore>(store: S, ctx: &Context, now: u64) -> ContextReplica<S> {
    ContextReplica::create(store, ctx.clone(), now)
        .await
        .unwrap()
}

fn statm_resident_bytes() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = text.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

fn fleet(c: &mut Criterion) {
    let now = unix_now();
    let rt = runtime();

    // --- memory per member (first, before other benches free memory that
    // later allocations would reuse) -------------------------------------
    const MEMBERS: u32 = 20_000;
    let before = statm_resident_bytes();
    let (_, big) = context_with(MEMBERS, 12, now);
    let after = statm_resident_bytes();
    if let (Some(before), Some(after)) = (before, after) {
        // What a replica holds: the state and its copy of the log.
        eprintln!(
            "memory: {} bytes per key member (a context of {MEMBERS} members with its log, resident-set growth)",
            after.saturating_sub(before) / u64::from(MEMBERS)
        );
    }
    drop(big);

    let (root, ctx) = context_with(OPS, 11, now);
    let id = *ctx.id();
    let store = MemoryContextStore::new();
    // A long bound: this replica is not followed while the benches run.
    let replica = rt
        .block_on(publish(store.clone(), &ctx, now))
        .with_max_staleness(3600);

    // --- validate_for: replica vs plain context ---------------------------
    let issuer = TokenIssuer::new("https://auth", TokenSigningKey::from_bytes(&[3; 32]));
    let validator = issuer.validator(AUD, now).build().unwrap();
    let client = root.derive_client_key(&id, 7);
    let token = issuer
        .mint(&ctx, &TokenRequest::new(client.public_key(), AUD), now)
        .unwrap();
    let (signing_input, sig_b64) = token.rsplit_once('.').unwrap();
    let sig: [u8; 64] = keytree::base64url_decode(sig_b64, "sig")
        .unwrap()
        .try_into()
        .unwrap();
    let dalek_sig = ed25519_dalek::Signature::from_bytes(&sig);
    let verifying_key = SigningKey::from_bytes(&[3; 32]).verifying_key();

    let mut g = c.benchmark_group("fleet");
    g.bench_function("ed25519_verify_strict", |b| {
        b.iter(|| {
            verifying_key
                .verify_strict(black_box(signing_input.as_bytes()), &dalek_sig)
                .unwrap()
        })
    });
    g.bench_function("validate_for_context", |b| {
        b.iter(|| {
            validator
                .validate_for(&ctx, black_box(&token), now)
                .unwrap()
        })
    });
    g.bench_function("validate_for_replica", |b| {
        b.iter(|| {
            let read = replica.read(now).unwrap();
            validator
                .validate_for(&*read, black_box(&token), now)
                .unwrap()
        })
    });
    g.bench_function("validate_for_replica_view", |b| {
        b.iter(|| {
            validator
                .validate_for(&replica, black_box(&token), now)
                .unwrap()
        })
    });

    // --- catch-up of a cold replica ----------------------------------------
    g.sample_size(10);
    g.throughput(Throughput::Elements(u64::from(OPS)));
    let keys: Vec<(SigningKey, Vec<u8>)> = (0..OPS)
        .map(|i| {
            let k = SigningKey::from_bytes(&[(i % 251) as u8; 32]);
            let m = vec![i as u8; 200];
            (k, m)
        })
        .collect();
    let sigs: Vec<_> = keys.iter().map(|(k, m)| k.sign(m)).collect();
    g.bench_function("baseline_two_verify_strict_2000", |b| {
        b.iter(|| {
            for ((k, m), s) in keys.iter().zip(&sigs) {
                let vk = k.verifying_key();
                vk.verify_strict(m, s).unwrap();
                vk.verify_strict(m, s).unwrap();
            }
        })
    });
    g.bench_function("catch_up_memory_2000", |b| {
        b.iter_batched(
            || store.clone(),
            |store| {
                let r = rt.block_on(ContextReplica::open(store, id, now)).unwrap();
                assert_eq!(r.head_seq().unwrap(), u64::from(OPS));
            },
            BatchSize::PerIteration,
        )
    });
    #[cfg(feature = "redis")]
    if let Ok(url) = std::env::var("REDIS_URL") {
        let prefix = format!("keytree-bench:{now}:{}:", std::process::id());
        let redis_store = rt.block_on(async {
            keytree::RedisContextStore::builder(&url)
                .prefix(prefix)
                .connect()
                .await
                .unwrap()
        });
        rt.block_on(publish(redis_store.clone(), &ctx, now));
        g.bench_function("catch_up_redis_2000", |b| {
            b.iter_batched(
                || redis_store.clone(),
                |store| {
                    let r = rt.block_on(ContextReplica::open(store, id, now)).unwrap();
                    assert_eq!(r.head_seq().unwrap(), u64::from(OPS));
                },
                BatchSize::PerIteration,
            )
        });
    } else {
        eprintln!("catch_up_redis_2000 skipped: set REDIS_URL to run it");
    }
    g.finish();
}

criterion_group!(benches, fleet);
criterion_main!(benches);
