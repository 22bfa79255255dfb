"""Health endpoints against the real services: PostgreSQL, Redis, a Celery worker."""

from __future__ import annotations

import socket
import subprocess
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from conftest import wait_for
from etime.core.health import heartbeat_age
from etime.ops.models import BackupRecord


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.embedded
@pytest.mark.django_db
def test_liveness_and_legacy_probe_answer_without_login() -> None:
    client = Client()
    assert client.get("/health/").json() == {"status": "ok"}
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok"}


@pytest.mark.django_db(transaction=True)
def test_ready_when_worker_and_beat_alive_and_not_ready_once_the_worker_dies(settings: Any) -> None:
    from celery.contrib.testing.worker import start_worker

    from etime.celery import app
    from etime.ops.tasks import heartbeat

    if not settings.REDIS_URL:
        pytest.skip("needs Redis as broker")
    BackupRecord.objects.create(
        kind=BackupRecord.Kind.SCHEDULED, state=BackupRecord.State.OK, started_at=timezone.now(), verified=True
    )
    client = Client()
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            # Celery's Django fixup closes this process's database socket as the worker starts.
            connection.close()
            heartbeat.delay()
            wait_for(lambda: heartbeat_age() is not None)
            response = client.get("/health/ready/")
            body = response.json()
            assert response.status_code == 200, body
            assert body["checks"]["workers"] == {"status": "ok", "workers": 1}
            assert body["checks"]["beat"]["status"] == "ok"
            assert body["checks"]["backups"]["status"] == "ok"
    finally:
        app.conf.task_always_eager = True

    response = client.get("/health/ready/")
    assert response.status_code == 503
    assert response.json()["checks"]["workers"]["status"] == "fail"


@pytest.mark.django_db
def test_stopped_redis_broker_is_not_ready(settings: Any) -> None:
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],  # noqa: S607
        stdout=subprocess.DEVNULL,
    )
    try:
        settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{port}/0"

        def up() -> bool:
            return bool(Client().get("/health/ready/").json()["checks"]["broker"]["status"] == "ok")

        wait_for(up, timeout=10)
    finally:
        server.terminate()
        server.wait(timeout=10)

    response = Client().get("/health/ready/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["broker"] == {"status": "fail", "message": "broker unreachable"}
    assert body["checks"]["workers"]["status"] == "fail"


@pytest.mark.django_db
def test_missing_or_failed_backup_and_offline_device_warn_without_failing_readiness() -> None:
    from devices.models import Device, DeviceStatus

    Device.objects.create(name="Gate", host="10.0.0.9", status=DeviceStatus.OFFLINE)
    BackupRecord.objects.create(
        kind=BackupRecord.Kind.SCHEDULED, state=BackupRecord.State.FAILED, started_at=timezone.now()
    )
    body = Client().get("/health/ready/").json()
    assert body["checks"]["devices"] == {"status": "warn", "enabled": 1, "offline": 1}
    assert body["checks"]["backups"]["status"] == "warn"
    assert body["checks"]["backups"]["message"] == "no successful backup yet"


@pytest.mark.django_db
def test_health_command_prints_the_report_and_fails_when_not_ready() -> None:
    out = StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("health", stdout=out)
    assert exited.value.code == 1
    assert '"database": {' in out.getvalue()
