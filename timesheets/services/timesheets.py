"""Approval of time: weekly timesheets submitted, then approved or returned through the
approval engine (its ``on_timesheet_*`` callbacks), and managers' direct approval of entries."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy

from accounts.models import Employee, User
from etime.core import audit, dates, db
from etime.core.access import Action, is_admin, may
from etime.core.errors import ValidationFailed
from etime.core.types import Actor, actor_user
from etime.ops.models import NotificationKind
from etime.ops.notifications import lazy_text
from timesheets.errors import NotAllowed, TimesheetNotOpen
from timesheets.models import EntryStatus, TimeEntry, Timesheet, TimesheetStatus, week_start_of
from timesheets.services._common import _invalid, _notify_employee, _serialize_writers, _week_link


def time_entries_approve(*, entries: list[TimeEntry], actor: Actor) -> list[TimeEntry]:
    """A manager approves reports' entries directly (admins anyone's). Approved and
    invoiced entries stay as they are; running timers cannot be approved."""
    if not (is_admin(actor) or (isinstance(actor, User) and actor.is_manager_role)):
        raise NotAllowed(gettext("Only managers and administrators approve time."))
    foreign = [str(e.pk) for e in entries if not may(actor, e.employee, Action.MANAGE)]
    if foreign:
        raise NotAllowed(
            gettext("You may approve only the time of people who report to you."), details={"entries": foreign}
        )
    running = [str(e.pk) for e in entries if e.end is None]
    if running:
        raise ValidationFailed(gettext("Stop running timers before approving them."), details={"ids": running})
    approved: list[TimeEntry] = []
    with transaction.atomic():
        rows = TimeEntry.objects.select_for_update().filter(pk__in=[e.pk for e in entries]).order_by("sort_key")
        for entry in rows:
            if entry.status in (EntryStatus.DRAFT, EntryStatus.SUBMITTED):
                before = audit.snapshot(entry)
                entry.status = EntryStatus.APPROVED
                entry.save(update_fields=["status", "updated_at"])
                audit.record(
                    actor=actor, action="time_entry.approved", obj=entry, before=before, after=audit.snapshot(entry)
                )
            approved.append(entry)
    return approved


def _week_entries(timesheet: Timesheet) -> Any:
    return TimeEntry.objects.filter(
        employee_id=timesheet.employee_id, date__gte=timesheet.week_start, date__lte=timesheet.week_end
    )


def _set_entry_status(timesheet: Timesheet, *, from_status: str, to_status: str) -> list[str]:
    entries = _week_entries(timesheet).filter(status=from_status)
    ids = [str(pk) for pk in entries.values_list("pk", flat=True)]
    # updated_at moves too: integrators syncing with updated_since must see the change.
    entries.update(status=to_status, updated_at=timezone.now())
    return ids


def timesheet_submit(*, employee: Employee, week: date, actor: Actor) -> Timesheet:
    """Submit ``employee``'s week (the ISO week holding ``week``) for their manager's
    approval. Its draft entries become submitted and locked until a decision."""
    from etime.core import approvals

    if not may(actor, employee, Action.ACT_AS):
        raise NotAllowed(gettext("You may submit only your own timesheet."))
    if employee.user_id is None:
        raise _invalid("employee", gettext("This employee has no login to submit as."))
    dates.ensure_supported(week=week)
    monday = week_start_of(week)
    with transaction.atomic():
        _serialize_writers(employee.pk)
        Timesheet.objects.get_or_create(employee=employee, week_start=monday)
        timesheet = (
            Timesheet.objects.select_for_update().select_related("employee").get(employee=employee, week_start=monday)
        )
        if timesheet.is_locked:
            raise TimesheetNotOpen(details={"status": timesheet.status, "timesheet": str(timesheet.pk)})
        if _week_entries(timesheet).filter(end__isnull=True).exists():
            raise _invalid("week", gettext("A timer is running in this week; stop it before submitting."))
        before = audit.snapshot(timesheet)
        entry_ids = _set_entry_status(timesheet, from_status=EntryStatus.DRAFT, to_status=EntryStatus.SUBMITTED)
        timesheet.status = TimesheetStatus.SUBMITTED
        timesheet.submitted_at = timezone.now()
        timesheet.decided_at = None
        timesheet.decided_by = None
        timesheet.comment = ""
        timesheet.save()
        approvals.submit(kind="timesheet", obj=timesheet, actor=actor)
        audit.record(
            actor=actor,
            action="timesheet.submitted",
            obj=timesheet,
            before=before,
            after={**audit.snapshot(timesheet), "entries": entry_ids},
        )
    return timesheet


def _decide(*, timesheet: Timesheet, actor: Actor, decision: str, comment: str = "") -> Timesheet:
    from etime.core import approvals

    with transaction.atomic():
        timesheet = Timesheet.objects.select_for_update().get(pk=timesheet.pk)
        request = approvals.request_for(timesheet)
        if timesheet.status != TimesheetStatus.SUBMITTED or request is None:
            raise TimesheetNotOpen(
                gettext("This timesheet is not waiting for approval."), details={"status": timesheet.status}
            )
        approvals.decide(request=request, actor=actor, decision=decision, comment=comment)
    timesheet.refresh_from_db()
    return timesheet


def timesheet_approve(*, timesheet: Timesheet, actor: Actor) -> Timesheet:
    """The approver (the employee's manager, per the approval levels) approves the week;
    its entries become approved and stay locked."""
    return _decide(timesheet=timesheet, actor=actor, decision="approve")


def timesheet_return(*, timesheet: Timesheet, actor: Actor, comment: str) -> Timesheet:
    """Send the week back with a comment; its entries are drafts again."""
    comment = (comment or "").strip()
    if not comment:
        raise _invalid("comment", gettext("Say what needs changing."))
    return _decide(timesheet=timesheet, actor=actor, decision="return", comment=comment)


def _on_decided(
    timesheet: Any, actor: Actor, *, status: str, entry_status: str, action: str, comment: str = ""
) -> None:
    timesheet = (
        db.for_update(Timesheet.objects.all(), of=("self",)).select_related("employee__user").get(pk=timesheet.pk)
    )
    before = audit.snapshot(timesheet)
    ids = _set_entry_status(timesheet, from_status=EntryStatus.SUBMITTED, to_status=entry_status)
    timesheet.status = status
    timesheet.decided_at = timezone.now()
    timesheet.decided_by = actor_user(actor)
    timesheet.comment = comment
    timesheet.save()
    audit.record(
        actor=actor, action=action, obj=timesheet, before=before, after={**audit.snapshot(timesheet), "entries": ids}
    )
    if status == TimesheetStatus.RETURNED:
        _notify_employee(
            timesheet.employee,
            NotificationKind.TIMESHEET_RETURNED,
            "timesheets/email/timesheet_returned.txt",
            subject=format_lazy(
                gettext_lazy("Your timesheet for the week of {week} was returned"),
                week=lazy_text(lambda: date_format(timesheet.week_start, "Y-m-d")),
            ),
            context={"timesheet": timesheet, "comment": comment, "actor": actor},
            link=_week_link(timesheet.week_start),
        )


def on_timesheet_approved(obj: Any, actor: Actor) -> None:
    _on_decided(
        obj, actor, status=TimesheetStatus.APPROVED, entry_status=EntryStatus.APPROVED, action="timesheet.approved"
    )


def on_timesheet_returned(obj: Any, actor: Actor, comment: str) -> None:
    _on_decided(
        obj,
        actor,
        status=TimesheetStatus.RETURNED,
        entry_status=EntryStatus.DRAFT,
        action="timesheet.returned",
        comment=comment,
    )


def on_timesheet_rejected(obj: Any, actor: Actor, comment: str) -> None:
    # A week cannot be refused for good: rejecting sends it back like a return.
    _on_decided(
        obj,
        actor,
        status=TimesheetStatus.RETURNED,
        entry_status=EntryStatus.DRAFT,
        action="timesheet.rejected",
        comment=comment,
    )
