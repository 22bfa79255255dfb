"""Streamed authenticated encryption for backup archives (AES-256-GCM in chunks).

Layout: ``MAGIC | salt(16) | key_check(16) | nonce_prefix(8)`` then chunks, each
``u32 length (top bit = final) | ciphertext+tag``. A chunk's nonce is the prefix plus its
index, and its associated data is the header, its index and the final flag, so chunks
cannot be reordered, dropped or cut off (a stream without a final chunk is truncated),
and a flipped bit anywhere fails the tag. ``key_check`` (an HMAC of a constant under a
key derived beside the encryption key) tells "wrong key" apart from "corrupted" before
any chunk is opened. The key is any string in ETIME_BACKUP_KEY; scrypt stretches it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from django.utils.translation import gettext

from etime.ops.errors import ArchiveCorrupted, ArchiveTruncated, ArchiveWrongKey

MAGIC = b"ETIMEBK1"
CHUNK = 1 << 20
_FINAL = 0x80000000
_HEADER_LEN = len(MAGIC) + 16 + 16 + 8


def is_encrypted(head: bytes) -> bool:
    return head.startswith(MAGIC)


def _derive(key: str, salt: bytes) -> tuple[bytes, bytes]:
    material = Scrypt(salt=salt, length=64, n=2**14, r=8, p=1).derive(key.encode())
    return material[:32], material[32:]


def _check_value(check_key: bytes) -> bytes:
    return hmac.new(check_key, b"etime-backup-key-check", hashlib.sha256).digest()[:16]


class EncryptingWriter:
    """A write-only file object: plaintext in, the encrypted stream out to ``raw``."""

    def __init__(self, raw: BinaryIO, key: str) -> None:
        self._raw = raw
        salt = os.urandom(16)
        enc_key, check_key = _derive(key, salt)
        self._aead = AESGCM(enc_key)
        self._prefix = os.urandom(8)
        self._header = MAGIC + salt + _check_value(check_key) + self._prefix
        raw.write(self._header)
        self._buffer = bytearray()
        self._index = 0
        self._closed = False

    def _emit(self, data: bytes, final: bool) -> None:
        nonce = self._prefix + struct.pack(">I", self._index)
        aad = self._header + struct.pack(">IB", self._index, final)
        sealed = self._aead.encrypt(nonce, data, aad)
        self._raw.write(struct.pack(">I", len(sealed) | (_FINAL if final else 0)))
        self._raw.write(sealed)
        self._index += 1

    def write(self, data: bytes) -> int:
        self._buffer += data
        while len(self._buffer) > CHUNK:
            self._emit(bytes(self._buffer[:CHUNK]), final=False)
            del self._buffer[:CHUNK]
        return len(data)

    def close(self) -> None:
        if not self._closed:
            self._emit(bytes(self._buffer), final=True)
            self._buffer.clear()
            self._closed = True


class DecryptingReader:
    """A read-only file object over an encrypted stream; raises on any tampering."""

    def __init__(self, raw: BinaryIO, key: str) -> None:
        self._raw = raw
        header = raw.read(_HEADER_LEN)
        if len(header) < _HEADER_LEN or not header.startswith(MAGIC):
            raise ArchiveTruncated(gettext("The archive ends inside its encryption header."))
        salt = header[len(MAGIC) : len(MAGIC) + 16]
        check = header[len(MAGIC) + 16 : len(MAGIC) + 32]
        self._prefix = header[len(MAGIC) + 32 :]
        enc_key, check_key = _derive(key, salt)
        if not hmac.compare_digest(check, _check_value(check_key)):
            raise ArchiveWrongKey()
        self._aead = AESGCM(enc_key)
        self._header = header
        self._index = 0
        self._plain = b""
        self._pos = 0
        self._done = False

    def _next_chunk(self) -> None:
        prefix = self._raw.read(4)
        if len(prefix) < 4:
            raise ArchiveTruncated()
        (word,) = struct.unpack(">I", prefix)
        final = bool(word & _FINAL)
        length = word & ~_FINAL
        if length > CHUNK + 16:
            raise ArchiveCorrupted(gettext("The archive is corrupted: a chunk length is impossible."))
        sealed = self._raw.read(length)
        if len(sealed) < length:
            raise ArchiveTruncated()
        nonce = self._prefix + struct.pack(">I", self._index)
        aad = self._header + struct.pack(">IB", self._index, final)
        try:
            self._plain = self._aead.decrypt(nonce, sealed, aad)
        except InvalidTag:
            raise ArchiveCorrupted(
                gettext("The archive is corrupted or was tampered with: authentication failed.")
            ) from None
        self._pos = 0
        self._index += 1
        if final:
            if self._raw.read(1):
                raise ArchiveCorrupted(gettext("The archive is corrupted: data follows its final chunk."))
            self._done = True

    def read(self, size: int = -1) -> bytes:
        out = bytearray()
        while size < 0 or len(out) < size:
            if self._pos >= len(self._plain):
                if self._done:
                    break
                self._next_chunk()
                continue
            want = len(self._plain) - self._pos if size < 0 else min(size - len(out), len(self._plain) - self._pos)
            out += self._plain[self._pos : self._pos + want]
            self._pos += want
        return bytes(out)
