//! A context log shared by a fleet: replicas over the memory store and
//! (feature `redis`) a real redis-server.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use keytree::{
    AppendOutcome, ClientKey, Context, ContextError, ContextId, ContextOp, ContextReplica,
    ContextStore, Delegation, Error, MemoryContextStore, OpKind, RevocationView, RootKey,
    TokenError, TokenIssuer, TokenRequest, TokenSigningKey, TokenValidator,
};

use crate::common::perms;

const ISS: &str = "https://auth.fleet.test";
const AUD: &str = "api.fleet.test";

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap()
}

/// A root, a context id and its genesis.
struct Setup {
    root: Arc<RootKey>,
    id: ContextId,
    genesis: Context,
    issuer: TokenIssuer,
    validator: TokenValidator,
}

impl Setup {
    fn new(seed: u8) -> Self {
        let root = RootKey::from_bytes(&[seed; 32]);
        let id = ContextId::from_bytes([seed.wrapping_add(50); 32]);
        let genesis = Context::builder(id).create(&root, now() - 60).unwrap();
        let issuer = TokenIssuer::new(ISS, TokenSigningKey::from_bytes(&[seed ^ 0x5a; 32]));
        let validator = issuer.validator(AUD, now()).build().unwrap();
        Self {
            root: Arc::new(root),
            id,
            genesis,
            issuer,
            validator,
        }
    }

    fn client(&self, index: u32) -> ClientKey {
        self.root.derive_client_key(&self.id, index)
    }

    fn delegation(&self, index: u32) -> Delegation {
        Delegation::builder(
            self.client(index).public_key(),
            self.id,
            perms(&["blob", "context:execute"]),
        )
        .valid_for(now() - 60, 86_400)
        .sign_as_root(&self.root)
        .unwrap()
    }
}

/// An op's time: `now`, or the last op's if another instance's clock ran
/// ahead (op times never go backwards).
fn op_time(ctx: &Context, now: u64) -> u64 {
    ctx.ops().last().map_or(now, |op| op.timestamp().max(now))
}

/// Adds member `index` through `replica`, re-proposing on conflicts.
async fn add_member<S: ContextStore>(
    setup: &Setup,
    replica: &ContextReplica<S>,
    index: u32,
) -> keytree::Result<()> {
    let chain = vec![setup.delegation(index)];
    let root = setup.root.clone();
    let t = now();
    replica
        .submit_with(t, 10_000, move |ctx| {
            Ok(ctx
                .propose(
                    OpKind::AddMember {
                        chain: chain.clone(),
                    },
                    op_time(ctx, t),
                )
                .sign(&*root))
        })
        .await
}

async fn revoke<S: ContextStore>(
    setup: &Setup,
    replica: &ContextReplica<S>,
    index: u32,
) -> keytree::Result<()> {
    let key = setup.client(index).public_key();
    let root = setup.root.clone();
    let t = now();
    replica
        .submit_with(t, 100, move |ctx| {
            Ok(ctx
                .propose(OpKind::RevokeKey { key }, op_time(ctx, t))
                .sign(&*root))
        })
        .await
}

fn store_refused(e: &Error) -> bool {
    matches!(e, Error::Context(ContextError::StoreLogRefused { .. }))
}

// ---------------------------------------------------------------------------
// Scenarios, generic over the store.

/// 64 submitters on two replicas: every op lands once, no fork, same state.
async fn concurrent_submitters<S>(a_store: S, b_store: S)
where
    S: ContextStore + 'static,
{
    let setup = Arc::new(Setup::new(1));
    let a = Arc::new(
        ContextReplica::create(a_store, setup.genesis.clone(), now())
            .await
            .unwrap(),
    );
    let b = Arc::new(
        ContextReplica::open(b_store, setup.id, now())
            .await
            .unwrap(),
    );
    let mut tasks = Vec::new();
    for i in 0..64u32 {
        let replica = if i % 2 == 0 { a.clone() } else { b.clone() };
        let setup = setup.clone();
        tasks.push(tokio::spawn(async move {
            add_member(&setup, &replica, i).await
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let t = now();
    assert_eq!(a.catch_up(t).await.unwrap(), 64);
    assert_eq!(b.catch_up(t).await.unwrap(), 64);
    let (ra, rb) = (a.read(t).unwrap(), b.read(t).unwrap());
    assert_eq!(ra.state_hash(), rb.state_hash());
    assert_eq!(ra.member_count(), 64);
    for i in 0..64 {
        assert!(ra.is_member(&setup.client(i).public_key(), t));
    }
    // The log itself: 65 ops, seq 0..=64, each chained to the one before.
    let log = a.store().read(&setup.id, 0, 1000).await.unwrap();
    assert_eq!(log.len(), 65);
    for pair in log.windows(2) {
        assert_eq!(pair[1].seq(), pair[0].seq() + 1);
        assert_eq!(*pair[1].prev(), pair[0].hash());
    }
    assert_eq!(ra.ops(), log.as_slice());
}

/// Restart: a new replica from the store reaches the same state; tokens
/// minted before validate after.
async fn restart_keeps_state_and_tokens<S>(first: S, second: S)
where
    S: ContextStore + 'static,
{
    let setup = Setup::new(2);
    let (hash, token) = {
        let a = ContextReplica::create(first, setup.genesis.clone(), now())
            .await
            .unwrap();
        for i in 0..5 {
            add_member(&setup, &a, i).await.unwrap();
        }
        revoke(&setup, &a, 4).await.unwrap();
        let t = now();
        let read = a.read(t).unwrap();
        let token = setup
            .issuer
            .mint(
                &read,
                &TokenRequest::new(setup.client(1).public_key(), AUD),
                t,
            )
            .unwrap();
        (read.state_hash(), token)
    };
    let b = ContextReplica::open(second, setup.id, now()).await.unwrap();
    let t = now();
    let read = b.read(t).unwrap();
    assert_eq!(read.state_hash(), hash);
    assert_eq!(read.head_seq(), 6);
    setup.validator.validate_for(&*read, &token, t).unwrap();
    // The replica itself is a RevocationView too.
    drop(read);
    setup.validator.validate_for(&b, &token, t).unwrap();
}

/// A token minted on A validates on B; a revocation on A reaches B.
async fn mint_on_a_validate_on_b<S>(a_store: S, b_store: S)
where
    S: ContextStore + 'static,
{
    let setup = Setup::new(3);
    let a = ContextReplica::create(a_store, setup.genesis.clone(), now())
        .await
        .unwrap();
    let b = Arc::new(
        ContextReplica::open(b_store, setup.id, now())
            .await
            .unwrap(),
    );
    let follower = {
        let b = b.clone();
        tokio::spawn(async move { b.follow(Duration::from_millis(200)).await })
    };
    add_member(&setup, &a, 0).await.unwrap();
    let t = now();
    let token = setup
        .issuer
        .mint(
            &a.read(t).unwrap(),
            &TokenRequest::new(setup.client(0).public_key(), AUD),
            t,
        )
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while setup.validator.validate_for(&*b, &token, now()).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "B never saw the member"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    revoke(&setup, &a, 0).await.unwrap();
    let err = loop {
        match setup.validator.validate_for(&*b, &token, now()) {
            Ok(_) => {
                assert!(
                    std::time::Instant::now() < deadline,
                    "revocation never reached B"
                );
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            Err(e) => break e,
        }
    };
    assert!(
        matches!(err, Error::Token(TokenError::ExecutorRevoked(_))),
        "{err}"
    );
    follower.abort();
}

/// Stale replicas refuse with a distinct error; the view fails closed.
async fn staleness_fails_closed<S>(store: S)
where
    S: ContextStore + 'static,
{
    let setup = Setup::new(4);
    let t0 = now();
    let a = ContextReplica::create(store, setup.genesis.clone(), t0)
        .await
        .unwrap()
        .with_max_staleness(5);
    add_member(&setup, &a, 0).await.unwrap();
    let token = setup
        .issuer
        .mint(
            &a.read(t0).unwrap(),
            &TokenRequest::new(setup.client(0).public_key(), AUD),
            t0,
        )
        .unwrap();
    let heard = a.heard_at().unwrap();
    assert!(a.read(heard + 5).is_ok());
    let err = a.read(heard + 6).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Context(ContextError::ReplicaStale {
                max_staleness: 5,
                ..
            })
        ),
        "{err}"
    );
    // Hearing from the store again lifts it.
    a.catch_up(heard + 6).await.unwrap();
    assert!(a.read(heard + 6).is_ok());
    // The RevocationView impl reads the system clock: a replica last heard
    // from long ago refuses every token.
    let old = ContextReplica::open(a.store(), setup.id, t0 - 100)
        .await
        .unwrap();
    assert!(old.read(t0).is_err());
    assert!(setup.validator.validate_for(&old, &token, t0).is_err());
    assert!(old.member_window(&setup.client(0).public_key()).is_none());
    assert!(old.is_key_revoked(&setup.client(0).public_key()));
}

#[test]
fn memory_concurrent_submitters_land_exactly_once() {
    let store = MemoryContextStore::new();
    runtime().block_on(concurrent_submitters(store.clone(), store));
}

#[test]
fn memory_restart_rebuilds_state_and_tokens_validate() {
    let store = MemoryContextStore::new();
    runtime().block_on(restart_keeps_state_and_tokens(store.clone(), store));
}

#[test]
fn memory_token_minted_on_a_validates_on_b_and_revocation_propagates() {
    let store = MemoryContextStore::new();
    runtime().block_on(mint_on_a_validate_on_b(store.clone(), store));
}

#[test]
fn memory_stale_replica_refuses() {
    runtime().block_on(staleness_fails_closed(MemoryContextStore::new()));
}

/// A store whose backing log can be swapped: plays a forked or rolled-back
/// Redis.
#[derive(Clone, Default)]
struct SwappableStore(Arc<Mutex<MemoryContextStore>>);

impl SwappableStore {
    fn inner(&self) -> MemoryContextStore {
        self.0.lock().unwrap().clone()
    }
}

impl ContextStore for SwappableStore {
    async fn append(&self, op: &ContextOp) -> keytree::Result<AppendOutcome> {
        self.inner().append(op).await
    }
    async fn read(
        &self,
        context: &ContextId,
        from_seq: u64,
        max: usize,
    ) -> keytree::Result<Vec<ContextOp>> {
        self.inner().read(context, from_seq, max).await
    }
    async fn wait_for(
        &self,
        context: &ContextId,
        after_seq: u64,
        timeout: Duration,
    ) -> keytree::Result<()> {
        self.inner().wait_for(context, after_seq, timeout).await
    }
}

#[test]
fn memory_fork_and_rollback_are_refused_and_fail_closed() {
    runtime().block_on(async {
        let setup = Setup::new(5);
        let store = SwappableStore::default();
        let a = ContextReplica::create(store.clone(), setup.genesis.clone(), now())
            .await
            .unwrap();
        add_member(&setup, &a, 0).await.unwrap();
        add_member(&setup, &a, 1).await.unwrap();
        let good = store.inner();

        // A fork: the same genesis, then another member at seq 1.
        let fork = MemoryContextStore::new();
        fork.append(&setup.genesis.ops()[0]).await.unwrap();
        let other = Context::import(&setup.genesis.export_log()).unwrap();
        let op = other
            .propose(
                OpKind::AddMember {
                    chain: vec![setup.delegation(9)],
                },
                now(),
            )
            .sign(&*setup.root);
        assert_eq!(fork.append(&op).await.unwrap(), AppendOutcome::Appended);
        let op2 = {
            let mut c = other.clone();
            c.apply(op).unwrap();
            c.propose(
                OpKind::AddMember {
                    chain: vec![setup.delegation(8)],
                },
                now(),
            )
            .sign(&*setup.root)
        };
        fork.append(&op2).await.unwrap();
        *store.0.lock().unwrap() = fork;
        let before = a.read(now()).unwrap().state_hash();
        let err = a.catch_up(now()).await.unwrap_err();
        assert!(store_refused(&err), "{err}");
        let err = a.read(now()).unwrap_err();
        assert!(store_refused(&err), "{err}");
        // Submits refuse too, and the state is untouched.
        assert!(add_member(&setup, &a, 2).await.is_err());

        // A rollback: the log lost the op at the replica's head.
        let short = MemoryContextStore::new();
        short.append(&setup.genesis.ops()[0]).await.unwrap();
        *store.0.lock().unwrap() = short;
        let err = a.catch_up(now()).await.unwrap_err();
        assert!(store_refused(&err), "{err}");

        // Back to the true log: the replica verifies cleanly again.
        *store.0.lock().unwrap() = good;
        a.catch_up(now()).await.unwrap();
        assert_eq!(a.read(now()).unwrap().state_hash(), before);
    });
}

#[test]
fn memory_submit_refuses_an_invalid_op_before_appending() {
    runtime().block_on(async {
        let setup = Setup::new(6);
        let store = MemoryContextStore::new();
        let a = ContextReplica::create(store.clone(), setup.genesis.clone(), now())
            .await
            .unwrap();
        // Signed by a key that is not an admin: refused locally, nothing stored.
        let stranger = RootKey::from_bytes(&[77; 32]);
        let op = a
            .read(now())
            .unwrap()
            .propose(
                OpKind::AddMember {
                    chain: vec![setup.delegation(0)],
                },
                now(),
            )
            .sign(&stranger);
        assert!(a.submit(op, now()).await.is_err());
        assert_eq!(store.len(&setup.id), 1);
        // An op on a stale head is a conflict carrying the new head.
        let stale = a.read(now()).unwrap().propose(
            OpKind::AddMember {
                chain: vec![setup.delegation(1)],
            },
            now(),
        );
        add_member(&setup, &a, 0).await.unwrap();
        let b = ContextReplica::open(store.clone(), setup.id, now())
            .await
            .unwrap();
        let outcome = store.append(&stale.sign(&*setup.root)).await.unwrap();
        let head = a.read(now()).unwrap().head_hash().to_owned();
        assert_eq!(
            outcome,
            AppendOutcome::Conflict {
                head: Some(keytree::StoreHead { seq: 1, hash: head })
            }
        );
        assert_eq!(b.head_seq().unwrap(), 1);
        // Creating the same context twice is a conflict.
        let err = ContextReplica::create(store, setup.genesis.clone(), now())
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::Context(ContextError::Conflict { head_seq: 1, .. })
            ),
            "{err}"
        );
    });
}

// ---------------------------------------------------------------------------
// Batch-verified catch-up and snapshots.

/// Which signature of the op at `bad_seq` is broken.
#[derive(Clone, Copy, Debug)]
enum Broken {
    /// The admin's signature on the op.
    Admin,
    /// The delegation link's signature inside the op (the admin signed the
    /// op with the broken link in it).
    Link,
}

/// Appends (unverified, straight to the store) `len` add-member ops after
/// the (stored) genesis, whose op at `bad_seq` carries a broken signature.
async fn plant_log_with_bad_signature<S: ContextStore>(
    setup: &Setup,
    store: &S,
    len: u64,
    bad_seq: u64,
    broken: Broken,
) {
    let mut prev = setup.genesis.head_hash().to_owned();
    let t = now();
    for seq in 1..=len {
        let mut link = setup.delegation(u32::try_from(seq).unwrap());
        if seq == bad_seq && matches!(broken, Broken::Link) {
            let mut bytes = link.to_bytes();
            let s_start = bytes.len() - 32;
            bytes[s_start] ^= 1;
            link = keytree::UnverifiedDelegation::from_bytes(&bytes)
                .unwrap()
                .dangerous_inspect()
                .clone();
        }
        let mut op = ContextOp::new(
            setup.id,
            seq,
            prev,
            t,
            OpKind::AddMember { chain: vec![link] },
        )
        .sign(&*setup.root);
        if seq == bad_seq && matches!(broken, Broken::Admin) {
            let mut sig = op.signatures()[0].clone();
            let mut bytes = sig.signature.to_bytes();
            bytes[40] ^= 1;
            sig.signature = keytree::Signature::from_bytes(&bytes);
            op.add_signature(sig);
        }
        prev = op.hash();
        assert_eq!(store.append(&op).await.unwrap(), AppendOutcome::Appended);
    }
}

/// A broken signature deep inside a batch-verified window is found and
/// reported with its sequence number; every op before it is applied, none
/// from it on, and the replica fails closed.
async fn bad_signature_deep_in_a_batch<S: ContextStore + Clone>(store: S, broken: Broken) {
    let setup = Setup::new(21);
    let bad_seq = 700;
    // A replica that has applied the genesis only.
    let replica = ContextReplica::create(store.clone(), setup.genesis.clone(), now())
        .await
        .unwrap();
    plant_log_with_bad_signature(&setup, &store, 1000, bad_seq, broken).await;
    let err = ContextReplica::open(store.clone(), setup.id, now())
        .await
        .unwrap_err();
    match &err {
        Error::Context(ContextError::StoreLogRefused { seq, reason }) => {
            assert_eq!(*seq, bad_seq, "{err}");
            assert_eq!(**reason, Error::InvalidSignature, "{err}");
        }
        other => panic!("expected a refused op at {bad_seq}, got {other}"),
    }
    // The replica at the genesis applies 1..=699 and stops.
    assert!(store_refused(&replica.catch_up(now()).await.unwrap_err()));
    assert_eq!(replica.head_seq().unwrap(), bad_seq - 1);
    assert!(store_refused(&replica.read(now()).unwrap_err()));
    assert!(store_refused(
        &replica
            .snapshot(&keytree::SnapshotKey::from_bytes(&[1; 32]))
            .unwrap_err()
    ));
}

/// A replica started from a snapshot reaches the state of one rebuilt from
/// the store, then catches up; a snapshot that is not this key's, altered,
/// another context's, or whose head the store does not hold is refused and
/// the replica is rebuilt from the store.
async fn snapshot_start<S: ContextStore + Clone>(store: S, fork: S) {
    let setup = Setup::new(22);
    let key = keytree::SnapshotKey::from_bytes(&[9; 32]);
    let a = ContextReplica::create(store.clone(), setup.genesis.clone(), now())
        .await
        .unwrap();
    for i in 0..300 {
        add_member(&setup, &a, i).await.unwrap();
    }
    let snapshot = a.snapshot(&key).unwrap();
    for i in 300..310 {
        add_member(&setup, &a, i).await.unwrap();
    }
    revoke(&setup, &a, 5).await.unwrap();
    let want = a.read(now()).unwrap().state_hash();

    let (b, start) =
        ContextReplica::open_with_snapshot(store.clone(), setup.id, &snapshot, &key, now())
            .await
            .unwrap();
    assert_eq!(start, keytree::SnapshotStart::Used { seq: 300 });
    assert_eq!(b.read(now()).unwrap().state_hash(), want);
    assert!(
        b.read(now())
            .unwrap()
            .is_revoked(&setup.client(5).public_key())
    );

    let refused =
        |start: &keytree::SnapshotStart| matches!(start, keytree::SnapshotStart::Refused { .. });
    // Another key's MAC: refused without detail, rebuilt from the store.
    let other = keytree::SnapshotKey::from_bytes(&[10; 32]);
    let (c, start) =
        ContextReplica::open_with_snapshot(store.clone(), setup.id, &snapshot, &other, now())
            .await
            .unwrap();
    assert_eq!(
        start,
        keytree::SnapshotStart::Refused {
            reason: Error::InvalidSignature
        }
    );
    assert_eq!(c.read(now()).unwrap().state_hash(), want);
    // Any changed byte (here inside an op) fails the MAC.
    let mut altered = snapshot.clone();
    let middle = altered.len() / 2;
    altered[middle] ^= 1;
    let (_, start) =
        ContextReplica::open_with_snapshot(store.clone(), setup.id, &altered, &key, now())
            .await
            .unwrap();
    assert!(refused(&start), "{start:?}");
    for cut in [0, 10, snapshot.len() - 1] {
        let (_, start) = ContextReplica::open_with_snapshot(
            store.clone(),
            setup.id,
            &snapshot[..cut],
            &key,
            now(),
        )
        .await
        .unwrap();
        assert!(refused(&start), "{start:?}");
    }
    // Another context's snapshot (same key): refused.
    let stranger = Setup::new(23);
    let s_replica = ContextReplica::create(fork.clone(), stranger.genesis.clone(), now())
        .await
        .unwrap();
    let (_, start) = ContextReplica::open_with_snapshot(
        store.clone(),
        setup.id,
        &s_replica.snapshot(&key).unwrap(),
        &key,
        now(),
    )
    .await
    .unwrap();
    assert!(refused(&start), "{start:?}");
    // A snapshot of a fork (the same context, other ops): its head is not
    // the store's op at that seq, so the store's log wins.
    let forked = ContextReplica::create(fork, setup.genesis.clone(), now())
        .await
        .unwrap();
    for i in 1000..1300 {
        add_member(&setup, &forked, i).await.unwrap();
    }
    let (d, start) = ContextReplica::open_with_snapshot(
        store,
        setup.id,
        &forked.snapshot(&key).unwrap(),
        &key,
        now(),
    )
    .await
    .unwrap();
    assert!(
        matches!(
            &start,
            keytree::SnapshotStart::Refused { reason } if store_refused(reason)
        ),
        "{start:?}"
    );
    assert_eq!(d.read(now()).unwrap().state_hash(), want);
}

/// A log of every op kind (key members, wallet members, a link and an
/// unlink, narrowing both kinds, revoking both kinds) under two admins and
/// a 2-of-2 threshold, longer than one batch window: a cold replica
/// (batch-verified) and one started from its snapshot reach the writer's
/// state; the same log with one admin signature broken on a wallet op deep
/// in it is refused at that op's seq.
async fn every_op_kind_batched<S: ContextStore + Clone>(store: S, tampered: S) {
    let setup = Setup::new(24);
    let admin = RootKey::from_bytes(&[77; 32]);
    let t = now();
    let mut ctx = Context::builder(setup.id)
        .admin(admin.public_key())
        .threshold(2)
        .create(&setup.root, t - 60)
        .unwrap();
    let account = |i: u32| -> keytree::AccountId {
        format!("eip155:1:0x{:040x}", u64::from(i) + 1)
            .parse()
            .unwrap()
    };
    let apply = |ctx: &mut Context, kind: OpKind| {
        let op = ctx.propose(kind, t).sign(&*setup.root).sign(&admin);
        ctx.apply(op).unwrap();
    };
    for i in 0..200 {
        apply(
            &mut ctx,
            OpKind::AddMember {
                chain: vec![setup.delegation(i)],
            },
        );
    }
    for i in 0..200 {
        apply(
            &mut ctx,
            OpKind::AddAccount {
                account: account(i),
                permissions: perms(&["blob", "context:execute"]),
                not_before: t - 60,
                expires_at: t + 86_400,
            },
        );
    }
    apply(
        &mut ctx,
        OpKind::SetPermissions {
            member: setup.client(3).public_key(),
            permissions: perms(&["blob"]),
        },
    );
    apply(
        &mut ctx,
        OpKind::SetAccountPermissions {
            account: account(5),
            permissions: perms(&["blob"]),
        },
    );
    apply(
        &mut ctx,
        OpKind::LinkAccount {
            member: account(6),
            account: account(1000),
        },
    );
    apply(
        &mut ctx,
        OpKind::RevokeAccount {
            account: account(7),
        },
    );
    apply(
        &mut ctx,
        OpKind::RevokeKey {
            key: setup.client(8).public_key(),
        },
    );
    apply(
        &mut ctx,
        OpKind::UnlinkAccount {
            account: account(1000),
        },
    );
    let want = ctx.state_hash();

    ContextReplica::create(store.clone(), ctx.clone(), t)
        .await
        .unwrap();
    let cold = ContextReplica::open(store.clone(), setup.id, t)
        .await
        .unwrap();
    assert_eq!(cold.read(t).unwrap().state_hash(), want);
    let key = keytree::SnapshotKey::from_bytes(&[3; 32]);
    let (warm, start) =
        ContextReplica::open_with_snapshot(store, setup.id, &cold.snapshot(&key).unwrap(), &key, t)
            .await
            .unwrap();
    assert_eq!(
        start,
        keytree::SnapshotStart::Used {
            seq: ctx.head_seq()
        }
    );
    assert_eq!(warm.read(t).unwrap().state_hash(), want);

    let bad_seq = 300;
    for op in ctx.ops() {
        let mut op = op.clone();
        if op.seq() == bad_seq {
            assert!(matches!(op.kind(), OpKind::AddAccount { .. }));
            let mut sig = op.signatures()[1].clone();
            let mut bytes = sig.signature.to_bytes();
            bytes[50] ^= 1;
            sig.signature = keytree::Signature::from_bytes(&bytes);
            op.add_signature(sig);
        }
        assert_eq!(tampered.append(&op).await.unwrap(), AppendOutcome::Appended);
    }
    match ContextReplica::open(tampered, setup.id, t)
        .await
        .unwrap_err()
    {
        Error::Context(ContextError::StoreLogRefused { seq, reason }) => {
            assert_eq!(seq, bad_seq);
            assert_eq!(*reason, Error::InvalidSignature);
        }
        other => panic!("expected a refused op at {bad_seq}, got {other}"),
    }
}

#[test]
fn memory_every_op_kind_catches_up_batched_and_from_a_snapshot() {
    runtime().block_on(every_op_kind_batched(
        MemoryContextStore::new(),
        MemoryContextStore::new(),
    ));
}

#[test]
fn memory_bad_admin_signature_deep_in_a_batch_is_refused_with_its_seq() {
    runtime().block_on(bad_signature_deep_in_a_batch(
        MemoryContextStore::new(),
        Broken::Admin,
    ));
}

#[test]
fn memory_bad_link_signature_deep_in_a_batch_is_refused_with_its_seq() {
    runtime().block_on(bad_signature_deep_in_a_batch(
        MemoryContextStore::new(),
        Broken::Link,
    ));
}

#[test]
fn memory_snapshot_start_is_used_or_refused_and_rebuilt() {
    runtime().block_on(snapshot_start(
        MemoryContextStore::new(),
        MemoryContextStore::new(),
    ));
}

// ---------------------------------------------------------------------------
// Redis.

#[cfg(feature = "redis")]
mod redis {
    use std::sync::atomic::{AtomicU64, Ordering};

    use keytree::RedisContextStore;

    use super::*;
    use crate::redis_server::RedisServer;

    async fn store(url: &str, prefix: &str) -> RedisContextStore {
        RedisContextStore::builder(url)
            .prefix(prefix)
            .timeout(Duration::from_millis(500))
            .connect()
            .await
            .unwrap()
    }

    macro_rules! redis_test {
        ($name:ident, |$server:ident| $body:expr) => {
            #[test]
            fn $name() {
                let Some($server) = RedisServer::start(stringify!($name)) else {
                    return;
                };
                runtime().block_on(async { $body.await });
            }
        };
    }

    redis_test!(
        redis_concurrent_submitters_land_exactly_once,
        |server| async {
            let url = server.url();
            concurrent_submitters(store(&url, "f1:").await, store(&url, "f1:").await).await
        }
    );

    redis_test!(
        redis_restart_rebuilds_state_and_tokens_validate,
        |server| async {
            let url = server.url();
            restart_keeps_state_and_tokens(store(&url, "f2:").await, store(&url, "f2:").await).await
        }
    );

    redis_test!(
        redis_token_minted_on_a_validates_on_b_and_revocation_propagates,
        |server| async {
            let url = server.url();
            mint_on_a_validate_on_b(store(&url, "f3:").await, store(&url, "f3:").await).await
        }
    );

    redis_test!(redis_context_keys_share_one_hash_tag, |server| async {
        let s = store(&server.url(), "f7:").await;
        let tag = |key: &str| {
            let open = key.find('{').unwrap();
            let close = key[open..].find('}').unwrap() + open;
            key[open..=close].to_string()
        };
        let (one, two) = (
            ContextId::from_bytes([1; 32]),
            ContextId::from_bytes([2; 32]),
        );
        assert_eq!(tag(&s.log_key(&one)), tag(&s.head_key(&one)));
        assert_eq!(tag(&s.log_key(&one)), format!("{{{one}}}"));
        assert_ne!(tag(&s.log_key(&one)), tag(&s.log_key(&two)));
    });

    redis_test!(
        redis_bad_signatures_deep_in_a_batch_are_refused_with_their_seq,
        |server| async {
            let url = server.url();
            bad_signature_deep_in_a_batch(store(&url, "f8:").await, Broken::Admin).await;
            bad_signature_deep_in_a_batch(store(&url, "f9:").await, Broken::Link).await;
        }
    );

    redis_test!(
        redis_every_op_kind_catches_up_batched_and_from_a_snapshot,
        |server| async {
            let url = server.url();
            every_op_kind_batched(store(&url, "f12:").await, store(&url, "f13:").await).await
        }
    );

    redis_test!(
        redis_snapshot_start_is_used_or_refused_and_rebuilt,
        |server| async {
            let url = server.url();
            snapshot_start(store(&url, "f10:").await, store(&url, "f11:").await).await
        }
    );

    redis_test!(redis_stale_replica_refuses, |server| async {
        staleness_fails_closed(store(&server.url(), "f4:").await).await
    });

    /// Rewrites the stream of `key`, letting `edit` change entry `seq`'s bytes.
    async fn rewrite_entry(url: &str, key: &str, seq: u64, edit: impl Fn(&mut Vec<u8>)) {
        let client = ::redis::Client::open(url).unwrap();
        let mut conn = client.get_multiplexed_async_connection().await.unwrap();
        let entries: Vec<(String, Vec<Vec<u8>>)> = ::redis::cmd("XRANGE")
            .arg(key)
            .arg("-")
            .arg("+")
            .query_async(&mut conn)
            .await
            .unwrap();
        let _: () = ::redis::cmd("DEL")
            .arg(key)
            .query_async(&mut conn)
            .await
            .unwrap();
        for (id, mut fields) in entries {
            if id == format!("{seq}-1") {
                edit(&mut fields[1]);
            }
            let _: String = ::redis::cmd("XADD")
                .arg(key)
                .arg(&id)
                .arg(&fields[0])
                .arg(&fields[1])
                .query_async(&mut conn)
                .await
                .unwrap();
        }
    }

    redis_test!(
        redis_op_changed_by_hand_is_refused_by_every_replica,
        |server| async {
            let url = server.url();
            let setup = Setup::new(7);
            let a = ContextReplica::create(store(&url, "f5:").await, setup.genesis.clone(), now())
                .await
                .unwrap();
            let b = ContextReplica::open(store(&url, "f5:").await, setup.id, now())
                .await
                .unwrap();
            add_member(&setup, &a, 0).await.unwrap();
            add_member(&setup, &a, 1).await.unwrap();
            b.catch_up(now()).await.unwrap();
            add_member(&setup, &a, 2).await.unwrap(); // seq 3: A applied it, B not yet
            let key = a.store().log_key(&setup.id);
            // Flip one bit of op 3's last signature byte.
            rewrite_entry(&url, &key, 3, |bytes| {
                let last = bytes.len() - 1;
                bytes[last] ^= 1;
            })
            .await;
            let err = b.catch_up(now()).await.unwrap_err();
            assert!(store_refused(&err), "B: {err}");
            assert!(store_refused(&b.read(now()).unwrap_err()));
            assert_eq!(b.head_seq().unwrap(), 2, "B applied nothing of op 3");
            let err = a.catch_up(now()).await.unwrap_err();
            assert!(store_refused(&err), "A: {err}");
            assert!(store_refused(&a.read(now()).unwrap_err()));
            let err = ContextReplica::open(store(&url, "f5:").await, setup.id, now())
                .await
                .unwrap_err();
            assert!(store_refused(&err), "new replica: {err}");
            // A changed permission (re-encoded, not re-signed) is refused too.
            rewrite_entry(&url, &key, 3, |bytes| {
                let last = bytes.len() - 1;
                bytes[last] ^= 1; // undo the bit flip
                let at = bytes.windows(4).position(|w| w == b"blob").unwrap();
                bytes[at] = b'c';
            })
            .await;
            let err = ContextReplica::open(store(&url, "f5:").await, setup.id, now())
                .await
                .unwrap_err();
            assert!(store_refused(&err), "new replica: {err}");
        }
    );

    fn temp_dir(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "keytree-{name}-{}-{}",
            std::process::id(),
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// Redis killed (`kill -9`) while 16 submitters append: submits fail
    /// closed, reads refuse once the bound passes, nothing is half-applied;
    /// restarted from its AOF on the same port, no acknowledged op is lost
    /// and the replicas recover and agree.
    #[test]
    fn redis_killed_mid_append_fails_closed_and_recovers_from_aof() {
        let dir = temp_dir("aof");
        let Some(mut server) = RedisServer::start_durable(
            "redis_killed_mid_append_fails_closed_and_recovers_from_aof",
            &dir,
        ) else {
            return;
        };
        let url = server.url();
        let rt = runtime();
        let setup = Arc::new(Setup::new(8));
        let (a, b) = rt.block_on(async {
            let a = ContextReplica::create(store(&url, "f6:").await, setup.genesis.clone(), now())
                .await
                .unwrap()
                .with_max_staleness(1);
            let b = ContextReplica::open(store(&url, "f6:").await, setup.id, now())
                .await
                .unwrap()
                .with_max_staleness(1);
            (Arc::new(a), Arc::new(b))
        });
        let acknowledged = Arc::new(Mutex::new(Vec::<u32>::new()));
        let failed = Arc::new(AtomicU64::new(0));
        let submitters: Vec<_> = (0..16u32)
            .map(|w| {
                let replica = if w % 2 == 0 { a.clone() } else { b.clone() };
                let setup = setup.clone();
                let acknowledged = acknowledged.clone();
                let failed = failed.clone();
                rt.spawn(async move {
                    for k in 0..1000u32 {
                        let index = w * 1000 + k;
                        match add_member(&setup, &replica, index).await {
                            Ok(()) => acknowledged.lock().unwrap().push(index),
                            Err(_) => {
                                failed.fetch_add(1, Ordering::Relaxed);
                                tokio::time::sleep(Duration::from_millis(20)).await;
                            }
                        }
                    }
                })
            })
            .collect();
        // Let appends run, then kill -9 mid-stream.
        while acknowledged.lock().unwrap().len() < 40 {
            std::thread::sleep(Duration::from_millis(5));
        }
        server.stop();
        let acked_at_kill = acknowledged.lock().unwrap().clone();
        std::thread::sleep(Duration::from_millis(300));
        // While it is down: every submit fails.
        let during = acknowledged.lock().unwrap().len();
        std::thread::sleep(Duration::from_millis(500));
        assert_eq!(
            acknowledged.lock().unwrap().len(),
            during,
            "a submit succeeded with Redis down"
        );
        assert!(failed.load(Ordering::Relaxed) > 0);
        // After the bound, every authorisation fails closed.
        std::thread::sleep(Duration::from_millis(2500));
        let t = now();
        for r in [&a, &b] {
            let err = r.read(t).unwrap_err();
            assert!(
                matches!(err, Error::Context(ContextError::ReplicaStale { .. })),
                "{err}"
            );
            assert!(r.member_window(&setup.client(0).public_key()).is_none());
        }
        // Back on the same port, from the AOF.
        server.start_again();
        for s in submitters {
            s.abort();
        }
        rt.block_on(async {
            // The connections come back by themselves within a few tries.
            for r in [&a, &b] {
                let deadline = std::time::Instant::now() + Duration::from_secs(10);
                while let Err(e) = r.catch_up(now()).await {
                    assert!(matches!(e, Error::StoreUnavailable(_)), "{e}");
                    assert!(std::time::Instant::now() < deadline, "no recovery: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
            let t = now();
            let (ra, rb) = (a.read(t).unwrap(), b.read(t).unwrap());
            assert_eq!(ra.state_hash(), rb.state_hash(), "replicas disagree");
            let acked = acknowledged.lock().unwrap().clone();
            assert!(acked.len() >= acked_at_kill.len());
            for index in &acked {
                assert!(
                    ra.member(&setup.client(*index).public_key()).is_some(),
                    "acknowledged member {index} lost"
                );
            }
            // Nothing half-applied: the replica's state is the log's replay.
            let fresh = ContextReplica::open(store(&url, "f6:").await, setup.id, t)
                .await
                .unwrap();
            assert_eq!(fresh.read(t).unwrap().state_hash(), ra.state_hash());
            // And the fleet works again.
            drop((ra, rb));
            add_member(&setup, &a, 999_999).await.unwrap();
            b.catch_up(now()).await.unwrap();
            assert_eq!(
                a.read(now()).unwrap().state_hash(),
                b.read(now()).unwrap().state_hash()
            );
        });
        drop(server);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// `issue` and `refresh` hold the replica across their `await`s (in a
/// spawned, `Send` task); minting from a stale replica is `ReplicaStale`.
#[test]
fn memory_issue_and_refresh_through_a_replica() {
    runtime().block_on(async {
        let setup = Arc::new(Setup::new(9));
        let t = now();
        let a = Arc::new(
            ContextReplica::create(MemoryContextStore::new(), setup.genesis.clone(), t)
                .await
                .unwrap(),
        );
        add_member(&setup, &a, 0).await.unwrap();
        let refresh_store = Arc::new(keytree::MemoryRefreshStore::new());
        let task = {
            let (a, setup, refresh_store) = (a.clone(), setup.clone(), refresh_store.clone());
            tokio::spawn(async move {
                let request = TokenRequest::new(setup.client(0).public_key(), AUD);
                let pair = setup
                    .issuer
                    .issue(&*a, &request, &*refresh_store, t)
                    .await
                    .unwrap();
                setup
                    .validator
                    .validate_for(&*a, pair.access_token(), t)
                    .unwrap();
                setup
                    .issuer
                    .refresh(&*a, pair.refresh_token(), &*refresh_store, t + 1)
                    .await
                    .unwrap()
            })
        };
        let pair = task.await.unwrap();
        setup
            .validator
            .validate_for(&*a.read(t + 1).unwrap(), pair.access_token(), t + 1)
            .unwrap();
        let late = t + a.max_staleness() + 5;
        let err = setup
            .issuer
            .mint(
                &*a,
                &TokenRequest::new(setup.client(0).public_key(), AUD),
                late,
            )
            .unwrap_err();
        assert!(
            matches!(err, Error::Context(ContextError::ReplicaStale { .. })),
            "{err}"
        );
    });
}

/// A cold replica of a log longer than one read batch (1,024 ops) reaches
/// the writer's state.
#[test]
fn memory_cold_replica_of_a_long_log() {
    runtime().block_on(async {
        let setup = Setup::new(10);
        let mut ctx = setup.genesis.clone();
        let t = now();
        for i in 0..1500 {
            let op = ctx
                .propose(
                    OpKind::AddMember {
                        chain: vec![setup.delegation(i)],
                    },
                    t,
                )
                .sign(&*setup.root);
            ctx.apply(op).unwrap();
        }
        let store = MemoryContextStore::new();
        let a = ContextReplica::create(store.clone(), ctx.clone(), t)
            .await
            .unwrap();
        assert_eq!(store.len(&setup.id), 1501);
        let b = ContextReplica::open(store, setup.id, t).await.unwrap();
        assert_eq!(b.read(t).unwrap().state_hash(), ctx.state_hash());
        assert_eq!(a.read(t).unwrap().state_hash(), ctx.state_hash());
    });
}

/// `wait_for` wakes on an append, and returns after its timeout otherwise.
#[test]
fn memory_wait_for_wakes_on_append_and_times_out() {
    runtime().block_on(async {
        let setup = Setup::new(11);
        let store = MemoryContextStore::new();
        let a = ContextReplica::create(store.clone(), setup.genesis.clone(), now())
            .await
            .unwrap();
        let started = std::time::Instant::now();
        store
            .wait_for(&setup.id, 0, Duration::from_millis(150))
            .await
            .unwrap();
        assert!(started.elapsed() >= Duration::from_millis(150));
        let waiter = {
            let store = store.clone();
            let id = setup.id;
            tokio::spawn(async move {
                let started = std::time::Instant::now();
                store
                    .wait_for(&id, 0, Duration::from_secs(30))
                    .await
                    .unwrap();
                started.elapsed()
            })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        add_member(&setup, &a, 0).await.unwrap();
        let waited = waiter.await.unwrap();
        assert!(waited < Duration::from_secs(5), "{waited:?}");
    });
}
