#!/usr/bin/env python3
"""Validate a keytree token with PyJWT (+ cryptography), using only the JWKS.

Reads the JSON object printed by `cargo run -q --example mint_token` on stdin:

    pip install pyjwt cryptography
    cargo run -q --example mint_token | python3 tests/interop/pyjwt_validate.py

Checks that PyJWT accepts the token with the published JWKS (EdDSA, issuer,
audience, exp/nbf/iat required), that the claims are keytree's, and that
PyJWT refuses a tampered token and an HS256 reading of it. Exits non-zero on
any failure and prints one summary line.
"""

import json
import sys

import jwt  # PyJWT
from jwt import PyJWKSet


def fail(msg):
    print(f"pyjwt interop: FAILED: {msg}", file=sys.stderr)
    sys.exit(1)


def main():
    data = json.load(sys.stdin)
    token = data["token"]
    jwks = PyJWKSet.from_dict(data["jwks"])

    header = jwt.get_unverified_header(token)
    if header.get("alg") != "EdDSA" or header.get("typ") != "at+jwt":
        fail(f"unexpected header {header}")
    matches = [k for k in jwks.keys if k.key_id == header["kid"]]
    if len(matches) != 1:
        fail(f"kid {header['kid']!r} not found exactly once in the JWKS")
    key = matches[0]

    claims = jwt.decode(
        token,
        key=key.key,
        algorithms=["EdDSA"],
        audience=data["audience"],
        issuer=data["issuer"],
        options={"require": ["exp", "nbf", "iat", "iss", "aud", "sub", "jti"]},
    )
    expected = {
        "token_type": "access",
        "context_id": data["context_id"],
        "executor_public_key": data["executor_public_key"],
        "permissions": data["permissions"],
    }
    for name, value in expected.items():
        if claims.get(name) != value:
            fail(f"claim {name}: expected {value!r}, got {claims.get(name)!r}")

    # A tampered payload must be refused.
    head, payload, sig = token.split(".")
    flipped = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]
    try:
        jwt.decode(
            f"{head}.{flipped}.{sig}",
            key=key.key,
            algorithms=["EdDSA"],
            audience=data["audience"],
            issuer=data["issuer"],
        )
        fail("tampered token accepted")
    except jwt.InvalidTokenError:
        pass

    # The Ed25519 key is not an HMAC secret.
    try:
        jwt.decode(token, key=key.key, algorithms=["HS256"], audience=data["audience"])
        fail("token accepted as HS256")
    except (jwt.InvalidTokenError, TypeError, ValueError):
        pass

    print(
        "pyjwt interop: ok "
        f"(PyJWT {jwt.__version__}, kid {header['kid']}, "
        f"permissions {','.join(claims['permissions'])})"
    )


if __name__ == "__main__":
    main()
