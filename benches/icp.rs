//! ICP verification overhead against bare Ed25519 `verify_strict`.
//!
//! Run: `cargo bench --bench icp -- --warm-up-time 1 --measurement-time 3`

#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use keytree::{
    Expectations, IcpDelegation, IcpProof, IcpPublicKey, IcpSignedDelegation, IcpVerifier, RootKey,
    UnverifiedIcpDelegationChain, WalletProof, WalletVerifier,
};

const MESSAGE: &[u8] =
    b"example.com wants you to sign in with your ICP identity: nonce 8f3a9c0d1b2e";
const NOW: u64 = 1_700_000_000;

fn ed25519_signature(c: &mut Criterion) {
    let identity = RootKey::from_bytes(&[1; 32]);
    let key = IcpPublicKey::from_ed25519(identity.public_key());
    let der = key.to_der();
    let signature = identity.sign(MESSAGE);
    let account = key.principal().account_id();
    let proof: WalletProof = IcpProof::new(account.clone(), &der, MESSAGE, signature.to_bytes())
        .unwrap()
        .into();
    let verifier = IcpVerifier::new();
    let expect = Expectations::at(NOW).message(MESSAGE);
    let dalek_key =
        ed25519_dalek::VerifyingKey::from_bytes(identity.public_key().as_bytes()).unwrap();
    let dalek_sig = ed25519_dalek::Signature::from_bytes(signature.as_bytes());

    let mut g = c.benchmark_group("icp_ed25519_signature");
    g.bench_function("bare_verify_strict", |b| {
        b.iter(|| {
            dalek_key
                .verify_strict(black_box(MESSAGE), black_box(&dalek_sig))
                .unwrap()
        })
    });
    // What the registry does for a parsed proof: message check, signature,
    // SHA-224 principal, account comparison.
    g.bench_function("icp_verifier", |b| {
        b.iter(|| {
            verifier
                .verify(black_box(&proof), black_box(&expect))
                .unwrap()
        })
    });
    // The verifier's own work without the signature check: the SHA-224
    // principal, its text and the account comparison.
    g.bench_function("principal_and_account_only", |b| {
        b.iter(|| black_box(&key).principal().account_id() == *black_box(&account))
    });
    // The same plus decoding the DER key (the proof built from wire input).
    g.bench_function("icp_proof_from_der_and_verify", |b| {
        b.iter(|| {
            let proof: WalletProof = IcpProof::new(
                account.clone(),
                black_box(&der),
                MESSAGE,
                signature.to_bytes(),
            )
            .unwrap()
            .into();
            verifier.verify(&proof, &expect).unwrap()
        })
    });
    g.finish();
}

fn delegation_chain(c: &mut Criterion) {
    let identity = RootKey::from_bytes(&[1; 32]);
    let middle = RootKey::from_bytes(&[2; 32]);
    let session = RootKey::from_bytes(&[3; 32]);
    let pk = |k: &RootKey| IcpPublicKey::from_ed25519(k.public_key());
    let exp = (NOW + 3600) * 1_000_000_000;
    let link = |from: &RootKey, to: &RootKey| {
        let d = IcpDelegation::new(pk(to), exp, None).unwrap();
        let sig = from.sign(&d.signed_bytes()).to_bytes().to_vec();
        IcpSignedDelegation::new(d, sig)
    };
    let chain = UnverifiedIcpDelegationChain::new(
        pk(&identity),
        vec![link(&identity, &middle), link(&middle, &session)],
    )
    .unwrap();
    let json = chain.to_json();
    let signature = session.sign(MESSAGE).to_bytes().to_vec();
    let account = pk(&identity).principal().account_id();
    let proof: WalletProof =
        IcpProof::with_delegation(account.clone(), chain, MESSAGE, signature.clone())
            .unwrap()
            .into();
    let verifier = IcpVerifier::new();
    let expect = Expectations::at(NOW).message(MESSAGE);
    let dalek_key =
        ed25519_dalek::VerifyingKey::from_bytes(session.public_key().as_bytes()).unwrap();
    let dalek_sig = ed25519_dalek::Signature::from_bytes(session.sign(MESSAGE).as_bytes());

    let mut g = c.benchmark_group("icp_delegation_chain");
    g.bench_function("bare_verify_strict_x3", |b| {
        b.iter(|| {
            for _ in 0..3 {
                dalek_key
                    .verify_strict(black_box(MESSAGE), black_box(&dalek_sig))
                    .unwrap()
            }
        })
    });
    g.bench_function("two_links_and_session_signature", |b| {
        b.iter(|| {
            verifier
                .verify(black_box(&proof), black_box(&expect))
                .unwrap()
        })
    });
    g.bench_function("from_json_two_links_and_session_signature", |b| {
        b.iter(|| {
            let proof: WalletProof = IcpProof::from_delegation_json(
                account.clone(),
                black_box(&json),
                MESSAGE,
                signature.clone(),
            )
            .unwrap()
            .into();
            verifier.verify(&proof, &expect).unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, ed25519_signature, delegation_chain);
criterion_main!(benches);
