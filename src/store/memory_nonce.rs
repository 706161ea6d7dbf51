//! The in-memory nonce store: one process, one mutex, bounded.

use std::collections::{BTreeSet, HashMap};
use std::future::{Future, ready};
use std::sync::{Mutex, MutexGuard};

use super::NonceStore;
use crate::challenge::{ChallengeNonce, ChallengeRecord};
use crate::error::{ChallengeError, Error, Result};

/// The default cap on stored challenges of a [`MemoryNonceStore`].
pub const DEFAULT_MAX_OUTSTANDING: usize = 100_000;
/// How long a store keeps a challenge after it expires, by default (seconds),
/// so that a late redemption is told "expired" rather than "unknown".
pub const DEFAULT_RETENTION: u64 = 600;

/// A [`NonceStore`] in process memory, for single-instance servers and
/// tests. Its futures are always ready (one poll completes them), and one
/// mutex makes every operation atomic across threads.
///
/// Bounded: it holds at most `max_outstanding` challenges (100 000 by
/// default). Records are dropped `retention` seconds after they expire
/// (600 by default; until then a redemption is refused as expired, after
/// that as unknown). When [`put`](NonceStore::put) finds the store full it
/// evicts, in this order, expired challenges (the longest expired first),
/// then spent or dead ones; if every stored challenge is still redeemable
/// it refuses the new one with [`ChallengeError::StoreFull`] rather than
/// evict a user's live login.
///
/// # Example
/// ```
/// use keytree::MemoryNonceStore;
/// let store = MemoryNonceStore::with_limits(1_000, 60);
/// assert!(store.is_empty());
/// Ok::<(), keytree::Error>(())
/// ```
#[derive(Debug)]
pub struct MemoryNonceStore {
    inner: Mutex<Inner>,
    max_outstanding: usize,
    retention: u64,
}

#[derive(Debug, Default)]
struct Inner {
    records: HashMap<ChallengeNonce, ChallengeRecord>,
    by_expiry: BTreeSet<(u64, ChallengeNonce)>,
}

impl Inner {
    fn remove(&mut self, nonce: &ChallengeNonce) {
        if let Some(r) = self.records.remove(nonce) {
            self.by_expiry.remove(&(r.expires_at(), *nonce));
        }
    }

    /// Drops records whose retention ended, and — while at the cap —
    /// expired ones, longest expired first.
    fn evict_expired(&mut self, now: u64, retention: u64, cap: usize) {
        while let Some(&(expires_at, nonce)) = self.by_expiry.first() {
            let gone = expires_at.saturating_add(retention) <= now;
            let full_and_expired = self.records.len() >= cap && expires_at <= now;
            if !(gone || full_and_expired) {
                break;
            }
            self.remove(&nonce);
        }
    }

    /// Drops spent and dead records until below the cap.
    fn evict_finished(&mut self, cap: usize) {
        let finished: Vec<(u64, ChallengeNonce)> = self
            .by_expiry
            .iter()
            .filter(|(_, n)| {
                self.records
                    .get(n)
                    .is_some_and(|r| r.is_spent() || r.is_dead())
            })
            .copied()
            .collect();
        for (_, nonce) in finished {
            if self.records.len() < cap {
                break;
            }
            self.remove(&nonce);
        }
    }
}

impl Default for MemoryNonceStore {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryNonceStore {
    /// An empty store with the default limits.
    pub fn new() -> Self {
        Self::with_limits(DEFAULT_MAX_OUTSTANDING, DEFAULT_RETENTION)
    }

    /// An empty store holding at most `max_outstanding` challenges (at
    /// least 1), keeping expired ones `retention` seconds.
    pub fn with_limits(max_outstanding: usize, retention: u64) -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
            max_outstanding: max_outstanding.max(1),
            retention,
        }
    }

    fn lock(&self) -> Result<MutexGuard<'_, Inner>> {
        // A poisoned lock means a panic mid-update elsewhere: fail closed.
        self.inner
            .lock()
            .map_err(|_| Error::StoreUnavailable("in-memory nonce store: lock poisoned".into()))
    }

    /// How many challenges (in any state) the store holds.
    pub fn len(&self) -> usize {
        self.lock().map_or(0, |g| g.records.len())
    }

    /// Whether the store holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops the records whose retention ended before `now`; returns how
    /// many. ([`put`](NonceStore::put) does this too.)
    ///
    /// # Errors
    /// [`Error::StoreUnavailable`] if the lock is poisoned.
    pub fn purge_expired(&self, now: u64) -> Result<usize> {
        let mut g = self.lock()?;
        let before = g.records.len();
        g.evict_expired(now, self.retention, usize::MAX);
        Ok(before - g.records.len())
    }

    fn put_sync(&self, nonce: &ChallengeNonce, record: &ChallengeRecord, now: u64) -> Result<()> {
        let mut g = self.lock()?;
        let cap = self.max_outstanding;
        g.evict_expired(now, self.retention, cap);
        if g.records.contains_key(nonce) {
            return Err(ChallengeError::NonceExists.into());
        }
        if g.records.len() >= cap {
            g.evict_finished(cap);
        }
        if g.records.len() >= cap {
            return Err(ChallengeError::StoreFull { max: cap }.into());
        }
        let record = record.clone().with_attempts(0).with_spent(false);
        g.by_expiry.insert((record.expires_at(), *nonce));
        g.records.insert(*nonce, record);
        Ok(())
    }

    fn with_live<T>(
        &self,
        nonce: &ChallengeNonce,
        now: u64,
        f: impl FnOnce(&mut ChallengeRecord) -> T,
    ) -> Result<T> {
        let mut g = self.lock()?;
        let record = g.records.get_mut(nonce).ok_or(ChallengeError::Unknown)?;
        record.check_live(now)?;
        Ok(f(record))
    }
}

impl NonceStore for MemoryNonceStore {
    fn put(
        &self,
        nonce: &ChallengeNonce,
        record: &ChallengeRecord,
        now: u64,
    ) -> impl Future<Output = Result<()>> + Send {
        ready(self.put_sync(nonce, record, now))
    }

    fn peek(
        &self,
        nonce: &ChallengeNonce,
        now: u64,
    ) -> impl Future<Output = Result<ChallengeRecord>> + Send {
        ready(self.with_live(nonce, now, |r| r.clone()))
    }

    fn record_failure(
        &self,
        nonce: &ChallengeNonce,
        now: u64,
    ) -> impl Future<Output = Result<u32>> + Send {
        ready(self.with_live(nonce, now, |r| {
            let attempts = r.attempts().saturating_add(1);
            r.set_attempts(attempts);
            attempts
        }))
    }

    fn consume(&self, nonce: &ChallengeNonce, now: u64) -> impl Future<Output = Result<()>> + Send {
        ready(self.with_live(nonce, now, ChallengeRecord::set_spent))
    }
}
