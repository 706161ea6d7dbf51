//! Wallet accounts: CAIP-10 text, parsed strictly and printed canonically.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::chain::Chain;
use super::principal::Principal;
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

/// The one CAIP-2 reference for ICP accounts (here, not in `principal.rs`,
/// which `text.rs` imports: no cycle of imports).
const ICP_NETWORK: &str = "mainnet";

impl Principal {
    /// The principal's wallet account, `icp:mainnet:<principal text>`.
    ///
    /// # Example
    /// ```
    /// use keytree::Principal;
    /// let account = Principal::anonymous().account_id();
    /// assert_eq!(account.to_string(), "icp:mainnet:2vxsx-fae");
    /// assert_eq!(account.to_string().parse::<keytree::AccountId>()?, account);
    /// Ok::<(), keytree::Error>(())
    /// ```
    pub fn account_id(&self) -> AccountId {
        AccountId {
            chain: Chain::Icp,
            reference: ICP_NETWORK.into(),
            address: self.to_text(),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// What a build does with an account text.
    #[derive(Debug)]
    enum Outcome<'a> {
        /// Accepted; prints as this canonical text.
        Canonical(&'a str),
        /// Refused with a checksum error.
        Checksum,
        /// Refused for any other reason of form.
        Refused,
    }
    use Outcome::{Canonical, Checksum, Refused};

    /// Every namespace, accepted and refused texts. No row depends on a
    /// feature: `cargo test --lib wallet::account` must pass the same
    /// table with `--no-default-features`, each chain feature alone and
    /// `--all-features` (an account member of a replicated context log, or
    /// a token `sub`, must mean the same to every build).
    const TABLE: &[(&str, Outcome<'static>)] = &[
        // eip155: EIP-55 (Keccak-256, always compiled).
        (
            "eip155:1:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            Canonical("eip155:1:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
        ),
        (
            "eip155:1:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
            Canonical("eip155:1:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
        ),
        (
            "eip155:10:0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED",
            Canonical("eip155:10:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
        ),
        (
            "eip155:1:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD",
            Checksum,
        ),
        (
            "eip155:01:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            Refused,
        ),
        (
            "eip155:1:0X5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED",
            Refused,
        ),
        ("eip155:1:0x5aaeb6053f3e94c9b9a09f33669435e7ef1bea", Refused),
        // near: named and implicit account ids.
        (
            "near:mainnet:alice.near",
            Canonical("near:mainnet:alice.near"),
        ),
        ("near:testnet:x_y-z.t", Canonical("near:testnet:x_y-z.t")),
        (
            "near:mainnet:98793cd91a3f870fb126f66285808c7e094afcfc4eda8a970f6648cdf0dbd6de",
            Canonical(
                "near:mainnet:98793cd91a3f870fb126f66285808c7e094afcfc4eda8a970f6648cdf0dbd6de",
            ),
        ),
        ("near:mainnet:Alice.near", Refused),
        ("near:mainnet:a..b", Refused),
        ("near:moonnet:alice.near", Refused),
        // stellar: G… strkeys only (base32 + CRC-16/XMODEM, SEP-23 examples).
        (
            "stellar:pubnet:GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSGZ",
            Canonical("stellar:pubnet:GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSGZ"),
        ),
        (
            "stellar:testnet:GAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAWHF",
            Canonical("stellar:testnet:GAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAWHF"),
        ),
        // One character off: only the CRC tells (a shape check accepts it).
        (
            "stellar:pubnet:GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSGA",
            Checksum,
        ),
        (
            "stellar:pubnet:GAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            Checksum,
        ),
        // Muxed M… accounts, contracts and seeds are no login account.
        (
            "stellar:pubnet:MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVAAAAAAAAAAAAAJLK",
            Refused,
        ),
        (
            "stellar:pubnet:CA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUWDA",
            Refused,
        ),
        (
            "stellar:pubnet:SBU2RRGLXH3E5CQHTD3ODLDF2BWDCYUSSBLLZ5GNW7JXHDIYKXZWHOKR",
            Refused,
        ),
        (
            "stellar:pubnet:ga7qynf7sowq3glr2bgmzehxavirza4kvwltjjfc7mgxua74p7ujvsgz",
            Refused,
        ),
        ("stellar:pubnet:GAAAAAAAACGC6", Refused),
        (
            "stellar:futurenet:GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSGZ",
            Refused,
        ),
        // solana: base58 of exactly 32 bytes (no curve check).
        (
            "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp:11111111111111111111111111111111",
            Canonical("solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp:11111111111111111111111111111111"),
        ),
        (
            "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1:TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA",
            Canonical(
                "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1:TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA",
            ),
        ),
        (
            "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp:1111111111111111111111111111111",
            Refused,
        ),
        (
            "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp:0okenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA",
            Refused,
        ),
        (
            "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvd:11111111111111111111111111111111",
            Refused,
        ),
        // icp: principal text (base32 + CRC-32, groups of five, lowercase).
        ("icp:mainnet:2vxsx-fae", Canonical("icp:mainnet:2vxsx-fae")),
        ("icp:mainnet:aaaaa-aa", Canonical("icp:mainnet:aaaaa-aa")),
        (
            "icp:mainnet:rrkah-fqaaa-aaaaa-aaaaq-cai",
            Canonical("icp:mainnet:rrkah-fqaaa-aaaaa-aaaaq-cai"),
        ),
        ("icp:mainnet:baaaa-aa", Checksum),
        ("icp:mainnet:rrkah-fqaaa-aaaaa-aaaar-cai", Checksum),
        ("icp:mainnet:2VXSX-FAE", Refused),
        ("icp:mainnet:2vxsxfae", Refused),
        ("icp:mainnet:2vx-sxfae", Refused),
        ("icp:mainnet:aaaaa-ab", Refused),
        ("icp:testnet:2vxsx-fae", Refused),
        // rawkey: a valid key in lowercase hex.
        (
            "rawkey:ed25519:d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
            Canonical(
                "rawkey:ed25519:d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
            ),
        ),
        (
            "rawkey:ed25519:D75A980182B10AB7D54BFED3C964073A0EE172F3DAA62325AF021A68F707511A",
            Refused,
        ),
        // The identity point (small order).
        (
            "rawkey:ed25519:0100000000000000000000000000000000000000000000000000000000000000",
            Refused,
        ),
        (
            "rawkey:secp256k1:0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
            Canonical(
                "rawkey:secp256k1:0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
            ),
        ),
        // x = 0 is on no secp256k1 point (7 is no square mod p).
        (
            "rawkey:secp256k1:020000000000000000000000000000000000000000000000000000000000000000",
            Refused,
        ),
        (
            "rawkey:p256:0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
            Refused,
        ),
        // Custom chains: kept byte for byte.
        (
            "cosmos:cosmoshub-4:cosmos1t2uflqwqe0fsj0shcfkrvpukewcw40yjj6hdc0",
            Canonical("cosmos:cosmoshub-4:cosmos1t2uflqwqe0fsj0shcfkrvpukewcw40yjj6hdc0"),
        ),
        (
            "cosmos:Hub_4:Ab.c%2D-x",
            Canonical("cosmos:Hub_4:Ab.c%2D-x"),
        ),
        ("Cosmos:cosmoshub-4:abc", Refused),
        ("ab:x:y", Refused),
        ("did:key:z6Mk", Refused),
        ("cosmos:cosmoshub-4:a_b", Refused),
        ("cosmos:cosmoshub-4", Refused),
    ];

    /// What this build does with `text`, as a row of [`TABLE`] would say.
    fn outcome(text: &str) -> String {
        match text.parse::<AccountId>() {
            Ok(a) => {
                let canonical = a.to_string();
                // The canonical text parses back to the same account, and
                // only it passes the strict (JSON) decoder.
                assert_eq!(canonical.parse::<AccountId>().unwrap(), a, "{text}");
                let json = serde_json::to_string(&canonical).unwrap();
                assert_eq!(serde_json::from_str::<AccountId>(&json).unwrap(), a);
                let json = serde_json::to_string(text).unwrap();
                assert_eq!(
                    serde_json::from_str::<AccountId>(&json).is_ok(),
                    canonical == text,
                    "{text}"
                );
                format!("{:?}", Canonical(&canonical))
            }
            Err(Error::Decode {
                reason: DecodeReason::Checksum(_),
                ..
            }) => format!("{Checksum:?}"),
            Err(_) => format!("{Refused:?}"),
        }
    }

    #[test]
    fn account_text_is_the_same_in_every_build() {
        let wrong: Vec<String> = TABLE
            .iter()
            .filter_map(|(text, want)| {
                let got = outcome(text);
                (got != format!("{want:?}")).then(|| format!("{text}: got {got}, want {want:?}"))
            })
            .collect();
        assert!(wrong.is_empty(), "{wrong:#?}");
        // Every built-in namespace is in the table, accepted and refused.
        for ns in ["eip155", "near", "stellar", "solana", "icp", "rawkey"] {
            let rows = || {
                TABLE
                    .iter()
                    .filter(|(t, _)| t.starts_with(&format!("{ns}:")))
            };
            let prefix = format!("{ns}:");
            assert!(
                rows().any(|(_, o)| matches!(o, Canonical(c) if c.starts_with(&prefix))),
                "{ns}"
            );
            assert!(rows().any(|(_, o)| !matches!(o, Canonical(_))), "{ns}");
        }
    }
}
