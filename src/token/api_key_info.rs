//! The JSON form of an API key that its owner sees: in a listing, and once,
//! with the key itself, when it is created.

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::api_key::{ApiKey, ApiKeyRecord};

/// An API key as its owner sees it (`Serialize`):
///
/// ```json
/// {"id": "<24 hex>", "name": "ci", "permissions": ["api:read"],
///  "created_at": 1700000000, "expires_at": 1702592000}
/// ```
///
/// and, in the reply to its creation only ([`with_key`](Self::with_key)),
/// `"api_key": "kt_…"` first. Never the keyed hash the store keeps (the
/// record's own `Serialize` is its storage form and has it), nor the owner
/// key or audience. Made by [`ApiKeyRecord::info`].
///
/// # Example
/// ```
/// # fn ready<F: std::future::Future>(f: F) -> F::Output {
/// #     let mut f = std::pin::pin!(f);
/// #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// #     match f.as_mut().poll(&mut cx) { std::task::Poll::Ready(v) => v, _ => unreachable!() }
/// # }
/// use keytree::*;
/// let now = 1_700_000_000;
/// let root = RootKey::from_bytes(&[1; 32]);
/// let id = ContextId::from_bytes([2; 32]);
/// let mut ctx = Context::builder(id).create(&root, now)?;
/// let client = root.derive_client_key(&id, 0);
/// let grant = Delegation::builder(client.public_key(), id, Permissions::parse(["blob"])?)
///     .valid_for(now, 86_400)
///     .sign_as_root(&root)?;
/// ctx.apply(ctx.propose(OpKind::AddMember { chain: vec![grant] }, now).sign(&root))?;
/// let tokens = TokenIssuer::new("https://auth.example", TokenSigningKey::from_bytes(&[3; 32]));
/// let token = tokens.mint(&ctx, &TokenRequest::new(client.public_key(), "api"), now)?;
/// let owner = tokens.validator("api", now).build()?.validate_for(&ctx, &token, now)?;
/// let keys = ApiKeyIssuer::new("https://auth.example", &[9; 32]);
/// let store = MemoryApiKeyStore::new();
/// let (key, record) = ready(keys.create(&owner, &ApiKeyRequest::new("ci", 3600), &store, now))?;
///
/// let listed = serde_json::to_value(record.info()).unwrap();
/// assert_eq!(listed["name"], "ci");
/// assert_eq!(listed["permissions"], serde_json::json!(["blob"]));
/// assert!(listed.get("api_key").is_none() && listed.get("hash").is_none());
/// let created = serde_json::to_value(record.info().with_key(&key)).unwrap();
/// assert_eq!(created["api_key"], key.as_str());
/// assert_eq!(created["id"], listed["id"]);
/// Ok::<(), keytree::Error>(())
/// ```
#[derive(Clone, Copy)]
pub struct ApiKeyInfo<'a> {
    record: &'a ApiKeyRecord,
    key: Option<&'a ApiKey>,
}

impl core::fmt::Debug for ApiKeyInfo<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ApiKeyInfo")
            .field("record", self.record)
            .field("with_key", &self.key.is_some())
            .finish()
    }
}

impl ApiKeyRecord {
    /// The form its owner sees ([`ApiKeyInfo`]): id, name, permissions
    /// and times, without the hash.
    pub fn info(&self) -> ApiKeyInfo<'_> {
        ApiKeyInfo {
            record: self,
            key: None,
        }
    }
}

impl<'a> ApiKeyInfo<'a> {
    /// Adds the key itself, `"api_key": "kt_…"`: the reply to its creation,
    /// the only time the owner sees it.
    #[must_use]
    pub fn with_key(mut self, key: &'a ApiKey) -> Self {
        self.key = Some(key);
        self
    }
}

impl Serialize for ApiKeyInfo<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.record;
        let mut m = s.serialize_map(None)?;
        if let Some(key) = self.key {
            m.serialize_entry("api_key", key.as_str())?;
        }
        m.serialize_entry("id", r.id())?;
        m.serialize_entry("name", r.name())?;
        m.serialize_entry("permissions", r.permissions())?;
        m.serialize_entry("created_at", &r.created_at())?;
        m.serialize_entry("expires_at", &r.expires_at())?;
        m.end()
    }
}
