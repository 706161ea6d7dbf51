//! ICP delegation chains (`sender_delegation` in the IC interface
//! specification), as `@dfinity/identity`'s `DelegationChain` makes them.
//!
//! Each link is the map `{pubkey: blob, expiration: nat, targets?: [blob]}`
//! signed by the previous key (the chain's root key for the first link) over
//! `"\x1Aic-request-auth-delegation" · hash_of_map(link)`, where
//! `hash_of_map` is the IC's representation-independent hash.

use serde::{Deserialize, Deserializer, Serialize};
use sha2::{Digest, Sha256};

use super::{IcpPublicKey, Principal};
use crate::encoding::hex_encode;
use crate::error::{DecodeReason, Error, Result, WalletError};

/// The IC refuses more delegations than this in one chain.
pub const MAX_ICP_DELEGATIONS: usize = 20;

/// The IC refuses a delegation with more targets than this.
pub const MAX_ICP_DELEGATION_TARGETS: usize = 1000;

/// The 27-byte domain separator: its length (26) and the tag.
const DOMAIN_SEPARATOR: &[u8] = b"\x1Aic-request-auth-delegation";

/// The largest delegation-chain JSON accepted: room for 20 links, each with
/// long keys and signatures, or one with the full 1000 targets.
const MAX_JSON_LEN: usize = 256 * 1024;

const WHAT: &str = "icp delegation chain";

/// One delegation: the delegated key, its expiry in nanoseconds since the
/// Unix epoch, and optionally the canisters it is restricted to.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct IcpDelegation {
    pubkey: IcpPublicKey,
    expiration_ns: u64,
    targets: Option<Vec<Principal>>,
}

impl IcpDelegation {
    /// A delegation to `pubkey` until `expiration_ns` (nanoseconds since the
    /// Unix epoch), for all canisters (`targets: None`) or only those listed.
    ///
    /// # Errors
    /// [`Error::Decode`] when there are more than
    /// [`MAX_ICP_DELEGATION_TARGETS`] targets.
    pub fn new(
        pubkey: IcpPublicKey,
        expiration_ns: u64,
        targets: Option<Vec<Principal>>,
    ) -> Result<Self> {
        if targets
            .as_ref()
            .is_some_and(|t| t.len() > MAX_ICP_DELEGATION_TARGETS)
        {
            return Err(Error::malformed(
                WHAT,
                format!("more than {MAX_ICP_DELEGATION_TARGETS} targets in one delegation"),
            ));
        }
        Ok(Self {
            pubkey,
            expiration_ns,
            targets,
        })
    }

    /// The delegated key.
    pub fn public_key(&self) -> &IcpPublicKey {
        &self.pubkey
    }

    /// The expiry, in nanoseconds since the Unix epoch (the IC's wire
    /// value, hence the `_ns`).
    pub fn expiration_ns(&self) -> u64 {
        self.expiration_ns
    }

    /// The expiry in whole Unix seconds (rounded down): the unit of every
    /// `now` and time keytree's API takes and gives.
    pub fn expires_at(&self) -> u64 {
        self.expiration_ns / 1_000_000_000
    }

    /// The canisters this delegation is restricted to; `None` for all.
    pub fn targets(&self) -> Option<&[Principal]> {
        self.targets.as_deref()
    }

    /// The representation-independent hash of the delegation map.
    pub fn representation_independent_hash(&self) -> [u8; 32] {
        let der = self.pubkey.to_der();
        let mut entries = vec![
            ("pubkey", Value::Blob(&der)),
            ("expiration", Value::Nat(self.expiration_ns)),
        ];
        if let Some(targets) = &self.targets {
            entries.push((
                "targets",
                Value::Array(targets.iter().map(|t| Value::Blob(t.as_slice())).collect()),
            ));
        }
        hash_of_map(&entries)
    }

    /// The bytes the delegating key signs:
    /// `"\x1Aic-request-auth-delegation" · representation_independent_hash`.
    pub fn signed_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(DOMAIN_SEPARATOR.len() + 32);
        out.extend_from_slice(DOMAIN_SEPARATOR);
        out.extend_from_slice(&self.representation_independent_hash());
        out
    }
}

/// A delegation and the delegating key's signature over its
/// [`IcpDelegation::signed_bytes`].
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct IcpSignedDelegation {
    delegation: IcpDelegation,
    signature: Vec<u8>,
}

impl IcpSignedDelegation {
    /// Pairs a delegation with its signature (not checked here).
    pub fn new(delegation: IcpDelegation, signature: Vec<u8>) -> Self {
        Self {
            delegation,
            signature,
        }
    }

    /// The delegation.
    pub fn delegation(&self) -> &IcpDelegation {
        &self.delegation
    }

    /// The signature bytes.
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }
}

/// A delegation chain as decoded, not yet verified: a root public key and
/// 1 to [`MAX_ICP_DELEGATIONS`] signed delegations.
///
/// Its JSON form is `@dfinity/identity`'s `DelegationChain.toJSON()`:
/// `{"delegations":[{"delegation":{"expiration":"<hex ns>","pubkey":"<hex DER>",
/// "targets":["<hex principal>"]},"signature":"<hex>"}],"publicKey":"<hex DER>"}`,
/// read strictly (lowercase hex, no unknown or duplicate fields, minimal
/// hex for the expiration).
///
/// # Example
/// ```
/// use keytree::{
///     IcpDelegation, IcpPublicKey, IcpSignedDelegation, RootKey,
///     UnverifiedIcpDelegationChain,
/// };
/// let root = RootKey::from_bytes(&[1; 32]);
/// let session = RootKey::from_bytes(&[2; 32]);
/// let now = 1_900_000_000; // seconds
/// let link = IcpDelegation::new(
///     IcpPublicKey::from_ed25519(session.public_key()),
///     (now + 3600) * 1_000_000_000, // nanoseconds
///     None,
/// )?;
/// // The IC's delegation bytes, signed as dfinity's `SignIdentity.sign` does
/// // (played here by ed25519-dalek).
/// use ed25519_dalek::Signer as _;
/// let dalek = ed25519_dalek::SigningKey::from_bytes(&root.to_bytes());
/// let signature = dalek.sign(&link.signed_bytes()).to_bytes().to_vec();
/// let chain = UnverifiedIcpDelegationChain::new(
///     IcpPublicKey::from_ed25519(root.public_key()),
///     vec![IcpSignedDelegation::new(link, signature)],
/// )?;
/// let json = chain.to_json();
/// let verified = UnverifiedIcpDelegationChain::from_json(&json)?.verify(now, None)?;
/// assert_eq!(verified.principal(), IcpPublicKey::from_ed25519(root.public_key()).principal());
/// assert_eq!(verified.session_key(), &IcpPublicKey::from_ed25519(session.public_key()));
/// assert!(chain.verify(now + 3601, None).is_err());
/// Ok::<(), keytree::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct UnverifiedIcpDelegationChain {
    public_key: IcpPublicKey,
    delegations: Vec<IcpSignedDelegation>,
}

impl UnverifiedIcpDelegationChain {
    /// Assembles a chain.
    ///
    /// # Errors
    /// [`Error::Decode`] when there are no delegations or more than
    /// [`MAX_ICP_DELEGATIONS`].
    pub fn new(public_key: IcpPublicKey, delegations: Vec<IcpSignedDelegation>) -> Result<Self> {
        check_link_count(delegations.len(), WHAT)?;
        Ok(Self {
            public_key,
            delegations,
        })
    }

    /// Parses `DelegationChain.toJSON()` output, strictly.
    ///
    /// # Errors
    /// [`Error::Decode`] for malformed JSON, hex, keys or principals;
    /// [`WalletError::IcpChainTooLong`](crate::WalletError::IcpChainTooLong)
    /// for more than [`MAX_ICP_DELEGATIONS`] links; the key errors of
    /// [`IcpPublicKey::from_der`] (canister-signature keys among them).
    pub fn from_json(json: &str) -> Result<Self> {
        let raw = chain_json(json, WHAT)?;
        let public_key = IcpPublicKey::from_der(&strict_hex(&raw.public_key, "publicKey")?)?;
        let delegations = links_from_json(raw.delegations, WHAT)?;
        Self::new(public_key, delegations)
    }

    /// The `DelegationChain.toJSON()` form (compact, fields in the order
    /// `@dfinity/identity` writes them).
    pub fn to_json(&self) -> String {
        let raw = ChainJson {
            delegations: self
                .delegations
                .iter()
                .map(|link| SignedJson {
                    delegation: DelegationJson {
                        expiration: format!("{:x}", link.delegation.expiration_ns),
                        pubkey: hex_encode(&link.delegation.pubkey.to_der()),
                        targets: link
                            .delegation
                            .targets
                            .as_ref()
                            .map(|t| t.iter().map(|p| hex_encode(p.as_slice())).collect()),
                    },
                    signature: hex_encode(&link.signature),
                })
                .collect(),
            public_key: hex_encode(&self.public_key.to_der()),
        };
        // Serializing plain strings and vectors cannot fail.
        serde_json::to_string(&raw).unwrap_or_default()
    }

    /// The chain's root key: the identity the session acts as.
    pub fn root_public_key(&self) -> &IcpPublicKey {
        &self.public_key
    }

    /// The signed delegations, root first.
    pub fn delegations(&self) -> &[IcpSignedDelegation] {
        &self.delegations
    }

    /// Verifies the chain at `now` (Unix seconds) for a request to `target`.
    ///
    /// Checks, for every link in order: its signature by the previous key
    /// (the root key for the first), that it has not expired
    /// (`now` ≤ expiration, compared in nanoseconds without overflow), and,
    /// when it lists targets, that `target` is among them — a chain with any
    /// targeted link is refused when no `target` is given. Every key
    /// appears once: cycles and self-delegations are refused, as the IC
    /// refuses them.
    ///
    /// # Errors
    /// [`Error::InvalidSignature`] for a bad signature;
    /// [`WalletError::IcpDelegationExpired`](crate::WalletError::IcpDelegationExpired),
    /// [`WalletError::IcpTargetNotAllowed`](crate::WalletError::IcpTargetNotAllowed),
    /// [`WalletError::IcpTargetRequired`](crate::WalletError::IcpTargetRequired),
    /// [`WalletError::IcpDelegationCycle`](crate::WalletError::IcpDelegationCycle);
    /// [`Error::Decode`] for a signature of the wrong length.
    pub fn verify(&self, now: u64, target: Option<&Principal>) -> Result<IcpDelegationChain> {
        let now_ns = u128::from(now) * 1_000_000_000;
        let mut seen: Vec<&IcpPublicKey> = Vec::with_capacity(self.delegations.len() + 1);
        seen.push(&self.public_key);
        let mut signer = &self.public_key;
        let mut expiration_ns = u64::MAX;
        for (index, link) in self.delegations.iter().enumerate() {
            let delegation = &link.delegation;
            signer.verify(&delegation.signed_bytes(), &link.signature)?;
            if u128::from(delegation.expiration_ns) < now_ns {
                return Err(WalletError::IcpDelegationExpired {
                    index,
                    expiration_ns: delegation.expiration_ns,
                    now,
                }
                .into());
            }
            if let Some(targets) = &delegation.targets {
                let Some(target) = target else {
                    return Err(WalletError::IcpTargetRequired { index }.into());
                };
                if !targets.contains(target) {
                    return Err(WalletError::IcpTargetNotAllowed { index }.into());
                }
            }
            if seen.contains(&&delegation.pubkey) {
                return Err(WalletError::IcpDelegationCycle { index }.into());
            }
            seen.push(&delegation.pubkey);
            expiration_ns = expiration_ns.min(delegation.expiration_ns);
            signer = &delegation.pubkey;
        }
        Ok(IcpDelegationChain {
            principal: self.public_key.principal(),
            root: self.public_key.clone(),
            session_key: signer.clone(),
            expiration_ns,
            target: target.copied().filter(|_| {
                self.delegations
                    .iter()
                    .any(|l| l.delegation.targets.is_some())
            }),
        })
    }
}

/// A delegation chain that verified: the session key may act as the root
/// key's principal until [`IcpDelegationChain::expiration_ns`].
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct IcpDelegationChain {
    principal: Principal,
    root: IcpPublicKey,
    session_key: IcpPublicKey,
    expiration_ns: u64,
    target: Option<Principal>,
}

impl IcpDelegationChain {
    /// The self-authenticating principal of the chain's root key.
    pub fn principal(&self) -> Principal {
        self.principal
    }

    /// The chain's root key.
    pub fn root_public_key(&self) -> &IcpPublicKey {
        &self.root
    }

    /// The last delegated key: the one that signs requests.
    pub fn session_key(&self) -> &IcpPublicKey {
        &self.session_key
    }

    /// The earliest expiry in the chain, in nanoseconds since the Unix epoch.
    pub fn expiration_ns(&self) -> u64 {
        self.expiration_ns
    }

    /// The earliest expiry in the chain, in whole Unix seconds (rounded
    /// down).
    pub fn expires_at(&self) -> u64 {
        self.expiration_ns / 1_000_000_000
    }

    /// The canister the chain was verified for, when some link restricts
    /// targets; `None` when no link does.
    pub fn restricted_to(&self) -> Option<&Principal> {
        self.target.as_ref()
    }
}

// ---------------------------------------------------------------------------
// Representation-independent hashing (IC interface spec, "hash of map").

/// The value kinds a delegation (and the spec's examples) use.
pub(crate) enum Value<'a> {
    /// Hashed as-is.
    Blob(&'a [u8]),
    /// Hashed as its UTF-8 bytes.
    #[cfg_attr(not(test), allow(dead_code))]
    Text(&'a str),
    /// Hashed as its shortest unsigned LEB128 encoding.
    Nat(u64),
    /// Hashed as the concatenation of the element hashes.
    Array(Vec<Value<'a>>),
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

fn leb128(mut n: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(10);
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

fn hash_value(value: &Value<'_>) -> [u8; 32] {
    match value {
        Value::Blob(b) => sha256(b),
        Value::Text(t) => sha256(t.as_bytes()),
        Value::Nat(n) => sha256(&leb128(*n)),
        Value::Array(items) => {
            let mut h = Sha256::new();
            for item in items {
                h.update(hash_value(item));
            }
            h.finalize().into()
        }
    }
}

/// `H(concat(sort[H(key) · hash(value)]))` over the entries.
pub(crate) fn hash_of_map(entries: &[(&str, Value<'_>)]) -> [u8; 32] {
    let mut pairs: Vec<[u8; 64]> = entries
        .iter()
        .map(|(key, value)| {
            let mut pair = [0u8; 64];
            let (k, v) = pair.split_at_mut(32);
            k.copy_from_slice(&sha256(key.as_bytes()));
            v.copy_from_slice(&hash_value(value));
            pair
        })
        .collect();
    pairs.sort_unstable();
    let mut h = Sha256::new();
    for pair in &pairs {
        h.update(pair);
    }
    h.finalize().into()
}

// ---------------------------------------------------------------------------
// JSON (`DelegationChain.toJSON()`).

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ChainJson {
    pub(super) delegations: Vec<SignedJson>,
    #[serde(rename = "publicKey")]
    pub(super) public_key: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SignedJson {
    pub(super) delegation: DelegationJson,
    pub(super) signature: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DelegationJson {
    pub(super) expiration: String,
    pub(super) pubkey: String,
    /// Absent means "all canisters"; an explicit `null` is refused.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present_targets"
    )]
    pub(super) targets: Option<Vec<String>>,
}

fn present_targets<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    Vec::<String>::deserialize(d).map(Some)
}

/// Refuses a chain of no links or more than [`MAX_ICP_DELEGATIONS`];
/// `what` names the chain in errors.
pub(super) fn check_link_count(len: usize, what: &'static str) -> Result<()> {
    if len == 0 {
        return Err(Error::malformed(what, "no delegations"));
    }
    if len > MAX_ICP_DELEGATIONS {
        return Err(WalletError::IcpChainTooLong {
            len,
            max: MAX_ICP_DELEGATIONS,
        }
        .into());
    }
    Ok(())
}

/// Parses the `DelegationChain.toJSON()` text, refusing more than
/// `MAX_JSON_LEN` bytes or [`MAX_ICP_DELEGATIONS`] links; `what` names
/// the chain in errors.
pub(super) fn chain_json(json: &str, what: &'static str) -> Result<ChainJson> {
    if json.len() > MAX_JSON_LEN {
        return Err(Error::decode(
            what,
            DecodeReason::TooLong { max: MAX_JSON_LEN },
        ));
    }
    let raw: ChainJson = serde_json::from_str(json).map_err(|e| Error::malformed(what, e))?;
    if raw.delegations.len() > MAX_ICP_DELEGATIONS {
        return Err(WalletError::IcpChainTooLong {
            len: raw.delegations.len(),
            max: MAX_ICP_DELEGATIONS,
        }
        .into());
    }
    Ok(raw)
}

/// Parses and bounds the links of a `DelegationChain.toJSON()` chain; `what`
/// names the chain in errors.
pub(super) fn links_from_json(
    links: Vec<SignedJson>,
    what: &'static str,
) -> Result<Vec<IcpSignedDelegation>> {
    let mut delegations = Vec::with_capacity(links.len());
    for link in links {
        let pubkey = IcpPublicKey::from_der(&strict_hex(&link.delegation.pubkey, "pubkey")?)?;
        let expiration_ns = strict_hex_u64(&link.delegation.expiration)?;
        let targets = match link.delegation.targets {
            None => None,
            Some(targets) => {
                if targets.len() > MAX_ICP_DELEGATION_TARGETS {
                    return Err(Error::malformed(
                        what,
                        format!("more than {MAX_ICP_DELEGATION_TARGETS} targets in one delegation"),
                    ));
                }
                let mut out = Vec::with_capacity(targets.len());
                for t in &targets {
                    out.push(Principal::from_slice(&strict_hex(t, "targets")?)?);
                }
                Some(out)
            }
        };
        let signature = strict_hex(&link.signature, "signature")?;
        delegations.push(IcpSignedDelegation::new(
            IcpDelegation::new(pubkey, expiration_ns, targets)?,
            signature,
        ));
    }
    Ok(delegations)
}

/// Lowercase, even-length hex (what `bytesToHex` writes).
pub(super) fn strict_hex(text: &str, field: &'static str) -> Result<Vec<u8>> {
    if text.bytes().any(|c| c.is_ascii_uppercase()) {
        return Err(Error::decode(
            WHAT,
            DecodeReason::NonCanonical("upper-case hex"),
        ));
    }
    crate::encoding::hex_decode(text, field)
}

/// Lowercase hex of a u64 without leading zeros (what `bigint.toString(16)`
/// writes).
pub(super) fn strict_hex_u64(text: &str) -> Result<u64> {
    let ok_digits = !text.is_empty()
        && text.len() <= 16
        && text.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'));
    if !ok_digits {
        return Err(Error::malformed(
            WHAT,
            "expiration must be 1 to 16 lowercase hex digits",
        ));
    }
    if text.len() > 1 && text.starts_with('0') {
        return Err(Error::decode(
            WHAT,
            DecodeReason::NonCanonical("expiration with leading zeros"),
        ));
    }
    u64::from_str_radix(text, 16).map_err(|e| Error::malformed(WHAT, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::hex_decode;

    #[test]
    fn leb128_spec_examples() {
        assert_eq!(leb128(0), vec![0]);
        assert_eq!(leb128(624_485), vec![0xE5, 0x8E, 0x26]);
        assert_eq!(leb128(u64::MAX).len(), 10);
    }

    #[test]
    fn hash_of_map_spec_request_id_example() {
        // IC interface spec, "Request ids".
        let sender = [0x04];
        let canister = [0, 0, 0, 0, 0, 0, 0x04, 0xD2];
        let entries = [
            ("request_type", Value::Text("call")),
            ("sender", Value::Blob(&sender)),
            ("ingress_expiry", Value::Nat(1_685_570_400_000_000_000)),
            ("canister_id", Value::Blob(&canister)),
            ("method_name", Value::Text("hello")),
            ("arg", Value::Blob(b"DIDL\x00\xFD*")),
        ];
        assert_eq!(
            hex_encode(&hash_of_map(&entries)),
            "1d1091364d6bb8a6c16b203ee75467d59ead468f523eb058880ae8ec80e2b101"
        );
    }

    #[test]
    fn array_hash_is_hash_of_element_hashes() {
        let array = hash_value(&Value::Array(vec![Value::Blob(b"a"), Value::Nat(1)]));
        let mut concat = sha256(b"a").to_vec();
        concat.extend_from_slice(&sha256(&[1]));
        assert_eq!(array, sha256(&concat));
        assert_eq!(hash_value(&Value::Array(vec![])), sha256(b""));
    }

    #[test]
    fn strict_hex_forms() {
        assert_eq!(strict_hex_u64("0").unwrap(), 0);
        assert_eq!(strict_hex_u64("ffffffffffffffff").unwrap(), u64::MAX);
        for bad in ["", "00", "01", "1A", "0x1", "10000000000000000", " 1", "-1"] {
            assert!(strict_hex_u64(bad).is_err(), "{bad:?} accepted");
        }
        assert!(strict_hex("AB", "f").is_err());
        assert!(strict_hex("abc", "f").is_err());
        assert_eq!(strict_hex("", "f").unwrap(), Vec::<u8>::new());
        let _ = hex_decode("00", "f").unwrap();
    }
}
