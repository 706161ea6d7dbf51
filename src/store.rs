//! Store traits for the stateful pieces, and their implementations.
//!
//! The traits are async (`impl Future + Send` return types, no runtime in the
//! core), so that a networked backend implements the same trait as the
//! in-memory store:
//!
//! | store | holds | in memory | shared (feature `redis`) |
//! |---|---|---|---|
//! | [`NonceStore`] | spent and failed login-challenge nonces | [`MemoryNonceStore`] | `RedisStore` |
//! | [`RefreshStore`] | refresh-token families | [`MemoryRefreshStore`] | `RedisStore` |
//!
//! The in-memory stores serve one process; a server that runs several
//! instances needs the shared store, so that a nonce or a refresh token is
//! spent once across the whole cluster.
//!
//! Every store fails closed: a store that fails, cannot reach its backend
//! or times out returns [`Error::StoreUnavailable`] and changes nothing
//! that would let a later call accept.
//!
//! [`Error::StoreUnavailable`]: crate::Error::StoreUnavailable

mod memory;
mod memory_nonce;
#[cfg(feature = "redis")]
mod redis;

use std::future::Future;
use std::sync::Arc;

pub use memory::MemoryRefreshStore;
pub use memory_nonce::{DEFAULT_MAX_NONCE_ENTRIES, MemoryNonceStore, NONCE_ENTRY_BYTES};

/// How long a store keeps a refresh record after it expires, by default
/// (seconds), so that late use is told "expired" or "reused", not "unknown".
pub const DEFAULT_RETENTION: u64 = 600;
#[cfg(feature = "redis")]
pub use redis::{RedisStore, RedisStoreBuilder, RedisStoreStats};

use crate::challenge::ChallengeNonce;
use crate::context::ContextId;
use crate::error::Result;
use crate::public_key::PublicKey;
use crate::token::{FamilyId, RefreshHash, RefreshRecord};

/// What keytree remembers of login challenges: only nonces that were
/// redeemed, or that failed a redemption, and only until they expire.
///
/// Issuing a challenge stores nothing (its nonce carries its own times and
/// a MAC, see [`crate::ChallengeIssuer`]), and the issuer calls the store
/// only for nonces whose MAC it has checked, so no unauthenticated request
/// can create an entry for a nonce the server did not issue.
///
/// The contract (each method is one atomic step, also across the instances
/// of a cluster that share the store; `now` and `expires_at` are unix
/// seconds; an entry is kept at least until `expires_at`, measured from
/// `now` as a relative lifetime, and may be dropped after):
///
/// - [`attempts`](Self::attempts) returns the failed attempts recorded for
///   a nonce (0 when none), or refuses with
///   [`ChallengeError::AlreadySpent`] when it was redeemed.
/// - [`record_failure`](Self::record_failure) adds one failed attempt and
///   returns the new count; refuses a spent nonce as `attempts` does. A
///   bounded store that cannot keep the count may refuse with
///   [`ChallengeError::StoreFull`].
/// - [`consume`](Self::consume) marks a nonce spent, exactly once: of any
///   number of concurrent calls for one nonce, one succeeds and the others
///   get [`ChallengeError::AlreadySpent`]; a nonce with `max_attempts` or
///   more failed attempts is refused with
///   [`ChallengeError::TooManyAttempts`]. A bounded store that cannot keep
///   the spent mark refuses with [`ChallengeError::StoreFull`] (never
///   accepts without it).
///
/// Implemented for `&T`, `Box<T>` and `Arc<T>`. The trait uses `impl Future`
/// return types, so it is not object-safe; wrap a concrete store instead of
/// a `dyn` one.
///
/// [`ChallengeError::StoreFull`]: crate::ChallengeError::StoreFull
/// [`ChallengeError::TooManyAttempts`]: crate::ChallengeError::TooManyAttempts
/// [`ChallengeError::AlreadySpent`]: crate::ChallengeError::AlreadySpent
pub trait NonceStore: Send + Sync {
    /// The failed attempts recorded for `nonce`.
    ///
    /// # Errors
    /// The refusals in the trait docs, or [`crate::Error::StoreUnavailable`].
    fn attempts(
        &self,
        nonce: &ChallengeNonce,
        now: u64,
    ) -> impl Future<Output = Result<u32>> + Send;

    /// Counts one failed attempt, kept until `expires_at`; returns the count.
    ///
    /// # Errors
    /// The refusals in the trait docs, or [`crate::Error::StoreUnavailable`].
    fn record_failure(
        &self,
        nonce: &ChallengeNonce,
        expires_at: u64,
        now: u64,
    ) -> impl Future<Output = Result<u32>> + Send;

    /// Spends the nonce, once, remembering it until `expires_at`.
    ///
    /// # Errors
    /// The refusals in the trait docs, or [`crate::Error::StoreUnavailable`].
    fn consume(
        &self,
        nonce: &ChallengeNonce,
        expires_at: u64,
        max_attempts: u32,
        now: u64,
    ) -> impl Future<Output = Result<()>> + Send;
}

macro_rules! forward_nonce_store {
    ($($ty:ty),*) => {$(
        impl<T: NonceStore + ?Sized> NonceStore for $ty {
            fn attempts(
                &self,
                nonce: &ChallengeNonce,
                now: u64,
            ) -> impl Future<Output = Result<u32>> + Send {
                (**self).attempts(nonce, now)
            }
            fn record_failure(
                &self,
                nonce: &ChallengeNonce,
                expires_at: u64,
                now: u64,
            ) -> impl Future<Output = Result<u32>> + Send {
                (**self).record_failure(nonce, expires_at, now)
            }
            fn consume(
                &self,
                nonce: &ChallengeNonce,
                expires_at: u64,
                max_attempts: u32,
                now: u64,
            ) -> impl Future<Output = Result<()>> + Send {
                (**self).consume(nonce, expires_at, max_attempts, now)
            }
        }
    )*};
}

forward_nonce_store!(&T, Box<T>, Arc<T>);

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

    /// Revokes every family of `key` in `context`; returns how many.
    ///
    /// # Errors
    /// [`crate::Error::StoreUnavailable`] when the store fails.
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
                key: &PublicKey,
            ) -> impl Future<Output = Result<usize>> + Send {
                (**self).revoke_member(context, key)
            }
        }
    )*};
}

forward_refresh_store!(&T, Box<T>, Arc<T>);
