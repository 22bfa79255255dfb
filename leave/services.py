"""Writes for leave. Each service runs in one transaction, audits itself, and leaves
side effects (mail, attendance recompute) to after the commit.

Concurrency: every write that can lower what an employee has available takes a
transaction-scoped lock on that employee (etime.core.db.xact_lock: PostgreSQL advisory
lock, a locked row on MariaDB/MySQL; SQLite's IMMEDIATE transactions already serialise
writers), then reads balance and pending, then writes.
Two concurrent requests that together exceed the balance therefore run one after the
other, and the second sees the first as pending.

Lock order, to never deadlock with the approval mechanism (which locks the approval
row, then the leave request): approval row → leave request → employee lock.
"""

from __future__ import annotations

import calendar as calendar_module
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext

from accounts.models import Employee, User
from accounts.selectors import employed_between, employee_for_user
from etime.core import approvals, audit, dates, db, formatting, zones
from etime.core.access import Action, may
from etime.core.errors import Conflict, DomainError, ValidationFailed, full_clean
from etime.core.models import ApprovalStatus
from etime.core.types import Actor, actor_user
from leave import notifications
from leave.models import (
    ACTIVE_STATUSES,
    CalendarFeed,
    EntryKind,
    FeedKind,
    GrantMode,
    LeavePolicy,
    LeaveRequest,
    LeaveType,
    LedgerEntry,
    RequestStatus,
)
from leave.selectors import Balance, balance_of, balances, policies_for
from leave.workdays import days_between, requested_days

APPROVAL_KIND = "leave_request"
CENT = Decimal("0.01")


# --- Domain errors (codes are public: docs/API.md) -------------------------------------------


class LeaveOverlap(Conflict):
    code = "leave_overlap"
    message = gettext_lazy("This leave overlaps a pending or approved request.")


class InsufficientBalance(Conflict):
    code = "insufficient_balance"
    message = gettext_lazy("Not enough days available.")


class NoticeTooShort(DomainError):
    code = "notice_too_short"
    message = gettext_lazy("This leave type needs more notice.")


class TooManyConsecutiveDays(DomainError):
    code = "too_many_consecutive_days"
    message = gettext_lazy("This leave type allows fewer consecutive days.")


class AttachmentRequired(DomainError):
    code = "attachment_required"
    message = gettext_lazy("Leave of this length needs an attachment (for example a medical certificate).")


class LeaveNotCancellable(Conflict):
    code = "leave_not_cancellable"
    message = gettext_lazy("This request can no longer be cancelled.")


# --- Helpers --------------------------------------------------------------------------------


def _lock_employee(employee_id: Any) -> None:
    db.xact_lock("leave", employee_id)


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _post(
    *,
    employee_id: Any,
    leave_type_id: Any,
    year: int,
    kind: str,
    days: Decimal,
    effective_date: date,
    actor: Actor = None,
    note: str = "",
    key: str | None = None,
    request: LeaveRequest | None = None,
) -> LedgerEntry:
    entry = LedgerEntry.objects.create(
        employee_id=employee_id,
        leave_type_id=leave_type_id,
        year=year,
        kind=kind,
        days=_round(days),
        effective_date=effective_date,
        note=note[:255],
        key=key,
        request=request,
        created_by=actor_user(actor),
    )
    return entry


def _bulk_post(rows: list[LedgerEntry]) -> int:
    """Insert keyed entries, skipping keys already posted (a task run twice). Returns how
    many were new. ``ignore_conflicts`` covers two runs racing past the pre-check."""
    keys = [row.key for row in rows if row.key]
    done: set[str | None] = set()
    for start in range(0, len(keys), 5000):
        done |= set(LedgerEntry.objects.filter(key__in=keys[start : start + 5000]).values_list("key", flat=True))
    new = [row for row in rows if row.key not in done]
    LedgerEntry.objects.bulk_create(new, ignore_conflicts=True, batch_size=2000)
    return len(new)


def _attendance_changed(employee_id: Any, start: date, end: date) -> None:
    """Tell attendance which days to recompute (DESIGN §1: leave calls attendance's
    mark-dirty service when a decision changes a day)."""
    from leave.integration import mark_attendance_dirty

    mark_attendance_dirty([(employee_id, day) for day in days_between(start, end)])


def _levels(leave_type: LeaveType) -> list[approvals.Level]:
    return [
        approvals.MANAGER if level["type"] == "manager" else approvals.group(level["group"])
        for level in (leave_type.approval_levels or [])
    ]


# --- Leave types and policies ---------------------------------------------------------------


def _save_audited(obj: Any, *, name: str, actor: Actor, check: Any = None) -> Any:
    """Validate and save ``obj`` with its ``<name>.created`` / ``<name>.updated`` event, in
    one transaction; ``check(before)`` (the stored row's snapshot, None when creating) may
    refuse the change first."""
    full_clean(obj)
    with transaction.atomic():
        creating = obj._state.adding
        before = None if creating else audit.snapshot(type(obj).objects.get(pk=obj.pk))
        if check is not None:
            check(before)
        obj.save()
        audit.record(
            actor=actor,
            action=f"{name}.created" if creating else f"{name}.updated",
            obj=obj,
            before=before,
            after=audit.snapshot(obj),
        )
    return obj


def leave_type_save(*, leave_type: LeaveType, actor: Actor) -> LeaveType:
    return _save_audited(leave_type, name="leave_type", actor=actor)


def leave_policy_save(*, policy: LeavePolicy, actor: Actor) -> LeavePolicy:
    def keeps_its_leave_type_once_assigned(before: dict[str, Any] | None) -> None:
        if before and str(before["leave_type_id"]) != str(policy.leave_type_id) and policy.assignments.exists():
            raise ValidationFailed(
                gettext("An assigned policy cannot change its leave type; create another policy."),
                details={"leave_type": ["The policy is assigned."]},
            )

    return _save_audited(policy, name="leave_policy", actor=actor, check=keeps_its_leave_type_once_assigned)


def _delete_audited(obj: Any, *, action: str, actor: Actor) -> None:
    """Delete ``obj`` and record ``action`` with what it was, in one transaction; a row other
    rows still protect raises ``ProtectedError`` and nothing is written."""
    with transaction.atomic():
        before = audit.snapshot(obj)
        object_type = obj._meta.label_lower
        obj.delete()
        audit.record(actor=actor, action=action, object_type=object_type, object_id=before["id"], before=before)


def leave_type_delete(*, leave_type: LeaveType, actor: Actor) -> None:
    """Delete an unused leave type; a used one is kept (deactivate it instead)."""
    from django.db.models import ProtectedError

    try:
        _delete_audited(leave_type, action="leave_type.deleted", actor=actor)
    except ProtectedError:
        raise Conflict(
            gettext("This leave type has requests, policies or ledger entries; deactivate it instead."),
            details={"active": ["Set to false instead of deleting."]},
        ) from None


def leave_policy_delete(*, policy: LeavePolicy, actor: Actor) -> None:
    # Its assignments go with it; posted ledger entries stay.
    _delete_audited(policy, action="leave_policy.deleted", actor=actor)


def leave_policy_unassign(*, assignment: Any, actor: Actor) -> None:
    _delete_audited(assignment, action="leave_policy.unassigned", actor=actor)


def leave_policy_assign(
    *, policy: LeavePolicy, actor: Actor, employee: Any = None, department: Any = None, location: Any = None
) -> Any:
    from django.db import IntegrityError

    from leave.models import LeavePolicyAssignment

    if sum(x is not None for x in (employee, department, location)) != 1:
        raise ValidationFailed(
            gettext("Assign a policy to exactly one employee, department or location."),
            details={"non_field_errors": ["Exactly one of employee, department, location."]},
        )
    try:
        with transaction.atomic():
            assignment = LeavePolicyAssignment(
                policy=policy, employee=employee, department=department, location=location
            )
            assignment.save()
            audit.record(actor=actor, action="leave_policy.assigned", obj=assignment, after=audit.snapshot(assignment))
    except IntegrityError:
        raise ValidationFailed(
            gettext("That target already has a policy for this leave type."),
            details={"non_field_errors": ["One policy per leave type and target."]},
        ) from None
    return assignment


# --- Requests -------------------------------------------------------------------------------


def _overlapping(employee_id: Any, start: date, end: date, start_half: bool, end_half: bool) -> list[LeaveRequest]:
    probe = LeaveRequest(start_date=start, end_date=end, start_half=start_half, end_half=end_half)
    first, last = probe.slots()
    candidates = LeaveRequest.objects.filter(
        employee_id=employee_id, status__in=ACTIVE_STATUSES, start_date__lte=end, end_date__gte=start
    )
    result = []
    for other in candidates:
        other_first, other_last = other.slots()
        if first < other_last and other_first < last:
            result.append(other)
    return result


def _input_errors(
    *, employee: Employee, leave_type: LeaveType, start_date: date, end_date: date, start_half: bool, end_half: bool
) -> dict[str, list[str]]:
    """What is wrong with a request's input, by field (empty: nothing). Submission refuses
    on it; the preview (``leave_request_estimate``) shows it."""
    outside = [
        name for name, day in (("start_date", start_date), ("end_date", end_date)) if not dates.is_supported(day)
    ]
    if outside:  # a typo or a broken client (1960, 9999): the rules below would answer nonsense
        first, last = dates.SUPPORTED_FROM.isoformat(), dates.SUPPORTED_UNTIL.isoformat()
        message = gettext("Dates from %(first)s to %(last)s are supported.") % {"first": first, "last": last}
        return {name: [message] for name in outside}
    errors: dict[str, list[str]] = {}
    if end_date < start_date:
        errors["end_date"] = [gettext("The leave ends before it starts.")]
    elif end_date.year != start_date.year:
        errors["end_date"] = [gettext("Leave is booked per calendar year: split it at 31 December.")]
    if (start_half or end_half) and not leave_type.allow_half_days:
        errors["start_half" if start_half else "end_half"] = [
            gettext("%(leave)s is taken in whole days.") % {"leave": leave_type.name}
        ]
    if start_date == end_date and start_half and end_half:
        errors["end_half"] = [gettext("A one-day request is either a morning or an afternoon, not both halves.")]
    if not leave_type.active:
        errors["leave_type"] = [gettext("This leave type is no longer offered.")]
    if employee.user_id is None:
        errors["employee"] = [gettext("This employee has no login, so nobody could be asked to approve.")]
    return errors


@dataclass(frozen=True)
class Estimate:
    """What a request would count and meet, before it is sent (the form's live preview).
    ``problems``: (code, message) for each refusal submission would raise, in its order,
    except ``attachment_required`` (the preview never carries the file)."""

    days: Decimal
    counted: list[date]
    balance: Balance
    overlaps: list[LeaveRequest]
    problems: list[tuple[str, str]]

    @property
    def after(self) -> Decimal:
        return self.balance.available - self.days


def leave_request_estimate(
    *,
    employee: Employee,
    leave_type: LeaveType,
    start_date: date,
    end_date: date,
    start_half: bool = False,
    end_half: bool = False,
    today: date | None = None,
) -> Estimate:
    """The submission's own computation without writing: the days it counts (the same
    ``requested_days``), the balance of that year, the overlapping requests (the same
    ``_overlapping``) and every rule it would break. Reads only; takes no lock, so a
    concurrent submission can still win: submission checks again under the lock."""
    today = today or zones.today_for(employee)
    errors = _input_errors(
        employee=employee,
        leave_type=leave_type,
        start_date=start_date,
        end_date=end_date,
        start_half=start_half,
        end_half=end_half,
    )
    zero = Balance(Decimal(0), Decimal(0))
    if errors:
        return Estimate(Decimal(0), [], zero, [], [("validation_error", next(iter(errors.values()))[0])])
    days, counted = requested_days(
        employee_id=employee.pk,
        date_from=start_date,
        date_to=end_date,
        start_half=start_half,
        end_half=end_half,
        counts_non_working_days=leave_type.counts_non_working_days,
    )
    problems: list[tuple[str, str]] = []
    if days <= 0:
        problems.append(("validation_error", gettext("These dates contain no working day.")))
    notice = (start_date - today).days
    if notice < leave_type.min_notice_days:
        problems.append(
            (
                NoticeTooShort.code,
                ngettext(
                    "%(leave)s needs %(count)d day's notice; this starts in %(notice)d.",
                    "%(leave)s needs %(count)d days' notice; this starts in %(notice)d.",
                    leave_type.min_notice_days,
                )
                % {"leave": leave_type.name, "count": leave_type.min_notice_days, "notice": notice},
            )
        )
    if leave_type.max_consecutive_days is not None and days > leave_type.max_consecutive_days:
        problems.append(
            (
                TooManyConsecutiveDays.code,
                gettext("%(leave)s allows at most %(max)s consecutive days; this is %(days)s.")
                % {
                    "leave": leave_type.name,
                    "max": formatting.days(Decimal(leave_type.max_consecutive_days)),
                    "days": formatting.days(days),
                },
            )
        )
    overlaps = _overlapping(employee.pk, start_date, end_date, start_half, end_half)
    if overlaps:
        problems.append(
            (
                LeaveOverlap.code,
                gettext("These dates overlap your request of %(dates)s.")
                % {
                    "dates": ", ".join(
                        f"{formatting.date_local(o.start_date)}–{formatting.date_local(o.end_date)} ({o.get_status_display()})"
                        for o in overlaps
                    )
                },
            )
        )
    current = balance_of(employee_id=employee.pk, leave_type_id=leave_type.pk, year=start_date.year)
    if days > 0 and not leave_type.allow_negative and days > current.available:
        problems.append(
            (
                InsufficientBalance.code,
                gettext("Not enough days: %(days)s requested, %(available)s available.")
                % {"days": formatting.days(days), "available": formatting.days(current.available)},
            )
        )
    return Estimate(days, counted, current, overlaps, problems)


@db.retry_deadlocks()
def leave_request_submit(
    *,
    employee: Employee,
    leave_type: LeaveType,
    start_date: date,
    end_date: date,
    actor: Actor,
    start_half: bool = False,
    end_half: bool = False,
    reason: str = "",
    attachment: UploadedFile | None = None,
    today: date | None = None,
) -> LeaveRequest:
    """Ask for leave and start its approval.

    Preconditions: ``actor`` is the employee or an admin (callers check visibility). The
    range lies within one calendar year. Refuses with ``notice_too_short``,
    ``too_many_consecutive_days``, ``attachment_required``, ``leave_overlap`` and
    ``insufficient_balance`` (unless the type allows a negative balance).
    """
    today = today or zones.today_for(employee)  # notice is counted where the employee is
    errors = _input_errors(
        employee=employee,
        leave_type=leave_type,
        start_date=start_date,
        end_date=end_date,
        start_half=start_half,
        end_half=end_half,
    )
    if errors:
        raise ValidationFailed(
            gettext("The input is invalid: %(first)s") % {"first": next(iter(errors.values()))[0]}, details=errors
        )

    days, _counted = requested_days(
        employee_id=employee.pk,
        date_from=start_date,
        date_to=end_date,
        start_half=start_half,
        end_half=end_half,
        counts_non_working_days=leave_type.counts_non_working_days,
    )
    if days <= 0:
        raise ValidationFailed(
            gettext("These dates contain no working day."), details={"start_date": ["No working day in the range."]}
        )
    notice = (start_date - today).days
    if notice < leave_type.min_notice_days:
        raise NoticeTooShort(
            f"{leave_type.name} needs {leave_type.min_notice_days} days' notice; this starts in {notice}.",
            details={"min_notice_days": leave_type.min_notice_days, "notice_days": notice},
        )
    if leave_type.max_consecutive_days is not None and days > leave_type.max_consecutive_days:
        raise TooManyConsecutiveDays(
            f"{leave_type.name} allows at most {leave_type.max_consecutive_days} consecutive days; this is {days}.",
            details={"max_consecutive_days": str(leave_type.max_consecutive_days), "days": str(days)},
        )
    if (
        leave_type.attachment_required_after_days is not None
        and days > leave_type.attachment_required_after_days
        and not attachment
    ):
        raise AttachmentRequired(
            f"{leave_type.name} of more than {leave_type.attachment_required_after_days} days needs an attachment.",
            details={"attachment": ["Required."], "after_days": str(leave_type.attachment_required_after_days)},
        )

    year = start_date.year
    with transaction.atomic():
        _lock_employee(employee.pk)
        overlaps = _overlapping(employee.pk, start_date, end_date, start_half, end_half)
        if overlaps:
            raise LeaveOverlap(
                details={
                    "conflicts": [
                        {
                            "id": str(o.pk),
                            "start_date": o.start_date.isoformat(),
                            "end_date": o.end_date.isoformat(),
                            "status": o.status,
                        }
                        for o in overlaps
                    ]
                }
            )
        current = balance_of(employee_id=employee.pk, leave_type_id=leave_type.pk, year=year)
        if not leave_type.allow_negative and days > current.available:
            raise InsufficientBalance(
                f"{days} days requested, {current.available} available.",
                details={
                    "requested": str(days),
                    "balance": str(current.balance),
                    "pending": str(current.pending),
                    "available": str(current.available),
                },
            )
        request = LeaveRequest(
            employee=employee,
            leave_type=leave_type,
            start_date=start_date,
            end_date=end_date,
            start_half=start_half,
            end_half=end_half,
            reason=(reason or "").strip(),
            days=days,
            year=year,
            created_by=actor_user(actor),
        )
        if attachment:
            request.attachment = attachment
        request.save()
        audit.record(actor=actor, action="leave_request.submitted", obj=request, after=audit.snapshot(request))
        approval = approvals.submit(kind=APPROVAL_KIND, obj=request, actor=actor)
        request.refresh_from_db()
        if approval.status == ApprovalStatus.PENDING:
            notifications.request_event(request, "submitted", approval=approval)
    return request


def _approval_of(request: LeaveRequest) -> Any:
    return approvals.request_for(request)


# Callbacks of the approval kind: they run inside approvals.decide's transaction, with the
# approval row and the leave request already locked.


def _on_advanced(request: LeaveRequest, actor: Actor) -> None:
    audit.record(actor=actor, action="leave_request.advanced", obj=request, after=audit.snapshot(request))
    notifications.request_event(request, "advanced", approval=_approval_of(request))


def _on_approved(request: LeaveRequest, actor: Actor) -> None:
    _lock_employee(request.employee_id)
    before = audit.snapshot(request)
    request.status = RequestStatus.APPROVED
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "decided_at"])
    _post(
        employee_id=request.employee_id,
        leave_type_id=request.leave_type_id,
        year=request.year,
        kind=EntryKind.TAKEN,
        days=-request.days,
        effective_date=request.start_date,
        actor=actor,
        key=f"taken:{request.pk}",
        request=request,
        note=f"{request.start_date.isoformat()}–{request.end_date.isoformat()}",
    )
    audit.record(
        actor=actor, action="leave_request.approved", obj=request, before=before, after=audit.snapshot(request)
    )
    _attendance_changed(request.employee_id, request.start_date, request.end_date)
    notifications.request_event(request, "approved")


def _on_ended(status: str) -> Any:
    def callback(request: LeaveRequest, actor: Actor, comment: str = "") -> None:
        before = audit.snapshot(request)
        request.status = status
        request.decided_at = timezone.now()
        request.save(update_fields=["status", "decided_at"])
        audit.record(
            actor=actor,
            action=f"leave_request.{status}",
            obj=request,
            before=before,
            after={**audit.snapshot(request), "comment": comment},
        )
        notifications.request_event(request, status, comment=comment)

    return callback


def register_approval_kind() -> None:
    approvals.register_kind(
        approvals.ApprovalKind(
            name=APPROVAL_KIND,
            label=gettext_lazy("Leave request"),
            model=LeaveRequest,
            levels=lambda request: _levels(request.leave_type),
            requester=lambda request: request.employee.user,
            on_approved=_on_approved,
            on_rejected=_on_ended(RequestStatus.REJECTED),
            on_returned=_on_ended(RequestStatus.RETURNED),
            on_advanced=_on_advanced,
            describe=_describe,
            related=("employee", "leave_type"),
        )
    )


def _describe(request: LeaveRequest) -> str:
    """The inbox line, in the reader's language and formats (etime.core.approvals.summaries)."""
    days = Decimal(request.days)
    text = ngettext(
        "%(name)s: %(leave)s %(start)s–%(end)s (%(days)s day)",
        "%(name)s: %(leave)s %(start)s–%(end)s (%(days)s days)",
        1 if days == 1 else 2,
    )
    return text % {
        "name": request.employee.full_name,
        "leave": request.leave_type.name,
        "start": formatting.date_local(request.start_date),
        "end": formatting.date_local(request.end_date),
        "days": formatting.days(days),
    }


def leave_request_decide(*, request: LeaveRequest, actor: Actor, decision: str, comment: str = "") -> LeaveRequest:
    """Approve, reject or return at the current level (the shared approval mechanism)."""
    approval = approvals.pending_request_for(request)
    if approval is None:
        raise approvals.ApprovalAlreadyDecided(details={"status": request.status})
    approvals.decide(request=approval, actor=actor, decision=decision, comment=comment)
    request.refresh_from_db()
    return request


def leave_request_cancel(*, request: LeaveRequest, actor: Actor, today: date | None = None) -> LeaveRequest:
    """The employee (or an admin) cancels: a pending request at any time, an approved one
    before its first day (a reversal gives the days back)."""
    today = today or zones.today_for(request.employee)
    if not may(actor, request.employee, Action.ACT_AS):
        raise approvals.ApprovalNotAllowed(gettext("Only the employee or an admin may cancel this request."))
    with transaction.atomic():
        approval = approvals.pending_request_for(request, lock=True)
        locked = LeaveRequest.objects.select_for_update().get(pk=request.pk)
        _lock_employee(locked.employee_id)
        before = audit.snapshot(locked)
        if locked.status == RequestStatus.PENDING:
            if approval is not None:
                approvals.cancel(request=approval, actor=actor)
        elif locked.status == RequestStatus.APPROVED:
            if locked.start_date <= today:
                raise LeaveNotCancellable(
                    gettext("This leave has started; ask your manager to withdraw it."),
                    details={"status": locked.status, "start_date": locked.start_date.isoformat()},
                )
            _reverse(locked, actor, "cancelled before start")
        else:
            raise LeaveNotCancellable(details={"status": locked.status})
        was_approved = locked.status == RequestStatus.APPROVED
        locked.status = RequestStatus.CANCELLED
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "decided_at"])
        audit.record(
            actor=actor, action="leave_request.cancelled", obj=locked, before=before, after=audit.snapshot(locked)
        )
        if was_approved:
            _attendance_changed(locked.employee_id, locked.start_date, locked.end_date)
        notifications.request_event(locked, "cancelled", approval=approval)
    return locked


def leave_request_withdraw(*, request: LeaveRequest, actor: Actor, comment: str = "") -> LeaveRequest:
    """An approver (the employee's manager, or an admin) withdraws approved leave, also
    after it started: a reversal gives all its days back."""
    if not may(actor, request.employee, Action.MANAGE):
        raise approvals.ApprovalNotAllowed(
            gettext("Only the employee's manager or an admin may withdraw approved leave.")
        )
    with transaction.atomic():
        locked = LeaveRequest.objects.select_for_update().get(pk=request.pk)
        _lock_employee(locked.employee_id)
        if locked.status != RequestStatus.APPROVED:
            raise LeaveNotCancellable(
                gettext("Only approved leave can be withdrawn."), details={"status": locked.status}
            )
        before = audit.snapshot(locked)
        _reverse(locked, actor, comment or "withdrawn")
        locked.status = RequestStatus.WITHDRAWN
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "decided_at"])
        audit.record(
            actor=actor,
            action="leave_request.withdrawn",
            obj=locked,
            before=before,
            after={**audit.snapshot(locked), "comment": comment},
        )
        _attendance_changed(locked.employee_id, locked.start_date, locked.end_date)
        notifications.request_event(locked, "withdrawn", comment=comment)
    return locked


def _reverse(request: LeaveRequest, actor: Actor, note: str) -> LedgerEntry:
    taken = LedgerEntry.objects.filter(request=request, kind=EntryKind.TAKEN).aggregate(total=Sum("days"))["total"]
    return _post(
        employee_id=request.employee_id,
        leave_type_id=request.leave_type_id,
        year=request.year,
        kind=EntryKind.REVERSAL,
        days=-(taken if taken is not None else -request.days),
        effective_date=request.start_date,
        actor=actor,
        key=f"reversal:{request.pk}",
        request=request,
        note=note,
    )


# --- Allocations and adjustments ------------------------------------------------------------

MANUAL_KINDS = (EntryKind.ALLOCATION, EntryKind.ADJUSTMENT)


def allocation_create(
    *,
    employee: Employee,
    leave_type: LeaveType,
    year: int,
    days: Decimal,
    actor: Actor,
    kind: str = EntryKind.ALLOCATION,
    note: str = "",
    effective_date: date | None = None,
) -> LedgerEntry:
    """An admin grants (or, with negative days, takes back) days for one employee, type and
    year. A negative adjustment may not take available days below zero unless the type
    allows a negative balance."""
    return allocations_bulk(
        employees=[employee],
        leave_type=leave_type,
        year=year,
        days=days,
        actor=actor,
        kind=kind,
        note=note,
        effective_date=effective_date,
    )[0]


def allocations_bulk(
    *,
    employees: Iterable[Employee],
    leave_type: LeaveType,
    year: int,
    days: Decimal,
    actor: Actor,
    kind: str = EntryKind.ALLOCATION,
    note: str = "",
    effective_date: date | None = None,
) -> list[LedgerEntry]:
    """The same allocation or adjustment for many employees, in one transaction, one audit
    event per ledger entry."""
    errors: dict[str, list[str]] = {}
    if kind not in MANUAL_KINDS:
        errors["kind"] = [gettext("One of %(choices)s.") % {"choices": ", ".join(MANUAL_KINDS)}]
    if not 2000 <= year <= 2100:
        errors["year"] = [gettext("A year between 2000 and 2100.")]
    days = Decimal(days)
    if days == 0:
        errors["days"] = [gettext("Not zero.")]
    elif days != _round(days):
        errors["days"] = [gettext("At most two decimals.")]
    if errors:
        raise ValidationFailed(
            gettext("The input is invalid: %(first)s") % {"first": next(iter(errors.values()))[0]}, details=errors
        )
    effective = effective_date or date(year, 1, 1)
    people = sorted(employees, key=lambda e: str(e.pk))  # a fixed lock order: no deadlocks between bulk runs
    entries = []
    with transaction.atomic():
        for employee in people:
            _lock_employee(employee.pk)
            if days < 0 and not leave_type.allow_negative:
                current = balance_of(employee_id=employee.pk, leave_type_id=leave_type.pk, year=year)
                if current.available + days < 0:
                    raise InsufficientBalance(
                        f"{employee.full_name} has {current.available} days available; cannot take {-days}.",
                        details={"employee": str(employee.pk), "available": str(current.available)},
                    )
            entry = _post(
                employee_id=employee.pk,
                leave_type_id=leave_type.pk,
                year=year,
                kind=kind,
                days=days,
                effective_date=effective,
                actor=actor,
                note=note,
            )
            audit.record(actor=actor, action=f"leave_ledger.{kind}", obj=entry, after=audit.snapshot(entry))
            entries.append(entry)
    return entries


# --- Entitlements: upfront allocation and monthly accrual -----------------------------------


def _employed_days(hire: date | None, end: date | None, start: date, stop: date) -> int:
    first = max(start, hire) if hire else start
    last = min(stop, end) if end else stop
    return max(0, (last - first).days + 1)


def _target(policy: LeavePolicy, hire: date | None, end: date | None, year: int, through_month: int) -> Decimal:
    """What the policy grants for ``year`` through the end of ``through_month`` (upfront:
    the whole year at once). Prorated by days employed, so a year of monthly accruals sums
    to exactly the prorated yearly entitlement (cumulative rounding, no drift)."""
    jan1, dec31 = date(year, 1, 1), date(year, 12, 31)
    days_in_year = (dec31 - jan1).days + 1
    if policy.grant == GrantMode.UPFRONT:
        stop = dec31
    else:
        stop = date(year, through_month, calendar_module.monthrange(year, through_month)[1])
    if policy.prorate:
        return _round(policy.yearly_days * _employed_days(hire, end, jan1, stop) / days_in_year)
    if _employed_days(hire, end, jan1, dec31) == 0:
        return Decimal(0)
    if policy.grant == GrantMode.UPFRONT:
        return _round(policy.yearly_days)
    months = sum(
        1
        for m in range(1, through_month + 1)
        if _employed_days(hire, end, date(year, m, 1), date(year, m, calendar_module.monthrange(year, m)[1]))
    )
    return _round(policy.yearly_days * months / 12)


def entitlements_post(*, year: int, through_month: int, actor: Actor = None) -> int:
    """Bring every employee's automatic grants for ``year`` up to date through
    ``through_month``: upfront policies their (prorated) year, monthly policies their
    accrual through that month. Posts the difference to what was auto-posted before, keyed
    per month, so running it twice posts once. Returns the number of entries posted."""
    if not 1 <= through_month <= 12:
        raise ValidationFailed(gettext("through_month is 1..12."), details={"through_month": ["1..12"]})
    jan1, dec31 = date(year, 1, 1), date(year, 12, 31)
    employees = list(
        Employee.objects.filter(employed_between(jan1, dec31)).values_list(
            "pk", "department_id", "location_id", "hire_date", "end_date"
        )
    )
    employment = {row[0]: (row[3], row[4]) for row in employees}
    policies = policies_for([row[:3] for row in employees])
    posted: dict[tuple[Any, Any], Decimal] = {
        (e, t): total
        for e, t, total in LedgerEntry.objects.filter(
            year=year, kind__in=[EntryKind.ALLOCATION, EntryKind.ACCRUAL], key__isnull=False
        )
        .order_by()
        .values_list("employee_id", "leave_type_id")
        .annotate(total=Sum("days"))
        .values_list("employee_id", "leave_type_id", "total")
    }
    month_end = date(year, through_month, calendar_module.monthrange(year, through_month)[1])
    rows = []
    for (employee_id, leave_type_id), policy in policies.items():
        hire, end = employment[employee_id]
        delta = _target(policy, hire, end, year, through_month) - posted.get((employee_id, leave_type_id), Decimal(0))
        if delta == 0:
            continue
        kind = EntryKind.ALLOCATION if policy.grant == GrantMode.UPFRONT else EntryKind.ACCRUAL
        rows.append(
            LedgerEntry(
                employee_id=employee_id,
                leave_type_id=leave_type_id,
                year=year,
                kind=kind,
                days=_round(delta),
                effective_date=jan1 if kind == EntryKind.ALLOCATION else month_end,
                key=f"{kind}:{employee_id}:{leave_type_id}:{year}-{through_month:02d}",
                note=f"{policy.name}, {year}-{through_month:02d}",
            )
        )
    with transaction.atomic():
        created = _bulk_post(rows)
        audit.record(
            actor=actor,
            action="leave.entitlements_posted",
            object_type="leave.ledgerentry",
            object_id=f"{year}-{through_month:02d}",
            after={"year": year, "through_month": through_month, "entries": created},
        )
    return created


# --- Year end: carry-forward and expiry -----------------------------------------------------


def year_end_close(*, year: int, actor: Actor = None) -> int:
    """Close ``year`` for every employee with a policy: what is left (balance − pending)
    moves into the next year up to the policy's carry-forward cap; the rest expires. Both
    legs are ledger entries (out of ``year``, into ``year + 1``), keyed, so running it
    again posts nothing. Returns the number of entries posted."""
    employees = list(Employee.objects.values_list("pk", "department_id", "location_id"))
    policies = policies_for(employees)
    current = balances(employees=None, year=year) if policies else {}
    dec31, jan1_next = date(year, 12, 31), date(year + 1, 1, 1)
    rows = []
    for (employee_id, leave_type_id), policy in policies.items():
        balance = current.get((employee_id, leave_type_id))
        if balance is None or balance.available <= 0:
            continue
        left = balance.available
        carried = min(left, policy.carry_forward_max_days)
        forfeited = left - carried
        base = f"{employee_id}:{leave_type_id}:{year}"
        common = {"employee_id": employee_id, "leave_type_id": leave_type_id}
        if carried > 0:
            rows.append(
                LedgerEntry(
                    **common,
                    year=year,
                    kind=EntryKind.CARRY_FORWARD,
                    days=-carried,
                    effective_date=dec31,
                    key=f"carry_out:{base}",
                    note=f"carried into {year + 1}",
                )
            )
            rows.append(
                LedgerEntry(
                    **common,
                    year=year + 1,
                    kind=EntryKind.CARRY_FORWARD,
                    days=carried,
                    effective_date=jan1_next,
                    key=f"carry_in:{base}",
                    note=f"carried from {year}",
                )
            )
        if forfeited > 0:
            rows.append(
                LedgerEntry(
                    **common,
                    year=year,
                    kind=EntryKind.EXPIRY,
                    days=-forfeited,
                    effective_date=dec31,
                    key=f"year_end_expiry:{base}",
                    note="over the carry-forward cap",
                )
            )
    with transaction.atomic():
        created = _bulk_post(rows)
        audit.record(
            actor=actor,
            action="leave.year_closed",
            object_type="leave.ledgerentry",
            object_id=str(year),
            after={"year": year, "entries": created},
        )
    return created


def carry_forward_expiry_date(policy: LeavePolicy, year: int) -> date | None:
    months = policy.carry_forward_expires_after_months
    if not months:
        return None
    return date(year, months, calendar_module.monthrange(year, months)[1])


def carry_forward_expire(*, today: date | None = None, actor: Actor = None) -> int:
    """Carried days not used by the policy's expiry date expire (the day after it).
    Carried days are used first: leave taken in the year up to the expiry date consumes
    them. Keyed per employee, type and year: running it daily posts once."""
    today = today or timezone.localdate()
    year = today.year
    employees = list(Employee.objects.values_list("pk", "department_id", "location_id"))
    policies = {
        key: policy
        for key, policy in policies_for(employees).items()
        if (expiry := carry_forward_expiry_date(policy, year)) is not None and today > expiry
    }
    if not policies:
        return 0
    carried: dict[tuple[Any, Any], Decimal] = {}
    for employee_id, leave_type_id, total in (
        LedgerEntry.objects.filter(year=year, kind=EntryKind.CARRY_FORWARD, days__gt=0)
        .order_by()
        .values_list("employee_id", "leave_type_id")
        .annotate(total=Sum("days"))
        .values_list("employee_id", "leave_type_id", "total")
    ):
        if (employee_id, leave_type_id) in policies:
            carried[(employee_id, leave_type_id)] = total
    if not carried:
        return 0
    used: dict[tuple[Any, Any], Decimal] = {}
    for employee_id, leave_type_id, effective, total in (
        LedgerEntry.objects.filter(
            year=year, kind__in=[EntryKind.TAKEN, EntryKind.REVERSAL], employee_id__in={e for e, _t in carried}
        )
        .order_by()
        .values_list("employee_id", "leave_type_id", "effective_date")
        .annotate(total=Sum("days"))
        .values_list("employee_id", "leave_type_id", "effective_date", "total")
    ):
        key = (employee_id, leave_type_id)
        expiry = carry_forward_expiry_date(policies[key], year) if key in policies else None
        if expiry is not None and effective <= expiry:
            used[key] = used.get(key, Decimal(0)) - total
    current = balances(employees=[e for e, _t in carried], year=year)
    rows = []
    for key, amount in carried.items():
        employee_id, leave_type_id = key
        unused = max(Decimal(0), amount - max(Decimal(0), used.get(key, Decimal(0))))
        balance = current.get(key)
        unused = min(unused, max(Decimal(0), balance.available if balance else Decimal(0)))
        if unused <= 0:
            continue
        expiry = carry_forward_expiry_date(policies[key], year)
        assert expiry is not None  # noqa: S101  (filtered above)
        rows.append(
            LedgerEntry(
                employee_id=employee_id,
                leave_type_id=leave_type_id,
                year=year,
                kind=EntryKind.EXPIRY,
                days=-unused,
                effective_date=expiry + timedelta(days=1),
                key=f"carry_expiry:{employee_id}:{leave_type_id}:{year}",
                note=f"carried days unused by {expiry.isoformat()}",
            )
        )
    with transaction.atomic():
        created = _bulk_post(rows)
        audit.record(
            actor=actor,
            action="leave.carry_forward_expired",
            object_type="leave.ledgerentry",
            object_id=str(year),
            after={"year": year, "entries": created, "on": today.isoformat()},
        )
    return created


# --- Calendar feeds -------------------------------------------------------------------------

FEED_PREFIX = "lcal_"


def feed_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def calendar_feed_create(
    *, owner: User, kind: str, actor: Actor, name: str = "", employee: Employee | None = None, department: Any = None
) -> tuple[CalendarFeed, str]:
    """A secret feed URL token for ``owner`` (shown once). Employee feeds default to the
    owner's own leave; team feeds to everyone the owner may see (or one department)."""
    from accounts.selectors import employee_get_visible

    if kind not in FeedKind.values:
        raise ValidationFailed(
            gettext("Unknown feed kind %(kind)r.") % {"kind": kind},
            details={"kind": [gettext("One of %(choices)s.") % {"choices": ", ".join(FeedKind.values)}]},
        )
    if kind == FeedKind.EMPLOYEE:
        employee = employee or employee_for_user(owner)
        if employee is None or employee_get_visible(user=owner, employee_id=employee.pk) is None:
            raise ValidationFailed(
                gettext("Choose an employee you may see."), details={"employee": ["Not visible to you."]}
            )
        department = None
    else:
        employee = None
    raw = FEED_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        feed = CalendarFeed.objects.create(
            owner=owner,
            kind=kind,
            employee=employee,
            department=department,
            name=(name or ("My leave" if kind == FeedKind.EMPLOYEE else "Team leave"))[:100],
            key_hash=feed_hash(raw),
            prefix=raw[:12],
        )
        audit.record(actor=actor, action="leave_feed.created", obj=feed, after=audit.snapshot(feed))
    return feed, raw


def calendar_feed_revoke(*, feed: CalendarFeed, actor: Actor) -> CalendarFeed:
    with transaction.atomic():
        locked = CalendarFeed.objects.select_for_update().get(pk=feed.pk)
        if locked.revoked_at is None:
            before = audit.snapshot(locked)
            locked.revoked_at = timezone.now()
            locked.save(update_fields=["revoked_at"])
            audit.record(
                actor=actor, action="leave_feed.revoked", obj=locked, before=before, after=audit.snapshot(locked)
            )
    return locked
