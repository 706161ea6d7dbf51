//! The stable classification of [`Error`] for servers: one kind, one HTTP
//! status, decided here once so that no server matches variants by hand.

use core::fmt;

use super::types::{
    ChallengeError, ContextError, DelegationError, Error, PermissionError, TokenError, WalletError,
};

/// What an [`Error`] means to a server answering a request: a small, stable
/// classification with one HTTP status each ([`http_status`](Self::http_status))
/// and one machine-readable name ([`as_str`](Self::as_str)) for error bodies
/// such as `{"error": "unauthorized", "message": …}`.
///
/// | kind | status | meaning |
/// |---|---|---|
/// | [`BadRequest`](Self::BadRequest) | 400 | the input is malformed or asks for something impossible (bad encoding, bad checksum, bad permission name, a timestamp out of range) |
/// | [`Unauthorized`](Self::Unauthorized) | 401 | a credential (signature, challenge, token, refresh token, delegation) was refused: the caller should authenticate again |
/// | [`Forbidden`](Self::Forbidden) | 403 | the caller is authenticated but may not do this (permission not granted or no longer held, not an admin) |
/// | [`UnsupportedAccount`](Self::UnsupportedAccount) | 422 | this server cannot verify this kind of account (no verifier or resolver configured, a contract wallet, a key algorithm or network it does not accept): not a bad signature, and retrying will not help |
/// | [`TooManyAttempts`](Self::TooManyAttempts) | 429 | a challenge was refused too often and is dead: ask for a new one |
/// | [`Conflict`](Self::Conflict) | 409 | the request conflicts with the context's current state: a compare-and-append on a shared context log lost to a concurrent op (propose again on the new head), or the member or wallet account to add or link is a member already or linked to one (`AlreadyMember`, `AccountLinked`: retrying will not help) |
/// | [`Unavailable`](Self::Unavailable) | 503 | a store or resolver failed or timed out, or a context replica is stale or was served a refused op; nothing was accepted (fail closed); retry later |
/// | [`Internal`](Self::Internal) | 500 | the server's own settings or stored data are wrong (invalid challenge settings, a corrupt record, a verifier given no expectation) |
///
/// The enum is `#[non_exhaustive]`; the names and statuses of existing kinds
/// do not change.
///
/// # Example
/// ```
/// use keytree::{Error, ErrorKind};
/// assert_eq!(Error::InvalidSignature.kind(), ErrorKind::Unauthorized);
/// assert_eq!(Error::InvalidSignature.http_status(), 401);
/// assert_eq!(ErrorKind::Unauthorized.as_str(), "unauthorized");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Malformed or impossible input (400).
    BadRequest,
    /// A credential was refused (401).
    Unauthorized,
    /// Authenticated, but not allowed (403).
    Forbidden,
    /// This server cannot verify this kind of account (422).
    UnsupportedAccount,
    /// Too many failed attempts (429).
    TooManyAttempts,
    /// The context's state conflicts: a concurrent change won (retry on
    /// the new state), or the member or account exists already (409).
    Conflict,
    /// A store or resolver failed; nothing was accepted (503).
    Unavailable,
    /// The server's own settings or data are wrong (500).
    Internal,
}

impl ErrorKind {
    /// The HTTP status a server answers with.
    pub const fn http_status(self) -> u16 {
        match self {
            Self::BadRequest => 400,
            Self::Unauthorized => 401,
            Self::Forbidden => 403,
            Self::UnsupportedAccount => 422,
            Self::TooManyAttempts => 429,
            Self::Conflict => 409,
            Self::Unavailable => 503,
            Self::Internal => 500,
        }
    }

    /// A stable snake_case name for error bodies (`bad_request`,
    /// `unauthorized`, `forbidden`, `unsupported_account`,
    /// `too_many_attempts`, `conflict`, `unavailable`, `internal`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "bad_request",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::UnsupportedAccount => "unsupported_account",
            Self::TooManyAttempts => "too_many_attempts",
            Self::Conflict => "conflict",
            Self::Unavailable => "unavailable",
            Self::Internal => "internal",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Error {
    /// This error's classification for a server (see [`ErrorKind`]).
    pub fn kind(&self) -> ErrorKind {
        use ErrorKind as K;
        match self {
            Self::InvalidSignature => K::Unauthorized,
            Self::Decode { .. } | Self::InvalidKey(_) | Self::TimestampOutOfRange { .. } => {
                K::BadRequest
            }
            Self::Permission(e) => permission_kind(e),
            Self::Delegation(e) => delegation_kind(e),
            Self::Context(e) => context_kind(e),
            Self::Wallet(e) => wallet_kind(e),
            Self::Token(e) => token_kind(e),
            Self::Challenge(e) => challenge_kind(e),
            Self::StoreUnavailable(_) => K::Unavailable,
        }
    }

    /// The HTTP status for this error: `self.kind().http_status()`.
    pub fn http_status(&self) -> u16 {
        self.kind().http_status()
    }
}

fn permission_kind(e: &PermissionError) -> ErrorKind {
    match e {
        PermissionError::NotCovered(_) => ErrorKind::Forbidden,
        PermissionError::Empty
        | PermissionError::EmptySegment(_)
        | PermissionError::InvalidCharacter(_)
        | PermissionError::TooLong { .. }
        | PermissionError::TooMany { .. } => ErrorKind::BadRequest,
    }
}

fn delegation_kind(e: &DelegationError) -> ErrorKind {
    use DelegationError as D;
    match e {
        D::UnsupportedIssuer => ErrorKind::UnsupportedAccount,
        D::EmptyWindow | D::EmptyChain | D::TooDeep { .. } => ErrorKind::BadRequest,
        D::NotYetValid { .. }
        | D::Expired { .. }
        | D::WrongRoot
        | D::BrokenChain { .. }
        | D::Widened { .. }
        | D::WindowOutsideParent { .. }
        | D::WrongContext => ErrorKind::Unauthorized,
    }
}

fn context_kind(e: &ContextError) -> ErrorKind {
    use ContextError as C;
    match e {
        C::NotAdmin(_)
        | C::ThresholdNotMet { .. }
        | C::Revoked(_)
        | C::DelegationRevoked(_)
        | C::RootImmutable
        | C::NotAuthorized { .. }
        | C::SeenAfterRevocation
        | C::OutsideWindow { .. }
        | C::SeenOutsideWindow => ErrorKind::Forbidden,
        C::Conflict { .. } | C::AlreadyMember(_) | C::AccountLinked { .. } => ErrorKind::Conflict,
        C::StoreLogRefused { .. } | C::ReplicaStale { .. } => ErrorKind::Unavailable,
        C::WrongContext
        | C::Sequence { .. }
        | C::BrokenHashChain
        | C::TimeWentBackwards
        | C::DuplicateSigner(_)
        | C::InvalidThreshold { .. }
        | C::NotMember(_)
        | C::AlreadyAdmin(_)
        | C::FutureSequence { .. }
        | C::BadOp { .. }
        | C::AccountNotLinked(_)
        | C::InvalidAccountGrant(_)
        | C::Genesis => ErrorKind::BadRequest,
    }
}

fn wallet_kind(e: &WalletError) -> ErrorKind {
    use WalletError as W;
    match e {
        W::UnsupportedChain(_)
        | W::WrongNetwork { .. }
        | W::Eip6492Unsupported
        | W::StellarContractAccount
        | W::NoAccessKeyResolver
        | W::IcpUnsupportedKey(_)
        | W::IcpCanisterSignature => ErrorKind::UnsupportedAccount,
        W::Resolver(_) => ErrorKind::Unavailable,
        W::MissingExpectation(_) => ErrorKind::Internal,
        W::WrongChain { .. } | W::IcpChainTooLong { .. } => ErrorKind::BadRequest,
        W::AccountMismatch
        | W::MessageMismatch
        | W::DomainMismatch { .. }
        | W::NonceMismatch
        | W::CallbackUrlMismatch
        | W::FieldMismatch { .. }
        | W::Expired { .. }
        | W::NotYetValid { .. }
        | W::IssuedInFuture { .. }
        | W::UnknownAccessKey
        | W::FunctionCallKey
        | W::IcpDelegationExpired { .. }
        | W::IcpTargetNotAllowed { .. }
        | W::IcpTargetRequired { .. }
        | W::IcpDelegationCycle { .. }
        | W::IcpCertificateStale { .. } => ErrorKind::Unauthorized,
    }
}

fn token_kind(e: &TokenError) -> ErrorKind {
    use TokenError as T;
    match e {
        T::PermissionRevoked(_) | T::PermissionNotGranted(_) => ErrorKind::Forbidden,
        T::InvalidRequest(_) => ErrorKind::BadRequest,
        T::InvalidJwks(_) => ErrorKind::Internal,
        // RFC 6750 `invalid_token`: malformed, expired, revoked or
        // otherwise refused bearer credentials are all 401.
        T::Malformed(_)
        | T::TooLong { .. }
        | T::InvalidHeader(_)
        | T::Algorithm(_)
        | T::HeaderType { .. }
        | T::UnknownKey(_)
        | T::InvalidClaims(_)
        | T::Expired { .. }
        | T::NotYetValid { .. }
        | T::IssuedInFuture { .. }
        | T::EmptyWindow
        | T::WrongIssuer
        | T::WrongAudience
        | T::WrongTokenType { .. }
        | T::WrongContext
        | T::ExecutorRevoked(_)
        | T::ExecutorOutsideWindow(_)
        | T::RefreshUnknown
        | T::RefreshReused
        | T::RefreshRevoked
        | T::RefreshExpired
        | T::SessionRevoked
        | T::ApiKeyInvalid => ErrorKind::Unauthorized,
    }
}

fn challenge_kind(e: &ChallengeError) -> ErrorKind {
    use ChallengeError as C;
    match e {
        C::TooManyAttempts { .. } => ErrorKind::TooManyAttempts,
        C::UnsupportedAccount(_) => ErrorKind::UnsupportedAccount,
        C::StoreFull { .. } => ErrorKind::Unavailable,
        C::MissingNonce => ErrorKind::BadRequest,
        C::NonceExists | C::InvalidSettings(_) | C::CorruptRecord(_) => ErrorKind::Internal,
        C::Unknown
        | C::Expired { .. }
        | C::AlreadySpent
        | C::WrongDomain { .. }
        | C::WrongAccount
        | C::MessageMismatch => ErrorKind::Unauthorized,
    }
}

#[cfg(test)]
mod tests {
    //! Every variant of every error enum, with its kind. Each enum has an
    //! `ordinal` written as an exhaustive match (no wildcard: inside the
    //! crate `#[non_exhaustive]` does not apply), so a new variant fails to
    //! compile here until it is given a number, and then fails the
    //! coverage check until the list has an example of it with its kind.
    use super::*;
    use crate::error::{DecodeReason, KeyError};
    use ErrorKind as K;

    fn covers(ordinals: impl Iterator<Item = usize>, count: usize, what: &str) {
        let mut seen = vec![false; count];
        for o in ordinals {
            seen[o] = true;
        }
        assert!(seen.iter().all(|s| *s), "{what}: a variant has no example");
    }

    #[test]
    fn every_top_level_variant_is_classified() {
        fn ordinal(e: &Error) -> usize {
            match e {
                Error::InvalidSignature => 0,
                Error::Decode { .. } => 1,
                Error::InvalidKey(_) => 2,
                Error::Permission(_) => 3,
                Error::Delegation(_) => 4,
                Error::Context(_) => 5,
                Error::Wallet(_) => 6,
                Error::Token(_) => 7,
                Error::Challenge(_) => 8,
                Error::StoreUnavailable(_) => 9,
                Error::TimestampOutOfRange { .. } => 10,
            }
        }
        let list: Vec<(Error, K)> = vec![
            (Error::InvalidSignature, K::Unauthorized),
            (
                Error::decode("x", DecodeReason::Checksum("eip-55")),
                K::BadRequest,
            ),
            (Error::InvalidKey(KeyError::Weak), K::BadRequest),
            (PermissionError::Empty.into(), K::BadRequest),
            (DelegationError::WrongRoot.into(), K::Unauthorized),
            (ContextError::RootImmutable.into(), K::Forbidden),
            (
                WalletError::NoAccessKeyResolver.into(),
                K::UnsupportedAccount,
            ),
            (TokenError::RefreshReused.into(), K::Unauthorized),
            (
                ChallengeError::TooManyAttempts { max: 5 }.into(),
                K::TooManyAttempts,
            ),
            (Error::StoreUnavailable("redis".into()), K::Unavailable),
            (
                Error::TimestampOutOfRange {
                    what: "t",
                    got: 1,
                    max: 0,
                },
                K::BadRequest,
            ),
        ];
        for (e, k) in &list {
            assert_eq!(e.kind(), *k, "{e:?}");
            assert_eq!(e.http_status(), k.http_status());
        }
        covers(list.iter().map(|(e, _)| ordinal(e)), 11, "Error");
        // Every decode reason is a bad request (a checksum is a typo, not a
        // bad signature).
        for r in [
            DecodeReason::Prefix { expected: "0x" },
            DecodeReason::Alphabet("hex"),
            DecodeReason::Length {
                expected: 1,
                got: 2,
            },
            DecodeReason::NonCanonical("x"),
            DecodeReason::Malformed("x".into()),
            DecodeReason::TooLong { max: 1 },
            DecodeReason::UnsupportedVersion(9),
            DecodeReason::Checksum("strkey"),
        ] {
            assert_eq!(Error::decode("x", r).kind(), K::BadRequest);
        }
        for k in [KeyError::NotOnCurve, KeyError::Weak, KeyError::NonCanonical] {
            assert_eq!(Error::from(k).kind(), K::BadRequest);
        }
    }

    #[test]
    fn every_permission_variant_is_classified() {
        fn ordinal(e: &PermissionError) -> usize {
            match e {
                PermissionError::Empty => 0,
                PermissionError::EmptySegment(_) => 1,
                PermissionError::InvalidCharacter(_) => 2,
                PermissionError::TooLong { .. } => 3,
                PermissionError::TooMany { .. } => 4,
                PermissionError::NotCovered(_) => 5,
            }
        }
        let list = [
            (PermissionError::Empty, K::BadRequest),
            (PermissionError::EmptySegment("a::b".into()), K::BadRequest),
            (
                PermissionError::InvalidCharacter("a b".into()),
                K::BadRequest,
            ),
            (PermissionError::TooLong { max: 1 }, K::BadRequest),
            (PermissionError::TooMany { max: 1 }, K::BadRequest),
            (PermissionError::NotCovered("admin".into()), K::Forbidden),
        ];
        for (e, k) in &list {
            assert_eq!(Error::from(e.clone()).kind(), *k, "{e:?}");
        }
        covers(list.iter().map(|(e, _)| ordinal(e)), 6, "PermissionError");
    }

    #[test]
    fn every_delegation_variant_is_classified() {
        use DelegationError as D;
        fn ordinal(e: &D) -> usize {
            match e {
                D::NotYetValid { .. } => 0,
                D::Expired { .. } => 1,
                D::EmptyWindow => 2,
                D::EmptyChain => 3,
                D::TooDeep { .. } => 4,
                D::WrongRoot => 5,
                D::BrokenChain { .. } => 6,
                D::Widened { .. } => 7,
                D::WindowOutsideParent { .. } => 8,
                D::WrongContext => 9,
                D::UnsupportedIssuer => 10,
            }
        }
        let list = [
            (
                D::NotYetValid {
                    not_before: 2,
                    now: 1,
                },
                K::Unauthorized,
            ),
            (
                D::Expired {
                    expires_at: 1,
                    now: 2,
                },
                K::Unauthorized,
            ),
            (D::EmptyWindow, K::BadRequest),
            (D::EmptyChain, K::BadRequest),
            (D::TooDeep { len: 9, max: 8 }, K::BadRequest),
            (D::WrongRoot, K::Unauthorized),
            (
                D::BrokenChain {
                    index: 1,
                    reason: "parent",
                },
                K::Unauthorized,
            ),
            (D::Widened { index: 1 }, K::Unauthorized),
            (D::WindowOutsideParent { index: 1 }, K::Unauthorized),
            (D::WrongContext, K::Unauthorized),
            (D::UnsupportedIssuer, K::UnsupportedAccount),
        ];
        for (e, k) in &list {
            assert_eq!(Error::from(e.clone()).kind(), *k, "{e:?}");
        }
        covers(list.iter().map(|(e, _)| ordinal(e)), 11, "DelegationError");
    }

    #[test]
    fn every_context_variant_is_classified() {
        use ContextError as C;
        fn ordinal(e: &C) -> usize {
            match e {
                C::WrongContext => 0,
                C::Sequence { .. } => 1,
                C::BrokenHashChain => 2,
                C::TimeWentBackwards => 3,
                C::NotAdmin(_) => 4,
                C::DuplicateSigner(_) => 5,
                C::ThresholdNotMet { .. } => 6,
                C::InvalidThreshold { .. } => 7,
                C::Revoked(_) => 8,
                C::DelegationRevoked(_) => 9,
                C::AlreadyMember(_) => 10,
                C::NotMember(_) => 11,
                C::AlreadyAdmin(_) => 12,
                C::RootImmutable => 13,
                C::NotAuthorized { .. } => 14,
                C::FutureSequence { .. } => 15,
                C::SeenAfterRevocation => 16,
                C::OutsideWindow { .. } => 17,
                C::SeenOutsideWindow => 18,
                C::BadOp { .. } => 19,
                C::Genesis => 20,
                C::Conflict { .. } => 21,
                C::StoreLogRefused { .. } => 22,
                C::ReplicaStale { .. } => 23,
                C::AccountLinked { .. } => 24,
                C::AccountNotLinked(_) => 25,
                C::InvalidAccountGrant(_) => 26,
            }
        }
        let s = || "k".to_string();
        let list = [
            (C::WrongContext, K::BadRequest),
            (
                C::Sequence {
                    expected: 1,
                    got: 2,
                },
                K::BadRequest,
            ),
            (C::BrokenHashChain, K::BadRequest),
            (C::TimeWentBackwards, K::BadRequest),
            (C::NotAdmin(s()), K::Forbidden),
            (C::DuplicateSigner(s()), K::BadRequest),
            (
                C::ThresholdNotMet {
                    got: 1,
                    required: 2,
                },
                K::Forbidden,
            ),
            (
                C::InvalidThreshold {
                    threshold: 0,
                    admins: 1,
                },
                K::BadRequest,
            ),
            (C::Revoked(s()), K::Forbidden),
            (C::DelegationRevoked(s()), K::Forbidden),
            (C::AlreadyMember(s()), K::Conflict),
            (C::NotMember(s()), K::BadRequest),
            (C::AlreadyAdmin(s()), K::BadRequest),
            (C::RootImmutable, K::Forbidden),
            (
                C::NotAuthorized {
                    key: s(),
                    permission: s(),
                    seq: 1,
                },
                K::Forbidden,
            ),
            (C::FutureSequence { seq: 9, head: 1 }, K::BadRequest),
            (C::SeenAfterRevocation, K::Forbidden),
            (
                C::OutsideWindow {
                    key: s(),
                    not_before: 0,
                    expires_at: 1,
                    at: 2,
                },
                K::Forbidden,
            ),
            (C::SeenOutsideWindow, K::Forbidden),
            (
                C::BadOp {
                    seq: 1,
                    reason: Box::new(Error::InvalidSignature),
                },
                K::BadRequest,
            ),
            (C::Genesis, K::BadRequest),
            (
                C::Conflict {
                    head_seq: 3,
                    head: s(),
                },
                K::Conflict,
            ),
            (
                C::StoreLogRefused {
                    seq: 3,
                    reason: Box::new(Error::InvalidSignature),
                },
                K::Unavailable,
            ),
            (
                C::ReplicaStale {
                    heard_at: 1,
                    now: 100,
                    max_staleness: 30,
                },
                K::Unavailable,
            ),
            (
                C::AccountLinked {
                    account: s(),
                    member: s(),
                },
                K::Conflict,
            ),
            (C::AccountNotLinked(s()), K::BadRequest),
            (C::InvalidAccountGrant("empty permissions"), K::BadRequest),
        ];
        for (e, k) in &list {
            assert_eq!(Error::from(e.clone()).kind(), *k, "{e:?}");
        }
        covers(list.iter().map(|(e, _)| ordinal(e)), 27, "ContextError");
    }

    #[test]
    fn every_wallet_variant_is_classified() {
        use WalletError as W;
        fn ordinal(e: &W) -> usize {
            match e {
                W::UnsupportedChain(_) => 0,
                W::AccountMismatch => 1,
                W::MissingExpectation(_) => 2,
                W::WrongChain { .. } => 3,
                W::WrongNetwork { .. } => 4,
                W::MessageMismatch => 5,
                W::DomainMismatch { .. } => 6,
                W::NonceMismatch => 7,
                W::CallbackUrlMismatch => 8,
                W::FieldMismatch { .. } => 9,
                W::Expired { .. } => 10,
                W::NotYetValid { .. } => 11,
                W::IssuedInFuture { .. } => 12,
                W::Eip6492Unsupported => 13,
                W::NoAccessKeyResolver => 14,
                W::UnknownAccessKey => 15,
                W::FunctionCallKey => 16,
                W::Resolver(_) => 17,
                W::IcpUnsupportedKey(_) => 18,
                W::IcpCanisterSignature => 19,
                W::IcpChainTooLong { .. } => 20,
                W::IcpDelegationExpired { .. } => 21,
                W::IcpTargetNotAllowed { .. } => 22,
                W::IcpTargetRequired { .. } => 23,
                W::IcpDelegationCycle { .. } => 24,
                W::IcpCertificateStale { .. } => 25,
                W::StellarContractAccount => 26,
            }
        }
        let s = || "x".to_string();
        let list = [
            (W::UnsupportedChain(s()), K::UnsupportedAccount),
            (W::AccountMismatch, K::Unauthorized),
            (W::MissingExpectation("nonce"), K::Internal),
            (
                W::WrongChain {
                    expected: s(),
                    got: s(),
                },
                K::BadRequest,
            ),
            (
                W::WrongNetwork {
                    expected: s(),
                    got: s(),
                },
                K::UnsupportedAccount,
            ),
            (W::MessageMismatch, K::Unauthorized),
            (
                W::DomainMismatch {
                    expected: s(),
                    got: s(),
                },
                K::Unauthorized,
            ),
            (W::NonceMismatch, K::Unauthorized),
            (W::CallbackUrlMismatch, K::Unauthorized),
            (W::FieldMismatch { field: "uri" }, K::Unauthorized),
            (
                W::Expired {
                    expires_at: 1,
                    now: 2,
                },
                K::Unauthorized,
            ),
            (
                W::NotYetValid {
                    not_before: 2,
                    now: 1,
                },
                K::Unauthorized,
            ),
            (
                W::IssuedInFuture {
                    issued_at: 2,
                    now: 1,
                },
                K::Unauthorized,
            ),
            (W::Eip6492Unsupported, K::UnsupportedAccount),
            (W::StellarContractAccount, K::UnsupportedAccount),
            (W::NoAccessKeyResolver, K::UnsupportedAccount),
            (W::UnknownAccessKey, K::Unauthorized),
            (W::FunctionCallKey, K::Unauthorized),
            (W::Resolver(s()), K::Unavailable),
            (W::IcpUnsupportedKey(s()), K::UnsupportedAccount),
            (W::IcpCanisterSignature, K::UnsupportedAccount),
            (W::IcpChainTooLong { len: 21, max: 20 }, K::BadRequest),
            (
                W::IcpDelegationExpired {
                    index: 0,
                    expiration_ns: 1,
                    now: 2,
                },
                K::Unauthorized,
            ),
            (W::IcpTargetNotAllowed { index: 0 }, K::Unauthorized),
            (W::IcpTargetRequired { index: 0 }, K::Unauthorized),
            (W::IcpDelegationCycle { index: 0 }, K::Unauthorized),
            (
                W::IcpCertificateStale {
                    time_ns: 1,
                    now: 2,
                    max_age: 1,
                },
                K::Unauthorized,
            ),
        ];
        for (e, k) in &list {
            assert_eq!(Error::from(e.clone()).kind(), *k, "{e:?}");
        }
        covers(list.iter().map(|(e, _)| ordinal(e)), 27, "WalletError");
    }

    #[test]
    fn every_token_variant_is_classified() {
        use TokenError as T;
        fn ordinal(e: &T) -> usize {
            match e {
                T::Malformed(_) => 0,
                T::TooLong { .. } => 1,
                T::InvalidHeader(_) => 2,
                T::Algorithm(_) => 3,
                T::HeaderType { .. } => 4,
                T::UnknownKey(_) => 5,
                T::InvalidClaims(_) => 6,
                T::Expired { .. } => 7,
                T::NotYetValid { .. } => 8,
                T::IssuedInFuture { .. } => 9,
                T::EmptyWindow => 10,
                T::WrongIssuer => 11,
                T::WrongAudience => 12,
                T::WrongTokenType { .. } => 13,
                T::WrongContext => 14,
                T::ExecutorRevoked(_) => 15,
                T::ExecutorOutsideWindow(_) => 16,
                T::PermissionRevoked(_) => 17,
                T::PermissionNotGranted(_) => 18,
                T::InvalidRequest(_) => 19,
                T::RefreshUnknown => 20,
                T::RefreshReused => 21,
                T::RefreshRevoked => 22,
                T::RefreshExpired => 23,
                T::InvalidJwks(_) => 24,
                T::SessionRevoked => 25,
                T::ApiKeyInvalid => 26,
            }
        }
        let s = || "x".to_string();
        let list = [
            (T::Malformed(s()), K::Unauthorized),
            (T::TooLong { max: 1 }, K::Unauthorized),
            (T::InvalidHeader(s()), K::Unauthorized),
            (T::Algorithm(s()), K::Unauthorized),
            (
                T::HeaderType {
                    expected: "at+jwt",
                    got: s(),
                },
                K::Unauthorized,
            ),
            (T::UnknownKey(s()), K::Unauthorized),
            (T::InvalidClaims(s()), K::Unauthorized),
            (T::Expired { exp: 1, now: 2 }, K::Unauthorized),
            (T::NotYetValid { nbf: 2, now: 1 }, K::Unauthorized),
            (T::IssuedInFuture { iat: 2, now: 1 }, K::Unauthorized),
            (T::EmptyWindow, K::Unauthorized),
            (T::WrongIssuer, K::Unauthorized),
            (T::WrongAudience, K::Unauthorized),
            (T::WrongTokenType { expected: "access" }, K::Unauthorized),
            (T::WrongContext, K::Unauthorized),
            (T::ExecutorRevoked(s()), K::Unauthorized),
            (T::ExecutorOutsideWindow(s()), K::Unauthorized),
            (T::PermissionRevoked(s()), K::Forbidden),
            (T::PermissionNotGranted(s()), K::Forbidden),
            (T::InvalidRequest("ttl"), K::BadRequest),
            (T::RefreshUnknown, K::Unauthorized),
            (T::RefreshReused, K::Unauthorized),
            (T::RefreshRevoked, K::Unauthorized),
            (T::RefreshExpired, K::Unauthorized),
            (T::InvalidJwks(s()), K::Internal),
            (T::SessionRevoked, K::Unauthorized),
            (T::ApiKeyInvalid, K::Unauthorized),
        ];
        for (e, k) in &list {
            assert_eq!(Error::from(e.clone()).kind(), *k, "{e:?}");
        }
        covers(list.iter().map(|(e, _)| ordinal(e)), 27, "TokenError");
    }

    #[test]
    fn every_challenge_variant_is_classified() {
        use ChallengeError as C;
        fn ordinal(e: &C) -> usize {
            match e {
                C::Unknown => 0,
                C::Expired { .. } => 1,
                C::AlreadySpent => 2,
                C::TooManyAttempts { .. } => 3,
                C::WrongDomain { .. } => 4,
                C::WrongAccount => 5,
                C::MessageMismatch => 6,
                C::MissingNonce => 7,
                C::NonceExists => 8,
                C::StoreFull { .. } => 9,
                C::UnsupportedAccount(_) => 10,
                C::InvalidSettings(_) => 11,
                C::CorruptRecord(_) => 12,
            }
        }
        let s = || "x".to_string();
        let list = [
            (C::Unknown, K::Unauthorized),
            (
                C::Expired {
                    expires_at: 1,
                    now: 2,
                },
                K::Unauthorized,
            ),
            (C::AlreadySpent, K::Unauthorized),
            (C::TooManyAttempts { max: 5 }, K::TooManyAttempts),
            (
                C::WrongDomain {
                    expected: s(),
                    got: s(),
                },
                K::Unauthorized,
            ),
            (C::WrongAccount, K::Unauthorized),
            (C::MessageMismatch, K::Unauthorized),
            (C::MissingNonce, K::BadRequest),
            (C::NonceExists, K::Internal),
            (C::StoreFull { max: 1 }, K::Unavailable),
            (C::UnsupportedAccount(s()), K::UnsupportedAccount),
            (C::InvalidSettings("ttl"), K::Internal),
            (C::CorruptRecord(s()), K::Internal),
        ];
        for (e, k) in &list {
            assert_eq!(Error::from(e.clone()).kind(), *k, "{e:?}");
        }
        covers(list.iter().map(|(e, _)| ordinal(e)), 13, "ChallengeError");
    }

    #[test]
    fn statuses_and_names_are_stable() {
        let all = [
            (K::BadRequest, 400, "bad_request"),
            (K::Unauthorized, 401, "unauthorized"),
            (K::Forbidden, 403, "forbidden"),
            (K::UnsupportedAccount, 422, "unsupported_account"),
            (K::TooManyAttempts, 429, "too_many_attempts"),
            (K::Conflict, 409, "conflict"),
            (K::Unavailable, 503, "unavailable"),
            (K::Internal, 500, "internal"),
        ];
        for (k, status, name) in all {
            assert_eq!(k.http_status(), status);
            assert_eq!(k.as_str(), name);
            assert_eq!(k.to_string(), name);
        }
    }
}
