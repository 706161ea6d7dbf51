//! Delegation chains: root → client key → sub-key, each link attenuating
//! its parent (permissions covered, window inside, same context).

use super::{DEFAULT_MAX_CHAIN_DEPTH, Delegation, Issuer};
use crate::error::{DelegationError, Result};
use crate::wallet::WalletRegistry;

/// How chains are checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChainPolicy {
    /// The longest chain accepted, root link included (default 4).
    pub max_depth: usize,
}

impl ChainPolicy {
    /// A policy with the given maximum depth.
    pub fn with_max_depth(max_depth: usize) -> Self {
        Self { max_depth }
    }
}

impl Default for ChainPolicy {
    fn default() -> Self {
        Self {
            max_depth: DEFAULT_MAX_CHAIN_DEPTH,
        }
    }
}

/// Verifies a chain `root → k1 → k2 …` at time `now` and returns its leaf.
///
/// The first link must be issued by `root` with no parent; every later link
/// must be issued by the previous link's subject, name the previous link's
/// id as parent, be for the same context, grant only permissions the
/// previous link covers, and lie inside its window. Every signature is
/// verified and every link must be valid at `now`.
///
/// # Errors
/// [`Error::Delegation`](crate::Error::Delegation) naming the rule and the link, or
/// [`Error::InvalidSignature`](crate::Error::InvalidSignature).
pub fn verify_chain<'a>(
    chain: &'a [Delegation],
    root: &Issuer,
    now: u64,
    policy: &ChainPolicy,
) -> Result<&'a Delegation> {
    let leaf = verify_chain_structure(chain, |issuer| issuer == root, policy)?;
    for link in chain {
        link.check_time(now)?;
    }
    Ok(leaf)
}

/// [`verify_chain`] for a chain whose root may be a wallet account: the
/// first link's signature is checked through `wallets` (later links are
/// always signed by native client keys).
///
/// # Errors
/// As [`verify_chain`], plus the wallet errors of
/// [`Delegation::verify_signature_with_wallets`].
pub fn verify_chain_with_wallets<'a>(
    chain: &'a [Delegation],
    root: &Issuer,
    now: u64,
    policy: &ChainPolicy,
    wallets: &WalletRegistry,
) -> Result<&'a Delegation> {
    let leaf = verify_chain_structure_with(
        chain,
        |issuer| issuer == root,
        policy,
        |first| first.verify_signature_with_wallets(wallets),
    )?;
    for link in chain {
        link.check_time(now)?;
    }
    Ok(leaf)
}

/// Everything [`verify_chain`] checks except time; `trusted_root` decides
/// whether the first link's issuer may start a chain.
pub(crate) fn verify_chain_structure<'a>(
    chain: &'a [Delegation],
    trusted_root: impl Fn(&Issuer) -> bool,
    policy: &ChainPolicy,
) -> Result<&'a Delegation> {
    verify_chain_structure_with(chain, trusted_root, policy, Delegation::verify_signature)
}

/// [`verify_chain_structure`] with every link's signature checked by
/// `verify_link` (the first link's issuer may be a wallet there; the later
/// links' issuers are always keys).
pub(crate) fn verify_chain_structure_with<'a>(
    chain: &'a [Delegation],
    trusted_root: impl Fn(&Issuer) -> bool,
    policy: &ChainPolicy,
    verify_link: impl Fn(&Delegation) -> Result<()>,
) -> Result<&'a Delegation> {
    let (first, rest) = chain.split_first().ok_or(DelegationError::EmptyChain)?;
    if chain.len() > policy.max_depth {
        return Err(DelegationError::TooDeep {
            len: chain.len(),
            max: policy.max_depth,
        }
        .into());
    }
    if !trusted_root(first.issuer()) {
        return Err(DelegationError::WrongRoot.into());
    }
    if first.parent().is_some() {
        return Err(DelegationError::BrokenChain {
            index: 0,
            reason: "the first link has a parent",
        }
        .into());
    }
    verify_link(first)?;
    let mut parent = first;
    for (offset, link) in rest.iter().enumerate() {
        let index = offset + 1;
        let broken = |reason| DelegationError::BrokenChain { index, reason };
        if link.issuer().as_key() != Some(parent.subject()) {
            return Err(broken("issuer is not the parent's subject").into());
        }
        if link.parent() != Some(&parent.id()) {
            return Err(broken("parent id does not match").into());
        }
        if link.context() != parent.context() {
            return Err(DelegationError::WrongContext.into());
        }
        if !link.permissions().is_subset_of(parent.permissions()) {
            return Err(DelegationError::Widened { index }.into());
        }
        if link.not_before() < parent.not_before() || link.expires_at() > parent.expires_at() {
            return Err(DelegationError::WindowOutsideParent { index }.into());
        }
        verify_link(link)?;
        parent = link;
    }
    Ok(parent)
}
