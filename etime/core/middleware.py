from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from etime.core.context import request_id_var
from etime.core.errors import STATUS_CODES, envelope

logger = logging.getLogger("etime.request")

# A caller-supplied id is kept only if it is short and harmless in logs and headers.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


class RequestIdMiddleware:
    """Give every request an id (the caller's ``X-Request-ID`` if sane), expose it in the
    response header, and make it available to logs, audit events and enqueued tasks."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        # Not reset on the way out: Django logs the response ("Not Found: ...") after the
        # outermost middleware returns, and that line should carry the id too. Each request
        # sets its own value, so nothing stale survives into the next one.
        request_id_var.set(request_id)
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


def is_api_path(path: str) -> bool:
    return path.startswith("/api/") and not path.startswith(("/api/docs", "/api/redoc"))


class ApiErrorEnvelopeMiddleware:
    """Under /api/, every error is the JSON envelope, including errors raised outside DRF
    (unknown URLs, uncaught exceptions, CSRF failures)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            is_api_path(request.path)
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            code, message = STATUS_CODES.get(response.status_code, ("error", "The request failed."))
            replacement = JsonResponse(envelope(code, message), status=response.status_code)
            for header in ("Allow", "Retry-After", "WWW-Authenticate"):
                if header in response:
                    replacement[header] = response[header]
            return replacement
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_api_path(request.path):
            return None
        logger.exception("Unhandled error in %s %s", request.method, request.path)
        code, message = STATUS_CODES[500]
        return JsonResponse(envelope(code, message), status=500)
