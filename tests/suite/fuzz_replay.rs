//! Replays every committed fuzz corpus input through the fuzz targets' own
//! bodies (`fuzz/targets.rs`), so a regression on a stored input fails
//! `cargo test` on stable.

use crate::fuzz_targets as targets;
use std::path::Path;

#[test]
fn replay_fuzz_corpora() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let mut total = 0usize;
    for (name, target) in targets::TARGETS {
        let dir = root.join(name);
        let entries = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("missing corpus {}: {e}", dir.display()));
        let mut count = 0usize;
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_file() {
                let data = std::fs::read(&path).unwrap();
                target(&data);
                count += 1;
            }
        }
        assert!(count > 0, "corpus {name} is empty");
        total += count;
    }
    println!("replayed {total} corpus inputs");
}
