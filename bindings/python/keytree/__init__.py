"""keytree for Python: a thin binding (ctypes) over keytree's C ABI.

Every call that can fail raises :class:`KeytreeError` carrying the stable
integer ``code`` (``KT_ERR_*``, see ffi/README.md), its ``name`` and the
library's message. Time is always an explicit ``now`` (Unix seconds).
Handles are freed when their Python object is collected, or at once with
``close()`` / a ``with`` block.
"""

import ctypes
import json
from ctypes import byref, c_uint64, c_void_p
from typing import Any, Dict, Iterable, Optional

from ._ffi import lib

__all__ = [
    "KeytreeError",
    "RootKey",
    "ClientKey",
    "Context",
    "TokenIssuer",
    "Validator",
    "ChallengeIssuer",
    "new_context_id",
    "sign_delegation",
    "verify_delegation",
    "verify_wallet",
    "version",
    "live_handles",
    "DEFAULT_LEEWAY",
]

DEFAULT_LEEWAY = 60

KT_OK = 0
KT_ERR_NULL = 1
KT_ERR_ARGUMENT = 2
KT_ERR_HANDLE = 3
KT_ERR_PANIC = 4
KT_ERR_JSON = 5
KT_ERR_SIGNATURE = 10
KT_ERR_DECODE = 11
KT_ERR_KEY = 12
KT_ERR_PERMISSION = 13
KT_ERR_DELEGATION = 14
KT_ERR_CONTEXT = 15
KT_ERR_WALLET = 16
KT_ERR_TOKEN = 17
KT_ERR_CHALLENGE = 18
KT_ERR_STORE = 19
KT_ERR_OTHER = 99


class KeytreeError(Exception):
    """A keytree call failed: ``code`` (stable number), ``name``
    (``"KT_ERR_TOKEN"``) and ``message`` (readable detail)."""

    def __init__(self, code: int, message: str):
        self.code = code
        self.name = lib.kt_result_name(code).decode()
        self.message = message
        super().__init__(f"{self.name} ({code}): {message}")


def _last_message() -> str:
    size = lib.kt_last_error_message(None, 0)
    buf = ctypes.create_string_buffer(size + 1)
    lib.kt_last_error_message(buf, size + 1)
    return buf.value.decode("utf-8", "replace")


def _check(rc: int) -> None:
    if rc != KT_OK:
        raise KeytreeError(rc, _last_message())


def _take(slot: c_void_p) -> bytes:
    """Copies a returned KtBytes into Python and frees (wipes) it."""
    try:
        return ctypes.string_at(lib.kt_bytes_data(slot), lib.kt_bytes_len(slot))
    finally:
        lib.kt_bytes_free(byref(slot))


def _call_bytes(fn, *args) -> bytes:
    out = c_void_p()
    _check(fn(*args, byref(out)))
    return _take(out)


def _call_text(fn, *args) -> str:
    return _call_bytes(fn, *args).decode()


def _call_json(fn, *args) -> Any:
    return json.loads(_call_bytes(fn, *args))


def _c(text: str) -> bytes:
    return text.encode()


def _blob(value) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, str):
        return value.encode()
    return json.dumps(value, separators=(",", ":")).encode()


def version() -> str:
    """The C library's version."""
    return lib.kt_version().decode()


def live_handles() -> int:
    """The number of live handles in the C library (a leak check)."""
    return lib.kt_live_handles()


class _Handle:
    _free = None

    def __init__(self, handle: c_void_p):
        self._h = handle

    @property
    def _handle(self) -> c_void_p:
        if self._h is None or not self._h.value:
            raise KeytreeError(KT_ERR_HANDLE, f"{type(self).__name__} is closed")
        return self._h

    def close(self) -> None:
        """Frees the handle now (secrets are zeroized by keytree)."""
        h = getattr(self, "_h", None)
        if h is not None and h.value:
            type(self)._free(byref(h))
        self._h = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


def _new(cls, fn, *args):
    out = c_void_p()
    _check(fn(*args, byref(out)))
    return cls(out)


class ClientKey(_Handle):
    """A client key derived from a root key."""

    _free = lib.kt_client_key_free

    @property
    def public_key(self) -> str:
        return _call_text(lib.kt_client_key_public_key, self._handle)


class RootKey(_Handle):
    """A native Ed25519 root key."""

    _free = lib.kt_root_key_free

    @classmethod
    def from_seed(cls, seed: bytes) -> "RootKey":
        return _new(cls, lib.kt_root_key_from_seed, bytes(seed), len(seed))

    @classmethod
    def generate(cls) -> "RootKey":
        return _new(cls, lib.kt_root_key_generate)

    @property
    def public_key(self) -> str:
        return _call_text(lib.kt_root_key_public_key, self._handle)

    def seed(self) -> bytes:
        """The 32-byte secret seed. keytree wipes its copy; this Python
        ``bytes`` object cannot be wiped: keep it short-lived."""
        return _call_bytes(lib.kt_root_key_seed, self._handle)

    def derive_client_key(self, context_id: str, index: int = 0) -> ClientKey:
        return _new(ClientKey, lib.kt_root_key_derive_client_key, self._handle, _c(context_id), index)


def new_context_id() -> str:
    """A new random context id (base58)."""
    return _call_text(lib.kt_context_id_generate)


def sign_delegation(
    root: RootKey,
    subject: str,
    context_id: str,
    permissions: Iterable[str],
    not_before: int,
    expires_at: int,
) -> str:
    """A delegation from ``root`` to ``subject``, signed; returns its JSON."""
    request = _blob({
        "subject": subject,
        "context_id": context_id,
        "permissions": list(permissions),
        "not_before": not_before,
        "expires_at": expires_at,
    })
    return _call_text(lib.kt_delegation_sign, root._handle, request, len(request))


def verify_delegation(delegation_json: str, now: int) -> Dict[str, Any]:
    """Verifies a delegation's signature and window at ``now``; returns a summary."""
    data = _blob(delegation_json)
    return _call_json(lib.kt_delegation_verify, data, len(data), now)


class Context(_Handle):
    """A context replica (internally locked; safe to share between threads)."""

    _free = lib.kt_context_free

    @classmethod
    def create(cls, root: RootKey, context_id: str, now: int) -> "Context":
        return _new(cls, lib.kt_context_new, root._handle, _c(context_id), now)

    @classmethod
    def import_log(cls, log_json: str) -> "Context":
        data = _blob(log_json)
        return _new(cls, lib.kt_context_import, data, len(data))

    def propose(self, signer: RootKey, kind: Dict[str, Any], timestamp: int) -> str:
        """The next op (``kind`` as a dict, e.g. ``{"type": "revoke_key", "key": …}``),
        signed by ``signer``; returns the op JSON (not yet applied)."""
        data = _blob(kind)
        return _call_text(lib.kt_context_propose, self._handle, signer._handle, data, len(data), timestamp)

    def apply(self, op_json: str) -> None:
        data = _blob(op_json)
        _check(lib.kt_context_apply(self._handle, data, len(data)))

    def export(self) -> str:
        return _call_text(lib.kt_context_export, self._handle)

    @property
    def head_seq(self) -> int:
        seq = c_uint64()
        _check(lib.kt_context_head_seq(self._handle, byref(seq)))
        return seq.value

    def authorize(self, key: str, permission: str, now: int) -> None:
        """Raises :class:`KeytreeError` unless ``key`` may do ``permission`` at ``now``."""
        _check(lib.kt_context_authorize(self._handle, _c(key), _c(permission), now))

    def authorize_account(self, account: str, permission: str, now: int) -> None:
        """Raises :class:`KeytreeError` unless the wallet account ``account``
        (CAIP-10: a wallet-account member or an account linked to one) may do
        ``permission`` at ``now``."""
        _check(lib.kt_context_authorize_account(self._handle, _c(account), _c(permission), now))


class TokenIssuer(_Handle):
    """Mints context tokens (EdDSA JWS) with a key from a 32-byte seed."""

    _free = lib.kt_token_issuer_free

    def __init__(self, issuer: str, seed: bytes):
        out = c_void_p()
        _check(lib.kt_token_issuer_new(_c(issuer), bytes(seed), len(seed), byref(out)))
        super().__init__(out)

    def mint(
        self,
        context: Context,
        executor: str,
        audience: str,
        now: int,
        permissions: Optional[Iterable[str]] = None,
        ttl: Optional[int] = None,
        subject: Optional[str] = None,
    ) -> str:
        request: Dict[str, Any] = {"executor": executor, "audience": audience}
        if permissions is not None:
            request["permissions"] = list(permissions)
        if ttl is not None:
            request["ttl"] = ttl
        if subject is not None:
            request["subject"] = subject
        data = _blob(request)
        return _call_text(lib.kt_token_issuer_mint, self._handle, context._handle, data, len(data), now)

    def mint_account(
        self,
        context: Context,
        account: str,
        audience: str,
        now: int,
        permissions: Optional[Iterable[str]] = None,
        ttl: Optional[int] = None,
    ) -> str:
        """A token for the wallet-account member ``account`` (CAIP-10; its
        primary account or an account linked to it). The token has no
        executor key; its ``sub`` is the primary account, and a linked
        account is carried as ``via``. A wallet member's ``sub`` cannot be
        chosen, so there is no ``subject``."""
        request: Dict[str, Any] = {"account": account, "audience": audience}
        if permissions is not None:
            request["permissions"] = list(permissions)
        if ttl is not None:
            request["ttl"] = ttl
        data = _blob(request)
        return _call_text(lib.kt_token_issuer_mint_account, self._handle, context._handle, data, len(data), now)

    def jwks(self, now: int) -> str:
        return _call_text(lib.kt_token_issuer_jwks, self._handle, now)


class Validator(_Handle):
    """Validates context tokens from one issuer for one audience (share it)."""

    _free = lib.kt_validator_free

    def __init__(self, issuer: str, audience: str, jwks: str, leeway: int = DEFAULT_LEEWAY):
        data = _blob(jwks)
        out = c_void_p()
        _check(lib.kt_validator_new(_c(issuer), _c(audience), data, len(data), leeway, byref(out)))
        super().__init__(out)

    def check(self, token: str, now: int) -> None:
        """Validates ``token`` at ``now``; raises on refusal, returns nothing."""
        data = token.encode()
        _check(lib.kt_validator_validate(self._h, data, len(data), now, None))

    def validate(self, token: str, now: int) -> Dict[str, Any]:
        """Validates ``token`` at ``now`` and returns its claims."""
        data = token.encode()
        return _call_json(lib.kt_validator_validate, self._handle, data, len(data), now)

    def validate_for(self, context: Context, token: str, now: int) -> Dict[str, Any]:
        """Validates ``token`` at ``now`` against the live ``context``; returns its claims."""
        data = token.encode()
        return _call_json(lib.kt_validator_validate_for, self._handle, context._handle, data, len(data), now)


def verify_wallet(proof: Dict[str, Any], now: int, expect: Optional[Dict[str, Any]] = None) -> Dict[str, str]:
    """Verifies a wallet proof (see ffi/README.md for its JSON); returns
    ``{"account": <CAIP-10>, "chain": …}``."""
    p = _blob(proof)
    e = _blob(expect) if expect is not None else None
    return _call_json(lib.kt_wallet_verify, p, len(p), e, len(e) if e is not None else 0, now)


class ChallengeIssuer(_Handle):
    """Wallet login challenges. ``key`` (32 bytes) seals the nonces, so
    issuing stores nothing. Spent nonces are kept in this process's memory
    store: redeem a domain's challenges in one process."""

    _free = lib.kt_challenge_issuer_free

    def __init__(self, domain: str, key: bytes):
        out = c_void_p()
        _check(lib.kt_challenge_issuer_new(_c(domain), bytes(key), len(key), byref(out)))
        super().__init__(out)

    def issue(self, account: str, now: int) -> Dict[str, Any]:
        """A challenge for ``account`` (CAIP-10). The wallet signs
        ``["message"]["text"]`` its chain's way; raw keys and ICP sign
        ``bytes.fromhex(["message"]["signing_bytes_hex"])``."""
        return _call_json(lib.kt_challenge_issue, self._handle, _c(account), now)

    def redeem(self, proof: Dict[str, Any], now: int) -> Dict[str, str]:
        data = _blob(proof)
        return _call_json(lib.kt_challenge_redeem, self._handle, data, len(data), now)
