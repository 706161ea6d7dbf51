//! Replays every committed fuzz corpus input through the fuzz targets' own
//! bodies (`fuzz/targets.rs`), so a regression on a stored input fails
//! `cargo test` on stable.

use crate::fuzz_targets as targets;
use std::path::Path;

#[test]
fn replay_fuzz_corpora() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let mut total = 0usize;
    for (name, target) in targets::TARGETS.iter().chain(targets::FEATURE_TARGETS) {
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

/// Writes the seed corpora for the foundation targets. Run by hand when the
/// formats change: `cargo test --test lib write_foundation_seed_corpora -- --ignored`.
#[test]
#[ignore = "writes files; run by hand to regenerate seeds"]
fn write_foundation_seed_corpora() {
    use keytree::{ClientKey, Delegation, OpKind, Permissions, RootKey};

    let root_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let write = |target: &str, name: &str, data: &[u8]| {
        let dir = root_dir.join(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), data).unwrap();
    };
    let mut f = crate::common::Fixture::new(42);
    let key = f.root.public_key();
    write("public_key_text", "ed25519", key.to_string().as_bytes());
    write("public_key_text", "did_key", key.to_did_key().as_bytes());
    write("public_key_text", "bad_prefix", b"secp256k1:abc");
    write("public_key_text", "bad_b58", b"ed25519:0OIl");
    let mut identity = [0u8; 32];
    identity[0] = 1; // the identity point: small order
    write(
        "public_key_text",
        "small_order",
        format!("ed25519:{}", keytree::base58_encode(&identity)).as_bytes(),
    );

    let (client, d0) = f.add_member(0, &["blob", "context:execute"]);
    let sub = ClientKey::from_bytes(&[43; 32]);
    let d1 = Delegation::builder(
        sub.public_key(),
        f.id(),
        Permissions::parse(["blob:add"]).unwrap(),
    )
    .valid_between(d0.not_before(), d0.expires_at())
    .child_of(&d0)
    .sign_as_client(&client)
    .unwrap();
    write("delegation_bytes", "root_link", &d0.to_bytes());
    write("delegation_bytes", "child_link", &d1.to_bytes());
    let mut truncated = d0.to_bytes();
    truncated.truncate(40);
    write("delegation_bytes", "truncated", &truncated);
    write(
        "delegation_json",
        "root_link",
        serde_json::to_string(&d0).unwrap().as_bytes(),
    );
    write(
        "delegation_json",
        "child_link",
        serde_json::to_string(&d1).unwrap().as_bytes(),
    );
    write("delegation_json", "not_json", b"{\"version\":1,");

    f.apply(OpKind::AddMember {
        chain: vec![d0.clone(), d1],
    })
    .unwrap();
    f.apply(OpKind::RevokeKey {
        key: client.public_key(),
    })
    .unwrap();
    let admin = RootKey::from_bytes(&[44; 32]);
    f.apply(OpKind::AddAdmin {
        key: admin.public_key(),
    })
    .unwrap();
    write(
        "context_log_json",
        "five_ops",
        f.ctx.export_json().unwrap().as_bytes(),
    );
    write("context_log_json", "empty", br#"{"version":1,"ops":[]}"#);
    for (i, op) in f.ctx.ops().iter().enumerate() {
        write(
            "context_op_json",
            &format!("op{i}"),
            serde_json::to_string(op).unwrap().as_bytes(),
        );
    }
    write(
        "context_op_json",
        "unknown_type",
        br#"{"context_id":"x","seq":1,"op":{"type":"nope"}}"#,
    );
}
