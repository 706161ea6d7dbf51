//! The `_now` variants: every public API that takes a time `now` has one
//! that reads the system clock instead (unix seconds; 0 before 1970). Time
//! stays an explicit input everywhere else; these only save a server the
//! clock call. Nothing imports this module.

use crate::encoding::unix_now;
use crate::{
    ChainPolicy, Delegation, DelegationBuilder, Expectations, Issuer, Jwks, MemberInfo,
    MemoryNonceStore, MemoryRefreshStore, MintView, RefreshStore, RefreshToken, Result,
    RevocationView, TokenIssuer, TokenPair, TokenRequest, TokenValidator, TokenValidatorBuilder,
    ValidatedToken, WalletRegistry, verify_chain, verify_chain_with_wallets,
};

impl TokenIssuer {
    /// [`TokenIssuer::issue`] at the system clock's time.
    ///
    /// # Errors
    /// As [`TokenIssuer::issue`].
    pub async fn issue_now<V: MintView + ?Sized, S: RefreshStore + ?Sized>(
        &self,
        ctx: &V,
        request: &TokenRequest,
        store: &S,
    ) -> Result<TokenPair> {
        self.issue(ctx, request, store, unix_now()).await
    }

    /// [`TokenIssuer::refresh`] at the system clock's time.
    ///
    /// # Errors
    /// As [`TokenIssuer::refresh`].
    pub async fn refresh_now<V: MintView + ?Sized, S: RefreshStore + ?Sized>(
        &self,
        ctx: &V,
        refresh: &RefreshToken,
        store: &S,
    ) -> Result<TokenPair> {
        self.refresh(ctx, refresh, store, unix_now()).await
    }

    /// [`TokenIssuer::retire_expired`] at the system clock's time.
    pub fn retire_expired_now(&mut self) {
        self.retire_expired(unix_now());
    }

    /// [`TokenIssuer::jwks`] at the system clock's time.
    pub fn jwks_now(&self) -> Jwks {
        self.jwks(unix_now())
    }

    /// [`TokenIssuer::validator`] trusting the keys published now.
    pub fn validator_now(&self, audience: impl Into<String>) -> TokenValidatorBuilder {
        self.validator(audience, unix_now())
    }
}

impl TokenValidator {
    /// [`TokenValidator::validate_batch`] at the system clock's time.
    pub fn validate_batch_now(&self, tokens: &[&str]) -> Vec<Result<ValidatedToken>> {
        self.validate_batch(tokens, unix_now())
    }

    /// [`TokenValidator::validate_batch_for`] at the system clock's time.
    pub fn validate_batch_for_now<V: RevocationView + ?Sized>(
        &self,
        view: &V,
        tokens: &[&str],
    ) -> Vec<Result<ValidatedToken>> {
        self.validate_batch_for(view, tokens, unix_now())
    }
}

impl Delegation {
    /// [`Delegation::verify`] at the system clock's time.
    ///
    /// # Errors
    /// As [`Delegation::verify`].
    pub fn verify_now(&self) -> Result<()> {
        self.verify(unix_now())
    }

    /// [`Delegation::check_time`] at the system clock's time.
    ///
    /// # Errors
    /// As [`Delegation::check_time`].
    pub fn check_time_now(&self) -> Result<()> {
        self.check_time(unix_now())
    }

    /// [`Delegation::verify_with_wallets`] at the system clock's time.
    ///
    /// # Errors
    /// As [`Delegation::verify_with_wallets`].
    pub fn verify_with_wallets_now(&self, wallets: &WalletRegistry) -> Result<()> {
        self.verify_with_wallets(wallets, unix_now())
    }
}

impl DelegationBuilder {
    /// [`DelegationBuilder::valid_for`] from the system clock's time.
    pub fn valid_for_now(self, seconds: u64) -> Self {
        self.valid_for(unix_now(), seconds)
    }
}

/// [`verify_chain`] at the system clock's time.
///
/// # Errors
/// As [`verify_chain`].
pub fn verify_chain_now<'a>(
    chain: &'a [Delegation],
    root: &Issuer,
    policy: &ChainPolicy,
) -> Result<&'a Delegation> {
    verify_chain(chain, root, unix_now(), policy)
}

/// [`verify_chain_with_wallets`] at the system clock's time.
///
/// # Errors
/// As [`verify_chain_with_wallets`].
pub fn verify_chain_with_wallets_now<'a>(
    chain: &'a [Delegation],
    root: &Issuer,
    policy: &ChainPolicy,
    wallets: &WalletRegistry,
) -> Result<&'a Delegation> {
    verify_chain_with_wallets(chain, root, unix_now(), policy, wallets)
}

impl MemberInfo<'_> {
    /// [`MemberInfo::is_live_at`] at the system clock's time.
    pub fn is_live_now(&self) -> bool {
        self.is_live_at(unix_now())
    }
}

impl MemoryRefreshStore {
    /// [`MemoryRefreshStore::purge_expired`] at the system clock's time.
    ///
    /// # Errors
    /// As [`MemoryRefreshStore::purge_expired`].
    pub fn purge_expired_now(&self) -> Result<usize> {
        self.purge_expired(unix_now())
    }
}

impl crate::MemoryApiKeyStore {
    /// [`MemoryApiKeyStore::purge_expired`](crate::MemoryApiKeyStore::purge_expired)
    /// at the system clock's time.
    ///
    /// # Errors
    /// As [`MemoryApiKeyStore::purge_expired`](crate::MemoryApiKeyStore::purge_expired).
    pub fn purge_expired_now(&self) -> Result<usize> {
        self.purge_expired(unix_now())
    }
}

impl MemoryNonceStore {
    /// [`MemoryNonceStore::purge_expired`] at the system clock's time.
    ///
    /// # Errors
    /// As [`MemoryNonceStore::purge_expired`].
    pub fn purge_expired_now(&self) -> Result<usize> {
        self.purge_expired(unix_now())
    }
}

impl Expectations<'_> {
    /// [`Expectations::at`] the system clock's time.
    pub fn at_now() -> Self {
        Self::at(unix_now())
    }
}

#[cfg(feature = "icp")]
impl crate::UnverifiedIcpDelegationChain {
    /// [`verify`](crate::UnverifiedIcpDelegationChain::verify) at the
    /// system clock's time.
    ///
    /// # Errors
    /// As [`verify`](crate::UnverifiedIcpDelegationChain::verify).
    pub fn verify_now(
        &self,
        target: Option<&crate::Principal>,
    ) -> Result<crate::IcpDelegationChain> {
        self.verify(unix_now(), target)
    }
}

#[cfg(feature = "icp-canister-sig")]
impl crate::IcpCanisterSignatureVerifier {
    /// [`verify`](crate::IcpCanisterSignatureVerifier::verify) at the
    /// system clock's time.
    ///
    /// # Errors
    /// As [`verify`](crate::IcpCanisterSignatureVerifier::verify).
    pub fn verify_now(
        &self,
        public_key: &crate::IcpCanisterPublicKey,
        message: impl AsRef<[u8]>,
        signature: &[u8],
    ) -> Result<()> {
        self.verify(public_key, message, signature, unix_now())
    }
}

#[cfg(feature = "icp-canister-sig")]
impl crate::UnverifiedIcpCanisterDelegationChain {
    /// [`verify`](crate::UnverifiedIcpCanisterDelegationChain::verify) at
    /// the system clock's time.
    ///
    /// # Errors
    /// As [`verify`](crate::UnverifiedIcpCanisterDelegationChain::verify).
    pub fn verify_now(
        &self,
        verifier: &crate::IcpCanisterSignatureVerifier,
        target: Option<&crate::Principal>,
    ) -> Result<crate::IcpCanisterDelegationChain> {
        self.verify(verifier, unix_now(), target)
    }
}

#[cfg(test)]
mod tests {
    use crate::{
        Context, ContextId, Delegation, Issuer, MemoryNonceStore, Permissions, RootKey,
        TokenIssuer, TokenSigningKey,
    };

    #[test]
    fn now_variants_read_the_clock() {
        let now = crate::encoding::unix_now();
        assert!(now > 1_700_000_000);
        let root = RootKey::from_bytes(&[1; 32]);
        let id = ContextId::from_bytes([2; 32]);
        let client = root.derive_client_key(&id, 0);
        let d = Delegation::builder(client.public_key(), id, Permissions::parse(["a"]).unwrap())
            .valid_for_now(60)
            .sign_as_root(&root)
            .unwrap();
        assert!(d.not_before() >= now && d.not_before() <= now + 5);
        d.verify_now().unwrap();
        d.check_time_now().unwrap();
        let chain = [d.clone()];
        let leaf = super::verify_chain_now(
            &chain,
            &Issuer::Key(root.public_key()),
            &crate::ChainPolicy::default(),
        )
        .unwrap();
        assert_eq!(leaf, &d);
        // A delegation that ended in the past fails its *_now check.
        let old = Delegation::builder(client.public_key(), id, Permissions::parse(["a"]).unwrap())
            .valid_for(1_000, 60)
            .sign_as_root(&root)
            .unwrap();
        assert!(old.verify_now().is_err());
        let ctx = Context::builder(id).create(&root, now).unwrap();
        assert!(
            ctx.member(&root.public_key())
                .is_none_or(|m| m.is_live_now())
        );
        let mut issuer = TokenIssuer::new("https://a", TokenSigningKey::from_bytes(&[3; 32]));
        issuer.rotate(TokenSigningKey::from_bytes(&[4; 32]), 1_000);
        issuer.retire_expired_now();
        assert_eq!(issuer.jwks_now().keys().len(), 1);
        assert_eq!(MemoryNonceStore::new().purge_expired_now().unwrap(), 0);
        assert!(crate::Expectations::at_now().now >= now);
    }
}
