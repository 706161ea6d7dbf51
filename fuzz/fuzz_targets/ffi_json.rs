#![no_main]

// The JSON and text entry points of the C ABI (`keytree-ffi`), called
// through their `extern "C"` functions; the body lives in
// `ffi/src/harness.rs` so that `unsafe` stays in `ffi/`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| keytree_ffi::fuzz_json_entry_points(data));
