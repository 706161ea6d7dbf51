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
    DelegationId, Issuer, MAX_DELEGATION_BYTES, MAX_WALLET_SIGNATURE, UnsignedDelegation,
    verify_chain, verify_chain_with_wallets,
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
#[cfg(feature = "ethereum")]
pub use wallet::ethereum::{
    DEFAULT_ISSUED_AT_LEEWAY, Eip1271Resolver, EthereumProof, EthereumVerifier, MAX_SIWE_LEN,
    SiweMessage, address_of as ethereum_address_of,
    decode_signature_hex as ethereum_signature_from_hex, eip191_hash,
    parse_signature as parse_ethereum_signature, recover_address as ethereum_recover_address,
};
#[cfg(feature = "icp")]
pub use wallet::icp::{
    IcpDelegation, IcpDelegationChain, IcpKeyType, IcpProof, IcpPublicKey, IcpSignedDelegation,
    IcpVerifier, MAX_ICP_DELEGATION_TARGETS, MAX_ICP_DELEGATIONS, Principal,
    UnverifiedIcpDelegationChain,
};
#[cfg(feature = "near")]
pub use wallet::near::{
    AccessKeyPermission, AccessKeyResolver, NEAR_DELEGATION_RECIPIENT, NEP413_TAG, NearProof,
    NearVerifier, Nep413Payload, parse_near_public_key,
};
pub use wallet::raw::{RawKeyProof, RawKeyVerifier, verify_secp256k1_sha256};
#[cfg(feature = "solana")]
pub use wallet::solana::{
    MAX_SIWS_LEN, SOLANA_DEVNET, SOLANA_MAINNET, SOLANA_TESTNET, SiwsMessage, SolanaProof,
    SolanaVerifier,
};
#[cfg(feature = "stellar")]
pub use wallet::stellar::{StellarProof, StellarVerifier, Strkey, sep53_hash};
pub use wallet::text::{eip55_encode, eip55_is_valid, parse_eth_address};
pub use wallet::{
    AccountId, Chain, CustomProof, DEFAULT_LEEWAY, Expectations, MAX_ACCOUNT_ID_LEN, SignerKey,
    StatementProof, VerifiedAccount, WalletProof, WalletRegistry, WalletVerifier,
};
