//! The fuzz harness for the C ABI's JSON entry points, kept here so that
//! the only `unsafe` calls stay in `ffi/`. The fuzz target
//! (`fuzz/fuzz_targets/ffi_json.rs`) and the stable corpus replay
//! (`ffi/tests/fuzz_replay.rs`) both call [`fuzz_json_entry_points`].

use std::ptr::null_mut;
use std::sync::LazyLock;

use crate::*;

const NOW: u64 = 1_700_000_000;

/// The fixture context's wallet-account member, so account mint requests
/// reach the minting code.
const FIXTURE_ACCOUNT: &[u8] = br#"{"type":"add_account","account":"eip155:1:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed","permissions":["context:execute"],"not_before":1700000000,"expires_at":1700086400}"#;

/// Handles the harness keeps for the whole process: a root key, a context
/// with the root as its only admin and one wallet-account member
/// ([`FIXTURE_ACCOUNT`]), a token issuer, a validator for it and
/// a challenge issuer. Held as numbers (handles are not `Send`).
struct Fixture {
    root: usize,
    context: usize,
    issuer: usize,
    validator: usize,
    challenges: usize,
}

// One block per sequence of calls on the same locals reads better here than
// one block per call; the SAFETY comment covers every call in it.
#[allow(clippy::multiple_unsafe_ops_per_block)]
fn setup() -> Option<Fixture> {
    let mut root: *mut KtRootKey = null_mut();
    let mut context: *mut KtContext = null_mut();
    let mut issuer: *mut KtTokenIssuer = null_mut();
    let mut jwks: *mut KtBytes = null_mut();
    let mut op: *mut KtBytes = null_mut();
    let mut validator: *mut KtValidator = null_mut();
    let mut challenges: *mut KtChallengeIssuer = null_mut();
    let seed = [7u8; 32];
    // SAFETY: every pointer below is a live local or a static string, and
    // lengths match their buffers.
    let ok = unsafe {
        kt_root_key_from_seed(seed.as_ptr(), seed.len(), &mut root) == KT_OK
            && kt_context_new(
                root,
                c"11111111111111111111111111111111".as_ptr(),
                NOW,
                &mut context,
            ) == KT_OK
            && kt_context_propose(
                context,
                root,
                FIXTURE_ACCOUNT.as_ptr(),
                FIXTURE_ACCOUNT.len(),
                NOW,
                &mut op,
            ) == KT_OK
            && kt_context_apply(context, kt_bytes_data(op), kt_bytes_len(op)) == KT_OK
            && kt_bytes_free(&mut op) == KT_OK
            && kt_token_issuer_new(
                c"https://auth.example".as_ptr(),
                seed.as_ptr(),
                seed.len(),
                &mut issuer,
            ) == KT_OK
            && kt_token_issuer_jwks(issuer, NOW, &mut jwks) == KT_OK
            && kt_validator_new(
                c"https://auth.example".as_ptr(),
                c"api".as_ptr(),
                kt_bytes_data(jwks),
                kt_bytes_len(jwks),
                KT_DEFAULT_LEEWAY,
                &mut validator,
            ) == KT_OK
            && kt_challenge_issuer_new(
                c"app.example.com".as_ptr(),
                seed.as_ptr(),
                seed.len(),
                &mut challenges,
            ) == KT_OK
            && kt_bytes_free(&mut jwks) == KT_OK
    };
    ok.then(|| Fixture {
        root: root.addr(),
        context: context.addr(),
        issuer: issuer.addr(),
        validator: validator.addr(),
        challenges: challenges.addr(),
    })
}

static FIXTURE: LazyLock<Option<Fixture>> = LazyLock::new(setup);

fn h<T>(n: usize) -> *mut T {
    std::ptr::without_provenance_mut(n)
}

/// Feeds `data` to one JSON (or text) entry point of the C ABI, chosen by
/// its first byte; the rest is the input. Asserts what must hold for every
/// input: no panic crosses the boundary (`KT_ERR_PANIC` is a bug), an
/// output is set exactly when the call succeeds, and every buffer returned
/// is freed again.
///
/// # Panics
/// On a broken invariant: that is the fuzzer's finding.
#[allow(
    clippy::panic,
    clippy::expect_used,
    clippy::multiple_unsafe_ops_per_block
)]
pub fn fuzz_json_entry_points(data: &[u8]) {
    let Some((&selector, input)) = data.split_first() else {
        return;
    };
    let f = FIXTURE.as_ref().expect("fixture setup failed");
    let (ptr, len) = (input.as_ptr(), input.len());
    let mut out: *mut KtBytes = null_mut();
    let mut handle: *mut KtContext = null_mut();
    // SAFETY: `ptr`/`len` describe `input`; the handles are the fixture's
    // live handles; every out-pointer is a live local.
    let code = unsafe {
        match selector % 10 {
            0 => kt_delegation_verify(ptr, len, NOW, &mut out),
            1 => kt_context_import(ptr, len, &mut handle),
            2 => {
                let mut v: *mut KtValidator = null_mut();
                let code = kt_validator_new(c"i".as_ptr(), c"a".as_ptr(), ptr, len, 60, &mut v);
                assert_eq!(code == KT_OK, !v.is_null());
                if code != KT_OK {
                    // Checked here: the free below clears the last error.
                    assert!(kt_last_error_message(std::ptr::null_mut(), 0) > 0);
                }
                assert_eq!(kt_validator_free(&mut v), KT_OK);
                code
            }
            3 => kt_wallet_verify(ptr, len, std::ptr::null(), 0, NOW, &mut out),
            4 => kt_context_propose(h(f.context), h(f.root), ptr, len, NOW, &mut out),
            5 => kt_delegation_sign(h(f.root), ptr, len, &mut out),
            6 => kt_token_issuer_mint(h(f.issuer), h(f.context), ptr, len, NOW, &mut out),
            7 => kt_challenge_redeem(h(f.challenges), ptr, len, NOW, &mut out),
            8 => kt_validator_validate(h(f.validator), ptr, len, NOW, &mut out),
            _ => kt_token_issuer_mint_account(h(f.issuer), h(f.context), ptr, len, NOW, &mut out),
        }
    };
    assert_ne!(code, KT_ERR_PANIC, "a panic reached the C boundary");
    if selector % 10 != 2 {
        assert_eq!(
            code == KT_OK,
            !out.is_null() || !handle.is_null(),
            "an output must be set exactly on success"
        );
    }
    if code != KT_OK && selector % 10 != 2 {
        // SAFETY: NULL with capacity 0 only asks for the length.
        let len = unsafe { kt_last_error_message(std::ptr::null_mut(), 0) };
        assert!(len > 0, "an error without a message");
    }
    // SAFETY: live local slots, each NULL or holding a live handle.
    unsafe {
        assert_eq!(kt_bytes_free(&mut out), KT_OK);
        assert_eq!(kt_context_free(&mut handle), KT_OK);
    }
}
