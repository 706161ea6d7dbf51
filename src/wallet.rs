//! Wallet signatures behind one trait.
//!
//! A [`WalletVerifier`] checks a [`WalletProof`] (a chain-specific signed
//! message) against what the server expects ([`Expectations`]) and returns
//! the [`VerifiedAccount`] that signed. A [`WalletRegistry`] maps each
//! [`Chain`] to its verifier; [`WalletRegistry::with_defaults`] holds every
//! chain compiled in, and a server registers its own with
//! [`WalletRegistry::register`] (a NEAR verifier with its access-key
//! resolver, say, or a chain keytree does not know).
//!
//! # Accounts: CAIP-10 text
//!
//! [`AccountId`] prints and parses `namespace:reference:address`:
//!
//! | chain | namespace | reference | address |
//! |---|---|---|---|
//! | Ethereum | `eip155` | decimal chain id, no leading zero (`1`) | `0x` + 40 hex, printed EIP-55 |
//! | NEAR | `near` | `mainnet` or `testnet` | a NEAR account id (`alice.near`, 64-hex implicit) |
//! | Stellar | `stellar` | `pubnet` or `testnet` | a `G…` account strkey |
//! | Solana | `solana` | the first 32 base58 characters of the genesis hash (`5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp` for mainnet) | base58 Ed25519 key |
//! | ICP | `icp` | `mainnet` (the IC has one public network) | principal text |
//! | raw Ed25519 key | `rawkey` | `ed25519` | 64 lowercase hex |
//! | raw secp256k1 key | `rawkey` | `secp256k1` | 66 lowercase hex (SEC1 compressed) |
//! | anything else | its namespace | CAIP-2 reference | CAIP-10 address |
//!
//! Parsing is strict and the printed form is the one canonical text: an
//! Ethereum address given in lowercase (or a valid EIP-55 mixed case) prints
//! in EIP-55, and parsing the printed text gives the same account.
//! Deviation from CAIP-10: NEAR addresses may contain `_`, as NEAR account
//! ids do.
//!
//! # Example
//! ```
//! use keytree::{AccountId, Chain};
//! let a: AccountId = "eip155:1:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed".parse()?;
//! assert_eq!(a.chain(), &Chain::Ethereum);
//! assert_eq!(a.to_string(), "eip155:1:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
//! assert_eq!(a.to_string().parse::<AccountId>()?, a);
//! Ok::<(), keytree::Error>(())
//! ```

mod account;
mod chain;
mod check;
#[cfg(feature = "ethereum")]
pub(crate) mod ethereum;
#[cfg(feature = "icp")]
pub(crate) mod icp;
pub(crate) mod input;
pub(crate) mod login_tag;
#[cfg(feature = "near")]
pub(crate) mod near;
// The ICP principal text and Stellar strkey codecs are in every build: an
// account's validity and canonical text must not depend on features (two
// replicas of one context log must agree on every account). The features
// add signature verification only.
pub(crate) mod principal;
mod proof;
pub(crate) mod raw;
mod registry;
// Parsing is used by SIWE and SIWS only; formatting by delegation statements.
#[cfg_attr(not(any(feature = "ethereum", feature = "solana")), allow(dead_code))]
pub(crate) mod rfc3339;
// Also used by login challenges (domain, URI and statement checks).
#[cfg_attr(not(any(feature = "ethereum", feature = "solana")), allow(dead_code))]
pub(crate) mod signin;
#[cfg(feature = "solana")]
pub(crate) mod solana;
#[cfg(feature = "stellar")]
pub(crate) mod stellar;
pub(crate) mod strkey;
pub(crate) mod text;
mod verifier;

pub use account::{AccountId, MAX_ACCOUNT_ID_LEN};
pub use chain::Chain;
pub use check::{
    DEFAULT_WALLET_LEEWAY, Expectations, SignerKey, StatementProof, VerifiedAccount, WalletFuture,
};
pub use proof::{CustomProof, WalletProof};
pub use registry::WalletRegistry;
pub use verifier::WalletVerifier;
