//! keytree end to end: root key → derived client key → context → member →
//! signed delta → revocation → the old delta still verifies, a new one is
//! refused.
//!
//! Run: `cargo run --example quickstart`. Exits non-zero on any failure.

use std::process::ExitCode;

use keytree::{
    Context, ContextId, Delegation, DeltaPolicy, Error, OpKind, Permission, Permissions, RootKey,
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
    context.authorize(&client.public_key(), &execute, context.head_seq())?;
    expect(
        context.is_member(&client.public_key()),
        "client is a member",
    )?;

    println!("5. the client signs a delta; the context verifies it");
    let old_delta = client.sign_delta(&context_id, context.head_seq(), b"set counter = 1");
    context.verify_delta(&old_delta, &execute, DeltaPolicy::Historical)?;
    expect(true, "delta signed before revocation verifies")?;

    println!("6. revoke the client key");
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
        !context.is_member(&client.public_key()),
        "client is no longer a member",
    )?;

    println!("7. history stays valid, new work is refused");
    context.verify_delta(&old_delta, &execute, DeltaPolicy::Historical)?;
    expect(true, "the old delta still verifies")?;
    let new_delta = client.sign_delta(&context_id, context.head_seq(), b"set counter = 2");
    match context.verify_delta(&new_delta, &execute, DeltaPolicy::Historical) {
        Err(Error::Context(e)) => println!("  ok: the new delta is refused: {e}"),
        Err(e) => return Err(format!("new delta refused for the wrong reason: {e}").into()),
        Ok(()) => return Err("a delta from a revoked key was accepted".into()),
    }

    println!("8. export the log and replay it elsewhere");
    let json = context.export_json()?;
    let replayed = Context::import_json(&json)?;
    expect(
        replayed.state_hash() == context.state_hash(),
        "replay gives the same state hash",
    )?;
    Ok(())
}
