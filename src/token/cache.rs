//! The verified-token cache of a [`TokenValidator`](crate::TokenValidator):
//! the claims of tokens whose signature and claims already passed, keyed
//! by the BLAKE3 hash of the whole token text, so that a repeat validation
//! skips the signature check and the JSON parse.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::claims::TokenClaims;

/// Shards, so that concurrent validations rarely wait on one lock.
const SHARDS: usize = 16;

struct Entry {
    claims: Arc<TokenClaims>,
    /// The token's `exp`: the entry is dead from then on.
    exp: u64,
}

type Shard = Mutex<HashMap<[u8; 32], Entry>>;

/// A bounded map from token hash to verified claims.
pub(super) struct TokenCache {
    shards: Box<[Shard]>,
    per_shard: usize,
}

impl TokenCache {
    /// A cache of at most `capacity` tokens (rounded up to a multiple of
    /// the shard count; at least one per shard).
    pub(super) fn new(capacity: usize) -> Self {
        let per_shard = capacity.div_ceil(SHARDS).max(1);
        let shards = (0..SHARDS)
            .map(|_| Mutex::new(HashMap::with_capacity(per_shard.min(1024))))
            .collect();
        Self { shards, per_shard }
    }

    /// The most tokens it holds.
    pub(super) fn capacity(&self) -> usize {
        self.per_shard * SHARDS
    }

    fn shard(&self, digest: &[u8; 32]) -> Option<&Shard> {
        self.shards
            .get(usize::from(digest.first().copied().unwrap_or(0)) % SHARDS)
    }

    pub(super) fn digest(token: &str) -> [u8; 32] {
        *blake3::hash(token.as_bytes()).as_bytes()
    }

    /// The claims of an already verified token, while `now < exp`. A dead
    /// entry is dropped. A poisoned lock is a miss (the caller verifies).
    pub(super) fn get(&self, digest: &[u8; 32], now: u64) -> Option<Arc<TokenClaims>> {
        let mut map = self.shard(digest)?.lock().ok()?;
        match map.get(digest) {
            Some(e) if now < e.exp => Some(Arc::clone(&e.claims)),
            Some(_) => {
                map.remove(digest);
                None
            }
            None => None,
        }
    }

    /// Remembers verified claims until their `exp`. When the shard is full,
    /// dead entries go first, then an arbitrary one.
    pub(super) fn insert(&self, digest: [u8; 32], claims: &Arc<TokenClaims>, now: u64) {
        let exp = claims.expires_at;
        if now >= exp {
            return;
        }
        let Some(shard) = self.shard(&digest) else {
            return;
        };
        let Ok(mut map) = shard.lock() else {
            return;
        };
        if map.len() >= self.per_shard && !map.contains_key(&digest) {
            map.retain(|_, e| now < e.exp);
            if map.len() >= self.per_shard
                && let Some(victim) = map.keys().next().copied()
            {
                map.remove(&victim);
            }
        }
        map.insert(
            digest,
            Entry {
                claims: Arc::clone(claims),
                exp,
            },
        );
    }

    /// How many entries (live or not yet dropped) it holds.
    pub(super) fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().map_or(0, |m| m.len()))
            .sum()
    }
}
