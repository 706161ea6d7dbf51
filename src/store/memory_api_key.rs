//! The in-memory API key store: one process, one mutex.

use std::collections::HashMap;
use std::future::{Future, ready};
use std::sync::{Mutex, MutexGuard};

use crate::error::{Error, Result, TokenError};
use crate::id::ContextId;
use crate::member_id::MemberId;
use crate::token::{ApiKeyId, ApiKeyRecord, ApiKeyStore};

/// An [`ApiKeyStore`] in process memory, for single-instance servers and
/// tests. Its futures are always ready. A cluster needs a shared store
/// (`RedisStore`, feature `redis`).
///
/// Records stay until they are removed; call
/// [`MemoryApiKeyStore::purge_expired`] now and then to drop expired ones.
#[derive(Debug, Default)]
pub struct MemoryApiKeyStore {
    inner: Mutex<HashMap<ApiKeyId, ApiKeyRecord>>,
}

impl MemoryApiKeyStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> Result<MutexGuard<'_, HashMap<ApiKeyId, ApiKeyRecord>>> {
        // A poisoned lock means a panic mid-update elsewhere: fail closed.
        self.inner
            .lock()
            .map_err(|_| Error::StoreUnavailable("in-memory api key store: lock poisoned".into()))
    }

    /// How many records the store holds.
    pub fn len(&self) -> usize {
        self.lock().map_or(0, |g| g.len())
    }

    /// Whether the store holds no record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops the records of keys expired at `now`; returns how many.
    ///
    /// # Errors
    /// [`Error::StoreUnavailable`] if the lock is poisoned.
    pub fn purge_expired(&self, now: u64) -> Result<usize> {
        let mut g = self.lock()?;
        let before = g.len();
        g.retain(|_, r| now < r.expires_at());
        Ok(before - g.len())
    }

    fn insert_sync(&self, record: ApiKeyRecord) -> Result<()> {
        let mut g = self.lock()?;
        if g.contains_key(record.id()) {
            return Err(TokenError::InvalidRequest("api key id already stored").into());
        }
        g.insert(*record.id(), record);
        Ok(())
    }

    fn list_sync(&self, context: &ContextId, owner: &MemberId) -> Result<Vec<ApiKeyRecord>> {
        let g = self.lock()?;
        Ok(g.values()
            .filter(|r| r.context_id() == context && r.owner() == owner)
            .cloned()
            .collect())
    }
}

impl ApiKeyStore for MemoryApiKeyStore {
    fn insert(&self, record: ApiKeyRecord, _now: u64) -> impl Future<Output = Result<()>> + Send {
        ready(self.insert_sync(record))
    }

    fn get(&self, id: &ApiKeyId) -> impl Future<Output = Result<Option<ApiKeyRecord>>> + Send {
        ready(self.lock().map(|g| g.get(id).cloned()))
    }

    fn list(
        &self,
        context: &ContextId,
        owner: &MemberId,
    ) -> impl Future<Output = Result<Vec<ApiKeyRecord>>> + Send {
        ready(self.list_sync(context, owner))
    }

    fn remove(&self, id: &ApiKeyId) -> impl Future<Output = Result<bool>> + Send {
        ready(self.lock().map(|mut g| g.remove(id).is_some()))
    }
}
