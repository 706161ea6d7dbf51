//! Solana: signMessage, SIWS and addresses, from @solana/web3.js, tweetnacl
//! and @solana/wallet-standard-util (tests/vectors/solana).

use keytree::{
    AccountId, Error, Expectations, SiwsMessage, SolanaProof, SolanaVerifier, WalletError,
    WalletProof, WalletRegistry, WalletVerifier,
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
        let got = (|| {
            let account: AccountId = format!(
                "solana:{}:{}",
                keytree::SOLANA_MAINNET,
                v["address"].as_str().unwrap()
            )
            .parse()?;
            let proof =
                SolanaProof::message(account, &msg, v["signature_base58"].as_str().unwrap())?;
            WalletRegistry::with_defaults()
                .verify(&proof.into(), &Expectations::at(0).message(&msg))
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
