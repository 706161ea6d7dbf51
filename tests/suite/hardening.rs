//! The "Low" findings of issue 8, one regression test each: time bounds,
//! redaction, mixed-order keys, escaped error text, forwarding views,
//! `RemoveAdmin`, address checksums.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use ed25519_dalek::Signer as _;
use keytree::{
    Context, ContextError, ContextId, ContextOp, Delegation, DelegationId, Error, KeyError,
    MAX_OP_SKEW, MAX_TIMESTAMP, MemoryRefreshStore, OpKind, Permission, PublicKey, RevocationView,
    RootKey, TokenError, TokenIssuer, TokenRequest, TokenSigningKey, TokenValidator,
    base64url_decode, base64url_encode,
};
use serde_json::Value;

use crate::common::block_on;
use crate::common::{Fixture, perms};

const ISS: &str = "https://auth.hardening.test";
const AUD: &str = "api.hardening.test";
const ISSUER_SEED: [u8; 32] = [21; 32];

fn out_of_range<T: std::fmt::Debug>(r: keytree::Result<T>) -> bool {
    matches!(r, Err(Error::TimestampOutOfRange { .. }))
}

// ---- op timestamps: forward skew and the year-9999 cap ---------------------

#[test]
fn far_future_op_cannot_brick_add_member() {
    let mut f = Fixture::new(31);
    // A milliseconds mistake: refused, and the log is not frozen by it.
    let ms = f
        .ctx
        .propose(
            OpKind::AddAdmin {
                key: RootKey::from_bytes(&[32; 32]).public_key(),
            },
            f.now * 1000,
        )
        .sign(&f.root);
    assert!(out_of_range(f.ctx.apply(ms)));
    let (client, _) = f.add_member(0, &["a"]);
    assert!(f.ctx.is_member(&client.public_key(), f.now));
}

#[test]
fn apply_at_bounds_the_forward_skew_of_live_ops() {
    let mut f = Fixture::new(33);
    let admin = RootKey::from_bytes(&[34; 32]).public_key();
    let ahead = f
        .ctx
        .propose(OpKind::AddAdmin { key: admin }, f.now + MAX_OP_SKEW + 1)
        .sign(&f.root);
    assert_eq!(
        f.ctx.apply_at(ahead, f.now).unwrap_err(),
        Error::TimestampOutOfRange {
            what: "op",
            got: f.now + MAX_OP_SKEW + 1,
            max: f.now + MAX_OP_SKEW,
        }
    );
    // Within the skew it is accepted, and AddMember at `now` still works.
    let near = f
        .ctx
        .propose(OpKind::AddAdmin { key: admin }, f.now + 5)
        .sign(&f.root);
    f.ctx.apply_at(near, f.now).unwrap();
    f.now += 5;
    f.add_member(0, &["a"]);
}

#[test]
fn timestamps_beyond_year_9999_are_refused_everywhere() {
    assert_eq!(MAX_TIMESTAMP, 253_402_300_799);
    let root = RootKey::from_bytes(&[35; 32]);
    let id = ContextId::from_bytes([36; 32]);
    // Genesis and later ops.
    assert!(out_of_range(
        Context::builder(id).create(&root, MAX_TIMESTAMP + 1)
    ));
    let mut ctx = Context::builder(id).create(&root, 1_000).unwrap();
    let op = ctx
        .propose(
            OpKind::AddAdmin {
                key: RootKey::from_bytes(&[37; 32]).public_key(),
            },
            MAX_TIMESTAMP + 1,
        )
        .sign(&root);
    // keytree does not sign it, and apply says why.
    assert!(op.signatures().is_empty());
    assert!(out_of_range(ctx.apply(op)));
    // Delegation windows: the cap itself is fine, one past it is not.
    let client = root.derive_client_key(&id, 0);
    let builder = Delegation::builder(client.public_key(), id, perms(&["a"]));
    builder
        .clone()
        .valid_between(1_000, MAX_TIMESTAMP)
        .sign_as_root(&root)
        .unwrap();
    assert!(out_of_range(
        builder
            .clone()
            .valid_between(1_000, MAX_TIMESTAMP + 1)
            .sign_as_root(&root)
    ));
    assert!(out_of_range(
        builder.valid_for(1_000, u64::MAX).sign_as_client(&client)
    ));
    // Delta timestamps.
    assert!(out_of_range(client.sign_delta(
        &id,
        0,
        MAX_TIMESTAMP + 1,
        b"x"
    )));
    client.sign_delta(&id, 0, MAX_TIMESTAMP, b"x").unwrap();
}

#[test]
fn token_exp_beyond_year_9999_is_refused() {
    let mut f = Fixture::new(38);
    let (client, _) = f.add_member(0, &["a"]);
    let issuer = TokenIssuer::new(ISS, TokenSigningKey::from_bytes(&ISSUER_SEED));
    let validator = issuer.validator(AUD, f.now).build().unwrap();
    let token = issuer
        .mint(&f.ctx, &TokenRequest::new(client.public_key(), AUD), f.now)
        .unwrap();
    let forged = resign(&token, |c| {
        c.insert("exp".into(), (MAX_TIMESTAMP + 1).into());
    });
    assert!(out_of_range(validator.validate(&forged, f.now)));
    let ok = resign(&token, |c| {
        c.insert("exp".into(), MAX_TIMESTAMP.into());
    });
    validator.validate(&ok, f.now).unwrap();
}

// ---- TokenPair's Debug -----------------------------------------------------

#[test]
fn token_pair_debug_redacts_the_access_token() {
    let mut f = Fixture::new(39);
    let (client, _) = f.add_member(0, &["a"]);
    let issuer = TokenIssuer::new(ISS, TokenSigningKey::from_bytes(&ISSUER_SEED));
    let store = MemoryRefreshStore::new();
    let pair = block_on(issuer.issue(
        &f.ctx,
        &TokenRequest::new(client.public_key(), AUD),
        &store,
        f.now,
    ))
    .unwrap();
    let shown = format!("{pair:?}");
    let access = pair.access_token();
    assert!(!shown.contains(access), "{shown}");
    for piece in access.split('.') {
        assert!(!shown.contains(piece), "a token part leaked: {shown}");
    }
    assert!(!shown.contains(pair.refresh_token().as_str()), "{shown}");
    assert!(shown.contains("redacted"));
}

// ---- mixed-order keys -------------------------------------------------------

/// A valid key plus an order-8 point: on the curve, not small-order, but
/// with a torsion component.
fn mixed_order_bytes() -> [u8; 32] {
    let base = RootKey::from_bytes(&[40; 32]).public_key().to_bytes();
    let p = ed25519_dalek::VerifyingKey::from_bytes(&base)
        .unwrap()
        .to_edwards();
    let t8 = ed25519_dalek::VerifyingKey::from_bytes(&[
        0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98,
        0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53,
        0xfc, 0x05,
    ])
    .unwrap()
    .to_edwards();
    let mixed = (p + t8).compress().to_bytes();
    let vk = ed25519_dalek::VerifyingKey::from_bytes(&mixed).unwrap();
    assert!(!vk.is_weak(), "the point must not be small-order itself");
    assert!(!vk.to_edwards().is_torsion_free());
    mixed
}

#[test]
fn mixed_order_keys_are_refused_at_every_entry_point() {
    let mixed = mixed_order_bytes();
    let weak = Error::InvalidKey(KeyError::Weak);
    // Bytes.
    assert_eq!(PublicKey::from_bytes(&mixed).unwrap_err(), weak);
    // Text: ed25519:<base58> and did:key.
    let text = format!("ed25519:{}", keytree::base58_encode(&mixed));
    assert_eq!(text.parse::<PublicKey>().unwrap_err(), weak);
    let mut did = vec![0xed, 0x01];
    did.extend_from_slice(&mixed);
    let did = format!("did:key:z{}", keytree::base58_encode(&did));
    assert_eq!(did.parse::<PublicKey>().unwrap_err(), weak);
    // JSON.
    assert!(serde_json::from_value::<PublicKey>(Value::String(text)).is_err());
    // JWK.
    let jwks = format!(
        r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","x":"{}"}}]}}"#,
        base64url_encode(&mixed)
    );
    assert_eq!(keytree::Jwks::from_json(&jwks).unwrap_err(), weak);
}

// ---- attacker-controlled text in errors ---------------------------------

fn sign_raw(header: &str, payload: &str) -> String {
    let key = ed25519_dalek::SigningKey::from_bytes(&ISSUER_SEED);
    let input = format!(
        "{}.{}",
        base64url_encode(header.as_bytes()),
        base64url_encode(payload.as_bytes())
    );
    let sig = key.sign(input.as_bytes());
    format!("{input}.{}", base64url_encode(&sig.to_bytes()))
}

fn decode_part(part: &str) -> Value {
    serde_json::from_slice(&base64url_decode(part, "part").unwrap()).unwrap()
}

fn resign(token: &str, edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> String {
    let mut it = token.split('.');
    let header = decode_part(it.next().unwrap());
    let mut claims = decode_part(it.next().unwrap());
    edit(claims.as_object_mut().unwrap());
    sign_raw(&header.to_string(), &claims.to_string())
}

fn assert_one_safe_line(e: &Error) {
    let shown = e.to_string();
    assert!(
        !shown.contains('\n') && !shown.contains('\r'),
        "a forged log line: {shown:?}"
    );
    assert!(shown.chars().count() < 600, "not truncated: {shown:?}");
}

#[test]
fn attacker_text_in_errors_is_escaped_and_truncated() {
    let mut f = Fixture::new(41);
    let (client, _) = f.add_member(0, &["a"]);
    let issuer = TokenIssuer::new(ISS, TokenSigningKey::from_bytes(&ISSUER_SEED));
    let validator: TokenValidator = issuer.validator(AUD, f.now).build().unwrap();
    let token = issuer
        .mint(&f.ctx, &TokenRequest::new(client.public_key(), AUD), f.now)
        .unwrap();
    let forged_line = "x\n2026-01-01T00:00:00Z INFO admin login ok\r\n";
    let long = "y".repeat(10_000);
    let kid = issuer.active_key().kid().to_owned();
    let payload = decode_part(token.split('.').nth(1).unwrap()).to_string();
    let mut errors = Vec::new();
    // kid, alg and typ in the header.
    for header in [
        serde_json::json!({"alg": "EdDSA", "typ": "at+jwt", "kid": forged_line}),
        serde_json::json!({"alg": "EdDSA", "typ": "at+jwt", "kid": long}),
        serde_json::json!({"alg": forged_line, "typ": "at+jwt", "kid": kid}),
        serde_json::json!({"alg": "EdDSA", "typ": forged_line, "kid": kid}),
        serde_json::json!({"alg": "EdDSA", "typ": "at+jwt", "kid": kid, forged_line: 1}),
    ] {
        errors.push(
            validator
                .validate(&sign_raw(&header.to_string(), &payload), f.now)
                .unwrap_err(),
        );
    }
    // A claim name and a claim value.
    errors.push(
        validator
            .validate(
                &resign(&token, |c| {
                    c.insert(forged_line.into(), 1.into());
                }),
                f.now,
            )
            .unwrap_err(),
    );
    errors.push(
        validator
            .validate(
                &resign(&token, |c| {
                    c.insert("executor_public_key".into(), forged_line.into());
                }),
                f.now,
            )
            .unwrap_err(),
    );
    errors.push(
        validator
            .validate(
                &resign(&token, |c| {
                    c.insert("permissions".into(), serde_json::json!([forged_line]));
                }),
                f.now,
            )
            .unwrap_err(),
    );
    // Decoders that quote their input: a context log, a JWKS, a permission.
    errors.push(
        Context::import_json(&format!(r#"{{"version":1,"ops":[],"{forged_line}":0}}"#))
            .unwrap_err(),
    );
    errors.push(
        keytree::Jwks::from_json(&format!(r#"{{"keys":"{}"}}"#, forged_line.escape_default()))
            .unwrap_err(),
    );
    errors.push(forged_line.parse::<Permission>().unwrap_err());
    for e in &errors {
        assert_one_safe_line(e);
    }
    // The escaping shows the attempt rather than hiding it.
    assert!(
        errors
            .iter()
            .any(|e| e.to_string().contains("x\\n2026-01-01T00:00:00Z INFO")),
        "{errors:?}"
    );
    assert!(matches!(errors[0], Error::Token(TokenError::UnknownKey(_))));
}

// ---- RevocationView forwarding ------------------------------------------

/// A view over a context that counts the calls the validator makes.
struct CountingView<'a> {
    ctx: &'a Context,
    resolved: AtomicU32,
    windows: AtomicU32,
}

impl RevocationView for CountingView<'_> {
    fn context_id(&self) -> &ContextId {
        self.ctx.id()
    }
    fn is_key_revoked(&self, key: &PublicKey) -> bool {
        self.ctx.is_key_revoked(key)
    }
    fn is_delegation_revoked(&self, id: &DelegationId) -> bool {
        self.ctx.is_delegation_revoked(id)
    }
    fn live_permissions_cover(&self, key: &PublicKey, permission: &Permission) -> bool {
        self.ctx.live_permissions_cover(key, permission)
    }
    fn member_window(&self, key: &PublicKey) -> Option<(u64, u64)> {
        self.windows.fetch_add(1, Ordering::Relaxed);
        self.ctx.member_window(key)
    }
    fn resolve_key(&self, key: &[u8; 32]) -> Option<PublicKey> {
        self.resolved.fetch_add(1, Ordering::Relaxed);
        self.ctx.resolve_key(key)
    }
}

#[test]
fn revocation_view_pointers_forward_every_method() {
    let mut f = Fixture::new(42);
    let (client, _) = f.add_member(0, &["a"]);
    let issuer = TokenIssuer::new(ISS, TokenSigningKey::from_bytes(&ISSUER_SEED));
    let validator = issuer.validator(AUD, f.now).build().unwrap();
    let token = issuer
        .mint(&f.ctx, &TokenRequest::new(client.public_key(), AUD), f.now)
        .unwrap();
    let view = || CountingView {
        ctx: &f.ctx,
        resolved: AtomicU32::new(0),
        windows: AtomicU32::new(0),
    };
    let check = |name: &str, counts: &dyn Fn() -> (u32, u32), run: &dyn Fn()| {
        run();
        assert_eq!(
            counts(),
            (1, 1),
            "{name} did not forward (resolve_key, member_window)"
        );
    };
    let v = view();
    check(
        "&T",
        &|| {
            (
                v.resolved.load(Ordering::Relaxed),
                v.windows.load(Ordering::Relaxed),
            )
        },
        &|| {
            validator.validate_for(&&v, &token, f.now).unwrap();
        },
    );
    let b = Box::new(view());
    check(
        "Box<T>",
        &|| {
            (
                b.resolved.load(Ordering::Relaxed),
                b.windows.load(Ordering::Relaxed),
            )
        },
        &|| {
            validator.validate_for(&b, &token, f.now).unwrap();
        },
    );
    let a = Arc::new(view());
    check(
        "Arc<T>",
        &|| {
            (
                a.resolved.load(Ordering::Relaxed),
                a.windows.load(Ordering::Relaxed),
            )
        },
        &|| {
            validator.validate_for(&a, &token, f.now).unwrap();
        },
    );
    let inner = view();
    let d: Box<dyn RevocationView + '_> = Box::new(&inner);
    check(
        "Box<dyn>",
        &|| {
            (
                inner.resolved.load(Ordering::Relaxed),
                inner.windows.load(Ordering::Relaxed),
            )
        },
        &|| {
            validator.validate_for(&d, &token, f.now).unwrap();
        },
    );
}

// ---- RemoveAdmin -----------------------------------------------------------

#[test]
fn remove_admin_revokes_the_members_it_admitted() {
    let mut f = Fixture::new(43);
    let admin = RootKey::from_bytes(&[44; 32]);
    f.apply(OpKind::AddAdmin {
        key: admin.public_key(),
    })
    .unwrap();
    // The admin admits one member (its own delegation, its own op).
    let theirs = f.root.derive_client_key(&f.id(), 7);
    let d = Delegation::builder(theirs.public_key(), f.id(), perms(&["a"]))
        .valid_for(f.now - 10, 3600)
        .sign_as_root(&admin)
        .unwrap();
    let op: ContextOp = f
        .ctx
        .propose(OpKind::AddMember { chain: vec![d] }, f.now)
        .sign(&admin);
    f.ctx.apply(op).unwrap();
    // The root admits another.
    let (ours, _) = f.add_member(0, &["a"]);
    assert!(f.ctx.is_member(&theirs.public_key(), f.now));

    f.apply(OpKind::RemoveAdmin {
        key: admin.public_key(),
    })
    .unwrap();
    assert!(!f.ctx.admins().any(|a| *a == admin.public_key()));
    assert!(!f.ctx.is_member(&theirs.public_key(), f.now));
    assert!(f.ctx.is_revoked(&theirs.public_key()));
    assert_eq!(
        f.ctx.member(&theirs.public_key()).unwrap().revoked_seq(),
        Some(f.ctx.head_seq())
    );
    // The root's member is untouched; the removed key itself is not revoked
    // and can come back as an admin.
    assert!(f.ctx.is_member(&ours.public_key(), f.now));
    assert!(!f.ctx.is_revoked(&admin.public_key()));
    f.apply(OpKind::AddAdmin {
        key: admin.public_key(),
    })
    .unwrap();
    // Revocation stays permanent: the admitted member does not come back.
    assert!(!f.ctx.is_member(&theirs.public_key(), f.now));
    // Replay agrees.
    let replayed = Context::import_json(&f.ctx.export_json().unwrap()).unwrap();
    assert_eq!(replayed.state_hash(), f.ctx.state_hash());
}

#[test]
fn remove_admin_refused_when_its_cascade_breaks_the_threshold() {
    let root = RootKey::from_bytes(&[45; 32]);
    let a1 = RootKey::from_bytes(&[46; 32]);
    let id = ContextId::from_bytes([47; 32]);
    let mut ctx = Context::builder(id)
        .admin(a1.public_key())
        .threshold(2)
        .create(&root, 1_000)
        .unwrap();
    // a1 admits a member that is then made an admin too: 3 admins, k = 2.
    let member = root.derive_client_key(&id, 1);
    let d = Delegation::builder(member.public_key(), id, perms(&["a"]))
        .valid_for(900, 3600)
        .sign_as_root(&a1)
        .unwrap();
    let op = ctx
        .propose(OpKind::AddMember { chain: vec![d] }, 1_000)
        .sign(&root)
        .sign(&a1);
    ctx.apply(op).unwrap();
    let op = ctx
        .propose(
            OpKind::AddAdmin {
                key: member.public_key(),
            },
            1_000,
        )
        .sign(&root)
        .sign(&a1);
    ctx.apply(op).unwrap();
    // Removing a1 would also revoke that admin: 1 left < 2.
    let op = ctx
        .propose(
            OpKind::RemoveAdmin {
                key: a1.public_key(),
            },
            1_000,
        )
        .sign(&root)
        .sign(&a1);
    assert!(matches!(
        ctx.apply(op),
        Err(Error::Context(ContextError::InvalidThreshold {
            admins: 1,
            ..
        }))
    ));
}

// ---- address checksums are decode errors -------------------------------

#[cfg(feature = "stellar")]
#[test]
fn stellar_strkey_checksum_mismatch_is_a_decode_error() {
    let good = keytree::Strkey::Account([7; 32]).encode();
    let mut bad: Vec<char> = good.chars().collect();
    // Change one character of the checksum area (the last base32 digits).
    let last = bad.len() - 2;
    bad[last] = if bad[last] == 'A' { 'B' } else { 'A' };
    let bad: String = bad.into_iter().collect();
    assert_eq!(
        keytree::Strkey::decode(&bad).unwrap_err(),
        Error::Decode {
            what: "stellar strkey",
            reason: keytree::DecodeReason::Checksum("crc16-xmodem"),
        }
    );
}

#[cfg(feature = "icp")]
#[test]
fn icp_principal_checksum_mismatch_is_a_decode_error() {
    let err = keytree::Principal::from_text("baaaa-aa").unwrap_err();
    assert!(
        matches!(
            err,
            Error::Decode {
                reason: keytree::DecodeReason::Checksum("crc32"),
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("checksum"));
}
