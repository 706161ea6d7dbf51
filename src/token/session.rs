//! Sessions: a refresh family is a session, its access tokens name it
//! (`sid`), and logging out revokes it on every instance through a shared
//! [`SessionStore`].

use std::future::Future;
use std::sync::Arc;

use super::claims::TokenClaims;
use super::helpers::unix_now;
use super::issuer::TokenIssuer;
use super::refresh::RefreshHash;
use super::refresh::{FamilyId, RefreshToken};
use super::validator::{TokenValidator, ValidatedToken};
use crate::error::{Result, TokenError};
use crate::id::ContextId;
use crate::member_id::MemberId;
use crate::revocation::RevocationView;

/// A session id: the [`FamilyId`] of the refresh family a login started.
/// Access tokens from [`TokenIssuer::issue`] and [`TokenIssuer::refresh`]
/// carry it as the `sid` claim (32 hex digits); tokens from
/// [`TokenIssuer::mint`] have none.
pub type SessionId = FamilyId;

/// Where session revocation lives, shared by every instance of a cluster
/// (the same backend as the [`RefreshStore`](crate::RefreshStore): the
/// memory and Redis stores implement both).
///
/// The contract (each method one atomic step across the instances sharing
/// the store):
///
/// - [`revoke_session`](Self::revoke_session) revokes a session (its refresh
///   family, present and future tokens). Nothing is spent: a later use of
///   its refresh token is [`TokenError::RefreshRevoked`], not
///   [`TokenError::RefreshReused`].
/// - [`revoke_session_of`](Self::revoke_session_of) does the same for the
///   session a refresh token belongs to (spent or not), found by its hash;
///   `None` when the token is unknown.
/// - [`revoke_member_sessions`](Self::revoke_member_sessions) revokes every
///   session of a member (a key, or a wallet account by its primary
///   account) in a context ("log out everywhere") and
///   returns how many were live.
/// - [`session_revoked`](Self::session_revoked) answers whether a session is
///   revoked. **A session the store does not know counts as revoked**
///   (fail closed): `issue` stores the family before it returns the first
///   access token, and stores keep a family at least as long as its refresh
///   tokens, so a live session is always known while its access tokens
///   live, provided the access lifetime does not exceed the refresh
///   lifetime (the defaults: 15 minutes and 30 days).
///
/// A store that fails answers [`Error::StoreUnavailable`](crate::Error::StoreUnavailable),
/// so a request whose session cannot be checked is refused, never let
/// through. Implemented for `&T`, `Box<T>` and `Arc<T>`.
pub trait SessionStore: Send + Sync {
    /// Revokes a session.
    ///
    /// # Errors
    /// [`crate::Error::StoreUnavailable`] when the store fails.
    fn revoke_session(&self, session: &SessionId) -> impl Future<Output = Result<()>> + Send;

    /// Revokes the session of the refresh token with this hash, without
    /// spending it; `None` when the token is unknown.
    ///
    /// # Errors
    /// [`crate::Error::StoreUnavailable`] when the store fails.
    fn revoke_session_of(
        &self,
        refresh: &RefreshHash,
    ) -> impl Future<Output = Result<Option<SessionId>>> + Send;

    /// Revokes every session of `member` in `context`; returns how many were live.
    ///
    /// # Errors
    /// [`crate::Error::StoreUnavailable`] when the store fails.
    fn revoke_member_sessions(
        &self,
        context: &ContextId,
        member: &MemberId,
    ) -> impl Future<Output = Result<usize>> + Send;

    /// Whether `session` is revoked (or unknown: see the trait docs).
    ///
    /// # Errors
    /// [`crate::Error::StoreUnavailable`] when the store fails.
    fn session_revoked(&self, session: &SessionId) -> impl Future<Output = Result<bool>> + Send;
}

macro_rules! forward_session_store {
    ($($ty:ty),*) => {$(
        impl<T: SessionStore + ?Sized> SessionStore for $ty {
            fn revoke_session(&self, session: &SessionId) -> impl Future<Output = Result<()>> + Send {
                (**self).revoke_session(session)
            }
            fn revoke_session_of(
                &self,
                refresh: &RefreshHash,
            ) -> impl Future<Output = Result<Option<SessionId>>> + Send {
                (**self).revoke_session_of(refresh)
            }
            fn revoke_member_sessions(
                &self,
                context: &ContextId,
                member: &MemberId,
            ) -> impl Future<Output = Result<usize>> + Send {
                (**self).revoke_member_sessions(context, member)
            }
            fn session_revoked(&self, session: &SessionId) -> impl Future<Output = Result<bool>> + Send {
                (**self).session_revoked(session)
            }
        }
    )*};
}

forward_session_store!(&T, Box<T>, Arc<T>);

impl TokenClaims {
    /// `sid`: the session this access token belongs to, when it was minted
    /// by [`TokenIssuer::issue`] or [`TokenIssuer::refresh`].
    pub fn session_id(&self) -> Option<&SessionId> {
        self.session.as_ref()
    }
}

impl TokenIssuer {
    /// Logs out the session of `refresh` (the client's refresh token):
    /// revokes it on every instance sharing `store`, without spending the
    /// token, so that its later use is [`TokenError::RefreshRevoked`] (not
    /// reported as reuse) and the session's access tokens are refused by
    /// [`TokenValidator::check_session`] at once.
    ///
    /// # Errors
    /// [`TokenError::RefreshUnknown`] for a token the store does not know;
    /// [`crate::Error::StoreUnavailable`].
    pub async fn logout<S: SessionStore + ?Sized>(
        &self,
        refresh: &RefreshToken,
        store: &S,
    ) -> Result<SessionId> {
        store
            .revoke_session_of(&refresh.hash())
            .await?
            .ok_or_else(|| TokenError::RefreshUnknown.into())
    }

    /// Logs out the session of a validated access token (its `sid`).
    ///
    /// # Errors
    /// [`TokenError::InvalidRequest`] for a token without a session (from
    /// [`TokenIssuer::mint`]); [`crate::Error::StoreUnavailable`].
    pub async fn logout_session<S: SessionStore + ?Sized>(
        &self,
        token: &ValidatedToken,
        store: &S,
    ) -> Result<SessionId> {
        let sid = *token
            .claims()
            .session_id()
            .ok_or(TokenError::InvalidRequest("the token has no session"))?;
        store.revoke_session(&sid).await?;
        Ok(sid)
    }

    /// "Log out everywhere": revokes every session of the token's member
    /// (its executor key, or for a wallet-account member its primary
    /// account, in its context); returns how many were live.
    ///
    /// # Errors
    /// [`crate::Error::InvalidKey`] for a token whose executor key is not
    /// valid (keytree never mints one); [`crate::Error::StoreUnavailable`].
    pub async fn logout_everywhere<S: SessionStore + ?Sized>(
        &self,
        token: &ValidatedToken,
        store: &S,
    ) -> Result<usize> {
        let member = token.member()?;
        store
            .revoke_member_sessions(token.claims().context_id(), &member)
            .await
    }
}

impl TokenValidator {
    /// Refuses a validated token whose session was logged out or revoked:
    /// one store lookup (one Redis round trip with `RedisStore`). A token
    /// without a session (`mint`) passes. Call it on every request after
    /// [`validate_for`](Self::validate_for), or use
    /// [`validate_session_for`](Self::validate_session_for).
    ///
    /// # Errors
    /// [`TokenError::SessionRevoked`]; [`crate::Error::StoreUnavailable`]
    /// when the store cannot answer (fail closed: the request is refused).
    pub async fn check_session<S: SessionStore + ?Sized>(
        &self,
        token: &ValidatedToken,
        store: &S,
    ) -> Result<()> {
        match token.claims().session_id() {
            Some(sid) if store.session_revoked(sid).await? => {
                Err(TokenError::SessionRevoked.into())
            }
            _ => Ok(()),
        }
    }

    /// [`validate_for`](Self::validate_for), then
    /// [`check_session`](Self::check_session): what a server calls on every
    /// request.
    ///
    /// # Errors
    /// Those of both.
    pub async fn validate_session_for<V, S>(
        &self,
        view: &V,
        token: &str,
        store: &S,
        now: u64,
    ) -> Result<ValidatedToken>
    where
        V: RevocationView + ?Sized,
        S: SessionStore + ?Sized,
    {
        let validated = self.validate_for(view, token, now)?;
        self.check_session(&validated, store).await?;
        Ok(validated)
    }

    /// [`validate_session_for`](Self::validate_session_for) at the system
    /// clock's time.
    ///
    /// # Errors
    /// As [`validate_session_for`](Self::validate_session_for).
    pub async fn validate_session_for_now<V, S>(
        &self,
        view: &V,
        token: &str,
        store: &S,
    ) -> Result<ValidatedToken>
    where
        V: RevocationView + ?Sized,
        S: SessionStore + ?Sized,
    {
        self.validate_session_for(view, token, store, unix_now())
            .await
    }
}
