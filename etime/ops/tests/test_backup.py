"""Backups and restores against the real database (PostgreSQL pass and SQLite pass)."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import uuid
from io import StringIO
from pathlib import Path
from typing import Any

import dj_database_url
import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction
from django.utils import translation

from etime.ops.backup import database
from etime.ops.backup.service import archive_read, backup_create, restore, retention_keep, storage
from etime.ops.errors import ArchiveCorrupted, ArchiveRefused, ArchiveTruncated, ArchiveWrongKey, BackupError
from etime.ops.models import BackupRecord, Job

BOOKKEEPING = {"ops.backuprecord"}  # restore writes its own record after the restore


@pytest.fixture
def ops_dirs(settings: Any, tmp_path: Path) -> Path:
    settings.ETIME_BACKUP_DIR = tmp_path / "backups"
    settings.MEDIA_ROOT = tmp_path / "data" / "media"
    settings.ETIME_BACKUP_KEY = ""
    media = Path(settings.MEDIA_ROOT)
    (media / "receipts" / "ab" / "cd").mkdir(parents=True)
    (media / "receipts" / "ab" / "cd" / "abcd1234.pdf").write_bytes(b"%PDF-1.7 receipt " + os.urandom(4000))
    (media / "leave" / "attachments").mkdir(parents=True)
    (media / "leave" / "attachments" / "note ü.txt").write_text("doctor's note")
    return media


def state(media: Path) -> dict[str, Any]:
    digests = database.canonical_digests("default")
    files = {
        p.relative_to(media).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in media.rglob("*")
        if p.is_file()
    }
    return {"tables": {k: v for k, v in digests.items() if k not in BOOKKEEPING}, "media": files}


def seed() -> None:
    """The demo company, as seed_demo leaves it (rows, media files, its own first backup).

    On PostgreSQL the first seed of a run (per backup key: seed_demo's own backup is
    encrypted with it) is kept as a template database and a copy of the files it wrote, and
    later seeds clone that back instead of seeding again (each seed took 5-15 s, a dozen
    tests seed). The state a test starts from is the same either way."""
    if connection.vendor != "postgresql":
        call_command("seed_demo", stdout=StringIO())
        return
    from django.conf import settings

    key = settings.ETIME_BACKUP_KEY or ""
    dirs = {"media": Path(settings.MEDIA_ROOT), "backups": Path(settings.ETIME_BACKUP_DIR)}
    name = connection.settings_dict["NAME"]
    snapshot = _SEEDED.get(key)
    if snapshot is None:
        before = {label: _files(root) for label, root in dirs.items()}
        call_command("seed_demo", stdout=StringIO())
        copies = Path(tempfile.mkdtemp(prefix="etime-seeded-"))
        for label, root in dirs.items():
            for rel in _files(root) - before[label]:
                (copies / label / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(root / rel, copies / label / rel)
        template = f"{name}_seeded_{len(_SEEDED)}"
        connections.close_all()
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{template}"')
            cursor.execute(f'CREATE DATABASE "{template}" TEMPLATE "{name}"')
        _SEEDED[key] = (template, copies)
        return
    template, copies = snapshot
    connections.close_all()
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    for label, root in dirs.items():
        if (copies / label).exists():
            shutil.copytree(copies / label, root, dirs_exist_ok=True)


# backup key -> (template database, directory with the files seed_demo wrote)
_SEEDED: dict[str, tuple[str, Path]] = {}


def _files(root: Path) -> set[Path]:
    return {p.relative_to(root) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


@pytest.fixture(scope="module", autouse=True)
def _drop_seeded_templates(django_db_blocker: Any) -> Any:
    yield
    if not _SEEDED:
        return
    with django_db_blocker.unblock(), connection._nodb_cursor() as cursor:
        for template, copies in _SEEDED.values():
            cursor.execute(f'DROP DATABASE IF EXISTS "{template}"')
            shutil.rmtree(copies, ignore_errors=True)
    _SEEDED.clear()


def wipe(media: Path) -> None:
    call_command("flush", interactive=False, verbosity=0)
    for p in sorted(media.rglob("*"), reverse=True):
        p.unlink() if p.is_file() else p.rmdir()


@pytest.mark.embedded
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("key", ["", "correct horse"])
def test_round_trip_restores_every_row_and_media_file(ops_dirs: Path, settings: Any, key: str) -> None:
    settings.ETIME_BACKUP_KEY = key
    seed()
    before = state(ops_dirs)
    assert sum(t["rows"] for t in before["tables"].values()) > 1000
    result = backup_create()
    assert result.record.state == BackupRecord.State.OK and result.record.verified
    assert result.record.encrypted is bool(key)

    wipe(ops_dirs)
    assert state(ops_dirs) != before

    report = restore(result.name, restore_point=False)

    assert report.method == "native"
    assert state(ops_dirs) == before


@pytest.mark.embedded
@pytest.mark.django_db(transaction=True)
def test_logical_format_round_trip_is_identical(ops_dirs: Path) -> None:
    seed()
    before = state(ops_dirs)
    result = backup_create(verify=False)
    wipe(ops_dirs)

    report = restore(result.name, logical=True, restore_point=False)

    assert report.method == "logical"
    assert state(ops_dirs) == before


def _flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def _refusal_setup(settings: Any, key: str) -> tuple[Path, dict[str, Any]]:
    settings.ETIME_BACKUP_KEY = key
    seed()
    result = backup_create(verify=False)
    return Path(storage().path(result.name)), result.manifest


@pytest.mark.embedded
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("key", ["", "k3y"])
@pytest.mark.parametrize("damage", ["flipped_byte", "truncated", "wrong_key"])
def test_damaged_archive_is_refused_before_anything_changes(
    ops_dirs: Path, settings: Any, key: str, damage: str
) -> None:
    if damage == "wrong_key" and not key:
        pytest.skip("only encrypted archives have a key")
    path, _ = _refusal_setup(settings, key)
    size = path.stat().st_size
    # Copy the archive out of the storage (a user restoring a file from elsewhere has no sidecar).
    copy = path.parent.parent / "copy" / path.name
    copy.parent.mkdir()
    copy.write_bytes(path.read_bytes())
    Job.objects.create(kind="after-backup")  # the state a bad restore would destroy
    before = state(ops_dirs)
    points = BackupRecord.objects.count()

    expected: type[ArchiveRefused]
    if damage == "flipped_byte":
        _flip(copy, size // 2)
        expected = ArchiveCorrupted
    elif damage == "truncated":
        copy.write_bytes(copy.read_bytes()[: size - 20000])
        expected = ArchiveTruncated
    else:
        settings.ETIME_BACKUP_KEY = "not the key"
        expected = ArchiveWrongKey

    with pytest.raises(expected) as refused:
        restore(str(copy))

    assert refused.value.code.startswith("backup_")
    assert state(ops_dirs) == before
    assert BackupRecord.objects.count() == points  # not even a restore point was taken
    assert Job.objects.filter(kind="after-backup").exists()


@pytest.mark.embedded
@pytest.mark.django_db(transaction=True)
def test_flipped_byte_in_stored_archive_fails_verification(ops_dirs: Path) -> None:
    seed()
    result = backup_create(verify=False)
    path = Path(storage().path(result.name))
    # The tar padding after a member is not covered by any member checksum; the sidecar
    # checksum written with the archive still catches it.
    _flip(path, path.stat().st_size - 10)
    with pytest.raises(ArchiveCorrupted):
        archive_read(result.name)


@pytest.mark.embedded
@pytest.mark.django_db(transaction=True)
def test_restore_command_refuses_a_corrupted_archive_with_a_clear_message(ops_dirs: Path, settings: Any) -> None:
    path, _ = _refusal_setup(settings, "")
    _flip(path, path.stat().st_size // 3)
    with pytest.raises(Exception) as refused:
        call_command("restore", str(path), "--yes", stdout=StringIO())
    assert "backup_archive_corrupted" in str(refused.value)
    assert "Nothing was changed" in str(refused.value)


@pytest.mark.embedded
@pytest.mark.django_db(transaction=True)
def test_restore_takes_a_restore_point_of_the_current_state(ops_dirs: Path) -> None:
    seed()
    result = backup_create(verify=False)
    Job.objects.create(kind="made-after-backup")
    report = restore(result.name)
    assert not Job.objects.filter(kind="made-after-backup").exists()
    assert report.restore_point and report.restore_point.startswith("etime-restorepoint-")

    restore(report.restore_point, restore_point=False)
    assert Job.objects.filter(kind="made-after-backup").exists()


@pytest.mark.embedded
@pytest.mark.django_db(transaction=True)
def test_failed_backup_is_recorded_and_admins_are_alerted(ops_dirs: Path, settings: Any, tmp_path: Path) -> None:
    from accounts.models import User

    User.objects.create_user(username="ops@example.com", email="ops@example.com", password="x" * 12, is_staff=True)
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the backup directory should be")
    settings.ETIME_BACKUP_DIR = blocker

    with pytest.raises(BackupError):
        backup_create()

    record = BackupRecord.objects.get()
    assert record.state == BackupRecord.State.FAILED and record.error
    assert [m.to for m in mail.outbox] == [["ops@example.com"]]
    assert "Backup failed" in mail.outbox[0].subject


def test_retention_keeps_newest_per_day_week_and_month() -> None:
    names = [
        "etime-backup-20260101T020000000000Z.tar",  # month Jan
        "etime-backup-20260201T020000000000Z.tar",  # month Feb
        "etime-backup-20260301T020000000000Z.tar",  # month Mar, week 9
        "etime-backup-20260309T020000000000Z.tar",  # week 11
        "etime-backup-20260316T020000000000Z.tar",  # day, week 12
        "etime-backup-20260317T020000000000Z.tar",  # day
        "etime-backup-20260317T120000000000Z.tar.enc",  # newest of that day
        "unrelated.txt",
    ]
    keep = retention_keep(names, daily=2, weekly=2, monthly=2)
    assert keep == {
        "etime-backup-20260317T120000000000Z.tar.enc",
        "etime-backup-20260316T020000000000Z.tar",
        "etime-backup-20260309T020000000000Z.tar",
        "etime-backup-20260201T020000000000Z.tar",
    }


# --- PostgreSQL only ----------------------------------------------------------------------
def _writer(stop: threading.Event, errors: list[BaseException]) -> None:
    from etime.core.models import AuditEvent

    try:
        while not stop.is_set():
            with transaction.atomic():
                tag = uuid.uuid4().hex
                AuditEvent.objects.create(action="pair", object_type="ops.job", object_id=tag)
                Job.objects.create(kind="pair", message=tag)
    except BaseException as exc:  # pragma: no cover - reported by the test
        errors.append(exc)
    finally:
        connections.close_all()


@pytest.mark.postgres
@pytest.mark.mariadb
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not os.environ.get("DATABASE_URL"), reason="PostgreSQL and MariaDB passes")
def test_backup_taken_while_writes_continue_restores_consistently(ops_dirs: Path) -> None:
    from etime.core.models import AuditEvent

    seed()
    stop = threading.Event()
    errors: list[BaseException] = []
    thread = threading.Thread(target=_writer, args=(stop, errors))
    thread.start()
    try:
        while Job.objects.filter(kind="pair").count() < 20:
            pass
        result = backup_create(verify=True)
    finally:
        stop.set()
        thread.join()
    assert not errors
    written = Job.objects.filter(kind="pair").count()

    for logical in (False, True):
        restore(result.name, logical=logical, restore_point=False)
        jobs = set(Job.objects.filter(kind="pair").values_list("message", flat=True))
        events = set(AuditEvent.objects.filter(action="pair").values_list("object_id", flat=True))
        assert jobs == events  # every transaction whole, none half
        assert 20 <= len(jobs) < written  # a moment during the writes


@pytest.mark.postgres
@pytest.mark.mariadb
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not os.environ.get("DATABASE_URL"), reason="PostgreSQL and MariaDB passes")
def test_move_from_sqlite_to_postgres_or_mariadb_loses_nothing(ops_dirs: Path, tmp_path: Path) -> None:
    # A real embedded installation in another process: SQLite, its own data directory.
    data = tmp_path / "embedded"
    media = data / "media"
    (media / "receipts").mkdir(parents=True)
    (media / "receipts" / "r1.pdf").write_bytes(b"%PDF receipt" + os.urandom(2000))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(ETIME_DATA_DIR=str(data), DEBUG="true", ETIME_BACKUP_DIR=str(data / "backups"), ETIME_LOG_LEVEL="ERROR")
    root = Path(__file__).resolve().parents[3]
    for args in (["migrate", "-v0"], ["seed_demo"], ["backup"]):
        subprocess.run([sys.executable, "manage.py", *args], cwd=root, env=env, check=True, capture_output=True)  # noqa: S603
    archive_path = max((data / "backups").glob("etime-backup-*.tar"))  # seed_demo's own backup is older
    manifest = archive_read(str(archive_path))
    assert manifest["engine"] == "sqlite"

    call_command("move_database", str(archive_path), stdout=StringIO())

    assert connection.vendor in ("postgresql", "mysql")
    moved = database.canonical_digests("default")
    for label, info in manifest["tables"].items():
        if label in BOOKKEEPING:
            continue
        assert (label, moved[label]["rows"], moved[label]["digest"]) == (label, info["rows"], info["digest"])
    assert sum(info["rows"] for info in manifest["tables"].values()) > 1000
    got = {p.relative_to(ops_dirs).as_posix(): p.read_bytes() for p in ops_dirs.rglob("*") if p.is_file()}
    # Every media file of the embedded installation arrives byte for byte: the receipt put
    # there above and what seed_demo stored (the demo push clock's punch photo).
    embedded = {p.relative_to(media).as_posix(): p.read_bytes() for p in media.rglob("*") if p.is_file()}
    assert "receipts/r1.pdf" in embedded and any(name.startswith("punch-photos/") for name in embedded)
    assert got == embedded


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not os.environ.get("DATABASE_URL"), reason="PostgreSQL pass")
def test_postgres_logical_format_digests_as_the_database_does(ops_dirs: Path, tmp_path: Path) -> None:
    """PostgreSQL writes the logical format itself (COPY text per table); parsed and typed
    back by the models, its rows hash exactly as the database's own rows do, table by table
    (so the format loses nothing on its way to another engine)."""
    seed()
    result = backup_create(verify=False)
    logical = result.manifest["database"]["logical"]
    assert logical == "db/logical.pgcopy"
    archive_read(result.name, extract_to=tmp_path, want=lambda n: n == logical)
    from_file = database.logical_file_digests(tmp_path / logical)
    in_database = database.canonical_digests("default")
    for label, info in in_database.items():
        if label not in BOOKKEEPING:
            assert (label, from_file[label]["rows"], from_file[label]["digest"]) == (
                label,
                info["rows"],
                info["digest"],
            )
    assert sum(info["rows"] for info in from_file.values()) > 1000


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not os.environ.get("DATABASE_URL"), reason="PostgreSQL pass")
def test_move_from_postgres_to_sqlite_loses_nothing(ops_dirs: Path, tmp_path: Path) -> None:
    seed()
    before = database.canonical_digests("default")
    target = tmp_path / "moved.sqlite3"
    out = StringIO()

    call_command("move_database", "--to", f"sqlite:///{target}", stdout=out)

    assert "Moved" in out.getvalue()
    with database.extra_alias(
        "check_moved", NAME=str(target), ENGINE="django.db.backends.sqlite3", TEST={"NAME": str(target)}, OPTIONS={}
    ) as alias:
        moved = database.canonical_digests(alias)
    for label, info in before.items():
        if label not in BOOKKEEPING:
            assert (label, moved[label]["rows"], moved[label]["digest"]) == (label, info["rows"], info["digest"])


@pytest.mark.mariadb
@pytest.mark.django_db(transaction=True)
def test_move_from_mariadb_to_postgres_loses_nothing(ops_dirs: Path, tmp_path: Path) -> None:
    """MariaDB/MySQL → PostgreSQL (the PostgreSQL of CI's first pass, a scratch database)."""
    import psycopg

    if connection.vendor != "mysql":
        pytest.skip("MariaDB pass")
    seed()
    before = database.canonical_digests("default")
    name = f"etime_moved_{uuid.uuid4().hex[:8]}"
    url = os.environ.get("ETIME_TEST_MOVE_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
    target = dj_database_url.parse(f"{url}/{name}")
    admin: dict[str, Any] = dict(
        host=target["HOST"], port=target["PORT"], user=target["USER"], password=target["PASSWORD"] or None
    )
    with psycopg.connect(**admin, dbname="postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        out = StringIO()
        call_command("move_database", "--to", f"{url}/{name}", stdout=out)
        assert "Moved" in out.getvalue()
        with database.extra_alias("check_moved", **target, OPTIONS={}, TEST={}) as alias:
            moved = database.canonical_digests(alias)
    finally:
        with psycopg.connect(**admin, dbname="postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    for label, info in before.items():
        if label not in BOOKKEEPING:
            assert (label, moved[label]["rows"], moved[label]["digest"]) == (label, info["rows"], info["digest"])
    assert sum(info["rows"] for label, info in before.items() if label not in BOOKKEEPING) > 1000


# --- The commands speak the active language ---------------------------------------------------------

DECORATED = re.compile(r"\[!! .*? !!\]")


@pytest.fixture(scope="session")
def pseudo_catalogs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The pseudo-locale's catalogs as CI builds them (``manage.py pseudo_locale``): every
    string marked in today's code is decorated, so English left in an output was not marked."""
    if shutil.which("xgettext") is None:
        pytest.skip("GNU gettext is not installed")
    target = tmp_path_factory.mktemp("pseudo")
    call_command("pseudo_locale", str(target), stdout=StringIO(), stderr=StringIO())
    return target


@pytest.fixture
def in_pseudo(settings: Any, pseudo_catalogs: Path) -> Any:
    settings.LOCALE_PATHS = [str(pseudo_catalogs), *settings.LOCALE_PATHS]
    with translation.override(settings.ETIME_PSEUDO_LANGUAGE):
        yield


def english(text: str, *identifiers: str) -> list[str]:
    """The words of ``text`` outside its decorated (translated) parts and its identifiers."""
    for identifier in identifiers:
        text = text.replace(identifier, "")
    return re.findall(r"[^\W\d_]+", DECORATED.sub("", text))


@pytest.mark.embedded
@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_commands_print_in_the_active_language(ops_dirs: Path, in_pseudo: Any) -> None:
    """They printed English whatever the language; now only the ``OK:`` prefix scripts read,
    the archive's name, the engine and the format stay as they are."""
    out, err = StringIO(), StringIO()
    call_command("backup", "--no-verify", stdout=out, stderr=err)
    name = BackupRecord.objects.get(kind=BackupRecord.Kind.MANUAL).name
    assert out.getvalue().startswith(f"OK: {name} (")
    assert english(out.getvalue(), name) == ["OK"]
    assert err.getvalue().count("… [!! ") == 2 and english(err.getvalue()) == []  # snapshot, archive

    out = StringIO()
    call_command("backup", "--verify-only", name, stdout=out)
    assert english(out.getvalue(), name) == ["OK"]

    out, err = StringIO(), StringIO()
    call_command("restore", name, "--yes", "--no-restore-point", stdout=out, stderr=err)
    assert english(out.getvalue(), name, connection.vendor, "native") == []
    assert english(err.getvalue()) == []


@pytest.mark.embedded
@pytest.mark.django_db(transaction=True)
def test_backup_commands_refuse_in_the_active_language(ops_dirs: Path, in_pseudo: Any) -> None:
    with pytest.raises(CommandError) as refused:
        call_command("restore", "etime-backup-missing.tar", "--yes", stdout=StringIO())
    assert str(refused.value).startswith("backup_archive_not_found: [!! ")
    assert english(str(refused.value), "backup_archive_not_found") == []
    with pytest.raises(CommandError) as refused:
        call_command("move_database", stdout=StringIO())
    assert english(str(refused.value), "ARCHIVE", "DATABASE_URL") == []
