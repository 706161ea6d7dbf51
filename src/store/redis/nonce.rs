//! [`NonceStore`] on Redis: one string key per redeemed or failed nonce.

use super::client::RedisStore;
use super::nonce_scripts::{CONSUME, FAILURE};
use crate::challenge::ChallengeNonce;
use crate::challenge::NonceStore;
use crate::error::{ChallengeError, Error, Result};

/// The value of a spent nonce; a failed-attempt counter is a decimal count.
const SPENT: &str = "S";

/// Milliseconds from `now` to `expires_at`, at least 1.
fn keep_for_ms(expires_at: u64, now: u64) -> u64 {
    expires_at.saturating_sub(now).saturating_mul(1000).max(1)
}

impl RedisStore {
    fn nonce_key(&self, nonce: &ChallengeNonce) -> String {
        self.key("n", &nonce.to_string())
    }
}

impl NonceStore for RedisStore {
    async fn attempts(&self, nonce: &ChallengeNonce, _now: u64) -> Result<u32> {
        let mut conn = self.conn.clone();
        let key = self.nonce_key(nonce);
        let value: Option<String> = self
            .call(
                "nonce get",
                redis::cmd("GET").arg(&key).query_async(&mut conn),
            )
            .await?;
        match value.as_deref() {
            None => Ok(0),
            Some(SPENT) => Err(ChallengeError::AlreadySpent.into()),
            Some(n) => n
                .parse()
                .map_err(|_| Error::StoreUnavailable("redis: corrupt nonce entry".into())),
        }
    }

    async fn record_failure(
        &self,
        nonce: &ChallengeNonce,
        expires_at: u64,
        now: u64,
    ) -> Result<u32> {
        let mut conn = self.conn.clone();
        let mut invocation = FAILURE.key(self.nonce_key(nonce));
        invocation.arg(keep_for_ms(expires_at, now));
        let n: i64 = self
            .call("nonce failure", invocation.invoke_async(&mut conn))
            .await?;
        if n < 0 {
            return Err(ChallengeError::AlreadySpent.into());
        }
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    async fn consume(
        &self,
        nonce: &ChallengeNonce,
        expires_at: u64,
        max_attempts: u32,
        now: u64,
    ) -> Result<()> {
        let mut conn = self.conn.clone();
        let mut invocation = CONSUME.key(self.nonce_key(nonce));
        invocation
            .arg(max_attempts)
            .arg(keep_for_ms(expires_at, now));
        let code: i64 = self
            .call("nonce consume", invocation.invoke_async(&mut conn))
            .await?;
        match code {
            1 => Ok(()),
            -1 => Err(ChallengeError::AlreadySpent.into()),
            -2 => Err(ChallengeError::TooManyAttempts { max: max_attempts }.into()),
            _ => Err(Error::StoreUnavailable(
                "redis: unexpected script reply".into(),
            )),
        }
    }
}
