"""Per-request (or per-task) context: the request id, carried into logs and audit events."""

from __future__ import annotations

import contextvars

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("etime_request_id", default=None)


def current_request_id() -> str | None:
    return request_id_var.get()
