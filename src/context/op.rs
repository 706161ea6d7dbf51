//! Context ops: what they do ([`OpKind`]), their signed bytes and hash
//! (FORMATS.md §9), their signatures, and the exported log (§10).

use serde::{Deserialize, Serialize};

use crate::client_key::ClientKey;
use crate::delegation::Delegation;
use crate::encoding::{CanonicalWriter, MAX_TIMESTAMP};
use crate::id::{ContextId, DelegationId, OpHash};
use crate::permission::Permissions;
use crate::public_key::{PublicKey, Signature};
use crate::root::RootKey;
use crate::wallet::AccountId;

const OP_DOMAIN: &str = "keytree/v1/context-op";
/// The only context-log format version this build reads and writes.
pub const LOG_VERSION: u32 = 1;
/// The op format version: the byte right after the domain tag in every
/// op's signed bytes ([`ContextOp::signing_bytes`]).
pub const OP_VERSION: u8 = 1;

/// A secret key that can sign context ops: a [`RootKey`] or a [`ClientKey`].
pub trait Signer: sealed::Sealed {
    /// The public half.
    fn public_key(&self) -> PublicKey;
}

/// The signing half lives on the sealed supertrait, which callers outside
/// the crate cannot name: a `Signer` signs only op bytes, through
/// [`ContextOp::sign`], never bytes a caller chooses.
mod sealed {
    pub trait Sealed {
        fn sign_op_bytes(&self, message: &[u8]) -> crate::Signature;
    }
    impl Sealed for crate::RootKey {
        fn sign_op_bytes(&self, message: &[u8]) -> crate::Signature {
            self.sign(message)
        }
    }
    impl Sealed for crate::ClientKey {
        fn sign_op_bytes(&self, message: &[u8]) -> crate::Signature {
            self.sign(message)
        }
    }
}

impl Signer for RootKey {
    fn public_key(&self) -> PublicKey {
        RootKey::public_key(self)
    }
}

impl Signer for ClientKey {
    fn public_key(&self) -> PublicKey {
        ClientKey::public_key(self)
    }
}

/// What an op does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum OpKind {
    /// Op 0: creates the context. Signed by the root alone.
    Genesis {
        /// The root key (always an admin).
        root: PublicKey,
        /// Further admins, sorted, without duplicates, not the root.
        admins: Vec<PublicKey>,
        /// Admin signatures needed for every later op (1 ≤ k ≤ admins + 1).
        threshold: u32,
        /// The longest member delegation chain accepted.
        max_chain_depth: u32,
    },
    /// Adds the leaf subject of `chain` as a member.
    AddMember {
        /// Root (or admin) → … → member.
        chain: Vec<Delegation>,
    },
    /// Replaces a member's permissions (within its delegation).
    SetPermissions {
        /// The member.
        member: PublicKey,
        /// The new permissions.
        permissions: Permissions,
    },
    /// Revokes a key and everything below it, permanently.
    RevokeKey {
        /// The key.
        key: PublicKey,
    },
    /// Revokes a delegation and every member whose chain contains it.
    RevokeDelegation {
        /// The delegation id.
        id: DelegationId,
    },
    /// Adds an admin.
    AddAdmin {
        /// The key.
        key: PublicKey,
    },
    /// Removes an admin (not the root), and revokes every member whose
    /// chain's first link that admin issued (with its cascade); the removed
    /// key itself is not revoked.
    RemoveAdmin {
        /// The key.
        key: PublicKey,
    },
    /// Op 7: adds a wallet account as a member in its own name, with
    /// `permissions` (also its ceiling) inside the window
    /// `[not_before, expires_at)`.
    AddAccount {
        /// The account (CAIP-10).
        account: AccountId,
        /// Its permissions, and the most `SetAccountPermissions` may restore.
        permissions: Permissions,
        /// The start of its window (unix seconds).
        not_before: u64,
        /// The end of its window (unix seconds, exclusive).
        expires_at: u64,
    },
    /// Op 8: narrows a wallet member's permissions, or restores them up to
    /// its `AddAccount` grant.
    SetAccountPermissions {
        /// The member (its primary account, not a linked alias).
        account: AccountId,
        /// The new permissions.
        permissions: Permissions,
    },
    /// Op 9: revokes a wallet member permanently, with every account linked
    /// to it. Naming a linked alias revokes the whole member.
    RevokeAccount {
        /// The member or one of its linked accounts.
        account: AccountId,
    },
    /// Op 10: links `account` to the wallet member `member` as an alias
    /// (same permissions, window and identity).
    LinkAccount {
        /// The member (its primary account).
        member: AccountId,
        /// The account to link.
        account: AccountId,
    },
    /// Op 11: unlinks an alias (not a revocation: it may be linked or added
    /// again later).
    UnlinkAccount {
        /// The linked account.
        account: AccountId,
    },
}

/// The op encoding of a permission set: a u32 count, then each name as a
/// length-prefixed byte string (sorted, as [`Permissions`] iterates).
fn encode_permissions(w: &mut CanonicalWriter, permissions: &Permissions) {
    w.u32(u32::try_from(permissions.len()).unwrap_or(u32::MAX));
    for p in permissions {
        w.bytes(p.as_str().as_bytes());
    }
}

/// An account in op bytes: its canonical CAIP-10 text as a byte string.
fn encode_account(w: &mut CanonicalWriter, account: &AccountId) {
    w.bytes(account.to_string().as_bytes());
}

impl OpKind {
    fn encode(&self, w: &mut CanonicalWriter) {
        match self {
            Self::Genesis {
                root,
                admins,
                threshold,
                max_chain_depth,
            } => {
                w.u8(0).bytes(root.as_bytes());
                w.u32(u32::try_from(admins.len()).unwrap_or(u32::MAX));
                for a in admins {
                    w.bytes(a.as_bytes());
                }
                w.u32(*threshold).u32(*max_chain_depth);
            }
            Self::AddMember { chain } => {
                w.u8(1).u32(u32::try_from(chain.len()).unwrap_or(u32::MAX));
                for link in chain {
                    w.bytes(&link.to_bytes());
                }
            }
            Self::SetPermissions {
                member,
                permissions,
            } => {
                w.u8(2).bytes(member.as_bytes());
                w.u32(u32::try_from(permissions.len()).unwrap_or(u32::MAX));
                for p in permissions {
                    w.bytes(p.as_str().as_bytes());
                }
            }
            Self::RevokeKey { key } => {
                w.u8(3).bytes(key.as_bytes());
            }
            Self::RevokeDelegation { id } => {
                w.u8(4).bytes(id.as_bytes());
            }
            Self::AddAdmin { key } => {
                w.u8(5).bytes(key.as_bytes());
            }
            Self::RemoveAdmin { key } => {
                w.u8(6).bytes(key.as_bytes());
            }
            Self::AddAccount {
                account,
                permissions,
                not_before,
                expires_at,
            } => {
                w.u8(7);
                encode_account(w, account);
                encode_permissions(w, permissions);
                w.u64(*not_before).u64(*expires_at);
            }
            Self::SetAccountPermissions {
                account,
                permissions,
            } => {
                w.u8(8);
                encode_account(w, account);
                encode_permissions(w, permissions);
            }
            Self::RevokeAccount { account } => {
                w.u8(9);
                encode_account(w, account);
            }
            Self::LinkAccount { member, account } => {
                w.u8(10);
                encode_account(w, member);
                encode_account(w, account);
            }
            Self::UnlinkAccount { account } => {
                w.u8(11);
                encode_account(w, account);
            }
        }
    }
}

/// One admin's signature on an op.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpSignature {
    /// The admin key.
    pub signer: PublicKey,
    /// Its signature over the op's canonical bytes.
    pub signature: Signature,
}

/// A signed change to a context.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextOp {
    pub(crate) context_id: ContextId,
    pub(crate) seq: u64,
    pub(crate) prev: OpHash,
    pub(crate) timestamp: u64,
    pub(crate) op: OpKind,
    pub(crate) signatures: Vec<OpSignature>,
}

impl ContextOp {
    /// An unsigned op. Usually made with [`Context::propose`](crate::Context::propose).
    pub fn new(context_id: ContextId, seq: u64, prev: OpHash, timestamp: u64, op: OpKind) -> Self {
        Self {
            context_id,
            seq,
            prev,
            timestamp,
            op,
            signatures: Vec::new(),
        }
    }

    /// The canonical bytes every signer signs (signatures excluded).
    pub fn signing_bytes(&self) -> Vec<u8> {
        let mut w = CanonicalWriter::new(OP_DOMAIN);
        w.u8(OP_VERSION)
            .bytes(self.context_id.as_bytes())
            .u64(self.seq)
            .bytes(self.prev.as_bytes())
            .u64(self.timestamp);
        self.op.encode(&mut w);
        w.finish()
    }

    /// The op's hash: BLAKE3 of [`ContextOp::signing_bytes`].
    pub fn hash(&self) -> OpHash {
        OpHash(*blake3::hash(&self.signing_bytes()).as_bytes())
    }

    /// Adds `signer`'s signature (replacing an earlier one by the same key).
    ///
    /// An op whose timestamp is beyond [`MAX_TIMESTAMP`] is never signed:
    /// it is returned unchanged, and [`Context::apply`](crate::Context::apply) (or
    /// [`ContextBuilder::create`](crate::ContextBuilder::create)) refuses it with
    /// [`Error::TimestampOutOfRange`](crate::Error::TimestampOutOfRange).
    #[must_use]
    pub fn sign(mut self, signer: &impl Signer) -> Self {
        if self.timestamp > MAX_TIMESTAMP {
            return self;
        }
        let bytes = self.signing_bytes();
        let key = signer.public_key();
        self.signatures.retain(|s| s.signer != key);
        self.signatures.push(OpSignature {
            signer: key,
            signature: sealed::Sealed::sign_op_bytes(signer, &bytes),
        });
        self.signatures.sort_by_key(|s| s.signer);
        self
    }

    /// Adds a signature made elsewhere (for k-of-n signing across machines).
    pub fn add_signature(&mut self, signature: OpSignature) {
        self.signatures.retain(|s| s.signer != signature.signer);
        self.signatures.push(signature);
        self.signatures.sort_by_key(|s| s.signer);
    }

    /// The context.
    pub fn context_id(&self) -> &ContextId {
        &self.context_id
    }
    /// The sequence number.
    pub fn seq(&self) -> u64 {
        self.seq
    }
    /// The previous op's hash.
    pub fn prev(&self) -> &OpHash {
        &self.prev
    }
    /// The op's timestamp (unix seconds).
    pub fn timestamp(&self) -> u64 {
        self.timestamp
    }
    /// What the op does.
    pub fn kind(&self) -> &OpKind {
        &self.op
    }
    /// The signatures.
    pub fn signatures(&self) -> &[OpSignature] {
        &self.signatures
    }
}

/// A context's exported log: the JSON a node imports to rebuild the context.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextLog {
    /// [`LOG_VERSION`].
    pub version: u32,
    /// The ops, genesis first.
    pub ops: Vec<ContextOp>,
}
