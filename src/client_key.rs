//! Client keys: per-context Ed25519 keys, derived from a native root or
//! generated at random for wallet roots.

use ed25519_dalek::SigningKey;
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::delta::Delta;
use crate::id::ContextId;

/// The HKDF salt of client-key derivation.
pub const CLIENT_KEY_SALT: &[u8] = b"keytree/v1/client-key";

/// A client key: the secret a device or service holds for one context.
///
/// Same secret hygiene as [`crate::RootKey`]: zeroized on drop, no secret in
/// `Debug`, constant-time equality, exported only as [`Zeroizing`](zeroize::Zeroizing) bytes.
pub struct ClientKey {
    signing: SigningKey,
}

crate::secret_key::ed25519_secret_key!(ClientKey);

impl ClientKey {
    /// HKDF-SHA256(ikm = root seed, salt = [`CLIENT_KEY_SALT`],
    /// info = context id ‖ index u32 BE) → Ed25519 seed.
    ///
    /// The pseudorandom key (PRK) from the extract step is the secret from
    /// which every client key of the root derives; it lives only in a
    /// [`Prk`] buffer that is wiped on drop, and the SHA-256 states of the
    /// HMACs keyed with it (and with the root seed) are wiped when dropped
    /// too (`sha2`'s `zeroize` feature).
    pub(crate) fn derive(root_seed: &[u8; 32], context: &ContextId, index: u32) -> Self {
        let mut info = [0u8; 36];
        let (ctx, idx) = info.split_at_mut(32);
        ctx.copy_from_slice(context.as_bytes());
        idx.copy_from_slice(&index.to_be_bytes());
        let prk = Prk::extract(root_seed);
        let seed = prk.expand_seed(&info);
        Self {
            signing: SigningKey::from_bytes(&seed),
        }
    }

    /// Signs a state delta for `context`, made against membership sequence
    /// number `seq` (the head of the context's log the signer saw) at time
    /// `timestamp` (unix seconds; the delta's signer must be inside its
    /// delegation window then, see [`crate::Context::verify_delta`]).
    ///
    /// The signed bytes are the `keytree/v1/delta` layout: context id,
    /// signer key, `seq` (u64), `timestamp` (u64), payload.
    ///
    /// # Errors
    /// [`crate::Error::TimestampOutOfRange`] when `timestamp` is beyond
    /// [`MAX_TIMESTAMP`](crate::MAX_TIMESTAMP); [`crate::Error::Decode`]
    /// when the payload is longer than [`crate::MAX_DELTA_PAYLOAD`].
    pub fn sign_delta(
        &self,
        context: &ContextId,
        seq: u64,
        timestamp: u64,
        payload: &[u8],
    ) -> crate::Result<Delta> {
        Delta::sign(
            &self.signing,
            self.public_key(),
            *context,
            seq,
            timestamp,
            payload.to_vec(),
        )
    }

    /// [`ClientKey::sign_delta`] stamped with the system clock's time.
    ///
    /// # Errors
    /// As [`ClientKey::sign_delta`].
    pub fn sign_delta_now(
        &self,
        context: &ContextId,
        seq: u64,
        payload: &[u8],
    ) -> crate::Result<Delta> {
        self.sign_delta(context, seq, crate::encoding::unix_now(), payload)
    }
}

/// The HKDF-SHA256 extract output for one root seed, wiped on drop.
struct Prk(Zeroizing<[u8; 32]>);

impl Prk {
    fn extract(root_seed: &[u8; 32]) -> Self {
        let mut prk = Zeroizing::new([0u8; 32]);
        let (out, _hk) = Hkdf::<Sha256>::extract(Some(CLIENT_KEY_SALT), root_seed);
        prk.copy_from_slice(&out);
        // `out` is a plain array on the stack: wipe it before it goes.
        let mut out = out;
        zeroize::Zeroize::zeroize(out.as_mut_slice());
        Self(prk)
    }

    fn expand_seed(&self, info: &[u8]) -> Zeroizing<[u8; 32]> {
        let mut seed = Zeroizing::new([0u8; 32]);
        match Hkdf::<Sha256>::from_prk(self.0.as_slice()) {
            Ok(hk) if hk.expand(info, seed.as_mut()).is_ok() => seed,
            // A 32-byte PRK is always accepted and a 32-byte output always
            // fits (HKDF-SHA256 refuses only PRKs under 32 bytes and outputs
            // over 255 * 32 bytes). Falling back to any fixed seed would be a
            // known key, so this stays unreachable.
            _ => unreachable!("HKDF-SHA256 with a 32-byte PRK and output cannot fail"),
        }
    }
}

impl zeroize::ZeroizeOnDrop for Prk {}

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
    fn prk_and_hmac_states_are_wiped_on_drop() {
        fn wiped_on_drop<T: zeroize::ZeroizeOnDrop>() {}
        // The extract output, and the SHA-256 cores inside every HMAC state
        // keyed with the root seed or the PRK (hkdf's `Hkdf` holds one).
        wiped_on_drop::<Prk>();
        wiped_on_drop::<sha2::block_api::Sha256VarCore>();
        // The derivation is still RFC 5869 HKDF-SHA256.
        let root_seed = [3u8; 32];
        let ctx = ContextId::from_bytes([1; 32]);
        let mut info = [0u8; 36];
        info[..32].copy_from_slice(ctx.as_bytes());
        info[32..].copy_from_slice(&7u32.to_be_bytes());
        let mut expected = [0u8; 32];
        Hkdf::<Sha256>::new(Some(CLIENT_KEY_SALT), &root_seed)
            .expand(&info, &mut expected)
            .unwrap();
        assert_eq!(
            ClientKey::derive(&root_seed, &ctx, 7),
            ClientKey::from_bytes(&expected)
        );
    }

    #[test]
    fn debug_hides_secret() {
        let key = ClientKey::from_bytes(&[0x42; 32]);
        let dbg = format!("{key:?}");
        assert!(dbg.starts_with("ClientKey { public_key: PublicKey(ed25519:"));
    }
}
