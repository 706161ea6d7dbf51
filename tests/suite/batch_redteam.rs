//! An attacker who can write the store (but holds no admin key) against the
//! batch-verified catch-up (`context/batch.rs`): a signature is only ever
//! taken as proven for the exact key and message it was verified for, so
//! moving valid signatures between ops, between signers or between links,
//! duplicating or reordering ops inside one read page, and placing the
//! tampered op on a window boundary are each refused at that op's seq.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use keytree::{
    AppendOutcome, Context, ContextError, ContextId, ContextOp, ContextReplica, ContextStore,
    Delegation, Error, OpKind, RootKey, UnverifiedDelegation,
};

use crate::common::perms;

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A store that serves a fixed list of ops, as written (duplicates and
/// disorder included): what a tampered store hands a replica.
#[derive(Clone)]
struct Served(Arc<Vec<ContextOp>>);

impl ContextStore for Served {
    async fn append(&self, _op: &ContextOp) -> keytree::Result<AppendOutcome> {
        Ok(AppendOutcome::Conflict { head: None })
    }
    async fn read(
        &self,
        context: &ContextId,
        from_seq: u64,
        max: usize,
    ) -> keytree::Result<Vec<ContextOp>> {
        let start = self
            .0
            .iter()
            .position(|op| op.seq() >= from_seq)
            .unwrap_or(self.0.len());
        Ok(self.0[start..]
            .iter()
            .filter(|op| op.context_id() == context)
            .take(max)
            .cloned()
            .collect())
    }
    async fn wait_for(&self, _: &ContextId, _: u64, _: Duration) -> keytree::Result<()> {
        Ok(())
    }
}

struct Log {
    root: RootKey,
    second: RootKey,
    id: ContextId,
    t: u64,
}

impl Log {
    /// Admins: the root and `second`; `threshold` 1 or 2.
    fn genesis(&self, threshold: u32) -> Context {
        Context::builder(self.id)
            .admin(self.second.public_key())
            .threshold(threshold)
            .create(&self.root, self.t)
            .unwrap()
    }

    fn link(&self, i: u32) -> Delegation {
        Delegation::builder(
            self.root.derive_client_key(&self.id, i).public_key(),
            self.id,
            perms(&["blob"]),
        )
        .valid_for(self.t - 60, 86_400)
        .sign_as_root(&self.root)
        .unwrap()
    }

    /// The genesis and `n` add-member ops, each signed by both admins.
    fn ops(&self, threshold: u32, n: u32) -> Vec<ContextOp> {
        let mut ctx = self.genesis(threshold);
        for i in 1..=n {
            let op = ctx
                .propose(
                    OpKind::AddMember {
                        chain: vec![self.link(i)],
                    },
                    self.t,
                )
                .sign(&self.root)
                .sign(&self.second);
            ctx.apply(op).unwrap();
        }
        ctx.ops().to_vec()
    }

    /// Op `seq` rebuilt on `ops[seq - 1]` with `kind`, signed by both admins.
    fn resigned(&self, ops: &[ContextOp], seq: usize, kind: OpKind) -> ContextOp {
        ContextOp::new(self.id, seq as u64, ops[seq - 1].hash(), self.t, kind)
            .sign(&self.root)
            .sign(&self.second)
    }
}

fn log(seed: u8) -> Log {
    Log {
        root: RootKey::from_bytes(&[seed; 32]),
        second: RootKey::from_bytes(&[seed.wrapping_add(1); 32]),
        id: ContextId::from_bytes([seed.wrapping_add(2); 32]),
        t: now() - 30,
    }
}

/// Opens a replica on `ops`; the seq and reason of the refusal.
fn refusal(ops: Vec<ContextOp>, id: ContextId) -> (u64, Error) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let result = runtime.block_on(ContextReplica::open(Served(Arc::new(ops)), id, now()));
    match result {
        Err(Error::Context(ContextError::StoreLogRefused { seq, reason })) => (seq, *reason),
        Err(other) => panic!("expected a refused op, got {other}"),
        Ok(r) => panic!("tampered log accepted up to {}", r.head_seq().unwrap()),
    }
}

/// The untampered log opens (so each refusal below is the tampering's).
#[test]
fn untampered_log_opens() {
    let l = log(0x70);
    let ops = l.ops(2, 600);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let r = runtime
        .block_on(ContextReplica::open(Served(Arc::new(ops)), l.id, now()))
        .unwrap();
    assert_eq!(r.head_seq().unwrap(), 600);
}

/// An admin's valid signature on op i put on op j (same signer), on a
/// window boundary and inside a window: refused at j.
#[test]
fn a_signature_moved_to_another_op_is_refused_at_that_op() {
    let l = log(0x71);
    for (from, to) in [(100usize, 400usize), (255, 256), (256, 257), (511, 512)] {
        let mut ops = l.ops(1, 600);
        let stolen = ops[from]
            .signatures()
            .iter()
            .find(|s| s.signer == l.root.public_key())
            .unwrap()
            .clone();
        ops[to].add_signature(stolen);
        let (seq, reason) = refusal(ops, l.id);
        assert_eq!(
            (seq, reason),
            (to as u64, Error::InvalidSignature),
            "{from}→{to}"
        );
    }
}

/// The two admins' signatures on one op swapped (each signer given the
/// other's valid signature over the same message): refused.
#[test]
fn signatures_swapped_between_signers_are_refused() {
    let l = log(0x72);
    let mut ops = l.ops(2, 300);
    let sigs = ops[260].signatures().to_vec();
    let (mut a, mut b) = (sigs[0].clone(), sigs[1].clone());
    std::mem::swap(&mut a.signature, &mut b.signature);
    ops[260].add_signature(a);
    ops[260].add_signature(b);
    assert_eq!(refusal(ops, l.id), (260, Error::InvalidSignature));
}

/// A link whose signature is another (valid) link's, inside an op the
/// admins signed as it is: refused at that op, wherever in the window.
#[test]
fn a_link_signature_moved_to_another_link_is_refused() {
    let l = log(0x73);
    for (from, to) in [(10usize, 300usize), (255, 256)] {
        let mut ops = l.ops(2, 400);
        let donor = l.link(from as u32).to_bytes();
        let mut bytes = l.link(to as u32).to_bytes();
        let n = bytes.len();
        bytes[n - 64..].copy_from_slice(&donor[donor.len() - 64..]);
        let forged = UnverifiedDelegation::from_bytes(&bytes)
            .unwrap()
            .dangerous_inspect()
            .clone();
        ops[to] = l.resigned(
            &ops,
            to,
            OpKind::AddMember {
                chain: vec![forged],
            },
        );
        // Later ops chain on the tampered one, so only it is at fault.
        for seq in to + 1..ops.len() {
            let kind = ops[seq].kind().clone();
            ops[seq] = l.resigned(&ops, seq, kind);
        }
        assert_eq!(
            refusal(ops, l.id),
            (to as u64, Error::InvalidSignature),
            "{from}→{to}"
        );
    }
}

/// One op served twice, or two ops swapped, inside one page: refused at
/// the first seq out of place; nothing is applied twice.
#[test]
fn duplicated_or_reordered_ops_in_a_page_are_refused() {
    let l = log(0x74);
    let ops = l.ops(1, 400);
    let mut dup = ops.clone();
    dup.insert(301, ops[300].clone());
    let (seq, reason) = refusal(dup, l.id);
    assert_eq!(seq, 301);
    assert!(
        matches!(
            reason,
            Error::Context(ContextError::Sequence {
                expected: 301,
                got: 300
            })
        ),
        "{reason}"
    );
    let mut swapped = ops;
    swapped.swap(200, 201);
    let (seq, reason) = refusal(swapped, l.id);
    assert_eq!(seq, 200);
    assert!(
        matches!(reason, Error::Context(ContextError::Sequence { .. })),
        "{reason}"
    );
}
