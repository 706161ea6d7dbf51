//! Ethereum: EIP-191, EIP-55 and SIWE vectors from real libraries
//! (tests/vectors/{ethereum,siwe}) and published ones (../shared/vectors/ethereum).

use keytree::{
    AccountId, Error, EthereumProof, Expectations, SiweMessage, WalletError, WalletRegistry,
    eip55_is_valid, parse_eth_address,
};

use crate::common::{read_json, shared_vectors, vectors_dir};

fn registry() -> WalletRegistry {
    WalletRegistry::with_defaults()
}

fn message_bytes(v: &serde_json::Value) -> Vec<u8> {
    if let Some(t) = v["message"].as_str().or(v["message_utf8"].as_str()) {
        return t.as_bytes().to_vec();
    }
    let hex = v["message_hex"].as_str().unwrap();
    keytree::hex_decode(hex.strip_prefix("0x").unwrap_or(hex), "m").unwrap()
}

fn personal_sign(
    address: &str,
    msg: &[u8],
    sig: &str,
) -> keytree::Result<keytree::VerifiedAccount> {
    let account: AccountId = format!("eip155:1:{address}").parse()?;
    let proof = EthereumProof::personal_sign(account, msg, sig)?;
    registry().verify(&proof.into(), &Expectations::at(0).message(msg))
}

#[test]
fn eip191_library_vectors() {
    let doc = read_json(&vectors_dir("ethereum").join("eip191.json"));
    let mut n = 0;
    for v in doc["vectors"].as_array().unwrap() {
        let msg = message_bytes(v);
        let got = personal_sign(
            v["address"].as_str().unwrap(),
            &msg,
            v["signature"].as_str().unwrap(),
        );
        assert_eq!(
            got.is_ok(),
            v["valid"].as_bool().unwrap(),
            "{}: {got:?}",
            v["comment"]
        );
        if let Some(h) = v["eip191_hash"].as_str() {
            assert_eq!(
                format!("0x{}", keytree::hex_encode(&keytree::eip191_hash(&msg))),
                h
            );
        }
        n += 1;
    }
    assert!(n >= 60);
}

#[test]
fn eip55_library_vectors() {
    let doc = read_json(&vectors_dir("ethereum").join("eip55.json"));
    for v in doc["vectors"].as_array().unwrap() {
        let input = v["input"].as_str().unwrap();
        let valid = v["valid"].as_bool().unwrap();
        let parsed = parse_eth_address(input);
        assert_eq!(parsed.is_ok(), valid, "{input}: {}", v["comment"]);
        if let Ok(addr) = parsed {
            assert_eq!(
                keytree::eip55_encode(&addr),
                v["checksummed"].as_str().unwrap()
            );
            assert!(eip55_is_valid(v["checksummed"].as_str().unwrap()));
            let account: AccountId = format!("eip155:1:{input}").parse().unwrap();
            assert_eq!(account.address(), v["checksummed"].as_str().unwrap());
        }
    }
}

#[test]
fn eip191_published_vectors() {
    let Some(dir) = shared_vectors("ethereum") else {
        return;
    };
    let doc = read_json(&dir.join("eip191_personal_sign.json"));
    let vectors = doc.as_array().or(doc["vectors"].as_array()).unwrap();
    let mut n = 0;
    for v in vectors {
        let msg = message_bytes(v);
        let expected = v["expected"]
            .as_str()
            .map_or_else(|| v["expected"].as_bool().unwrap(), |s| s == "valid");
        let got = personal_sign(
            v["address"].as_str().unwrap(),
            &msg,
            v["signature"].as_str().unwrap(),
        );
        assert_eq!(got.is_ok(), expected, "{}: {got:?}", v["id"]);
        n += 1;
    }
    assert_eq!(n, 19);
}

#[test]
fn published_high_s_prehash_is_refused() {
    let Some(dir) = shared_vectors("ethereum") else {
        return;
    };
    let doc = read_json(&dir.join("ecrecover_prehash_high_s.json"));
    let v = doc.as_array().map_or(&doc, |a| &a[0]);
    let v = if v["vectors"].is_array() {
        &v["vectors"][0]
    } else {
        v
    };
    let hash: [u8; 32] = keytree::hex_decode(
        v["prehash_hex"].as_str().unwrap().trim_start_matches("0x"),
        "h",
    )
    .unwrap()
    .try_into()
    .unwrap();
    let sig = keytree::ethereum_signature_from_hex(v["signature"].as_str().unwrap()).unwrap();
    assert_eq!(
        keytree::ethereum_recover_address(&hash, &sig).unwrap_err(),
        Error::InvalidSignature
    );
}

fn siwe_verify(
    message: &str,
    sig: &str,
    domain: &str,
    nonce: &str,
    now: u64,
) -> keytree::Result<keytree::VerifiedAccount> {
    let proof = EthereumProof::siwe(message, sig)?;
    registry().verify(
        &proof.into(),
        &Expectations::at(now).domain(domain).nonce(nonce.as_bytes()),
    )
}

#[test]
fn siwe_library_vectors() {
    let doc = read_json(&vectors_dir("siwe").join("siwe.json"));
    for v in doc["vectors"].as_array().unwrap() {
        let text = v["message"].as_str().unwrap();
        let parsed = text.parse::<SiweMessage>();
        assert_eq!(
            parsed.is_ok(),
            v["parses"].as_bool().unwrap(),
            "{}: {parsed:?}",
            v["comment"]
        );
        let Ok(m) = parsed else { continue };
        assert_eq!(m.to_string(), text);
        let p = &v["parsed"];
        assert_eq!(m.domain, p["domain"].as_str().unwrap());
        assert_eq!(m.nonce, p["nonce"].as_str().unwrap());
        assert_eq!(m.chain_id, p["chainId"].as_u64().unwrap());
        assert_eq!(m.statement.as_deref(), p["statement"].as_str());
        assert_eq!(m.request_id.as_deref(), p["requestId"].as_str());
        let domain = v["verify_params"]["domain"].as_str().unwrap_or(&m.domain);
        let nonce = v["verify_params"]["nonce"].as_str().unwrap_or(&m.nonce);
        let now = keytree_rfc3339(v["verify_time"].as_str().unwrap());
        let got = siwe_verify(text, v["signature"].as_str().unwrap(), domain, nonce, now);
        assert_eq!(
            got.is_ok(),
            v["valid"].as_bool().unwrap(),
            "{}: {got:?}",
            v["comment"]
        );
        if let Ok(who) = got {
            assert_eq!(who.account.address(), v["address"].as_str().unwrap());
        }
    }
}

/// RFC 3339 to unix seconds through a SIWE message (keytree's own parser is private).
fn keytree_rfc3339(t: &str) -> u64 {
    let text = format!(
        "a.com wants you to sign in with your Ethereum account:\n0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed\n\n\nURI: https://a.com\nVersion: 1\nChain ID: 1\nNonce: 12345678\nIssued At: {t}"
    );
    text.parse::<SiweMessage>()
        .unwrap()
        .issued_at_unix()
        .unwrap()
}

#[test]
fn siwe_published_parsing() {
    let Some(dir) = shared_vectors("ethereum") else {
        return;
    };
    let pos = read_json(&dir.join("siwe/parsing_positive.json"));
    for (name, v) in pos.as_object().unwrap() {
        let text = v["message"].as_str().unwrap();
        let m: SiweMessage = text.parse().unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(m.to_string(), text, "{name}");
        let f = &v["fields"];
        assert_eq!(m.domain, f["domain"].as_str().unwrap(), "{name}");
        assert_eq!(m.nonce, f["nonce"].as_str().unwrap(), "{name}");
        assert_eq!(m.uri, f["uri"].as_str().unwrap(), "{name}");
        assert_eq!(m.chain_id, f["chainId"].as_u64().unwrap(), "{name}");
        assert_eq!(m.statement.as_deref(), f["statement"].as_str(), "{name}");
        assert_eq!(m.issued_at, f["issuedAt"].as_str().unwrap(), "{name}");
        assert_eq!(
            m.expiration_time.as_deref(),
            f["expirationTime"].as_str(),
            "{name}"
        );
        assert_eq!(m.not_before.as_deref(), f["notBefore"].as_str(), "{name}");
        assert_eq!(m.request_id.as_deref(), f["requestId"].as_str(), "{name}");
        assert_eq!(m.scheme.as_deref(), f["scheme"].as_str(), "{name}");
        let res: Vec<String> = f["resources"]
            .as_array()
            .map(|a| a.iter().map(|r| r.as_str().unwrap().to_owned()).collect())
            .unwrap_or_default();
        assert_eq!(m.resources, res, "{name}");
    }
    let neg = read_json(&dir.join("siwe/parsing_negative.json"));
    for (name, v) in neg.as_object().unwrap() {
        let text = v.as_str().or(v["message"].as_str()).unwrap();
        assert!(text.parse::<SiweMessage>().is_err(), "{name} parsed");
    }
}

#[test]
fn siwe_published_verification() {
    let Some(dir) = shared_vectors("ethereum") else {
        return;
    };
    let doc = read_json(&dir.join("siwe/siwe_verification_messages_DERIVED.json"));
    let pos = read_json(&dir.join("siwe/verification_positive.json"));
    let neg = read_json(&dir.join("siwe/verification_negative.json"));
    let default_now = keytree_rfc3339("2025-01-15T12:00:00Z");
    let mut n = 0;
    for v in doc["vectors"].as_array().unwrap() {
        let key = v["key"].as_str().unwrap();
        let positive = v["file"] == "verification_positive.json";
        let fields = if positive { &pos[key] } else { &neg[key] };
        let text = v["message_utf8"].as_str().unwrap();
        let domain = fields["domainBinding"]
            .as_str()
            .unwrap_or(fields["domain"].as_str().unwrap());
        let nonce = fields["matchNonce"]
            .as_str()
            .unwrap_or(fields["nonce"].as_str().unwrap());
        let now = fields["time"].as_str().map_or(default_now, keytree_rfc3339);
        let got = siwe_verify(text, v["signature"].as_str().unwrap(), domain, nonce, now);
        if positive && key == "expired message" {
            // Deviation, documented: evaluated at 2020 this message's Issued
            // At (2022) lies in the future; siwe does not check issued-at,
            // keytree does.
            assert!(
                matches!(got, Err(Error::Wallet(WalletError::IssuedInFuture { .. }))),
                "{key}: {got:?}"
            );
            continue;
        }
        assert_eq!(got.is_ok(), positive, "{} / {key}: {got:?}", v["file"]);
        n += 1;
    }
    assert_eq!(n, 13);
    // EIP-1271 vectors need a chain: without a resolver they are refused.
    let eip1271 = read_json(&dir.join("siwe/eip1271.json"));
    for (name, v) in eip1271.as_object().unwrap() {
        let msg = v["message"].as_str().unwrap();
        let sig = v["signature"].as_str().unwrap();
        if let Ok(m) = msg.parse::<SiweMessage>() {
            let got = siwe_verify(msg, sig, &m.domain, &m.nonce, default_now);
            assert!(got.is_err(), "{name}");
        }
    }
}

#[test]
fn negative_cases() {
    let doc = read_json(&vectors_dir("ethereum").join("eip191.json"));
    let v = &doc["vectors"][0];
    let addr = v["address"].as_str().unwrap();
    let sig = v["signature"].as_str().unwrap();
    let msg = message_bytes(v);
    personal_sign(addr, &msg, sig).unwrap();
    // Wrong account.
    let other = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
    assert_eq!(
        personal_sign(other, &msg, sig).unwrap_err(),
        Error::Wallet(WalletError::AccountMismatch)
    );
    // Tampered message (the proof and the expectation agree, the signature does not).
    assert!(personal_sign(addr, b"hello worle", sig).is_err());
    // Expectation differs from the proof's message.
    let account: AccountId = format!("eip155:1:{addr}").parse().unwrap();
    let proof = EthereumProof::personal_sign(account.clone(), &msg, sig).unwrap();
    assert_eq!(
        registry()
            .verify(&proof.clone().into(), &Expectations::at(0).message(b"x"))
            .unwrap_err(),
        Error::Wallet(WalletError::MessageMismatch)
    );
    assert_eq!(
        registry()
            .verify(&proof.into(), &Expectations::at(0))
            .unwrap_err(),
        Error::Wallet(WalletError::MissingExpectation("message"))
    );
    // Bad encodings.
    assert!(EthereumProof::personal_sign(account.clone(), &msg, "0xzz").is_err());
    let bad_v = format!("{}25", &sig[..sig.len() - 2]);
    assert!(matches!(
        personal_sign(addr, &msg, &bad_v),
        Err(Error::Decode { .. })
    ));
    let no_prefix = sig.strip_prefix("0x").unwrap();
    personal_sign(addr, &msg, no_prefix).unwrap();
    assert!(personal_sign(addr, &msg, &sig[..sig.len() - 2]).is_err());
    // A bad EIP-55 claim is refused where the account is parsed.
    assert!(
        "eip155:1:0x0FA26cFB399AAbf9C3366b3aE297365761c63df4"
            .parse::<AccountId>()
            .is_err()
    );
    // Lowercase claim is fine.
    personal_sign(&addr.to_lowercase(), &msg, sig).unwrap();
}

/// A contract-wallet oracle with a fixed answer, standing in for an RPC call.
struct FixedEip1271 {
    contract: [u8; 20],
    answer: keytree::Result<bool>,
}

impl keytree::SyncEip1271Resolver for FixedEip1271 {
    fn is_valid_signature(
        &self,
        _chain_id: u64,
        contract: &[u8; 20],
        _hash: &[u8; 32],
        _signature: &[u8],
    ) -> keytree::Result<bool> {
        if contract != &self.contract {
            return Ok(false);
        }
        self.answer.clone()
    }
}

#[test]
fn eip1271_through_a_resolver() {
    let Some(dir) = shared_vectors("ethereum") else {
        return;
    };
    let doc = read_json(&dir.join("siwe/eip1271.json"));
    let v = &doc["argent"];
    let msg = v["message"].as_str().unwrap();
    let m: SiweMessage = msg.parse().unwrap();
    let proof: keytree::WalletProof = EthereumProof::siwe(msg, v["signature"].as_str().unwrap())
        .unwrap()
        .into();
    let now = keytree_rfc3339("2022-04-19T18:56:00Z");
    let expect = Expectations::at(now)
        .domain(&m.domain)
        .nonce(m.nonce.as_bytes());
    use keytree::WalletVerifier as _;
    // Without a resolver: refused.
    assert!(
        keytree::EthereumVerifier::new()
            .verify(&proof, &expect)
            .is_err()
    );
    // The contract says yes: accepted, with no key.
    let yes = keytree::EthereumVerifier::new().with_eip1271_sync(FixedEip1271 {
        contract: m.address,
        answer: Ok(true),
    });
    let who = yes.verify(&proof, &expect).unwrap();
    assert_eq!(who.signer, keytree::SignerKey::Contract);
    // The contract says no, or the lookup fails: refused (fail closed).
    let no = keytree::EthereumVerifier::new().with_eip1271_sync(FixedEip1271 {
        contract: m.address,
        answer: Ok(false),
    });
    assert_eq!(
        no.verify(&proof, &expect).unwrap_err(),
        Error::InvalidSignature
    );
    let down = keytree::EthereumVerifier::new().with_eip1271_sync(FixedEip1271 {
        contract: m.address,
        answer: Err(Error::Wallet(WalletError::Resolver(
            "rpc unreachable".into(),
        ))),
    });
    assert!(matches!(
        down.verify(&proof, &expect).unwrap_err(),
        Error::Wallet(WalletError::Resolver(_))
    ));
    // Chain-id restriction.
    let only_polygon = keytree::EthereumVerifier::new().with_chain_ids([137]);
    assert!(matches!(
        only_polygon.verify(&proof, &expect).unwrap_err(),
        Error::Wallet(WalletError::WrongNetwork { .. })
    ));
}

fn unhex(text: &str) -> Vec<u8> {
    keytree::hex_decode(text.trim_start_matches("0x"), "vector").unwrap()
}

fn address20(text: &str) -> [u8; 20] {
    keytree::parse_eth_address(text).unwrap()
}

/// Published EIP-6492 signatures (viem docs, ox tests): parsed to their
/// parts, and re-encoded byte for byte.
#[test]
fn eip6492_published_vectors() {
    let doc = read_json(&vectors_dir("ethereum").join("eip6492_published.json"));
    for v in doc["vectors"].as_array().unwrap() {
        let bytes = unhex(v["signature"].as_str().unwrap());
        assert!(keytree::Eip6492Signature::is_wrapped(&bytes));
        let w = keytree::Eip6492Signature::from_bytes(&bytes).unwrap();
        assert_eq!(w.factory(), &address20(v["factory"].as_str().unwrap()));
        assert_eq!(
            w.factory_calldata(),
            unhex(v["factory_calldata"].as_str().unwrap())
        );
        assert_eq!(w.signature(), unhex(v["inner_signature"].as_str().unwrap()));
        assert_eq!(w.to_bytes(), bytes);
    }
}

/// One call of the EIP-6492 hook: chain id, contract, hash, wrapper.
type Seen = (u64, [u8; 20], [u8; 32], keytree::Eip6492Signature);

/// What the resolver was handed, and its answer.
struct Undeployed {
    seen: std::sync::Mutex<Vec<Seen>>,
    answer: bool,
}

/// An async implementation, as an RPC-backed resolver would be.
impl keytree::Eip1271Resolver for Undeployed {
    fn is_valid_signature<'a>(
        &'a self,
        _: u64,
        _: &'a [u8; 20],
        _: &'a [u8; 32],
        _: &'a [u8],
    ) -> keytree::WalletFuture<'a, bool> {
        // Only signatures without the magic suffix come here.
        Box::pin(async { Ok(false) })
    }
    fn is_valid_undeployed_signature<'a>(
        &'a self,
        chain_id: u64,
        contract: &'a [u8; 20],
        hash: &'a [u8; 32],
        wrapped: &'a keytree::Eip6492Signature,
    ) -> keytree::WalletFuture<'a, bool> {
        Box::pin(async move {
            self.seen
                .lock()
                .unwrap()
                .push((chain_id, *contract, *hash, wrapped.clone()));
            Ok(self.answer)
        })
    }
}

/// viem-made EIP-6492 signatures (tests/vectors/ethereum/eip6492.json):
/// handed to the resolver with their parts; refused with a clear error
/// without one; malformed wrappers refused (stricter than viem).
#[test]
fn eip6492_library_vectors() {
    use keytree::WalletVerifier as _;
    let doc = read_json(&vectors_dir("ethereum").join("eip6492.json"));
    let (mut valid, mut invalid) = (0, 0);
    for v in doc["vectors"].as_array().unwrap() {
        let account: AccountId = v["account"].as_str().unwrap().parse().unwrap();
        let msg = v["message"].as_str().unwrap();
        let sig = v["signature"].as_str().unwrap();
        let hash = unhex(v["eip191_hash"].as_str().unwrap());
        assert_eq!(keytree::eip191_hash(msg.as_bytes()).to_vec(), hash);
        let proof: keytree::WalletProof = EthereumProof::personal_sign(account.clone(), msg, sig)
            .unwrap()
            .into();
        let expect = Expectations::at(0).message(msg.as_bytes());
        let resolver = std::sync::Arc::new(Undeployed {
            seen: Default::default(),
            answer: true,
        });
        let with = keytree::EthereumVerifier::new().with_eip1271(resolver.clone());
        let without = keytree::EthereumVerifier::new();
        if v["valid"].as_bool().unwrap() {
            let who = with.verify(&proof, &expect).unwrap();
            assert_eq!(who.signer, keytree::SignerKey::Contract);
            assert_eq!(who.account, account);
            let seen = resolver.seen.lock().unwrap();
            let (chain, contract, h, w) = &seen[0];
            assert_eq!(*chain, 1);
            assert_eq!(contract, &address20(account.address()));
            assert_eq!(h.to_vec(), hash);
            assert_eq!(w.factory(), &address20(v["factory"].as_str().unwrap()));
            assert_eq!(
                w.factory_calldata(),
                unhex(v["factory_calldata"].as_str().unwrap())
            );
            let inner = unhex(v["inner_signature"].as_str().unwrap());
            assert_eq!(w.signature(), inner);
            assert_eq!(w.to_bytes(), unhex(sig));
            // The inner signature is the owner's EIP-191 signature.
            let (owner, _) = keytree::ethereum_recover_address(
                &keytree::eip191_hash(msg.as_bytes()),
                &inner[..65],
            )
            .unwrap();
            assert_eq!(owner, address20(v["inner_signer"].as_str().unwrap()));
            // Without a resolver: its own clear refusal.
            let err = without.verify(&proof, &expect).unwrap_err();
            assert_eq!(err, Error::Wallet(WalletError::Eip6492Unsupported));
            assert!(err.to_string().contains("eip-6492"), "{err}");
            // A resolver that says no: the one detail-free refusal.
            let no = keytree::EthereumVerifier::new().with_eip1271(Undeployed {
                seen: Default::default(),
                answer: false,
            });
            assert_eq!(
                no.verify(&proof, &expect).unwrap_err(),
                Error::InvalidSignature
            );
            // A plain EIP-1271 resolver that knows nothing of EIP-6492.
            let plain = keytree::EthereumVerifier::new().with_eip1271_sync(FixedEip1271 {
                contract: address20(account.address()),
                answer: Ok(true),
            });
            assert_eq!(
                plain.verify(&proof, &expect).unwrap_err(),
                Error::Wallet(WalletError::Eip6492Unsupported)
            );
            valid += 1;
        } else {
            let comment = v["comment"].as_str().unwrap();
            let bytes = unhex(sig);
            assert!(
                keytree::Eip6492Signature::from_bytes(&bytes).is_err(),
                "accepted: {comment}"
            );
            let err = with.verify(&proof, &expect).unwrap_err();
            if keytree::Eip6492Signature::is_wrapped(&bytes) {
                // Refused before the resolver is asked.
                assert!(matches!(err, Error::Decode { .. }), "{comment}: {err}");
            } else {
                // No suffix: not EIP-6492 at all, so a plain EIP-1271 question.
                assert_eq!(err, Error::InvalidSignature, "{comment}");
            }
            assert!(resolver.seen.lock().unwrap().is_empty());
            assert!(without.verify(&proof, &expect).is_err());
            invalid += 1;
        }
    }
    assert_eq!((valid, invalid), (3, 10));
}

/// Wrong lengths and bad checksums say what they are.
#[test]
fn length_and_checksum_errors_name_the_problem() {
    use keytree::WalletVerifier as _;
    let account: AccountId = "eip155:1:0x0Fa26cFB399AAbf9C3366b3aE297365761c63df4"
        .parse()
        .unwrap();
    let proof: keytree::WalletProof =
        EthereumProof::personal_sign(account, "hello world", &"11".repeat(64))
            .unwrap()
            .into();
    let err = keytree::EthereumVerifier::new()
        .verify(&proof, &Expectations::at(0).message(b"hello world"))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid ethereum signature length: expected 65 bytes, got 64"
    );
    let bad = "eip155:1:0x0FA26cFB399AAbf9C3366b3aE297365761c63df4".parse::<AccountId>();
    let err = bad.unwrap_err();
    assert_eq!(
        err,
        Error::Decode {
            what: "ethereum address",
            reason: keytree::DecodeReason::Checksum("eip-55")
        }
    );
    assert!(err.to_string().contains("checksum"), "{err}");
}
