//! What a client sends to ask for a login challenge.

use serde::{Deserialize, Deserializer};

use super::issuer::{Challenge, ChallengeIssuer};
use super::store::NonceStore;
use crate::error::{Result, TokenError};
use crate::wallet::input::AccountInput;

/// A challenge request as a client sends it, for
/// [`ChallengeIssuer::issue_client`]: the account to sign in with.
///
/// # JSON form (`Deserialize`)
///
/// Either `{"wallet": …}` (also accepted as `account`), whose value is
/// what [`AccountInput`] reads (CAIP-10 text, a bare `0x…` address read as
/// `eip155:1`, or `{chain, address, network?}`), or the parts themselves
/// at the top level: `{"chain": "solana", "address": "…", "network": …}`.
///
/// # Example
/// ```
/// use keytree::ChallengeRequest;
/// let a: ChallengeRequest =
///     serde_json::from_str(r#"{"wallet": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"}"#).unwrap();
/// assert_eq!(
///     a.account().to_account()?.to_string(),
///     "eip155:1:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
/// );
/// let b: ChallengeRequest =
///     serde_json::from_str(r#"{"chain": "near", "address": "alice.near"}"#).unwrap();
/// assert_eq!(b.account().to_account()?.to_string(), "near:mainnet:alice.near");
/// Ok::<(), keytree::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChallengeRequest {
    account: AccountInput,
}

impl ChallengeRequest {
    /// A request for `account`.
    pub fn new(account: AccountInput) -> Self {
        Self { account }
    }

    /// The account as sent.
    pub fn account(&self) -> &AccountInput {
        &self.account
    }

    /// Reads a request body (the JSON form above), as a server receives it.
    ///
    /// # Errors
    /// [`TokenError::InvalidRequest`] (`bad_request`) for a body that is not
    /// this JSON form.
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        serde_json::from_slice(bytes)
            .map_err(|_| TokenError::InvalidRequest("malformed JSON body").into())
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Wire {
    Wallet {
        #[serde(alias = "account")]
        wallet: AccountInput,
    },
    Parts(AccountInput),
}

impl<'de> Deserialize<'de> for ChallengeRequest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (Wire::Wallet { wallet: account } | Wire::Parts(account)) = Wire::deserialize(d)?;
        Ok(Self { account })
    }
}

impl<S: NonceStore> ChallengeIssuer<S> {
    /// Issues a challenge for what the client sent: reads its account
    /// (leniently, as [`AccountInput::to_account`] does, so a bad address
    /// checksum is a decode error that says so) and
    /// [`issue`](Self::issue)s at `now`.
    ///
    /// # Errors
    /// [`Error::Decode`](crate::Error::Decode) for an account that does not
    /// parse; the errors of [`issue`](Self::issue).
    pub async fn issue_client(&self, request: &ChallengeRequest, now: u64) -> Result<Challenge> {
        self.issue(&request.account.to_account()?, now).await
    }

    /// [`issue_client`](Self::issue_client) at the system clock's time.
    ///
    /// # Errors
    /// As [`issue_client`](Self::issue_client).
    pub async fn issue_client_now(&self, request: &ChallengeRequest) -> Result<Challenge> {
        self.issue_client(request, crate::token::unix_now()).await
    }

    /// [`issue_client`](Self::issue_client) of a challenge bound to
    /// `binding` ([`issue_bound`](Self::issue_bound)): redeemed only by
    /// [`redeem_client_bound`](Self::redeem_client_bound) with the same bytes.
    ///
    /// # Errors
    /// As [`issue_client`](Self::issue_client).
    pub async fn issue_client_bound(
        &self,
        request: &ChallengeRequest,
        binding: &[u8],
        now: u64,
    ) -> Result<Challenge> {
        self.issue_bound(&request.account.to_account()?, binding, now)
            .await
    }

    /// [`issue_client_bound`](Self::issue_client_bound) at the system
    /// clock's time.
    ///
    /// # Errors
    /// As [`issue_client_bound`](Self::issue_client_bound).
    pub async fn issue_client_bound_now(
        &self,
        request: &ChallengeRequest,
        binding: &[u8],
    ) -> Result<Challenge> {
        self.issue_client_bound(request, binding, crate::token::unix_now())
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::ChallengeRequest;

    #[test]
    fn every_form_reads_and_bad_ones_fail() {
        let read = |s: &str| serde_json::from_str::<ChallengeRequest>(s);
        let eth = "eip155:1:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
        for body in [
            format!(r#"{{"wallet": "{eth}"}}"#),
            format!(r#"{{"account": "{eth}"}}"#),
            r#"{"wallet": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"}"#.into(),
            r#"{"chain": "ethereum", "address": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"}"#.into(),
            r#"{"wallet": {"chain": "eip155", "address": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "network": "1"}}"#.into(),
        ] {
            let request = read(&body).unwrap();
            assert_eq!(request.account().to_account().unwrap().to_string(), eth, "{body}");
        }
        for bad in [
            r#"{}"#,
            r#"{"wallet": 5}"#,
            r#"{"chain": "ethereum"}"#,
            "[]",
        ] {
            assert!(read(bad).is_err(), "{bad}");
        }
        // A bad checksum parses as input and fails as a checksum.
        let typo = read(r#"{"wallet": "0x5aaeb6053F3E94C9b9A09f33669435E7Ef1BeAed"}"#).unwrap();
        let err = typo.account().to_account().unwrap_err();
        assert!(err.to_string().contains("checksum"), "{err}");
    }
}
