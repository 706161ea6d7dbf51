//! The Redis backend (feature `redis`): one [`RedisStore`] is the
//! [`NonceStore`](crate::NonceStore), [`RefreshStore`](crate::RefreshStore),
//! [`SessionStore`](crate::SessionStore) and
//! [`ApiKeyStore`](crate::ApiKeyStore) that every instance of a cluster
//! shares.
//!
//! # Keys
//!
//! All keys live under a configurable prefix (default `keytree:`):
//!
//! | key | type | holds |
//! |---|---|---|
//! | `<prefix>n:<nonce hex>` | string | a redeemed nonce (`S`) or the failed attempts of a MAC-checked nonce (decimal), until its challenge expires |
//! | `<prefix>rt:<token hash hex>` | hash | a refresh token: `r` record JSON, `f` family, `e` expiry, `s` spent, `sa` spent at, `n` successor hash (for retries) |
//! | `<prefix>rf:<family hex>` | hash | a refresh family: `v` revoked (`0`/`1`) |
//! | `<prefix>rm:<context hex>:<member>` | set | the families of a member in a context |
//! | `<prefix>ak:<api key id hex>` | string | an API key record (JSON, with the keyed hash of its secret), until its expiry plus the retention |
//! | `<prefix>ako:<context hex>:<member>` | set | the API key ids of an owner in a context |
//!
//! `<member>` is a member key's 64 hex digits, or a wallet-account
//! member's primary account in canonical CAIP-10 text (which always holds
//! a `:`, so the two forms never collide). The record JSON is that of
//! [`RefreshRecord`](crate::RefreshRecord) and
//! [`ApiKeyRecord`](crate::ApiKeyRecord): a key member's records have no
//! `v` member (version 1, the form written before wallet-account members
//! existed), a wallet-account member's have `"v":2` and `account`; a
//! record of any other version, or whose member fields do not match its
//! version, is refused as corrupt ([`Error::StoreUnavailable`](crate::Error::StoreUnavailable)):
//! the request fails closed.
//!
//! It is also the [`SessionStore`](crate::SessionStore) (a session is a
//! refresh family: `rf:` keys; a session check is one `HGET`, a missing
//! family counts as revoked) and the [`ApiKeyStore`](crate::ApiKeyStore)
//! (a lookup is one `GET`).
//!
//! Every key carries a TTL, always set relative to the caller's `now`
//! (`PX`/`PEXPIRE`, never an absolute `PEXPIREAT` against Redis's clock): a
//! nonce key lives until its challenge expires (issuing writes nothing, so
//! nonce keys grow only with redemptions, at most one key per redeemed or
//! failed nonce per challenge lifetime); a refresh record lives until it
//! expires plus the retention time (default 600 s), so late or repeated use
//! is told "expired" or "reused", not "unknown". Configure the server with
//! `maxmemory-policy noeviction`: an evicted family key would forget a
//! revocation (the scripts treat a missing family as revoked, but an
//! eviction policy is still a way to lose state).
//!
//! # Atomicity and round trips
//!
//! - Issuing a challenge touches no key.
//! - Redeeming one is two round trips: a `GET` (attempts so far) before
//!   verification, and after it one Lua script (`EVALSHA`) that checks
//!   spent / attempts and sets the spent mark, so of any number of
//!   concurrent redeemers exactly one wins. A failed verification runs the
//!   script that increments the attempt counter instead.
//! - Refresh insert, consume (with reuse detection revoking the family),
//!   family revocation and member revocation are one Lua script each.
//! - The scripts touch keys they compute from the record (the family of a
//!   token), so the refresh store needs a single Redis server (or a
//!   primary with replicas / Sentinel), not Redis Cluster. The nonce store
//!   uses one key per call and works anywhere.
//!
//! # Failures
//!
//! Every call runs under a timeout (default 1 s, `tokio::time::timeout`);
//! an unreachable server, a dropped connection, a timeout, a script error
//! or a record that does not decode all return
//! [`Error::StoreUnavailable`] — never an accept. The connection
//! reconnects by itself when the server comes back.

mod api_key;
mod client;
mod context;
mod nonce;
mod nonce_scripts;
mod refresh;
mod refresh_scripts;
mod session;

pub use client::{RedisStore, RedisStoreBuilder, RedisStoreStats};
pub use context::{RedisContextStore, RedisContextStoreBuilder};
