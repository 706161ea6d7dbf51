//! The in-memory nonce store: one process, one mutex, bounded.

use std::collections::{BTreeSet, HashMap};
use std::future::{Future, ready};
use std::sync::{Mutex, MutexGuard};

use crate::challenge::ChallengeNonce;
use crate::challenge::NonceStore;
use crate::error::{ChallengeError, Error, Result};

/// The default cap on entries of a [`MemoryNonceStore`].
pub const DEFAULT_MAX_NONCE_ENTRIES: usize = 100_000;
/// An upper bound on the memory one entry takes, with its indexes (bytes):
/// the 32-byte nonce and its 16-byte state in the hash map (at most half
/// full after growth: ≤ 2 × 49 bytes), and a 40-byte `(expiry, nonce)` key
/// in each of two B-tree indexes (nodes at least half full: ≤ 2 × 40 bytes
/// plus node headers each). `max_entries × NONCE_ENTRY_BYTES` bounds the
/// store: 32 MB at the default cap.
pub const NONCE_ENTRY_BYTES: usize = 320;

/// A [`NonceStore`] in process memory, for single-instance servers and
/// tests. Its futures are always ready (one poll completes them), and one
/// mutex makes every operation atomic across threads.
///
/// It holds only redeemed nonces (spent marks) and failed-attempt counters
/// of nonces whose MAC the issuer checked, each until its challenge
/// expires; issuing stores nothing. Bounded: at most `max_entries`
/// entries (100 000 by default; see [`NONCE_ENTRY_BYTES`]). When full it
/// drops expired entries first, then failed-attempt counters (soonest to
/// expire first; that nonce's attempt count starts again), and never a
/// live spent mark: if every entry is one, a redemption is refused with
/// [`ChallengeError::StoreFull`] rather than accepted without a mark (that
/// takes more than `max_entries` successful logins within one challenge
/// lifetime).
///
/// # Example
/// ```
/// use keytree::MemoryNonceStore;
/// let store = MemoryNonceStore::with_max_entries(1_000);
/// assert!(store.is_empty());
/// Ok::<(), keytree::Error>(())
/// ```
#[derive(Debug)]
pub struct MemoryNonceStore {
    inner: Mutex<Inner>,
    max_entries: usize,
}

#[derive(Debug, Clone, Copy)]
struct Slot {
    expires_at: u64,
    spent: bool,
    attempts: u32,
}

#[derive(Debug, Default)]
struct Inner {
    slots: HashMap<ChallengeNonce, Slot>,
    /// Every entry, by expiry.
    by_expiry: BTreeSet<(u64, ChallengeNonce)>,
    /// The failed-attempt counters (not spent), by expiry.
    counters: BTreeSet<(u64, ChallengeNonce)>,
}

impl Inner {
    fn remove(&mut self, nonce: &ChallengeNonce) {
        if let Some(s) = self.slots.remove(nonce) {
            self.by_expiry.remove(&(s.expires_at, *nonce));
            self.counters.remove(&(s.expires_at, *nonce));
        }
    }

    fn purge(&mut self, now: u64) -> usize {
        let mut n = 0;
        while let Some(&(expires_at, nonce)) = self.by_expiry.first() {
            if expires_at > now {
                break;
            }
            self.remove(&nonce);
            n += 1;
        }
        n
    }

    /// The live slot of `nonce` (an expired one is dropped).
    fn live(&mut self, nonce: &ChallengeNonce, now: u64) -> Option<Slot> {
        let slot = *self.slots.get(nonce)?;
        if slot.expires_at <= now {
            self.remove(nonce);
            return None;
        }
        Some(slot)
    }

    /// Room for one more entry: drops expired entries, then counters.
    fn make_room(&mut self, now: u64, cap: usize) -> bool {
        if self.slots.len() < cap {
            return true;
        }
        self.purge(now);
        while self.slots.len() >= cap {
            let Some(&(_, nonce)) = self.counters.first() else {
                return false;
            };
            self.remove(&nonce);
        }
        true
    }

    fn set(&mut self, nonce: ChallengeNonce, slot: Slot) {
        self.remove(&nonce);
        self.by_expiry.insert((slot.expires_at, nonce));
        if !slot.spent {
            self.counters.insert((slot.expires_at, nonce));
        }
        self.slots.insert(nonce, slot);
    }
}

impl Default for MemoryNonceStore {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryNonceStore {
    /// An empty store with the default cap.
    pub fn new() -> Self {
        Self::with_max_entries(DEFAULT_MAX_NONCE_ENTRIES)
    }

    /// An empty store holding at most `max_entries` entries (at least 1).
    pub fn with_max_entries(max_entries: usize) -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
            max_entries: max_entries.max(1),
        }
    }

    /// The cap on entries.
    pub fn max_entries(&self) -> usize {
        self.max_entries
    }

    fn lock(&self) -> Result<MutexGuard<'_, Inner>> {
        // A poisoned lock means a panic mid-update elsewhere: fail closed.
        self.inner
            .lock()
            .map_err(|_| Error::StoreUnavailable("in-memory nonce store: lock poisoned".into()))
    }

    /// How many entries (spent marks and failure counters) the store holds.
    pub fn len(&self) -> usize {
        self.lock().map_or(0, |g| g.slots.len())
    }

    /// Whether the store holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops the entries whose challenge expired by `now`; returns how many.
    ///
    /// # Errors
    /// [`Error::StoreUnavailable`] if the lock is poisoned.
    pub fn purge_expired(&self, now: u64) -> Result<usize> {
        Ok(self.lock()?.purge(now))
    }

    fn attempts_sync(&self, nonce: &ChallengeNonce, now: u64) -> Result<u32> {
        match self.lock()?.live(nonce, now) {
            Some(s) if s.spent => Err(ChallengeError::AlreadySpent.into()),
            Some(s) => Ok(s.attempts),
            None => Ok(0),
        }
    }

    fn record_failure_sync(
        &self,
        nonce: &ChallengeNonce,
        expires_at: u64,
        now: u64,
    ) -> Result<u32> {
        let mut g = self.lock()?;
        let attempts = match g.live(nonce, now) {
            Some(s) if s.spent => return Err(ChallengeError::AlreadySpent.into()),
            Some(s) => s.attempts,
            None => {
                if !g.make_room(now, self.max_entries) {
                    return Err(ChallengeError::StoreFull {
                        max: self.max_entries,
                    }
                    .into());
                }
                0
            }
        }
        .saturating_add(1);
        g.set(
            *nonce,
            Slot {
                expires_at,
                spent: false,
                attempts,
            },
        );
        Ok(attempts)
    }

    fn consume_sync(
        &self,
        nonce: &ChallengeNonce,
        expires_at: u64,
        max_attempts: u32,
        now: u64,
    ) -> Result<()> {
        let mut g = self.lock()?;
        match g.live(nonce, now) {
            Some(s) if s.spent => return Err(ChallengeError::AlreadySpent.into()),
            Some(s) if s.attempts >= max_attempts => {
                return Err(ChallengeError::TooManyAttempts { max: max_attempts }.into());
            }
            Some(_) => {}
            None => {
                if !g.make_room(now, self.max_entries) {
                    return Err(ChallengeError::StoreFull {
                        max: self.max_entries,
                    }
                    .into());
                }
            }
        }
        g.set(
            *nonce,
            Slot {
                expires_at,
                spent: true,
                attempts: 0,
            },
        );
        Ok(())
    }
}

impl NonceStore for MemoryNonceStore {
    fn attempts(
        &self,
        nonce: &ChallengeNonce,
        now: u64,
    ) -> impl Future<Output = Result<u32>> + Send {
        ready(self.attempts_sync(nonce, now))
    }

    fn record_failure(
        &self,
        nonce: &ChallengeNonce,
        expires_at: u64,
        now: u64,
    ) -> impl Future<Output = Result<u32>> + Send {
        ready(self.record_failure_sync(nonce, expires_at, now))
    }

    fn consume(
        &self,
        nonce: &ChallengeNonce,
        expires_at: u64,
        max_attempts: u32,
        now: u64,
    ) -> impl Future<Output = Result<()>> + Send {
        ready(self.consume_sync(nonce, expires_at, max_attempts, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(i: u32) -> ChallengeNonce {
        let mut b = [0u8; 32];
        b[..4].copy_from_slice(&i.to_be_bytes());
        ChallengeNonce::from_bytes(b)
    }

    fn ready<F: Future>(f: F) -> F::Output {
        let mut f = std::pin::pin!(f);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        match f.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(v) => v,
            std::task::Poll::Pending => panic!("never pends"),
        }
    }

    #[test]
    fn bounded_counters_evicted_spent_kept() {
        let s = MemoryNonceStore::with_max_entries(2);
        ready(s.consume(&n(1), 100, 5, 0)).unwrap();
        ready(s.record_failure(&n(2), 100, 0)).unwrap();
        // Full: a new counter evicts the old counter, never the spent mark.
        ready(s.record_failure(&n(3), 100, 0)).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(ready(s.attempts(&n(2), 1)).unwrap(), 0);
        assert!(ready(s.attempts(&n(1), 1)).is_err());
        ready(s.consume(&n(4), 100, 5, 0)).unwrap();
        // Two spent marks: no room for a third until they expire.
        assert_eq!(
            ready(s.consume(&n(5), 100, 5, 0)).unwrap_err(),
            ChallengeError::StoreFull { max: 2 }.into()
        );
        ready(s.consume(&n(5), 200, 5, 100)).unwrap();
        assert_eq!(s.len(), 1);
    }
}
