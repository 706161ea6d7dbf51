//! Solana: signMessage, SIWS and addresses, from @solana/web3.js, tweetnacl
//! and @solana/wallet-standard-util (tests/vectors/solana).

use keytree::{
    AccountId, Error, Expectations, PublicKey, Signature, SiwsMessage, SolanaProof, SolanaVerifier,
    WalletError, WalletProof, WalletRegistry, WalletVerifier,
};

use crate::common::{read_json, vectors_dir};

#[test]
fn addresses() {
    let doc = read_json(&vectors_dir("solana").join("addresses.json"));
    for v in doc["vectors"].as_array().unwrap() {
        let addr = v["address"].as_str().unwrap();
        let got = format!("solana:{}:{addr}", keytree::SOLANA_MAINNET).parse::<AccountId>();
        assert_eq!(
            got.is_ok(),
            v["valid"].as_bool().unwrap(),
            "{addr:?}: {}",
            v["comment"]
        );
    }
}

#[test]
fn sign_message_vectors() {
    let doc = read_json(&vectors_dir("solana").join("messages.json"));
    for v in doc["vectors"].as_array().unwrap() {
        let msg = keytree::hex_decode(v["message_hex"].as_str().unwrap(), "m").unwrap();
        let address = v["address"].as_str().unwrap();
        let signature = v["signature_base58"].as_str().unwrap();
        // The wallet libraries' signatures over the bytes as given: the bare
        // Ed25519 primitive agrees with their verdict…
        let primitive = (|| {
            let key =
                PublicKey::from_bytes(&keytree::base58_decode_array::<32>(address, "address")?)?;
            let sig = Signature::from_bytes(&keytree::base58_decode_array::<64>(signature, "sig")?);
            key.verify(&msg, &sig)
        })();
        assert_eq!(
            primitive.is_ok(),
            v["valid"].as_bool().unwrap(),
            "{}: {primitive:?}",
            v["comment"]
        );
        // …but none is a login: a plain-message login signs
        // SolanaProof::plain_signing_bytes(message), never the server's bytes.
        let login = (|| {
            let account: AccountId =
                format!("solana:{}:{address}", keytree::SOLANA_MAINNET).parse()?;
            let proof = SolanaProof::message(account, &msg, signature)?;
            WalletRegistry::with_defaults()
                .verify(&proof.into(), &Expectations::at(0).message(&msg))
        })();
        assert!(login.is_err(), "{}", v["comment"]);
    }
    // A login over the tagged wrapper is accepted.
    use ed25519_dalek::Signer as _;
    let wallet = ed25519_dalek::SigningKey::from_bytes(&[4; 32]);
    let address = keytree::base58_encode(wallet.verifying_key().as_bytes());
    let account: AccountId = format!("solana:{}:{address}", keytree::SOLANA_MAINNET)
        .parse()
        .unwrap();
    let msg = b"example.com login 0001";
    let sig = wallet.sign(&SolanaProof::plain_signing_bytes(msg));
    let proof = SolanaProof::message(
        account.clone(),
        msg,
        &keytree::base58_encode(&sig.to_bytes()),
    )
    .unwrap();
    let who = WalletRegistry::with_defaults()
        .verify(&proof.into(), &Expectations::at(0).message(msg))
        .unwrap();
    assert_eq!(who.account, account);
}

#[test]
fn siws_vectors() {
    let doc = read_json(&vectors_dir("solana").join("siws.json"));
    // The vectors' semantics are wallet-standard `verifySignIn(input, output)`:
    // the requested input's domain and nonce are the expectations. The
    // "minimal" vector has no nonce, so it needs the explicit lenient setting.
    let lenient = SolanaVerifier::new().dangerous_allow_siws_without_nonce();
    for v in doc["vectors"].as_array().unwrap() {
        let text = v["message"].as_str().unwrap();
        let parsed = text.parse::<SiwsMessage>();
        assert_eq!(
            parsed.is_ok(),
            !v["parsed"].is_null(),
            "{}: {parsed:?}",
            v["comment"]
        );
        if let Ok(m) = &parsed {
            assert_eq!(m.to_string(), text);
            assert_eq!(m.domain, v["parsed"]["domain"].as_str().unwrap());
        }
        let input = &v["input"];
        let now = 1_736_942_430; // 2025-01-15T12:00:30Z
        let got = (|| {
            let proof: WalletProof =
                SolanaProof::sign_in(text, v["signature_base58"].as_str().unwrap())?.into();
            let WalletProof::Solana(p) = &proof else {
                unreachable!()
            };
            if p.account().address() != input["address"].as_str().unwrap() {
                return Err(Error::Wallet(WalletError::AccountMismatch));
            }
            // verifySignIn also compares the statement with the request.
            if parsed.as_ref().unwrap().statement.as_deref() != input["statement"].as_str() {
                return Err(Error::Wallet(WalletError::MessageMismatch));
            }
            let mut e = Expectations::at(now).domain(input["domain"].as_str().unwrap());
            if let Some(n) = input["nonce"].as_str() {
                e = e.nonce(n.as_bytes());
            }
            lenient.verify(&proof, &e)
        })();
        assert_eq!(
            got.is_ok(),
            v["valid"].as_bool().unwrap(),
            "{}: {got:?}",
            v["comment"]
        );
    }
}

#[test]
fn negative_cases() {
    let doc = read_json(&vectors_dir("solana").join("siws.json"));
    let v = &doc["vectors"][0];
    let text = v["message"].as_str().unwrap();
    let sig = v["signature_base58"].as_str().unwrap();
    let m: SiwsMessage = text.parse().unwrap();
    let nonce = m.nonce.clone().unwrap();
    let proof: WalletProof = SolanaProof::sign_in(text, sig).unwrap().into();
    let r = WalletRegistry::with_defaults();
    let at = |now| {
        Expectations::at(now)
            .domain("example.com")
            .nonce(nonce.as_bytes())
    };
    r.verify(&proof, &at(1_736_942_430)).unwrap();
    // Expired (10 min window), not yet valid.
    assert!(matches!(
        r.verify(&proof, &at(1_736_943_000)).unwrap_err(),
        Error::Wallet(WalletError::Expired { .. })
    ));
    assert!(matches!(
        r.verify(&proof, &at(1_736_942_300)).unwrap_err(),
        Error::Wallet(WalletError::NotYetValid { .. })
    ));
    assert!(matches!(
        r.verify(
            &proof,
            &Expectations::at(1_736_942_430)
                .domain("evil.com")
                .nonce(nonce.as_bytes())
        )
        .unwrap_err(),
        Error::Wallet(WalletError::DomainMismatch { .. })
    ));
    assert_eq!(
        r.verify(
            &proof,
            &Expectations::at(1_736_942_430)
                .domain("example.com")
                .nonce(b"otherNonce1")
        )
        .unwrap_err(),
        Error::Wallet(WalletError::NonceMismatch)
    );
    assert_eq!(
        r.verify(
            &proof,
            &Expectations::at(1_736_942_430).domain("example.com")
        )
        .unwrap_err(),
        Error::Wallet(WalletError::MissingExpectation("nonce"))
    );
    // Tampered text.
    let tampered = text.replace("Sign in", "Sign on");
    assert_eq!(
        r.verify(
            &SolanaProof::sign_in(&tampered, sig).unwrap().into(),
            &at(1_736_942_430)
        )
        .unwrap_err(),
        Error::InvalidSignature
    );
    // Bad encodings.
    assert!(SolanaProof::sign_in(text, "0OIl").is_err());
    assert!(SolanaProof::sign_in(&format!("{text}\n"), sig).is_err());
    assert!(SolanaProof::sign_in(&text.replace('\n', "\r\n"), sig).is_err());
    // Malleated signature (S + L) from the library vectors is refused.
    let msgs = read_json(&vectors_dir("solana").join("messages.json"));
    let mal = msgs["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["comment"].as_str().unwrap().contains("non-canonical S"))
        .unwrap();
    let msg = keytree::hex_decode(mal["message_hex"].as_str().unwrap(), "m").unwrap();
    let account: AccountId = format!(
        "solana:{}:{}",
        keytree::SOLANA_MAINNET,
        mal["address"].as_str().unwrap()
    )
    .parse()
    .unwrap();
    let p = SolanaProof::message(account, &msg, mal["signature_base58"].as_str().unwrap()).unwrap();
    assert_eq!(
        r.verify(&p.into(), &Expectations::at(0).message(&msg))
            .unwrap_err(),
        Error::InvalidSignature
    );
}
