"""Domain errors with stable codes, and the API error envelope.

Services raise ``DomainError`` subclasses; the API turns them into
``{"error": {"code", "message", "details"}}`` with the class's HTTP status. Codes are
part of the public contract (docs/API.md lists them); never rename one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
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


class PeriodLocked(DomainError):
    """Time that is closed for changes (an attendance period lock, or time entries that are
    submitted, approved or invoiced). Apps subclass it only to say which, in their message."""

    code = "period_locked"
    status = 409
    message = _("This period is locked and can no longer change.")


def validation_failed(exc: ValidationError) -> ValidationFailed:
    """A model's ``ValidationError`` as the API's ``validation_error``: messages per field, a
    model-wide one under ``non_field_errors`` (as DRF names it), the first in the text."""
    details = dict(exc.message_dict) if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
    if "__all__" in details:
        details["non_field_errors"] = details.pop("__all__")
    first = next(iter(details.values()))[0] if details else gettext("invalid")
    return ValidationFailed(gettext("The input is invalid: %(reason)s") % {"reason": first}, details=details)


def full_clean(obj: Any, exclude: list[str] | None = None, *, constraints: bool = True) -> None:
    """``obj.full_clean()`` raising ``validation_failed``; ``constraints=False`` leaves unique
    and check constraints to the database (for rows a lock or an upsert already guards)."""
    try:
        obj.full_clean(exclude=exclude, validate_unique=constraints, validate_constraints=constraints)
    except ValidationError as exc:
        raise validation_failed(exc) from None
