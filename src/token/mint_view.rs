//! [`MintView`]: what minting reads of a live context.

use crate::context::Context;
use crate::error::{ContextError, Result};
use crate::id::ContextId;
use crate::permission::Permissions;
use crate::public_key::PublicKey;
use crate::wallet::AccountId;

/// A live member's standing, as minting needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct MemberGrant {
    /// The member's key, as the context stores it.
    pub key: PublicKey,
    /// Its current permissions.
    pub permissions: Permissions,
    /// Its chain window `[not_before, expires_at)`.
    pub window: (u64, u64),
}

impl MemberGrant {
    /// A grant (for implementations of [`MintView`] outside keytree).
    pub fn new(key: PublicKey, permissions: Permissions, window: (u64, u64)) -> Self {
        Self {
            key,
            permissions,
            window,
        }
    }
}

/// A live wallet-account member's standing, as minting needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AccountGrant {
    /// The member's primary account: the account asked about, or the
    /// member it is linked to when it is a linked alias. Tokens name it as
    /// `sub`.
    pub account: AccountId,
    /// Its current permissions.
    pub permissions: Permissions,
    /// Its window `[not_before, expires_at)`.
    pub window: (u64, u64),
}

impl AccountGrant {
    /// A grant (for implementations of [`MintView`] outside keytree).
    pub fn new(account: AccountId, permissions: Permissions, window: (u64, u64)) -> Self {
        Self {
            account,
            permissions,
            window,
        }
    }
}

/// What [`crate::TokenIssuer`] reads of a live context to mint: its id and a
/// member's standing.
///
/// [`Context`] implements it, and so does [`crate::ContextReplica`] (which
/// takes its read lock inside each call and refuses when stale), so an
/// issuer can hold a replica across the `await` of
/// [`crate::TokenIssuer::issue`] or [`crate::TokenIssuer::refresh`].
/// Implemented for `&T`, `Box<T>` and `Arc<T>`.
pub trait MintView {
    /// The context's id.
    ///
    /// # Errors
    /// A view that cannot answer (a stale replica) refuses.
    fn mint_context_id(&self) -> Result<ContextId>;

    /// `key`'s standing at `now`: its stored key, current permissions and
    /// chain window (the issuer checks the window against `now` itself).
    ///
    /// # Errors
    /// [`ContextError::NotMember`] for a key that was never added,
    /// [`ContextError::Revoked`] for a revoked one; a view that cannot
    /// answer refuses (a stale replica: [`ContextError::ReplicaStale`]).
    fn member_grant(&self, key: &PublicKey, now: u64) -> Result<MemberGrant>;

    /// A wallet-account member's standing at `now`: its primary account
    /// (aliases resolve to the member they are linked to), current
    /// permissions and window (the issuer checks the window against `now`
    /// itself). The default knows no wallet member and answers
    /// [`ContextError::NotMember`].
    ///
    /// # Errors
    /// [`ContextError::NotMember`] for an account that is not a member nor
    /// linked to one, [`ContextError::Revoked`] for a revoked one; a view
    /// that cannot answer refuses (a stale replica:
    /// [`ContextError::ReplicaStale`]).
    fn account_grant(&self, account: &AccountId, now: u64) -> Result<AccountGrant> {
        let _ = now;
        Err(ContextError::NotMember(account.to_string()).into())
    }
}

impl MintView for Context {
    fn mint_context_id(&self) -> Result<ContextId> {
        Ok(*self.id())
    }

    fn member_grant(&self, key: &PublicKey, _now: u64) -> Result<MemberGrant> {
        let member = self
            .member(key)
            .ok_or_else(|| ContextError::NotMember(key.to_string()))?;
        let permissions = member
            .permissions()
            .ok_or_else(|| ContextError::Revoked(key.to_string()))?;
        let window = member
            .window()
            .ok_or_else(|| ContextError::NotMember(key.to_string()))?;
        Ok(MemberGrant {
            key: *member.key(),
            permissions: permissions.clone(),
            window,
        })
    }

    fn account_grant(&self, account: &AccountId, _now: u64) -> Result<AccountGrant> {
        let member = self
            .account_member(account)
            .ok_or_else(|| ContextError::NotMember(account.to_string()))?;
        let permissions = member
            .permissions()
            .ok_or_else(|| ContextError::Revoked(account.to_string()))?;
        Ok(AccountGrant {
            account: member.primary().clone(),
            permissions: permissions.clone(),
            window: member.window(),
        })
    }
}

macro_rules! forward_mint_view {
    ($($ptr:ty),+) => {$(
        impl<T: MintView + ?Sized> MintView for $ptr {
            fn mint_context_id(&self) -> Result<ContextId> {
                (**self).mint_context_id()
            }
            fn member_grant(&self, key: &PublicKey, now: u64) -> Result<MemberGrant> {
                (**self).member_grant(key, now)
            }
            fn account_grant(&self, account: &AccountId, now: u64) -> Result<AccountGrant> {
                (**self).account_grant(account, now)
            }
        }
    )+};
}

forward_mint_view!(&T, Box<T>, std::sync::Arc<T>);
