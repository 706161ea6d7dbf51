//! keytree's C ABI.
//!
//! A small, stable C surface over the `keytree` crate: opaque handles with
//! `*_new`/`*_free` pairs, complex values as UTF-8 JSON or raw bytes, one
//! integer result code per call plus a readable last-error message. The
//! header `include/keytree.h` is generated from this crate by cbindgen
//! (`cargo run --manifest-path ffi/header/Cargo.toml`) and checked in.
//! `ffi/README.md` is the guide: build, link, ownership, error codes, a C quickstart.
//!
//! # Rules every function follows
//!
//! - Returns a `KtResult` (`KT_OK` = 0, else a stable `KT_ERR_*` code) and
//!   records a message readable with [`kt_last_error_message`] on the same
//!   thread. Panics are caught at the boundary (`KT_ERR_PANIC`).
//! - Pointers are checked: NULL where a value is required is
//!   `KT_ERR_NULL`; lengths above `KT_MAX_INPUT_LEN` and text that is not
//!   UTF-8 are `KT_ERR_ARGUMENT`. Out-parameters are set to NULL first, so
//!   they are NULL after every error.
//! - Handles are numbers from a registry, never addresses: a freed, foreign
//!   or wrong-typed handle is refused with `KT_ERR_HANDLE` and never
//!   dereferenced. `*_free` takes the address of the caller's handle
//!   variable and sets it to NULL, so freeing twice through it is a no-op.
//! - Every buffer keytree returns is a [`KtBytes`], freed with
//!   [`kt_bytes_free`]; its memory is zeroized on free (some hold secrets).
//! - Time is always an explicit `now` (Unix seconds); keytree never reads
//!   the clock behind the caller's back.
//!
//! # Thread safety
//!
//! Every handle may be used from any thread. `KtRootKey`, `KtClientKey`,
//! `KtTokenIssuer`, `KtValidator` and `KtBytes` are immutable after
//! creation and may be used from many threads at once. `KtContext` is
//! internally locked: concurrent calls on one context are serialised.
//! `KtChallengeIssuer` shares its memory nonce store between threads
//! safely (a nonce is redeemed once). The last error is per thread.

mod calls;
mod error;
mod handle;
mod harness;
mod input;

pub use harness::fuzz_json_entry_points;

use std::ffi::c_char;
use std::sync::{Mutex, PoisonError};

pub use error::{
    KT_ERR_ARGUMENT, KT_ERR_CHALLENGE, KT_ERR_CONTEXT, KT_ERR_DECODE, KT_ERR_DELEGATION,
    KT_ERR_HANDLE, KT_ERR_JSON, KT_ERR_KEY, KT_ERR_NULL, KT_ERR_OTHER, KT_ERR_PANIC,
    KT_ERR_PERMISSION, KT_ERR_SIGNATURE, KT_ERR_STORE, KT_ERR_TOKEN, KT_ERR_WALLET, KT_OK,
    KtResult,
};
pub use input::{KT_MAX_INPUT_LEN, KT_MAX_TEXT_LEN};

use error::{FfiError, FfiResult, guard, guard_value};
use input::{put_bytes, put_handle};

/// The default clock-skew leeway for token validation, in seconds.
pub const KT_DEFAULT_LEEWAY: u64 = 60;

/// A native Ed25519 root key (secret). Immutable; thread-safe.
pub struct KtRootKey {
    _private: [u8; 0],
}

/// A client key derived from a root key (secret). Immutable; thread-safe.
pub struct KtClientKey {
    _private: [u8; 0],
}

/// A context replica: members, admins, revocations and the op log.
/// Internally locked; calls on one context are serialised.
pub struct KtContext {
    _private: [u8; 0],
}

/// A token issuer holding an Ed25519 signing key (secret). Immutable;
/// thread-safe.
pub struct KtTokenIssuer {
    _private: [u8; 0],
}

/// A token validator for one issuer and audience. Immutable; share one
/// across threads.
pub struct KtValidator {
    _private: [u8; 0],
}

/// A login challenge issuer with an in-process memory nonce store.
/// Thread-safe; every nonce is redeemed at most once.
pub struct KtChallengeIssuer {
    _private: [u8; 0],
}

/// A buffer keytree returned: read it with [`kt_bytes_data`] and
/// [`kt_bytes_len`], release it with [`kt_bytes_free`] (which zeroizes it).
pub struct KtBytes {
    _private: [u8; 0],
}

fn lock_context(
    context: &Mutex<keytree::Context>,
) -> FfiResult<std::sync::MutexGuard<'_, keytree::Context>> {
    // A panic inside a context call (caught at the boundary) may have left
    // it half-changed: fail closed rather than go on with it.
    context.lock().map_err(|_: PoisonError<_>| {
        FfiError::new(
            KT_ERR_PANIC,
            "this context was poisoned by an earlier panic; import its log again",
        )
    })
}

// ---- library -----------------------------------------------------------

/// The library version, a static NUL-terminated string.
///
/// Ownership: static; never free it.
#[unsafe(no_mangle)]
pub extern "C" fn kt_version() -> *const c_char {
    const VERSION: &std::ffi::CStr = match std::ffi::CStr::from_bytes_with_nul(
        concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes(),
    ) {
        Ok(v) => v,
        Err(_) => c"unknown",
    };
    VERSION.as_ptr()
}

/// The code of this thread's last failed call, or `KT_OK` if the last call
/// succeeded.
#[unsafe(no_mangle)]
pub extern "C" fn kt_last_error_code() -> KtResult {
    error::no_panic(KT_ERR_PANIC, || error::last().0)
}

/// Copies this thread's last error message into `buf` (at most `cap - 1`
/// bytes, always NUL-terminated when `cap > 0`) and returns the message's
/// full length in bytes. Call with `buf = NULL, cap = 0` to learn the size.
///
/// Ownership: `buf` is the caller's; nothing is allocated.
///
/// # Safety
/// `buf` must be NULL or point to `cap` writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kt_last_error_message(buf: *mut c_char, cap: usize) -> usize {
    error::no_panic(0, || {
        let message = error::last().1;
        let bytes = message.as_bytes();
        if !buf.is_null() && cap > 0 && cap <= isize::MAX as usize {
            // SAFETY: `buf` is not NULL, `cap` fits in isize, and the caller
            // guarantees `cap` writable bytes there, not aliased during the call.
            let dest = unsafe { std::slice::from_raw_parts_mut(buf.cast::<u8>(), cap) };
            let n = bytes.len().min(cap - 1);
            if let (Some(head), Some(src)) = (dest.get_mut(..n), bytes.get(..n)) {
                head.copy_from_slice(src);
            }
            if let Some(end) = dest.get_mut(n) {
                *end = 0;
            }
        }
        bytes.len()
    })
}

/// A static NUL-terminated name for a result code (`"KT_ERR_TOKEN"`), or
/// `"KT_ERR_UNKNOWN"`.
///
/// Ownership: static; never free it.
#[unsafe(no_mangle)]
pub extern "C" fn kt_result_name(code: KtResult) -> *const c_char {
    error::no_panic(c"KT_ERR_UNKNOWN".as_ptr(), || {
        error::code_name(code).as_ptr()
    })
}

// ---- buffers -----------------------------------------------------------

/// The data of a buffer keytree returned, followed by one NUL byte (not
/// counted in [`kt_bytes_len`]) so text can be read as a C string. NULL for
/// a handle that is not a live `KtBytes`.
///
/// Ownership: borrowed; valid until the buffer is freed.
#[unsafe(no_mangle)]
pub extern "C" fn kt_bytes_data(bytes: *const KtBytes) -> *const u8 {
    guard_value(std::ptr::null(), || {
        let b = handle::get::<KtBytes>(bytes)?;
        // The data lives in the registry's `Arc` until `kt_bytes_free`.
        Ok(b.with_nul().as_ptr())
    })
}

/// The length in bytes of a buffer keytree returned (without the trailing
/// NUL); 0 for a handle that is not a live `KtBytes`.
#[unsafe(no_mangle)]
pub extern "C" fn kt_bytes_len(bytes: *const KtBytes) -> usize {
    guard_value(0, || Ok(handle::get::<KtBytes>(bytes)?.data().len()))
}

/// Frees a buffer and zeroizes its memory, then sets `*bytes = NULL`.
/// `*bytes == NULL` is a no-op.
///
/// # Safety
/// `bytes` must be NULL or point to a writable `KtBytes *` variable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kt_bytes_free(bytes: *mut *mut KtBytes) -> KtResult {
    // SAFETY: forwarded from this function's contract.
    guard(|| unsafe { input::free::<KtBytes>(bytes) })
}

/// The number of live handles of every type (a leak check for tests and
/// bindings).
#[unsafe(no_mangle)]
pub extern "C" fn kt_live_handles() -> usize {
    guard_value(0, || Ok(handle::live_count()))
}

// ---- root and client keys ----------------------------------------------

/// A root key from a 32-byte seed.
///
/// Ownership: the seed is copied (and the copy wiped); `*out` receives a new
/// handle, freed with [`kt_root_key_free`].
///
/// # Safety
/// `seed` must point to `seed_len` readable bytes; `out` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kt_root_key_from_seed(
    seed: *const u8,
    seed_len: usize,
    out: *mut *mut KtRootKey,
) -> KtResult {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { input::out(out, "out") }?;
        // SAFETY: forwarded from this function's contract.
        let seed = unsafe { input::bytes(seed, seed_len, "seed") }?;
        put_handle(out, calls::root_from_seed(seed)?)
    })
}

/// A new random root key from the operating system's RNG.
///
/// Ownership: `*out` receives a new handle, freed with [`kt_root_key_free`].
///
/// # Safety
/// `out` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kt_root_key_generate(out: *mut *mut KtRootKey) -> KtResult {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { input::out(out, "out") }?;
        put_handle(out, calls::root_generate())
    })
}

/// The root key's 32-byte secret seed (to store it). Handle with care.
///
/// Ownership: `*out` receives a new buffer, freed (and wiped) with
/// [`kt_bytes_free`].
///
/// # Safety
/// `out` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kt_root_key_seed(
    root: *const KtRootKey,
    out: *mut *mut KtBytes,
) -> KtResult {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { input::out(out, "out") }?;
        let root = handle::get(root)?;
        put_bytes(out, calls::root_seed(&root).as_slice())
    })
}

/// The root's public key as text, `ed25519:<base58>`.
///
/// Ownership: `*out` receives a new buffer, freed with [`kt_bytes_free`].
///
/// # Safety
/// `out` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kt_root_key_public_key(
    root: *const KtRootKey,
    out: *mut *mut KtBytes,
) -> KtResult {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { input::out(out, "out") }?;
        let root = handle::get(root)?;
        put_bytes(out, calls::root_public_key(&root).as_bytes())
    })
}

/// Derives the client key for a context (base58 id text) and rotation
/// index, deterministically (HKDF-SHA256, see FORMATS.md).
///
/// Ownership: `context_id` is borrowed for the call; `*out` receives a new
/// handle, freed with [`kt_client_key_free`].
///
/// # Safety
/// `context_id` must be a NUL-terminated string; `out` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kt_root_key_derive_client_key(
    root: *const KtRootKey,
    context_id: *const c_char,
    index: u32,
    out: *mut *mut KtClientKey,
) -> KtResult {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { input::out(out, "out") }?;
        // SAFETY: forwarded from this function's contract.
        let id = unsafe { input::c_text(context_id, "context_id") }?;
        let root = handle::get(root)?;
        put_handle(out, calls::derive_client_key(&root, id, index)?)
    })
}

/// Frees a root key (its secret is zeroized) and sets `*root = NULL`.
/// `*root == NULL` is a no-op; a stale or foreign handle is `KT_ERR_HANDLE`.
///
/// # Safety
/// `root` must be NULL or point to a writable `KtRootKey *` variable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kt_root_key_free(root: *mut *mut KtRootKey) -> KtResult {
    // SAFETY: forwarded from this function's contract.
    guard(|| unsafe { input::free::<KtRootKey>(root) })
}

/// The client key's public key as text, `ed25519:<base58>`.
///
/// Ownership: `*out` receives a new buffer, freed with [`kt_bytes_free`].
///
/// # Safety
/// `out` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kt_client_key_public_key(
    key: *const KtClientKey,
    out: *mut *mut KtBytes,
) -> KtResult {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { input::out(out, "out") }?;
        let key = handle::get(key)?;
        put_bytes(out, calls::client_public_key(&key).as_bytes())
    })
}

/// Frees a client key (its secret is zeroized) and sets `*key = NULL`.
///
/// # Safety
/// `key` must be NULL or point to a writable `KtClientKey *` variable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kt_client_key_free(key: *mut *mut KtClientKey) -> KtResult {
    // SAFETY: forwarded from this function's contract.
    guard(|| unsafe { input::free::<KtClientKey>(key) })
}

/// A new random context id, as base58 text.
///
/// Ownership: `*out` receives a new buffer, freed with [`kt_bytes_free`].
///
/// # Safety
/// `out` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kt_context_id_generate(out: *mut *mut KtBytes) -> KtResult {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { input::out(out, "out") }?;
        put_bytes(out, calls::context_id_generate().as_bytes())
    })
}

// ---- delegations -------------------------------------------------------

/// Builds a delegation from the root to a subject and signs it with the
/// root key. `request_json`:
/// `{"subject":"ed25519:…","context_id":"<base58>","permissions":["context:execute"],"not_before":<unix>,"expires_at":<unix>}`.
///
/// Ownership: the request is borrowed; `*out` receives the delegation's
/// JSON in a new buffer, freed with [`kt_bytes_free`].
///
/// # Safety
/// `request_json` must point to `request_len` readable bytes; `out` must be
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kt_delegation_sign(
    root: *const KtRootKey,
    request_json: *const u8,
    request_len: usize,
    out: *mut *mut KtBytes,
) -> KtResult {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { input::out(out, "out") }?;
        // SAFETY: forwarded from this function's contract.
        let request = unsafe { input::text(request_json, request_len, "request_json") }?;
        let root = handle::get(root)?;
        put_bytes(out, calls::delegation_sign(&root, request)?.as_bytes())
    })
}

/// Decodes a delegation's JSON strictly, verifies its signature (native or
/// wallet issuer) and its window at `now`.
///
/// Ownership: the input is borrowed; `*out` receives a summary
/// (`{"id","issuer","subject","context_id","permissions","not_before","expires_at"}`)
/// in a new buffer, freed with [`kt_bytes_free`].
///
/// # Safety
/// `json` must point to `json_len` readable bytes; `out` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kt_delegation_verify(
    json: *const u8,
    json_len: usize,
    now: u64,
    out: *mut *mut KtBytes,
) -> KtResult {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { input::out(out, "out") }?;
        // SAFETY: forwarded from this function's contract.
        let json = unsafe { input::text(json, json_len, "delegation json") }?;
        put_bytes(out, calls::delegation_verify(json, now)?.as_bytes())
    })
}

// ---- contexts ------------------------------------------------------------

/// Creates a context (its genesis op, signed by `root`, at time `now`).
///
/// Ownership: `*out` receives a new handle, freed with [`kt_context_free`].
///
/// # Safety
/// `context_id` must be a NUL-terminated string; `out` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kt_context_new(
    root: *const KtRootKey,
    context_id: *const c_char,
    now: u64,
    out: *mut *mut KtContext,
) -> KtResult {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { input::out(out, "out") }?;
        // SAFETY: forwarded from this function's contract.
        let id = unsafe { input::c_text(context_id, "context_id") }?;
        let root = handle::get(root)?;
        put_handle(out, Mutex::new(calls::context_create(&root, id, now)?))
    })
}

/// Proposes the next op of the context's log and signs it with `signer`
/// (the root or an admin's root key). `kind_json` is an op kind, e.g.
/// `{"type":"add_member","chain":[<delegation JSON>]}` or
/// `{"type":"revoke_key","key":"ed25519:…"}` (see FORMATS.md). The op is
/// not applied: pass it to [`kt_context_apply`] (here or on any replica).
///
/// Ownership: inputs are borrowed; `*out` receives the signed op's JSON in a
/// new buffer, freed with [`kt_bytes_free`].
///
/// # Safety
/// `kind_json` must point to `kind_len` readable bytes; `out` must be
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kt_context_propose(
    context: *const KtContext,
    signer: *const KtRootKey,
    kind_json: *const u8,
    kind_len: usize,
    timestamp: u64,
    out: *mut *mut KtBytes,
) -> KtResult {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { input::out(out, "out") }?;
        // SAFETY: forwarded from this function's contract.
        let kind = unsafe { input::text(kind_json, kind_len, "kind_json") }?;
        let context = handle::get(context)?;
        let signer = handle::get(signer)?;
        let op = calls::context_propose(&*lock_context(&context)?, &signer, kind, timestamp)?;
        put_bytes(out, op.as_bytes())
    })
}

/// Applies a signed op (JSON) to the context: checks the chain, the
/// signer's authority at that point of the log, and the signatures. On any
/// error the context is unchanged.
///
/// # Safety
/// `op_json` must point to `op_len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kt_context_apply(
    context: *mut KtContext,
    op_json: *const u8,
    op_len: usize,
) -> KtResult {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let op = unsafe { input::text(op_json, op_len, "op_json") }?;
        let context = handle::get(context.cast_const())?;
        calls::context_apply(&mut *lock_context(&context)?, op)
    })
}

/// Exports the context's whole log as JSON (replay it with
/// [`kt_context_import`]).
///
/// Ownership: `*out` receives a new buffer, freed with [`kt_bytes_free`].
///
/// # Safety
/// `out` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kt_context_export(
    context: *const KtContext,
    out: *mut *mut KtBytes,
) -> KtResult {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { input::out(out, "out") }?;
        let context = handle::get(context)?;
        let log = calls::context_export(&*lock_context(&context)?)?;
        put_bytes(out, log.as_bytes())
    })
}

/// Replays an exported log (every op checked) into a new context.
///
/// Ownership: the log is borrowed; `*out` receives a new handle, freed with
/// [`kt_context_free`].
///
/// # Safety
/// `log_json` must point to `log_len` readable bytes; `out` must be
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kt_context_import(
    log_json: *const u8,
    log_len: usize,
    out: *mut *mut KtContext,
) -> KtResult {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { input::out(out, "out") }?;
        // SAFETY: forwarded from this function's contract.
        let log = unsafe { input::text(log_json, log_len, "log_json") }?;
        put_handle(out, Mutex::new(calls::context_import(log)?))
    })
}

/// The sequence number of the context's last op, in `*out`.
///
/// # Safety
/// `out` must be NULL or point to a writable `uint64_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kt_context_head_seq(context: *const KtContext, out: *mut u64) -> KtResult {
    guard(|| {
        if out.is_null() {
            return Err(FfiError::null("out"));
        }
        let context = handle::get(context)?;
        let seq = calls::context_head_seq(&*lock_context(&context)?);
        // SAFETY: `out` is not NULL and the caller guarantees it is a
        // writable, aligned `uint64_t`.
        unsafe { out.write(seq) };
        Ok(())
    })
}

/// Whether `key` (`ed25519:…`) may do `permission` in this context at time
/// `now`: `KT_OK` if so, else the reason (`KT_ERR_CONTEXT` for a non-member,
/// a revoked key, a permission it does not hold or a lapsed delegation;
/// `KT_ERR_DECODE` / `KT_ERR_PERMISSION` for a malformed key or permission).
///
/// # Safety
/// `key` and `permission` must be NUL-terminated strings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kt_context_authorize(
    context: *const KtContext,
    key: *const c_char,
    permission: *const c_char,
    now: u64,
) -> KtResult {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let key = unsafe { input::c_text(key, "key") }?;
        // SAFETY: forwarded from this function's contract.
        let permission = unsafe { input::c_text(permission, "permission") }?;
        let context = handle::get(context)?;
        calls::context_authorize(&*lock_context(&context)?, key, permission, now)
    })
}

/// Whether the wallet account `account` (CAIP-10: a wallet-account member,
/// or an account linked to one) may do `permission` in this context at time
/// `now`: `KT_OK` if so, else the reason (`KT_ERR_CONTEXT` for an unknown,
/// unlinked or revoked account, a permission it does not hold or a time
/// outside its window; `KT_ERR_DECODE` / `KT_ERR_PERMISSION` for a malformed
/// account or permission).
///
/// Ownership: inputs are borrowed; nothing is returned but the code.
///
/// # Safety
/// `account` and `permission` must be NUL-terminated strings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kt_context_authorize_account(
    context: *const KtContext,
    account: *const c_char,
    permission: *const c_char,
    now: u64,
) -> KtResult {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let account = unsafe { input::c_text(account, "account") }?;
        // SAFETY: forwarded from this function's contract.
        let permission = unsafe { input::c_text(permission, "permission") }?;
        let context = handle::get(context)?;
        calls::context_authorize_account(&*lock_context(&context)?, account, permission, now)
    })
}

/// Frees a context and sets `*context = NULL`.
///
/// # Safety
/// `context` must be NULL or point to a writable `KtContext *` variable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kt_context_free(context: *mut *mut KtContext) -> KtResult {
    // SAFETY: forwarded from this function's contract.
    guard(|| unsafe { input::free::<KtContext>(context) })
}

// ---- tokens --------------------------------------------------------------

/// A token issuer named `issuer` (the `iss` claim) whose Ed25519 signing key
/// comes from a 32-byte seed.
///
/// Ownership: the seed is copied (and the copy wiped); `*out` receives a new
/// handle, freed with [`kt_token_issuer_free`].
///
/// # Safety
/// `issuer` must be a NUL-terminated string; `seed` must point to
/// `seed_len` readable bytes; `out` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kt_token_issuer_new(
    issuer: *const c_char,
    seed: *const u8,
    seed_len: usize,
    out: *mut *mut KtTokenIssuer,
) -> KtResult {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { input::out(out, "out") }?;
        // SAFETY: forwarded from this function's contract.
        let issuer = unsafe { input::c_text(issuer, "issuer") }?;
        // SAFETY: forwarded from this function's contract.
        let seed = unsafe { input::bytes(seed, seed_len, "seed") }?;
        put_handle(out, calls::token_issuer_new(issuer, seed)?)
    })
}

/// Mints a context token (compact JWS, EdDSA) for a live member of
/// `context` at time `now`. `request_json`:
/// `{"executor":"ed25519:…","audience":"api", "permissions":[…]?, "ttl":<s>?, "subject":"…"?}`.
///
/// Ownership: inputs are borrowed; `*out` receives the token text in a new
/// buffer, freed with [`kt_bytes_free`].
///
/// # Safety
/// `request_json` must point to `request_len` readable bytes; `out` must be
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kt_token_issuer_mint(
    issuer: *const KtTokenIssuer,
    context: *const KtContext,
    request_json: *const u8,
    request_len: usize,
    now: u64,
    out: *mut *mut KtBytes,
) -> KtResult {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { input::out(out, "out") }?;
        // SAFETY: forwarded from this function's contract.
        let request = unsafe { input::text(request_json, request_len, "request_json") }?;
        let issuer = handle::get(issuer)?;
        let context = handle::get(context)?;
        let token = calls::token_mint(&issuer, &*lock_context(&context)?, request, now)?;
        put_bytes(out, token.as_bytes())
    })
}

/// Mints a context token (compact JWS, EdDSA) for a live wallet-account
/// member of `context` at time `now`. `request_json`:
/// `{"account":"<CAIP-10>","audience":"api", "permissions":[…]?, "ttl":<s>?}`.
/// `account` is the member's primary account or an account linked to it;
/// the token has no `executor_public_key`, its `sub` is the primary
/// account, and a linked account is carried as `via`. There is no
/// `subject` field (`KT_ERR_JSON`). A key member is minted with
/// [`kt_token_issuer_mint`]. An account that is not a live member (unknown,
/// unlinked, revoked, outside its window) is `KT_ERR_CONTEXT`, as for a key
/// member; text that is not an account is `KT_ERR_DECODE`. Any spelling
/// of an account is accepted here (a lowercase Ethereum address too): the
/// token's `sub` is always the canonical CAIP-10 text. (Ops, unlike these
/// requests, must name accounts canonically.)
///
/// Ownership: inputs are borrowed; `*out` receives the token text in a new
/// buffer, freed with [`kt_bytes_free`].
///
/// # Safety
/// `request_json` must point to `request_len` readable bytes; `out` must be
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kt_token_issuer_mint_account(
    issuer: *const KtTokenIssuer,
    context: *const KtContext,
    request_json: *const u8,
    request_len: usize,
    now: u64,
    out: *mut *mut KtBytes,
) -> KtResult {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { input::out(out, "out") }?;
        // SAFETY: forwarded from this function's contract.
        let request = unsafe { input::text(request_json, request_len, "request_json") }?;
        let issuer = handle::get(issuer)?;
        let context = handle::get(context)?;
        let token = calls::token_mint_account(&issuer, &*lock_context(&context)?, request, now)?;
        put_bytes(out, token.as_bytes())
    })
}

/// The issuer's JWKS (RFC 7517 JSON) at time `now`, for
/// `/.well-known/jwks.json` and for [`kt_validator_new`].
///
/// Ownership: `*out` receives a new buffer, freed with [`kt_bytes_free`].
///
/// # Safety
/// `out` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kt_token_issuer_jwks(
    issuer: *const KtTokenIssuer,
    now: u64,
    out: *mut *mut KtBytes,
) -> KtResult {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { input::out(out, "out") }?;
        let issuer = handle::get(issuer)?;
        put_bytes(out, calls::token_jwks(&issuer, now).as_bytes())
    })
}

/// Frees a token issuer (its signing key is zeroized) and sets
/// `*issuer = NULL`.
///
/// # Safety
/// `issuer` must be NULL or point to a writable `KtTokenIssuer *` variable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kt_token_issuer_free(issuer: *mut *mut KtTokenIssuer) -> KtResult {
    // SAFETY: forwarded from this function's contract.
    guard(|| unsafe { input::free::<KtTokenIssuer>(issuer) })
}

/// A validator that accepts tokens from `issuer` for `audience`, signed by a
/// key of the JWKS, with `leeway` seconds of clock skew
/// (`KT_DEFAULT_LEEWAY` is 60).
///
/// Ownership: inputs are borrowed; `*out` receives a new handle, freed with
/// [`kt_validator_free`]. A validator may be shared across threads.
///
/// # Safety
/// `issuer`, `audience` must be NUL-terminated strings; `jwks_json` must
/// point to `jwks_len` readable bytes; `out` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kt_validator_new(
    issuer: *const c_char,
    audience: *const c_char,
    jwks_json: *const u8,
    jwks_len: usize,
    leeway: u64,
    out: *mut *mut KtValidator,
) -> KtResult {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { input::out(out, "out") }?;
        // SAFETY: forwarded from this function's contract.
        let issuer = unsafe { input::c_text(issuer, "issuer") }?;
        // SAFETY: forwarded from this function's contract.
        let audience = unsafe { input::c_text(audience, "audience") }?;
        // SAFETY: forwarded from this function's contract.
        let jwks = unsafe { input::text(jwks_json, jwks_len, "jwks_json") }?;
        put_handle(out, calls::validator_new(issuer, audience, jwks, leeway)?)
    })
}

/// Validates a token at time `now` (signature, algorithm, `iss`, `aud`,
/// `exp`, `nbf`, `iat`, claim types). Does not consult a context: use
/// [`kt_validator_validate_for`] for the live membership check.
///
/// Ownership: the token is borrowed; if `claims_out` is not NULL it receives
/// the claims as JSON in a new buffer, freed with [`kt_bytes_free`].
///
/// # Safety
/// `token` must point to `token_len` readable bytes; `claims_out` must be
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kt_validator_validate(
    validator: *const KtValidator,
    token: *const u8,
    token_len: usize,
    now: u64,
    claims_out: *mut *mut KtBytes,
) -> KtResult {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let claims_out = unsafe { optional_out(claims_out) }?;
        // SAFETY: forwarded from this function's contract.
        let token = unsafe { input::text(token, token_len, "token") }?;
        let validator = handle::get(validator)?;
        let validated = calls::validate(&validator, token, now)?;
        put_claims(claims_out, &validated)
    })
}

/// Validates a token at time `now` and against the live `context`: the
/// token must be bound to it, its executor key (or, for a wallet-account
/// member's token, its account, and `via` still linked to it) must be a
/// live member (not revoked, inside its window) and still hold the token's
/// permissions.
///
/// Ownership: as [`kt_validator_validate`].
///
/// # Safety
/// As [`kt_validator_validate`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kt_validator_validate_for(
    validator: *const KtValidator,
    context: *const KtContext,
    token: *const u8,
    token_len: usize,
    now: u64,
    claims_out: *mut *mut KtBytes,
) -> KtResult {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let claims_out = unsafe { optional_out(claims_out) }?;
        // SAFETY: forwarded from this function's contract.
        let token = unsafe { input::text(token, token_len, "token") }?;
        let validator = handle::get(validator)?;
        let context = handle::get(context)?;
        let validated = calls::validate_for(&validator, &*lock_context(&context)?, token, now)?;
        put_claims(claims_out, &validated)
    })
}

/// Frees a validator and sets `*validator = NULL`.
///
/// # Safety
/// `validator` must be NULL or point to a writable `KtValidator *` variable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kt_validator_free(validator: *mut *mut KtValidator) -> KtResult {
    // SAFETY: forwarded from this function's contract.
    guard(|| unsafe { input::free::<KtValidator>(validator) })
}

/// # Safety
/// `out` must be NULL or writable.
unsafe fn optional_out<'a>(out: *mut *mut KtBytes) -> FfiResult<Option<&'a mut *mut KtBytes>> {
    if out.is_null() {
        Ok(None)
    } else {
        // SAFETY: forwarded from this function's contract.
        Ok(Some(unsafe { input::out(out, "claims_out") }?))
    }
}

fn put_claims(
    slot: Option<&mut *mut KtBytes>,
    validated: &keytree::ValidatedToken,
) -> FfiResult<()> {
    match slot {
        Some(slot) => put_bytes(slot, calls::claims_json(validated)?.as_bytes()),
        None => Ok(()),
    }
}

// ---- wallets and login challenges ----------------------------------------

/// Verifies a wallet proof (JSON, see ffi/README.md) at time `now` against
/// what the server expects (`expect_json`, may be NULL with length 0:
/// `{"message"|"message_hex", "domain", "nonce"|"nonce_hex", "callback_url"}`,
/// each optional; a format that needs one refuses the proof without it).
///
/// Ownership: inputs are borrowed; `*out` receives
/// `{"account":"<CAIP-10>","chain":"…"}` in a new buffer, freed with
/// [`kt_bytes_free`].
///
/// # Safety
/// `proof_json` must point to `proof_len` readable bytes, `expect_json` to
/// `expect_len` (or be NULL with 0); `out` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kt_wallet_verify(
    proof_json: *const u8,
    proof_len: usize,
    expect_json: *const u8,
    expect_len: usize,
    now: u64,
    out: *mut *mut KtBytes,
) -> KtResult {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { input::out(out, "out") }?;
        // SAFETY: forwarded from this function's contract.
        let proof = unsafe { input::text(proof_json, proof_len, "proof_json") }?;
        let expect = if expect_json.is_null() && expect_len == 0 {
            None
        } else {
            // SAFETY: forwarded from this function's contract.
            Some(unsafe { input::text(expect_json, expect_len, "expect_json") }?)
        };
        put_bytes(out, calls::wallet_verify(proof, expect, now)?.as_bytes())
    })
}

/// A login challenge issuer for `domain` (the audience wallets sign for),
/// sealing its nonces with a 32-byte server `key` (keyed BLAKE3 MAC): issuing
/// stores nothing, and only spent nonces are remembered. Nonces are spent
/// in an in-process memory store, so a nonce is single-use within this
/// process: redeem a domain's challenges in one process (a fleet needs the
/// Rust API with a shared store). The async store API is driven
/// synchronously inside the call (no runtime).
///
/// Ownership: the key is copied (and the copy wiped); `*out` receives a new
/// handle, freed with [`kt_challenge_issuer_free`].
///
/// # Safety
/// `domain` must be a NUL-terminated string; `key` must point to `key_len`
/// readable bytes; `out` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kt_challenge_issuer_new(
    domain: *const c_char,
    key: *const u8,
    key_len: usize,
    out: *mut *mut KtChallengeIssuer,
) -> KtResult {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { input::out(out, "out") }?;
        // SAFETY: forwarded from this function's contract.
        let domain = unsafe { input::c_text(domain, "domain") }?;
        // SAFETY: forwarded from this function's contract.
        let key = unsafe { input::bytes(key, key_len, "key") }?;
        put_handle(out, calls::challenge_issuer_new(domain, key)?)
    })
}

/// Issues a login challenge for `account` (CAIP-10) at time `now`.
///
/// Ownership: `*out` receives
/// `{"nonce","account","domain","issued_at","expires_at","message":{"format","text",…}}`
/// in a new buffer, freed with [`kt_bytes_free`]. The wallet signs
/// `message.text` in the chain's own way; raw keys and ICP sign
/// `message.signing_bytes_hex` (the text in its tagged login wrapper).
///
/// # Safety
/// `account` must be a NUL-terminated string; `out` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kt_challenge_issue(
    issuer: *const KtChallengeIssuer,
    account: *const c_char,
    now: u64,
    out: *mut *mut KtBytes,
) -> KtResult {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { input::out(out, "out") }?;
        // SAFETY: forwarded from this function's contract.
        let account = unsafe { input::c_text(account, "account") }?;
        let issuer = handle::get(issuer)?;
        put_bytes(
            out,
            calls::challenge_issue(&issuer, account, now)?.as_bytes(),
        )
    })
}

/// Redeems a signed challenge (a wallet proof JSON as for
/// [`kt_wallet_verify`]) at time `now`: verifies the signature first, then
/// spends the nonce, once.
///
/// Ownership: `*out` receives `{"account","chain"}` in a new buffer, freed
/// with [`kt_bytes_free`].
///
/// # Safety
/// `proof_json` must point to `proof_len` readable bytes; `out` must be
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kt_challenge_redeem(
    issuer: *const KtChallengeIssuer,
    proof_json: *const u8,
    proof_len: usize,
    now: u64,
    out: *mut *mut KtBytes,
) -> KtResult {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { input::out(out, "out") }?;
        // SAFETY: forwarded from this function's contract.
        let proof = unsafe { input::text(proof_json, proof_len, "proof_json") }?;
        let issuer = handle::get(issuer)?;
        put_bytes(
            out,
            calls::challenge_redeem(&issuer, proof, now)?.as_bytes(),
        )
    })
}

/// Frees a challenge issuer (and its nonce store) and sets `*issuer = NULL`.
///
/// # Safety
/// `issuer` must be NULL or point to a writable `KtChallengeIssuer *`
/// variable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kt_challenge_issuer_free(issuer: *mut *mut KtChallengeIssuer) -> KtResult {
    // SAFETY: forwarded from this function's contract.
    guard(|| unsafe { input::free::<KtChallengeIssuer>(issuer) })
}

#[cfg(test)]
mod tests;
