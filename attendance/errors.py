"""Attendance's domain errors. Codes are public (docs/API.md); never rename one."""

from __future__ import annotations

from etime.core.errors import Conflict, DomainError


class PeriodLocked(DomainError):
    code = "period_locked"
    status = 409
    message = "This period is locked; attendance in it can no longer change."


class AssignmentOverlap(Conflict):
    code = "schedule_assignment_overlap"
    message = "The employee already has a schedule assignment in this period."


class RequestNotPending(Conflict):
    code = "request_not_pending"
    message = "This request has already been decided or withdrawn."
