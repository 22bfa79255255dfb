"""Attendance's domain errors. Codes are public (docs/API.md); never rename one."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from etime.core.errors import Conflict, DomainError


class PeriodLocked(DomainError):
    code = "period_locked"
    status = 409
    message = _("This period is locked; attendance in it can no longer change.")


class AssignmentOverlap(Conflict):
    code = "schedule_assignment_overlap"
    message = _("The employee already has a schedule assignment in this period.")


class RequestNotPending(Conflict):
    code = "request_not_pending"
    message = _("This request has already been decided or withdrawn.")
