//! Permissions: `:`-separated names, prefix coverage and attenuation.
//!
//! A held permission covers a requested one when its segments are a prefix
//! of the requested one's segments: `blob` covers `blob` and `blob:add`, but
//! `bl` covers nothing else and `blob:add` does not cover `blob`. The single
//! name `admin` covers every permission.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, PermissionError, Result};

/// One permission name, validated.
///
/// Names are one or more segments of `[A-Za-z0-9_.-]`, joined by `:`, at most
/// [`Permission::MAX_LEN`] bytes.
///
/// # Example
/// ```
/// use keytree::Permission;
/// let held: Permission = "context:execute".parse()?;
/// assert!(held.covers(&"context:execute:transfer".parse()?));
/// assert!(!held.covers(&"context".parse()?));
/// Ok::<(), keytree::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Permission(String);

impl Permission {
    /// The longest accepted name, in bytes.
    pub const MAX_LEN: usize = 128;
    /// The permission that covers every other.
    pub const ADMIN: &'static str = "admin";

    /// Validates and wraps a name.
    ///
    /// # Errors
    /// [`Error::Permission`] for an empty name, an empty segment, whitespace
    /// or any other character outside `[A-Za-z0-9_.-]` and `:`, or a name
    /// longer than [`Permission::MAX_LEN`].
    pub fn new(name: &str) -> Result<Self> {
        if name.is_empty() {
            return Err(PermissionError::Empty.into());
        }
        if name.len() > Self::MAX_LEN {
            return Err(PermissionError::TooLong { max: Self::MAX_LEN }.into());
        }
        for segment in name.split(':') {
            if segment.is_empty() {
                return Err(PermissionError::EmptySegment(name.to_owned()).into());
            }
            if !segment
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
            {
                return Err(PermissionError::InvalidCharacter(name.to_owned()).into());
            }
        }
        Ok(Self(name.to_owned()))
    }

    /// The `admin` permission.
    pub fn admin() -> Self {
        Self(Self::ADMIN.to_owned())
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether holding `self` allows `other`.
    pub fn covers(&self, other: &Permission) -> bool {
        if self.0 == Self::ADMIN {
            return true;
        }
        match other.0.strip_prefix(self.0.as_str()) {
            Some(rest) => rest.is_empty() || rest.starts_with(':'),
            None => false,
        }
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Permission({:?})", self.0)
    }
}

impl FromStr for Permission {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::new(s)
    }
}

impl Serialize for Permission {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Permission {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::new(&s).map_err(serde::de::Error::custom)
    }
}

/// A set of permissions in canonical (sorted, duplicate-free) order.
///
/// # Example
/// ```
/// use keytree::Permissions;
/// let parent = Permissions::parse(["context:execute", "blob"])?;
/// let child = Permissions::parse(["blob:add"])?;
/// assert!(child.is_subset_of(&parent));
/// assert!(!parent.is_subset_of(&child));
/// Ok::<(), keytree::Error>(())
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Permissions(BTreeSet<Permission>);

impl Permissions {
    /// The most names one set may hold.
    pub const MAX_COUNT: usize = 64;

    /// The empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses names in any order; duplicates collapse.
    ///
    /// # Errors
    /// [`Error::Permission`] for an invalid name or more than
    /// [`Permissions::MAX_COUNT`] distinct names.
    pub fn parse<I, S>(names: I) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut set = BTreeSet::new();
        for name in names {
            set.insert(Permission::new(name.as_ref())?);
            if set.len() > Self::MAX_COUNT {
                return Err(PermissionError::TooMany {
                    max: Self::MAX_COUNT,
                }
                .into());
            }
        }
        Ok(Self(set))
    }

    /// Builds a set from validated permissions.
    ///
    /// # Errors
    /// [`Error::Permission`] for more than [`Permissions::MAX_COUNT`] names.
    pub fn from_permissions(perms: impl IntoIterator<Item = Permission>) -> Result<Self> {
        let set: BTreeSet<Permission> = perms.into_iter().collect();
        if set.len() > Self::MAX_COUNT {
            return Err(PermissionError::TooMany {
                max: Self::MAX_COUNT,
            }
            .into());
        }
        Ok(Self(set))
    }

    /// Whether some held permission covers `wanted`.
    pub fn covers(&self, wanted: &Permission) -> bool {
        self.0.iter().any(|held| held.covers(wanted))
    }

    /// Whether every permission of `self` is covered by `parent` (attenuation).
    pub fn is_subset_of(&self, parent: &Permissions) -> bool {
        self.0.iter().all(|p| parent.covers(p))
    }

    /// Refuses with the first permission of `self` that `held` does not cover.
    ///
    /// # Errors
    /// [`PermissionError::NotCovered`] naming that permission.
    pub fn require_subset_of(&self, held: &Permissions) -> Result<()> {
        match self.0.iter().find(|p| !held.covers(p)) {
            Some(p) => Err(PermissionError::NotCovered(p.0.clone()).into()),
            None => Ok(()),
        }
    }

    /// The permissions in canonical order.
    pub fn iter(&self) -> impl Iterator<Item = &Permission> {
        self.0.iter()
    }

    /// How many names the set holds.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether the set holds exactly this name.
    pub fn contains(&self, p: &Permission) -> bool {
        self.0.contains(p)
    }
}

impl fmt::Debug for Permissions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.0.iter().map(|p| &p.0)).finish()
    }
}

impl<'a> IntoIterator for &'a Permissions {
    type Item = &'a Permission;
    type IntoIter = std::collections::btree_set::Iter<'a, Permission>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl Serialize for Permissions {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter())
    }
}

/// Deserialization is strict: the names must be in canonical (sorted,
/// duplicate-free) order, so that one set has one JSON form.
impl<'de> Deserialize<'de> for Permissions {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let names = Vec::<Permission>::deserialize(d)?;
        if !names.windows(2).all(|w| matches!(w, [a, b] if a < b)) {
            return Err(serde::de::Error::custom(
                "permissions must be sorted and free of duplicates",
            ));
        }
        Self::from_permissions(names).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Permission {
        Permission::new(s).unwrap()
    }

    #[test]
    fn prefix_rules() {
        assert!(p("blob").covers(&p("blob:add")));
        assert!(p("blob").covers(&p("blob")));
        assert!(!p("bl").covers(&p("blob")));
        assert!(!p("bl").covers(&p("blob:add")));
        assert!(!p("blob:add").covers(&p("blob")));
        assert!(p("admin").covers(&p("anything:at:all")));
        assert!(!p("context:execute").covers(&p("context:members:manage")));
        assert!(!p("admins").covers(&p("blob")));
    }

    #[test]
    fn invalid_names() {
        for bad in [
            "", ":", "a:", ":a", "a::b", "a b", " a", "a\t", "é", "a/b", "a*",
        ] {
            assert!(Permission::new(bad).is_err(), "{bad:?} accepted");
        }
        assert!(Permission::new(&"a".repeat(129)).is_err());
        assert!(Permission::new(&"a".repeat(128)).is_ok());
    }

    #[test]
    fn subset_and_canonical_json() {
        let parent = Permissions::parse(["context:execute", "blob"]).unwrap();
        let child = Permissions::parse(["blob:add", "context:execute:x"]).unwrap();
        assert!(child.is_subset_of(&parent));
        assert!(!parent.is_subset_of(&child));
        assert!(Permissions::new().is_subset_of(&child));
        let json = serde_json::to_string(&parent).unwrap();
        assert_eq!(json, r#"["blob","context:execute"]"#);
        assert_eq!(serde_json::from_str::<Permissions>(&json).unwrap(), parent);
        assert!(serde_json::from_str::<Permissions>(r#"["context:execute","blob"]"#).is_err());
        assert!(serde_json::from_str::<Permissions>(r#"["blob","blob"]"#).is_err());
        assert!(serde_json::from_str::<Permissions>(r#"["bad name"]"#).is_err());
    }

    #[test]
    fn too_many() {
        let names: Vec<String> = (0..65).map(|i| format!("p{i}")).collect();
        assert!(Permissions::parse(&names).is_err());
        assert!(Permissions::parse(&names[..64]).is_ok());
    }
}
