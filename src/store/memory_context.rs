//! [`ContextStore`] in memory: one process, many replicas (tests, a single
//! server, or replicas that share a process).

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context as TaskContext, Poll, Waker};
use std::time::{Duration, Instant};

use crate::context::ContextOp;
use crate::context_store::{AppendOutcome, ContextStore, StoreHead};
use crate::error::{Error, Result};
use crate::id::{ContextId, OpHash};

#[derive(Default)]
struct Log {
    ops: Vec<(OpHash, ContextOp)>,
    /// Futures of [`ContextStore::wait_for`] parked on this log, by id.
    waiters: Vec<(u64, Waker)>,
}

impl Log {
    fn head(&self) -> Option<StoreHead> {
        let (hash, op) = self.ops.last()?;
        Some(StoreHead {
            seq: op.seq(),
            hash: *hash,
        })
    }
}

#[derive(Default)]
struct Inner {
    logs: Mutex<HashMap<ContextId, Log>>,
    next_waiter: AtomicU64,
}

/// A [`ContextStore`] in memory, shared by clones (`Arc` inside).
///
/// Compare-and-append is one critical section under a mutex; `wait_for`
/// wakes parked waiters on every append, and times out through a short-lived
/// timer thread (the core has no runtime), so it works under any executor.
#[derive(Clone, Default)]
pub struct MemoryContextStore {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for MemoryContextStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryContextStore").finish_non_exhaustive()
    }
}

impl MemoryContextStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn logs(&self) -> Result<MutexGuard<'_, HashMap<ContextId, Log>>> {
        self.inner
            .logs
            .lock()
            .map_err(|_| Error::StoreUnavailable("memory context store: poisoned lock".into()))
    }

    /// The number of ops stored for `context`.
    pub fn len(&self, context: &ContextId) -> usize {
        self.logs()
            .map(|logs| logs.get(context).map_or(0, |l| l.ops.len()))
            .unwrap_or(0)
    }

    /// Whether `context` has no stored ops.
    pub fn is_empty(&self, context: &ContextId) -> bool {
        self.len(context) == 0
    }
}

impl ContextStore for MemoryContextStore {
    async fn append(&self, op: &ContextOp) -> Result<AppendOutcome> {
        let hash = op.hash();
        let waiters = {
            let mut logs = self.logs()?;
            let log = logs.entry(*op.context_id()).or_default();
            let head = log.head();
            let fits = match head {
                None => op.seq() == 0,
                Some(h) => op.seq() == h.seq.saturating_add(1) && *op.prev() == h.hash,
            };
            if !fits {
                return Ok(AppendOutcome::Conflict { head });
            }
            log.ops.push((hash, op.clone()));
            std::mem::take(&mut log.waiters)
        };
        for (_, waker) in waiters {
            waker.wake();
        }
        Ok(AppendOutcome::Appended)
    }

    async fn read(&self, context: &ContextId, from_seq: u64, max: usize) -> Result<Vec<ContextOp>> {
        let logs = self.logs()?;
        let Some(log) = logs.get(context) else {
            return Ok(Vec::new());
        };
        let start = usize::try_from(from_seq).unwrap_or(usize::MAX);
        Ok(log
            .ops
            .iter()
            .skip(start)
            .take(max)
            .map(|(_, op)| op.clone())
            .collect())
    }

    fn wait_for(
        &self,
        context: &ContextId,
        after_seq: u64,
        timeout: Duration,
    ) -> impl Future<Output = Result<()>> + Send {
        WaitFor {
            store: self.clone(),
            context: *context,
            after_seq,
            deadline: Instant::now() + timeout,
            id: self.inner.next_waiter.fetch_add(1, Ordering::Relaxed),
            timer: false,
        }
    }
}

/// The future of [`MemoryContextStore::wait_for`].
struct WaitFor {
    store: MemoryContextStore,
    context: ContextId,
    after_seq: u64,
    deadline: Instant,
    id: u64,
    timer: bool,
}

impl Future for WaitFor {
    type Output = Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Result<()>> {
        let this = self.get_mut();
        let mut logs = match this.store.logs() {
            Ok(logs) => logs,
            Err(e) => return Poll::Ready(Err(e)),
        };
        let log = logs.entry(this.context).or_default();
        let arrived = log.head().is_some_and(|h| h.seq > this.after_seq);
        let now = Instant::now();
        if arrived || now >= this.deadline {
            log.waiters.retain(|(id, _)| *id != this.id);
            return Poll::Ready(Ok(()));
        }
        match log.waiters.iter_mut().find(|(id, _)| *id == this.id) {
            Some((_, waker)) => waker.clone_from(cx.waker()),
            None => log.waiters.push((this.id, cx.waker().clone())),
        }
        drop(logs);
        if !this.timer {
            this.timer = true;
            let waker = cx.waker().clone();
            let sleep = this.deadline.saturating_duration_since(now);
            std::thread::spawn(move || {
                std::thread::sleep(sleep);
                waker.wake();
            });
        }
        Poll::Pending
    }
}

impl Drop for WaitFor {
    fn drop(&mut self) {
        if let Ok(mut logs) = self.store.logs()
            && let Some(log) = logs.get_mut(&self.context)
        {
            log.waiters.retain(|(id, _)| *id != self.id);
        }
    }
}
