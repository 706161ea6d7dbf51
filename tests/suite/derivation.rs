//! Client-key derivation against the vectors made by an independent Python
//! implementation (`tests/vectors/derivation/gen_vectors.py`).

use keytree::{ContextId, RootKey};

use crate::common::{read_json, vectors_dir};

fn arr32(hex: &str) -> [u8; 32] {
    keytree::hex_decode(hex, "vector")
        .unwrap()
        .try_into()
        .unwrap()
}

#[test]
fn derivation_matches_independent_vectors() {
    let json = read_json(&vectors_dir("derivation").join("derivation.json"));
    assert_eq!(json["salt"], "keytree/v1/client-key");
    let vectors = json["vectors"].as_array().unwrap();
    assert!(vectors.len() >= 16, "need at least 16 vectors");
    for v in vectors {
        let root = RootKey::from_bytes(&arr32(v["root_seed"].as_str().unwrap()));
        assert_eq!(root.public_key().to_string(), v["root_public_key"]);
        let ctx = ContextId::from_bytes(arr32(v["context_id"].as_str().unwrap()));
        assert_eq!(ctx.to_string(), v["context_id_b58"]);
        let index = u32::try_from(v["index"].as_u64().unwrap()).unwrap();
        let client = root.derive_client_key(&ctx, index);
        assert_eq!(
            keytree::hex_encode(client.to_bytes().as_ref()),
            v["client_seed"].as_str().unwrap(),
            "seed mismatch for index {index}"
        );
        assert_eq!(client.public_key().to_string(), v["client_public_key"]);
    }
}
