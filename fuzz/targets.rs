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
    ("delta_json", delta_json),
    ("eth_signature_hex", eth_signature_hex),
    ("eip55_address", eip55_address),
    ("siwe_text", siwe_text),
    ("near_key_and_signature", near_key_and_signature),
    ("nep413_payload", nep413_payload),
    ("strkey", strkey),
    ("strkey_payload", strkey_payload),
    ("eip6492_signature", eip6492_signature),
    ("solana_base58", solana_base58),
    ("caip10", caip10),
    ("siws_text", siws_text),
    ("icp_principal_text", icp_principal_text),
    ("der_spki", der_spki),
    ("icp_delegation_json", icp_delegation_json),
    ("token_jws", token_jws),
    ("token_header", token_header),
    ("token_claims", token_claims),
    ("jwks_json", jwks_json),
    ("challenge_nonce", challenge_nonce),
];

/// A delta's JSON form (what nodes exchange): never panics; what decodes
/// re-encodes to the same value, and its signed bytes carry the timestamp
/// right after `seq`.
pub fn delta_json(data: &[u8]) {
    let Ok(delta) = serde_json::from_slice::<keytree::Delta>(data) else {
        return;
    };
    let again: keytree::Delta =
        serde_json::from_str(&serde_json::to_string(&delta).unwrap()).unwrap();
    assert_eq!(again, delta);
    let bytes = delta.signing_bytes();
    let tail = 8 + 4 + delta.payload().len();
    let at = bytes.len() - tail;
    assert_eq!(bytes[at..at + 8], delta.timestamp().to_be_bytes());
    assert_eq!(bytes[at - 8..at], delta.seq().to_be_bytes());
}

/// Targets that need a keytree feature beyond the chain defaults (the fuzz
/// crate turns them on; the replay test runs them when keytree's test build
/// has the feature).
#[cfg(feature = "icp-canister-sig")]
pub const FEATURE_TARGETS: &[(&str, Target)] = &[
    ("icp_canister_signature", icp_canister_signature),
    ("icp_certificate", icp_certificate),
    ("icp_canister_chain_json", icp_canister_chain_json),
];
/// Targets that need a keytree feature beyond the chain defaults (none in
/// this build).
#[cfg(not(feature = "icp-canister-sig"))]
pub const FEATURE_TARGETS: &[(&str, Target)] = &[];

/// The ICP canister-signature parsers: the signature CBOR (with its
/// certificate and any subnet delegation) and the canister-signature DER
/// key. Never panics; a key that decodes re-encodes to the same bytes; a
/// signature that decodes is refused by the verifier for a key and message
/// it was not made for (the fuzzer cannot forge a BLS signature).
#[cfg(feature = "icp-canister-sig")]
pub fn icp_canister_signature(data: &[u8]) {
    use keytree::{
        IcpCanisterPublicKey, IcpCanisterSignatureVerifier, Principal,
        UnverifiedIcpCanisterSignature,
    };
    if let Ok(key) = IcpCanisterPublicKey::from_der(data) {
        assert_eq!(key.to_der(), data, "accepted a non-canonical key");
        assert_eq!(IcpCanisterPublicKey::from_der(&key.to_der()).unwrap(), key);
    }
    if let Ok(sig) = UnverifiedIcpCanisterSignature::from_cbor(data) {
        let _ = (sig.tree_root_hash(), sig.certificate_root_hash());
        let _ = (sig.certificate_signature(), sig.has_subnet_delegation());
        let canister = Principal::from_slice(&[0, 0, 0, 0, 0, 0x60, 0, 0x27, 1, 1]).unwrap();
        let key = IcpCanisterPublicKey::new(canister, b"keytree fuzz seed".to_vec()).unwrap();
        let verifier = IcpCanisterSignatureVerifier::new().with_max_certificate_age(u64::MAX);
        assert!(
            verifier
                .verify(&key, b"keytree fuzz message", data, sig.certificate_time())
                .is_err()
        );
    }
}

/// The IC certificate parser, reached through the public entry point: the
/// input is wrapped as the `certificate` of a canister signature
/// (`{certificate: <input>, tree: Empty}`), so every byte of it is read by
/// the certificate (and subnet-delegation) decoder. Never panics.
#[cfg(feature = "icp-canister-sig")]
pub fn icp_certificate(data: &[u8]) {
    let mut wrapped = vec![0xd9, 0xd9, 0xf7, 0xa2, 0x6b];
    wrapped.extend_from_slice(b"certificate");
    match u16::try_from(data.len()) {
        Ok(len) if len < 24 => wrapped.push(0x40 | len as u8),
        Ok(len) if len < 256 => wrapped.extend([0x58, len as u8]),
        Ok(len) => {
            wrapped.push(0x59);
            wrapped.extend(len.to_be_bytes());
        }
        Err(_) => return,
    }
    wrapped.extend_from_slice(data);
    wrapped.push(0x64);
    wrapped.extend_from_slice(b"tree");
    wrapped.extend([0x81, 0x00]);
    if let Ok(sig) = keytree::UnverifiedIcpCanisterSignature::from_cbor(&wrapped) {
        let _ = (sig.certificate_root_hash(), sig.has_subnet_delegation());
        // An empty tree holds no `sig/…` path: never a valid signature.
        let key =
            keytree::IcpCanisterPublicKey::new(keytree::Principal::anonymous(), vec![]).unwrap();
        let verifier =
            keytree::IcpCanisterSignatureVerifier::new().with_max_certificate_age(u64::MAX);
        assert!(
            verifier
                .verify(&key, b"", &wrapped, sig.certificate_time())
                .is_err()
        );
    }
}

/// Internet Identity delegation chains (`DelegationChain.toJSON()` with a
/// canister-signature root key): never panics; a chain that decodes
/// re-encodes to a chain that decodes to itself.
#[cfg(feature = "icp-canister-sig")]
pub fn icp_canister_chain_json(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(chain) = keytree::UnverifiedIcpCanisterDelegationChain::from_json(text) {
        let json = chain.to_json();
        let again = keytree::UnverifiedIcpCanisterDelegationChain::from_json(&json).unwrap();
        assert_eq!(again, chain);
        assert_eq!(again.to_json(), json);
        assert!(chain.root_public_key().principal().is_self_authenticating());
    }
}

/// Challenge nonces and redemption of attacker text: the nonce parser
/// never panics and round-trips what it accepts; a raw-key proof whose
/// message is the input (so its nonce is whatever the text names) is
/// never accepted, since no valid signature or sealed nonce is in it.
pub fn challenge_nonce(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(n) = text.parse::<keytree::ChallengeNonce>() {
        assert_eq!(n.to_string(), text, "accepted a non-canonical nonce");
    }
    let store = keytree::MemoryNonceStore::with_max_entries(16);
    let Ok(issuer) = keytree::ChallengeIssuer::new(
        "example.com",
        keytree::ChallengeKey::from_bytes(&[0x5a; 32]),
        &store,
    ) else {
        return;
    };
    let Ok(proof) = keytree::RawKeyProof::ed25519_hex(
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        data,
        &"00".repeat(64),
    ) else {
        return;
    };
    let proof: keytree::WalletProof = proof.into();
    let mut fut = std::pin::pin!(issuer.redeem(&proof, 1_700_000_000));
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    if let std::task::Poll::Ready(r) = fut.as_mut().poll(&mut cx) {
        assert!(r.is_err(), "attacker text redeemed");
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

/// Strkey kinds from their binary form (first byte the version, the rest
/// the payload), so the fuzzer reaches every kind's payload parser (the
/// `P…` XDR length and padding, the `B…` type byte) without having to
/// guess a checksum. An accepted payload is the one canonical form, its
/// text decodes back to it, and only `G…` is a login account.
pub fn strkey_payload(data: &[u8]) {
    let Some((&version, payload)) = data.split_first() else {
        return;
    };
    if let Ok(k) = keytree::Strkey::from_payload(version, payload) {
        assert_eq!(k.version_byte(), version);
        assert_eq!(
            k.to_payload().as_slice(),
            payload,
            "accepted a non-canonical payload"
        );
        let text = k.encode();
        assert_eq!(text.chars().next(), Some(k.prefix()));
        assert_eq!(keytree::Strkey::decode(&text).unwrap(), k);
        let account = format!("stellar:pubnet:{}", text.as_str()).parse::<keytree::AccountId>();
        assert_eq!(account.is_ok(), matches!(k, keytree::Strkey::Account(_)));
    }
}

/// EIP-6492 wrapped signatures: the strict ABI parser accepts only the
/// canonical encoding, and the verifier never hands a malformed wrapper to
/// a resolver.
pub fn eip6492_signature(data: &[u8]) {
    // Fuzz both the raw bytes and the bytes with the suffix appended.
    let suffixed = [data, &keytree::EIP6492_MAGIC].concat();
    for bytes in [data, suffixed.as_slice()] {
        if let Ok(w) = keytree::Eip6492Signature::from_bytes(bytes) {
            assert!(keytree::Eip6492Signature::is_wrapped(bytes));
            assert_eq!(w.to_bytes(), bytes, "accepted a non-canonical wrapper");
            let again = keytree::Eip6492Signature::new(
                *w.factory(),
                w.factory_calldata().to_vec(),
                w.signature().to_vec(),
            );
            assert_eq!(again, w);
        }
    }
    let account: keytree::AccountId = "eip155:1:0x0Fa26cFB399AAbf9C3366b3aE297365761c63df4"
        .parse()
        .unwrap();
    let hex = keytree::hex_encode(&suffixed);
    if let Ok(p) = keytree::EthereumProof::personal_sign(account, "m", &hex) {
        let verifier = keytree::EthereumVerifier::new();
        let expect = keytree::Expectations::at(0).message(b"m");
        use keytree::WalletVerifier as _;
        assert!(verifier.verify(&p.into(), &expect).is_err());
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

/// A context with one member, an issuer, a validator and one valid token,
/// built once per process.
struct TokenFixture {
    validator: keytree::TokenValidator,
    token: String,
    now: u64,
}

fn token_fixture() -> &'static TokenFixture {
    static FIXTURE: std::sync::OnceLock<TokenFixture> = std::sync::OnceLock::new();
    FIXTURE.get_or_init(|| {
        let now = 1_700_000_000;
        let root = keytree::RootKey::from_bytes(&[1; 32]);
        let id = keytree::ContextId::from_bytes([2; 32]);
        let mut ctx = keytree::Context::builder(id).create(&root, now).unwrap();
        let client = root.derive_client_key(&id, 0);
        let grant = keytree::Delegation::builder(
            client.public_key(),
            id,
            keytree::Permissions::parse(["blob"]).unwrap(),
        )
        .valid_for(now, 86_400)
        .sign_as_root(&root)
        .unwrap();
        let op = ctx
            .propose(keytree::OpKind::AddMember { chain: vec![grant] }, now)
            .sign(&root);
        ctx.apply(op).unwrap();
        let issuer =
            keytree::TokenIssuer::new("iss", keytree::TokenSigningKey::from_bytes(&[3; 32]));
        let token = issuer
            .mint(
                &ctx,
                &keytree::TokenRequest::new(client.public_key(), "aud"),
                now,
            )
            .unwrap();
        let validator = issuer.validator("aud", now).build().unwrap();
        TokenFixture {
            validator,
            token,
            now,
        }
    })
}

fn same(
    a: &keytree::Result<keytree::ValidatedToken>,
    b: &keytree::Result<keytree::ValidatedToken>,
) -> bool {
    match (a, b) {
        (Ok(x), Ok(y)) => x.claims() == y.claims(),
        (Err(x), Err(y)) => x == y,
        _ => false,
    }
}

/// The JWS splitter and decoder: arbitrary text through the validator,
/// single and batched (which must agree), beside a valid token.
pub fn token_jws(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let f = token_fixture();
    let single = f.validator.validate(text, f.now);
    let batch = f.validator.validate_batch(&[text, &f.token, text], f.now);
    assert!(same(&batch[0], &single));
    assert!(same(&batch[2], &single));
    assert!(batch[1].is_ok());
    let _ = keytree::UnverifiedToken::decode(text);
}

/// The strict header parser: arbitrary bytes as the protected header of an
/// otherwise well-formed token. Anything accepted must be keytree's header.
pub fn token_header(data: &[u8]) {
    let f = token_fixture();
    let mut parts = f.token.split('.');
    let (_, payload, signature) = (parts.next(), parts.next().unwrap(), parts.next().unwrap());
    let token = format!("{}.{payload}.{signature}", keytree::base64url_encode(data));
    if keytree::UnverifiedToken::decode(&token).is_ok() {
        let v: serde_json::Value = serde_json::from_slice(data).unwrap();
        let obj = v.as_object().unwrap();
        assert_eq!(obj.len(), 3);
        assert_eq!(obj["alg"], "EdDSA");
        assert_eq!(obj["typ"], "at+jwt");
        assert!(obj["kid"].is_string());
    }
    // With the issuer's real signature over different bytes, never valid.
    if let Ok(v) = f.validator.validate(&token, f.now) {
        assert_eq!(
            v.claims(),
            f.validator.validate(&f.token, f.now).unwrap().claims()
        );
    }
}

/// The strict claims parser: arbitrary bytes as the payload. Anything
/// accepted has every claim once, of its type, in canonical text forms.
pub fn token_claims(data: &[u8]) {
    let f = token_fixture();
    let mut parts = f.token.split('.');
    let (header, _, signature) = (parts.next().unwrap(), parts.next(), parts.next().unwrap());
    let token = format!("{header}.{}.{signature}", keytree::base64url_encode(data));
    if let Ok(t) = keytree::UnverifiedToken::decode(&token) {
        let c = t.claims();
        let v: serde_json::Value = serde_json::from_slice(data).unwrap();
        let obj = v.as_object().unwrap();
        // Ten claims always; `executor_public_key` for a key member's
        // token, `sid` for a session's.
        assert_eq!(
            obj.len(),
            10 + usize::from(c.executor_key_bytes().is_some())
                + usize::from(c.session_id().is_some())
        );
        assert_eq!(obj["exp"].as_u64(), Some(c.expires_at()));
        assert_eq!(obj["nbf"].as_u64(), Some(c.not_before()));
        assert_eq!(obj["iat"].as_u64(), Some(c.issued_at()));
        assert_eq!(obj["iss"].as_str(), Some(c.issuer()));
        assert_eq!(obj["aud"].as_str(), Some(c.audience()));
        // The fast base58 decoders accept only canonical text.
        assert_eq!(
            obj["context_id"].as_str().unwrap(),
            c.context_id().to_string()
        );
        match c.executor_key_bytes() {
            Some(key) => assert_eq!(
                obj["executor_public_key"].as_str().unwrap(),
                format!("ed25519:{}", keytree::base58_encode(key))
            ),
            // A wallet-account member's token: `sub` is canonical CAIP-10.
            None => assert_eq!(c.account().unwrap().to_string(), c.subject()),
        }
        assert!(!c.permissions().is_empty());
    }
}

/// JWKS parsing; an accepted set round-trips.
pub fn jwks_json(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(set) = keytree::Jwks::from_json(text) {
        let again = keytree::Jwks::from_json(&set.to_json()).unwrap();
        assert_eq!(again, set);
        for k in set.keys() {
            assert_eq!(k.kid(), keytree::jwk_thumbprint(k.public_key()));
        }
        if !set.keys().is_empty() {
            let _ = keytree::TokenValidator::builder("iss", "aud")
                .jwks(&set)
                .build();
        }
    }
}
