//! The 32-byte ids every layer names: contexts, delegations and ops.
//!
//! They sit below keys, delegations and contexts so that everything that
//! names an id imports it from here, never from the module that makes it.

use rand_core::CryptoRng;

/// A context's 32-byte id. Text form: base58.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContextId([u8; 32]);

impl ContextId {
    /// A random id.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut id = [0u8; 32];
        rng.fill_bytes(&mut id);
        Self(id)
    }
}

crate::encoding::base58_id!(ContextId, "context id");

/// The BLAKE3 hash of a delegation's canonical bytes. Text form: base58.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DelegationId(pub(crate) [u8; 32]);

crate::encoding::base58_id!(DelegationId, "delegation id");

/// The BLAKE3 hash of an op's canonical bytes. Text form: base58.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct OpHash(pub(crate) [u8; 32]);

crate::encoding::base58_id!(OpHash, "op hash");
