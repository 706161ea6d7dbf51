//! The Lua scripts of the Redis nonce store, loaded once per connection.

use std::sync::LazyLock;

use redis::Script;

/// KEYS: nonce. ARGV: keep-for (ms, relative). Adds one failed attempt;
/// returns the count, or -1 when the nonce is spent.
pub(super) static FAILURE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('GET', KEYS[1]) == 'S' then return -1 end
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
",
    )
});

/// KEYS: nonce. ARGV: max attempts, keep-for (ms, relative). Spends the
/// nonce: returns 1, or -1 when already spent, -2 when dead.
pub(super) static CONSUME: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local v = redis.call('GET', KEYS[1])
if v == 'S' then return -1 end
if v and tonumber(v) >= tonumber(ARGV[1]) then return -2 end
redis.call('SET', KEYS[1], 'S', 'PX', ARGV[2])
return 1
",
    )
});
