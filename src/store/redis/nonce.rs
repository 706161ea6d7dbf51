//! [`NonceStore`] on Redis: one string key per challenge.

use std::future::Future;
use std::sync::LazyLock;

use redis::Script;

use super::RedisStore;
use crate::challenge::{ChallengeNonce, ChallengeRecord};
use crate::error::{ChallengeError, Error, Result};
use crate::store::NonceStore;

/// The checks both scripts share. The value is
/// `kt1:<L|S>:<attempts 3 digits>:<expires_at>:<max_attempts>:<json>`;
/// returns `{code, attempts, expires_at, max_attempts}` with code
/// -1 unknown, -2 spent, -3 dead, -4 expired, -5 corrupt.
const CHECKS: &str = r"
local v = redis.call('GET', KEYS[1])
if not v then return {-1, 0, '0', '0'} end
local e, m = string.match(v, '^kt1:[LS]:%d%d%d:(%d+):(%d+):')
if not e then return {-5, 0, '0', '0'} end
local a = tonumber(string.sub(v, 7, 9))
if string.sub(v, 5, 5) == 'S' then return {-2, a, e, m} end
if a >= tonumber(m) then return {-3, a, e, m} end
if tonumber(ARGV[1]) >= tonumber(e) then return {-4, a, e, m} end
";

/// Adds one failed attempt in place; returns `{attempts, …}`.
pub(super) static FAILURE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        "{CHECKS}
a = a + 1
redis.call('SETRANGE', KEYS[1], 6, string.format('%03d', a))
return {{a, a, e, m}}"
    ))
});

/// Marks the challenge spent in place; returns `{0, …}`.
pub(super) static CONSUME: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        "{CHECKS}
redis.call('SETRANGE', KEYS[1], 4, 'S')
return {{0, a, e, m}}"
    ))
});

type Outcome = (i64, i64, String, String);

/// Maps a script's refusal code to the store contract's error.
fn refusal((code, _, expires_at, max): &Outcome, now: u64) -> Option<Error> {
    Some(match code {
        -1 => ChallengeError::Unknown.into(),
        -2 => ChallengeError::AlreadySpent.into(),
        -3 => ChallengeError::TooManyAttempts {
            max: max.parse().unwrap_or(0),
        }
        .into(),
        -4 => ChallengeError::Expired {
            expires_at: expires_at.parse().unwrap_or(0),
            now,
        }
        .into(),
        c if *c < 0 => Error::StoreUnavailable("redis: corrupt challenge record".into()),
        _ => return None,
    })
}

impl RedisStore {
    fn nonce_key(&self, nonce: &ChallengeNonce) -> String {
        self.key("n", &nonce.to_string())
    }

    async fn run_nonce_script(
        &self,
        what: &str,
        script: &Script,
        nonce: &ChallengeNonce,
        now: u64,
    ) -> Result<Outcome> {
        let mut conn = self.conn.clone();
        let mut invocation = script.key(self.nonce_key(nonce));
        invocation.arg(now);
        let outcome: Outcome = self.call(what, invocation.invoke_async(&mut conn)).await?;
        match refusal(&outcome, now) {
            Some(e) => Err(e),
            None => Ok(outcome),
        }
    }
}

impl NonceStore for RedisStore {
    fn put(
        &self,
        nonce: &ChallengeNonce,
        record: &ChallengeRecord,
        now: u64,
    ) -> impl Future<Output = Result<()>> + Send {
        let key = self.nonce_key(nonce);
        let value = record
            .clone()
            .with_attempts(0)
            .with_spent(false)
            .to_store_bytes();
        let keep = record
            .expires_at()
            .saturating_add(self.retention)
            .saturating_sub(now)
            .clamp(1, u64::MAX / 1000);
        async move {
            let mut conn = self.conn.clone();
            let mut cmd = redis::cmd("SET");
            cmd.arg(&key)
                .arg(value)
                .arg("NX")
                .arg("PX")
                .arg(keep.saturating_mul(1000));
            let set: Option<String> = self.call("set", cmd.query_async(&mut conn)).await?;
            match set {
                Some(_) => Ok(()),
                None => Err(ChallengeError::NonceExists.into()),
            }
        }
    }

    fn peek(
        &self,
        nonce: &ChallengeNonce,
        now: u64,
    ) -> impl Future<Output = Result<ChallengeRecord>> + Send {
        let key = self.nonce_key(nonce);
        async move {
            let mut conn = self.conn.clone();
            let mut cmd = redis::cmd("GET");
            cmd.arg(&key);
            let value: Option<Vec<u8>> = self.call("get", cmd.query_async(&mut conn)).await?;
            let value = value.ok_or(ChallengeError::Unknown)?;
            let record = ChallengeRecord::from_store_bytes(&value)
                .map_err(|_| Error::StoreUnavailable("redis: corrupt challenge record".into()))?;
            record.check_live(now)?;
            Ok(record)
        }
    }

    async fn record_failure(&self, nonce: &ChallengeNonce, now: u64) -> Result<u32> {
        let (attempts, ..) = self
            .run_nonce_script("record failure", &FAILURE, nonce, now)
            .await?;
        Ok(u32::try_from(attempts).unwrap_or(u32::MAX))
    }

    async fn consume(&self, nonce: &ChallengeNonce, now: u64) -> Result<()> {
        self.run_nonce_script("consume", &CONSUME, nonce, now)
            .await
            .map(|_| ())
    }
}
