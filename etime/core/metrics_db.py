"""Gauges read when Prometheus scrapes: the broker's queue lengths and what the database
holds now (docs/OPERATIONS.md "Metrics"). Read at scrape time rather than kept as gauges
in a process, so a scrape shows the same counts as the database, whichever process and
however many answer; each is a handful of indexed queries.

The core imports no app: the models are looked up by label (``apps.get_model``), read
only, the way the health checks' apps report their state.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db.models import Max
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

# kombu's Redis transport keeps a queue's messages of priority p > 0 in "<queue>\x06\x16<p>".
_PRIORITY_SEP = "\x06\x16"
_PRIORITY_STEPS = (0, 3, 6, 9)


def queue_lengths() -> dict[str, int]:
    """Messages waiting in each queue (not yet taken by a worker; a task with a countdown
    a worker holds already is not counted)."""
    url = settings.CELERY_BROKER_URL
    if url.startswith(("redis://", "rediss://")):
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        with client.pipeline(transaction=False) as pipe:
            for queue in settings.ETIME_QUEUES:
                for step in _PRIORITY_STEPS:
                    pipe.llen(queue if not step else f"{queue}{_PRIORITY_SEP}{step}")
            counts = pipe.execute()
        per = len(_PRIORITY_STEPS)
        return {queue: sum(counts[i * per : (i + 1) * per]) for i, queue in enumerate(settings.ETIME_QUEUES)}
    if url.startswith("filesystem://"):
        folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("data_folder_in", "")
        names = os.listdir(folder) if folder and os.path.isdir(folder) else []
        return {queue: sum(name.endswith(f".{queue}.msg") for name in names) for queue in settings.ETIME_QUEUES}
    return {}


class DatabaseCollector(Collector):
    def collect(self) -> Iterable[Any]:
        for build in (_queues, _device_lag, _backup_age, _mails_waiting, _dirty_days):
            try:
                yield from build()
            except Exception:
                # One source down (the broker) must not hide the others; the scrape shows
                # the gap, and the log says why.
                log.exception("metrics: %s failed", build.__name__)


def _queues() -> Iterable[Any]:
    family = GaugeMetricFamily("etime_celery_queue_length", "Tasks waiting in each Celery queue.", labels=["queue"])
    for queue, length in queue_lengths().items():
        family.add_metric([queue], length)
    yield family


def _device_lag() -> Iterable[Any]:
    Device = apps.get_model("devices", "Device")
    now = timezone.now()
    family = GaugeMetricFamily(
        "etime_device_sync_lag_seconds",
        "Seconds since each enabled time clock's punches were last all stored (since it was added, if never).",
        labels=["device", "protocol"],
    )
    for name, protocol, success, created in (
        Device.objects.filter(enabled=True)
        .order_by("name")
        .values_list("name", "protocol", "last_success_at", "created_at")
    ):
        family.add_metric([name, protocol], max(0.0, (now - (success or created)).total_seconds()))
    yield family


def _backup_age() -> Iterable[Any]:
    BackupRecord = apps.get_model("ops", "BackupRecord")
    last = BackupRecord.objects.filter(kind__in=["scheduled", "manual"], state="ok").aggregate(last=Max("started_at"))[
        "last"
    ]
    family = GaugeMetricFamily(
        "etime_backup_age_seconds", "Seconds since the newest successful backup started (absent: none yet)."
    )
    if last is not None:
        family.add_metric([], max(0.0, (timezone.now() - last).total_seconds()))
    yield family


def _mails_waiting() -> Iterable[Any]:
    from etime.ops.notifications import MAX_ATTEMPTS, RETRY_WITHIN

    Notification = apps.get_model("ops", "Notification")
    queued = Notification.objects.filter(status="queued").count()
    retrying = Notification.objects.filter(
        status="failed", attempts__lt=MAX_ATTEMPTS, created_at__gte=timezone.now() - RETRY_WITHIN
    ).count()
    family = GaugeMetricFamily(
        "etime_mails_waiting",
        "Mails not sent yet: queued (sent after commit), or failed and still to be retried by beat.",
        labels=["status"],
    )
    family.add_metric(["queued"], queued)
    family.add_metric(["retrying"], retrying)
    yield family


def _dirty_days() -> Iterable[Any]:
    DirtyDay = apps.get_model("attendance", "DirtyDay")
    yield GaugeMetricFamily(
        "etime_attendance_dirty_days", "Employee-days waiting to be recomputed.", value=DirtyDay.objects.count()
    )
