"""The Celery app. Broker and backend come from settings (filesystem:// or Redis)."""

from __future__ import annotations

import os
import sys
from typing import Any

from celery import Celery
from celery.signals import beat_init, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "etime.settings")

# Every task is an etime.core.queue.Task: enqueued only once the transaction commits.
app = Celery("etime", task_cls="etime.core.queue:Task")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _refuse_unsafe_boot(**_: Any) -> None:
    from django.core.management.base import SystemCheckError

    from etime import checks

    try:
        checks.enforce()
    except SystemCheckError as exc:
        sys.stderr.write(f"{exc}\n")
        # SystemExit passes through Celery's signal dispatch, which swallows Exceptions.
        raise SystemExit(1) from exc


worker_init.connect(_refuse_unsafe_boot, weak=False)
beat_init.connect(_refuse_unsafe_boot, weak=False)
