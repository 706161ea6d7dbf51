//! A delegation's window bounds authority everywhere (issue 8, "High").
//!
//! One member holds a 60-second delegation, `[T, T + 60)`, and was never
//! revoked. Every API that answers "authorized", "member" or "valid" must
//! say yes inside the window and no at `T + 60` and after.

use keytree::{
    ClientKey, Context, ContextError, ContextId, Delegation, DeltaPolicy, Error, OpKind,
    Permission, Permissions, RevocationView, RootKey, TokenError, TokenIssuer, TokenRequest,
    TokenSigningKey, TokenValidator,
};

const T: u64 = 1_700_000_000;
const END: u64 = T + 60;
const AUD: &str = "api.expiry.test";

/// Instants at which the delegation has lapsed.
const LAPSED: [u64; 3] = [END, END + 1, END + 86_400];

struct Short {
    root: RootKey,
    ctx: Context,
    client: ClientKey,
    exec: Permission,
}

impl Short {
    fn new(seed: u8) -> Self {
        let root = RootKey::from_bytes(&[seed; 32]);
        let id = ContextId::from_bytes([seed.wrapping_add(1); 32]);
        let mut ctx = Context::builder(id).create(&root, T).unwrap();
        let client = root.derive_client_key(&id, 0);
        let d = Delegation::builder(
            client.public_key(),
            id,
            Permissions::parse(["context:execute"]).unwrap(),
        )
        .valid_for(T, 60)
        .sign_as_root(&root)
        .unwrap();
        assert_eq!((d.not_before(), d.expires_at()), (T, END));
        let op = ctx
            .propose(OpKind::AddMember { chain: vec![d] }, T)
            .sign(&root);
        ctx.apply(op).unwrap();
        Self {
            root,
            ctx,
            client,
            exec: "context:execute".parse().unwrap(),
        }
    }

    fn key(&self) -> keytree::PublicKey {
        self.client.public_key()
    }
}

fn outside_window(r: keytree::Result<()>) -> bool {
    matches!(r, Err(Error::Context(ContextError::OutsideWindow { .. })))
}

#[test]
fn authorize_refuses_a_lapsed_delegation() {
    let s = Short::new(1);
    let head = s.ctx.head_seq();
    s.ctx.authorize(&s.key(), &s.exec, head, T).unwrap();
    s.ctx.authorize(&s.key(), &s.exec, head, END - 1).unwrap();
    for at in LAPSED {
        let r = s.ctx.authorize(&s.key(), &s.exec, head, at);
        assert!(outside_window(r.clone()), "authorized at {at}: {r:?}");
    }
    // Not yet valid is refused too.
    assert!(outside_window(s.ctx.authorize(
        &s.key(),
        &s.exec,
        head,
        T - 1
    )));
    // The system clock is long past END.
    assert!(outside_window(s.ctx.authorize_now(&s.key(), &s.exec)));
    // The root has no window.
    s.ctx
        .authorize(&s.root.public_key(), &s.exec, head, END + 1)
        .unwrap();
}

#[test]
fn authorize_at_op_uses_the_op_timestamp() {
    let mut s = Short::new(2);
    let added = s.ctx.head_seq();
    // A later op, stamped exactly at the end of the window.
    let other = RootKey::from_bytes(&[99; 32]).public_key();
    let op = s
        .ctx
        .propose(OpKind::AddAdmin { key: other }, END)
        .sign(&s.root);
    s.ctx.apply(op).unwrap();
    s.ctx.authorize_at_op(&s.key(), &s.exec, added).unwrap();
    assert!(outside_window(s.ctx.authorize_at_op(
        &s.key(),
        &s.exec,
        s.ctx.head_seq()
    )));
}

#[test]
fn is_member_refuses_a_lapsed_delegation() {
    let s = Short::new(3);
    assert!(s.ctx.is_member(&s.key(), T));
    assert!(s.ctx.is_member(&s.key(), END - 1));
    for at in LAPSED {
        assert!(!s.ctx.is_member(&s.key(), at), "member at {at}");
    }
    assert!(!s.ctx.is_member(&s.key(), T - 1));
    assert!(!s.ctx.is_member_now(&s.key()));
    // Inspection still shows the member and its window.
    let info = s.ctx.member(&s.key()).unwrap();
    assert_eq!(info.window(), Some((T, END)));
    assert!(info.is_live_at(END - 1));
    assert!(!info.is_live_at(END));
}

#[test]
fn permissions_refuses_a_lapsed_delegation() {
    let s = Short::new(4);
    assert_eq!(
        s.ctx.permissions(&s.key(), END - 1),
        Some(&Permissions::parse(["context:execute"]).unwrap())
    );
    for at in LAPSED {
        assert_eq!(s.ctx.permissions(&s.key(), at), None, "permissions at {at}");
    }
    assert_eq!(s.ctx.permissions_now(&s.key()), None);
}

#[test]
fn verify_delta_refuses_a_delta_stamped_after_the_window() {
    let s = Short::new(5);
    let id = *s.ctx.id();
    let head = s.ctx.head_seq();
    let inside = s.client.sign_delta(&id, head, END - 1, b"in time").unwrap();
    s.ctx
        .verify_delta(&inside, &s.exec, DeltaPolicy::Historical)
        .unwrap();
    for at in LAPSED {
        let late = s.client.sign_delta(&id, head, at, b"late").unwrap();
        for policy in [
            DeltaPolicy::Historical,
            DeltaPolicy::Strict {
                first_seen_seq: head,
                first_seen_at: at,
            },
        ] {
            let r = s.ctx.verify_delta(&late, &s.exec, policy);
            assert!(outside_window(r.clone()), "{policy:?} at {at}: {r:?}");
        }
    }
}

#[test]
fn verify_delta_strict_refuses_a_delta_first_seen_after_the_window() {
    let s = Short::new(6);
    let id = *s.ctx.id();
    let head = s.ctx.head_seq();
    // Back-dated: stamped inside the window, but signed (and seen) later.
    let backdated = s.client.sign_delta(&id, head, T + 1, b"backdated").unwrap();
    // The documented trade-off: history accepts it.
    s.ctx
        .verify_delta(&backdated, &s.exec, DeltaPolicy::Historical)
        .unwrap();
    s.ctx
        .verify_delta(
            &backdated,
            &s.exec,
            DeltaPolicy::Strict {
                first_seen_seq: head,
                first_seen_at: END - 1,
            },
        )
        .unwrap();
    for at in LAPSED {
        assert_eq!(
            s.ctx
                .verify_delta(
                    &backdated,
                    &s.exec,
                    DeltaPolicy::Strict {
                        first_seen_seq: head,
                        first_seen_at: at,
                    },
                )
                .unwrap_err(),
            Error::Context(ContextError::SeenOutsideWindow),
            "strict, first seen at {at}"
        );
    }
}

#[test]
fn delta_timestamp_is_signed() {
    let s = Short::new(7);
    let delta = s
        .client
        .sign_delta(s.ctx.id(), s.ctx.head_seq(), T + 5, b"x")
        .unwrap();
    assert_eq!(delta.timestamp(), T + 5);
    // Moving the timestamp (back into the window, say) breaks the signature.
    let mut json = serde_json::to_value(&delta).unwrap();
    assert_eq!(json["timestamp"], T + 5);
    json["timestamp"] = (T + 6).into();
    let moved: keytree::Delta = serde_json::from_value(json).unwrap();
    assert_eq!(
        s.ctx
            .verify_delta(&moved, &s.exec, DeltaPolicy::Historical)
            .unwrap_err(),
        Error::InvalidSignature
    );
    // The timestamp sits right after `seq` in the signed bytes.
    let bytes = delta.signing_bytes();
    let tail = 8 + 4 + delta.payload().len();
    let ts = &bytes[bytes.len() - tail..bytes.len() - tail + 8];
    assert_eq!(ts, (T + 5).to_be_bytes());
    let seq = &bytes[bytes.len() - tail - 8..bytes.len() - tail];
    assert_eq!(seq, delta.seq().to_be_bytes());
}

fn issuer_and_validator(s: &Short) -> (TokenIssuer, TokenValidator, String) {
    let issuer = TokenIssuer::new(
        "https://auth.expiry.test",
        TokenSigningKey::from_bytes(&[8; 32]),
    );
    let validator = issuer.validator(AUD, T).build().unwrap();
    let token = issuer
        .mint(&s.ctx, &TokenRequest::new(s.key(), AUD).ttl(3600), T)
        .unwrap();
    (issuer, validator, token)
}

fn outside_window_token(r: keytree::Result<keytree::ValidatedToken>) -> bool {
    matches!(r, Err(Error::Token(TokenError::ExecutorOutsideWindow(_))))
}

#[test]
fn validate_for_refuses_a_lapsed_delegation_within_the_leeway() {
    let s = Short::new(9);
    let (_, validator, token) = issuer_and_validator(&s);
    validator.validate_for(&s.ctx, &token, END - 1).unwrap();
    // The token's own exp is END (cut at the window), and the 60 s leeway
    // would carry it to END + 59: the delegation has lapsed, so no.
    validator.validate(&token, END + 30).unwrap();
    for at in [END, END + 1, END + 59] {
        let r = validator.validate_for(&s.ctx, &token, at);
        assert!(outside_window_token(r.clone()), "valid at {at}: {r:?}");
    }
    assert!(validator.validate_for_now(&s.ctx, &token).is_err());
}

/// A view whose stored window is shorter than the token: e.g. a server's own
/// store after the member's delegation was replaced, or any token whose `exp`
/// outlives the delegation.
struct ShortenedView<'a> {
    ctx: &'a Context,
    end: u64,
}

impl RevocationView for ShortenedView<'_> {
    fn context_id(&self) -> &ContextId {
        self.ctx.context_id()
    }
    fn is_key_revoked(&self, key: &keytree::PublicKey) -> bool {
        self.ctx.is_key_revoked(key)
    }
    fn is_delegation_revoked(&self, id: &keytree::DelegationId) -> bool {
        self.ctx.is_delegation_revoked(id)
    }
    fn live_permissions_cover(&self, key: &keytree::PublicKey, p: &Permission) -> bool {
        self.ctx.live_permissions_cover(key, p)
    }
    fn member_window(&self, key: &keytree::PublicKey) -> Option<(u64, u64)> {
        self.ctx.member_window(key).map(|(nb, _)| (nb, self.end))
    }
}

#[test]
fn validate_for_refuses_when_the_window_ends_before_the_token() {
    let s = Short::new(10);
    let (_, validator, token) = issuer_and_validator(&s);
    let view = ShortenedView {
        ctx: &s.ctx,
        end: T + 10,
    };
    validator.validate_for(&view, &token, T + 9).unwrap();
    assert!(outside_window_token(validator.validate_for(
        &view,
        &token,
        T + 10
    )));
    // And the token of a member restored by SetPermissions after its window
    // closed is still refused: restoring permissions does not reopen time.
    let mut s = Short::new(11);
    let (_, validator, token) = issuer_and_validator(&s);
    let key = s.key();
    for perms in [
        Permissions::parse(["context:execute:x"]).unwrap(),
        Permissions::parse(["context:execute"]).unwrap(),
    ] {
        let op = s
            .ctx
            .propose(
                OpKind::SetPermissions {
                    member: key,
                    permissions: perms,
                },
                END + 5,
            )
            .sign(&s.root);
        s.ctx.apply(op).unwrap();
    }
    assert!(outside_window_token(validator.validate_for(
        &s.ctx,
        &token,
        END + 10
    )));
}

#[test]
fn validate_batch_for_refuses_a_lapsed_delegation() {
    let s = Short::new(12);
    let (issuer, validator, token) = issuer_and_validator(&s);
    let second = issuer
        .mint(&s.ctx, &TokenRequest::new(s.key(), AUD), T + 1)
        .unwrap();
    let tokens = [token.as_str(), second.as_str()];
    assert!(
        validator
            .validate_batch_for(&s.ctx, &tokens, END - 1)
            .iter()
            .all(Result::is_ok)
    );
    for at in [END, END + 59] {
        for r in validator.validate_batch_for(&s.ctx, &tokens, at) {
            assert!(outside_window_token(r.clone()), "valid at {at}: {r:?}");
        }
    }
}
