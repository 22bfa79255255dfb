"""Domain errors with stable codes, and the API error envelope.

Services raise ``DomainError`` subclasses; the API turns them into
``{"error": {"code", "message", "details"}}`` with the class's HTTP status. Codes are
part of the public contract (docs/API.md lists them); never rename one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

STATUS_CODES: dict[int, tuple[str, str]] = {
    400: ("bad_request", "The request is malformed."),
    401: ("not_authenticated", "Authentication credentials were not provided."),
    403: ("permission_denied", "You do not have permission to perform this action."),
    404: ("not_found", "Not found."),
    405: ("method_not_allowed", "Method not allowed."),
    406: ("not_acceptable", "Cannot satisfy the request's Accept header."),
    409: ("conflict", "The request conflicts with the current state."),
    413: ("payload_too_large", "The request body is too large."),
    415: ("unsupported_media_type", "Unsupported media type."),
    429: ("throttled", "Too many requests."),
    500: ("server_error", "An unexpected error occurred; it has been logged."),
    503: ("service_unavailable", "The service is temporarily unavailable."),
}


def envelope(code: str, message: StrOrPromise, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details if details is not None else {}}}


class DomainError(Exception):
    """A business rule refused the operation. Subclasses set ``code`` and ``status``."""

    code = "domain_error"
    status = 400
    # Lazy: shown in the language of whoever reads it (the code stays English and stable).
    message: StrOrPromise = _("The operation was refused.")

    def __init__(self, message: StrOrPromise | None = None, *, details: dict[str, Any] | None = None) -> None:
        self.message = message or self.message
        self.details = details or {}
        super().__init__(self.message)


class ValidationFailed(DomainError):
    code = "validation_error"
    status = 400
    message = _("The input is invalid.")


class NotFound(DomainError):
    code = "not_found"
    status = 404
    message = _("Not found.")


class Conflict(DomainError):
    code = "conflict"
    status = 409
