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
    ("eth_signature_hex", eth_signature_hex),
    ("eip55_address", eip55_address),
    ("siwe_text", siwe_text),
    ("near_key_and_signature", near_key_and_signature),
    ("nep413_payload", nep413_payload),
    ("strkey", strkey),
    ("solana_base58", solana_base58),
    ("caip10", caip10),
    ("siws_text", siws_text),
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

/// Ethereum signature hex: decode, split (v and low-S rules), recover.
pub fn eth_signature_hex(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(bytes) = keytree::ethereum_signature_from_hex(text) {
        if let Ok((sig, _)) = keytree::parse_ethereum_signature(&bytes) {
            assert_eq!(sig.normalize_s(), sig, "accepted a high-S signature");
            assert_eq!(bytes.len(), 65);
            assert!(matches!(bytes[64], 0 | 1 | 27 | 28));
        }
        let _ = keytree::ethereum_recover_address(&[7; 32], &bytes);
    }
}

/// EIP-55 addresses: parse, checksum, and the canonical form re-parses.
pub fn eip55_address(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(addr) = keytree::parse_eth_address(text) {
        let checksummed = keytree::eip55_encode(&addr);
        assert!(keytree::eip55_is_valid(&checksummed));
        assert_eq!(keytree::parse_eth_address(&checksummed).unwrap(), addr);
        assert_eq!(
            keytree::parse_eth_address(&checksummed.to_lowercase()).unwrap(),
            addr
        );
    }
}

/// SIWE text: a parsed message prints back byte for byte.
pub fn siwe_text(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(m) = text.parse::<keytree::SiweMessage>() {
        assert_eq!(m.to_string(), text);
        let _ = m.issued_at_unix().unwrap();
        let _ = m.expiration_unix().unwrap();
        let _ = m.not_before_unix().unwrap();
        let _ = keytree::EthereumProof::siwe(text, &"00".repeat(65));
    }
}

/// NEAR `ed25519:<base58>` key, then a base64 signature, split at the first newline.
pub fn near_key_and_signature(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (key, sig) = text.split_once('\n').unwrap_or((text, ""));
    if let Ok(k) = keytree::parse_near_public_key(key) {
        assert_eq!(keytree::parse_near_public_key(&k.to_string()).unwrap(), k);
    }
    let account: keytree::AccountId = format!("near:mainnet:{}", "ab".repeat(32)).parse().unwrap();
    let payload = keytree::Nep413Payload::new("m", [0; 32], "r", None);
    let _ = keytree::NearProof::new(account, key, payload, sig);
}

/// NEP-413 borsh payload: strict decode, and re-encode gives the same bytes.
pub fn nep413_payload(data: &[u8]) {
    if let Ok(p) = keytree::Nep413Payload::from_borsh(data) {
        assert_eq!(p.to_borsh(), data);
    }
}

/// Stellar strkeys: decode and re-encode gives the same text.
pub fn strkey(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(k) = keytree::Strkey::decode(text) {
        assert_eq!(k.encode().as_str(), text);
    }
}

/// Solana base58 addresses and signatures.
pub fn solana_base58(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (addr, sig) = text.split_once('\n').unwrap_or((text, ""));
    let caip = format!("solana:{}:{addr}", keytree::SOLANA_MAINNET);
    if let Ok(a) = caip.parse::<keytree::AccountId>() {
        assert_eq!(a.to_string(), caip);
        let _ = keytree::SolanaProof::message(a, b"m", sig);
    }
}

/// CAIP-10 account ids: parse, print, re-parse.
pub fn caip10(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(a) = text.parse::<keytree::AccountId>() {
        let printed = a.to_string();
        let again: keytree::AccountId = printed.parse().unwrap();
        assert_eq!(again, a);
        assert_eq!(again.to_string(), printed);
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(
            serde_json::from_str::<keytree::AccountId>(&json).unwrap(),
            a
        );
        let issuer: keytree::Issuer = printed.parse().unwrap();
        assert_eq!(issuer.to_string(), printed);
    }
}

/// SIWS text: a parsed message prints back byte for byte.
pub fn siws_text(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(m) = text.parse::<keytree::SiwsMessage>() {
        assert_eq!(m.to_string(), text);
        let _ = keytree::SolanaProof::sign_in(text, "1");
    }
}
