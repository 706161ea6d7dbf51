#!/usr/bin/env python3
"""Reproduce every worked example of FORMATS.md with keytree_formats.py.

    python3 check_examples.py [path/to/FORMATS.md]

Parses each `<!-- example: NAME -->` block and compares, value by value,
what the block prints with what this implementation computes. Also checks
that field-by-field listings concatenate to the printed bytes and that
each `hex  = N` annotation states the hex's value. Exit 1 on any mismatch.
"""
from __future__ import annotations

import re
import sys

import gen_vectors as g
import keytree_formats as kf
from keytree_formats import b58encode, b64u, key_text

LINE = re.compile(r"^(\S.*?)\s{2,}(\S.*)$")

results = []  # (example, label, ok, detail)


def parse_blocks(md: str):
    blocks = {}
    for m in re.finditer(r"<!-- example: ([\w-]+) -->\n```text\n(.*?)\n```", md, re.S):
        blocks[m.group(1)] = m.group(2).split("\n")
    return blocks


def fields(lines):
    """label -> list of values (continuation lines of 'signature by' joined)."""
    out = {}
    last = None
    for ln in lines:
        if ln.startswith("  | "):
            continue
        if ln.startswith(" ") and ln.strip() and last is not None:
            out[last][-1] += " " + ln.strip()
            continue
        m = LINE.match(ln)
        if m and not ln.startswith("#"):
            last = m.group(1).strip()
            out.setdefault(last, []).append(m.group(2).strip())
    return out


def quoted_text(lines, start_marker):
    """The `  | ` lines following the line that starts with start_marker."""
    out, on = [], False
    for ln in lines:
        if ln.startswith(start_marker):
            on = True
            continue
        if on:
            if ln.startswith("  | "):
                out.append(ln[4:])
            elif ln == "  |":
                out.append("")
            else:
                break
    return "\n".join(out)


def field_listings(lines):
    """Each '# ...' field-by-field listing: concatenated hex of its lines."""
    res = []
    cur = None
    for ln in lines:
        if ln.startswith("#") or ln.startswith("borsh(tag)"):
            cur = []
            res.append(cur)
            continue
        if cur is None:
            continue
        if not ln.strip() or ln.startswith(("signed bytes", "SHA-256", "state hash", "text (hex)",
                                             "keyed BLAKE3", "nonce text")):
            cur = None
            continue
        # the value is the run of even-length hex tokens before any "= ..."
        # annotation (some labels are followed by a single space only)
        toks = ln.split("  = ")[0].split()
        hexes = []
        for t in reversed(toks):
            if re.fullmatch(r"(?:[0-9a-f]{2})+", t):
                hexes.insert(0, t)
            else:
                break
        cur.append("".join(hexes))
    return ["".join(r) for r in res]


def annotations(ex, lines):
    """'<hex>  = <decimal>' must state the value of the hex (big-endian
    unless the label says LE)."""
    for ln in lines:
        m = re.match(r"^(\S.*?)\s{2,}(?:[0-9a-f]{8} )?([0-9a-f]+)\s+=\s+(\d+)\s*$", ln.strip())
        if not m:
            continue
        label, hx, dec = m.group(1), m.group(2), int(m.group(3))
        raw = bytes.fromhex(hx)
        be = int.from_bytes(raw, "big")
        le = int.from_bytes(raw, "little")
        want = le if "LE" in label else be
        # length-prefixed lines (e.g. 'permission 00000004 626c6f62 = "blob"') carry text, not numbers
        record(ex, f"annotation '{label}'", want == dec,
               f"printed {hx} = {dec}; the {'little' if 'LE' in label else 'big'}-endian value of {hx} is {want}")


def col_fields(lines):
    """label -> list of values, parsed by the §1 column rule: the label is
    padded to 22 characters, then one space, then the value (a label of 22
    characters or more is followed by a single space). Used for the examples
    checked since spec commit 2ea1b49, whose labels may be exactly 22 long."""
    out = {}
    for ln in lines:
        if not ln or ln.startswith(("#", " ")):
            continue
        if len(ln) <= 23 or ln[22] != " ":
            continue
        label, value = ln[:22].rstrip(), ln[23:]
        out.setdefault(label, []).append(value.split("  = ")[0].strip())
    return out


def listing_values(lines, header):
    """label -> joined hex of the lines of the '# header' listing (length prefix included)."""
    out, on = [], False
    for ln in lines:
        if ln.startswith("#"):
            on = ln.startswith(header)
            continue
        if on:
            if not ln.strip():
                break
            out.append((ln[:22].rstrip(), "".join(ln[23:].split("  = ")[0].split())))
    return out


def record(ex, label, ok, detail=""):
    results.append((ex, label, ok, detail))


def cmp(ex, f, label, mine, idx=0):
    vals = f.get(label)
    if vals is None or len(vals) <= idx:
        record(ex, label, False, "label not found in FORMATS.md block")
        return
    printed = vals[idx].split("  = ")[0].strip()
    if label in ("salt",):
        printed = printed.split()[0]
    record(ex, label, printed == mine, f"FORMATS.md: {printed}\n    mine:       {mine}")


def check_delegation(ex, f, lines, d):
    cmp(ex, f, "signed bytes (hex)", d.signed_bytes().hex())
    cmp(ex, f, "id = BLAKE3(signed)", d.id().hex())
    cmp(ex, f, "id (base58)", b58encode(d.id()))
    cmp(ex, f, "signature (hex)", d.signature.hex())
    cmp(ex, f, "binary form (hex)", d.binary().hex())
    cmp(ex, f, "JSON", d.to_json())
    listings = field_listings(lines)
    record(ex, "field-by-field listing", listings[-1] == d.signed_bytes().hex(), "concatenation vs signed bytes")


def json_swap_sub(claims_json: str, sub: str) -> str:
    """The same claims JSON with another `sub` (order kept)."""
    o = kf.json.loads(claims_json)
    o["sub"] = sub
    return kf.json_dumps(o)


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "/work/formats/FORMATS.md"
    md = open(path, encoding="utf-8").read()
    blocks = parse_blocks(md)
    seen = set()

    for ex, lines in blocks.items():
        annotations(ex, lines)

    # key-texts
    ex = "key-texts"; lines = blocks[ex]; f = fields(lines); seen.add(ex)
    cmp(ex, f, "public key (32)", g.ROOT.hex())
    cmp(ex, f, "ed25519 text", key_text(g.ROOT))
    cmp(ex, f, "0xed01 ‖ key", (b"\xed\x01" + g.ROOT).hex())
    cmp(ex, f, "did:key text", kf.did_key_text(g.ROOT))
    cmp(ex, f, "context id text", b58encode(g.CONTEXT_ID))

    ex = "derivation"; lines = blocks[ex]; f = fields(lines); seen.add(ex)
    cmp(ex, f, "salt", kf.CLIENT_KEY_SALT.hex())
    cmp(ex, f, "info = id ‖ index", (g.CONTEXT_ID + kf.u32(0)).hex())
    cmp(ex, f, "client seed (OKM, 32)", g.CLIENT_SEED.hex())
    cmp(ex, f, "client public key", g.CLIENT.hex())
    cmp(ex, f, "index 1: client seed", kf.derive_client_seed(g.ROOT_SEED, g.CONTEXT_ID, 1).hex())

    ex = "delegation"; lines = blocks[ex]; f = fields(lines); seen.add(ex)
    check_delegation(ex, f, lines, g.spec_root_delegation())
    ex = "delegation-child"; lines = blocks[ex]; f = fields(lines); seen.add(ex)
    check_delegation(ex, f, lines, g.spec_child_delegation())

    ex = "wallet-statement"; lines = blocks[ex]; f = fields(lines); seen.add(ex)
    wc = [c for c in g.wallet_cases() if c["name"] == "eip155"][0]
    d = kf.Delegation.from_json(wc["expected"]["json"])
    stmt = kf.wallet_statement(d)
    record(ex, "statement (quoted text)", quoted_text(lines, "statement (UTF-8") == stmt,
           f"FORMATS.md:\n{quoted_text(lines, 'statement (UTF-8')}\n    mine:\n{stmt}")
    cmp(ex, f, "statement (hex)", stmt.encode().hex())
    cmp(ex, f, "EIP-191 hash", kf.eip191_hash(stmt.encode()).hex())
    check_delegation(ex, f, lines, d)

    spec_ops = [op for op, _ in g.spec_ops()]
    names = ["op-genesis", "op-add-member", "op-set-permissions", "op-add-admin", "op-remove-admin",
             "op-revoke-delegation", "op-revoke-key"]
    for ex, op in zip(names, spec_ops):
        lines = blocks[ex]; f = fields(lines); seen.add(ex)
        cmp(ex, f, "signed bytes (hex)", op.signed_bytes().hex())
        cmp(ex, f, "op hash = BLAKE3", op.hash().hex())
        cmp(ex, f, "op hash (base58)", b58encode(op.hash()))
        for i, (signer, sig) in enumerate(op.signatures):
            cmp(ex, f, "signature by", f"{key_text(signer)} {sig.hex()}", i)
        record(ex, "signature count", len(f.get("signature by", [])) == len(op.signatures))
        cmp(ex, f, "JSON", op.to_json())
        record(ex, "field-by-field listing", field_listings(lines)[0] == op.signed_bytes().hex())

    ex = "log-json"; lines = blocks[ex]; seen.add(ex)
    mine = kf.log_json(spec_ops)
    record(ex, "log JSON", lines[0] == mine and len(lines) == 1, f"FORMATS.md: {lines[0][:80]}...")
    record(ex, "log JSON parses and re-encodes", kf.log_json(kf.parse_log_json(lines[0])) == lines[0])

    ex = "state-hash"; lines = blocks[ex]; f = fields(lines); seen.add(ex)
    st = kf.State()
    for op in spec_ops:
        st.apply(op)
    record(ex, "field-by-field listing (state bytes)", field_listings(lines)[0] == st.state_bytes().hex(),
           f"FORMATS.md: {field_listings(lines)[0]}\n    mine:       {st.state_bytes().hex()}")
    cmp(ex, f, "state hash = BLAKE3", st.state_hash().hex())
    record(ex, "printed state hash = BLAKE3(printed listing)",
           kf.blake3(bytes.fromhex(field_listings(lines)[0])).hex() == f["state hash = BLAKE3"][0])

    # wallet members (§9 kinds 7-11, §12 fields 12-14; added on the keytree side)
    acc_ops = [op for op, _ in g.account_ops()]
    by_seq = {"op-add-account": 7, "op-link-account": 8, "op-set-account-permissions": 9,
              "op-unlink-account": 12, "op-revoke-account": 13}
    for ex, seq in by_seq.items():
        op = acc_ops[seq]
        lines = blocks[ex]; f = fields(lines); seen.add(ex)
        cmp(ex, f, "signed bytes (hex)", op.signed_bytes().hex())
        cmp(ex, f, "op hash = BLAKE3", op.hash().hex())
        cmp(ex, f, "op hash (base58)", b58encode(op.hash()))
        for i, (signer, sig) in enumerate(op.signatures):
            cmp(ex, f, "signature by", f"{key_text(signer)} {sig.hex()}", i)
        record(ex, "signature count", len(f.get("signature by", [])) == len(op.signatures))
        cmp(ex, f, "JSON", op.to_json())
        record(ex, "field-by-field listing", field_listings(lines)[0] == op.signed_bytes().hex())

    ex = "state-hash-accounts"; lines = blocks[ex]; f = fields(lines); seen.add(ex)
    st = kf.State()
    for op in acc_ops:
        st.apply(op)
    record(ex, "field-by-field listing (state bytes)", field_listings(lines)[0] == st.state_bytes().hex(),
           f"FORMATS.md: {field_listings(lines)[0]}\n    mine:       {st.state_bytes().hex()}")
    cmp(ex, f, "state hash = BLAKE3", st.state_hash().hex())
    record(ex, "printed state hash = BLAKE3(printed listing)",
           kf.blake3(bytes.fromhex(field_listings(lines)[0])).hex() == f["state hash = BLAKE3"][0])

    ex = "token"; lines = blocks[ex]; f = fields(lines); seen.add(ex)
    tc = g.gen_token()["cases"][0]["expected"]
    cmp(ex, f, "issuer public key", tc["issuer_public_key_hex"])
    cmp(ex, f, "thumbprint input", tc["thumbprint_input"])
    cmp(ex, f, "kid = b64u(SHA-256)", tc["kid"])
    cmp(ex, f, "JWKS", tc["jwks"])
    cmp(ex, f, "header JSON", tc["header_json"])
    cmp(ex, f, "claims JSON", tc["claims_json"])
    cmp(ex, f, "signing input", tc["signing_input"])
    cmp(ex, f, "signature (hex)", tc["signature_hex"])
    cmp(ex, f, "token", tc["token"])

    # token-account: a wallet-account member's token (no executor_public_key,
    # sub = the canonical CAIP-10 account). The jti comes from keytree's
    # seeded generator: it is printed as an input row (`jti (16 bytes)`),
    # with `iss`, `aud` and the context id, and the claims are built from
    # those rows alone.
    ex = "token-account"; lines = blocks[ex]; f = fields(lines); seen.add(ex)
    account = kf.eip155_account_canonical("eip155:1:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed")
    cmp(ex, f, "account (CAIP-10)", account)
    cmp(ex, f, "iss", "https://auth.example.com")
    cmp(ex, f, "aud", "api.example.com")
    cmp(ex, f, "context id text", kf.b58encode(g.CONTEXT_ID))
    jti = bytes.fromhex(f["jti (16 bytes)"][0])
    record(ex, "jti row is 16 bytes", len(jti) == 16)
    tok_pub = kf.ed25519_public(g.TOKEN_SEED)
    header = kf.token_header_json(tok_pub)
    claims = kf.token_claims_json(f["iss"][0], account, f["aud"][0], g.T0 + 1000,
                                  g.T0 + 100, g.T0 + 100, jti, g.CONTEXT_ID, None, ["context:execute"])
    si, sig, tok = kf.token_sign(g.TOKEN_SEED, header, claims)
    cmp(ex, f, "header JSON", header)
    cmp(ex, f, "claims JSON", claims)
    cmp(ex, f, "signing input", si)
    cmp(ex, f, "signature (hex)", sig.hex())
    cmp(ex, f, "token", tok)
    record(ex, "decodes as an account token", kf.token_decode(f["token"][0], tok_pub)["sub"] == account)
    for bad_sub in ["eip155:1:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "alice"]:
        bad = json_swap_sub(claims, bad_sub)
        _, _, bad_tok = kf.token_sign(g.TOKEN_SEED, header, bad)
        try:
            kf.token_decode(bad_tok, tok_pub)
            record(ex, f"sub {bad_sub!r} refused", False)
        except kf.FormatError:
            record(ex, f"sub {bad_sub!r} refused", True)

    login = {c["name"]: c for c in g.gen_login()["cases"]}
    for ex, name, extra in [("login-siwe", "siwe", [("EIP-191 hash (signed)", "eip191_hash_hex")]),
                            ("login-siws", "siws", []),
                            ("login-nep413", "nep413", [("SHA-256 (signed)", "nep413_hash_hex")]),
                            ("login-sep53", "sep53", [("SEP-53 hash (signed)", "sep53_hash_hex")]),
                            ("login-icp", "icp", []),
                            ("login-raw-key", "raw-key-ed25519", [])]:
        lines = blocks[ex]; f = fields(lines); seen.add(ex)
        c = login[name]
        cmp(ex, f, "account", c["inputs"]["account"])
        q = quoted_text(lines, "text (UTF-8")
        record(ex, "text (quoted)", q == c["expected"]["text"], f"FORMATS.md:\n{q}\n    mine:\n{c['expected']['text']}")
        cmp(ex, f, "text (hex)", c["expected"]["text_hex"])
        for label, key in extra:
            cmp(ex, f, label, c["expected"][key])
        if name == "nep413":
            record(ex, "field-by-field listing (borsh)", field_listings(lines)[0] == c["expected"]["nep413_bytes_hex"])

    # login wrappers (printed since 2ea1b49): "wrapper (hex)" = tag ‖ text
    for ex, name in [("login-icp", "icp"), ("login-raw-key", "raw-key-ed25519")]:
        if ex in blocks:
            f = col_fields(blocks[ex])
            cmp(ex, f, "wrapper (hex)", login[name]["expected"]["signed_bytes_hex"])

    # icp-statement (§8): ICP-issued delegation, Ed25519 identity 09…09
    ex = "icp-statement"
    if ex in blocks:
        lines = blocks[ex]; f = col_fields(lines); seen.add(ex)
        ident_pub = kf.ed25519_public(g.WALLET_ED_SEED)
        der = kf.ed25519_der_spki(ident_pub)
        account = "icp:mainnet:" + kf.icp_self_authenticating_principal(der)
        # inputs: the statement's own fields (the example prints no other
        # listing of them; SPEC_ISSUES.md #22)
        d = kf.Delegation(account, g.CLIENT, g.CONTEXT_ID, ["context:execute"], g.T0, g.T0 + 86400, g.SERIAL_A)
        stmt = kf.wallet_statement(d).encode()
        inner = kf.ed25519_sign(g.WALLET_ED_SEED, stmt)
        stored = kf.icp_statement_signature(der, inner)
        d.signature = stored
        cmp(ex, f, "ed25519 identity seed", g.WALLET_ED_SEED.hex())
        cmp(ex, f, "account", account)
        cmp(ex, f, "statement (hex)", stmt.hex())
        cmp(ex, f, "delegation id (base58)", b58encode(d.id()))
        lst = dict(listing_values(lines, "# stored signature"))
        record(ex, "listing: domain tag", lst.get("domain tag") == kf.tag("icp-statement-signature").hex())
        record(ex, "listing: identity key (DER)", lst.get("identity key (DER)") == kf.bstr(der).hex(),
               f"FORMATS.md: {lst.get('identity key (DER)')}\n    mine:       {kf.bstr(der).hex()}")
        record(ex, "listing: signature (Ed25519 over the statement)", lst.get("signature") == kf.bstr(inner).hex(),
               f"FORMATS.md: {lst.get('signature')}\n    mine:       {kf.bstr(inner).hex()}")
        record(ex, "field-by-field listing (stored signature)", field_listings(lines)[0] == stored.hex(),
               f"FORMATS.md: {field_listings(lines)[0]}\n    mine:       {stored.hex()}")
        printed_sig = bytes.fromhex(lst.get("signature", "")[8:] or "00")
        record(ex, "printed signature verifies (identity key, statement)",
               kf.ed25519_verify(ident_pub, printed_sig, stmt))
        # the delegation also round-trips through the §7 binary and JSON forms
        record(ex, "binary form round-trips", kf.delegation_from_binary(d.binary()).binary() == d.binary())
        record(ex, "JSON form round-trips", kf.Delegation.from_json(d.to_json()).to_json() == d.to_json())

    # delta (§11)
    ex = "delta"
    if ex in blocks:
        lines = blocks[ex]; f = col_fields(lines); seen.add(ex)
        signed = kf.delta_signed_bytes(g.CONTEXT_ID, g.CLIENT, 2, g.T0 + 25, b"hello")
        sig = kf.ed25519_sign(g.CLIENT_SEED, signed)
        record(ex, "field-by-field listing (signed bytes)", field_listings(lines)[0] == signed.hex(),
               f"FORMATS.md: {field_listings(lines)[0]}\n    mine:       {signed.hex()}")
        cmp(ex, f, "delta id = BLAKE3", kf.blake3(signed).hex())
        cmp(ex, f, "signature (hex)", sig.hex())
        record(ex, "printed delta id = BLAKE3(printed listing)",
               kf.blake3(bytes.fromhex(field_listings(lines)[0])).hex() == f.get("delta id = BLAKE3", [""])[0])
        record(ex, "printed signature verifies (client key, printed listing)",
               kf.ed25519_verify(g.CLIENT, bytes.fromhex(f.get("signature (hex)", ["00"])[0]),
                                 bytes.fromhex(field_listings(lines)[0])))
        j = kf.delta_json(g.CONTEXT_ID, g.CLIENT, 2, g.T0 + 25, b"hello", sig)
        record(ex, "delta JSON (not printed) round-trips", kf.delta_from_json(j)[5] == sig)

    # challenge-nonce (§14)
    ex = "challenge-nonce"
    if ex in blocks:
        lines = blocks[ex]; f = col_fields(lines); seen.add(ex)
        ckey = bytes([0x0b]) * 32
        account = "rawkey:ed25519:" + kf.ed25519_public(g.WALLET_ED_SEED).hex()
        rnd = bytes([0x0c]) * 8
        t0, ttl = g.T0, 300
        mac_in = kf.challenge_mac_input(g.DOMAIN, account, t0, t0 + ttl, rnd)
        mac_key = kf.challenge_mac_key(ckey)
        mac = kf.blake3_keyed(mac_key, mac_in)
        nonce = kf.challenge_nonce(ckey, g.DOMAIN, account, t0, ttl, rnd)
        cmp(ex, f, "challenge key", ckey.hex())
        cmp(ex, f, "MAC key = derive_key", mac_key.hex())
        mac_lst = dict(listing_values(lines, "# MAC input"))
        for label, want in [("domain tag", kf.tag("challenge-nonce")), ("domain", kf.bstr(g.DOMAIN.encode())),
                            ("account", kf.bstr(account.encode())), ("issued_at (u64)", kf.u64(t0)),
                            ("expires_at (u64)", kf.u64(t0 + ttl)), ("random", kf.bstr(rnd))]:
            record(ex, f"MAC input listing: {label}", mac_lst.get(label) == want.hex(),
                   f"FORMATS.md: {mac_lst.get(label)}\n    mine:       {want.hex()}")
        listings = field_listings(lines)
        record(ex, "field-by-field listing (MAC input)", listings[0] == mac_in.hex(),
               f"FORMATS.md: {listings[0]}\n    mine:       {mac_in.hex()}")
        cmp(ex, f, "keyed BLAKE3", mac.hex())
        record(ex, "printed keyed BLAKE3 = keyed BLAKE3(printed MAC key, printed listing)",
               kf.blake3_keyed(bytes.fromhex(f["MAC key = derive_key"][0]), bytes.fromhex(listings[0])).hex()
               == f["keyed BLAKE3"][0])
        n_lst = dict(listing_values(lines, "# nonce"))
        for label, want in [("issued_at (40 bits)", nonce[0:5]), ("ttl (24 bits)", nonce[5:8]),
                            ("random (8)", nonce[8:16]), ("tag (MAC, first 16)", nonce[16:32])]:
            record(ex, f"nonce listing: {label}", n_lst.get(label) == want.hex(),
                   f"FORMATS.md: {n_lst.get(label)}\n    mine:       {want.hex()}")
        record(ex, "nonce tag = first 16 bytes of the printed keyed BLAKE3",
               n_lst.get("tag (MAC, first 16)") == f["keyed BLAKE3"][0][:32])
        record(ex, "field-by-field listing (nonce)", listings[1] == nonce.hex(),
               f"FORMATS.md: {listings[1]}\n    mine:       {nonce.hex()}")
        cmp(ex, f, "nonce text", nonce.hex())
        record(ex, "nonce opens (MAC verifies, times recovered)",
               kf.challenge_nonce_open(ckey, g.DOMAIN, account, bytes.fromhex(f["nonce text"][0]))
               == (t0, t0 + ttl))
        try:
            kf.challenge_nonce_open(ckey, "other.example.com", account, nonce)
            record(ex, "nonce refused for another domain", False)
        except kf.FormatError:
            record(ex, "nonce refused for another domain", True)

    for ex in blocks:
        if ex not in seen:
            record(ex, "(whole example)", False, "no check written for this example")

    bad = [r for r in results if not r[2]]
    for ex, label, ok, detail in results:
        print(f"{'ok  ' if ok else 'FAIL'} {ex}: {label}")
        if not ok and detail:
            print("    " + detail)
    print(f"\n{len(results) - len(bad)}/{len(results)} checks pass over {len(blocks)} worked examples")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
