//! Client keys: per-context Ed25519 keys, derived from a native root or
//! generated at random for wallet roots.

use ed25519_dalek::SigningKey;
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::context::{ContextId, Delta};

/// The HKDF salt of client-key derivation.
pub const CLIENT_KEY_SALT: &[u8] = b"keytree/v1/client-key";

/// A client key: the secret a device or service holds for one context.
///
/// Same secret hygiene as [`crate::RootKey`]: zeroized on drop, no secret in
/// `Debug`, constant-time equality, exported only as [`Zeroizing`] bytes.
pub struct ClientKey {
    signing: SigningKey,
}

crate::secret_key::ed25519_secret_key!(ClientKey);

impl ClientKey {
    /// HKDF-SHA256(ikm = root seed, salt = [`CLIENT_KEY_SALT`],
    /// info = context id ‖ index u32 BE) → Ed25519 seed.
    pub(crate) fn derive(root_seed: &[u8; 32], context: &ContextId, index: u32) -> Self {
        let hk = Hkdf::<Sha256>::new(Some(CLIENT_KEY_SALT), root_seed);
        let mut info = [0u8; 36];
        let (ctx, idx) = info.split_at_mut(32);
        ctx.copy_from_slice(context.as_bytes());
        idx.copy_from_slice(&index.to_be_bytes());
        let mut seed = Zeroizing::new([0u8; 32]);
        if hk.expand(&info, seed.as_mut()).is_err() {
            // HKDF-SHA256 refuses only outputs over 255 * 32 bytes; 32 bytes
            // never fail, whatever the inputs. Falling back to any fixed seed
            // would be a known key, so this stays unreachable.
            unreachable!("HKDF-SHA256 expand of 32 bytes cannot fail");
        }
        Self {
            signing: SigningKey::from_bytes(&seed),
        }
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
