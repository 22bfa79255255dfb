"""``Idempotency-Key`` support for any DRF write view (DESIGN §4).

A write sent with the header claims the key for the authenticated user by inserting a
row (unique on user+key) before the view runs. A retry with the same key and the same
request replays the stored response (header ``Idempotent-Replayed: true``); the same key
with a different request is refused (422 ``idempotency_key_reused``); a retry while the
first is still running gets 409 ``idempotency_key_in_use``. Server errors release the
key so the client can retry. Records expire after ETIME_IDEMPOTENCY_TTL_HOURS.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from etime.core.models import IdempotencyRecord

HEADER = "Idempotency-Key"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# A claim never completed (its process died) is released after this long.
STALE_CLAIM = timedelta(minutes=5)


class IdempotencyKeyReused(APIException):
    status_code = 422
    default_code = "idempotency_key_reused"
    default_detail = "This Idempotency-Key was already used with a different request."


class IdempotencyKeyInUse(APIException):
    status_code = 409
    default_code = "idempotency_key_in_use"
    default_detail = "A request with this Idempotency-Key is still being processed; retry shortly."


class _Replay(Exception):
    def __init__(self, record: IdempotencyRecord) -> None:
        self.record = record


def _request_hash(request: Request) -> str:
    digest = hashlib.sha256()
    digest.update((request.method or "").encode())
    digest.update(b"\0")
    digest.update(request.get_full_path().encode())
    digest.update(b"\0")
    digest.update(request._request.body)
    return digest.hexdigest()


def purge_expired() -> int:
    cutoff = timezone.now() - timedelta(hours=settings.ETIME_IDEMPOTENCY_TTL_HOURS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


class IdempotencyMixin:
    """Mix into an APIView/ViewSet before the DRF base class."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # Authentication, permissions and throttles run first.
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        self._idempotency_record: IdempotencyRecord | None = None
        user: Any = request.user  # the core knows no concrete user model
        key = request.headers.get(HEADER)
        if key is None or request.method not in WRITE_METHODS:
            return
        if not 1 <= len(key) <= 255 or not key.isprintable():
            raise ValidationError({HEADER: ["Must be 1 to 255 printable characters."]})
        request_hash = _request_hash(request)
        cutoff = timezone.now() - STALE_CLAIM
        expired = timezone.now() - timedelta(hours=settings.ETIME_IDEMPOTENCY_TTL_HOURS)
        for _attempt in range(2):
            try:
                with transaction.atomic():
                    self._idempotency_record = IdempotencyRecord.objects.create(
                        user=user, key=key, method=request.method, path=request.path, request_hash=request_hash
                    )
                return
            except IntegrityError:
                existing = IdempotencyRecord.objects.filter(user=user, key=key).first()
                if existing is None:
                    continue  # released between our insert and our read; claim again
                if existing.created_at < expired or (not existing.completed and existing.created_at < cutoff):
                    existing.delete()
                    continue
                if existing.request_hash != request_hash:
                    raise IdempotencyKeyReused() from None
                if not existing.completed:
                    raise IdempotencyKeyInUse() from None
                raise _Replay(existing) from None
        raise IdempotencyKeyInUse()

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, _Replay):
            record = exc.record
            response = HttpResponse(
                record.response_body or b"", status=record.response_status, content_type="application/json"
            )
            for name, value in (record.response_headers or {}).items():
                response[name] = value
            response["Idempotent-Replayed"] = "true"
            return response  # type: ignore[return-value]
        return super().handle_exception(exc)  # type: ignore[misc]

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        record = getattr(self, "_idempotency_record", None)
        if record is None:
            return response
        self._idempotency_record = None
        if response.status_code >= 500:
            record.delete()  # let the client retry a failure that was ours
            return response
        data = getattr(response, "data", None)
        record.completed = True
        record.response_status = response.status_code
        record.response_body = JSONRenderer().render(data).decode() if data is not None else None
        record.response_headers = {h: response[h] for h in ("Location",) if h in response}
        record.save(update_fields=["completed", "response_status", "response_body", "response_headers"])
        return response
