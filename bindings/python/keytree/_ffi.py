"""Loads keytree's C library and declares every function's signature
(ctypes). Nothing here is public: use the `keytree` package."""

import ctypes
import os
import sys
from ctypes import POINTER, c_char_p, c_int32, c_size_t, c_uint32, c_uint64, c_void_p
from pathlib import Path


def _library_name() -> str:
    if sys.platform == "darwin":
        return "libkeytree_ffi.dylib"
    if sys.platform == "win32":
        return "keytree_ffi.dll"
    return "libkeytree_ffi.so"


def _load() -> ctypes.CDLL:
    path = os.environ.get("KEYTREE_FFI_LIBRARY") or str(Path(__file__).with_name(_library_name()))
    return ctypes.CDLL(path)


lib = _load()

_u8p = c_char_p  # inputs: Python bytes passed as (pointer, length)
_handle = c_void_p
_out = POINTER(c_void_p)

_SIGNATURES = {
    "kt_version": ([], c_char_p),
    "kt_last_error_code": ([], c_int32),
    "kt_last_error_message": ([c_void_p, c_size_t], c_size_t),
    "kt_result_name": ([c_int32], c_char_p),
    "kt_bytes_data": ([_handle], c_void_p),
    "kt_bytes_len": ([_handle], c_size_t),
    "kt_bytes_free": ([_out], c_int32),
    "kt_live_handles": ([], c_size_t),
    "kt_root_key_from_seed": ([_u8p, c_size_t, _out], c_int32),
    "kt_root_key_generate": ([_out], c_int32),
    "kt_root_key_seed": ([_handle, _out], c_int32),
    "kt_root_key_public_key": ([_handle, _out], c_int32),
    "kt_root_key_derive_client_key": ([_handle, c_char_p, c_uint32, _out], c_int32),
    "kt_root_key_free": ([_out], c_int32),
    "kt_client_key_public_key": ([_handle, _out], c_int32),
    "kt_client_key_free": ([_out], c_int32),
    "kt_context_id_generate": ([_out], c_int32),
    "kt_delegation_sign": ([_handle, _u8p, c_size_t, _out], c_int32),
    "kt_delegation_verify": ([_u8p, c_size_t, c_uint64, _out], c_int32),
    "kt_context_new": ([_handle, c_char_p, c_uint64, _out], c_int32),
    "kt_context_propose": ([_handle, _handle, _u8p, c_size_t, c_uint64, _out], c_int32),
    "kt_context_apply": ([_handle, _u8p, c_size_t], c_int32),
    "kt_context_export": ([_handle, _out], c_int32),
    "kt_context_import": ([_u8p, c_size_t, _out], c_int32),
    "kt_context_head_seq": ([_handle, POINTER(c_uint64)], c_int32),
    "kt_context_authorize": ([_handle, c_char_p, c_char_p, c_uint64], c_int32),
    "kt_context_authorize_account": ([_handle, c_char_p, c_char_p, c_uint64], c_int32),
    "kt_context_free": ([_out], c_int32),
    "kt_token_issuer_new": ([c_char_p, _u8p, c_size_t, _out], c_int32),
    "kt_token_issuer_mint": ([_handle, _handle, _u8p, c_size_t, c_uint64, _out], c_int32),
    "kt_token_issuer_mint_account": ([_handle, _handle, _u8p, c_size_t, c_uint64, _out], c_int32),
    "kt_token_issuer_jwks": ([_handle, c_uint64, _out], c_int32),
    "kt_token_issuer_free": ([_out], c_int32),
    "kt_validator_new": ([c_char_p, c_char_p, _u8p, c_size_t, c_uint64, _out], c_int32),
    "kt_validator_validate": ([_handle, _u8p, c_size_t, c_uint64, _out], c_int32),
    "kt_validator_validate_for": ([_handle, _handle, _u8p, c_size_t, c_uint64, _out], c_int32),
    "kt_validator_free": ([_out], c_int32),
    "kt_wallet_verify": ([_u8p, c_size_t, _u8p, c_size_t, c_uint64, _out], c_int32),
    "kt_challenge_issuer_new": ([c_char_p, _u8p, c_size_t, _out], c_int32),
    "kt_challenge_issue": ([_handle, c_char_p, c_uint64, _out], c_int32),
    "kt_challenge_redeem": ([_handle, _u8p, c_size_t, c_uint64, _out], c_int32),
    "kt_challenge_issuer_free": ([_out], c_int32),
}

for _name, (_args, _ret) in _SIGNATURES.items():
    _fn = getattr(lib, _name)
    _fn.argtypes = _args
    _fn.restype = _ret
