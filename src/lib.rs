//! keytree: hierarchical identity and key management.
//!
//! keytree answers "who is this, and may they do that here?" for Rust
//! services. It does the cryptography, the bookkeeping and the checks, and no
//! network I/O of its own.
//!
//! # The model
//!
//! - A [`RootKey`] (native Ed25519) stands at the top of a tree of keys.
//! - It derives one [`ClientKey`] per context and rotation index,
//!   deterministically (HKDF-SHA256, see [`RootKey::derive_client_key`]).
//! - A [`Delegation`] says "issuer grants subject these [`Permissions`] in
//!   this context from `not_before` until `expires_at`". It is signed over
//!   canonical bytes and identified by their BLAKE3 hash ([`DelegationId`]).
//!   Chains (client key → sub-key) are attenuating: every link's permissions
//!   are covered by its parent's and its window lies inside its parent's.
//! - A [`Context`] holds members, admins and revocations. It changes only
//!   through signed [`ContextOp`]s in a hash-chained log that every node
//!   replays to the same state.
//! - Revocation is permanent and cascades to everything the revoked key
//!   delegated; history signed before it stays valid ([`DeltaPolicy`]).
//!
//! # Walkthrough
//!
//! ```
//! use keytree::{Context, ContextId, Delegation, DeltaPolicy, OpKind, Permission, Permissions, RootKey};
//!
//! let now = 1_700_000_000; // every time check takes `now` explicitly
//!
//! // A root key and a context it administers.
//! let root = RootKey::from_bytes(&[7; 32]); // or RootKey::generate(&mut rand::rng())
//! let id = ContextId::from_bytes([1; 32]);
//! let mut context = Context::builder(id).create(&root, now)?;
//!
//! // A client key for this context, derived from the root, and its delegation.
//! let client = root.derive_client_key(&id, 0);
//! let delegation = Delegation::builder(client.public_key(), id, Permissions::parse(["context:execute"])?)
//!     .valid_for(now, 3600)
//!     .sign_as_root(&root)?;
//!
//! // Membership changes are signed ops in the context's log.
//! let op = context.propose(OpKind::AddMember { chain: vec![delegation] }, now).sign(&root);
//! context.apply(op)?;
//! let execute: Permission = "context:execute:transfer".parse()?;
//! // Live checks take the time: the delegation's window bounds authority.
//! context.authorize(&client.public_key(), &execute, context.head_seq(), now)?;
//! assert!(context.authorize(&client.public_key(), &execute, context.head_seq(), now + 3600).is_err());
//!
//! // The client signs a delta against the membership sequence it saw, at a
//! // time inside its window.
//! let delta = client.sign_delta(&id, context.head_seq(), now, b"payload")?;
//! context.verify_delta(&delta, &execute, DeltaPolicy::Historical)?;
//!
//! // Revocation: permanent; the old delta stays valid, new ones are refused.
//! let op = context.propose(OpKind::RevokeKey { key: client.public_key() }, now + 1).sign(&root);
//! context.apply(op)?;
//! context.verify_delta(&delta, &execute, DeltaPolicy::Historical)?;
//! let late = client.sign_delta(&id, context.head_seq(), now + 2, b"too late")?;
//! assert!(context.verify_delta(&late, &execute, DeltaPolicy::Historical).is_err());
//!
//! // Any node replays the exported log to the same state.
//! let replayed = Context::import_json(&context.export_json()?)?;
//! assert_eq!(replayed.state_hash(), context.state_hash());
//! Ok::<(), keytree::Error>(())
//! ```
//!
//! # Reference
//!
//! - [`formats`]: every byte keytree signs, hashes or derives, field by
//!   field, with worked examples (the contract for other implementations).
//! - [`challenge`]: wallet login challenges, the redemption rules and what
//!   each chain's wallet signs.
//! - [`wallet`]: the wallet verifiers, the registry and CAIP-10 accounts.
//!
//! # Decisions worth knowing
//!
//! - Native signatures are always verified with `verify_strict`; weak,
//!   small-order and non-canonical public keys are refused where they enter.
//! - Secrets ([`RootKey`], [`ClientKey`]) are zeroized on drop, never shown
//!   by `Debug`, compared in constant time, exported only as `Zeroizing`.
//! - All signature failures are one detail-free [`Error::InvalidSignature`].
//! - Time is unix seconds, passed in; windows are `[not_before, expires_at)`.
//! - Context ops are checked against their own timestamp (never a clock), so
//!   replay is deterministic; timestamps may not go backwards.
//! - The context root is always an admin and holds every permission; it can
//!   be neither revoked nor removed. Member chains must start at the root or
//!   at a current admin. `SetPermissions` may narrow a member or restore it up
//!   to its delegation, never beyond.
//! - With a k-of-n threshold the root's signature counts as one of the k.
//! - Revoking a delegation id revokes every member whose chain contains it.
//!   Revoking an admin's key removes it from the admins; an op that would
//!   leave fewer admins than the threshold is refused.
//! - [`DeltaPolicy::Historical`] lets a revoked key back-date new deltas to
//!   an old sequence number; [`DeltaPolicy::Strict`] refuses deltas first
//!   seen at or after the signer's revocation. Pick per use.
//! - JSON decoding is strict: unknown fields, missing fields, unsorted or
//!   duplicate permissions and non-canonical key text are refused, and the
//!   binary delegation decoder accepts only the one canonical encoding.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod challenge;
mod client_key;
mod context;
mod context_store;
mod delegation;
mod delta;
mod encoding;
mod error;
pub mod formats;
mod id;
mod mac_key;
mod member_id;
mod now;
mod permission;
mod public_key;
mod replica;
mod revocation;
mod root;
mod secret_key;
mod store;
mod token;
pub mod wallet;

pub use challenge::ChallengeRequest;
pub use challenge::{
    Challenge, ChallengeIssuer, ChallengeKey, ChallengeMessage, ChallengeNonce, ClientProof,
    DEFAULT_CHALLENGE_TTL, DEFAULT_MAX_ATTEMPTS, MAX_ATTEMPT_LIMIT, MAX_CHALLENGE_TTL, NonceStore,
};
pub use client_key::{CLIENT_KEY_SALT, ClientKey};
pub use context::{
    AccountMemberInfo, Context, ContextBuilder, ContextLog, ContextOp, DeltaPolicy, LOG_VERSION,
    MAX_OP_SKEW, MemberInfo, OP_VERSION, OpKind, OpSignature, Signer,
};
pub use context_store::{AppendOutcome, ContextStore, MAX_STORED_OP_BYTES, StoreHead};
pub use delegation::{
    ChainPolicy, DEFAULT_MAX_CHAIN_DEPTH, DELEGATION_VERSION, Delegation, DelegationBuilder,
    Issuer, MAX_DELEGATION_BYTES, MAX_WALLET_SIGNATURE, UnsignedDelegation, UnverifiedDelegation,
    verify_chain, verify_chain_with_wallets,
};
pub use delta::{Delta, MAX_DELTA_PAYLOAD};
pub use encoding::{
    MAX_TIMESTAMP, base58_decode_array, base58_encode, base64url_decode, base64url_encode,
    hex_decode, hex_encode,
};
pub use error::{
    ChallengeError, ContextError, DecodeReason, DelegationError, Error, ErrorKind, KeyError,
    PermissionError, Result, TokenError, UNTRUSTED_MAX_CHARS, Untrusted, WalletError,
};
pub use id::{ContextId, DelegationId, OpHash};
pub use member_id::MemberId;
pub use now::{verify_chain_now, verify_chain_with_wallets_now};
pub use permission::{Permission, Permissions};
pub use public_key::{PublicKey, Signature};
pub use replica::{ContextReplica, DEFAULT_MAX_STALENESS, ReplicaRead, SnapshotKey, SnapshotStart};
pub use revocation::{RevocationSet, RevocationView};
pub use root::{RootIdentity, RootKey};
pub use store::MemoryContextStore;
pub use store::{
    DEFAULT_MAX_NONCE_ENTRIES, DEFAULT_RETENTION, MemoryApiKeyStore, MemoryNonceStore,
    MemoryRefreshStore, NONCE_ENTRY_BYTES,
};
#[cfg(feature = "redis")]
pub use store::{RedisContextStore, RedisContextStoreBuilder};
#[cfg(feature = "redis")]
pub use store::{RedisStore, RedisStoreBuilder, RedisStoreStats};
pub use token::{
    ACCESS_TOKEN_TYP, AccountGrant, DEFAULT_ACCESS_TTL, DEFAULT_LEEWAY, DEFAULT_MAX_TOKEN_LEN,
    DEFAULT_REFRESH_GRACE, DEFAULT_REFRESH_TTL, FamilyId, Jwk, Jwks, MemberGrant, MintView,
    RefreshHash, RefreshRecord, RefreshStore, RefreshToken, SessionId, SessionStore, TokenClaims,
    TokenIssuer, TokenPair, TokenRequest, TokenSigningKey, TokenType, TokenValidator,
    TokenValidatorBuilder, UnverifiedToken, ValidatedToken, jwk_thumbprint,
};
pub use token::{
    API_KEY_PREFIX, ApiKey, ApiKeyId, ApiKeyIssuer, ApiKeyRecord, ApiKeyRequest, ApiKeyStore,
    MAX_API_KEY_NAME, MAX_API_KEY_TTL,
};
pub use token::{ApiKeyInfo, Credential};
pub use token::{LoginReply, LogoutRequest, RefreshRequest, WhoAmI};
#[cfg(feature = "ethereum")]
pub use wallet::ethereum::{
    DEFAULT_ISSUED_AT_LEEWAY, EIP6492_MAGIC, Eip1271Resolver, Eip6492Signature, EthereumProof,
    EthereumVerifier, MAX_SIWE_LEN, SiweMessage, SyncEip1271Resolver, eip191_hash,
    ethereum_address_of, ethereum_recover_address, ethereum_signature_from_hex,
    parse_ethereum_signature,
};
#[cfg(feature = "icp-canister-sig")]
pub use wallet::icp::{
    DEFAULT_MAX_CERTIFICATE_AGE, IC_MAINNET_ROOT_KEY, IcpCanisterDelegationChain, IcpCanisterProof,
    IcpCanisterPublicKey, IcpCanisterSignatureVerifier, UnverifiedIcpCanisterDelegationChain,
    UnverifiedIcpCanisterSignature,
};
#[cfg(feature = "icp")]
pub use wallet::icp::{
    IcpDelegation, IcpDelegationChain, IcpKeyType, IcpProof, IcpPublicKey, IcpSignedDelegation,
    IcpVerifier, MAX_ICP_DELEGATION_TARGETS, MAX_ICP_DELEGATIONS, UnverifiedIcpDelegationChain,
};
pub use wallet::input::AccountInput;
pub use wallet::login_tag::{ICP_LOGIN_TAG, RAW_KEY_LOGIN_TAG, SOLANA_LOGIN_TAG};
#[cfg(feature = "near")]
pub use wallet::near::{
    AccessKeyPermission, AccessKeyResolver, NEAR_DELEGATION_RECIPIENT, NEP413_TAG, NearProof,
    NearVerifier, Nep413Payload, SyncAccessKeyResolver, parse_near_public_key,
};
pub use wallet::raw::{RawKeyProof, RawKeyVerifier, verify_secp256k1_sha256};
#[cfg(feature = "solana")]
pub use wallet::solana::{
    MAX_SIWS_LEN, SOLANA_DEVNET, SOLANA_MAINNET, SOLANA_TESTNET, SiwsMessage, SolanaProof,
    SolanaVerifier,
};
#[cfg(feature = "stellar")]
pub use wallet::stellar::{StellarProof, StellarVerifier, sep53_hash};
// The codecs of account texts are in every build (see `wallet/strkey.rs`).
pub use wallet::principal::Principal;
pub use wallet::strkey::{StellarSignedPayload, Strkey};
pub use wallet::text::{eip55_encode, eip55_is_valid, parse_eth_address};
pub use wallet::{
    AccountId, Chain, CustomProof, DEFAULT_WALLET_LEEWAY, Expectations, MAX_ACCOUNT_ID_LEN,
    SignerKey, StatementProof, VerifiedAccount, WalletFuture, WalletProof, WalletRegistry,
    WalletVerifier,
};
