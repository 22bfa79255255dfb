"""Test data for leave: leave types and requests made the way the product makes them."""

from __future__ import annotations

from datetime import date
from typing import Any

from leave.models import LeaveType


def make_leave_type(code: str, name: str | None = None, **fields: Any) -> LeaveType:
    defaults: dict[str, Any] = {"approval_levels": [{"type": "manager"}]}
    defaults.update(fields)
    return LeaveType.objects.create(code=code, name=name or code.title(), **defaults)


def submit(employee: Any, leave_type: LeaveType, start: date, end: date | None = None, **kwargs: Any) -> Any:
    from leave.services import leave_request_submit

    kwargs.setdefault("actor", employee.user)
    return leave_request_submit(
        employee=employee, leave_type=leave_type, start_date=start, end_date=end or start, **kwargs
    )
