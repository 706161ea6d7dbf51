//! Fleet benches: a context replica against a plain `Context`.
//!
//! - `validate_for_replica` (a fresh-checked read of a `ContextReplica`) vs
//!   `validate_for_context` (the same token against a plain `Context`),
//!   target ≤ 1.05×, with `ed25519_verify_strict` as the raw baseline;
//! - `catch_up_memory_4096`: a cold replica replaying 4,096 add-member ops
//!   from the memory store (throughput in ops/s: the signatures of each
//!   window of 256 ops batch-verified on all cores), beside
//!   `baseline_two_verify_strict_4096` (the two signature checks each op
//!   carries, done one by one on one core, as before batching);
//! - `catch_up_redis_4096` the same from Redis, when `REDIS_URL` is set
//!   (start one with `redis-server --port 6379 --save '' --appendonly no`);
//! - `snapshot_start_100k`: a replica of a 100,000-member context started
//!   from a local snapshot ([`keytree::ContextReplica::open_with_snapshot`],
//!   the store's head checked, nothing to catch up);
//! - memory per member: `benches/fleet_memory.rs` (a counting allocator).
//!
//! Run: `cargo bench -p keytree-benches --bench fleet --features redis -- --warm-up-time 1 --measurement-time 3`
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
    Permissions, RootKey, SnapshotKey, SnapshotStart, TokenIssuer, TokenRequest, TokenSigningKey,
};

const AUD: &str = "api.keytree.bench";
const OPS: u32 = 4096;
const SNAPSHOT_MEMBERS: u32 = 100_000;

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

fn fleet(c: &mut Criterion) {
    let now = unix_now();
    let rt = runtime();

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
    g.bench_function("baseline_two_verify_strict_4096", |b| {
        b.iter(|| {
            for ((k, m), s) in keys.iter().zip(&sigs) {
                let vk = k.verifying_key();
                vk.verify_strict(m, s).unwrap();
                vk.verify_strict(m, s).unwrap();
            }
        })
    });
    g.bench_function("catch_up_memory_4096", |b| {
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
        // The read path alone: XRANGE pages of 1,024 ops and their decoding
        // (every member key checked), without verifying or applying.
        g.bench_function("read_redis_4096", |b| {
            b.iter(|| {
                rt.block_on(async {
                    let mut from = 0;
                    loop {
                        let ops = redis_store.read(&id, from, 1024).await.unwrap();
                        from += ops.len() as u64;
                        if ops.len() < 1024 {
                            break;
                        }
                    }
                    assert_eq!(from, u64::from(OPS) + 1);
                })
            })
        });
        g.bench_function("catch_up_redis_4096", |b| {
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
        eprintln!("catch_up_redis_4096 skipped: set REDIS_URL to run it");
    }

    // --- cold start from a local snapshot ----------------------------------
    // Built on first use, so a filtered run that skips this bench does not
    // pay for a 100,000-member context.
    g.throughput(Throughput::Elements(u64::from(SNAPSHOT_MEMBERS)));
    let key = SnapshotKey::from_bytes(&[7; 32]);
    let big: std::cell::OnceCell<(ContextId, MemoryContextStore, Vec<u8>)> =
        std::cell::OnceCell::new();
    g.bench_function("snapshot_start_100k", |b| {
        let (big_id, big_store, snapshot) = big.get_or_init(|| {
            let (_, ctx) = context_with(SNAPSHOT_MEMBERS, 13, now);
            let store = MemoryContextStore::new();
            let replica = rt.block_on(publish(store.clone(), &ctx, now));
            let snapshot = replica.snapshot(&key).unwrap();
            eprintln!(
                "snapshot of {SNAPSHOT_MEMBERS} members: {} bytes",
                snapshot.len()
            );
            (*ctx.id(), store, snapshot)
        });
        // The replica is dropped outside the timing: a cold start does not
        // free a context of 100,000 members.
        b.iter_with_large_drop(|| {
            let (r, start) = rt
                .block_on(ContextReplica::open_with_snapshot(
                    big_store.clone(),
                    *big_id,
                    black_box(snapshot),
                    &key,
                    now,
                ))
                .unwrap();
            assert!(matches!(start, SnapshotStart::Used { .. }));
            assert_eq!(r.head_seq().unwrap(), u64::from(SNAPSHOT_MEMBERS));
            r
        })
    });
    g.finish();
}

criterion_group!(benches, fleet);
criterion_main!(benches);
