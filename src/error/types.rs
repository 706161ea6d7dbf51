//! The error types: [`Error`], one enum per domain, and [`Untrusted`] for
//! input text in messages.

use core::fmt;

/// The most characters of untrusted text an error message shows.
pub const UNTRUSTED_MAX_CHARS: usize = 128;

/// Shows text that came from the input safely in an error message or log
/// line: at most [`UNTRUSTED_MAX_CHARS`] characters (then `…`), with every
/// control character (`\n`, `\r`, `\t`, ESC, …), backslash and double
/// quote escaped as Rust's `escape_debug` does. Writes without allocating.
///
/// Every error that carries text taken from the input displays it through
/// this one helper.
///
/// # Example
/// ```
/// use keytree::Untrusted;
/// assert_eq!(Untrusted("kid\nERROR forged").to_string(), "kid\\nERROR forged");
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Untrusted<'a>(pub &'a str);

impl fmt::Display for Untrusted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use fmt::Write as _;
        for (i, c) in self.0.chars().enumerate() {
            if i == UNTRUSTED_MAX_CHARS {
                return f.write_char('…');
            }
            if c.is_control() || c == '\\' || c == '"' || c == '\u{2028}' || c == '\u{2029}' {
                for e in c.escape_default() {
                    f.write_char(e)?;
                }
            } else {
                f.write_char(c)?;
            }
        }
        Ok(())
    }
}

/// Everything that can go wrong in keytree.
///
/// The enum is `#[non_exhaustive]`: new areas arrive with new features.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A signature did not verify. Deliberately carries no detail.
    #[error("signature verification failed")]
    InvalidSignature,
    /// A value could not be decoded (text, bytes or JSON).
    #[error("invalid {what}: {reason}")]
    Decode {
        /// What was being decoded (`public key`, `delegation`, …).
        what: &'static str,
        /// Why it was refused.
        reason: DecodeReason,
    },
    /// A key was refused where it enters (weak, small-order, non-canonical).
    #[error("invalid public key: {0}")]
    InvalidKey(KeyError),
    /// A permission name or set was refused.
    #[error("invalid permission: {0}")]
    Permission(PermissionError),
    /// A delegation or delegation chain was refused.
    #[error("delegation refused: {0}")]
    Delegation(DelegationError),
    /// A context operation, query or delta was refused.
    #[error("context refused: {0}")]
    Context(ContextError),
    /// A wallet signature, message or account was refused.
    #[error("wallet proof refused: {0}")]
    Wallet(WalletError),
    /// A context token was refused or could not be minted.
    #[error("token refused: {0}")]
    Token(TokenError),
    /// A login challenge was refused or could not be issued.
    #[error("challenge refused: {0}")]
    Challenge(ChallengeError),
    /// A store (nonce, refresh, …) failed or could not be reached in time.
    /// Nothing was accepted or changed by the failed call: every store
    /// fails closed. The text names the store and the cause.
    #[error("store unavailable: {}", Untrusted(.0))]
    StoreUnavailable(String),
    /// A timestamp keytree would sign or accept lies beyond
    /// [`MAX_TIMESTAMP`](crate::MAX_TIMESTAMP) (the end of year 9999), or too
    /// far ahead of the caller's `now`: usually milliseconds or nanoseconds
    /// passed where seconds were meant.
    #[error("{what} timestamp {got} is out of range (at most {max})")]
    TimestampOutOfRange {
        /// Which timestamp (`delegation expires_at`, `op`, `delta`, `token exp`, …).
        what: &'static str,
        /// The value given.
        got: u64,
        /// The largest value accepted there.
        max: u64,
    },
}

/// Why a decoder refused its input.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeReason {
    /// The text had the wrong prefix; `expected` names what was wanted.
    Prefix {
        /// The accepted prefix or prefixes.
        expected: &'static str,
    },
    /// Base58, base64 or hex text that does not decode.
    Alphabet(&'static str),
    /// A decoded value of the wrong length.
    Length {
        /// The length required.
        expected: usize,
        /// The length found.
        got: usize,
    },
    /// Input that decodes but is not the one canonical encoding.
    NonCanonical(&'static str),
    /// Structured input (JSON or binary) that is malformed.
    Malformed(String),
    /// Input larger than the decoder accepts.
    TooLong {
        /// The largest accepted size in bytes.
        max: usize,
    },
    /// A format version this build does not know.
    UnsupportedVersion(u32),
    /// A typo-guarding checksum (Stellar strkey CRC16, ICP principal CRC32,
    /// EIP-55 mixed case)
    /// does not match. Not a secret, so not [`Error::InvalidSignature`].
    Checksum(&'static str),
}

impl fmt::Display for DecodeReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Prefix { expected } => write!(f, "expected prefix {expected}"),
            Self::Alphabet(encoding) => write!(f, "not valid {encoding}"),
            Self::Length { expected, got } => {
                write!(f, "expected {expected} bytes, got {got}")
            }
            Self::NonCanonical(what) => write!(f, "non-canonical encoding: {what}"),
            Self::Malformed(detail) => write!(f, "malformed: {}", Untrusted(detail)),
            Self::TooLong { max } => write!(f, "longer than {max} bytes"),
            Self::UnsupportedVersion(v) => write!(f, "unsupported version {v}"),
            Self::Checksum(which) => write!(f, "{which} checksum mismatch"),
        }
    }
}

/// Why a public key was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The bytes are not a point on the curve.
    #[error("not a valid curve point")]
    NotOnCurve,
    /// The point has small order, or a small-order (torsion) component: a
    /// weak key that verifies forged signatures or verifies differently in
    /// batches.
    #[error("weak (small-order) key")]
    Weak,
    /// The point encoding is not canonical.
    #[error("non-canonical point encoding")]
    NonCanonical,
}

/// Why a permission was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PermissionError {
    /// The name is empty.
    #[error("empty permission name")]
    Empty,
    /// A `:`-separated segment is empty.
    #[error("empty segment in \"{}\"", Untrusted(.0))]
    EmptySegment(String),
    /// A character outside `[A-Za-z0-9_.-]` and the `:` separator.
    #[error("invalid character in \"{}\"", Untrusted(.0))]
    InvalidCharacter(String),
    /// Longer than [`crate::Permission::MAX_LEN`] bytes.
    #[error("permission name longer than {max} bytes")]
    TooLong {
        /// The limit.
        max: usize,
    },
    /// A set holds more than [`crate::Permissions::MAX_COUNT`] names.
    #[error("more than {max} permissions in one set")]
    TooMany {
        /// The limit.
        max: usize,
    },
    /// A requested permission is not covered by what is held.
    #[error("\"{}\" is not covered by the held permissions", Untrusted(.0))]
    NotCovered(String),
}

/// Why a delegation or chain was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DelegationError {
    /// `now` is before `not_before`.
    #[error("not yet valid (not before {not_before}, now {now})")]
    NotYetValid {
        /// The start of the window.
        not_before: u64,
        /// The time checked.
        now: u64,
    },
    /// `now` is at or after `expires_at`.
    #[error("expired (expired at {expires_at}, now {now})")]
    Expired {
        /// The end of the window.
        expires_at: u64,
        /// The time checked.
        now: u64,
    },
    /// The window is empty or inverted.
    #[error("empty validity window")]
    EmptyWindow,
    /// The chain is empty.
    #[error("empty delegation chain")]
    EmptyChain,
    /// The chain is longer than the policy allows.
    #[error("chain of {len} links exceeds the maximum depth {max}")]
    TooDeep {
        /// The chain length.
        len: usize,
        /// The maximum allowed.
        max: usize,
    },
    /// The first link is not issued by the expected root.
    #[error("the first link is not issued by the expected root")]
    WrongRoot,
    /// Link `index` does not continue the chain (issuer, parent id or context).
    #[error("link {index} does not continue the chain: {reason}")]
    BrokenChain {
        /// The offending link (0-based).
        index: usize,
        /// Which rule it broke.
        reason: &'static str,
    },
    /// Link `index` grants permissions its parent does not hold.
    #[error("link {index} widens its parent's permissions")]
    Widened {
        /// The offending link (0-based).
        index: usize,
    },
    /// Link `index` is valid outside its parent's window.
    #[error("link {index} is valid outside its parent's window")]
    WindowOutsideParent {
        /// The offending link (0-based).
        index: usize,
    },
    /// The delegation is for another context.
    #[error("delegation is for another context")]
    WrongContext,
    /// The issuer kind cannot be verified by this build.
    #[error("issuer kind not supported here")]
    UnsupportedIssuer,
}

/// Why a context operation, query or delta was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ContextError {
    /// The op or delta names another context.
    #[error("wrong context")]
    WrongContext,
    /// The op's sequence number is not the next one.
    #[error("expected sequence number {expected}, got {got}")]
    Sequence {
        /// The next sequence number.
        expected: u64,
        /// The one in the op.
        got: u64,
    },
    /// The op's previous-hash does not match the log head.
    #[error("previous-op hash does not match the log head")]
    BrokenHashChain,
    /// The op's timestamp is earlier than its predecessor's.
    #[error("op timestamp goes backwards")]
    TimeWentBackwards,
    /// A signer of the op is not an admin at this point of the log.
    #[error("signer {0} is not an admin here")]
    NotAdmin(String),
    /// The same admin signed twice.
    #[error("admin {0} signed the op twice")]
    DuplicateSigner(String),
    /// Fewer valid admin signatures than the threshold.
    #[error("threshold not met: {got} of {required} admin signatures")]
    ThresholdNotMet {
        /// Signatures present.
        got: usize,
        /// Signatures required.
        required: usize,
    },
    /// The threshold is zero or larger than the admin set.
    #[error("invalid threshold {threshold} for {admins} admins")]
    InvalidThreshold {
        /// The threshold asked for.
        threshold: u32,
        /// The admin count.
        admins: usize,
    },
    /// The key (or wallet account) was revoked; revocation is permanent.
    #[error("{0} is revoked")]
    Revoked(String),
    /// The delegation was revoked.
    #[error("delegation {0} is revoked")]
    DelegationRevoked(String),
    /// The key (or wallet account) is already a member.
    #[error("{0} is already a member")]
    AlreadyMember(String),
    /// The key (or wallet account) is not a member.
    #[error("{0} is not a member")]
    NotMember(String),
    /// The key is already an admin.
    #[error("key {0} is already an admin")]
    AlreadyAdmin(String),
    /// The root cannot be revoked or removed from the admins.
    #[error("the context root cannot be revoked or removed")]
    RootImmutable,
    /// The signer was not authorised for this permission at that sequence.
    #[error("{key} does not hold {permission:?} at sequence {seq}")]
    NotAuthorized {
        /// The key (or the wallet account's CAIP-10 text).
        key: String,
        /// The permission asked for.
        permission: String,
        /// The sequence number checked.
        seq: u64,
    },
    /// A delta was signed against a sequence number the log has not reached.
    #[error("sequence {seq} is beyond the log head {head}")]
    FutureSequence {
        /// The sequence in the delta.
        seq: u64,
        /// The log head.
        head: u64,
    },
    /// Under the strict policy: the signer was revoked before the delta was first seen.
    #[error("delta first seen after its signer was revoked")]
    SeenAfterRevocation,
    /// The key's delegation chain window (every link's `[not_before,
    /// expires_at)`), or a wallet member's window, does not cover the time
    /// in question: it has lapsed or has not begun. An expired window
    /// grants nothing.
    #[error("{key}: window [{not_before}, {expires_at}) does not cover {at}")]
    OutsideWindow {
        /// The key (or the wallet account's CAIP-10 text).
        key: String,
        /// The start of the window (the latest `not_before` of the chain).
        not_before: u64,
        /// The end of the window (the earliest `expires_at` of the chain).
        expires_at: u64,
        /// The time checked.
        at: u64,
    },
    /// Under the strict policy: the delta was first seen outside its
    /// signer's delegation window (after it lapsed, or before it began).
    #[error("delta first seen outside its signer's delegation window")]
    SeenOutsideWindow,
    /// An op in an imported log was refused; `seq` is the first bad one.
    #[error("op {seq} refused: {reason}")]
    BadOp {
        /// The sequence number (position) of the first bad op.
        seq: u64,
        /// Why it was refused.
        reason: Box<Error>,
    },
    /// The first op of a log must be a genesis op, and only the first.
    #[error("genesis must be the first op and only the first")]
    Genesis,
    /// A compare-and-append lost: the shared log's head had moved past the
    /// op's `prev`. The replica has caught up; propose again on the new head.
    #[error("append conflict: the log head is now op {head_seq} ({head})")]
    Conflict {
        /// The sequence number of the log's head op.
        head_seq: u64,
        /// The head op's hash (base58).
        head: String,
    },
    /// The context store served an op this replica refuses (tampered,
    /// forked, rolled back or out of order). The replica keeps its last
    /// verified state and refuses every authorisation until a later catch-up
    /// verifies cleanly; the store needs an operator.
    #[error("context store served a refused op at sequence {seq}: {reason}")]
    StoreLogRefused {
        /// The sequence number of the refused op.
        seq: u64,
        /// Why it was refused.
        reason: Box<Error>,
    },
    /// The account is linked to a wallet member as an alias (it cannot be
    /// added, linked again or named where the member's primary account is
    /// required).
    #[error("account {account} is linked to wallet member {member}")]
    AccountLinked {
        /// The account.
        account: String,
        /// The wallet member it is linked to (its primary account).
        member: String,
    },
    /// The account is not linked to any wallet member.
    #[error("account {0} is not linked to a wallet member")]
    AccountNotLinked(String),
    /// An `AddAccount` grant that cannot be applied: empty permissions, an
    /// empty window, or a window that has ended by the op's timestamp; or a
    /// `LinkAccount` to a member whose window has ended by the op's
    /// timestamp.
    #[error("invalid wallet member grant: {0}")]
    InvalidAccountGrant(&'static str),
    /// The replica has not heard from its context store within its bound,
    /// so it refuses to authorise (its revocations may be out of date).
    #[error(
        "replica is stale: last heard from the store at {heard_at}, now {now}, bound {max_staleness} s"
    )]
    ReplicaStale {
        /// When the replica last read the store (unix seconds).
        heard_at: u64,
        /// The time checked.
        now: u64,
        /// The replica's bound (seconds).
        max_staleness: u64,
    },
}

/// Why a wallet proof, message or account was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WalletError {
    /// No verifier is registered for the chain.
    #[error("no verifier registered for chain {}", Untrusted(.0))]
    UnsupportedChain(String),
    /// The proof is valid but for another account than the one claimed.
    #[error("the signature is not from the claimed account")]
    AccountMismatch,
    /// A required expectation (message, domain, nonce) was not supplied;
    /// verifiers fail closed rather than skip the check.
    #[error("the verifier needs an expected {0}")]
    MissingExpectation(&'static str),
    /// A proof was handed to the verifier of another chain.
    #[error(
        "proof for chain {} given to the {} verifier",
        Untrusted(got),
        Untrusted(expected)
    )]
    WrongChain {
        /// The verifier's chain.
        expected: String,
        /// The proof's chain.
        got: String,
    },
    /// The account's network (CAIP-2 reference) is not the expected one.
    #[error(
        "wrong network: expected {}, got {}",
        Untrusted(expected),
        Untrusted(got)
    )]
    WrongNetwork {
        /// The network the verifier accepts.
        expected: String,
        /// The network in the proof.
        got: String,
    },
    /// The signed message is not the one the server expects.
    #[error("the signed message is not the expected one")]
    MessageMismatch,
    /// The message's domain (SIWE/SIWS) or recipient (NEP-413) is wrong.
    #[error(
        "wrong domain: expected \"{}\", got \"{}\"",
        Untrusted(expected),
        Untrusted(got)
    )]
    DomainMismatch {
        /// The expected domain.
        expected: String,
        /// The domain in the message.
        got: String,
    },
    /// The message's nonce is not the one the server issued.
    #[error("the nonce is not the expected one")]
    NonceMismatch,
    /// NEP-413 `callbackUrl` differs from the expected one (exact equality).
    #[error("the callback url is not the expected one")]
    CallbackUrlMismatch,
    /// A SIWE/SIWS field other than domain and nonce is wrong (chain id, URI …).
    #[error("wrong {field} in sign-in message")]
    FieldMismatch {
        /// The field.
        field: &'static str,
    },
    /// The message's expiration time has passed.
    #[error("message expired (expiration {expires_at}, now {now})")]
    Expired {
        /// Expiration time, unix seconds.
        expires_at: u64,
        /// The time checked.
        now: u64,
    },
    /// The message's not-before time has not arrived.
    #[error("message not yet valid (not before {not_before}, now {now})")]
    NotYetValid {
        /// Not-before time, unix seconds.
        not_before: u64,
        /// The time checked.
        now: u64,
    },
    /// The message claims to be issued in the future.
    #[error("message issued in the future (issued at {issued_at}, now {now})")]
    IssuedInFuture {
        /// Issued-at time, unix seconds.
        issued_at: u64,
        /// The time checked.
        now: u64,
    },
    /// A named NEAR account was presented, but no access-key resolver is set.
    #[error("named near accounts need an access-key resolver, and none is configured")]
    NoAccessKeyResolver,
    /// The signing key is not an access key of the account.
    #[error("the signing key is not an access key of the account")]
    UnknownAccessKey,
    /// The signing key is a function-call access key, and only full-access
    /// keys were allowed.
    #[error("the signing key is a function-call access key; full access is required")]
    FunctionCallKey,
    /// A server-supplied resolver failed; verification fails closed.
    #[error("resolver failed: {}", Untrusted(.0))]
    Resolver(String),
    // --- chain-independent kinds above, added by the wallets work ---
    /// An EIP-6492 signature (a smart-contract wallet not deployed yet)
    /// arrived, but no EIP-1271 resolver is set or it does not handle them.
    #[error(
        "eip-6492 signatures (undeployed smart wallets) need an eip-1271 resolver that handles them, and none is configured"
    )]
    Eip6492Unsupported,
    /// A Stellar contract address (`C…`) was given as a login account:
    /// contracts have no defined way to sign a message.
    #[error(
        "stellar contract addresses (C…) cannot sign in: a contract has no defined way to sign a message"
    )]
    StellarContractAccount,

    // --- ICP kinds below ---
    /// An ICP public key of an algorithm this build cannot verify.
    #[error("unsupported icp public key algorithm: {}", Untrusted(.0))]
    IcpUnsupportedKey(String),
    /// An ICP canister-signature key (Internet Identity) where an ordinary
    /// key was expected: such keys and chains are verified by the
    /// `icp-canister-sig` feature's types (`UnverifiedIcpCanisterDelegationChain`).
    #[error(
        "icp canister-signature (internet identity) key: verify it as an internet identity chain (feature icp-canister-sig)"
    )]
    IcpCanisterSignature,
    /// An ICP delegation chain longer than the IC allows.
    #[error("icp delegation chain of {len} links exceeds the maximum {max}")]
    IcpChainTooLong {
        /// The number of links.
        len: usize,
        /// The maximum allowed.
        max: usize,
    },
    /// An ICP delegation has expired.
    #[error("icp delegation {index} expired (expiration {expiration_ns} ns, now {now} s)")]
    IcpDelegationExpired {
        /// The link (0-based).
        index: usize,
        /// Its expiration, in nanoseconds since the Unix epoch.
        expiration_ns: u64,
        /// The time checked, in Unix seconds.
        now: u64,
    },
    /// An ICP delegation is restricted to canisters that do not include the target.
    #[error("icp delegation {index} does not allow the target canister")]
    IcpTargetNotAllowed {
        /// The link (0-based).
        index: usize,
    },
    /// An ICP delegation is restricted to canisters, but no target canister was given.
    #[error("icp delegation {index} is restricted to canisters, but no target canister was given")]
    IcpTargetRequired {
        /// The link (0-based).
        index: usize,
    },
    /// An ICP delegation delegates to a key already in the chain (a cycle or a self-delegation).
    #[error("icp delegation {index} delegates to a key already in the chain")]
    IcpDelegationCycle {
        /// The link (0-based).
        index: usize,
    },
    /// An ICP canister signature's certificate (authentic, checked after the
    /// BLS signature) is older than the accepted maximum age, or dated in
    /// the future beyond the clock-skew allowance.
    #[error(
        "icp certificate time {time_ns} ns is outside the accepted window (now {now} s, max age {max_age} s)"
    )]
    IcpCertificateStale {
        /// The certificate's `time`, in nanoseconds since the Unix epoch.
        time_ns: u64,
        /// The time checked, in Unix seconds.
        now: u64,
        /// The maximum certificate age, in seconds.
        max_age: u64,
    },
}

/// Why a context token was refused or could not be minted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The token is malformed (not three base64url parts, bad JSON, …).
    #[error("malformed token: {}", Untrusted(.0))]
    Malformed(String),
    /// The token is longer than the validator accepts.
    #[error("longer than {max} bytes")]
    TooLong {
        /// The limit.
        max: usize,
    },
    /// The protected header is malformed: not a JSON object, a duplicated or
    /// unknown member, a member of the wrong type, or a missing one.
    #[error("invalid header: {}", Untrusted(.0))]
    InvalidHeader(String),
    /// The header's `alg` is not exactly `EdDSA` (no `none`, HMAC, RSA, ECDSA
    /// or differently-cased spellings).
    #[error("algorithm \"{}\" refused: only EdDSA is accepted", Untrusted(.0))]
    Algorithm(String),
    /// The header's `typ` is not the one expected.
    #[error("typ \"{}\" refused: expected \"{expected}\"", Untrusted(got))]
    HeaderType {
        /// The `typ` required.
        expected: &'static str,
        /// The `typ` found (truncated).
        got: String,
    },
    /// The header's `kid` names no key the validator knows (unknown or retired).
    #[error("unknown signing key \"{}\"", Untrusted(.0))]
    UnknownKey(String),
    /// The claims are malformed: not a JSON object, a duplicated or unknown
    /// claim, a claim of the wrong JSON type, or a missing required claim.
    #[error("invalid claims: {}", Untrusted(.0))]
    InvalidClaims(String),
    /// `now` is past `exp` plus the leeway.
    #[error("expired (exp {exp}, now {now})")]
    Expired {
        /// The token's `exp`.
        exp: u64,
        /// The time checked.
        now: u64,
    },
    /// `now` plus the leeway is before `nbf`.
    #[error("not yet valid (nbf {nbf}, now {now})")]
    NotYetValid {
        /// The token's `nbf`.
        nbf: u64,
        /// The time checked.
        now: u64,
    },
    /// `iat` lies in the future beyond the leeway.
    #[error("issued in the future (iat {iat}, now {now})")]
    IssuedInFuture {
        /// The token's `iat`.
        iat: u64,
        /// The time checked.
        now: u64,
    },
    /// The times contradict each other (`exp` not after `nbf`, `iat` after `exp`).
    #[error("validity window is empty")]
    EmptyWindow,
    /// `iss` is not the required issuer.
    #[error("wrong issuer")]
    WrongIssuer,
    /// `aud` is not the required audience.
    #[error("wrong audience")]
    WrongAudience,
    /// `token_type` is not the kind expected (a refresh token is never an access token).
    #[error("wrong token kind: expected {expected}")]
    WrongTokenType {
        /// The kind required.
        expected: &'static str,
    },
    /// The token is bound to another context than the one it is used in.
    #[error("bound to another context")]
    WrongContext,
    /// The token's executor key (or, for a wallet-account member's token,
    /// its account) is revoked or no longer a member.
    #[error("executor {} is revoked or no longer a member", Untrusted(.0))]
    ExecutorRevoked(String),
    /// The executor's delegation window (a wallet-account member's window)
    /// does not cover `now`: it lapsed (or has not begun), whatever the
    /// token's own `exp` says.
    #[error("executor {} is outside its window", Untrusted(.0))]
    ExecutorOutsideWindow(String),
    /// A permission in the token is no longer held by its executor.
    #[error("permission \"{}\" is no longer held by the executor", Untrusted(.0))]
    PermissionRevoked(String),
    /// The token does not grant the permission asked for.
    #[error("does not grant \"{}\"", Untrusted(.0))]
    PermissionNotGranted(String),
    /// A mint request that cannot be honoured (zero TTL, empty audience, …).
    #[error("invalid request: {0}")]
    InvalidRequest(&'static str),
    /// The refresh token is not known to the store (never issued, or purged).
    #[error("unknown refresh token")]
    RefreshUnknown,
    /// The refresh token was already spent: its whole family is now revoked.
    #[error("refresh token reused: its family is revoked")]
    RefreshReused,
    /// The refresh token's family was revoked.
    #[error("refresh token revoked")]
    RefreshRevoked,
    /// The refresh token expired.
    #[error("refresh token expired")]
    RefreshExpired,
    /// A JWKS (or one of its keys) was refused.
    #[error("invalid jwks: {}", Untrusted(.0))]
    InvalidJwks(String),
    /// The token's session (`sid`, its refresh family) was logged out or
    /// revoked, or is no longer known to the session store.
    #[error("session revoked")]
    SessionRevoked,
    /// An API key that is malformed, unknown, revoked, or whose secret does
    /// not match. Deliberately carries no detail.
    #[error("invalid api key")]
    ApiKeyInvalid,
}

/// Why a login challenge was refused or could not be issued.
///
/// The states of a stored challenge have one kind each, so a server can
/// tell a user "ask for a new challenge" (expired, unknown, dead) from
/// "already signed in" (spent).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChallengeError {
    /// The nonce is not one this issuer sealed for this domain and the
    /// proof's account (forged, altered, sealed under another key, for
    /// another domain, or presented by another account). One detail-free
    /// kind: a MAC mismatch says nothing about why.
    #[error("unknown challenge nonce")]
    Unknown,
    /// The challenge expired before it was redeemed.
    #[error("challenge expired (expired at {expires_at}, now {now})")]
    Expired {
        /// When it expired, unix seconds.
        expires_at: u64,
        /// The time checked.
        now: u64,
    },
    /// The challenge was already redeemed; a nonce is spent once.
    #[error("challenge already spent")]
    AlreadySpent,
    /// Too many failed redemptions: the challenge is dead.
    #[error("challenge refused after {max} failed attempts")]
    TooManyAttempts {
        /// The attempt limit.
        max: u32,
    },
    /// The challenge was issued for another domain (audience).
    #[error(
        "challenge is for domain \"{}\", not \"{}\"",
        Untrusted(got),
        Untrusted(expected)
    )]
    WrongDomain {
        /// This issuer's domain.
        expected: String,
        /// The domain the challenge was issued for.
        got: String,
    },
    /// The proof is for another account than the challenge.
    #[error("the proof is not from the account the challenge was issued to")]
    WrongAccount,
    /// The signed message is not the text (or payload) the challenge rendered.
    #[error("the signed message is not the challenge's")]
    MessageMismatch,
    /// The proof carries no challenge nonce keytree can find.
    #[error("the proof carries no challenge nonce")]
    MissingNonce,
    /// The store already holds a challenge with this nonce (no longer
    /// returned by keytree's stores: issuing stores nothing).
    #[error("a challenge with this nonce already exists")]
    NonceExists,
    /// A bounded nonce store is full of entries it may not drop (spent
    /// nonces of challenges not yet expired).
    #[error("nonce store full (limit {max} entries)")]
    StoreFull {
        /// The store's limit.
        max: usize,
    },
    /// No challenge form is defined for the account's chain or network.
    #[error("no challenge form for {}", Untrusted(.0))]
    UnsupportedAccount(String),
    /// A setting or request that cannot be honoured (zero TTL, bad domain, …).
    #[error("invalid challenge settings: {0}")]
    InvalidSettings(&'static str),
    /// A stored challenge record could not be decoded.
    #[error("corrupt challenge record: {}", Untrusted(.0))]
    CorruptRecord(String),
}

impl Error {
    pub(crate) fn decode(what: &'static str, reason: DecodeReason) -> Self {
        Self::Decode { what, reason }
    }

    pub(crate) fn malformed(what: &'static str, detail: impl fmt::Display) -> Self {
        Self::Decode {
            what,
            reason: DecodeReason::Malformed(detail.to_string()),
        }
    }
}

impl From<KeyError> for Error {
    fn from(e: KeyError) -> Self {
        Self::InvalidKey(e)
    }
}

impl From<PermissionError> for Error {
    fn from(e: PermissionError) -> Self {
        Self::Permission(e)
    }
}

impl From<DelegationError> for Error {
    fn from(e: DelegationError) -> Self {
        Self::Delegation(e)
    }
}

impl From<ContextError> for Error {
    fn from(e: ContextError) -> Self {
        Self::Context(e)
    }
}

impl From<WalletError> for Error {
    fn from(e: WalletError) -> Self {
        Self::Wallet(e)
    }
}

impl From<TokenError> for Error {
    fn from(e: TokenError) -> Self {
        Self::Token(e)
    }
}

impl From<ChallengeError> for Error {
    fn from(e: ChallengeError) -> Self {
        Self::Challenge(e)
    }
}

/// `Result` with keytree's [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;
