//! Revocation: the compact set of revoked keys and delegation ids, and the
//! small read-only view of a live context that token validation consults.

use std::hash::{BuildHasher, RandomState};

use hashbrown::HashTable;

use crate::id::ContextId;
use crate::id::DelegationId;
use crate::permission::Permission;
use crate::public_key::PublicKey;
use crate::wallet::AccountId;

/// What a validator needs to know about a live context, answered in O(1).
///
/// [`crate::Context`] implements it; a server that keeps its contexts
/// elsewhere can implement it over its own store. Implemented for `&T`,
/// `Box<T>` and `Arc<T>` (including `dyn RevocationView`); those forward
/// every method, the provided ones included.
///
/// Token validation ([`crate::TokenValidator::validate_for`]) refuses a
/// token when its executor is revoked, when [`RevocationView::member_window`]
/// is `None` or does not cover the validation time (a lapsed delegation
/// refuses a token whatever its `exp`), or when a permission is no longer held.
/// A token of a wallet-account member ([`crate::MemberId::Account`]) is
/// checked the same way through [`RevocationView::account_window`] and
/// [`RevocationView::account_permissions_cover`]; their defaults answer
/// "not a member", so a view that does not know wallet members refuses
/// every account token (fail closed).
pub trait RevocationView {
    /// The context this view describes.
    fn context_id(&self) -> &ContextId;
    /// Whether `key` is revoked (permanently) in this context.
    fn is_key_revoked(&self, key: &PublicKey) -> bool;
    /// Whether the delegation `id` is revoked in this context.
    fn is_delegation_revoked(&self, id: &DelegationId) -> bool;
    /// Whether `key` is a live (unrevoked) member whose current permissions
    /// cover `permission` (the window is checked through
    /// [`RevocationView::member_window`]).
    fn live_permissions_cover(&self, key: &PublicKey, permission: &Permission) -> bool;
    /// The chain window `(not_before, expires_at)` of a live (unrevoked)
    /// member: the latest `not_before` and the earliest `expires_at` of its
    /// delegation chain, the window being `[not_before, expires_at)`. `None`
    /// when `key` is not a live member. Validators refuse a token whose
    /// executor's window does not cover `now` (with no leeway).
    fn member_window(&self, key: &PublicKey) -> Option<(u64, u64)>;
    /// The [`PublicKey`] for 32 key bytes, or `None` when they are not a
    /// valid key.
    ///
    /// Token validation calls this for the executor key it reads from a
    /// verified token. The default decodes and checks the point (about 10 µs);
    /// a view that already holds its members' keys (as [`crate::Context`]
    /// does) returns the stored key instead, which keeps validation close to
    /// the cost of the signature check alone.
    fn resolve_key(&self, key: &[u8; 32]) -> Option<PublicKey> {
        PublicKey::from_bytes(key).ok()
    }
    /// The window `(not_before, expires_at)` of a live (unrevoked)
    /// wallet-account member, `[not_before, expires_at)`, also when
    /// `account` is an account linked to that member; `None` when it is
    /// not a live member (never added, revoked, or unlinked). Validators
    /// refuse an account token whose window does not cover `now` (no
    /// leeway). The default answers `None` (fail closed).
    fn account_window(&self, account: &AccountId) -> Option<(u64, u64)> {
        let _ = account;
        None
    }
    /// Whether `account` (or the member it is linked to) is a live wallet
    /// member whose current permissions cover `permission` (the window is
    /// checked through [`RevocationView::account_window`]). The default
    /// answers `false` (fail closed).
    fn account_permissions_cover(&self, account: &AccountId, permission: &Permission) -> bool {
        let _ = (account, permission);
        false
    }
}

/// The `&T`, `Box<T>` and `Arc<T>` impls, which only forward.
macro_rules! forward_revocation_view {
    ($($ptr:ty),+) => {$(
        impl<T: RevocationView + ?Sized> RevocationView for $ptr {
            fn context_id(&self) -> &ContextId {
                (**self).context_id()
            }
            fn is_key_revoked(&self, key: &PublicKey) -> bool {
                (**self).is_key_revoked(key)
            }
            fn is_delegation_revoked(&self, id: &DelegationId) -> bool {
                (**self).is_delegation_revoked(id)
            }
            fn live_permissions_cover(&self, key: &PublicKey, permission: &Permission) -> bool {
                (**self).live_permissions_cover(key, permission)
            }
            fn member_window(&self, key: &PublicKey) -> Option<(u64, u64)> {
                (**self).member_window(key)
            }
            fn resolve_key(&self, key: &[u8; 32]) -> Option<PublicKey> {
                (**self).resolve_key(key)
            }
            fn account_window(&self, account: &AccountId) -> Option<(u64, u64)> {
                (**self).account_window(account)
            }
            fn account_permissions_cover(&self, account: &AccountId, permission: &Permission) -> bool {
                (**self).account_permissions_cover(account, permission)
            }
        }
    )+};
}

forward_revocation_view!(&T, Box<T>, std::sync::Arc<T>);

/// An insert-only set of 32-byte values (revoked keys or delegation ids).
///
/// The values live once, densely, in a `Vec`; a hashbrown table holds only
/// 4-byte indices into it. That keeps a revoked entry near 40 bytes at any
/// size (a `HashSet<[u8; 32]>` costs up to 70) with O(1) lookups. The hasher
/// is randomly keyed per set, so chosen entries cannot force collisions.
#[derive(Clone, Default)]
pub struct RevocationSet {
    values: Vec<[u8; 32]>,
    index: HashTable<u32>,
    hasher: RandomState,
}

impl RevocationSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether `value` is in the set.
    pub fn contains(&self, value: &[u8; 32]) -> bool {
        let hash = self.hasher.hash_one(value);
        self.index
            .find(hash, |&i| self.values.get(i as usize) == Some(value))
            .is_some()
    }

    /// Adds `value`; returns `false` when it was already present (or when the
    /// set is full at `u32::MAX` entries, which refuses rather than wraps).
    pub fn insert(&mut self, value: [u8; 32]) -> bool {
        if self.contains(&value) {
            return false;
        }
        let Ok(next) = u32::try_from(self.values.len()) else {
            return false;
        };
        self.values.push(value);
        let hash = self.hasher.hash_one(value);
        let values = &self.values;
        let hasher = &self.hasher;
        self.index.insert_unique(hash, next, |&i| {
            values.get(i as usize).map_or(0, |v| hasher.hash_one(v))
        });
        true
    }

    /// How many entries the set holds.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The entries in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = &[u8; 32]> {
        self.values.iter()
    }

    /// Heap bytes the set holds (the value vector's and the index table's
    /// allocations), for capacity planning.
    pub fn heap_bytes(&self) -> usize {
        self.values.capacity() * 32 + self.index.allocation_size()
    }

    /// Reserves room for `additional` more entries.
    pub fn reserve(&mut self, additional: usize) {
        self.values.reserve(additional);
        let values = &self.values;
        let hasher = &self.hasher;
        self.index.reserve(additional, |&i| {
            values.get(i as usize).map_or(0, |v| hasher.hash_one(v))
        });
    }
}

impl std::fmt::Debug for RevocationSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RevocationSet")
            .field("len", &self.values.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_and_contains() {
        let mut set = RevocationSet::new();
        for i in 0..10_000u32 {
            let mut v = [0u8; 32];
            v[..4].copy_from_slice(&i.to_be_bytes());
            assert!(set.insert(v));
            assert!(!set.insert(v));
        }
        assert_eq!(set.len(), 10_000);
        for i in 0..20_000u32 {
            let mut v = [0u8; 32];
            v[..4].copy_from_slice(&i.to_be_bytes());
            assert_eq!(set.contains(&v), i < 10_000);
        }
    }
}
