//! Root keys and root identities.

use std::fmt;

use ed25519_dalek::SigningKey;

use crate::client_key::ClientKey;
use crate::id::ContextId;
use crate::public_key::PublicKey;
use crate::wallet::AccountId;

/// A native root secret: an Ed25519 key from which client keys derive.
///
/// Zeroized on drop (the dalek key wipes itself), never printed by `Debug`
/// (which shows the public key), compared in constant time, and exported only
/// as [`Zeroizing`](zeroize::Zeroizing) bytes. Not `Clone`: a root secret is moved, not copied.
///
/// # Example
/// ```
/// use keytree::{ContextId, RootKey};
/// let root = RootKey::generate(&mut rand::rng());
/// let ctx = ContextId::from_bytes([7; 32]);
/// let a = root.derive_client_key(&ctx, 0);
/// let b = root.derive_client_key(&ctx, 0);
/// assert_eq!(a.public_key(), b.public_key());
/// assert_ne!(a.public_key(), root.derive_client_key(&ctx, 1).public_key());
/// Ok::<(), keytree::Error>(())
/// ```
pub struct RootKey {
    signing: SigningKey,
}

crate::secret_key::ed25519_secret_key!(RootKey);

impl RootKey {
    /// The identity this root stands for.
    pub fn identity(&self) -> RootIdentity {
        RootIdentity::Native(self.public_key())
    }

    /// Derives the client key for `context` at rotation `index`:
    /// HKDF-SHA256(ikm = seed, salt = `keytree/v1/client-key`,
    /// info = context id ‖ index as u32 big-endian) gives the client seed.
    pub fn derive_client_key(&self, context: &ContextId, index: u32) -> ClientKey {
        ClientKey::derive(self.signing.as_bytes(), context, index)
    }
}

/// Who stands at the top of a delegation tree: a native root key, or a
/// wallet account (NEAR, Ethereum, ICP, Stellar, Solana, a raw key) that
/// signs delegations in its chain's own message format.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RootIdentity {
    /// A native Ed25519 root key.
    Native(PublicKey),
    /// A wallet account. It cannot derive client keys: its client keys are
    /// random, and it signs their delegations.
    Wallet(AccountId),
}

impl fmt::Display for RootIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Native(key) => key.fmt(f),
            Self::Wallet(account) => account.fmt(f),
        }
    }
}

impl serde::Serialize for RootIdentity {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_text_and_json() {
        let id = RootKey::from_bytes(&[5; 32]).identity();
        assert_eq!(id.to_string().parse::<RootIdentity>().unwrap(), id);
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(serde_json::from_str::<RootIdentity>(&json).unwrap(), id);
        assert!("nope".parse::<RootIdentity>().is_err());
        let wallet: RootIdentity = "eip155:1:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
            .parse()
            .unwrap();
        assert!(matches!(wallet, RootIdentity::Wallet(_)));
        let json = serde_json::to_string(&wallet).unwrap();
        assert_eq!(serde_json::from_str::<RootIdentity>(&json).unwrap(), wallet);
        assert!(
            "eip155:1:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"
                .parse::<RootIdentity>()
                .is_err()
        );
    }

    #[test]
    fn debug_hides_secret() {
        let root = RootKey::from_bytes(&[0x42; 32]);
        let dbg = format!("{root:?}");
        assert!(dbg.contains("ed25519:"));
        assert!(!dbg.contains("42, 42"));
        assert!(!dbg.to_lowercase().contains("4242"));
    }

    #[test]
    fn equality_and_round_trip() {
        let a = RootKey::from_bytes(&[1; 32]);
        let b = RootKey::from_bytes(&a.to_bytes());
        assert_eq!(a, b);
        assert_ne!(a, RootKey::from_bytes(&[2; 32]));
        let sig = a.sign(b"m");
        a.public_key().verify(b"m", &sig).unwrap();
        assert!(a.public_key().verify(b"n", &sig).is_err());
    }

    #[test]
    fn rfc8032_test_1_public_key() {
        let seed: [u8; 32] = crate::encoding::hex_decode(
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
            "seed",
        )
        .unwrap()
        .try_into()
        .unwrap();
        let root = RootKey::from_bytes(&seed);
        assert_eq!(
            crate::encoding::hex_encode(root.public_key().as_bytes()),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
        );
    }
}
