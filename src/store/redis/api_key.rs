//! [`ApiKeyStore`] on Redis: a string per key (`ak:<id>`, the record JSON,
//! with a TTL to its expiry plus the retention) and a set of ids per owner
//! (`ako:<context hex>:<owner>`, the owner a key's 64 hex digits or a
//! wallet-account member's CAIP-10 text).

use std::future::Future;
use std::sync::LazyLock;

use redis::Script;

use super::client::{RedisStore, member_part};
use crate::error::{Error, Result, TokenError};
use crate::id::ContextId;
use crate::member_id::MemberId;
use crate::token::{ApiKeyId, ApiKeyRecord, ApiKeyStore};

/// KEYS: key, owner set. ARGV: record JSON, id hex, keep-for (ms, relative
/// to the caller's `now`). Returns 0, changing nothing, when the id exists.
static INSERT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local want = tonumber(ARGV[3])
if want < 1 then want = 1 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', want)
redis.call('SADD', KEYS[2], ARGV[2])
local p = redis.call('PTTL', KEYS[2])
if p == -1 or p < want then redis.call('PEXPIRE', KEYS[2], want) end
return 1
",
    )
});

/// KEYS: owner set. ARGV: key prefix. Returns the records still stored,
/// dropping ids whose key expired or was removed.
static LIST: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local out = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local v = redis.call('GET', ARGV[1] .. id)
  if v then table.insert(out, v) else redis.call('SREM', KEYS[1], id) end
end
return out
",
    )
});

impl RedisStore {
    fn api_key_key(&self, id: &ApiKeyId) -> String {
        self.key("ak", &id.to_string())
    }

    fn api_key_owner_key(&self, context: &ContextId, owner: &MemberId) -> String {
        self.key("ako", &member_part(context, owner))
    }
}

fn decode(json: &str) -> Result<ApiKeyRecord> {
    serde_json::from_str(json)
        .map_err(|_| Error::StoreUnavailable("redis: corrupt api key record".into()))
}

impl ApiKeyStore for RedisStore {
    async fn insert(&self, record: ApiKeyRecord, now: u64) -> Result<()> {
        let json = serde_json::to_string(&record)
            .map_err(|e| Error::StoreUnavailable(format!("redis: encoding api key: {e}")))?;
        let keep_for_ms = self.keep_for_ms(record.expires_at(), now);
        let mut conn = self.conn.clone();
        let mut invocation = INSERT.key(self.api_key_key(record.id()));
        invocation
            .key(self.api_key_owner_key(record.context_id(), record.owner()))
            .arg(json)
            .arg(record.id().to_string())
            .arg(keep_for_ms);
        let stored: i64 = self
            .call("api key insert", invocation.invoke_async(&mut conn))
            .await?;
        if stored == 1 {
            Ok(())
        } else {
            Err(TokenError::InvalidRequest("api key id already stored").into())
        }
    }

    fn get(&self, id: &ApiKeyId) -> impl Future<Output = Result<Option<ApiKeyRecord>>> + Send {
        let key = self.api_key_key(id);
        async move {
            let mut conn = self.conn.clone();
            let json: Option<String> = self
                .call(
                    "api key get",
                    redis::cmd("GET").arg(key).query_async(&mut conn),
                )
                .await?;
            json.as_deref().map(decode).transpose()
        }
    }

    fn list(
        &self,
        context: &ContextId,
        owner: &MemberId,
    ) -> impl Future<Output = Result<Vec<ApiKeyRecord>>> + Send {
        let set = self.api_key_owner_key(context, owner);
        async move {
            let mut conn = self.conn.clone();
            let mut invocation = LIST.key(set);
            invocation.arg(format!("{}ak:", self.prefix));
            let all: Vec<String> = self
                .call("api key list", invocation.invoke_async(&mut conn))
                .await?;
            all.iter().map(|j| decode(j)).collect()
        }
    }

    fn remove(&self, id: &ApiKeyId) -> impl Future<Output = Result<bool>> + Send {
        let key = self.api_key_key(id);
        async move {
            let mut conn = self.conn.clone();
            let n: i64 = self
                .call(
                    "api key remove",
                    redis::cmd("DEL").arg(key).query_async(&mut conn),
                )
                .await?;
            Ok(n == 1)
        }
    }
}
