//! Foundation benches, each group with its raw primitive as baseline:
//!
//! - `delegation_verify`: `Delegation::verify` vs bare `verify_strict` of the
//!   same canonical bytes.
//! - `client_key_derivation`: HKDF derivation vs bare `SigningKey::from_bytes`.
//! - `revocation_check`: lookups with 10, 10⁴ and 10⁶ revoked entries (and
//!   the heap bytes per entry, printed once).
//! - `context`: `apply` of an add-member op (vs the two signature checks it
//!   must do) and `authorize` in a context of 10⁵ members.
//!
//! Run: `cargo bench -p keytree-benches --bench context -- --warm-up-time 1 --measurement-time 3`

#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use ed25519_dalek::{Signature as DalekSignature, SigningKey, VerifyingKey};
use keytree::{
    Context, ContextId, Delegation, OpKind, Permission, Permissions, RevocationSet, RootKey,
};

fn delegation_verify(c: &mut Criterion) {
    let root = RootKey::from_bytes(&[1; 32]);
    let ctx = ContextId::from_bytes([2; 32]);
    let client = root.derive_client_key(&ctx, 0);
    let d = Delegation::builder(
        client.public_key(),
        ctx,
        Permissions::parse(["context:execute", "blob"]).unwrap(),
    )
    .valid_between(1_000, 2_000)
    .sign_as_root(&root)
    .unwrap();
    let vk = VerifyingKey::from_bytes(root.public_key().as_bytes()).unwrap();
    let sig = DalekSignature::from_slice(d.signature_bytes()).unwrap();
    let bytes = d.signed_bytes().to_vec();

    let mut g = c.benchmark_group("delegation_verify");
    g.bench_function("baseline_verify_strict", |b| {
        b.iter(|| {
            vk.verify_strict(black_box(&bytes), black_box(&sig))
                .unwrap()
        })
    });
    g.bench_function("keytree_delegation_verify", |b| {
        b.iter(|| black_box(&d).verify(black_box(1_500)).unwrap())
    });
    g.finish();
}

fn client_key_derivation(c: &mut Criterion) {
    let root = RootKey::from_bytes(&[1; 32]);
    let ctx = ContextId::from_bytes([2; 32]);
    let seed = [7u8; 32];
    let mut g = c.benchmark_group("client_key_derivation");
    g.bench_function("baseline_signing_key_from_bytes", |b| {
        b.iter(|| SigningKey::from_bytes(black_box(&seed)))
    });
    g.bench_function("keytree_derive_client_key", |b| {
        b.iter(|| root.derive_client_key(black_box(&ctx), black_box(3)))
    });
    g.finish();
}

fn entry(i: u64) -> [u8; 32] {
    *blake3::hash(&i.to_le_bytes()).as_bytes()
}

fn revocation_check(c: &mut Criterion) {
    let mut g = c.benchmark_group("revocation_check");
    for n in [10u64, 10_000, 1_000_000] {
        let mut set = RevocationSet::new();
        for i in 0..n {
            set.insert(entry(i));
        }
        eprintln!(
            "revocation_check: {n} entries, {:.1} heap bytes per entry",
            set.heap_bytes() as f64 / n as f64
        );
        // Probe a mix of present and absent entries so neither branch is cached.
        let probes: Vec<[u8; 32]> = (0..1024u64)
            .map(|i| {
                if i % 2 == 0 {
                    entry(i * 7919 % n)
                } else {
                    entry(n + i)
                }
            })
            .collect();
        let mut k = 0usize;
        g.bench_function(format!("lookup_{n}"), |b| {
            b.iter(|| {
                k = (k + 1) & 1023;
                black_box(set.contains(black_box(&probes[k])))
            })
        });
    }
    g.finish();
}

fn context_ops(c: &mut Criterion) {
    let root = RootKey::from_bytes(&[1; 32]);
    let id = ContextId::from_bytes([2; 32]);
    let now = 1_700_000_000;
    let perms = Permissions::parse(["context:execute"]).unwrap();
    let add_op = |ctx: &Context, i: u32| {
        let client = root.derive_client_key(&id, i);
        let d = Delegation::builder(client.public_key(), id, perms.clone())
            .valid_for(now - 10, 86_400)
            .sign_as_root(&root)
            .unwrap();
        ctx.propose(OpKind::AddMember { chain: vec![d] }, now)
            .sign(&root)
    };

    // A context of 10^5 members.
    let mut big = Context::builder(id).create(&root, now).unwrap();
    for i in 0..100_000 {
        let op = add_op(&big, i);
        big.apply(op).unwrap();
    }
    let member = root.derive_client_key(&id, 54_321).public_key();
    let exec: Permission = "context:execute:transfer".parse().unwrap();
    let head = big.head_seq();

    let mut small = Context::builder(id).create(&root, now).unwrap();
    for i in 0..100 {
        let op = add_op(&small, i);
        small.apply(op).unwrap();
    }
    let next = add_op(&small, 100_001);
    let OpKind::AddMember { chain } = next.kind().clone() else {
        unreachable!()
    };
    let op_bytes = next.signing_bytes();
    let op_sig = next.signatures()[0].signature;
    let d = chain[0].clone();
    let vk = VerifyingKey::from_bytes(root.public_key().as_bytes()).unwrap();
    let op_sig = DalekSignature::from_bytes(&op_sig.to_bytes());
    let d_sig = DalekSignature::from_slice(d.signature_bytes()).unwrap();

    let mut g = c.benchmark_group("context");
    g.bench_function("baseline_two_verify_strict", |b| {
        b.iter(|| {
            vk.verify_strict(black_box(&op_bytes), &op_sig).unwrap();
            vk.verify_strict(black_box(d.signed_bytes()), &d_sig)
                .unwrap();
        })
    });
    g.bench_function("apply_add_member", |b| {
        b.iter_batched(
            || (small.clone(), next.clone()),
            |(mut ctx, op)| {
                ctx.apply(op).unwrap();
                ctx // dropped outside the timed routine
            },
            BatchSize::LargeInput,
        )
    });
    g.bench_function("authorize_in_1e5_members", |b| {
        b.iter(|| {
            big.authorize(black_box(&member), black_box(&exec), head, black_box(now))
                .unwrap()
        })
    });
    g.bench_function("is_member_in_1e5_members", |b| {
        b.iter(|| black_box(big.is_member(black_box(&member), black_box(now))))
    });
    g.finish();
}

criterion_group!(
    benches,
    delegation_verify,
    client_key_derivation,
    revocation_check,
    context_ops
);
criterion_main!(benches);
