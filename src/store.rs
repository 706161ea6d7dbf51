//! Store traits for the stateful pieces, and their in-memory defaults.
//!
//! The traits are async (`impl Future + Send` return types, no runtime in the
//! core), so that a networked backend (the Redis one, feature `redis`, comes
//! later) implements the same trait as the in-memory store. A store that
//! cannot reach its backend returns [`TokenError::StoreUnavailable`], and
//! every caller fails closed on it.
//!
//! [`TokenError::StoreUnavailable`]: crate::TokenError::StoreUnavailable

mod memory;

use std::future::Future;
use std::sync::Arc;

pub use memory::MemoryRefreshStore;

use crate::context::ContextId;
use crate::error::Result;
use crate::public_key::PublicKey;
use crate::token::{FamilyId, RefreshHash, RefreshRecord};

/// Where refresh tokens live, by hash, grouped in families.
///
/// The contract (each method is one atomic step, also across the instances
/// of a cluster that share the store):
///
/// - [`insert`](Self::insert) stores a new, unspent record under its hash.
/// - [`consume`](Self::consume) spends a token exactly once: it returns the
///   record and marks it spent when the hash is known, unspent, unexpired
///   (`now < expires_at`) and its family is not revoked. Otherwise it
///   refuses with [`TokenError::RefreshUnknown`], [`TokenError::RefreshExpired`]
///   or [`TokenError::RefreshRevoked`]; and a token that was **already
///   spent** revokes its whole family and refuses with
///   [`TokenError::RefreshReused`]. Spent records must be kept until they
///   expire, so that reuse is recognised.
/// - [`revoke_family`](Self::revoke_family) revokes every token of a family,
///   present and future.
/// - [`revoke_member`](Self::revoke_member) revokes every family of a member
///   key in a context and returns how many it revoked.
///
/// Implemented for `&T`, `Box<T>` and `Arc<T>`. The trait uses `impl Future`
/// return types, so it is not object-safe; wrap a concrete store instead of
/// a `dyn` one.
///
/// [`TokenError::RefreshUnknown`]: crate::TokenError::RefreshUnknown
/// [`TokenError::RefreshExpired`]: crate::TokenError::RefreshExpired
/// [`TokenError::RefreshRevoked`]: crate::TokenError::RefreshRevoked
/// [`TokenError::RefreshReused`]: crate::TokenError::RefreshReused
pub trait RefreshStore: Send + Sync {
    /// Stores a new, unspent record.
    ///
    /// # Errors
    /// [`crate::TokenError::StoreUnavailable`] when the store fails.
    fn insert(
        &self,
        hash: RefreshHash,
        record: RefreshRecord,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Spends the token with this hash, once (see the trait docs).
    ///
    /// # Errors
    /// The refusals listed in the trait docs, or
    /// [`crate::TokenError::StoreUnavailable`].
    fn consume(
        &self,
        hash: &RefreshHash,
        now: u64,
    ) -> impl Future<Output = Result<RefreshRecord>> + Send;

    /// Revokes a whole family.
    ///
    /// # Errors
    /// [`crate::TokenError::StoreUnavailable`] when the store fails.
    fn revoke_family(&self, family: &FamilyId) -> impl Future<Output = Result<()>> + Send;

    /// Revokes every family of `key` in `context`; returns how many.
    ///
    /// # Errors
    /// [`crate::TokenError::StoreUnavailable`] when the store fails.
    fn revoke_member(
        &self,
        context: &ContextId,
        key: &PublicKey,
    ) -> impl Future<Output = Result<usize>> + Send;
}

macro_rules! forward_refresh_store {
    ($($ty:ty),*) => {$(
        impl<T: RefreshStore + ?Sized> RefreshStore for $ty {
            fn insert(
                &self,
                hash: RefreshHash,
                record: RefreshRecord,
            ) -> impl Future<Output = Result<()>> + Send {
                (**self).insert(hash, record)
            }
            fn consume(
                &self,
                hash: &RefreshHash,
                now: u64,
            ) -> impl Future<Output = Result<RefreshRecord>> + Send {
                (**self).consume(hash, now)
            }
            fn revoke_family(&self, family: &FamilyId) -> impl Future<Output = Result<()>> + Send {
                (**self).revoke_family(family)
            }
            fn revoke_member(
                &self,
                context: &ContextId,
                key: &PublicKey,
            ) -> impl Future<Output = Result<usize>> + Send {
                (**self).revoke_member(context, key)
            }
        }
    )*};
}

forward_refresh_store!(&T, Box<T>, Arc<T>);
