//! The port of a context log shared by a fleet: [`ContextStore`], what it
//! stores, and the compact binary form of an op.
//!
//! The store only orders and keeps ops; it is never trusted with their
//! meaning. A [`crate::ContextReplica`] verifies every op it reads through
//! [`crate::Context::apply`], so a store that serves a changed, forked or
//! rolled-back log is caught, not believed.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::context::{ContextOp, OP_VERSION, OpKind, OpSignature};
use crate::delegation::Delegation;
use crate::encoding::CanonicalReader;
use crate::error::{DecodeReason, Error, Result};
use crate::id::DelegationId;
use crate::id::{ContextId, OpHash};
use crate::permission::Permissions;
use crate::public_key::{PublicKey, Signature};
use crate::wallet::AccountId;

/// The domain tag of [`ContextOp::signing_bytes`]; a decoded op must
/// re-encode to exactly its input, so this can never drift silently.
const OP_DOMAIN: &str = "keytree/v1/context-op";
/// The version byte that starts [`ContextOp::to_bytes`].
const STORED_OP_VERSION: u8 = 1;
const WHAT: &str = "stored context op";
/// The largest stored op accepted, in bytes (a 64-link chain of large
/// delegations stays far below it).
pub const MAX_STORED_OP_BYTES: usize = 1 << 20;
/// The most signatures a stored op may carry.
const MAX_OP_SIGNATURES: u32 = 256;

/// The head of a stored log: its last op's sequence number and hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoreHead {
    /// The last op's sequence number (0: only the genesis).
    pub seq: u64,
    /// The last op's hash.
    pub hash: OpHash,
}

/// What [`ContextStore::append`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AppendOutcome {
    /// The op is now the head of the log.
    Appended,
    /// Nothing was written: the stored head is not the op's `prev` (another
    /// op won that sequence number, or the op is ahead of the log). `head`
    /// is the stored head (`None` when the context has no log yet).
    Conflict {
        /// The stored head.
        head: Option<StoreHead>,
    },
}

/// Where a context's log of signed ops lives, shared by every instance of a
/// fleet.
///
/// The contract (each method is one atomic step, also across instances):
///
/// - [`append`](Self::append) is a compare-and-append: it stores `op` as
///   the next entry of its context's log only if the stored head is the
///   op's `prev` and its sequence number is the head's plus one (a genesis,
///   sequence 0, only into an empty log). Of any number of concurrent
///   appends on one head, exactly one returns [`AppendOutcome::Appended`];
///   the others get [`AppendOutcome::Conflict`] with the new head. Once
///   `Appended` is returned, the op is durable as far as the backend is.
///   The store checks the chain position only: it does not verify
///   signatures or authority (the appender does, before it appends, and
///   every reader does again).
/// - [`read`](Self::read) returns up to `max` ops of the log, in order,
///   starting at sequence number `from_seq` (fewer, or none, at the end).
/// - [`wait_for`](Self::wait_for) resolves once the log holds an op after
///   `after_seq`, or when `timeout` has passed, whichever is first; it
///   says nothing about what arrived (read it). On a backend failure it
///   returns the error, but no sooner than `timeout` after the call, so a
///   follower that loops on it does not spin while the backend is away.
///
/// A store that fails, cannot reach its backend or times out returns
/// [`Error::StoreUnavailable`] and changes nothing. A stored op that does
/// not decode is reported as [`crate::ContextError::StoreLogRefused`].
///
/// Implemented for `&T`, `Box<T>` and `Arc<T>`. The trait uses `impl
/// Future` return types, so it is not object-safe.
pub trait ContextStore: Send + Sync {
    /// Appends `op` if the stored head is its `prev`.
    ///
    /// # Errors
    /// [`Error::StoreUnavailable`]; a conflict is an
    /// [`AppendOutcome::Conflict`], not an error.
    fn append(&self, op: &ContextOp) -> impl Future<Output = Result<AppendOutcome>> + Send;

    /// Up to `max` ops of `context`'s log from sequence number `from_seq`.
    ///
    /// # Errors
    /// [`Error::StoreUnavailable`]; [`crate::ContextError::StoreLogRefused`]
    /// for a stored op that does not decode.
    fn read(
        &self,
        context: &ContextId,
        from_seq: u64,
        max: usize,
    ) -> impl Future<Output = Result<Vec<ContextOp>>> + Send;

    /// Resolves when `context`'s log holds an op after `after_seq`, or after
    /// `timeout`.
    ///
    /// # Errors
    /// [`Error::StoreUnavailable`] (no sooner than `timeout` after the call).
    fn wait_for(
        &self,
        context: &ContextId,
        after_seq: u64,
        timeout: Duration,
    ) -> impl Future<Output = Result<()>> + Send;
}

macro_rules! forward_context_store {
    ($($ty:ty),*) => {$(
        impl<T: ContextStore + ?Sized> ContextStore for $ty {
            fn append(&self, op: &ContextOp) -> impl Future<Output = Result<AppendOutcome>> + Send {
                (**self).append(op)
            }
            fn read(
                &self,
                context: &ContextId,
                from_seq: u64,
                max: usize,
            ) -> impl Future<Output = Result<Vec<ContextOp>>> + Send {
                (**self).read(context, from_seq, max)
            }
            fn wait_for(
                &self,
                context: &ContextId,
                after_seq: u64,
                timeout: Duration,
            ) -> impl Future<Output = Result<()>> + Send {
                (**self).wait_for(context, after_seq, timeout)
            }
        }
    )*};
}

forward_context_store!(&T, Box<T>, Arc<T>);

/// The binary form stores keep ops in.
impl ContextOp {
    /// The compact binary form: a version byte (1), the length-prefixed
    /// [`ContextOp::signing_bytes`] (u32 big-endian length), the signature
    /// count (u32 big-endian), then per signature the signer's 32 key bytes
    /// and the 64 signature bytes, sorted by signer.
    pub fn to_bytes(&self) -> Vec<u8> {
        let signing = self.signing_bytes();
        let mut out = Vec::with_capacity(1 + 4 + signing.len() + 4 + 104 * self.signatures().len());
        out.push(STORED_OP_VERSION);
        out.extend_from_slice(
            &u32::try_from(signing.len())
                .unwrap_or(u32::MAX)
                .to_be_bytes(),
        );
        out.extend_from_slice(&signing);
        let count = u32::try_from(self.signatures().len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&count.to_be_bytes());
        // The one length-prefix rule (FORMATS.md §2): fixed-size fields too.
        for s in self.signatures() {
            out.extend_from_slice(&32u32.to_be_bytes());
            out.extend_from_slice(s.signer.as_bytes());
            out.extend_from_slice(&64u32.to_be_bytes());
            out.extend_from_slice(s.signature.as_bytes());
        }
        out
    }

    /// Decodes [`ContextOp::to_bytes`], accepting only the one canonical
    /// encoding. Checks no signature: [`crate::Context::apply`] does (a
    /// member's delegations included).
    ///
    /// # Errors
    /// [`Error::Decode`] (truncated, trailing bytes, unknown version or op
    /// kind, non-canonical fields, too long), [`Error::InvalidKey`] or
    /// [`Error::Permission`] for bad fields.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        Self::from_bytes_with_keys(bytes, &mut KeyCache::default())
    }

    /// [`ContextOp::from_bytes`] that decodes each signer key once per
    /// `keys` (a batch of ops is mostly signed by the same admins, and
    /// checking a key's point costs about as much as a signature check).
    pub(crate) fn from_bytes_with_keys(bytes: &[u8], keys: &mut KeyCache) -> Result<Self> {
        if bytes.len() > MAX_STORED_OP_BYTES {
            return Err(Error::decode(
                WHAT,
                DecodeReason::TooLong {
                    max: MAX_STORED_OP_BYTES,
                },
            ));
        }
        let malformed = |m: &str| Error::decode(WHAT, DecodeReason::Malformed(m.into()));
        let (&version, rest) = bytes.split_first().ok_or_else(|| malformed("empty"))?;
        if version != STORED_OP_VERSION {
            return Err(Error::decode(
                WHAT,
                DecodeReason::UnsupportedVersion(u32::from(version)),
            ));
        }
        let (len, rest) = split_u32(rest).ok_or_else(|| malformed("truncated"))?;
        let len = usize::try_from(len).map_err(|_| malformed("truncated"))?;
        let signing = rest.get(..len).ok_or_else(|| malformed("truncated"))?;
        let rest = rest.get(len..).unwrap_or_default();
        let mut op = decode_signing_bytes(signing, keys)?;
        let (count, mut rest) = split_u32(rest).ok_or_else(|| malformed("truncated"))?;
        if count > MAX_OP_SIGNATURES {
            return Err(malformed("too many signatures"));
        }
        let mut previous: Option<PublicKey> = None;
        for _ in 0..count {
            let (key_len, after) = split_u32(rest).ok_or_else(|| malformed("truncated"))?;
            let key: [u8; 32] = after
                .get(..32)
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| malformed("truncated"))?;
            let (sig_len, after) = split_u32(after.get(32..).unwrap_or_default())
                .ok_or_else(|| malformed("truncated"))?;
            let sig: [u8; 64] = after
                .get(..64)
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| malformed("truncated"))?;
            if key_len != 32 || sig_len != 64 {
                return Err(malformed("signer or signature length"));
            }
            rest = after.get(64..).unwrap_or_default();
            let signer = keys.get(&key)?;
            if previous.is_some_and(|p| p >= signer) {
                return Err(Error::decode(
                    WHAT,
                    DecodeReason::NonCanonical("signatures unsorted or repeated"),
                ));
            }
            previous = Some(signer);
            op.add_signature(OpSignature {
                signer,
                signature: Signature::from_bytes(&sig),
            });
        }
        if !rest.is_empty() {
            return Err(malformed("trailing bytes"));
        }
        Ok(op)
    }
}

/// Signer and delegation keys decoded (and checked) so far, by their bytes.
#[derive(Default)]
pub(crate) struct KeyCache {
    keys: std::collections::HashMap<[u8; 32], PublicKey>,
    /// Keys come from a snapshot this process sealed: decompress only.
    sealed: bool,
}

/// The most keys a [`KeyCache`] holds before it starts over (so the keys
/// seen again and again, the admins', stay in it).
const KEY_CACHE_MAX: usize = 4096;

impl KeyCache {
    /// A cache for decoding a snapshot whose MAC was verified: its keys were
    /// checked when the ops were first applied, so only decompressed.
    pub(crate) fn sealed() -> Self {
        Self {
            keys: std::collections::HashMap::new(),
            sealed: true,
        }
    }

    pub(crate) fn get(&mut self, bytes: &[u8; 32]) -> Result<PublicKey> {
        if let Some(key) = self.keys.get(bytes) {
            return Ok(*key);
        }
        let key = if self.sealed {
            PublicKey::from_checked_bytes(bytes)?
        } else {
            PublicKey::from_bytes(bytes)?
        };
        if self.keys.len() >= KEY_CACHE_MAX {
            self.keys.clear();
        }
        self.keys.insert(*bytes, key);
        Ok(key)
    }
}

/// Decodes stored ops ([`ContextOp::from_bytes`]) on the calling thread,
/// each key once; `sealed`: see [`KeyCache::sealed`]. One result per input.
pub(crate) fn decode_ops_here(entries: &[&[u8]], sealed: bool) -> Vec<Result<ContextOp>> {
    let mut keys = if sealed {
        KeyCache::sealed()
    } else {
        KeyCache::default()
    };
    entries
        .iter()
        .map(|bytes| ContextOp::from_bytes_with_keys(bytes, &mut keys))
        .collect()
}

/// Decodes many stored ops ([`ContextOp::from_bytes`]), split across the
/// machine's cores when there are enough of them (a key check costs about
/// as much as a signature check, and a member's key is new in every
/// add-member op). One result per input, in order.
#[cfg(feature = "redis")]
pub(crate) fn decode_ops(entries: &[&[u8]]) -> Vec<Result<ContextOp>> {
    const MIN_PER_THREAD: usize = 64;
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .min(8)
        .min(entries.len() / MIN_PER_THREAD)
        .max(1);
    let decode = |part: &[&[u8]]| decode_ops_here(part, false);
    if threads == 1 {
        return decode(entries);
    }
    let part_len = entries.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let mut parts = entries.chunks(part_len);
        let mine = parts.next().unwrap_or_default();
        let others: Vec<_> = parts
            .map(|p| (p.len(), scope.spawn(move || decode(p))))
            .collect();
        let mut out = decode(mine);
        for (len, handle) in others {
            match handle.join() {
                Ok(part) => out.extend(part),
                Err(_) => out.extend((0..len).map(|_| {
                    Err(Error::decode(
                        WHAT,
                        DecodeReason::Malformed("decoder thread failed".into()),
                    ))
                })),
            }
        }
        out
    })
}

fn split_u32(bytes: &[u8]) -> Option<(u32, &[u8])> {
    let head: [u8; 4] = bytes.get(..4)?.try_into().ok()?;
    Some((u32::from_be_bytes(head), bytes.get(4..)?))
}

/// Rebuilds an unsigned op from its signing bytes; the op must re-encode to
/// exactly `bytes`.
fn decode_signing_bytes(bytes: &[u8], keys: &mut KeyCache) -> Result<ContextOp> {
    let mut r = CanonicalReader::new(bytes, OP_DOMAIN, WHAT)?;
    let version = r.u8()?;
    if version != OP_VERSION {
        return Err(Error::decode(
            WHAT,
            DecodeReason::UnsupportedVersion(u32::from(version)),
        ));
    }
    let context = ContextId::from_bytes(r.sized::<32>()?);
    let seq = r.u64()?;
    let prev = OpHash::from_bytes(r.sized::<32>()?);
    let timestamp = r.u64()?;
    let key = |r: &mut CanonicalReader<'_>| -> Result<PublicKey> {
        PublicKey::from_bytes(&r.sized::<32>()?)
    };
    // Counts are bounded by what is left: every entry takes at least 4 bytes.
    let count = |r: &mut CanonicalReader<'_>| -> Result<usize> {
        let n = usize::try_from(r.u32()?).unwrap_or(usize::MAX);
        if n > r.remaining() / 4 {
            return Err(Error::decode(
                WHAT,
                DecodeReason::Malformed("count exceeds the input".into()),
            ));
        }
        Ok(n)
    };
    let text = |r: &mut CanonicalReader<'_>| -> Result<String> {
        std::str::from_utf8(r.bytes()?)
            .map(str::to_owned)
            .map_err(|_| Error::decode(WHAT, DecodeReason::Malformed("utf-8".into())))
    };
    let permissions = |r: &mut CanonicalReader<'_>| -> Result<Permissions> {
        let n = count(r)?;
        let mut names = Vec::with_capacity(n.min(64));
        for _ in 0..n {
            names.push(text(r)?);
        }
        Permissions::parse(names)
    };
    // The canonical CAIP-10 text; the re-encoding check below refuses any
    // other spelling of the same account.
    let account = |r: &mut CanonicalReader<'_>| -> Result<AccountId> { text(r)?.parse() };
    let kind = match r.u8()? {
        0 => {
            let root = key(&mut r)?;
            let n = count(&mut r)?;
            let mut admins = Vec::with_capacity(n);
            for _ in 0..n {
                admins.push(key(&mut r)?);
            }
            OpKind::Genesis {
                root,
                admins,
                threshold: r.u32()?,
                max_chain_depth: r.u32()?,
            }
        }
        1 => {
            let n = count(&mut r)?;
            let mut chain = Vec::with_capacity(n.min(64));
            for _ in 0..n {
                chain.push(Delegation::decode_unverified_with(r.bytes()?, &mut |b| {
                    keys.get(b)
                })?);
            }
            OpKind::AddMember { chain }
        }
        2 => OpKind::SetPermissions {
            member: key(&mut r)?,
            permissions: permissions(&mut r)?,
        },
        3 => OpKind::RevokeKey { key: key(&mut r)? },
        4 => OpKind::RevokeDelegation {
            id: DelegationId::from_bytes(r.sized::<32>()?),
        },
        5 => OpKind::AddAdmin { key: key(&mut r)? },
        6 => OpKind::RemoveAdmin { key: key(&mut r)? },
        7 => OpKind::AddAccount {
            account: account(&mut r)?,
            permissions: permissions(&mut r)?,
            not_before: r.u64()?,
            expires_at: r.u64()?,
        },
        8 => OpKind::SetAccountPermissions {
            account: account(&mut r)?,
            permissions: permissions(&mut r)?,
        },
        9 => OpKind::RevokeAccount {
            account: account(&mut r)?,
        },
        10 => OpKind::LinkAccount {
            member: account(&mut r)?,
            account: account(&mut r)?,
        },
        11 => OpKind::UnlinkAccount {
            account: account(&mut r)?,
        },
        _ => {
            return Err(Error::decode(
                WHAT,
                DecodeReason::Malformed("unknown op kind".into()),
            ));
        }
    };
    r.finish()?;
    let op = ContextOp::new(context, seq, prev, timestamp, kind);
    if op.signing_bytes() != bytes {
        return Err(Error::decode(WHAT, DecodeReason::NonCanonical("op fields")));
    }
    Ok(op)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::CanonicalWriter;
    use crate::{Context, RootKey};

    #[test]
    fn round_trip_and_refusals() {
        let root = RootKey::from_bytes(&[3; 32]);
        let id = ContextId::from_bytes([4; 32]);
        let mut ctx = Context::builder(id).create(&root, 10).unwrap();
        let other = RootKey::from_bytes(&[5; 32]).public_key();
        let op = ctx.propose(OpKind::AddAdmin { key: other }, 11).sign(&root);
        ctx.apply(op.clone()).unwrap();
        for op in ctx.ops() {
            let bytes = op.to_bytes();
            assert_eq!(&ContextOp::from_bytes(&bytes).unwrap(), op);
            let mut trailing = bytes.clone();
            trailing.push(0);
            assert!(ContextOp::from_bytes(&trailing).is_err());
            for cut in 0..bytes.len() {
                assert!(ContextOp::from_bytes(&bytes[..cut]).is_err());
            }
        }
        let mut w = CanonicalWriter::new(OP_DOMAIN);
        w.u8(crate::OP_VERSION)
            .bytes(id.as_bytes())
            .u64(1)
            .bytes(&[0; 32])
            .u64(1)
            .u8(9);
        let signing = w.finish();
        let mut bad = vec![STORED_OP_VERSION];
        bad.extend_from_slice(&(signing.len() as u32).to_be_bytes());
        bad.extend_from_slice(&signing);
        bad.extend_from_slice(&0u32.to_be_bytes());
        assert!(ContextOp::from_bytes(&bad).is_err());
    }
}
