//! Published Ed25519 vectors (RFC 8032 §7.1, Wycheproof) through the exact
//! path keytree uses for every native signature: `PublicKey::from_bytes`
//! (which refuses weak, small-order and non-canonical keys) followed by
//! `PublicKey::verify` (`verify_strict`).
//!
//! Wycheproof's Ed25519 file has only "valid" and "invalid" results; every
//! one must match. A key refused where it enters counts as a refusal.

use crate::common::DalekSign as _;
use keytree::{PublicKey, RootKey, Signature};

use crate::common::{read_json, shared_vectors};

fn bytes(hex: &str) -> Vec<u8> {
    keytree::hex_decode(hex, "vector").unwrap()
}

fn keytree_accepts(pk: &[u8], msg: &[u8], sig: &[u8]) -> bool {
    let Ok(pk) = <[u8; 32]>::try_from(pk) else {
        return false;
    };
    let Ok(key) = PublicKey::from_bytes(&pk) else {
        return false;
    };
    let Ok(sig) = Signature::from_slice(sig) else {
        return false;
    };
    key.verify(msg, &sig).is_ok()
}

#[test]
fn rfc8032_section_7_1() {
    let Some(dir) = shared_vectors("rfc8032") else {
        return;
    };
    let json = read_json(&dir.join("ed25519_rfc8032_section7_1.json"));
    let vectors = json["vectors"].as_array().unwrap();
    assert!(!vectors.is_empty());
    for v in vectors {
        let seed: [u8; 32] = bytes(v["secret_key_hex"].as_str().unwrap())
            .try_into()
            .unwrap();
        let root = RootKey::from_bytes(&seed);
        let pk = bytes(v["public_key_hex"].as_str().unwrap());
        assert_eq!(root.public_key().as_bytes().as_slice(), pk.as_slice());
        let msg = bytes(v["message_hex"].as_str().unwrap());
        let sig = bytes(v["signature_hex"].as_str().unwrap());
        assert_eq!(
            root.dalek_sign(&msg).to_bytes().as_slice(),
            sig.as_slice(),
            "{}",
            v["name"]
        );
        assert_eq!(keytree_accepts(&pk, &msg, &sig), v["expected"] == "valid");
    }
}

#[test]
fn wycheproof_ed25519() {
    let Some(dir) = shared_vectors("wycheproof") else {
        return;
    };
    let json = read_json(&dir.join("ed25519_test.json"));
    let mut checked = 0;
    for group in json["testGroups"].as_array().unwrap() {
        let pk = bytes(group["publicKey"]["pk"].as_str().unwrap());
        for t in group["tests"].as_array().unwrap() {
            let msg = bytes(t["msg"].as_str().unwrap());
            let sig = bytes(t["sig"].as_str().unwrap());
            let expected = match t["result"].as_str().unwrap() {
                "valid" => true,
                "invalid" => false,
                other => panic!("unexpected result {other}"),
            };
            assert_eq!(
                keytree_accepts(&pk, &msg, &sig),
                expected,
                "tcId {} ({})",
                t["tcId"],
                t["comment"]
            );
            checked += 1;
        }
    }
    assert!(checked > 100);
}
