"""etime's Celery task base: enqueued only once the surrounding transaction commits.

A task enqueued inside a transaction may run before the commit (and see nothing) or after
a rollback (and act on data that never existed). ``Task`` is the Celery app's default task
class (``task_cls`` in ``etime/celery.py``), so every ``@shared_task`` gets it: ``delay``
and ``apply_async`` called inside an atomic block publish from ``transaction.on_commit``
(nothing at all if the block rolls back), and at once outside one; as pretix's
``TransactionAwareTask`` (``pretix/base/services/tasks.py``) does.

A task takes ids and loads its row with ``task_row``: the row may be gone by the time the
task runs (deleted since), which is logged and answered with None, never an exception that
Celery would log as a failure or retry.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any, TypeVar

import celery
from celery import current_task
from celery.result import AsyncResult
from celery.utils import uuid
from django.db import models, transaction

log = logging.getLogger("etime.tasks")

M = TypeVar("M", bound=models.Model)


class Task(celery.Task):
    """The base of every etime task (see the module's docstring)."""

    def apply_async(
        self, args: Any = None, kwargs: Any = None, task_id: str | None = None, **options: Any
    ) -> AsyncResult:
        # A retry re-sends a message that was committed long ago; the task body's own
        # transaction, rolled back by the Retry it raises, must not take the retry with it.
        if not transaction.get_connection().in_atomic_block or "retries" in options:
            return super().apply_async(args, kwargs, task_id, **options)
        # The id is fixed now, so the caller can record it before the message exists.
        task_id = task_id or uuid()
        transaction.on_commit(partial(super().apply_async, args, kwargs, task_id, **options))
        return self.AsyncResult(task_id)


def task_row(source: type[M] | models.QuerySet[M], pk: Any) -> M | None:
    """The row a task was queued for (``source``: its model, or a queryset to load it
    through, e.g. with ``select_related``), or None when it is gone, logged with the task's
    name. The task then returns None: there is nothing left to do, and nothing to retry."""
    queryset = source if isinstance(source, models.QuerySet) else source._default_manager.all()
    row = queryset.filter(pk=pk).first()
    if row is None:
        task = current_task.name if current_task else "-"
        log.info("%s: %s %s is gone, nothing to do", task, queryset.model._meta.label, pk)
    return row
