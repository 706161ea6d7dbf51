//! The tags of keytree's free-form login signatures.
//!
//! Three login forms let a key sign bytes the server names: bare keys
//! ([`crate::RawKeyProof`]), Solana plain messages
//! ([`crate::SolanaProof::message`]) and ICP keys ([`crate::IcpProof`]). If
//! such a key signed the server's bytes as given, a hostile server could
//! name bytes that mean something else (a `keytree/v1/delta` payload, a
//! delegation, an op) and collect a valid signature over them. So each form
//! signs a tagged wrapper of its own instead, byte for byte:
//!
//! ```text
//! signed bytes = tag ‖ message
//!
//! tag (ASCII, ending in one LF, 0x0A):
//!   raw Ed25519 / secp256k1 key   "keytree/v1/login/raw-key\n"   (25 bytes)
//!   Solana plain message          "keytree/v1/login/solana\n"    (24 bytes)
//!   ICP key or session key        "keytree/v1/login/icp\n"       (21 bytes)
//! message = the bytes the server issued (for login challenges, the UTF-8
//!           sign-in text), unchanged, no length prefix
//! ```
//!
//! Why no two protocols can share a signature:
//! - keytree's canonical payloads (delegation, context op, delta, …) begin
//!   with the 4-byte big-endian length of their domain tag, so their first
//!   byte is `0x00`; the login tags begin with `k`;
//! - the login tags differ from each other before their final LF, and none
//!   is a prefix of another;
//! - a wallet delegation statement begins `keytree delegation v1\n`
//!   (a space, not a `/`, after `keytree`);
//! - SIWE/SIWS texts begin with an RFC 3986 authority, which cannot hold
//!   `/`, followed by ` wants you to sign in`; NEP-413 and SEP-53 hash their
//!   own fixed prefixes;
//! - a JWS signing input (what an access token's signature covers) begins
//!   with the base64url of a JSON object, `eyJ`, and holds only base64url
//!   characters and one `.`: it starts with none of the above. It cannot
//!   carry a keytree tag (standard JWT libraries must verify it), and the
//!   token key ([`crate::TokenSigningKey`]) signs nothing else.

/// The tag a bare key's login signature covers, before the message.
pub const RAW_KEY_LOGIN_TAG: &[u8] = b"keytree/v1/login/raw-key\n";
/// The tag a Solana plain-message login signature covers, before the message.
pub const SOLANA_LOGIN_TAG: &[u8] = b"keytree/v1/login/solana\n";
/// The tag an ICP login signature covers, before the message.
pub const ICP_LOGIN_TAG: &[u8] = b"keytree/v1/login/icp\n";

/// `tag ‖ message`.
pub(crate) fn tagged(tag: &[u8], message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(tag.len() + message.len());
    out.extend_from_slice(tag);
    out.extend_from_slice(message);
    out
}
