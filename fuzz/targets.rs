//! The bodies of the fuzz targets, shared by `fuzz/fuzz_targets/*.rs` and by
//! the stable corpus-replay test (`tests/fuzz_replay.rs`), so that `cargo
//! test` runs exactly what the fuzzer runs over every committed input.
//!
//! Each function must never panic on any input; where it decodes
//! successfully it checks the round trip (decode ∘ encode = id).

#![allow(dead_code)]

use std::str::FromStr;

/// A fuzz target body.
pub type Target = fn(&[u8]);

/// `(corpus directory name, target function)` for the replay test.
pub const TARGETS: &[(&str, Target)] = &[
    ("public_key_text", public_key_text),
    ("delegation_bytes", delegation_bytes),
    ("delegation_json", delegation_json),
    ("context_log_json", context_log_json),
    ("context_op_json", context_op_json),
    ("challenge_record", challenge_record),
];

/// The challenge record decoder (what a shared store reads back): never
/// panics; accepts only canonical bytes.
pub fn challenge_record(data: &[u8]) {
    if let Ok(r) = keytree::ChallengeRecord::from_store_bytes(data) {
        assert_eq!(
            r.to_store_bytes(),
            data,
            "accepted a non-canonical encoding"
        );
        let _ = r.check_live(r.expires_at());
    }
}

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
    if let Ok(u) = keytree::UnverifiedDelegation::from_bytes(data) {
        assert_eq!(
            u.dangerous_inspect().to_bytes(),
            data,
            "accepted a non-canonical encoding"
        );
        let id = u.id();
        if let Ok(d) = u.verify_signature() {
            assert_eq!(d.id(), id);
            assert_eq!(keytree::Delegation::from_bytes(data).unwrap(), d);
        }
    } else {
        assert!(keytree::Delegation::from_bytes(data).is_err());
    }
}

pub fn delegation_json(data: &[u8]) {
    if let Ok(u) = serde_json::from_slice::<keytree::UnverifiedDelegation>(data) {
        let json = serde_json::to_vec(&u).unwrap();
        let back: keytree::UnverifiedDelegation = serde_json::from_slice(&json).unwrap();
        assert_eq!(back, u);
    }
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
