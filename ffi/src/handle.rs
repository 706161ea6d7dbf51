//! The handle registry: how keytree hands out opaque handles and never
//! trusts one it is given.
//!
//! A handle is a number keytree chose (shown to C as a pointer to an opaque
//! struct), never the address of the object. Every live object sits in one
//! process-wide table, tagged with its type. A call looks its handle up
//! there: a handle that was never handed out, was already freed, or names an
//! object of another type is refused with `KT_ERR_HANDLE`, and nothing is
//! ever dereferenced. Numbers are never reused, so a stale copy of a freed
//! handle cannot reach a newer object. The table holds each object in an
//! `Arc`: a call in flight keeps its object alive even if another thread
//! frees the handle meanwhile.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex, PoisonError, RwLock};

use keytree::{
    ChallengeIssuer, ClientKey, Context, MemoryNonceStore, RootKey, TokenIssuer, TokenValidator,
};
use zeroize::Zeroizing;

use crate::error::{FfiError, FfiResult, KT_ERR_HANDLE};
use crate::{
    KtBytes, KtChallengeIssuer, KtClientKey, KtContext, KtRootKey, KtTokenIssuer, KtValidator,
};

/// Bytes keytree returns: the data, then one NUL byte (not counted in the
/// length) so that text can be read as a C string. Wiped when freed.
pub(crate) struct OwnedBytes(Zeroizing<Vec<u8>>);

impl OwnedBytes {
    pub(crate) fn new(data: &[u8]) -> Self {
        let mut v = Zeroizing::new(Vec::with_capacity(data.len().saturating_add(1)));
        v.extend_from_slice(data);
        v.push(0);
        Self(v)
    }

    /// The data, without the trailing NUL.
    pub(crate) fn data(&self) -> &[u8] {
        self.0.split_last().map_or(&[], |(_, data)| data)
    }

    /// The data followed by its NUL (what C reads).
    pub(crate) fn with_nul(&self) -> &[u8] {
        &self.0
    }
}

/// Every kind of object behind a handle.
pub(crate) enum Object {
    Root(Arc<RootKey>),
    Client(Arc<ClientKey>),
    Context(Arc<Mutex<Context>>),
    Issuer(Arc<TokenIssuer>),
    Validator(Arc<TokenValidator>),
    Challenge(Arc<ChallengeIssuer<MemoryNonceStore>>),
    Bytes(Arc<OwnedBytes>),
}

/// Ties an opaque C type to the object it stands for.
pub(crate) trait Kind {
    /// What the handle holds.
    type Value;
    /// The type's name in error messages.
    const NAME: &'static str;
    fn wrap(value: Arc<Self::Value>) -> Object;
    fn get(object: &Object) -> Option<&Arc<Self::Value>>;
}

macro_rules! kind {
    ($opaque:ty, $variant:ident, $value:ty, $name:literal) => {
        impl Kind for $opaque {
            type Value = $value;
            const NAME: &'static str = $name;
            fn wrap(value: Arc<$value>) -> Object {
                Object::$variant(value)
            }
            fn get(object: &Object) -> Option<&Arc<$value>> {
                match object {
                    Object::$variant(v) => Some(v),
                    _ => None,
                }
            }
        }
    };
}

kind!(KtRootKey, Root, RootKey, "KtRootKey");
kind!(KtClientKey, Client, ClientKey, "KtClientKey");
kind!(KtContext, Context, Mutex<Context>, "KtContext");
kind!(KtTokenIssuer, Issuer, TokenIssuer, "KtTokenIssuer");
kind!(KtValidator, Validator, TokenValidator, "KtValidator");
kind!(
    KtChallengeIssuer,
    Challenge,
    ChallengeIssuer<MemoryNonceStore>,
    "KtChallengeIssuer"
);
kind!(KtBytes, Bytes, OwnedBytes, "KtBytes");

/// Handle numbers start high and step by 16 so they look like aligned
/// pointers and are unlikely to equal a small integer passed by mistake.
const FIRST: usize = 0x1_0000;
const STEP: usize = 16;

static NEXT: AtomicUsize = AtomicUsize::new(FIRST);
static LIVE: LazyLock<RwLock<HashMap<usize, Object>>> =
    LazyLock::new(|| RwLock::new(HashMap::new()));

// The table is only locked around a lookup, an insert or a removal, none of
// which can panic halfway; a poisoned lock therefore still holds a
// consistent table.
fn read() -> std::sync::RwLockReadGuard<'static, HashMap<usize, Object>> {
    LIVE.read().unwrap_or_else(PoisonError::into_inner)
}

fn write() -> std::sync::RwLockWriteGuard<'static, HashMap<usize, Object>> {
    LIVE.write().unwrap_or_else(PoisonError::into_inner)
}

/// Registers `value` and returns its new handle.
pub(crate) fn insert<K: Kind>(value: K::Value) -> FfiResult<*mut K> {
    let id = NEXT
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
            n.checked_add(STEP)
        })
        .map_err(|_| FfiError::new(KT_ERR_HANDLE, "handle numbers exhausted"))?;
    write().insert(id, K::wrap(Arc::new(value)));
    Ok(std::ptr::without_provenance_mut(id))
}

fn unknown<K: Kind>() -> FfiError {
    FfiError::new(
        KT_ERR_HANDLE,
        format!(
            "not a live {} handle (freed, foreign or of another type)",
            K::NAME
        ),
    )
}

/// The object behind `handle`, if it is a live handle of type `K`.
pub(crate) fn get<K: Kind>(handle: *const K) -> FfiResult<Arc<K::Value>> {
    if handle.is_null() {
        return Err(FfiError::null(K::NAME));
    }
    read()
        .get(&handle.addr())
        .and_then(K::get)
        .cloned()
        .ok_or_else(unknown::<K>)
}

/// Removes `handle` from the table. NULL is a no-op; a handle that is not a
/// live `K` is refused and left alone.
pub(crate) fn remove<K: Kind>(handle: *mut K) -> FfiResult<()> {
    if handle.is_null() {
        return Ok(());
    }
    let removed = {
        let mut live = write();
        match live.get(&handle.addr()) {
            Some(object) if K::get(object).is_some() => live.remove(&handle.addr()),
            _ => None,
        }
    };
    // Dropped outside the lock: a secret's zeroizing drop runs here, or
    // later when the last call in flight lets go of it.
    match removed {
        Some(object) => {
            drop(object);
            Ok(())
        }
        None => Err(unknown::<K>()),
    }
}

/// The number of live handles (for leak checks in tests).
pub(crate) fn live_count() -> usize {
    read().len()
}
