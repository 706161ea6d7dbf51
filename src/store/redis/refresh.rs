//! [`RefreshStore`] on Redis: a hash per token, a hash per family, a set of
//! families per member; every operation one Lua script.

use std::future::Future;
use std::sync::LazyLock;

use redis::Script;

use super::RedisStore;
use crate::encoding::hex_encode;
use crate::error::{Error, Result, TokenError};
use crate::id::ContextId;
use crate::public_key::PublicKey;
use crate::token::RefreshStore;
use crate::token::{FamilyId, RefreshHash, RefreshRecord};

/// KEYS: token, family, member. ARGV: record JSON, family hex, expires_at,
/// keep-for (ms, relative: the caller's `expires_at + retention - now`, so
/// neither the caller's nor Redis's clock is read against the other).
/// The family and member keys live at least as long as the token; a
/// revoked family stays revoked. Returns 0, changing nothing, when the token
/// key exists (a successor superseded by a retry before it was inserted).
pub(super) static INSERT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'r', ARGV[1], 'f', ARGV[2], 'e', ARGV[3], 's', '0')
local want = tonumber(ARGV[4])
if want < 1 then want = 1 end
redis.call('PEXPIRE', KEYS[1], want)
redis.call('HSETNX', KEYS[2], 'v', '0')
redis.call('SADD', KEYS[3], ARGV[2])
for i = 2, 3 do
  local p = redis.call('PTTL', KEYS[i])
  if p == -1 or p < want then redis.call('PEXPIRE', KEYS[i], want) end
end
return 1
",
    )
});

/// KEYS: token. ARGV: now, family key prefix, successor hash hex, grace
/// (s), token key prefix. Returns `{code, json}`: 0 unknown, 1 reused
/// (family now revoked), 2 revoked, 3 expired, 4 spent now (with the
/// record). A missing family counts as revoked. The token hash keeps `sa`
/// (spent at) and `n` (successor hex): a spent token within the grace
/// window whose successor is not spent is a retry — the successor is marked
/// spent (created as a spent copy if it was never inserted), `n` becomes
/// the new successor, and the record is returned with code 4.
pub(super) static CONSUME: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local t = redis.call('HMGET', KEYS[1], 'r', 'f', 'e', 's', 'sa', 'n')
if not t[1] then return {0, ''} end
local fk = ARGV[2] .. t[2]
local now = tonumber(ARGV[1])
local retry = nil
if t[4] == '1' and t[5] and t[6] and now < tonumber(t[5]) + tonumber(ARGV[4]) then
  local nk = ARGV[5] .. t[6]
  if redis.call('HGET', nk, 's') ~= '1' then retry = nk end
end
if t[4] == '1' and not retry then
  redis.call('HSET', fk, 'v', '1')
  local p = redis.call('PTTL', fk)
  local tp = redis.call('PTTL', KEYS[1])
  if (p == -1 or p < tp) and tp > 0 then redis.call('PEXPIRE', fk, tp) end
  return {1, ''}
end
if redis.call('HGET', fk, 'v') ~= '0' then return {2, ''} end
if now >= tonumber(t[3]) then return {3, ''} end
if retry then
  redis.call('HSET', retry, 'r', t[1], 'f', t[2], 'e', t[3], 's', '1')
  local tp = redis.call('PTTL', KEYS[1])
  if tp > 0 and redis.call('PTTL', retry) < tp then redis.call('PEXPIRE', retry, tp) end
  redis.call('HSET', KEYS[1], 'n', ARGV[3])
  return {4, t[1]}
end
redis.call('HSET', KEYS[1], 's', '1', 'sa', ARGV[1], 'n', ARGV[3])
return {4, t[1]}
",
    )
});

/// KEYS: family. ARGV: TTL (ms) for a family not seen before.
pub(super) static REVOKE_FAMILY: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
redis.call('HSET', KEYS[1], 'v', '1')
if redis.call('PTTL', KEYS[1]) == -1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return 1
",
    )
});

/// KEYS: member. ARGV: family key prefix, TTL (ms) for a family key that
/// is gone. Returns how many families it revoked.
pub(super) static REVOKE_MEMBER: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local n = 0
for _, f in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local fk = ARGV[1] .. f
  if redis.call('HGET', fk, 'v') ~= '1' then
    redis.call('HSET', fk, 'v', '1')
    if redis.call('PTTL', fk) == -1 then redis.call('PEXPIRE', fk, ARGV[2]) end
    n = n + 1
  end
end
return n
",
    )
});

impl RedisStore {
    fn token_prefix(&self) -> String {
        format!("{}rt:", self.prefix)
    }

    fn family_prefix(&self) -> String {
        format!("{}rf:", self.prefix)
    }

    /// How long a family key lives when it is revoked before any of its
    /// tokens is seen: the longest refresh lifetime plus the retention.
    fn unknown_family_ttl_ms(&self) -> u64 {
        crate::token::DEFAULT_REFRESH_TTL
            .saturating_add(self.retention)
            .saturating_mul(1000)
    }
}

impl RefreshStore for RedisStore {
    async fn insert(&self, hash: RefreshHash, record: RefreshRecord, now: u64) -> Result<()> {
        let json = serde_json::to_string(&record)
            .map_err(|e| Error::StoreUnavailable(format!("redis: encoding record: {e}")))?;
        let family = record.family().to_string();
        let member = format!(
            "{}:{}",
            hex_encode(record.context_id().as_bytes()),
            hex_encode(&record.executor().to_bytes())
        );
        // Relative: how long from `now` the record must be kept. An
        // absolute PEXPIREAT would compare the caller's clock with Redis's
        // (a `now` in the past would delete the record at once).
        let keep_for_ms = record
            .expires_at()
            .saturating_add(self.retention)
            .saturating_sub(now)
            .saturating_mul(1000)
            .max(1);
        let mut conn = self.conn.clone();
        let mut invocation = INSERT.key(self.key("rt", &hex_encode(hash.as_bytes())));
        invocation
            .key(self.key("rf", &family))
            .key(self.key("rm", &member))
            .arg(json)
            .arg(&family)
            .arg(record.expires_at())
            .arg(keep_for_ms);
        let stored: i64 = self
            .call("refresh insert", invocation.invoke_async(&mut conn))
            .await?;
        if stored == 1 {
            Ok(())
        } else {
            Err(TokenError::RefreshReused.into())
        }
    }

    fn consume(
        &self,
        hash: &RefreshHash,
        successor: &RefreshHash,
        now: u64,
        grace: u64,
    ) -> impl Future<Output = Result<RefreshRecord>> + Send {
        let key = self.key("rt", &hex_encode(hash.as_bytes()));
        let successor = hex_encode(successor.as_bytes());
        async move {
            let mut conn = self.conn.clone();
            let mut invocation = CONSUME.key(key);
            invocation
                .arg(now)
                .arg(self.family_prefix())
                .arg(successor)
                .arg(grace)
                .arg(self.token_prefix());
            let (code, json): (i64, String) = self
                .call("refresh consume", invocation.invoke_async(&mut conn))
                .await?;
            match code {
                0 => Err(TokenError::RefreshUnknown.into()),
                1 => Err(TokenError::RefreshReused.into()),
                2 => Err(TokenError::RefreshRevoked.into()),
                3 => Err(TokenError::RefreshExpired.into()),
                4 => serde_json::from_str(&json)
                    .map_err(|_| Error::StoreUnavailable("redis: corrupt refresh record".into())),
                _ => Err(Error::StoreUnavailable(
                    "redis: unexpected script reply".into(),
                )),
            }
        }
    }

    fn revoke_family(&self, family: &FamilyId) -> impl Future<Output = Result<()>> + Send {
        let key = self.key("rf", &family.to_string());
        async move {
            let mut conn = self.conn.clone();
            let mut invocation = REVOKE_FAMILY.key(key);
            invocation.arg(self.unknown_family_ttl_ms());
            let _: i64 = self
                .call("revoke family", invocation.invoke_async(&mut conn))
                .await?;
            Ok(())
        }
    }

    fn revoke_member(
        &self,
        context: &ContextId,
        key: &PublicKey,
    ) -> impl Future<Output = Result<usize>> + Send {
        let member = self.key(
            "rm",
            &format!(
                "{}:{}",
                hex_encode(context.as_bytes()),
                hex_encode(&key.to_bytes())
            ),
        );
        async move {
            let mut conn = self.conn.clone();
            let mut invocation = REVOKE_MEMBER.key(member);
            invocation
                .arg(self.family_prefix())
                .arg(self.unknown_family_ttl_ms());
            let n: i64 = self
                .call("revoke member", invocation.invoke_async(&mut conn))
                .await?;
            Ok(usize::try_from(n).unwrap_or(0))
        }
    }
}
