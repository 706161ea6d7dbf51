//! Result codes, the thread-local last error, and the panic boundary that
//! every entry point goes through.

use std::any::Any;
use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// The result of every fallible keytree call: [`KT_OK`] or one of the
/// `KT_ERR_*` codes. The numbers are stable: a code is never renumbered or
/// reused, new kinds get new numbers.
pub type KtResult = i32;

/// Success.
pub const KT_OK: KtResult = 0;
/// A required pointer argument was NULL.
pub const KT_ERR_NULL: KtResult = 1;
/// An argument was out of range: a length too large, text that is not
/// UTF-8, a seed of the wrong size.
pub const KT_ERR_ARGUMENT: KtResult = 2;
/// A handle that keytree did not hand out, was already freed, or is of
/// another type.
pub const KT_ERR_HANDLE: KtResult = 3;
/// keytree panicked; the panic was caught at the boundary and nothing was
/// changed that the caller can see. Please report it.
pub const KT_ERR_PANIC: KtResult = 4;
/// JSON that is malformed or does not have the documented shape.
pub const KT_ERR_JSON: KtResult = 5;
/// A signature (or MAC) did not verify. Deliberately carries no detail.
pub const KT_ERR_SIGNATURE: KtResult = 10;
/// A value (text, bytes, or a JSON field) could not be decoded.
pub const KT_ERR_DECODE: KtResult = 11;
/// A public key was refused (weak, small-order, not on the curve).
pub const KT_ERR_KEY: KtResult = 12;
/// A permission name or set was refused, or is not covered.
pub const KT_ERR_PERMISSION: KtResult = 13;
/// A delegation or delegation chain was refused.
pub const KT_ERR_DELEGATION: KtResult = 14;
/// A context operation or query was refused (not a member, revoked, …).
pub const KT_ERR_CONTEXT: KtResult = 15;
/// A wallet proof was refused.
pub const KT_ERR_WALLET: KtResult = 16;
/// A token was refused or could not be minted.
pub const KT_ERR_TOKEN: KtResult = 17;
/// A login challenge was refused or could not be issued.
pub const KT_ERR_CHALLENGE: KtResult = 18;
/// A store failed; nothing was accepted.
pub const KT_ERR_STORE: KtResult = 19;
/// An error of a kind newer than this build of the ABI knows by number.
pub const KT_ERR_OTHER: KtResult = 99;

/// An error on its way to the caller: a stable code and a readable message.
#[derive(Debug)]
pub(crate) struct FfiError {
    pub(crate) code: KtResult,
    pub(crate) message: String,
}

impl FfiError {
    pub(crate) fn new(code: KtResult, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub(crate) fn null(what: &str) -> Self {
        Self::new(KT_ERR_NULL, format!("{what} is NULL"))
    }

    pub(crate) fn argument(message: impl Into<String>) -> Self {
        Self::new(KT_ERR_ARGUMENT, message)
    }

    pub(crate) fn json(what: &str, e: &serde_json::Error) -> Self {
        Self::new(KT_ERR_JSON, format!("invalid {what} JSON: {e}"))
    }
}

impl From<keytree::Error> for FfiError {
    fn from(e: keytree::Error) -> Self {
        use keytree::Error as E;
        let code = match &e {
            E::InvalidSignature => KT_ERR_SIGNATURE,
            E::Decode { .. } => KT_ERR_DECODE,
            E::InvalidKey(_) => KT_ERR_KEY,
            E::Permission(_) => KT_ERR_PERMISSION,
            E::Delegation(_) => KT_ERR_DELEGATION,
            E::Context(_) => KT_ERR_CONTEXT,
            E::Wallet(_) => KT_ERR_WALLET,
            E::Token(_) => KT_ERR_TOKEN,
            E::Challenge(_) => KT_ERR_CHALLENGE,
            E::StoreUnavailable(_) => KT_ERR_STORE,
            _ => KT_ERR_OTHER,
        };
        Self::new(code, e.to_string())
    }
}

pub(crate) type FfiResult<T> = Result<T, FfiError>;

thread_local! {
    static LAST_ERROR: RefCell<(KtResult, String)> = const { RefCell::new((KT_OK, String::new())) };
}

fn set_last(code: KtResult, message: String) {
    // `try_with`: during thread teardown the slot may be gone; the code is
    // still returned to the caller.
    let _ = LAST_ERROR.try_with(|slot| {
        if let Ok(mut slot) = slot.try_borrow_mut() {
            *slot = (code, message);
        }
    });
}

fn clear_last() {
    let _ = LAST_ERROR.try_with(|slot| {
        if let Ok(mut slot) = slot.try_borrow_mut()
            && slot.0 != KT_OK
        {
            slot.0 = KT_OK;
            slot.1.clear();
        }
    });
}

/// The code and message of this thread's last failed call (or `KT_OK` and
/// an empty message after a successful one).
pub(crate) fn last() -> (KtResult, String) {
    LAST_ERROR
        .try_with(|slot| slot.try_borrow().map(|s| s.clone()).unwrap_or_default())
        .unwrap_or_default()
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    let detail = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_owned());
    format!("keytree panicked (caught at the C boundary): {detail}")
}

/// The panic boundary: runs `body`, records its error (or the caught panic)
/// as this thread's last error, and returns the code.
pub(crate) fn guard(body: impl FnOnce() -> FfiResult<()>) -> KtResult {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => {
            clear_last();
            KT_OK
        }
        Ok(Err(e)) => {
            let code = e.code;
            set_last(code, e.message);
            code
        }
        Err(payload) => {
            set_last(KT_ERR_PANIC, panic_message(payload.as_ref()));
            KT_ERR_PANIC
        }
    }
}

/// The panic boundary for the few calls that return a value instead of a
/// code: `fallback` on error or panic (the error is recorded as usual).
pub(crate) fn guard_value<T>(fallback: T, body: impl FnOnce() -> FfiResult<T>) -> T {
    let mut out = None;
    let code = guard(|| {
        out = Some(body()?);
        Ok(())
    });
    match out {
        Some(v) if code == KT_OK => v,
        _ => fallback,
    }
}

/// The panic boundary for the calls that read the last error (and so must
/// not change it): `fallback` if `body` panics.
pub(crate) fn no_panic<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

/// A static, NUL-terminated name for a result code (`"KT_ERR_TOKEN"`).
pub(crate) fn code_name(code: KtResult) -> &'static std::ffi::CStr {
    match code {
        KT_OK => c"KT_OK",
        KT_ERR_NULL => c"KT_ERR_NULL",
        KT_ERR_ARGUMENT => c"KT_ERR_ARGUMENT",
        KT_ERR_HANDLE => c"KT_ERR_HANDLE",
        KT_ERR_PANIC => c"KT_ERR_PANIC",
        KT_ERR_JSON => c"KT_ERR_JSON",
        KT_ERR_SIGNATURE => c"KT_ERR_SIGNATURE",
        KT_ERR_DECODE => c"KT_ERR_DECODE",
        KT_ERR_KEY => c"KT_ERR_KEY",
        KT_ERR_PERMISSION => c"KT_ERR_PERMISSION",
        KT_ERR_DELEGATION => c"KT_ERR_DELEGATION",
        KT_ERR_CONTEXT => c"KT_ERR_CONTEXT",
        KT_ERR_WALLET => c"KT_ERR_WALLET",
        KT_ERR_TOKEN => c"KT_ERR_TOKEN",
        KT_ERR_CHALLENGE => c"KT_ERR_CHALLENGE",
        KT_ERR_STORE => c"KT_ERR_STORE",
        KT_ERR_OTHER => c"KT_ERR_OTHER",
        _ => c"KT_ERR_UNKNOWN",
    }
}
