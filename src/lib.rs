//! keytree: hierarchical identity and key management.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod client_key;
mod context;
mod delegation;
mod encoding;
mod error;
mod permission;
mod public_key;
mod revocation;
mod root;
mod wallet;

pub use client_key::{CLIENT_KEY_SALT, ClientKey};
pub use context::{
    Context, ContextBuilder, ContextId, ContextLog, ContextOp, Delta, DeltaPolicy, LOG_VERSION,
    MAX_DELTA_PAYLOAD, MemberInfo, OpHash, OpKind, OpSignature, Signer,
};
pub use delegation::{
    ChainPolicy, DEFAULT_MAX_CHAIN_DEPTH, DELEGATION_VERSION, Delegation, DelegationBuilder,
    DelegationId, Issuer, MAX_DELEGATION_BYTES, verify_chain,
};
pub use encoding::{
    base58_decode_array, base58_encode, base64url_decode, base64url_encode, hex_decode, hex_encode,
};
pub use error::{
    ContextError, DecodeReason, DelegationError, Error, KeyError, PermissionError, Result,
    TokenError, WalletError,
};
pub use permission::{Permission, Permissions};
pub use public_key::{PublicKey, Signature};
pub use revocation::{RevocationSet, RevocationView};
pub use root::{RootIdentity, RootKey};
#[cfg(feature = "icp")]
pub use wallet::{
    IcpDelegation, IcpDelegationChain, IcpKeyType, IcpPublicKey, IcpSignedDelegation,
    MAX_ICP_DELEGATION_TARGETS, MAX_ICP_DELEGATIONS, Principal, UnverifiedIcpDelegationChain,
};
