//! Client keys: per-context Ed25519 keys, derived from a native root or
//! generated at random for wallet roots.

use std::fmt;

use ed25519_dalek::{Signer as _, SigningKey};
use hkdf::Hkdf;
use rand_core::CryptoRng;
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::context::{ContextId, Delta};
use crate::public_key::{PublicKey, Signature};

/// The HKDF salt of client-key derivation.
pub const CLIENT_KEY_SALT: &[u8] = b"keytree/v1/client-key";

/// A client key: the secret a device or service holds for one context.
///
/// Same secret hygiene as [`crate::RootKey`]: zeroized on drop, no secret in
/// `Debug`, constant-time equality, exported only as [`Zeroizing`] bytes.
pub struct ClientKey {
    signing: SigningKey,
}

impl ClientKey {
    /// Generates a random client key (for wallet roots, which cannot derive).
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        Self {
            signing: SigningKey::generate(rng),
        }
    }

    /// A client key from its 32-byte seed.
    pub fn from_bytes(seed: &[u8; 32]) -> Self {
        Self {
            signing: SigningKey::from_bytes(seed),
        }
    }

    /// The seed, in a buffer that wipes itself when dropped.
    pub fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.signing.to_bytes())
    }

    /// HKDF-SHA256(ikm = root seed, salt = [`CLIENT_KEY_SALT`],
    /// info = context id ‖ index u32 BE) → Ed25519 seed.
    pub(crate) fn derive(root_seed: &[u8; 32], context: &ContextId, index: u32) -> Self {
        let hk = Hkdf::<Sha256>::new(Some(CLIENT_KEY_SALT), root_seed);
        let mut info = [0u8; 36];
        let (ctx, idx) = info.split_at_mut(32);
        ctx.copy_from_slice(context.as_bytes());
        idx.copy_from_slice(&index.to_be_bytes());
        let mut seed = Zeroizing::new([0u8; 32]);
        // 32 bytes is far below HKDF-SHA256's 8160-byte limit, so expand
        // cannot fail; should it ever, the zero seed would be caught by the
        // derivation vectors, and we still never panic.
        if hk.expand(&info, seed.as_mut()).is_err() {
            seed.as_mut().fill(0);
        }
        Self {
            signing: SigningKey::from_bytes(&seed),
        }
    }

    /// The public key, always derived from the secret.
    pub fn public_key(&self) -> PublicKey {
        PublicKey::from_verifying_key(self.signing.verifying_key())
    }

    /// Signs `message` with plain Ed25519 (see [`crate::RootKey::sign`]).
    pub fn sign(&self, message: &[u8]) -> Signature {
        Signature::from_dalek(&self.signing.sign(message))
    }

    /// Signs a state delta for `context`, made against membership sequence
    /// number `seq` (the head of the context's log the signer saw).
    pub fn sign_delta(&self, context: &ContextId, seq: u64, payload: &[u8]) -> Delta {
        Delta::sign(
            &self.signing,
            self.public_key(),
            *context,
            seq,
            payload.to_vec(),
        )
    }

    pub(crate) fn signing_key(&self) -> &SigningKey {
        &self.signing
    }
}

impl ConstantTimeEq for ClientKey {
    fn ct_eq(&self, other: &Self) -> subtle::Choice {
        self.signing.as_bytes().ct_eq(other.signing.as_bytes())
    }
}

impl PartialEq for ClientKey {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other).into()
    }
}

impl Eq for ClientKey {}

impl fmt::Debug for ClientKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientKey")
            .field("public_key", &self.public_key())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RootKey;

    #[test]
    fn derivation_is_deterministic_and_separated() {
        let root = RootKey::from_bytes(&[3; 32]);
        let c1 = ContextId::from_bytes([1; 32]);
        let c2 = ContextId::from_bytes([2; 32]);
        assert_eq!(
            root.derive_client_key(&c1, 0),
            root.derive_client_key(&c1, 0)
        );
        assert_ne!(
            root.derive_client_key(&c1, 0),
            root.derive_client_key(&c1, 1)
        );
        assert_ne!(
            root.derive_client_key(&c1, 0),
            root.derive_client_key(&c2, 0)
        );
        let other = RootKey::from_bytes(&[4; 32]);
        assert_ne!(
            root.derive_client_key(&c1, 0),
            other.derive_client_key(&c1, 0)
        );
    }

    #[test]
    fn debug_hides_secret() {
        let key = ClientKey::from_bytes(&[0x42; 32]);
        let dbg = format!("{key:?}");
        assert!(dbg.starts_with("ClientKey { public_key: PublicKey(ed25519:"));
    }
}
