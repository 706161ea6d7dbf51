"""keytree's token validation (through the C ABI) against PyJWT's EdDSA
decode of the same token with the same key, in the same process.

Run after `pip install ./bindings/python` and `pip install PyJWT==2.10.1
cryptography==48.0.0`:

    python3 bindings/python/bench/bench_validate.py

Prints the time per call of each and the ratios (PyJWT / keytree; above 1
means keytree is faster). Timings are reported, never asserted.
"""

import json
import time
import timeit

import jwt

import keytree


def main() -> None:
    now = int(time.time())
    root = keytree.RootKey.from_seed(bytes([7]) * 32)
    ctx_id = keytree.new_context_id()
    ctx = keytree.Context.create(root, ctx_id, now)
    client = root.derive_client_key(ctx_id, 0)
    grant = keytree.sign_delegation(root, client.public_key, ctx_id, ["context:execute"], now, now + 3600)
    ctx.apply(ctx.propose(root, {"type": "add_member", "chain": [json.loads(grant)]}, now))
    issuer = keytree.TokenIssuer("https://auth.example", bytes([9]) * 32)
    token = issuer.mint(ctx, client.public_key, "api", now, ttl=600)
    jwks = issuer.jwks(now)

    validator = keytree.Validator("https://auth.example", "api", jwks)
    key = jwt.PyJWKSet.from_json(jwks).keys[0].key

    def keytree_validate():
        return validator.validate(token, now + 1)

    def keytree_check():
        validator.check(token, now + 1)

    def pyjwt_decode():
        return jwt.decode(token, key=key, algorithms=["EdDSA"], audience="api", issuer="https://auth.example")

    # Same answer first.
    assert keytree_validate()["jti"] == pyjwt_decode()["jti"]

    # Interleaved rounds, so that load on a shared machine hits every
    # contender alike: per round, time each one on a batch; report the best
    # batch of each and the median of the per-round ratios.
    contenders = [("keytree validate (claims dict)", keytree_validate),
                  ("keytree check (no claims)", keytree_check),
                  ("PyJWT decode (claims dict)", pyjwt_decode)]
    batch, rounds = 200, 40
    times = {name: [] for name, _ in contenders}
    for _ in range(rounds):
        for name, fn in contenders:
            times[name].append(timeit.timeit(fn, number=batch) / batch)
    for name, _ in contenders:
        print(f"{name:32s} {min(times[name]) * 1e6:8.1f} µs/call (best of {rounds} batches of {batch})")
    pyjwt = times["PyJWT decode (claims dict)"]
    for name in ("keytree validate (claims dict)", "keytree check (no claims)"):
        ratios = sorted(p / k for p, k in zip(pyjwt, times[name]))
        print(f"PyJWT / {name}: median {ratios[len(ratios) // 2]:.2f}x over {rounds} rounds")

if __name__ == "__main__":
    main()
