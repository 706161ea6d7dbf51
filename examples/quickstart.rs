//! keytree end to end: root key → derived client key → context → member →
//! signed delta → context token → revocation (the old delta still verifies,
//! a new one and the token are refused) → an Ethereum-rooted delegation →
//! a wallet login (challenge, SIWE signature, single-use redeem) that ends in
//! a context token.
//!
//! Run: `cargo run --example quickstart`. Exits non-zero on any failure.

use std::process::ExitCode;

use keytree::{
    AccountId, ChallengeIssuer, ChallengeMessage, Context, ContextId, Delegation, DeltaPolicy,
    Error, EthereumProof, MemoryNonceStore, OpKind, Permission, Permissions, RootKey, TokenIssuer,
    TokenRequest, TokenSigningKey, WalletRegistry,
};

fn main() -> ExitCode {
    match run() {
        Ok(()) => {
            println!("\nquickstart: all steps passed");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("\nquickstart FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Turns an unexpected outcome into an error that names the step.
fn expect(ok: bool, step: &str) -> Result<(), String> {
    if ok {
        println!("  ok: {step}");
        Ok(())
    } else {
        Err(format!("step failed: {step}"))
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let now = 1_700_000_000; // every time check takes `now` explicitly

    println!("1. root key");
    let root = RootKey::generate(&mut rand::rng());
    println!("   root public key: {}", root.public_key());
    println!("   as did:key:      {}", root.public_key().to_did_key());

    println!("2. context genesis (the root is its first admin)");
    let context_id = ContextId::generate(&mut rand::rng());
    let mut context = Context::builder(context_id).create(&root, now)?;
    println!("   context id: {context_id}");

    println!("3. derive a client key for this context and delegate to it");
    let client = root.derive_client_key(&context_id, 0);
    let again = root.derive_client_key(&context_id, 0);
    expect(
        client.public_key() == again.public_key(),
        "derivation is deterministic",
    )?;
    let delegation = Delegation::builder(
        client.public_key(),
        context_id,
        Permissions::parse(["context:execute"])?,
    )
    .valid_for(now, 24 * 3600)
    .sign_as_root(&root)?;
    delegation.verify(now)?;
    let delegation_expires_at = delegation.expires_at();
    println!("   client key: {}", client.public_key());
    println!("   delegation id: {}", delegation.id());

    println!("4. add the client key as a member (a signed op in the context log)");
    let op = context
        .propose(
            OpKind::AddMember {
                chain: vec![delegation],
            },
            now,
        )
        .sign(&root);
    context.apply(op)?;
    let execute: Permission = "context:execute".parse()?;
    // Live questions take the current time: the delegation's window
    // [not_before, expires_at) bounds every answer.
    context.authorize(&client.public_key(), &execute, context.head_seq(), now)?;
    expect(
        context.is_member(&client.public_key(), now),
        "client is a member",
    )?;
    expect(
        !context.is_member(&client.public_key(), delegation_expires_at),
        "an expired delegation grants nothing",
    )?;

    println!("5. the client signs a delta; the context verifies it");
    // A delta carries its signed timestamp, checked against the signer's window.
    let old_delta = client.sign_delta(&context_id, context.head_seq(), now, b"set counter = 1")?;
    context.verify_delta(&old_delta, &execute, DeltaPolicy::Historical)?;
    expect(true, "delta signed before revocation verifies")?;

    println!("6. mint a context token for the member and validate it against the live context");
    let issuer = TokenIssuer::new(
        "https://auth.example",
        TokenSigningKey::generate(&mut rand::rng()),
    );
    let token = issuer.mint(
        &context,
        &TokenRequest::new(client.public_key(), "api.example"),
        now,
    )?;
    let validator = issuer.validator("api.example", now).build()?;
    let validated = validator.validate_for(&context, &token, now + 1)?;
    validated.require(&execute)?;
    println!("   token: {}…", token.get(..48).unwrap_or(&token));
    expect(true, "the token validates and grants context:execute")?;
    println!(
        "   JWKS for /.well-known/jwks.json: {}",
        issuer.jwks(now).to_json()
    );

    println!("7. revoke the client key");
    let op = context
        .propose(
            OpKind::RevokeKey {
                key: client.public_key(),
            },
            now + 60,
        )
        .sign(&root);
    context.apply(op)?;
    expect(
        !context.is_member(&client.public_key(), now + 60),
        "client is no longer a member",
    )?;

    match validator.validate_for(&context, &token, now + 61) {
        Err(e) => println!("  ok: the unexpired token is refused at once: {e}"),
        Ok(_) => return Err("a token of a revoked member was accepted".into()),
    }

    println!("8. history stays valid, new work is refused");
    context.verify_delta(&old_delta, &execute, DeltaPolicy::Historical)?;
    expect(true, "the old delta still verifies")?;
    let new_delta = client.sign_delta(
        &context_id,
        context.head_seq(),
        now + 61,
        b"set counter = 2",
    )?;
    match context.verify_delta(&new_delta, &execute, DeltaPolicy::Historical) {
        Err(Error::Context(e)) => println!("  ok: the new delta is refused: {e}"),
        Err(e) => return Err(format!("new delta refused for the wrong reason: {e}").into()),
        Ok(()) => return Err("a delta from a revoked key was accepted".into()),
    }

    println!("9. export the log and replay it elsewhere");
    let json = context.export_json()?;
    let replayed = Context::import_json(&json)?;
    expect(
        replayed.state_hash() == context.state_hash(),
        "replay gives the same state hash",
    )?;

    println!("10. a wallet as root: an Ethereum account delegates to a client key");
    ethereum_rooted_delegation(now)?;

    println!("11. wallet login: challenge, SIWE signature, redeem once, context token");
    wallet_login(now)?;
    Ok(())
}

/// The memory store never pends, so one poll completes each call: the
/// quickstart needs no async runtime. (A server awaits these in its own.)
fn block_on<F: std::future::Future>(future: F) -> Result<F::Output, String> {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(v) => Ok(v),
        std::task::Poll::Pending => Err("the memory store pended".into()),
    }
}

/// A server issues a login challenge for an Ethereum account, the wallet (a
/// fixed test key here) signs the SIWE text, the server redeems it exactly
/// once and mints a context token for the client key the wallet controls.
fn wallet_login(now: u64) -> Result<(), Box<dyn std::error::Error>> {
    let wallet = k256::ecdsa::SigningKey::from_slice(&[0x11; 32])?;
    let address = keytree::ethereum_address_of(wallet.verifying_key());
    let account: AccountId = format!("eip155:1:{}", keytree::eip55_encode(&address)).parse()?;

    // The key that seals nonces (issuing stores nothing); a fleet shares it.
    let login = ChallengeIssuer::new(
        "app.example.com",
        keytree::ChallengeKey::generate(&mut rand::rng()),
        MemoryNonceStore::new(),
    )?;
    let challenge = block_on(login.issue(&account, now))??;
    let ChallengeMessage::Siwe(text) = challenge.message() else {
        return Err("an Ethereum account gets a SIWE message".into());
    };
    println!("   the wallet is asked to sign:\n{}", indent(text));

    // What the wallet does: EIP-191 personal_sign over the exact text.
    let (sig, recovery) = wallet.sign_prehash_recoverable(&keytree::eip191_hash(text.as_bytes()));
    let mut signature = sig.to_bytes().to_vec();
    signature.push(27 + recovery.to_byte());
    let proof = EthereumProof::siwe(text, &keytree::hex_encode(&signature))?.into();

    let who = block_on(login.redeem(&proof, now + 5))??;
    println!("   signed in as {}", who.account);
    match block_on(login.redeem(&proof, now + 6))? {
        Err(e) => println!("  ok: the same signature again is refused: {e}"),
        Ok(_) => return Err("a login nonce was spent twice".into()),
    }

    // The signed-in wallet's client key is a member of a context; it gets a token.
    let root = RootKey::generate(&mut rand::rng());
    let context_id = ContextId::generate(&mut rand::rng());
    let mut context = Context::builder(context_id).create(&root, now)?;
    let client = root.derive_client_key(&context_id, 0);
    let grant = Delegation::builder(
        client.public_key(),
        context_id,
        Permissions::parse(["context:execute"])?,
    )
    .valid_for(now, 3600)
    .sign_as_root(&root)?;
    let op = context
        .propose(OpKind::AddMember { chain: vec![grant] }, now)
        .sign(&root);
    context.apply(op)?;
    let issuer = TokenIssuer::new(
        "https://auth.example.com",
        TokenSigningKey::generate(&mut rand::rng()),
    );
    let request = TokenRequest::new(client.public_key(), "api").subject(who.account.to_string());
    let token = issuer.mint(&context, &request, now + 5)?;
    let validator = issuer.validator("api", now).build()?;
    validator
        .validate_for(&context, &token, now + 10)?
        .require(&"context:execute".parse()?)?;
    expect(true, "the login ends in a context token that validates")?;
    Ok(())
}

/// An Ethereum account (a fixed test key standing in for a wallet) signs the
/// delegation statement with EIP-191 `personal_sign`; keytree rebuilds the
/// statement from the fields and verifies it through the wallet registry.
fn ethereum_rooted_delegation(now: u64) -> Result<(), Box<dyn std::error::Error>> {
    let wallet = k256::ecdsa::SigningKey::from_slice(&[0x11; 32])?;
    let address = keytree::ethereum_address_of(wallet.verifying_key());
    let account: AccountId = format!("eip155:1:{}", keytree::eip55_encode(&address)).parse()?;
    println!("   wallet account: {account}");

    let context_id = ContextId::generate(&mut rand::rng());
    let client = keytree::ClientKey::generate(&mut rand::rng()); // wallets cannot derive
    let unsigned = Delegation::builder(
        client.public_key(),
        context_id,
        Permissions::parse(["context:execute"])?,
    )
    .valid_for(now, 3600)
    .for_wallet(account)?;
    let statement = unsigned.statement();
    println!("   the wallet is asked to sign:\n{}", indent(&statement));

    // What the wallet does: personal_sign (EIP-191) of the statement text.
    let hash = keytree::eip191_hash(statement.as_bytes());
    let (sig, recovery) = wallet.sign_prehash_recoverable(&hash);
    let mut signature = sig.to_bytes().to_vec();
    signature.push(27 + recovery.to_byte());

    let wallets = WalletRegistry::with_defaults();
    let delegation = unsigned
        .finish(signature)?
        .verify_signature_with_wallets(&wallets)?;
    let decoded = Delegation::from_bytes_with_wallets(&delegation.to_bytes(), &wallets)?;
    expect(
        decoded == delegation,
        "the delegation decodes and verifies again",
    )?;
    delegation.verify_with_wallets(&wallets, now)?;
    expect(true, "the Ethereum-signed delegation verifies")?;
    expect(
        delegation
            .verify_with_wallets(&wallets, now + 3600)
            .is_err(),
        "and is refused once expired",
    )?;
    Ok(())
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("     | {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
