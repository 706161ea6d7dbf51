//! The JSON forms of a wallet-login server's session routes: the refresh
//! and logout request bodies (`Deserialize`, and `from_json` with a
//! `bad_request` error), the login and whoami replies (`Serialize`), and
//! the account-linking steps that turn a caller's token and a redeemed
//! link proof (or an account to unlink) into the context op.

use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};

use super::issuer::TokenPair;
use super::refresh::RefreshToken;
use super::validator::ValidatedToken;
use crate::context::{Context, OpKind};
use crate::error::{ContextError, Result, TokenError};
use crate::wallet::{AccountId, VerifiedAccount};

/// A request body as JSON, or [`TokenError::InvalidRequest`]
/// (`bad_request`) when it is not.
fn from_json<'de, T: Deserialize<'de>>(bytes: &'de [u8]) -> Result<T> {
    serde_json::from_slice(bytes)
        .map_err(|_| TokenError::InvalidRequest("malformed JSON body").into())
}

/// A refresh request as a client sends it: `{"refresh_token": "…"}`, for
/// [`TokenIssuer::refresh`](super::issuer::TokenIssuer::refresh).
///
/// # Example
/// ```
/// use keytree::RefreshRequest;
/// let token = "A".repeat(43);
/// let body = format!(r#"{{"refresh_token": "{token}"}}"#);
/// let request = RefreshRequest::from_json(body.as_bytes())?;
/// assert_eq!(request.refresh_token().as_str(), token);
/// assert!(RefreshRequest::from_json(b"{}").is_err());
/// Ok::<(), keytree::Error>(())
/// ```
#[derive(Debug)]
pub struct RefreshRequest {
    token: RefreshToken,
}

impl RefreshRequest {
    /// Reads the JSON body.
    ///
    /// # Errors
    /// [`TokenError::InvalidRequest`] (`bad_request`) for a body that is not
    /// `{"refresh_token": <string>}`; the [`RefreshToken`] parse error for a
    /// string that is not a refresh token.
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        #[derive(Deserialize)]
        struct Wire<'a> {
            #[serde(borrow)]
            refresh_token: std::borrow::Cow<'a, str>,
        }
        let wire: Wire<'_> = from_json(bytes)?;
        Ok(Self {
            token: wire.refresh_token.parse()?,
        })
    }

    /// The refresh token presented.
    pub fn refresh_token(&self) -> &RefreshToken {
        &self.token
    }
}

/// A logout request as a client sends it: `{"refresh_token": "…"}` ends
/// that session; `{"all": true}` ends every session of the caller's member
/// (the caller proves who it is with its access token, which the server
/// checks before calling
/// [`TokenIssuer::logout_everywhere`](super::issuer::TokenIssuer::logout_everywhere)).
/// With both, `all: true` wins; `null` is the same as absent.
///
/// # Example
/// ```
/// use keytree::LogoutRequest;
/// assert!(matches!(LogoutRequest::from_json(br#"{"all": true}"#)?, LogoutRequest::Everywhere));
/// let token = "A".repeat(43);
/// let body = format!(r#"{{"refresh_token": "{token}", "all": false}}"#);
/// assert!(matches!(
///     LogoutRequest::from_json(body.as_bytes())?,
///     LogoutRequest::Session(t) if t.as_str() == token
/// ));
/// assert!(LogoutRequest::from_json(b"{}").is_err());
/// Ok::<(), keytree::Error>(())
/// ```
#[derive(Debug)]
pub enum LogoutRequest {
    /// End the session of this refresh token.
    Session(RefreshToken),
    /// End every session of the caller's member.
    Everywhere,
}

impl LogoutRequest {
    /// Reads the JSON body.
    ///
    /// # Errors
    /// [`TokenError::InvalidRequest`] (`bad_request`) for a body that is not
    /// a JSON object of these fields, or has neither `refresh_token` nor
    /// `all: true`; the [`RefreshToken`] parse error for a string that is
    /// not a refresh token.
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        #[derive(Deserialize)]
        struct Wire<'a> {
            #[serde(borrow, default)]
            refresh_token: Option<std::borrow::Cow<'a, str>>,
            #[serde(default)]
            all: Option<bool>,
        }
        let wire: Wire<'_> = from_json(bytes)?;
        match (wire.refresh_token, wire.all) {
            (_, Some(true)) => Ok(Self::Everywhere),
            (Some(token), _) => Ok(Self::Session(token.parse()?)),
            (None, _) => Err(TokenError::InvalidRequest("send refresh_token or all: true").into()),
        }
    }
}

/// The reply to a wallet login: the token pair's fields
/// ([`TokenPair`]'s `Serialize` form) and `"wallet"`, the account that
/// signed in (CAIP-10). Made by [`TokenPair::with_wallet`].
#[derive(Clone, Copy, Debug)]
pub struct LoginReply<'a> {
    pair: &'a TokenPair,
    wallet: &'a AccountId,
}

impl TokenPair {
    /// The login reply: this pair with `"wallet": <CAIP-10>` after
    /// `refresh_expires_in`.
    pub fn with_wallet<'a>(&'a self, wallet: &'a AccountId) -> LoginReply<'a> {
        LoginReply { pair: self, wallet }
    }
}

impl Serialize for LoginReply<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        let p = self.pair;
        let mut m = s.serialize_map(Some(6))?;
        m.serialize_entry("access_token", p.access_token())?;
        m.serialize_entry("token_type", "Bearer")?;
        m.serialize_entry("expires_in", &p.expires_in())?;
        m.serialize_entry("refresh_token", p.refresh_token().as_str())?;
        m.serialize_entry("refresh_expires_in", &p.refresh_expires_in())?;
        m.serialize_entry("wallet", &self.wallet.to_string())?;
        m.end()
    }
}

/// Who a validated token or API key speaks for, as a whoami route answers:
/// `{"wallet": sub, "context": <base58 id>, "permissions": [...],
/// "session": <sid> | null}`. Made by [`ValidatedToken::whoami`].
#[derive(Clone, Copy, Debug)]
pub struct WhoAmI<'a> {
    token: &'a ValidatedToken,
}

impl Serialize for WhoAmI<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        let c = self.token.claims();
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry("wallet", c.subject())?;
        m.serialize_entry("context", &c.context_id().to_string())?;
        m.serialize_entry("permissions", c.permissions())?;
        m.serialize_entry("session", &c.session_id().map(ToString::to_string))?;
        m.end()
    }
}

impl ValidatedToken {
    /// The whoami reply for this token (or API key).
    pub fn whoami(&self) -> WhoAmI<'_> {
        WhoAmI { token: self }
    }

    /// The wallet-account member this token speaks for: its primary
    /// account (`sub`), also when the token was obtained through a linked
    /// account.
    ///
    /// # Errors
    /// [`TokenError::InvalidRequest`] (`bad_request`) for a key member's
    /// token: only a wallet member links accounts.
    pub fn wallet_member(&self) -> Result<&AccountId> {
        self.claims()
            .account()
            .ok_or_else(|| TokenError::InvalidRequest("not a wallet member").into())
    }

    /// The op that links `proved` (an account whose owner just redeemed a
    /// link challenge) to this token's wallet member:
    /// [`OpKind::LinkAccount`], for the context root to sign. The token must
    /// have been validated live (so the member is live) and the challenge
    /// must have been a *link* challenge (its own statement and nonce key),
    /// so that a login signature cannot be replayed as consent to a link.
    ///
    /// # Errors
    /// As [`wallet_member`](Self::wallet_member).
    pub fn link_op(&self, proved: &VerifiedAccount) -> Result<OpKind> {
        Ok(OpKind::LinkAccount {
            member: self.wallet_member()?.clone(),
            account: proved.account.clone(),
        })
    }

    /// The op that unlinks `account` from this token's wallet member in
    /// `ctx`: [`OpKind::UnlinkAccount`], for the context root to sign. Only
    /// an account linked to the caller's own member qualifies; its primary
    /// account (which cannot be unlinked, only revoked), another member's
    /// account and an unknown one are refused alike, so a caller learns
    /// nothing about other members.
    ///
    /// # Errors
    /// As [`wallet_member`](Self::wallet_member);
    /// [`ContextError::AccountNotLinked`] when `account` is not linked to
    /// this member in `ctx`.
    pub fn unlink_op(&self, ctx: &Context, account: &AccountId) -> Result<OpKind> {
        let member = self.wallet_member()?;
        match ctx.primary_account(account) {
            Some(primary) if primary == member && primary != account => Ok(OpKind::UnlinkAccount {
                account: account.clone(),
            }),
            _ => Err(ContextError::AccountNotLinked(account.to_string()).into()),
        }
    }
}
