//! A 32-byte secret and the keyed-BLAKE3 MAC key derived from it for one
//! purpose: what [`crate::ChallengeKey`] and [`crate::SnapshotKey`] hold.

use rand_core::CryptoRng;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// The secret's 32 bytes and `blake3::derive_key(context, bytes)`, both
/// wiped on drop.
pub(crate) struct MacKey {
    mac_key: [u8; 32],
    bytes: [u8; 32],
}

impl MacKey {
    /// A random secret.
    pub(crate) fn generate<R: CryptoRng + ?Sized>(context: &str, rng: &mut R) -> Self {
        let mut bytes = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(bytes.as_mut());
        Self::from_bytes(context, &bytes)
    }

    /// The secret `bytes`, its MAC key derived under `context`.
    pub(crate) fn from_bytes(context: &str, bytes: &[u8; 32]) -> Self {
        Self {
            mac_key: blake3::derive_key(context, bytes),
            bytes: *bytes,
        }
    }

    /// The secret's 32 bytes, in a buffer that wipes itself.
    pub(crate) fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.bytes)
    }

    /// The keyed BLAKE3 hash of `input`.
    pub(crate) fn mac(&self, input: &[u8]) -> blake3::Hash {
        blake3::keyed_hash(&self.mac_key, input)
    }
}

impl Drop for MacKey {
    fn drop(&mut self) {
        self.bytes.zeroize();
        self.mac_key.zeroize();
    }
}

impl ZeroizeOnDrop for MacKey {}
