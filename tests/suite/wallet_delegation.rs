//! Wallet-rooted delegations: every built-in chain signs the statement,
//! verification rebuilds it and goes through the registry.

use crate::common::DalekSign as _;
use keytree::{
    AccountId, ChainPolicy, ContextId, Delegation, DelegationError, Error, Issuer, Nep413Payload,
    RootKey, Strkey, UnverifiedDelegation, WalletError, WalletRegistry, verify_chain,
    verify_chain_with_wallets,
};
use sha2::Digest as _;

use crate::common::perms;

const NOW: u64 = 1_736_942_400;

fn eth_key() -> k256::ecdsa::SigningKey {
    k256::ecdsa::SigningKey::from_slice(&[0x11; 32]).unwrap()
}

fn eth_account(sk: &k256::ecdsa::SigningKey) -> AccountId {
    let addr = keytree::ethereum_address_of(sk.verifying_key());
    format!("eip155:1:{}", keytree::eip55_encode(&addr))
        .parse()
        .unwrap()
}

fn eth_sign(sk: &k256::ecdsa::SigningKey, statement: &str) -> Vec<u8> {
    let hash = keytree::eip191_hash(statement.as_bytes());
    let (sig, recid) = sk.sign_prehash_recoverable(&hash);
    let mut out = sig.to_bytes().to_vec();
    out.push(27 + recid.to_byte());
    out
}

fn ctx() -> ContextId {
    ContextId::from_bytes([7; 32])
}

fn unsigned(issuer: AccountId) -> keytree::UnsignedDelegation {
    let client = RootKey::from_bytes(&[3; 32]).public_key();
    Delegation::builder(client, ctx(), perms(&["context:execute", "blob"]))
        .valid_between(NOW - 10, NOW + 3600)
        .serial([5; 16])
        .for_wallet(issuer)
        .unwrap()
}

#[test]
fn ethereum_rooted_delegation() {
    let sk = eth_key();
    let account = eth_account(&sk);
    let u = unsigned(account.clone());
    let statement = u.statement();
    assert!(statement.starts_with("keytree delegation v1\n\n"));
    assert!(statement.contains(&u.id().to_string()));
    assert!(statement.contains(&account.to_string()));
    let wallets = WalletRegistry::with_defaults();
    let d = u
        .finish(eth_sign(&sk, &statement))
        .unwrap()
        .verify_signature_with_wallets(&wallets)
        .unwrap();
    assert_eq!(d.wallet_statement().unwrap(), statement);
    d.verify_with_wallets(&wallets, NOW).unwrap();
    assert!(d.verify_with_wallets(&wallets, NOW + 3600).is_err());
    // The native path refuses clearly.
    assert_eq!(
        d.verify(NOW).unwrap_err(),
        Error::Delegation(DelegationError::UnsupportedIssuer)
    );
    // Round trips keep the id and the signature valid. Decoding straight
    // into a (verified) Delegation needs a registry, so it goes through
    // UnverifiedDelegation.
    assert_eq!(
        Delegation::from_bytes(&d.to_bytes()).unwrap_err(),
        Error::Delegation(DelegationError::UnsupportedIssuer)
    );
    let back = UnverifiedDelegation::from_bytes(&d.to_bytes())
        .unwrap()
        .verify_signature_with_wallets(&wallets)
        .unwrap();
    assert_eq!(back, d);
    back.verify_with_wallets(&wallets, NOW).unwrap();
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["issuer"], account.to_string());
    assert!(serde_json::from_value::<Delegation>(json.clone()).is_err());
    let back: UnverifiedDelegation = serde_json::from_value(json.clone()).unwrap();
    let back = back.verify_signature_with_wallets(&wallets).unwrap();
    assert_eq!(back.id(), d.id());
    // A lowercase (non-canonical) issuer text in JSON is refused.
    let mut lower = json.clone();
    lower["issuer"] = account.to_string().to_lowercase().into();
    assert!(serde_json::from_value::<UnverifiedDelegation>(lower).is_err());
    // Another key's signature over the same statement.
    let other = k256::ecdsa::SigningKey::from_slice(&[0x22; 32]).unwrap();
    let forged = unsigned(account.clone())
        .finish(eth_sign(&other, &statement))
        .unwrap();
    assert_eq!(
        forged.verify_signature_with_wallets(&wallets).unwrap_err(),
        Error::Wallet(WalletError::AccountMismatch)
    );
    // Tampering with any field changes the statement: the signature fails.
    let bytes = d.to_bytes();
    let mut rejected = 0;
    for i in 0..bytes.len() - 70 {
        let mut t = bytes.clone();
        t[i] ^= 1;
        if let Ok(t) = UnverifiedDelegation::from_bytes(&t) {
            assert!(
                t.verify_signature_with_wallets(&wallets).is_err(),
                "tamper at {i}"
            );
        }
        rejected += 1;
    }
    assert!(rejected > 0);
    // No verifier registered for the chain.
    assert!(matches!(
        d.verify_with_wallets(&WalletRegistry::new(), NOW)
            .unwrap_err(),
        Error::Wallet(WalletError::UnsupportedChain(_))
    ));
    // Chains rooted at the wallet.
    let client = RootKey::from_bytes(&[3; 32]);
    let sub = RootKey::from_bytes(&[4; 32]).public_key();
    let link1 = Delegation::builder(sub, ctx(), perms(&["blob"]))
        .valid_between(NOW, NOW + 60)
        .child_of(&d)
        .sign_as_root(&client)
        .unwrap();
    let chain = [d.clone(), link1];
    let root = Issuer::Wallet(account.clone());
    let leaf = verify_chain_with_wallets(&chain, &root, NOW + 1, &ChainPolicy::default(), &wallets)
        .unwrap();
    assert_eq!(leaf.subject(), &sub);
    assert!(verify_chain(&chain, &root, NOW + 1, &ChainPolicy::default()).is_err());
    let wrong_root = Issuer::Wallet(eth_account(&other));
    assert!(
        verify_chain_with_wallets(
            &chain,
            &wrong_root,
            NOW + 1,
            &ChainPolicy::default(),
            &wallets
        )
        .is_err()
    );
    assert_eq!(
        keytree::RootIdentity::Wallet(account.clone()).issuer(),
        root
    );
}

#[test]
fn near_stellar_solana_raw_rooted_delegations() {
    let wallets = WalletRegistry::with_defaults();
    let seed = [0x33u8; 32];
    let key = RootKey::from_bytes(&seed);
    let pk = key.public_key();
    // NEAR implicit account.
    let near: AccountId = format!("near:mainnet:{}", keytree::hex_encode(pk.as_bytes()))
        .parse()
        .unwrap();
    let u = unsigned(near);
    let payload = Nep413Payload::new(
        u.statement(),
        *u.id().as_bytes(),
        keytree::NEAR_DELEGATION_RECIPIENT,
        None,
    );
    let sig = key.dalek_sign(&payload.hash());
    let d = u
        .finish([pk.as_bytes().as_slice(), sig.as_bytes()].concat())
        .unwrap()
        .verify_signature_with_wallets(&wallets)
        .unwrap();
    d.verify_with_wallets(&wallets, NOW).unwrap();
    // Stellar.
    let stellar: AccountId = format!(
        "stellar:pubnet:{}",
        Strkey::Account(pk.to_bytes()).encode().as_str()
    )
    .parse()
    .unwrap();
    let u = unsigned(stellar);
    let sig = key.dalek_sign(&keytree::sep53_hash(u.statement().as_bytes()));
    let d = u
        .finish(sig.to_bytes().to_vec())
        .unwrap()
        .verify_signature_with_wallets(&wallets)
        .unwrap();
    d.verify_with_wallets(&wallets, NOW).unwrap();
    // Solana.
    let solana: AccountId = format!(
        "solana:{}:{}",
        keytree::SOLANA_MAINNET,
        keytree::base58_encode(pk.as_bytes())
    )
    .parse()
    .unwrap();
    let u = unsigned(solana.clone());
    let sig = key.dalek_sign(u.statement().as_bytes());
    let d = u
        .finish(sig.to_bytes().to_vec())
        .unwrap()
        .verify_signature_with_wallets(&wallets)
        .unwrap();
    d.verify_with_wallets(&wallets, NOW).unwrap();
    // A Solana signature does not verify for a Stellar account with the same key:
    // the statement names the issuer, and SEP-53 prefixes and hashes.
    let u = unsigned(
        format!(
            "stellar:pubnet:{}",
            Strkey::Account(pk.to_bytes()).encode().as_str()
        )
        .parse()
        .unwrap(),
    );
    assert_eq!(
        u.finish(sig.to_bytes().to_vec())
            .unwrap()
            .verify_signature_with_wallets(&wallets)
            .unwrap_err(),
        Error::InvalidSignature
    );
    // Raw Ed25519.
    let u = unsigned(AccountId::raw_ed25519(&pk));
    let sig = key.dalek_sign(u.statement().as_bytes());
    u.finish(sig.to_bytes().to_vec())
        .unwrap()
        .verify_signature_with_wallets(&wallets)
        .unwrap()
        .verify_with_wallets(&wallets, NOW)
        .unwrap();
    // Raw secp256k1.
    let sk = eth_key();
    let compressed = sk.verifying_key().to_sec1_point(true);
    let raw: AccountId = format!(
        "rawkey:secp256k1:{}",
        keytree::hex_encode(compressed.as_bytes())
    )
    .parse()
    .unwrap();
    let u = unsigned(raw);
    let digest: [u8; 32] = sha2::Sha256::digest(u.statement().as_bytes()).into();
    let (sig, _) = sk.sign_prehash_recoverable(&digest);
    let sig = sig.normalize_s();
    u.finish(sig.to_bytes().to_vec())
        .unwrap()
        .verify_signature_with_wallets(&wallets)
        .unwrap()
        .verify_with_wallets(&wallets, NOW)
        .unwrap();
}

/// FORMATS.md §8: an Ethereum statement signature is stored with v ∈ {27, 28}
/// only. A wallet answer with v ∈ {0, 1} is normalised when attached; a
/// stored 0/1 is refused by both decoders.
#[test]
fn ethereum_v_has_one_stored_form() {
    let sk = eth_key();
    let account = eth_account(&sk);
    let wallets = WalletRegistry::with_defaults();
    let u = unsigned(account);
    let mut sig = eth_sign(&sk, &u.statement());
    let v = sig[64];
    assert!(v == 27 || v == 28);
    sig[64] = v - 27;
    let d = u
        .finish(sig)
        .unwrap()
        .verify_signature_with_wallets(&wallets)
        .unwrap();
    assert_eq!(d.signature_bytes()[64], v);

    let mut bytes = d.to_bytes();
    let last = bytes.len() - 1;
    bytes[last] = v - 27;
    assert!(matches!(
        UnverifiedDelegation::from_bytes(&bytes),
        Err(Error::Decode { .. })
    ));

    let mut json = serde_json::to_value(&d).unwrap();
    let mut raw = keytree::base64url_decode(json["signature"].as_str().unwrap(), "sig").unwrap();
    raw[64] = v - 27;
    json["signature"] = keytree::base64url_encode(&raw).into();
    assert!(serde_json::from_value::<UnverifiedDelegation>(json).is_err());
}
