#!/usr/bin/env python3
"""eth-account side of the EIP-191 vectors.

Reads a JSON request on stdin:
  {"sign": [{"key": "0x..", "message": str | null, "message_hex": str | null}],
   "verify": [{"message": .., "message_hex": .., "signature": "0x..", "address": "0x.."}]}
Writes {"version": ..., "signatures": [...], "verify": [...]} on stdout.
"""
import json
import sys
from importlib.metadata import version

from eth_account import Account
from eth_account.messages import encode_defunct


def encode(item):
    if item.get("message_hex") is not None:
        return encode_defunct(hexstr=item["message_hex"])
    return encode_defunct(text=item["message"])


def main():
    req = json.load(sys.stdin)
    out = {"version": version("eth-account"), "signatures": [], "verify": []}
    for item in req["sign"]:
        signed = Account.sign_message(encode(item), private_key=item["key"])
        sig = signed.signature.hex()
        if not sig.startswith("0x"):
            sig = "0x" + sig
        out["signatures"].append({"address": Account.from_key(item["key"]).address, "signature": sig})
    for item in req["verify"]:
        try:
            rec = Account.recover_message(encode(item), signature=item["signature"])
            out["verify"].append({"ok": rec == item["address"], "recovered": rec})
        except Exception as e:  # noqa: BLE001 - record whatever the library raised
            out["verify"].append({"ok": False, "error": f"{type(e).__name__}: {e}"})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
