//! The challenge issuer: issues login challenges and verifies their answers.

use std::fmt;

use super::key::{self, ChallengeKey};
use super::nonce::{ChallengeNonce, MAX_ATTEMPT_LIMIT};
use super::render::{self, ChallengeMessage};
use super::store::NonceStore;

use crate::error::{ChallengeError, Error, Result, WalletError};
use crate::wallet::{AccountId, Chain, Expectations, VerifiedAccount, WalletProof, WalletRegistry};

/// How long a challenge lives by default, in seconds.
pub const DEFAULT_CHALLENGE_TTL: u64 = 5 * 60;
/// Failed redemptions that kill a challenge, by default.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 5;
/// The longest challenge lifetime accepted, in seconds (one day).
pub const MAX_CHALLENGE_TTL: u64 = 24 * 3600;

/// A challenge for one account, as issued: show [`message`](Self::message)
/// to the wallet and send the proof back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenge {
    nonce: ChallengeNonce,
    account: AccountId,
    domain: String,
    issued_at: u64,
    expires_at: u64,
    message: ChallengeMessage,
}

impl Challenge {
    /// The nonce.
    pub fn nonce(&self) -> &ChallengeNonce {
        &self.nonce
    }
    /// The account it was issued to.
    pub fn account(&self) -> &AccountId {
        &self.account
    }
    /// The domain (audience) it is bound to.
    pub fn domain(&self) -> &str {
        &self.domain
    }
    /// When it was issued, unix seconds.
    pub fn issued_at(&self) -> u64 {
        self.issued_at
    }
    /// When it expires, unix seconds.
    pub fn expires_at(&self) -> u64 {
        self.expires_at
    }
    /// What the wallet must sign.
    pub fn message(&self) -> &ChallengeMessage {
        &self.message
    }
}

/// Issues and redeems wallet login challenges for one domain, over a
/// [`NonceStore`]. See the [module docs](crate::ChallengeIssuer) for the
/// forms and rules.
///
/// Servers of one cluster build one issuer each, with the same domain, over
/// stores that share a backend (the Redis store, feature `redis`).
pub struct ChallengeIssuer<S> {
    pub(super) key: ChallengeKey,
    pub(super) domain: String,
    uri: String,
    statement: Option<String>,
    ttl: u64,
    max_attempts: u32,
    registry: WalletRegistry,
    store: S,
}

impl<S> fmt::Debug for ChallengeIssuer<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChallengeIssuer")
            .field("domain", &self.domain)
            .field("uri", &self.uri)
            .field("ttl", &self.ttl)
            .field("max_attempts", &self.max_attempts)
            .field("registry", &self.registry)
            .finish_non_exhaustive()
    }
}

impl<S: NonceStore> ChallengeIssuer<S> {
    /// An issuer for `domain` (an RFC 3986 authority such as `example.com`
    /// or `app.example.com:8443`), with URI `https://<domain>`, no
    /// statement, a 5-minute lifetime, 5 attempts, and the built-in
    /// verifiers ([`WalletRegistry::with_defaults`]). `key` seals the
    /// nonces: every instance of a fleet holds the same key and the same
    /// settings (domain, URI, statement, lifetime, attempts), since a nonce
    /// issued by one is redeemed by another.
    ///
    /// # Errors
    /// [`ChallengeError::InvalidSettings`] for a domain that is not an
    /// authority.
    pub fn new(domain: impl Into<String>, key: ChallengeKey, store: S) -> Result<Self> {
        let domain = domain.into();
        if crate::wallet::signin::check_authority(&domain, "domain").is_err() {
            return Err(
                ChallengeError::InvalidSettings("domain is not an rfc 3986 authority").into(),
            );
        }
        Ok(Self {
            key,
            uri: format!("https://{domain}"),
            domain,
            statement: None,
            ttl: DEFAULT_CHALLENGE_TTL,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            registry: WalletRegistry::with_defaults(),
            store,
        })
    }

    /// The URI written in the messages (default `https://<domain>`).
    ///
    /// # Errors
    /// [`ChallengeError::InvalidSettings`] for a URI that is not RFC 3986.
    pub fn with_uri(mut self, uri: impl Into<String>) -> Result<Self> {
        let uri = uri.into();
        if crate::wallet::signin::check_uri(&uri, "uri").is_err() {
            return Err(ChallengeError::InvalidSettings("uri is not an rfc 3986 uri").into());
        }
        self.uri = uri;
        Ok(self)
    }

    /// A one-line statement shown to the user (SIWE's grammar: letters,
    /// digits, spaces and URI punctuation).
    ///
    /// # Errors
    /// [`ChallengeError::InvalidSettings`] for an empty statement or one
    /// with other characters.
    pub fn with_statement(mut self, statement: impl Into<String>) -> Result<Self> {
        use crate::wallet::signin::{is_reserved, is_unreserved};
        let s = statement.into();
        if s.is_empty()
            || s.len() > 512
            || !s
                .chars()
                .all(|c| is_unreserved(c) || is_reserved(c) || c == ' ')
        {
            return Err(ChallengeError::InvalidSettings("statement").into());
        }
        self.statement = Some(s);
        Ok(self)
    }

    /// The lifetime of a challenge in seconds (default 300).
    ///
    /// # Errors
    /// [`ChallengeError::InvalidSettings`] for 0 or more than a day.
    pub fn with_ttl(mut self, seconds: u64) -> Result<Self> {
        if seconds == 0 || seconds > MAX_CHALLENGE_TTL {
            return Err(ChallengeError::InvalidSettings("ttl must be 1 s to 1 day").into());
        }
        self.ttl = seconds;
        Ok(self)
    }

    /// Failed redemptions that kill a challenge (default 5).
    ///
    /// # Errors
    /// [`ChallengeError::InvalidSettings`] outside `1..=999`.
    pub fn with_max_attempts(mut self, attempts: u32) -> Result<Self> {
        if !(1..=MAX_ATTEMPT_LIMIT).contains(&attempts) {
            return Err(ChallengeError::InvalidSettings("attempt limit must be 1 to 999").into());
        }
        self.max_attempts = attempts;
        Ok(self)
    }

    /// The wallet verifiers to use (a NEAR verifier with an access-key
    /// resolver, say).
    #[must_use]
    pub fn with_registry(mut self, registry: WalletRegistry) -> Self {
        self.registry = registry;
        self
    }

    /// The domain (audience).
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Issues a challenge for `account` at `now`. Stores nothing: the
    /// nonce is sealed (issue time, lifetime, 8 random bytes from the OS
    /// generator, and a MAC under the issuer's [`ChallengeKey`] over those,
    /// the domain and the account), so that anyone may call this as often
    /// as they like without filling any store.
    ///
    /// # Errors
    /// [`WalletError::UnsupportedChain`] when no verifier is registered for
    /// the account's chain; [`ChallengeError::UnsupportedAccount`] when no
    /// form exists for it; [`ChallengeError::InvalidSettings`] for a `now`
    /// beyond 2^40 − 1 (the nonce's time field);
    /// [`Error::TimestampOutOfRange`] when the expiry would pass
    /// [`MAX_TIMESTAMP`](crate::MAX_TIMESTAMP) (year 9999).
    pub async fn issue(&self, account: &AccountId, now: u64) -> Result<Challenge> {
        let mut random = [0u8; 8];
        rand::Rng::fill_bytes(&mut rand::rng(), &mut random);
        self.issue_with_random(account, random, None, now)
    }

    /// [`issue`](Self::issue) of a challenge bound to `binding`: what it is
    /// issued for, such as the member (or session) whose bearer token asked
    /// for it. The nonce's MAC covers `binding`, so only
    /// [`redeem_bound`](Self::redeem_bound) with the same bytes redeems it:
    /// a signed proof that leaks, or that a wallet owner was talked into
    /// signing for a challenge someone else fetched, cannot be redeemed on
    /// another caller's behalf. The rendered message does not show
    /// `binding` (put what the wallet owner should see in the statement).
    ///
    /// # Errors
    /// As [`issue`](Self::issue).
    pub async fn issue_bound(
        &self,
        account: &AccountId,
        binding: &[u8],
        now: u64,
    ) -> Result<Challenge> {
        let mut random = [0u8; 8];
        rand::Rng::fill_bytes(&mut rand::rng(), &mut random);
        self.issue_with_random(account, random, Some(binding), now)
    }

    /// [`issue`](Self::issue) at the system clock's time.
    ///
    /// # Errors
    /// As [`issue`](Self::issue).
    pub async fn issue_now(&self, account: &AccountId) -> Result<Challenge> {
        self.issue(account, crate::token::unix_now()).await
    }

    fn issue_with_random(
        &self,
        account: &AccountId,
        random: [u8; 8],
        binding: Option<&[u8]>,
        now: u64,
    ) -> Result<Challenge> {
        if self.registry.get(account.chain()).is_none() {
            return Err(WalletError::UnsupportedChain(account.chain().to_string()).into());
        }
        if now > key::MAX_ISSUED_AT || self.ttl > key::MAX_TTL {
            return Err(ChallengeError::InvalidSettings("time beyond the nonce's range").into());
        }
        let expires_at = now.saturating_add(self.ttl);
        // Every time keytree signs or has signed stays a real RFC 3339 date.
        crate::encoding::check_timestamp("challenge expiry", expires_at)?;
        let nonce = self
            .key
            .seal_bound(&self.domain, account, now, self.ttl, random, binding);
        let message = self.render(account, &nonce, now, expires_at)?;
        Ok(Challenge {
            nonce,
            account: account.clone(),
            domain: self.domain.clone(),
            issued_at: now,
            expires_at,
            message,
        })
    }

    pub(super) fn render(
        &self,
        account: &AccountId,
        nonce: &ChallengeNonce,
        issued_at: u64,
        expires_at: u64,
    ) -> Result<ChallengeMessage> {
        render::Render {
            domain: &self.domain,
            uri: &self.uri,
            statement: self.statement.as_deref(),
            account,
            nonce,
            issued_at,
            expires_at,
        }
        .message()
    }

    /// Redeems a challenge with the wallet's `proof` at `now`: opens the
    /// nonce (its MAC must be this issuer's key's over this domain and the
    /// proof's account), verifies the signature, and only then spends the
    /// nonce, once.
    ///
    /// A retry of a redemption whose reply was lost gets
    /// [`ChallengeError::AlreadySpent`] and grants nothing twice; the client
    /// asks for a new challenge (issuing is free and stores nothing).
    ///
    /// # Errors
    /// [`ChallengeError::MissingNonce`]; [`ChallengeError::Unknown`] for a
    /// nonce this issuer did not seal for this domain and account (forged,
    /// altered, another key's, another domain's, or a proof by another
    /// account); [`ChallengeError::Expired`], [`ChallengeError::AlreadySpent`],
    /// [`ChallengeError::TooManyAttempts`]; after counting a failed attempt:
    /// [`ChallengeError::MessageMismatch`] and the verifier's errors
    /// ([`Error::InvalidSignature`], [`Error::Wallet`], …);
    /// [`ChallengeError::StoreFull`] from a full bounded store; and
    /// [`Error::StoreUnavailable`].
    pub async fn redeem(&self, proof: &WalletProof, now: u64) -> Result<VerifiedAccount> {
        self.redeem_with(proof, None, now).await
    }

    /// [`redeem`](Self::redeem) of a challenge issued by
    /// [`issue_bound`](Self::issue_bound) with the same `binding`.
    ///
    /// # Errors
    /// As [`redeem`](Self::redeem); [`ChallengeError::Unknown`] for a
    /// nonce bound to other bytes, or not bound.
    pub async fn redeem_bound(
        &self,
        proof: &WalletProof,
        binding: &[u8],
        now: u64,
    ) -> Result<VerifiedAccount> {
        self.redeem_with(proof, Some(binding), now).await
    }

    pub(super) async fn redeem_with(
        &self,
        proof: &WalletProof,
        binding: Option<&[u8]>,
        now: u64,
    ) -> Result<VerifiedAccount> {
        let view = render::ProofView::of(proof)?;
        let nonce = view.nonce.ok_or(ChallengeError::MissingNonce)?;
        let (issued_at, expires_at) = self
            .key
            .open_bound(&nonce, &self.domain, view.account, binding)
            .ok_or(ChallengeError::Unknown)?;
        if now >= expires_at {
            return Err(ChallengeError::Expired { expires_at, now }.into());
        }
        if self.store.attempts(&nonce, now).await? >= self.max_attempts {
            return Err(ChallengeError::TooManyAttempts {
                max: self.max_attempts,
            }
            .into());
        }
        match self
            .verify(&view, proof, &nonce, issued_at, expires_at, now)
            .await
        {
            Ok(verified) => {
                self.store
                    .consume(&nonce, expires_at, self.max_attempts, now)
                    .await?;
                Ok(verified)
            }
            Err(refusal) => match self.store.record_failure(&nonce, expires_at, now).await {
                Err(e @ Error::StoreUnavailable(_)) => Err(e),
                Err(e @ Error::Challenge(ChallengeError::AlreadySpent)) => Err(e),
                _ => Err(refusal),
            },
        }
    }

    /// [`redeem`](Self::redeem) at the system clock's time.
    ///
    /// # Errors
    /// As [`redeem`](Self::redeem).
    pub async fn redeem_now(&self, proof: &WalletProof) -> Result<VerifiedAccount> {
        self.redeem(proof, crate::token::unix_now()).await
    }

    /// Checks the proof against the rendered challenge; the wallet
    /// verifier's async resolvers (EIP-1271, NEAR access keys) are awaited.
    async fn verify(
        &self,
        view: &render::ProofView<'_>,
        proof: &WalletProof,
        nonce: &ChallengeNonce,
        issued_at: u64,
        expires_at: u64,
        now: u64,
    ) -> Result<VerifiedAccount> {
        let message = self.render(view.account, nonce, issued_at, expires_at)?;
        if view.signed != message.text().as_bytes() {
            return Err(ChallengeError::MessageMismatch.into());
        }
        let nonce_text = nonce.to_string();
        let expect = Expectations::at(now)
            .message(message.text().as_bytes())
            .domain(&self.domain);
        let expect = match view.account.chain() {
            Chain::Near => expect.nonce(nonce.as_bytes()),
            _ => expect.nonce(nonce_text.as_bytes()),
        };
        let verified = self.registry.verify_async(proof, &expect).await?;
        if &verified.account != view.account {
            return Err(ChallengeError::WrongAccount.into());
        }
        Ok(verified)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemoryNonceStore;

    fn ready<F: std::future::Future>(f: F) -> F::Output {
        let mut f = std::pin::pin!(f);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        match f.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(v) => v,
            std::task::Poll::Pending => panic!("the memory store never pends"),
        }
    }

    #[test]
    fn settings_are_checked() {
        let s = MemoryNonceStore::new();
        assert!(
            ChallengeIssuer::new("exa mple.com", ChallengeKey::from_bytes(&[1; 32]), &s).is_err()
        );
        let i =
            ChallengeIssuer::new("example.com", ChallengeKey::from_bytes(&[1; 32]), &s).unwrap();
        assert!(i.with_ttl(0).is_err());
        let i =
            ChallengeIssuer::new("example.com", ChallengeKey::from_bytes(&[1; 32]), &s).unwrap();
        assert!(i.with_max_attempts(1000).is_err());
        let i =
            ChallengeIssuer::new("example.com", ChallengeKey::from_bytes(&[1; 32]), &s).unwrap();
        assert!(i.with_statement("bad\nline").is_err());
        let i =
            ChallengeIssuer::new("example.com", ChallengeKey::from_bytes(&[1; 32]), &s).unwrap();
        assert!(i.with_uri("no scheme").is_err());
    }

    #[test]
    fn forms_parse_back() {
        let s = MemoryNonceStore::new();
        let i = ChallengeIssuer::new("example.com", ChallengeKey::from_bytes(&[1; 32]), &s)
            .unwrap()
            .with_statement("Sign in to Example")
            .unwrap();
        let now = 1_700_000_000;
        #[cfg(feature = "ethereum")]
        {
            let a: AccountId = "eip155:10:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"
                .parse()
                .unwrap();
            let c = ready(i.issue(&a, now)).unwrap();
            let ChallengeMessage::Siwe(text) = c.message() else {
                panic!("not siwe")
            };
            let m: crate::SiweMessage = text.parse().unwrap();
            assert_eq!(m.chain_id, 10);
            assert_eq!(m.nonce, c.nonce().to_string());
            assert_eq!(m.expiration_unix().unwrap(), Some(now + 300));
            assert_eq!(m.statement.as_deref(), Some("Sign in to Example"));
        }
        #[cfg(feature = "solana")]
        {
            let a: AccountId = format!(
                "solana:{}:{}",
                crate::SOLANA_DEVNET,
                crate::base58_encode(&[7; 32])
            )
            .parse()
            .unwrap();
            let c = ready(i.issue(&a, now)).unwrap();
            let ChallengeMessage::Siws(text) = c.message() else {
                panic!("not siws")
            };
            let m: crate::SiwsMessage = text.parse().unwrap();
            assert_eq!(m.chain_id.as_deref(), Some("devnet"));
            assert_eq!(m.to_string(), *text);
        }
        let key = crate::RootKey::from_bytes(&[2; 32]).public_key();
        let c = ready(i.issue(&AccountId::raw_ed25519(&key), now)).unwrap();
        let text = c.message().text();
        assert!(text.starts_with(
            "example.com wants you to sign in with your Ed25519 key account:\nrawkey:ed25519:"
        ));
        assert!(text.contains(&format!(
            "\n\nSign in to Example\n\nURI: https://example.com\nNonce: {}\n",
            c.nonce()
        )));
        assert!(text.ends_with("Expiration Time: 2023-11-14T22:18:20Z"));
    }
}
