"""The archive container: a tar stream (optionally encrypted) ending in a manifest.

Members: ``db/…`` (native dump, logical format), ``media/…`` (MEDIA_ROOT as it was), then
``manifest.json`` and ``manifest.json.sha256``. Files are hashed as they stream into the tar,
so the manifest comes last and holds exactly what was written. Reading verifies every
member against the manifest and refuses on the first mismatch; a reader extracts into a
private directory only, so a refused archive has touched nothing.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, BinaryIO

from django.utils.translation import gettext

from etime.ops.backup.crypto import MAGIC, DecryptingReader, EncryptingWriter
from etime.ops.errors import ArchiveCorrupted, ArchiveKeyMissing, ArchiveRefused, ArchiveTruncated

FORMAT = "etime-backup/1"
MANIFEST = "manifest.json"
_BLOCK = 1 << 20


class _HashingWriter:
    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.sha = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.sha.update(data)
        self.size += len(data)
        self.raw.write(data)
        return len(data)


class _HashingReader:
    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.sha = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n)
        self.sha.update(data)
        self.size += len(data)
        return data


def _add(tar: tarfile.TarFile, arcname: str, path: Path) -> dict[str, Any]:
    info = tar.gettarinfo(str(path), arcname=arcname)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    with open(path, "rb") as source:
        reader = _HashingReader(source)
        tar.addfile(info, reader)
    if reader.size != info.size:
        raise ArchiveCorrupted(gettext("%(name)s changed size while it was archived.") % {"name": arcname})
    return {"sha256": reader.sha.hexdigest(), "size": reader.size}


def write_archive(
    out: BinaryIO,
    *,
    key: str | None,
    database_files: dict[str, Path],
    media_root: Path | None,
    manifest: dict[str, Any],
    on_file: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """Stream the archive into ``out``; returns the archive's own sha256 and size."""
    hashing = _HashingWriter(out)
    sink: Any = EncryptingWriter(hashing, key) if key else hashing  # type: ignore[arg-type]
    files: dict[str, dict[str, Any]] = {}
    with tarfile.open(fileobj=sink, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        for arcname, path in database_files.items():
            files[arcname] = _add(tar, arcname, path)
        media_count = 0
        if media_root is not None and media_root.is_dir():
            for root, dirs, names in os.walk(media_root):
                dirs.sort()
                for name in sorted(names):
                    path = Path(root) / name
                    if path.is_symlink() or not path.is_file():
                        continue
                    rel = path.relative_to(media_root).as_posix()
                    files[f"media/{rel}"] = _add(tar, f"media/{rel}", path)
                    media_count += 1
                    if on_file:
                        on_file()
        manifest = {**manifest, "format": FORMAT, "encrypted": bool(key), "files": files, "media_files": media_count}
        body = json.dumps(manifest, indent=1, sort_keys=True).encode()
        for arcname, data in ((MANIFEST, body), (MANIFEST + ".sha256", hashlib.sha256(body).hexdigest().encode())):
            info = tarfile.TarInfo(arcname)
            info.size = len(data)
            info.mtime = int(manifest.get("created_ts", 0))
            tar.addfile(info, io.BytesIO(data))
    if key:
        sink.close()
    return {"sha256": hashing.sha.hexdigest(), "size": hashing.size, "manifest": manifest}


def open_stream(raw: BinaryIO, key: str | None) -> Any:
    head = raw.read(len(MAGIC))
    rest: Any = _Prefixed(head, raw)
    if head == MAGIC:
        if not key:
            raise ArchiveKeyMissing()
        return DecryptingReader(rest, key)
    return rest


class _Prefixed:
    def __init__(self, head: bytes, raw: BinaryIO) -> None:
        self.head = head
        self.raw = raw

    def read(self, n: int = -1) -> bytes:
        if not self.head:
            return self.raw.read(n)
        if n < 0:
            data, self.head = self.head + self.raw.read(), b""
            return data
        data, self.head = self.head[:n], self.head[n:]
        if len(data) < n:
            data += self.raw.read(n - len(data))
        return data


def read_archive(
    raw: BinaryIO,
    *,
    key: str | None,
    extract_to: Path | None,
    want: Callable[[str], bool] = lambda name: True,
) -> dict[str, Any]:
    """Verify every member; extract the wanted ones under ``extract_to``. Returns the manifest.

    Raises an ``ArchiveRefused`` subclass naming what is wrong."""
    stream = open_stream(raw, key)
    seen: dict[str, dict[str, Any]] = {}
    manifest_body: bytes | None = None
    manifest_sum: bytes | None = None
    try:
        with tarfile.open(fileobj=stream, mode="r|") as tar:
            for member in tar:
                name = member.name
                if not member.isfile() or name.startswith("/") or ".." in Path(name).parts:
                    raise ArchiveCorrupted(gettext("The archive holds an unexpected entry %(name)r.") % {"name": name})
                source = tar.extractfile(member)
                if source is None:
                    raise ArchiveCorrupted(gettext("The archive entry %(name)r cannot be read.") % {"name": name})
                if name == MANIFEST:
                    manifest_body = source.read()
                    continue
                if name == MANIFEST + ".sha256":
                    manifest_sum = source.read().strip()
                    continue
                sha = hashlib.sha256()
                size = 0
                target = None
                if extract_to is not None and want(name):
                    path = extract_to / name
                    path.parent.mkdir(parents=True, exist_ok=True)
                    target = open(path, "wb")  # noqa: SIM115
                try:
                    while chunk := source.read(_BLOCK):
                        sha.update(chunk)
                        size += len(chunk)
                        if target:
                            target.write(chunk)
                finally:
                    if target:
                        target.close()
                if size != member.size:
                    raise ArchiveTruncated()
                seen[name] = {"sha256": sha.hexdigest(), "size": size}
    except ArchiveRefused:
        raise
    except (tarfile.TarError, EOFError, OSError) as exc:
        if "unexpected end" in str(exc).lower() or isinstance(exc, EOFError):
            raise ArchiveTruncated() from None
        raise ArchiveCorrupted(gettext("The archive is corrupted: %(error)s.") % {"error": exc}) from None
    if manifest_body is None or manifest_sum is None:
        raise ArchiveTruncated(gettext("The archive has no manifest: it is truncated or not an etime backup."))
    if hashlib.sha256(manifest_body).hexdigest().encode() != manifest_sum:
        raise ArchiveCorrupted(gettext("The archive is corrupted: the manifest's checksum does not match."))
    try:
        manifest = json.loads(manifest_body)
    except ValueError:
        raise ArchiveCorrupted(gettext("The archive is corrupted: the manifest is unreadable.")) from None
    if manifest.get("format") != FORMAT:
        raise ArchiveRefused(gettext("Unknown archive format %(format)r.") % {"format": manifest.get("format")})
    expected = manifest["files"]
    if set(expected) != set(seen):
        missing = sorted(set(expected) - set(seen))
        message = gettext("The archive does not hold what its manifest lists (missing: %(names)s).")
        raise ArchiveCorrupted(message % {"names": missing[:5]})
    for name, info in expected.items():
        if seen[name] != info:
            message = gettext("The archive is corrupted: %(name)s does not match its checksum.")
            raise ArchiveCorrupted(message % {"name": name})
    return manifest
