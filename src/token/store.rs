//! The port refresh tokens need: where refresh-token families live.
//! `crate::store` implements it (memory, Redis).

use std::future::Future;
use std::sync::Arc;

use super::refresh::{FamilyId, RefreshHash, RefreshRecord};
use crate::error::Result;
use crate::id::ContextId;
use crate::member_id::MemberId;

/// Where refresh tokens live, by hash, grouped in families.
///
/// The contract (each method is one atomic step, also across the instances
/// of a cluster that share the store):
///
/// - [`insert`](Self::insert) stores a new, unspent record under its hash,
///   kept until `expires_at` (plus any retention) counted from `now` as a
///   relative lifetime, never as an absolute time on the backend's clock.
///   A hash that is already stored (a successor superseded by a retry
///   before it was inserted) is refused with [`TokenError::RefreshReused`]
///   and left as it is.
/// - [`consume`](Self::consume) spends a token exactly once: it returns the
///   record, marks it spent at `now` and remembers `successor` (the hash of
///   the token it is rotated to) when the hash is known, unspent, unexpired
///   (`now < expires_at`) and its family is not revoked. Otherwise it
///   refuses with [`TokenError::RefreshUnknown`], [`TokenError::RefreshExpired`]
///   or [`TokenError::RefreshRevoked`]; and a token that was **already
///   spent** revokes its whole family and refuses with
///   [`TokenError::RefreshReused`] — except a **retry**: a token spent less
///   than `grace` seconds before `now` whose remembered successor was never
///   consumed. A retry returns the record again (so the caller mints one
///   new pair), marks the old successor spent (stored as a spent record if
///   it was never inserted, so its later use is reuse and revokes the
///   family) and remembers the new `successor` instead. At most one
///   successor of a token is ever live. Spent records must be kept until
///   they expire, so that reuse is recognised.
/// - [`revoke_family`](Self::revoke_family) revokes every token of a family,
///   present and future.
/// - [`revoke_member`](Self::revoke_member) revokes every family of a member
///   (a key, or a wallet account by its primary account) in a context and returns how many it revoked.
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
    /// [`crate::Error::StoreUnavailable`] when the store fails.
    fn insert(
        &self,
        hash: RefreshHash,
        record: RefreshRecord,
        now: u64,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Spends the token with this hash, once, rotating it to `successor`;
    /// a retry within `grace` seconds is answered again (see the trait docs).
    ///
    /// # Errors
    /// The refusals listed in the trait docs, or
    /// [`crate::Error::StoreUnavailable`].
    fn consume(
        &self,
        hash: &RefreshHash,
        successor: &RefreshHash,
        now: u64,
        grace: u64,
    ) -> impl Future<Output = Result<RefreshRecord>> + Send;

    /// Revokes a whole family.
    ///
    /// # Errors
    /// [`crate::Error::StoreUnavailable`] when the store fails.
    fn revoke_family(&self, family: &FamilyId) -> impl Future<Output = Result<()>> + Send;

    /// Revokes every family of `member` in `context`; returns how many.
    ///
    /// # Errors
    /// [`crate::Error::StoreUnavailable`] when the store fails.
    fn revoke_member(
        &self,
        context: &ContextId,
        member: &MemberId,
    ) -> impl Future<Output = Result<usize>> + Send;
}

macro_rules! forward_refresh_store {
    ($($ty:ty),*) => {$(
        impl<T: RefreshStore + ?Sized> RefreshStore for $ty {
            fn insert(
                &self,
                hash: RefreshHash,
                record: RefreshRecord,
                now: u64,
            ) -> impl Future<Output = Result<()>> + Send {
                (**self).insert(hash, record, now)
            }
            fn consume(
                &self,
                hash: &RefreshHash,
                successor: &RefreshHash,
                now: u64,
                grace: u64,
            ) -> impl Future<Output = Result<RefreshRecord>> + Send {
                (**self).consume(hash, successor, now, grace)
            }
            fn revoke_family(&self, family: &FamilyId) -> impl Future<Output = Result<()>> + Send {
                (**self).revoke_family(family)
            }
            fn revoke_member(
                &self,
                context: &ContextId,
                member: &MemberId,
            ) -> impl Future<Output = Result<usize>> + Send {
                (**self).revoke_member(context, member)
            }
        }
    )*};
}

forward_refresh_store!(&T, Box<T>, Arc<T>);
