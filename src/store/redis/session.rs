//! [`SessionStore`] on Redis: a session is a refresh family (`rf:` key);
//! revocation sets its `v` field, and every instance reads it.

use std::future::Future;
use std::sync::LazyLock;

use redis::Script;

use super::client::RedisStore;
use super::refresh_scripts::REVOKE_FAMILY;
use crate::encoding::hex_encode;
use crate::error::{Error, Result};
use crate::id::ContextId;
use crate::member_id::MemberId;
use crate::token::{RefreshHash, SessionId, SessionStore};

/// KEYS: token. ARGV: family key prefix, TTL (ms) for a family key that is
/// gone. Revokes the token's family without touching the token; returns
/// the family hex, or '' when the token is unknown.
static REVOKE_OF: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local f = redis.call('HGET', KEYS[1], 'f')
if not f then return '' end
local fk = ARGV[1] .. f
redis.call('HSET', fk, 'v', '1')
if redis.call('PTTL', fk) == -1 then redis.call('PEXPIRE', fk, ARGV[2]) end
return f
",
    )
});

impl RedisStore {
    /// How long a family key lives when it is revoked before any of its
    /// tokens is seen: the longest refresh lifetime plus the retention.
    fn session_ttl_ms(&self) -> u64 {
        crate::token::DEFAULT_REFRESH_TTL
            .saturating_add(self.retention)
            .saturating_mul(1000)
    }
}

impl SessionStore for RedisStore {
    fn revoke_session(&self, session: &SessionId) -> impl Future<Output = Result<()>> + Send {
        let key = self.key("rf", &session.to_string());
        async move {
            let mut conn = self.conn.clone();
            let mut invocation = REVOKE_FAMILY.key(key);
            invocation.arg(self.session_ttl_ms());
            let _: i64 = self
                .call("revoke session", invocation.invoke_async(&mut conn))
                .await?;
            Ok(())
        }
    }

    fn revoke_session_of(
        &self,
        refresh: &RefreshHash,
    ) -> impl Future<Output = Result<Option<SessionId>>> + Send {
        let key = self.key("rt", &hex_encode(refresh.as_bytes()));
        async move {
            let mut conn = self.conn.clone();
            let mut invocation = REVOKE_OF.key(key);
            invocation
                .arg(format!("{}rf:", self.prefix))
                .arg(self.session_ttl_ms());
            let family: String = self
                .call("revoke session of", invocation.invoke_async(&mut conn))
                .await?;
            if family.is_empty() {
                return Ok(None);
            }
            family
                .parse()
                .map(Some)
                .map_err(|_| Error::StoreUnavailable("redis: corrupt family id".into()))
        }
    }

    fn revoke_member_sessions(
        &self,
        context: &ContextId,
        member: &MemberId,
    ) -> impl Future<Output = Result<usize>> + Send {
        self.revoke_member_families(
            "revoke member sessions",
            context,
            member,
            self.session_ttl_ms(),
        )
    }

    fn session_revoked(&self, session: &SessionId) -> impl Future<Output = Result<bool>> + Send {
        let key = self.key("rf", &session.to_string());
        async move {
            let mut conn = self.conn.clone();
            let v: Option<String> = self
                .call(
                    "session lookup",
                    redis::cmd("HGET").arg(key).arg("v").query_async(&mut conn),
                )
                .await?;
            // Missing (unknown or evicted) counts as revoked: fail closed.
            Ok(v.as_deref() != Some("0"))
        }
    }
}
