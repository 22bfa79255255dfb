from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
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


class RequestSizeLimitMiddleware:
    """Refuse a body larger than ``ETIME_MAX_REQUEST_BYTES`` before anything reads it, so an
    oversized upload (leave attachments, imports) costs neither memory nor disk."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.ETIME_MAX_REQUEST_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > limit:
            status = 400 if length < 0 else 413
            code, message = STATUS_CODES[status]
            if status == 413:
                message = f"The request body is larger than {limit} bytes."
            if is_api_path(request.path):
                return JsonResponse(envelope(code, message, {"max_bytes": limit}), status=status)
            return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


def _is_backing_service_outage(exception: Exception) -> bool:
    try:
        from kombu.exceptions import OperationalError as BrokerError
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeout
    except ImportError:  # pragma: no cover - both ship with etime
        return False
    return isinstance(exception, RedisConnectionError | RedisTimeout | BrokerError)


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
        if isinstance(exception, RequestDataTooBig):  # a JSON/form body over DATA_UPLOAD_MAX_MEMORY_SIZE
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            return JsonResponse(
                envelope("payload_too_large", f"The request body is larger than {limit} bytes.", {"max_bytes": limit}),
                status=413,
            )
        if isinstance(exception, TooManyFieldsSent):
            return JsonResponse(envelope("bad_request", "Too many form fields."), status=400)
        if _is_backing_service_outage(exception):
            # Redis (cache, throttles, broker) is down or restarting: a retryable 503, not a 500.
            logger.warning("Backing service unavailable in %s %s: %r", request.method, request.path, exception)
            code, message = STATUS_CODES[503]
            response = JsonResponse(envelope(code, message), status=503)
            response["Retry-After"] = "5"
            return response
        logger.exception("Unhandled error in %s %s", request.method, request.path)
        code, message = STATUS_CODES[500]
        return JsonResponse(envelope(code, message), status=500)
