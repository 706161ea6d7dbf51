//! The implementations of the stores the domains define: the login
//! challenges' [`NonceStore`](crate::NonceStore) (in `challenge`), the refresh tokens'
//! [`RefreshStore`](crate::RefreshStore) and API keys' stores (in `token`) and the
//! context log's [`ContextStore`](crate::ContextStore), in memory and on Redis.
//!
//! The traits are async (`impl Future + Send` return types, no runtime in the
//! core), so that a networked backend implements the same trait as the
//! in-memory store:
//!
//! | store | holds | in memory | shared (feature `redis`) |
//! |---|---|---|---|
//! | [`NonceStore`](crate::NonceStore) | spent and failed login-challenge nonces | [`MemoryNonceStore`] | `RedisStore` |
//! | [`RefreshStore`](crate::RefreshStore) | refresh-token families | [`MemoryRefreshStore`] | `RedisStore` |
//! | [`ContextStore`](crate::ContextStore) | context logs | [`MemoryContextStore`] | `RedisContextStore` |
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
mod memory_api_key;
mod memory_context;
mod memory_nonce;
#[cfg(feature = "redis")]
mod redis;
mod retention;

pub use memory::MemoryRefreshStore;
pub use memory_api_key::MemoryApiKeyStore;
pub use memory_context::MemoryContextStore;
pub use memory_nonce::{DEFAULT_MAX_NONCE_ENTRIES, MemoryNonceStore, NONCE_ENTRY_BYTES};
pub use retention::DEFAULT_RETENTION;

#[cfg(feature = "redis")]
pub use redis::{
    RedisContextStore, RedisContextStoreBuilder, RedisStore, RedisStoreBuilder, RedisStoreStats,
};
