"""The request id travels from a request into the Celery task it enqueues (real worker, real Redis)."""

from __future__ import annotations

from typing import Any

import pytest
from celery import shared_task

from etime.core.context import current_request_id, request_id_var


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
