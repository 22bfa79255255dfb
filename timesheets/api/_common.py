"""What the timesheets API modules share: the overlap resolution parameter, input errors and
the caller's own employee record."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request

from accounts.models import Employee
from accounts.selectors import employee_for_user
from etime.core.errors import NotFound as DomainNotFound
from etime.core.errors import ValidationFailed
from timesheets import services

RESOLUTION_HELP = (
    "On overlap (409 time_entry_overlap): merge into one entry over the union, replace the conflicts, keep_mine "
    "(trim the conflicts) or keep_theirs (trim this entry). Merge and replace are refused (409 overlap_needs_choice) "
    "when a conflict differs in project, task or billable; details.resolutions lists the choices that can succeed."
)
RESOLUTION_CHOICES = [(value, value) for value in services.RESOLUTIONS]


def _validation(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"The input is invalid: {message}", details={field: [message]})


def _own_employee(request: Request) -> Employee:
    employee = employee_for_user(request.user)
    if employee is None:
        raise DomainNotFound("Your login has no employee record.")
    return employee


def _resolution(request: Request, data: dict[str, Any]) -> str | None:
    value = data.pop("resolution", None) or request.query_params.get("resolution") or None
    if value not in (None, *services.RESOLUTIONS):
        raise _validation("resolution", f"Choose one of {', '.join(services.RESOLUTIONS)}.")
    return value
