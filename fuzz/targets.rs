//! The bodies of the fuzz targets, shared by `fuzz/fuzz_targets/*.rs` and by
//! the stable corpus-replay test (`tests/fuzz_replay.rs`), so that `cargo
//! test` runs exactly what the fuzzer runs over every committed input.
//!
//! Each function must never panic on any input; where it decodes
//! successfully it checks the round trip (decode ∘ encode = id).

#![allow(dead_code)]

use std::str::FromStr;

/// `(corpus directory name, target function)` for the replay test.
pub const TARGETS: &[(&str, fn(&[u8]))] = &[
    ("public_key_text", public_key_text),
    ("delegation_bytes", delegation_bytes),
    ("delegation_json", delegation_json),
    ("context_log_json", context_log_json),
    ("context_op_json", context_op_json),
    ("icp_principal_text", icp_principal_text),
    ("der_spki", der_spki),
    ("icp_delegation_json", icp_delegation_json),
];

pub fn public_key_text(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(key) = keytree::PublicKey::from_str(text) {
        let again = keytree::PublicKey::from_str(&key.to_string()).unwrap();
        assert_eq!(key, again);
        assert_eq!(
            keytree::PublicKey::from_str(&key.to_did_key()).unwrap(),
            key
        );
    }
}

pub fn delegation_bytes(data: &[u8]) {
    if let Ok(d) = keytree::Delegation::from_bytes(data) {
        assert_eq!(d.to_bytes(), data, "accepted a non-canonical encoding");
        let _ = d.verify_signature();
    }
}

pub fn delegation_json(data: &[u8]) {
    if let Ok(d) = serde_json::from_slice::<keytree::Delegation>(data) {
        let json = serde_json::to_vec(&d).unwrap();
        let back: keytree::Delegation = serde_json::from_slice(&json).unwrap();
        assert_eq!(back, d);
        assert_eq!(keytree::Delegation::from_bytes(&d.to_bytes()).unwrap(), d);
    }
}

pub fn context_log_json(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(ctx) = keytree::Context::import_json(text) {
        let again = keytree::Context::import_json(&ctx.export_json().unwrap()).unwrap();
        assert_eq!(again.state_hash(), ctx.state_hash());
    }
}

pub fn context_op_json(data: &[u8]) {
    if let Ok(op) = serde_json::from_slice::<keytree::ContextOp>(data) {
        let json = serde_json::to_vec(&op).unwrap();
        let back: keytree::ContextOp = serde_json::from_slice(&json).unwrap();
        assert_eq!(back, op);
        assert_eq!(back.hash(), op.hash());
    }
}

pub fn icp_principal_text(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(p) = keytree::Principal::from_text(text) {
        assert_eq!(p.to_text(), text, "accepted a non-canonical principal");
        assert_eq!(keytree::Principal::from_slice(p.as_slice()).unwrap(), p);
        assert!(p.as_slice().len() <= keytree::Principal::MAX_LEN);
    }
    if let Ok(p) = keytree::Principal::from_text_ignore_case(text) {
        assert_eq!(p.to_text(), text.to_ascii_lowercase());
    }
}

pub fn der_spki(data: &[u8]) {
    if let Ok(key) = keytree::IcpPublicKey::from_der(data) {
        assert_eq!(key.to_der(), data, "accepted a non-canonical DER key");
        assert!(key.principal().is_self_authenticating());
        assert_eq!(
            key.principal(),
            keytree::Principal::self_authenticating(data)
        );
        let _ = key.verify(b"fuzz", &[1; 64]);
    }
}

pub fn icp_delegation_json(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(chain) = keytree::UnverifiedIcpDelegationChain::from_json(text) {
        let json = chain.to_json();
        let again = keytree::UnverifiedIcpDelegationChain::from_json(&json).unwrap();
        assert_eq!(again, chain);
        assert_eq!(again.to_json(), json);
        let target = keytree::Principal::anonymous();
        for now in [0, 1_700_000_000, u64::MAX] {
            if let Ok(v) = chain.verify(now, Some(&target)) {
                assert_eq!(v.principal(), chain.root_public_key().principal());
            }
            let _ = chain.verify(now, None);
        }
    }
}
