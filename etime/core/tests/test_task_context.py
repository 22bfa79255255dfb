"""The request id travels from a request into the Celery task it enqueues (real worker, real Redis)."""

from __future__ import annotations

from typing import Any

import pytest
from celery import shared_task

from etime.core.context import current_request_id, request_id_var
from etime.core.queue import enqueue_on_commit


@shared_task(name="tests.report_request_id")
def report_request_id() -> str | None:
    return current_request_id()


@pytest.mark.django_db(transaction=True)
def test_task_enqueued_during_a_request_logs_that_requests_id(live_worker: Any) -> None:
    token = request_id_var.set("req-abc-123")
    try:
        result = report_request_id.apply_async()
    finally:
        request_id_var.reset(token)
    assert result.get(timeout=20) == "req-abc-123"


@pytest.mark.django_db(transaction=True)
def test_task_enqueued_outside_a_request_gets_its_own_id(live_worker: Any) -> None:
    request_id_var.set(None)
    result = report_request_id.apply_async()
    assert result.get(timeout=20) == f"task-{result.id}"


@pytest.mark.django_db(transaction=True)
def test_enqueue_on_commit_publishes_only_after_commit_and_never_after_rollback() -> None:
    from django.db import transaction

    published: list[Any] = []

    class Recorder:
        def apply_async(self, args: Any = None, kwargs: Any = None) -> None:
            published.append((args, kwargs))

    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_on_commit(Recorder(), 1)
        raise RuntimeError("rolled back")
    with transaction.atomic():
        enqueue_on_commit(Recorder(), 2)
        assert published == []  # not while the transaction is open
    assert published == [((2,), {})]
