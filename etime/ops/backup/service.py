"""Backups and restores: the services behind ``manage.py backup/restore`` and the beat task.

A backup: snapshot the database (native + logical formats), stream one archive with media
and a manifest, store it, read it back and verify it (checksums, then a restore of the
native dump into a scratch database whose row counts and digests must match), record
the outcome in ``BackupRecord``, alert admins on failure, apply retention.

A restore: verify the whole archive into a private directory (nothing live is touched
until it passes), take a restore point, restore the database (native when the engine
matches, else logical), swap in the media directory, migrate if the archive is older.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db import connections
from django.utils import timezone
from django.utils.translation import gettext

from etime.core.types import Actor, actor_user
from etime.ops.backup import archive, database
from etime.ops.errors import ArchiveCorrupted, ArchiveNotFound, ArchiveRefused, BackupError
from etime.ops.models import BackupRecord

if TYPE_CHECKING:
    from accounts.models import User  # the type checker only: the core imports no app

logger = logging.getLogger(__name__)
NAME_RE = re.compile(r"^etime-(backup|restorepoint)-(\d{8}T\d{6})(\d{6})Z\.tar(\.enc)?$")


def storage() -> Storage:
    alias = settings.ETIME_BACKUP_STORAGE
    if alias:
        return storages[alias]
    Path(settings.ETIME_BACKUP_DIR).mkdir(parents=True, exist_ok=True)
    return FileSystemStorage(location=str(settings.ETIME_BACKUP_DIR))


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


@dataclass
class BackupResult:
    record: BackupRecord
    name: str
    manifest: dict[str, Any] = field(default_factory=dict)


def _archive_name(kind: str, now: dt.datetime, encrypted: bool) -> str:
    prefix = "restorepoint" if kind == BackupRecord.Kind.RESTORE_POINT else "backup"
    return f"etime-{prefix}-{now:%Y%m%dT%H%M%S%f}Z.tar" + (".enc" if encrypted else "")


def backup_create(
    *,
    kind: str = BackupRecord.Kind.MANUAL,
    actor: Actor = None,
    key: str | None = None,
    logical: bool | None = None,
    verify: bool | None = None,
    progress: Callable[[str], None] | None = None,
) -> BackupResult:
    """Write, store and verify one archive. Raises BackupError after recording the failure
    (and alerting admins); the record is written outside any caller's transaction."""
    key = settings.ETIME_BACKUP_KEY if key is None else key
    logical = settings.ETIME_BACKUP_LOGICAL if logical is None else logical
    verify = settings.ETIME_BACKUP_VERIFY if verify is None else verify
    note = progress or (lambda message: None)
    now = timezone.now()
    # The record comes first: a backup refused (an engine it cannot dump) is a failed
    # backup like any other, recorded and alerted.
    record = BackupRecord.objects.create(
        kind=kind,
        started_at=now,
        encrypted=bool(key),
        engine=connections["default"].vendor[:16],
        started_by=actor_user(actor),
    )
    name = _archive_name(kind, now, bool(key))
    try:
        with tempfile.TemporaryDirectory(prefix="etime-backup-") as tmp:
            work = Path(tmp)
            note("snapshot")
            dump = {"postgresql": database.dump_postgres, "mysql": database.dump_mysql, "sqlite": database.dump_sqlite}
            dumped = dump[database.engine()](work, logical=bool(logical))
            files = {f"db/{dumped['native'].name}": dumped["native"]}
            if dumped["logical"] is not None:
                files[f"db/{dumped['logical'].name}"] = dumped["logical"]
            manifest_base = {
                "created_at": now.isoformat(),
                "created_ts": now.timestamp(),
                "kind": kind,
                "engine": dumped["engine"],
                "schema": dumped["schema"],
                "tables": dumped["tables"],
                "database": {
                    "native": f"db/{dumped['native'].name}",
                    "logical": f"db/{dumped['logical'].name}" if dumped["logical"] is not None else None,
                },
            }
            note("archive")
            written = _store(name, files, manifest_base, key)
        record.name = name
        record.size = written["size"]
        record.sha256 = written["sha256"]
        manifest = written["manifest"]
        record.summary = _summary(manifest)
        if verify:
            note("verify")
            backup_verify(name, key=key, expected_sha256=written["sha256"])
            record.verified = True
            record.verified_at = timezone.now()
        record.state = BackupRecord.State.OK
        record.finished_at = timezone.now()
        record.save()
    except Exception as exc:
        record.state = BackupRecord.State.FAILED
        record.error = str(exc)[:4000]
        record.finished_at = timezone.now()
        record.name = name
        record.save()
        logger.exception("backup failed")
        _alert_failure(record)
        if isinstance(exc, BackupError | ArchiveRefused):
            raise
        raise BackupError(gettext("The backup failed: %(error)s") % {"error": exc}) from exc
    if kind != BackupRecord.Kind.RESTORE_POINT:
        apply_retention()
    return BackupResult(record=record, name=name, manifest=manifest)


def _summary(manifest: dict[str, Any]) -> dict[str, Any]:
    return {
        "schema": manifest["schema"],
        "rows": {label: info["rows"] for label, info in manifest["tables"].items()},
        "media_files": manifest["media_files"],
        "logical": bool(manifest["database"]["logical"]),
    }


def _store(name: str, files: dict[str, Path], manifest_base: dict[str, Any], key: str | None) -> dict[str, Any]:
    target = storage()
    if isinstance(target, FileSystemStorage):
        # Write in place and rename: a crash never leaves a half archive under a real name.
        final = Path(target.path(name))
        partial = final.with_name(f".{name}.partial")
        try:
            with open(partial, "wb") as out:
                written = archive.write_archive(
                    out, key=key or None, database_files=files, media_root=_media_root(), manifest=manifest_base
                )
            os.replace(partial, final)
        finally:
            partial.unlink(missing_ok=True)
    else:
        with tempfile.NamedTemporaryFile(prefix="etime-archive-") as out:
            written = archive.write_archive(
                out,  # type: ignore[arg-type]
                key=key or None,
                database_files=files,
                media_root=_media_root(),
                manifest=manifest_base,
            )
            out.flush()
            out.seek(0)
            saved = target.save(name, File(out, name=name))
            if saved != name:
                raise BackupError(gettext("The storage renamed the archive to %(name)r.") % {"name": saved})
    target.save(name + ".sha256", File(_bytes_file(f"{written['sha256']}  {name}\n".encode()), name=name + ".sha256"))
    return written


def _bytes_file(data: bytes) -> Any:
    import io

    return io.BytesIO(data)


def _open(name_or_path: str) -> Any:
    """An archive by storage name, or by a filesystem path (copied archives, other hosts)."""
    path = Path(name_or_path)
    if path.is_file():
        return open(path, "rb")  # noqa: SIM115
    target = storage()
    if not target.exists(name_or_path):
        message = gettext("No archive named %(name)r in the backup storage or on disk.")
        raise ArchiveNotFound(message % {"name": name_or_path})
    return target.open(name_or_path, "rb")


def _sidecar_sha(name_or_path: str) -> str | None:
    path = Path(name_or_path)
    sidecar: Any = None
    if path.is_file():
        side = path.with_name(path.name + ".sha256")
        if side.is_file():
            sidecar = side.read_text()
    else:
        target = storage()
        if target.exists(name_or_path + ".sha256"):
            with target.open(name_or_path + ".sha256", "rb") as fh:
                sidecar = fh.read().decode()
    return sidecar.split()[0] if sidecar else None


def _file_sha(name_or_path: str) -> str:
    sha = hashlib.sha256()
    with _open(name_or_path) as fh:
        while chunk := fh.read(1 << 20):
            sha.update(chunk)
    return sha.hexdigest()


def archive_read(
    name_or_path: str,
    *,
    key: str | None = None,
    extract_to: Path | None = None,
    want: Callable[[str], bool] = lambda n: True,
    expected_sha256: str | None = None,
) -> dict[str, Any]:
    """Verify an archive end to end (whole-file checksum when known, every member against
    the manifest, the encryption's authentication); extract into ``extract_to``."""
    key = settings.ETIME_BACKUP_KEY if key is None else key
    expected = expected_sha256 or _sidecar_sha(name_or_path)
    with _open(name_or_path) as raw:
        manifest = archive.read_archive(raw, key=key or None, extract_to=extract_to, want=want)
    if expected and _file_sha(name_or_path) != expected:
        raise ArchiveCorrupted(
            gettext("The archive is corrupted: its checksum differs from the one recorded when it was written.")
        )
    return manifest


def backup_verify(name_or_path: str, *, key: str | None = None, expected_sha256: str | None = None) -> dict[str, Any]:
    """Checksums, then restore the native dump into a scratch database and compare."""
    with tempfile.TemporaryDirectory(prefix="etime-verify-") as tmp:
        work = Path(tmp)
        manifest = archive_read(
            name_or_path,
            key=key,
            extract_to=work,
            want=lambda n: n.startswith("db/") and not n.startswith("db/logical."),
            expected_sha256=expected_sha256,
        )
        native = work / manifest["database"]["native"]
        if manifest["engine"] == "postgresql":
            if database.engine() != "postgresql":
                return manifest  # checksums only: no PostgreSQL here to restore into
            problems = database.verify_postgres_native(native, manifest["tables"])
        elif manifest["engine"] == "mysql":
            if database.engine() != "mysql":
                return manifest  # checksums only: no MariaDB/MySQL here to restore into
            problems = database.verify_mysql_native(native, manifest["tables"])
        else:
            problems = database.verify_sqlite_native(native, manifest["tables"])
    if problems:
        message = gettext("Restoring the archive into a scratch database did not reproduce it: %(problems)s")
        raise ArchiveCorrupted(message % {"problems": "; ".join(problems[:5])})
    return manifest


@dataclass
class RestoreReport:
    archive: str
    restore_point: str | None
    method: str
    migrated: bool
    rows: dict[str, int]
    media_files: int


def restore(
    name_or_path: str,
    *,
    actor: Actor = None,
    key: str | None = None,
    logical: bool = False,
    restore_point: bool = True,
    progress: Callable[[str], None] | None = None,
) -> RestoreReport:
    """Restore database and media from an archive. Verifies everything first; any
    ``ArchiveRefused`` leaves the installation exactly as it was."""
    note = progress or (lambda message: None)
    current_engine = database.engine()
    with tempfile.TemporaryDirectory(prefix="etime-restore-", dir=_scratch_parent()) as tmp:
        work = Path(tmp)
        note("verify")
        manifest = archive_read(name_or_path, key=key, extract_to=work)
        use_logical = logical or manifest["engine"] != current_engine
        if use_logical and not manifest["database"]["logical"]:
            raise ArchiveRefused(
                gettext("The archive has no logical format, and its native format is for another database engine.")
            )
        if not use_logical and manifest["engine"] in ("postgresql", "mysql"):
            native = work / manifest["database"]["native"]
            verify = (
                database.verify_postgres_native if manifest["engine"] == "postgresql" else database.verify_mysql_native
            )
            problems = verify(native, manifest["tables"])
            if problems:
                message = gettext("The archive's database does not restore cleanly: %(problems)s")
                raise ArchiveCorrupted(message % {"problems": "; ".join(problems[:5])})
        point = None
        if restore_point:
            note("restore point")
            point = backup_create(kind=BackupRecord.Kind.RESTORE_POINT, actor=actor, verify=False).name
        note("database")
        if use_logical:
            database.restore_logical(work / manifest["database"]["logical"], manifest["schema"])
        elif manifest["engine"] == "postgresql":
            database.restore_postgres_native(work / manifest["database"]["native"])
        elif manifest["engine"] == "mysql":
            database.restore_mysql_native(work / manifest["database"]["native"])
        else:
            database.restore_sqlite_native(work / manifest["database"]["native"])
        connections.close_all()
        note("media")
        _swap_media(work / "media")
        note("migrate")
        from django.core.management import call_command

        migrated = database.schema_state("default") != _current_schema_after_migrate()
        call_command("migrate", interactive=False, verbosity=0)
    now = timezone.now()
    user = actor_user(actor)
    BackupRecord.objects.create(
        kind=BackupRecord.Kind.RESTORE,
        state=BackupRecord.State.OK,
        name=Path(name_or_path).name,
        started_at=now,
        finished_at=now,
        engine=current_engine,
        encrypted=bool(manifest.get("encrypted")),
        verified=True,
        verified_at=now,
        summary={**_summary(manifest), "restore_point": point, "method": "logical" if use_logical else "native"},
        started_by=user if user is not None and _user_exists(user) else None,
    )
    return RestoreReport(
        archive=str(name_or_path),
        restore_point=point,
        method="logical" if use_logical else "native",
        migrated=migrated,
        rows={label: info["rows"] for label, info in manifest["tables"].items()},
        media_files=manifest["media_files"],
    )


def _user_exists(user: User) -> bool:
    return type(user)._default_manager.filter(pk=user.pk).exists()


def _current_schema_after_migrate() -> dict[str, list[str]]:
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    state: dict[str, list[str]] = {}
    for app, name in loader.graph.nodes:
        state.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(state.items())}


def _scratch_parent() -> str | None:
    media = _media_root()
    # Extract next to MEDIA_ROOT when possible so swapping media in is a rename, not a copy.
    parent = media.parent
    return str(parent) if parent.is_dir() and os.access(parent, os.W_OK) else None


def _swap_media(extracted: Path) -> None:
    media = _media_root()
    old = media.with_name(media.name + ".before-restore")
    if old.exists():
        shutil.rmtree(old)
    if media.exists():
        os.replace(media, old)
    if extracted.is_dir():
        try:
            os.replace(extracted, media)
        except OSError:  # another filesystem
            shutil.copytree(extracted, media)
    else:
        media.mkdir(parents=True, exist_ok=True)
    if old.exists():
        shutil.rmtree(old)


# --- retention ----------------------------------------------------------------------------
def _stamp(name: str) -> dt.datetime | None:
    match = NAME_RE.match(name)
    if not match:
        return None
    return dt.datetime.strptime(match.group(2) + match.group(3), "%Y%m%dT%H%M%S%f").replace(tzinfo=dt.UTC)


def retention_keep(names: list[str], *, daily: int, weekly: int, monthly: int) -> set[str]:
    """The newest archive of each of the last ``daily`` days, ``weekly`` ISO weeks and
    ``monthly`` months that have one (grandfather-father-son)."""
    dated = sorted(((stamp, n) for n in names if (stamp := _stamp(n))), reverse=True)
    keep: set[str] = set()
    for count, bucket in (
        (daily, lambda d: d.date()),
        (weekly, lambda d: d.isocalendar()[:2]),
        (monthly, lambda d: (d.year, d.month)),
    ):
        seen: list[Any] = []
        for stamp, name in dated:
            b = bucket(stamp)
            if b in seen:
                continue
            if len(seen) >= count:
                break
            seen.append(b)
            keep.add(name)
    return keep


def apply_retention() -> list[str]:
    target = storage()
    _, names = target.listdir("")
    backups = [n for n in names if NAME_RE.match(n) and "-backup-" in n]
    points = sorted((n for n in names if NAME_RE.match(n) and "-restorepoint-" in n), reverse=True)
    keep = retention_keep(
        backups,
        daily=settings.ETIME_BACKUP_KEEP_DAILY,
        weekly=settings.ETIME_BACKUP_KEEP_WEEKLY,
        monthly=settings.ETIME_BACKUP_KEEP_MONTHLY,
    )
    keep |= set(points[: settings.ETIME_BACKUP_KEEP_RESTORE_POINTS])
    removed = []
    for name in backups + points:
        if name not in keep:
            target.delete(name)
            if target.exists(name + ".sha256"):
                target.delete(name + ".sha256")
            removed.append(name)
    return removed


# --- alerts -------------------------------------------------------------------------------
def _alert_failure(record: BackupRecord) -> None:
    from django.contrib.auth import get_user_model
    from django.core.mail import send_mail
    from django.utils.text import format_lazy
    from django.utils.translation import gettext, gettext_lazy

    from etime.ops.models import NotificationKind
    from etime.ops.notifications import lazy_text, notify

    # Lazy: notify() writes them in each admin's language.
    subject = lazy_text(lambda: gettext("Backup failed (%(kind)s)") % {"kind": record.get_kind_display()})
    body = format_lazy(
        gettext_lazy("The backup started at {started} UTC failed:\n\n{error}\n"),
        started=f"{record.started_at:%Y-%m-%d %H:%M}",
        error=record.error,
    )
    try:
        admins = list(get_user_model()._default_manager.filter(is_active=True, is_staff=True))
        for admin in admins:
            notify(admin, NotificationKind.BACKUP_FAILED, subject, body)
        if not admins and settings.ADMINS:
            send_mail(f"[etime] {subject}", body, None, [email for _, email in settings.ADMINS])
    except Exception:
        logger.exception("could not alert admins about a failed backup")
