//! Issue 9 (token side of wallet members): tokens, sessions and API keys
//! for a wallet account that is a member in its own name. The token has no
//! `executor_public_key`; its `sub` is the member's primary account
//! (CAIP-10), and `validate_for` checks the account's live membership,
//! window and permissions. Memory stores, a replica, real Redis.

use keytree::{
    AccountId, ApiKeyIssuer, ApiKeyRequest, Context, ContextError, DelegationError, Error,
    MemberId, MemoryApiKeyStore, MemoryRefreshStore, OpKind, Permission, PermissionError,
    RefreshRecord, RefreshStore, RefreshToken, RevocationView, SessionStore, TokenError,
    TokenIssuer, TokenRequest, TokenSigningKey, TokenValidator, UnverifiedToken,
};

use crate::common::{DalekSign, Fixture, block_on, perms};

const ISS: &str = "https://auth.test";
const AUD: &str = "api";
const ETH: &str = "eip155:1:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
const SOL: &str =
    "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp:7S3P4HxJpyyigGzodYwHtCxZyUQe9JiBMHyRWXArAaKv";
const ETH2: &str = "eip155:137:0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359";

fn acct(s: &str) -> AccountId {
    s.parse().unwrap()
}

fn p(s: &str) -> Permission {
    s.parse().unwrap()
}

struct Setup {
    f: Fixture,
    issuer: TokenIssuer,
    validator: TokenValidator,
}

fn setup(seed: u8) -> Setup {
    let f = Fixture::new(seed);
    let issuer = TokenIssuer::new(ISS, TokenSigningKey::from_bytes(&[seed ^ 0x33; 32]));
    let validator = issuer.validator(AUD, f.now).build().unwrap();
    Setup {
        f,
        issuer,
        validator,
    }
}

/// `AddAccount` for `[now - 10, expires_at)`.
fn add_until(f: &mut Fixture, account: &str, names: &[&str], expires_at: u64) {
    f.apply(OpKind::AddAccount {
        account: acct(account),
        permissions: perms(names),
        not_before: f.now - 10,
        expires_at,
    })
    .unwrap();
}

fn add(f: &mut Fixture, account: &str, names: &[&str]) {
    let end = f.now + 86_400;
    add_until(f, account, names, end);
}

/// The claims JSON of a compact token, as an object.
fn claims_json(token: &str) -> serde_json::Map<String, serde_json::Value> {
    let payload = token.split('.').nth(1).unwrap();
    let bytes = keytree::base64url_decode(payload, "payload").unwrap();
    match serde_json::from_slice(&bytes).unwrap() {
        serde_json::Value::Object(m) => m,
        other => panic!("claims are not an object: {other}"),
    }
}

fn is_token_err(e: &Error, f: impl Fn(&TokenError) -> bool) -> bool {
    matches!(e, Error::Token(t) if f(t))
}

/// Mint, issue, refresh and validate for an Ethereum and a Solana member.
#[test]
fn account_member_mint_issue_refresh_validate() {
    for (seed, account) in [(71u8, ETH), (72, SOL)] {
        let mut s = setup(seed);
        add(&mut s.f, account, &["blob", "context:read"]);
        let (ctx, now) = (&s.f.ctx, s.f.now);
        let who = acct(account);

        // Mint: no executor key, `sub` the CAIP-10 account.
        let request = TokenRequest::for_account(who.clone(), AUD);
        let token = s.issuer.mint(ctx, &request, now).unwrap();
        let json = claims_json(&token);
        assert!(!json.contains_key("executor_public_key"), "{account}");
        assert_eq!(json["sub"], account);
        assert_eq!(json.len(), 10);
        let valid = s.validator.validate_for(ctx, &token, now + 1).unwrap();
        assert_eq!(valid.claims().subject(), account);
        assert_eq!(valid.claims().account(), Some(&who));
        assert_eq!(valid.claims().executor_key_bytes(), None);
        assert_eq!(valid.member().unwrap(), MemberId::Account(who.clone()));
        let err = valid.executor_public_key().unwrap_err();
        assert!(
            is_token_err(
                &err,
                |t| matches!(t, TokenError::InvalidRequest(m) if m.contains("no executor key"))
            ),
            "{err}"
        );
        valid.require(&p("blob:add")).unwrap();
        assert_eq!(
            valid.claims().permissions(),
            &perms(&["blob", "context:read"])
        );
        assert_eq!(
            valid.claims().expires_at(),
            now + keytree::DEFAULT_ACCESS_TTL
        );

        // A subset of the grant, and nothing beyond it.
        let narrow = s
            .issuer
            .mint(ctx, &request.clone().permissions(perms(&["blob:add"])), now)
            .unwrap();
        let valid = s.validator.validate_for(ctx, &narrow, now).unwrap();
        assert_eq!(valid.claims().permissions(), &perms(&["blob:add"]));
        let err = s
            .issuer
            .mint(ctx, &request.clone().permissions(perms(&["admin"])), now)
            .unwrap_err();
        assert!(
            matches!(err, Error::Permission(PermissionError::NotCovered(_))),
            "{err}"
        );
        // An account member's sub is its account: a set one is refused.
        let err = s
            .issuer
            .mint(ctx, &request.clone().subject("someone"), now)
            .unwrap_err();
        assert!(
            is_token_err(&err, |t| matches!(t, TokenError::InvalidRequest(_))),
            "{err}"
        );
        // Not a member at all.
        let stranger = TokenRequest::for_account(acct(ETH2), AUD);
        let err = s.issuer.mint(ctx, &stranger, now).unwrap_err();
        assert!(
            matches!(err, Error::Context(ContextError::NotMember(_))),
            "{err}"
        );

        // Issue and refresh: a session recorded for the account.
        let store = MemoryRefreshStore::new();
        let pair = block_on(s.issuer.issue(ctx, &request, &store, now)).unwrap();
        let valid =
            block_on(
                s.validator
                    .validate_session_for(ctx, pair.access_token(), &store, now + 1),
            )
            .unwrap();
        let sid = *valid.claims().session_id().unwrap();
        assert_eq!(valid.claims().account(), Some(&who));
        let pair2 = block_on(s.issuer.refresh(ctx, pair.refresh_token(), &store, now + 2)).unwrap();
        let valid2 =
            block_on(
                s.validator
                    .validate_session_for(ctx, pair2.access_token(), &store, now + 3),
            )
            .unwrap();
        assert_eq!(valid2.claims().session_id(), Some(&sid));
        assert_eq!(valid2.claims().subject(), account);
        assert!(!claims_json(pair2.access_token()).contains_key("executor_public_key"));
        // The old refresh token is spent (past the retry grace window).
        let err = block_on(
            s.issuer
                .refresh(ctx, pair.refresh_token(), &store, now + 40),
        )
        .unwrap_err();
        assert!(
            is_token_err(&err, |t| *t == TokenError::RefreshReused),
            "{err}"
        );
    }
}

/// Narrowing takes effect at once; refreshing then fails and ends the
/// session, as for key members.
#[test]
fn narrowing_refuses_the_removed_permission_at_once() {
    let mut s = setup(73);
    add(&mut s.f, ETH, &["blob", "context:read"]);
    let now = s.f.now;
    let request = TokenRequest::for_account(acct(ETH), AUD);
    let both = s.issuer.mint(&s.f.ctx, &request, now).unwrap();
    let read_only = s
        .issuer
        .mint(
            &s.f.ctx,
            &request.clone().permissions(perms(&["context:read"])),
            now,
        )
        .unwrap();
    let store = MemoryRefreshStore::new();
    let pair = block_on(s.issuer.issue(&s.f.ctx, &request, &store, now)).unwrap();

    s.f.apply(OpKind::SetAccountPermissions {
        account: acct(ETH),
        permissions: perms(&["context:read"]),
    })
    .unwrap();
    let ctx = &s.f.ctx;
    let err = s.validator.validate_for(ctx, &both, now + 1).unwrap_err();
    assert_eq!(
        err,
        Error::Token(TokenError::PermissionRevoked("blob".into()))
    );
    s.validator.validate_for(ctx, &read_only, now + 1).unwrap();
    // The batch path binds the same way.
    let results =
        s.validator
            .validate_batch_for(ctx, &[both.as_str(), read_only.as_str()], now + 1);
    assert!(results[0].is_err() && results[1].is_ok());
    // Refreshing a session that holds more than the member now does fails
    // and revokes the session.
    let err = block_on(s.issuer.refresh(ctx, pair.refresh_token(), &store, now + 2)).unwrap_err();
    assert!(
        matches!(err, Error::Permission(PermissionError::NotCovered(_))),
        "{err}"
    );
    assert!(block_on(store.session_revoked(&session_of(&pair))).unwrap());
    // New tokens carry only what is left.
    let fresh = s.issuer.mint(ctx, &request, now + 3).unwrap();
    let valid = s.validator.validate_for(ctx, &fresh, now + 3).unwrap();
    assert_eq!(valid.claims().permissions(), &perms(&["context:read"]));
}

/// The session (`sid`) of a pair's access token.
fn session_of(pair: &keytree::TokenPair) -> keytree::SessionId {
    *UnverifiedToken::decode(pair.access_token())
        .unwrap()
        .claims()
        .session_id()
        .unwrap()
}

/// Revocation refuses the account's tokens, minting and refreshing at once.
#[test]
fn revoking_the_account_refuses_at_once() {
    let mut s = setup(74);
    add(&mut s.f, SOL, &["blob"]);
    let now = s.f.now;
    let request = TokenRequest::for_account(acct(SOL), AUD);
    let token = s.issuer.mint(&s.f.ctx, &request, now).unwrap();
    let store = MemoryRefreshStore::new();
    let pair = block_on(s.issuer.issue(&s.f.ctx, &request, &store, now)).unwrap();
    s.validator.validate_for(&s.f.ctx, &token, now).unwrap();

    s.f.apply(OpKind::RevokeAccount { account: acct(SOL) })
        .unwrap();
    let ctx = &s.f.ctx;
    let err = s.validator.validate_for(ctx, &token, now + 1).unwrap_err();
    assert_eq!(err, Error::Token(TokenError::ExecutorRevoked(SOL.into())));
    let err = s.issuer.mint(ctx, &request, now + 1).unwrap_err();
    assert!(
        matches!(err, Error::Context(ContextError::Revoked(_))),
        "{err}"
    );
    let err = block_on(s.issuer.refresh(ctx, pair.refresh_token(), &store, now + 2)).unwrap_err();
    assert!(
        matches!(err, Error::Context(ContextError::Revoked(_))),
        "{err}"
    );
    // The family is revoked: the next try says so.
    let err = block_on(s.issuer.refresh(ctx, pair.refresh_token(), &store, now + 3)).unwrap_err();
    assert!(
        is_token_err(&err, |t| *t == TokenError::RefreshReused
            || *t == TokenError::RefreshRevoked),
        "{err}"
    );
}

/// The member's window bounds `exp`, and a lapsed window refuses a token
/// whatever its `exp` and the leeway say.
#[test]
fn window_expiry_refuses_even_with_a_later_exp() {
    let mut s = setup(75);
    let end = s.f.now + 100;
    add_until(&mut s.f, ETH, &["blob"], end);
    let (ctx, now) = (&s.f.ctx, s.f.now);
    let request = TokenRequest::for_account(acct(ETH), AUD).ttl(1_000);
    let token = s.issuer.mint(ctx, &request, now).unwrap();
    assert_eq!(claims_json(&token)["exp"], end);
    // A validator with a long leeway still accepts the token's own times
    // after `exp`, but the window is checked exactly.
    let lenient = s.issuer.validator(AUD, now).leeway(600).build().unwrap();
    lenient.validate_for(ctx, &token, end - 1).unwrap();
    lenient.validate(&token, end + 10).unwrap();
    let err = lenient.validate_for(ctx, &token, end + 10).unwrap_err();
    assert_eq!(
        err,
        Error::Token(TokenError::ExecutorOutsideWindow(ETH.into()))
    );
    // No minting outside the window, nor before it opens.
    let err = s.issuer.mint(ctx, &request, end).unwrap_err();
    assert!(
        matches!(err, Error::Delegation(DelegationError::Expired { .. })),
        "{err}"
    );
    let err = s.issuer.mint(ctx, &request, now - 11).unwrap_err();
    assert!(
        matches!(err, Error::Delegation(DelegationError::NotYetValid { .. })),
        "{err}"
    );
    // The refresh lifetime is cut at the window's end too.
    let store = MemoryRefreshStore::new();
    let pair = block_on(s.issuer.issue(ctx, &request, &store, now)).unwrap();
    assert_eq!(pair.refresh_expires_at(), end);
}

/// Logging in with a linked account yields the primary as `sub`, and the
/// sessions of both logins belong to one member.
#[test]
fn linked_alias_logs_in_as_the_primary() {
    let mut s = setup(76);
    add(&mut s.f, ETH, &["blob"]);
    s.f.apply(OpKind::LinkAccount {
        member: acct(ETH),
        account: acct(SOL),
    })
    .unwrap();
    let (ctx, now) = (&s.f.ctx, s.f.now);
    let via_alias = TokenRequest::for_account(acct(SOL), AUD);
    let token = s.issuer.mint(ctx, &via_alias, now).unwrap();
    let valid = s.validator.validate_for(ctx, &token, now).unwrap();
    assert_eq!(valid.claims().subject(), ETH);
    assert_eq!(valid.member().unwrap(), MemberId::Account(acct(ETH)));

    let store = MemoryRefreshStore::new();
    let primary_login =
        block_on(
            s.issuer
                .issue(ctx, &TokenRequest::for_account(acct(ETH), AUD), &store, now),
        )
        .unwrap();
    let alias_login = block_on(s.issuer.issue(ctx, &via_alias, &store, now)).unwrap();
    let alias_valid = s
        .validator
        .validate_for(ctx, alias_login.access_token(), now)
        .unwrap();
    // "Log out everywhere" from the alias login ends both sessions.
    let n = block_on(s.issuer.logout_everywhere(&alias_valid, &store)).unwrap();
    assert_eq!(n, 2);
    for pair in [&primary_login, &alias_login] {
        let err =
            block_on(
                s.validator
                    .validate_session_for(ctx, pair.access_token(), &store, now + 1),
            )
            .unwrap_err();
        assert_eq!(err, Error::Token(TokenError::SessionRevoked));
    }
}

/// Logout ends one session without spending its refresh token; logout
/// everywhere ends every session of the account member and no other's.
#[test]
fn logout_and_logout_everywhere_for_an_account_member() {
    let mut s = setup(77);
    add(&mut s.f, ETH, &["blob"]);
    add(&mut s.f, SOL, &["blob"]);
    let (ctx, now) = (&s.f.ctx, s.f.now);
    let eth = TokenRequest::for_account(acct(ETH), AUD);
    let sol = TokenRequest::for_account(acct(SOL), AUD);
    let store = MemoryRefreshStore::new();
    let one = block_on(s.issuer.issue(ctx, &eth, &store, now)).unwrap();
    let two = block_on(s.issuer.issue(ctx, &eth, &store, now)).unwrap();
    let three = block_on(s.issuer.issue(ctx, &eth, &store, now)).unwrap();
    let other = block_on(s.issuer.issue(ctx, &sol, &store, now)).unwrap();

    block_on(s.issuer.logout(one.refresh_token(), &store)).unwrap();
    let err = block_on(
        s.validator
            .validate_session_for(ctx, one.access_token(), &store, now + 1),
    )
    .unwrap_err();
    assert_eq!(err, Error::Token(TokenError::SessionRevoked));
    let err = block_on(s.issuer.refresh(ctx, one.refresh_token(), &store, now + 1)).unwrap_err();
    assert_eq!(err, Error::Token(TokenError::RefreshRevoked));

    // Logout of a session by its access token.
    let valid_three = s
        .validator
        .validate_for(ctx, three.access_token(), now + 1)
        .unwrap();
    block_on(s.issuer.logout_session(&valid_three, &store)).unwrap();

    let valid_two =
        block_on(
            s.validator
                .validate_session_for(ctx, two.access_token(), &store, now + 1),
        )
        .unwrap();
    // Only session two is still live.
    assert_eq!(
        block_on(s.issuer.logout_everywhere(&valid_two, &store)).unwrap(),
        1
    );
    for pair in [&one, &two, &three] {
        assert!(
            block_on(
                s.validator
                    .validate_session_for(ctx, pair.access_token(), &store, now + 2)
            )
            .is_err()
        );
    }
    // The other member's session is untouched.
    block_on(
        s.validator
            .validate_session_for(ctx, other.access_token(), &store, now + 2),
    )
    .unwrap();
    block_on(
        s.issuer
            .refresh(ctx, other.refresh_token(), &store, now + 2),
    )
    .unwrap();
    // The store's own member revocation names the account member.
    assert_eq!(
        block_on(store.revoke_member(ctx.id(), &MemberId::Account(acct(SOL)))).unwrap(),
        1
    );
}

/// An API key created by an account member acts as that member, checked
/// live: narrowing and revocation refuse it at once.
#[test]
fn api_key_for_an_account_member() {
    let mut s = setup(78);
    add(&mut s.f, ETH, &["blob", "context:read"]);
    let now = s.f.now;
    let token = s
        .issuer
        .mint(&s.f.ctx, &TokenRequest::for_account(acct(ETH), AUD), now)
        .unwrap();
    let owner = s.validator.validate_for(&s.f.ctx, &token, now).unwrap();
    let keys = ApiKeyIssuer::new(ISS, &[9; 32]);
    let store = MemoryApiKeyStore::new();
    let (key, record) = block_on(keys.create(
        &owner,
        &ApiKeyRequest::new("ci", 3600).permissions(perms(&["blob"])),
        &store,
        now,
    ))
    .unwrap();
    assert_eq!(record.owner(), &MemberId::Account(acct(ETH)));
    let json = serde_json::to_value(&record).unwrap();
    assert_eq!(json["v"], 2);
    assert_eq!(json["account"], ETH);
    assert!(json.get("owner").is_none());

    let who = block_on(keys.validate_for(&s.f.ctx, key.as_str(), &store, now + 1)).unwrap();
    assert_eq!(who.member().unwrap(), MemberId::Account(acct(ETH)));
    assert_eq!(who.claims().subject(), ETH);
    assert!(who.executor_public_key().is_err());
    assert_eq!(
        block_on(keys.list(&owner, &store)).unwrap(),
        vec![record.clone()]
    );

    // Narrowed below the key's permissions: refused at once.
    s.f.apply(OpKind::SetAccountPermissions {
        account: acct(ETH),
        permissions: perms(&["context:read"]),
    })
    .unwrap();
    let err = block_on(keys.validate_for(&s.f.ctx, key.as_str(), &store, now + 2)).unwrap_err();
    assert_eq!(
        err,
        Error::Token(TokenError::PermissionRevoked("blob".into()))
    );
    s.f.apply(OpKind::SetAccountPermissions {
        account: acct(ETH),
        permissions: perms(&["blob", "context:read"]),
    })
    .unwrap();
    block_on(keys.validate_for(&s.f.ctx, key.as_str(), &store, now + 3)).unwrap();
    // Revoked member: refused at once.
    let mut revoked = Context::import(&s.f.ctx.export_log()).unwrap();
    let op = revoked
        .propose(OpKind::RevokeAccount { account: acct(ETH) }, now)
        .sign(&s.f.root);
    revoked.apply(op).unwrap();
    let err = block_on(keys.validate_for(&revoked, key.as_str(), &store, now + 4)).unwrap_err();
    assert_eq!(err, Error::Token(TokenError::ExecutorRevoked(ETH.into())));
    // Its owner revokes it.
    assert!(block_on(keys.revoke(&owner, record.id(), &store)).unwrap());
    let err = block_on(keys.validate_for(&s.f.ctx, key.as_str(), &store, now + 5)).unwrap_err();
    assert_eq!(err, Error::Token(TokenError::ApiKeyInvalid));
}

/// A view that knows no wallet members (the trait's defaults) refuses
/// every account token: fail closed.
#[test]
fn a_view_without_wallet_members_refuses_account_tokens() {
    struct KeysOnly<'a>(&'a Context);
    impl RevocationView for KeysOnly<'_> {
        fn context_id(&self) -> &keytree::ContextId {
            self.0.context_id()
        }
        fn is_key_revoked(&self, key: &keytree::PublicKey) -> bool {
            self.0.is_key_revoked(key)
        }
        fn is_delegation_revoked(&self, id: &keytree::DelegationId) -> bool {
            self.0.is_delegation_revoked(id)
        }
        fn live_permissions_cover(&self, key: &keytree::PublicKey, p: &Permission) -> bool {
            self.0.live_permissions_cover(key, p)
        }
        fn member_window(&self, key: &keytree::PublicKey) -> Option<(u64, u64)> {
            self.0.member_window(key)
        }
    }
    let mut s = setup(79);
    add(&mut s.f, ETH, &["blob"]);
    let (client, _) = s.f.add_member(0, &["blob"]);
    let now = s.f.now;
    let account_token = s
        .issuer
        .mint(&s.f.ctx, &TokenRequest::for_account(acct(ETH), AUD), now)
        .unwrap();
    let key_token = s
        .issuer
        .mint(&s.f.ctx, &TokenRequest::new(client.public_key(), AUD), now)
        .unwrap();
    let view = KeysOnly(&s.f.ctx);
    s.validator.validate_for(&view, &key_token, now).unwrap();
    let err = s
        .validator
        .validate_for(&view, &account_token, now)
        .unwrap_err();
    assert_eq!(err, Error::Token(TokenError::ExecutorRevoked(ETH.into())));
    // Key tokens keep their executor key and bytes: `sub` is the key text.
    let json = claims_json(&key_token);
    assert_eq!(json.len(), 11);
    assert_eq!(json["executor_public_key"], client.public_key().to_string());
    assert_eq!(json["sub"], client.public_key().to_string());
}

/// Signs `claims` as the issuer would, for decoder tests.
fn hand_token(s: &Setup, seed: u8, claims: &serde_json::Value) -> String {
    let key = TokenSigningKey::from_bytes(&[seed ^ 0x33; 32]);
    let header = format!(r#"{{"alg":"EdDSA","typ":"at+jwt","kid":"{}"}}"#, key.kid());
    let mut out = keytree::base64url_encode(header.as_bytes());
    out.push('.');
    out.push_str(&keytree::base64url_encode(
        serde_json::to_string(claims).unwrap().as_bytes(),
    ));
    let signer = keytree::RootKey::from_bytes(&key.to_bytes());
    let signature = signer.dalek_sign(out.as_bytes());
    out.push('.');
    out.push_str(&keytree::base64url_encode(signature.as_bytes()));
    assert_eq!(s.issuer.active_key().kid(), key.kid());
    out
}

/// A token without `executor_public_key` must name a canonical CAIP-10
/// account as `sub`; `executor_public_key: null` is refused.
#[test]
fn decoding_a_token_without_executor_key() {
    let mut s = setup(80);
    add(&mut s.f, ETH, &["blob"]);
    let now = s.f.now;
    let good = s
        .issuer
        .mint(&s.f.ctx, &TokenRequest::for_account(acct(ETH), AUD), now)
        .unwrap();
    let base = serde_json::Value::Object(claims_json(&good));
    // The hand-signed copy of a real token (its claims re-serialized)
    // validates: the signer is right.
    let same = hand_token(&s, 80, &base);
    s.validator.validate_for(&s.f.ctx, &same, now).unwrap();

    let lower = "eip155:1:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed";
    for (sub, exe) in [
        (serde_json::json!("alice"), None),
        (serde_json::json!(lower), None),
        (
            serde_json::json!("eip155:1:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeX"),
            None,
        ),
        (serde_json::json!(""), None),
        (serde_json::json!(ETH), Some(serde_json::Value::Null)),
        (serde_json::json!(ETH), Some(serde_json::json!(ETH))),
    ] {
        let mut claims = base.clone();
        claims["sub"] = sub.clone();
        if let Some(exe) = exe.clone() {
            claims["executor_public_key"] = exe;
        }
        let token = hand_token(&s, 80, &claims);
        let err = s.validator.validate(&token, now).unwrap_err();
        assert!(
            is_token_err(&err, |t| matches!(t, TokenError::InvalidClaims(_))),
            "{sub} {exe:?}: {err}"
        );
        assert!(UnverifiedToken::decode(&token).is_err());
    }
    // With an executor key, `sub` stays free text (today's key tokens).
    let (client, _) = s.f.add_member(0, &["blob"]);
    let mut claims = base.clone();
    claims["sub"] = serde_json::json!("alice");
    let mut map = claims.as_object().unwrap().clone();
    let perms_value = map.remove("permissions").unwrap();
    map.insert(
        "executor_public_key".into(),
        serde_json::json!(client.public_key().to_string()),
    );
    map.insert("permissions".into(), perms_value);
    let token = hand_token(&s, 80, &serde_json::Value::Object(map));
    let valid = s.validator.validate_for(&s.f.ctx, &token, now).unwrap();
    assert_eq!(valid.member().unwrap(), MemberId::Key(client.public_key()));
}

/// Refresh and API key records: a key member's keep the version-1 form, an
/// account member's are version 2; other versions and mixed forms are
/// refused.
#[test]
fn stored_records_are_versioned_and_fail_closed() {
    let mut s = setup(81);
    add(&mut s.f, ETH, &["blob"]);
    let (client, _) = s.f.add_member(0, &["blob"]);
    let (ctx, now) = (&s.f.ctx, s.f.now);
    let store = MemoryRefreshStore::new();
    let record_of = |request: &TokenRequest| -> RefreshRecord {
        let pair = block_on(s.issuer.issue(ctx, request, &store, now)).unwrap();
        let next = RefreshToken::generate(&mut rand::rng());
        block_on(store.consume(&pair.refresh_token().hash(), &next.hash(), now, 0)).unwrap()
    };
    let key_record = record_of(&TokenRequest::new(client.public_key(), AUD));
    let account_record = record_of(&TokenRequest::for_account(acct(ETH), AUD));
    assert_eq!(key_record.executor(), Some(&client.public_key()));
    assert_eq!(account_record.member(), &MemberId::Account(acct(ETH)));
    assert_eq!(account_record.executor(), None);

    let key_json = serde_json::to_value(&key_record).unwrap();
    let keys: Vec<&str> = key_json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut expected = vec![
        "family",
        "context_id",
        "executor",
        "subject",
        "audience",
        "permissions",
        "expires_at",
    ];
    expected.sort_unstable();
    let mut got = keys.clone();
    got.sort_unstable();
    assert_eq!(got, expected);
    let text = serde_json::to_string(&key_record).unwrap();
    assert!(text.starts_with(r#"{"family":"#), "{text}");
    let account_text = serde_json::to_string(&account_record).unwrap();
    assert!(
        account_text.starts_with(r#"{"v":2,"family":"#),
        "{account_text}"
    );
    assert!(account_text.contains(&format!(r#""account":"{ETH}""#)));
    for record in [&key_record, &account_record] {
        let text = serde_json::to_string(record).unwrap();
        assert_eq!(
            &serde_json::from_str::<RefreshRecord>(&text).unwrap(),
            record
        );
    }

    let refused = |mut v: serde_json::Value, f: &dyn Fn(&mut serde_json::Value)| {
        f(&mut v);
        serde_json::from_value::<RefreshRecord>(v).is_err()
    };
    let account_json = serde_json::to_value(&account_record).unwrap();
    assert!(refused(account_json.clone(), &|v| v["v"] = 3.into()));
    assert!(refused(account_json.clone(), &|v| v["v"] = 1.into()));
    assert!(refused(account_json.clone(), &|v| {
        v.as_object_mut().unwrap().remove("v");
    }));
    assert!(refused(account_json.clone(), &|v| {
        v["executor"] = client.public_key().to_string().into();
    }));
    assert!(refused(account_json.clone(), &|v| {
        v["account"] = "eip155:1:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed".into();
    }));
    assert!(refused(key_json.clone(), &|v| v["v"] = 2.into()));
    assert!(refused(key_json.clone(), &|v| {
        v["account"] = ETH.into();
    }));
    assert!(refused(key_json.clone(), &|v| v["executor"] =
        serde_json::Value::Null));
    assert!(refused(key_json, &|v| v["extra"] = 1.into()));
}

mod replica {
    use std::sync::Arc;
    use std::time::{SystemTime, UNIX_EPOCH};

    use keytree::{ContextId, ContextReplica, MemoryContextStore, RootKey};

    use super::*;

    fn now() -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
    }

    async fn submit(
        replica: &ContextReplica<MemoryContextStore>,
        root: &Arc<RootKey>,
        kind: OpKind,
    ) {
        let root = root.clone();
        let t = now();
        replica
            .submit_with(t, 10, move |ctx| {
                let at = ctx.ops().last().map_or(t, |op| op.timestamp().max(t));
                Ok(ctx.propose(kind.clone(), at).sign(&*root))
            })
            .await
            .unwrap();
    }

    /// Minting through one replica and validating through another, both
    /// over one memory store; a revocation submitted on A refuses on B.
    #[test]
    fn replica_backed_account_tokens() {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
            .block_on(async {
                let root = Arc::new(RootKey::from_bytes(&[82; 32]));
                let id = ContextId::from_bytes([83; 32]);
                let t0 = now();
                let genesis = Context::builder(id).create(&root, t0 - 60).unwrap();
                let store = MemoryContextStore::new();
                let a = ContextReplica::create(store.clone(), genesis, t0)
                    .await
                    .unwrap();
                let b = ContextReplica::open(store, id, t0).await.unwrap();
                submit(
                    &a,
                    &root,
                    OpKind::AddAccount {
                        account: acct(ETH),
                        permissions: perms(&["blob"]),
                        not_before: t0 - 60,
                        expires_at: t0 + 86_400,
                    },
                )
                .await;
                submit(
                    &a,
                    &root,
                    OpKind::LinkAccount {
                        member: acct(ETH),
                        account: acct(SOL),
                    },
                )
                .await;
                let issuer = TokenIssuer::new(ISS, TokenSigningKey::from_bytes(&[84; 32]));
                let validator = issuer.validator(AUD, t0).build().unwrap();
                // Mint straight from replica A (MintView), via the alias.
                let t = now();
                let token = issuer
                    .mint(&a, &TokenRequest::for_account(acct(SOL), AUD), t)
                    .unwrap();
                assert_eq!(claims_json(&token)["sub"], ETH);
                // Sessions through a replica too.
                let sessions = MemoryRefreshStore::new();
                let pair = issuer
                    .issue(&a, &TokenRequest::for_account(acct(ETH), AUD), &sessions, t)
                    .await
                    .unwrap();
                b.catch_up(now()).await.unwrap();
                let valid = validator.validate_for(&b, &token, now()).unwrap();
                assert_eq!(valid.member().unwrap(), MemberId::Account(acct(ETH)));
                validator
                    .validate_for(&b.read(now()).unwrap(), &token, now())
                    .unwrap();
                validator
                    .validate_session_for(&b, pair.access_token(), &sessions, now())
                    .await
                    .unwrap();
                issuer
                    .refresh(&b, pair.refresh_token(), &sessions, now())
                    .await
                    .unwrap();

                submit(&a, &root, OpKind::RevokeAccount { account: acct(SOL) }).await;
                b.catch_up(now()).await.unwrap();
                let err = validator.validate_for(&b, &token, now()).unwrap_err();
                assert_eq!(err, Error::Token(TokenError::ExecutorRevoked(ETH.into())));
                let err = issuer
                    .mint(&b, &TokenRequest::for_account(acct(ETH), AUD), now())
                    .unwrap_err();
                assert!(
                    matches!(err, Error::Context(ContextError::Revoked(_))),
                    "{err}"
                );

                // A stale replica refuses account tokens (fail closed).
                let stale = ContextReplica::open(a.store(), id, t0 - 1_000)
                    .await
                    .unwrap();
                assert!(stale.account_window(&acct(ETH)).is_none());
                assert!(!stale.account_permissions_cover(&acct(ETH), &p("blob")));
                let err = issuer
                    .mint(&stale, &TokenRequest::for_account(acct(ETH), AUD), now())
                    .unwrap_err();
                assert!(
                    matches!(err, Error::Context(ContextError::ReplicaStale { .. })),
                    "{err}"
                );
            });
    }
}

#[cfg(feature = "redis")]
mod redis {
    use std::time::Duration;

    use keytree::RedisStore;

    use super::*;
    use crate::redis_server::RedisServer;

    async fn store(server: &RedisServer) -> RedisStore {
        RedisStore::builder(server.url())
            .prefix("wt:")
            .timeout(Duration::from_millis(500))
            .connect()
            .await
            .unwrap()
    }

    /// Account sessions and API keys on Redis, across two instances.
    #[test]
    fn redis_account_sessions_and_api_keys() {
        let Some(server) = RedisServer::start("redis_account_sessions_and_api_keys") else {
            return;
        };
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
            .block_on(async {
                let a = store(&server).await;
                let b = store(&server).await;
                let mut s = setup(85);
                add(&mut s.f, ETH, &["blob"]);
                let (client, _) = s.f.add_member(0, &["blob"]);
                let (ctx, now) = (&s.f.ctx, s.f.now);
                let eth = TokenRequest::for_account(acct(ETH), AUD);
                let one = s.issuer.issue(ctx, &eth, &a, now).await.unwrap();
                let two = s.issuer.issue(ctx, &eth, &a, now).await.unwrap();
                let key_session = s
                    .issuer
                    .issue(ctx, &TokenRequest::new(client.public_key(), AUD), &a, now)
                    .await
                    .unwrap();
                // Refresh on B: the record read back names the account.
                let one = s
                    .issuer
                    .refresh(ctx, one.refresh_token(), &b, now + 1)
                    .await
                    .unwrap();
                let valid = s
                    .validator
                    .validate_session_for(ctx, one.access_token(), &b, now + 1)
                    .await
                    .unwrap();
                assert_eq!(valid.claims().subject(), ETH);

                // API keys for the account member, listed on B.
                let keys = ApiKeyIssuer::new(ISS, &[7; 32]);
                let (key, record) = keys
                    .create(&valid, &ApiKeyRequest::new("ci", 600), &a, now)
                    .await
                    .unwrap();
                assert_eq!(keys.list(&valid, &b).await.unwrap(), vec![record]);
                let who = keys
                    .validate_for(ctx, key.as_str(), &b, now + 2)
                    .await
                    .unwrap();
                assert_eq!(who.member().unwrap(), MemberId::Account(acct(ETH)));

                // Log out everywhere on B: both account sessions end on A;
                // the key member's session does not.
                assert_eq!(s.issuer.logout_everywhere(&valid, &b).await.unwrap(), 2);
                for pair in [&one, &two] {
                    let err = s
                        .validator
                        .validate_session_for(ctx, pair.access_token(), &a, now + 3)
                        .await
                        .unwrap_err();
                    assert_eq!(err, Error::Token(TokenError::SessionRevoked));
                }
                s.validator
                    .validate_session_for(ctx, key_session.access_token(), &a, now + 3)
                    .await
                    .unwrap();
                let err = s
                    .issuer
                    .refresh(ctx, two.refresh_token(), &a, now + 3)
                    .await
                    .unwrap_err();
                assert_eq!(err, Error::Token(TokenError::RefreshRevoked));
            });
    }
}
