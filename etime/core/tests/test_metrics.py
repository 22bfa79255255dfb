"""GET /metrics: who may scrape it, and that what it shows moved with what really happened."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.test import override_settings
from prometheus_client.parser import text_string_to_metric_families

from conftest import PASSWORD, wait_for

TOKEN = "scrape-" + "k3y" * 12
pytestmark = pytest.mark.django_db


def scrape(client: Any) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture(autouse=True)
def _token() -> Any:
    with override_settings(ETIME_METRICS_TOKEN=TOKEN):
        yield


# --- Who may scrape ------------------------------------------------------------------------


@override_settings(ETIME_METRICS_TOKEN="", ETIME_METRICS_ALLOW=[])
def test_the_endpoint_does_not_exist_until_a_token_or_an_allow_list_is_set(client: Any) -> None:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 404
    assert b"etime_" not in response.content


def test_a_scrape_without_the_token_or_with_another_is_refused(client: Any) -> None:
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer wrong"}, {"HTTP_AUTHORIZATION": f"Basic {TOKEN}"}):
        response = client.get("/metrics", **headers)
        assert response.status_code == 403, headers
        assert b"etime_http_requests" not in response.content
    assert b"etime_http_requests_total" in client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").content


@override_settings(ETIME_METRICS_TOKEN="", ETIME_METRICS_ALLOW=[ipaddress.ip_network("10.8.0.0/16")])
def test_an_allow_listed_address_scrapes_without_a_token_and_others_are_refused(client: Any) -> None:
    assert client.get("/metrics", REMOTE_ADDR="10.8.3.4").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.9.3.4").status_code == 403
    # A forwarded header is the client's word, not the peer's address.
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="10.8.3.4").status_code == 403


# --- What happens in the processes -----------------------------------------------------------


def test_requests_are_counted_and_timed_per_view(client: Any) -> None:
    before = scrape(client)
    for _ in range(3):
        assert client.get("/health/").status_code == 200
    assert client.get("/no/such/page/").status_code == 404
    after = scrape(client)
    assert value(after, "etime_http_requests_total", view="health", method="GET", status="200") == (
        value(before, "etime_http_requests_total", view="health", method="GET", status="200") + 3
    )
    assert value(after, "etime_http_request_duration_seconds_count", view="health", method="GET") == (
        value(before, "etime_http_request_duration_seconds_count", view="health", method="GET") + 3
    )
    assert value(after, "etime_http_requests_total", view="<unmatched>", method="GET", status="404") == (
        value(before, "etime_http_requests_total", view="<unmatched>", method="GET", status="404") + 1
    )


def test_a_failed_sign_in_on_the_login_page_is_counted(client: Any, people: Any) -> None:
    before = value(scrape(client), "etime_login_failures_total")
    response = client.post("/accounts/login/", {"username": "olivia@example.com", "password": "not-" + PASSWORD})
    assert response.status_code == 200  # the form again, with its error
    assert value(scrape(client), "etime_login_failures_total") == before + 1
    client.post("/accounts/login/", {"username": "olivia@example.com", "password": PASSWORD})
    assert value(scrape(client), "etime_login_failures_total") == before + 1  # a good one is not


def test_a_task_run_by_a_real_worker_is_timed_under_its_queue(
    client: Any, live_worker: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from etime.ops.tasks import heartbeat, warranty_reminders

    before = scrape(client)
    with django_capture_on_commit_callbacks(execute=True):  # published when the test's transaction "commits"
        heartbeat.delay()
    wait_for(
        lambda: (
            value(scrape(client), "etime_celery_tasks_total", task="ops.heartbeat", queue="default", state="success")
            > value(before, "etime_celery_tasks_total", task="ops.heartbeat", queue="default", state="success")
        )
    )
    after = scrape(client)
    assert value(after, "etime_celery_task_duration_seconds_count", task="ops.heartbeat", queue="default") == (
        value(before, "etime_celery_task_duration_seconds_count", task="ops.heartbeat", queue="default") + 1
    )
    assert value(after, "etime_celery_task_duration_seconds_sum", task="ops.heartbeat", queue="default") > value(
        before, "etime_celery_task_duration_seconds_sum", task="ops.heartbeat", queue="default"
    )
    assert warranty_reminders.name == "ops.warranty_reminders"
    assert settings.ETIME_TASK_QUEUE[warranty_reminders.name] == "mail"


# --- What the broker and the database hold, read at scrape time ------------------------------


def test_queue_lengths_are_those_of_the_broker(client: Any) -> None:
    import redis

    from etime.celery import app

    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.skip("needs Redis as broker (PostgreSQL pass)")
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete("reports", "mail")
    app.conf.task_always_eager = False
    try:
        for _ in range(3):
            app.send_task("ops.send_scheduled_reports")  # routed to "reports"; no worker runs
        app.send_task("ops.retry_failed_notifications")  # "mail"
        samples = scrape(client)
        assert broker.llen("reports") == 3 and broker.llen("mail") == 1
        assert value(samples, "etime_celery_queue_length", queue="reports") == 3
        assert value(samples, "etime_celery_queue_length", queue="mail") == 1
        assert value(samples, "etime_celery_queue_length", queue="backups") == broker.llen("backups")
    finally:
        app.conf.task_always_eager = True
        broker.delete("reports", "mail")


def test_device_lag_backup_age_and_mails_waiting_are_the_databases(client: Any) -> None:
    from devices.services import device_create
    from etime.ops.models import BackupRecord, Notification

    now = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
    with time_machine.travel(now, tick=False):
        lobby = device_create(actor=None, name="Lobby", protocol="adms", serial_number="LAG0001")
        gate = device_create(actor=None, name="Gate", protocol="adms", serial_number="LAG0002")
        off = device_create(actor=None, name="Off", protocol="adms", serial_number="LAG0003")
        type(lobby).objects.filter(pk=lobby.pk).update(last_success_at=now - timedelta(seconds=90))
        type(gate).objects.filter(pk=gate.pk).update(created_at=now - timedelta(hours=2), last_success_at=None)
        type(off).objects.filter(pk=off.pk).update(enabled=False)
        for hours, state in ((30, BackupRecord.State.OK), (3, BackupRecord.State.OK), (1, BackupRecord.State.FAILED)):
            BackupRecord.objects.create(
                kind=BackupRecord.Kind.SCHEDULED, state=state, started_at=now - timedelta(hours=hours)
            )
        for status, attempts, age in (
            ("queued", 0, 0),
            ("queued", 0, 1),
            ("failed", 1, 2),
            ("failed", 5, 2),
            ("failed", 1, 30),
            ("sent", 1, 1),
        ):
            mail = Notification.objects.create(
                recipient="x@example.com",
                kind="device_offline",
                subject="s",
                body="b",
                status=status,
                attempts=attempts,
            )
            Notification.objects.filter(pk=mail.pk).update(created_at=now - timedelta(hours=age))
        samples = scrape(client)
    assert value(samples, "etime_device_sync_lag_seconds", device="Lobby", protocol="adms") == 90
    assert value(samples, "etime_device_sync_lag_seconds", device="Gate", protocol="adms") == 7200
    assert not any(key[0] == "etime_device_sync_lag_seconds" and ("device", "Off") in key[1] for key in samples)
    assert value(samples, "etime_backup_age_seconds") == 3 * 3600  # the newest that succeeded
    assert value(samples, "etime_mails_waiting", status="queued") == 2
    assert value(samples, "etime_mails_waiting", status="retrying") == 1  # not given up, not past a day
    assert (
        value(samples, "etime_mails_waiting", status="queued") == Notification.objects.filter(status="queued").count()
    )


def test_punch_to_attendance_latency_is_observed_when_the_day_is_recomputed(client: Any, people: Any) -> None:
    from attendance.models import DirtyDay
    from attendance.services import mark_dirty, recompute_dirty

    start = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
    before = scrape(client)
    with time_machine.travel(start, tick=False):
        mark_dirty([(people.alice.pk, start.date()), (people.bob.pk, start.date())], enqueue=False)
        assert value(scrape(client), "etime_attendance_dirty_days") == DirtyDay.objects.count() == 2
    with time_machine.travel(start + timedelta(seconds=40), tick=False):
        assert recompute_dirty() == 2
    after = scrape(client)
    count = "etime_punch_to_attendance_seconds_count"
    assert value(after, count) == value(before, count) + 2
    assert (
        value(after, "etime_punch_to_attendance_seconds_sum")
        # approx: the sum is a float, and earlier recomputes in this process left fractions in it
        == pytest.approx(value(before, "etime_punch_to_attendance_seconds_sum") + 80)
    )
    assert value(after, "etime_punch_to_attendance_seconds_bucket", le="30.0") == value(
        before, "etime_punch_to_attendance_seconds_bucket", le="30.0"
    )
    assert (
        value(after, "etime_punch_to_attendance_seconds_bucket", le="60.0")
        == value(before, "etime_punch_to_attendance_seconds_bucket", le="60.0") + 2
    )
    assert value(after, "etime_attendance_dirty_days") == 0


def test_punches_stored_are_counted_per_source_as_the_database_holds_them(
    client: Any, people: Any, django_capture_on_commit_callbacks: Any
) -> None:
    import uuid

    from django.db import transaction

    from accounts.services import employee_update
    from attendance.models import Punch
    from attendance.services import PunchInput, punches_ingest

    employee_update(employee=people.alice, actor=people.admin, device_user_id="7")
    device = uuid.uuid4()
    at = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
    records = [PunchInput(device_user_id="7", timestamp=at + timedelta(minutes=m)) for m in (0, 1, 2)]
    before = scrape(client)
    with django_capture_on_commit_callbacks(execute=True):
        punches_ingest(device_id=device, records=records)
    with django_capture_on_commit_callbacks(execute=True):
        again = punches_ingest(device_id=device, records=[*records, PunchInput("7", at + timedelta(minutes=3))])
    assert again.created == 1  # the three already stored are duplicates: not counted again
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        punches_ingest(device_id=device, records=[PunchInput("7", at + timedelta(minutes=4))])
        raise RuntimeError("rolled back: the punch is not stored, so not counted")
    after = scrape(client)
    stored = Punch.objects.filter(device_id=device).count()
    assert stored == 4
    assert value(after, "etime_punches_stored_total", source="device") == (
        value(before, "etime_punches_stored_total", source="device") + stored
    )


def test_the_dashboard_and_the_alert_rules_use_only_metrics_etime_exports(client: Any) -> None:
    import json
    import re
    from pathlib import Path

    import yaml

    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    exported = set()
    for family in text_string_to_metric_families(response.content.decode()):
        exported |= {family.name + suffix for suffix in ("", "_total", "_bucket", "_count", "_sum")}
    docs = Path(settings.BASE_DIR) / "docs" / "ops"
    dashboard = json.loads((docs / "grafana-dashboard.json").read_text())
    rules = yaml.safe_load((docs / "alerts.yml").read_text())["groups"][0]["rules"]
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    assert len(exprs) >= 10 and len(rules) >= 8
    for rule in rules:
        assert rule["alert"] and rule["expr"] and rule["labels"]["severity"] in ("warning", "critical")
        assert rule["annotations"]["summary"]
        exprs.append(str(rule["expr"]))
    used = {name for expr in exprs for name in re.findall(r"\betime_[a-z_]+", expr)}
    assert used - exported == set()
    assert {
        "etime_celery_queue_length",
        "etime_device_sync_lag_seconds",
        "etime_backup_age_seconds",
        "etime_mails_waiting",
        "etime_login_failures_total",
    } <= used
