//! The one public error type and its per-area kinds.
//!
//! Every signature or MAC mismatch is reported as the single detail-free
//! [`Error::InvalidSignature`], so callers get no oracle. A checksum on a
//! human-typed address (EIP-55, Stellar strkey, ICP principal) guards typos,
//! not secrets: a mismatch is an [`Error::Decode`] that says "checksum".
//!
//! Text that came from the input (a `kid`, an `alg`, a claim, a domain, a
//! decoder's complaint quoting a field name) is shown through [`Untrusted`]:
//! control characters are escaped and the text is cut at
//! [`UNTRUSTED_MAX_CHARS`] characters, so an attacker cannot forge a log
//! line with a `\n`, whoever builds the error.

mod kind;
mod types;

pub use kind::ErrorKind;
pub use types::{
    ChallengeError, ContextError, DecodeReason, DelegationError, Error, KeyError, PermissionError,
    Result, TokenError, UNTRUSTED_MAX_CHARS, Untrusted, WalletError,
};
