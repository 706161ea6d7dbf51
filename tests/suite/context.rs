//! Contexts: ops, authority, threshold, revocation, deltas, export/import.

use keytree::{
    ClientKey, Context, ContextError, ContextId, Delegation, DelegationError, DeltaPolicy, Error,
    OpKind, Permission, RevocationView, RootKey,
};

use crate::common::{Fixture, perms};

fn p(s: &str) -> Permission {
    s.parse().unwrap()
}

#[test]
fn add_member_and_query() {
    let mut f = Fixture::new(1);
    let (client, d) = f.add_member(0, &["context:execute"]);
    let key = client.public_key();
    assert!(f.ctx.is_member(&key, f.now));
    assert_eq!(
        f.ctx.permissions(&key, f.now).unwrap(),
        &perms(&["context:execute"])
    );
    f.ctx
        .authorize(&key, &p("context:execute:transfer"), 1, f.now)
        .unwrap();
    assert!(
        f.ctx
            .authorize(&key, &p("context:members:manage"), 1, f.now)
            .is_err()
    );
    // Not a member before the op that added it.
    assert!(matches!(
        f.ctx.authorize(&key, &p("context:execute"), 0, f.now),
        Err(Error::Context(ContextError::NotAuthorized { .. }))
    ));
    // Beyond the head.
    assert!(matches!(
        f.ctx.authorize(&key, &p("context:execute"), 2, f.now),
        Err(Error::Context(ContextError::FutureSequence { .. }))
    ));
    let info = f.ctx.member(&key).unwrap();
    assert_eq!(info.chain(), std::slice::from_ref(&d));
    assert_eq!(info.window(), Some((d.not_before(), d.expires_at())));
    // The root holds everything.
    f.ctx
        .authorize(&f.root.public_key(), &p("anything"), 0, f.now)
        .unwrap();
}

#[test]
fn refusals_leave_state_untouched() {
    let mut f = Fixture::new(2);
    let (client, _) = f.add_member(0, &["a"]);
    let before = f.ctx.state_hash();
    let stranger = RootKey::from_bytes(&[77; 32]);
    let victim = ClientKey::from_bytes(&[78; 32]).public_key();

    // Signed by a non-admin (a member is not an admin).
    let op = f
        .ctx
        .propose(OpKind::RevokeKey { key: victim }, f.now)
        .sign(&client);
    assert!(matches!(
        f.ctx.apply(op),
        Err(Error::Context(ContextError::NotAdmin(_)))
    ));
    // Signed by a stranger.
    let op = f
        .ctx
        .propose(OpKind::RevokeKey { key: victim }, f.now)
        .sign(&stranger);
    assert!(f.ctx.apply(op).is_err());
    // Unsigned.
    let op = f.ctx.propose(OpKind::RevokeKey { key: victim }, f.now);
    assert!(matches!(
        f.ctx.apply(op),
        Err(Error::Context(ContextError::ThresholdNotMet {
            got: 0,
            required: 1
        }))
    ));
    // Wrong sequence number, broken hash chain, wrong context, time going back.
    let good = f.ctx.propose(OpKind::RevokeKey { key: victim }, f.now);
    let bad_seq = keytree::ContextOp::new(
        *f.ctx.id(),
        good.seq() + 1,
        *good.prev(),
        f.now,
        good.kind().clone(),
    )
    .sign(&f.root);
    assert!(matches!(
        f.ctx.apply(bad_seq),
        Err(Error::Context(ContextError::Sequence { .. }))
    ));
    let bad_prev = keytree::ContextOp::new(
        *f.ctx.id(),
        good.seq(),
        keytree::OpHash::default(),
        f.now,
        good.kind().clone(),
    )
    .sign(&f.root);
    assert!(matches!(
        f.ctx.apply(bad_prev),
        Err(Error::Context(ContextError::BrokenHashChain))
    ));
    let bad_ctx = keytree::ContextOp::new(
        ContextId::from_bytes([0; 32]),
        good.seq(),
        *good.prev(),
        f.now,
        good.kind().clone(),
    )
    .sign(&f.root);
    assert!(matches!(
        f.ctx.apply(bad_ctx),
        Err(Error::Context(ContextError::WrongContext))
    ));
    let back = f
        .ctx
        .propose(OpKind::RevokeKey { key: victim }, f.now - 1)
        .sign(&f.root);
    assert!(matches!(
        f.ctx.apply(back),
        Err(Error::Context(ContextError::TimeWentBackwards))
    ));
    // A tampered signature.
    let mut tampered = f
        .ctx
        .propose(OpKind::RevokeKey { key: victim }, f.now)
        .sign(&f.root);
    let mut sig = tampered.signatures()[0].clone();
    let mut bytes = sig.signature.to_bytes();
    bytes[5] ^= 1;
    sig.signature = keytree::Signature::from_bytes(&bytes);
    tampered.add_signature(sig);
    assert_eq!(f.ctx.apply(tampered).unwrap_err(), Error::InvalidSignature);

    assert_eq!(f.ctx.state_hash(), before);
    assert_eq!(f.ctx.head_seq(), 1);
}

#[test]
fn member_chain_refusals() {
    let mut f = Fixture::new(3);
    let client = f.root.derive_client_key(&f.id(), 0);
    // Delegation for another context.
    let other = Delegation::builder(
        client.public_key(),
        ContextId::from_bytes([9; 32]),
        perms(&["a"]),
    )
    .valid_for(f.now - 10, 100)
    .sign_as_root(&f.root)
    .unwrap();
    assert!(f.apply(OpKind::AddMember { chain: vec![other] }).is_err());
    // Delegation from a non-admin.
    let stranger = RootKey::from_bytes(&[50; 32]);
    let foreign = Delegation::builder(client.public_key(), f.id(), perms(&["a"]))
        .valid_for(f.now - 10, 100)
        .sign_as_root(&stranger)
        .unwrap();
    assert_eq!(
        f.apply(OpKind::AddMember {
            chain: vec![foreign]
        })
        .unwrap_err(),
        Error::Delegation(DelegationError::WrongRoot)
    );
    // Expired at the op's timestamp.
    let expired = Delegation::builder(client.public_key(), f.id(), perms(&["a"]))
        .valid_between(f.now - 100, f.now - 1)
        .sign_as_root(&f.root)
        .unwrap();
    assert!(matches!(
        f.apply(OpKind::AddMember {
            chain: vec![expired]
        }),
        Err(Error::Delegation(DelegationError::Expired { .. }))
    ));
    // Added twice.
    f.add_member(0, &["a"]);
    let again = Delegation::builder(client.public_key(), f.id(), perms(&["a"]))
        .valid_for(f.now - 10, 100)
        .sign_as_root(&f.root)
        .unwrap();
    assert!(matches!(
        f.apply(OpKind::AddMember { chain: vec![again] }),
        Err(Error::Context(ContextError::AlreadyMember(_)))
    ));
}

#[test]
fn set_permissions_narrows_but_never_widens() {
    let mut f = Fixture::new(4);
    let (client, _) = f.add_member(0, &["blob", "context:execute"]);
    let key = client.public_key();
    f.apply(OpKind::SetPermissions {
        member: key,
        permissions: perms(&["blob:read"]),
    })
    .unwrap();
    assert!(f.ctx.authorize(&key, &p("blob:write"), 2, f.now).is_err());
    f.ctx.authorize(&key, &p("blob:write"), 1, f.now).unwrap(); // history
    assert!(!f.ctx.live_permissions_cover(&key, &p("context:execute")));
    // Beyond the delegation: refused.
    assert!(
        f.apply(OpKind::SetPermissions {
            member: key,
            permissions: perms(&["admin"]),
        })
        .is_err()
    );
    // Restoring up to the delegation is fine.
    f.apply(OpKind::SetPermissions {
        member: key,
        permissions: perms(&["blob", "context:execute"]),
    })
    .unwrap();
    assert!(f.ctx.live_permissions_cover(&key, &p("context:execute")));
}

#[test]
fn threshold_two_of_three() {
    let root = RootKey::from_bytes(&[5; 32]);
    let a1 = RootKey::from_bytes(&[6; 32]);
    let a2 = RootKey::from_bytes(&[7; 32]);
    let id = ContextId::from_bytes([8; 32]);
    let mut ctx = Context::builder(id)
        .admin(a1.public_key())
        .admin(a2.public_key())
        .threshold(2)
        .create(&root, 1000)
        .unwrap();
    let client = root.derive_client_key(&id, 0);
    let d = Delegation::builder(client.public_key(), id, perms(&["a"]))
        .valid_for(900, 1000)
        .sign_as_root(&root)
        .unwrap();
    let kind = OpKind::AddMember { chain: vec![d] };
    let one = ctx.propose(kind.clone(), 1000).sign(&a1);
    assert_eq!(
        ctx.apply(one.clone()).unwrap_err(),
        Error::Context(ContextError::ThresholdNotMet {
            got: 1,
            required: 2
        })
    );
    // The same admin twice does not count twice (sign replaces its own signature).
    let twice = one.clone().sign(&a1);
    assert_eq!(twice.signatures().len(), 1);
    ctx.apply(one.sign(&a2)).unwrap();
    assert!(ctx.is_member(&client.public_key(), 1000));
    // Threshold larger than the admin set is refused at genesis.
    assert!(
        Context::builder(id)
            .threshold(2)
            .create(&root, 1000)
            .is_err()
    );
    assert!(
        Context::builder(id)
            .threshold(0)
            .create(&root, 1000)
            .is_err()
    );
    // Removing one admin of three keeps 2-of-2; removing another is refused.
    let rm = ctx
        .propose(
            OpKind::RemoveAdmin {
                key: a2.public_key(),
            },
            1000,
        )
        .sign(&a1)
        .sign(&root);
    ctx.apply(rm).unwrap();
    let rm = ctx
        .propose(
            OpKind::RemoveAdmin {
                key: a1.public_key(),
            },
            1000,
        )
        .sign(&a1)
        .sign(&root);
    assert!(matches!(
        ctx.apply(rm),
        Err(Error::Context(ContextError::InvalidThreshold { .. }))
    ));
    // A removed admin's signature no longer counts.
    let op = ctx
        .propose(
            OpKind::AddAdmin {
                key: a2.public_key(),
            },
            1000,
        )
        .sign(&a2)
        .sign(&root);
    assert!(matches!(
        ctx.apply(op),
        Err(Error::Context(ContextError::NotAdmin(_)))
    ));
}

#[test]
fn admins_come_and_go() {
    let mut f = Fixture::new(9);
    let admin = RootKey::from_bytes(&[90; 32]);
    f.apply(OpKind::AddAdmin {
        key: admin.public_key(),
    })
    .unwrap();
    assert!(
        f.apply(OpKind::AddAdmin {
            key: admin.public_key()
        })
        .is_err()
    );
    // The new admin can sign ops, and issue member delegations.
    let client = ClientKey::from_bytes(&[91; 32]);
    let d = Delegation::builder(client.public_key(), f.id(), perms(&["a"]))
        .valid_for(f.now - 10, 100)
        .sign_as_root(&admin)
        .unwrap();
    let op = f
        .ctx
        .propose(OpKind::AddMember { chain: vec![d] }, f.now)
        .sign(&admin);
    f.ctx.apply(op).unwrap();
    f.apply(OpKind::RemoveAdmin {
        key: admin.public_key(),
    })
    .unwrap();
    let op = f
        .ctx
        .propose(
            OpKind::AddAdmin {
                key: admin.public_key(),
            },
            f.now,
        )
        .sign(&admin);
    assert!(f.ctx.apply(op).is_err());
    // The root can be neither removed nor revoked.
    assert_eq!(
        f.apply(OpKind::RemoveAdmin {
            key: f.root.public_key()
        })
        .unwrap_err(),
        Error::Context(ContextError::RootImmutable)
    );
    assert_eq!(
        f.apply(OpKind::RevokeKey {
            key: f.root.public_key()
        })
        .unwrap_err(),
        Error::Context(ContextError::RootImmutable)
    );
}

#[test]
fn revocation_is_permanent_and_cascades() {
    let mut f = Fixture::new(10);
    let (client, d0) = f.add_member(0, &["blob", "context:execute"]);
    // The client delegates onward to a sub-key, added as a member too.
    let sub = ClientKey::from_bytes(&[11; 32]);
    let d1 = Delegation::builder(sub.public_key(), f.id(), perms(&["blob:add"]))
        .valid_between(d0.not_before(), d0.expires_at())
        .child_of(&d0)
        .sign_as_client(&client)
        .unwrap();
    f.apply(OpKind::AddMember {
        chain: vec![d0.clone(), d1.clone()],
    })
    .unwrap();
    assert!(f.ctx.is_member(&sub.public_key(), f.now));
    let (bystander, _) = f.add_member(1, &["blob"]);

    f.apply(OpKind::RevokeKey {
        key: client.public_key(),
    })
    .unwrap();
    assert!(!f.ctx.is_member(&client.public_key(), f.now));
    assert!(
        !f.ctx.is_member(&sub.public_key(), f.now),
        "cascade to the sub-key"
    );
    assert!(f.ctx.is_key_revoked(&sub.public_key()));
    assert!(
        f.ctx.is_member(&bystander.public_key(), f.now),
        "others unaffected"
    );
    assert!(f.ctx.is_member(&bystander.public_key(), f.now));
    f.ctx
        .authorize(&f.root.public_key(), &p("blob"), f.ctx.head_seq(), f.now)
        .unwrap();

    // Permanent: re-adding the key with a fresh delegation is refused.
    let fresh = Delegation::builder(client.public_key(), f.id(), perms(&["blob"]))
        .valid_for(f.now - 10, 100)
        .sign_as_root(&f.root)
        .unwrap();
    assert!(matches!(
        f.apply(OpKind::AddMember { chain: vec![fresh] }),
        Err(Error::Context(ContextError::Revoked(_)))
    ));
    // And a new sub-key below the revoked key cannot join either.
    let sub2 = ClientKey::from_bytes(&[12; 32]);
    let d2 = Delegation::builder(sub2.public_key(), f.id(), perms(&["blob"]))
        .valid_between(d0.not_before(), d0.expires_at())
        .child_of(&d0)
        .sign_as_client(&client)
        .unwrap();
    assert!(
        f.apply(OpKind::AddMember {
            chain: vec![d0, d2]
        })
        .is_err()
    );
    // Revoking twice is refused (the log stays clean).
    assert!(
        f.apply(OpKind::RevokeKey {
            key: client.public_key()
        })
        .is_err()
    );
}

#[test]
fn revoking_a_delegation_cascades() {
    let mut f = Fixture::new(13);
    let (client, d0) = f.add_member(0, &["blob"]);
    let sub = ClientKey::from_bytes(&[14; 32]);
    let d1 = Delegation::builder(sub.public_key(), f.id(), perms(&["blob"]))
        .valid_between(d0.not_before(), d0.expires_at())
        .child_of(&d0)
        .sign_as_client(&client)
        .unwrap();
    f.apply(OpKind::AddMember {
        chain: vec![d0.clone(), d1],
    })
    .unwrap();
    f.apply(OpKind::RevokeDelegation { id: d0.id() }).unwrap();
    assert!(f.ctx.is_delegation_revoked(&d0.id()));
    assert!(!f.ctx.is_member(&client.public_key(), f.now));
    assert!(!f.ctx.is_member(&sub.public_key(), f.now));
}

#[test]
fn deltas_history_and_strict_policy() {
    let mut f = Fixture::new(15);
    let (client, _) = f.add_member(0, &["context:execute"]);
    let exec = p("context:execute");
    let old = client
        .sign_delta(&f.id(), f.ctx.head_seq(), f.now, b"before")
        .unwrap();
    f.ctx
        .verify_delta(&old, &exec, DeltaPolicy::Historical)
        .unwrap();
    let first_seen = f.ctx.head_seq();

    f.apply(OpKind::RevokeKey {
        key: client.public_key(),
    })
    .unwrap();
    // History stays valid.
    f.ctx
        .verify_delta(&old, &exec, DeltaPolicy::Historical)
        .unwrap();
    f.ctx
        .verify_delta(
            &old,
            &exec,
            DeltaPolicy::Strict {
                first_seen_seq: first_seen,
                first_seen_at: f.now,
            },
        )
        .unwrap();
    // A new delta against the current head is refused.
    let new = client
        .sign_delta(&f.id(), f.ctx.head_seq(), f.now, b"after")
        .unwrap();
    assert!(matches!(
        f.ctx.verify_delta(&new, &exec, DeltaPolicy::Historical),
        Err(Error::Context(ContextError::NotAuthorized { .. }))
    ));
    // A back-dated new delta: accepted by the historical policy (the
    // documented trade-off), refused by the strict one.
    let backdated = client
        .sign_delta(&f.id(), first_seen, f.now, b"backdated")
        .unwrap();
    f.ctx
        .verify_delta(&backdated, &exec, DeltaPolicy::Historical)
        .unwrap();
    assert_eq!(
        f.ctx
            .verify_delta(
                &backdated,
                &exec,
                DeltaPolicy::Strict {
                    first_seen_seq: f.ctx.head_seq(),
                    first_seen_at: f.now,
                }
            )
            .unwrap_err(),
        Error::Context(ContextError::SeenAfterRevocation)
    );
    // Tampered payload, wrong context, missing permission.
    let mut json = serde_json::to_value(&old).unwrap();
    json["payload"] = "dGFtcGVyZWQ".into();
    let tampered: keytree::Delta = serde_json::from_value(json).unwrap();
    assert_eq!(
        f.ctx
            .verify_delta(&tampered, &exec, DeltaPolicy::Historical)
            .unwrap_err(),
        Error::InvalidSignature
    );
    let elsewhere = client
        .sign_delta(&ContextId::from_bytes([1; 32]), 1, f.now, b"x")
        .unwrap();
    assert!(
        f.ctx
            .verify_delta(&elsewhere, &exec, DeltaPolicy::Historical)
            .is_err()
    );
    assert!(
        f.ctx
            .verify_delta(&old, &p("admin"), DeltaPolicy::Historical)
            .is_err()
    );
}

#[test]
fn export_import_round_trip_and_tamper() {
    let mut f = Fixture::new(16);
    let (a, _) = f.add_member(0, &["a"]);
    f.add_member(1, &["b"]);
    f.apply(OpKind::RevokeKey {
        key: a.public_key(),
    })
    .unwrap();
    let json = f.ctx.export_json().unwrap();
    let back = Context::import_json(&json).unwrap();
    assert_eq!(back.state_hash(), f.ctx.state_hash());
    assert_eq!(back.head_hash(), f.ctx.head_hash());

    // Tamper with op 2 (the second add): change its timestamp.
    let mut log: serde_json::Value = serde_json::from_str(&json).unwrap();
    log["ops"][2]["timestamp"] = (f.now + 1).into();
    match Context::import_json(&log.to_string()).unwrap_err() {
        Error::Context(ContextError::BadOp { seq, reason }) => {
            assert_eq!(seq, 2);
            assert_eq!(*reason, Error::InvalidSignature);
        }
        other => panic!("unexpected {other:?}"),
    }
    // Drop op 1: op 2 no longer continues the chain.
    let mut log: serde_json::Value = serde_json::from_str(&json).unwrap();
    log["ops"].as_array_mut().unwrap().remove(1);
    match Context::import_json(&log.to_string()).unwrap_err() {
        Error::Context(ContextError::BadOp { seq, .. }) => assert_eq!(seq, 1),
        other => panic!("unexpected {other:?}"),
    }
    // Tamper with genesis.
    let mut log: serde_json::Value = serde_json::from_str(&json).unwrap();
    log["ops"][0]["op"]["threshold"] = 1.into();
    log["ops"][0]["timestamp"] = 5.into();
    match Context::import_json(&log.to_string()).unwrap_err() {
        Error::Context(ContextError::BadOp { seq, .. }) => assert_eq!(seq, 0),
        other => panic!("unexpected {other:?}"),
    }
    // Garbage and empty logs.
    assert!(Context::import_json("{}").is_err());
    assert!(Context::import_json(r#"{"version":1,"ops":[]}"#).is_err());
    assert!(Context::import_json(r#"{"version":2,"ops":[]}"#).is_err());
}

#[test]
fn revocation_cascade_cannot_strand_the_threshold() {
    // 2-of-2: the root and an admin that is also a member.
    let root = RootKey::from_bytes(&[20; 32]);
    let id = ContextId::from_bytes([21; 32]);
    let admin = root.derive_client_key(&id, 0);
    let mut ctx = Context::builder(id)
        .admin(admin.public_key())
        .threshold(2)
        .create(&root, 1000)
        .unwrap();
    let d = Delegation::builder(admin.public_key(), id, perms(&["a"]))
        .valid_for(900, 1000)
        .sign_as_root(&root)
        .unwrap();
    let op = ctx
        .propose(
            OpKind::AddMember {
                chain: vec![d.clone()],
            },
            1000,
        )
        .sign(&root)
        .sign(&admin);
    ctx.apply(op).unwrap();
    let before = ctx.state_hash();
    // Revoking the admin's delegation would revoke the admin's key and leave
    // one admin for a threshold of two: refused, state untouched.
    let op = ctx
        .propose(OpKind::RevokeDelegation { id: d.id() }, 1000)
        .sign(&root)
        .sign(&admin);
    assert!(matches!(
        ctx.apply(op),
        Err(Error::Context(ContextError::InvalidThreshold { .. }))
    ));
    assert_eq!(ctx.state_hash(), before);
}

#[test]
fn revoking_an_admin_key_removes_its_authority() {
    let mut f = Fixture::new(22);
    let admin = RootKey::from_bytes(&[23; 32]);
    f.apply(OpKind::AddAdmin {
        key: admin.public_key(),
    })
    .unwrap();
    f.apply(OpKind::RevokeKey {
        key: admin.public_key(),
    })
    .unwrap();
    assert!(f.ctx.admins().all(|a| *a != admin.public_key()));
    let victim = ClientKey::from_bytes(&[24; 32]).public_key();
    let op = f
        .ctx
        .propose(OpKind::RevokeKey { key: victim }, f.now)
        .sign(&admin);
    assert!(matches!(
        f.ctx.apply(op),
        Err(Error::Context(ContextError::NotAdmin(_)))
    ));
}

/// FORMATS.md §9: signatures beyond the threshold are accepted when every
/// one is a current admin's and valid; the list must be strictly ascending
/// by signer key, so an op has one JSON encoding.
#[test]
fn extra_signatures_accepted_in_key_order_only() {
    use keytree::{ContextOp, OpSignature};
    let root = RootKey::from_bytes(&[5; 32]);
    let a1 = RootKey::from_bytes(&[6; 32]);
    let a2 = RootKey::from_bytes(&[7; 32]);
    let outsider = RootKey::from_bytes(&[9; 32]);
    let id = ContextId::from_bytes([8; 32]);
    let mut ctx = Context::builder(id)
        .admin(a1.public_key())
        .admin(a2.public_key())
        .threshold(1)
        .create(&root, 1000)
        .unwrap();
    let kind = OpKind::AddAdmin {
        key: RootKey::from_bytes(&[10; 32]).public_key(),
    };
    let all = ctx
        .propose(kind.clone(), 1000)
        .sign(&a2)
        .sign(&root)
        .sign(&a1);
    assert_eq!(all.signatures().len(), 3);
    assert!(
        all.signatures()
            .windows(2)
            .all(|w| w[0].signer.as_bytes() < w[1].signer.as_bytes())
    );
    let before = ctx.state_hash();

    // Any other order is refused, and the state is untouched.
    let mut json = serde_json::to_value(&all).unwrap();
    json["signatures"].as_array_mut().unwrap().reverse();
    let reversed: ContextOp = serde_json::from_value(json).unwrap();
    assert!(matches!(ctx.apply(reversed), Err(Error::Decode { .. })));

    // One bad extra signature refuses the op, though the others meet the threshold.
    let mut bad = all.clone();
    let elsewhere = ctx
        .propose(
            OpKind::AddAdmin {
                key: RootKey::from_bytes(&[11; 32]).public_key(),
            },
            1000,
        )
        .sign(&a2);
    bad.add_signature(OpSignature {
        signer: a2.public_key(),
        signature: elsewhere.signatures()[0].signature,
    });
    assert_eq!(ctx.apply(bad).unwrap_err(), Error::InvalidSignature);

    // An extra signer who is not an admin refuses it too.
    let with_outsider = ctx.propose(kind, 1000).sign(&root).sign(&outsider);
    assert!(matches!(
        ctx.apply(with_outsider),
        Err(Error::Context(ContextError::NotAdmin(_)))
    ));
    assert_eq!(ctx.state_hash(), before);

    // Three valid admin signatures for a threshold of one: accepted.
    ctx.apply(all).unwrap();
    assert_eq!(ctx.ops().last().unwrap().signatures().len(), 3);
}
