//! ICP canister signatures and Internet Identity delegation chains
//! (feature `icp-canister-sig`) against DFINITY's published data
//! (tests/vectors/icp-canister, see its PROVENANCE.md), plus a local-replica
//! fixture signed with a test root key for the end-to-end wallet proof.

use ic_certification::{Certificate, HashTree, fork, labeled, leaf};
use keytree::{
    AccountId, DEFAULT_MAX_CERTIFICATE_AGE, Error, Expectations, IC_MAINNET_ROOT_KEY,
    IcpCanisterProof, IcpCanisterPublicKey, IcpCanisterSignatureVerifier, IcpDelegation,
    IcpKeyType, IcpPublicKey, IcpSignedDelegation, IcpVerifier, Principal, RootKey,
    UnverifiedIcpCanisterDelegationChain, UnverifiedIcpCanisterSignature, WalletError, WalletProof,
    WalletRegistry, WalletVerifier, hex_decode, hex_encode,
};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::common::block_on;
use crate::common::{read_json, vectors_dir};

fn hex(s: &str) -> Vec<u8> {
    hex_decode(s, "test hex").unwrap()
}

fn vector(name: &str) -> Value {
    read_json(&vectors_dir("icp-canister").join(name))
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap()
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

fn leb128(mut n: u64) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

/// The bytes an Internet Identity delegation's canister signature covers,
/// computed from the interface spec (not from keytree):
/// `"\x1Aic-request-auth-delegation" · hash_of_map({pubkey, expiration})`.
fn delegation_message(pubkey: &[u8], expiration_ns: u64) -> Vec<u8> {
    let mut pairs = [
        [sha256(b"pubkey"), sha256(pubkey)].concat(),
        [sha256(b"expiration"), sha256(&leb128(expiration_ns))].concat(),
    ];
    pairs.sort();
    let mut message = b"\x1Aic-request-auth-delegation".to_vec();
    message.extend_from_slice(&sha256(&pairs.concat()));
    message
}

// ---------------------------------------------------------------------------
// Internet Identity's sig-verifier-js vector: a canister signature whose
// certificate is signed by a subnet key the root key delegated to.

struct SubnetVector {
    key: IcpCanisterPublicKey,
    message: Vec<u8>,
    signature: Vec<u8>,
    now: u64,
    doc: Value,
}

fn subnet_vector() -> SubnetVector {
    let doc = vector("ii_sig_verifier_js.json");
    let key = IcpCanisterPublicKey::from_der(&hex(s(&doc, "public_key_der_hex"))).unwrap();
    let expiration = doc["delegation_expiration_ns"].as_u64().unwrap();
    let message = delegation_message(&hex(s(&doc, "delegation_pubkey_hex")), expiration);
    let signature = hex(s(&doc, "signature_hex"));
    let parsed = UnverifiedIcpCanisterSignature::from_cbor(&signature).unwrap();
    // A moment after the IC certified the signature.
    let now = parsed.certificate_time() + 10;
    SubnetVector {
        key,
        message,
        signature,
        now,
        doc,
    }
}

#[test]
fn published_canister_signature_with_subnet_delegation() {
    let v = subnet_vector();
    assert_eq!(hex(s(&v.doc, "root_key_hex")), IC_MAINNET_ROOT_KEY);
    assert_eq!(v.key.canister_id().to_text(), s(&v.doc, "ii_canister_id"));
    assert_eq!(v.key.principal().to_text(), s(&v.doc, "user_principal"));
    assert_eq!(v.key.to_der(), hex(s(&v.doc, "public_key_der_hex")));

    let parsed = UnverifiedIcpCanisterSignature::from_cbor(&v.signature).unwrap();
    assert!(parsed.has_subnet_delegation());
    // Certified before the delegation it signs expires.
    let expiration = v.doc["delegation_expiration_ns"].as_u64().unwrap();
    assert!(parsed.certificate_time_ns() < expiration);

    let verifier = IcpCanisterSignatureVerifier::new();
    verifier
        .verify(&v.key, &v.message, &v.signature, v.now)
        .unwrap();
    // The DER form of the mainnet key is accepted as well as the raw one.
    let mut der = hex("308182301d060d2b0601040182dc7c0503010201060c2b0601040182dc7c05030201036100");
    der.extend_from_slice(&IC_MAINNET_ROOT_KEY);
    IcpCanisterSignatureVerifier::new()
        .with_root_key(&der)
        .unwrap()
        .verify(&v.key, &v.message, &v.signature, v.now)
        .unwrap();
}

#[test]
fn published_canister_signature_negatives() {
    let v = subnet_vector();
    let verifier = IcpCanisterSignatureVerifier::new();

    // Wrong seed: same canister, one seed byte changed.
    let mut seed = v.key.seed().to_vec();
    seed[0] ^= 1;
    let wrong_seed = IcpCanisterPublicKey::new(v.key.canister_id(), seed).unwrap();
    assert_eq!(
        verifier
            .verify(&wrong_seed, &v.message, &v.signature, v.now)
            .unwrap_err(),
        Error::InvalidSignature
    );

    // Wrong canister: the seed under another canister id.
    let other = Principal::from_text("rdmx6-jaaaa-aaaaa-aaadq-cai").unwrap();
    let wrong_canister = IcpCanisterPublicKey::new(other, v.key.seed().to_vec()).unwrap();
    assert_eq!(
        verifier
            .verify(&wrong_canister, &v.message, &v.signature, v.now)
            .unwrap_err(),
        Error::InvalidSignature
    );

    // Wrong message: the same delegation one nanosecond longer.
    let expiration = v.doc["delegation_expiration_ns"].as_u64().unwrap();
    let other_message =
        delegation_message(&hex(s(&v.doc, "delegation_pubkey_hex")), expiration + 1);
    assert_eq!(
        verifier
            .verify(&v.key, &other_message, &v.signature, v.now)
            .unwrap_err(),
        Error::InvalidSignature
    );

    // Another (valid) root key.
    let other_root = IcpCanisterSignatureVerifier::new()
        .with_root_key(&hex(s(&v.doc, "other_root_key_hex")))
        .unwrap();
    assert_eq!(
        other_root
            .verify(&v.key, &v.message, &v.signature, v.now)
            .unwrap_err(),
        Error::InvalidSignature
    );

    // Expired certificate: older than the maximum age at `now`…
    let max = DEFAULT_MAX_CERTIFICATE_AGE;
    let late = v.now + max;
    assert!(matches!(
        verifier.verify(&v.key, &v.message, &v.signature, late).unwrap_err(),
        Error::Wallet(WalletError::IcpCertificateStale { now, max_age, .. })
            if now == late && max_age == max
    ));
    // …accepted with a larger maximum age…
    IcpCanisterSignatureVerifier::new()
        .with_max_certificate_age(max + 60)
        .verify(&v.key, &v.message, &v.signature, late)
        .unwrap();
    // …and a certificate from more than a minute in the future is refused.
    assert!(matches!(
        verifier
            .verify(&v.key, &v.message, &v.signature, v.now - 200)
            .unwrap_err(),
        Error::Wallet(WalletError::IcpCertificateStale { .. })
    ));
}

/// Offsets of the 32-byte hashes (CBOR `58 20` byte strings) in `bytes`
/// from `from` on: flipping a byte inside one keeps the CBOR well formed.
fn hash_offsets(bytes: &[u8], from: usize) -> Vec<usize> {
    (from..bytes.len().saturating_sub(34))
        .filter(|&i| bytes[i] == 0x58 && bytes[i + 1] == 0x20)
        .map(|i| i + 2)
        .collect()
}

#[test]
fn tampered_tree_and_certificate_are_refused() {
    let v = subnet_vector();
    let verifier = IcpCanisterSignatureVerifier::new();
    // The signature's own tree follows the certificate: find "tree" (64
    // 74 72 65 65) after the embedded certificate.
    let tree_at = v
        .signature
        .windows(5)
        .rposition(|w| w == b"\x64tree")
        .unwrap();
    let tree_hashes = hash_offsets(&v.signature, tree_at);
    assert!(tree_hashes.len() >= 3);
    for offset in tree_hashes {
        let mut tampered = v.signature.clone();
        tampered[offset + 7] ^= 0x01;
        UnverifiedIcpCanisterSignature::from_cbor(&tampered).unwrap();
        assert_eq!(
            verifier
                .verify(&v.key, &v.message, &tampered, v.now)
                .unwrap_err(),
            Error::InvalidSignature,
            "tree hash at {offset}"
        );
    }
    // Hashes inside the certificate (the canister's certified data among
    // them): the BLS signature no longer matches.
    for offset in hash_offsets(&v.signature, 0)
        .into_iter()
        .filter(|&o| o < tree_at)
        .take(6)
    {
        let mut tampered = v.signature.clone();
        tampered[offset] ^= 0x80;
        assert_eq!(
            verifier
                .verify(&v.key, &v.message, &tampered, v.now)
                .unwrap_err(),
            Error::InvalidSignature,
            "certificate hash at {offset}"
        );
    }
}

#[test]
fn malformed_signatures_are_decode_errors() {
    let v = subnet_vector();
    let verifier = IcpCanisterSignatureVerifier::new();
    let mut untagged = v.signature.clone();
    untagged[1] ^= 0xff;
    let mut trailing = v.signature.clone();
    trailing.push(0);
    for bad in [
        &[][..],
        &v.signature[..3],
        &v.signature[..v.signature.len() / 2],
        &untagged[..],
        &trailing[..],
        &[0xd9, 0xd9, 0xf7, 0xa0][..],
    ] {
        assert!(matches!(
            UnverifiedIcpCanisterSignature::from_cbor(bad).unwrap_err(),
            Error::Decode { .. }
        ));
        assert!(matches!(
            verifier.verify(&v.key, &v.message, bad, v.now).unwrap_err(),
            Error::Decode { .. }
        ));
    }
    assert!(matches!(
        UnverifiedIcpCanisterSignature::from_cbor(&vec![0xd9; 70_000]).unwrap_err(),
        Error::Decode { .. }
    ));
    // Every single-byte change parses or is a decode error, never a panic.
    for i in 0..v.signature.len() {
        for flip in [0x01, 0x80, 0xff] {
            let mut changed = v.signature.clone();
            changed[i] ^= flip;
            assert!(matches!(
                UnverifiedIcpCanisterSignature::from_cbor(&changed),
                Ok(_) | Err(Error::Decode { .. })
            ));
        }
    }
    // Root keys: wrong length, not a curve point.
    assert!(matches!(
        IcpCanisterSignatureVerifier::new()
            .with_root_key(&[1; 95])
            .unwrap_err(),
        Error::Decode { .. }
    ));
    assert!(matches!(
        IcpCanisterSignatureVerifier::new()
            .with_root_key(&[1; 96])
            .unwrap_err(),
        Error::InvalidKey(_)
    ));
}

// ---------------------------------------------------------------------------
// dfx's Internet Identity delegation chain: one link to a P-256 session key.
// Its certificate (2024, canister rdmx6 without a subnet delegation) comes
// from a local replica running the NNS canisters, whose root key was not
// published: it parses and round-trips, and the mainnet key refuses it.

fn dfx_chain() -> (UnverifiedIcpCanisterDelegationChain, String, u64) {
    let doc = vector("dfx_login_chain.json");
    let json = s(&doc, "delegation_chain_json").to_string();
    let chain = UnverifiedIcpCanisterDelegationChain::from_json(&json).unwrap();
    let sig =
        UnverifiedIcpCanisterSignature::from_cbor(chain.delegations()[0].signature()).unwrap();
    assert!(!sig.has_subnet_delegation());
    assert_eq!(
        chain.root_public_key().canister_id().to_text(),
        s(&doc, "ii_canister_id")
    );
    (chain, json, sig.certificate_time() + 5)
}

#[test]
fn published_local_replica_chain_is_refused_by_the_mainnet_key() {
    let (chain, json, now) = dfx_chain();
    assert_eq!(chain.to_json(), json);
    let link = chain.delegations()[0].delegation();
    assert_eq!(link.public_key().key_type(), IcpKeyType::P256);
    assert_eq!(link.expiration_ns(), 0x17c1_0682_3a0b_91b8);
    // The certificate's own BLS signature does not verify under the mainnet
    // root key: it is another root key's (the replica's).
    let sig =
        UnverifiedIcpCanisterSignature::from_cbor(chain.delegations()[0].signature()).unwrap();
    let mut state_root = b"\x0Dic-state-root".to_vec();
    state_root.extend_from_slice(&sig.certificate_root_hash());
    assert!(
        ic_verify_bls_signature::verify_bls_signature(
            sig.certificate_signature(),
            &state_root,
            &IC_MAINNET_ROOT_KEY
        )
        .is_err()
    );
    let mainnet = IcpCanisterSignatureVerifier::new();
    assert_eq!(
        chain.verify(&mainnet, now, None).unwrap_err(),
        Error::InvalidSignature
    );
    // Through the registry, as an Internet Identity login proof.
    let account = chain.root_public_key().principal().account_id();
    let message = b"example.com wants you to sign in: 4f1c";
    let proof =
        IcpCanisterProof::from_delegation_json(account, &json, message, vec![7; 64]).unwrap();
    assert_eq!(
        WalletRegistry::with_defaults()
            .verify(
                &WalletProof::from(proof),
                &Expectations::at(now).message(message)
            )
            .unwrap_err(),
        Error::InvalidSignature
    );
    // Strict JSON: upper-case hex, missing fields, no links.
    let upper = json.replace("17c106823a0b91b8", "17C106823A0B91B8");
    assert!(UnverifiedIcpCanisterDelegationChain::from_json(&upper).is_err());
    assert!(UnverifiedIcpCanisterDelegationChain::from_json("{}").is_err());
    let doc: Value = serde_json::from_str(&json).unwrap();
    let empty = format!(
        r#"{{"delegations":[],"publicKey":"{}"}}"#,
        doc["publicKey"].as_str().unwrap()
    );
    assert!(UnverifiedIcpCanisterDelegationChain::from_json(&empty).is_err());
    // An ordinary (non-canister) root key is not a canister chain.
    let ed = IcpPublicKey::from_ed25519(RootKey::from_bytes(&[3; 32]).public_key());
    let mut swapped = doc.clone();
    swapped["publicKey"] = Value::String(hex_encode(&ed.to_der()));
    assert!(UnverifiedIcpCanisterDelegationChain::from_json(&swapped.to_string()).is_err());
}

// ---------------------------------------------------------------------------
// A local replica: a test root key signs the certificate, so the whole
// Internet Identity login (canister signature → session key → message)
// runs end to end.

const TEST_ROOT_SECRET: [u8; 32] = {
    let mut k = [0u8; 32];
    k[31] = 42;
    k
};

#[derive(Serialize)]
struct SignatureCbor<'a> {
    #[serde(with = "serde_bytes")]
    certificate: &'a [u8],
    tree: &'a HashTree,
}

fn self_describing<T: Serialize>(value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    let mut ser = serde_cbor::Serializer::new(&mut out);
    ser.self_describe().unwrap();
    value.serialize(&mut ser).unwrap();
    out
}

/// A canister signature by a local replica whose root key is the test key,
/// certified at `time_ns`.
fn local_signature(key: &IcpCanisterPublicKey, message: &[u8], time_ns: u64) -> Vec<u8> {
    let sig_tree = labeled(
        b"sig".to_vec(),
        labeled(
            sha256(key.seed()).to_vec(),
            labeled(sha256(message).to_vec(), leaf(Vec::new())),
        ),
    );
    let certified = labeled(b"certified_data".to_vec(), leaf(labeled_root(&sig_tree)));
    let state = fork(
        labeled(
            b"canister".to_vec(),
            labeled(key.canister_id().as_slice().to_vec(), certified),
        ),
        labeled(b"time".to_vec(), leaf(leb128(time_ns))),
    );
    let mut signed = b"\x0Dic-state-root".to_vec();
    signed.extend_from_slice(&state.digest());
    let secret = ic_verify_bls_signature::PrivateKey::deserialize(&TEST_ROOT_SECRET).unwrap();
    let certificate = Certificate {
        tree: state,
        signature: secret.sign(&signed).serialize().to_vec(),
        delegation: None,
    };
    let certificate = self_describing(&certificate);
    self_describing(&SignatureCbor {
        certificate: &certificate,
        tree: &sig_tree,
    })
}

fn labeled_root(tree: &HashTree) -> Vec<u8> {
    tree.digest().to_vec()
}

fn test_root_key() -> Vec<u8> {
    ic_verify_bls_signature::PrivateKey::deserialize(&TEST_ROOT_SECRET)
        .unwrap()
        .public_key()
        .serialize()
        .to_vec()
}

#[test]
fn local_replica_internet_identity_login_end_to_end() {
    let now = 1_900_000_000;
    let ii = Principal::from_text("rdmx6-jaaaa-aaaaa-aaadq-cai").unwrap();
    let user =
        IcpCanisterPublicKey::new(ii, sha256(b"anchor 10000 @ example.com").to_vec()).unwrap();
    let session = RootKey::from_bytes(&[9; 32]);
    let link = IcpDelegation::new(
        IcpPublicKey::from_ed25519(session.public_key()),
        (now + 1800) * 1_000_000_000,
        None,
    )
    .unwrap();
    let certified_at = (now - 30) * 1_000_000_000;
    let link_sig = local_signature(&user, &link.signed_bytes(), certified_at);
    let chain = UnverifiedIcpCanisterDelegationChain::new(
        user.clone(),
        vec![IcpSignedDelegation::new(link, link_sig)],
    )
    .unwrap();
    let local = IcpCanisterSignatureVerifier::new()
        .with_root_key(&test_root_key())
        .unwrap();
    let verified = chain.verify(&local, now, None).unwrap();
    assert_eq!(verified.certificate_time_ns(), certified_at);
    assert_eq!(verified.principal(), user.principal());
    assert_eq!(verified.expires_at(), now + 1800);
    // The chain's expiry against `now` (with any certificate age allowed).
    let patient = local.clone().with_max_certificate_age(u64::MAX);
    chain.verify(&patient, now + 1800, None).unwrap();
    assert!(matches!(
        chain.verify(&patient, now + 1801, None).unwrap_err(),
        Error::Wallet(WalletError::IcpDelegationExpired { index: 0, .. })
    ));
    // The mainnet key does not vouch for a local replica's certificate.
    assert_eq!(
        chain
            .verify(&IcpCanisterSignatureVerifier::new(), now, None)
            .unwrap_err(),
        Error::InvalidSignature
    );

    // The registry: the session key signs the server's challenge.
    let account = user.principal().account_id();
    let challenge = b"example.com wants you to sign in: 4f1c";
    let proof = IcpCanisterProof::new(
        account.clone(),
        chain.clone(),
        challenge,
        raw_sign(&session, &keytree::IcpProof::signing_bytes(challenge)),
    )
    .unwrap();
    let mut registry = WalletRegistry::new();
    registry.register(IcpVerifier::new().with_canister_signatures(local.clone()));
    let who = registry
        .verify(
            &WalletProof::from(proof.clone()),
            &Expectations::at(now).message(challenge),
        )
        .unwrap();
    assert_eq!(who.account, account);
    // Mainnet defaults refuse it; another account is a mismatch; a later
    // `now` finds the certificate too old.
    assert_eq!(
        WalletRegistry::with_defaults()
            .verify(
                &WalletProof::from(proof.clone()),
                &Expectations::at(now).message(challenge)
            )
            .unwrap_err(),
        Error::InvalidSignature
    );
    let raw = AccountId::raw_ed25519(&session.public_key());
    assert!(matches!(
        IcpCanisterProof::new(raw, chain.clone(), challenge, vec![]).unwrap_err(),
        Error::Wallet(WalletError::WrongChain { .. })
    ));
    let stranger = IcpCanisterPublicKey::new(ii, vec![1; 32])
        .unwrap()
        .principal()
        .account_id();
    let wrong_account = IcpCanisterProof::new(
        stranger,
        chain,
        challenge,
        raw_sign(&session, &keytree::IcpProof::signing_bytes(challenge)),
    )
    .unwrap();
    assert_eq!(
        IcpVerifier::new()
            .with_canister_signatures(local.clone())
            .verify(
                &WalletProof::from(wrong_account),
                &Expectations::at(now).message(challenge)
            )
            .unwrap_err(),
        Error::Wallet(WalletError::AccountMismatch)
    );
    assert!(matches!(
        registry
            .verify(
                &WalletProof::from(proof),
                &Expectations::at(now + 600).message(challenge)
            )
            .unwrap_err(),
        Error::Wallet(WalletError::IcpCertificateStale { .. })
    ));
}

#[test]
fn local_replica_two_link_chain_and_targets() {
    let now = 1_900_000_000;
    let ii = Principal::from_text("rdmx6-jaaaa-aaaaa-aaadq-cai").unwrap();
    let backend = Principal::from_text("ryjl3-tyaaa-aaaaa-aaaba-cai").unwrap();
    let user = IcpCanisterPublicKey::new(ii, vec![5; 32]).unwrap();
    let middle = RootKey::from_bytes(&[11; 32]);
    let session = RootKey::from_bytes(&[12; 32]);
    let first = IcpDelegation::new(
        IcpPublicKey::from_ed25519(middle.public_key()),
        (now + 3600) * 1_000_000_000,
        Some(vec![backend]),
    )
    .unwrap();
    let second = IcpDelegation::new(
        IcpPublicKey::from_ed25519(session.public_key()),
        (now + 60) * 1_000_000_000,
        None,
    )
    .unwrap();
    let first_sig = local_signature(&user, &first.signed_bytes(), now * 1_000_000_000);
    let second_sig = raw_sign(&middle, &second.signed_bytes());
    let chain = UnverifiedIcpCanisterDelegationChain::new(
        user,
        vec![
            IcpSignedDelegation::new(first, first_sig),
            IcpSignedDelegation::new(second.clone(), second_sig),
        ],
    )
    .unwrap();
    let json = chain.to_json();
    assert_eq!(
        UnverifiedIcpCanisterDelegationChain::from_json(&json).unwrap(),
        chain
    );
    let local = IcpCanisterSignatureVerifier::new()
        .with_root_key(&test_root_key())
        .unwrap();
    let verified = chain.verify(&local, now, Some(&backend)).unwrap();
    assert_eq!(
        verified.session_key(),
        &IcpPublicKey::from_ed25519(session.public_key())
    );
    assert_eq!(verified.expires_at(), now + 60);
    assert_eq!(verified.restricted_to(), Some(&backend));
    assert_eq!(
        chain.verify(&local, now, None).unwrap_err(),
        Error::Wallet(WalletError::IcpTargetRequired { index: 0 })
    );
    assert_eq!(
        chain.verify(&local, now, Some(&ii)).unwrap_err(),
        Error::Wallet(WalletError::IcpTargetNotAllowed { index: 0 })
    );
    // The second link expires first, and is reported as link 1.
    assert!(matches!(
        chain.verify(&local, now + 61, Some(&backend)).unwrap_err(),
        Error::Wallet(WalletError::IcpDelegationExpired { index: 1, .. })
    ));
    // A second link signed by the wrong key.
    let forged = UnverifiedIcpCanisterDelegationChain::new(
        chain.root_public_key().clone(),
        vec![
            chain.delegations()[0].clone(),
            IcpSignedDelegation::new(second.clone(), raw_sign(&session, &second.signed_bytes())),
        ],
    )
    .unwrap();
    assert_eq!(
        forged.verify(&local, now, Some(&backend)).unwrap_err(),
        Error::InvalidSignature
    );
}

#[test]
fn internet_identity_login_challenge() {
    use keytree::{ChallengeIssuer, ChallengeMessage, MemoryNonceStore};
    let now = 1_900_000_000;
    let local = IcpCanisterSignatureVerifier::new()
        .with_root_key(&test_root_key())
        .unwrap();
    let mut registry = WalletRegistry::new();
    registry.register(IcpVerifier::new().with_canister_signatures(local));
    let issuer = ChallengeIssuer::new(
        "example.com",
        keytree::ChallengeKey::from_bytes(&[0x42; 32]),
        MemoryNonceStore::new(),
    )
    .unwrap()
    .with_registry(registry);

    let ii = Principal::from_text("rdmx6-jaaaa-aaaaa-aaadq-cai").unwrap();
    let user = IcpCanisterPublicKey::new(ii, vec![21; 32]).unwrap();
    let session = RootKey::from_bytes(&[22; 32]);
    let link = IcpDelegation::new(
        IcpPublicKey::from_ed25519(session.public_key()),
        (now + 900) * 1_000_000_000,
        None,
    )
    .unwrap();
    let link_sig = local_signature(&user, &link.signed_bytes(), now * 1_000_000_000);
    let chain = UnverifiedIcpCanisterDelegationChain::new(
        user.clone(),
        vec![IcpSignedDelegation::new(link, link_sig)],
    )
    .unwrap();

    let account = user.principal().account_id();
    let challenge = block_on(issuer.issue(&account, now)).unwrap();
    let ChallengeMessage::Text(text) = challenge.message() else {
        panic!("not text")
    };
    let proof = IcpCanisterProof::new(
        account.clone(),
        chain,
        text.as_bytes(),
        raw_sign(&session, &keytree::IcpProof::signing_bytes(text.as_bytes())),
    )
    .unwrap();
    let proof = WalletProof::from(proof);
    let who = block_on(issuer.redeem(&proof, now + 1)).unwrap();
    assert_eq!(who.account, account);
    // Single use.
    assert!(block_on(issuer.redeem(&proof, now + 2)).is_err());
}

/// A bare Ed25519 signature by `key` over `bytes` (ICP delegation links and
/// the tagged login wrapper are signed by the session key, which keytree's
/// key types no longer sign bare bytes with).
fn raw_sign(key: &RootKey, bytes: &[u8]) -> Vec<u8> {
    use ed25519_dalek::Signer as _;
    ed25519_dalek::SigningKey::from_bytes(&key.to_bytes())
        .sign(bytes)
        .to_bytes()
        .to_vec()
}
