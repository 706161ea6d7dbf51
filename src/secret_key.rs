//! The common shape of keytree's two Ed25519 secrets, [`crate::RootKey`] and
//! [`crate::ClientKey`]: one definition of their hygiene, so the two cannot
//! drift apart.
//!
//! Each is a `struct Name { signing: SigningKey }`. The dalek key zeroizes
//! itself on drop; the macro adds generation, import and `Zeroizing` export
//! of the seed, the public key (always derived from the secret), signing
//! (crate-private, plus the tagged raw-key login),
//! constant-time equality, and a `Debug` that shows only the public key.

macro_rules! ed25519_secret_key {
    ($name:ident) => {
        impl $name {
            /// Generates a key from a cryptographically secure RNG.
            pub fn generate<R: ::rand_core::CryptoRng + ?Sized>(rng: &mut R) -> Self {
                Self {
                    signing: ::ed25519_dalek::SigningKey::generate(rng),
                }
            }

            /// A key from its 32-byte seed (the RFC 8032 private key).
            pub fn from_bytes(seed: &[u8; 32]) -> Self {
                Self {
                    signing: ::ed25519_dalek::SigningKey::from_bytes(seed),
                }
            }

            /// The seed, in a buffer that wipes itself when dropped.
            pub fn to_bytes(&self) -> ::zeroize::Zeroizing<[u8; 32]> {
                ::zeroize::Zeroizing::new(self.signing.to_bytes())
            }

            /// The public key, always derived from the secret.
            pub fn public_key(&self) -> $crate::PublicKey {
                $crate::PublicKey::from_verifying_key(self.signing.verifying_key())
            }

            /// Plain Ed25519 over `message`: crate-private, so that no
            /// public method signs bytes a caller names. Every caller passes
            /// bytes that begin with its protocol's tag.
            pub(crate) fn sign(&self, message: &[u8]) -> $crate::Signature {
                use ::ed25519_dalek::Signer as _;
                $crate::Signature::from_dalek(&self.signing.sign(message))
            }

            /// Signs a bare-key login with this key as a raw Ed25519 wallet
            /// key: the signature covers
            /// [`RawKeyProof::signing_bytes`](crate::RawKeyProof::signing_bytes)`(message)`
            /// (`"keytree/v1/login/raw-key\n" ‖ message`), never `message`
            /// alone, so no server can obtain through a login a signature
            /// that means anything in another keytree protocol.
            pub fn sign_raw_key_login(&self, message: &[u8]) -> $crate::Signature {
                self.sign(&$crate::RawKeyProof::signing_bytes(message))
            }

            pub(crate) fn signing_key(&self) -> &::ed25519_dalek::SigningKey {
                &self.signing
            }
        }

        impl ::subtle::ConstantTimeEq for $name {
            fn ct_eq(&self, other: &Self) -> ::subtle::Choice {
                self.signing.as_bytes().ct_eq(other.signing.as_bytes())
            }
        }

        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                ::subtle::ConstantTimeEq::ct_eq(self, other).into()
            }
        }

        impl Eq for $name {}

        impl ::std::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("public_key", &self.public_key())
                    .finish_non_exhaustive()
            }
        }
    };
}
pub(crate) use ed25519_secret_key;
