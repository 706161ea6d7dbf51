//! Async resolvers: an RPC-backed `Eip1271Resolver` or `AccessKeyResolver`
//! is awaited by `verify_async` (and login's `redeem`); sync resolvers and
//! closures stay one line; a resolver still waiting fails the sync path
//! closed.

use std::sync::Arc;

use base64::Engine as _;

use crate::common::DalekSign as _;
use keytree::{
    AccessKeyPermission, AccessKeyResolver, AccountId, Eip1271Resolver, Error, EthereumProof,
    EthereumVerifier, Expectations, NearProof, NearVerifier, Nep413Payload, PublicKey, RootKey,
    SignerKey, WalletError, WalletFuture, WalletProof, WalletRegistry, WalletVerifier,
};

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

const CONTRACT: &str = "eip155:1:0x0Fa26cFB399AAbf9C3366b3aE297365761c63df4";

/// Answers after a real wait (one yield to the runtime), as an RPC would.
struct Rpc {
    contract: [u8; 20],
}

impl Eip1271Resolver for Rpc {
    fn is_valid_signature<'a>(
        &'a self,
        _chain_id: u64,
        contract: &'a [u8; 20],
        _hash: &'a [u8; 32],
        signature: &'a [u8],
    ) -> WalletFuture<'a, bool> {
        Box::pin(async move {
            tokio::task::yield_now().await;
            Ok(contract == &self.contract && signature == [7; 64])
        })
    }
}

fn contract_proof() -> (WalletProof, Expectations<'static>) {
    let account: AccountId = CONTRACT.parse().unwrap();
    let proof = EthereumProof::personal_sign(account, "sign in", &"07".repeat(64)).unwrap();
    (proof.into(), Expectations::at(0).message(b"sign in"))
}

#[test]
fn eip1271_async_resolver_is_awaited() {
    let (proof, expect) = contract_proof();
    let contract = keytree::parse_eth_address(&CONTRACT[9..]).unwrap();
    let verifier = EthereumVerifier::new().with_eip1271(Rpc { contract });
    let who = block_on(verifier.verify_async(&proof, &expect)).unwrap();
    assert_eq!(who.signer, SignerKey::Contract);
    // Through the registry, and through Arc / Box / & forwarding.
    let mut registry = WalletRegistry::new();
    registry.register(EthereumVerifier::new().with_eip1271(Arc::new(Rpc { contract })));
    assert!(block_on(registry.verify_async(&proof, &expect)).is_ok());
    let boxed: Box<dyn Eip1271Resolver> = Box::new(Rpc { contract });
    let v = EthereumVerifier::new().with_eip1271(boxed);
    assert!(block_on(v.verify_async(&proof, &expect)).is_ok());
    // The sync path cannot wait: it refuses, closed, and says why.
    let err = verifier.verify(&proof, &expect).unwrap_err();
    assert!(
        matches!(err, Error::Wallet(WalletError::Resolver(_))),
        "{err}"
    );
    assert!(err.to_string().contains("verify_async"), "{err}");
    // Another contract: the resolver says no.
    let other = EthereumVerifier::new().with_eip1271(Rpc { contract: [1; 20] });
    assert_eq!(
        block_on(other.verify_async(&proof, &expect)).unwrap_err(),
        Error::InvalidSignature
    );
}

#[test]
fn eip1271_sync_closure() {
    let (proof, expect) = contract_proof();
    let yes = EthereumVerifier::new()
        .with_eip1271_sync(|_: u64, _: &[u8; 20], _: &[u8; 32], s: &[u8]| Ok(s == [7; 64]));
    // Both paths work with a resolver that answers at once.
    assert_eq!(
        yes.verify(&proof, &expect).unwrap().signer,
        SignerKey::Contract
    );
    assert!(block_on(yes.verify_async(&proof, &expect)).is_ok());
    let down = EthereumVerifier::new().with_eip1271_sync(
        |_: u64, _: &[u8; 20], _: &[u8; 32], _: &[u8]| -> keytree::Result<bool> {
            Err(WalletError::Resolver("rpc down".into()).into())
        },
    );
    assert_eq!(
        down.verify(&proof, &expect).unwrap_err(),
        Error::Wallet(WalletError::Resolver("rpc down".into()))
    );
}

/// A NEP-413 proof by `key` for the named account `alice.near`.
fn near_proof(key: &RootKey) -> (WalletProof, Nep413Payload) {
    let payload = Nep413Payload::new("sign in", [9; 32], "example.com", None);
    let sig = key.dalek_sign(&payload.hash());
    let proof = NearProof::new(
        "near:mainnet:alice.near".parse().unwrap(),
        &format!(
            "ed25519:{}",
            keytree::base58_encode(key.public_key().as_bytes())
        ),
        payload.clone(),
        &base64::engine::general_purpose::STANDARD.encode(sig.as_bytes()),
    )
    .unwrap();
    (proof.into(), payload)
}

/// Looks keys up after a wait.
struct Indexer(PublicKey);

impl AccessKeyResolver for Indexer {
    fn access_key<'a>(
        &'a self,
        account: &'a AccountId,
        key: &'a PublicKey,
    ) -> WalletFuture<'a, Option<AccessKeyPermission>> {
        Box::pin(async move {
            tokio::task::yield_now().await;
            Ok((account.address() == "alice.near" && *key == self.0)
                .then_some(AccessKeyPermission::FullAccess))
        })
    }
}

#[test]
fn access_key_async_resolver_is_awaited() {
    let key = RootKey::from_bytes(&[5; 32]);
    let (proof, payload) = near_proof(&key);
    let expect = Expectations::at(0)
        .message(payload.message.as_bytes())
        .domain("example.com")
        .nonce(&[9; 32]);
    let verifier = NearVerifier::new().with_access_keys(Indexer(key.public_key()));
    let who = block_on(verifier.verify_async(&proof, &expect)).unwrap();
    assert_eq!(who.signer, SignerKey::Ed25519(key.public_key()));
    let err = verifier.verify(&proof, &expect).unwrap_err();
    assert!(
        matches!(err, Error::Wallet(WalletError::Resolver(_))),
        "{err}"
    );
    // Another key is not one of alice's.
    let stranger = NearVerifier::new().with_access_keys(Arc::new(Indexer(
        RootKey::from_bytes(&[6; 32]).public_key(),
    )));
    assert_eq!(
        block_on(stranger.verify_async(&proof, &expect)).unwrap_err(),
        Error::Wallet(WalletError::UnknownAccessKey)
    );
    // A sync closure: one line, both paths.
    let pk = key.public_key();
    let table = NearVerifier::new().with_access_keys_sync(move |a: &AccountId, k: &PublicKey| {
        Ok((a.address() == "alice.near" && *k == pk).then_some(AccessKeyPermission::FullAccess))
    });
    assert!(table.verify(&proof, &expect).is_ok());
    assert!(block_on(table.verify_async(&proof, &expect)).is_ok());
}

/// Login (`redeem`) awaits an RPC-backed EIP-1271 resolver: a contract
/// wallet signs the SIWE challenge, and the resolver answers after a wait.
#[test]
fn login_awaits_an_async_contract_resolver() {
    let contract = keytree::parse_eth_address(&CONTRACT[9..]).unwrap();
    let mut registry = WalletRegistry::with_defaults();
    registry.register(EthereumVerifier::new().with_eip1271(Rpc { contract }));
    let issuer = keytree::ChallengeIssuer::new(
        "example.com",
        keytree::ChallengeKey::from_bytes(&[0x42; 32]),
        keytree::MemoryNonceStore::new(),
    )
    .unwrap()
    .with_registry(registry);
    let account: AccountId = CONTRACT.parse().unwrap();
    let now = 1_700_000_000;
    block_on(async {
        let c = issuer.issue(&account, now).await.unwrap();
        let text = c.message().text();
        let proof: WalletProof = EthereumProof::siwe(text, &"07".repeat(64)).unwrap().into();
        let who = issuer.redeem(&proof, now + 1).await.unwrap();
        assert_eq!(who.account, account);
        assert_eq!(who.signer, SignerKey::Contract);
        // Spent once.
        assert!(issuer.redeem(&proof, now + 2).await.is_err());
        // A signature the contract refuses fails, after the wait.
        let c = issuer.issue(&account, now).await.unwrap();
        let bad: WalletProof = EthereumProof::siwe(c.message().text(), &"08".repeat(64))
            .unwrap()
            .into();
        assert_eq!(
            issuer.redeem(&bad, now + 1).await.unwrap_err(),
            Error::InvalidSignature
        );
    });
}
