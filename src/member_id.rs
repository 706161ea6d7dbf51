//! [`MemberId`]: who a token, a session or an API key is for — a member
//! key or a wallet account.

use std::fmt;

use crate::public_key::PublicKey;
use crate::wallet::AccountId;

/// The member a token, a session (refresh family) or an API key acts as:
/// a native member key, or a wallet account that is a member in its own
/// name (CAIP-10, [`AccountId`]).
///
/// Tokens of a key member carry its key as `executor_public_key`; tokens
/// of an account member carry no executor key and name the account (its
/// primary account, when it logged in with a linked one) as `sub`.
///
/// # Example
/// ```
/// use keytree::{AccountId, MemberId, RootKey};
/// let key = MemberId::from(RootKey::from_bytes(&[1; 32]).public_key());
/// assert!(key.key().is_some());
/// let account: AccountId = "eip155:1:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed".parse()?;
/// let member = MemberId::from(account.clone());
/// assert_eq!(member.account(), Some(&account));
/// assert_eq!(member.to_string(), "eip155:1:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
/// Ok::<(), keytree::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MemberId {
    /// A member key (`ed25519:<base58>`).
    Key(PublicKey),
    /// A wallet-account member (CAIP-10).
    Account(AccountId),
}

impl MemberId {
    /// The member key, for a key member.
    pub fn key(&self) -> Option<&PublicKey> {
        match self {
            Self::Key(key) => Some(key),
            Self::Account(_) => None,
        }
    }

    /// The account, for a wallet-account member.
    pub fn account(&self) -> Option<&AccountId> {
        match self {
            Self::Key(_) => None,
            Self::Account(account) => Some(account),
        }
    }
}

impl From<PublicKey> for MemberId {
    fn from(key: PublicKey) -> Self {
        Self::Key(key)
    }
}

impl From<AccountId> for MemberId {
    fn from(account: AccountId) -> Self {
        Self::Account(account)
    }
}

/// The key's text (`ed25519:<base58>`) or the account's CAIP-10 text.
impl fmt::Display for MemberId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Key(key) => fmt::Display::fmt(key, f),
            Self::Account(account) => fmt::Display::fmt(account, f),
        }
    }
}

impl fmt::Debug for MemberId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MemberId({self})")
    }
}
