//! Mints a context token for a demo context and prints, as one JSON object
//! on stdout, everything a relying party needs to validate it:
//! `{"issuer", "audience", "now", "jwks", "token", "context_id",
//! "executor_public_key", "permissions"}`.
//!
//! `tests/interop/pyjwt_validate.py` reads this output and validates the
//! token with PyJWT using only the JWKS:
//!
//! ```text
//! cargo run -q --example mint_token | python3 tests/interop/pyjwt_validate.py
//! ```

use keytree::{
    Context, ContextId, Delegation, OpKind, Permissions, RootKey, TokenIssuer, TokenRequest,
    TokenSigningKey,
};

fn main() -> Result<(), keytree::Error> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut rng = rand::rng();

    // A context with one member holding two permissions for a day.
    let root = RootKey::generate(&mut rng);
    let id = ContextId::generate(&mut rng);
    let mut ctx = Context::builder(id).create(&root, now)?;
    let client = root.derive_client_key(&id, 0);
    let grant = Delegation::builder(
        client.public_key(),
        id,
        Permissions::parse(["blob:read", "context:execute"])?,
    )
    .valid_for(now.saturating_sub(60), 86_400)
    .sign_as_root(&root)?;
    let op = ctx
        .propose(OpKind::AddMember { chain: vec![grant] }, now)
        .sign(&root);
    ctx.apply(op)?;

    // The issuer mints; the relying party gets only the JWKS and the token.
    let issuer_name = "https://auth.keytree.example";
    let audience = "api.keytree.example";
    let issuer = TokenIssuer::new(issuer_name, TokenSigningKey::generate(&mut rng));
    let token = issuer.mint(&ctx, &TokenRequest::new(client.public_key(), audience), now)?;

    // Check it ourselves before handing it out.
    let validator = issuer.validator(audience, now).build()?;
    let valid = validator.validate_for(&ctx, &token, now)?;

    let jwks: serde_json::Value = serde_json::from_str(&issuer.jwks(now).to_json())
        .map_err(|e| keytree::TokenError::Malformed(e.to_string()))?;
    let out = serde_json::json!({
        "issuer": issuer_name,
        "audience": audience,
        "now": now,
        "jwks": jwks,
        "token": token,
        "context_id": id.to_string(),
        "executor_public_key": client.public_key().to_string(),
        "permissions": valid.claims().permissions(),
    });
    println!("{out}");
    Ok(())
}
