"""Writes for the plan: shifts, schedules, assignments, overrides and shift swaps.

Every change marks the employee-dates it can affect dirty, in its own transaction, so the
recompute task brings attendance up to date after commit. Changes that would alter a
locked period are refused with ``period_locked``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import Employee
from attendance import conf, engine
from attendance.errors import AssignmentOverlap, RequestNotPending, ShiftOverlap, SwapsDisabled
from attendance.models import (
    PunchDirectionRule,
    RequestStatus,
    Schedule,
    ScheduleAssignment,
    ScheduleDay,
    Shift,
    ShiftOverride,
    ShiftSwapRequest,
)
from attendance.services.dirty import mark_dirty, mark_dirty_range
from attendance.services.locks import ensure_unlocked
from etime.core import audit, formatting
from etime.core.access import Action, may
from etime.core.errors import ValidationFailed, full_clean
from etime.core.types import Actor, actor_user

FOREVER = date.max


def _today() -> date:
    return timezone.now().date()


def _horizon() -> tuple[date, date]:
    """Dates a plan change recomputes: the recent past and tomorrow (later days have no
    rows yet; they are computed when they happen)."""
    today = _today()
    return today - timedelta(days=conf.recompute_back_days()), today + timedelta(days=1)


def _clip(first: date, last: date | None, *, back_days: int | None = None) -> tuple[date, date] | None:
    low, high = _horizon()
    if back_days is not None:
        low = _today() - timedelta(days=back_days)
    first, last = max(first, low), min(last or FOREVER, high)
    return (first, last) if first <= last else None


# How far ahead a plan change is checked for overlapping shifts: a year covers every
# weekly and most rotating cycles beside each other.
OVERLAP_CHECK_DAYS = 366


def _overlap_error(day: date | None, pair: tuple[engine.ShiftRule, engine.ShiftRule]) -> ShiftOverlap:
    a, b = pair
    names = {
        "a": f"{a.code} {a.start_time:%H:%M}–{a.end_time:%H:%M}",
        "b": f"{b.code} {b.start_time:%H:%M}–{b.end_time:%H:%M}",
    }
    if day is None:
        message = gettext("The shifts %(a)s and %(b)s of one day overlap.") % names
    else:
        message = gettext("On %(day)s the shifts %(a)s and %(b)s would overlap.") % {
            **names,
            "day": formatting.date_local(day),
        }
    return ShiftOverlap(
        message,
        details={"date": day.isoformat() if day else None, "shifts": [str(a.id), str(b.id)]},
    )


def ensure_no_overlap(employee_id: Any, first: date, last: date | None = None) -> None:
    """Refuse (``shift_overlap``, 409) a plan in which two of one person's shifts of the same
    date overlap, checked from ``first`` up to ``last`` (at most OVERLAP_CHECK_DAYS ahead).
    Called inside the changing transaction after the write, so the error rolls it back.
    Shifts of different dates are not compared (a night shift may reach into the next
    morning's; the punch owner rule settles punches there)."""
    from attendance.selectors import plans_for

    last = min(last or FOREVER, first + timedelta(days=OVERLAP_CHECK_DAYS - 1))
    plan = plans_for([employee_id], first, last).get(employee_id, {})
    for day in sorted(plan):
        shifts = engine.shifts_of(plan[day])
        if len(shifts) > 1:
            pair = engine.overlapping(shifts)
            if pair is not None:
                raise _overlap_error(day, pair)


def _mark_assignment_dirty(employee_id: Any, first: date, last: date | None) -> None:
    # One employee's own plan: recompute up to a year back, not just the default horizon.
    span = _clip(first, last, back_days=366)
    if span:
        mark_dirty_range([employee_id], *span)


# --- Shifts --------------------------------------------------------------------------------------


SHIFT_FIELDS = (
    "name",
    "code",
    "start_time",
    "end_time",
    "unpaid_break_minutes",
    "break_after_minutes",
    "late_grace_minutes",
    "early_exit_grace_minutes",
    "checkin_window_before_minutes",
    "checkout_window_after_minutes",
    "half_day_below_hours",
    "absent_below_hours",
    "overtime_after_minutes",
    "color",
    "holiday_work",
)


def shift_save(*, shift: Shift, actor: Actor) -> Shift:
    """Create or update a shift; recomputes recent unlocked days that plan it."""
    before = None if shift._state.adding else audit.snapshot(Shift.objects.get(pk=shift.pk))
    full_clean(shift)
    if shift.absent_below_hours > shift.half_day_below_hours:
        raise ValidationFailed(
            gettext("absent_below_hours must not exceed half_day_below_hours."),
            details={"absent_below_hours": [gettext("Must not exceed half_day_below_hours.")]},
        )
    try:
        with transaction.atomic():
            shift.save()
            after = audit.snapshot(shift)
            audit.record(
                actor=actor,
                action="shift.created" if before is None else "shift.updated",
                obj=shift,
                before=before,
                after=after,
            )
            if before is not None and {**before} != after:
                _mark_shift_users_dirty(shift)
    except IntegrityError as exc:
        raise ValidationFailed(
            gettext("A shift with this name or code exists."), details={"non_field_errors": [str(exc)]}
        ) from None
    return shift


def _mark_shift_users_dirty(shift: Shift) -> None:
    schedule_ids = set(ScheduleDay.objects.filter(shift=shift).values_list("schedule_id", flat=True))
    _mark_schedule_users_dirty(schedule_ids)
    low, high = _horizon()
    mark_dirty(
        ShiftOverride.objects.filter(shift=shift, date__gte=low, date__lte=high).values_list("employee_id", "date")
    )


def _mark_schedule_users_dirty(schedule_ids: set[Any]) -> None:
    if not schedule_ids:
        return
    low, high = _horizon()
    pairs: set[tuple[Any, date]] = set()
    for employee_id, start, end in ScheduleAssignment.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=low), schedule_id__in=schedule_ids, start_date__lte=high
    ).values_list("employee_id", "start_date", "end_date"):
        span = _clip(start, end)
        if span:
            pairs.update((employee_id, span[0] + timedelta(days=i)) for i in range((span[1] - span[0]).days + 1))
    mark_dirty(pairs)


def shift_delete(*, shift: Shift, actor: Actor) -> None:
    from django.db.models import ProtectedError

    try:
        with transaction.atomic():
            before = audit.snapshot(shift)
            pk = shift.pk
            shift.delete()
            audit.record(
                actor=actor, action="shift.deleted", object_type="attendance.shift", object_id=pk, before=before
            )
    except ProtectedError:
        raise ValidationFailed(
            gettext("This shift is still planned by a schedule or an override."),
            details={"non_field_errors": [gettext("Still in use.")]},
        ) from None


# --- Schedules -----------------------------------------------------------------------------------


def schedule_save(*, schedule: Schedule, days: Sequence[Any] | None, actor: Actor) -> Schedule:
    """Create or update a schedule. ``days``: one entry per cycle day, a Shift (or its id),
    a list of them (several shifts that day, whose times must not overlap:
    ``shift_overlap``), or None (or an empty list) for off; None keeps the stored days
    (whose count must still match)."""
    creating = schedule._state.adding
    before = None if creating else _schedule_snapshot(Schedule.objects.get(pk=schedule.pk))
    full_clean(schedule)
    with transaction.atomic():
        try:
            with transaction.atomic():
                schedule.save()
        except IntegrityError as exc:
            raise ValidationFailed(gettext("A schedule with this name exists."), details={"name": [str(exc)]}) from None
        if days is not None:
            if len(days) != schedule.cycle_length:
                raise ValidationFailed(
                    f"Give one entry per cycle day ({schedule.cycle_length}).",
                    details={"days": [f"Expected {schedule.cycle_length} entries, got {len(days)}."]},
                )
            cycle = [[getattr(s, "pk", s) for s in (d if isinstance(d, list | tuple) else [d]) if s] for d in days]
            wanted = {s for ids in cycle for s in ids}
            known: dict[Any, Shift] = {shift.pk: shift for shift in Shift.objects.filter(pk__in=wanted)}
            unknown = [str(s) for s in wanted if s not in known]
            if unknown:
                raise ValidationFailed(gettext("Unknown shift."), details={"days": [f"Unknown shift {unknown[0]}."]})
            from attendance.selectors import shift_rule

            rows = []
            for index, ids in enumerate(cycle):
                if len(set(ids)) != len(ids):
                    raise ValidationFailed(
                        gettext("A shift is planned twice on one cycle day."),
                        details={"days": [gettext("Cycle day %(day)s plans a shift twice.") % {"day": index + 1}]},
                    )
                pair = engine.overlapping([shift_rule(known[s]) for s in ids])
                if pair is not None:
                    raise _overlap_error(None, pair)
                ordered = sorted(ids, key=lambda s: known[s].start_time)
                rows += [
                    ScheduleDay(schedule=schedule, day_index=index, position=p, shift_id=s)
                    for p, s in enumerate(ordered)
                ]
                if not ordered:
                    rows.append(ScheduleDay(schedule=schedule, day_index=index, position=0, shift_id=None))
            ScheduleDay.objects.filter(schedule=schedule).delete()
            ScheduleDay.objects.bulk_create(rows)
        else:
            ScheduleDay.objects.filter(schedule=schedule, day_index__gte=schedule.cycle_length).delete()
        after = _schedule_snapshot(schedule)
        audit.record(
            actor=actor,
            action="schedule.created" if creating else "schedule.updated",
            obj=schedule,
            before=before,
            after=after,
        )
        if before is not None and before != after:
            _mark_schedule_users_dirty({schedule.pk})
    return schedule


def _schedule_snapshot(schedule: Schedule) -> dict[str, Any]:
    data = audit.snapshot(schedule)
    data["days"] = schedule_days(schedule)
    return data


def schedule_days(schedule: Schedule, rows: Sequence[ScheduleDay] | None = None) -> list[Any]:
    """The cycle as the API shows it: per day a shift id, a list of ids (several shifts),
    or None (off)."""
    by_index: dict[int, list[str]] = {}
    if rows is None:
        rows = list(ScheduleDay.objects.filter(schedule=schedule).order_by("day_index", "position"))
    for row in sorted(rows, key=lambda r: (r.day_index, r.position)):
        if row.shift_id:
            by_index.setdefault(row.day_index, []).append(str(row.shift_id))
    out: list[Any] = []
    for i in range(schedule.cycle_length):
        ids = by_index.get(i, [])
        out.append(None if not ids else ids[0] if len(ids) == 1 else ids)
    return out


def schedule_delete(*, schedule: Schedule, actor: Actor) -> None:
    if schedule.assignments.exists():
        raise ValidationFailed(
            gettext("This schedule is still assigned to employees."),
            details={"non_field_errors": [gettext("Still assigned.")]},
        )
    with transaction.atomic():
        before = _schedule_snapshot(schedule)
        pk = schedule.pk
        schedule.delete()
        audit.record(
            actor=actor, action="schedule.deleted", object_type="attendance.schedule", object_id=pk, before=before
        )


# --- Assignments -----------------------------------------------------------------------------------


def _changed_spans(old: ScheduleAssignment | None, new: ScheduleAssignment | None) -> list[tuple[date, date]]:
    """Dates whose plan an assignment change alters."""
    if old is None or new is None or old.schedule_id != new.schedule_id:
        return [(a.start_date, a.end_date or FOREVER) for a in (old, new) if a is not None]
    spans = []
    if old.start_date != new.start_date:
        first, last = sorted([old.start_date, new.start_date])
        spans.append((first, last - timedelta(days=1)))
    old_end, new_end = old.end_date or FOREVER, new.end_date or FOREVER
    if old_end != new_end:
        first, last = sorted([old_end, new_end])
        spans.append((first + timedelta(days=1), last))
    return spans


def assignment_save(*, assignment: ScheduleAssignment, actor: Actor) -> ScheduleAssignment:
    """Create or update an assignment. One employee's assignments never overlap: a conflict
    is ``schedule_assignment_overlap`` (409) naming the conflicting assignment."""
    creating = assignment._state.adding
    full_clean(assignment, exclude=["employee", "schedule"])
    if assignment.end_date and assignment.end_date < assignment.start_date:
        raise ValidationFailed(
            gettext("The assignment ends before it starts."),
            details={"end_date": [gettext("Must not be before start_date.")]},
        )
    with transaction.atomic():
        # Serialise writers of one employee's assignments, so two overlapping ones can
        # never both pass the check below (SQLite serialises whole transactions anyway).
        Employee.objects.select_for_update().filter(pk=assignment.employee_id).first()
        old = None if creating else ScheduleAssignment.objects.get(pk=assignment.pk)
        for first, last in _changed_spans(old, assignment):
            if first <= last:
                ensure_unlocked(first, last)
        # Additional assignments add shifts beside the main one: only the main assignments
        # are exclusive (and additional ones of the same schedule would plan it twice).
        others = ScheduleAssignment.objects.filter(employee_id=assignment.employee_id)
        if assignment.additional:
            others = others.filter(additional=True, schedule_id=assignment.schedule_id)
        else:
            others = others.filter(additional=False)
        conflict = others.exclude(pk=assignment.pk).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=assignment.start_date)
        )
        if assignment.end_date is not None:
            conflict = conflict.filter(start_date__lte=assignment.end_date)
        existing = conflict.order_by("start_date").first()
        if existing is not None:
            raise AssignmentOverlap(
                f"It overlaps the assignment to {existing.schedule} from {existing.start_date.isoformat()}.",
                details={
                    "conflicting_assignment": {
                        "id": str(existing.pk),
                        "schedule": str(existing.schedule_id),
                        "start_date": existing.start_date.isoformat(),
                        "end_date": existing.end_date.isoformat() if existing.end_date else None,
                    }
                },
            )
        assignment.save()
        ensure_no_overlap(assignment.employee_id, assignment.start_date, assignment.end_date)
        audit.record(
            actor=actor,
            action="schedule_assignment.created" if creating else "schedule_assignment.updated",
            obj=assignment,
            before=audit.snapshot(old) if old else None,
            after=audit.snapshot(assignment),
        )
        for first, last in _changed_spans(old, assignment):
            if first <= last:
                _mark_assignment_dirty(assignment.employee_id, first, None if last == FOREVER else last)
    return assignment


def assignment_delete(*, assignment: ScheduleAssignment, actor: Actor) -> None:
    with transaction.atomic():
        ensure_unlocked(assignment.start_date, assignment.end_date or FOREVER)
        before = audit.snapshot(assignment)
        pk, employee_id = assignment.pk, assignment.employee_id
        first, last = assignment.start_date, assignment.end_date
        assignment.delete()
        audit.record(
            actor=actor,
            action="schedule_assignment.deleted",
            object_type="attendance.scheduleassignment",
            object_id=pk,
            before=before,
        )
        _mark_assignment_dirty(employee_id, first, last)


# --- Overrides -------------------------------------------------------------------------------------


def override_set(
    *,
    employee: Employee,
    day: date,
    shift: Shift | None,
    reason: str = "",
    actor: Actor,
    swap: ShiftSwapRequest | None = None,
    adds: bool = False,
) -> ShiftOverride:
    """Plan ``shift`` (None: off) for ``employee`` on ``day``, replacing any (replacing)
    override there. With ``adds`` the shift is planned beside the day's other shifts (a
    second shift); its times must not overlap theirs (``shift_overlap``, 409)."""
    if adds and shift is None:
        raise ValidationFailed(
            gettext("An additional shift needs a shift."), details={"shift": [gettext("Choose a shift.")]}
        )
    with transaction.atomic():
        ensure_unlocked(day)
        mine = ShiftOverride.objects.select_for_update().filter(employee=employee, date=day, adds=adds)
        existing = (mine.filter(shift=shift) if adds else mine).first()
        before = audit.snapshot(existing) if existing else None
        override = existing or ShiftOverride(employee=employee, date=day, adds=adds)
        override.shift = shift
        override.reason = reason[:200]
        override.swap = swap
        override.save()
        ensure_no_overlap(employee.pk, day, day)
        audit.record(
            actor=actor,
            action="shift_override.updated" if existing else "shift_override.created",
            obj=override,
            before=before,
            after=audit.snapshot(override),
        )
        mark_dirty([(employee.pk, day)])
    return override


def override_update(*, override: ShiftOverride, actor: Actor, **changes: Any) -> ShiftOverride:
    with transaction.atomic():
        old_date = override.date
        ensure_unlocked(old_date)
        before = audit.snapshot(ShiftOverride.objects.get(pk=override.pk))
        for name, value in changes.items():
            setattr(override, name, value)
        ensure_unlocked(override.date)
        if override.adds and override.shift_id is None:
            raise ValidationFailed(
                gettext("An additional shift needs a shift."), details={"shift": [gettext("Choose a shift.")]}
            )
        try:
            with transaction.atomic():
                override.save()
        except IntegrityError:
            raise ValidationFailed(
                gettext("This employee already has an override on that date."),
                details={"date": [gettext("Already overridden.")]},
            ) from None
        ensure_no_overlap(override.employee_id, override.date, override.date)
        audit.record(
            actor=actor, action="shift_override.updated", obj=override, before=before, after=audit.snapshot(override)
        )
        mark_dirty([(override.employee_id, old_date), (override.employee_id, override.date)])
    return override


def override_delete(*, override: ShiftOverride, actor: Actor) -> None:
    with transaction.atomic():
        ensure_unlocked(override.date)
        before = audit.snapshot(override)
        pk, employee_id, day = override.pk, override.employee_id, override.date
        override.delete()
        audit.record(
            actor=actor,
            action="shift_override.deleted",
            object_type="attendance.shiftoverride",
            object_id=pk,
            before=before,
        )
        mark_dirty([(employee_id, day)])


# --- Shift swaps -------------------------------------------------------------------------------------

SWAP_KIND = "shift_swap"


def _planned(employee: Employee, day: date) -> Shift | None:
    """The one shift planned for ``employee`` on ``day`` (None: off). A swap exchanges one
    shift for another: a day of several shifts cannot be swapped (``ValidationFailed``)."""
    from attendance.selectors import planned_shifts

    shifts = planned_shifts(employee=employee, day=day)
    if len(shifts) > 1:
        raise ValidationFailed(
            gettext("A day with several shifts cannot be swapped; ask for an override instead."),
            details={"date": [gettext("Several shifts are planned that day.")]},
        )
    return shifts[0] if shifts else None


def swaps_allowed() -> None:
    """Raises ``SwapsDisabled`` (403 ``swaps_disabled``) when the company turned swaps off."""
    from attendance.selectors import swap_scope
    from etime.ops.models import CompanySettings

    if swap_scope() == CompanySettings.SwapScope.NONE:
        raise SwapsDisabled


def may_swap(*, requester: Employee, counterpart: Employee, actor: Actor) -> bool:
    """Who could swap with whom: colleagues under the company's swap scope
    (``CompanySettings.swap_scope``, default the same department; see
    ``selectors.swap_colleagues``), or anyone the actor manages (an admin, or the
    counterpart's manager arranging it). Nobody when swaps are turned off."""
    from attendance.selectors import swap_colleagues, swap_scope
    from etime.core.access import Action, may
    from etime.ops.models import CompanySettings

    scope = swap_scope()
    if scope == CompanySettings.SwapScope.NONE:
        return False
    if swap_colleagues(employee=requester, scope=scope).filter(pk=counterpart.pk).exists():
        return True
    return may(actor, counterpart, Action.MANAGE)


def swap_levels(swap: ShiftSwapRequest) -> list[Any]:
    """Who decides a swap, in order: the counterpart consents; the requester's manager
    decides; the counterpart's manager too, where it is someone else (issue #18)."""
    from accounts.selectors import managers_of_user
    from etime.core import approvals

    counterpart, requester = swap.counterpart.user, swap.requester.user
    assert counterpart is not None and requester is not None  # noqa: S101  (swap_request requires both logins)
    levels = [approvals.consent(counterpart), approvals.MANAGER]
    theirs = managers_of_user(counterpart)[:1]
    if theirs and theirs != managers_of_user(requester)[:1]:
        levels.append(approvals.manager_of(counterpart))
    return levels


def swap_request(
    *, requester: Employee, counterpart: Employee, day: date, reason: str = "", actor: Actor
) -> ShiftSwapRequest:
    """Ask to exchange ``requester``'s and ``counterpart``'s shifts on ``day``, with someone
    who could swap (``may_swap``); the counterpart consents, then the managers decide
    (``swap_levels``, core approvals kind ``shift_swap``)."""
    from etime.core import access, approvals

    swaps_allowed()
    if requester.pk == counterpart.pk:
        raise ValidationFailed(
            gettext("A swap needs two employees."), details={"counterpart": [gettext("Choose someone else.")]}
        )
    if not may_swap(requester=requester, counterpart=counterpart, actor=actor):
        # The answer an unknown id gets: a refusal must not confirm that the person exists.
        raise ValidationFailed(access.UNKNOWN_PERSON, details={"counterpart": [str(access.UNKNOWN_PERSON)]})
    errors: dict[str, list[str]] = {}
    labels = {"requester": gettext("The requester"), "counterpart": gettext("The counterpart")}
    for name, person in (("requester", requester), ("counterpart", counterpart)):
        if not person.is_active_on(day):
            # No name: the caller may not be allowed to see the other person's record.
            errors[name] = [
                gettext("%(who)s is not employed on %(day)s.")
                % {"who": labels[name], "day": formatting.date_local(day)}
            ]
    if requester.user_id is None:
        errors["requester"] = [gettext("The requester needs a login to take part in an approval.")]
    if counterpart.user_id is None:
        errors["counterpart"] = [gettext("The counterpart needs a login to agree to the swap.")]
    if errors:
        raise ValidationFailed(
            gettext("The input is invalid: %(first)s") % {"first": next(iter(errors.values()))[0]}, details=errors
        )
    mine, theirs = _planned(requester, day), _planned(counterpart, day)
    if mine == theirs:
        raise ValidationFailed(
            gettext("Both employees have the same plan that day; there is nothing to swap."),
            details={"date": [gettext("Nothing to swap.")]},
        )
    with transaction.atomic():
        ensure_unlocked(day)
        pending = ShiftSwapRequest.objects.filter(status=RequestStatus.PENDING, date=day).filter(
            Q(requester__in=[requester, counterpart]) | Q(counterpart__in=[requester, counterpart])
        )
        if pending.exists():
            raise ValidationFailed(
                gettext("One of the two already has a pending swap that day."),
                details={"date": [gettext("A swap is already pending.")]},
            )
        swap = ShiftSwapRequest.objects.create(
            requester=requester,
            counterpart=counterpart,
            date=day,
            reason=reason[:500],
            requester_shift=mine,
            counterpart_shift=theirs,
            created_by=actor_user(actor),
        )
        audit.record(actor=actor, action="shift_swap.requested", obj=swap, after=audit.snapshot(swap))
        approvals.submit(kind=SWAP_KIND, obj=swap, actor=actor)
    return swap


def swap_cancel(*, swap: ShiftSwapRequest, actor: Actor) -> ShiftSwapRequest:
    from etime.core import approvals

    with transaction.atomic():
        swap = ShiftSwapRequest.objects.select_for_update().select_related("requester").get(pk=swap.pk)
        if not may(actor, swap.requester, Action.ACT_AS):
            raise approvals.ApprovalNotAllowed(gettext("Only the requester or an admin may cancel this swap."))
        if swap.status != RequestStatus.PENDING:
            raise RequestNotPending(details={"status": swap.status})
        request = approvals.request_for(swap)
        if request is not None:
            approvals.cancel(request=request, actor=actor)
        before = audit.snapshot(swap)
        swap.status = RequestStatus.CANCELLED
        swap.decided_at = timezone.now()
        swap.save(update_fields=["status", "decided_at"])
        audit.record(actor=actor, action="shift_swap.cancelled", obj=swap, before=before, after=audit.snapshot(swap))
    return swap


def on_swap_approved(swap: ShiftSwapRequest, actor: Actor) -> None:
    """Approval callback (in the deciding transaction): each takes the other's plan as it
    stands now, as an override linked to the swap."""
    ensure_unlocked(swap.date)
    requester, counterpart = swap.requester, swap.counterpart
    mine, theirs = _planned(requester, swap.date), _planned(counterpart, swap.date)
    reason = f"Shift swap {swap.pk}"
    override_set(employee=requester, day=swap.date, shift=theirs, reason=reason, actor=actor, swap=swap)
    override_set(employee=counterpart, day=swap.date, shift=mine, reason=reason, actor=actor, swap=swap)
    _decide_swap(swap, RequestStatus.APPROVED, actor, "")


def on_swap_rejected(swap: ShiftSwapRequest, actor: Actor, comment: str) -> None:
    _decide_swap(swap, RequestStatus.REJECTED, actor, comment)


def on_swap_returned(swap: ShiftSwapRequest, actor: Actor, comment: str) -> None:
    _decide_swap(swap, RequestStatus.RETURNED, actor, comment)


def _decide_swap(swap: ShiftSwapRequest, status: str, actor: Actor, comment: str) -> None:
    before = audit.snapshot(swap)
    swap.status = status
    swap.decided_at = timezone.now()
    swap.decision_comment = (comment or "")[:500]
    swap.save(update_fields=["status", "decided_at", "decision_comment"])
    audit.record(actor=actor, action=f"shift_swap.{status}", obj=swap, before=before, after=audit.snapshot(swap))


# --- Punch direction rules -----------------------------------------------------------------------------


def direction_rule_save(*, rule: PunchDirectionRule, actor: Actor) -> PunchDirectionRule:
    """Create or change how punches pair up for a location or a device; audited, and the
    recent days of the people it concerns are recomputed."""
    before = None if rule._state.adding else audit.snapshot(PunchDirectionRule.objects.get(pk=rule.pk))
    full_clean(rule)
    with transaction.atomic():
        try:
            with transaction.atomic():
                rule.save()
        except IntegrityError:
            raise ValidationFailed(
                gettext("This location or device already has a rule."),
                details={"non_field_errors": [gettext("Already has a rule.")]},
            ) from None
        audit.record(
            actor=actor,
            action="punch_direction_rule.created" if before is None else "punch_direction_rule.updated",
            obj=rule,
            before=before,
            after=audit.snapshot(rule),
        )
        _mark_rule_users_dirty(rule)
    return rule


def direction_rule_delete(*, rule: PunchDirectionRule, actor: Actor) -> None:
    with transaction.atomic():
        before = audit.snapshot(rule)
        pk = rule.pk
        _mark_rule_users_dirty(rule)
        rule.delete()
        audit.record(
            actor=actor,
            action="punch_direction_rule.deleted",
            object_type="attendance.punchdirectionrule",
            object_id=pk,
            before=before,
        )


def _mark_rule_users_dirty(rule: PunchDirectionRule) -> None:
    from attendance.models import Punch

    low, high = _horizon()
    if rule.location_id:
        employees = list(Employee.objects.filter(location_id=rule.location_id).values_list("pk", flat=True))
    else:
        employees = list(
            Punch.objects.filter(device_id=rule.device_id, employee__isnull=False, timestamp__date__gte=low)
            .values_list("employee_id", flat=True)
            .distinct()
        )
    mark_dirty_range(employees, low, high)
