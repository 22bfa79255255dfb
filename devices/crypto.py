"""Comm keys at rest: Fernet (AES-128-CBC + HMAC-SHA256, authenticated) under a key derived
from SECRET_KEY with HKDF-SHA256.

Rotation: Django's SECRET_KEY_FALLBACKS are tried for decryption, so after moving the old
key into the fallbacks every comm key still decrypts; `manage.py reencrypt_comm_keys`
then re-encrypts them under the new key, after which the fallback may go. Changing
SECRET_KEY *without* keeping the old one as a fallback makes every stored comm key
unreadable: syncs of devices with a key then fail with `device_comm_key_unreadable`
until an admin enters the key again (docs/DEVICE_INTEGRATION.md "Comm keys").
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

# Changing either string makes every stored comm key unreadable: never edit them.
_SALT = b"etime.devices.comm-key"
_INFO = b"etime device comm key v1"

MAX_COMM_KEY = 2**32 - 1  # the ZK protocol carries the key as an unsigned 32-bit number


class CommKeyUnreadable(Exception):
    """The stored token does not decrypt under SECRET_KEY or any of SECRET_KEY_FALLBACKS."""


@lru_cache(maxsize=8)
def _fernet(secret: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=_INFO).derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def _keys() -> MultiFernet:
    secrets = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return MultiFernet([_fernet(s) for s in secrets])


def encrypt_comm_key(value: int) -> str:
    """The token to store; "" for no key (0), so "has a key" is visible without decrypting."""
    if not 0 <= value <= MAX_COMM_KEY:
        raise ValueError(f"a comm key is a number from 0 to {MAX_COMM_KEY}")
    if value == 0:
        return ""
    return _keys().encrypt(str(value).encode()).decode()


def decrypt_comm_key(token: str) -> int:
    if not token:
        return 0
    try:
        return int(_keys().decrypt(token.encode()))
    except (InvalidToken, ValueError) as exc:
        raise CommKeyUnreadable("the stored comm key does not decrypt with SECRET_KEY or its fallbacks") from exc


def reencrypt(token: str) -> str:
    """The same key under the current SECRET_KEY (MultiFernet.rotate)."""
    if not token:
        return ""
    try:
        return _keys().rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise CommKeyUnreadable("the stored comm key does not decrypt with SECRET_KEY or its fallbacks") from exc
