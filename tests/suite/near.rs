//! NEAR NEP-413: vectors from near-api-js/@near-js/crypto/borsh
//! (tests/vectors/near) and published ones (../shared/vectors/near).

use base64::Engine as _;
use keytree::{
    AccessKeyPermission, AccessKeyResolver, AccountId, Error, Expectations, NearProof,
    NearVerifier, Nep413Payload, PublicKey, WalletError, WalletProof, WalletRegistry,
    WalletVerifier,
};

use crate::common::{read_json, shared_vectors, vectors_dir};

fn b64(s: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}

fn nonce(s: &str) -> [u8; 32] {
    b64(s).try_into().unwrap()
}

/// Resolves every key of `alice.testnet`/`round-toad.testnet` from a fixed table.
struct Table(Vec<(String, PublicKey, AccessKeyPermission)>);

impl AccessKeyResolver for Table {
    fn access_key(
        &self,
        account: &AccountId,
        key: &PublicKey,
    ) -> keytree::Result<Option<AccessKeyPermission>> {
        Ok(self
            .0
            .iter()
            .find(|(a, k, _)| a == account.address() && k == key)
            .map(|(_, _, p)| *p))
    }
}

fn verify_vector(
    v: &serde_json::Value,
    verifier: &dyn WalletVerifier,
) -> keytree::Result<keytree::VerifiedAccount> {
    let account: AccountId =
        format!("near:testnet:{}", v["account_id"].as_str().unwrap()).parse()?;
    let payload = Nep413Payload::new(
        v["message"].as_str().unwrap(),
        nonce(v["nonce"].as_str().unwrap()),
        v["recipient"].as_str().unwrap(),
        v["callback_url"].as_str().map(str::to_owned),
    );
    let msg = payload.message.clone();
    let n = payload.nonce;
    let recipient = payload.recipient.clone();
    let cb = payload.callback_url.clone();
    let proof = NearProof::new(
        account,
        v["public_key"].as_str().unwrap(),
        payload,
        v["signature"].as_str().unwrap(),
    )?;
    let mut e = Expectations::at(0)
        .message(msg.as_bytes())
        .domain(&recipient)
        .nonce(&n);
    if let Some(cb) = &cb {
        e = e.callback_url(cb);
    }
    verifier.verify(&WalletProof::from(proof), &e)
}

#[test]
fn nep413_library_vectors() {
    let doc = read_json(&vectors_dir("near").join("nep413.json"));
    let mut table = Vec::new();
    for v in doc["vectors"].as_array().unwrap() {
        let key: PublicKey = v["public_key"].as_str().unwrap().parse().unwrap();
        table.push((
            v["account_id"].as_str().unwrap().to_owned(),
            key,
            AccessKeyPermission::FullAccess,
        ));
    }
    let verifier = NearVerifier::new().with_access_keys(Table(table));
    for v in doc["vectors"].as_array().unwrap() {
        // The payload bytes and hash are recomputed from the claimed fields.
        let payload = Nep413Payload::new(
            v["message"].as_str().unwrap(),
            nonce(v["nonce"].as_str().unwrap()),
            v["recipient"].as_str().unwrap(),
            v["callback_url"].as_str().map(str::to_owned),
        );
        assert_eq!(
            keytree::hex_encode(&payload.to_borsh()),
            v["payload_borsh_hex"].as_str().unwrap()
        );
        assert_eq!(
            keytree::hex_encode(&payload.hash()),
            v["payload_sha256_hex"].as_str().unwrap()
        );
        assert_eq!(
            Nep413Payload::from_borsh(&payload.to_borsh()).unwrap(),
            payload
        );
        let got = verify_vector(v, &verifier);
        assert_eq!(
            got.is_ok(),
            v["valid"].as_bool().unwrap(),
            "{}: {got:?}",
            v["comment"]
        );
    }
    // Without a resolver, the named account is refused clearly; implicit ones still pass.
    let plain = NearVerifier::new();
    for v in doc["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["valid"] == true)
    {
        let got = verify_vector(v, &plain);
        if v["account_id"].as_str().unwrap().len() == 64 {
            got.unwrap();
        } else {
            assert_eq!(
                got.unwrap_err(),
                Error::Wallet(WalletError::NoAccessKeyResolver)
            );
        }
    }
}

#[test]
fn nep413_published_vectors() {
    let Some(dir) = shared_vectors("near") else {
        return;
    };
    let doc = read_json(&dir.join("nep413.json"));
    for v in doc["signatures"].as_array().unwrap() {
        let account: AccountId = format!("near:testnet:{}", v["accountId"].as_str().unwrap())
            .parse()
            .unwrap();
        let payload = Nep413Payload::new(
            v["message"].as_str().unwrap(),
            nonce(v["nonce_base64"].as_str().unwrap()),
            v["recipient"].as_str().unwrap(),
            v["callbackUrl"].as_str().map(str::to_owned),
        );
        if let Some(h) = v["derived_sha256_hex"].as_str() {
            assert_eq!(keytree::hex_encode(&payload.hash()), h);
        }
        let key: PublicKey = v["publicKey"].as_str().unwrap().parse().unwrap();
        let n = payload.nonce;
        let (msg, rcpt, cb) = (
            payload.message.clone(),
            payload.recipient.clone(),
            payload.callback_url.clone(),
        );
        let proof = NearProof::new(
            account.clone(),
            v["publicKey"].as_str().unwrap(),
            payload,
            v["signature_base64"].as_str().unwrap(),
        )
        .unwrap();
        let verifier = NearVerifier::new().with_access_keys(Table(vec![(
            account.address().to_owned(),
            key,
            AccessKeyPermission::FullAccess,
        )]));
        let mut e = Expectations::at(0)
            .message(msg.as_bytes())
            .domain(&rcpt)
            .nonce(&n);
        if let Some(cb) = &cb {
            e = e.callback_url(cb);
        }
        verifier
            .verify(&proof.into(), &e)
            .unwrap_or_else(|err| panic!("{}: {err}", v["id"]));
    }
    for v in doc["payload_hash_vectors"].as_array().unwrap() {
        let payload = Nep413Payload::new(
            v["message"].as_str().unwrap(),
            nonce(v["nonce_base64"].as_str().unwrap()),
            v["recipient"].as_str().unwrap(),
            v["callbackUrl"].as_str().map(str::to_owned),
        );
        let expected: Vec<u8> = v
            .as_object()
            .unwrap()
            .iter()
            .find(|(k, val)| k.contains("sha256") && val.is_array())
            .map(|(_, val)| {
                val.as_array()
                    .unwrap()
                    .iter()
                    .map(|b| b.as_u64().unwrap() as u8)
                    .collect()
            })
            .or_else(|| {
                v["expected_sha256_hex"]
                    .as_str()
                    .map(|h| keytree::hex_decode(h, "h").unwrap())
            })
            .expect("published hash");
        assert_eq!(payload.hash().to_vec(), expected);
    }
}

#[test]
fn near_keys_and_implicit_accounts() {
    let Some(dir) = shared_vectors("near") else {
        return;
    };
    let doc = read_json(&dir.join("keys_and_signatures.json"));
    for v in doc["public_keys"].as_array().unwrap() {
        let text = v["public_key_string"].as_str().unwrap();
        let got = keytree::parse_near_public_key(text);
        // keytree accepts exactly `ed25519:<base58>` of a valid, non-weak point:
        // unprefixed keys (which near-api-js accepts) and secp256k1 keys are refused.
        // Some published "valid" keys are arbitrary bytes that decode to a
        // curve point with a torsion (small-order) component; keytree
        // refuses those mixed-order points wherever a key enters.
        let prime_order = || {
            let raw = keytree::base58_decode_array::<32>(&text["ed25519:".len()..], "k").ok()?;
            let point = ed25519_dalek::VerifyingKey::from_bytes(&raw).ok()?;
            Some(point.to_edwards().is_torsion_free())
        };
        let expect_ok = v["expected"] == "valid"
            && v["key_type"] == "ed25519"
            && text.starts_with("ed25519:")
            && prime_order() == Some(true);
        assert_eq!(got.is_ok(), expect_ok, "{text}: {got:?}");
        if let (Ok(key), Some(implicit)) = (got, v["near_implicit_account_id"].as_str()) {
            assert_eq!(keytree::hex_encode(key.as_bytes()), implicit);
        }
    }
    let ids = read_json(&dir.join("implicit_account_ids.json"));
    for id in ids["near_implicit_valid"].as_array().unwrap() {
        format!("near:mainnet:{}", id.as_str().unwrap())
            .parse::<AccountId>()
            .unwrap();
    }
    for id in ids["near_implicit_invalid"].as_array().unwrap() {
        let id = id.as_str().unwrap();
        // Not implicit; it may still be a valid *named* account id (e.g. 63 hex digits).
        if let Ok(a) = format!("near:mainnet:{id}").parse::<AccountId>() {
            let a = a.address();
            assert!(
                !(a.len() == 64 && a.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))),
                "{id}"
            );
        }
    }
}

#[test]
fn negative_cases() {
    let doc = read_json(&vectors_dir("near").join("nep413.json"));
    let v = &doc["vectors"][0];
    let account: AccountId = format!("near:mainnet:{}", v["account_id"].as_str().unwrap())
        .parse()
        .unwrap();
    let n = nonce(v["nonce"].as_str().unwrap());
    let cb = v["callback_url"].as_str().unwrap();
    let payload = Nep413Payload::new("hi", n, "myapp.com", Some(cb.to_owned()));
    let key = v["public_key"].as_str().unwrap();
    let sig = v["signature"].as_str().unwrap();
    let proof: WalletProof = NearProof::new(account.clone(), key, payload, sig)
        .unwrap()
        .into();
    let r = WalletRegistry::with_defaults();
    let good = Expectations::at(0)
        .message(b"hi")
        .domain("myapp.com")
        .nonce(&n)
        .callback_url(cb);
    r.verify(&proof, &good).unwrap();
    let mut wrong_nonce = n;
    wrong_nonce[0] ^= 1;
    assert_eq!(
        r.verify(&proof, &tweak(good, |e| e.nonce = Some(&wrong_nonce)))
            .unwrap_err(),
        Error::Wallet(WalletError::NonceMismatch)
    );
    assert!(matches!(
        r.verify(&proof, &tweak(good, |e| e.domain = Some("evil.com")))
            .unwrap_err(),
        Error::Wallet(WalletError::DomainMismatch { .. })
    ));
    assert_eq!(
        r.verify(&proof, &tweak(good, |e| e.callback_url = None))
            .unwrap_err(),
        Error::Wallet(WalletError::CallbackUrlMismatch)
    );
    assert_eq!(
        r.verify(&proof, &tweak(good, |e| e.message = Some(b"ho")))
            .unwrap_err(),
        Error::Wallet(WalletError::MessageMismatch)
    );
    assert_eq!(
        r.verify(&proof, &tweak(good, |e| e.nonce = None))
            .unwrap_err(),
        Error::Wallet(WalletError::MissingExpectation("nonce"))
    );
    // Wrong account: another implicit account.
    let other: AccountId = format!("near:mainnet:{}", "ab".repeat(32)).parse().unwrap();
    let payload = Nep413Payload::new("hi", n, "myapp.com", Some(cb.to_owned()));
    let p2: WalletProof = NearProof::new(other, key, payload.clone(), sig)
        .unwrap()
        .into();
    assert_eq!(
        r.verify(&p2, &good).unwrap_err(),
        Error::Wallet(WalletError::AccountMismatch)
    );
    // Function-call keys only count when allowed.
    let named: AccountId = "near:mainnet:alice.near".parse().unwrap();
    let pk: PublicKey = key.parse().unwrap();
    let p3: WalletProof = NearProof::new(named.clone(), key, payload, sig)
        .unwrap()
        .into();
    let fc = Table(vec![(
        "alice.near".into(),
        pk,
        AccessKeyPermission::FunctionCall,
    )]);
    assert_eq!(
        NearVerifier::new()
            .with_access_keys(fc)
            .verify(&p3, &good)
            .unwrap_err(),
        Error::Wallet(WalletError::FunctionCallKey)
    );
    let fc = Table(vec![(
        "alice.near".into(),
        pk,
        AccessKeyPermission::FunctionCall,
    )]);
    NearVerifier::new()
        .with_access_keys(fc)
        .allow_function_call_keys()
        .verify(&p3, &good)
        .unwrap();
    assert_eq!(
        NearVerifier::new()
            .with_access_keys(Table(vec![]))
            .verify(&p3, &good)
            .unwrap_err(),
        Error::Wallet(WalletError::UnknownAccessKey)
    );
    // Bad encodings.
    let payload = Nep413Payload::new("hi", n, "myapp.com", None);
    assert!(NearProof::new(account.clone(), "ed25519:0OIl", payload.clone(), sig).is_err());
    assert!(NearProof::new(account.clone(), key, payload.clone(), "not base64!").is_err());
    assert!(
        NearProof::new(
            account.clone(),
            key.trim_start_matches("ed25519:"),
            payload.clone(),
            sig
        )
        .is_err()
    );
    assert!(
        NearProof::new(
            "eip155:1:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
                .parse()
                .unwrap(),
            key,
            payload,
            sig
        )
        .is_err()
    );
    assert!(Nep413Payload::from_borsh(&[0x9d, 0x01, 0x00, 0x80]).is_err());
}

fn tweak<'a>(mut e: Expectations<'a>, f: impl FnOnce(&mut Expectations<'a>)) -> Expectations<'a> {
    f(&mut e);
    e
}
