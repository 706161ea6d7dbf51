//! Generates `ffi/include/keytree.h` from the `keytree-ffi` sources with
//! cbindgen (used as a pinned library, so CI needs no `cargo install`).
//!
//! `cargo run --manifest-path ffi/header/Cargo.toml` writes the header;
//! `cargo run --manifest-path ffi/header/Cargo.toml -- --check` exits 1 if the committed
//! header differs from what the sources generate.

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let check = match std::env::args().nth(1).as_deref() {
        None => false,
        Some("--check") => true,
        Some(other) => {
            eprintln!("usage: keytree-ffi-header [--check]  (unknown argument {other:?})");
            return ExitCode::from(2);
        }
    };
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let header = crate_dir.join("include").join("keytree.h");
    let config = match cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("cannot read ffi/cbindgen.toml: {e}");
            return ExitCode::FAILURE;
        }
    };
    let bindings = match cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
    {
        Ok(b) => b,
        Err(e) => {
            eprintln!("cbindgen failed: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut generated = Vec::new();
    bindings.write(&mut generated);
    let current = std::fs::read(&header).unwrap_or_default();
    if check {
        if current == generated {
            println!("{} is up to date", header.display());
            ExitCode::SUCCESS
        } else {
            eprintln!(
                "{} differs from what the sources generate; run `cargo run --manifest-path ffi/header/Cargo.toml` and commit it",
                header.display()
            );
            if let Ok(text) = String::from_utf8(generated) {
                let old = String::from_utf8_lossy(&current);
                for (i, (a, b)) in old.lines().zip(text.lines()).enumerate() {
                    if a != b {
                        eprintln!("first difference at line {}:\n- {a}\n+ {b}", i + 1);
                        break;
                    }
                }
            }
            ExitCode::FAILURE
        }
    } else if current == generated {
        println!("{} unchanged", header.display());
        ExitCode::SUCCESS
    } else {
        match std::fs::write(&header, &generated) {
            Ok(()) => {
                println!("wrote {}", header.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("cannot write {}: {e}", header.display());
                ExitCode::FAILURE
            }
        }
    }
}
