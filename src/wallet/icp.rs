//! Internet Computer (ICP) wallets: principals, DER public keys, signature
//! verification as the IC does it, and delegation chains.
//!
//! - [`Principal`]: the byte and canonical text forms.
//! - [`IcpPublicKey`]: an Ed25519, ECDSA secp256k1 or ECDSA P-256 key in its
//!   DER `SubjectPublicKeyInfo` form; its self-authenticating principal is
//!   `SHA-224(DER) · 0x02`.
//! - Signatures are what `@dfinity/identity`'s `sign(m)` and the IC accept:
//!   Ed25519 over the raw message (verified strictly), ECDSA over
//!   `SHA-256(m)` as 64 bytes `r · s`. For secp256k1 only low-S signatures
//!   are accepted (k256's rule, and what every dfinity signer produces); for
//!   P-256 high-S is accepted too, because WebCrypto produces it.
//! - [`UnverifiedIcpDelegationChain`] parses `DelegationChain.toJSON()`;
//!   [`UnverifiedIcpDelegationChain::verify`] checks it and returns an
//!   [`IcpDelegationChain`].
//!
//! - [`IcpProof`] and [`IcpVerifier`] plug ICP into the
//!   [`WalletRegistry`](crate::WalletRegistry): a key, or a delegation
//!   chain's session key, signs the server's message; the account is
//!   `icp:mainnet:<principal of the root key>`.
//!
//! Canister signatures (Internet Identity) are verified by the types of the
//! `icp-canister-sig` feature (`canister.rs`: `IcpCanisterProof` and the
//! chain it carries); [`IcpPublicKey`] and [`UnverifiedIcpDelegationChain`]
//! refuse canister-signature keys with their own error, and WebAuthn keys
//! are refused too.
//!
//! There is no ICP standard for signing off-chain text (nothing like
//! EIP-191), so a login signs keytree's own wrapper,
//! `"keytree/v1/login/icp\n" ‖ message` ([`IcpProof::signing_bytes`]), with
//! `SignIdentity.sign(wrapper)`. The IC's own payloads always begin with a
//! length-prefixed domain separator (`\x0Aic-request`, …) and keytree's with
//! a length prefix (`0x00`), so a login signature cannot be replayed as an
//! IC request or a keytree payload, nor the other way round.

#[cfg(feature = "icp-canister-sig")]
mod canister;
mod delegation;
mod der;

use std::fmt;

use k256::ecdsa::signature::Verifier as _;

use super::account::AccountId;
use super::chain::Chain;
use super::check::{Expectations, SignerKey, StatementProof, VerifiedAccount};
use super::principal::Principal;
use super::proof::WalletProof;
use super::verifier::WalletVerifier;
use crate::encoding::{CanonicalReader, CanonicalWriter};
use crate::error::{DecodeReason, Error, Result, WalletError};
use crate::public_key::{PublicKey, Signature};

pub use delegation::{
    IcpDelegation, IcpDelegationChain, IcpSignedDelegation, MAX_ICP_DELEGATION_TARGETS,
    MAX_ICP_DELEGATIONS, UnverifiedIcpDelegationChain,
};

#[cfg(feature = "icp-canister-sig")]
pub use canister::{
    DEFAULT_MAX_CERTIFICATE_AGE, IC_MAINNET_ROOT_KEY, IcpCanisterDelegationChain, IcpCanisterProof,
    IcpCanisterPublicKey, IcpCanisterSignatureVerifier, UnverifiedIcpCanisterDelegationChain,
    UnverifiedIcpCanisterSignature,
};

use der::Algorithm;

/// The length of every signature the IC accepts from these key types.
const SIGNATURE_LEN: usize = 64;

/// The kind of an [`IcpPublicKey`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IcpKeyType {
    /// Ed25519 (OID 1.3.101.112).
    Ed25519,
    /// ECDSA on secp256k1 (id-ecPublicKey, curve 1.3.132.0.10).
    Secp256k1,
    /// ECDSA on P-256 (id-ecPublicKey, curve 1.2.840.10045.3.1.7).
    P256,
}

impl fmt::Display for IcpKeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Ed25519 => "ed25519",
            Self::Secp256k1 => "secp256k1",
            Self::P256 => "p256",
        })
    }
}

/// A public key as the IC uses it: DER `SubjectPublicKeyInfo` for Ed25519,
/// ECDSA secp256k1 or ECDSA P-256.
///
/// Decoding is strict (one DER encoding per key, uncompressed EC points,
/// points on the curve, no weak Ed25519 keys), so [`IcpPublicKey::to_der`]
/// gives back exactly the bytes that were decoded and the principal is
/// well defined.
///
/// # Example
/// ```
/// use keytree::{IcpKeyType, IcpPublicKey, RootKey, hex_decode};
/// let root = RootKey::from_bytes(&[7; 32]);
/// let key = IcpPublicKey::from_ed25519(root.public_key());
/// let der = key.to_der();
/// assert_eq!(IcpPublicKey::from_der(&der)?, key);
/// assert_eq!(key.key_type(), IcpKeyType::Ed25519);
///
/// // IcpPublicKey::verify is the bare primitive (what the IC checks); a
/// // login signs IcpProof::signing_bytes(message) instead.
/// use ed25519_dalek::Signer as _;
/// let dalek = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
/// let signature = keytree::Signature::from_bytes(&dalek.sign(b"hello").to_bytes());
/// key.verify(b"hello", signature.as_bytes())?;
/// assert!(key.verify(b"hullo", signature.as_bytes()).is_err());
/// assert!(key.principal().is_self_authenticating());
/// Ok::<(), keytree::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct IcpPublicKey(Key);

#[derive(Clone, PartialEq, Eq)]
enum Key {
    Ed25519(PublicKey),
    Secp256k1(k256::ecdsa::VerifyingKey),
    P256(p256::ecdsa::VerifyingKey),
}

impl IcpPublicKey {
    /// Decodes a DER `SubjectPublicKeyInfo`.
    ///
    /// # Errors
    /// - [`Error::Decode`] for malformed or non-canonical DER, a wrong key
    ///   length or a compressed EC point;
    /// - [`Error::InvalidKey`] for a point that is not on the curve or a
    ///   weak Ed25519 key;
    /// - [`WalletError::IcpCanisterSignature`](crate::WalletError::IcpCanisterSignature)
    ///   for a canister-signature (Internet Identity) key;
    /// - [`WalletError::IcpUnsupportedKey`](crate::WalletError::IcpUnsupportedKey)
    ///   for any other algorithm.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        let (algorithm, key) = der::decode(der)?;
        let key = match algorithm {
            Algorithm::Ed25519 => {
                let bytes = <[u8; 32]>::try_from(key).map_err(|_| {
                    Error::decode(
                        der::WHAT,
                        DecodeReason::Length {
                            expected: 32,
                            got: key.len(),
                        },
                    )
                })?;
                Key::Ed25519(PublicKey::from_bytes(&bytes)?)
            }
            Algorithm::Secp256k1 => Key::Secp256k1(
                k256::ecdsa::VerifyingKey::from_sec1_bytes(key)
                    .map_err(|_| crate::error::KeyError::NotOnCurve)?,
            ),
            Algorithm::P256 => Key::P256(
                p256::ecdsa::VerifyingKey::from_sec1_bytes(key)
                    .map_err(|_| crate::error::KeyError::NotOnCurve)?,
            ),
        };
        Ok(Self(key))
    }

    /// Wraps a native keytree Ed25519 key.
    pub fn from_ed25519(key: PublicKey) -> Self {
        Self(Key::Ed25519(key))
    }

    /// Wraps a secp256k1 ECDSA key.
    pub fn from_secp256k1(key: k256::ecdsa::VerifyingKey) -> Self {
        Self(Key::Secp256k1(key))
    }

    /// Wraps a P-256 ECDSA key.
    pub fn from_p256(key: p256::ecdsa::VerifyingKey) -> Self {
        Self(Key::P256(key))
    }

    /// The DER `SubjectPublicKeyInfo` encoding.
    pub fn to_der(&self) -> Vec<u8> {
        match &self.0 {
            Key::Ed25519(key) => der::encode(Algorithm::Ed25519, key.as_bytes()),
            Key::Secp256k1(key) => {
                der::encode(Algorithm::Secp256k1, key.to_sec1_point(false).as_bytes())
            }
            Key::P256(key) => der::encode(Algorithm::P256, key.to_sec1_point(false).as_bytes()),
        }
    }

    /// The key type.
    pub fn key_type(&self) -> IcpKeyType {
        match self.0 {
            Key::Ed25519(_) => IcpKeyType::Ed25519,
            Key::Secp256k1(_) => IcpKeyType::Secp256k1,
            Key::P256(_) => IcpKeyType::P256,
        }
    }

    /// The native Ed25519 key, when this is one.
    pub fn as_ed25519(&self) -> Option<&PublicKey> {
        match &self.0 {
            Key::Ed25519(key) => Some(key),
            _ => None,
        }
    }

    /// The secp256k1 ECDSA key, when this is one.
    pub fn as_secp256k1(&self) -> Option<&k256::ecdsa::VerifyingKey> {
        match &self.0 {
            Key::Secp256k1(key) => Some(key),
            _ => None,
        }
    }

    /// The P-256 ECDSA key, when this is one.
    pub fn as_p256(&self) -> Option<&p256::ecdsa::VerifyingKey> {
        match &self.0 {
            Key::P256(key) => Some(key),
            _ => None,
        }
    }

    /// The ECDSA point (secp256k1 or P-256) as uncompressed SEC1 bytes
    /// (`04 ‖ x ‖ y`, 65 bytes, the form the DER carries); `None` for an
    /// Ed25519 key.
    ///
    /// # Example
    /// ```
    /// use keytree::IcpPublicKey;
    /// let secret = k256::ecdsa::SigningKey::from_slice(&[7; 32]).unwrap();
    /// let key = IcpPublicKey::from_secp256k1(*secret.verifying_key());
    /// let point = key.ecdsa_point().unwrap();
    /// assert_eq!(point[0], 0x04);
    /// assert!(key.to_der().ends_with(&point));
    /// Ok::<(), keytree::Error>(())
    /// ```
    pub fn ecdsa_point(&self) -> Option<[u8; 65]> {
        let point = match &self.0 {
            Key::Ed25519(_) => return None,
            Key::Secp256k1(key) => key.to_sec1_point(false),
            Key::P256(key) => key.to_sec1_point(false),
        };
        point.as_bytes().try_into().ok()
    }

    /// The self-authenticating principal `SHA-224(DER) · 0x02`.
    pub fn principal(&self) -> Principal {
        Principal::self_authenticating(&self.to_der())
    }

    /// Verifies `signature` over `message` as the IC does for this key type:
    /// Ed25519 over the raw message with `verify_strict`; ECDSA over
    /// `SHA-256(message)` with a 64-byte `r · s` signature (secp256k1: low-S
    /// only; P-256: either S).
    ///
    /// The message is verified as given: the IC's own payloads carry a
    /// domain separator (`\x0Aic-request`, `\x1Aic-request-auth-delegation`)
    /// that the caller includes.
    ///
    /// # Errors
    /// [`Error::Decode`] when the signature is not 64 bytes;
    /// [`Error::InvalidSignature`], without detail, when it does not verify.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<()> {
        if signature.len() != SIGNATURE_LEN {
            return Err(Error::decode(
                "icp signature",
                DecodeReason::Length {
                    expected: SIGNATURE_LEN,
                    got: signature.len(),
                },
            ));
        }
        match &self.0 {
            Key::Ed25519(key) => key.verify(message, &Signature::from_slice(signature)?),
            Key::Secp256k1(key) => {
                // `from_slice` refuses r or s of zero or >= n; k256's verify
                // refuses high S (NORMALIZE_S), which is keytree's policy.
                let sig = k256::ecdsa::Signature::from_slice(signature)
                    .map_err(|_| Error::InvalidSignature)?;
                key.verify(message, &sig)
                    .map_err(|_| Error::InvalidSignature)
            }
            Key::P256(key) => {
                let sig = p256::ecdsa::Signature::from_slice(signature)
                    .map_err(|_| Error::InvalidSignature)?;
                key.verify(message, &sig)
                    .map_err(|_| Error::InvalidSignature)
            }
        }
    }
}

impl fmt::Debug for IcpPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "IcpPublicKey({}, {})",
            self.key_type(),
            crate::encoding::hex_encode(&self.to_der())
        )
    }
}

/// The domain tag of [`IcpProof::statement_signature`] bytes.
const STATEMENT_SIGNATURE_DOMAIN: &str = "keytree/v1/icp-statement-signature";

/// An ICP identity's signature over a message: the identity's DER public
/// key, optionally a delegation chain from it to a session key, and the
/// signature by the last key (the session key, or the identity's own key).
///
/// The account is `icp:mainnet:<principal>`, the principal being the
/// self-authenticating principal of the identity's (the chain root's) key.
///
/// # Example
/// ```
/// use keytree::{
///     AccountId, Expectations, IcpDelegation, IcpProof, IcpPublicKey, IcpSignedDelegation,
///     RootKey, UnverifiedIcpDelegationChain, WalletRegistry,
/// };
/// let identity = RootKey::from_bytes(&[1; 32]);
/// let session = RootKey::from_bytes(&[2; 32]);
/// let identity_key = IcpPublicKey::from_ed25519(identity.public_key());
/// let now = 1_900_000_000;
/// // The identity delegates to a session key for an hour…
/// let link = IcpDelegation::new(
///     IcpPublicKey::from_ed25519(session.public_key()),
///     (now + 3600) * 1_000_000_000,
///     None,
/// )?;
/// # use ed25519_dalek::Signer as _;
/// # let dalek = |k: &RootKey| ed25519_dalek::SigningKey::from_bytes(&k.to_bytes());
/// // (dfinity's `SignIdentity.sign`, played here by ed25519-dalek.)
/// let link_sig = dalek(&identity).sign(&link.signed_bytes()).to_bytes().to_vec();
/// let chain = UnverifiedIcpDelegationChain::new(
///     identity_key.clone(),
///     vec![IcpSignedDelegation::new(link, link_sig)],
/// )?;
/// // …and the session key signs the server's challenge.
/// let challenge = b"example.com wants you to sign in: 4f1c";
/// let account = identity_key.principal().account_id();
/// assert_eq!(account.to_string().parse::<AccountId>()?, account);
/// let proof = IcpProof::with_delegation(
///     account.clone(),
///     chain,
///     challenge.to_vec(),
///     dalek(&session).sign(&IcpProof::signing_bytes(challenge)).to_bytes().to_vec(),
/// )?;
/// let who = WalletRegistry::with_defaults()
///     .verify(&proof.into(), &Expectations::at(now).message(challenge))?;
/// assert_eq!(who.account, account);
/// Ok::<(), keytree::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IcpProof {
    account: AccountId,
    public_key: IcpPublicKey,
    delegation: Option<UnverifiedIcpDelegationChain>,
    message: Vec<u8>,
    signature: Vec<u8>,
}

impl IcpProof {
    /// The identity's key (DER) signed `message` directly.
    ///
    /// # Errors
    /// [`WalletError::WrongChain`] when `account` is not an ICP account;
    /// the errors of [`IcpPublicKey::from_der`].
    pub fn new(
        account: AccountId,
        public_key_der: &[u8],
        message: impl AsRef<[u8]>,
        signature: impl AsRef<[u8]>,
    ) -> Result<Self> {
        check_icp_account(&account)?;
        Ok(Self {
            account,
            public_key: IcpPublicKey::from_der(public_key_der)?,
            delegation: None,
            message: message.as_ref().to_vec(),
            signature: signature.as_ref().to_vec(),
        })
    }

    /// The last key of `chain` (the session key) signed `message`; the
    /// identity is the chain's root key.
    ///
    /// # Errors
    /// [`WalletError::WrongChain`] when `account` is not an ICP account.
    pub fn with_delegation(
        account: AccountId,
        chain: UnverifiedIcpDelegationChain,
        message: impl AsRef<[u8]>,
        signature: impl AsRef<[u8]>,
    ) -> Result<Self> {
        check_icp_account(&account)?;
        Ok(Self {
            account,
            public_key: chain.root_public_key().clone(),
            delegation: Some(chain),
            message: message.as_ref().to_vec(),
            signature: signature.as_ref().to_vec(),
        })
    }

    /// As [`IcpProof::with_delegation`], with the chain in
    /// `DelegationChain.toJSON()` form.
    ///
    /// # Errors
    /// As [`UnverifiedIcpDelegationChain::from_json`] and
    /// [`IcpProof::with_delegation`].
    pub fn from_delegation_json(
        account: AccountId,
        chain_json: &str,
        message: impl AsRef<[u8]>,
        signature: impl AsRef<[u8]>,
    ) -> Result<Self> {
        let chain = UnverifiedIcpDelegationChain::from_json(chain_json)?;
        Self::with_delegation(account, chain, message, signature)
    }

    /// The claimed account.
    pub fn account(&self) -> &AccountId {
        &self.account
    }

    /// The identity's key (the chain root, when there is a chain).
    pub fn public_key(&self) -> &IcpPublicKey {
        &self.public_key
    }

    /// The delegation chain, when the signature is a session key's.
    pub fn delegation(&self) -> Option<&UnverifiedIcpDelegationChain> {
        self.delegation.as_ref()
    }

    /// The message (the server's bytes, without the login tag).
    pub fn message(&self) -> &[u8] {
        &self.message
    }

    /// The exact bytes the key (or the chain's session key) signs to log in
    /// with `message`: [`ICP_LOGIN_TAG`](crate::ICP_LOGIN_TAG)
    /// (`"keytree/v1/login/icp\n"`, 21 ASCII bytes) followed by `message`
    /// unchanged, signed as `SignIdentity.sign` signs any bytes (Ed25519
    /// over them, ECDSA over their SHA-256).
    ///
    /// # Example
    /// ```
    /// let bytes = keytree::IcpProof::signing_bytes(b"hi");
    /// assert_eq!(bytes, b"keytree/v1/login/icp\nhi");
    /// ```
    pub fn signing_bytes(message: &[u8]) -> Vec<u8> {
        super::login_tag::tagged(super::login_tag::ICP_LOGIN_TAG, message)
    }

    /// The signature bytes.
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// The bytes to store as a wallet-issued delegation's signature when an
    /// ICP identity signs a delegation statement: the identity's DER key and
    /// its signature over the statement's UTF-8 bytes, in keytree's
    /// canonical encoding. (A principal is a hash, so the key must travel
    /// with the signature.) Delegation chains are not accepted there: a
    /// statement is checked without a clock, and a chain expires.
    ///
    /// A P-256 signature is stored in its low-S form (WebCrypto signs with
    /// either S; both verify on the IC), so a stored delegation has one
    /// encoding; [`IcpVerifier`] refuses a high-S P-256 statement signature.
    pub fn statement_signature(public_key: &IcpPublicKey, signature: &[u8]) -> Vec<u8> {
        let low_s;
        let signature = match (&public_key.0, p256::ecdsa::Signature::from_slice(signature)) {
            (Key::P256(_), Ok(sig)) => {
                low_s = sig.normalize_s().to_bytes();
                low_s.as_slice()
            }
            _ => signature,
        };
        let mut w = CanonicalWriter::new(STATEMENT_SIGNATURE_DOMAIN);
        w.bytes(&public_key.to_der()).bytes(signature);
        w.finish()
    }
}

fn check_icp_account(account: &AccountId) -> Result<()> {
    if account.chain() != &Chain::Icp {
        return Err(super::check::wrong_chain(&Chain::Icp, account.chain()));
    }
    Ok(())
}

impl From<IcpProof> for WalletProof {
    fn from(p: IcpProof) -> Self {
        Self::Icp(p)
    }
}

/// Verifies ICP proofs: the identity's key or a delegation chain's session
/// key signed exactly the expected message, and the account is the
/// identity key's principal.
///
/// Delegations restricted to canisters (`targets`) are refused unless the
/// verifier is given the canister the server stands for
/// (`IcpVerifier::new().with_target(canister)`) and every targeted link
/// lists it.
#[derive(Clone, Debug, Default)]
pub struct IcpVerifier {
    target: Option<Principal>,
    #[cfg(feature = "icp-canister-sig")]
    canister: canister::IcpCanisterSignatureVerifier,
}

impl IcpVerifier {
    /// A verifier that accepts only unrestricted delegation chains.
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks requests to `canister`: delegations restricted to canisters
    /// must include it.
    #[must_use]
    pub fn with_target(mut self, canister: Principal) -> Self {
        self.target = Some(canister);
        self
    }

    /// Checks Internet Identity proofs ([`IcpCanisterProof`]) with this
    /// canister-signature configuration (root key, maximum certificate
    /// age); the default is the IC mainnet root key and
    /// [`DEFAULT_MAX_CERTIFICATE_AGE`].
    #[cfg(feature = "icp-canister-sig")]
    pub fn with_canister_signatures(mut self, verifier: IcpCanisterSignatureVerifier) -> Self {
        self.canister = verifier;
        self
    }

    fn check(
        &self,
        account: &AccountId,
        identity: &IcpPublicKey,
        signer: &IcpPublicKey,
        message: &[u8],
        signature: &[u8],
    ) -> Result<VerifiedAccount> {
        signer.verify(message, signature)?;
        if *account != identity.principal().account_id() {
            return Err(WalletError::AccountMismatch.into());
        }
        Ok(VerifiedAccount::new(
            account.clone(),
            SignerKey::Der(signer.to_der()),
        ))
    }
}

impl WalletVerifier for IcpVerifier {
    fn chain(&self) -> Chain {
        Chain::Icp
    }

    /// Requires [`Expectations::message`]: the proof's message must be
    /// exactly it, and the signature must cover
    /// [`IcpProof::signing_bytes`] of it. A delegation chain is checked at [`Expectations::now`].
    /// The [`VerifiedAccount::signer`] is the DER key that signed the
    /// message (the session key, for a chain).
    fn verify(&self, proof: &WalletProof, expect: &Expectations<'_>) -> Result<VerifiedAccount> {
        #[cfg(feature = "icp-canister-sig")]
        if let WalletProof::IcpCanister(p) = proof {
            return p.verify_with(&self.canister, self.target.as_ref(), expect);
        }
        let WalletProof::Icp(p) = proof else {
            return Err(super::check::wrong_chain(&self.chain(), &proof.chain()));
        };
        expect.require_exact_message(&p.message)?;
        let signed = IcpProof::signing_bytes(&p.message);
        match &p.delegation {
            None => self.check(
                &p.account,
                &p.public_key,
                &p.public_key,
                &signed,
                &p.signature,
            ),
            Some(chain) => {
                let verified = chain.verify(expect.now, self.target.as_ref())?;
                self.check(
                    &p.account,
                    verified.root_public_key(),
                    verified.session_key(),
                    &signed,
                    &p.signature,
                )
            }
        }
    }

    /// Delegation statements: the stored signature is
    /// [`IcpProof::statement_signature`] (the identity's DER key and its
    /// signature over the statement's UTF-8 bytes).
    fn verify_statement(&self, proof: &StatementProof<'_>) -> Result<VerifiedAccount> {
        check_icp_account(proof.account)?;
        let mut r = CanonicalReader::new(
            proof.signature,
            STATEMENT_SIGNATURE_DOMAIN,
            "icp statement signature",
        )?;
        let key = IcpPublicKey::from_der(r.bytes()?)?;
        let signature = r.bytes()?;
        r.finish()?;
        // One stored encoding: P-256 statement signatures are low-S
        // (secp256k1 ones already are: k256 refuses high S).
        if let (Key::P256(_), Ok(sig)) = (&key.0, p256::ecdsa::Signature::from_slice(signature))
            && sig.normalize_s() != sig
        {
            return Err(Error::decode(
                "icp statement signature",
                DecodeReason::NonCanonical("p-256 signature with high S"),
            ));
        }
        self.check(
            proof.account,
            &key,
            &key,
            proof.statement.as_bytes(),
            signature,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::hex_decode;
    use crate::error::KeyError;

    /// FORMATS.md §8: a P-256 statement signature is stored low-S; a
    /// high-S one is normalised by `statement_signature` and refused when
    /// stored as is.
    #[test]
    fn p256_statement_signature_has_one_stored_form() {
        use p256::ecdsa::signature::Signer as _;
        let sk = p256::ecdsa::SigningKey::from_slice(&[9; 32]).unwrap();
        let key = IcpPublicKey::from_p256(*sk.verifying_key());
        let account = key.principal().account_id();
        let statement = "keytree delegation v1\n\nexample";
        let sig: p256::ecdsa::Signature = sk.sign(statement.as_bytes());
        let low = sig.normalize_s();
        let high = p256::ecdsa::Signature::from_scalars(low.r().to_bytes(), (-*low.s()).to_bytes())
            .unwrap();
        assert_ne!(high, low);
        // Both verify on the IC (and for login proofs).
        key.verify(statement.as_bytes(), &high.to_bytes()).unwrap();
        let id = [0u8; 32];
        let check = |stored: &[u8]| {
            IcpVerifier::new().verify_statement(&StatementProof {
                account: &account,
                statement,
                id: &id,
                signature: stored,
            })
        };
        let normalised = IcpProof::statement_signature(&key, &high.to_bytes());
        assert_eq!(
            normalised,
            IcpProof::statement_signature(&key, &low.to_bytes())
        );
        check(&normalised).unwrap();
        let mut w = CanonicalWriter::new(STATEMENT_SIGNATURE_DOMAIN);
        w.bytes(&key.to_der()).bytes(&high.to_bytes());
        assert!(matches!(check(&w.finish()), Err(Error::Decode { .. })));
    }

    fn hex(s: &str) -> Vec<u8> {
        hex_decode(s, "test").unwrap()
    }

    #[test]
    fn ed25519_principal_matches_dfinity() {
        // tests/vectors/icp identities.json ed25519_0.
        let der = hex(
            "302a300506032b65700321002cb5d3f2b944a66c102e1c5729dff245b31c5d4675bed19500cabe9111ab4231",
        );
        let key = IcpPublicKey::from_der(&der).unwrap();
        assert_eq!(key.to_der(), der);
        assert_eq!(
            key.principal().to_text(),
            "2ez54-zcwgz-6gb6i-v5slq-kvcdm-47h2q-5ubnq-7zhj6-xvgct-ki32j-vae"
        );
    }

    #[test]
    fn weak_ed25519_and_off_curve_points_are_refused() {
        let mut der = der::encode(Algorithm::Ed25519, &[0; 32]);
        der[12] = 1; // the identity point
        assert_eq!(
            IcpPublicKey::from_der(&der).unwrap_err(),
            Error::InvalidKey(KeyError::Weak)
        );
        let mut point = vec![0x04];
        point.extend([1u8; 64]);
        for alg in [Algorithm::Secp256k1, Algorithm::P256] {
            assert_eq!(
                IcpPublicKey::from_der(&der::encode(alg, &point)).unwrap_err(),
                Error::InvalidKey(KeyError::NotOnCurve)
            );
        }
    }

    #[test]
    fn secp256k1_low_s_only_p256_either() {
        use k256::ecdsa::signature::Signer as _;
        let msg = b"keytree icp";
        let k1 = k256::ecdsa::SigningKey::from_slice(&[3; 32]).unwrap();
        let key = IcpPublicKey::from_secp256k1(*k1.verifying_key());
        let sig: k256::ecdsa::Signature = k1.sign(msg);
        let low = sig.normalize_s();
        key.verify(msg, &low.to_bytes()).unwrap();
        let (r, s) = low.split_scalars();
        let high = k256::ecdsa::Signature::from_scalars(r.to_bytes(), (-*s).to_bytes()).unwrap();
        assert_eq!(
            key.verify(msg, &high.to_bytes()).unwrap_err(),
            Error::InvalidSignature
        );
        assert_eq!(IcpPublicKey::from_der(&key.to_der()).unwrap(), key);

        let r1 = p256::ecdsa::SigningKey::from_slice(&[3; 32]).unwrap();
        let key = IcpPublicKey::from_p256(*r1.verifying_key());
        let sig: p256::ecdsa::Signature = r1.sign(msg);
        key.verify(msg, &sig.to_bytes()).unwrap();
        let (r, s) = sig.split_scalars();
        let flipped = p256::ecdsa::Signature::from_scalars(r.to_bytes(), (-*s).to_bytes()).unwrap();
        key.verify(msg, &flipped.to_bytes()).unwrap();
        assert_eq!(IcpPublicKey::from_der(&key.to_der()).unwrap(), key);
    }

    #[test]
    fn signature_length_and_zero_scalars() {
        let k1 = k256::ecdsa::SigningKey::from_slice(&[3; 32]).unwrap();
        let key = IcpPublicKey::from_secp256k1(*k1.verifying_key());
        assert!(matches!(
            key.verify(b"m", &[1; 63]).unwrap_err(),
            Error::Decode { .. }
        ));
        assert_eq!(
            key.verify(b"m", &[0; 64]).unwrap_err(),
            Error::InvalidSignature
        );
        assert_eq!(
            key.verify(b"m", &[0xff; 64]).unwrap_err(),
            Error::InvalidSignature
        );
    }

    #[test]
    fn delegation_statements() {
        use crate::WalletRegistry;
        let root = crate::RootKey::from_bytes(&[5; 32]);
        let key = IcpPublicKey::from_ed25519(root.public_key());
        let account = key.principal().account_id();
        let statement = "keytree delegation statement (test)";
        let id = [7u8; 32];
        let stored =
            IcpProof::statement_signature(&key, root.sign(statement.as_bytes()).as_bytes());
        let proof = |account, statement, signature| StatementProof {
            account,
            statement,
            id: &id,
            signature,
        };
        let registry = WalletRegistry::with_defaults();
        let who = registry
            .verify_statement(&proof(&account, statement, &stored))
            .unwrap();
        assert_eq!(who.account, account);
        assert_eq!(who.signer, SignerKey::Der(key.to_der()));
        assert_eq!(
            registry
                .verify_statement(&proof(&account, "other", &stored))
                .unwrap_err(),
            Error::InvalidSignature
        );
        let other = IcpPublicKey::from_ed25519(crate::RootKey::from_bytes(&[6; 32]).public_key())
            .principal()
            .account_id();
        assert_eq!(
            registry
                .verify_statement(&proof(&other, statement, &stored))
                .unwrap_err(),
            Error::Wallet(WalletError::AccountMismatch)
        );
        let mut trailing = stored.clone();
        trailing.push(0);
        for bytes in [&[][..], &stored[..10], &trailing[..]] {
            assert!(matches!(
                registry
                    .verify_statement(&proof(&account, statement, bytes))
                    .unwrap_err(),
                Error::Decode { .. }
            ));
        }
        let raw = AccountId::raw_ed25519(&root.public_key());
        assert!(matches!(
            IcpVerifier::new()
                .verify_statement(&proof(&raw, statement, &stored))
                .unwrap_err(),
            Error::Wallet(WalletError::WrongChain { .. })
        ));
    }
}
