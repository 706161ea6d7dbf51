//! Submitting an op as a context's one signing admin: the op kind is
//! proposed at a time that never goes backwards, signed, and rebuilt after
//! a lost race.

use super::ContextReplica;
use crate::context::{Context, OpKind, Signer};
use crate::context_store::ContextStore;
use crate::encoding::unix_now;
use crate::error::{ContextError, Error, Result};

impl<S: ContextStore> ContextReplica<S> {
    /// Submits the op kind `make` returns for the current state, signed by
    /// `signer`: [`submit_with`](Self::submit_with) for a context whose ops
    /// one admin signs (threshold 1). The op is proposed at `now`, or at
    /// the last op's timestamp when that is later (another instance's clock
    /// may run a little ahead), and rebuilt on the new head after each lost
    /// race, up to `attempts` times; `make` sees each head, so a check it
    /// makes holds for the op that lands. When `make` answers `None` (the
    /// state already is what the caller wants, e.g. a wallet another
    /// instance added a moment ago) nothing is submitted. Whether an op
    /// landed.
    ///
    /// # Errors
    /// As [`ContextReplica::submit_with`]; `make`'s errors, at once.
    ///
    /// # Example
    /// ```
    /// # fn ready<F: std::future::Future>(f: F) -> F::Output {
    /// #     let mut f = std::pin::pin!(f);
    /// #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    /// #     match f.as_mut().poll(&mut cx) { std::task::Poll::Ready(v) => v, _ => unreachable!() }
    /// # }
    /// use keytree::*;
    /// let now = 1_700_000_000;
    /// let root = RootKey::from_bytes(&[1; 32]);
    /// let genesis = Context::builder(ContextId::from_bytes([2; 32])).create(&root, now)?;
    /// let replica = ready(ContextReplica::create(MemoryContextStore::new(), genesis, now))?;
    /// let wallet: AccountId = "eip155:1:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed".parse()?;
    /// // Adds the wallet unless it is a member already (checked on each head).
    /// let add = |ctx: &Context| match ctx.primary_account(&wallet) {
    ///     Some(_) => Ok(None),
    ///     None => Ok(Some(OpKind::AddAccount {
    ///         account: wallet.clone(),
    ///         permissions: Permissions::parse(["api:read"])?,
    ///         not_before: now,
    ///         expires_at: now + 86_400,
    ///     })),
    /// };
    /// assert!(ready(replica.submit_as(&root, now, 10, add))?);
    /// assert!(replica.read(now)?.is_account_member(&wallet, now));
    /// assert!(!ready(replica.submit_as(&root, now, 10, add))?);
    /// Ok::<(), keytree::Error>(())
    /// ```
    pub async fn submit_as<F>(
        &self,
        signer: &impl Signer,
        now: u64,
        attempts: u32,
        make: F,
    ) -> Result<bool>
    where
        F: Fn(&Context) -> Result<Option<OpKind>>,
    {
        let mut last = None;
        for _ in 0..attempts.max(1) {
            let op = {
                let read = self.read(now)?;
                let Some(kind) = make(&read)? else {
                    return Ok(false);
                };
                let at = read.ops().last().map_or(now, |op| op.timestamp().max(now));
                read.propose(kind, at).sign(signer)
            };
            match self.submit(op, now).await {
                Err(e @ Error::Context(ContextError::Conflict { .. })) => last = Some(e),
                other => return other.map(|()| true),
            }
        }
        Err(last.unwrap_or_else(|| super::conflict(None)))
    }

    /// [`submit_as`](Self::submit_as) at the system clock's time.
    ///
    /// # Errors
    /// As [`submit_as`](Self::submit_as).
    pub async fn submit_as_now<F>(
        &self,
        signer: &impl Signer,
        attempts: u32,
        make: F,
    ) -> Result<bool>
    where
        F: Fn(&Context) -> Result<Option<OpKind>>,
    {
        self.submit_as(signer, unix_now(), attempts, make).await
    }
}

#[cfg(test)]
mod tests {
    use crate::{
        AccountId, Context, ContextError, ContextId, ContextReplica, Error, MemoryContextStore,
        OpKind, Permissions, RootKey,
    };

    fn ready<F: std::future::Future>(f: F) -> F::Output {
        let mut f = std::pin::pin!(f);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        match f.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(v) => v,
            std::task::Poll::Pending => panic!("memory store futures are ready at once"),
        }
    }

    #[test]
    fn stamps_never_go_back_and_make_errors_pass_through() {
        let t = 1_700_000_000;
        let root = RootKey::from_bytes(&[7; 32]);
        let genesis = Context::builder(ContextId::from_bytes([8; 32]))
            .create(&root, t)
            .unwrap();
        let replica = ready(ContextReplica::create(
            MemoryContextStore::new(),
            genesis,
            t,
        ))
        .unwrap();
        let wallet: AccountId = "eip155:1:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
            .parse()
            .unwrap();
        // A clock 100 s behind the log's last op: the op is stamped at it.
        let add = |ctx: &Context| {
            if ctx.primary_account(&wallet).is_some() {
                return Ok(None);
            }
            Ok(Some(OpKind::AddAccount {
                account: wallet.clone(),
                permissions: Permissions::parse(["api:read"])?,
                not_before: t - 200,
                expires_at: t + 3600,
            }))
        };
        assert!(ready(replica.submit_as(&root, t - 100, 3, add)).unwrap());
        let read = replica.read(t).unwrap();
        assert!(read.is_account_member(&wallet, t));
        assert_eq!(read.ops().last().unwrap().timestamp(), t);
        drop(read);
        // Nothing to do: nothing submitted.
        assert!(!ready(replica.submit_as(&root, t, 3, add)).unwrap());
        assert_eq!(replica.read(t).unwrap().head_seq(), 1);
        // `make`'s errors and the context's refusals come back as they are.
        let refuse = |_: &Context| Err(ContextError::AlreadyMember("x".into()).into());
        let err = ready(replica.submit_as(&root, t, 3, refuse)).unwrap_err();
        assert!(
            matches!(err, Error::Context(ContextError::AlreadyMember(_))),
            "{err}"
        );
        let dup = |_: &Context| {
            Ok(Some(OpKind::AddAccount {
                account: wallet.clone(),
                permissions: Permissions::parse(["api:read"])?,
                not_before: t,
                expires_at: t + 60,
            }))
        };
        let err = ready(replica.submit_as(&root, t, 3, dup)).unwrap_err();
        assert!(
            matches!(err, Error::Context(ContextError::AlreadyMember(_))),
            "{err}"
        );
        assert_eq!(replica.read(t).unwrap().head_seq(), 1);
    }
}
