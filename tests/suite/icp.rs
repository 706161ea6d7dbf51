//! ICP: principals, DER keys, signatures and delegation chains against the
//! project vectors (tests/vectors/icp, made with @dfinity 3.4.3) and the
//! published ones (../shared/vectors/icp).

use crate::common::DalekSign as _;
use keytree::{
    Error, IcpDelegation, IcpKeyType, IcpPublicKey, IcpSignedDelegation, Principal, RootKey,
    UnverifiedIcpDelegationChain, WalletError, hex_decode, hex_encode,
};
use serde_json::Value;

use crate::common::{read_json, shared_vectors, vectors_dir};

fn hex(s: &str) -> Vec<u8> {
    hex_decode(s, "test hex").unwrap()
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("missing {key} in {v}"))
}

/// A time (Unix seconds) before every expiration in the project vectors
/// (2029/2030) and after 2023.
const NOW: u64 = 1_700_000_000;

// ---------------------------------------------------------------------------
// Project vectors.

#[test]
fn project_principals() {
    let doc = read_json(&vectors_dir("icp").join("principals.json"));
    let vectors = doc["vectors"].as_array().unwrap();
    assert!(vectors.len() >= 20);
    for v in vectors {
        let text = s(v, "text");
        if v["valid"].as_bool().unwrap() {
            let bytes = hex(s(v, "bytes_hex"));
            let p = Principal::from_text(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(p.as_slice(), bytes, "{text}");
            assert_eq!(Principal::from_slice(&bytes).unwrap().to_text(), text);
            assert_eq!(text.parse::<Principal>().unwrap(), p);
        } else {
            assert!(
                Principal::from_text(text).is_err(),
                "{text:?} accepted: {}",
                s(v, "comment")
            );
        }
    }
}

#[test]
fn project_identities_and_signatures() {
    let doc = read_json(&vectors_dir("icp").join("identities.json"));
    let mut checked = 0;
    for v in doc["vectors"].as_array().unwrap() {
        assert!(v["valid"].as_bool().unwrap());
        let der = hex(s(v, "public_key_der_hex"));
        let key = IcpPublicKey::from_der(&der).unwrap();
        assert_eq!(key.to_der(), der);
        let expected_type = match s(v, "key_type") {
            "ed25519" => IcpKeyType::Ed25519,
            "secp256k1" => IcpKeyType::Secp256k1,
            "p256" => IcpKeyType::P256,
            other => panic!("unknown key type {other}"),
        };
        assert_eq!(key.key_type(), expected_type);
        assert_eq!(key.principal().to_text(), s(v, "principal"));
        assert_eq!(
            hex_encode(key.principal().as_slice()),
            s(v, "principal_bytes_hex")
        );
        // The secret reproduces the public key (Ed25519 through keytree).
        let secret: [u8; 32] = hex(s(v, "secret_key_hex")).try_into().unwrap();
        if expected_type == IcpKeyType::Ed25519 {
            let root = RootKey::from_bytes(&secret);
            assert_eq!(IcpPublicKey::from_ed25519(root.public_key()), key);
            assert_eq!(
                key.as_ed25519().unwrap().as_bytes().to_vec(),
                hex(s(v, "public_key_raw_hex"))
            );
        }
        for sig in v["signatures"].as_array().unwrap() {
            let message = hex(s(sig, "message_hex"));
            let signature = hex(s(sig, "signature_hex"));
            key.verify(&message, &signature)
                .unwrap_or_else(|e| panic!("{}: {e}", s(v, "name")));
            checked += 1;
        }
    }
    assert_eq!(checked, 12);

    for c in doc["signature_checks"].as_array().unwrap() {
        let key = IcpPublicKey::from_der(&hex(s(c, "public_key_der_hex"))).unwrap();
        let result = key.verify(&hex(s(c, "message_hex")), &hex(s(c, "signature_hex")));
        let comment = s(c, "comment");
        if c["valid"].as_bool().unwrap() {
            result.unwrap_or_else(|e| panic!("{comment}: {e}"));
        } else {
            let err = result.expect_err(comment);
            if comment.contains("truncated") {
                assert!(matches!(err, Error::Decode { .. }), "{comment}: {err}");
            } else {
                assert_eq!(err, Error::InvalidSignature, "{comment}");
            }
        }
    }
}

/// The target to verify a chain for: the first target listed by the last
/// targeted link, or none.
fn chain_target(v: &Value) -> Option<Principal> {
    v["links"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find_map(|l| l["targets"].as_array())
        .map(|t| Principal::from_text(t[0].as_str().unwrap()).unwrap())
}

#[test]
fn project_delegation_chains() {
    let doc = read_json(&vectors_dir("icp").join("delegations.json"));
    assert_eq!(
        s(&doc, "domain_separator_hex"),
        hex_encode(b"\x1Aic-request-auth-delegation")
    );
    let (mut valid, mut invalid) = (0, 0);
    for v in doc["vectors"].as_array().unwrap() {
        let comment = s(v, "comment");
        let json = serde_json::to_string(&v["chain_json"]).unwrap();
        let chain = UnverifiedIcpDelegationChain::from_json(&json)
            .unwrap_or_else(|e| panic!("{comment}: {e}"));
        // Strict JSON round trip: serde_json's Value orders keys
        // alphabetically, which happens to be toJSON()'s order too.
        assert_eq!(chain.to_json(), json, "{comment}");
        assert_eq!(
            hex_encode(&chain.root_public_key().to_der()),
            s(v, "root_public_key_der_hex")
        );
        // Every link's hash and signed bytes, as the library computed them
        // (for the invalid vectors these describe the links before tampering).
        let links_match = v["valid"].as_bool().unwrap();
        for (link, expected) in chain
            .delegations()
            .iter()
            .zip(v["links"].as_array().unwrap())
        {
            let d = link.delegation();
            if !links_match {
                continue;
            }
            assert_eq!(
                d.expiration_ns().to_string(),
                s(expected, "expiration_ns"),
                "{comment}"
            );
            assert_eq!(
                hex_encode(&d.representation_independent_hash()),
                s(expected, "representation_independent_hash_hex"),
                "{comment}"
            );
            assert_eq!(
                hex_encode(&d.signed_bytes()),
                s(expected, "signed_bytes_hex"),
                "{comment}"
            );
        }
        let target = chain_target(v);
        let result = chain.verify(NOW, target.as_ref());
        if v["valid"].as_bool().unwrap() {
            let verified = result.unwrap_or_else(|e| panic!("{comment}: {e}"));
            assert_eq!(verified.principal().to_text(), s(v, "root_principal"));
            assert_eq!(
                hex_encode(&verified.session_key().to_der()),
                s(v, "session_public_key_der_hex")
            );
            let min_exp = v["links"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| s(l, "expiration_ns").parse::<u64>().unwrap())
                .min()
                .unwrap();
            assert_eq!(verified.expiration_ns(), min_exp);
            assert_eq!(verified.restricted_to(), target.as_ref());
            valid += 1;

            // Expiry: valid through the expiration second, refused after.
            let last_ok = min_exp / 1_000_000_000;
            chain.verify(last_ok, target.as_ref()).unwrap();
            assert!(matches!(
                chain.verify(last_ok + 1, target.as_ref()).unwrap_err(),
                Error::Wallet(WalletError::IcpDelegationExpired { .. })
            ));
            // Far-future `now` does not overflow.
            assert!(chain.verify(u64::MAX, target.as_ref()).is_err());
            if target.is_some() {
                assert!(matches!(
                    chain.verify(NOW, None).unwrap_err(),
                    Error::Wallet(WalletError::IcpTargetRequired { .. })
                ));
                let other = Principal::from_text("aaaaa-aa").unwrap();
                assert!(matches!(
                    chain.verify(NOW, Some(&other)).unwrap_err(),
                    Error::Wallet(WalletError::IcpTargetNotAllowed { .. })
                ));
            }
        } else {
            assert_eq!(result.unwrap_err(), Error::InvalidSignature, "{comment}");
            invalid += 1;
        }
    }
    assert_eq!((valid, invalid), (6, 6));
}

// ---------------------------------------------------------------------------
// Chains built here: cycles, length limits, targets across links.

fn ed(seed: u8) -> (RootKey, IcpPublicKey) {
    let key = RootKey::from_bytes(&[seed; 32]);
    let public = IcpPublicKey::from_ed25519(key.public_key());
    (key, public)
}

fn link(
    signer: &RootKey,
    to: &IcpPublicKey,
    exp_s: u64,
    targets: Option<Vec<Principal>>,
) -> IcpSignedDelegation {
    let d = IcpDelegation::new(to.clone(), exp_s * 1_000_000_000, targets).unwrap();
    let sig = signer.dalek_sign(&d.signed_bytes()).to_bytes().to_vec();
    IcpSignedDelegation::new(d, sig)
}

#[test]
fn cycles_and_self_delegation_are_refused() {
    let (a, a_pub) = ed(1);
    let (b, b_pub) = ed(2);
    let exp = NOW + 60;
    let self_delegation =
        UnverifiedIcpDelegationChain::new(a_pub.clone(), vec![link(&a, &a_pub, exp, None)])
            .unwrap();
    assert_eq!(
        self_delegation.verify(NOW, None).unwrap_err(),
        Error::Wallet(WalletError::IcpDelegationCycle { index: 0 })
    );
    let back_to_root = UnverifiedIcpDelegationChain::new(
        a_pub.clone(),
        vec![link(&a, &b_pub, exp, None), link(&b, &a_pub, exp, None)],
    )
    .unwrap();
    assert_eq!(
        back_to_root.verify(NOW, None).unwrap_err(),
        Error::Wallet(WalletError::IcpDelegationCycle { index: 1 })
    );
}

#[test]
fn chain_length_limits() {
    let keys: Vec<_> = (1..=22).map(ed).collect();
    let exp = NOW + 60;
    let links: Vec<_> = keys
        .windows(2)
        .map(|w| link(&w[0].0, &w[1].1, exp, None))
        .collect();
    assert_eq!(links.len(), 21);
    let root = keys[0].1.clone();
    let twenty = UnverifiedIcpDelegationChain::new(root.clone(), links[..20].to_vec()).unwrap();
    let verified = twenty.verify(NOW, None).unwrap();
    assert_eq!(verified.session_key(), &keys[20].1);
    assert_eq!(
        UnverifiedIcpDelegationChain::new(root.clone(), links.clone()).unwrap_err(),
        Error::Wallet(WalletError::IcpChainTooLong { len: 21, max: 20 })
    );
    assert!(UnverifiedIcpDelegationChain::new(root.clone(), vec![]).is_err());
    // The same through JSON.
    let json = twenty.to_json();
    let longer = json.replacen(
        "{\"delegations\":[",
        &format!(
            "{{\"delegations\":[{},",
            serde_json::to_value(
                serde_json::from_str::<Value>(&json).unwrap()["delegations"][0].clone()
            )
            .unwrap()
        ),
        1,
    );
    assert_eq!(
        UnverifiedIcpDelegationChain::from_json(&longer).unwrap_err(),
        Error::Wallet(WalletError::IcpChainTooLong { len: 21, max: 20 })
    );
}

#[test]
fn targets_must_hold_in_every_link() {
    let (a, a_pub) = ed(1);
    let (b, b_pub) = ed(2);
    let (_, c_pub) = ed(3);
    let x = Principal::from_text("rrkah-fqaaa-aaaaa-aaaaq-cai").unwrap();
    let y = Principal::from_text("ryjl3-tyaaa-aaaaa-aaaba-cai").unwrap();
    let exp = NOW + 60;
    let chain = UnverifiedIcpDelegationChain::new(
        a_pub,
        vec![
            link(&a, &b_pub, exp, Some(vec![x, y])),
            link(&b, &c_pub, exp, Some(vec![y])),
        ],
    )
    .unwrap();
    assert_eq!(
        chain.verify(NOW, Some(&y)).unwrap().restricted_to(),
        Some(&y)
    );
    assert_eq!(
        chain.verify(NOW, Some(&x)).unwrap_err(),
        Error::Wallet(WalletError::IcpTargetNotAllowed { index: 1 })
    );
    // Empty targets allow nothing.
    let (a, a_pub) = ed(4);
    let none = UnverifiedIcpDelegationChain::new(a_pub, vec![link(&a, &b_pub, exp, Some(vec![]))])
        .unwrap();
    assert!(none.verify(NOW, Some(&x)).is_err());
    let round = UnverifiedIcpDelegationChain::from_json(&none.to_json()).unwrap();
    assert_eq!(round, none);
}

#[test]
fn strict_json() {
    let (a, a_pub) = ed(1);
    let (_, b_pub) = ed(2);
    let chain =
        UnverifiedIcpDelegationChain::new(a_pub, vec![link(&a, &b_pub, NOW + 60, None)]).unwrap();
    let json = chain.to_json();
    assert_eq!(
        UnverifiedIcpDelegationChain::from_json(&json).unwrap(),
        chain
    );
    let exp = format!("{:x}", (NOW + 60) * 1_000_000_000);
    let bad = [
        json.replace("\"publicKey\"", "\"publickey\""),
        json.replace("}],", "}],\"extra\":1,"),
        json.replace(&exp, &format!("0{exp}")),
        json.replace(&exp, &exp.to_uppercase()),
        json.replace(&exp, &format!("0x{exp}")),
        json.replace("\"pubkey\":\"302a", "\"pubkey\":\"302A"),
        json.replace("\"pubkey\":\"302a", "\"pubkey\":\"0302a"),
        json.replace(",\"signature\"", ",\"targets\":null,\"signature\""),
        json.replace("},\"signature\"", ",\"targets\":null},\"signature\""),
        json.replace("},\"signature\"", ",\"targets\":[\"zz\"]},\"signature\""),
        json.replace(
            "},\"signature\"",
            &format!(",\"targets\":[\"{}\"]}},\"signature\"", "00".repeat(30)),
        ),
        json.replace("{\"delegations\":[", "{\"delegations\":[],\"x\":["),
        json.replace("\"delegations\":[{", "\"delegations\":[]}"),
        format!("{json}{json}"),
        "{\"delegations\":[],\"publicKey\":\"\"}".into(),
        String::new(),
    ];
    for b in &bad {
        assert!(
            UnverifiedIcpDelegationChain::from_json(b).is_err(),
            "accepted: {b}"
        );
    }
    // Duplicate fields.
    let dup = json.replacen("\"publicKey\":", "\"publicKey\":\"00\",\"publicKey\":", 1);
    assert!(UnverifiedIcpDelegationChain::from_json(&dup).is_err());
    // Oversized input is refused before parsing.
    let huge = format!("{json}{}", " ".repeat(300 * 1024));
    assert!(UnverifiedIcpDelegationChain::from_json(&huge).is_err());
}

#[test]
fn canister_signature_chains_are_unsupported() {
    // An Internet Identity-shaped chain: the root key is a canister-signature
    // key (OID 1.3.6.1.4.1.56387.1.2); the seed and signature are made up.
    let mut bits = vec![10u8, 0, 0, 0, 0, 0, 0, 0, 7, 1, 1];
    bits.extend_from_slice(&[0x42; 32]);
    let mut der = vec![0x30, (17 + bits.len()) as u8, 0x30, 0x0c, 0x06, 0x0a];
    der.extend_from_slice(&[0x2b, 0x06, 0x01, 0x04, 0x01, 0x83, 0xb8, 0x43, 0x01, 0x02]);
    der.extend([0x03, (bits.len() + 1) as u8, 0x00]);
    der.extend(bits);
    let (_, session) = ed(9);
    let json = format!(
        "{{\"delegations\":[{{\"delegation\":{{\"expiration\":\"1a46e83335d50000\",\"pubkey\":\"{}\"}},\"signature\":\"{}\"}}],\"publicKey\":\"{}\"}}",
        hex_encode(&session.to_der()),
        "d9d9f7".repeat(40),
        hex_encode(&der)
    );
    assert_eq!(
        UnverifiedIcpDelegationChain::from_json(&json).unwrap_err(),
        Error::Wallet(WalletError::IcpCanisterSignature)
    );
    assert_eq!(
        IcpPublicKey::from_der(&der).unwrap_err(),
        Error::Wallet(WalletError::IcpCanisterSignature)
    );
}

// ---------------------------------------------------------------------------
// Published vectors.

#[test]
fn published_principal_text() {
    let Some(dir) = shared_vectors("icp") else {
        return;
    };
    let doc = read_json(&dir.join("principal_text.json"));
    for v in doc["valid"].as_array().unwrap() {
        let (text, bytes) = (s(v, "text"), hex(s(v, "bytes_hex")));
        assert_eq!(
            Principal::from_text(text).unwrap().as_slice(),
            bytes,
            "{text}"
        );
        assert_eq!(Principal::from_slice(&bytes).unwrap().to_text(), text);
    }
    // Upper/mixed case: the spec's case-insensitive parse accepts them; the
    // canonical (strict) parse does not.
    for v in doc["parse_only"].as_array().unwrap() {
        let text = s(v, "text");
        assert_eq!(
            Principal::from_text_ignore_case(text).unwrap().as_slice(),
            hex(s(v, "expected_bytes_hex")),
            "{text}"
        );
        assert!(Principal::from_text(text).is_err(), "{text}");
    }
    for v in doc["invalid"].as_array().unwrap() {
        let text = s(v, "text");
        assert!(
            Principal::from_text(text).is_err(),
            "{text}: {}",
            s(v, "reason")
        );
        assert!(Principal::from_text_ignore_case(text).is_err(), "{text}");
    }
}

#[test]
fn published_self_authenticating_principals() {
    let Some(dir) = shared_vectors("icp") else {
        return;
    };
    let doc = read_json(&dir.join("self_authenticating_principals.json"));
    for v in doc["vectors"].as_array().unwrap() {
        let der = hex(s(v, "der_public_key_hex"));
        let expected = hex(s(v, "principal_bytes_hex"));
        let principal = if der.is_empty() {
            Principal::self_authenticating(&der)
        } else {
            let key = IcpPublicKey::from_der(&der).unwrap();
            assert_eq!(key.key_type(), IcpKeyType::Secp256k1);
            assert_eq!(key.to_der(), der);
            assert_eq!(der[23..].to_vec(), hex(s(v, "raw_public_key_hex")));
            key.principal()
        };
        assert_eq!(principal.as_slice(), expected);
        assert_eq!(principal.to_text(), s(v, "principal_text"));
    }
}

#[test]
fn published_der_public_keys() {
    let Some(dir) = shared_vectors("icp") else {
        return;
    };
    let doc = read_json(&dir.join("der_public_keys.json"));
    let valid = doc["valid"].as_array().unwrap();
    assert_eq!(valid.len(), 8);
    for v in valid {
        let der = hex(s(v, "der_public_key_hex"));
        let key = IcpPublicKey::from_der(&der).unwrap_or_else(|e| panic!("{v}: {e}"));
        assert_eq!(key.to_der(), der);
        if let Some(raw) = v["raw_public_key_hex"].as_str() {
            let prefix_len = der.len() - raw.len() / 2;
            assert_eq!(der[prefix_len..].to_vec(), hex(raw));
        }
        if let Some(text) = v["principal_text_derived"].as_str() {
            assert_eq!(key.principal().to_text(), text);
        }
        let kind = s(v, "key_type");
        let expected = if kind.starts_with("p256") {
            IcpKeyType::P256
        } else if kind == "secp256k1" {
            IcpKeyType::Secp256k1
        } else {
            IcpKeyType::Ed25519
        };
        assert_eq!(key.key_type(), expected);
    }
    for v in doc["invalid"].as_array().unwrap() {
        let text = s(v, "der_hex");
        // Some are published with an odd number of hex digits: refused as
        // hex, and, read pairwise as the upstream test helper did, as DER.
        let even = &text[..text.len() - text.len() % 2];
        if even.len() != text.len() {
            assert!(hex_decode(text, "der").is_err());
        }
        assert!(
            IcpPublicKey::from_der(&hex(even)).is_err(),
            "{}",
            s(v, "reason")
        );
    }
}

#[test]
fn published_delegation_chain() {
    let Some(dir) = shared_vectors("icp") else {
        return;
    };
    let doc = read_json(&dir.join("delegation_chain_signatures.json"));
    let root = IcpPublicKey::from_der(&hex(s(&doc, "chain_public_key_der_hex"))).unwrap();
    assert_eq!(
        root.principal().to_text(),
        s(&doc, "chain_principal_text_derived")
    );
    let mut links = Vec::new();
    for v in doc["delegations"].as_array().unwrap() {
        let d = &v["delegation"];
        let exp = d["expiration_ns"].as_u64().unwrap();
        assert_eq!(format!("{exp:x}"), s(d, "expiration_hex"));
        let delegation = IcpDelegation::new(
            IcpPublicKey::from_der(&hex(s(d, "pubkey_der_hex"))).unwrap(),
            exp,
            None,
        )
        .unwrap();
        assert_eq!(
            hex_encode(&delegation.signed_bytes()),
            s(v, "derived_signed_message_hex")
        );
        let signer = IcpPublicKey::from_der(&hex(s(v, "signer_der_public_key_hex"))).unwrap();
        let signature = hex(s(v, "signature_hex"));
        assert_eq!(s(v, "expected"), "valid");
        signer
            .verify(&delegation.signed_bytes(), &signature)
            .unwrap();
        links.push(IcpSignedDelegation::new(delegation, signature));
    }
    // The two links form one chain from the published root key; it expired
    // at 2021-01-01T00:00:00Z.
    let chain = UnverifiedIcpDelegationChain::new(root.clone(), links).unwrap();
    let verified = chain.verify(1_609_459_200, None).unwrap();
    assert_eq!(verified.principal(), root.principal());
    assert!(matches!(
        chain.verify(1_609_459_201, None).unwrap_err(),
        Error::Wallet(WalletError::IcpDelegationExpired { index: 0, .. })
    ));
}

// ---------------------------------------------------------------------------
// The wallet verifier.

mod verifier {
    use super::*;
    use keytree::{
        AccountId, Chain, Expectations, IcpProof, IcpVerifier, SignerKey, WalletProof,
        WalletRegistry, WalletVerifier,
    };
    use sha2::{Digest, Sha256};

    const MESSAGE: &[u8] = b"keytree icp test message";

    #[test]
    fn accounts_are_canonical_principals() {
        let a: AccountId = "icp:mainnet:2vxsx-fae".parse().unwrap();
        assert_eq!(a.chain(), &Chain::Icp);
        assert_eq!(a, Principal::anonymous().account_id());
        for bad in [
            "icp:mainnet:2VXSX-FAE",
            "icp:mainnet:2vxsx-fa",
            "icp:mainnet:0vxsx-fae",
            "icp:testnet:2vxsx-fae",
            "icp:mainnet:",
        ] {
            assert!(bad.parse::<AccountId>().is_err(), "{bad}");
        }
    }

    #[test]
    fn direct_signatures_from_every_key_type() {
        let registry = WalletRegistry::with_defaults();
        assert!(registry.get(&Chain::Icp).is_some());
        let doc = read_json(&vectors_dir("icp").join("identities.json"));
        for v in doc["vectors"].as_array().unwrap() {
            let der = hex(s(v, "public_key_der_hex"));
            let account: AccountId = format!("icp:mainnet:{}", s(v, "principal"))
                .parse()
                .unwrap();
            let sig = v["signatures"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| s(x, "message_utf8") == "keytree icp test message")
                .unwrap();
            // The dfinity signatures verify with the IC's primitive…
            let key = IcpPublicKey::from_der(&der).unwrap();
            key.verify(MESSAGE, &hex(s(sig, "signature_hex")))
                .unwrap_or_else(|e| panic!("{}: {e}", s(v, "name")));
            // …but a signature over the server's bytes as given is not a
            // login: the login form signs IcpProof::signing_bytes(message).
            let proof: WalletProof = IcpProof::new(
                account.clone(),
                &der,
                MESSAGE.to_vec(),
                hex(s(sig, "signature_hex")),
            )
            .unwrap()
            .into();
            assert_eq!(proof.chain(), Chain::Icp);
            assert_eq!(
                registry
                    .verify(&proof, &Expectations::at(NOW).message(MESSAGE))
                    .unwrap_err(),
                Error::InvalidSignature,
                "{}",
                s(v, "name")
            );

            // Fail closed without the expected message; refuse another one.
            assert!(matches!(
                registry.verify(&proof, &Expectations::at(NOW)).unwrap_err(),
                Error::Wallet(WalletError::MissingExpectation("message"))
            ));
            assert_eq!(
                registry
                    .verify(&proof, &Expectations::at(NOW).message(b"other"))
                    .unwrap_err(),
                Error::Wallet(WalletError::MessageMismatch)
            );
        }
        // A login over the tagged wrapper, from an Ed25519 identity.
        let identity = RootKey::from_bytes(&[9; 32]);
        let der = IcpPublicKey::from_ed25519(identity.public_key()).to_der();
        let account = Principal::self_authenticating(&der).account_id();
        let login_sig = identity
            .dalek_sign(&IcpProof::signing_bytes(MESSAGE))
            .to_bytes()
            .to_vec();
        let proof: WalletProof =
            IcpProof::new(account.clone(), &der, MESSAGE.to_vec(), login_sig.clone())
                .unwrap()
                .into();
        let who = registry
            .verify(&proof, &Expectations::at(NOW).message(MESSAGE))
            .unwrap();
        assert_eq!(who.account, account);
        assert_eq!(who.signer, SignerKey::Der(der.clone()));
        // Another principal's account: valid signature, wrong account.
        let other = Principal::anonymous().account_id();
        let wrong: WalletProof = IcpProof::new(other, &der, MESSAGE.to_vec(), login_sig)
            .unwrap()
            .into();
        assert_eq!(
            registry
                .verify(&wrong, &Expectations::at(NOW).message(MESSAGE))
                .unwrap_err(),
            Error::Wallet(WalletError::AccountMismatch)
        );
        // A non-ICP account is refused at construction.
        let eth: AccountId = "eip155:1:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
            .parse()
            .unwrap();
        assert!(matches!(
            IcpProof::new(eth, &[], vec![], vec![]).unwrap_err(),
            Error::Wallet(WalletError::WrongChain { .. })
        ));
    }

    /// The session keys of delegations.json: sha256("keytree icp session key N").
    fn session_key(der_hex: &str) -> RootKey {
        (0..4)
            .map(|n| {
                let seed: [u8; 32] =
                    Sha256::digest(format!("keytree icp session key {n}").as_bytes()).into();
                RootKey::from_bytes(&seed)
            })
            .find(|k| hex_encode(&IcpPublicKey::from_ed25519(k.public_key()).to_der()) == der_hex)
            .expect("session key not derivable")
    }

    #[test]
    fn delegated_session_keys_sign_for_the_root_principal() {
        let doc = read_json(&vectors_dir("icp").join("delegations.json"));
        let registry = WalletRegistry::with_defaults();
        let mut checked = 0;
        for v in doc["vectors"].as_array().unwrap() {
            let comment = s(v, "comment");
            let session = session_key(s(v, "session_public_key_der_hex"));
            let account: AccountId = format!("icp:mainnet:{}", s(v, "root_principal"))
                .parse()
                .unwrap();
            let json = serde_json::to_string(&v["chain_json"]).unwrap();
            let signature = session
                .dalek_sign(&IcpProof::signing_bytes(MESSAGE))
                .to_bytes()
                .to_vec();
            let proof: WalletProof =
                IcpProof::from_delegation_json(account.clone(), &json, MESSAGE.to_vec(), signature)
                    .unwrap()
                    .into();
            let expect = Expectations::at(NOW).message(MESSAGE);
            let target = chain_target(v);
            let result = match &target {
                None => registry.verify(&proof, &expect),
                Some(t) => IcpVerifier::with_target(*t).verify(&proof, &expect),
            };
            if v["valid"].as_bool().unwrap() {
                let who = result.unwrap_or_else(|e| panic!("{comment}: {e}"));
                assert_eq!(who.account, account);
                assert_eq!(
                    who.signer,
                    SignerKey::Der(hex(s(v, "session_public_key_der_hex")))
                );
                if target.is_some() {
                    assert!(matches!(
                        registry.verify(&proof, &expect).unwrap_err(),
                        Error::Wallet(WalletError::IcpTargetRequired { .. })
                    ));
                }
                // The root key signing directly is not the session key.
                let expired = Expectations::at(4_000_000_000).message(MESSAGE);
                assert!(matches!(
                    IcpVerifier::with_target(target.unwrap_or(Principal::anonymous()))
                        .verify(&proof, &expired)
                        .unwrap_err(),
                    Error::Wallet(WalletError::IcpDelegationExpired { .. })
                ));
                checked += 1;
            } else {
                assert_eq!(result.unwrap_err(), Error::InvalidSignature, "{comment}");
            }
        }
        assert_eq!(checked, 6);
    }

    #[test]
    fn icp_rooted_keytree_delegations() {
        use k256::ecdsa::signature::Signer as _;
        use keytree::{ContextId, Delegation, DelegationError};
        let wallets = WalletRegistry::with_defaults();
        let now = 1_736_942_400;
        let unsigned = |issuer: AccountId| {
            let client = RootKey::from_bytes(&[3; 32]).public_key();
            Delegation::builder(
                client,
                ContextId::from_bytes([7; 32]),
                crate::common::perms(&["context:execute"]),
            )
            .valid_between(now - 10, now + 3600)
            .serial([5; 16])
            .for_wallet(issuer)
            .unwrap()
        };
        // Ed25519 identity.
        let (root, root_pub) = ed(8);
        let u = unsigned(root_pub.principal().account_id());
        let sig = root.dalek_sign(u.statement().as_bytes());
        let d = u
            .finish(IcpProof::statement_signature(&root_pub, sig.as_bytes()))
            .unwrap()
            .verify_signature_with_wallets(&wallets)
            .unwrap();
        d.verify_with_wallets(&wallets, now).unwrap();
        assert_eq!(
            d.verify(now).unwrap_err(),
            Error::Delegation(DelegationError::UnsupportedIssuer)
        );
        // secp256k1 identity (ECDSA over SHA-256 of the statement, low-S).
        let sk = k256::ecdsa::SigningKey::from_slice(&[0x44; 32]).unwrap();
        let key = IcpPublicKey::from_secp256k1(*sk.verifying_key());
        assert_eq!(IcpPublicKey::from_der(&key.to_der()).unwrap(), key);
        let u = unsigned(key.principal().account_id());
        let sig: k256::ecdsa::Signature = sk.sign(u.statement().as_bytes());
        let stored = IcpProof::statement_signature(&key, &sig.to_bytes());
        let d = u
            .finish(stored.clone())
            .unwrap()
            .verify_signature_with_wallets(&wallets)
            .unwrap();
        d.verify_with_wallets(&wallets, now).unwrap();
        // The same signature under another identity's account: the
        // statement names the issuer, so it no longer verifies.
        let u = unsigned(root_pub.principal().account_id());
        assert_eq!(
            u.finish(stored)
                .unwrap()
                .verify_signature_with_wallets(&wallets)
                .unwrap_err(),
            Error::InvalidSignature
        );
    }

    #[test]
    fn session_signature_by_another_key_is_refused() {
        let (root, root_pub) = ed(1);
        let (_, session_pub) = ed(2);
        let (intruder, _) = ed(3);
        let chain = UnverifiedIcpDelegationChain::new(
            root_pub.clone(),
            vec![link(&root, &session_pub, NOW + 60, None)],
        )
        .unwrap();
        let account = root_pub.principal().account_id();
        let expect = Expectations::at(NOW).message(MESSAGE);
        let by_intruder = IcpProof::with_delegation(
            account.clone(),
            chain.clone(),
            MESSAGE.to_vec(),
            intruder
                .dalek_sign(&IcpProof::signing_bytes(MESSAGE))
                .to_bytes()
                .to_vec(),
        )
        .unwrap();
        assert_eq!(
            IcpVerifier::new()
                .verify(&by_intruder.into(), &expect)
                .unwrap_err(),
            Error::InvalidSignature
        );
        // The root's own signature does not stand in for the session key's.
        let by_root = IcpProof::with_delegation(
            account,
            chain,
            MESSAGE.to_vec(),
            root.dalek_sign(&IcpProof::signing_bytes(MESSAGE))
                .to_bytes()
                .to_vec(),
        )
        .unwrap();
        assert_eq!(
            IcpVerifier::new()
                .verify(&by_root.into(), &expect)
                .unwrap_err(),
            Error::InvalidSignature
        );
    }
}
