//! [`ContextStore`] on Redis: one stream per context plus a head key.
//!
//! # Keys
//!
//! | key | type | holds |
//! |---|---|---|
//! | `<prefix>ctx:{<context id base58>}:log` | stream | the ops, entry id `<seq>-1`, one field `o`: the op's compact binary form ([`crate::ContextOp::to_bytes`]) |
//! | `<prefix>ctx:{<context id base58>}:head` | string | the head op's 32-byte hash |
//!
//! Both keys of a context carry the same hash tag (`{<context id>}`), so
//! they live in one slot: a context's append script touches one shard, and
//! contexts spread across the shards of a Redis Cluster by id.
//!
//! # Append, read, wait
//!
//! - Append is one Lua script: it compares the op's sequence number with
//!   the stream length and its `prev` with the head key, and only then
//!   `XADD`s the op and sets the head. Concurrent appends on one head:
//!   exactly one wins, the others get the new head back.
//! - Read is one `XRANGE` from `<from>-1`, up to the batch size (a
//!   catch-up asks for 1,024 ops, about 0.6 MB of add-member ops); the page
//!   is decoded on all cores, since decoding checks every key it meets (a
//!   member's key is new in each add-member op) and each check costs about
//!   as much as a signature check.
//! - Waiting is a blocking `XREAD BLOCK` after `<seq>-1` on a connection
//!   of its own (from a small pool: a blocking read would hold up every
//!   other command on a shared, multiplexed connection), so a new op
//!   reaches every waiting replica in about one round trip, with no
//!   polling.
//!
//! # Durability
//!
//! The log is the source of truth of membership and revocation; run its
//! Redis with `appendonly yes`, `appendfsync always` (an acknowledged
//! append is on disk), `maxmemory-policy noeviction` (an evicted log is a
//! lost revocation), and one primary, or Sentinel with
//! `min-replicas-to-write` so that a failover cannot drop acknowledged
//! ops. Replicas notice a lost op (a log that no longer holds the op at
//! their head) and fail closed rather than follow it.

use std::fmt;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Script};

use super::client::RedisStore;
use crate::context::ContextOp;
use crate::context_store::{AppendOutcome, ContextStore, StoreHead, decode_ops};
use crate::error::{ContextError, Error, Result};
use crate::id::{ContextId, OpHash};

/// KEYS: log stream, head. ARGV: seq, prev hash, op hash, op bytes.
/// Returns {1, length, head} when appended, {0, length, head} on conflict.
static APPEND: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local n = redis.call('XLEN', KEYS[1])
local head = redis.call('GET', KEYS[2]) or ''
if tonumber(ARGV[1]) ~= n or (n > 0 and head ~= ARGV[2]) then
  return {0, n, head}
end
redis.call('XADD', KEYS[1], ARGV[1] .. '-1', 'o', ARGV[4])
redis.call('SET', KEYS[2], ARGV[3])
return {1, n + 1, ARGV[3]}
",
    )
});

/// Blocking connections kept for reuse.
const MAX_IDLE_BLOCKING: usize = 16;

/// Builds a [`RedisContextStore`].
#[derive(Clone, Debug)]
pub struct RedisContextStoreBuilder {
    url: String,
    prefix: String,
    timeout: Duration,
}

impl RedisContextStoreBuilder {
    /// The key prefix (default `keytree:`).
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The timeout of every call, connecting included (default 1 s); a
    /// wait gets its own wait time on top.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Connects (must run inside a tokio runtime).
    ///
    /// # Errors
    /// [`Error::StoreUnavailable`] when the URL is bad or the server cannot
    /// be reached within the timeout.
    pub async fn connect(self) -> Result<RedisContextStore> {
        let client = redis::Client::open(self.url.as_str())
            .map_err(|e| Error::StoreUnavailable(format!("redis: {e}")))?;
        let base = RedisStore::builder(self.url)
            .prefix(self.prefix)
            .timeout(self.timeout)
            .connect()
            .await?;
        let store = RedisContextStore {
            base,
            client,
            idle: Arc::new(Mutex::new(Vec::new())),
        };
        let mut conn = store.base.conn.clone();
        store
            .base
            .call("script load", APPEND.prepare_invoke().load_async(&mut conn))
            .await?;
        Ok(store)
    }
}

/// A [`ContextStore`] in Redis, shared by every instance of a fleet. Cheap
/// to clone (clones share the connections). Its futures need a tokio
/// runtime. See [`crate::ContextReplica`] for how instances use it, and the
/// crate's README for the Redis settings it needs.
///
/// Keys: `<prefix>ctx:{<context id>}:log` (a stream of ops in their compact
/// binary form, entry id `<seq>-1`) and `<prefix>ctx:{<context id>}:head`
/// (the head op's hash); the `{…}` hash tag keeps a context in one Redis
/// Cluster slot. Append is one Lua script (compare the head, `XADD`, set
/// the head); waiting is a blocking `XREAD` on a pooled connection of its
/// own. Every call runs under the timeout (default 1 s) and fails closed
/// with [`Error::StoreUnavailable`].
///
/// # Example
/// ```no_run
/// # async fn run() -> Result<(), keytree::Error> {
/// use keytree::{ContextId, ContextReplica, RedisContextStore};
/// let store = RedisContextStore::connect("redis://127.0.0.1:6379").await?;
/// let replica = ContextReplica::open_now(store, ContextId::from_bytes([1; 32])).await?;
/// # let _ = replica;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisContextStore {
    base: RedisStore,
    client: redis::Client,
    idle: Arc<Mutex<Vec<MultiplexedConnection>>>,
}

impl fmt::Debug for RedisContextStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisContextStore")
            .field("prefix", &self.base.prefix)
            .field("timeout", &self.base.timeout)
            .finish_non_exhaustive()
    }
}

impl RedisContextStore {
    /// A builder for the server at `url` (`redis://host:port/db`).
    pub fn builder(url: impl Into<String>) -> RedisContextStoreBuilder {
        RedisContextStoreBuilder {
            url: url.into(),
            prefix: super::client::DEFAULT_PREFIX.into(),
            timeout: super::client::DEFAULT_TIMEOUT,
        }
    }

    /// Connects to `url` with the default settings.
    ///
    /// # Errors
    /// As [`RedisContextStoreBuilder::connect`].
    pub async fn connect(url: impl Into<String>) -> Result<Self> {
        Self::builder(url).connect().await
    }

    /// The stream key of `context`'s log.
    pub fn log_key(&self, context: &ContextId) -> String {
        format!("{}ctx:{{{context}}}:log", self.base.prefix)
    }

    /// The key of `context`'s head hash.
    pub fn head_key(&self, context: &ContextId) -> String {
        format!("{}ctx:{{{context}}}:head", self.base.prefix)
    }

    async fn blocking_connection(&self) -> Result<MultiplexedConnection> {
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        if let Some(conn) = idle {
            return Ok(conn);
        }
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(self.base.timeout))
            .set_response_timeout(None);
        self.base
            .call(
                "connect",
                self.client
                    .get_multiplexed_async_connection_with_config(&config),
            )
            .await
    }

    async fn wait_inner(&self, context: &ContextId, after_seq: u64, wait: Duration) -> Result<()> {
        let mut conn = self.blocking_connection().await?;
        let block_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX).max(1);
        let mut command = redis::cmd("XREAD");
        command
            .arg("BLOCK")
            .arg(block_ms)
            .arg("COUNT")
            .arg(1)
            .arg("STREAMS")
            .arg(self.log_key(context))
            .arg(format!("{after_seq}-1"));
        let request = command.query_async::<redis::Value>(&mut conn);
        let limit = wait.saturating_add(self.base.timeout);
        match tokio::time::timeout(limit, request).await {
            Ok(Ok(_)) => {
                if let Ok(mut idle) = self.idle.lock()
                    && idle.len() < MAX_IDLE_BLOCKING
                {
                    idle.push(conn);
                }
                Ok(())
            }
            Ok(Err(e)) => Err(Error::StoreUnavailable(format!("redis context wait: {e}"))),
            Err(_) => Err(Error::StoreUnavailable(format!(
                "redis context wait: timed out after {} ms",
                limit.as_millis()
            ))),
        }
    }
}

fn corrupt(what: &str) -> Error {
    Error::StoreUnavailable(format!("redis context store: {what}"))
}

fn head_from(len: u64, hash: &[u8]) -> Result<Option<StoreHead>> {
    if len == 0 {
        return Ok(None);
    }
    let hash: [u8; 32] = hash.try_into().map_err(|_| corrupt("bad head key"))?;
    Ok(Some(StoreHead {
        seq: len - 1,
        hash: OpHash::from_bytes(hash),
    }))
}

impl ContextStore for RedisContextStore {
    async fn append(&self, op: &ContextOp) -> Result<AppendOutcome> {
        let mut conn = self.base.conn.clone();
        let mut invocation = APPEND.key(self.log_key(op.context_id()));
        invocation
            .key(self.head_key(op.context_id()))
            .arg(op.seq())
            .arg(op.prev().as_bytes().as_slice())
            .arg(op.hash().as_bytes().as_slice())
            .arg(op.to_bytes());
        let (code, len, head): (i64, u64, Vec<u8>) = self
            .base
            .call("context append", invocation.invoke_async(&mut conn))
            .await?;
        match code {
            1 => Ok(AppendOutcome::Appended),
            0 => Ok(AppendOutcome::Conflict {
                head: head_from(len, &head)?,
            }),
            _ => Err(corrupt("unexpected script reply")),
        }
    }

    async fn read(&self, context: &ContextId, from_seq: u64, max: usize) -> Result<Vec<ContextOp>> {
        if max == 0 {
            return Ok(Vec::new());
        }
        let mut conn = self.base.conn.clone();
        let entries: Vec<(String, Vec<Vec<u8>>)> = self
            .base
            .call(
                "context read",
                redis::cmd("XRANGE")
                    .arg(self.log_key(context))
                    .arg(format!("{from_seq}-1"))
                    .arg("+")
                    .arg("COUNT")
                    .arg(max)
                    .query_async(&mut conn),
            )
            .await?;
        let refused = |seq: u64, reason: Error| -> Error {
            ContextError::StoreLogRefused {
                seq,
                reason: Box::new(reason),
            }
            .into()
        };
        let mut seqs = Vec::with_capacity(entries.len());
        let mut blobs: Vec<&[u8]> = Vec::with_capacity(entries.len());
        for (entry_id, fields) in &entries {
            let seq = entry_id
                .strip_suffix("-1")
                .and_then(|s| s.parse::<u64>().ok())
                .ok_or_else(|| refused(from_seq, corrupt("bad stream entry id")))?;
            let bytes = match fields.as_slice() {
                [name, bytes] if name.as_slice() == b"o" => bytes,
                _ => return Err(refused(seq, corrupt("bad stream entry"))),
            };
            seqs.push(seq);
            blobs.push(bytes);
        }
        // Decoding checks every key (a member's is new in each add-member
        // op), so a page is decoded on all cores.
        let mut ops = Vec::with_capacity(blobs.len());
        for (seq, op) in seqs.into_iter().zip(decode_ops(&blobs)) {
            let op = op.map_err(|e| refused(seq, e))?;
            if op.seq() != seq || op.context_id() != context {
                return Err(refused(seq, ContextError::BrokenHashChain.into()));
            }
            ops.push(op);
        }
        Ok(ops)
    }

    async fn wait_for(&self, context: &ContextId, after_seq: u64, timeout: Duration) -> Result<()> {
        let started = Instant::now();
        let result = self.wait_inner(context, after_seq, timeout).await;
        if result.is_err() {
            // Do not let a follower spin while the server is away.
            let left = timeout.saturating_sub(started.elapsed());
            tokio::time::sleep(left).await;
        }
        result
    }
}
