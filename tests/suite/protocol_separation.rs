//! One signature, one protocol (issue 8, "one signature can never be valid
//! in two protocols").
//!
//! One Ed25519 seed plays every role a key can have (root, client key,
//! token key, raw-key / Solana / ICP wallet), so any signature it makes is
//! by the same key. For every protocol X that produces a signature, and
//! every protocol Y that accepts one, the attacker takes X's signature and
//! the exact bytes it covers and presents them to Y in the most favourable
//! way Y allows (as the login message, the delta payload, the statement,
//! the token, the delegation's canonical bytes). Y must refuse unless
//! X = Y.

use std::collections::BTreeMap;

use keytree::{
    AccountId, ClientKey, ContextOp, Delegation, Delta, Expectations, IcpProof, IcpPublicKey,
    OpKind, Principal, RawKeyProof, RawKeyVerifier, RootKey, SolanaProof, TokenIssuer,
    TokenRequest, TokenSigningKey, WalletRegistry, WalletVerifier, base64url_decode,
    base64url_encode, hex_encode,
};

use crate::common::{DalekSign as _, Fixture, perms};

const SEED: [u8; 32] = [7; 32];
const LOGIN: &[u8] = b"example.com wants you to sign in: 4f1c";

/// What a protocol signed: the bytes, the signature, and the protocol's own
/// input (login message, statement, payload, …) for the X = Y case.
struct Produced {
    signed: Vec<u8>,
    signature: [u8; 64],
    input: Vec<u8>,
}

fn sig64(bytes: &[u8]) -> [u8; 64] {
    bytes.try_into().unwrap()
}

fn produce(fx: &Fixture) -> BTreeMap<&'static str, Produced> {
    let key = RootKey::from_bytes(&SEED);
    let mut out = BTreeMap::new();

    let d = Delegation::builder(key.public_key(), fx.id(), perms(&["blob"]))
        .valid_for(fx.now, 3600)
        .sign_as_root(&key)
        .unwrap();
    out.insert(
        "delegation",
        Produced {
            signed: d.signed_bytes().to_vec(),
            signature: sig64(d.signature_bytes()),
            input: d.signed_bytes().to_vec(),
        },
    );

    let op: ContextOp = fx
        .ctx
        .propose(
            OpKind::RevokeKey {
                key: key.public_key(),
            },
            fx.now,
        )
        .sign(&key);
    out.insert(
        "op",
        Produced {
            signed: op.signing_bytes(),
            signature: op.signatures()[0].signature.to_bytes(),
            input: op.signing_bytes(),
        },
    );

    let delta = ClientKey::from_bytes(&SEED)
        .sign_delta(&fx.id(), 3, fx.now, b"state change")
        .unwrap();
    out.insert(
        "delta",
        Produced {
            signed: delta.signing_bytes(),
            signature: delta.signature().to_bytes(),
            input: b"state change".to_vec(),
        },
    );

    let issuer = TokenIssuer::new("https://auth.test", TokenSigningKey::from_bytes(&SEED));
    let (client, _) = {
        let mut fx2 = Fixture::new(7);
        let m = fx2.add_member(0, &["blob"]);
        let token = issuer
            .mint(
                &fx2.ctx,
                &TokenRequest::new(m.0.public_key(), "api.test"),
                fx2.now,
            )
            .unwrap();
        let (input, sig) = token.rsplit_once('.').unwrap();
        out.insert(
            "token-jws",
            Produced {
                signed: input.as_bytes().to_vec(),
                signature: sig64(&base64url_decode(sig, "sig").unwrap()),
                input: input.as_bytes().to_vec(),
            },
        );
        m
    };
    let _ = client;

    let raw = RawKeyProof::signing_bytes(LOGIN);
    out.insert(
        "login-raw-key",
        Produced {
            signature: key.sign_raw_key_login(LOGIN).to_bytes(),
            signed: raw,
            input: LOGIN.to_vec(),
        },
    );
    let sol = SolanaProof::plain_signing_bytes(LOGIN);
    out.insert(
        "login-solana",
        Produced {
            signature: key.dalek_sign(&sol).to_bytes(),
            signed: sol,
            input: LOGIN.to_vec(),
        },
    );
    let icp = IcpProof::signing_bytes(LOGIN);
    out.insert(
        "login-icp",
        Produced {
            signature: key.dalek_sign(&icp).to_bytes(),
            signed: icp,
            input: LOGIN.to_vec(),
        },
    );

    let u = wallet_delegation(fx);
    let statement = u.statement().as_bytes().to_vec();
    out.insert(
        "wallet-statement",
        Produced {
            signature: key.dalek_sign(&statement).to_bytes(),
            signed: statement.clone(),
            input: statement,
        },
    );
    out
}

type Acceptor = fn(&Fixture, &[u8], &[u8; 64]) -> bool;

fn accept_raw_login(_: &Fixture, message: &[u8], sig: &[u8; 64]) -> bool {
    let pk = RootKey::from_bytes(&SEED).public_key();
    let Ok(proof) = RawKeyProof::ed25519_hex(
        &hex_encode(pk.as_bytes()),
        message.to_vec(),
        &hex_encode(sig),
    ) else {
        return false;
    };
    RawKeyVerifier::ed25519()
        .verify(&proof.into(), &Expectations::at(0).message(message))
        .is_ok()
}

fn solana_account() -> AccountId {
    let pk = RootKey::from_bytes(&SEED).public_key();
    format!(
        "solana:{}:{}",
        keytree::SOLANA_MAINNET,
        keytree::base58_encode(pk.as_bytes())
    )
    .parse()
    .unwrap()
}

fn accept_solana_login(_: &Fixture, message: &[u8], sig: &[u8; 64]) -> bool {
    let Ok(proof) = SolanaProof::message(solana_account(), message, &keytree::base58_encode(sig))
    else {
        return false;
    };
    WalletRegistry::with_defaults()
        .verify(&proof.into(), &Expectations::at(0).message(message))
        .is_ok()
}

fn accept_icp_login(_: &Fixture, message: &[u8], sig: &[u8; 64]) -> bool {
    let der = IcpPublicKey::from_ed25519(RootKey::from_bytes(&SEED).public_key()).to_der();
    let account = Principal::self_authenticating(&der).account_id();
    let Ok(proof) = IcpProof::new(account, &der, message.to_vec(), sig.to_vec()) else {
        return false;
    };
    WalletRegistry::with_defaults()
        .verify(&proof.into(), &Expectations::at(0).message(message))
        .is_ok()
}

/// A delta rebuilt from its JSON form with the attacker's payload and the
/// foreign signature: its signature must not verify over its canonical bytes.
fn accept_delta(fx: &Fixture, payload: &[u8], sig: &[u8; 64]) -> bool {
    let signer = RootKey::from_bytes(&SEED).public_key();
    let json = serde_json::json!({
        "context_id": fx.id(),
        "signer": signer,
        "seq": 3,
        "timestamp": fx.now,
        "payload": base64url_encode(payload),
        "signature": keytree::Signature::from_bytes(sig),
    });
    let Ok(delta) = serde_json::from_value::<Delta>(json) else {
        return false;
    };
    delta
        .signer()
        .verify(&delta.signing_bytes(), delta.signature())
        .is_ok()
}

/// The attacker's bytes as a delegation's canonical bytes, with the
/// signature appended (the binary form).
fn accept_delegation(_: &Fixture, canonical: &[u8], sig: &[u8; 64]) -> bool {
    let mut bytes = canonical.to_vec();
    bytes.extend_from_slice(&64u32.to_be_bytes());
    bytes.extend_from_slice(sig);
    Delegation::from_bytes(&bytes).is_ok()
}

/// The attacker's bytes as a compact JWS signing input, with the signature.
fn accept_token(_: &Fixture, input: &[u8], sig: &[u8; 64]) -> bool {
    let mut fx2 = Fixture::new(7);
    fx2.add_member(0, &["blob"]);
    let issuer = TokenIssuer::new("https://auth.test", TokenSigningKey::from_bytes(&SEED));
    let Ok(validator) = issuer.validator("api.test", fx2.now).build() else {
        return false;
    };
    let token = format!(
        "{}.{}",
        String::from_utf8_lossy(input),
        base64url_encode(sig)
    );
    validator.validate_for(&fx2.ctx, &token, fx2.now).is_ok()
}

fn wallet_delegation(fx: &Fixture) -> keytree::UnsignedDelegation {
    let key = RootKey::from_bytes(&SEED);
    Delegation::builder(key.public_key(), fx.id(), perms(&["blob"]))
        .valid_for(fx.now, 3600)
        .serial([1; 16])
        .for_wallet(AccountId::raw_ed25519(&key.public_key()))
        .unwrap()
}

/// A raw-key wallet's delegation carrying the foreign signature. The
/// statement is rebuilt from the delegation's fields (the attacker cannot
/// name its bytes), so the free-form input is unused.
fn accept_statement(fx: &Fixture, _: &[u8], sig: &[u8; 64]) -> bool {
    wallet_delegation(fx)
        .finish(sig.to_vec())
        .and_then(|u| u.verify_signature_with_wallets(&WalletRegistry::with_defaults()))
        .is_ok()
}

#[test]
fn no_signature_is_valid_in_two_protocols() {
    let fx = Fixture::new(7);
    let produced = produce(&fx);
    let acceptors: [(&str, Acceptor); 7] = [
        ("delegation", accept_delegation),
        ("delta", accept_delta),
        ("token-jws", accept_token),
        ("login-raw-key", accept_raw_login),
        ("login-solana", accept_solana_login),
        ("login-icp", accept_icp_login),
        ("wallet-statement", accept_statement),
    ];
    assert_eq!(produced.len(), 8);
    let mut checked = 0;
    for (x, p) in &produced {
        for (y, accept) in &acceptors {
            if x == y {
                assert!(
                    accept(&fx, &p.input, &p.signature),
                    "{x} must verify as itself"
                );
            } else {
                // The attacker's best tries: the exact signed bytes, and X's
                // own input, as Y's free-form field.
                assert!(
                    !accept(&fx, &p.signed, &p.signature),
                    "{x}'s signature accepted by {y} (signed bytes)"
                );
                assert!(
                    !accept(&fx, &p.input, &p.signature),
                    "{x}'s signature accepted by {y} (input)"
                );
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 8 * 7);
}

/// What each protocol's signed bytes begin with: no two are prefixes of one
/// another, and a JWS signing input (`eyJ…`, base64url of a JSON header)
/// begins with none of the others.
#[test]
fn tags_are_prefix_free_and_jws_cannot_collide() {
    let fx = Fixture::new(7);
    let produced = produce(&fx);
    let length_prefixed = |tag: &str| {
        let mut v = (tag.len() as u32).to_be_bytes().to_vec();
        v.extend_from_slice(tag.as_bytes());
        v
    };
    let tags: BTreeMap<&str, Vec<u8>> = [
        ("delegation", length_prefixed("keytree/v1/delegation")),
        ("op", length_prefixed("keytree/v1/context-op")),
        ("delta", length_prefixed("keytree/v1/delta")),
        ("token-jws", b"eyJ".to_vec()),
        ("login-raw-key", keytree::RAW_KEY_LOGIN_TAG.to_vec()),
        ("login-solana", keytree::SOLANA_LOGIN_TAG.to_vec()),
        ("login-icp", keytree::ICP_LOGIN_TAG.to_vec()),
        ("wallet-statement", b"keytree delegation v1\n".to_vec()),
    ]
    .into_iter()
    .collect();
    for (name, p) in &produced {
        assert!(
            p.signed.starts_with(&tags[name]),
            "{name}'s signed bytes do not begin with its tag"
        );
    }
    for (a, ta) in &tags {
        for (b, tb) in &tags {
            if a != b {
                assert!(!ta.starts_with(tb), "{b}'s tag is a prefix of {a}'s");
            }
        }
    }
    // The JWS input is base64url text and one dot; every other protocol's
    // bytes hold a byte outside that alphabet within their tag.
    let jws = &produced["token-jws"].signed;
    assert!(
        jws.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
    );
    for (name, t) in &tags {
        if *name != "token-jws" {
            assert!(
                t.iter()
                    .any(|c| !(c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))),
                "{name}'s tag could be JWS text"
            );
        }
    }
}
