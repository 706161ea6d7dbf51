//! [`ContextReplica`]: one instance's verified copy of a context whose log
//! lives in a shared [`ContextStore`].

mod snapshot;

pub use snapshot::SnapshotKey;

use std::ops::Deref;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use crate::context::{
    Context, ContextLog, ContextOp, LOG_VERSION, MAX_OP_SKEW, OpKind, ProvenSigs, SigCheck, Signer,
    prove,
};
use crate::context_store::{AppendOutcome, ContextStore};
use crate::encoding::{MAX_TIMESTAMP, unix_now};
use crate::error::{ContextError, Error, Result, TokenError};
use crate::id::ContextId;
use crate::id::DelegationId;
use crate::permission::Permission;
use crate::public_key::PublicKey;
use crate::revocation::RevocationView;
use crate::token::{
    AccountGrant, MemberGrant, MintView, SessionStore, TokenValidator, ValidatedToken,
};
use crate::wallet::AccountId;

/// How long, by default, a replica may go without hearing from its store
/// before it refuses to authorise (seconds).
///
/// Ten seconds: a follower ([`ContextReplica::follow`]) that waits one
/// second per round hears from a healthy store about once a second, so the
/// bound tolerates several lost rounds, a reconnect and a Redis restart
/// without refusing traffic, while a replica cut off from the store stops
/// honouring revocations it may have missed within seconds, far inside
/// the default access-token lifetime (15 minutes). Lower it where a
/// revocation must bite faster than that; raise it to ride out a Sentinel
/// failover without refusing (at the cost of honouring a missed revocation
/// for as long).
pub const DEFAULT_MAX_STALENESS: u64 = 10;

/// How many ops a catch-up reads per round trip.
const READ_BATCH: usize = 1024;
/// How many ops a catch-up applies per hold of the write lock.
const APPLY_CHUNK: usize = 64;
/// How many ops' signatures a catch-up batch-verifies at once.
const PROVE_WINDOW: usize = 256;

struct State {
    context: Context,
    /// When the replica last read the store successfully (unix seconds, the
    /// time the read was sent).
    heard_at: u64,
    /// Set when the store served an op this replica refuses.
    fault: Option<Error>,
}

/// One instance's verified, local copy of a context whose log is shared
/// through a [`ContextStore`].
///
/// - **Catch-up** ([`ContextReplica::catch_up`], [`ContextReplica::follow`])
///   reads new ops from the store and applies each through
///   [`Context::apply`]: the store is never trusted. An op that is refused
///   (changed by hand, forked, out of order) or a log that no longer holds
///   an op this replica applied is reported as
///   [`ContextError::StoreLogRefused`], and from then on the replica fails
///   closed: every read refuses with that error until a catch-up verifies
///   cleanly (a fork never does).
/// - **Submit** ([`ContextReplica::submit`]) verifies an op against the
///   local state, compare-and-appends it, and applies it. A lost race is
///   [`ContextError::Conflict`] after catching up;
///   [`ContextReplica::submit_with`] rebuilds and re-signs the op on the new
///   head and tries again, which is safe because every attempt is checked
///   against the state it extends.
/// - **Batched verification.** A catch-up checks the Ed25519 signatures of
///   each window of 256 new ops with one batch verification split across
///   the machine's cores (while the window before it is applied), and then
///   applies every op through the same checks as [`Context::apply`],
///   skipping only the signatures the batch proved. When a batch fails, its
///   ops are verified one by one, and the first bad op is refused with its
///   sequence number as above. Batch and one-by-one (`verify_strict`)
///   verification differ only for a signature crafted by the holder of the
///   signing key (a nonce point with a small torsion component), which
///   [`ContextReplica::submit`] never appends; if an admin key holder wrote
///   one into the store directly, replicas could disagree about that op
///   (one that checked it alone fails closed).
/// - **Snapshots** ([`ContextReplica::snapshot`],
///   [`ContextReplica::open_with_snapshot`]) start a replica from a local
///   file sealed with the operator's [`SnapshotKey`], then catch up; the
///   store's log stays the source of truth (see the README, "Local
///   snapshots", and FORMATS.md §15).
/// - **Reads** are local and synchronous: [`ContextReplica::read`] returns
///   a guard that derefs to the [`Context`], for
///   [`crate::TokenIssuer::mint`] and
///   [`crate::TokenValidator::validate_for`], after checking that the
///   replica is not faulted and has heard from the store within its bound
///   ([`ContextError::ReplicaStale`] otherwise).
///
/// # Example
/// ```
/// # async fn run() -> Result<(), keytree::Error> {
/// use keytree::{Context, ContextId, ContextReplica, MemoryContextStore, RootKey};
/// let now = 1_700_000_000;
/// let root = RootKey::from_bytes(&[7; 32]);
/// let id = ContextId::from_bytes([1; 32]);
/// let store = MemoryContextStore::new();
/// let a = ContextReplica::create(store.clone(), Context::builder(id).create(&root, now)?, now).await?;
/// let b = ContextReplica::open(store, id, now).await?;
/// assert_eq!(a.read(now)?.state_hash(), b.read(now)?.state_hash());
/// # Ok(()) }
/// ```
pub struct ContextReplica<S> {
    store: S,
    id: ContextId,
    max_staleness: u64,
    state: RwLock<State>,
}

impl<S> std::fmt::Debug for ContextReplica<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContextReplica")
            .field("id", &self.id)
            .field("max_staleness", &self.max_staleness)
            .finish_non_exhaustive()
    }
}

/// A read of a fresh replica: derefs to its [`Context`]. Holds a read lock,
/// so keep it for one request, not across an `await`.
pub struct ReplicaRead<'a> {
    guard: RwLockReadGuard<'a, State>,
}

impl Deref for ReplicaRead<'_> {
    type Target = Context;
    fn deref(&self) -> &Context {
        &self.guard.context
    }
}

impl std::fmt::Debug for ReplicaRead<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReplicaRead")
            .field("head_seq", &self.guard.context.head_seq())
            .finish_non_exhaustive()
    }
}

/// How [`ContextReplica::open_with_snapshot`] started.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SnapshotStart {
    /// From the snapshot, whose head was op `seq`, then caught up.
    Used {
        /// The snapshot's head sequence number.
        seq: u64,
    },
    /// The snapshot was refused (not sealed by this key, malformed,
    /// another context's, or its head is not the store's op at that
    /// sequence number) and the replica was rebuilt from the store.
    Refused {
        /// Why.
        reason: Error,
    },
}

fn poisoned() -> Error {
    Error::StoreUnavailable("context replica: poisoned lock".into())
}

fn refused(seq: u64, reason: Error) -> Error {
    ContextError::StoreLogRefused {
        seq,
        reason: Box::new(reason),
    }
    .into()
}

impl<S: ContextStore> ContextReplica<S> {
    /// Publishes a new context's log (usually just its genesis) to `store`
    /// and returns a replica of it, heard from at `now`.
    ///
    /// # Errors
    /// [`ContextError::Conflict`] when the store already holds a log for
    /// this context id (open it instead); the store's errors.
    pub async fn create(store: S, context: Context, now: u64) -> Result<Self> {
        for op in context.ops() {
            match store.append(op).await? {
                AppendOutcome::Appended => {}
                AppendOutcome::Conflict { head } => {
                    return Err(conflict(head.map(|h| (h.seq, h.hash.to_string()))));
                }
            }
        }
        Ok(Self::from_parts(store, context, now))
    }

    /// Rebuilds a replica of context `id` from `store` (cold start), reading
    /// and verifying the whole log; heard from at `now`.
    ///
    /// # Errors
    /// [`ContextError::Genesis`] when the
    /// store has no log for `id`; [`ContextError::StoreLogRefused`] for an op
    /// that does not verify; the store's errors.
    pub async fn open(store: S, id: ContextId, now: u64) -> Result<Self> {
        let first = store.read(&id, 0, 1).await?;
        let Some(genesis) = first.into_iter().next() else {
            return Err(ContextError::Genesis.into());
        };
        if *genesis.context_id() != id {
            return Err(refused(0, ContextError::WrongContext.into()));
        }
        let context = Context::import(&ContextLog {
            version: LOG_VERSION,
            ops: vec![genesis],
        })
        .map_err(|e| refused(0, e))?;
        let replica = Self::from_parts(store, context, now);
        replica.catch_up(now).await?;
        Ok(replica)
    }

    /// Starts a replica of context `id` from a local snapshot
    /// ([`ContextReplica::snapshot`]) and catches it up from `store`; heard
    /// from at `now`.
    ///
    /// The store's log stays the source of truth: the snapshot is used only
    /// if its MAC is `key`'s and the store's op at the snapshot's head
    /// sequence number hashes to the snapshot's head. Otherwise the
    /// snapshot is refused and the replica is rebuilt from the store, as by
    /// [`ContextReplica::open`]; [`SnapshotStart`] says which happened.
    /// The snapshot's ops are replayed through the usual checks of
    /// [`Context::apply`] except their signatures, which were verified when
    /// they were first applied (the MAC vouches for that); every op after
    /// the snapshot's head is verified as in [`ContextReplica::catch_up`].
    ///
    /// # Errors
    /// As [`ContextReplica::open`]; the store's errors while checking the
    /// snapshot's head.
    pub async fn open_with_snapshot(
        store: S,
        id: ContextId,
        snapshot: &[u8],
        key: &SnapshotKey,
        now: u64,
    ) -> Result<(Self, SnapshotStart)> {
        let context = match snapshot::open(snapshot, key, &id) {
            Ok(context) => context,
            Err(reason) => {
                let replica = Self::open(store, id, now).await?;
                return Ok((replica, SnapshotStart::Refused { reason }));
            }
        };
        let head = context.head_seq();
        let stored = store.read(&id, head, 1).await?;
        if stored.first().map(ContextOp::hash).as_ref() != Some(context.head_hash()) {
            let replica = Self::open(store, id, now).await?;
            let reason = refused(head, ContextError::BrokenHashChain.into());
            return Ok((replica, SnapshotStart::Refused { reason }));
        }
        let replica = Self::from_parts(store, context, now);
        replica.catch_up(now).await?;
        Ok((replica, SnapshotStart::Used { seq: head }))
    }

    /// [`ContextReplica::open`] at the system clock's time.
    ///
    /// # Errors
    /// As [`ContextReplica::open`].
    pub async fn open_now(store: S, id: ContextId) -> Result<Self> {
        Self::open(store, id, unix_now()).await
    }

    fn from_parts(store: S, context: Context, now: u64) -> Self {
        Self {
            store,
            id: *context.id(),
            max_staleness: DEFAULT_MAX_STALENESS,
            state: RwLock::new(State {
                context,
                heard_at: now,
                fault: None,
            }),
        }
    }

    /// Sets how long the replica may go without hearing from its store
    /// before reads refuse (seconds; default [`DEFAULT_MAX_STALENESS`]).
    #[must_use]
    pub fn with_max_staleness(mut self, seconds: u64) -> Self {
        self.max_staleness = seconds;
        self
    }

    /// The context id.
    pub fn id(&self) -> &ContextId {
        &self.id
    }

    /// A snapshot of the local state (its log and head), sealed with
    /// `key`, for [`ContextReplica::open_with_snapshot`] (format:
    /// FORMATS.md, "Replica snapshot"). Takes the read lock for as long as
    /// encoding takes (about a second per million ops).
    ///
    /// # Errors
    /// [`ContextError::StoreLogRefused`] for a faulted replica (its state
    /// is not worth keeping); a poisoned lock ([`Error::StoreUnavailable`]).
    pub fn snapshot(&self, key: &SnapshotKey) -> Result<Vec<u8>> {
        let state = self.state()?;
        if let Some(fault) = &state.fault {
            return Err(fault.clone());
        }
        Ok(snapshot::seal(&state.context, key))
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The staleness bound, in seconds.
    pub fn max_staleness(&self) -> u64 {
        self.max_staleness
    }

    fn state(&self) -> Result<RwLockReadGuard<'_, State>> {
        self.state.read().map_err(|_| poisoned())
    }

    fn state_mut(&self) -> Result<RwLockWriteGuard<'_, State>> {
        self.state.write().map_err(|_| poisoned())
    }

    /// The local head's sequence number (whatever the freshness).
    ///
    /// # Errors
    /// Only for a poisoned lock ([`Error::StoreUnavailable`]).
    pub fn head_seq(&self) -> Result<u64> {
        Ok(self.state()?.context.head_seq())
    }

    /// When the replica last heard from its store (unix seconds).
    ///
    /// # Errors
    /// Only for a poisoned lock ([`Error::StoreUnavailable`]).
    pub fn heard_at(&self) -> Result<u64> {
        Ok(self.state()?.heard_at)
    }

    /// The local context, if the replica may authorise at `now`: not
    /// faulted, and heard from its store no more than its bound before
    /// `now`. Pass `&*read` to [`crate::TokenIssuer::mint`] and
    /// [`crate::TokenValidator::validate_for`].
    ///
    /// # Errors
    /// [`ContextError::StoreLogRefused`] after the store served a refused
    /// op; [`ContextError::ReplicaStale`] when not heard from in time.
    pub fn read(&self, now: u64) -> Result<ReplicaRead<'_>> {
        let guard = self.state()?;
        if let Some(fault) = &guard.fault {
            return Err(fault.clone());
        }
        if now.saturating_sub(guard.heard_at) > self.max_staleness {
            return Err(ContextError::ReplicaStale {
                heard_at: guard.heard_at,
                now,
                max_staleness: self.max_staleness,
            }
            .into());
        }
        Ok(ReplicaRead { guard })
    }

    /// [`ContextReplica::read`] at the system clock's time.
    ///
    /// # Errors
    /// As [`ContextReplica::read`].
    pub fn read_now(&self) -> Result<ReplicaRead<'_>> {
        self.read(unix_now())
    }

    /// Reads every op after the local head from the store and applies it,
    /// then counts the store as heard from at `now` (pass the time taken
    /// before the call). Returns the local head's sequence number.
    ///
    /// The op at the local head is read again and must hash to it, so a
    /// store that lost or replaced an applied op is caught too.
    ///
    /// # Errors
    /// [`ContextError::StoreLogRefused`] (the replica is then faulted); the
    /// store's errors (nothing changes, and the staleness clock runs on).
    pub async fn catch_up(&self, now: u64) -> Result<u64> {
        loop {
            let from = self.state()?.context.head_seq();
            let ops = match self.store.read(&self.id, from, READ_BATCH).await {
                Ok(ops) => ops,
                Err(e @ Error::Context(ContextError::StoreLogRefused { .. })) => {
                    self.state_mut()?.fault = Some(e.clone());
                    return Err(e);
                }
                Err(e) => return Err(e),
            };
            let full = ops.len() >= READ_BATCH;
            let head = self.state()?.context.head_seq();
            // Windows of ops: each window's signatures are batch-verified
            // without any lock while the window before it is applied, in
            // chunks that each take the write lock, so that reads (the
            // token hot path) wait for at most one chunk.
            let mut windows = Vec::with_capacity(ops.len() / PROVE_WINDOW + 1);
            let mut ops = ops.into_iter().peekable();
            loop {
                windows.push(ops.by_ref().take(PROVE_WINDOW).collect::<Vec<ContextOp>>());
                if ops.peek().is_none() {
                    break;
                }
            }
            let mut windows = windows.into_iter();
            let mut current = windows.next().unwrap_or_default();
            let mut proven = prove_new(&current, head);
            let mut chunk_from = from;
            loop {
                let next = windows.next();
                let (applied, next_proven) = std::thread::scope(|scope| {
                    let next_proven = next
                        .as_ref()
                        .map(|w| scope.spawn(move || prove_new(w, head)));
                    let applied = self.apply_window(current, chunk_from, &proven);
                    // A prover thread that panicked proved nothing: its ops
                    // are then verified one by one.
                    let next_proven =
                        next_proven.map(|h| h.join().unwrap_or_else(|_| ProvenSigs::default()));
                    (applied, next_proven)
                });
                applied?;
                match (next, next_proven) {
                    (Some(window), Some(p)) => {
                        chunk_from = window.first().map_or(chunk_from, ContextOp::seq);
                        current = window;
                        proven = p;
                    }
                    _ if full => break,
                    _ => {
                        let mut state = self.state_mut()?;
                        state.fault = None;
                        state.heard_at = state.heard_at.max(now);
                        return Ok(state.context.head_seq());
                    }
                }
            }
        }
    }

    /// Applies a window of ops read from sequence `from` in chunks, one
    /// hold of the write lock each; faults the replica on a refusal.
    fn apply_window(&self, window: Vec<ContextOp>, from: u64, proven: &ProvenSigs) -> Result<()> {
        let mut window = window.into_iter().peekable();
        let mut chunk_from = from;
        loop {
            let chunk: Vec<ContextOp> = window.by_ref().take(APPLY_CHUNK).collect();
            let mut state = self.state_mut()?;
            if let Err(e) = apply_batch(&mut state.context, &self.id, chunk_from, chunk, proven) {
                state.fault = Some(e.clone());
                return Err(e);
            }
            match window.peek() {
                Some(next) => chunk_from = next.seq(),
                None => return Ok(()),
            }
        }
    }

    /// [`ContextReplica::catch_up`] at the system clock's time.
    ///
    /// # Errors
    /// As [`ContextReplica::catch_up`].
    pub async fn catch_up_now(&self) -> Result<u64> {
        self.catch_up(unix_now()).await
    }

    /// Waits up to `wait` for an op after the local head, then catches up
    /// at the system clock's time (read after the wait). One round of a
    /// follower.
    ///
    /// # Errors
    /// As [`ContextReplica::catch_up`].
    pub async fn sync_now(&self, wait: Duration) -> Result<u64> {
        let head = self.state()?.context.head_seq();
        self.store.wait_for(&self.id, head, wait).await?;
        self.catch_up_now().await
    }

    /// Keeps the replica caught up: [`ContextReplica::sync_now`] in a loop,
    /// waiting up to `wait` per round (1 s is a good value: it is also how
    /// often an idle replica hears from the store). Store failures are
    /// retried (reads refuse once the staleness bound passes, and recover
    /// when the store answers again); returns only when the store served a
    /// refused op, with that error (or when the replica's lock was
    /// poisoned by a panic). Spawn it on the server's runtime.
    pub async fn follow(&self, wait: Duration) -> Error {
        loop {
            if self.state.is_poisoned() {
                return poisoned();
            }
            match self.sync_now(wait).await {
                Ok(_) | Err(Error::StoreUnavailable(_)) => {}
                Err(e) => return e,
            }
        }
    }

    /// Verifies `op` against the local state at time `now`, appends it to
    /// the store if the store's head is still its `prev`, and applies it.
    ///
    /// Nothing is appended unless the op passes every check
    /// [`Context::apply_at`] makes. On a lost race the replica catches up
    /// and returns [`ContextError::Conflict`]: nothing of the op was
    /// written; propose again on the new head (or use
    /// [`ContextReplica::submit_with`]).
    ///
    /// # Errors
    /// [`ContextError::Conflict`]; every refusal of [`Context::apply_at`];
    /// [`ContextError::StoreLogRefused`] or [`ContextError::ReplicaStale`]
    /// for a replica that may not act; the store's errors (then the op may
    /// or may not have been stored: a later catch-up tells).
    pub async fn submit(&self, op: ContextOp, now: u64) -> Result<()> {
        {
            let read = self.read(now)?;
            let head = read.head_seq();
            if op.seq() <= head || (op.seq() == head + 1 && op.prev() != read.head_hash()) {
                // Proposed on a head this replica has moved past.
                return Err(conflict(Some((head, read.head_hash().to_string()))));
            }
            let max = now.saturating_add(MAX_OP_SKEW).min(MAX_TIMESTAMP);
            if op.timestamp() > max {
                return Err(Error::TimestampOutOfRange {
                    what: "op",
                    got: op.timestamp(),
                    max,
                });
            }
            read.check(&op, &op.signing_bytes())?;
        }
        match self.store.append(&op).await? {
            AppendOutcome::Appended => {
                let behind = {
                    let mut state = self.state_mut()?;
                    let head = state.context.head_seq();
                    if op.seq() == head.saturating_add(1) && op.prev() == state.context.head_hash()
                    {
                        state.context.apply(op)?;
                        // The store's head was this replica's: it is current.
                        state.heard_at = state.heard_at.max(now);
                        false
                    } else {
                        op.seq() > head
                    }
                };
                if behind {
                    // Ops before it landed that this replica has not read:
                    // a catch-up applies them and this op, verified.
                    self.catch_up(now).await?;
                }
                Ok(())
            }
            AppendOutcome::Conflict { head } => {
                self.catch_up(now).await?;
                Err(conflict(head.map(|h| (h.seq, h.hash.to_string()))))
            }
        }
    }

    /// Submits the op `make` builds from the current state (it proposes and
    /// signs, e.g. `|ctx| Ok(ctx.propose(kind.clone(), now).sign(&admin))`),
    /// rebuilding it on the new head after each conflict, up to `attempts`
    /// times.
    ///
    /// Op times never go backwards, and another instance's clock may run a
    /// little ahead of this one's: stamp the op with `now` or the last op's
    /// timestamp, whichever is later
    /// (`ctx.ops().last().map_or(now, |op| op.timestamp().max(now))`), or a
    /// lost race can come back as [`ContextError::TimeWentBackwards`]. Safe to retry: every attempt is verified against the state
    /// it extends, so an op that no longer makes sense (a key revoked by
    /// the winner) is refused, not forced in.
    ///
    /// # Errors
    /// As [`ContextReplica::submit`]; the last [`ContextError::Conflict`]
    /// when every attempt lost; `make`'s errors.
    pub async fn submit_with<F>(&self, now: u64, attempts: u32, make: F) -> Result<()>
    where
        F: Fn(&Context) -> Result<ContextOp>,
    {
        let mut last = None;
        for _ in 0..attempts.max(1) {
            let op = {
                let read = self.read(now)?;
                make(&read)?
            };
            match self.submit(op, now).await {
                Err(e @ Error::Context(ContextError::Conflict { .. })) => last = Some(e),
                other => return other,
            }
        }
        Err(last.unwrap_or_else(|| conflict(None)))
    }
}

/// Batch-verifies the signatures of the ops in `window` after `head` (the
/// ones not applied yet; see `context/batch.rs`).
fn prove_new(window: &[ContextOp], head: u64) -> ProvenSigs {
    let start = window
        .iter()
        .position(|op| op.seq() > head)
        .unwrap_or(window.len());
    match window.get(start..) {
        Some(new) if new.len() >= 2 => prove(new),
        _ => ProvenSigs::default(),
    }
}

fn conflict(head: Option<(u64, String)>) -> Error {
    let (head_seq, head) = head.unwrap_or((0, String::new()));
    ContextError::Conflict { head_seq, head }.into()
}

/// Submitting an op as a context's one signing admin: the op kind is
/// proposed at a time that never goes backwards, signed, and rebuilt after
/// a lost race.
impl<S: ContextStore> ContextReplica<S> {
    /// Submits the op kind `make` returns for the current state, signed by
    /// `signer`: [`submit_with`](Self::submit_with) for a context whose ops
    /// one admin signs (threshold 1). The op is proposed at `now`, or at
    /// the last op's timestamp when that is later (another instance's clock
    /// may run a little ahead), and rebuilt on the new head after each lost
    /// race, up to `attempts` times; `make` sees each head, so a check it
    /// makes holds for the op that lands. When `make` answers `None` (the
    /// state already is what the caller wants, e.g. a wallet another
    /// instance added a moment ago) nothing is submitted. Whether an op
    /// landed.
    ///
    /// # Errors
    /// As [`ContextReplica::submit_with`]; `make`'s errors, at once.
    ///
    /// # Example
    /// ```
    /// # fn ready<F: std::future::Future>(f: F) -> F::Output {
    /// #     let mut f = std::pin::pin!(f);
    /// #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    /// #     match f.as_mut().poll(&mut cx) { std::task::Poll::Ready(v) => v, _ => unreachable!() }
    /// # }
    /// use keytree::*;
    /// let now = 1_700_000_000;
    /// let root = RootKey::from_bytes(&[1; 32]);
    /// let genesis = Context::builder(ContextId::from_bytes([2; 32])).create(&root, now)?;
    /// let replica = ready(ContextReplica::create(MemoryContextStore::new(), genesis, now))?;
    /// let wallet: AccountId = "eip155:1:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed".parse()?;
    /// // Adds the wallet unless it is a member already (checked on each head).
    /// let add = |ctx: &Context| match ctx.primary_account(&wallet) {
    ///     Some(_) => Ok(None),
    ///     None => Ok(Some(OpKind::AddAccount {
    ///         account: wallet.clone(),
    ///         permissions: Permissions::parse(["api:read"])?,
    ///         not_before: now,
    ///         expires_at: now + 86_400,
    ///     })),
    /// };
    /// assert!(ready(replica.submit_as(&root, now, 10, add))?);
    /// assert!(replica.read(now)?.is_account_member(&wallet, now));
    /// assert!(!ready(replica.submit_as(&root, now, 10, add))?);
    /// Ok::<(), keytree::Error>(())
    /// ```
    pub async fn submit_as<F>(
        &self,
        signer: &impl Signer,
        now: u64,
        attempts: u32,
        make: F,
    ) -> Result<bool>
    where
        F: Fn(&Context) -> Result<Option<OpKind>>,
    {
        let mut last = None;
        for _ in 0..attempts.max(1) {
            let op = {
                let read = self.read(now)?;
                let Some(kind) = make(&read)? else {
                    return Ok(false);
                };
                let at = read.ops().last().map_or(now, |op| op.timestamp().max(now));
                read.propose(kind, at).sign(signer)
            };
            match self.submit(op, now).await {
                Err(e @ Error::Context(ContextError::Conflict { .. })) => last = Some(e),
                other => return other.map(|()| true),
            }
        }
        Err(last.unwrap_or_else(|| conflict(None)))
    }

    /// [`submit_as`](Self::submit_as) at the system clock's time.
    ///
    /// # Errors
    /// As [`submit_as`](Self::submit_as).
    pub async fn submit_as_now<F>(
        &self,
        signer: &impl Signer,
        attempts: u32,
        make: F,
    ) -> Result<bool>
    where
        F: Fn(&Context) -> Result<Option<OpKind>>,
    {
        self.submit_as(signer, unix_now(), attempts, make).await
    }
}

/// Applies `ops` (read from sequence `from`) to `context`; the op at `from`
/// must be the one already applied.
fn apply_batch(
    context: &mut Context,
    id: &ContextId,
    from: u64,
    ops: Vec<ContextOp>,
    proven: &ProvenSigs,
) -> Result<()> {
    let mut expected = from;
    let mut saw_from = false;
    for op in ops {
        if op.seq() != expected {
            return Err(refused(
                expected,
                ContextError::Sequence {
                    expected,
                    got: op.seq(),
                }
                .into(),
            ));
        }
        expected = expected.saturating_add(1);
        saw_from = true;
        if *op.context_id() != *id {
            return Err(refused(op.seq(), ContextError::WrongContext.into()));
        }
        if op.seq() <= context.head_seq() {
            // Already applied (here or by a concurrent catch-up or submit):
            // the store must still hold the very op the replica verified,
            // signatures included.
            let mine = usize::try_from(op.seq())
                .ok()
                .and_then(|i| context.ops().get(i));
            if mine != Some(&op) {
                return Err(refused(op.seq(), ContextError::BrokenHashChain.into()));
            }
            continue;
        }
        let seq = op.seq();
        context
            .apply_checked(op, SigCheck::Proven(proven))
            .map_err(|e| refused(seq, e))?;
    }
    if !saw_from {
        // The store no longer holds the op at this replica's head (read
        // from `from`): it lost or truncated acknowledged history.
        return Err(refused(from, ContextError::BrokenHashChain.into()));
    }
    Ok(())
}

impl<S: ContextStore> ContextReplica<S> {
    /// Validates a bearer access token against this replica and its
    /// session ([`TokenValidator::validate_session_for`]), catching up once
    /// and validating again when the token's member is unknown here: a
    /// member another instance added a moment ago (a wallet's first login
    /// there) has not reached this replica yet. A member revoked, or a
    /// token's linked account unlinked, is still refused after the
    /// catch-up. A token this replica accepts is not caught up for: a
    /// revocation or unlink made elsewhere reaches it by following the log
    /// ([`follow`](Self::follow)), as every other read does.
    ///
    /// # Errors
    /// Those of [`TokenValidator::validate_session_for`] (after the
    /// catch-up, when one was made); the store's errors of
    /// [`catch_up`](Self::catch_up).
    pub async fn validate_session<T>(
        &self,
        validator: &TokenValidator,
        token: &str,
        sessions: &T,
        now: u64,
    ) -> Result<ValidatedToken>
    where
        T: SessionStore + ?Sized,
    {
        match validator
            .validate_session_for(self, token, sessions, now)
            .await
        {
            Err(Error::Token(TokenError::ExecutorRevoked(_))) => {
                self.catch_up(now).await?;
                validator
                    .validate_session_for(self, token, sessions, now)
                    .await
            }
            other => other,
        }
    }

    /// [`validate_session`](Self::validate_session) at the system clock's
    /// time.
    ///
    /// # Errors
    /// As [`validate_session`](Self::validate_session).
    pub async fn validate_session_now<T>(
        &self,
        validator: &TokenValidator,
        token: &str,
        sessions: &T,
    ) -> Result<ValidatedToken>
    where
        T: SessionStore + ?Sized,
    {
        self.validate_session(validator, token, sessions, unix_now())
            .await
    }
}

/// Fails closed when the replica is faulted or stale at the system clock's
/// time: a revoked key reads as revoked, a member as absent, a permission
/// as not held. Prefer [`ContextReplica::read`], which says why it refuses
/// ([`ContextError::ReplicaStale`]) and takes the time explicitly; this
/// impl is for code that takes any [`RevocationView`].
impl<S: ContextStore> RevocationView for ContextReplica<S> {
    fn context_id(&self) -> &ContextId {
        &self.id
    }

    fn is_key_revoked(&self, key: &PublicKey) -> bool {
        self.read_now().map_or(true, |r| r.is_key_revoked(key))
    }

    fn is_delegation_revoked(&self, id: &DelegationId) -> bool {
        self.read_now()
            .map_or(true, |r| r.is_delegation_revoked(id))
    }

    fn live_permissions_cover(&self, key: &PublicKey, permission: &Permission) -> bool {
        self.read_now()
            .is_ok_and(|r| r.live_permissions_cover(key, permission))
    }

    fn member_window(&self, key: &PublicKey) -> Option<(u64, u64)> {
        self.read_now().ok().and_then(|r| r.member_window(key))
    }

    fn resolve_key(&self, key: &[u8; 32]) -> Option<PublicKey> {
        match self.read_now() {
            Ok(r) => r.resolve_key(key),
            Err(_) => PublicKey::from_bytes(key).ok(),
        }
    }

    fn account_window(&self, account: &AccountId) -> Option<(u64, u64)> {
        self.read_now().ok().and_then(|r| r.account_window(account))
    }

    fn account_permissions_cover(&self, account: &AccountId, permission: &Permission) -> bool {
        self.read_now()
            .is_ok_and(|r| r.account_permissions_cover(account, permission))
    }

    fn account_linked_to(&self, account: &AccountId, member: &AccountId) -> bool {
        self.read_now()
            .is_ok_and(|r| r.account_linked_to(account, member))
    }
}

/// Minting straight from a replica: each call takes the read lock, checks
/// freshness at the `now` it is given ([`ContextError::ReplicaStale`],
/// [`ContextError::StoreLogRefused`]) and lets go, so the replica can be
/// held across the `await`s of [`crate::TokenIssuer::issue`] and
/// [`crate::TokenIssuer::refresh`].
impl<S: ContextStore> MintView for ContextReplica<S> {
    fn mint_context_id(&self) -> Result<ContextId> {
        Ok(self.id)
    }

    fn member_grant(&self, key: &PublicKey, now: u64) -> Result<MemberGrant> {
        self.read(now)?.member_grant(key, now)
    }

    fn account_grant(&self, account: &AccountId, now: u64) -> Result<AccountGrant> {
        self.read(now)?.account_grant(account, now)
    }
}

impl MintView for ReplicaRead<'_> {
    fn mint_context_id(&self) -> Result<ContextId> {
        Ok(*self.guard.context.id())
    }

    fn member_grant(&self, key: &PublicKey, now: u64) -> Result<MemberGrant> {
        self.guard.context.member_grant(key, now)
    }

    fn account_grant(&self, account: &AccountId, now: u64) -> Result<AccountGrant> {
        MintView::account_grant(&self.guard.context, account, now)
    }
}

/// A fresh read answers as its [`Context`] does.
impl RevocationView for ReplicaRead<'_> {
    fn context_id(&self) -> &ContextId {
        self.guard.context.id()
    }
    fn is_key_revoked(&self, key: &PublicKey) -> bool {
        self.guard.context.is_key_revoked(key)
    }
    fn is_delegation_revoked(&self, id: &DelegationId) -> bool {
        self.guard.context.is_delegation_revoked(id)
    }
    fn live_permissions_cover(&self, key: &PublicKey, permission: &Permission) -> bool {
        self.guard.context.live_permissions_cover(key, permission)
    }
    fn member_window(&self, key: &PublicKey) -> Option<(u64, u64)> {
        self.guard.context.member_window(key)
    }
    fn resolve_key(&self, key: &[u8; 32]) -> Option<PublicKey> {
        self.guard.context.resolve_key(key)
    }
    fn account_window(&self, account: &AccountId) -> Option<(u64, u64)> {
        RevocationView::account_window(&self.guard.context, account)
    }
    fn account_permissions_cover(&self, account: &AccountId, permission: &Permission) -> bool {
        RevocationView::account_permissions_cover(&self.guard.context, account, permission)
    }
    fn account_linked_to(&self, account: &AccountId, member: &AccountId) -> bool {
        RevocationView::account_linked_to(&self.guard.context, account, member)
    }
}

#[cfg(test)]
mod submit_as_tests {
    use crate::{
        AccountId, Context, ContextError, ContextId, ContextReplica, Error, MemoryContextStore,
        OpKind, Permissions, RootKey,
    };

    fn ready<F: std::future::Future>(f: F) -> F::Output {
        let mut f = std::pin::pin!(f);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        match f.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(v) => v,
            std::task::Poll::Pending => panic!("memory store futures are ready at once"),
        }
    }

    #[test]
    fn stamps_never_go_back_and_make_errors_pass_through() {
        let t = 1_700_000_000;
        let root = RootKey::from_bytes(&[7; 32]);
        let genesis = Context::builder(ContextId::from_bytes([8; 32]))
            .create(&root, t)
            .unwrap();
        let replica = ready(ContextReplica::create(
            MemoryContextStore::new(),
            genesis,
            t,
        ))
        .unwrap();
        let wallet: AccountId = "eip155:1:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
            .parse()
            .unwrap();
        // A clock 100 s behind the log's last op: the op is stamped at it.
        let add = |ctx: &Context| {
            if ctx.primary_account(&wallet).is_some() {
                return Ok(None);
            }
            Ok(Some(OpKind::AddAccount {
                account: wallet.clone(),
                permissions: Permissions::parse(["api:read"])?,
                not_before: t - 200,
                expires_at: t + 3600,
            }))
        };
        assert!(ready(replica.submit_as(&root, t - 100, 3, add)).unwrap());
        let read = replica.read(t).unwrap();
        assert!(read.is_account_member(&wallet, t));
        assert_eq!(read.ops().last().unwrap().timestamp(), t);
        drop(read);
        // Nothing to do: nothing submitted.
        assert!(!ready(replica.submit_as(&root, t, 3, add)).unwrap());
        assert_eq!(replica.read(t).unwrap().head_seq(), 1);
        // `make`'s errors and the context's refusals come back as they are.
        let refuse = |_: &Context| Err(ContextError::AlreadyMember("x".into()).into());
        let err = ready(replica.submit_as(&root, t, 3, refuse)).unwrap_err();
        assert!(
            matches!(err, Error::Context(ContextError::AlreadyMember(_))),
            "{err}"
        );
        let dup = |_: &Context| {
            Ok(Some(OpKind::AddAccount {
                account: wallet.clone(),
                permissions: Permissions::parse(["api:read"])?,
                not_before: t,
                expires_at: t + 60,
            }))
        };
        let err = ready(replica.submit_as(&root, t, 3, dup)).unwrap_err();
        assert!(
            matches!(err, Error::Context(ContextError::AlreadyMember(_))),
            "{err}"
        );
        assert_eq!(replica.read(t).unwrap().head_seq(), 1);
    }
}
