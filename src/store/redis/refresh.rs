//! [`RefreshStore`] on Redis: a hash per token, a hash per family, a set of
//! families per member; every operation one Lua script.

use std::future::Future;

use super::client::{RedisStore, member_part};
use super::refresh_scripts::{CONSUME, INSERT, REVOKE_FAMILY};
use crate::encoding::hex_encode;
use crate::error::{Error, Result, TokenError};
use crate::id::ContextId;
use crate::member_id::MemberId;
use crate::token::RefreshStore;
use crate::token::{FamilyId, RefreshHash, RefreshRecord};

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
        let member = member_part(record.context_id(), record.member());
        let keep_for_ms = self.keep_for_ms(record.expires_at(), now);
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
        member: &MemberId,
    ) -> impl Future<Output = Result<usize>> + Send {
        self.revoke_member_families(
            "revoke member",
            context,
            member,
            self.unknown_family_ttl_ms(),
        )
    }
}
