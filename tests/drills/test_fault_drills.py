"""Fault drills: something dies in the middle of the work, and after recovery no data is
lost, nothing is duplicated, and the interrupted job is retried or reported.

- a worker process killed (SIGKILL) mid-sync of a device (real process, real simulator);
- the database server dropping every connection of our test database (PostgreSQL's
  pg_terminate_backend, MariaDB/MySQL's KILL) between and during requests through the real
  WSGI handler;
- Redis (a throwaway redis-server on a free port, never the shared one) stopped and
  restarted while the API is writing;
- the disk filling up during a backup (a real 256 KiB tmpfs, so writes fail with ENOSPC),
  at the archive's destination and in the scratch directory.

Covered elsewhere: the device simulator rebooting or cutting mid-transfer
(devices/tests/test_fault_injection.py, 220 seeded faults).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from typing import Any

import psycopg
import pytest
from django.db import connection

from devices.tests.conftest import device_for, device_log, make_sim, stored_log  # noqa: F401 (make_sim: fixture)
from tests.security.world import at

pytestmark = [pytest.mark.postgres, pytest.mark.mariadb, pytest.mark.django_db(transaction=True)]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _pg_only() -> None:
    """These drills need a database server (PostgreSQL or MariaDB/MySQL), not SQLite."""
    if connection.vendor == "sqlite":
        pytest.skip("the PostgreSQL and MariaDB passes")


def _test_db_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "mysql":
        return f"mysql://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 3306}/{s['NAME']}"
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _terminate_our_connections() -> int:
    """Drop every connection to this test's database (and only this one)."""
    s = connection.settings_dict
    if connection.vendor == "mysql":
        import MySQLdb

        admin = MySQLdb.connect(
            host=s["HOST"] or "127.0.0.1", port=int(s["PORT"] or 3306), user=s["USER"], password=s["PASSWORD"] or ""
        )
        try:
            cursor = admin.cursor()
            cursor.execute(
                "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = %s AND ID <> CONNECTION_ID()", [s["NAME"]]
            )
            ids = [row[0] for row in cursor.fetchall()]
            for pid in ids:
                with contextlib.suppress(MySQLdb.OperationalError):  # gone meanwhile
                    cursor.execute(f"KILL CONNECTION {int(pid)}")
            return len(ids)
        finally:
            admin.close()
    with psycopg.connect(
        host=s["HOST"] or "127.0.0.1", port=s["PORT"] or 5432, user=s["USER"], dbname="postgres", autocommit=True
    ) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [s["NAME"]],
        ).fetchall()
    return len(rows)


# --- a worker killed mid-sync -----------------------------------------------------------------

SYNC_SCRIPT = """
import django, sys
django.setup()
from django.conf import settings
settings.ETIME_DEVICE_SYNC_LEASE_SECONDS = 2
from devices.services import device_sync
device_sync(device=sys.argv[1])
"""


def test_a_worker_killed_mid_sync_loses_and_duplicates_nothing_and_its_run_is_reported(make_sim: Any) -> None:  # noqa: F811
    from attendance.models import Punch
    from devices import locks, services
    from devices.models import SyncRun, SyncStatus

    _pg_only()
    sim = make_sim(users=5, records=400, latency=0.03)
    device = device_for(sim, timeout_seconds=0.5)
    env = {**os.environ, "DATABASE_URL": _test_db_url(), "DJANGO_SETTINGS_MODULE": "etime.settings_test"}
    worker = subprocess.Popen(
        [sys.executable, "-c", SYNC_SCRIPT, str(device.pk)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # The worker's start (Python, Django) took over 20 s on a loaded two-core machine.
        deadline = time.monotonic() + 60
        while sim.is_enabled and time.monotonic() < deadline and worker.poll() is None:
            time.sleep(0.01)
        assert not sim.is_enabled, "the worker never started reading the log"
        time.sleep(0.3)  # well into the transfer
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=10)  # reaped, so no warning of a live child leaks into the next test
    assert SyncRun.objects.filter(device=device, status=SyncStatus.RUNNING).count() == 1  # the orphan

    # The dead worker's lease lapses; the next sync takes over.
    deadline = time.monotonic() + 30
    while locks.is_held(device.pk) and time.monotonic() < deadline:
        time.sleep(0.1)
    sim.power_on()  # a device left disabled by the dead session comes back (a reboot would too)
    run = services.device_sync(device=device.pk)
    assert run.status == SyncStatus.SUCCEEDED, (run.error_code, run.error)
    assert stored_log(device) == device_log(sim)
    keys = list(Punch.objects.filter(device_id=device.pk).values_list("device_user_id", "timestamp"))
    assert len(keys) == len(set(keys)) == 400
    orphan = SyncRun.objects.exclude(pk=run.pk).get(device=device, trigger=run.trigger)
    assert orphan.status == SyncStatus.FAILED and orphan.error_code == "device_sync_abandoned"


# --- PostgreSQL drops our connections ---------------------------------------------------------


@pytest.fixture
def wsgi(settings: Any) -> Any:
    """The real WSGI handler (with its per-request connection handling), not the test client."""
    from django.core.wsgi import get_wsgi_application
    from werkzeug.test import Client as WsgiClient

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    return WsgiClient(get_wsgi_application())


def test_requests_after_postgres_dropped_every_connection_succeed_and_write_once(
    people: Any, token_client: Any, wsgi: Any
) -> None:
    from tests.security.world import build_world
    from timesheets.models import TimeEntry

    _pg_only()
    world = build_world(people)
    raw = token_client(people.alice).raw_token
    auth = {"Authorization": f"Bearer {raw}"}
    assert wsgi.get("/api/v1/me/", headers=auth).status_code == 200
    assert _terminate_our_connections() >= 1
    assert wsgi.get("/api/v1/me/", headers=auth).status_code == 200  # reconnected, not a 500

    for i in range(5):
        _terminate_our_connections()
        body = {
            "project": str(world["project"].pk),
            "start": at(date(2026, 2, 17), 8 + i).isoformat(),
            "end": at(date(2026, 2, 17), 9 + i).isoformat(),
        }
        key = {"Idempotency-Key": f"drop-{i}", **auth}
        response = wsgi.post("/api/v1/time-entries/", json=body, headers=key)
        assert response.status_code == 201, response.get_data()[:300]
        retry = wsgi.post("/api/v1/time-entries/", json=body, headers=key)
        assert retry.status_code == 201 and retry.headers.get("Idempotent-Replayed") == "true"
    assert TimeEntry.objects.filter(employee=people.alice, date=date(2026, 2, 17)).count() == 5


# --- Redis stopped and restarted --------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ThrowawayRedis:
    def __init__(self, tmp: str) -> None:
        self.port = _free_port()
        self.tmp = tmp
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.tmp,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


@pytest.fixture
def redis_server(tmp_path: Any) -> Iterator[ThrowawayRedis]:
    if not shutil.which("redis-server"):
        pytest.skip("redis-server not installed")
    server = ThrowawayRedis(str(tmp_path))
    server.start()
    yield server
    server.stop()


def test_api_writes_across_a_redis_restart_are_stored_once_or_refused_cleanly(
    people: Any, token_client: Any, settings: Any, redis_server: ThrowawayRedis
) -> None:
    from tests.security.world import build_world
    from timesheets.models import TimeEntry

    _pg_only()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{redis_server.port}/0",
            "KEY_PREFIX": "drill",
        }
    }
    world = build_world(people)
    client = token_client(people.alice)
    outcomes: list[int] = []
    accepted: list[int] = []
    for i in range(9):
        if i == 3:
            redis_server.stop()
        if i == 6:
            redis_server.start()
        body = {
            "project": str(world["project"].pk),
            "start": at(date(2026, 2, 18), 8 + i).isoformat(),
            "end": at(date(2026, 2, 18), 9 + i).isoformat(),
        }
        response = client.post("/api/v1/time-entries/", body, format="json")
        outcomes.append(response.status_code)
        if response.status_code == 201:
            accepted.append(i)
        else:
            error = response.json()["error"]  # a clean envelope, never a half-write
            assert response.status_code == 503 and error["code"] == "service_unavailable", (response.status_code, error)
    assert outcomes[:3] == [201] * 3 and outcomes[6:] == [201] * 3, outcomes
    stored = TimeEntry.objects.filter(employee=people.alice, date=date(2026, 2, 18)).count()
    assert stored == len(accepted), (stored, outcomes)


# --- disk full during a backup ----------------------------------------------------------------


@pytest.fixture
def tiny_disk(tmp_path: Any) -> Iterator[Any]:
    """A real file system of 256 KiB (tmpfs), so writes fail with ENOSPC as on a full disk."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {proc.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)  # noqa: S607


def _backup_ready(settings: Any, tmp_path: Any, backup_dir: Any, people: Any) -> dict[str, int]:
    from tests.security.world import build_world

    settings.ETIME_BACKUP_DIR = backup_dir
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ETIME_BACKUP_KEY = ""
    (tmp_path / "media" / "receipts").mkdir(parents=True)
    (tmp_path / "media" / "receipts" / "big.pdf").write_bytes(b"%PDF-1.7 " + os.urandom(400_000))  # > the disk
    build_world(people)  # a record of every kind
    return _counts()


def _counts() -> dict[str, int]:
    from django.apps import apps

    return {m._meta.label: m._base_manager.count() for m in apps.get_models() if m._meta.app_label != "ops"}


@pytest.mark.parametrize("full", ["archive destination", "scratch directory"])
def test_a_backup_on_a_full_disk_fails_cleanly_is_reported_and_the_next_one_works(
    tiny_disk: Any, tmp_path: Any, settings: Any, monkeypatch: Any, people: Any, full: str
) -> None:
    """ENOSPC while writing the archive (backup directory full) or the dumps (temporary
    directory full): the backup fails with the OS's reason, no partial archive is left
    under any name, the scratch space is cleaned, the job and the record say failed, the
    admins are alerted, the database is untouched; with space back, the next backup works."""
    import tempfile

    from etime.ops.backup.service import backup_create
    from etime.ops.errors import BackupError
    from etime.ops.jobs import job_create
    from etime.ops.models import BackupRecord, Job, Notification, NotificationKind
    from etime.ops.tasks import backup

    _pg_only()
    before = _backup_ready(
        settings, tmp_path, tiny_disk if full == "archive destination" else tmp_path / "backups", people
    )
    admin = people.admin
    admin.is_staff, admin.email = True, "admin@example.test"
    admin.save()
    if full == "scratch directory":
        monkeypatch.setattr(tempfile, "tempdir", str(tiny_disk))
    job = job_create(kind="backup", actor=admin)

    with pytest.raises(BackupError, match="No space left on device"):
        backup(job_id=str(job.pk))

    job.refresh_from_db()
    assert job.state == Job.State.FAILED and "No space left on device" in " ".join(job.errors)
    record = BackupRecord.objects.get()
    assert record.state == BackupRecord.State.FAILED and "No space left on device" in record.error
    assert Notification.objects.filter(kind=NotificationKind.BACKUP_FAILED, user=admin).exists()
    assert list(tiny_disk.iterdir()) == []  # no partial archive, no leftover dump
    assert _counts() == before

    monkeypatch.setattr(tempfile, "tempdir", None)
    settings.ETIME_BACKUP_DIR = tmp_path / "roomy"
    result = backup_create(verify=False)  # verification has its own tests
    assert result.record.state == BackupRecord.State.OK
