//! Reading arguments from C: every pointer is checked for NULL, every length
//! for range, every text for UTF-8, before anything is read through it.

use std::ffi::{CStr, c_char};

use crate::KtBytes;
use crate::error::{FfiError, FfiResult};
use crate::handle::{self, Kind, OwnedBytes};

/// The largest input (JSON, token, bytes) any call accepts: 1 MiB.
pub const KT_MAX_INPUT_LEN: usize = 1 << 20;
/// The largest NUL-terminated text argument (keys, names, ids): 4 KiB.
pub const KT_MAX_TEXT_LEN: usize = 4096;

/// `len` bytes at `ptr`. `ptr` may be NULL only when `len` is 0.
///
/// # Safety
/// When `ptr` is not NULL it must point to `len` readable bytes that stay
/// unchanged for `'a` (the length of the call).
pub(crate) unsafe fn bytes<'a>(ptr: *const u8, len: usize, what: &str) -> FfiResult<&'a [u8]> {
    if len > KT_MAX_INPUT_LEN {
        return Err(FfiError::argument(format!(
            "{what}: length {len} exceeds the maximum of {KT_MAX_INPUT_LEN} bytes"
        )));
    }
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(FfiError::null(what));
    }
    // SAFETY: `ptr` is not NULL, `len` is at most 1 MiB (so within isize),
    // and the caller guarantees `len` readable bytes at `ptr` for `'a`.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// UTF-8 text of `len` bytes at `ptr` (JSON documents, tokens).
///
/// # Safety
/// As [`bytes`].
pub(crate) unsafe fn text<'a>(ptr: *const u8, len: usize, what: &str) -> FfiResult<&'a str> {
    // SAFETY: forwarded from the caller's contract.
    let raw = unsafe { bytes(ptr, len, what) }?;
    std::str::from_utf8(raw).map_err(|_| FfiError::argument(format!("{what} is not valid UTF-8")))
}

/// A NUL-terminated UTF-8 string of at most [`KT_MAX_TEXT_LEN`] bytes.
///
/// # Safety
/// When `ptr` is not NULL it must point to a NUL-terminated string that
/// stays unchanged for `'a`.
pub(crate) unsafe fn c_text<'a>(ptr: *const c_char, what: &str) -> FfiResult<&'a str> {
    if ptr.is_null() {
        return Err(FfiError::null(what));
    }
    // SAFETY: not NULL, and the caller guarantees a NUL-terminated string.
    let raw = unsafe { CStr::from_ptr(ptr) };
    let raw = raw.to_bytes();
    if raw.len() > KT_MAX_TEXT_LEN {
        return Err(FfiError::argument(format!(
            "{what}: length {} exceeds the maximum of {KT_MAX_TEXT_LEN} bytes",
            raw.len()
        )));
    }
    std::str::from_utf8(raw).map_err(|_| FfiError::argument(format!("{what} is not valid UTF-8")))
}

/// Checks an out-parameter and sets `*out = NULL`, so that it is NULL on
/// every error path.
///
/// # Safety
/// When `out` is not NULL it must be valid for writing one pointer.
pub(crate) unsafe fn out<'a, T>(out: *mut *mut T, what: &str) -> FfiResult<&'a mut *mut T> {
    if out.is_null() {
        return Err(FfiError::null(what));
    }
    // SAFETY: not NULL, and the caller guarantees it is writable and
    // aligned for one pointer, and not aliased during the call.
    let slot = unsafe { &mut *out };
    *slot = std::ptr::null_mut();
    Ok(slot)
}

/// Hands `data` to the caller as a new [`KtBytes`] in `*slot`.
pub(crate) fn put_bytes(slot: &mut *mut KtBytes, data: &[u8]) -> FfiResult<()> {
    *slot = handle::insert::<KtBytes>(OwnedBytes::new(data))?;
    Ok(())
}

/// Hands a new handle to the caller in `*slot`.
pub(crate) fn put_handle<K: Kind>(slot: &mut *mut K, value: K::Value) -> FfiResult<()> {
    *slot = handle::insert::<K>(value)?;
    Ok(())
}

/// Frees the handle in `*slot` and sets `*slot = NULL`. `*slot == NULL` is
/// a no-op; a stale or foreign handle is refused and left in place.
///
/// # Safety
/// When `slot` is not NULL it must be valid for reading and writing one
/// pointer.
pub(crate) unsafe fn free<K: Kind>(slot: *mut *mut K) -> FfiResult<()> {
    if slot.is_null() {
        return Err(FfiError::null("handle pointer"));
    }
    // SAFETY: not NULL; the caller guarantees it is a readable, writable,
    // aligned pointer slot, not aliased during the call.
    let slot = unsafe { &mut *slot };
    handle::remove::<K>(*slot)?;
    *slot = std::ptr::null_mut();
    Ok(())
}
