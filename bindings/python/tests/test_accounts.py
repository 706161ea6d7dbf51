"""Wallet-account members from Python through the C ABI: op kinds 7-11 as
dicts, ``Context.authorize_account``, ``TokenIssuer.mint_account`` and the
``account`` / ``via`` claims."""

import time

import jwt
import pytest

import keytree
from keytree import KeytreeError

NOW = 1_700_000_000
ETH = "eip155:1:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"  # EIP-55, canonical
ETH_LOWER = ETH.lower()
NEAR = "near:mainnet:alice.near"
STRANGER = "eip155:1:0x14791697260E4c9A71f18484C9f997B308e59325"
ISS, AUD = "https://auth.example", "api.example"


def account_setup(now=NOW, ttl=3600):
    root = keytree.RootKey.from_seed(bytes([7]) * 32)
    ctx_id = keytree.new_context_id()
    ctx = keytree.Context.create(root, ctx_id, now)
    add = {"type": "add_account", "account": ETH, "permissions": ["context:execute"],
           "not_before": now, "expires_at": now + ttl}
    ctx.apply(ctx.propose(root, add, now))
    issuer = keytree.TokenIssuer(ISS, bytes([9]) * 32)
    validator = keytree.Validator(ISS, AUD, issuer.jwks(now))
    return root, ctx_id, ctx, issuer, validator


def apply(ctx, root, kind, ts):
    ctx.apply(ctx.propose(root, kind, ts))


def test_account_member_token_lifecycle():
    root, ctx_id, ctx, issuer, validator = account_setup()
    assert ctx.head_seq == 1
    ctx.authorize_account(ETH, "context:execute:transfer", NOW + 10)
    for account, permission, at in [(ETH, "admin", NOW + 10), (ETH, "context:execute", NOW + 3600),
                                    (STRANGER, "context:execute", NOW + 10)]:
        with pytest.raises(KeytreeError) as e:
            ctx.authorize_account(account, permission, at)
        assert e.value.code == keytree.KT_ERR_CONTEXT

    token = issuer.mint_account(ctx, ETH, AUD, NOW + 10)
    claims = validator.validate_for(ctx, token, NOW + 11)
    assert claims["sub"] == claims["account"] == ETH
    assert claims["context_id"] == ctx_id
    assert claims["permissions"] == ["context:execute"]
    assert "executor_public_key" not in claims and "via" not in claims

    # Requests may spell the account any way; `sub` is canonical.
    lower = issuer.mint_account(ctx, ETH_LOWER, AUD, NOW + 10)
    assert validator.validate_for(ctx, lower, NOW + 11)["sub"] == ETH
    ctx.authorize_account(ETH_LOWER, "context:execute", NOW + 10)

    # Kind 10: a linked account logs in as the member (`via`).
    apply(ctx, root, {"type": "link_account", "member": ETH, "account": NEAR}, NOW + 20)
    ctx.authorize_account(NEAR, "context:execute", NOW + 21)
    via_token = issuer.mint_account(ctx, NEAR, AUD, NOW + 21, ttl=600)
    claims = validator.validate_for(ctx, via_token, NOW + 22)
    assert (claims["sub"], claims["account"], claims["via"]) == (ETH, ETH, NEAR)
    assert claims["exp"] == NOW + 21 + 600

    # Kind 11: unlinking ends the linked login's token at once.
    apply(ctx, root, {"type": "unlink_account", "account": NEAR}, NOW + 30)
    with pytest.raises(KeytreeError) as e:
        validator.validate_for(ctx, via_token, NOW + 31)
    assert e.value.code == keytree.KT_ERR_TOKEN
    with pytest.raises(KeytreeError) as e:
        ctx.authorize_account(NEAR, "context:execute", NOW + 31)
    assert e.value.code == keytree.KT_ERR_CONTEXT
    validator.validate_for(ctx, token, NOW + 31)

    # Kind 8: narrowing refuses the wider token; a narrower one is minted.
    apply(ctx, root, {"type": "set_account_permissions", "account": ETH,
                      "permissions": ["context:execute:transfer"]}, NOW + 40)
    with pytest.raises(KeytreeError) as e:
        validator.validate_for(ctx, token, NOW + 41)
    assert e.value.code == keytree.KT_ERR_TOKEN
    narrow = issuer.mint_account(ctx, ETH, AUD, NOW + 41)
    assert validator.validate_for(ctx, narrow, NOW + 42)["permissions"] == ["context:execute:transfer"]

    # Kind 9: revocation refuses the unexpired token against the context.
    apply(ctx, root, {"type": "revoke_account", "account": ETH}, NOW + 50)
    with pytest.raises(KeytreeError) as e:
        validator.validate_for(ctx, narrow, NOW + 51)
    assert e.value.code == keytree.KT_ERR_TOKEN
    assert "revoked" in e.value.message
    assert validator.validate(narrow, NOW + 51)["account"] == ETH  # no context: signature only
    with pytest.raises(KeytreeError) as e:
        ctx.authorize_account(ETH, "context:execute:transfer", NOW + 51)
    assert e.value.code == keytree.KT_ERR_CONTEXT
    with pytest.raises(KeytreeError) as e:
        issuer.mint_account(ctx, ETH, AUD, NOW + 51)
    assert e.value.code == keytree.KT_ERR_CONTEXT

    # The exported log (all five account kinds) replays to the same state.
    replica = keytree.Context.import_log(ctx.export())
    assert replica.head_seq == ctx.head_seq == 5
    with pytest.raises(KeytreeError) as e:
        validator.validate_for(replica, narrow, NOW + 51)
    assert e.value.code == keytree.KT_ERR_TOKEN
    for h in (replica, validator, issuer, ctx, root):
        h.close()


def test_account_ops_are_strict():
    root, _, ctx, issuer, validator = account_setup()
    # A non-canonical spelling is refused when the op is decoded.
    with pytest.raises(KeytreeError) as e:
        ctx.propose(root, {"type": "add_account", "account": ETH_LOWER, "permissions": ["context:execute"],
                           "not_before": NOW, "expires_at": NOW + 60}, NOW)
    assert e.value.code == keytree.KT_ERR_JSON
    # Added twice: decoded, then refused when applied.
    with pytest.raises(KeytreeError) as e:
        apply(ctx, root, {"type": "add_account", "account": ETH, "permissions": ["context:execute"],
                          "not_before": NOW, "expires_at": NOW + 60}, NOW)
    assert e.value.code == keytree.KT_ERR_CONTEXT
    # A wallet member's `sub` cannot be chosen (no such request field).
    request = keytree._blob({"account": ETH, "audience": AUD, "subject": "someone"})
    out = keytree.c_void_p()
    rc = keytree.lib.kt_token_issuer_mint_account(issuer._handle, ctx._handle, request, len(request), NOW,
                                                  keytree.byref(out))
    assert rc == keytree.KT_ERR_JSON and not out.value
    with pytest.raises(KeytreeError) as e:
        issuer.mint_account(ctx, ETH, AUD, NOW, permissions=["admin"])
    assert e.value.code != keytree.KT_OK
    with pytest.raises(KeytreeError) as e:
        issuer.mint_account(ctx, "not-an-account", AUD, NOW)
    assert e.value.code == keytree.KT_ERR_DECODE
    for h in (validator, issuer, ctx, root):
        h.close()


def test_account_token_validates_with_pyjwt():
    now = int(time.time())
    root, ctx_id, ctx, issuer, validator = account_setup(now=now)
    token = issuer.mint_account(ctx, ETH, AUD, now, ttl=300)
    jwks = jwt.PyJWKSet.from_json(issuer.jwks(now))
    kid = jwt.get_unverified_header(token)["kid"]
    key = next(k for k in jwks.keys if k.key_id == kid)
    claims = jwt.decode(token, key=key.key, algorithms=["EdDSA"], audience=AUD, issuer=ISS)
    assert claims["sub"] == ETH
    assert claims["context_id"] == ctx_id
    assert "executor_public_key" not in claims and "via" not in claims
    for h in (validator, issuer, ctx, root):
        h.close()
