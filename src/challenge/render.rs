//! The text or payload a wallet signs for a challenge, per chain, and the
//! way back: which nonce, account and bytes a proof carries.

use crate::error::{ChallengeError, Result};
#[cfg(feature = "near")]
use crate::wallet::near::Nep413Payload;
use crate::wallet::{AccountId, Chain, WalletProof, rfc3339};

use super::nonce::ChallengeNonce;

/// What the wallet must sign for a challenge, in its chain's own form.
///
/// Every form carries the domain, the account, the nonce (64 hex digits;
/// NEP-413 also as its 32-byte `nonce`), the issue time and the expiry.
/// The server accepts exactly these bytes and nothing else.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChallengeMessage {
    /// Ethereum: an EIP-4361 (SIWE) message; the wallet signs it with
    /// EIP-191 `personal_sign`.
    Siwe(String),
    /// Solana: a Sign-In-With-Solana message; the wallet signs its bytes
    /// (`signMessage` or `signIn`).
    Siws(String),
    /// NEAR: a NEP-413 payload (recipient = the domain, nonce = the
    /// challenge nonce, message = the sign-in text, no callback URL).
    #[cfg(feature = "near")]
    Nep413(Nep413Payload),
    /// Stellar: the sign-in text, signed as a SEP-53 message.
    Sep53(String),
    /// Raw keys and ICP (the identity's or delegated session key): the
    /// sign-in text's UTF-8 bytes inside the form's tagged login wrapper
    /// (`RawKeyProof::signing_bytes`, `IcpProof::signing_bytes`); custom
    /// chains: the text, as their verifier defines.
    Text(String),
}

impl ChallengeMessage {
    /// The human-readable text (for NEP-413, the payload's `message`).
    pub fn text(&self) -> &str {
        match self {
            Self::Siwe(t) | Self::Siws(t) | Self::Sep53(t) | Self::Text(t) => t,
            #[cfg(feature = "near")]
            Self::Nep413(p) => &p.message,
        }
    }
}

/// The settings a rendering needs.
pub(crate) struct Render<'a> {
    pub domain: &'a str,
    pub uri: &'a str,
    pub statement: Option<&'a str>,
    pub account: &'a AccountId,
    pub nonce: &'a ChallengeNonce,
    pub issued_at: u64,
    pub expires_at: u64,
}

impl Render<'_> {
    pub(crate) fn message(&self) -> Result<ChallengeMessage> {
        let unsupported = || ChallengeError::UnsupportedAccount(self.account.to_string()).into();
        match self.account.chain() {
            #[cfg(feature = "ethereum")]
            Chain::Ethereum => Ok(ChallengeMessage::Siwe(self.siwe()?)),
            #[cfg(feature = "solana")]
            Chain::Solana => Ok(ChallengeMessage::Siws(self.siws()?)),
            #[cfg(feature = "near")]
            Chain::Near => Ok(ChallengeMessage::Nep413(Nep413Payload::new(
                self.text("NEAR"),
                *self.nonce.as_bytes(),
                self.domain,
                None,
            ))),
            Chain::Stellar => Ok(ChallengeMessage::Sep53(self.text("Stellar"))),
            #[cfg(feature = "icp")]
            Chain::Icp => Ok(ChallengeMessage::Text(self.text("ICP"))),
            Chain::RawEd25519 => Ok(ChallengeMessage::Text(self.text("Ed25519 key"))),
            Chain::RawSecp256k1 => Ok(ChallengeMessage::Text(self.text("secp256k1 key"))),
            Chain::Custom(ns) => Ok(ChallengeMessage::Text(self.text(ns))),
            // Chains whose feature is off in this build.
            #[allow(unreachable_patterns)]
            _ => Err(unsupported()),
        }
    }

    /// The sign-in text of the non-SIWx forms:
    ///
    /// ```text
    /// {domain} wants you to sign in with your {label} account:
    /// {CAIP-10 account}
    ///
    /// [{statement}
    ///
    /// ]URI: {uri}
    /// Nonce: {64 hex}
    /// Issued At: {RFC 3339}
    /// Expiration Time: {RFC 3339}
    /// ```
    fn text(&self, label: &str) -> String {
        let mut out = format!(
            "{} wants you to sign in with your {label} account:\n{}\n\n",
            self.domain, self.account
        );
        if let Some(s) = self.statement {
            out.push_str(s);
            out.push_str("\n\n");
        }
        out.push_str(&format!(
            "URI: {}\nNonce: {}\nIssued At: {}\nExpiration Time: {}",
            self.uri,
            self.nonce,
            rfc3339::format(self.issued_at),
            rfc3339::format(self.expires_at)
        ));
        out
    }

    #[cfg(feature = "ethereum")]
    fn siwe(&self) -> Result<String> {
        let chain_id = self
            .account
            .reference()
            .parse()
            .map_err(|_| ChallengeError::UnsupportedAccount(self.account.to_string()))?;
        let m = crate::wallet::ethereum::SiweMessage {
            scheme: None,
            domain: self.domain.to_owned(),
            address: crate::wallet::text::parse_eth_address(self.account.address())?,
            statement: self.statement.map(str::to_owned),
            uri: self.uri.to_owned(),
            chain_id,
            nonce: self.nonce.to_string(),
            issued_at: rfc3339::format(self.issued_at),
            expiration_time: Some(rfc3339::format(self.expires_at)),
            not_before: None,
            request_id: None,
            resources: Vec::new(),
            has_resources: false,
        };
        Ok(m.to_string())
    }

    #[cfg(feature = "solana")]
    fn siws(&self) -> Result<String> {
        use crate::wallet::solana::{SOLANA_DEVNET, SOLANA_MAINNET, SOLANA_TESTNET, SiwsMessage};
        let chain_id = match self.account.reference() {
            SOLANA_MAINNET => "mainnet",
            SOLANA_DEVNET => "devnet",
            SOLANA_TESTNET => "testnet",
            _ => return Err(ChallengeError::UnsupportedAccount(self.account.to_string()).into()),
        };
        let m = SiwsMessage {
            domain: self.domain.to_owned(),
            address: self.account.address().to_owned(),
            statement: self.statement.map(str::to_owned),
            uri: Some(self.uri.to_owned()),
            version: Some("1".into()),
            chain_id: Some(chain_id.into()),
            nonce: Some(self.nonce.to_string()),
            issued_at: Some(rfc3339::format(self.issued_at)),
            expiration_time: Some(rfc3339::format(self.expires_at)),
            not_before: None,
            request_id: None,
            resources: None,
        };
        Ok(m.to_string())
    }
}

/// What a proof carries that redemption needs before verifying it.
pub(crate) struct ProofView<'a> {
    /// The account the proof claims.
    pub account: &'a AccountId,
    /// The signed text (NEP-413: the payload's `message`), when there is one.
    pub signed: &'a [u8],
    /// The challenge nonce the proof names.
    pub nonce: Option<ChallengeNonce>,
}

impl<'a> ProofView<'a> {
    pub(crate) fn of(proof: &'a WalletProof) -> Result<Self> {
        let (account, signed): (&AccountId, &[u8]) = match proof {
            #[cfg(feature = "ethereum")]
            WalletProof::Ethereum(p) => (p.account(), p.signed_bytes()),
            #[cfg(feature = "near")]
            WalletProof::Near(p) => {
                return Ok(Self {
                    account: p.account(),
                    signed: p.payload().message.as_bytes(),
                    nonce: Some(ChallengeNonce::from_bytes(p.payload().nonce)),
                });
            }
            #[cfg(feature = "stellar")]
            WalletProof::Stellar(p) => (p.account(), p.signed_bytes()),
            #[cfg(feature = "solana")]
            WalletProof::Solana(p) => (p.account(), p.signed_bytes()),
            #[cfg(feature = "icp")]
            WalletProof::Icp(p) => (p.account(), p.message()),
            #[cfg(feature = "icp-canister-sig")]
            WalletProof::IcpCanister(p) => (p.account(), p.message()),
            WalletProof::RawKey(p) => (p.account(), p.message()),
            WalletProof::Custom(p) => (&p.account, &p.message),
            #[allow(unreachable_patterns)]
            _ => return Err(ChallengeError::MissingNonce.into()),
        };
        Ok(Self {
            account,
            signed,
            nonce: nonce_line(signed),
        })
    }
}

/// The nonce of the first `Nonce: <64 lowercase hex>` line of a text.
fn nonce_line(signed: &[u8]) -> Option<ChallengeNonce> {
    let text = std::str::from_utf8(signed).ok()?;
    text.split('\n')
        .find_map(|line| line.strip_prefix("Nonce: "))
        .and_then(|n| n.parse().ok())
}
