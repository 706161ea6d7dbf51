//! Unit tests of the boundary itself; the ABI end to end is tested from C
//! (`ffi/tests/*.c`) and Python (`bindings/python/tests`).

use super::*;

#[test]
fn default_leeway_matches_the_core() {
    assert_eq!(KT_DEFAULT_LEEWAY, keytree::DEFAULT_LEEWAY);
}

#[test]
fn a_panic_is_caught_and_reported() {
    #[allow(clippy::panic)]
    let code = error::guard(|| panic!("boom"));
    assert_eq!(code, KT_ERR_PANIC);
    assert_eq!(kt_last_error_code(), KT_ERR_PANIC);
    assert!(error::last().1.contains("boom"));
    // The next successful call clears it.
    let mut out: *mut KtBytes = std::ptr::null_mut();
    // SAFETY: `out` is a valid local slot.
    assert_eq!(unsafe { kt_context_id_generate(&mut out) }, KT_OK);
    assert_eq!(kt_last_error_code(), KT_OK);
    // SAFETY: `out` is a valid local slot holding a live handle.
    assert_eq!(unsafe { kt_bytes_free(&mut out) }, KT_OK);
}

#[test]
fn handles_are_typed_and_never_reused() {
    let mut root: *mut KtRootKey = std::ptr::null_mut();
    // SAFETY: `root` is a valid local slot.
    assert_eq!(unsafe { kt_root_key_generate(&mut root) }, KT_OK);
    // The same number presented as another type is refused.
    let as_bytes = root.cast::<KtBytes>();
    assert!(kt_bytes_data(as_bytes).is_null());
    assert_eq!(kt_last_error_code(), KT_ERR_HANDLE);
    let mut wrong = as_bytes;
    // SAFETY: `wrong` is a valid local slot.
    assert_eq!(unsafe { kt_bytes_free(&mut wrong) }, KT_ERR_HANDLE);
    assert_eq!(wrong, as_bytes, "a refused free leaves the slot alone");
    let stale = root;
    // SAFETY: `root` is a valid local slot.
    assert_eq!(unsafe { kt_root_key_free(&mut root) }, KT_OK);
    assert!(root.is_null());
    // SAFETY: `root` is a valid local slot holding NULL.
    let code = unsafe { kt_root_key_free(&mut root) };
    assert_eq!(code, KT_OK, "freeing NULL is a no-op");
    let mut stale_copy = stale;
    // SAFETY: a valid local slot holding a stale handle.
    assert_eq!(unsafe { kt_root_key_free(&mut stale_copy) }, KT_ERR_HANDLE);
    let mut next: *mut KtRootKey = std::ptr::null_mut();
    // SAFETY: `next` is a valid local slot.
    assert_eq!(unsafe { kt_root_key_generate(&mut next) }, KT_OK);
    assert_ne!(next, stale, "handle numbers are never reused");
    // SAFETY: as above.
    assert_eq!(unsafe { kt_root_key_free(&mut next) }, KT_OK);
}

#[test]
fn error_message_is_truncated_and_terminated() {
    let mut out: *mut KtBytes = std::ptr::null_mut();
    // SAFETY: a 3-byte seed at a valid pointer; `out` is a valid slot.
    let code = unsafe { kt_root_key_from_seed([1u8, 2, 3].as_ptr(), 3, std::ptr::null_mut()) };
    assert_eq!(code, KT_ERR_NULL);
    // SAFETY: as above.
    let code = unsafe { kt_root_key_from_seed([1u8, 2, 3].as_ptr(), 3, (&raw mut out).cast()) };
    assert_eq!(code, KT_ERR_ARGUMENT);
    // SAFETY: NULL with cap 0 only asks for the size.
    let full = unsafe { kt_last_error_message(std::ptr::null_mut(), 0) };
    assert!(full > 8);
    let mut buf = [0x7f as c_char; 8];
    // SAFETY: `buf` has 8 writable bytes.
    let n = unsafe { kt_last_error_message(buf.as_mut_ptr(), buf.len()) };
    assert_eq!(n, full);
    assert_eq!(buf[7], 0);
    let text: Vec<u8> = buf[..7].iter().map(|&c| c as u8).collect();
    assert_eq!(text, b"root ke");
}
