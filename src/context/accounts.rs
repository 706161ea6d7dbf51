//! Wallet accounts as context members: the state ops 7–11 build
//! (`AddAccount`, `SetAccountPermissions`, `RevokeAccount`, `LinkAccount`,
//! `UnlinkAccount`), their checks, queries and state-hash sections.
//!
//! A wallet member is keyed by its primary account (CAIP-10). It holds its
//! window, its permission history (the first entry is the `AddAccount`
//! grant, which is also the ceiling `SetAccountPermissions` may restore up
//! to), its linked aliases and its revocation. Memory per member: the
//! primary account once (the map key), two `u64`s, the history vector and
//! an empty-until-used alias set; no clone of the grant is kept, since the
//! ceiling is the history's first entry. In bytes (64-bit): a 152-byte
//! map slot (72 for the `AccountId`, 80 for the member), the account's
//! reference and address strings, one 32-byte history entry per
//! permission change, and the permission sets themselves (shared layout
//! with key members). A linked account costs a slot in the alias map (152
//! bytes plus its strings and a clone of its member's account) and an
//! entry in the member's sorted set.
//!
//! An alias records the sequence number of the op that linked it, so
//! [`AccountMembers::authorize`] refuses an alias at a sequence before it
//! was linked. Unlinking forgets the alias: its history before the unlink
//! is then refused (fail closed) rather than reconstructed.

use std::collections::{BTreeSet, HashMap, HashSet};

use crate::encoding::{CanonicalWriter, base58_decode_array, check_timestamp, hex_decode};
use crate::error::{ContextError, Error, Result};
use crate::permission::{Permission, Permissions};
use crate::wallet::text::{keccak256, near_implicit_key, parse_eth_address};
use crate::wallet::{AccountId, Chain};

use super::standing::Standing;

/// The key an account's address *is* (or, for Ethereum, the address every
/// chain id shares): what a revocation must stick to, whatever account
/// form names it. `None` for an address that is a name (a NEAR named
/// account, an ICP principal, an unknown chain's address), which only its
/// own text names.
///
/// - `Ed25519`: `rawkey:ed25519`, `solana` (any network reference),
///   `stellar` `G…` (pubnet or testnet) and NEAR implicit accounts (64
///   hex), all the same 32 key bytes.
/// - `Evm`: `eip155` on any chain id (an EOA's key signs for every chain,
///   and EIP-191 signatures are not bound to one), and
///   `rawkey:secp256k1`, whose key has that address.
/// - `IcpSelf`: an ICP self-authenticating principal (`SHA-224(DER key) ·
///   0x02`); an Ed25519 key's accounts carry the principal of that key as
///   a second identity ([`KeyIdentity::all_of`]), so its ICP form is
///   bound too.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum KeyIdentity {
    Ed25519([u8; 32]),
    Evm([u8; 20]),
    IcpSelf([u8; 29]),
}

/// The DER (SubjectPublicKeyInfo) prefix of an Ed25519 key, as ICP
/// identities encode it (RFC 8410).
const ED25519_DER_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

impl KeyIdentity {
    /// The ICP self-authenticating principal of an Ed25519 key.
    fn icp_of_ed25519(key: &[u8; 32]) -> Self {
        use sha2::Digest as _;
        let mut der = [0u8; 44];
        for (d, s) in der.iter_mut().zip(ED25519_DER_PREFIX.iter().chain(key)) {
            *d = *s;
        }
        let hash = sha2::Sha224::digest(der);
        let mut principal = [0x02u8; 29];
        for (p, h) in principal.iter_mut().zip(hash.iter()) {
            *p = *h;
        }
        Self::IcpSelf(principal)
    }

    /// Every identity of a canonical account: its own, and for an Ed25519
    /// key the ICP principal of that key.
    pub(super) fn all_of(account: &AccountId) -> impl Iterator<Item = Self> {
        let own = Self::of(account);
        let second = match own {
            Some(Self::Ed25519(key)) => Some(Self::icp_of_ed25519(&key)),
            _ => None,
        };
        own.into_iter().chain(second)
    }

    /// The identities of an Ed25519 key: the key, and its ICP principal.
    pub(super) fn of_ed25519(key: &[u8; 32]) -> [Self; 2] {
        [Self::Ed25519(*key), Self::icp_of_ed25519(key)]
    }

    /// The identity of a canonical account (see the type docs).
    pub(super) fn of(account: &AccountId) -> Option<Self> {
        let address = account.address();
        match account.chain() {
            Chain::RawEd25519 => hex_decode(address, "account id")
                .ok()
                .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
                .map(Self::Ed25519),
            Chain::Solana => base58_decode_array::<32>(address, "solana address")
                .ok()
                .map(Self::Ed25519),
            Chain::Stellar => base32_decode(address, b'A')
                .and_then(|raw| raw.get(1..33).and_then(|k| <[u8; 32]>::try_from(k).ok()))
                .map(Self::Ed25519),
            // The text's 4 checksum bytes, then the principal; only a
            // self-authenticating one (29 bytes ending 0x02) is a key's.
            Chain::Icp => base32_decode(&address.replace('-', ""), b'a')
                .and_then(|raw| raw.get(4..).and_then(|p| <[u8; 29]>::try_from(p).ok()))
                .filter(|p| p.last() == Some(&0x02))
                .map(Self::IcpSelf),
            Chain::Near => near_implicit_key(address).map(Self::Ed25519),
            Chain::Ethereum => parse_eth_address(address).ok().map(Self::Evm),
            Chain::RawSecp256k1 => {
                let bytes = hex_decode(address, "account id").ok()?;
                let key = k256::ecdsa::VerifyingKey::from_sec1_bytes(&bytes).ok()?;
                let point = key.to_sec1_point(false);
                let hash = keccak256(point.as_bytes().get(1..)?);
                hash.get(12..)
                    .and_then(|a| <[u8; 20]>::try_from(a).ok())
                    .map(Self::Evm)
            }
            _ => None,
        }
    }
}

/// RFC 4648 base32 without padding, in one case (`a` is `b'A'` for a
/// Stellar strkey, `b'a'` for an ICP principal text); trailing bits are
/// dropped (the account parsers have checked the text). Decoded here so a
/// key identity does not depend on the `stellar` or `icp` feature.
fn base32_decode(text: &str, a: u8) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let v = match c {
            c if (a..a + 26).contains(&c) => c - a,
            b'2'..=b'7' => c - b'2' + 26,
            _ => return None,
        };
        acc = (acc << 5) | u32::from(v);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((acc >> bits) & 0xff).ok()?);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// One wallet member, keyed by its primary account.
#[derive(Clone, Debug)]
struct AccountMember {
    /// Accounts linked to this member, sorted.
    linked: BTreeSet<AccountId>,
    not_before: u64,
    expires_at: u64,
    /// `(seq, permissions)` from that seq on; the first entry is the
    /// `AddAccount` grant (and the ceiling).
    history: Vec<(u64, Permissions)>,
    revoked_seq: Option<u64>,
}

impl Standing for AccountMember {
    fn history(&self) -> &[(u64, Permissions)] {
        &self.history
    }

    fn window(&self) -> (u64, u64) {
        (self.not_before, self.expires_at)
    }

    fn revoked_seq(&self) -> Option<u64> {
        self.revoked_seq
    }
}

/// An account linked to a wallet member.
#[derive(Clone, Debug)]
struct Alias {
    primary: AccountId,
    linked_seq: u64,
}

/// The wallet-member part of a context's state.
#[derive(Clone, Debug, Default)]
pub(super) struct AccountMembers {
    /// Primary account → member (live and revoked).
    members: HashMap<AccountId, AccountMember>,
    /// Linked account → its member (kept after a revocation, so a revoked
    /// alias still resolves).
    aliases: HashMap<AccountId, Alias>,
    /// Every revoked account: revoked members and their aliases at the time.
    revoked: HashSet<AccountId>,
    /// Derived (not part of the state hash; rebuilt by replay): the key
    /// identities of the members and linked accounts (live or revoked),
    /// each with the primary account of the member holding it and how many
    /// of that member's accounts have it.
    holders: HashMap<KeyIdentity, (AccountId, u32)>,
    /// Derived: the key identities of every revoked account.
    revoked_keys: HashSet<KeyIdentity>,
}

/// A read-only view of one wallet member.
#[derive(Clone, Copy, Debug)]
pub struct AccountMemberInfo<'a> {
    primary: &'a AccountId,
    member: &'a AccountMember,
}

impl<'a> AccountMemberInfo<'a> {
    /// The member's primary account (the one `AddAccount` named).
    pub fn primary(&self) -> &'a AccountId {
        self.primary
    }

    /// The accounts linked to it, sorted.
    pub fn linked(&self) -> impl Iterator<Item = &'a AccountId> + 'a {
        self.member.linked.iter()
    }

    /// Its recorded permissions (`None` if revoked), **whatever the time**:
    /// this is inspection. To authorise, use
    /// [`Context::account_permissions`](crate::Context::account_permissions)
    /// or [`Context::authorize_account`](crate::Context::authorize_account),
    /// which also check the window.
    pub fn permissions(&self) -> Option<&'a Permissions> {
        if self.member.is_live() {
            self.member.current()
        } else {
            None
        }
    }

    /// The `AddAccount` grant: the most `SetAccountPermissions` may restore.
    pub fn ceiling(&self) -> Option<&'a Permissions> {
        self.member.first()
    }

    /// Its window `(not_before, expires_at)`.
    pub fn window(&self) -> (u64, u64) {
        (self.member.not_before, self.member.expires_at)
    }

    /// The sequence number of the op that added it.
    pub fn added_seq(&self) -> u64 {
        self.member.added_seq()
    }

    /// The sequence number of the op that revoked it, if any.
    pub fn revoked_seq(&self) -> Option<u64> {
        self.member.revoked_seq
    }

    /// Whether it is unrevoked and its window covers `now`.
    pub fn is_live_at(&self, now: u64) -> bool {
        self.member.is_live_at(now)
    }
}

fn revoked(account: &AccountId) -> Error {
    ContextError::Revoked(account.to_string()).into()
}

fn not_member(account: &AccountId) -> Error {
    ContextError::NotMember(account.to_string()).into()
}

fn linked(account: &AccountId, primary: &AccountId) -> Error {
    ContextError::AccountLinked {
        account: account.to_string(),
        member: primary.to_string(),
    }
    .into()
}

impl AccountMembers {
    /// The member `account` names (as primary or alias), with its primary
    /// account and, for an alias, the sequence number it was linked at.
    fn resolve(&self, account: &AccountId) -> Option<(&AccountId, &AccountMember, Option<u64>)> {
        if let Some((primary, m)) = self.members.get_key_value(account) {
            return Some((primary, m, None));
        }
        let alias = self.aliases.get(account)?;
        let (primary, m) = self.members.get_key_value(&alias.primary)?;
        Some((primary, m, Some(alias.linked_seq)))
    }

    /// Whether there is no wallet-member state at all.
    pub(super) fn is_empty(&self) -> bool {
        self.members.is_empty() && self.aliases.is_empty() && self.revoked.is_empty()
    }

    /// Refuses `account` as a new member or alias: revoked, a member, or
    /// linked already; or its key (or Ethereum address) revoked in any
    /// account form, or held by another account of a member other than
    /// `joining` (the member it is being linked to).
    fn check_free(&self, account: &AccountId, joining: Option<&AccountId>) -> Result<()> {
        if self.revoked.contains(account) {
            return Err(revoked(account));
        }
        if self.members.contains_key(account) {
            return Err(ContextError::AlreadyMember(account.to_string()).into());
        }
        if let Some(alias) = self.aliases.get(account) {
            return Err(linked(account, &alias.primary));
        }
        for id in KeyIdentity::all_of(account) {
            if self.revoked_keys.contains(&id) {
                return Err(revoked(account));
            }
            if let Some((holder, _)) = self.holders.get(&id)
                && Some(holder) != joining
            {
                return Err(ContextError::AlreadyMember(format!(
                    "{account} (the key of {holder})"
                ))
                .into());
            }
        }
        Ok(())
    }

    /// The primary member holding `account`'s key identity in any form.
    pub(super) fn key_holder(&self, account: &AccountId) -> Option<&AccountId> {
        KeyIdentity::all_of(account).find_map(|id| self.holders.get(&id).map(|(holder, _)| holder))
    }

    /// Whether an Ed25519 key is known as an account in any form: held by
    /// a member or linked account (live or revoked), or revoked.
    pub(super) fn is_key_known(&self, key: &[u8; 32]) -> bool {
        KeyIdentity::of_ed25519(key)
            .iter()
            .any(|id| self.revoked_keys.contains(id) || self.holders.contains_key(id))
    }

    fn hold(&mut self, account: &AccountId, primary: &AccountId) {
        for id in KeyIdentity::all_of(account) {
            self.holders
                .entry(id)
                .and_modify(|(_, n)| *n = n.saturating_add(1))
                .or_insert_with(|| (primary.clone(), 1));
        }
    }

    fn release(&mut self, account: &AccountId) {
        for id in KeyIdentity::all_of(account) {
            if let Some((_, n)) = self.holders.get_mut(&id) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    self.holders.remove(&id);
                }
            }
        }
    }

    /// The live primary member `account`, or why not.
    fn live_primary(&self, account: &AccountId) -> Result<&AccountMember> {
        if let Some(alias) = self.aliases.get(account) {
            return Err(linked(account, &alias.primary));
        }
        match self.members.get(account) {
            Some(m) if m.is_live() => Ok(m),
            Some(_) => Err(revoked(account)),
            None => Err(not_member(account)),
        }
    }

    /// Checks op 7 at the op's `timestamp`.
    pub(super) fn check_add(
        &self,
        account: &AccountId,
        permissions: &Permissions,
        not_before: u64,
        expires_at: u64,
        timestamp: u64,
    ) -> Result<()> {
        self.check_free(account, None)?;
        if permissions.is_empty() {
            return Err(ContextError::InvalidAccountGrant("empty permissions").into());
        }
        check_timestamp("account not_before", not_before)?;
        check_timestamp("account expires_at", expires_at)?;
        if not_before >= expires_at {
            return Err(
                ContextError::InvalidAccountGrant("not_before must precede expires_at").into(),
            );
        }
        if timestamp >= expires_at {
            return Err(ContextError::InvalidAccountGrant(
                "the window has ended by the op's timestamp",
            )
            .into());
        }
        Ok(())
    }

    /// Checks op 8.
    pub(super) fn check_set(&self, account: &AccountId, permissions: &Permissions) -> Result<()> {
        let m = self.live_primary(account)?;
        let ceiling = m.first().ok_or_else(|| not_member(account))?;
        permissions.require_subset_of(ceiling)
    }

    /// Checks op 9.
    pub(super) fn check_revoke(&self, account: &AccountId) -> Result<()> {
        if self.revoked.contains(account) {
            return Err(revoked(account));
        }
        match self.resolve(account) {
            Some((_, m, _)) if m.is_live() => Ok(()),
            Some(_) => Err(revoked(account)),
            None => Err(not_member(account)),
        }
    }

    /// Checks op 10 at the op's `timestamp`: like `AddAccount`, a link is
    /// refused once the member's window has ended (the alias would be tied
    /// to a member that can never hold anything again).
    pub(super) fn check_link(
        &self,
        member: &AccountId,
        account: &AccountId,
        timestamp: u64,
    ) -> Result<()> {
        if account == member {
            return Err(ContextError::AlreadyMember(account.to_string()).into());
        }
        self.check_free(account, Some(member))?;
        let m = self.live_primary(member)?;
        if timestamp >= m.expires_at {
            return Err(ContextError::InvalidAccountGrant(
                "the member's window has ended by the op's timestamp",
            )
            .into());
        }
        Ok(())
    }

    /// Checks op 11.
    pub(super) fn check_unlink(&self, account: &AccountId) -> Result<()> {
        if self.revoked.contains(account) {
            return Err(revoked(account));
        }
        if self.aliases.contains_key(account) {
            Ok(())
        } else {
            Err(ContextError::AccountNotLinked(account.to_string()).into())
        }
    }

    /// Applies op 7 (checked).
    pub(super) fn commit_add(
        &mut self,
        account: &AccountId,
        permissions: &Permissions,
        not_before: u64,
        expires_at: u64,
        seq: u64,
    ) {
        self.hold(account, account);
        self.members.insert(
            account.clone(),
            AccountMember {
                linked: BTreeSet::new(),
                not_before,
                expires_at,
                history: vec![(seq, permissions.clone())],
                revoked_seq: None,
            },
        );
    }

    /// Applies op 8 (checked).
    pub(super) fn commit_set(&mut self, account: &AccountId, permissions: &Permissions, seq: u64) {
        if let Some(m) = self.members.get_mut(account) {
            m.history.push((seq, permissions.clone()));
        }
    }

    /// Applies op 9 (checked): the member and every alias linked to it now.
    pub(super) fn commit_revoke(&mut self, account: &AccountId, seq: u64) {
        let primary = match self.aliases.get(account) {
            Some(alias) => alias.primary.clone(),
            None => account.clone(),
        };
        if let Some(m) = self.members.get_mut(&primary) {
            if m.revoked_seq.is_none() {
                m.revoked_seq = Some(seq);
            }
            for a in &m.linked {
                self.revoked.insert(a.clone());
                self.revoked_keys.extend(KeyIdentity::all_of(a));
            }
        }
        self.revoked_keys.extend(KeyIdentity::all_of(&primary));
        self.revoked.insert(primary);
    }

    /// The wallet-member side of a key revocation: when the Ed25519 `key`
    /// is, in any account form (its `rawkey:ed25519`, Solana, Stellar or
    /// NEAR implicit account), a live wallet member or linked to one,
    /// revokes that whole member, as `RevokeAccount` naming it would.
    /// Nothing happens when no account holds the key, or its member is
    /// revoked already.
    pub(super) fn revoke_with_key(&mut self, key: &[u8; 32], seq: u64) {
        let live = KeyIdentity::of_ed25519(key).into_iter().find_map(|id| {
            self.holders
                .get(&id)
                .filter(|(primary, _)| {
                    self.members
                        .get(primary)
                        .is_some_and(AccountMember::is_live)
                })
                .map(|(primary, _)| primary.clone())
        });
        let Some(primary) = live else {
            return;
        };
        self.commit_revoke(&primary, seq);
    }

    /// Whether an Ed25519 key is revoked as an account, in any form.
    pub(super) fn is_key_revoked(&self, key: &[u8; 32]) -> bool {
        KeyIdentity::of_ed25519(key)
            .iter()
            .any(|id| self.revoked_keys.contains(id))
    }

    /// Applies op 10 (checked).
    pub(super) fn commit_link(&mut self, member: &AccountId, account: &AccountId, seq: u64) {
        if self.members.contains_key(member) {
            self.hold(account, member);
        }
        if let Some(m) = self.members.get_mut(member) {
            m.linked.insert(account.clone());
            self.aliases.insert(
                account.clone(),
                Alias {
                    primary: member.clone(),
                    linked_seq: seq,
                },
            );
        }
    }

    /// Applies op 11 (checked).
    pub(super) fn commit_unlink(&mut self, account: &AccountId) {
        if let Some(alias) = self.aliases.remove(account) {
            self.release(account);
            if let Some(m) = self.members.get_mut(&alias.primary) {
                m.linked.remove(account);
            }
        }
    }

    /// See [`Context::account_window`](crate::Context::account_window).
    pub(super) fn window(&self, account: &AccountId) -> Option<(u64, u64)> {
        self.resolve(account)
            .filter(|(_, m, _)| m.is_live())
            .map(|(_, m, _)| (m.not_before, m.expires_at))
    }

    /// See [`Context::account_permissions`](crate::Context::account_permissions).
    pub(super) fn permissions(&self, account: &AccountId, now: u64) -> Option<&Permissions> {
        self.resolve(account)
            .filter(|(_, m, _)| m.is_live_at(now))
            .and_then(|(_, m, _)| m.current())
    }

    /// See [`Context::is_account_member`](crate::Context::is_account_member).
    pub(super) fn is_member(&self, account: &AccountId, now: u64) -> bool {
        self.resolve(account)
            .is_some_and(|(_, m, _)| m.is_live_at(now))
    }

    /// See [`Context::is_account_revoked`](crate::Context::is_account_revoked).
    pub(super) fn is_revoked(&self, account: &AccountId) -> bool {
        self.revoked.contains(account)
    }

    /// See [`Context::authorize_account`](crate::Context::authorize_account);
    /// the caller has checked `at_seq` against the head.
    pub(super) fn authorize(
        &self,
        account: &AccountId,
        permission: &Permission,
        at_seq: u64,
        at: u64,
    ) -> Result<()> {
        let (_, m, linked_seq) = self.resolve(account).ok_or_else(|| not_member(account))?;
        let start = m.added_seq().max(linked_seq.unwrap_or(0));
        let in_log_window = start <= at_seq && m.revoked_seq.is_none_or(|r| at_seq < r);
        let covers = m
            .permissions_at(at_seq)
            .is_some_and(|p| p.covers(permission));
        if !(in_log_window && covers) {
            return Err(ContextError::NotAuthorized {
                key: account.to_string(),
                permission: permission.to_string(),
                seq: at_seq,
            }
            .into());
        }
        if !m.covers(at) {
            return Err(ContextError::OutsideWindow {
                key: account.to_string(),
                not_before: m.not_before,
                expires_at: m.expires_at,
                at,
            }
            .into());
        }
        Ok(())
    }

    /// See [`Context::account_member`](crate::Context::account_member).
    pub(super) fn member(&self, account: &AccountId) -> Option<AccountMemberInfo<'_>> {
        self.resolve(account)
            .map(|(primary, member, _)| AccountMemberInfo { primary, member })
    }

    /// See [`Context::primary_account`](crate::Context::primary_account).
    pub(super) fn primary(&self, account: &AccountId) -> Option<&AccountId> {
        self.resolve(account).map(|(primary, _, _)| primary)
    }

    /// The number of wallet members ever added (live and revoked).
    pub(super) fn member_count(&self) -> usize {
        self.members.len()
    }

    /// Appends the three account sections of the state bytes (FORMATS.md,
    /// "State hash"): members, aliases, revoked accounts, each a u32 count
    /// then its entries sorted by the bytes of their canonical CAIP-10 text.
    pub(super) fn write_state(&self, w: &mut CanonicalWriter) {
        fn count(w: &mut CanonicalWriter, n: usize) {
            w.u32(u32::try_from(n).unwrap_or(u32::MAX));
        }
        let mut members: Vec<(String, &AccountMember)> = self
            .members
            .iter()
            .map(|(a, m)| (a.to_string(), m))
            .collect();
        members.sort_by(|a, b| a.0.cmp(&b.0));
        count(w, members.len());
        for (account, m) in members {
            w.bytes(account.as_bytes())
                .u64(m.not_before)
                .u64(m.expires_at);
            count(w, m.history.len());
            for (seq, perms) in &m.history {
                w.u64(*seq);
                count(w, perms.len());
                for p in perms {
                    w.bytes(p.as_str().as_bytes());
                }
            }
            match m.revoked_seq {
                None => {
                    w.u8(0);
                }
                Some(seq) => {
                    w.u8(1).u64(seq);
                }
            }
        }
        let mut aliases: Vec<(String, String, u64)> = self
            .aliases
            .iter()
            .map(|(a, alias)| (a.to_string(), alias.primary.to_string(), alias.linked_seq))
            .collect();
        aliases.sort();
        count(w, aliases.len());
        for (account, primary, seq) in aliases {
            w.bytes(account.as_bytes())
                .bytes(primary.as_bytes())
                .u64(seq);
        }
        let mut revoked: Vec<String> = self.revoked.iter().map(ToString::to_string).collect();
        revoked.sort();
        count(w, revoked.len());
        for account in revoked {
            w.bytes(account.as_bytes());
        }
    }
}
