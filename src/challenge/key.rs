//! The server key that seals challenge nonces, and the seal itself.

use std::fmt;

use rand_core::CryptoRng;
use subtle::ConstantTimeEq as _;
use zeroize::{ZeroizeOnDrop, Zeroizing};

use crate::mac_key::MacKey;

use super::nonce::ChallengeNonce;
use crate::encoding::CanonicalWriter;
use crate::wallet::AccountId;

/// The domain tag of the nonce MAC input.
const SEAL_DOMAIN: &str = "keytree/v1/challenge-nonce";
/// The BLAKE3 key-derivation context that turns the configured key into the
/// MAC key (so the configured bytes are never used as a MAC key directly).
const KDF_CONTEXT: &str = "keytree/v1 challenge-nonce mac key";
/// The largest issue time a nonce can carry (40 bits of unix seconds).
pub(crate) const MAX_ISSUED_AT: u64 = (1 << 40) - 1;
/// The largest lifetime a nonce can carry (24 bits of seconds).
pub(crate) const MAX_TTL: u64 = (1 << 24) - 1;

/// The secret key with which a [`crate::ChallengeIssuer`] seals its nonces
/// (a keyed-BLAKE3 MAC), so that issuing a challenge stores nothing and a
/// redemption can tell a nonce it issued from a forged one.
///
/// Every instance of a fleet that shares a domain must hold the same key
/// (from configuration or a secret manager): a nonce issued by one instance
/// is redeemed by another. Rotating it invalidates the challenges
/// outstanding (at most one challenge lifetime of logins must start again).
/// Rotate it whenever the [`crate::NonceStore`] loses its data (a Redis
/// restart without persistence): the spent marks are gone, so nonces
/// issued before would be redeemable again until they expire.
///
/// Secret hygiene: 32 bytes, wiped on drop, not `Clone`, no `Debug` output
/// of the key, never serialized; exported only as `Zeroizing` bytes.
///
/// # Example
/// ```
/// use keytree::ChallengeKey;
/// let key = ChallengeKey::generate(&mut rand::rng());
/// let same = ChallengeKey::from_bytes(&key.to_bytes());
/// assert_eq!(format!("{key:?}"), "ChallengeKey { .. }");
/// # let _ = same;
/// Ok::<(), keytree::Error>(())
/// ```
pub struct ChallengeKey(MacKey);

impl ChallengeKey {
    /// A random key (one instance, or to put into the fleet's config).
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        Self(MacKey::generate(KDF_CONTEXT, rng))
    }

    /// The key from its 32 bytes (shared by every instance of the fleet).
    pub fn from_bytes(bytes: &[u8; 32]) -> Self {
        Self(MacKey::from_bytes(KDF_CONTEXT, bytes))
    }

    /// The 32 bytes, in a buffer that wipes itself.
    pub fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        self.0.to_bytes()
    }

    fn tag(
        &self,
        domain: &str,
        account: &AccountId,
        issued_at: u64,
        expires_at: u64,
        random: &[u8],
        binding: Option<&[u8]>,
    ) -> [u8; 16] {
        let mut w = CanonicalWriter::new(SEAL_DOMAIN);
        w.bytes(domain.as_bytes())
            .bytes(account.to_string().as_bytes())
            .u64(issued_at)
            .u64(expires_at)
            .bytes(random);
        // A bound nonce's MAC input has one more field, so it never equals
        // an unbound one's (whose input, and so whose nonces, are unchanged).
        if let Some(binding) = binding {
            w.bytes(binding);
        }
        let mac = self.0.mac(&w.finish());
        let mut tag = [0u8; 16];
        tag.copy_from_slice(mac.as_bytes().get(..16).unwrap_or(&[0; 16]));
        tag
    }

    /// A sealed nonce for these fields. `issued_at` ≤ 2^40 − 1 and `ttl` ≤
    /// 2^24 − 1 (the caller checks).
    #[cfg(test)]
    pub(crate) fn seal(
        &self,
        domain: &str,
        account: &AccountId,
        issued_at: u64,
        ttl: u64,
        random: [u8; 8],
    ) -> ChallengeNonce {
        self.seal_bound(domain, account, issued_at, ttl, random, None)
    }

    /// [`Self::seal`], the MAC also over `binding` when there is one (what
    /// the nonce was issued for, e.g. the session that asked for it).
    pub(crate) fn seal_bound(
        &self,
        domain: &str,
        account: &AccountId,
        issued_at: u64,
        ttl: u64,
        random: [u8; 8],
        binding: Option<&[u8]>,
    ) -> ChallengeNonce {
        let expires_at = issued_at.saturating_add(ttl);
        let mut out = [0u8; 32];
        let (head, tag) = out.split_at_mut(16);
        let (times, rand) = head.split_at_mut(8);
        let (issued, life) = times.split_at_mut(5);
        issued.copy_from_slice(issued_at.to_be_bytes().get(3..).unwrap_or(&[0; 5]));
        life.copy_from_slice(ttl.to_be_bytes().get(5..).unwrap_or(&[0; 3]));
        rand.copy_from_slice(&random);
        tag.copy_from_slice(&self.tag(domain, account, issued_at, expires_at, &random, binding));
        ChallengeNonce::from_bytes(out)
    }

    /// Opens a nonce for `domain` and `account`: its `(issued_at,
    /// expires_at)` when its MAC is this key's over them, `None` otherwise
    /// (forged, altered, another key's, another domain's or account's).
    /// The MAC is compared in constant time.
    #[cfg(test)]
    pub(crate) fn open(
        &self,
        nonce: &ChallengeNonce,
        domain: &str,
        account: &AccountId,
    ) -> Option<(u64, u64)> {
        self.open_bound(nonce, domain, account, None)
    }

    /// [`Self::open`] for a nonce sealed by [`Self::seal_bound`] with the
    /// same `binding` (`None` opens unbound nonces only).
    pub(crate) fn open_bound(
        &self,
        nonce: &ChallengeNonce,
        domain: &str,
        account: &AccountId,
        binding: Option<&[u8]>,
    ) -> Option<(u64, u64)> {
        let b = nonce.as_bytes();
        let mut issued = [0u8; 8];
        issued.get_mut(3..)?.copy_from_slice(b.get(0..5)?);
        let mut life = [0u8; 8];
        life.get_mut(5..)?.copy_from_slice(b.get(5..8)?);
        let issued_at = u64::from_be_bytes(issued);
        let expires_at = issued_at.saturating_add(u64::from_be_bytes(life));
        let expected = self.tag(
            domain,
            account,
            issued_at,
            expires_at,
            b.get(8..16)?,
            binding,
        );
        bool::from(expected.ct_eq(b.get(16..32)?)).then_some((issued_at, expires_at))
    }
}

impl ZeroizeOnDrop for ChallengeKey {}

impl fmt::Debug for ChallengeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChallengeKey").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(n: u8) -> AccountId {
        AccountId::raw_ed25519(&crate::RootKey::from_bytes(&[n; 32]).public_key())
    }

    #[test]
    fn seal_opens_only_for_its_key_domain_and_account() {
        let key = ChallengeKey::from_bytes(&[1; 32]);
        let n = key.seal("example.com", &account(1), 1_700_000_000, 300, [7; 8]);
        assert_eq!(
            key.open(&n, "example.com", &account(1)),
            Some((1_700_000_000, 1_700_000_300))
        );
        assert_eq!(key.open(&n, "example.org", &account(1)), None);
        assert_eq!(key.open(&n, "example.com", &account(2)), None);
        let other = ChallengeKey::from_bytes(&[2; 32]);
        assert_eq!(other.open(&n, "example.com", &account(1)), None);
        for i in 0..32 {
            let mut b = *n.as_bytes();
            b[i] ^= 1;
            let altered = ChallengeNonce::from_bytes(b);
            assert_eq!(
                key.open(&altered, "example.com", &account(1)),
                None,
                "byte {i}"
            );
        }
        // A bound nonce opens only with its binding; an unbound one with none.
        let bound = key.seal_bound(
            "example.com",
            &account(1),
            1_700_000_000,
            300,
            [7; 8],
            Some(b"m1"),
        );
        assert_eq!(
            key.open_bound(&bound, "example.com", &account(1), Some(b"m1")),
            Some((1_700_000_000, 1_700_000_300))
        );
        for other in [None, Some(&b"m2"[..]), Some(&b""[..])] {
            assert_eq!(
                key.open_bound(&bound, "example.com", &account(1), other),
                None
            );
        }
        assert_eq!(
            key.open_bound(&n, "example.com", &account(1), Some(b"")),
            None
        );
        let max = key.seal("example.com", &account(1), MAX_ISSUED_AT, MAX_TTL, [0; 8]);
        assert_eq!(
            key.open(&max, "example.com", &account(1)),
            Some((MAX_ISSUED_AT, MAX_ISSUED_AT + MAX_TTL))
        );
    }
}
