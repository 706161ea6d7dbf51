#!/usr/bin/env python3
"""Deterministic generator of keytree wire-format test vectors.

    python3 gen_vectors.py [--out DIR]   write <section>.json files into DIR
    python3 gen_vectors.py --check [--out DIR]
                                          regenerate in memory, exit 1 if any
                                          file in DIR differs or is missing

No randomness, no clock: every seed, serial, nonce and time is fixed below.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import keytree_formats as kf
from keytree_formats import b58encode, b64u, key_text

HERE = os.path.dirname(os.path.abspath(__file__))

# FORMATS.md commit the vectors were written against (see PROVENANCE.md).
SPEC_COMMIT = "49abfc4c67cc7d35acdf23740c3bfa38cc0b3e4b"
# FORMATS.md commit of the files added later (challenge_nonce, stored_op,
# api_key); the earlier files keep SPEC_COMMIT so they stay byte-identical.
SPEC_COMMIT_2 = "2ea1b49e2f57a85fcbdabacf5ff9fbf9a2efb415"
# FORMATS.md commit of account_ops.json (wallet members, §9 kinds 7-11 and
# §12 fields 12-14; written on the keytree side, see PROVENANCE.md).
SPEC_COMMIT_3 = "f7bca67f17864c8e9d78cf6becdf876126be0873"


def seed(b: int) -> bytes:
    return bytes([b]) * 32


ROOT_SEED = seed(0x01)
CONTEXT_ID = seed(0x02)
SUB_SEED = seed(0x03)
ADMIN_SEED = seed(0x04)
ADMIN2_SEED = seed(0x05)
TOKEN_SEED = seed(0x06)
SECP_SECRET = seed(0x08)
WALLET_ED_SEED = seed(0x09)

CLIENT_SEED = kf.derive_client_seed(ROOT_SEED, CONTEXT_ID, 0)
ROOT = kf.ed25519_public(ROOT_SEED)
CLIENT = kf.ed25519_public(CLIENT_SEED)
SUB = kf.ed25519_public(SUB_SEED)
ADMIN = kf.ed25519_public(ADMIN_SEED)
ADMIN2 = kf.ed25519_public(ADMIN2_SEED)

SERIAL_A = bytes(range(16))
SERIAL_F = b"\xff" * 16
T0 = 1700000000

SEEDS_BY_PUB = {kf.ed25519_public(s): s for s in
                [ROOT_SEED, CLIENT_SEED, SUB_SEED, ADMIN_SEED, ADMIN2_SEED, TOKEN_SEED, WALLET_ED_SEED]}


def h(b: bytes) -> str:
    return b.hex()


def doc(section, cases, spec_commit=SPEC_COMMIT):
    return {"format": section, "spec_commit": spec_commit, "cases": cases}


# ---------------------------------------------------------------- §4

def gen_key_texts():
    cases = []
    for name, sd in [("root", ROOT_SEED), ("client", CLIENT_SEED), ("sub", SUB_SEED), ("admin", ADMIN_SEED),
                     ("token-issuer", TOKEN_SEED), ("wallet-ed25519", WALLET_ED_SEED)]:
        pub = kf.ed25519_public(sd)
        assert kf.parse_key_text(key_text(pub)) == pub == kf.parse_key_text(kf.did_key_text(pub))
        cases.append({"name": f"public-key-{name}", "inputs": {"seed_hex": h(sd)},
                      "expected": {"public_key_hex": h(pub), "ed25519_text": key_text(pub),
                                   "multicodec_key_hex": h(b"\xed\x01" + pub),
                                   "did_key_text": kf.did_key_text(pub)}})
    # a public key whose first byte is 0x00 (base58 leading '1')
    i = 0
    while True:
        sd = kf.sha256(b"keytree-vectors leading zero " + str(i).encode())
        pub = kf.ed25519_public(sd)
        if pub[0] == 0:
            break
        i += 1
    assert key_text(pub).startswith("ed25519:1")
    cases.append({"name": "public-key-leading-zero-byte", "inputs": {"seed_hex": h(sd)},
                  "expected": {"public_key_hex": h(pub), "ed25519_text": key_text(pub),
                               "multicodec_key_hex": h(b"\xed\x01" + pub),
                               "did_key_text": kf.did_key_text(pub)}})
    for name, raw in [("context-id-0x02", CONTEXT_ID), ("all-zero", bytes(32)),
                      ("leading-zeros", bytes(3) + bytes(range(1, 30))), ("all-ff", b"\xff" * 32)]:
        t = b58encode(raw)
        assert kf.b58decode(t, 32) == raw
        cases.append({"name": f"id-{name}", "inputs": {"id_hex": h(raw)}, "expected": {"id_text": t}})
    for name, sig in [("signature-bytes", bytes(range(64))), ("signature-ff", b"\xff" * 64)]:
        cases.append({"name": f"b64u-{name}", "inputs": {"signature_hex": h(sig)},
                      "expected": {"signature_text": b64u(sig)}})
    # strict decoding (§1, §4): each text must be refused
    good = b58encode(CONTEXT_ID)
    rejects = [
        ("reject-base58-33-bytes", "id_text", "1" + good),
        ("reject-base58-31-bytes", "id_text", b58encode(CONTEXT_ID[:31])),
        ("reject-base58-bad-character", "id_text", "0" + good[1:]),
        ("reject-ed25519-text-31-bytes", "key_text", "ed25519:" + b58encode(ROOT[:31])),
        ("reject-did-key-wrong-multicodec", "key_text", "did:key:z" + b58encode(b"\xe7\x01" + ROOT)),
        ("reject-base64url-padding", "signature_text", b64u(bytes(range(64))) + "=="),
        ("reject-base64url-nonzero-trailing-bits", "signature_text", b64u(bytes(range(64)))[:-1] + "B"),
        ("reject-base64url-standard-alphabet", "signature_text", b64u(b"\xff" * 64).replace("_", "/")),
    ]
    for name, kind, text in rejects:
        try:
            if kind == "id_text":
                kf.b58decode(text, 32)
            elif kind == "key_text":
                kf.parse_key_text(text)
            else:
                assert len(kf.b64u_decode(text)) == 64
            raise AssertionError(f"{name} accepted")
        except kf.FormatError:
            pass
        cases.append({"name": name, "inputs": {kind: text}, "expected": {"accepted": False}})
    return doc("key_texts", cases)


# ---------------------------------------------------------------- §5

def gen_derivation():
    cases = []
    for name, root, ctx, idx in [("spec-index-0", ROOT_SEED, CONTEXT_ID, 0), ("spec-index-1", ROOT_SEED, CONTEXT_ID, 1),
                                 ("index-7", ROOT_SEED, CONTEXT_ID, 7),
                                 ("other-context", ROOT_SEED, seed(0xAB), 0),
                                 ("other-root-max-index", seed(0x0A), CONTEXT_ID, 0xFFFFFFFF)]:
        okm = kf.derive_client_seed(root, ctx, idx)
        cases.append({"name": name,
                      "inputs": {"root_seed_hex": h(root), "context_id_hex": h(ctx), "index": idx},
                      "expected": {"salt_hex": h(kf.CLIENT_KEY_SALT), "info_hex": h(ctx + kf.u32(idx)),
                                   "client_seed_hex": h(okm),
                                   "client_public_key_hex": h(kf.ed25519_public(okm)),
                                   "client_public_key_text": key_text(kf.ed25519_public(okm))}})
    return doc("derivation", cases)


# ---------------------------------------------------------------- §7

def spec_root_delegation():
    return kf.Delegation(ROOT, CLIENT, CONTEXT_ID, ["blob", "context:execute"], T0, T0 + 86400, SERIAL_A
                         ).sign_native(ROOT_SEED)


def spec_child_delegation():
    parent = spec_root_delegation()
    return kf.Delegation(CLIENT, SUB, CONTEXT_ID, ["blob:read"], T0 + 60, T0 + 3600, SERIAL_F, parent.id()
                         ).sign_native(CLIENT_SEED)


def delegation_case(name, d: kf.Delegation, issuer_seed: bytes):
    signed = d.signed_bytes()
    js = d.to_json()
    back = kf.Delegation.from_json(js)
    assert back.binary() == d.binary()
    return {
        "name": name,
        "inputs": {"issuer_seed_hex": h(issuer_seed), "issuer_hex": h(d.issuer), "issuer": key_text(d.issuer),
                   "subject": key_text(d.subject),
                   "subject_hex": h(d.subject), "context_id_hex": h(d.context_id), "permissions": d.permissions,
                   "not_before": d.not_before, "expires_at": d.expires_at, "serial_hex": h(d.serial),
                   "parent_hex": None if d.parent is None else h(d.parent)},
        "expected": {"signed_bytes_hex": h(signed), "id_hex": h(d.id()), "id": b58encode(d.id()),
                     "signature_hex": h(d.signature), "binary_hex": h(d.binary()), "json": js},
    }


def gen_delegation():
    root = spec_root_delegation()
    child = spec_child_delegation()
    cases = [delegation_case("spec-root-to-client", root, ROOT_SEED),
             delegation_case("spec-client-to-sub-chained", child, CLIENT_SEED)]
    perms = kf.sort_permissions(["context:execute", "Blob", "a-b.c_d", "blob:add", "blob"])
    d = kf.Delegation(ROOT, ADMIN, CONTEXT_ID, perms, 0, kf.MAX_TIMESTAMP, SERIAL_F).sign_native(ROOT_SEED)
    cases.append(delegation_case("sorted-permissions-extreme-window", d, ROOT_SEED))
    d = kf.Delegation(ADMIN, CLIENT, CONTEXT_ID, [], T0, T0 + 1, bytes(16)).sign_native(ADMIN_SEED)
    cases.append(delegation_case("admin-issued-empty-permissions", d, ADMIN_SEED))
    d = kf.Delegation(SUB, ADMIN2, CONTEXT_ID, ["blob:read"], T0 + 120, T0 + 1800, bytes(range(16, 32)),
                      child.id()).sign_native(SUB_SEED)
    cases.append(delegation_case("third-link-chained", d, SUB_SEED))
    # JSON forms that must be refused (§1, §6, §7)
    good = root.to_json_obj()
    variants = []
    o = dict(good); o["permissions"] = ["context:execute", "blob"]
    variants.append(("reject-json-unsorted-permissions", o))
    o = dict(good); o["permissions"] = ["blob", "blob", "context:execute"]
    variants.append(("reject-json-duplicate-permission", o))
    o = dict(good); o["extra"] = 1
    variants.append(("reject-json-unknown-member", o))
    o = dict(good); del o["parent"]
    variants.append(("reject-json-missing-parent-member", o))
    o = dict(good); o["version"] = 2
    variants.append(("reject-json-version-2", o))
    o = dict(good); o["not_before"] = o["not_before"] + 1
    variants.append(("reject-json-bad-signature", o))
    o = dict(good); o["subject"] = kf.did_key_text(CLIENT)
    variants.append(("reject-json-did-key-subject", o))
    o = dict(good); o["serial"] = o["serial"].upper()
    variants.append(("reject-json-uppercase-serial", o))
    for name, o in variants:
        js = kf.json_dumps(o)
        try:
            kf.Delegation.from_json(js)
            raise AssertionError(f"{name} accepted")
        except (kf.FormatError, ValueError):
            pass
        cases.append({"name": name, "inputs": {"json": js}, "expected": {"accepted": False}})
    js = good_json = root.to_json()
    dup = good_json[:-1] + ',"version":1}'
    try:
        kf.Delegation.from_json(dup)
        raise AssertionError("dup accepted")
    except kf.FormatError:
        pass
    cases.append({"name": "reject-json-duplicate-member", "inputs": {"json": dup}, "expected": {"accepted": False}})
    return doc("delegation", cases)


# ---------------------------------------------------------------- §8

def wallet_cases():
    """One wallet-issued delegation per chain of the §8 table."""
    ed_pub = kf.ed25519_public(WALLET_ED_SEED)
    der = kf.ed25519_der_spki(ed_pub)
    chains = [
        ("eip155", "eip155:1:" + kf.eth_address(SECP_SECRET), "secp256k1_secret_hex", SECP_SECRET),
        ("near", "near:mainnet:alice.near", "ed25519_seed_hex", WALLET_ED_SEED),
        ("stellar", "stellar:pubnet:" + kf.stellar_address(ed_pub), "ed25519_seed_hex", WALLET_ED_SEED),
        ("solana", "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp:" + b58encode(ed_pub), "ed25519_seed_hex",
         WALLET_ED_SEED),
        ("rawkey-ed25519", "rawkey:ed25519:" + ed_pub.hex(), "ed25519_seed_hex", WALLET_ED_SEED),
        ("rawkey-secp256k1", "rawkey:secp256k1:" + kf.secp_compressed(SECP_SECRET).hex(), "secp256k1_secret_hex",
         SECP_SECRET),
        ("icp", "icp:mainnet:" + kf.icp_self_authenticating_principal(der), "ed25519_seed_hex", WALLET_ED_SEED),
    ]
    out = []
    for chain, account, key_name, secret in chains:
        variants = [("", ["blob", "context:execute"], T0, T0 + 86400, SERIAL_A)]
        if chain == "eip155":
            variants.append(("-no-permissions", [], T0 + 3600, T0 + 7200, SERIAL_F))
        for suffix, perms, nb, ea, serial in variants:
            d = kf.Delegation(account, CLIENT, CONTEXT_ID, perms, nb, ea, serial)
            stmt = kf.wallet_statement(d)
            sb = stmt.encode()
            exp = {"statement": stmt, "statement_hex": h(sb)}
            if chain == "eip155":
                exp["eip191_message_hex"] = h(kf.eip191_message(sb))
                exp["eip191_hash_hex"] = h(kf.eip191_hash(sb))
                sig = kf.eth_personal_sign(secret, sb)
                assert kf.eth_recover(kf.eip191_hash(sb), sig) == account.split(":")[2]
            elif chain == "near":
                nb_ = kf.nep413_bytes(stmt, d.id(), "keytree")
                exp["nep413_bytes_hex"] = h(nb_)
                exp["nep413_hash_hex"] = h(kf.sha256(nb_))
                sig = ed_pub + kf.ed25519_sign(secret, kf.sha256(nb_))
            elif chain == "stellar":
                exp["sep53_hash_hex"] = h(kf.sep53_hash(sb))
                sig = kf.ed25519_sign(secret, kf.sep53_hash(sb))
            elif chain in ("solana", "rawkey-ed25519"):
                sig = kf.ed25519_sign(secret, sb)
            elif chain == "rawkey-secp256k1":
                exp["sha256_hex"] = h(kf.sha256(sb))
                r, s, _ = kf.secp_sign_prehash(secret, kf.sha256(sb))
                sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
                assert kf.secp_verify_prehash(kf.secp_compressed(secret), kf.sha256(sb), sig)
            elif chain == "icp":
                exp["der_spki_hex"] = h(der)
                inner = kf.ed25519_sign(secret, sb)
                exp["identity_signature_hex"] = h(inner)
                sig = kf.icp_statement_signature(der, inner)
            d.signature = sig
            exp.update({"signed_bytes_hex": h(d.signed_bytes()), "id_hex": h(d.id()), "id": b58encode(d.id()),
                        "signature_hex": h(sig), "binary_hex": h(d.binary()), "json": d.to_json()})
            out.append({"name": f"{chain}{suffix}",
                        "inputs": {"chain": chain, key_name: h(secret), "issuer": account,
                                   "subject": key_text(CLIENT), "subject_hex": h(CLIENT),
                                   "context_id_hex": h(CONTEXT_ID), "permissions": perms, "not_before": nb,
                                   "expires_at": ea, "serial_hex": h(serial), "parent_hex": None},
                        "expected": exp})
    return out


def gen_wallet_statement():
    return doc("wallet_statement", wallet_cases())


# ---------------------------------------------------------------- §9 / §10 / §12

def spec_ops():
    """The seven ops of FORMATS.md §9 (the §10 log)."""
    root_d = spec_root_delegation()
    child_d = spec_child_delegation()
    plan = [
        (T0, dict(type="genesis", root=ROOT, admins=[ADMIN], threshold=1, max_chain_depth=4), [ROOT_SEED]),
        (T0 + 10, dict(type="add_member", chain=[root_d]), [ROOT_SEED]),
        (T0 + 20, dict(type="set_permissions", member=CLIENT, permissions=["context:execute"]), [ADMIN_SEED]),
        (T0 + 30, dict(type="add_admin", key=ADMIN2), [ROOT_SEED, ADMIN_SEED]),
        (T0 + 40, dict(type="remove_admin", key=ADMIN2), [ROOT_SEED]),
        (T0 + 50, dict(type="revoke_delegation", id=child_d.id()), [ROOT_SEED]),
        (T0 + 60, dict(type="revoke_key", key=CLIENT), [ROOT_SEED]),
    ]
    return build_ops(CONTEXT_ID, plan)


ETH = "eip155:1:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
NEAR = "near:mainnet:alice.near"
XLM = "stellar:pubnet:GBXFXNDLV4LSWA4VB7YIL5GBD7BVNR22SGBTDKMO2SBZZHDXSKZYCP7L"
SOL = "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp:7S3P4HxJpyyigGzodYwHtCxZyUQe9JiBMHyRWXArAaKv"


def account_plan():
    """The wallet-member ops of FORMATS.md §9 (seq 7-13), after the spec log."""
    return [
        dict(type="add_account", account=ETH, permissions=["blob", "context:execute"], not_before=T0,
             expires_at=T0 + 86400),
        dict(type="link_account", member=ETH, account=NEAR),
        dict(type="set_account_permissions", account=ETH, permissions=["context:execute"]),
        dict(type="add_account", account=XLM, permissions=["blob"], not_before=T0 + 100, expires_at=T0 + 3600),
        dict(type="link_account", member=XLM, account=SOL),
        dict(type="unlink_account", account=NEAR),
        dict(type="revoke_account", account=SOL),
    ]


def account_ops():
    """The spec log continued with the wallet-member ops (14 ops)."""
    ops = spec_ops()
    prev = ops[-1][0].hash()
    for i, body in enumerate(account_plan()):
        op = kf.Op(CONTEXT_ID, len(ops), prev, T0 + 70 + 10 * i, body).sign([ROOT_SEED])
        ops.append((op, [ROOT_SEED]))
        prev = op.hash()
    return ops


def second_ops():
    """A second small log: 2 admins besides the root, threshold 2, a 2-link
    member chain, extra signatures beyond the threshold."""
    ctx = seed(0x0B)
    d1 = kf.Delegation(ROOT, CLIENT, ctx, ["admin"], T0, T0 + 86400, SERIAL_A).sign_native(ROOT_SEED)
    d2 = kf.Delegation(CLIENT, SUB, ctx, ["blob", "blob:add"], T0 + 5, T0 + 600, SERIAL_F, d1.id()
                       ).sign_native(CLIENT_SEED)
    admins = sorted([ADMIN, ADMIN2])
    plan = [
        (T0, dict(type="genesis", root=ROOT, admins=admins, threshold=2, max_chain_depth=64), [ROOT_SEED]),
        (T0 + 10, dict(type="add_member", chain=[d1, d2]), [ADMIN_SEED, ADMIN2_SEED]),
        (T0 + 10, dict(type="set_permissions", member=SUB, permissions=[]), [ROOT_SEED, ADMIN_SEED, ADMIN2_SEED]),
        (T0 + 20, dict(type="set_permissions", member=SUB, permissions=["blob"]), [ROOT_SEED, ADMIN2_SEED]),
    ]
    return build_ops(ctx, plan)


def build_ops(ctx, plan):
    ops, prev = [], bytes(32)
    for seq, (t, body, signers) in enumerate(plan):
        op = kf.Op(ctx, seq, prev, t, body).sign(signers)
        ops.append((op, signers))
        prev = op.hash()
    return ops


def op_inputs(op: kf.Op, signers):
    b = op.body
    fields = {"type": b["type"]}
    if b["type"] == "genesis":
        fields.update(root_hex=h(b["root"]), admins_hex=[h(a) for a in b["admins"]], threshold=b["threshold"],
                      max_chain_depth=b["max_chain_depth"])
    elif b["type"] == "add_member":
        fields["chain_binary_hex"] = [h(d.binary()) for d in b["chain"]]
    elif b["type"] == "set_permissions":
        fields.update(member_hex=h(b["member"]), permissions=b["permissions"])
    elif b["type"] == "revoke_delegation":
        fields["id_hex"] = h(b["id"])
    elif b["type"] in kf.ACCOUNT_OPS:
        fields.update({k: v for k, v in b.items() if k != "type"})
    else:
        fields["key_hex"] = h(b["key"])
    return {"context_id_hex": h(op.context_id), "seq": op.seq, "prev_hex": h(op.prev), "timestamp": op.timestamp,
            "op": fields, "signer_seeds_hex": [h(s) for s in signers]}


def op_case(name, op, signers):
    js = op.to_json()
    assert kf.Op.from_json_obj(json.loads(js)).signed_bytes() == op.signed_bytes()
    return {"name": name, "inputs": op_inputs(op, signers),
            "expected": {"signed_bytes_hex": h(op.signed_bytes()), "op_hash_hex": h(op.hash()),
                         "op_hash": b58encode(op.hash()),
                         "signatures": [{"signer": key_text(s), "signer_hex": h(s), "signature_hex": h(g)}
                                        for s, g in op.signatures],
                         "json": js}}


def gen_context_ops():
    cases = [op_case(f"spec-log-seq{op.seq}-{op.body['type']}", op, s) for op, s in spec_ops()]
    cases += [op_case(f"second-log-seq{op.seq}-{op.body['type']}", op, s) for op, s in second_ops()]
    return doc("context_ops", cases)


def gen_genesis():
    cases = []
    op, s = spec_ops()[0]
    cases.append(op_case("spec-genesis", op, s))
    op, s = second_ops()[0]
    cases.append(op_case("two-admins-threshold-2-depth-64", op, s))
    op = kf.Op(seed(0x0C), 0, bytes(32), 0, dict(type="genesis", root=ADMIN, admins=[], threshold=1,
                                                  max_chain_depth=1)).sign([ADMIN_SEED])
    cases.append(op_case("root-only-time-0", op, [ADMIN_SEED]))
    return doc("genesis", cases)


def log_case(name, ops):
    js = kf.log_json([op for op, _ in ops])
    parsed = kf.parse_log_json(js)
    assert kf.log_json(parsed) == js
    return {"name": name, "inputs": {"ops": [op_inputs(op, s) for op, s in ops]},
            "expected": {"json": js, "op_hashes_hex": [h(op.hash()) for op, _ in ops]}}


def gen_log():
    return doc("log", [log_case("spec-log", spec_ops()), log_case("second-log", second_ops())])


def state_case(name, ops, upto=None):
    st = kf.State()
    sel = ops if upto is None else ops[:upto]
    for op, _ in sel:
        st.apply(op)
    return {"name": name, "inputs": {"log_json": kf.log_json([op for op, _ in sel])},
            "expected": {"state_bytes_hex": h(st.state_bytes()), "state_hash_hex": h(st.state_hash())}}


def gen_state_hash():
    return doc("state_hash", [
        state_case("spec-log", spec_ops()),
        state_case("spec-log-after-genesis", spec_ops(), 1),
        state_case("spec-log-first-4-ops", spec_ops(), 4),
        state_case("second-log", second_ops()),
    ])


# ---------------------------------------------------------------- §11

def gen_delta():
    cases = []
    for name, sd, seq, t, payload in [("client-hello", CLIENT_SEED, 6, T0 + 100, b"hello"),
                                      ("empty-payload", ROOT_SEED, 0, 0, b""),
                                      ("binary-payload", SUB_SEED, 1, kf.MAX_TIMESTAMP, bytes(range(256)))]:
        pub = kf.ed25519_public(sd)
        for layout, tt in [("with_timestamp", t), ("without_timestamp", None)]:
            signed = kf.delta_signed_bytes(CONTEXT_ID, pub, seq, tt, payload)
            sig = kf.ed25519_sign(sd, signed)
            exp = {"signed_bytes_hex": h(signed), "id_hex": h(kf.blake3(signed)), "signature_hex": h(sig)}
            if tt is not None:
                exp["json"] = kf.delta_json(CONTEXT_ID, pub, seq, tt, payload, sig)
            cases.append({"name": f"{name}-{layout}",
                          "inputs": {"layout": layout, "context_id_hex": h(CONTEXT_ID), "signer_seed_hex": h(sd),
                                     "signer_hex": h(pub), "seq": seq, "timestamp": tt, "payload_hex": h(payload)},
                          "expected": exp})
    return doc("delta", cases)


# ---------------------------------------------------------------- §13

def token_case(name, sd, iss, sub, aud, exp_, nbf, iat, jti, ctx, executor, perms, jwks_pubs):
    pub = kf.ed25519_public(sd)
    header = kf.token_header_json(pub)
    claims = kf.token_claims_json(iss, sub, aud, exp_, nbf, iat, jti, ctx, executor, perms)
    si, sig, tok = kf.token_sign(sd, header, claims)
    return {"name": name,
            "inputs": {"issuer_seed_hex": h(sd), "iss": iss, "sub": sub, "aud": aud, "exp": exp_, "nbf": nbf,
                       "iat": iat, "jti_hex": h(jti), "context_id_hex": h(ctx), "executor_public_key_hex": h(executor),
                       "permissions": perms, "jwks_public_keys_hex": [h(p) for p in jwks_pubs]},
            "expected": {"issuer_public_key_hex": h(pub), "thumbprint_input": kf.jwk_thumbprint_input(pub),
                         "kid": kf.kid(pub), "jwks": kf.jwks(jwks_pubs),
                         "header_json": header, "header_json_hex": h(header.encode()),
                         "claims_json": claims, "claims_json_hex": h(claims.encode()),
                         "signing_input": si, "signature_hex": h(sig), "token": tok}}


def gen_token():
    tok_pub = kf.ed25519_public(TOKEN_SEED)
    jti = bytes.fromhex("f692897885c0cb20a3e4cd106a0b15bc")
    return doc("token", [
        token_case("spec-token", TOKEN_SEED, "https://auth.example.com", key_text(CLIENT), "api.example.com",
                   T0 + 1000, T0 + 100, T0 + 100, jti, CONTEXT_ID, CLIENT, ["context:execute"], [tok_pub]),
        token_case("custom-sub-many-permissions-two-jwks", ROOT_SEED, "keytree-node-1", "user-42", "svc",
                   T0 + 7200, T0, T0 - 5, bytes(16), seed(0x0B), SUB, ["admin", "blob", "blob:add"],
                   [kf.ed25519_public(ROOT_SEED), tok_pub]),
        token_case("no-permissions", ADMIN_SEED, "iss", key_text(ADMIN2), "aud", kf.MAX_TIMESTAMP, 0, 0,
                   b"\xff" * 16, CONTEXT_ID, ADMIN2, [], [kf.ed25519_public(ADMIN_SEED)]),
    ])


# ---------------------------------------------------------------- §14

NONCE = bytes(range(32))
DOMAIN = "app.example.com"
URI = "https://app.example.com/login"
STATEMENT = "Sign in to Example."


def gen_login():
    ed_pub = kf.ed25519_public(WALLET_ED_SEED)
    der = kf.ed25519_der_spki(ed_pub)
    cases = []

    def base_inputs(chain, account, key_name, secret, statement, issued_at, expires_at):
        return {"chain": chain, "account": account, key_name: h(secret), "domain": DOMAIN, "uri": URI,
                "statement": statement, "nonce_hex": h(NONCE), "issued_at": issued_at, "expires_at": expires_at}

    for statement, suffix in [(STATEMENT, ""), (None, "-no-statement")]:
        ia, ea = T0, T0 + 300
        # Ethereum / SIWE
        addr = kf.eth_address(SECP_SECRET)
        acct = "eip155:1:" + addr
        text = kf.siwe_text(DOMAIN, addr, statement, URI, 1, NONCE, ia, ea)
        tb = text.encode()
        sig = kf.eth_personal_sign(SECP_SECRET, tb)
        assert kf.eth_recover(kf.eip191_hash(tb), sig) == addr
        cases.append({"name": "siwe" + suffix,
                      "inputs": base_inputs("eip155", acct, "secp256k1_secret_hex", SECP_SECRET, statement, ia, ea),
                      "expected": {"text": text, "text_hex": h(tb), "eip191_message_hex": h(kf.eip191_message(tb)),
                                   "eip191_hash_hex": h(kf.eip191_hash(tb)), "signature_hex": h(sig)}})
        # Solana / SIWS
        acct = "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp:" + b58encode(ed_pub)
        text = kf.siws_text(DOMAIN, b58encode(ed_pub), statement, URI, "mainnet", NONCE, ia, ea)
        tb = text.encode()
        cases.append({"name": "siws" + suffix,
                      "inputs": base_inputs("solana", acct, "ed25519_seed_hex", WALLET_ED_SEED, statement, ia, ea),
                      "expected": {"text": text, "text_hex": h(tb), "signed_bytes_hex": h(tb),
                                   "signature_hex": h(kf.ed25519_sign(WALLET_ED_SEED, tb))}})
        # NEAR / NEP-413
        acct = "near:mainnet:alice.near"
        text = kf.signin_text(DOMAIN, "NEAR", acct, statement, URI, NONCE, ia, ea)
        nb = kf.nep413_bytes(text, NONCE, DOMAIN)
        cases.append({"name": "nep413" + suffix,
                      "inputs": base_inputs("near", acct, "ed25519_seed_hex", WALLET_ED_SEED, statement, ia, ea),
                      "expected": {"text": text, "text_hex": h(text.encode()), "nep413_bytes_hex": h(nb),
                                   "nep413_hash_hex": h(kf.sha256(nb)),
                                   "signature_hex": h(kf.ed25519_sign(WALLET_ED_SEED, kf.sha256(nb)))}})
        # Stellar / SEP-53
        acct = "stellar:pubnet:" + kf.stellar_address(ed_pub)
        text = kf.signin_text(DOMAIN, "Stellar", acct, statement, URI, NONCE, ia, ea)
        tb = text.encode()
        cases.append({"name": "sep53" + suffix,
                      "inputs": base_inputs("stellar", acct, "ed25519_seed_hex", WALLET_ED_SEED, statement, ia, ea),
                      "expected": {"text": text, "text_hex": h(tb), "sep53_hash_hex": h(kf.sep53_hash(tb)),
                                   "signature_hex": h(kf.ed25519_sign(WALLET_ED_SEED, kf.sep53_hash(tb)))}})
        # ICP (identity key, Ed25519)
        acct = "icp:mainnet:" + kf.icp_self_authenticating_principal(der)
        text = kf.signin_text(DOMAIN, "ICP", acct, statement, URI, NONCE, ia, ea)
        wrapped = kf.LOGIN_TAG_ICP + text.encode()
        cases.append({"name": "icp" + suffix,
                      "inputs": base_inputs("icp", acct, "ed25519_seed_hex", WALLET_ED_SEED, statement, ia, ea),
                      "expected": {"text": text, "text_hex": h(text.encode()), "der_spki_hex": h(der),
                                   "signed_bytes_hex": h(wrapped),
                                   "signature_hex": h(kf.ed25519_sign(WALLET_ED_SEED, wrapped))}})
        # raw Ed25519 key
        acct = "rawkey:ed25519:" + ed_pub.hex()
        text = kf.signin_text(DOMAIN, "Ed25519 key", acct, statement, URI, NONCE, ia, ea)
        wrapped = kf.LOGIN_TAG_RAW_KEY + text.encode()
        cases.append({"name": "raw-key-ed25519" + suffix,
                      "inputs": base_inputs("rawkey-ed25519", acct, "ed25519_seed_hex", WALLET_ED_SEED, statement,
                                            ia, ea),
                      "expected": {"text": text, "text_hex": h(text.encode()), "signed_bytes_hex": h(wrapped),
                                   "signature_hex": h(kf.ed25519_sign(WALLET_ED_SEED, wrapped))}})
        # raw secp256k1 key
        acct = "rawkey:secp256k1:" + kf.secp_compressed(SECP_SECRET).hex()
        text = kf.signin_text(DOMAIN, "secp256k1 key", acct, statement, URI, NONCE, ia, ea)
        wrapped = kf.LOGIN_TAG_RAW_KEY + text.encode()
        r, s, _ = kf.secp_sign_prehash(SECP_SECRET, kf.sha256(wrapped))
        sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        cases.append({"name": "raw-key-secp256k1" + suffix,
                      "inputs": base_inputs("rawkey-secp256k1", acct, "secp256k1_secret_hex", SECP_SECRET, statement,
                                            ia, ea),
                      "expected": {"text": text, "text_hex": h(text.encode()), "signed_bytes_hex": h(wrapped),
                                   "sha256_hex": h(kf.sha256(wrapped)), "signature_hex": h(sig)}})
    # the Solana plain-message wrapper (message named by the server; see SPEC_ISSUES.md)
    msg = b"example server-named message"
    wrapped = kf.LOGIN_TAG_SOLANA + msg
    cases.append({"name": "solana-plain-message-wrapper",
                  "inputs": {"chain": "solana-plain", "ed25519_seed_hex": h(WALLET_ED_SEED), "message_hex": h(msg)},
                  "expected": {"signed_bytes_hex": h(wrapped),
                               "signature_hex": h(kf.ed25519_sign(WALLET_ED_SEED, wrapped))}})
    return doc("login", cases)


# ---------------------------------------------------------------- §14 challenge nonce

CHALLENGE_KEY = seed(0x0B)


def challenge_case(name, ckey, domain, account, issued_at, ttl, rnd):
    exp_at = issued_at + ttl
    mac_key = kf.challenge_mac_key(ckey)
    mac_in = kf.challenge_mac_input(domain, account, issued_at, exp_at, rnd)
    mac = kf.blake3_keyed(mac_key, mac_in)
    nonce = kf.challenge_nonce(ckey, domain, account, issued_at, ttl, rnd)
    assert nonce[16:] == mac[:16] and kf.challenge_nonce_open(ckey, domain, account, nonce) == (issued_at, exp_at)
    return {"name": name,
            "inputs": {"challenge_key_hex": h(ckey), "domain": domain, "account": account,
                       "issued_at": issued_at, "ttl": ttl, "random_hex": h(rnd)},
            "expected": {"mac_key_hex": h(mac_key), "expires_at": exp_at, "mac_input_hex": h(mac_in),
                         "mac_hex": h(mac), "tag_hex": h(mac[:16]), "nonce_hex": h(nonce)}}


def gen_challenge_nonce():
    raw = "rawkey:ed25519:" + kf.ed25519_public(WALLET_ED_SEED).hex()
    eth = "eip155:1:" + kf.eth_address(SECP_SECRET)
    sol = "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp:" + b58encode(kf.ed25519_public(WALLET_ED_SEED))
    cases = [
        challenge_case("spec-challenge-nonce", CHALLENGE_KEY, DOMAIN, raw, T0, 300, bytes([0x0c]) * 8),
        challenge_case("eip155-max-ttl", CHALLENGE_KEY, DOMAIN, eth, T0, (1 << 24) - 1, bytes(range(8))),
        challenge_case("solana-ttl-zero-time-zero", CHALLENGE_KEY, "localhost:8080", sol, 0, 0, b"\xff" * 8),
        challenge_case("near-max-timestamp", seed(0x0D), "a.example", "near:testnet:bob.testnet",
                       kf.MAX_TIMESTAMP - 600, 600, bytes.fromhex("0123456789abcdef")),
    ]
    spec = cases[0]["inputs"]
    good = bytes.fromhex(cases[0]["expected"]["nonce_hex"])

    def reject(name, nonce, **over):
        i = {"challenge_key_hex": spec["challenge_key_hex"], "domain": spec["domain"], "account": spec["account"],
             "nonce_hex": h(nonce)}
        i.update(over)
        try:
            kf.challenge_nonce_open(bytes.fromhex(i["challenge_key_hex"]), i["domain"], i["account"], nonce)
            raise AssertionError(name)
        except kf.FormatError:
            pass
        cases.append({"name": name, "inputs": i, "expected": {"accepted": False}})

    flip = lambda b, i: b[:i] + bytes([b[i] ^ 1]) + b[i + 1:]
    reject("reject-tag-bit-flipped", flip(good, 31))
    reject("reject-ttl-changed", flip(good, 7))
    reject("reject-issued-at-changed", flip(good, 4))
    reject("reject-random-changed", flip(good, 8))
    reject("reject-other-domain", good, domain="evil.example.com")
    reject("reject-other-account", good, account="rawkey:ed25519:" + kf.ed25519_public(ROOT_SEED).hex())
    reject("reject-other-challenge-key", good, challenge_key_hex=h(seed(0x0D)))
    return doc("challenge_nonce", cases, SPEC_COMMIT_2)


# ---------------------------------------------------------------- §9 stored op form

def gen_stored_op():
    cases = []
    for prefix, ops in [("spec-log-seq", spec_ops()), ("second-log-seq", second_ops())]:
        for op, _ in ops:
            stored = kf.stored_op(op)
            assert kf.stored_op_open(stored).to_json() == op.to_json()
            cases.append({"name": f"{prefix}{op.seq}",
                          "inputs": {"signed_bytes_hex": h(op.signed_bytes()),
                                     "signatures": [{"signer_hex": h(s), "signature_hex": h(g)}
                                                    for s, g in op.signatures],
                                     "op_json": op.to_json()},
                          "expected": {"stored_hex": h(stored)}})
    # must-refuse stored forms, each a change to spec-log-seq3 (two signatures)
    op3 = spec_ops()[3][0]
    good = kf.stored_op(op3)
    sb = op3.signed_bytes()
    (s1, g1), (s2, g2) = op3.signatures

    def env(version=1, signed=sb, sigs=op3.signatures, count=None):
        out = kf.u8(version) + kf.bstr(signed) + kf.u32(len(sigs) if count is None else count)
        for s, g in sigs:
            out += kf.bstr(s) + kf.bstr(g)
        return out

    bad = [
        ("reject-version-0", env(version=0)),
        ("reject-version-2", env(version=2)),
        ("reject-trailing-byte", good + b"\x00"),
        ("reject-truncated", good[:-1]),
        ("reject-signers-descending", env(sigs=[(s2, g2), (s1, g1)])),
        ("reject-duplicate-signer", env(sigs=[(s1, g1), (s1, g1)])),
        ("reject-count-too-high", env(count=3)),
        ("reject-signer-31-bytes", kf.u8(1) + kf.bstr(sb) + kf.u32(1) + kf.bstr(s1[:31]) + kf.bstr(g1)),
        ("reject-signature-unprefixed", kf.u8(1) + kf.bstr(sb) + kf.u32(1) + kf.bstr(s1) + g1),
        ("reject-signed-bytes-trailing-byte", env(signed=sb + b"\x00")),
        ("reject-signed-bytes-op-version-2", env(signed=sb.replace(b"context-op\x01", b"context-op\x02", 1))),
    ]
    for name, data in bad:
        assert data != good
        try:
            kf.stored_op_open(data)
            raise AssertionError(name)
        except kf.FormatError:
            pass
        cases.append({"name": name, "inputs": {"stored_hex": h(data)}, "expected": {"accepted": False}})
    return doc("stored_op", cases, SPEC_COMMIT_2)


# ---------------------------------------------------------------- §9 kinds 7-11, §12 fields 12-14

def gen_account_ops():
    ops = account_ops()
    cases = []
    for op, signers in ops[7:]:
        c = op_case(f"spec-log-seq{op.seq}-{op.body['type']}", op, signers)
        stored = kf.stored_op(op)
        assert kf.stored_op_open(stored).to_json() == op.to_json()
        c["expected"]["stored_hex"] = h(stored)
        cases.append(c)
    c = log_case("spec-log-with-accounts", ops)
    cases.append(c)
    for name, upto in [("state-spec-log-with-accounts", None), ("state-first-8-ops", 8),
                       ("state-first-12-ops", 12)]:
        c = state_case(name, ops, upto)
        cases.append(c)
    # must-refuse forms: each the first account op (seq 7) changed, re-signed
    op7 = ops[7][0]
    lower = dict(op7.body, account=ETH.lower().replace("0X", "0x"))
    bad_op = kf.Op(op7.context_id, 7, op7.prev, op7.timestamp, dict(op7.body))
    bad_op.body = lower
    try:
        bad_op.signed_bytes()
        raise AssertionError("lowercase accepted")
    except kf.FormatError:
        pass
    # build the lowercase signed bytes by hand (the encoder refuses them)
    good_sb = op7.signed_bytes()
    low_sb = good_sb.replace(ETH.encode(), lower["account"].encode())
    assert len(low_sb) == len(good_sb) and low_sb != good_sb

    def envelope(sb):
        sig = kf.ed25519_sign(ROOT_SEED, sb)
        return kf.u8(1) + kf.bstr(sb) + kf.u32(1) + kf.bstr(ROOT) + kf.bstr(sig)

    kind12 = good_sb.replace(b"\x00\x00\x00\x00\x65\x53\xf1\x46\x07", b"\x00\x00\x00\x00\x65\x53\xf1\x46\x0c", 1)
    assert kind12 != good_sb
    empty_window = good_sb[:-16] + kf.u64(T0 + 86400) + kf.u64(T0 + 86400)
    bad = [
        ("reject-stored-account-not-eip55", {"stored_hex": h(envelope(low_sb))}),
        ("reject-stored-unknown-kind-12", {"stored_hex": h(envelope(kind12))}),
        ("reject-stored-trailing-byte", {"stored_hex": h(envelope(good_sb + b"\x00"))}),
        ("reject-json-account-not-eip55", {"op_json": op7.to_json().replace(ETH, lower["account"])}),
        ("reject-json-unknown-member", {"op_json": op7.to_json().replace('"type":"add_account",',
                                                                         '"type":"add_account","x":1,')}),
    ]
    for name, inputs in bad:
        try:
            if "stored_hex" in inputs:
                kf.stored_op_open(bytes.fromhex(inputs["stored_hex"]))
            else:
                o = json.loads(inputs["op_json"])
                if list(o["op"].keys()) != ["type", "account", "permissions", "not_before", "expires_at"]:
                    raise kf.FormatError("op members")
                kf.Op.from_json_obj(o)
            raise AssertionError(name)
        except kf.FormatError:
            pass
        cases.append({"name": name, "inputs": inputs, "expected": {"accepted": False}})
    # applied in a log, this op is refused (empty window): signed bytes that
    # decode but whose grant keytree refuses
    st = kf.State()
    for op, _ in ops[:7]:
        st.apply(op)
    ew = kf.op_from_signed_bytes(empty_window)
    ew.sign([ROOT_SEED])
    try:
        st.apply(ew)
        raise AssertionError("empty window applied")
    except kf.FormatError:
        pass
    cases.append({"name": "refuse-apply-empty-window",
                  "inputs": {"log_json": kf.log_json([op for op, _ in ops[:7]] + [ew])},
                  "expected": {"accepted": False}})
    cases += settled_rule_cases(ops)
    return doc("account_ops", cases, SPEC_COMMIT_3)


def settled_rule_cases(ops):
    """Cases for the §9 rules settled after the independent check
    (independent/FINDINGS.md 1-5): each a log continuing a prefix of the
    account log, applied (state hash) or refused when applied."""
    eth2 = "eip155:1:0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"
    wallet_key = kf.ed25519_public(WALLET_ED_SEED)
    raw = "rawkey:ed25519:" + wallet_key.hex()
    leaf = kf.ed25519_public(seed(0x0C))

    def cont(prefix, plan):
        out = list(ops[:prefix])
        prev = out[-1][0].hash()
        for t, body in plan:
            op = kf.Op(CONTEXT_ID, len(out), prev, t, body).sign([ROOT_SEED])
            out.append((op, [ROOT_SEED]))
            prev = op.hash()
        return out

    def chain_through_wallet_key(t):
        d1 = kf.Delegation(ROOT, wallet_key, CONTEXT_ID, ["blob"], T0, T0 + 86400, bytes([0x0D]) * 16
                           ).sign_native(ROOT_SEED)
        d2 = kf.Delegation(wallet_key, leaf, CONTEXT_ID, ["blob:add"], T0, T0 + 3600, bytes([0x0E]) * 16,
                           d1.id()).sign_native(WALLET_ED_SEED)
        return dict(type="add_member", chain=[d1, d2])

    add_raw = (T0 + 70, dict(type="add_account", account=raw, permissions=["blob"], not_before=T0,
                              expires_at=T0 + 86400))
    cases = []
    # 1, 2: covered names and the empty set fit within the ceiling
    # [blob, context:execute] of seq 7.
    cases.append(state_case("state-set-account-permissions-covered-then-empty", cont(8, [
        (T0 + 80, dict(type="set_account_permissions", account=ETH, permissions=["blob:add"])),
        (T0 + 81, dict(type="set_account_permissions", account=ETH, permissions=[]))])))
    # 3: link_account up to the member's last second (XLM's window ends at
    # T0 + 3600), refused from its end on.
    cases.append(state_case("state-link-account-in-the-last-second", cont(12, [
        (T0 + 3599, dict(type="link_account", member=XLM, account=eth2))])))
    late = cont(12, [(T0 + 3600, dict(type="link_account", member=XLM, account=eth2))])
    refused_case(cases, "refuse-apply-link-account-after-the-window", late)
    # 4: revoke_key of a key whose rawkey account is a wallet member
    # revokes that member too.
    cases.append(state_case("state-revoke-key-revokes-its-rawkey-member", cont(7, [
        add_raw, (T0 + 80, dict(type="revoke_key", key=wallet_key))])))
    # 5: a key whose rawkey account is live may issue an inner link; once
    # the account is revoked, no new chain goes through the key.
    cases.append(state_case("state-chain-through-a-live-rawkey-member", cont(7, [
        add_raw, (T0 + 80, chain_through_wallet_key(T0 + 80))])))
    through_revoked = cont(7, [add_raw, (T0 + 80, dict(type="revoke_account", account=raw)),
                               (T0 + 90, chain_through_wallet_key(T0 + 90))])
    refused_case(cases, "refuse-apply-chain-through-a-revoked-rawkey-account", through_revoked)
    return cases


def refused_case(cases, name, ops):
    """A log whose last op keytree refuses when applying (the model agrees)."""
    st = kf.State()
    for op, _ in ops[:-1]:
        st.apply(op)
    try:
        st.apply(ops[-1][0])
        raise AssertionError(name + " applied")
    except kf.FormatError:
        pass
    cases.append({"name": name, "inputs": {"log_json": kf.log_json([op for op, _ in ops])},
                  "expected": {"accepted": False}})


# ---------------------------------------------------------------- §14 API keys

def gen_api_key():
    cases = []
    for name, fleet, kid_, secret in [
            ("fleet-0a-id-00to0b", seed(0x0A), bytes(range(12)), bytes(range(32, 64))),
            ("fleet-0a-all-ff", seed(0x0A), b"\xff" * 12, b"\xff" * 32),
            ("fleet-0e-all-zero", seed(0x0E), bytes(12), bytes(32)),
            ("fleet-0e-id-00to0b", seed(0x0E), bytes(range(12)), bytes(range(32, 64)))]:
        text = kf.api_key_text(kid_, secret)
        assert kf.parse_api_key_text(text) == (kid_, secret)
        cases.append({"name": name,
                      "inputs": {"fleet_secret_hex": h(fleet), "id_hex": h(kid_), "secret_hex": h(secret)},
                      "expected": {"text": text, "hash_key_hex": h(kf.api_key_hash_key(fleet)),
                                   "hash_input_hex": h(kf.api_key_hash_input(kid_, secret)),
                                   "hash_hex": h(kf.api_key_hash(fleet, kid_, secret))}})
    good = cases[0]["expected"]["text"]
    for name, text in [("reject-uppercase-id-hex", good[:3] + good[3:27].upper() + good[27:]),
                       ("reject-prefix-KT", "KT" + good[2:]),
                       ("reject-id-too-short", good[:3] + good[5:]),
                       ("reject-secret-padded", good + "="),
                       ("reject-secret-trailing-bits", good[:-1] + chr(ord(good[-1]) + 1)),
                       ("reject-secret-standard-alphabet",
                        "kt_" + "00" * 12 + "_" + kf.b64u(b"\xfb" * 32).replace("-", "+").replace("_", "/")),
                       ("reject-dash-separator", good[:27] + "-" + good[28:])]:
        try:
            kf.parse_api_key_text(text)
            raise AssertionError(name)
        except kf.FormatError:
            pass
        cases.append({"name": name, "inputs": {"text": text}, "expected": {"accepted": False}})
    return doc("api_key", cases, SPEC_COMMIT_2)


GENERATORS = [gen_key_texts, gen_derivation, gen_delegation, gen_wallet_statement, gen_context_ops, gen_genesis,
              gen_log, gen_delta, gen_state_hash, gen_token, gen_login, gen_challenge_nonce, gen_stored_op,
              gen_api_key, gen_account_ops]


def render(d) -> str:
    return json.dumps(d, indent=2, ensure_ascii=False) + "\n"


def build_all():
    out = {}
    for g in GENERATORS:
        d = g()
        out[d["format"] + ".json"] = render(d)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--out", default=HERE)
    a = ap.parse_args()
    files = build_all()
    if a.check:
        bad = 0
        for name, text in files.items():
            p = os.path.join(a.out, name)
            try:
                with open(p, encoding="utf-8") as f:
                    cur = f.read()
            except FileNotFoundError:
                cur = None
            if cur != text:
                print(f"DIFFERS: {name}", file=sys.stderr)
                bad += 1
        print(f"checked {len(files)} files, {bad} differ", file=sys.stderr)
        sys.exit(1 if bad else 0)
    for name, text in files.items():
        with open(os.path.join(a.out, name), "w", encoding="utf-8") as f:
            f.write(text)
        print(f"wrote {name}: {len(json.loads(text)['cases'])} cases")


if __name__ == "__main__":
    main()
