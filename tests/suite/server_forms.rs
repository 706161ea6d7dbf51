//! Issue 10 (the gateway's glue in the library): the request bodies a
//! wallet-login server reads (`from_json` with `bad_request` errors), its
//! login and whoami replies, the link and unlink ops made from a caller's
//! token, and `ContextReplica::validate_session`'s catch-up for a member
//! another instance added (and not for one unlinked or revoked).

use keytree::{
    AccountId, ChallengeRequest, ClientProof, Context, ContextError, ContextId, ContextReplica,
    Error, ErrorKind, LogoutRequest, MemberId, MemoryContextStore, MemoryRefreshStore, OpKind,
    RefreshRequest, RootKey, SignerKey, TokenError, TokenIssuer, TokenRequest, TokenSigningKey,
    ValidatedToken, VerifiedAccount,
};
use serde_json::json;

use crate::common::{Fixture, block_on, perms};

const ETH: &str = "eip155:1:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
const ETH2: &str = "eip155:137:0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359";
const SOL: &str =
    "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp:7S3P4HxJpyyigGzodYwHtCxZyUQe9JiBMHyRWXArAaKv";
const AUD: &str = "api";

fn acct(s: &str) -> AccountId {
    s.parse().unwrap()
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn bad_request(r: Result<impl std::fmt::Debug, Error>) -> bool {
    matches!(r, Err(e) if e.kind() == ErrorKind::BadRequest)
}

/// A verified account as a redeemed (link) challenge yields it.
fn proved(account: &str) -> VerifiedAccount {
    VerifiedAccount::new(acct(account), SignerKey::Contract)
}

#[test]
fn refresh_request_from_json() {
    let token = "A".repeat(43);
    let body = json!({"refresh_token": token, "extra": 1}).to_string();
    let request = RefreshRequest::from_json(body.as_bytes()).unwrap();
    assert_eq!(request.refresh_token().as_str(), token);
    for bad in [
        &b"{}"[..],
        b"",
        b"not json",
        br#"{"refresh_token": 5}"#,
        b"[]",
    ] {
        assert!(bad_request(RefreshRequest::from_json(bad)), "{bad:?}");
    }
    // A string that is no refresh token: the token's own decode error.
    let e = RefreshRequest::from_json(br#"{"refresh_token": "short"}"#).unwrap_err();
    assert!(matches!(e, Error::Decode { .. }), "{e:?}");
}

#[test]
fn logout_request_from_json() {
    let token = format!("{}A", "B".repeat(42));
    let everywhere = [
        json!({"all": true}),
        json!({"all": true, "refresh_token": token}),
        json!({"all": true, "refresh_token": null}),
    ];
    for body in everywhere {
        let r = LogoutRequest::from_json(body.to_string().as_bytes()).unwrap();
        assert!(matches!(r, LogoutRequest::Everywhere), "{body}");
    }
    for body in [
        json!({"refresh_token": token}),
        json!({"refresh_token": token, "all": false}),
        json!({"refresh_token": token, "all": null}),
    ] {
        let r = LogoutRequest::from_json(body.to_string().as_bytes()).unwrap();
        assert!(
            matches!(&r, LogoutRequest::Session(t) if t.as_str() == token),
            "{body}"
        );
    }
    for bad in [
        json!({}),
        json!({"all": false}),
        json!({"refresh_token": null}),
        json!({"all": "yes"}),
    ] {
        let r = LogoutRequest::from_json(bad.to_string().as_bytes());
        assert!(bad_request(r), "{bad}");
    }
    let e = LogoutRequest::from_json(b"{}").unwrap_err();
    assert_eq!(
        e,
        Error::Token(TokenError::InvalidRequest(
            "send refresh_token or all: true"
        ))
    );
}

#[test]
fn challenge_request_and_client_proof_from_json() {
    let request =
        ChallengeRequest::from_json(br#"{"wallet": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"}"#)
            .unwrap();
    assert_eq!(request.account().to_account().unwrap(), acct(ETH));
    let nonce = "0".repeat(64);
    let body = json!({"wallet": ETH, "nonce": nonce, "signature": "0x00"}).to_string();
    let proof = ClientProof::from_json(body.as_bytes()).unwrap();
    assert_eq!(proof.account().to_account().unwrap(), acct(ETH));
    let unknown = json!({"wallet": ETH, "nonce": nonce, "signature": "0x00", "x": 1});
    for bad in [
        b"nope".to_vec(),
        b"{}".to_vec(),
        unknown.to_string().into_bytes(),
    ] {
        assert!(bad_request(ClientProof::from_json(&bad)), "{bad:?}");
    }
    for bad in [&b"[1]"[..], b"{}", b"", br#"{"wallet": 7}"#] {
        assert!(bad_request(ChallengeRequest::from_json(bad)), "{bad:?}");
    }
}

/// A context with `ETH` a wallet member (`SOL` linked to it) and `ETH2` a
/// member of its own; a token for each login.
struct Members {
    f: Fixture,
    issuer: TokenIssuer,
    sessions: MemoryRefreshStore,
}

impl Members {
    fn new() -> Self {
        let mut f = Fixture::new(71);
        for account in [ETH, ETH2] {
            f.apply(OpKind::AddAccount {
                account: acct(account),
                permissions: perms(&["api:read"]),
                not_before: f.now - 10,
                expires_at: f.now + 86_400,
            })
            .unwrap();
        }
        f.apply(OpKind::LinkAccount {
            member: acct(ETH),
            account: acct(SOL),
        })
        .unwrap();
        let issuer = TokenIssuer::new("https://a", TokenSigningKey::from_bytes(&[72; 32]));
        Self {
            f,
            issuer,
            sessions: MemoryRefreshStore::new(),
        }
    }

    fn login(&self, request: &TokenRequest) -> ValidatedToken {
        let pair = block_on(
            self.issuer
                .issue(&self.f.ctx, request, &self.sessions, self.f.now),
        )
        .unwrap();
        let validator = self.issuer.validator(AUD, self.f.now).build().unwrap();
        validator
            .validate_for(&self.f.ctx, pair.access_token(), self.f.now)
            .unwrap()
    }

    fn account(&self, account: &str) -> ValidatedToken {
        self.login(&TokenRequest::for_account(acct(account), AUD))
    }
}

#[test]
fn login_reply_and_whoami() {
    let m = Members::new();
    let pair = block_on(m.issuer.issue(
        &m.f.ctx,
        &TokenRequest::for_account(acct(SOL), AUD),
        &m.sessions,
        m.f.now,
    ))
    .unwrap();
    let reply = serde_json::to_value(pair.with_wallet(&acct(SOL))).unwrap();
    let mut expected = serde_json::to_value(&pair).unwrap();
    expected["wallet"] = json!(SOL);
    assert_eq!(reply, expected);
    assert_eq!(reply.as_object().unwrap().len(), 6);

    // Logged in with the linked account: the member's identity, its session.
    let validator = m.issuer.validator(AUD, m.f.now).build().unwrap();
    let token = validator
        .validate_for(&m.f.ctx, pair.access_token(), m.f.now)
        .unwrap();
    let me = serde_json::to_value(token.whoami()).unwrap();
    let claims = token.claims();
    assert_eq!(
        me,
        json!({
            "wallet": ETH,
            "context": m.f.id().to_string(),
            "permissions": ["api:read"],
            "session": claims.session_id().unwrap().to_string(),
        })
    );
    // A token of no session: `"session": null`.
    let minted = m
        .issuer
        .mint(
            &m.f.ctx,
            &TokenRequest::for_account(acct(ETH2), AUD),
            m.f.now,
        )
        .unwrap();
    let token = validator.validate_for(&m.f.ctx, &minted, m.f.now).unwrap();
    let me = serde_json::to_value(token.whoami()).unwrap();
    assert_eq!(me["wallet"], ETH2);
    assert_eq!(me["session"], serde_json::Value::Null);
}

#[test]
fn link_and_unlink_ops_from_the_callers_token() {
    let mut m = Members::new();
    let caller = m.account(ETH);
    assert_eq!(caller.wallet_member().unwrap(), &acct(ETH));
    // Through the linked account the member is still the primary one.
    assert_eq!(m.account(SOL).wallet_member().unwrap(), &acct(ETH));

    let other = "eip155:10:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
    let op = caller.link_op(&proved(other)).unwrap();
    assert_eq!(
        op,
        OpKind::LinkAccount {
            member: acct(ETH),
            account: acct(other),
        }
    );
    m.f.apply(op).unwrap();
    assert_eq!(m.f.ctx.primary_account(&acct(other)), Some(&acct(ETH)));
    // Another member's account: the op is made, the context refuses it.
    let refused = m.f.apply(caller.link_op(&proved(ETH2)).unwrap());
    assert!(refused.is_err());

    // Unlink: only an account linked to the caller's own member.
    let not_linked =
        |account: &str| Error::Context(ContextError::AccountNotLinked(acct(account).to_string()));
    for account in [
        ETH,
        ETH2,
        "eip155:1:0x0000000000000000000000000000000000000001",
    ] {
        let e = caller.unlink_op(&m.f.ctx, &acct(account)).unwrap_err();
        assert_eq!(e, not_linked(account), "{account}");
    }
    let e = m.account(ETH2).unlink_op(&m.f.ctx, &acct(SOL)).unwrap_err();
    assert_eq!(e, not_linked(SOL));
    // Asked through a token of the alias itself, too: the member's link.
    let op = m.account(SOL).unlink_op(&m.f.ctx, &acct(SOL)).unwrap();
    assert_eq!(op, OpKind::UnlinkAccount { account: acct(SOL) });
    m.f.apply(op).unwrap();
    assert_eq!(m.f.ctx.primary_account(&acct(SOL)), None);
}

#[test]
fn a_key_members_token_links_nothing() {
    let mut m = Members::new();
    let (client, _) = m.f.add_member(1, &["api:read"]);
    let token = m.login(&TokenRequest::for_member(
        MemberId::Key(client.public_key()),
        AUD,
    ));
    let not_wallet = Error::Token(TokenError::InvalidRequest("not a wallet member"));
    assert_eq!(token.wallet_member().unwrap_err(), not_wallet);
    assert_eq!(token.link_op(&proved(SOL)).unwrap_err(), not_wallet);
    assert_eq!(
        token.unlink_op(&m.f.ctx, &acct(SOL)).unwrap_err(),
        not_wallet
    );
}

/// Two replicas of one log: a member added on `a` is validated on `b`
/// after one catch-up; once `b` has heard of an unlink (or a revocation)
/// made on `a`, the retry does not bring the token back.
#[test]
fn validate_session_catches_up_once() {
    let t = now();
    let root = RootKey::from_bytes(&[73; 32]);
    let id = ContextId::from_bytes([74; 32]);
    let store = MemoryContextStore::new();
    let genesis = Context::builder(id).create(&root, t).unwrap();
    let a = block_on(ContextReplica::create(store.clone(), genesis, t)).unwrap();
    let b = block_on(ContextReplica::open(store, id, t)).unwrap();
    let add = |account: &str| {
        let account = acct(account);
        block_on(a.submit_as(&root, t, 3, |_| {
            Ok(Some(OpKind::AddAccount {
                account: account.clone(),
                permissions: perms(&["api:read"]),
                not_before: t - 10,
                expires_at: t + 3_600,
            }))
        }))
        .unwrap();
    };
    add(ETH);
    let issuer = TokenIssuer::new("https://a", TokenSigningKey::from_bytes(&[75; 32]));
    let validator = issuer.validator(AUD, t).build().unwrap();
    let sessions = MemoryRefreshStore::new();
    let issue = |account: &str| {
        let request = TokenRequest::for_account(acct(account), AUD);
        block_on(issuer.issue(&a, &request, &sessions, t)).unwrap()
    };
    let eth = issue(ETH);
    let token = eth.access_token();

    // `b` has not heard of the member: the bare validation refuses, the
    // replica's catches up and accepts.
    let bare = block_on(validator.validate_session_for(&b, token, &sessions, t));
    assert!(matches!(
        bare,
        Err(Error::Token(TokenError::ExecutorRevoked(_)))
    ));
    let ok = block_on(b.validate_session(&validator, token, &sessions, t)).unwrap();
    assert_eq!(ok.wallet_member().unwrap(), &acct(ETH));
    assert_eq!(b.read(t).unwrap().head_seq(), a.read(t).unwrap().head_seq());

    // A login through an alias, then the alias is unlinked on `a`.
    let member = block_on(a.validate_session(&validator, token, &sessions, t)).unwrap();
    let op = member.link_op(&proved(SOL)).unwrap();
    block_on(a.submit_as(&root, t, 3, |_| Ok(Some(op.clone())))).unwrap();
    let alias = issue(SOL);
    let via = block_on(b.validate_session(&validator, alias.access_token(), &sessions, t)).unwrap();
    assert_eq!(via.claims().via(), Some(&acct(SOL)));
    block_on(a.submit_as(&root, t, 3, |ctx| {
        member.unlink_op(ctx, &acct(SOL)).map(Some)
    }))
    .unwrap();
    // `b` hears of the unlink by following the log (here: one catch-up);
    // the retry after its refusal does not bring the alias back.
    block_on(b.catch_up(t)).unwrap();
    let refused = block_on(b.validate_session(&validator, alias.access_token(), &sessions, t));
    assert_eq!(
        refused.unwrap_err(),
        Error::Token(TokenError::ExecutorRevoked(acct(SOL).to_string()))
    );
    // The member's own session is unaffected.
    assert!(block_on(b.validate_session(&validator, token, &sessions, t)).is_ok());

    // Revoked on `a`: refused on `b` after its catch-up.
    block_on(a.submit_as(&root, t, 3, |_| {
        Ok(Some(OpKind::RevokeAccount { account: acct(ETH) }))
    }))
    .unwrap();
    block_on(b.catch_up(t)).unwrap();
    let refused = block_on(b.validate_session(&validator, token, &sessions, t));
    assert!(
        matches!(
            refused,
            Err(Error::Context(ContextError::Revoked(_)))
                | Err(Error::Token(TokenError::ExecutorRevoked(_)))
        ),
        "{refused:?}"
    );
}
