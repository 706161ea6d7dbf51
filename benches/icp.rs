//! ICP verification overhead against bare Ed25519 `verify_strict`.
//!
//! Run: `cargo bench -p keytree-benches --bench icp -- --warm-up-time 1 --measurement-time 3`

#![allow(missing_docs, clippy::unwrap_used)]

/// Plain Ed25519 over the given bytes (what dfinity's `SignIdentity.sign`
/// does); keytree's keys sign only tagged bytes.
trait DalekSign {
    fn dalek_sign(&self, message: &[u8]) -> keytree::Signature;
}

impl DalekSign for keytree::RootKey {
    fn dalek_sign(&self, message: &[u8]) -> keytree::Signature {
        use ed25519_dalek::Signer as _;
        let key = ed25519_dalek::SigningKey::from_bytes(&self.to_bytes());
        keytree::Signature::from_bytes(&key.sign(message).to_bytes())
    }
}

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
    let signed = IcpProof::signing_bytes(MESSAGE);
    let signature = identity.dalek_sign(&signed);
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
                .verify_strict(black_box(&signed), black_box(&dalek_sig))
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
        let sig = from.dalek_sign(&d.signed_bytes()).to_bytes().to_vec();
        IcpSignedDelegation::new(d, sig)
    };
    let chain = UnverifiedIcpDelegationChain::new(
        pk(&identity),
        vec![link(&identity, &middle), link(&middle, &session)],
    )
    .unwrap();
    let json = chain.to_json();
    let signed = IcpProof::signing_bytes(MESSAGE);
    let signature = session.dalek_sign(&signed).to_bytes().to_vec();
    let account = pk(&identity).principal().account_id();
    let proof: WalletProof =
        IcpProof::with_delegation(account.clone(), chain, MESSAGE, signature.clone())
            .unwrap()
            .into();
    let verifier = IcpVerifier::new();
    let expect = Expectations::at(NOW).message(MESSAGE);
    let dalek_key =
        ed25519_dalek::VerifyingKey::from_bytes(session.public_key().as_bytes()).unwrap();
    let dalek_sig = ed25519_dalek::Signature::from_bytes(session.dalek_sign(&signed).as_bytes());

    let mut g = c.benchmark_group("icp_delegation_chain");
    g.bench_function("bare_verify_strict_x3", |b| {
        b.iter(|| {
            for _ in 0..3 {
                dalek_key
                    .verify_strict(black_box(&signed), black_box(&dalek_sig))
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

/// Internet Identity's published canister signature (mainnet, certificate
/// signed by a subnet key the root key delegated to) against the crate's bare
/// BLS verify of the same certificate, and of both certificates.
///
/// Run: `cargo bench -p keytree-benches --features icp-canister-sig --bench icp -- icp_canister
/// --warm-up-time 1 --measurement-time 3`
#[cfg(feature = "icp-canister-sig")]
#[allow(clippy::indexing_slicing, clippy::panic)]
fn canister_signature(c: &mut Criterion) {
    use ic_certification::{Certificate, HashTree, LookupResult};
    use keytree::{IcpCanisterPublicKey, IcpCanisterSignatureVerifier, hex_decode};
    use sha2::{Digest, Sha256};

    #[derive(serde::Deserialize)]
    struct SignatureCbor {
        #[serde(with = "serde_bytes")]
        certificate: Vec<u8>,
        #[allow(dead_code)]
        tree: HashTree,
    }
    let doc: serde_json::Value = serde_json::from_str(include_str!(
        "../tests/vectors/icp-canister/ii_sig_verifier_js.json"
    ))
    .unwrap();
    let hex = |k: &str| hex_decode(doc[k].as_str().unwrap(), "bench").unwrap();
    let key = IcpCanisterPublicKey::from_der(&hex("public_key_der_hex")).unwrap();
    let signature = hex("signature_hex");
    // "\x1Aic-request-auth-delegation" · hash_of_map({pubkey, expiration}).
    let sha = |b: &[u8]| -> [u8; 32] { Sha256::digest(b).into() };
    let mut leb = Vec::new();
    let mut n = doc["delegation_expiration_ns"].as_u64().unwrap();
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            leb.push(byte);
            break;
        }
        leb.push(byte | 0x80);
    }
    let mut pairs = [
        [sha(b"pubkey"), sha(&hex("delegation_pubkey_hex"))].concat(),
        [sha(b"expiration"), sha(&leb)].concat(),
    ];
    pairs.sort();
    let mut message = b"\x1Aic-request-auth-delegation".to_vec();
    message.extend_from_slice(&sha(&pairs.concat()));

    // The certificates and the subnet key, read with DFINITY's own types.
    let parsed: SignatureCbor = serde_cbor::from_slice(&signature).unwrap();
    let outer: Certificate = serde_cbor::from_slice(&parsed.certificate).unwrap();
    let delegation = outer.delegation.as_ref().unwrap();
    let inner: Certificate = serde_cbor::from_slice(&delegation.certificate).unwrap();
    let LookupResult::Found(subnet_der) = inner.tree.lookup_path([
        b"subnet".as_slice(),
        delegation.subnet_id.as_slice(),
        b"public_key".as_slice(),
    ]) else {
        panic!("no subnet key")
    };
    let subnet_key = subnet_der[37..].to_vec();
    let root_key = keytree::IC_MAINNET_ROOT_KEY;
    let state_root = |cert: &Certificate| {
        let mut m = b"\x0Dic-state-root".to_vec();
        m.extend_from_slice(&cert.tree.digest());
        m
    };
    let (outer_msg, inner_msg) = (state_root(&outer), state_root(&inner));
    let time = keytree::UnverifiedIcpCanisterSignature::from_cbor(&signature)
        .unwrap()
        .certificate_time();
    let verifier = IcpCanisterSignatureVerifier::new();

    let mut g = c.benchmark_group("icp_canister_signature");
    g.bench_function("bare_bls_verify", |b| {
        b.iter(|| {
            ic_verify_bls_signature::verify_bls_signature(
                black_box(&outer.signature),
                black_box(&outer_msg),
                black_box(&subnet_key),
            )
            .unwrap()
        })
    });
    g.bench_function("bare_bls_verify_x2", |b| {
        b.iter(|| {
            ic_verify_bls_signature::verify_bls_signature(
                black_box(&inner.signature),
                black_box(&inner_msg),
                black_box(&root_key),
            )
            .unwrap();
            ic_verify_bls_signature::verify_bls_signature(
                black_box(&outer.signature),
                black_box(&outer_msg),
                black_box(&subnet_key),
            )
            .unwrap()
        })
    });
    g.bench_function("canister_signature_verify", |b| {
        b.iter(|| {
            verifier
                .verify(
                    black_box(&key),
                    black_box(&message),
                    black_box(&signature),
                    time + 10,
                )
                .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, ed25519_signature, delegation_chain);
#[cfg(feature = "icp-canister-sig")]
criterion_group!(canister, canister_signature);
#[cfg(feature = "icp-canister-sig")]
criterion_main!(benches, canister);
#[cfg(not(feature = "icp-canister-sig"))]
criterion_main!(benches);
