//! Accounts as users and clients type them: chain names, default networks,
//! a bare `0x…` address, `{chain, address, network?}` objects.

use std::str::FromStr;

use serde::Deserialize;

use super::account::{AccountId, WHAT};
use super::chain::Chain;
use super::text;
use crate::error::{Error, Result};

/// CAIP-30 reference of Solana mainnet (the first 32 base58 characters of
/// its genesis hash).
const SOLANA_MAINNET_REF: &str = "5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp";
const SOLANA_DEVNET_REF: &str = "EtWTRABZaYq6iMfeYKouRu166VU2xqa1";
const SOLANA_TESTNET_REF: &str = "4uhcVJyU9pJkvQyS88uRDiswHXSCkY3z";

/// The longest chain or network name accepted from user input.
const MAX_NAME: usize = 64;

impl FromStr for Chain {
    type Err = Error;

    /// Parses a chain as [`Display`](core::fmt::Display) prints it (the
    /// CAIP-2 namespace: `eip155`, `near`, `icp`, `stellar`, `solana`,
    /// `rawkey:ed25519`, `rawkey:secp256k1`, or another valid namespace as
    /// [`Chain::Custom`]), and also the names people use for the known
    /// chains, in any case: `ethereum`, `eth`, `evm`, `internet-computer`.
    ///
    /// # Errors
    /// [`Error::Decode`] for text that is no chain name nor a valid CAIP-2
    /// namespace (`[-a-z0-9]{3,8}`).
    fn from_str(s: &str) -> Result<Self> {
        if s.len() > MAX_NAME {
            return Err(Error::malformed("chain", "longer than 64 bytes"));
        }
        let lower = s.trim().to_ascii_lowercase();
        match lower.as_str() {
            "ethereum" | "eth" | "evm" => return Ok(Self::Ethereum),
            "internet-computer" => return Ok(Self::Icp),
            _ => {}
        }
        let (ns, reference) = match lower.split_once(':') {
            Some((ns, r)) => (ns, r),
            None => (lower.as_str(), ""),
        };
        if ns == "rawkey" && reference.is_empty() {
            return Err(Error::malformed(
                "chain",
                "rawkey needs a key type: rawkey:ed25519 or rawkey:secp256k1",
            ));
        }
        if ns != "rawkey" && !reference.is_empty() {
            return Err(Error::malformed(
                "chain",
                "expected a namespace, not a CAIP-2 id",
            ));
        }
        text::chain_of(ns, reference)
            .map_err(|_| Error::malformed("chain", "not a chain name or CAIP-2 namespace"))
    }
}

impl Chain {
    /// The network (CAIP-2 reference) an account of this chain is on when
    /// the user names none: `1` (Ethereum mainnet), NEAR `mainnet`, Stellar
    /// `pubnet`, Solana mainnet (`5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp`), ICP
    /// `mainnet`, and the key type for raw keys. `None` for custom chains.
    pub fn default_reference(&self) -> Option<&'static str> {
        match self {
            Self::Ethereum => Some("1"),
            Self::Near | Self::Icp => Some("mainnet"),
            Self::Stellar => Some("pubnet"),
            Self::Solana => Some(SOLANA_MAINNET_REF),
            Self::RawEd25519 => Some("ed25519"),
            Self::RawSecp256k1 => Some("secp256k1"),
            Self::Custom(_) => None,
        }
    }

    /// The CAIP-2 reference for a network name a user may type: the
    /// reference itself, or `mainnet`/`devnet`/`testnet` for Solana and
    /// `mainnet` for Ethereum (`1`).
    fn reference_for(&self, network: &str) -> String {
        match (self, network) {
            (Self::Ethereum, "mainnet") => "1".into(),
            (Self::Solana, "mainnet") => SOLANA_MAINNET_REF.into(),
            (Self::Solana, "devnet") => SOLANA_DEVNET_REF.into(),
            (Self::Solana, "testnet") => SOLANA_TESTNET_REF.into(),
            (_, other) => other.into(),
        }
    }
}

impl AccountId {
    /// Parses an account as a user or client may give it: canonical or
    /// not-quite-canonical CAIP-10 text (`eip155:1:0xabc…` in lowercase),
    /// or a bare Ethereum address `0x` + 40 hex digits, read as Ethereum
    /// mainnet (`eip155:1`). Surrounding whitespace is ignored. The result
    /// is canonical (EIP-55 for Ethereum).
    ///
    /// Lenient about form, never about content: a mixed-case Ethereum
    /// address with a wrong EIP-55 checksum, or a Stellar strkey or ICP
    /// principal with a wrong checksum, is refused with
    /// [`DecodeReason::Checksum`](crate::DecodeReason::Checksum) (a
    /// [`ErrorKind::BadRequest`](crate::ErrorKind::BadRequest), not a
    /// signature failure).
    ///
    /// # Errors
    /// [`Error::Decode`] for anything else.
    ///
    /// # Example
    /// ```
    /// use keytree::AccountId;
    /// let a = AccountId::parse_lenient("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed")?;
    /// assert_eq!(a.to_string(), "eip155:1:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
    /// assert!(AccountId::parse_lenient("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD").is_err());
    /// Ok::<(), keytree::Error>(())
    /// ```
    pub fn parse_lenient(input: &str) -> Result<Self> {
        let s = input.trim();
        if s.starts_with("0x") || s.starts_with("0X") {
            return Self::from_parts_lenient("eip155", s, None);
        }
        s.parse()
    }

    /// Builds an account from the parts a client sends as
    /// `{chain, address, network?}`: `chain` as [`Chain::from_str`] reads
    /// it, `network` a CAIP-2 reference or a network name (`mainnet`,
    /// `devnet`, `testnet` for Solana; `mainnet` for Ethereum), defaulting
    /// to [`Chain::default_reference`].
    ///
    /// # Errors
    /// [`Error::Decode`] for an unknown chain, a custom chain without a
    /// network, a bad network or a bad address (with
    /// [`DecodeReason::Checksum`](crate::DecodeReason::Checksum) for a bad
    /// checksum).
    pub fn from_parts_lenient(chain: &str, address: &str, network: Option<&str>) -> Result<Self> {
        let chain: Chain = chain.parse()?;
        let reference = match network.map(str::trim) {
            Some(n) if !n.is_empty() => {
                if n.len() > MAX_NAME {
                    return Err(Error::malformed(WHAT, "network longer than 64 bytes"));
                }
                chain.reference_for(n)
            }
            _ => chain
                .default_reference()
                .ok_or_else(|| Error::malformed(WHAT, "a custom chain needs a network"))?
                .to_owned(),
        };
        Self::new(chain, &reference, address.trim())
    }
}

/// An account as a request body may carry it: either text (CAIP-10 or a
/// bare `0x…` address, as [`AccountId::parse_lenient`] reads it) or an
/// object `{"chain": …, "address": …, "network": …}` (network optional, as
/// [`AccountId::from_parts_lenient`] reads it). Deserialize it, then call
/// [`to_account`](Self::to_account).
///
/// # Example
/// ```
/// use keytree::AccountInput;
/// let a: AccountInput = serde_json::from_str(
///     r#"{"chain":"near","address":"alice.near"}"#,
/// ).unwrap();
/// assert_eq!(a.to_account()?.to_string(), "near:mainnet:alice.near");
/// Ok::<(), keytree::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum AccountInput {
    /// CAIP-10 text or a bare `0x…` address.
    Text(String),
    /// `{chain, address, network?}`.
    Parts {
        /// The chain (`eip155`, `ethereum`, `near`, `solana`, …).
        chain: String,
        /// The address in the chain's usual text form.
        address: String,
        /// The network (CAIP-2 reference or name); the chain's default when absent.
        #[serde(default)]
        network: Option<String>,
    },
}

impl AccountInput {
    /// The account this input names.
    ///
    /// # Errors
    /// As [`AccountId::parse_lenient`] and [`AccountId::from_parts_lenient`].
    pub fn to_account(&self) -> Result<AccountId> {
        match self {
            Self::Text(s) => AccountId::parse_lenient(s),
            Self::Parts {
                chain,
                address,
                network,
            } => AccountId::from_parts_lenient(chain, address, network.as_deref()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DecodeReason;

    #[test]
    fn chain_names_parse() {
        for c in [
            Chain::Ethereum,
            Chain::Near,
            Chain::Icp,
            Chain::Stellar,
            Chain::Solana,
            Chain::RawEd25519,
            Chain::RawSecp256k1,
            Chain::Custom("cosmos".into()),
        ] {
            assert_eq!(c.to_string().parse::<Chain>().unwrap(), c);
        }
        assert_eq!("Ethereum".parse::<Chain>().unwrap(), Chain::Ethereum);
        assert_eq!("EIP155".parse::<Chain>().unwrap(), Chain::Ethereum);
        assert!("rawkey".parse::<Chain>().is_err());
        assert!("eip155:1".parse::<Chain>().is_err());
        assert!("x".parse::<Chain>().is_err());
        assert!("a b c".parse::<Chain>().is_err());
    }

    #[test]
    fn default_references_are_valid() {
        #[cfg(feature = "solana")]
        {
            assert_eq!(SOLANA_MAINNET_REF, crate::SOLANA_MAINNET);
            assert_eq!(SOLANA_DEVNET_REF, crate::SOLANA_DEVNET);
            assert_eq!(SOLANA_TESTNET_REF, crate::SOLANA_TESTNET);
        }
        for c in [
            Chain::Ethereum,
            Chain::Near,
            Chain::Icp,
            Chain::Stellar,
            Chain::Solana,
        ] {
            let r = c.default_reference().unwrap();
            assert_eq!(text::check_reference(&c, r).unwrap(), r);
        }
        assert_eq!(Chain::Custom("cosmos".into()).default_reference(), None);
    }

    #[test]
    fn bare_eth_address_is_mainnet_and_checksum_is_kept() {
        let a = AccountId::parse_lenient(" 0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed ").unwrap();
        assert_eq!(
            a.to_string(),
            "eip155:1:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
        );
        let e = AccountId::parse_lenient("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD").unwrap_err();
        assert!(
            matches!(
                e,
                Error::Decode {
                    reason: DecodeReason::Checksum(_),
                    ..
                }
            ),
            "{e:?}"
        );
        assert_eq!(e.kind(), crate::ErrorKind::BadRequest);
        let e = AccountId::parse_lenient("eip155:1:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD")
            .unwrap_err();
        assert!(
            matches!(
                e,
                Error::Decode {
                    reason: DecodeReason::Checksum(_),
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(AccountId::parse_lenient("0x1234").is_err());
    }

    #[test]
    fn parts_with_and_without_network() {
        let a = AccountId::from_parts_lenient(
            "ethereum",
            "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
            Some("10"),
        )
        .unwrap();
        assert_eq!(a.reference(), "10");
        let a = AccountId::from_parts_lenient(
            "solana",
            &crate::base58_encode(&[7; 32]),
            Some("devnet"),
        )
        .unwrap();
        assert_eq!(a.reference(), SOLANA_DEVNET_REF);
        let a =
            AccountId::from_parts_lenient("solana", &crate::base58_encode(&[7; 32]), None).unwrap();
        assert_eq!(a.reference(), SOLANA_MAINNET_REF);
        let a = AccountId::from_parts_lenient(
            "stellar",
            "GAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAWHF",
            None,
        );
        assert_eq!(a.unwrap().reference(), "pubnet");
        assert!(AccountId::from_parts_lenient("cosmos", "abc", None).is_err());
        assert!(AccountId::from_parts_lenient("near", "alice.near", Some("moonnet")).is_err());
    }

    #[test]
    fn input_forms_deserialize() {
        let t: AccountInput =
            serde_json::from_str(r#""0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed""#).unwrap();
        assert_eq!(t.to_account().unwrap().reference(), "1");
        let p: AccountInput =
            serde_json::from_str(r#"{"chain":"near","address":"alice.near","network":"testnet"}"#)
                .unwrap();
        assert_eq!(
            p.to_account().unwrap().to_string(),
            "near:testnet:alice.near"
        );
        assert!(serde_json::from_str::<AccountInput>(r#"{"address":"alice.near"}"#).is_err());
    }
}
