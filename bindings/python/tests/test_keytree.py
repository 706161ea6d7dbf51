"""The keytree quickstart and its errors, from Python through the C ABI."""

import ctypes
import json
import time
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

import keytree
from keytree import KeytreeError

NOW = 1_700_000_000
REPO = Path(__file__).resolve().parents[3]


def member_setup(now=NOW, ttl=3600):
    root = keytree.RootKey.from_seed(bytes([7]) * 32)
    ctx_id = keytree.new_context_id()
    ctx = keytree.Context.create(root, ctx_id, now)
    client = root.derive_client_key(ctx_id, 0)
    delegation = keytree.sign_delegation(
        root, client.public_key, ctx_id, ["context:execute"], now, now + ttl
    )
    ctx.apply(ctx.propose(root, {"type": "add_member", "chain": [json.loads(delegation)]}, now))
    return root, ctx_id, ctx, client, delegation


def test_quickstart_end_to_end():
    root, ctx_id, ctx, client, delegation = member_setup()
    assert root.public_key.startswith("ed25519:")
    assert root.seed() == bytes([7]) * 32
    assert root.derive_client_key(ctx_id, 0).public_key == client.public_key
    summary = keytree.verify_delegation(delegation, NOW + 1)
    assert summary["subject"] == client.public_key
    assert summary["permissions"] == ["context:execute"]

    ctx.authorize(client.public_key, "context:execute:transfer", NOW + 10)
    assert ctx.head_seq == 1

    issuer = keytree.TokenIssuer("https://auth.example", bytes([9]) * 32)
    token = issuer.mint(ctx, client.public_key, "api.example", NOW)
    validator = keytree.Validator("https://auth.example", "api.example", issuer.jwks(NOW))
    claims = validator.validate_for(ctx, token, NOW + 1)
    assert claims["executor_public_key"] == client.public_key
    assert claims["permissions"] == ["context:execute"]
    assert claims["context_id"] == ctx_id
    validator.check(token, NOW + 1)

    # Revocation: the unexpired token is refused at once.
    ctx.apply(ctx.propose(root, {"type": "revoke_key", "key": client.public_key}, NOW + 60))
    with pytest.raises(KeytreeError) as e:
        validator.validate_for(ctx, token, NOW + 61)
    assert e.value.code == keytree.KT_ERR_TOKEN
    assert "revoked" in e.value.message

    # Any replica replays the exported log to the same state.
    replica = keytree.Context.import_log(ctx.export())
    assert replica.head_seq == ctx.head_seq == 2
    with pytest.raises(KeytreeError) as e:
        replica.authorize(client.public_key, "context:execute", NOW + 61)
    assert e.value.code == keytree.KT_ERR_CONTEXT
    for h in (replica, validator, issuer, client, ctx, root):
        h.close()


def test_authority_is_checked_at_the_given_time():
    root, ctx_id, ctx, client, delegation = member_setup(ttl=60)
    ctx.authorize(client.public_key, "context:execute", NOW + 59)
    with pytest.raises(KeytreeError) as e:
        ctx.authorize(client.public_key, "context:execute", NOW + 60)
    assert e.value.code == keytree.KT_ERR_CONTEXT
    with pytest.raises(KeytreeError) as e:
        keytree.verify_delegation(delegation, NOW + 60)
    assert e.value.code == keytree.KT_ERR_DELEGATION
    with pytest.raises(KeytreeError) as e:
        ctx.authorize(client.public_key, "admin", NOW)
    assert e.value.code == keytree.KT_ERR_CONTEXT


def test_token_minted_in_python_validates_with_pyjwt():
    now = int(time.time())
    root, ctx_id, ctx, client, _ = member_setup(now=now)
    issuer = keytree.TokenIssuer("https://auth.example", bytes([9]) * 32)
    token = issuer.mint(ctx, client.public_key, "api.example", now, ttl=300)
    jwks = jwt.PyJWKSet.from_json(issuer.jwks(now))
    kid = jwt.get_unverified_header(token)["kid"]
    key = next(k for k in jwks.keys if k.key_id == kid)
    claims = jwt.decode(token, key=key.key, algorithms=["EdDSA"], audience="api.example",
                        issuer="https://auth.example")
    assert claims["executor_public_key"] == client.public_key
    assert claims["context_id"] == ctx_id
    # And a tampered one is refused by both.
    head, body, sig = token.split(".")
    forged = ".".join([head, body, ("A" if sig[0] != "A" else "B") + sig[1:]])
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(forged, key=key.key, algorithms=["EdDSA"], audience="api.example")
    validator = keytree.Validator("https://auth.example", "api.example", issuer.jwks(now))
    with pytest.raises(KeytreeError) as e:
        validator.validate(forged, now)
    assert e.value.code == keytree.KT_ERR_SIGNATURE


def test_published_wallet_vectors_verify():
    # ethers.js v5 test-wallet.ts "hello world" personal_sign vector.
    proof = {
        "type": "ethereum_personal_sign",
        "account": "eip155:1:0x14791697260E4c9A71f18484C9f997B308e59325",
        "message": "hello world",
        "signature": "0xddd0a7290af9526056b4e35a077b9a11b513aa0028ec6c9880948544508f3c63"
        "265e99e47ad31bb2cab9646c504576b3abc6939a1710afc08cbf3034d73214b81c",
    }
    out = keytree.verify_wallet(proof, NOW, {"message": "hello world"})
    assert out["account"] == proof["account"]
    with pytest.raises(KeytreeError) as e:
        keytree.verify_wallet(proof, NOW, {"message": "goodbye"})
    assert e.value.code == keytree.KT_ERR_WALLET

    # NEP-413 vectors made with near-api-js (tests/vectors/near/nep413.json).
    vectors = json.loads((REPO / "tests/vectors/near/nep413.json").read_text())["vectors"]
    checked = 0
    for v in vectors:
        if not v["valid"] or len(v["account_id"]) != 64:
            continue
        near = {
            "type": "near",
            "account": f"near:mainnet:{v['account_id']}",
            "public_key": v["public_key"],
            "message": v["message"],
            "nonce_hex": v["nonce_hex"],
            "recipient": v["recipient"],
            "callback_url": v["callback_url"],
            "signature": v["signature"],
        }
        expect = {"message": v["message"], "domain": v["recipient"], "nonce_hex": v["nonce_hex"]}
        if v["callback_url"] is not None:
            expect["callback_url"] = v["callback_url"]
        assert keytree.verify_wallet(near, NOW, expect)["account"] == near["account"]
        checked += 1
    assert checked >= 3


def test_icp_logins_sign_the_tagged_wrapper():
    # Keys of the published ICP identity vectors (tests/vectors/icp/identities.json,
    # made with @dfinity/identity). Their signatures over the bare message are
    # not login proofs (one signature, one protocol); the same key signing
    # the ICP login wrapper is.
    data = json.loads((REPO / "tests/vectors/icp/identities.json").read_text())
    checked = 0
    for v in data["vectors"]:
        if v["valid"] is not True or v["key_type"] != "ed25519":
            continue
        sk = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(v["secret_key_hex"]))
        for sig in v["signatures"]:
            message = bytes.fromhex(sig["message_hex"])
            proof = {
                "type": "icp",
                "account": f"icp:mainnet:{v['principal']}",
                "public_key_der_hex": v["public_key_der_hex"],
                "message_hex": sig["message_hex"],
                "signature_hex": sig["signature_hex"],
            }
            expect = {"message_hex": sig["message_hex"]}
            with pytest.raises(KeytreeError) as e:
                keytree.verify_wallet(proof, NOW, expect)
            assert e.value.code == keytree.KT_ERR_SIGNATURE
            wrapped = sk.sign(b"keytree/v1/login/icp\n" + message).hex()
            out = keytree.verify_wallet(dict(proof, signature_hex=wrapped), NOW, expect)
            assert out["account"] == proof["account"]
            checked += 1
    assert checked >= 1


def raw_key():
    sk = Ed25519PrivateKey.from_private_bytes(bytes([0x42]) * 32)
    pk_hex = sk.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
    return sk, pk_hex


def test_login_challenge_is_redeemed_once():
    sk, pk_hex = raw_key()
    account = f"rawkey:ed25519:{pk_hex}"
    with keytree.ChallengeIssuer("app.example.com", bytes([0x5A]) * 32) as login:
        challenge = login.issue(account, NOW)
        assert challenge["account"] == account
        text = challenge["message"]["text"]
        # The key signs the documented raw-key login wrapper, which the
        # challenge also hands out ready-made.
        wrapper = b"keytree/v1/login/raw-key\n" + text.encode()
        assert bytes.fromhex(challenge["message"]["signing_bytes_hex"]) == wrapper
        proof = {
            "type": "raw_ed25519",
            "public_key": pk_hex,
            "message": text,
            "signature": sk.sign(wrapper).hex(),
        }
        # The bare text signed without the wrapper is refused.
        with pytest.raises(KeytreeError) as e:
            login.redeem(dict(proof, signature=sk.sign(text.encode()).hex()), NOW + 5)
        assert e.value.code == keytree.KT_ERR_SIGNATURE
        assert login.redeem(proof, NOW + 5)["account"] == account
        with pytest.raises(KeytreeError) as e:
            login.redeem(proof, NOW + 6)
        assert e.value.code == keytree.KT_ERR_CHALLENGE
        # A wrong signature over a fresh challenge is refused and spends nothing.
        fresh = login.issue(account, NOW)["message"]["text"]
        bad = dict(proof, message=fresh, signature=sk.sign(b"something else").hex())
        with pytest.raises(KeytreeError) as e:
            login.redeem(bad, NOW + 5)
        assert e.value.code == keytree.KT_ERR_SIGNATURE
        good = dict(proof, message=fresh, signature=sk.sign(b"keytree/v1/login/raw-key\n" + fresh.encode()).hex())
        assert login.redeem(good, NOW + 5)["account"] == account


@pytest.mark.parametrize(
    "call, code",
    [
        (lambda: keytree.RootKey.from_seed(b"short"), keytree.KT_ERR_ARGUMENT),
        (lambda: keytree.verify_delegation("{", NOW), keytree.KT_ERR_JSON),
        (lambda: keytree.verify_delegation('{"version":1}', NOW), keytree.KT_ERR_JSON),
        (lambda: keytree.verify_wallet({"type": "nope"}, NOW), keytree.KT_ERR_JSON),
        (lambda: keytree.Validator("i", "a", '{"keys":5}'), keytree.KT_ERR_TOKEN),
        (lambda: keytree.Context.import_log("null"), keytree.KT_ERR_DECODE),
        (lambda: keytree.ChallengeIssuer("app.example.com", bytes(32)).issue("nope", NOW), keytree.KT_ERR_DECODE),
        (lambda: keytree.ChallengeIssuer("app.example.com", bytes(31)), keytree.KT_ERR_ARGUMENT),
    ],
)
def test_errors_carry_code_and_message(call, code):
    with pytest.raises(KeytreeError) as e:
        call()
    assert e.value.code == code
    assert e.value.name.startswith("KT_ERR_")
    assert e.value.message


def test_closed_and_foreign_handles_are_refused():
    root = keytree.RootKey.generate()
    root.close()
    root.close()  # a second close is a no-op
    with pytest.raises(KeytreeError) as e:
        root.public_key
    assert e.value.code == keytree.KT_ERR_HANDLE
    lib = keytree._ffi.lib
    out = ctypes.c_void_p()
    local = ctypes.c_uint64(0xDEADBEEF)
    assert lib.kt_root_key_public_key(ctypes.addressof(local), ctypes.byref(out)) == keytree.KT_ERR_HANDLE
    assert out.value is None
    # Bad UTF-8 straight through the ABI.
    bad = b"{\xff}"
    assert lib.kt_delegation_verify(bad, len(bad), NOW, ctypes.byref(out)) == keytree.KT_ERR_ARGUMENT
    # A length past the maximum is refused before anything is read.
    assert lib.kt_delegation_verify(b"{}", (1 << 20) + 1, NOW, ctypes.byref(out)) == keytree.KT_ERR_ARGUMENT


def test_one_validator_shared_by_threads():
    from concurrent.futures import ThreadPoolExecutor

    root, ctx_id, ctx, client, _ = member_setup()
    issuer = keytree.TokenIssuer("https://auth.example", bytes([9]) * 32)
    token = issuer.mint(ctx, client.public_key, "api", NOW)
    validator = keytree.Validator("https://auth.example", "api", issuer.jwks(NOW))

    def work(i):
        claims = validator.validate_for(ctx, token, NOW + 1)
        # Each thread's failure is its own: the error raised names the token
        # refusal, whatever the other threads are doing.
        with pytest.raises(KeytreeError) as e:
            validator.validate("x" * (i + 1), NOW)
        assert e.value.code == keytree.KT_ERR_TOKEN
        return claims["jti"]

    with ThreadPoolExecutor(max_workers=4) as pool:
        jtis = set(pool.map(work, range(64)))
    assert len(jtis) == 1
    for h in (validator, issuer, client, ctx, root):
        h.close()
