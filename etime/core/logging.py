from __future__ import annotations

import logging

from etime.core.context import current_request_id


class RequestIdFilter(logging.Filter):
    """Stamp every log record with the request id of the request or task emitting it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = current_request_id() or "-"
        return True
