//! Wallet login challenges and their single-use redemption.
//!
//! A server proves that a user controls a wallet account by having the
//! wallet sign a fresh, single-use challenge:
//!
//! 1. [`ChallengeIssuer::issue`] makes a [`Challenge`] for an account: bound
//!    to the server's domain (the audience), the account, the issue time and
//!    an expiry (5 minutes by default), with a 32-byte sealed
//!    [`ChallengeNonce`] (issue time, lifetime, 8 random bytes and a MAC
//!    under the server's [`ChallengeKey`]). Nothing is stored. It is
//!    rendered as the exact text or payload the wallet signs
//!    ([`ChallengeMessage`]).
//! 2. The client has the wallet sign it and sends back the [`WalletProof`].
//! 3. [`ChallengeIssuer::redeem`] opens the nonce the proof carries (its
//!    MAC must be over this domain and the proof's account), re-renders the
//!    challenge from it, **verifies the signature first** (through the
//!    [`WalletRegistry`]) and only then consumes the nonce in the
//!    [`NonceStore`]: atomically, once, across every server that shares the
//!    store. It returns the
//!    [`VerifiedAccount`], which the server turns into a context token
//!    ([`crate::TokenIssuer`]).
//!
//! # Forms, per chain
//!
//! | account | what the wallet signs |
//! |---|---|
//! | Ethereum (`eip155`) | SIWE (EIP-4361): domain, address, optional statement, URI, version 1, chain id (the account's), nonce, issued-at, expiration time; EIP-191 `personal_sign` |
//! | Solana | SIWS: the same fields, chain id `mainnet`/`devnet`/`testnet` from the account's reference |
//! | NEAR | NEP-413: `message` = the sign-in text below, `nonce` = the 32 nonce bytes, `recipient` = the domain, no `callbackUrl` |
//! | Stellar | the sign-in text, as a SEP-53 signed message |
//! | ICP | `IcpProof::signing_bytes` of the sign-in text (`"keytree/v1/login/icp\n"` ‖ text), signed by the identity's key or a delegation chain's session key |
//! | raw Ed25519 / secp256k1 keys | [`RawKeyProof::signing_bytes`](crate::RawKeyProof::signing_bytes) of the sign-in text (`"keytree/v1/login/raw-key\n"` ‖ text) |
//! | custom chains | the sign-in text's bytes, as the chain's verifier defines |
//!
//! The sign-in text of the non-SIWx forms is SIWE-shaped:
//!
//! ```text
//! example.com wants you to sign in with your Stellar account:
//! stellar:pubnet:GA…
//!
//! URI: https://example.com
//! Nonce: 5c0f…(64 hex digits)
//! Issued At: 2023-11-14T22:13:20Z
//! Expiration Time: 2023-11-14T22:18:20Z
//! ```
//!
//! (with the optional statement and a blank line after the account). The
//! nonce is written as 64 lowercase hex digits everywhere (SIWE and SIWS
//! need at least eight letters and digits). Raw keys sign this text (inside
//! their tagged login wrapper) rather than the bare nonce, so that the
//! signature is bound to the domain and never over bytes that could mean
//! something else.
//!
//! # Redemption rules
//!
//! - Only the exact rendered bytes are accepted: a SIWE or SIWS message
//!   built by the client with other fields is refused
//!   ([`ChallengeError::MessageMismatch`]), even if it carries the nonce.
//! - A nonce this issuer did not seal for this domain and the proof's
//!   account (forged, altered, another key's, another domain's, or a proof
//!   from another account) is refused as [`ChallengeError::Unknown`] without
//!   touching the store.
//! - A failed redemption of a live challenge (other bytes, a bad
//!   signature) consumes nothing but counts one attempt; at the limit (5 by
//!   default) the challenge is dead. Whoever knows a nonce can therefore
//!   kill it; the nonce is shown only to the client that asked.
//! - Unknown, expired, already-spent and dead nonces are refused with
//!   distinct [`ChallengeError`]s. A store that fails or times out makes
//!   every redemption fail with [`Error::StoreUnavailable`], never an
//!   accept. A retried redemption (lost reply) gets
//!   [`ChallengeError::AlreadySpent`]: it grants nothing twice, and the
//!   client asks for a new challenge.
//!
//! # Flooding
//!
//! [`issue`](ChallengeIssuer::issue) needs no authentication and writes
//! nothing, so no number of issue requests fills a store or locks anyone
//! out. The store holds an entry only for a nonce with a valid MAC that was
//! redeemed (a valid signature) or failed a redemption, until that nonce's
//! challenge expires. What an attacker can still do: spend CPU (each issue
//! costs one MAC and a render; each redemption a MAC check, a store round
//! trip and a signature verification), create failed-attempt counters by
//! redeeming nonces they were issued with bad signatures (a bounded store
//! evicts those first), fill a bounded store with spent marks only by
//! completing more successful logins with their own accounts than its cap
//! within one challenge lifetime, and kill a challenge whose nonce they
//! know. A deployment should rate-limit issue and redeem per client
//! address and per account, and size the store's cap for its peak of
//! successful logins per challenge lifetime.
//!
//! # Example
//! ```
//! use keytree::{ChallengeIssuer, MemoryNonceStore, RawKeyProof, RootKey};
//! # // The memory store never pends: one poll drives a call to completion.
//! # fn block_on_ready<F: std::future::Future>(f: F) -> F::Output {
//! #     let mut f = std::pin::pin!(f);
//! #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
//! #     match f.as_mut().poll(&mut cx) {
//! #         std::task::Poll::Ready(v) => v,
//! #         std::task::Poll::Pending => unreachable!(),
//! #     }
//! # }
//! let now = 1_700_000_000;
//! // The fleet's shared secret (from configuration), not a constant.
//! let key = keytree::ChallengeKey::from_bytes(&[0x42; 32]);
//! let issuer = ChallengeIssuer::new("example.com", key, MemoryNonceStore::new())?;
//! let key = RootKey::from_bytes(&[5; 32]); // a raw Ed25519 wallet key
//! let account = keytree::AccountId::raw_ed25519(&key.public_key());
//! let challenge = block_on_ready(issuer.issue(&account, now))?;
//!
//! let text = challenge.message().text().as_bytes();
//! let proof = RawKeyProof::ed25519_hex(
//!     &keytree::hex_encode(key.public_key().as_bytes()),
//!     text.to_vec(),
//!     // over RawKeyProof::signing_bytes(text): the tagged login wrapper
//!     &keytree::hex_encode(key.sign_raw_key_login(text).as_bytes()),
//! )?;
//! let who = block_on_ready(issuer.redeem(&proof.clone().into(), now + 10))?;
//! assert_eq!(who.account, account);
//! assert!(block_on_ready(issuer.redeem(&proof.into(), now + 11)).is_err()); // spent
//! Ok::<(), keytree::Error>(())
//! ```
//!
//! [`ChallengeError`]: crate::ChallengeError
//! [`ChallengeError::AlreadySpent`]: crate::ChallengeError::AlreadySpent
//! [`ChallengeError::MessageMismatch`]: crate::ChallengeError::MessageMismatch
//! [`ChallengeError::Unknown`]: crate::ChallengeError::Unknown
//! [`Error::StoreUnavailable`]: crate::Error::StoreUnavailable
//! [`VerifiedAccount`]: crate::VerifiedAccount
//! [`WalletProof`]: crate::WalletProof
//! [`WalletRegistry`]: crate::WalletRegistry

mod client_proof;
mod form;
mod issuer;
mod key;
mod nonce;
pub(crate) mod render;
mod request;
mod store;

pub use client_proof::ClientProof;
pub use issuer::{
    Challenge, ChallengeIssuer, DEFAULT_CHALLENGE_TTL, DEFAULT_MAX_ATTEMPTS, MAX_CHALLENGE_TTL,
};
pub use key::ChallengeKey;
pub use nonce::{ChallengeNonce, MAX_ATTEMPT_LIMIT};
pub use render::ChallengeMessage;
pub use request::ChallengeRequest;
pub use store::NonceStore;
