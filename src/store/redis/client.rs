//! The Redis connection every Redis store shares: its builder, key prefix,
//! timeout, retention and round-trip count.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::{nonce_scripts, refresh_scripts};
use crate::encoding::hex_encode;
use crate::error::{Error, Result};
use crate::id::ContextId;
use crate::member_id::MemberId;

/// The default key prefix.
pub const DEFAULT_PREFIX: &str = "keytree:";
/// The default timeout of every Redis call.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1);

/// Counters of a [`RedisStore`], shared by its clones.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RedisStoreStats {
    /// Requests sent to Redis (each one round trip; a script that Redis
    /// had to reload after a restart counts once).
    pub round_trips: u64,
}

/// Builds a [`RedisStore`].
#[derive(Clone, Debug)]
pub struct RedisStoreBuilder {
    url: String,
    prefix: String,
    timeout: Duration,
    retention: u64,
}

impl RedisStoreBuilder {
    /// The key prefix (default `keytree:`). Two deployments sharing one
    /// Redis keep apart by prefix.
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The timeout of every call, connecting included (default 1 s).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long records are kept after they expire, in seconds (default 600).
    #[must_use]
    pub fn retention(mut self, seconds: u64) -> Self {
        self.retention = seconds;
        self
    }

    /// Connects (must run inside a tokio runtime).
    ///
    /// # Errors
    /// [`Error::StoreUnavailable`] when the URL is bad or the server cannot
    /// be reached within the timeout.
    pub async fn connect(self) -> Result<RedisStore> {
        let unavailable = |e: &dyn fmt::Display| Error::StoreUnavailable(format!("redis: {e}"));
        let client = redis::Client::open(self.url.as_str()).map_err(|e| unavailable(&e))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.timeout))
            .set_response_timeout(Some(self.timeout))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(10))
            .set_max_delay(Duration::from_millis(100));
        let conn = tokio::time::timeout(
            self.timeout,
            ConnectionManager::new_with_config(client, config),
        )
        .await
        .map_err(|_| unavailable(&"connect timed out"))?
        .map_err(|e| unavailable(&e))?;
        let store = RedisStore {
            conn,
            prefix: Arc::from(self.prefix.as_str()),
            timeout: self.timeout,
            retention: self.retention,
            round_trips: Arc::new(AtomicU64::new(0)),
        };
        store.load_scripts().await?;
        Ok(store)
    }
}

/// A [`NonceStore`](crate::NonceStore) and
/// [`RefreshStore`](crate::RefreshStore) in Redis, shared by every
/// instance of a cluster. Cheap to clone (clones share the connection).
/// See the [module docs](crate::RedisStore) for keys, scripts and failure
/// behaviour. Its futures need a tokio runtime.
///
/// # Example
/// ```no_run
/// # async fn run() -> Result<(), keytree::Error> {
/// use keytree::{ChallengeIssuer, RedisStore};
/// let store = RedisStore::builder("redis://127.0.0.1:6379")
///     .prefix("myapp:")
///     .connect()
///     .await?;
/// let key = keytree::ChallengeKey::from_bytes(&[7; 32]); // from the fleet's config
/// let issuer = ChallengeIssuer::new("example.com", key, store.clone())?;
/// # let _ = issuer;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisStore {
    pub(super) conn: ConnectionManager,
    pub(super) prefix: Arc<str>,
    pub(super) timeout: Duration,
    pub(super) retention: u64,
    pub(super) round_trips: Arc<AtomicU64>,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .field("retention", &self.retention)
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// A builder for the server at `url` (`redis://host:port/db`).
    pub fn builder(url: impl Into<String>) -> RedisStoreBuilder {
        RedisStoreBuilder {
            url: url.into(),
            prefix: DEFAULT_PREFIX.into(),
            timeout: DEFAULT_TIMEOUT,
            retention: crate::store::retention::DEFAULT_RETENTION,
        }
    }

    /// Connects to `url` with the default settings.
    ///
    /// # Errors
    /// As [`RedisStoreBuilder::connect`].
    pub async fn connect(url: impl Into<String>) -> Result<Self> {
        Self::builder(url).connect().await
    }

    /// The counters, shared by all clones of this store.
    pub fn stats(&self) -> RedisStoreStats {
        RedisStoreStats {
            round_trips: self.round_trips.load(Ordering::Relaxed),
        }
    }

    pub(super) fn key(&self, kind: &str, id: &str) -> String {
        format!("{}{kind}:{id}", self.prefix)
    }

    /// How long from `now` a record that expires at `expires_at` must be
    /// kept: until its expiry plus the retention, in milliseconds, at
    /// least 1. Relative on purpose: an absolute PEXPIREAT would compare
    /// the caller's clock with Redis's (a `now` in the past would delete
    /// the record at once).
    pub(super) fn keep_for_ms(&self, expires_at: u64, now: u64) -> u64 {
        expires_at
            .saturating_add(self.retention)
            .saturating_sub(now)
            .saturating_mul(1000)
            .max(1)
    }

    /// Runs the `REVOKE_MEMBER` script for `key` in `context`: revokes
    /// every family of that member not yet revoked, giving a family key
    /// that is gone `ttl_ms` to live. `what` names the request in errors.
    /// Returns how many families it revoked.
    pub(super) fn revoke_member_families(
        &self,
        what: &'static str,
        context: &ContextId,
        member: &MemberId,
        ttl_ms: u64,
    ) -> impl Future<Output = Result<usize>> + Send {
        let member = self.key("rm", &member_part(context, member));
        async move {
            let mut conn = self.conn.clone();
            let mut invocation = refresh_scripts::REVOKE_MEMBER.key(member);
            invocation.arg(format!("{}rf:", self.prefix)).arg(ttl_ms);
            let n: i64 = self.call(what, invocation.invoke_async(&mut conn)).await?;
            Ok(usize::try_from(n).unwrap_or(0))
        }
    }

    /// Runs one request under the timeout; every failure is
    /// [`Error::StoreUnavailable`].
    pub(super) async fn call<T, F>(&self, what: &str, request: F) -> Result<T>
    where
        F: Future<Output = redis::RedisResult<T>>,
    {
        self.round_trips.fetch_add(1, Ordering::Relaxed);
        match tokio::time::timeout(self.timeout, request).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(Error::StoreUnavailable(format!("redis {what}: {e}"))),
            Err(_) => Err(Error::StoreUnavailable(format!(
                "redis {what}: timed out after {} ms",
                self.timeout.as_millis()
            ))),
        }
    }

    async fn load_scripts(&self) -> Result<()> {
        for script in [
            &*nonce_scripts::FAILURE,
            &*nonce_scripts::CONSUME,
            &*refresh_scripts::INSERT,
            &*refresh_scripts::CONSUME,
            &*refresh_scripts::REVOKE_FAMILY,
            &*refresh_scripts::REVOKE_MEMBER,
        ] {
            let mut conn = self.conn.clone();
            self.call("script load", script.prepare_invoke().load_async(&mut conn))
                .await?;
        }
        Ok(())
    }
}

/// `<context hex>:<member>` in the keys that index a member's families and
/// API keys: the member key as 64 hex digits, or a wallet-account member's
/// canonical CAIP-10 text (which always holds a `:`, so the two never
/// collide).
pub(super) fn member_part(context: &ContextId, member: &MemberId) -> String {
    match member {
        MemberId::Key(key) => format!(
            "{}:{}",
            hex_encode(context.as_bytes()),
            hex_encode(key.as_bytes())
        ),
        MemberId::Account(account) => format!("{}:{account}", hex_encode(context.as_bytes())),
    }
}
