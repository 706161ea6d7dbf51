//! Stellar strkeys and SEP-53: vectors from @stellar/stellar-base
//! (tests/vectors/stellar) and published ones (../shared/vectors/stellar).

use base64::Engine as _;
use keytree::{AccountId, Error, Expectations, StellarProof, Strkey, WalletError, WalletRegistry};

use crate::common::{read_json, shared_vectors, vectors_dir};

fn message(v: &serde_json::Value) -> Vec<u8> {
    if let Some(t) = v["message"].as_str().or(v["message_utf8"].as_str()) {
        return t.as_bytes().to_vec();
    }
    base64::engine::general_purpose::STANDARD
        .decode(v["message_base64"].as_str().unwrap())
        .unwrap()
}

fn verify(address: &str, msg: &[u8], sig: &str) -> keytree::Result<keytree::VerifiedAccount> {
    let account: AccountId = format!("stellar:pubnet:{address}").parse()?;
    let proof = StellarProof::new(account, msg, sig)?;
    WalletRegistry::with_defaults().verify(&proof.into(), &Expectations::at(0).message(msg))
}

fn kind_matches(k: &Strkey, kind: &str) -> bool {
    matches!(
        (k, kind),
        (
            Strkey::Account(_),
            "ed25519_public_key" | "PublicKeyEd25519"
        ) | (Strkey::Seed(_), "ed25519_secret_seed" | "PrivateKeyEd25519")
            | (
                Strkey::Muxed { .. },
                "med25519_public_key" | "MuxedAccountEd25519"
            )
    )
}

#[test]
fn sep53_library_vectors() {
    let doc = read_json(&vectors_dir("stellar").join("sep53.json"));
    for v in doc["vectors"].as_array().unwrap() {
        let msg = message(v);
        assert_eq!(
            keytree::hex_encode(&keytree::sep53_hash(&msg)),
            v["hash_hex"].as_str().unwrap()
        );
        let got = verify(
            v["account"].as_str().unwrap(),
            &msg,
            v["signature"].as_str().unwrap(),
        );
        assert_eq!(
            got.is_ok(),
            v["valid"].as_bool().unwrap(),
            "{}: {got:?}",
            v["comment"]
        );
    }
}

#[test]
fn sep53_published_vectors() {
    let Some(dir) = shared_vectors("stellar") else {
        return;
    };
    let doc = read_json(&dir.join("sep0053_sign_message.json"));
    for v in doc["vectors"].as_array().unwrap() {
        let msg = message(v);
        verify(
            v["address"].as_str().unwrap(),
            &msg,
            v["signature_base64"].as_str().unwrap(),
        )
        .unwrap_or_else(|e| panic!("{}: {e}", v["title"]));
        // The seed decodes and derives the address.
        let Strkey::Seed(seed) = Strkey::decode(v["seed"].as_str().unwrap()).unwrap() else {
            panic!()
        };
        let pk = keytree::RootKey::from_bytes(&seed).public_key();
        assert_eq!(
            Strkey::Account(pk.to_bytes()).encode().as_str(),
            v["address"].as_str().unwrap()
        );
    }
}

#[test]
fn strkey_library_vectors() {
    let doc = read_json(&vectors_dir("stellar").join("strkeys.json"));
    for v in doc["vectors"].as_array().unwrap() {
        let text = v["strkey"].as_str().unwrap();
        let kind = v["kind"].as_str().unwrap();
        let got = Strkey::decode(text);
        let ok = got.as_ref().is_ok_and(|k| kind_matches(k, kind));
        assert_eq!(
            ok,
            v["valid"].as_bool().unwrap(),
            "{text} ({kind}): {}",
            v["comment"]
        );
        if let Ok(k) = got {
            assert_eq!(k.encode().as_str(), text);
            if let Some(raw) = v["raw_hex"].as_str() {
                let bytes = match &k {
                    Strkey::Account(b) => b.to_vec(),
                    Strkey::Seed(s) => s.to_vec(),
                    Strkey::Muxed { key, id } => [key.as_slice(), &id.to_be_bytes()].concat(),
                    _ => unreachable!(),
                };
                if ok {
                    assert_eq!(keytree::hex_encode(&bytes), raw);
                }
            }
        }
    }
}

#[test]
fn strkey_published_vectors() {
    let Some(dir) = shared_vectors("stellar") else {
        return;
    };
    let doc = read_json(&dir.join("strkey.json"));
    for v in doc["valid"].as_array().unwrap() {
        let text = v["strkey"].as_str().unwrap();
        let variant = v["variant"].as_str().unwrap();
        if !matches!(
            variant,
            "PublicKeyEd25519" | "PrivateKeyEd25519" | "MuxedAccountEd25519"
        ) {
            // keytree decodes G, S and M only; other kinds are refused.
            assert!(Strkey::decode(text).is_err(), "{text}");
            continue;
        }
        let k = Strkey::decode(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert!(kind_matches(&k, variant));
        assert_eq!(k.encode().as_str(), text);
    }
    for v in doc["invalid"].as_array().unwrap() {
        let text = v["strkey"].as_str().unwrap();
        let f = v["test_fn"].as_str().unwrap_or("");
        // An "invalid" case is about the kind its test function expects; a
        // string may be a valid strkey of another kind (then that kind is what decodes).
        match Strkey::decode(text) {
            Err(_) => {}
            Ok(k) => {
                let wanted = if f.contains("public_key") && !f.contains("muxed") {
                    "PublicKeyEd25519"
                } else if f.contains("private") || f.contains("seed") {
                    "PrivateKeyEd25519"
                } else {
                    "MuxedAccountEd25519"
                };
                assert!(
                    !kind_matches(&k, wanted),
                    "{text} accepted for {f}: {}",
                    v["comment"]
                );
            }
        }
    }
    let spec = read_json(&dir.join("sep0023_strkey_spec.json"));
    for s in spec["valid_strkeys"].as_array().unwrap() {
        let s = s.as_str().unwrap();
        if s.starts_with(['G', 'M', 'S']) {
            assert_eq!(Strkey::decode(s).unwrap().encode().as_str(), s);
        }
    }
    for s in spec["invalid_strkeys"].as_array().unwrap() {
        assert!(Strkey::decode(s.as_str().unwrap()).is_err(), "{s}");
    }
}

#[test]
fn negative_cases() {
    let doc = read_json(&vectors_dir("stellar").join("sep53.json"));
    let v = &doc["vectors"][0];
    let (addr, sig, msg) = (
        v["account"].as_str().unwrap(),
        v["signature"].as_str().unwrap(),
        message(v),
    );
    verify(addr, &msg, sig).unwrap();
    assert_eq!(
        verify(addr, b"Hello, World?", sig).unwrap_err(),
        Error::InvalidSignature
    );
    let account: AccountId = format!("stellar:pubnet:{addr}").parse().unwrap();
    let proof = StellarProof::new(account, &msg, sig).unwrap();
    assert_eq!(
        WalletRegistry::with_defaults()
            .verify(&proof.into(), &Expectations::at(0).message(b"x"))
            .unwrap_err(),
        Error::Wallet(WalletError::MessageMismatch)
    );
    assert!(
        format!("stellar:pubnet:{}", addr.to_lowercase())
            .parse::<AccountId>()
            .is_err()
    );
    assert!(
        "stellar:mainnet:GBXFXNDLV4LSWA4VB7YIL5GBD7BVNR22SGBTDKMO2SBZZHDXSKZYCP7L"
            .parse::<AccountId>()
            .is_err()
    );
    let mut bad = addr.to_owned();
    bad.replace_range(55..56, if addr.ends_with('A') { "B" } else { "A" });
    assert!(
        format!("stellar:pubnet:{bad}")
            .parse::<AccountId>()
            .is_err()
    );
}
