#!/usr/bin/env python3
"""Rebuilds ii_sig_verifier_js.json and dfx_login_chain.json from DFINITY's
source files at the commits named in PROVENANCE.md. Only constants are read
(regular expressions over the test modules); nothing is executed.

    git -C internet-identity show 5724d16faecbd038dccf56e84173e4516f629ef7:src/sig-verifier-js/src/lib.rs > ii_lib.rs
    git -C internet-identity show 0e2dbae525a055902a7f566494b2091aacd86e1a:src/sig-verifier-js/tests.ts > ii_tests.ts
    git -C sdk show 2d0c6cb952cd81fce45db114ee925d8662c66700:src/dfx/src/commands/identity/login.rs > dfx_login.rs
    git -C ic show 06dfe1cc8a08766f28ca7d38a8a282dd2cbd3432:rs/crypto/internal/crypto_lib/basic_sig/iccsa/tests/api.rs > iccsa_api.rs
    python3 extract.py ii_lib.rs ii_tests.ts dfx_login.rs iccsa_api.rs OUT_DIR
"""

import json
import re
import sys


def one(pattern, text, what):
    found = re.findall(pattern, text, re.S)
    if len(found) != 1:
        sys.exit(f"{what}: expected one match, found {len(found)}")
    return found[0]


def main(ii_lib, ii_tests, dfx_login, iccsa_api, out_dir):
    lib = open(ii_lib, encoding="utf-8").read()
    tests = open(ii_tests, encoding="utf-8").read()
    dfx = open(dfx_login, encoding="utf-8").read()
    iccsa = open(iccsa_api, encoding="utf-8").read()

    chain = json.loads(one(r'const DELEGATION_CHAIN_JSON: &str = r#"(.*?)"#;', lib, "DELEGATION_CHAIN_JSON"))
    link = chain["delegations"][0]
    expiration = int(one(r"const EXPIRATION: u64 = (\d+);", lib, "EXPIRATION"))
    if expiration != int(link["delegation"]["expiration"], 16):
        sys.exit("EXPIRATION does not match the chain's expiration")
    root_bytes = one(r"ROOT_PUBLIC_KEY_RAW = new Uint8Array\(\[(.*?)\]\)", tests, "ROOT_PUBLIC_KEY_RAW")
    root = bytes(int(b, 16) for b in re.findall(r"0x([0-9a-fA-F]{2})", root_bytes)).hex()
    if len(root) != 192:
        sys.exit("root key is not 96 bytes")
    other_root = one(r'wrong_root_pk_vec = hex::decode\("([0-9a-f]+)"\)', iccsa, "wrong_root_pk_vec")

    ii = {
        "source": "dfinity/internet-identity src/sig-verifier-js/src/lib.rs @ 5724d16faecbd038dccf56e84173e4516f629ef7 (tests: DELEGATION_CHAIN_JSON, CHALLENGE_HEX, EXPIRATION, II_CANISTER_ID, USER_PRINCIPAL_ID); root key from src/sig-verifier-js/tests.ts @ 0e2dbae525a055902a7f566494b2091aacd86e1a (ROOT_PUBLIC_KEY_RAW)",
        "description": "Internet Identity (canister fgte5-ciaaa-aaaad-aaatq-cai, mainnet) canister signature over a delegation whose 'pubkey' is a raw 96-byte challenge blob; the certificate carries a subnet delegation from the IC root key",
        "root_key_hex": root,
        "public_key_der_hex": chain["publicKey"],
        "delegation_pubkey_hex": link["delegation"]["pubkey"],
        "delegation_expiration_ns": expiration,
        "signature_hex": link["signature"],
        "ii_canister_id": one(r'const II_CANISTER_ID: &str = "([^"]+)";', lib, "II_CANISTER_ID"),
        "user_principal": one(r'const USER_PRINCIPAL_ID: &str =\s*"([^"]+)";', lib, "USER_PRINCIPAL_ID"),
        "other_root_key_hex": other_root,
        "other_root_key_source": "dfinity/ic rs/crypto/internal/crypto_lib/basic_sig/iccsa/tests/api.rs @ 06dfe1cc8a08766f28ca7d38a8a282dd2cbd3432 (should_fail_to_verify_on_wrong_root_pubkey: a valid G2 key that is not the root key)",
    }
    with open(f"{out_dir}/ii_sig_verifier_js.json", "w", encoding="utf-8") as f:
        json.dump(ii, f, indent=1)

    dfx_chain = json.loads(one(r'let s =\s*r#"(.*?)"#;', dfx, "dfx chain"))
    dfx_doc = {
        "source": "dfinity/sdk src/dfx/src/commands/identity/login.rs @ 2d0c6cb952cd81fce45db114ee925d8662c66700 (test_parse_identity_delegation)",
        "description": "Internet Identity (canister rdmx6-jaaaa-aaaaa-aaadq-cai) DelegationChain.toJSON(): one link to a P-256 session key, signed by a canister signature whose certificate has no subnet delegation and was certified by a root key other than mainnet's (see PROVENANCE.md)",
        "delegation_chain_json": json.dumps(dfx_chain, separators=(",", ":")),
        "ii_canister_id": "rdmx6-jaaaa-aaaaa-aaadq-cai",
    }
    with open(f"{out_dir}/dfx_login_chain.json", "w", encoding="utf-8") as f:
        json.dump(dfx_doc, f, indent=1)


if __name__ == "__main__":
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    main(*sys.argv[1:])
