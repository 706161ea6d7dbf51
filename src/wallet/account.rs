//! Wallet accounts: CAIP-10 text, parsed strictly and printed canonically.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::chain::Chain;
use super::text;
use crate::error::{DecodeReason, Error, Result};
use crate::public_key::PublicKey;

pub(super) const WHAT: &str = "account id";

/// A wallet account: a chain, a CAIP-2 reference (network) and an address.
///
/// # CAIP-10 text
///
/// [`AccountId`] prints and parses `namespace:reference:address`:
///
/// | chain | namespace | reference | address |
/// |---|---|---|---|
/// | Ethereum | `eip155` | decimal chain id, no leading zero (`1`) | `0x` + 40 hex, printed EIP-55 |
/// | NEAR | `near` | `mainnet` or `testnet` | a NEAR account id (`alice.near`, 64-hex implicit) |
/// | Stellar | `stellar` | `pubnet` or `testnet` | a `G…` account strkey |
/// | Solana | `solana` | the first 32 base58 characters of the genesis hash (`5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp` for mainnet) | base58 Ed25519 key |
/// | ICP | `icp` | `mainnet` (the IC has one public network) | principal text |
/// | raw Ed25519 key | `rawkey` | `ed25519` | 64 lowercase hex |
/// | raw secp256k1 key | `rawkey` | `secp256k1` | 66 lowercase hex (SEC1 compressed) |
/// | anything else | its namespace | CAIP-2 reference | CAIP-10 address |
///
/// Parsing is strict and the printed form is the one canonical text: an
/// Ethereum address given in lowercase (or a valid EIP-55 mixed case) prints
/// in EIP-55, and parsing the printed text gives the same account.
/// Deviation from CAIP-10: NEAR addresses may contain `_`, as NEAR account
/// ids do.
///
/// Construct by parsing CAIP-10 text or with [`AccountId::new`]; every
/// constructor validates, so an `AccountId` is always canonical.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId {
    pub(super) chain: Chain,
    pub(super) reference: String,
    pub(super) address: String,
}

/// The longest CAIP-10 text accepted (namespace 8 + reference 32 + address 128 + 2).
pub const MAX_ACCOUNT_ID_LEN: usize = 170;

impl AccountId {
    /// Builds and validates an account from its three parts.
    ///
    /// # Errors
    /// [`Error::Decode`] when a part is not valid for the chain.
    pub fn new(chain: Chain, reference: &str, address: &str) -> Result<Self> {
        let reference = text::check_reference(&chain, reference)?;
        let address = text::canonical_address(&chain, &reference, address)?;
        Ok(Self {
            chain,
            reference,
            address,
        })
    }

    /// The chain.
    pub fn chain(&self) -> &Chain {
        &self.chain
    }

    /// The CAIP-2 reference (`1`, `mainnet`, `pubnet`, …).
    pub fn reference(&self) -> &str {
        &self.reference
    }

    /// The address in its canonical text form.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The account of a bare Ed25519 key (`rawkey:ed25519:<hex>`).
    pub fn raw_ed25519(key: &PublicKey) -> Self {
        Self {
            chain: Chain::RawEd25519,
            reference: "ed25519".into(),
            address: crate::encoding::hex_encode(key.as_bytes()),
        }
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}",
            self.chain.namespace(),
            self.reference,
            self.address
        )
    }
}

impl fmt::Debug for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AccountId({self})")
    }
}

impl FromStr for AccountId {
    type Err = Error;

    /// Parses CAIP-10 `namespace:reference:address`.
    fn from_str(s: &str) -> Result<Self> {
        if s.len() > MAX_ACCOUNT_ID_LEN {
            return Err(Error::decode(
                WHAT,
                DecodeReason::TooLong {
                    max: MAX_ACCOUNT_ID_LEN,
                },
            ));
        }
        let mut parts = s.splitn(3, ':');
        let (Some(ns), Some(reference), Some(address)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(Error::malformed(
                WHAT,
                "expected namespace:reference:address",
            ));
        };
        let chain = text::chain_of(ns, reference)?;
        Self::new(chain, reference, address)
    }
}

impl Serialize for AccountId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Deserialization accepts only the canonical text (what `Display` prints).
impl<'de> Deserialize<'de> for AccountId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let account: AccountId = s.parse().map_err(serde::de::Error::custom)?;
        if account.to_string() != s {
            return Err(serde::de::Error::custom(
                "account id is not in canonical CAIP-10 form",
            ));
        }
        Ok(account)
    }
}
