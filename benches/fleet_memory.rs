//! Memory per member of a context (what each replica holds), measured with
//! a counting global allocator (`stats_alloc`): the live heap bytes a
//! context of N key members adds, split into its log (the ops, which a
//! replica keeps) and the rest (the member state and indexes), printed for
//! N = 10,000 and 100,000, for key members (a one-link delegation chain
//! each) and for wallet members (an Ethereum account each). Then one small timing group, `is_member` beside
//! a bare `HashMap` lookup, so the file is a bench like the others.
//!
//! Run: `cargo bench -p keytree-benches --bench fleet_memory -- --warm-up-time 1 --measurement-time 2`

#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::alloc::System;
use std::collections::HashMap;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use keytree::{AccountId, Context, ContextId, Delegation, OpKind, Permissions, RootKey};
use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn live_bytes() -> i128 {
    let s = GLOBAL.stats();
    s.bytes_allocated as i128 - s.bytes_deallocated as i128 + s.bytes_reallocated as i128
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A context with `n` key members, each admitted by the root with a
/// one-link chain (two permissions), the usual gateway shape.
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

/// A context with `n` wallet members (Ethereum accounts, `AddAccount` by
/// the root, two permissions, a one-day window).
fn context_with_accounts(n: u32, seed: u8, now: u64) -> Context {
    let root = RootKey::from_bytes(&[seed; 32]);
    let id = ContextId::from_bytes([seed.wrapping_add(1); 32]);
    let mut ctx = Context::builder(id).create(&root, now).unwrap();
    let perms = Permissions::parse(["blob", "context:execute"]).unwrap();
    for i in 0..n {
        let account: AccountId = format!("eip155:1:0x{:040x}", u64::from(i) + 1)
            .parse()
            .unwrap();
        let op = ctx
            .propose(
                OpKind::AddAccount {
                    account,
                    permissions: perms.clone(),
                    not_before: now - 60,
                    expires_at: now + 86_400,
                },
                now,
            )
            .sign(&root);
        ctx.apply(op).unwrap();
    }
    ctx
}

fn report_accounts(n: u32, now: u64) {
    let before = live_bytes();
    let ctx = context_with_accounts(n, 31, now);
    let total = live_bytes() - before;
    let before_log = live_bytes();
    let log = ctx.ops().to_vec();
    let log_bytes = live_bytes() - before_log;
    drop(log);
    let per = |b: i128| b / i128::from(n);
    eprintln!(
        "memory at {n} wallet members: {} bytes/member ({} in the log of ops, {} in the state)",
        per(total),
        per(log_bytes),
        per(total - log_bytes),
    );
}

fn report(n: u32, now: u64) -> Context {
    let before = live_bytes();
    let (_, ctx) = context_with(n, 21, now);
    let total = live_bytes() - before;
    let before_log = live_bytes();
    let log = ctx.ops().to_vec();
    let log_bytes = live_bytes() - before_log;
    drop(log);
    let per = |b: i128| b / i128::from(n);
    eprintln!(
        "memory at {n} key members: {} bytes/member ({} in the log of ops, {} in the state)",
        per(total),
        per(log_bytes),
        per(total - log_bytes),
    );
    ctx
}

fn fleet_memory(c: &mut Criterion) {
    let now = unix_now();
    drop(report(10_000, now));
    report_accounts(10_000, now);
    report_accounts(100_000, now);
    let ctx = report(100_000, now);

    let root = RootKey::from_bytes(&[21; 32]);
    let member = root.derive_client_key(ctx.id(), 777).public_key();
    let map: HashMap<[u8; 32], u64> = (0..100_000u64)
        .map(|i| {
            let mut k = [0u8; 32];
            k[..8].copy_from_slice(&i.to_be_bytes());
            (k, i)
        })
        .collect();
    let probe = {
        let mut k = [0u8; 32];
        k[..8].copy_from_slice(&777u64.to_be_bytes());
        k
    };
    let mut g = c.benchmark_group("fleet_memory");
    g.bench_function("hashmap_lookup", |b| {
        b.iter(|| map.get(black_box(&probe)).copied())
    });
    g.bench_function("is_member_100k", |b| {
        b.iter(|| ctx.is_member(black_box(&member), now))
    });
    g.finish();
}

criterion_group!(benches, fleet_memory);
criterion_main!(benches);
