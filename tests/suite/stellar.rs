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
                    other => other.to_payload().to_vec(),
                };
                if ok {
                    assert_eq!(keytree::hex_encode(&bytes), raw);
                }
            }
        }
    }
}

/// The raw bytes a published `valid` entry names for its strkey.
fn published_raw(v: &serde_json::Value) -> Vec<u8> {
    let hex = |k: &str| keytree::hex_decode(v[k].as_str().unwrap(), "vector").unwrap();
    match v["variant"].as_str().unwrap() {
        "MuxedAccountEd25519" => [
            hex("ed25519_hex"),
            v["id"].as_u64().unwrap().to_be_bytes().to_vec(),
        ]
        .concat(),
        "SignedPayloadEd25519" => {
            let payload = hex("payload_hex");
            let mut raw = hex("ed25519_hex");
            raw.extend_from_slice(&(payload.len() as u32).to_be_bytes());
            raw.extend_from_slice(&payload);
            raw.resize(raw.len() + (4 - payload.len() % 4) % 4, 0);
            raw
        }
        "ClaimableBalance" => [vec![0], hex("claimable_balance_v0_hex")].concat(),
        _ => hex("raw_hex"),
    }
}

fn variant_prefix(variant: &str) -> char {
    match variant {
        "PublicKeyEd25519" => 'G',
        "PrivateKeyEd25519" => 'S',
        "MuxedAccountEd25519" => 'M',
        "PreAuthTx" => 'T',
        "HashX" => 'X',
        "SignedPayloadEd25519" => 'P',
        "Contract" => 'C',
        "LiquidityPool" => 'L',
        "ClaimableBalance" => 'B',
        other => panic!("unknown variant {other}"),
    }
}

/// rs-stellar-strkey's test cases and SEP-23's own list: every kind
/// decodes to the published bytes and re-encodes to the same text; every
/// invalid string is refused.
#[test]
fn strkey_published_vectors() {
    let Some(dir) = shared_vectors("stellar") else {
        return;
    };
    let doc = read_json(&dir.join("strkey.json"));
    for v in doc["valid"].as_array().unwrap() {
        let text = v["strkey"].as_str().unwrap();
        let variant = v["variant"].as_str().unwrap();
        let k = Strkey::decode(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(k.prefix(), variant_prefix(variant), "{text}");
        assert_eq!(k.to_payload().as_slice(), published_raw(v), "{text}");
        assert_eq!(k.encode().as_str(), text);
        assert_eq!(
            Strkey::from_payload(k.version_byte(), &k.to_payload()).unwrap(),
            k
        );
    }
    for v in doc["invalid"].as_array().unwrap() {
        let text = v["strkey"].as_str().unwrap();
        assert!(
            Strkey::decode(text).is_err(),
            "{text} accepted: {}",
            v["comment"]
        );
    }
    let spec = read_json(&dir.join("sep0023_strkey_spec.json"));
    for s in spec["valid_strkeys"].as_array().unwrap() {
        let s = s.as_str().unwrap();
        assert_eq!(Strkey::decode(s).unwrap().encode().as_str(), s);
    }
    for s in spec["invalid_strkeys"].as_array().unwrap() {
        assert!(Strkey::decode(s.as_str().unwrap()).is_err(), "{s}");
    }
}

/// Every kind, made by @stellar/stellar-base (tests/vectors/stellar/
/// strkey_kinds.json), with negatives per kind; stricter than
/// stellar-base where SEP-23 is (P padding and length prefix, B type).
#[test]
fn strkey_kinds_library_vectors() {
    let doc = read_json(&vectors_dir("stellar").join("strkey_kinds.json"));
    let (mut valid, mut invalid, mut lax) = (0, 0, 0);
    for v in doc["vectors"].as_array().unwrap() {
        let text = v["strkey"].as_str().unwrap();
        let kind = v["kind"].as_str().unwrap().chars().next().unwrap();
        let comment = v["comment"].as_str().unwrap();
        if v["valid"].as_bool().unwrap() {
            let k = Strkey::decode(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(k.prefix(), kind, "{text}");
            assert_eq!(
                u64::from(k.version_byte()),
                v["version_byte"].as_u64().unwrap()
            );
            assert_eq!(
                keytree::hex_encode(&k.to_payload()),
                v["raw_hex"].as_str().unwrap()
            );
            assert_eq!(k.encode().as_str(), text);
            if let Strkey::SignedPayload(p) = &k
                && let Some(payload) = v["payload_hex"].as_str()
            {
                assert_eq!(keytree::hex_encode(p.payload()), payload);
                assert_eq!(
                    keytree::hex_encode(p.key()),
                    v["ed25519_hex"].as_str().unwrap()
                );
            }
            if let (Strkey::ClaimableBalance(id), Some(hex)) = (&k, v["balance_id_hex"].as_str()) {
                assert_eq!(&keytree::hex_encode(id), hex);
            }
            // Only G names a login account; C has its own refusal.
            let account = format!("stellar:pubnet:{text}").parse::<AccountId>();
            match kind {
                'G' => assert!(account.is_ok()),
                'C' => assert_eq!(
                    account.unwrap_err(),
                    Error::Wallet(WalletError::StellarContractAccount)
                ),
                _ => assert!(account.is_err()),
            }
            valid += 1;
        } else {
            if kind == 'G' {
                // A valid strkey of another kind given as an account.
                assert!(
                    format!("stellar:pubnet:{text}")
                        .parse::<AccountId>()
                        .is_err()
                );
            } else {
                let err = Strkey::decode(text)
                    .map(|k| k.prefix())
                    .expect_err(&format!("{text} accepted: {comment}"));
                if comment.starts_with("bad checksum") {
                    assert_eq!(
                        err,
                        Error::Decode {
                            what: "stellar strkey",
                            reason: keytree::DecodeReason::Checksum("crc16-xmodem")
                        },
                        "{comment}"
                    );
                    assert!(err.to_string().contains("checksum"));
                }
            }
            lax += usize::from(v["stellar_base"]["accepts"].as_bool().unwrap());
            invalid += 1;
        }
    }
    assert!(
        valid >= 30 && invalid >= 50,
        "{valid} valid, {invalid} invalid"
    );
    // The cases where stellar-base is laxer than SEP-23 are still there.
    assert_eq!(lax, 5);
}

/// A contract address is refused as a login account with its own error,
/// and the error names what is wrong.
#[test]
fn contract_address_is_not_an_account() {
    let c = "CA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUWDA";
    let err = format!("stellar:pubnet:{c}")
        .parse::<AccountId>()
        .unwrap_err();
    assert_eq!(err, Error::Wallet(WalletError::StellarContractAccount));
    assert!(err.to_string().contains("contract"), "{err}");
    let proof_err = AccountId::new(keytree::Chain::Stellar, "testnet", c).unwrap_err();
    assert_eq!(proof_err, err);
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
