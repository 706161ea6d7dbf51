//! The in-memory refresh store itself: the records, families and members
//! behind one mutex.

use std::collections::HashMap;
use std::future::{Future, ready};
use std::sync::{Mutex, MutexGuard};

use crate::error::{Error, Result, TokenError};
use crate::id::ContextId;
use crate::member_id::MemberId;
use crate::token::RefreshStore;
use crate::token::{FamilyId, RefreshHash, RefreshRecord};

/// A [`RefreshStore`] in process memory, for single-instance servers and
/// tests. Its futures are always ready. A cluster needs a shared store.
///
/// Spent and revoked records stay until they expire (so reuse is
/// recognised); call [`MemoryRefreshStore::purge_expired`] now and then to
/// drop expired ones.
///
/// # Example
/// ```
/// use keytree::MemoryRefreshStore;
/// let store = MemoryRefreshStore::new();
/// assert_eq!(store.len(), 0);
/// Ok::<(), keytree::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct MemoryRefreshStore {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
pub(super) struct Inner {
    pub(super) tokens: HashMap<RefreshHash, Entry>,
    pub(super) families: HashMap<FamilyId, Family>,
    pub(super) by_member: HashMap<(ContextId, MemberId), Vec<FamilyId>>,
}

#[derive(Debug)]
pub(super) struct Entry {
    pub(super) record: RefreshRecord,
    pub(super) spent: bool,
    /// When it was spent (the start of its retry grace window).
    pub(super) spent_at: u64,
    /// The token it was rotated to (for retries within the grace window).
    pub(super) successor: Option<RefreshHash>,
}

#[derive(Debug, Default)]
pub(super) struct Family {
    pub(super) revoked: bool,
    pub(super) tokens: Vec<RefreshHash>,
}

impl MemoryRefreshStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    pub(super) fn lock(&self) -> Result<MutexGuard<'_, Inner>> {
        // A poisoned lock means a panic mid-update elsewhere: fail closed.
        self.inner
            .lock()
            .map_err(|_| Error::StoreUnavailable("in-memory refresh store: lock poisoned".into()))
    }

    /// How many records (live, spent or revoked) the store holds.
    pub fn len(&self) -> usize {
        self.lock().map_or(0, |g| g.tokens.len())
    }

    /// Whether the store holds no record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops records that expired before `now`, and families left empty;
    /// returns how many records were dropped.
    ///
    /// # Errors
    /// [`Error::StoreUnavailable`] if the lock is poisoned.
    pub fn purge_expired(&self, now: u64) -> Result<usize> {
        let mut g = self.lock()?;
        let inner = &mut *g;
        let before = inner.tokens.len();
        inner.tokens.retain(|_, e| now < e.record.expires_at());
        let tokens = &inner.tokens;
        inner.families.retain(|_, f| {
            f.tokens.retain(|h| tokens.contains_key(h));
            !f.tokens.is_empty()
        });
        let families = &inner.families;
        inner.by_member.retain(|_, ids| {
            ids.retain(|id| families.contains_key(id));
            !ids.is_empty()
        });
        Ok(before - inner.tokens.len())
    }

    fn insert_sync(&self, hash: RefreshHash, record: RefreshRecord) -> Result<()> {
        let mut g = self.lock()?;
        let inner = &mut *g;
        if inner.tokens.contains_key(&hash) {
            // Superseded by a retry before it was stored: it stays dead.
            return Err(TokenError::RefreshReused.into());
        }
        let family = *record.family();
        let member = (*record.context_id(), record.member().clone());
        let fam = inner.families.entry(family).or_default();
        fam.tokens.push(hash);
        let ids = inner.by_member.entry(member).or_default();
        if !ids.contains(&family) {
            ids.push(family);
        }
        inner.tokens.insert(
            hash,
            Entry {
                record,
                spent: false,
                spent_at: 0,
                successor: None,
            },
        );
        Ok(())
    }

    fn consume_sync(
        &self,
        hash: &RefreshHash,
        successor: &RefreshHash,
        now: u64,
        grace: u64,
    ) -> Result<RefreshRecord> {
        let mut g = self.lock()?;
        let inner = &mut *g;
        let entry = inner.tokens.get(hash).ok_or(TokenError::RefreshUnknown)?;
        let family = *entry.record.family();
        let revoked = inner.families.get(&family).is_none_or(|f| f.revoked);
        // A retry: spent within the grace window, its successor never used.
        let retry_of = match (entry.spent, entry.successor) {
            (true, Some(next)) if now < entry.spent_at.saturating_add(grace) => inner
                .tokens
                .get(&next)
                .is_none_or(|n| !n.spent)
                .then_some(next),
            _ => None,
        };
        if entry.spent && retry_of.is_none() {
            if let Some(f) = inner.families.get_mut(&family) {
                f.revoked = true;
            }
            return Err(TokenError::RefreshReused.into());
        }
        if revoked {
            return Err(TokenError::RefreshRevoked.into());
        }
        if now >= entry.record.expires_at() {
            return Err(TokenError::RefreshExpired.into());
        }
        let record = entry.record.clone();
        if let Some(old_next) = retry_of {
            // Supersede the successor the client never received: it is spent
            // (its later use is reuse and revokes the family), and a late
            // insert of it is refused.
            match inner.tokens.get_mut(&old_next) {
                Some(n) => n.spent = true,
                None => {
                    inner.tokens.insert(
                        old_next,
                        Entry {
                            record: record.clone(),
                            spent: true,
                            spent_at: now,
                            successor: None,
                        },
                    );
                    if let Some(f) = inner.families.get_mut(&family) {
                        f.tokens.push(old_next);
                    }
                }
            }
        }
        if let Some(entry) = inner.tokens.get_mut(hash) {
            if !entry.spent {
                entry.spent = true;
                entry.spent_at = now;
            }
            entry.successor = Some(*successor);
        }
        Ok(record)
    }

    pub(super) fn revoke_family_sync(&self, family: &FamilyId) -> Result<()> {
        let mut g = self.lock()?;
        g.families.entry(*family).or_default().revoked = true;
        Ok(())
    }

    pub(super) fn revoke_member_sync(
        &self,
        context: &ContextId,
        member: &MemberId,
    ) -> Result<usize> {
        let mut g = self.lock()?;
        let inner = &mut *g;
        let ids = inner
            .by_member
            .get(&(*context, member.clone()))
            .cloned()
            .unwrap_or_default();
        let mut count = 0;
        for id in ids {
            let f = inner.families.entry(id).or_default();
            if !f.revoked {
                f.revoked = true;
                count += 1;
            }
        }
        Ok(count)
    }
}

impl RefreshStore for MemoryRefreshStore {
    fn insert(
        &self,
        hash: RefreshHash,
        record: RefreshRecord,
        _now: u64,
    ) -> impl Future<Output = Result<()>> + Send {
        ready(self.insert_sync(hash, record))
    }

    fn consume(
        &self,
        hash: &RefreshHash,
        successor: &RefreshHash,
        now: u64,
        grace: u64,
    ) -> impl Future<Output = Result<RefreshRecord>> + Send {
        ready(self.consume_sync(hash, successor, now, grace))
    }

    fn revoke_family(&self, family: &FamilyId) -> impl Future<Output = Result<()>> + Send {
        ready(self.revoke_family_sync(family))
    }

    fn revoke_member(
        &self,
        context: &ContextId,
        member: &MemberId,
    ) -> impl Future<Output = Result<usize>> + Send {
        ready(self.revoke_member_sync(context, member))
    }
}
