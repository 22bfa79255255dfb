"""The JSON shape of a time entry, shared by the API and by error details.

A 409 ``time_entry_overlap`` lists the conflicting entries exactly as the API shows
them, so the service raising it and the serializer must agree; both use this function.
Built by hand rather than by DRF's field machinery: it is on every list row.
"""

from __future__ import annotations

from typing import Any

from etime.core.api.fields import iso_date, iso_datetime, str_or_none
from timesheets import money
from timesheets.models import TimeEntry

TIME_ENTRY_FIELDS = (
    "id",
    "employee",
    "project",
    "client",
    "task",
    "start",
    "end",
    "date",
    "duration_seconds",
    "rounded_seconds",
    "description",
    "billable",
    "status",
    "rate_applied",
    "rate_currency",
    "rate_effective_date",
    "rate_source",
    "amount",
    "invoice",
    "source",
    "auto_stopped",
    "external_id",
    "created_at",
    "updated_at",
)


def _client_id(entry: TimeEntry) -> Any:
    # Lists annotate the client id (one joined column) instead of loading each project.
    annotated = getattr(entry, "client_ref", None)
    if annotated is not None:
        return annotated
    return entry.project.client_id


def time_entry_data(entry: TimeEntry) -> dict[str, Any]:
    amount = None
    if entry.rounded_seconds is not None:
        amount = str(money.amount_for(entry.rounded_seconds, entry.rate_applied)) if entry.billable else "0.00"
    return {
        "id": str(entry.id),
        "employee": str(entry.employee_id),
        "project": str(entry.project_id),
        "client": str_or_none(_client_id(entry)),
        "task": str_or_none(entry.task_id),
        "start": iso_datetime(entry.start),
        "end": iso_datetime(entry.end),
        "date": iso_date(entry.date),
        "duration_seconds": entry.duration_seconds,
        "rounded_seconds": entry.rounded_seconds,
        "description": entry.description,
        "billable": entry.billable,
        "status": entry.status,
        "rate_applied": str(entry.rate_applied),
        "rate_currency": entry.rate_currency,
        "rate_effective_date": iso_date(entry.rate_effective_date),
        "rate_source": entry.rate_source,
        "amount": amount,
        "invoice": str_or_none(entry.invoice_id),
        "source": entry.source,
        "auto_stopped": entry.auto_stopped,
        "external_id": entry.external_id,
        "created_at": iso_datetime(entry.created_at),
        "updated_at": iso_datetime(entry.updated_at),
    }
