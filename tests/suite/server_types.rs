//! Issue 10, server-ready types: redeeming what a client sends
//! (`ClientProof`) for every chain, the JSON forms of `Challenge` and
//! `TokenPair`, and error classification at the edges.

use crate::challenges::{DOMAIN, NOW, eth_account, eth_key, eth_sign_hex, siwe_text};
use crate::common::block_on;
use crate::common::{DalekSign as _, Fixture};
use keytree::{
    AccountId, AccountInput, ChallengeError, ChallengeIssuer, ChallengeMessage, ClientProof,
    DecodeReason, Error, ErrorKind, MemoryNonceStore, MemoryRefreshStore, RootKey, TokenIssuer,
    TokenRequest, TokenSigningKey,
};
use serde_json::{Value, json};

fn issuer() -> ChallengeIssuer<MemoryNonceStore> {
    ChallengeIssuer::new(
        DOMAIN,
        keytree::ChallengeKey::from_bytes(&[0x5a; 32]),
        MemoryNonceStore::new(),
    )
    .unwrap()
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// What a client posts, parsed as a server would.
fn posted(body: Value) -> ClientProof {
    serde_json::from_value(body).unwrap()
}

#[test]
fn ethereum_client_proof_with_v_27_or_0_and_bare_address() {
    let i = issuer();
    let sk = eth_key(11);
    let account = eth_account(&sk);
    for v_base in [27u8, 0] {
        let c = block_on(i.issue(&account, NOW)).unwrap();
        let text = siwe_text(&c);
        let mut sig = keytree::hex_decode(&eth_sign_hex(&sk, text), "sig").unwrap();
        sig[64] = sig[64] - 27 + v_base;
        // A bare lowercase 0x address is read as eip155:1.
        let bare = account.address().to_lowercase();
        let proof = posted(json!({
            "wallet": bare,
            "nonce": c.nonce().to_string(),
            "signature": format!("0x{}", keytree::hex_encode(&sig)),
        }));
        let who = block_on(i.redeem_client(&proof, NOW + 1)).unwrap();
        assert_eq!(who.account, account);
        // Replay refused: the nonce is spent.
        assert_eq!(
            block_on(i.redeem_client(&proof, NOW + 2)).unwrap_err(),
            ChallengeError::AlreadySpent.into()
        );
    }
}

#[test]
fn client_proof_errors_are_classified() {
    let i = issuer();
    let sk = eth_key(12);
    let account = eth_account(&sk);
    let c = block_on(i.issue(&account, NOW)).unwrap();
    let sig = eth_sign_hex(&sk, siwe_text(&c));
    // A mixed-case address with a wrong EIP-55 checksum: a checksum decode
    // error, a bad request, not a bad signature.
    let mut typo = account.address().to_owned();
    let pos = typo.rfind(|c: char| c.is_ascii_uppercase()).unwrap();
    typo.replace_range(pos..=pos, &typo[pos..=pos].to_lowercase());
    let e = block_on(i.redeem_client(
        &posted(json!({"account": typo, "nonce": c.nonce().to_string(), "signature": sig})),
        NOW + 1,
    ))
    .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Decode {
                reason: DecodeReason::Checksum(_),
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(e.kind(), ErrorKind::BadRequest);
    // Another account's nonce: unknown, unauthorized, store untouched.
    let other = eth_account(&eth_key(13));
    let e = block_on(i.redeem_client(
        &posted(
            json!({"account": other.to_string(), "nonce": c.nonce().to_string(), "signature": sig}),
        ),
        NOW + 1,
    ))
    .unwrap_err();
    assert_eq!(e, ChallengeError::Unknown.into());
    assert_eq!(e.http_status(), 401);
    // A signature that does not decode counts no attempt: after more
    // undecodable tries than the limit, the real one still works.
    for _ in 0..keytree::DEFAULT_MAX_ATTEMPTS + 1 {
        let e = block_on(i.redeem_client(
            &posted(json!({"account": account.to_string(), "nonce": c.nonce().to_string(), "signature": "0xzz"})),
            NOW + 1,
        ))
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BadRequest);
    }
    // A wrong signature counts, and is a 401.
    let wrong = eth_sign_hex(&eth_key(14), siwe_text(&c));
    let e = block_on(i.redeem_client(
        &posted(json!({"account": account.to_string(), "nonce": c.nonce().to_string(), "signature": wrong})),
        NOW + 1,
    ))
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthorized);
    let ok = posted(
        json!({"account": account.to_string(), "nonce": c.nonce().to_string(), "signature": sig}),
    );
    assert_eq!(
        block_on(i.redeem_client(&ok, NOW + 2)).unwrap().account,
        account
    );
    // Unknown fields and a non-hex nonce are refused.
    assert!(
        serde_json::from_value::<ClientProof>(
            json!({"account": account.to_string(), "nonce": "00", "signature": sig, "x": 1})
        )
        .is_err()
    );
    let e = block_on(i.redeem_client(
        &posted(json!({"account": account.to_string(), "nonce": "00", "signature": sig})),
        NOW + 1,
    ))
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadRequest);
}

#[cfg(feature = "solana")]
#[test]
fn solana_client_proof_base58() {
    let i = issuer();
    let key = RootKey::from_bytes(&[21; 32]);
    let address = keytree::base58_encode(key.public_key().as_bytes());
    let c = block_on(i.issue(
        &AccountId::from_parts_lenient("solana", &address, None).unwrap(),
        NOW,
    ))
    .unwrap();
    let sig = keytree::base58_encode(key.dalek_sign(c.message().text().as_bytes()).as_bytes());
    let proof = posted(json!({
        "account": {"chain": "solana", "address": address},
        "nonce": c.nonce().to_string(),
        "signature": sig,
    }));
    let who = block_on(i.redeem_client(&proof, NOW + 1)).unwrap();
    assert_eq!(&who.account, c.account());
}

#[cfg(feature = "near")]
#[test]
fn near_client_proof_named_and_implicit() {
    let key = RootKey::from_bytes(&[22; 32]);
    let pk = format!(
        "ed25519:{}",
        keytree::base58_encode(key.public_key().as_bytes())
    );
    // Implicit account: the key is the account, public_key may be omitted.
    let implicit = format!(
        "near:mainnet:{}",
        keytree::hex_encode(key.public_key().as_bytes())
    );
    let i = issuer();
    let c = block_on(i.issue(&implicit.parse().unwrap(), NOW)).unwrap();
    let ChallengeMessage::Nep413(payload) = c.message() else {
        panic!("not nep-413")
    };
    // The JSON form carries the signMessage arguments.
    let form = serde_json::to_value(&c).unwrap();
    assert_eq!(form["format"], "nep413");
    assert_eq!(form["nep413"]["recipient"], DOMAIN);
    assert_eq!(form["nep413"]["nonce"], c.nonce().to_string());
    assert_eq!(form["nep413"]["message"], form["message"]);
    assert!(form["nep413"].get("callbackUrl").is_none());
    let sig = b64(key.dalek_sign(&payload.hash()).as_bytes());
    let proof =
        posted(json!({"account": implicit, "nonce": c.nonce().to_string(), "signature": sig}));
    assert_eq!(
        block_on(i.redeem_client(&proof, NOW + 1))
            .unwrap()
            .account
            .to_string(),
        implicit
    );
    // A named account needs its key; without a resolver the server cannot
    // check that the key belongs to it: unsupported account, not bad signature.
    let named: AccountId = "near:mainnet:alice.near".parse().unwrap();
    let c = block_on(i.issue(&named, NOW)).unwrap();
    let ChallengeMessage::Nep413(payload) = c.message() else {
        panic!("not nep-413")
    };
    let sig = b64(key.dalek_sign(&payload.hash()).as_bytes());
    let without = posted(
        json!({"account": "near:mainnet:alice.near", "nonce": c.nonce().to_string(), "signature": sig}),
    );
    assert_eq!(
        block_on(i.redeem_client(&without, NOW + 1))
            .unwrap_err()
            .kind(),
        ErrorKind::BadRequest
    );
    let with = posted(
        json!({"account": "near:mainnet:alice.near", "nonce": c.nonce().to_string(), "signature": sig, "public_key": pk}),
    );
    assert_eq!(
        block_on(i.redeem_client(&with, NOW + 1))
            .unwrap_err()
            .kind(),
        ErrorKind::UnsupportedAccount
    );
}

#[cfg(feature = "stellar")]
#[test]
fn stellar_client_proof_base64() {
    let i = issuer();
    let key = RootKey::from_bytes(&[23; 32]);
    let g = keytree::Strkey::Account(*key.public_key().as_bytes()).encode();
    let c = block_on(i.issue(
        &AccountId::from_parts_lenient("stellar", g.as_str(), None).unwrap(),
        NOW,
    ))
    .unwrap();
    let sig = b64(key
        .dalek_sign(&keytree::sep53_hash(c.message().text().as_bytes()))
        .as_bytes());
    let proof = posted(json!({
        "account": {"chain": "stellar", "address": g.as_str(), "network": "pubnet"},
        "nonce": c.nonce().to_string(),
        "signature": sig,
    }));
    assert_eq!(
        &block_on(i.redeem_client(&proof, NOW + 1)).unwrap().account,
        c.account()
    );
}

#[cfg(feature = "icp")]
#[test]
fn icp_client_proof_der_raw_and_delegation() {
    use keytree::{
        IcpDelegation, IcpProof, IcpPublicKey, IcpSignedDelegation, Principal,
        UnverifiedIcpDelegationChain,
    };
    let i = issuer();
    let identity = RootKey::from_bytes(&[24; 32]);
    let public = IcpPublicKey::from_ed25519(identity.public_key());
    let account = Principal::self_authenticating(&public.to_der()).account_id();
    // The identity's key, as DER hex and as raw 32-byte hex.
    for key_hex in [
        keytree::hex_encode(&public.to_der()),
        keytree::hex_encode(identity.public_key().as_bytes()),
    ] {
        let c = block_on(i.issue(&account, NOW)).unwrap();
        let sig = identity.dalek_sign(&IcpProof::signing_bytes(c.message().text().as_bytes()));
        let proof = posted(json!({
            "account": account.to_string(),
            "nonce": c.nonce().to_string(),
            "signature": keytree::hex_encode(sig.as_bytes()),
            "public_key": key_hex,
        }));
        assert_eq!(
            block_on(i.redeem_client(&proof, NOW + 1)).unwrap().account,
            account
        );
    }
    // A session key delegated by the identity, the chain in toJSON() form.
    let session = RootKey::from_bytes(&[25; 32]);
    let session_pub = IcpPublicKey::from_ed25519(session.public_key());
    let d = IcpDelegation::new(session_pub, (NOW + 600) * 1_000_000_000, None).unwrap();
    let link = IcpSignedDelegation::new(
        d.clone(),
        identity.dalek_sign(&d.signed_bytes()).to_bytes().to_vec(),
    );
    let chain = UnverifiedIcpDelegationChain::new(public.clone(), vec![link]).unwrap();
    let chain_json: Value = serde_json::from_str(&chain.to_json()).unwrap();
    let c = block_on(i.issue(&account, NOW)).unwrap();
    let sig = session.dalek_sign(&IcpProof::signing_bytes(c.message().text().as_bytes()));
    let proof = posted(json!({
        "account": account.to_string(),
        "nonce": c.nonce().to_string(),
        "signature": keytree::hex_encode(sig.as_bytes()),
        "delegation": chain_json,
    }));
    assert_eq!(
        block_on(i.redeem_client(&proof, NOW + 1)).unwrap().account,
        account
    );
    // The same chain as a JSON string, through the builder.
    let c = block_on(i.issue(&account, NOW)).unwrap();
    let sig = session.dalek_sign(&IcpProof::signing_bytes(c.message().text().as_bytes()));
    let proof = ClientProof::new(
        AccountInput::Text(account.to_string()),
        c.nonce().to_string(),
        keytree::hex_encode(sig.as_bytes()),
    )
    .with_delegation_json(chain.to_json());
    assert_eq!(
        block_on(i.redeem_client(&proof, NOW + 1)).unwrap().account,
        account
    );
    // The identity's key signing, but a chain naming the session key: refused.
    let c = block_on(i.issue(&account, NOW)).unwrap();
    let sig = identity.dalek_sign(&IcpProof::signing_bytes(c.message().text().as_bytes()));
    let proof = ClientProof::new(
        AccountInput::Text(account.to_string()),
        c.nonce().to_string(),
        keytree::hex_encode(sig.as_bytes()),
    )
    .with_delegation_json(chain.to_json());
    assert_eq!(
        block_on(i.redeem_client(&proof, NOW + 1)).unwrap_err(),
        Error::InvalidSignature
    );
}

#[test]
fn raw_key_client_proofs() {
    let i = issuer();
    let key = RootKey::from_bytes(&[26; 32]);
    let account = AccountId::raw_ed25519(&key.public_key());
    let c = block_on(i.issue(&account, NOW)).unwrap();
    let sig = key.sign_raw_key_login(c.message().text().as_bytes());
    let proof = posted(
        json!({"account": account.to_string(), "nonce": c.nonce().to_string(), "signature": keytree::hex_encode(sig.as_bytes())}),
    );
    assert_eq!(
        block_on(i.redeem_client(&proof, NOW + 1)).unwrap().account,
        account
    );

    let sk = k256::ecdsa::SigningKey::from_slice(&[27; 32]).unwrap();
    let point = sk.verifying_key().to_sec1_point(true);
    let account: AccountId = format!("rawkey:secp256k1:{}", keytree::hex_encode(point.as_bytes()))
        .parse()
        .unwrap();
    let c = block_on(i.issue(&account, NOW)).unwrap();
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(keytree::RawKeyProof::signing_bytes(
        c.message().text().as_bytes(),
    ));
    let (sig, _) = sk.sign_prehash_recoverable(&digest);
    let proof = posted(
        json!({"account": account.to_string(), "nonce": c.nonce().to_string(), "signature": keytree::hex_encode(&sig.to_bytes())}),
    );
    assert_eq!(
        block_on(i.redeem_client(&proof, NOW + 1)).unwrap().account,
        account
    );
}

#[test]
fn challenge_json_form() {
    let i = issuer();
    let sk = eth_key(31);
    let account = eth_account(&sk);
    let c = block_on(i.issue(&account, NOW)).unwrap();
    let form = serde_json::to_value(&c).unwrap();
    assert_eq!(
        form,
        json!({
            "nonce": c.nonce().to_string(),
            "wallet": account.to_string(),
            "domain": DOMAIN,
            "issued_at": NOW,
            "expires_at": NOW + keytree::DEFAULT_CHALLENGE_TTL,
            "format": "siwe",
            "message": siwe_text(&c),
        })
    );
}

#[test]
fn token_pair_json_form_and_redaction() {
    let mut fx = Fixture::new(41);
    let (client, _) = fx.add_member(0, &["blob"]);
    let issuer = TokenIssuer::new("https://auth.test", TokenSigningKey::from_bytes(&[42; 32]));
    let store = MemoryRefreshStore::new();
    let pair = block_on(issuer.issue(
        &fx.ctx,
        &TokenRequest::new(client.public_key(), "api"),
        &store,
        fx.now,
    ))
    .unwrap();
    let form = serde_json::to_value(&pair).unwrap();
    assert_eq!(
        form,
        json!({
            "access_token": pair.access_token(),
            "token_type": "Bearer",
            "expires_in": keytree::DEFAULT_ACCESS_TTL,
            "refresh_token": pair.refresh_token().as_str(),
            "refresh_expires_in": pair.refresh_expires_at() - fx.now,
        })
    );
    assert_eq!(pair.issued_at(), fx.now);
    let debug = format!("{pair:?}");
    assert!(!debug.contains(pair.access_token()));
    assert!(!debug.contains(pair.refresh_token().as_str()));
}
