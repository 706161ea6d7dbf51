//! The Lua scripts of the Redis refresh store, loaded once per connection.

use std::sync::LazyLock;

use redis::Script;

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
