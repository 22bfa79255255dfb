"""Enqueue Celery tasks only once the surrounding transaction has committed.

A task enqueued inside a transaction may run before the commit (and see nothing) or
after a rollback (and act on data that never existed). Every caller goes through
``enqueue_on_commit`` instead of calling ``.delay`` directly.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction


def enqueue_on_commit(task: Any, *args: Any, **kwargs: Any) -> None:
    transaction.on_commit(lambda: task.apply_async(args=args, kwargs=kwargs))
