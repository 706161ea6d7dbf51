//! Contexts: members, admins, permissions and revocation, changed only by
//! signed ops in a hash-chained log.
//!
//! # The log
//!
//! Op 0 is the genesis, signed by the context's root. Every later op carries
//! its sequence number, the BLAKE3 hash of the previous op's canonical bytes,
//! a timestamp (unix seconds, never decreasing) and the signatures of at
//! least `threshold` distinct admins. [`Context::apply`] checks all of that
//! against the state at that point of the log and leaves the state untouched
//! when it refuses. Replaying a log gives the same state and the same
//! [`Context::state_hash`] on every node, because nothing in `apply` reads a
//! clock: delegation windows are checked against the op's own timestamp.
//!
//! # Authority
//!
//! The root is always an admin and cannot be revoked or removed. Admins are
//! Ed25519 keys added by `AddAdmin`. The first link of a member's delegation
//! chain must be issued by the root or by a current admin. A member's
//! permissions start as its delegation's and can be narrowed (or restored, up
//! to the delegation) by `SetPermissions`; widening beyond the delegation
//! needs a new delegation and a new key.
//!
//! # Revocation
//!
//! Revocation is permanent: a revoked key never becomes a member again.
//! Revoking a key revokes every member whose delegation chain passes through
//! it; revoking a delegation id revokes every member whose chain contains it.
//! Revoking an admin also removes it from the admins (refused if that would
//! leave fewer admins than the threshold).
//!
//! `RemoveAdmin` takes away the admin role *and* the authority that role
//! lent: every member whose chain's first link that admin issued is revoked
//! (with its cascade), as if by `RevokeKey` on those members. The removed key
//! itself is not revoked: it can be re-added as an admin, and stays a member
//! if it is one. This is the careful default: after an admin leaves, nobody
//! keeps authority that only that admin vouched for. To keep such a member,
//! re-admit it (a new key) under a remaining admin before removing the old one.
//!
//! # Time
//!
//! A member's authority is bounded by its chain window: the intersection of
//! every link's `[not_before, expires_at)`. An expired (or not yet started)
//! window grants nothing anywhere: [`Context::authorize`],
//! [`Context::is_member`], [`Context::permissions`],
//! [`Context::verify_delta`] and token validation all refuse. The time is
//! always explicit: live queries take `now`; [`Context::authorize_at_op`]
//! replays history at the timestamp of the op at `at_seq`; a delta is judged
//! at its own signed timestamp. The root and admins have no window.
//!
//! Op timestamps are at most [`MAX_TIMESTAMP`]; [`Context::apply_at`] also
//! refuses an op more than [`MAX_OP_SKEW`] seconds ahead of the caller's
//! clock, so one op stamped in milliseconds or far in the future cannot
//! freeze the log (op times never go backwards, so every later op would be
//! refused).
//!
//! # Wallet members
//!
//! A wallet account ([`AccountId`], CAIP-10) can be a member in its own
//! name, beside key members, through ops 7–11 (FORMATS.md §9), signed by
//! admins like every op:
//!
//! - `AddAccount` grants permissions inside a window `[not_before,
//!   expires_at)`; the grant is also the member's ceiling.
//!   `SetAccountPermissions` narrows, or restores up to the ceiling.
//! - `RevokeAccount` is permanent: the member and every account linked to
//!   it are revoked and can never be added or linked again. Naming a linked
//!   account revokes the whole member it belongs to.
//! - `LinkAccount` makes another account an alias of a live wallet member
//!   (same permissions, window and identity), refused once that member's
//!   window has ended by the op's timestamp; `UnlinkAccount` removes the
//!   alias without revoking it. An account is at most one member's: a
//!   member, a linked account or a revoked account is refused by both
//!   `AddAccount` and `LinkAccount`.
//! - A `rawkey:ed25519` account whose key is the root, an admin, a key
//!   member or a revoked key is refused, and a key whose raw account is a
//!   wallet member, linked or revoked is refused by `AddMember` and
//!   `AddAdmin`: one key never holds two memberships with separate
//!   revocations. `RevokeKey` of a key whose raw account is a live wallet
//!   member (or linked to one) also revokes that member, and no key whose
//!   raw account is revoked appears in a new `AddMember` chain.
//! - These rules follow the key behind an account, whatever form names it
//!   (FORMATS.md §9): an Ed25519 key as `rawkey:ed25519`, Solana (any
//!   network), Stellar `G…` or NEAR implicit account, or as its ICP
//!   self-authenticating principal; an Ethereum address
//!   on any chain id or as its `rawkey:secp256k1` key. A key or address
//!   revoked in one form cannot come back in another, and one held by a
//!   member cannot become another member (it may be linked to the member
//!   holding it); `RevokeKey` revokes the member holding the key in any
//!   form.
//!
//! The queries mirror the key ones: [`Context::is_account_member`],
//! [`Context::account_permissions`], [`Context::authorize_account`] (the
//! history at a sequence number, the window at a time),
//! [`Context::account_window`], [`Context::is_account_revoked`],
//! [`Context::account_member`] and [`Context::primary_account`]. A linked
//! account resolves to its member; it holds the member's authority from
//! the later of the member's addition and its own linking. An account
//! unlinked since is unknown at every sequence number (its links are not
//! kept as history), which refuses rather than grants.
//!
//! # Why wallet accounts are not admins
//!
//! Admins are Ed25519 keys only. Applying an op must be deterministic and
//! offline: every replica replaying the log, at any later time, must reach
//! the same [`Context::state_hash`]. Checking a wallet's signature can need
//! live lookups whose answers change over time: a NEAR named account's
//! access keys (added and deleted on chain), an EIP-1271 or EIP-6492
//! contract wallet (a contract call at some block), an ICP canister
//! signature (a certificate with a maximum age). An op judged through such
//! a lookup could be accepted by one replica and refused by another, or by
//! the same replica on a later replay. The supported path: the wallet signs
//! a delegation to an Ed25519 key (a wallet-rooted delegation, checked once
//! with the wallet registry when it is made), and that key is then added
//! with `AddAdmin`.
//!
//! # History and deltas
//!
//! A [`Delta`] is signed against a membership sequence number and carries a
//! signed timestamp (unix seconds). [`Context::verify_delta`] with
//! [`DeltaPolicy::Historical`] accepts it when the signer was an authorised
//! member at that sequence, even if revoked since, and its chain window
//! covers the delta's timestamp, even if expired since: work done before a
//! revocation or an expiry stays valid. The trade-off: the holder of a
//! revoked or expired key can still sign *new* deltas back-dated to an old
//! sequence number and an old timestamp. [`DeltaPolicy::Strict`] closes that
//! gap for deltas a node first sees late: the caller passes the log head and
//! the time at which it first saw the delta, and a delta first seen at or
//! after the signer's revocation, or outside the signer's window, is
//! refused. Strict costs a little liveness: a delta signed just before its
//! signer's window closed but delivered after it is refused too.

mod accounts;
mod batch;
mod op;
mod standing;

pub use accounts::AccountMemberInfo;
pub(crate) use batch::{ProvenSigs, SigCheck, prove};
pub use op::{ContextLog, ContextOp, LOG_VERSION, OP_VERSION, OpKind, OpSignature, Signer};

use std::collections::{BTreeSet, HashMap};

use crate::delegation::{ChainPolicy, Delegation, Issuer, verify_chain_structure_with};
use crate::delta::{Delta, MAX_DELTA_PAYLOAD};
use crate::encoding::{CanonicalWriter, MAX_TIMESTAMP, check_timestamp, unix_now};
use crate::error::{ContextError, DecodeReason, Error, Result};
use crate::id::{ContextId, DelegationId, OpHash};
use crate::permission::{Permission, Permissions};
use crate::public_key::PublicKey;
use crate::revocation::{RevocationSet, RevocationView};
use crate::root::RootKey;
use crate::wallet::AccountId;
use accounts::{AccountMembers, KeyIdentity};
use standing::Standing;

const STATE_DOMAIN: &str = "keytree/v1/context-state";
/// How far ahead of the caller's clock [`Context::apply_at`] accepts an op's
/// timestamp, in seconds.
pub const MAX_OP_SKEW: u64 = 300;

type KeyBytes = [u8; 32];

/// Which deltas of revoked or expired signers [`Context::verify_delta`] accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeltaPolicy {
    /// Accept a delta whenever its signer was authorised at the delta's
    /// sequence number and its window covered the delta's timestamp, even if
    /// revoked or expired since (history stays valid; a revoked or expired
    /// key can back-date new deltas).
    Historical,
    /// Like `Historical`, but refuse a delta that this node first saw at log
    /// head `first_seen_seq` and time `first_seen_at` if the signer had been
    /// revoked by then, or if its window did not cover `first_seen_at`.
    Strict {
        /// The log head ([`Context::head_seq`]) when the delta was first seen;
        /// pass the current head for a delta seen now.
        first_seen_seq: u64,
        /// The time (unix seconds) when the delta was first seen; pass `now`
        /// for a delta seen now.
        first_seen_at: u64,
    },
}

/// A member as the context sees it.
#[derive(Clone, Debug)]
struct Member {
    key: PublicKey,
    chain: Vec<Delegation>,
    /// The chain window: the latest `not_before` and earliest `expires_at`.
    not_before: u64,
    expires_at: u64,
    /// `(seq, permissions)` from that seq on; the first entry is the add.
    history: Vec<(u64, Permissions)>,
    revoked_seq: Option<u64>,
}

impl Standing for Member {
    fn history(&self) -> &[(u64, Permissions)] {
        &self.history
    }

    fn window(&self) -> (u64, u64) {
        (self.not_before, self.expires_at)
    }

    fn revoked_seq(&self) -> Option<u64> {
        self.revoked_seq
    }
}

impl Member {
    fn leaf(&self) -> Option<&Delegation> {
        self.chain.last()
    }

    fn window_error(&self, at: u64) -> Error {
        ContextError::OutsideWindow {
            key: self.key.to_string(),
            not_before: self.not_before,
            expires_at: self.expires_at,
            at,
        }
        .into()
    }
}

/// A read-only view of one member.
#[derive(Clone, Copy, Debug)]
pub struct MemberInfo<'a> {
    member: &'a Member,
}

impl<'a> MemberInfo<'a> {
    /// The member's key.
    pub fn key(&self) -> &'a PublicKey {
        &self.member.key
    }
    /// Its delegation chain, root link first.
    pub fn chain(&self) -> &'a [Delegation] {
        &self.member.chain
    }
    /// Its recorded permissions (`None` if revoked), **whatever the time**:
    /// this is inspection. To authorise, use [`Context::permissions`] or
    /// [`Context::authorize`], which also check the window.
    pub fn permissions(&self) -> Option<&'a Permissions> {
        if self.member.is_live() {
            self.member.current()
        } else {
            None
        }
    }
    /// The sequence number of the op that added it.
    pub fn added_seq(&self) -> u64 {
        self.member.added_seq()
    }
    /// The sequence number of the op that revoked it, if any.
    pub fn revoked_seq(&self) -> Option<u64> {
        self.member.revoked_seq
    }
    /// Its chain window `(not_before, expires_at)`: the intersection of
    /// every link's window (the latest start and the earliest end).
    pub fn window(&self) -> Option<(u64, u64)> {
        self.member
            .leaf()
            .map(|_| (self.member.not_before, self.member.expires_at))
    }

    /// Whether it is unrevoked and its chain window covers `now`.
    pub fn is_live_at(&self, now: u64) -> bool {
        self.member.is_live_at(now)
    }
}

/// Sets up a new context. See [`Context::builder`].
#[derive(Clone, Debug)]
#[must_use]
pub struct ContextBuilder {
    id: ContextId,
    admins: BTreeSet<PublicKey>,
    threshold: u32,
    max_chain_depth: u32,
}

impl ContextBuilder {
    /// Adds an admin besides the root.
    pub fn admin(mut self, key: PublicKey) -> Self {
        self.admins.insert(key);
        self
    }

    /// Requires `k` admin signatures on every op after genesis (default 1).
    pub fn threshold(mut self, k: u32) -> Self {
        self.threshold = k;
        self
    }

    /// The longest member delegation chain accepted (default 4).
    pub fn max_chain_depth(mut self, depth: u32) -> Self {
        self.max_chain_depth = depth;
        self
    }

    /// Signs the genesis op with `root` and returns the new context.
    ///
    /// # Errors
    /// [`ContextError::InvalidThreshold`] when `k` is 0 or exceeds the admins;
    /// [`Error::TimestampOutOfRange`] when `timestamp` is beyond
    /// [`MAX_TIMESTAMP`].
    pub fn create(self, root: &RootKey, timestamp: u64) -> Result<Context> {
        let root_key = root.public_key();
        let admins: Vec<PublicKey> = self.admins.into_iter().filter(|a| *a != root_key).collect();
        let op = ContextOp::new(
            self.id,
            0,
            OpHash::default(),
            timestamp,
            OpKind::Genesis {
                root: root_key,
                admins,
                threshold: self.threshold,
                max_chain_depth: self.max_chain_depth,
            },
        )
        .sign(root);
        Context::from_genesis(op)
    }
}

/// A context: its log and the state the log produces.
#[derive(Clone, Debug)]
pub struct Context {
    id: ContextId,
    root: PublicKey,
    threshold: u32,
    policy: ChainPolicy,
    admins: BTreeSet<PublicKey>,
    members: HashMap<KeyBytes, Member>,
    revoked_keys: RevocationSet,
    revoked_delegations: RevocationSet,
    /// Key → members whose chain has a link issued by that key.
    dependents: HashMap<KeyBytes, Vec<KeyBytes>>,
    /// Delegation id → members whose chain contains it.
    delegation_members: HashMap<DelegationId, Vec<KeyBytes>>,
    /// Wallet accounts as members (ops 7–11).
    accounts: AccountMembers,
    log: Vec<ContextOp>,
    head: OpHash,
    last_timestamp: u64,
}

impl Context {
    /// Starts building a new context with id `id`.
    pub fn builder(id: ContextId) -> ContextBuilder {
        ContextBuilder {
            id,
            admins: BTreeSet::new(),
            threshold: 1,
            max_chain_depth: u32::try_from(crate::delegation::DEFAULT_MAX_CHAIN_DEPTH).unwrap_or(4),
        }
    }

    fn from_genesis(op: ContextOp) -> Result<Self> {
        let OpKind::Genesis {
            root,
            admins,
            threshold,
            max_chain_depth,
        } = &op.op
        else {
            return Err(ContextError::Genesis.into());
        };
        if op.seq != 0 || op.prev != OpHash::default() {
            return Err(ContextError::Genesis.into());
        }
        check_timestamp("op", op.timestamp)?;
        if !admins.windows(2).all(|w| matches!(w, [a, b] if a < b)) || admins.contains(root) {
            return Err(Error::malformed(
                "genesis",
                "admins must be sorted, unique and exclude the root",
            ));
        }
        let admin_count = admins.len() + 1;
        if *threshold == 0 || usize::try_from(*threshold).map_or(true, |t| t > admin_count) {
            return Err(ContextError::InvalidThreshold {
                threshold: *threshold,
                admins: admin_count,
            }
            .into());
        }
        if *max_chain_depth == 0 || *max_chain_depth > 64 {
            return Err(Error::malformed(
                "genesis",
                "max_chain_depth must be 1..=64",
            ));
        }
        let bytes = op.signing_bytes();
        match op.signatures.as_slice() {
            [only] if only.signer == *root => root.verify(&bytes, &only.signature)?,
            _ => return Err(Error::InvalidSignature),
        }
        let mut admin_set: BTreeSet<PublicKey> = admins.iter().copied().collect();
        admin_set.insert(*root);
        Ok(Self {
            id: op.context_id,
            root: *root,
            threshold: *threshold,
            policy: ChainPolicy::with_max_depth(*max_chain_depth as usize),
            admins: admin_set,
            members: HashMap::new(),
            revoked_keys: RevocationSet::new(),
            revoked_delegations: RevocationSet::new(),
            dependents: HashMap::new(),
            delegation_members: HashMap::new(),
            accounts: AccountMembers::default(),
            head: op.hash(),
            last_timestamp: op.timestamp,
            log: vec![op],
        })
    }

    /// The context id.
    pub fn id(&self) -> &ContextId {
        &self.id
    }

    /// The root key.
    pub fn root(&self) -> &PublicKey {
        &self.root
    }

    /// The current admins (the root included).
    pub fn admins(&self) -> impl Iterator<Item = &PublicKey> {
        self.admins.iter()
    }

    /// The admin signatures each op needs.
    pub fn threshold(&self) -> u32 {
        self.threshold
    }

    /// The sequence number of the last applied op (0 right after genesis).
    pub fn head_seq(&self) -> u64 {
        // The log always holds the genesis op.
        (self.log.len() as u64).saturating_sub(1)
    }

    /// The hash of the last applied op.
    pub fn head_hash(&self) -> &OpHash {
        &self.head
    }

    /// The ops so far, genesis first.
    pub fn ops(&self) -> &[ContextOp] {
        &self.log
    }

    /// An unsigned op that continues this log; sign it with
    /// [`ContextOp::sign`] and pass it to [`Context::apply`].
    pub fn propose(&self, op: OpKind, timestamp: u64) -> ContextOp {
        ContextOp::new(self.id, self.head_seq() + 1, self.head, timestamp, op)
    }

    /// Applies a signed op. On refusal the state is untouched.
    ///
    /// Reads no clock, so replaying a log is deterministic: the op is judged
    /// at its own timestamp, which must not precede the previous op's and may
    /// not exceed [`MAX_TIMESTAMP`]. For ops that arrive live (not from a
    /// log being replayed), prefer [`Context::apply_at`], which also bounds
    /// how far ahead of the clock an op may be.
    ///
    /// # Errors
    /// [`Error::Context`] (wrong context, sequence, hash chain, time going
    /// backwards, non-admin signer, threshold not met, revoked key, …),
    /// [`Error::TimestampOutOfRange`], [`Error::Delegation`] for a bad
    /// member chain, or [`Error::InvalidSignature`].
    pub fn apply(&mut self, op: ContextOp) -> Result<()> {
        self.apply_checked(op, SigCheck::Strict)
    }

    /// [`Context::apply`] with the op's signatures checked as `sigs` says
    /// (batch-proven ones not again: `context/batch.rs`).
    pub(crate) fn apply_checked(&mut self, op: ContextOp, sigs: SigCheck<'_>) -> Result<()> {
        let bytes = op.signing_bytes();
        self.check_with(&op, &bytes, sigs)?;
        self.commit(op, OpHash(*blake3::hash(&bytes).as_bytes()));
        Ok(())
    }

    /// [`Context::apply`] for an op that arrives live: also refuses an op
    /// whose timestamp is more than [`MAX_OP_SKEW`] seconds after `now`.
    ///
    /// # Errors
    /// As [`Context::apply`]; [`Error::TimestampOutOfRange`] for an op too
    /// far ahead of `now`.
    pub fn apply_at(&mut self, op: ContextOp, now: u64) -> Result<()> {
        let max = now.saturating_add(MAX_OP_SKEW).min(MAX_TIMESTAMP);
        if op.timestamp > max {
            return Err(Error::TimestampOutOfRange {
                what: "op",
                got: op.timestamp,
                max,
            });
        }
        self.apply(op)
    }

    /// [`Context::apply_at`] at the system clock's time.
    ///
    /// # Errors
    /// As [`Context::apply_at`].
    pub fn apply_now(&mut self, op: ContextOp) -> Result<()> {
        self.apply_at(op, unix_now())
    }

    pub(crate) fn check(&self, op: &ContextOp, bytes: &[u8]) -> Result<()> {
        self.check_with(op, bytes, SigCheck::Strict)
    }

    fn check_with(&self, op: &ContextOp, bytes: &[u8], sigs: SigCheck<'_>) -> Result<()> {
        if op.context_id != self.id {
            return Err(ContextError::WrongContext.into());
        }
        let expected = self.head_seq() + 1;
        if op.seq != expected {
            return Err(ContextError::Sequence {
                expected,
                got: op.seq,
            }
            .into());
        }
        if op.prev != self.head {
            return Err(ContextError::BrokenHashChain.into());
        }
        if op.timestamp < self.last_timestamp {
            return Err(ContextError::TimeWentBackwards.into());
        }
        check_timestamp("op", op.timestamp)?;
        self.check_signatures(op, bytes, sigs)?;
        match &op.op {
            OpKind::Genesis { .. } => Err(ContextError::Genesis.into()),
            OpKind::AddMember { chain } => self.check_add_member(chain, op.timestamp, sigs),
            OpKind::SetPermissions {
                member,
                permissions,
            } => {
                let m = self.live_member(member)?;
                let leaf = m
                    .leaf()
                    .ok_or_else(|| ContextError::NotMember(member.to_string()))?;
                permissions.require_subset_of(leaf.permissions())
            }
            OpKind::RevokeKey { key } => {
                if *key == self.root {
                    return Err(ContextError::RootImmutable.into());
                }
                if self.revoked_keys.contains(key.as_bytes()) {
                    return Err(ContextError::Revoked(key.to_string()).into());
                }
                self.check_cascade_keeps_threshold(&[key.to_bytes()])
            }
            OpKind::RevokeDelegation { id } => {
                if self.revoked_delegations.contains(id.as_bytes()) {
                    return Err(ContextError::DelegationRevoked(id.to_string()).into());
                }
                let affected = self.delegation_members.get(id).cloned().unwrap_or_default();
                self.check_cascade_keeps_threshold(&affected)
            }
            OpKind::AddAdmin { key } => {
                if self.revoked_keys.contains(key.as_bytes()) {
                    return Err(ContextError::Revoked(key.to_string()).into());
                }
                if self.admins.contains(key) {
                    return Err(ContextError::AlreadyAdmin(key.to_string()).into());
                }
                self.check_key_not_account(key)
            }
            OpKind::RemoveAdmin { key } => {
                if *key == self.root {
                    return Err(ContextError::RootImmutable.into());
                }
                if !self.admins.contains(key) {
                    return Err(ContextError::NotAdmin(key.to_string()).into());
                }
                self.check_admin_removal(key)
            }
            OpKind::AddAccount {
                account,
                permissions,
                not_before,
                expires_at,
            } => {
                self.check_account_not_key(account)?;
                self.accounts.check_add(
                    account,
                    permissions,
                    *not_before,
                    *expires_at,
                    op.timestamp,
                )
            }
            OpKind::SetAccountPermissions {
                account,
                permissions,
            } => self.accounts.check_set(account, permissions),
            OpKind::RevokeAccount { account } => self.accounts.check_revoke(account),
            OpKind::LinkAccount { member, account } => {
                self.check_account_not_key(account)?;
                self.accounts.check_link(member, account, op.timestamp)
            }
            OpKind::UnlinkAccount { account } => self.accounts.check_unlink(account),
        }
    }

    /// The other direction of [`Self::check_account_not_key`]: refuses a
    /// key (as a new key member or admin) that an account names (its
    /// `rawkey:ed25519`, Solana, Stellar or NEAR implicit account) as a
    /// wallet member, a linked alias or revoked. Skipped while the context
    /// has no wallet-member state.
    fn check_key_not_account(&self, key: &PublicKey) -> Result<()> {
        if !self.accounts.is_empty() && self.accounts.is_key_known(key.as_bytes()) {
            return Err(ContextError::AlreadyMember(key.to_string()).into());
        }
        Ok(())
    }

    /// Refuses an account whose address is an Ed25519 key
    /// (`rawkey:ed25519`, Solana, Stellar, NEAR implicit) when that key is
    /// the root, an admin, a key member (live or revoked) or a revoked key: that key already has
    /// its one membership (or its revocation) here, and two memberships of
    /// one key with separate revocations would let one outlive the other.
    fn check_account_not_key(&self, account: &AccountId) -> Result<()> {
        let Some(KeyIdentity::Ed25519(bytes)) = KeyIdentity::of(account) else {
            return Ok(());
        };
        if self.revoked_keys.contains(&bytes) {
            return Err(ContextError::Revoked(account.to_string()).into());
        }
        if self.members.contains_key(&bytes)
            || self.root.as_bytes() == &bytes
            || self.admins.iter().any(|a| a.as_bytes() == &bytes)
        {
            return Err(ContextError::AlreadyMember(account.to_string()).into());
        }
        Ok(())
    }

    /// The members whose chain's first link `admin` issued, sorted.
    fn admitted_by(&self, admin: &PublicKey) -> Vec<KeyBytes> {
        let mut out: Vec<KeyBytes> = self
            .members
            .iter()
            .filter(|(_, m)| {
                m.chain
                    .first()
                    .and_then(|d| d.issuer().as_key())
                    .is_some_and(|k| k == admin)
            })
            .map(|(kb, _)| *kb)
            .collect();
        out.sort_unstable();
        out
    }

    /// Refuses removing `key` when it, and the admins among the members it
    /// admitted (with their cascade), would leave fewer admins than the threshold.
    fn check_admin_removal(&self, key: &PublicKey) -> Result<()> {
        if self.admins.contains(key) {
            let lost: BTreeSet<KeyBytes> = self
                .cascade(&self.admitted_by(key))
                .into_iter()
                .chain([key.to_bytes()])
                .filter(|kb| self.admins.iter().any(|a| a.as_bytes() == kb))
                .collect();
            let remaining = self.admins.len().saturating_sub(lost.len());
            if usize::try_from(self.threshold).map_or(true, |t| t > remaining) {
                return Err(ContextError::InvalidThreshold {
                    threshold: self.threshold,
                    admins: remaining,
                }
                .into());
            }
        }
        Ok(())
    }

    /// Every signature must be a current admin's, valid, and the list
    /// strictly ascending by signer key bytes (so an op's signature list has
    /// one encoding). Signatures beyond the threshold are accepted, under
    /// the same rules: all are checked.
    fn check_signatures(&self, op: &ContextOp, bytes: &[u8], sigs: SigCheck<'_>) -> Result<()> {
        let mut seen = BTreeSet::new();
        let mut last: Option<&PublicKey> = None;
        for s in &op.signatures {
            if !self.admins.contains(&s.signer) {
                return Err(ContextError::NotAdmin(s.signer.to_string()).into());
            }
            if !seen.insert(s.signer) {
                return Err(ContextError::DuplicateSigner(s.signer.to_string()).into());
            }
            if last.is_some_and(|l| *l > s.signer) {
                return Err(Error::decode(
                    "context op",
                    DecodeReason::NonCanonical("signature order (ascending by signer key)"),
                ));
            }
            last = Some(&s.signer);
            sigs.verify(&s.signer, bytes, &s.signature)?;
        }
        let required = usize::try_from(self.threshold).unwrap_or(usize::MAX);
        if seen.len() < required {
            return Err(ContextError::ThresholdNotMet {
                got: seen.len(),
                required,
            }
            .into());
        }
        Ok(())
    }

    fn check_add_member(
        &self,
        chain: &[Delegation],
        timestamp: u64,
        sigs: SigCheck<'_>,
    ) -> Result<()> {
        let leaf = verify_chain_structure_with(
            chain,
            |issuer| matches!(issuer, Issuer::Key(k) if self.admins.contains(k)),
            &self.policy,
            |link| sigs.verify_link(link),
        )?;
        for link in chain {
            if link.context() != &self.id {
                return Err(ContextError::WrongContext.into());
            }
            link.check_time(timestamp)?;
            if self.revoked_delegations.contains(link.id().as_bytes()) {
                return Err(ContextError::DelegationRevoked(link.id().to_string()).into());
            }
            for key in [link.issuer().as_key(), Some(link.subject())]
                .into_iter()
                .flatten()
            {
                if self.revoked_keys.contains(key.as_bytes()) {
                    return Err(ContextError::Revoked(key.to_string()).into());
                }
                // A key revoked as an account (its `rawkey:ed25519` or any
                // other form) is a revoked identity: it appears in no new
                // chain, as issuer or subject.
                if !self.accounts.is_empty() && self.accounts.is_key_revoked(key.as_bytes()) {
                    return Err(
                        ContextError::Revoked(AccountId::raw_ed25519(key).to_string()).into(),
                    );
                }
            }
        }
        let subject = leaf.subject();
        self.check_key_not_account(subject)?;
        if self.members.contains_key(subject.as_bytes()) {
            return Err(ContextError::AlreadyMember(subject.to_string()).into());
        }
        if *subject == self.root {
            return Err(ContextError::RootImmutable.into());
        }
        Ok(())
    }

    /// Mutates the state for an op that passed [`Self::check`]. Infallible.
    fn commit(&mut self, op: ContextOp, hash: OpHash) {
        let seq = op.seq;
        match &op.op {
            OpKind::Genesis { .. } => {}
            OpKind::AddMember { chain } => {
                if let Some(leaf) = chain.last() {
                    let key = *leaf.subject();
                    let kb = key.to_bytes();
                    for link in chain {
                        if let Some(issuer) = link.issuer().as_key()
                            && *issuer != self.root
                        {
                            self.dependents
                                .entry(issuer.to_bytes())
                                .or_default()
                                .push(kb);
                        }
                        self.delegation_members
                            .entry(link.id())
                            .or_default()
                            .push(kb);
                    }
                    let not_before = chain.iter().map(Delegation::not_before).max();
                    let expires_at = chain.iter().map(Delegation::expires_at).min();
                    self.members.insert(
                        kb,
                        Member {
                            key,
                            chain: chain.clone(),
                            not_before: not_before.unwrap_or(u64::MAX),
                            expires_at: expires_at.unwrap_or(0),
                            history: vec![(seq, leaf.permissions().clone())],
                            revoked_seq: None,
                        },
                    );
                }
            }
            OpKind::SetPermissions {
                member,
                permissions,
            } => {
                if let Some(m) = self.members.get_mut(member.as_bytes()) {
                    m.history.push((seq, permissions.clone()));
                }
            }
            OpKind::RevokeKey { key } => {
                self.revoke_cascade(&[key.to_bytes()], seq);
                // The key's `rawkey:ed25519` account is the same identity:
                // revoking the key revokes the wallet member it is (or is
                // linked to). Only the named key can have one: keys a
                // cascade reaches are key members, which never have one.
                if !self.accounts.is_empty() {
                    self.accounts.revoke_with_key(key.as_bytes(), seq);
                }
            }
            OpKind::RevokeDelegation { id } => {
                self.revoked_delegations.insert(*id.as_bytes());
                let affected = self.delegation_members.get(id).cloned().unwrap_or_default();
                self.revoke_cascade(&affected, seq);
            }
            OpKind::AddAdmin { key } => {
                self.admins.insert(*key);
            }
            OpKind::RemoveAdmin { key } => {
                let admitted = self.admitted_by(key);
                self.admins.remove(key);
                self.revoke_cascade(&admitted, seq);
            }
            OpKind::AddAccount {
                account,
                permissions,
                not_before,
                expires_at,
            } => {
                self.accounts
                    .commit_add(account, permissions, *not_before, *expires_at, seq);
            }
            OpKind::SetAccountPermissions {
                account,
                permissions,
            } => self.accounts.commit_set(account, permissions, seq),
            OpKind::RevokeAccount { account } => self.accounts.commit_revoke(account, seq),
            OpKind::LinkAccount { member, account } => {
                self.accounts.commit_link(member, account, seq);
            }
            OpKind::UnlinkAccount { account } => self.accounts.commit_unlink(account),
        }
        self.head = hash;
        self.last_timestamp = op.timestamp;
        self.log.push(op);
    }

    /// Every key a revocation starting at `starts` reaches: the starts and,
    /// transitively, every member whose chain has a link issued by a reached
    /// key. Read-only, so `check` and `commit` agree on it.
    fn cascade(&self, starts: &[KeyBytes]) -> Vec<KeyBytes> {
        let mut reached: std::collections::HashSet<KeyBytes> = starts.iter().copied().collect();
        let mut work: Vec<KeyBytes> = starts.to_vec();
        while let Some(kb) = work.pop() {
            for d in self.dependents.get(&kb).into_iter().flatten() {
                if reached.insert(*d) {
                    work.push(*d);
                }
            }
        }
        let mut out: Vec<KeyBytes> = reached.into_iter().collect();
        out.sort_unstable();
        out
    }

    /// Refuses a revocation whose cascade would leave fewer admins than the threshold.
    fn check_cascade_keeps_threshold(&self, starts: &[KeyBytes]) -> Result<()> {
        let lost = self
            .cascade(starts)
            .iter()
            .filter(|kb| self.admins.iter().any(|a| a.as_bytes() == *kb))
            .count();
        let remaining = self.admins.len().saturating_sub(lost);
        if usize::try_from(self.threshold).map_or(true, |t| t > remaining) {
            return Err(ContextError::InvalidThreshold {
                threshold: self.threshold,
                admins: remaining,
            }
            .into());
        }
        Ok(())
    }

    fn revoke_cascade(&mut self, starts: &[KeyBytes], seq: u64) {
        for kb in self.cascade(starts) {
            self.revoked_keys.insert(kb);
            if let Some(m) = self.members.get_mut(&kb)
                && m.revoked_seq.is_none()
            {
                m.revoked_seq = Some(seq);
            }
            self.admins.retain(|a| a.as_bytes() != &kb);
        }
    }

    fn live_member(&self, key: &PublicKey) -> Result<&Member> {
        match self.members.get(key.as_bytes()) {
            Some(m) if m.is_live() => Ok(m),
            Some(_) => Err(ContextError::Revoked(key.to_string()).into()),
            None => Err(ContextError::NotMember(key.to_string()).into()),
        }
    }

    /// Whether `key` is a live member at time `now` (unix seconds): added,
    /// not revoked, and its chain window `[not_before, expires_at)` covers
    /// `now`. The root is not a member (it needs no delegation).
    pub fn is_member(&self, key: &PublicKey, now: u64) -> bool {
        self.members
            .get(key.as_bytes())
            .is_some_and(|m| m.is_live_at(now))
    }

    /// [`Context::is_member`] at the system clock's time.
    pub fn is_member_now(&self, key: &PublicKey) -> bool {
        self.is_member(key, unix_now())
    }

    /// Whether `key` has been revoked (permanently).
    pub fn is_revoked(&self, key: &PublicKey) -> bool {
        self.revoked_keys.contains(key.as_bytes())
    }

    /// A live member's current permissions at time `now` (unix seconds):
    /// `None` when `key` is not a member, is revoked, or its chain window
    /// does not cover `now`.
    pub fn permissions(&self, key: &PublicKey, now: u64) -> Option<&Permissions> {
        self.members
            .get(key.as_bytes())
            .filter(|m| m.is_live_at(now))
            .and_then(Member::current)
    }

    /// [`Context::permissions`] at the system clock's time.
    pub fn permissions_now(&self, key: &PublicKey) -> Option<&Permissions> {
        self.permissions(key, unix_now())
    }

    /// A member (live or revoked), for inspection.
    pub fn member(&self, key: &PublicKey) -> Option<MemberInfo<'_>> {
        self.members
            .get(key.as_bytes())
            .map(|member| MemberInfo { member })
    }

    /// The number of members ever added (live and revoked).
    pub fn member_count(&self) -> usize {
        self.members.len()
    }

    /// The number of revoked keys (cascades included).
    pub fn revoked_count(&self) -> usize {
        self.revoked_keys.len()
    }

    /// The window `(not_before, expires_at)` of the wallet member `account`
    /// names (as its primary account or a linked alias), while it is
    /// unrevoked; `None` otherwise. The time is not checked.
    pub fn account_window(&self, account: &AccountId) -> Option<(u64, u64)> {
        self.accounts.window(account)
    }

    /// A live wallet member's current permissions at time `now` (unix
    /// seconds); a linked alias resolves to its member. `None` when the
    /// account is unknown, revoked, or the window does not cover `now`.
    pub fn account_permissions(&self, account: &AccountId, now: u64) -> Option<&Permissions> {
        self.accounts.permissions(account, now)
    }

    /// [`Context::account_permissions`] at the system clock's time.
    pub fn account_permissions_now(&self, account: &AccountId) -> Option<&Permissions> {
        self.account_permissions(account, unix_now())
    }

    /// Whether `account` (a wallet member or a linked alias) is live at time
    /// `now`: added, not revoked, and its window `[not_before, expires_at)`
    /// covers `now`.
    pub fn is_account_member(&self, account: &AccountId, now: u64) -> bool {
        self.accounts.is_member(account, now)
    }

    /// [`Context::is_account_member`] at the system clock's time.
    pub fn is_account_member_now(&self, account: &AccountId) -> bool {
        self.is_account_member(account, unix_now())
    }

    /// Whether `account` has been revoked (permanently): a revoked wallet
    /// member, or an account linked to it when it was revoked.
    pub fn is_account_revoked(&self, account: &AccountId) -> bool {
        self.accounts.is_revoked(account)
    }

    /// Whether the wallet account `account` (a member or a linked alias)
    /// held `permission` in the state after op `at_seq`, at time `at` (unix
    /// seconds): [`Context::authorize`] for wallet members.
    ///
    /// The member must have been added (and an alias linked) at or before
    /// `at_seq` and not revoked by then; its permissions at `at_seq` must
    /// cover `permission`; its window must cover `at`. An alias that has been
    /// unlinked since is unknown here, also for earlier sequence numbers.
    ///
    /// # Errors
    /// [`ContextError::FutureSequence`] beyond the head,
    /// [`ContextError::NotMember`], [`ContextError::NotAuthorized`],
    /// [`ContextError::OutsideWindow`] when the window does not cover `at`
    /// (the `key` fields carry the CAIP-10 text).
    pub fn authorize_account(
        &self,
        account: &AccountId,
        permission: &Permission,
        at_seq: u64,
        at: u64,
    ) -> Result<()> {
        let head = self.head_seq();
        if at_seq > head {
            return Err(ContextError::FutureSequence { seq: at_seq, head }.into());
        }
        self.accounts.authorize(account, permission, at_seq, at)
    }

    /// [`Context::authorize_account`] of a live request: the log head at the
    /// system clock's time.
    ///
    /// # Errors
    /// As [`Context::authorize_account`].
    pub fn authorize_account_now(
        &self,
        account: &AccountId,
        permission: &Permission,
    ) -> Result<()> {
        self.authorize_account(account, permission, self.head_seq(), unix_now())
    }

    /// A wallet member (live or revoked), for inspection; a linked alias
    /// resolves to its member.
    pub fn account_member(&self, account: &AccountId) -> Option<AccountMemberInfo<'_>> {
        self.accounts.member(account)
    }

    /// The primary account of the wallet member `account` names: itself for
    /// a member, the member for a linked alias (revoked ones too, so callers
    /// can report the revocation); `None` when unknown.
    pub fn primary_account(&self, account: &AccountId) -> Option<&AccountId> {
        self.accounts.primary(account)
    }

    /// The wallet member (its primary account) that holds `account`'s key
    /// in another account form — the same Ed25519 key as a Solana, Stellar,
    /// NEAR implicit, raw or ICP self-authenticating account, or the same
    /// Ethereum address on another chain id or as `rawkey:secp256k1` —
    /// live or revoked; `None` when no member holds it. Such an account
    /// cannot be added as a new member (one key, one membership); a server
    /// that proved control of it can link it to this member instead.
    pub fn key_holder(&self, account: &AccountId) -> Option<&AccountId> {
        self.accounts.key_holder(account)
    }

    /// The number of wallet members ever added (live and revoked; linked
    /// aliases not counted).
    pub fn account_member_count(&self) -> usize {
        self.accounts.member_count()
    }

    /// Whether `key` held `permission` in the state after op `at_seq`, at
    /// time `at` (unix seconds).
    ///
    /// The root holds every permission at any time. A member holds what its
    /// permissions at that sequence cover, from the op that added it until
    /// (excluding) the op that revoked it, and only while its chain window
    /// `[not_before, expires_at)` covers `at`.
    ///
    /// Which time to pass: `now` for a live request (use
    /// `ctx.head_seq()` as `at_seq`, or [`Context::authorize_now`]); for
    /// replayed history, [`Context::authorize_at_op`] uses the timestamp of
    /// the op at `at_seq`; [`Context::verify_delta`] uses the delta's own
    /// signed timestamp.
    ///
    /// # Errors
    /// [`ContextError::FutureSequence`] beyond the head,
    /// [`ContextError::NotMember`], [`ContextError::NotAuthorized`],
    /// [`ContextError::OutsideWindow`] when the window does not cover `at`.
    pub fn authorize(
        &self,
        key: &PublicKey,
        permission: &Permission,
        at_seq: u64,
        at: u64,
    ) -> Result<()> {
        let head = self.head_seq();
        if at_seq > head {
            return Err(ContextError::FutureSequence { seq: at_seq, head }.into());
        }
        if *key == self.root {
            return Ok(());
        }
        let m = self
            .members
            .get(key.as_bytes())
            .ok_or_else(|| ContextError::NotMember(key.to_string()))?;
        let in_log_window = m.added_seq() <= at_seq && m.revoked_seq.is_none_or(|r| at_seq < r);
        let covers = m
            .permissions_at(at_seq)
            .is_some_and(|p| p.covers(permission));
        if !(in_log_window && covers) {
            return Err(ContextError::NotAuthorized {
                key: key.to_string(),
                permission: permission.to_string(),
                seq: at_seq,
            }
            .into());
        }
        if !m.covers(at) {
            return Err(m.window_error(at));
        }
        Ok(())
    }

    /// [`Context::authorize`] of a live request: the current state (the log
    /// head) at the system clock's time.
    ///
    /// # Errors
    /// As [`Context::authorize`].
    pub fn authorize_now(&self, key: &PublicKey, permission: &Permission) -> Result<()> {
        self.authorize(key, permission, self.head_seq(), unix_now())
    }

    /// [`Context::authorize`] for replayed history: the state after op
    /// `at_seq`, at that op's own timestamp (no clock is read).
    ///
    /// # Errors
    /// As [`Context::authorize`].
    pub fn authorize_at_op(
        &self,
        key: &PublicKey,
        permission: &Permission,
        at_seq: u64,
    ) -> Result<()> {
        let head = self.head_seq();
        let op = usize::try_from(at_seq)
            .ok()
            .and_then(|i| self.log.get(i))
            .ok_or(ContextError::FutureSequence { seq: at_seq, head })?;
        self.authorize(key, permission, at_seq, op.timestamp)
    }

    /// Verifies a delta: the context, the signature, and that the signer held
    /// `required` at the delta's sequence number and at the delta's signed
    /// timestamp (its chain window must cover that time), under `policy`.
    ///
    /// The time checked is the delta's own [`Delta::timestamp`]; under
    /// [`DeltaPolicy::Strict`] the window must also cover `first_seen_at`
    /// (see the module docs for the trade-off).
    ///
    /// # Errors
    /// [`ContextError::WrongContext`], [`Error::InvalidSignature`], the
    /// refusals of [`Context::authorize`] (including
    /// [`ContextError::OutsideWindow`]), or, under [`DeltaPolicy::Strict`],
    /// [`ContextError::SeenAfterRevocation`] and
    /// [`ContextError::SeenOutsideWindow`].
    pub fn verify_delta(
        &self,
        delta: &Delta,
        required: &Permission,
        policy: DeltaPolicy,
    ) -> Result<()> {
        if delta.context != self.id {
            return Err(ContextError::WrongContext.into());
        }
        if delta.payload.len() > MAX_DELTA_PAYLOAD {
            return Err(Error::decode(
                "delta",
                DecodeReason::TooLong {
                    max: MAX_DELTA_PAYLOAD,
                },
            ));
        }
        check_timestamp("delta", delta.timestamp)?;
        delta
            .signer
            .verify(&delta.signing_bytes(), &delta.signature)?;
        self.authorize(&delta.signer, required, delta.seq, delta.timestamp)?;
        if let DeltaPolicy::Strict {
            first_seen_seq,
            first_seen_at,
        } = policy
            && let Some(m) = self.members.get(delta.signer.as_bytes())
        {
            if m.revoked_seq.is_some_and(|r| r <= first_seen_seq) {
                return Err(ContextError::SeenAfterRevocation.into());
            }
            if !m.covers(first_seen_at) {
                return Err(ContextError::SeenOutsideWindow.into());
            }
        }
        Ok(())
    }

    /// A hash of the whole state (admins, threshold, members and their
    /// permission histories, revocations, head; and, once the log has an
    /// `AddAccount`, the wallet members, linked accounts and revoked
    /// accounts). Equal logs give equal hashes. A context without wallet
    /// members hashes exactly as before wallet members existed (FORMATS.md
    /// §12), so stored snapshots and published vectors keep their hashes.
    pub fn state_hash(&self) -> [u8; 32] {
        *blake3::hash(&self.state_bytes()).as_bytes()
    }

    /// The bytes [`Context::state_hash`] hashes (FORMATS.md, "State hash").
    pub(crate) fn state_bytes(&self) -> Vec<u8> {
        // Every list carries its u32 count; every byte string its u32
        // length; integers are fixed-width big-endian (FORMATS.md).
        fn count(w: &mut CanonicalWriter, n: usize) {
            w.u32(u32::try_from(n).unwrap_or(u32::MAX));
        }
        let mut w = CanonicalWriter::new(STATE_DOMAIN);
        w.bytes(self.id.as_bytes())
            .bytes(self.root.as_bytes())
            .u32(self.threshold)
            .u32(u32::try_from(self.policy.max_depth).unwrap_or(u32::MAX))
            .u64(self.head_seq())
            .bytes(self.head.as_bytes());
        count(&mut w, self.admins.len());
        for a in &self.admins {
            w.bytes(a.as_bytes());
        }
        let mut members: Vec<&Member> = self.members.values().collect();
        members.sort_by_key(|m| m.key);
        count(&mut w, members.len());
        for m in members {
            w.bytes(m.key.as_bytes());
            count(&mut w, m.chain.len());
            for link in &m.chain {
                w.bytes(link.id().as_bytes());
            }
            count(&mut w, m.history.len());
            for (seq, perms) in &m.history {
                w.u64(*seq);
                count(&mut w, perms.len());
                for p in perms {
                    w.bytes(p.as_str().as_bytes());
                }
            }
            match m.revoked_seq {
                None => {
                    w.u8(0);
                }
                Some(seq) => {
                    w.u8(1).u64(seq);
                }
            }
        }
        for set in [&self.revoked_keys, &self.revoked_delegations] {
            let mut entries: Vec<&[u8; 32]> = set.iter().collect();
            entries.sort();
            count(&mut w, entries.len());
            for e in entries {
                w.bytes(e);
            }
        }
        // The account sections follow only once the context has wallet-member
        // state, so the state hash of every context without it is what it
        // was before wallet members existed (FORMATS.md, "State hash").
        if !self.accounts.is_empty() {
            self.accounts.write_state(&mut w);
        }
        w.finish()
    }

    /// The log, for export.
    pub fn export_log(&self) -> ContextLog {
        ContextLog {
            version: LOG_VERSION,
            ops: self.log.clone(),
        }
    }

    /// The log as JSON.
    ///
    /// # Errors
    /// Only if serialization fails, which it does not for these types.
    pub fn export_json(&self) -> Result<String> {
        serde_json::to_string(&self.export_log()).map_err(|e| Error::malformed("context log", e))
    }

    /// Rebuilds a context by replaying `log`.
    ///
    /// # Errors
    /// [`ContextError::BadOp`] naming the first op that is refused, and why.
    pub fn import(log: &ContextLog) -> Result<Self> {
        if log.version != LOG_VERSION {
            return Err(Error::decode(
                "context log",
                DecodeReason::UnsupportedVersion(log.version),
            ));
        }
        let bad = |seq: u64, e: Error| ContextError::BadOp {
            seq,
            reason: Box::new(e),
        };
        let (genesis, rest) = log
            .ops
            .split_first()
            .ok_or_else(|| bad(0, ContextError::Genesis.into()))?;
        let mut ctx = Self::from_genesis(genesis.clone()).map_err(|e| bad(0, e))?;
        for (i, op) in rest.iter().enumerate() {
            ctx.apply(op.clone()).map_err(|e| bad(i as u64 + 1, e))?;
        }
        Ok(ctx)
    }

    /// Parses and replays a JSON log.
    ///
    /// # Errors
    /// [`Error::Decode`] for malformed JSON; see [`Context::import`].
    pub fn import_json(json: &str) -> Result<Self> {
        let log: ContextLog =
            serde_json::from_str(json).map_err(|e| Error::malformed("context log", e))?;
        Self::import(&log)
    }
}

impl RevocationView for Context {
    fn context_id(&self) -> &ContextId {
        &self.id
    }

    fn is_key_revoked(&self, key: &PublicKey) -> bool {
        self.revoked_keys.contains(key.as_bytes())
    }

    fn is_delegation_revoked(&self, id: &DelegationId) -> bool {
        self.revoked_delegations.contains(id.as_bytes())
    }

    fn live_permissions_cover(&self, key: &PublicKey, permission: &Permission) -> bool {
        self.members
            .get(key.as_bytes())
            .filter(|m| m.is_live())
            .and_then(Member::current)
            .is_some_and(|p| p.covers(permission))
    }

    fn member_window(&self, key: &PublicKey) -> Option<(u64, u64)> {
        self.members
            .get(key.as_bytes())
            .filter(|m| m.is_live())
            .map(|m| (m.not_before, m.expires_at))
    }

    /// A member's stored key without decoding the point again; other bytes
    /// are decoded and checked as usual.
    fn resolve_key(&self, key: &[u8; 32]) -> Option<PublicKey> {
        match self.members.get(key) {
            Some(m) => Some(m.key),
            None => PublicKey::from_bytes(key).ok(),
        }
    }

    fn account_window(&self, account: &AccountId) -> Option<(u64, u64)> {
        Context::account_window(self, account)
    }

    fn account_permissions_cover(&self, account: &AccountId, permission: &Permission) -> bool {
        self.account_member(account)
            .and_then(|m| m.permissions())
            .is_some_and(|p| p.covers(permission))
    }

    fn account_linked_to(&self, account: &AccountId, member: &AccountId) -> bool {
        account != member && self.primary_account(account) == Some(member)
    }
}
