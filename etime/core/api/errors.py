"""DRF exception handler: every API error becomes the envelope of DESIGN §4."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings

from etime.core.errors import STATUS_CODES, DomainError, envelope

logger = logging.getLogger("etime.api")

# DRF's own default codes, renamed where ours differ.
_CODE_MAP = {
    "invalid": "validation_error",
    "authentication_failed": "authentication_failed",
    "not_authenticated": "not_authenticated",
    "permission_denied": "permission_denied",
    "not_found": "not_found",
    "method_not_allowed": "method_not_allowed",
    "not_acceptable": "not_acceptable",
    "unsupported_media_type": "unsupported_media_type",
    "throttled": "throttled",
    "parse_error": "parse_error",
}


def _message(detail: Any) -> str:
    if isinstance(detail, list) and detail:
        return _message(detail[0])
    if isinstance(detail, dict) and detail:
        return _message(next(iter(detail.values())))
    return str(detail)


def _field_details(detail: Any) -> Any:
    """Per-field messages as plain strings: {"field": ["msg", ...], "non_field_errors": [...]}."""
    if isinstance(detail, dict):
        return {key: _field_details(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_field_details(item) for item in detail]
    return str(detail)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return Response(envelope(exc.code, exc.message, exc.details), status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}
        )

    if not isinstance(exc, exceptions.APIException):
        return None  # re-raised by DRF; ApiErrorEnvelopeMiddleware answers 500 with the envelope

    headers: dict[str, str] = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))  # type: ignore[attr-defined]

    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {api_settings.NON_FIELD_ERRORS_KEY: exc.detail}
        message = gettext("The input is invalid: %(first)s") % {"first": _message(detail)}
        body = envelope("validation_error", message, _field_details(detail))
        return Response(body, status=status.HTTP_400_BAD_REQUEST, headers=headers)

    codes = exc.get_codes()
    raw_code = codes if isinstance(codes, str) else _CODE_MAP.get(exc.default_code, exc.default_code)
    code = _CODE_MAP.get(raw_code, raw_code)
    details: dict[str, Any] = {}
    wait = getattr(exc, "wait", None)
    if isinstance(exc, exceptions.Throttled) and wait is not None:
        details["retry_after_seconds"] = int(wait)
    if isinstance(exc, exceptions.MethodNotAllowed):
        details["method"] = context["request"].method if context.get("request") else None
    extra = getattr(exc, "extra_details", None)
    if extra:
        details.update(extra)
    message = _message(exc.detail) or STATUS_CODES.get(exc.status_code, ("", ""))[1]
    return Response(envelope(code, message, details), status=exc.status_code, headers=headers)
