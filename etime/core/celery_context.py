"""Carry the request id from the request that enqueued a task into the task's logs.

The id travels as a message header (``etime_request_id``), so it survives any broker.
"""

from __future__ import annotations

from typing import Any

from celery.signals import before_task_publish, task_postrun, task_prerun

from etime.core.context import current_request_id, request_id_var

HEADER = "etime_request_id"
_tokens: dict[str, Any] = {}


@before_task_publish.connect
def _stamp_request_id(headers: dict[str, Any] | None = None, **_: Any) -> None:
    request_id = current_request_id()
    if headers is not None and request_id and HEADER not in headers:
        headers[HEADER] = request_id


@task_prerun.connect
def _restore_request_id(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    request_id = None
    if task is not None:
        request_id = getattr(task.request, HEADER, None) or (task.request.headers or {}).get(HEADER)
    if task_id:
        _tokens[task_id] = request_id_var.set(request_id or f"task-{task_id}")


@task_postrun.connect
def _clear_request_id(task_id: str | None = None, **_: Any) -> None:
    token = _tokens.pop(task_id or "", None)
    if token is not None:
        request_id_var.reset(token)
