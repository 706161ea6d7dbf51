#!/usr/bin/env python3
"""Independent generator of keytree client-key derivation test vectors.

Construction (keytree design document):
    client_seed = HKDF-SHA256(ikm  = root_seed,
                              salt = b"keytree/v1/client-key",
                              info = context_id (32 bytes) || index (u32, big-endian),
                              L    = 32)
    client key  = Ed25519 key whose RFC 8032 32-byte seed is client_seed.

HKDF is implemented here from RFC 5869 using only hashlib + hmac.
Ed25519 public keys come from PyNaCl (libsodium).
Base58 (Bitcoin alphabet) is implemented here.

This script does not use or share any code with the Rust crate.
Usage (from the repository root):
    python3 tests/vectors/derivation/gen_vectors.py > tests/vectors/derivation/derivation.json
Output is fully deterministic.
"""
import hashlib
import hmac
import json
import struct
import sys

import nacl.signing

SALT = b"keytree/v1/client-key"

# ---------------------------------------------------------------- HKDF (RFC 5869)

def hkdf_extract(salt: bytes, ikm: bytes) -> bytes:
    if not salt:
        salt = b"\x00" * hashlib.sha256().digest_size
    return hmac.new(salt, ikm, hashlib.sha256).digest()


def hkdf_expand(prk: bytes, info: bytes, length: int) -> bytes:
    hash_len = hashlib.sha256().digest_size
    if length > 255 * hash_len:
        raise ValueError("HKDF length too large")
    okm = b""
    t = b""
    i = 1
    while len(okm) < length:
        t = hmac.new(prk, t + info + bytes([i]), hashlib.sha256).digest()
        okm += t
        i += 1
    return okm[:length]


def hkdf_sha256(ikm: bytes, salt: bytes, info: bytes, length: int) -> bytes:
    return hkdf_expand(hkdf_extract(salt, ikm), info, length)

# ---------------------------------------------------------------- base58 (Bitcoin alphabet)

B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58encode(data: bytes) -> str:
    n = int.from_bytes(data, "big")
    out = ""
    while n > 0:
        n, r = divmod(n, 58)
        out = B58_ALPHABET[r] + out
    zeros = len(data) - len(data.lstrip(b"\x00"))
    return "1" * zeros + out

# ---------------------------------------------------------------- Ed25519 (PyNaCl)

def ed25519_public(seed: bytes) -> bytes:
    assert len(seed) == 32
    return bytes(nacl.signing.SigningKey(seed).verify_key)


def pk_text(pk: bytes) -> str:
    return "ed25519:" + b58encode(pk)

# ---------------------------------------------------------------- self-checks

def _fail(msg: str) -> None:
    sys.stderr.write("SELF-CHECK FAILED: " + msg + "\n")
    sys.exit(1)


def self_check() -> None:
    h = bytes.fromhex
    # RFC 5869 Appendix A, test cases 1-3 (SHA-256)
    cases = [
        (
            "A.1",
            b"\x0b" * 22,
            h("000102030405060708090a0b0c"),
            h("f0f1f2f3f4f5f6f7f8f9"),
            42,
            "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
            "34007208d5b887185865",
        ),
        (
            "A.2",
            bytes(range(0x00, 0x50)),
            bytes(range(0x60, 0xB0)),
            bytes(range(0xB0, 0x100)),
            82,
            "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
            "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
            "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
            "cc30c58179ec3e87c14c01d5c1f3434f1d87",
        ),
        (
            "A.3",
            b"\x0b" * 22,
            b"",
            b"",
            42,
            "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
            "9d201395faa4b61a96c8",
        ),
    ]
    for name, ikm, salt, info, length, prk_hex, okm_hex in cases:
        prk = hkdf_extract(salt, ikm)
        if prk.hex() != prk_hex:
            _fail(f"RFC 5869 {name} PRK: got {prk.hex()}")
        okm = hkdf_expand(prk, info, length)
        if okm.hex() != okm_hex:
            _fail(f"RFC 5869 {name} OKM: got {okm.hex()}")
        if hkdf_sha256(ikm, salt, info, length).hex() != okm_hex:
            _fail(f"RFC 5869 {name} combined HKDF")

    # RFC 8032 section 7.1, TEST 1
    sk = h("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    pk = ed25519_public(sk)
    if pk.hex() != "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a":
        _fail(f"RFC 8032 7.1 TEST 1 public key: got {pk.hex()}")

    # base58 sanity (draft-msporny-base58 examples)
    for raw, enc in [
        (b"Hello World!", "2NEpo7TZRRrLZSi2U"),
        (b"The quick brown fox jumps over the lazy dog.",
         "USm3fpXnKG5EUBx2ndxBDMPVciP5hGey2Jh4NDv6gmeo1LkMeiKrLJUUBk6Z"),
        (h("0000287fb4cd"), "11233QC4"),
        (b"", ""),
        (b"\x00", "1"),
    ]:
        if b58encode(raw) != enc:
            _fail(f"base58 {raw!r}: got {b58encode(raw)}")

# ---------------------------------------------------------------- vectors

def sha256(s: str) -> bytes:
    return hashlib.sha256(s.encode("ascii")).digest()


def root(n: int) -> bytes:
    return sha256(f"keytree derivation vector root {n}")


def ctx(n: int) -> bytes:
    return sha256(f"keytree derivation vector context {n}")


ZERO = b"\x00" * 32
FF = b"\xff" * 32
INDICES = [0, 1, 2, 255, 256, 65535, 2**31 - 1, 2**31, 2**32 - 1]


def derive(root_seed: bytes, context_id: bytes, index: int) -> bytes:
    assert len(root_seed) == 32 and len(context_id) == 32
    assert 0 <= index <= 0xFFFFFFFF
    return hkdf_sha256(root_seed, SALT, context_id + struct.pack(">I", index), 32)


def vector(root_seed: bytes, context_id: bytes, index: int) -> dict:
    client_seed = derive(root_seed, context_id, index)
    return {
        "root_seed": root_seed.hex(),
        "root_public_key": pk_text(ed25519_public(root_seed)),
        "context_id": context_id.hex(),
        "context_id_b58": b58encode(context_id),
        "index": index,
        "client_seed": client_seed.hex(),
        "client_public_key": pk_text(ed25519_public(client_seed)),
    }


def build() -> list:
    cases = []
    # 1. one root + one context, every edge-case index
    for i in INDICES:
        cases.append((root(0), ctx(0), i))
    # 2. same root, different contexts
    for n in (1, 2):
        cases.append((root(0), ctx(n), 0))
    # 3. different roots and contexts, assorted indices
    for n in range(1, 9):
        cases.append((root(n), ctx(n), INDICES[(n - 1) % len(INDICES)]))
    # 4. degenerate root seeds / context ids
    cases += [
        (ZERO, ctx(0), 0),
        (FF, ctx(0), 0),
        (root(0), ZERO, 0),
        (ZERO, ZERO, 0),
        (FF, FF, 2**32 - 1),
        (ZERO, FF, 2**31),
        (FF, ZERO, 1),
    ]
    return [vector(*c) for c in cases]


def main() -> None:
    self_check()
    doc = {
        "description": (
            "keytree client-key derivation test vectors. "
            "client_seed = HKDF-SHA256(ikm=root_seed, salt=ASCII salt, "
            "info=context_id(32 bytes) || index(u32 big-endian), L=32); "
            "client key = Ed25519 key with RFC 8032 seed client_seed. "
            "Public keys are 'ed25519:' + base58(Bitcoin alphabet) of the 32-byte key. "
            "Generated independently of the Rust code by gen_vectors.py "
            "(Python hashlib/hmac + PyNaCl); see PROVENANCE.md."
        ),
        "salt": SALT.decode("ascii"),
        "vectors": build(),
    }
    sys.stdout.write(json.dumps(doc, indent=2) + "\n")


if __name__ == "__main__":
    main()
