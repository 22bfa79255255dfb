"""What the timesheets services share: validation errors, the writers' lock, audited save and
delete, an entry's derived fields and row lock, and mail to an employee."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext

from accounts.models import Employee
from etime.core import audit, db
from etime.core.errors import ValidationFailed, full_clean
from etime.core.types import Actor
from etime.ops.models import Notification
from etime.ops.notifications import notify
from timesheets import selectors
from timesheets.models import RUNNING_TIMER_CONSTRAINT, TimeEntry, TimeEntryDeletion, make_sort_key, week_start_of


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(
        gettext("The input is invalid: %(reason)s") % {"reason": message}, details={field: [message]}
    )


def _serialize_writers(employee_id: Any = None) -> None:
    """Where the schema cannot refuse overlapping entries itself, hold the person's
    time-entry lock (etime.core.db.xact_lock) from before the overlap check until the
    write commits: MariaDB/MySQL lock a row per person; on SQLite every write transaction
    is IMMEDIATE, and the lock's no-op write takes the database write lock even under a
    DEFERRED one. PostgreSQL needs nothing: its exclusion constraint settles races."""
    if not db.has_exclusion_constraints():
        db.xact_lock("time_entries", employee_id)


def _violated_constraint(exc: IntegrityError) -> str | None:
    diag = getattr(exc.__cause__, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if name:
        return str(name)
    text = str(exc)
    if RUNNING_TIMER_CONSTRAINT in text or f"{TimeEntry._meta.db_table}.employee_id" in text:
        return RUNNING_TIMER_CONSTRAINT  # SQLite names the columns of the partial unique index
    return None


def _simple_save(*, obj: Any, actor: Actor, noun: str, extra: dict[str, Any] | None = None) -> Any:
    stored = type(obj).objects.filter(pk=obj.pk).first() if not obj._state.adding else None
    before = audit.snapshot(stored) if stored is not None else None
    full_clean(obj)
    try:
        with transaction.atomic():
            obj.save()
            after = {**audit.snapshot(obj), **(extra or {})}
            audit.record(
                actor=actor, action=f"{noun}.{'updated' if before else 'created'}", obj=obj, before=before, after=after
            )
    except IntegrityError as exc:
        raise ValidationFailed(
            gettext("The change conflicts with an existing record."),
            details={"non_field_errors": [str(exc).splitlines()[0]]},
        ) from None
    return obj


def delete_with_audit(*, obj: Any, actor: Actor, noun: str) -> None:
    try:
        with transaction.atomic():
            before = audit.snapshot(obj)
            pk, label = obj.pk, obj._meta.label_lower
            obj.delete()
            audit.record(actor=actor, action=f"{noun}.deleted", object_type=label, object_id=pk, before=before)
    except ProtectedError:
        raise ValidationFailed(
            gettext("This %(thing)s is still in use (it has time entries or projects).")
            % {"thing": obj._meta.verbose_name},
            details={"non_field_errors": [gettext("Still referenced.")]},
        ) from None


def _derive(entry: TimeEntry, *, reresolve: bool) -> None:
    """Fill the fields that follow from the others: date, rate snapshot, durations."""
    entry.date = selectors.local_date(entry.employee, entry.start)
    if reresolve:
        rate = selectors.resolve_rate(employee=entry.employee, project=entry.project, task=entry.task, day=entry.date)
        entry.rate_applied = rate.amount
        entry.rate_currency = rate.currency
        entry.rate_effective_date = rate.effective_date
        entry.rate_source = rate.source
        entry.cost_rate_applied = rate.cost_amount
        entry.cost_rate_currency = rate.cost_currency
    if entry.end is None:
        entry.duration_seconds = entry.rounded_seconds = None
    else:
        entry.duration_seconds = int((entry.end - entry.start).total_seconds())
        entry.rounded_seconds = entry.project.rounded(entry.duration_seconds)
    entry.sort_key = make_sort_key(entry.start, entry.id)


def _delete_entries(entries: list[TimeEntry], *, reason: str) -> None:
    TimeEntry.objects.filter(pk__in=[e.pk for e in entries]).delete()
    TimeEntryDeletion.objects.bulk_create(
        [TimeEntryDeletion(entry_id=e.pk, employee_id=e.employee_id, reason=reason) for e in entries]
    )


def _locked_entry(entry: TimeEntry) -> TimeEntry:
    # of=("self",): PostgreSQL cannot lock the nullable side of the join to the location.
    return (
        db.for_update(TimeEntry.objects.all(), of=("self",))
        .select_related("employee__location", "project__client", "task")
        .get(pk=entry.pk)
    )


def _week_link(day: date) -> str:
    return f"{reverse('timesheets:week')}?week={week_start_of(day).isoformat()}"


def _notify_employee(
    employee: Employee, kind: str, template: str, *, subject: str | Promise, context: dict[str, Any], link: str = ""
) -> Notification | None:
    """Remind ``employee`` through ``etime.ops.notifications`` (recorded, honours the login's
    preferences, sent after commit). The employee record's address stands in when the login
    has none; an employee without a login is mailed there without preferences."""
    user = employee.user
    address = None if user is not None and user.email else (employee.email or None)
    if user is None and address is None:
        return None
    return notify(
        user, kind, subject, template=template, context={**context, "employee": employee}, address=address, link=link
    )
