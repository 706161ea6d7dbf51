//! Solana: the base58 address is the Ed25519 key; wallets' `signMessage`
//! signs the raw message bytes (no prefix, no hash); Sign-In-With-Solana
//! (SIWS) messages use the text format of `@solana/wallet-standard-util`
//! `createSignInMessageText`:
//!
//! ```text
//! <domain> wants you to sign in with your Solana account:
//! <address>
//! [LF LF <statement>]
//! [LF LF <fields, one per line, each optional, in this order>]
//!   URI: … | Version: 1 | Chain ID: … | Nonce: … | Issued At: … |
//!   Expiration Time: … | Not Before: … | Request ID: … | Resources: (LF "- " uri)*
//! ```
//!
//! Accounts are `solana:<genesis-hash prefix>:<address>`; a SIWS `Chain ID`
//! (`mainnet`, `devnet`, `testnet`, optionally `solana:`-prefixed; absent =
//! mainnet) maps to the CAIP-30 reference. Signatures travel as base58.

use std::fmt;
use std::str::FromStr;

use super::account::AccountId;
use super::chain::Chain;
use super::check::{Expectations, SignerKey, StatementProof, VerifiedAccount};
use super::proof::WalletProof;
use super::rfc3339;
use super::verifier::WalletVerifier;
use crate::encoding::base58_decode_array;
use crate::error::{DecodeReason, Error, Result, WalletError};
use crate::public_key::{PublicKey, Signature};

const WHAT: &str = "siws message";
const HEADER: &str = " wants you to sign in with your Solana account:";
/// The largest SIWS message accepted.
pub const MAX_SIWS_LEN: usize = 16 * 1024;
/// CAIP-30 reference of Solana mainnet.
pub const SOLANA_MAINNET: &str = "5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp";
/// CAIP-30 reference of Solana devnet.
pub const SOLANA_DEVNET: &str = "EtWTRABZaYq6iMfeYKouRu166VU2xqa1";
/// CAIP-30 reference of Solana testnet.
pub const SOLANA_TESTNET: &str = "4uhcVJyU9pJkvQyS88uRDiswHXSCkY3z";

/// The CAIP-30 reference for a SIWS chain id.
fn reference_for(chain_id: Option<&str>) -> Result<&'static str> {
    match chain_id.map(|c| c.strip_prefix("solana:").unwrap_or(c)) {
        None | Some("mainnet") => Ok(SOLANA_MAINNET),
        Some("devnet") => Ok(SOLANA_DEVNET),
        Some("testnet") => Ok(SOLANA_TESTNET),
        Some(_) => Err(Error::malformed(WHAT, "unknown chain id")),
    }
}

/// A parsed Sign-In-With-Solana message. `Display` prints it back exactly.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SiwsMessage {
    /// The requesting domain.
    pub domain: String,
    /// The base58 address.
    pub address: String,
    /// Optional statement (one line).
    pub statement: Option<String>,
    /// Optional URI.
    pub uri: Option<String>,
    /// Optional version (`1`).
    pub version: Option<String>,
    /// Optional chain id (`mainnet`, `solana:devnet`, …).
    pub chain_id: Option<String>,
    /// Optional nonce (≥ 8 alphanumerics).
    pub nonce: Option<String>,
    /// Optional issued-at (RFC 3339).
    pub issued_at: Option<String>,
    /// Optional expiration time.
    pub expiration_time: Option<String>,
    /// Optional not-before.
    pub not_before: Option<String>,
    /// Optional request id.
    pub request_id: Option<String>,
    /// Optional resources (`None` = no `Resources:` line).
    pub resources: Option<Vec<String>>,
}

const FIELDS: [&str; 8] = [
    "URI: ",
    "Version: ",
    "Chain ID: ",
    "Nonce: ",
    "Issued At: ",
    "Expiration Time: ",
    "Not Before: ",
    "Request ID: ",
];

fn is_field_line(line: &str) -> bool {
    line == "Resources:" || FIELDS.iter().any(|f| line.starts_with(f))
}

impl FromStr for SiwsMessage {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        if text.len() > MAX_SIWS_LEN {
            return Err(Error::decode(
                WHAT,
                DecodeReason::TooLong { max: MAX_SIWS_LEN },
            ));
        }
        let mut it = text.split('\n').peekable();
        let domain = it
            .next()
            .and_then(|l| l.strip_suffix(HEADER))
            .ok_or_else(|| Error::malformed(WHAT, "bad header line"))?;
        super::signin::check_authority(domain, WHAT)?;
        let address = it
            .next()
            .ok_or_else(|| Error::malformed(WHAT, "missing address"))?;
        base58_decode_array::<32>(address, "solana address")?;
        let mut m = Self {
            domain: domain.to_owned(),
            address: address.to_owned(),
            ..Self::default()
        };
        fn blank<'a>(it: &mut impl Iterator<Item = &'a str>) -> Result<bool> {
            match it.next() {
                None => Ok(false),
                Some("") => Ok(true),
                Some(_) => Err(Error::malformed(WHAT, "expected a blank line")),
            }
        }
        if !blank(&mut it)? {
            return Ok(m);
        }
        let first = it
            .peek()
            .copied()
            .ok_or_else(|| Error::malformed(WHAT, "trailing blank line"))?;
        if !is_field_line(first) {
            if first.is_empty() {
                return Err(Error::malformed(WHAT, "empty statement"));
            }
            m.statement = Some(first.to_owned());
            it.next();
            if !blank(&mut it)? {
                return Ok(m);
            }
        }
        // Fields, each optional, in order; at least one.
        let mut slots: [Option<String>; 8] = Default::default();
        let mut next_field = 0usize;
        let mut any = false;
        while let Some(line) = it.next() {
            any = true;
            if line == "Resources:" {
                let mut resources = Vec::new();
                for r in it.by_ref() {
                    let r = r
                        .strip_prefix("- ")
                        .ok_or_else(|| Error::malformed(WHAT, "invalid resource line"))?;
                    super::signin::check_uri(r, WHAT)?;
                    resources.push(r.to_owned());
                }
                m.resources = Some(resources);
                break;
            }
            let pos = FIELDS
                .iter()
                .enumerate()
                .skip(next_field)
                .find(|(_, f)| line.starts_with(**f))
                .map(|(i, _)| i)
                .ok_or_else(|| Error::malformed(WHAT, "unexpected or out-of-order line"))?;
            let value = line
                .get(FIELDS.get(pos).map_or(0, |f| f.len())..)
                .unwrap_or_default();
            if value.is_empty() {
                return Err(Error::malformed(WHAT, "empty field"));
            }
            if let Some(slot) = slots.get_mut(pos) {
                *slot = Some(value.to_owned());
            }
            next_field = pos + 1;
        }
        if !any {
            return Err(Error::malformed(WHAT, "trailing blank line"));
        }
        let [
            uri,
            version,
            chain_id,
            nonce,
            issued_at,
            expiration_time,
            not_before,
            request_id,
        ] = slots;
        if let Some(u) = &uri {
            super::signin::check_uri(u, WHAT)?;
        }
        if version.as_deref().is_some_and(|v| v != "1") {
            return Err(Error::malformed(WHAT, "version must be 1"));
        }
        reference_for(chain_id.as_deref())?;
        if let Some(n) = &nonce {
            super::signin::check_nonce(n, WHAT)?;
        }
        for t in [&issued_at, &expiration_time, &not_before]
            .into_iter()
            .flatten()
        {
            rfc3339::parse(t)?;
        }
        m.uri = uri;
        m.version = version;
        m.chain_id = chain_id;
        m.nonce = nonce;
        m.issued_at = issued_at;
        m.expiration_time = expiration_time;
        m.not_before = not_before;
        m.request_id = request_id;
        Ok(m)
    }
}

impl fmt::Display for SiwsMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{HEADER}\n{}", self.domain, self.address)?;
        if let Some(s) = &self.statement {
            write!(f, "\n\n{s}")?;
        }
        let values = [
            &self.uri,
            &self.version,
            &self.chain_id,
            &self.nonce,
            &self.issued_at,
            &self.expiration_time,
            &self.not_before,
            &self.request_id,
        ];
        let mut sep = "\n\n";
        for (name, value) in FIELDS.iter().zip(values) {
            if let Some(v) = value {
                write!(f, "{sep}{name}{v}")?;
                sep = "\n";
            }
        }
        if let Some(resources) = &self.resources {
            write!(f, "{sep}Resources:")?;
            for r in resources {
                write!(f, "\n- {r}")?;
            }
        }
        Ok(())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Message {
    Plain(Vec<u8>),
    SignIn(Box<SiwsMessage>, String),
}

/// A Solana wallet's signed message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SolanaProof {
    account: AccountId,
    key: PublicKey,
    message: Message,
    signature: Signature,
}

/// The Ed25519 key an address stands for (refused when it is not a valid,
/// non-weak point: such an address, e.g. a program-derived one, cannot sign).
fn solana_key(account: &AccountId) -> Result<PublicKey> {
    PublicKey::from_bytes(&base58_decode_array::<32>(
        account.address(),
        "solana address",
    )?)
}

fn parse_signature(text: &str) -> Result<Signature> {
    Ok(Signature::from_bytes(&base58_decode_array::<64>(
        text,
        "solana signature",
    )?))
}

impl SolanaProof {
    /// A `signMessage` signature (base58) over the plain-message login
    /// wrapper [`SolanaProof::plain_signing_bytes`]`(message)`
    /// (`"keytree/v1/login/solana\n" ‖ message`), not over `message` alone.
    ///
    /// # Errors
    /// [`Error::Decode`]; [`WalletError::WrongChain`].
    pub fn message(
        account: AccountId,
        message: impl AsRef<[u8]>,
        signature_base58: &str,
    ) -> Result<Self> {
        if account.chain() != &Chain::Solana {
            return Err(super::check::wrong_chain(&Chain::Solana, account.chain()));
        }
        Ok(Self {
            key: solana_key(&account)?,
            account,
            message: Message::Plain(message.as_ref().to_vec()),
            signature: parse_signature(signature_base58)?,
        })
    }

    /// A SIWS message (exact text) and its base58 signature; the account
    /// comes from the message's address and chain id.
    ///
    /// # Errors
    /// [`Error::Decode`] for a malformed message or signature.
    pub fn sign_in(text: &str, signature_base58: &str) -> Result<Self> {
        let m: SiwsMessage = text.parse()?;
        let account = AccountId::new(
            Chain::Solana,
            reference_for(m.chain_id.as_deref())?,
            &m.address,
        )?;
        Ok(Self {
            key: solana_key(&account)?,
            account,
            message: Message::SignIn(Box::new(m), text.to_owned()),
            signature: parse_signature(signature_base58)?,
        })
    }

    /// The claimed account.
    pub fn account(&self) -> &AccountId {
        &self.account
    }

    /// The exact bytes a wallet signs (`signMessage`) to log in with a
    /// plain `message`: [`SOLANA_LOGIN_TAG`](crate::SOLANA_LOGIN_TAG)
    /// (`"keytree/v1/login/solana\n"`, 24 ASCII bytes) followed by
    /// `message` unchanged. SIWS texts are signed as they are (they begin
    /// with the domain, their own structure).
    ///
    /// # Example
    /// ```
    /// let bytes = keytree::SolanaProof::plain_signing_bytes(b"hi");
    /// assert_eq!(bytes, b"keytree/v1/login/solana\nhi");
    /// ```
    pub fn plain_signing_bytes(message: &[u8]) -> Vec<u8> {
        super::login_tag::tagged(super::login_tag::SOLANA_LOGIN_TAG, message)
    }

    /// The message the proof is about: the SIWS text or the plain message
    /// (without the login tag).
    pub(crate) fn signed_bytes(&self) -> &[u8] {
        match &self.message {
            Message::Plain(m) => m,
            Message::SignIn(_, text) => text.as_bytes(),
        }
    }
}

impl From<SolanaProof> for WalletProof {
    fn from(p: SolanaProof) -> Self {
        Self::Solana(p)
    }
}

/// Solana: the base58 address is the Ed25519 key; wallets' `signMessage`
/// signs the raw message bytes (no prefix, no hash); Sign-In-With-Solana
/// (SIWS) messages use the text format of `@solana/wallet-standard-util`
/// `createSignInMessageText`:
///
/// ```text
/// <domain> wants you to sign in with your Solana account:
/// <address>
/// [LF LF <statement>]
/// [LF LF <fields, one per line, each optional, in this order>]
///   URI: … | Version: 1 | Chain ID: … | Nonce: … | Issued At: … |
///   Expiration Time: … | Not Before: … | Request ID: … | Resources: (LF "- " uri)*
/// ```
///
/// Accounts are `solana:<genesis-hash prefix>:<address>`; a SIWS `Chain ID`
/// (`mainnet`, `devnet`, `testnet`, optionally `solana:`-prefixed; absent =
/// mainnet) maps to the CAIP-30 reference. Signatures travel as base58.
///
/// Verifies Solana proofs.
#[derive(Clone, Copy, Debug, Default)]
pub struct SolanaVerifier {
    allow_siws_without_nonce: bool,
}

impl SolanaVerifier {
    /// The verifier: SIWS needs a nonce.
    pub fn new() -> Self {
        Self::default()
    }

    /// Accepts SIWS messages that carry no nonce when no nonce is expected.
    /// Such a sign-in can be replayed until it expires (if it ever does):
    /// only for servers that bind the sign-in otherwise.
    #[must_use]
    pub fn dangerous_allow_siws_without_nonce(mut self) -> Self {
        self.allow_siws_without_nonce = true;
        self
    }

    fn check_key(
        account: &AccountId,
        key: &PublicKey,
        message: &[u8],
        signature: &Signature,
    ) -> Result<VerifiedAccount> {
        key.verify(message, signature)?;
        Ok(VerifiedAccount::new(
            account.clone(),
            SignerKey::Ed25519(*key),
        ))
    }

    fn check_siws(&self, m: &SiwsMessage, expect: &Expectations<'_>) -> Result<()> {
        let domain = expect.require_domain()?;
        if m.domain != domain {
            return Err(WalletError::DomainMismatch {
                expected: domain.to_owned(),
                got: m.domain.clone(),
            }
            .into());
        }
        match (expect.nonce, &m.nonce) {
            (Some(e), Some(n)) if e == n.as_bytes() => {}
            (None, None) if self.allow_siws_without_nonce => {}
            (None, _) => return Err(WalletError::MissingExpectation("nonce").into()),
            _ => return Err(WalletError::NonceMismatch.into()),
        }
        let now = expect.now;
        if let Some(t) = &m.expiration_time {
            let expires_at = rfc3339::parse(t)?;
            if now >= expires_at {
                return Err(WalletError::Expired { expires_at, now }.into());
            }
        }
        if let Some(t) = &m.not_before {
            let not_before = rfc3339::parse(t)?;
            if now < not_before {
                return Err(WalletError::NotYetValid { not_before, now }.into());
            }
        }
        if let Some(t) = &m.issued_at {
            let issued_at = rfc3339::parse(t)?;
            if issued_at > now.saturating_add(super::check::DEFAULT_WALLET_LEEWAY) {
                return Err(WalletError::IssuedInFuture { issued_at, now }.into());
            }
        }
        Ok(())
    }
}

impl WalletVerifier for SolanaVerifier {
    fn chain(&self) -> Chain {
        Chain::Solana
    }

    /// Plain messages need [`Expectations::message`] and a signature over
    /// [`SolanaProof::plain_signing_bytes`] of it; SIWS needs
    /// [`Expectations::domain`] and [`Expectations::nonce`] and checks
    /// times against `now` (issued-at may lead `now` by 60 s).
    fn verify(&self, proof: &WalletProof, expect: &Expectations<'_>) -> Result<VerifiedAccount> {
        let WalletProof::Solana(p) = proof else {
            return Err(super::check::wrong_chain(&self.chain(), &proof.chain()));
        };
        match &p.message {
            Message::Plain(m) => {
                if expect.require_message()? != m.as_slice() {
                    return Err(WalletError::MessageMismatch.into());
                }
                Self::check_key(
                    &p.account,
                    &p.key,
                    &SolanaProof::plain_signing_bytes(m),
                    &p.signature,
                )
            }
            Message::SignIn(m, text) => {
                self.check_siws(m, expect)?;
                Self::check_key(&p.account, &p.key, text.as_bytes(), &p.signature)
            }
        }
    }

    /// Delegation statements: the statement's UTF-8 bytes signed directly
    /// (`signMessage`); 64-byte signature.
    fn verify_statement(&self, proof: &StatementProof<'_>) -> Result<VerifiedAccount> {
        let sig = Signature::from_slice(proof.signature).map_err(|_| Error::InvalidSignature)?;
        Self::check_key(
            proof.account,
            &solana_key(proof.account)?,
            proof.statement.as_bytes(),
            &sig,
        )
    }
}
