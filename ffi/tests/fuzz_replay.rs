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
        count >= 10,
        "the ffi_json corpus should seed every entry point"
    );
    println!("replayed {count} ffi_json inputs");
}

/// A stable stand-in for a short fuzzing run: every corpus input, mutated
/// (byte flips, truncations, splices with another input) by a fixed-seed
/// generator, through the same harness. It asserts what the harness
/// asserts: no panic reaches the boundary, outputs are set exactly on
/// success, and every buffer is freed.
#[test]
fn mutated_corpus_keeps_the_boundary_invariants() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/ffi_json");
    let mut inputs: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect();
    inputs.sort();
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        // xorshift64*
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    let mut runs = 0usize;
    for round in 0..500 {
        for (i, input) in inputs.iter().enumerate() {
            let mut data = input.clone();
            match next() % 4 {
                0 if data.len() > 1 => {
                    let at = 1 + (next() as usize) % (data.len() - 1);
                    data[at] ^= 1 << (next() % 8);
                }
                1 if data.len() > 1 => {
                    let keep = 1 + (next() as usize) % (data.len() - 1);
                    data.truncate(keep);
                }
                2 => {
                    let other = &inputs[(i + round + 1) % inputs.len()];
                    let from = (next() as usize) % other.len().max(1);
                    data.extend_from_slice(&other[from..]);
                }
                _ => {
                    let at = (next() as usize) % data.len().max(1);
                    data.insert(at, (next() & 0xff) as u8);
                }
            }
            keytree_ffi::fuzz_json_entry_points(&data);
            runs += 1;
        }
    }
    println!("{runs} mutated inputs");
}
