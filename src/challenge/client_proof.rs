//! Redemption from what a client sends: `{account, nonce, signature,
//! public_key?, delegation?}` in each chain's usual encoding. The issuer
//! re-renders the exact message from the nonce (which carries its issue
//! time and lifetime), the account and its own settings, builds the
//! chain's proof and redeems it.

use std::fmt;

use serde::{Deserialize, Deserializer};

use super::issuer::ChallengeIssuer;
use super::nonce::ChallengeNonce;
use super::render::ChallengeMessage;
use super::store::NonceStore;
use crate::error::{ChallengeError, Error, Result, TokenError};
use crate::wallet::input::AccountInput;
use crate::wallet::{AccountId, Chain, VerifiedAccount, WalletProof};

const WHAT: &str = "client proof";
/// The largest signature, key or delegation text accepted, in bytes.
const MAX_FIELD: usize = 64 * 1024;

/// A login proof as a client sends it, for
/// [`ChallengeIssuer::redeem_client`]: the account, the challenge nonce, the
/// signature and, where the chain needs them, the public key and an ICP
/// delegation chain. The message is not sent: the issuer re-renders it.
///
/// # JSON form (`Deserialize`)
///
/// ```json
/// {"account": "eip155:1:0x…", "nonce": "<64 hex>", "signature": "0x…",
///  "public_key": "…", "delegation": {…}}
/// ```
///
/// `account` (also accepted as `wallet`) is what [`AccountInput`] reads:
/// CAIP-10, a bare `0x…` address, or `{chain, address, network?}`. Unknown
/// fields are refused.
///
/// | chain | `signature` | `public_key` | `delegation` |
/// |---|---|---|---|
/// | Ethereum | 65-byte `r ‖ s ‖ v` hex, `0x` optional, `v` ∈ {0, 1, 27, 28}: `personal_sign` of the SIWE text | — | — |
/// | Solana | base58, over the SIWS text (`signMessage` / `signIn`) | — | — |
/// | NEAR | base64, NEP-413 (`signMessage` with the challenge's `nep413` object) | `ed25519:<base58>` (optional for implicit accounts) | — |
/// | Stellar | base64, SEP-53 over the sign-in text | — | — |
/// | ICP | hex, over `IcpProof::signing_bytes(text)` | hex of the DER key (or of a raw 32-byte Ed25519 key); not needed with a delegation | agent-js `DelegationChain.toJSON()`, as an object or a JSON string; an Internet Identity chain needs feature `icp-canister-sig` |
/// | raw Ed25519 / secp256k1 | hex, over `RawKeyProof::signing_bytes(text)` | — (the account is the key) | — |
#[derive(Clone, PartialEq, Eq)]
pub struct ClientProof {
    account: AccountInput,
    nonce: String,
    signature: String,
    public_key: Option<String>,
    delegation: Option<String>,
}

impl fmt::Debug for ClientProof {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientProof")
            .field("account", &self.account)
            .field("nonce", &self.nonce)
            .field("public_key", &self.public_key)
            .field("has_delegation", &self.delegation.is_some())
            .finish_non_exhaustive()
    }
}

impl ClientProof {
    /// Reads a request body (the JSON form above), as a server receives it.
    ///
    /// # Errors
    /// [`TokenError::InvalidRequest`] (`bad_request`) for a body that is not
    /// this JSON form (an unknown field or an oversized value included).
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        serde_json::from_slice(bytes)
            .map_err(|_| TokenError::InvalidRequest("malformed JSON body").into())
    }

    /// A proof of `account` for the challenge `nonce` (64 hex digits) with
    /// `signature` in the chain's usual encoding (see the table above).
    pub fn new(
        account: AccountInput,
        nonce: impl Into<String>,
        signature: impl Into<String>,
    ) -> Self {
        Self {
            account,
            nonce: nonce.into(),
            signature: signature.into(),
            public_key: None,
            delegation: None,
        }
    }

    /// The signing key (NEAR `ed25519:<base58>`, ICP DER hex).
    #[must_use]
    pub fn with_public_key(mut self, public_key: impl Into<String>) -> Self {
        self.public_key = Some(public_key.into());
        self
    }

    /// An ICP delegation chain as `DelegationChain.toJSON()` text.
    #[must_use]
    pub fn with_delegation_json(mut self, json: impl Into<String>) -> Self {
        self.delegation = Some(json.into());
        self
    }

    /// The account as sent.
    pub fn account(&self) -> &AccountInput {
        &self.account
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    #[serde(alias = "wallet")]
    account: AccountInput,
    nonce: String,
    signature: String,
    #[serde(default)]
    public_key: Option<String>,
    #[serde(default)]
    delegation: Option<serde_json::Value>,
}

impl<'de> Deserialize<'de> for ClientProof {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let w = Wire::deserialize(d)?;
        let delegation = match w.delegation {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(s)) => Some(s),
            Some(v @ serde_json::Value::Object(_)) => Some(v.to_string()),
            Some(_) => {
                return Err(serde::de::Error::custom(
                    "delegation must be a DelegationChain.toJSON() object or its JSON text",
                ));
            }
        };
        Ok(Self {
            account: w.account,
            nonce: w.nonce,
            signature: w.signature,
            public_key: w.public_key,
            delegation,
        })
    }
}

fn too_long(s: &str) -> Result<()> {
    if s.len() > MAX_FIELD {
        return Err(Error::decode(
            WHAT,
            crate::error::DecodeReason::TooLong { max: MAX_FIELD },
        ));
    }
    Ok(())
}

impl<S: NonceStore> ChallengeIssuer<S> {
    /// Redeems a challenge from what the client sent: parses the account
    /// and nonce, opens the nonce (this issuer's MAC over this domain and
    /// account), re-renders the exact message from it and this issuer's
    /// settings, builds the chain's [`WalletProof`] from the signature (and
    /// key, and delegation) in its usual encoding, and
    /// [`redeem`](Self::redeem)s it at `now`.
    ///
    /// A proof that does not decode (bad hex, wrong length, a missing
    /// NEAR key) is refused before the store is touched and counts no
    /// attempt; a decodable proof with a bad signature counts one, as with
    /// [`redeem`](Self::redeem).
    ///
    /// # Errors
    /// [`Error::Decode`] for an account, nonce, signature, key or
    /// delegation that does not decode (with `DecodeReason::Checksum` for
    /// a bad address checksum); [`ChallengeError::Unknown`] for a nonce
    /// this issuer did not seal for this domain and account;
    /// [`ChallengeError::UnsupportedAccount`] for a custom chain (build a
    /// [`CustomProof`](crate::CustomProof) and call
    /// [`redeem`](Self::redeem)); and the errors of
    /// [`redeem`](Self::redeem).
    pub async fn redeem_client(&self, proof: &ClientProof, now: u64) -> Result<VerifiedAccount> {
        let wallet = self.client_wallet_proof(proof, None)?;
        self.redeem(&wallet, now).await
    }

    /// [`redeem_client`](Self::redeem_client) at the system clock's time.
    ///
    /// # Errors
    /// As [`redeem_client`](Self::redeem_client).
    pub async fn redeem_client_now(&self, proof: &ClientProof) -> Result<VerifiedAccount> {
        self.redeem_client(proof, crate::token::unix_now()).await
    }

    /// [`redeem_client`](Self::redeem_client) of a challenge issued by
    /// [`issue_client_bound`](Self::issue_client_bound) with the same
    /// `binding` ([`redeem_bound`](Self::redeem_bound)).
    ///
    /// # Errors
    /// As [`redeem_client`](Self::redeem_client); [`ChallengeError::Unknown`]
    /// for a nonce bound to other bytes, or not bound.
    pub async fn redeem_client_bound(
        &self,
        proof: &ClientProof,
        binding: &[u8],
        now: u64,
    ) -> Result<VerifiedAccount> {
        let wallet = self.client_wallet_proof(proof, Some(binding))?;
        self.redeem_with(&wallet, Some(binding), now).await
    }

    /// [`redeem_client_bound`](Self::redeem_client_bound) at the system
    /// clock's time.
    ///
    /// # Errors
    /// As [`redeem_client_bound`](Self::redeem_client_bound).
    pub async fn redeem_client_bound_now(
        &self,
        proof: &ClientProof,
        binding: &[u8],
    ) -> Result<VerifiedAccount> {
        self.redeem_client_bound(proof, binding, crate::token::unix_now())
            .await
    }

    /// The chain's proof for what the client sent, over the re-rendered
    /// message.
    fn client_wallet_proof(
        &self,
        proof: &ClientProof,
        binding: Option<&[u8]>,
    ) -> Result<WalletProof> {
        too_long(&proof.signature)?;
        if let Some(k) = &proof.public_key {
            too_long(k)?;
        }
        if let Some(d) = &proof.delegation {
            too_long(d)?;
        }
        let account = proof.account.to_account()?;
        let nonce: ChallengeNonce = proof.nonce.trim().parse()?;
        let (issued_at, expires_at) = self
            .key
            .open_bound(&nonce, &self.domain, &account, binding)
            .ok_or(ChallengeError::Unknown)?;
        let message = self.render(&account, &nonce, issued_at, expires_at)?;
        build(account, &message, proof)
    }
}

#[cfg(feature = "icp")]
fn need_key(proof: &ClientProof) -> Result<&str> {
    proof
        .public_key
        .as_deref()
        .ok_or_else(|| Error::malformed(WHAT, "this chain needs public_key"))
}

fn build(
    account: AccountId,
    message: &ChallengeMessage,
    proof: &ClientProof,
) -> Result<WalletProof> {
    let sig = proof.signature.trim();
    let text = message.text();
    match (account.chain(), message) {
        #[cfg(feature = "ethereum")]
        (Chain::Ethereum, ChallengeMessage::Siwe(t)) => {
            Ok(crate::wallet::ethereum::EthereumProof::siwe(t, sig)?.into())
        }
        #[cfg(feature = "solana")]
        (Chain::Solana, ChallengeMessage::Siws(t)) => {
            Ok(crate::wallet::solana::SolanaProof::sign_in(t, sig)?.into())
        }
        #[cfg(feature = "near")]
        (Chain::Near, ChallengeMessage::Nep413(payload)) => {
            let key = match proof.public_key.as_deref() {
                Some(k) => k.trim().to_owned(),
                None => {
                    let implicit = crate::wallet::text::near_implicit_key(account.address())
                        .ok_or_else(|| {
                            Error::malformed(WHAT, "a named near account needs public_key")
                        })?;
                    format!("ed25519:{}", crate::encoding::base58_encode(&implicit))
                }
            };
            Ok(crate::wallet::near::NearProof::new(account, &key, payload.clone(), sig)?.into())
        }
        #[cfg(feature = "stellar")]
        (Chain::Stellar, ChallengeMessage::Sep53(t)) => {
            Ok(crate::wallet::stellar::StellarProof::new(account, t, sig)?.into())
        }
        #[cfg(feature = "icp")]
        (Chain::Icp, ChallengeMessage::Text(_)) => icp(account, text, proof, sig),
        (Chain::RawEd25519, ChallengeMessage::Text(_)) => {
            let key = account.address().to_owned();
            Ok(
                crate::wallet::raw::RawKeyProof::ed25519_hex(&key, text.as_bytes(), strip_0x(sig))?
                    .into(),
            )
        }
        (Chain::RawSecp256k1, ChallengeMessage::Text(_)) => {
            let key = account.address().to_owned();
            Ok(crate::wallet::raw::RawKeyProof::secp256k1_hex(
                &key,
                text.as_bytes(),
                strip_0x(sig),
            )?
            .into())
        }
        _ => Err(ChallengeError::UnsupportedAccount(account.to_string()).into()),
    }
}

fn strip_0x(s: &str) -> &str {
    s.strip_prefix("0x").unwrap_or(s)
}

#[cfg(feature = "icp")]
fn icp(account: AccountId, text: &str, proof: &ClientProof, sig: &str) -> Result<WalletProof> {
    use crate::wallet::icp::{IcpProof, IcpPublicKey};
    let signature = crate::encoding::hex_decode(strip_0x(sig), "icp signature")?;
    let message = text.as_bytes().to_vec();
    if let Some(chain) = proof.delegation.as_deref() {
        let plain = IcpProof::from_delegation_json(
            account.clone(),
            chain,
            message.clone(),
            signature.clone(),
        );
        #[cfg(feature = "icp-canister-sig")]
        if let Err(Error::Wallet(crate::error::WalletError::IcpCanisterSignature)) = plain {
            return Ok(crate::wallet::icp::IcpCanisterProof::from_delegation_json(
                account, chain, message, signature,
            )?
            .into());
        }
        return Ok(plain?.into());
    }
    let key = crate::encoding::hex_decode(strip_0x(need_key(proof)?.trim()), "icp public key")?;
    let der = match <[u8; 32]>::try_from(key.as_slice()) {
        Ok(raw) => {
            IcpPublicKey::from_ed25519(crate::public_key::PublicKey::from_bytes(&raw)?).to_der()
        }
        Err(_) => key,
    };
    Ok(IcpProof::new(account, &der, message, signature)?.into())
}
