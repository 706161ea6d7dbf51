//! The human-readable statement a wallet signs to issue a delegation.
//!
//! One fixed template carries every field and the delegation id (which is
//! BLAKE3 of the canonical bytes, so it binds every field again). The
//! verifier never reads the statement from the wire: it rebuilds it from the
//! delegation's fields and checks the wallet's signature over it.
//!
//! ```text
//! keytree delegation v1
//!
//! {issuer CAIP-10} grants the key below these permissions in context {context id}.
//!
//! Subject: {ed25519:…}
//! Permissions: {name}, {name}, …        ("(none)" when empty)
//! Valid from: {RFC 3339 UTC} ({unix seconds})
//! Valid until: {RFC 3339 UTC} ({unix seconds})
//! Serial: {32 lowercase hex}
//! Parent: {parent id, base58 | none}
//! Delegation ID: {id, base58}
//! ```
//!
//! Lines end in LF, with no trailing newline. Permission names cannot hold
//! `,` or spaces, so the list is unambiguous.

use std::fmt::Write as _;

use crate::encoding::hex_encode;
use crate::id::ContextId;
use crate::id::DelegationId;
use crate::permission::Permissions;
use crate::public_key::PublicKey;
use crate::wallet::{AccountId, rfc3339};

/// The delegation fields the statement shows.
pub(crate) struct StatementFields<'a> {
    pub(crate) issuer: &'a AccountId,
    pub(crate) subject: &'a PublicKey,
    pub(crate) context: &'a ContextId,
    pub(crate) permissions: &'a Permissions,
    pub(crate) not_before: u64,
    pub(crate) expires_at: u64,
    pub(crate) serial: &'a [u8; 16],
    pub(crate) parent: Option<&'a DelegationId>,
    pub(crate) id: &'a DelegationId,
}

/// Renders the statement.
pub(crate) fn render(f: &StatementFields<'_>) -> String {
    let mut s = String::with_capacity(512);
    let perms: Vec<&str> = f.permissions.into_iter().map(|p| p.as_str()).collect();
    let perms = if perms.is_empty() {
        "(none)".to_owned()
    } else {
        perms.join(", ")
    };
    let parent = f
        .parent
        .map_or_else(|| "none".to_owned(), ToString::to_string);
    // Writing to a String cannot fail.
    let _ = write!(
        s,
        "keytree delegation v1\n\n\
         {issuer} grants the key below these permissions in context {context}.\n\n\
         Subject: {subject}\n\
         Permissions: {perms}\n\
         Valid from: {nb_text} ({nb})\n\
         Valid until: {exp_text} ({exp})\n\
         Serial: {serial}\n\
         Parent: {parent}\n\
         Delegation ID: {id}",
        issuer = f.issuer,
        context = f.context,
        subject = f.subject,
        nb_text = rfc3339::format(f.not_before),
        nb = f.not_before,
        exp_text = rfc3339::format(f.expires_at),
        exp = f.expires_at,
        serial = hex_encode(f.serial),
        id = f.id,
    );
    s
}
