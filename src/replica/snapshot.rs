//! Local snapshots of a replica (FORMATS.md, "Replica snapshot"): the log
//! in its stored binary form, sealed with a keyed-BLAKE3 MAC under the
//! operator's [`SnapshotKey`].

use std::fmt;

use rand_core::CryptoRng;
use zeroize::{ZeroizeOnDrop, Zeroizing};

use crate::mac_key::MacKey;

use crate::context::{Context, ContextLog, LOG_VERSION, SigCheck};
use crate::context_store::decode_ops_here;
use crate::encoding::{CanonicalReader, CanonicalWriter};
use crate::error::{ContextError, DecodeReason, Error, Result};
use crate::id::{ContextId, OpHash};

/// The domain tag that starts a snapshot.
const SNAPSHOT_DOMAIN: &str = "keytree/v1/replica-snapshot";
/// The BLAKE3 key-derivation context that turns the configured key into the
/// MAC key (so the configured bytes are never used as a MAC key directly).
const KDF_CONTEXT: &str = "keytree/v1 replica-snapshot mac key";
/// The snapshot format version.
const SNAPSHOT_VERSION: u8 = 1;
const WHAT: &str = "replica snapshot";
/// How many ops a decoding thread decodes at a time.
const DECODE_CHUNK: usize = 512;
/// The MAC's length in bytes (a full BLAKE3 output).
const TAG_LEN: usize = 32;

/// The secret key that seals and opens replica snapshots (a keyed-BLAKE3
/// MAC), so a snapshot file can speed up a cold start but cannot inject
/// state: a snapshot this key did not seal is refused.
///
/// Why a MAC and not signatures: the snapshot is written and read by the
/// same operator's instances, and the check must be cheaper than the
/// signature checks it saves (one BLAKE3 pass over the file). Every
/// instance that reads another's snapshots holds the same key (from
/// configuration or a secret manager); keep it apart from every other key.
/// Whoever holds it can make a replica start from any state it seals, so
/// treat it like the admin keys. Rotating it only makes older snapshots
/// useless: a replica then rebuilds from the store.
///
/// Secret hygiene: 32 bytes, wiped on drop, not `Clone`, no `Debug` output
/// of the key, never serialized; exported only as `Zeroizing` bytes.
///
/// # Example
/// ```
/// use keytree::SnapshotKey;
/// let key = SnapshotKey::generate(&mut rand::rng());
/// let same = SnapshotKey::from_bytes(&key.to_bytes());
/// assert_eq!(format!("{key:?}"), "SnapshotKey { .. }");
/// # let _ = same;
/// Ok::<(), keytree::Error>(())
/// ```
pub struct SnapshotKey(MacKey);

impl SnapshotKey {
    /// A random key.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        Self(MacKey::generate(KDF_CONTEXT, rng))
    }

    /// The key from its 32 bytes (shared by the instances that read each
    /// other's snapshots).
    pub fn from_bytes(bytes: &[u8; 32]) -> Self {
        Self(MacKey::from_bytes(KDF_CONTEXT, bytes))
    }

    /// The 32 bytes, in a buffer that wipes itself.
    pub fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        self.0.to_bytes()
    }

    fn tag(&self, body: &[u8]) -> blake3::Hash {
        self.0.mac(body)
    }
}

impl ZeroizeOnDrop for SnapshotKey {}

impl fmt::Debug for SnapshotKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SnapshotKey").finish_non_exhaustive()
    }
}

/// Seals `context` (its whole log and its head) under `key`.
pub(crate) fn seal(context: &Context, key: &SnapshotKey) -> Vec<u8> {
    let mut w = CanonicalWriter::new(SNAPSHOT_DOMAIN);
    w.u8(SNAPSHOT_VERSION)
        .bytes(context.id().as_bytes())
        .u64(context.head_seq())
        .bytes(context.head_hash().as_bytes())
        .bytes(&context.state_hash())
        .u64(u64::try_from(context.ops().len()).unwrap_or(u64::MAX));
    for op in context.ops() {
        w.bytes(&op.to_bytes());
    }
    let mut out = w.finish();
    let tag = key.tag(&out);
    out.extend_from_slice(tag.as_bytes());
    out
}

/// Opens a snapshot of context `id` sealed under `key` and rebuilds its
/// state by replaying its ops without checking their signatures again
/// (they were checked when first applied); the genesis is verified, and
/// the head and state hash must come out as sealed.
///
/// # Errors
/// [`Error::InvalidSignature`] for a MAC that is not `key`'s (without
/// detail); [`Error::Decode`] for a malformed snapshot;
/// [`ContextError::WrongContext`] for another context's;
/// [`ContextError::BadOp`] or [`ContextError::BrokenHashChain`] if the
/// replay does not reach the sealed head and state.
pub(crate) fn open(bytes: &[u8], key: &SnapshotKey, id: &ContextId) -> Result<Context> {
    let split = bytes
        .len()
        .checked_sub(TAG_LEN)
        .ok_or_else(|| Error::decode(WHAT, DecodeReason::Malformed("truncated".into())))?;
    let (body, tag) = bytes.split_at(split);
    // blake3::Hash compares in constant time.
    if key.tag(body) != blake3::Hash::from_slice(tag).map_err(|_| Error::InvalidSignature)? {
        return Err(Error::InvalidSignature);
    }
    let mut r = CanonicalReader::new(body, SNAPSHOT_DOMAIN, WHAT)?;
    let version = r.u8()?;
    if version != SNAPSHOT_VERSION {
        return Err(Error::decode(
            WHAT,
            DecodeReason::UnsupportedVersion(u32::from(version)),
        ));
    }
    let context_id = ContextId::from_bytes(r.sized::<32>()?);
    if context_id != *id {
        return Err(ContextError::WrongContext.into());
    }
    let head_seq = r.u64()?;
    let head = OpHash::from_bytes(r.sized::<32>()?);
    let state_hash = r.sized::<32>()?;
    let count = r.u64()?;
    // Every op takes at least its 4-byte length prefix.
    if usize::try_from(count).map_or(true, |n| n > r.remaining() / 4) {
        return Err(Error::decode(
            WHAT,
            DecodeReason::Malformed("count exceeds the input".into()),
        ));
    }
    let mut blobs = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
    for _ in 0..count {
        blobs.push(r.bytes()?);
    }
    r.finish()?;
    let bad = |seq: u64, e: Error| -> Error {
        ContextError::BadOp {
            seq,
            reason: Box::new(e),
        }
        .into()
    };
    // Decode on worker threads, chunk by chunk, while this thread replays
    // the chunks decoded so far in order.
    let chunks: Vec<&[&[u8]]> = blobs.chunks(DECODE_CHUNK).collect();
    let workers = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .clamp(1, 8)
        .min(chunks.len().max(1));
    let context = std::thread::scope(|scope| -> Result<Context> {
        let (send, receive) = std::sync::mpsc::sync_channel(workers * 2);
        for w in 0..workers {
            let send = send.clone();
            let chunks = &chunks;
            scope.spawn(move || {
                for (i, chunk) in chunks.iter().enumerate().skip(w).step_by(workers) {
                    if send.send((i, decode_ops_here(chunk, true))).is_err() {
                        return;
                    }
                }
            });
        }
        drop(send);
        let mut waiting = std::collections::BTreeMap::new();
        let mut next_chunk = 0;
        let mut context: Option<Context> = None;
        let mut seq = 0u64;
        for (i, decoded) in receive {
            waiting.insert(i, decoded);
            while let Some(decoded) = waiting.remove(&next_chunk) {
                next_chunk += 1;
                for op in decoded {
                    let op = op.map_err(|e| bad(seq, e))?;
                    match context.as_mut() {
                        None => {
                            context = Some(
                                Context::import(&ContextLog {
                                    version: LOG_VERSION,
                                    ops: vec![op],
                                })
                                .map_err(|e| bad(0, e))?,
                            );
                        }
                        Some(context) => context
                            .apply_checked(op, SigCheck::Sealed)
                            .map_err(|e| bad(seq, e))?,
                    }
                    seq += 1;
                }
            }
        }
        context.ok_or_else(|| bad(0, ContextError::Genesis.into()))
    })?;
    if context.head_seq() != head_seq
        || *context.head_hash() != head
        || context.state_hash() != state_hash
    {
        return Err(ContextError::BrokenHashChain.into());
    }
    Ok(context)
}
