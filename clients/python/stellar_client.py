"""Stellar's Python SDK drives keytree's example gateway over HTTP.

    python3 stellar_client.py http://127.0.0.1:PORT_A [http://127.0.0.1:PORT_B]

A `stellar_sdk.Keypair` signs the gateway's sign-in text as a SEP-53 message
(`Keypair.sign_message`) and goes through the full cycle: challenge, sign,
verify, replay refused, whoami, refresh, old refresh refused, an API key
(both headers) listed, revoked and refused, logout, refresh and access token
refused after logout. With a second URL every step after a login runs on the
other instance. Standard library HTTP; the only package is stellar-sdk
(pinned in requirements.txt). Ends with the line `N passed, N failed`.
"""

import base64
import json
import re
import sys
import traceback
import urllib.error
import urllib.request

from stellar_sdk import Keypair

PERMISSIONS = ["api:read", "api:write"]


def call(base, method, path, body=None, headers=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    if body is not None:
        req.add_header("content-type", "application/json")
    for name, value in (headers or {}).items():
        req.add_header(name, value)
    try:
        with urllib.request.urlopen(req, timeout=10) as res:
            status, text = res.status, res.read()
    except urllib.error.HTTPError as err:
        status, text = err.code, err.read()
    try:
        return status, json.loads(text)
    except ValueError:
        raise AssertionError(f"{method} {path}: not JSON ({status}): {text!r}")


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def ok(reply, what):
    status, body = reply
    assert status == 200, f"{what}: {status} {body}"
    return body


def refused(reply, status, kind, what):
    got, body = reply
    assert got == status, f"{what}: expected {status}, got {got} {body}"
    assert body.get("error") == kind, f"{what}: {body}"
    assert isinstance(body.get("message"), str) and body["message"], what


def login(base, keypair):
    ch = ok(
        call(base, "POST", "/v1/auth/challenge", {"chain": "stellar", "address": keypair.public_key}),
        "challenge",
    )
    assert ch["format"] == "sep53", ch
    assert re.fullmatch(r"[0-9a-f]{64}", ch["nonce"]), ch
    assert ch["wallet"].endswith(":" + keypair.public_key), ch
    assert ch["wallet"].startswith("stellar:"), ch
    assert f"Nonce: {ch['nonce']}" in ch["message"], ch
    assert ch["message"].startswith(f"{ch['domain']} wants you to sign in with your Stellar account:\n")
    signature = keypair.sign_message(ch["message"])
    # The SDK's own check, so a failure below is the gateway's.
    keypair.verify_message(ch["message"], signature)
    verify = {
        "wallet": ch["wallet"],
        "nonce": ch["nonce"],
        "signature": base64.b64encode(signature).decode(),
    }
    tokens = ok(call(base, "POST", "/v1/auth/verify", verify), "verify")
    assert tokens["token_type"] == "Bearer", tokens
    assert tokens["wallet"] == ch["wallet"], tokens
    assert tokens["expires_in"] > 0 and tokens["refresh_expires_in"] > 0, tokens
    return verify, tokens


def full_cycle(a, b):
    keypair = Keypair.random()
    verify, s1 = login(a, keypair)
    refused(call(b, "POST", "/v1/auth/verify", verify), 401, "unauthorized", "replayed signature")
    me = ok(call(b, "GET", "/v1/auth/whoami", headers=bearer(s1["access_token"])), "whoami")
    assert me["wallet"] == s1["wallet"], me
    assert me["permissions"] == PERMISSIONS, me
    assert re.fullmatch(r"[0-9a-f]{32}", me["session"]), me
    s1b = ok(call(b, "POST", "/v1/auth/refresh", {"refresh_token": s1["refresh_token"]}), "refresh")
    assert s1b["refresh_token"] != s1["refresh_token"]
    again = ok(call(a, "GET", "/v1/auth/whoami", headers=bearer(s1b["access_token"])), "whoami 2")
    assert again["session"] == me["session"], "a refresh stays in its session"
    # The successor used, a second use of the first token is reuse.
    s1c = ok(call(a, "POST", "/v1/auth/refresh", {"refresh_token": s1b["refresh_token"]}), "refresh 2")
    refused(call(a, "POST", "/v1/auth/refresh", {"refresh_token": s1["refresh_token"]}),
            401, "unauthorized", "old refresh token")
    refused(call(b, "POST", "/v1/auth/refresh", {"refresh_token": s1c["refresh_token"]}),
            401, "unauthorized", "family revoked after reuse")

    _, s2 = login(a, keypair)
    key = ok(call(b, "POST", "/v1/auth/api-key", {}, bearer(s2["access_token"])), "api key")
    assert key["api_key"].startswith("kt_"), key
    assert key["permissions"] == PERMISSIONS, key
    for headers in ({"X-API-Key": key["api_key"]}, bearer(key["api_key"])):
        who = ok(call(a, "GET", "/v1/auth/whoami", headers=headers), "whoami with api key")
        assert who["wallet"] == s1["wallet"] and who["session"] is None, who
    listed = ok(call(b, "GET", "/v1/auth/api-key", headers=bearer(s2["access_token"])), "list")
    assert [k for k in listed["keys"] if k["id"] == key["id"]], listed
    revoked = ok(call(b, "DELETE", f"/v1/auth/api-key/{key['id']}", headers=bearer(s2["access_token"])), "revoke")
    assert revoked["revoked"] is True, revoked
    refused(call(a, "GET", "/v1/auth/whoami", headers={"X-API-Key": key["api_key"]}),
            401, "unauthorized", "revoked api key")
    listed = ok(call(a, "GET", "/v1/auth/api-key", headers=bearer(s2["access_token"])), "list 2")
    assert not [k for k in listed["keys"] if k["id"] == key["id"]], listed

    out = ok(call(b, "POST", "/v1/auth/logout", {"refresh_token": s2["refresh_token"]}), "logout")
    assert out["sessions_revoked"] == 1, out
    refused(call(a, "POST", "/v1/auth/refresh", {"refresh_token": s2["refresh_token"]}),
            401, "unauthorized", "refresh after logout")
    refused(call(a, "GET", "/v1/auth/whoami", headers=bearer(s2["access_token"])),
            401, "unauthorized", "access token after logout")


def bad_signature(a, b):
    keypair, other = Keypair.random(), Keypair.random()
    ch = ok(call(a, "POST", "/v1/auth/challenge", {"chain": "stellar", "address": keypair.public_key}), "challenge")
    signature = base64.b64encode(other.sign_message(ch["message"])).decode()
    body = {"wallet": ch["wallet"], "nonce": ch["nonce"], "signature": signature}
    refused(call(b, "POST", "/v1/auth/verify", body), 401, "unauthorized", "another key's signature")


def main():
    if len(sys.argv) < 2:
        print("usage: stellar_client.py BASE_URL [SECOND_BASE_URL]", file=sys.stderr)
        return 2
    a = sys.argv[1].rstrip("/")
    b = (sys.argv[2] if len(sys.argv) > 2 else a).rstrip("/")
    passed = failed = 0
    for name, case in [
        ("full cycle: stellar (stellar-sdk Keypair.sign_message, SEP-53)", full_cycle),
        ("another key's SEP-53 signature is refused", bad_signature),
    ]:
        try:
            case(a, b)
            passed += 1
            print(f"ok - {name}")
        except Exception:  # noqa: BLE001 - report every failure, then fail
            failed += 1
            print(f"FAILED - {name}")
            traceback.print_exc()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
