//! Wallet accounts as context members (ops 7–11): add, narrow, restore,
//! revoke, windows, linked accounts, history, threshold, replay, codecs.

use keytree::{
    AccountId, ClientKey, Context, ContextError, ContextId, ContextOp, Error, MAX_TIMESTAMP,
    OpKind, Permission, RootKey,
};

use crate::common::{Fixture, perms};

const ETH: &str = "eip155:1:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
const ETH_LOWER: &str = "eip155:1:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed";
const ETH2: &str = "eip155:137:0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359";
const SOL: &str =
    "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp:7S3P4HxJpyyigGzodYwHtCxZyUQe9JiBMHyRWXArAaKv";
const NEAR: &str = "near:mainnet:alice.near";
const NEAR2: &str = "near:mainnet:bob.near";
const XLM: &str = "stellar:pubnet:GBXFXNDLV4LSWA4VB7YIL5GBD7BVNR22SGBTDKMO2SBZZHDXSKZYCP7L";

fn acct(s: &str) -> AccountId {
    s.parse().unwrap()
}

fn p(s: &str) -> Permission {
    s.parse().unwrap()
}

/// `AddAccount` of `account` with `names` for `[now - 10, now + 1 day)`.
fn add(f: &mut Fixture, account: &str, names: &[&str]) -> keytree::Result<()> {
    f.apply(OpKind::AddAccount {
        account: acct(account),
        permissions: perms(names),
        not_before: f.now - 10,
        expires_at: f.now + 86_400,
    })
}

fn link(f: &mut Fixture, member: &str, account: &str) -> keytree::Result<()> {
    f.apply(OpKind::LinkAccount {
        member: acct(member),
        account: acct(account),
    })
}

fn revoke(f: &mut Fixture, account: &str) -> keytree::Result<()> {
    f.apply(OpKind::RevokeAccount {
        account: acct(account),
    })
}

#[test]
fn add_narrow_and_restore_up_to_the_ceiling() {
    let mut f = Fixture::new(41);
    add(&mut f, ETH, &["context:execute", "context:read"]).unwrap();
    let eth = acct(ETH);
    // The lowercase spelling parses to the same account.
    assert_eq!(acct(ETH_LOWER), eth);
    assert!(f.ctx.is_account_member(&eth, f.now));
    assert_eq!(
        f.ctx.account_permissions(&eth, f.now).unwrap(),
        &perms(&["context:execute", "context:read"])
    );
    f.ctx
        .authorize_account(&eth, &p("context:execute:transfer"), 1, f.now)
        .unwrap();
    assert!(matches!(
        f.ctx
            .authorize_account(&eth, &p("context:execute"), 0, f.now),
        Err(Error::Context(ContextError::NotAuthorized { .. }))
    ));
    assert!(matches!(
        f.ctx
            .authorize_account(&eth, &p("context:execute"), 2, f.now),
        Err(Error::Context(ContextError::FutureSequence { .. }))
    ));
    assert_eq!(f.ctx.account_member_count(), 1);
    // Key members are untouched.
    assert_eq!(f.ctx.member_count(), 0);

    // Narrow.
    f.apply(OpKind::SetAccountPermissions {
        account: eth.clone(),
        permissions: perms(&["context:read"]),
    })
    .unwrap();
    assert!(
        f.ctx
            .authorize_account(&eth, &p("context:execute"), 2, f.now)
            .is_err()
    );
    // History: at seq 1 it still held execute.
    f.ctx
        .authorize_account(&eth, &p("context:execute"), 1, f.now)
        .unwrap();
    // Restore up to the grant: accepted.
    f.apply(OpKind::SetAccountPermissions {
        account: eth.clone(),
        permissions: perms(&["context:execute", "context:read"]),
    })
    .unwrap();
    f.ctx
        .authorize_account(&eth, &p("context:execute"), 3, f.now)
        .unwrap();
    // Beyond the grant: refused, state untouched.
    let before = f.ctx.state_hash();
    let err = f
        .apply(OpKind::SetAccountPermissions {
            account: eth.clone(),
            permissions: perms(&["context:execute", "context:admin"]),
        })
        .unwrap_err();
    assert!(matches!(err, Error::Permission(_)), "{err}");
    assert_eq!(f.ctx.state_hash(), before);
    let info = f.ctx.account_member(&eth).unwrap();
    assert_eq!(info.primary(), &eth);
    assert_eq!(info.added_seq(), 1);
    assert_eq!(info.revoked_seq(), None);
    assert_eq!(info.window(), (f.now - 10, f.now + 86_400));
    assert_eq!(
        info.ceiling().unwrap(),
        &perms(&["context:execute", "context:read"])
    );
    // Not a member: narrowing refused.
    assert!(matches!(
        f.apply(OpKind::SetAccountPermissions {
            account: acct(NEAR),
            permissions: perms(&["context:read"]),
        }),
        Err(Error::Context(ContextError::NotMember(_)))
    ));
}

#[test]
fn add_refusals() {
    let mut f = Fixture::new(42);
    let now = f.now;
    let grant = |account: &str, names: &[&str], nb: u64, exp: u64| OpKind::AddAccount {
        account: acct(account),
        permissions: perms(names),
        not_before: nb,
        expires_at: exp,
    };
    let before = f.ctx.state_hash();
    for (kind, why) in [
        (grant(SOL, &[], now, now + 10), "empty permissions"),
        (grant(SOL, &["a"], now + 10, now + 10), "empty window"),
        (grant(SOL, &["a"], now + 11, now + 10), "reversed window"),
        (grant(SOL, &["a"], now - 100, now), "ended at the op"),
        (
            grant(SOL, &["a"], now - 100, now - 1),
            "ended before the op",
        ),
    ] {
        let err = f.apply(kind).unwrap_err();
        assert!(
            matches!(err, Error::Context(ContextError::InvalidAccountGrant(_))),
            "{why}: {err}"
        );
    }
    let err = f
        .apply(grant(SOL, &["a"], now, MAX_TIMESTAMP + 1))
        .unwrap_err();
    assert!(matches!(err, Error::TimestampOutOfRange { .. }), "{err}");
    let err = f
        .apply(grant(SOL, &["a"], MAX_TIMESTAMP + 1, MAX_TIMESTAMP + 2))
        .unwrap_err();
    assert!(matches!(err, Error::TimestampOutOfRange { .. }), "{err}");
    assert_eq!(f.ctx.state_hash(), before);
    // Twice: refused.
    f.apply(grant(SOL, &["a"], now, now + 10)).unwrap();
    assert!(matches!(
        f.apply(grant(SOL, &["b"], now, now + 10)),
        Err(Error::Context(ContextError::AlreadyMember(_)))
    ));
}

#[test]
fn revocation_is_permanent_and_history_stays() {
    let mut f = Fixture::new(43);
    add(&mut f, NEAR, &["context:execute"]).unwrap();
    let near = acct(NEAR);
    revoke(&mut f, NEAR).unwrap();
    assert!(f.ctx.is_account_revoked(&near));
    assert!(!f.ctx.is_account_member(&near, f.now));
    assert_eq!(f.ctx.account_permissions(&near, f.now), None);
    assert_eq!(f.ctx.account_window(&near), None);
    assert!(matches!(
        f.ctx
            .authorize_account(&near, &p("context:execute"), 2, f.now),
        Err(Error::Context(ContextError::NotAuthorized { .. }))
    ));
    // Before the revocation it was authorised: history stays valid.
    f.ctx
        .authorize_account(&near, &p("context:execute"), 1, f.now)
        .unwrap();
    let info = f.ctx.account_member(&near).unwrap();
    assert_eq!(info.revoked_seq(), Some(2));
    assert_eq!(info.permissions(), None);
    assert_eq!(f.ctx.primary_account(&near), Some(&near));
    // Never again: re-add, link, narrow, revoke twice.
    assert!(matches!(
        add(&mut f, NEAR, &["context:execute"]),
        Err(Error::Context(ContextError::Revoked(_)))
    ));
    add(&mut f, ETH, &["context:execute"]).unwrap();
    assert!(matches!(
        link(&mut f, ETH, NEAR),
        Err(Error::Context(ContextError::Revoked(_)))
    ));
    assert!(matches!(
        f.apply(OpKind::SetAccountPermissions {
            account: near.clone(),
            permissions: perms(&[]),
        }),
        Err(Error::Context(ContextError::Revoked(_)))
    ));
    assert!(matches!(
        revoke(&mut f, NEAR),
        Err(Error::Context(ContextError::Revoked(_)))
    ));
    assert!(matches!(
        revoke(&mut f, XLM),
        Err(Error::Context(ContextError::NotMember(_)))
    ));
}

#[test]
fn window_bounds_authority() {
    let mut f = Fixture::new(44);
    let (start, end) = (f.now + 100, f.now + 1_000);
    f.apply(OpKind::AddAccount {
        account: acct(XLM),
        permissions: perms(&["context:execute"]),
        not_before: start,
        expires_at: end,
    })
    .unwrap();
    let xlm = acct(XLM);
    // Not yet started.
    assert!(!f.ctx.is_account_member(&xlm, f.now));
    assert_eq!(f.ctx.account_permissions(&xlm, f.now), None);
    assert!(matches!(
        f.ctx
            .authorize_account(&xlm, &p("context:execute"), 1, start - 1),
        Err(Error::Context(ContextError::OutsideWindow { .. }))
    ));
    // The window is reported whatever the time, while unrevoked.
    assert_eq!(f.ctx.account_window(&xlm), Some((start, end)));
    // Inside.
    assert!(f.ctx.is_account_member(&xlm, start));
    assert!(f.ctx.is_account_member(&xlm, end - 1));
    f.ctx
        .authorize_account(&xlm, &p("context:execute"), 1, end - 1)
        .unwrap();
    // At expires_at and a second later: refused.
    for at in [end, end + 1] {
        assert!(!f.ctx.is_account_member(&xlm, at));
        assert_eq!(f.ctx.account_permissions(&xlm, at), None);
        assert!(!f.ctx.account_member(&xlm).unwrap().is_live_at(at));
        assert!(matches!(
            f.ctx.authorize_account(&xlm, &p("context:execute"), 1, at),
            Err(Error::Context(ContextError::OutsideWindow { .. }))
        ));
    }
}

#[test]
fn link_and_unlink() {
    let mut f = Fixture::new(45);
    add(&mut f, ETH, &["context:execute"]).unwrap();
    add(&mut f, NEAR2, &["context:read"]).unwrap();
    let (eth, sol) = (acct(ETH), acct(SOL));
    link(&mut f, ETH, SOL).unwrap(); // seq 3
    assert_eq!(f.ctx.primary_account(&sol), Some(&eth));
    assert!(f.ctx.is_account_member(&sol, f.now));
    assert_eq!(
        f.ctx.account_permissions(&sol, f.now).unwrap(),
        &perms(&["context:execute"])
    );
    assert_eq!(f.ctx.account_window(&sol), f.ctx.account_window(&eth));
    f.ctx
        .authorize_account(&sol, &p("context:execute"), 3, f.now)
        .unwrap();
    // Not before it was linked, though the member was added at seq 1.
    assert!(matches!(
        f.ctx
            .authorize_account(&sol, &p("context:execute"), 2, f.now),
        Err(Error::Context(ContextError::NotAuthorized { .. }))
    ));
    let info = f.ctx.account_member(&sol).unwrap();
    assert_eq!(info.primary(), &eth);
    assert_eq!(info.linked().collect::<Vec<_>>(), vec![&sol]);
    assert_eq!(f.ctx.account_member_count(), 2);

    let before = f.ctx.state_hash();
    // Another member's account, twice, the member itself, to an alias, to
    // a stranger: refused.
    for (member, account) in [(ETH, NEAR2), (NEAR2, SOL), (ETH, SOL), (ETH, ETH)] {
        let err = link(&mut f, member, account).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Context(ContextError::AlreadyMember(_) | ContextError::AccountLinked { .. })
            ),
            "{member} <- {account}: {err}"
        );
    }
    assert!(matches!(
        link(&mut f, SOL, XLM),
        Err(Error::Context(ContextError::AccountLinked { .. }))
    ));
    assert!(matches!(
        link(&mut f, XLM, NEAR),
        Err(Error::Context(ContextError::NotMember(_)))
    ));
    // An alias is not the member: narrowing and adding it are refused.
    assert!(matches!(
        f.apply(OpKind::SetAccountPermissions {
            account: sol.clone(),
            permissions: perms(&[]),
        }),
        Err(Error::Context(ContextError::AccountLinked { .. }))
    ));
    assert!(matches!(
        add(&mut f, SOL, &["a"]),
        Err(Error::Context(ContextError::AccountLinked { .. }))
    ));
    assert_eq!(f.ctx.state_hash(), before);

    // Unlink: the alias is gone (not revoked), and can be added on its own.
    f.apply(OpKind::UnlinkAccount {
        account: sol.clone(),
    })
    .unwrap();
    assert!(!f.ctx.is_account_member(&sol, f.now));
    assert!(!f.ctx.is_account_revoked(&sol));
    assert_eq!(f.ctx.primary_account(&sol), None);
    assert!(matches!(
        f.apply(OpKind::UnlinkAccount {
            account: sol.clone()
        }),
        Err(Error::Context(ContextError::AccountNotLinked(_)))
    ));
    assert!(matches!(
        f.apply(OpKind::UnlinkAccount {
            account: eth.clone()
        }),
        Err(Error::Context(ContextError::AccountNotLinked(_)))
    ));
    add(&mut f, SOL, &["context:read"]).unwrap();
    assert_eq!(f.ctx.primary_account(&sol), Some(&sol));
}

#[test]
fn a_key_members_raw_account_is_not_a_second_member() {
    let mut f = Fixture::new(46);
    let (client, _) = f.add_member(0, &["context:execute"]);
    let raw = AccountId::raw_ed25519(&client.public_key()).to_string();
    assert!(matches!(
        add(&mut f, &raw, &["a"]),
        Err(Error::Context(ContextError::AlreadyMember(_)))
    ));
    add(&mut f, ETH, &["a"]).unwrap();
    assert!(matches!(
        link(&mut f, ETH, &raw),
        Err(Error::Context(ContextError::AlreadyMember(_)))
    ));
    let root_raw = AccountId::raw_ed25519(&f.root.public_key()).to_string();
    assert!(add(&mut f, &root_raw, &["a"]).is_err());
    // The other direction: a key whose raw account is a wallet member
    // cannot be added as a key member.
    let other = f.root.derive_client_key(&f.id(), 1);
    let other_raw = AccountId::raw_ed25519(&other.public_key()).to_string();
    add(&mut f, &other_raw, &["a"]).unwrap();
    let d = keytree::Delegation::builder(other.public_key(), f.id(), perms(&["a"]))
        .valid_for(f.now - 10, 86_400)
        .sign_as_root(&f.root)
        .unwrap();
    assert!(matches!(
        f.apply(OpKind::AddMember { chain: vec![d] }),
        Err(Error::Context(ContextError::AlreadyMember(_)))
    ));
    // Nor as an admin; and an admin's raw account is not a wallet member.
    assert!(matches!(
        f.apply(OpKind::AddAdmin {
            key: other.public_key()
        }),
        Err(Error::Context(ContextError::AlreadyMember(_)))
    ));
    let admin = RootKey::from_bytes(&[61; 32]).public_key();
    f.apply(OpKind::AddAdmin { key: admin }).unwrap();
    assert!(matches!(
        add(&mut f, &AccountId::raw_ed25519(&admin).to_string(), &["a"]),
        Err(Error::Context(ContextError::AlreadyMember(_)))
    ));
    // A revoked key's raw account is refused too.
    let (gone, _) = f.add_member(2, &["a"]);
    f.apply(OpKind::RevokeKey {
        key: gone.public_key(),
    })
    .unwrap();
    assert!(matches!(
        add(
            &mut f,
            &AccountId::raw_ed25519(&gone.public_key()).to_string(),
            &["a"]
        ),
        Err(Error::Context(ContextError::Revoked(_)))
    ));
}

#[test]
fn revoking_the_member_revokes_its_aliases_and_back() {
    for name_alias in [false, true] {
        let mut f = Fixture::new(47);
        add(&mut f, ETH, &["context:execute"]).unwrap();
        link(&mut f, ETH, SOL).unwrap();
        link(&mut f, ETH, ETH2).unwrap();
        revoke(&mut f, if name_alias { SOL } else { ETH }).unwrap();
        for a in [ETH, SOL, ETH2] {
            let a = acct(a);
            assert!(f.ctx.is_account_revoked(&a), "{a}");
            assert!(!f.ctx.is_account_member(&a, f.now));
            assert_eq!(f.ctx.account_window(&a), None);
            // Still resolves, to report the revocation.
            assert_eq!(f.ctx.primary_account(&a), Some(&acct(ETH)));
            assert!(matches!(
                add(&mut f, &a.to_string(), &["x"]),
                Err(Error::Context(ContextError::Revoked(_)))
            ));
        }
        assert!(matches!(
            f.apply(OpKind::UnlinkAccount { account: acct(SOL) }),
            Err(Error::Context(ContextError::Revoked(_)))
        ));
        // History before the revocation: the alias held execute at seq 2.
        f.ctx
            .authorize_account(&acct(SOL), &p("context:execute"), 2, f.now)
            .unwrap();
        assert!(
            f.ctx
                .authorize_account(&acct(SOL), &p("context:execute"), 4, f.now)
                .is_err()
        );
    }
}

/// A log using every account op, with key members beside them.
fn busy_log() -> Fixture {
    let mut f = Fixture::new(48);
    f.add_member(0, &["context:execute"]);
    add(&mut f, ETH, &["context:execute", "context:read"]).unwrap();
    add(&mut f, NEAR, &["context:read"]).unwrap();
    link(&mut f, ETH, SOL).unwrap();
    link(&mut f, NEAR, XLM).unwrap();
    f.apply(OpKind::SetAccountPermissions {
        account: acct(ETH),
        permissions: perms(&["context:read"]),
    })
    .unwrap();
    f.apply(OpKind::UnlinkAccount { account: acct(XLM) })
        .unwrap();
    revoke(&mut f, NEAR).unwrap();
    f.add_member(1, &["context:read"]);
    f
}

#[test]
fn export_import_replay_gives_the_same_state() {
    let f = busy_log();
    let json = f.ctx.export_json().unwrap();
    let replayed = Context::import_json(&json).unwrap();
    assert_eq!(replayed.state_hash(), f.ctx.state_hash());
    assert_eq!(replayed.account_member_count(), 2);
    assert!(replayed.is_account_revoked(&acct(NEAR)));
    assert!(!replayed.is_account_revoked(&acct(XLM)));
    // The same log through the stored binary form.
    let mut ops = f.ctx.ops().iter();
    let genesis = ops.next().unwrap();
    let mut log = keytree::ContextLog {
        version: keytree::LOG_VERSION,
        ops: vec![ContextOp::from_bytes(&genesis.to_bytes()).unwrap()],
    };
    for op in ops {
        log.ops.push(ContextOp::from_bytes(&op.to_bytes()).unwrap());
    }
    assert_eq!(
        Context::import(&log).unwrap().state_hash(),
        f.ctx.state_hash()
    );
    // The account sections count: a different history, a different hash.
    let mut g = busy_log();
    add(&mut g, NEAR2, &["x"]).unwrap();
    assert_ne!(g.ctx.state_hash(), f.ctx.state_hash());
}

#[test]
fn json_and_binary_round_trip_of_each_account_op() {
    let f = busy_log();
    let mut kinds = std::collections::BTreeSet::new();
    for op in f.ctx.ops() {
        let json = serde_json::to_string(op).unwrap();
        let back: ContextOp = serde_json::from_str(&json).unwrap();
        assert_eq!(&back, op);
        let bytes = op.to_bytes();
        assert_eq!(&ContextOp::from_bytes(&bytes).unwrap(), op);
        for cut in [0, bytes.len() / 2, bytes.len() - 1] {
            assert!(ContextOp::from_bytes(&bytes[..cut]).is_err());
        }
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        kinds.insert(v["op"]["type"].as_str().unwrap().to_owned());
    }
    for t in [
        "add_account",
        "set_account_permissions",
        "revoke_account",
        "link_account",
        "unlink_account",
    ] {
        assert!(kinds.contains(t), "{t} missing from {kinds:?}");
    }
    // JSON: the account is canonical CAIP-10 text; another spelling and
    // unknown fields are refused.
    let op = f
        .ctx
        .ops()
        .iter()
        .find(|o| matches!(o.kind(), OpKind::AddAccount { .. }))
        .unwrap();
    let json = serde_json::to_string(op).unwrap();
    assert!(json.contains(&format!("\"account\":\"{ETH}\"")), "{json}");
    assert!(serde_json::from_str::<ContextOp>(&json.replace(ETH, ETH_LOWER)).is_err());
    let extra = json.replace(
        "\"type\":\"add_account\"",
        "\"type\":\"add_account\",\"x\":1",
    );
    assert!(serde_json::from_str::<ContextOp>(&extra).is_err());
}

#[test]
fn tampered_account_op_is_refused() {
    let mut f = Fixture::new(49);
    let op = f
        .ctx
        .propose(
            OpKind::AddAccount {
                account: acct(ETH),
                permissions: perms(&["context:read"]),
                not_before: f.now,
                expires_at: f.now + 100,
            },
            f.now,
        )
        .sign(&f.root);
    // Swap the account in the signed JSON: the signature no longer matches.
    let json = serde_json::to_string(&op)
        .unwrap()
        .replace(ETH, "eip155:1:0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359");
    let forged: ContextOp = serde_json::from_str(&json).unwrap();
    assert!(matches!(
        f.ctx.apply(forged),
        Err(Error::InvalidSignature | Error::Context(_))
    ));
    // Widen the window.
    let json = serde_json::to_string(&op).unwrap().replace(
        &format!("\"expires_at\":{}", f.now + 100),
        &format!("\"expires_at\":{}", f.now + 100_000),
    );
    let forged: ContextOp = serde_json::from_str(&json).unwrap();
    assert!(f.ctx.apply(forged).is_err());
    // Signed by a key that is not an admin.
    let stranger = RootKey::from_bytes(&[99; 32]);
    let unsigned = f.ctx.propose(
        OpKind::AddAccount {
            account: acct(ETH),
            permissions: perms(&["context:read"]),
            not_before: f.now,
            expires_at: f.now + 100,
        },
        f.now,
    );
    assert!(matches!(
        f.ctx.apply(unsigned.clone().sign(&stranger)),
        Err(Error::Context(ContextError::NotAdmin(_)))
    ));
    assert_eq!(f.ctx.account_member_count(), 0);
    f.ctx.apply(op).unwrap();
    assert_eq!(f.ctx.account_member_count(), 1);
}

#[test]
fn threshold_context_needs_k_signatures_for_account_ops() {
    let root = RootKey::from_bytes(&[50; 32]);
    let a = ClientKey::from_bytes(&[51; 32]);
    let b = ClientKey::from_bytes(&[52; 32]);
    let now = 1_700_000_000;
    let mut ctx = Context::builder(ContextId::from_bytes([53; 32]))
        .admin(a.public_key())
        .admin(b.public_key())
        .threshold(2)
        .create(&root, now)
        .unwrap();
    let kind = OpKind::AddAccount {
        account: acct(ETH),
        permissions: perms(&["context:execute"]),
        not_before: now,
        expires_at: now + 3_600,
    };
    let one = ctx.propose(kind.clone(), now).sign(&a);
    assert!(matches!(
        ctx.apply(one.clone()),
        Err(Error::Context(ContextError::ThresholdNotMet { .. }))
    ));
    ctx.apply(one.sign(&b)).unwrap();
    assert!(ctx.is_account_member(&acct(ETH), now));
    let revoke = ctx.propose(OpKind::RevokeAccount { account: acct(ETH) }, now + 1);
    assert!(ctx.apply(revoke.clone().sign(&root)).is_err());
    ctx.apply(revoke.sign(&root).sign(&b)).unwrap();
    assert!(ctx.is_account_revoked(&acct(ETH)));
}

/// A deterministic pseudo-random run of account ops over a small pool of
/// accounts: refusals leave the state untouched, the invariants hold after
/// every op, and replays (JSON and stored binary) reach the same state.
#[test]
fn random_account_op_sequences_keep_invariants_and_replay() {
    let mut pool: Vec<AccountId> = [ETH, ETH2, SOL, NEAR, NEAR2, XLM]
        .iter()
        .map(|a| acct(a))
        .collect();
    // Lowercase addresses parse to their EIP-55 form.
    pool.extend((1..=14u32).map(|i| acct(&format!("eip155:10:0x{:040x}", i * 7_919))));
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = |n: usize| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from(state >> 33).unwrap() % n
    };
    let mut f = Fixture::new(55);
    let (mut applied, mut refused) = (0, 0);
    for step in 0..400u64 {
        let a = pool[next(pool.len())].clone();
        let b = pool[next(pool.len())].clone();
        let names: &[&str] = [&["x"][..], &["x", "y"], &["y"], &[]][next(4)];
        let kind = match next(10) {
            0..=2 => OpKind::AddAccount {
                account: a,
                permissions: perms(names),
                not_before: f.now,
                expires_at: f.now + 1 + next(1_000) as u64,
            },
            3 => OpKind::SetAccountPermissions {
                account: a,
                permissions: perms(names),
            },
            4 => OpKind::RevokeAccount { account: a },
            5..=7 => OpKind::LinkAccount {
                member: a,
                account: b,
            },
            _ => OpKind::UnlinkAccount { account: a },
        };
        let before = f.ctx.state_hash();
        let op = f.ctx.propose(kind, f.now + step / 10).sign(&f.root);
        match f.ctx.apply(op) {
            Ok(()) => applied += 1,
            Err(_) => {
                assert_eq!(f.ctx.state_hash(), before, "refusal changed the state");
                refused += 1;
            }
        }
        for a in &pool {
            let revoked = f.ctx.is_account_revoked(a);
            let live = f.ctx.account_window(a).is_some();
            assert!(!(revoked && live), "{a} revoked and live");
            if let Some(primary) = f.ctx.primary_account(a) {
                let info = f.ctx.account_member(a).unwrap();
                assert_eq!(info.primary(), primary);
                assert!(primary == a || info.linked().any(|l| l == a));
                assert_eq!(revoked, info.revoked_seq().is_some());
                if let (Some(p), Some(c)) = (info.permissions(), info.ceiling()) {
                    assert!(p.is_subset_of(c));
                }
            } else {
                assert!(!revoked && !live, "{a}: unknown but revoked or live");
            }
        }
    }
    assert!(
        applied > 20 && refused > 20,
        "{applied} applied, {refused} refused"
    );
    let replayed = Context::import_json(&f.ctx.export_json().unwrap()).unwrap();
    assert_eq!(replayed.state_hash(), f.ctx.state_hash());
    let log = keytree::ContextLog {
        version: keytree::LOG_VERSION,
        ops: f
            .ctx
            .ops()
            .iter()
            .map(|op| ContextOp::from_bytes(&op.to_bytes()).unwrap())
            .collect(),
    };
    assert_eq!(
        Context::import(&log).unwrap().state_hash(),
        f.ctx.state_hash()
    );
}

// ---- Rules FORMATS.md §6/§9 states for a second implementation
// (tests/vectors/formats/independent/FINDINGS.md items 1-8).

/// FINDINGS 1 and 2: `SetAccountPermissions` takes any set its ceiling
/// covers by §6 coverage (`blob` covers `blob:add`), the empty set
/// included; `SetPermissions` for key members follows the same rule.
#[test]
fn set_account_permissions_takes_covered_names_and_the_empty_set() {
    let mut f = Fixture::new(81);
    add(&mut f, ETH, &["blob", "context:read"]).unwrap();
    let eth = acct(ETH);
    let set = |f: &mut Fixture, names: &[&str]| {
        f.apply(OpKind::SetAccountPermissions {
            account: acct(ETH),
            permissions: perms(names),
        })
    };
    // Covered but not an element of the ceiling: accepted.
    set(&mut f, &["blob:add"]).unwrap();
    assert_eq!(
        f.ctx.account_permissions(&eth, f.now).unwrap(),
        &perms(&["blob:add"])
    );
    // The empty set: accepted; the member stays a member holding nothing.
    set(&mut f, &[]).unwrap();
    assert!(f.ctx.is_account_member(&eth, f.now));
    assert_eq!(f.ctx.account_permissions(&eth, f.now).unwrap(), &perms(&[]));
    assert!(
        f.ctx
            .authorize_account(&eth, &p("blob:add"), 3, f.now)
            .is_err()
    );
    // And restored from it, up to the ceiling.
    set(&mut f, &["blob", "context:read"]).unwrap();
    // Not covered: a sibling name, a parent name, `admin`.
    for names in [&["blobs"][..], &["context"], &["admin"]] {
        assert!(
            matches!(set(&mut f, names), Err(Error::Permission(_))),
            "{names:?}"
        );
    }
    // Key members: the same rule for SetPermissions.
    let (client, _) = f.add_member(0, &["blob"]);
    for names in [&["blob:add"][..], &[], &["blob"]] {
        f.apply(OpKind::SetPermissions {
            member: client.public_key(),
            permissions: perms(names),
        })
        .unwrap();
    }
    assert!(matches!(
        f.apply(OpKind::SetPermissions {
            member: client.public_key(),
            permissions: perms(&["blobs"]),
        }),
        Err(Error::Permission(_))
    ));
}

/// FINDINGS 3: "live" is "not revoked", whatever the window, for
/// `SetAccountPermissions`, `RevokeAccount` and `UnlinkAccount`; but
/// `LinkAccount` (like `AddAccount`) is refused once the member's window
/// has ended by the op's timestamp. A future start is accepted.
#[test]
fn link_account_needs_a_window_that_has_not_ended() {
    let mut f = Fixture::new(82);
    let end = f.now + 100;
    f.apply(OpKind::AddAccount {
        account: acct(ETH),
        permissions: perms(&["a", "b"]),
        not_before: f.now,
        expires_at: end,
    })
    .unwrap();
    f.apply(OpKind::AddAccount {
        account: acct(NEAR2),
        permissions: perms(&["a"]),
        not_before: f.now + 1_000,
        expires_at: f.now + 2_000,
    })
    .unwrap();
    // Not yet started: linking is accepted.
    link(&mut f, NEAR2, XLM).unwrap();
    // One second before the end: accepted.
    f.now = end - 1;
    link(&mut f, ETH, SOL).unwrap();
    // At the end and after: refused, state untouched.
    for t in [end, end + 1] {
        f.now = t;
        let before = f.ctx.state_hash();
        assert!(matches!(
            link(&mut f, ETH, NEAR),
            Err(Error::Context(ContextError::InvalidAccountGrant(_)))
        ));
        assert_eq!(f.ctx.state_hash(), before);
    }
    // The ended member is still live for the other ops.
    f.apply(OpKind::SetAccountPermissions {
        account: acct(ETH),
        permissions: perms(&["a"]),
    })
    .unwrap();
    f.apply(OpKind::UnlinkAccount { account: acct(SOL) })
        .unwrap();
    revoke(&mut f, ETH).unwrap();
}

/// FINDINGS 4: `RevokeKey K` also revokes the wallet member whose primary
/// or linked account is `rawkey:ed25519:K` (the whole member). The other
/// way, `RevokeAccount` does not revoke the key K, but K can then no more
/// become a key member or admin nor appear in a chain; `RevokeKey K` is
/// still accepted.
#[test]
fn revoke_key_revokes_its_raw_account_member() {
    // As the primary account.
    let mut f = Fixture::new(83);
    let k = f.root.derive_client_key(&f.id(), 5);
    let raw = AccountId::raw_ed25519(&k.public_key());
    add(&mut f, &raw.to_string(), &["a"]).unwrap();
    f.apply(OpKind::RevokeKey {
        key: k.public_key(),
    })
    .unwrap();
    assert!(f.ctx.is_revoked(&k.public_key()));
    assert!(f.ctx.is_account_revoked(&raw));
    assert!(!f.ctx.is_account_member(&raw, f.now));
    assert_eq!(f.ctx.account_member(&raw).unwrap().revoked_seq(), Some(2));

    // As a linked account: the whole member goes, its other aliases too.
    let mut f = Fixture::new(84);
    let k = f.root.derive_client_key(&f.id(), 5);
    let raw = AccountId::raw_ed25519(&k.public_key());
    add(&mut f, ETH, &["a"]).unwrap();
    link(&mut f, ETH, &raw.to_string()).unwrap();
    link(&mut f, ETH, SOL).unwrap();
    f.apply(OpKind::RevokeKey {
        key: k.public_key(),
    })
    .unwrap();
    for a in [acct(ETH), raw.clone(), acct(SOL)] {
        assert!(f.ctx.is_account_revoked(&a), "{a}");
    }
    assert_eq!(
        f.ctx.account_member(&acct(ETH)).unwrap().revoked_seq(),
        Some(4)
    );

    // An unlinked raw account is not touched by a later key revocation.
    let mut f = Fixture::new(85);
    let k = f.root.derive_client_key(&f.id(), 5);
    let raw = AccountId::raw_ed25519(&k.public_key());
    add(&mut f, ETH, &["a"]).unwrap();
    link(&mut f, ETH, &raw.to_string()).unwrap();
    f.apply(OpKind::UnlinkAccount {
        account: raw.clone(),
    })
    .unwrap();
    f.apply(OpKind::RevokeKey {
        key: k.public_key(),
    })
    .unwrap();
    assert!(f.ctx.is_account_member(&acct(ETH), f.now));
    assert!(!f.ctx.is_account_revoked(&raw));

    // The other direction: revoking the account leaves the key unrevoked,
    // but the key gets no membership, admin role or chain afterwards.
    let mut f = Fixture::new(86);
    let k = f.root.derive_client_key(&f.id(), 5);
    let raw = AccountId::raw_ed25519(&k.public_key());
    add(&mut f, &raw.to_string(), &["a"]).unwrap();
    revoke(&mut f, &raw.to_string()).unwrap();
    assert!(!f.ctx.is_revoked(&k.public_key()));
    assert!(matches!(
        f.apply(OpKind::AddAdmin {
            key: k.public_key()
        }),
        Err(Error::Context(ContextError::AlreadyMember(_)))
    ));
    let d = keytree::Delegation::builder(k.public_key(), f.id(), perms(&["a"]))
        .valid_for(f.now - 10, 86_400)
        .sign_as_root(&f.root)
        .unwrap();
    assert!(matches!(
        f.apply(OpKind::AddMember { chain: vec![d] }),
        Err(Error::Context(ContextError::Revoked(_)))
    ));
    f.apply(OpKind::RevokeKey {
        key: k.public_key(),
    })
    .unwrap();
    assert!(f.ctx.is_revoked(&k.public_key()));
}

/// FINDINGS 5: `AddMember` refuses a chain whose leaf subject's raw
/// account is a wallet member, linked or revoked; and a chain in which any
/// key (issuer or subject of any link) has a revoked raw account. A key
/// whose raw account is a live member may still issue an inner link; its
/// `RevokeKey` then takes both the member below it and the account.
#[test]
fn add_member_checks_raw_accounts_along_the_chain() {
    let mut f = Fixture::new(87);
    let k = f.root.derive_client_key(&f.id(), 5);
    let raw = AccountId::raw_ed25519(&k.public_key());
    add(&mut f, &raw.to_string(), &["a"]).unwrap();
    let chain_through_k = |f: &Fixture, leaf: u32| {
        let top = keytree::Delegation::builder(k.public_key(), f.id(), perms(&["a"]))
            .valid_for(f.now - 10, 86_400)
            .sign_as_root(&f.root)
            .unwrap();
        let sub = ClientKey::from_bytes(&[leaf as u8 + 200; 32]);
        let low = keytree::Delegation::builder(sub.public_key(), f.id(), perms(&["a"]))
            .valid_for(f.now - 10, 3_600)
            .child_of(&top)
            .sign_as_client(&k)
            .unwrap();
        (sub, vec![top, low])
    };
    // K's account is a live member: K as an inner issuer is accepted.
    let (sub, chain) = chain_through_k(&f, 1);
    f.apply(OpKind::AddMember { chain }).unwrap();
    assert!(f.ctx.is_member(&sub.public_key(), f.now));
    // K as the leaf is refused.
    let d = keytree::Delegation::builder(k.public_key(), f.id(), perms(&["a"]))
        .valid_for(f.now - 10, 86_400)
        .sign_as_root(&f.root)
        .unwrap();
    assert!(matches!(
        f.apply(OpKind::AddMember { chain: vec![d] }),
        Err(Error::Context(ContextError::AlreadyMember(_)))
    ));
    // Once K's account is revoked, no new chain goes through K.
    let mut g = Fixture::new(87);
    add(&mut g, &raw.to_string(), &["a"]).unwrap();
    revoke(&mut g, &raw.to_string()).unwrap();
    let (_, chain) = chain_through_k(&g, 2);
    let before = g.ctx.state_hash();
    assert!(matches!(
        g.apply(OpKind::AddMember { chain }),
        Err(Error::Context(ContextError::Revoked(_)))
    ));
    assert_eq!(g.ctx.state_hash(), before);
    // In `f`, revoking the key K takes the member below it and the account.
    f.apply(OpKind::RevokeKey {
        key: k.public_key(),
    })
    .unwrap();
    assert!(!f.ctx.is_member(&sub.public_key(), f.now));
    assert!(f.ctx.is_account_revoked(&raw));
}

/// FINDINGS 6: the `AddAccount` refusals are apply-time. An op with empty
/// permissions, an empty window or a time above `MAX_TIMESTAMP` decodes
/// (JSON) and is refused when applied; a non-canonical account text is
/// refused when decoding.
#[test]
fn add_account_refusals_are_apply_time() {
    let mut f = Fixture::new(88);
    for (names, nb, ea) in [
        (&[][..], f.now, f.now + 10),
        (&["a"], f.now + 10, f.now + 10),
        (&["a"], f.now, MAX_TIMESTAMP + 1),
    ] {
        let op = f
            .ctx
            .propose(
                OpKind::AddAccount {
                    account: acct(ETH),
                    permissions: perms(names),
                    not_before: nb,
                    expires_at: ea,
                },
                f.now,
            )
            .sign(&f.root);
        let json = serde_json::to_string(&op).unwrap();
        let back: ContextOp = serde_json::from_str(&json).unwrap();
        assert_eq!(back, op);
        let err = f.ctx.apply(back).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Context(ContextError::InvalidAccountGrant(_))
                    | Error::TimestampOutOfRange { .. }
            ),
            "{err}"
        );
    }
    let op = f
        .ctx
        .propose(
            OpKind::AddAccount {
                account: acct(ETH),
                permissions: perms(&["a"]),
                not_before: f.now,
                expires_at: f.now + 10,
            },
            f.now,
        )
        .sign(&f.root);
    let json = serde_json::to_string(&op).unwrap().replace(ETH, ETH_LOWER);
    assert!(serde_json::from_str::<ContextOp>(&json).is_err());
}

/// FINDINGS 7 and 8: the account texts keytree accepts and prints.
#[test]
fn account_text_rules_for_custom_chains_and_implicit_keys() {
    // Custom chains: CAIP-2/CAIP-10 grammar, kept byte for byte.
    for ok in [
        "cosmos:cosmoshub-4:cosmos1t2uflqwqe0fsj0shcfkrvpukewcw40yjj6hdc0",
        "hedera:mainnet:0.0.1234-ABCde",
        "abc:A_b-9:x%20y",
        "eip155x:ref:addr",
        &format!("abcdefgh:{}:{}", "r".repeat(32), "a".repeat(128)),
    ] {
        let a = acct(ok);
        assert_eq!(a.to_string(), ok);
    }
    for bad in [
        "Cosmos:cosmoshub-4:cosmos1abc",
        "ab:ref:addr",
        "abcdefghi:ref:addr",
        "ed25519:ref:addr",
        "did:key:z6Mk",
        &format!("abc:{}:addr", "r".repeat(33)),
        &format!("abc:ref:{}", "a".repeat(129)),
        "abc:re.f:addr",
        "abc:ref:a_b",
        "abc:ref:a:b",
        "abc:ref:",
        "abc::addr",
    ] {
        assert!(bad.parse::<AccountId>().is_err(), "{bad}");
    }
    // Solana and NEAR implicit addresses: any 32 bytes, on the curve or
    // not; raw keys must be valid. [0xff; 32] is no Ed25519 point.
    let off = [0xffu8; 32];
    let sol = format!(
        "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp:{}",
        bs58::encode(off).into_string()
    );
    assert_eq!(acct(&sol).to_string(), sol);
    assert!(keytree::PublicKey::from_bytes(&off).is_err());
    let hex = "ff".repeat(32);
    assert_eq!(
        acct(&format!("near:mainnet:{hex}")).to_string(),
        format!("near:mainnet:{hex}")
    );
    assert!(
        format!("rawkey:ed25519:{hex}")
            .parse::<AccountId>()
            .is_err()
    );
    // Any 32 base58 characters are a Solana reference.
    let other_ref = format!(
        "solana:{}:7S3P4HxJpyyigGzodYwHtCxZyUQe9JiBMHyRWXArAaKv",
        "1".repeat(32)
    );
    assert_eq!(acct(&other_ref).to_string(), other_ref);
}
