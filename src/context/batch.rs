//! Batch verification of ops' signatures, so a replica catches up a long
//! log at several times the speed of one `verify_strict` per signature.
//!
//! [`prove`] collects every `(key, message, signature)` triple a window of
//! ops carries that is an Ed25519 signature by a key: each op's admin
//! signatures over its signed bytes, for any op kind, and the signatures of
//! the key-issued links of an `AddMember` chain (a wallet-issued link is
//! verified the normal way, through its wallet). It checks them with
//! Ed25519 batch verification, split across the machine's cores, and
//! returns the triples that passed as [`ProvenSigs`].
//!
//! The ops are then applied one by one through the context's usual checks
//! (authority, threshold, order, chain structure, revocation, time), with
//! [`SigCheck::Proven`]: a signature found in the set, with the same key,
//! signature bytes and message, is not verified again; any other is
//! verified with `verify_strict`. When a part of the batch fails, none of
//! its triples is in the set, so its ops are verified one by one, and the
//! first bad op is refused and reported with its sequence number exactly
//! as without batching.
//!
//! Batch verification differs from `verify_strict` in one case only, which
//! needs the signer's secret key (see
//! [`crate::public_key::verify_batch`]): a signer can craft a nonce point
//! with a small torsion component that a batch may accept and
//! `verify_strict` refuses. In a context log such an op must be signed by
//! an admin key (or a chain link by its issuer's key) *and* be written to
//! the store around [`crate::ContextReplica::submit`], which verifies
//! strictly before it appends. Replicas could then disagree about that op:
//! one that verified it alone faults (fails closed), one that batched it
//! applies it.

use std::collections::HashMap;
use std::num::NonZeroUsize;

use super::op::{ContextOp, OpKind};
use crate::delegation::{Delegation, Issuer};
use crate::error::{Error, Result};
use crate::public_key::{PublicKey, Signature, verify_batch};

/// Below this many signatures a window is verified on one thread.
const MIN_PER_THREAD: usize = 32;
/// The most threads one window is split across.
const MAX_THREADS: usize = 8;

/// Signatures a batch proved valid: `(key, signature)` → BLAKE3 of the
/// message it signs.
#[derive(Default)]
pub(crate) struct ProvenSigs(HashMap<([u8; 32], [u8; 64]), [u8; 32]>);

impl ProvenSigs {
    fn contains(&self, key: &PublicKey, message: &[u8], signature: &Signature) -> bool {
        self.0
            .get(&(key.to_bytes(), signature.to_bytes()))
            .is_some_and(|hash| hash == blake3::hash(message).as_bytes())
    }

    /// How many signatures the batch proved.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }
}

/// How [`crate::Context`] checks the signatures of an op it applies.
#[derive(Clone, Copy)]
pub(crate) enum SigCheck<'a> {
    /// Each with `verify_strict`.
    Strict,
    /// Those in the set are taken as verified; the rest with `verify_strict`.
    Proven(&'a ProvenSigs),
    /// None: the op comes from a snapshot sealed with the operator's MAC
    /// key by a replica that verified it when it first applied it.
    Sealed,
}

impl SigCheck<'_> {
    /// Checks one Ed25519 signature.
    pub(crate) fn verify(
        self,
        key: &PublicKey,
        message: &[u8],
        signature: &Signature,
    ) -> Result<()> {
        match self {
            Self::Sealed => Ok(()),
            Self::Proven(proven) if proven.contains(key, message, signature) => Ok(()),
            Self::Strict | Self::Proven(_) => key.verify(message, signature),
        }
    }

    /// Checks a delegation link's signature: key-issued links through
    /// [`SigCheck::verify`], wallet-issued ones the normal way.
    pub(crate) fn verify_link(self, link: &Delegation) -> Result<()> {
        match (self, link.issuer()) {
            (Self::Sealed, _) => Ok(()),
            (_, Issuer::Key(key)) => {
                let signature = Signature::from_slice(link.signature_bytes())
                    .map_err(|_| Error::InvalidSignature)?;
                self.verify(key, link.signed_bytes(), &signature)
            }
            (_, Issuer::Wallet(_)) => link.verify_signature(),
        }
    }
}

/// One signature to check; the message is an op's signed bytes (by index)
/// or a link's.
struct Triple<'a> {
    key: PublicKey,
    message: Message<'a>,
    signature: Signature,
}

enum Message<'a> {
    Op(usize),
    Link(&'a [u8]),
}

fn message<'a>(op_bytes: &'a [Vec<u8>], t: &Triple<'a>) -> &'a [u8] {
    match t.message {
        Message::Op(i) => op_bytes.get(i).map_or(&[], Vec::as_slice),
        Message::Link(bytes) => bytes,
    }
}

/// Batch-verifies every Ed25519 signature `ops` carry (see the module
/// docs) and returns those that passed. Never fails: a part of the batch
/// that does not verify is left out, and its ops are verified one by one
/// when they are applied.
pub(crate) fn prove(ops: &[ContextOp]) -> ProvenSigs {
    let op_bytes: Vec<Vec<u8>> = ops.iter().map(ContextOp::signing_bytes).collect();
    let mut triples: Vec<Triple<'_>> = Vec::with_capacity(ops.len() * 2);
    for (i, op) in ops.iter().enumerate() {
        for s in op.signatures() {
            triples.push(Triple {
                key: s.signer,
                message: Message::Op(i),
                signature: s.signature,
            });
        }
        if let OpKind::AddMember { chain } = op.kind() {
            for link in chain {
                if let (Issuer::Key(key), Ok(signature)) =
                    (link.issuer(), Signature::from_slice(link.signature_bytes()))
                {
                    triples.push(Triple {
                        key: *key,
                        message: Message::Link(link.signed_bytes()),
                        signature,
                    });
                }
            }
        }
    }
    let threads = std::thread::available_parallelism()
        .map_or(1, NonZeroUsize::get)
        .min(MAX_THREADS)
        .min(triples.len() / MIN_PER_THREAD)
        .max(1);
    let part_len = triples.len().div_ceil(threads).max(1);
    let check = |part: &[Triple<'_>]| -> bool {
        let keys: Vec<PublicKey> = part.iter().map(|t| t.key).collect();
        let messages: Vec<&[u8]> = part.iter().map(|t| message(&op_bytes, t)).collect();
        let signatures: Vec<Signature> = part.iter().map(|t| t.signature).collect();
        verify_batch(&keys, &messages, &signatures)
    };
    let passed: Vec<bool> = std::thread::scope(|scope| {
        let mut parts = triples.chunks(part_len);
        let mine = parts.next();
        let others: Vec<_> = parts.map(|p| scope.spawn(move || check(p))).collect();
        let mut passed = vec![mine.is_some_and(check)];
        // A part whose thread panicked counts as failed (verified alone later).
        passed.extend(others.into_iter().map(|h| h.join().unwrap_or(false)));
        passed
    });
    let mut proven = ProvenSigs::default();
    for (part, ok) in triples.chunks(part_len).zip(passed) {
        if ok {
            for t in part {
                proven.0.insert(
                    (t.key.to_bytes(), t.signature.to_bytes()),
                    *blake3::hash(message(&op_bytes, t)).as_bytes(),
                );
            }
        }
    }
    proven
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Context, ContextId, Delegation, Permissions, RootKey, UnverifiedDelegation};

    /// A context's genesis and `n` add-member ops on it (not applied), the
    /// link of op `bad` (if any) with a broken signature.
    fn ops(n: u32, bad: Option<u32>) -> (Context, Vec<ContextOp>) {
        let root = RootKey::from_bytes(&[5; 32]);
        let id = ContextId::from_bytes([6; 32]);
        let genesis = Context::builder(id).create(&root, 100).unwrap();
        let mut ctx = genesis.clone();
        let perms = Permissions::parse(["blob"]).unwrap();
        let mut out = Vec::new();
        for i in 0..n {
            let mut link = Delegation::builder(
                root.derive_client_key(&id, i).public_key(),
                id,
                perms.clone(),
            )
            .valid_for(50, 1000)
            .sign_as_root(&root)
            .unwrap();
            if Some(i) == bad {
                let mut bytes = link.to_bytes();
                let s = bytes.len() - 32;
                bytes[s] ^= 1;
                link = UnverifiedDelegation::from_bytes(&bytes)
                    .unwrap()
                    .dangerous_inspect()
                    .clone();
            }
            let op = ctx
                .propose(OpKind::AddMember { chain: vec![link] }, 100)
                .sign(&root);
            // Advance the proposal state without checking the bad link.
            ctx.apply_checked(op.clone(), SigCheck::Sealed).unwrap();
            out.push(op);
        }
        (genesis, out)
    }

    #[test]
    fn a_valid_window_proves_every_signature_and_applies() {
        let (mut ctx, ops) = ops(200, None);
        let proven = prove(&ops);
        assert_eq!(proven.len(), 400);
        for op in ops {
            ctx.apply_checked(op, SigCheck::Proven(&proven)).unwrap();
        }
        assert_eq!(ctx.head_seq(), 200);
    }

    #[test]
    fn a_bad_link_leaves_its_part_unproven_and_is_refused_when_applied() {
        let (mut ctx, ops) = ops(200, Some(150));
        let proven = prove(&ops);
        assert!(proven.len() < 400);
        for (i, op) in ops.into_iter().enumerate() {
            let result = ctx.apply_checked(op, SigCheck::Proven(&proven));
            if i == 150 {
                assert_eq!(result.unwrap_err(), Error::InvalidSignature);
                break;
            }
            result.unwrap();
        }
        assert_eq!(ctx.head_seq(), 150);
    }

    #[test]
    fn a_proven_signature_counts_only_for_its_own_message() {
        let (ctx, ops) = ops(2, None);
        let proven = prove(&ops);
        let s = &ops[0].signatures()[0];
        let check = SigCheck::Proven(&proven);
        assert!(
            check
                .verify(&s.signer, &ops[0].signing_bytes(), &s.signature)
                .is_ok()
        );
        assert_eq!(
            check.verify(&s.signer, &ops[1].signing_bytes(), &s.signature),
            Err(Error::InvalidSignature)
        );
        let _ = ctx;
    }
}
