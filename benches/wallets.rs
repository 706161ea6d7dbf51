//! Wallet verification benches, each chain's verify against its bare
//! primitive in the same group:
//!
//! - `ethereum`: `personal_sign` through `EthereumVerifier` vs bare keccak256
//!   of the EIP-191 message + k256 `recover_from_prehash` + keccak address.
//! - `near`: NEP-413 through `NearVerifier` vs bare `verify_strict` of the
//!   32-byte payload hash.
//! - `stellar`: SEP-53 through `StellarVerifier` vs bare `verify_strict` of
//!   the 32-byte hash.
//! - `solana`: `signMessage` through `SolanaVerifier` vs bare
//!   `verify_strict` of the message.
//!
//! Run: `cargo bench -p keytree-benches --bench wallets -- --warm-up-time 1 --measurement-time 3`

#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ed25519_dalek::{Signature as DalekSignature, Signer as _, SigningKey};
use keytree::{
    AccountId, EthereumProof, EthereumVerifier, Expectations, NearProof, NearVerifier,
    Nep413Payload, SolanaProof, SolanaVerifier, StellarProof, StellarVerifier, Strkey, WalletProof,
    WalletVerifier,
};
use sha3::{Digest as _, Keccak256};

const MESSAGE: &str = "Sign in to example.com\nNonce: 8f3a9c0d1e2b4a5f";

fn ethereum(c: &mut Criterion) {
    let sk = k256::ecdsa::SigningKey::from_slice(&[0x11; 32]).unwrap();
    let hash = keytree::eip191_hash(MESSAGE.as_bytes());
    let (sig, recid) = sk.sign_prehash_recoverable(&hash);
    let mut sig65 = sig.to_bytes().to_vec();
    sig65.push(27 + recid.to_byte());
    let addr = keytree::ethereum_address_of(sk.verifying_key());
    let account: AccountId = format!("eip155:1:{}", keytree::eip55_encode(&addr))
        .parse()
        .unwrap();
    let proof: WalletProof =
        EthereumProof::personal_sign(account, MESSAGE, &keytree::hex_encode(&sig65))
            .unwrap()
            .into();
    let verifier = EthereumVerifier::new();
    let expect = Expectations::at(0).message(MESSAGE.as_bytes());
    verifier.verify(&proof, &expect).unwrap();

    let mut g = c.benchmark_group("ethereum");
    g.bench_function("bare_keccak_recover", |b| {
        b.iter(|| {
            let msg = black_box(MESSAGE.as_bytes());
            let mut h = Keccak256::new();
            h.update(b"\x19Ethereum Signed Message:\n");
            h.update(msg.len().to_string().as_bytes());
            h.update(msg);
            let hash: [u8; 32] = h.finalize().into();
            let key =
                k256::ecdsa::VerifyingKey::recover_from_prehash(&hash, black_box(&sig), recid)
                    .unwrap();
            let point = key.to_sec1_point(false);
            let a: [u8; 32] = Keccak256::digest(&point.as_bytes()[1..]).into();
            assert_eq!(&a[12..], &addr);
        })
    });
    g.bench_function("personal_sign_verify", |b| {
        b.iter(|| verifier.verify(black_box(&proof), &expect).unwrap())
    });
    g.finish();
}

fn near(c: &mut Criterion) {
    let sk = SigningKey::from_bytes(&[0x22; 32]);
    let pk = sk.verifying_key();
    let nonce = [9u8; 32];
    let payload = Nep413Payload::new(MESSAGE, nonce, "example.com", None);
    let hash = payload.hash();
    let sig: DalekSignature = sk.sign(&hash);
    let account: AccountId = format!("near:mainnet:{}", keytree::hex_encode(pk.as_bytes()))
        .parse()
        .unwrap();
    let key_text = format!("ed25519:{}", keytree::base58_encode(pk.as_bytes()));
    let sig_b64 = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(sig.to_bytes())
    };
    let proof: WalletProof = NearProof::new(account, &key_text, payload, &sig_b64)
        .unwrap()
        .into();
    let verifier = NearVerifier::new();
    let expect = Expectations::at(0)
        .message(MESSAGE.as_bytes())
        .domain("example.com")
        .nonce(&nonce);
    verifier.verify(&proof, &expect).unwrap();

    let mut g = c.benchmark_group("near");
    g.bench_function("bare_verify_strict", |b| {
        b.iter(|| pk.verify_strict(black_box(&hash), black_box(&sig)).unwrap())
    });
    g.bench_function("nep413_verify", |b| {
        b.iter(|| verifier.verify(black_box(&proof), &expect).unwrap())
    });
    g.finish();
}

fn stellar(c: &mut Criterion) {
    let sk = SigningKey::from_bytes(&[0x33; 32]);
    let pk = sk.verifying_key();
    let hash = keytree::sep53_hash(MESSAGE.as_bytes());
    let sig: DalekSignature = sk.sign(&hash);
    let address = Strkey::Account(pk.to_bytes()).encode();
    let account: AccountId = format!("stellar:pubnet:{}", address.as_str())
        .parse()
        .unwrap();
    let sig_b64 = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(sig.to_bytes())
    };
    let proof: WalletProof = StellarProof::new(account, MESSAGE, &sig_b64)
        .unwrap()
        .into();
    let verifier = StellarVerifier::new();
    let expect = Expectations::at(0).message(MESSAGE.as_bytes());
    verifier.verify(&proof, &expect).unwrap();

    let mut g = c.benchmark_group("stellar");
    g.bench_function("bare_verify_strict", |b| {
        b.iter(|| pk.verify_strict(black_box(&hash), black_box(&sig)).unwrap())
    });
    g.bench_function("sep53_verify", |b| {
        b.iter(|| verifier.verify(black_box(&proof), &expect).unwrap())
    });
    g.finish();
}

fn solana(c: &mut Criterion) {
    let sk = SigningKey::from_bytes(&[0x44; 32]);
    let pk = sk.verifying_key();
    let sig: DalekSignature = sk.sign(MESSAGE.as_bytes());
    let account: AccountId = format!(
        "solana:{}:{}",
        keytree::SOLANA_MAINNET,
        keytree::base58_encode(pk.as_bytes())
    )
    .parse()
    .unwrap();
    let proof: WalletProof =
        SolanaProof::message(account, MESSAGE, &keytree::base58_encode(&sig.to_bytes()))
            .unwrap()
            .into();
    let verifier = SolanaVerifier::new();
    let expect = Expectations::at(0).message(MESSAGE.as_bytes());
    verifier.verify(&proof, &expect).unwrap();

    let mut g = c.benchmark_group("solana");
    g.bench_function("bare_verify_strict", |b| {
        b.iter(|| {
            pk.verify_strict(black_box(MESSAGE.as_bytes()), black_box(&sig))
                .unwrap()
        })
    });
    g.bench_function("sign_message_verify", |b| {
        b.iter(|| verifier.verify(black_box(&proof), &expect).unwrap())
    });
    g.finish();
}

criterion_group!(benches, ethereum, near, stellar, solana);
criterion_main!(benches);
