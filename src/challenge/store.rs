//! The port the login challenges need: where challenges live until they
//! are redeemed or expire. `crate::store` implements it (memory, Redis).

use std::future::Future;
use std::sync::Arc;

use super::nonce::ChallengeNonce;
use crate::error::Result;

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
