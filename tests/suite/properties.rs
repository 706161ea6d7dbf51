//! Property tests: round trips for every encoded type, and the invariants
//! "a chain never grants more than its root", "replay gives the same state
//! hash", "revoked stays revoked".

use proptest::prelude::*;

use keytree::{
    ChainPolicy, ClientKey, Context, ContextId, ContextOp, Delegation, DelegationId, Delta, Issuer,
    OpKind, Permission, Permissions, PublicKey, RootKey, Signature, verify_chain,
};

const SEGMENTS: &[&str] = &["a", "b", "blob", "add", "context", "execute", "x"];

fn permission() -> impl Strategy<Value = Permission> {
    prop::collection::vec(prop::sample::select(SEGMENTS), 1..4)
        .prop_map(|segs| Permission::new(&segs.join(":")).unwrap())
}

fn permissions() -> impl Strategy<Value = Permissions> {
    prop::collection::vec(permission(), 0..5)
        .prop_map(|ps| Permissions::from_permissions(ps).unwrap())
}

fn delegation() -> impl Strategy<Value = Delegation> {
    (
        any::<[u8; 32]>(),
        any::<[u8; 32]>(),
        any::<[u8; 32]>(),
        permissions(),
        // Windows end at or before keytree::MAX_TIMESTAMP (year 9999).
        0u64..keytree::MAX_TIMESTAMP - 1_000_000,
        1u64..1_000_000,
        any::<[u8; 16]>(),
    )
        .prop_map(|(root, subject, ctx, perms, nb, len, serial)| {
            Delegation::builder(
                ClientKey::from_bytes(&subject).public_key(),
                ContextId::from_bytes(ctx),
                perms,
            )
            .valid_between(nb, nb + len)
            .serial(serial)
            .sign_as_root(&RootKey::from_bytes(&root))
            .unwrap()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn public_key_text_round_trips(seed in any::<[u8; 32]>()) {
        let key = RootKey::from_bytes(&seed).public_key();
        prop_assert_eq!(key.to_string().parse::<PublicKey>().unwrap(), key);
        prop_assert_eq!(key.to_did_key().parse::<PublicKey>().unwrap(), key);
        let json = serde_json::to_string(&key).unwrap();
        prop_assert_eq!(serde_json::from_str::<PublicKey>(&json).unwrap(), key);
        prop_assert_eq!(PublicKey::from_bytes(key.as_bytes()).unwrap(), key);
    }

    #[test]
    fn ids_and_signatures_round_trip(bytes in any::<[u8; 32]>(), sig in prop::collection::vec(any::<u8>(), 64)) {
        let ctx = ContextId::from_bytes(bytes);
        prop_assert_eq!(ctx.to_string().parse::<ContextId>().unwrap(), ctx);
        let id = DelegationId::from_bytes(bytes);
        prop_assert_eq!(id.to_string().parse::<DelegationId>().unwrap(), id);
        let sig = Signature::from_slice(&sig).unwrap();
        prop_assert_eq!(sig.to_string().parse::<Signature>().unwrap(), sig);
    }

    #[test]
    fn permissions_round_trip(perms in permissions()) {
        let json = serde_json::to_string(&perms).unwrap();
        prop_assert_eq!(serde_json::from_str::<Permissions>(&json).unwrap(), perms.clone());
        for p in &perms {
            prop_assert_eq!(p.as_str().parse::<Permission>().unwrap(), p.clone());
            prop_assert!(perms.covers(p));
        }
    }

    #[test]
    fn delegation_round_trips(d in delegation()) {
        prop_assert_eq!(Delegation::from_bytes(&d.to_bytes()).unwrap(), d.clone());
        let json = serde_json::to_string(&d).unwrap();
        let back: Delegation = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back.id(), d.id());
        prop_assert_eq!(back, d.clone());
        d.verify_signature().unwrap();
    }

    #[test]
    fn delta_round_trips(seed in any::<[u8; 32]>(), seq in any::<u64>(), payload in prop::collection::vec(any::<u8>(), 0..64)) {
        let key = ClientKey::from_bytes(&seed);
        let delta = key
            .sign_delta(&ContextId::from_bytes([1; 32]), seq, 1_700_000_000, &payload)
            .unwrap();
        let json = serde_json::to_string(&delta).unwrap();
        prop_assert_eq!(serde_json::from_str::<Delta>(&json).unwrap(), delta);
    }

    /// Whatever the links ask for, a chain that verifies grants nothing its
    /// root link does not cover.
    #[test]
    fn a_chain_never_grants_more_than_its_root(
        rootp in permissions(),
        midp in permissions(),
        leafp in permissions(),
        probe in permission(),
    ) {
        let root = RootKey::from_bytes(&[1; 32]);
        let ctx = ContextId::from_bytes([2; 32]);
        let mid = ClientKey::from_bytes(&[3; 32]);
        let leaf = ClientKey::from_bytes(&[4; 32]);
        let d0 = Delegation::builder(mid.public_key(), ctx, rootp.clone())
            .valid_between(0, 100).sign_as_root(&root).unwrap();
        let d1 = Delegation::builder(leaf.public_key(), ctx, midp)
            .valid_between(0, 100).child_of(&d0).sign_as_client(&mid).unwrap();
        let d2 = Delegation::builder(ClientKey::from_bytes(&[5; 32]).public_key(), ctx, leafp)
            .valid_between(0, 100).child_of(&d1).sign_as_client(&leaf).unwrap();
        let chain = [d0, d1, d2];
        if let Ok(granted) = verify_chain(&chain, &Issuer::Key(root.public_key()), 50, &ChainPolicy::default()) {
            prop_assert!(granted.permissions().is_subset_of(&rootp));
            if granted.permissions().covers(&probe) {
                prop_assert!(rootp.covers(&probe));
            }
        }
    }

    /// Random op sequences (some refused) replay to the same state hash, and
    /// a revoked key never becomes a member again.
    #[test]
    fn replay_and_permanent_revocation(script in prop::collection::vec((0u8..5, 0u32..6, permissions()), 1..24)) {
        let root = RootKey::from_bytes(&[9; 32]);
        let id = ContextId::from_bytes([10; 32]);
        let mut ctx = Context::builder(id).create(&root, 1_000).unwrap();
        let mut revoked: Vec<PublicKey> = Vec::new();
        for (i, (action, who, perms)) in script.into_iter().enumerate() {
            let now = 1_000 + i as u64;
            let client = root.derive_client_key(&id, who);
            let key = client.public_key();
            let kind = match action {
                0 | 1 => {
                    let d = Delegation::builder(key, id, perms)
                        .valid_between(900, 10_000)
                        .serial([who as u8; 16])
                        .sign_as_root(&root)
                        .unwrap();
                    OpKind::AddMember { chain: vec![d] }
                }
                2 => OpKind::SetPermissions { member: key, permissions: perms },
                3 => OpKind::RevokeKey { key },
                _ => OpKind::AddAdmin { key },
            };
            let op: ContextOp = ctx.propose(kind, now).sign(&root);
            let before = ctx.state_hash();
            if ctx.apply(op).is_err() {
                prop_assert_eq!(ctx.state_hash(), before, "a refusal changed the state");
            } else if action == 3 {
                revoked.push(key);
            }
            for r in &revoked {
                prop_assert!(!ctx.is_member(r, now));
                prop_assert!(ctx.is_revoked(r));
            }
        }
        let replayed = Context::import_json(&ctx.export_json().unwrap()).unwrap();
        prop_assert_eq!(replayed.state_hash(), ctx.state_hash());
    }
}
