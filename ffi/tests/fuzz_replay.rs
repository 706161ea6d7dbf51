//! Replays the committed corpus of the `ffi_json` fuzz target
//! (`fuzz/corpus/ffi_json`) through the same harness the fuzzer runs, so a
//! regression on a stored input fails `cargo test` on stable.

use std::path::Path;

#[test]
fn replay_ffi_json_corpus() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/ffi_json");
    let mut count = 0usize;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            keytree_ffi::fuzz_json_entry_points(&std::fs::read(&path).unwrap());
            count += 1;
        }
    }
    assert!(
        count >= 9,
        "the ffi_json corpus should seed every entry point"
    );
    println!("replayed {count} ffi_json inputs");
}
