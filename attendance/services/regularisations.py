"""Regularisation: an employee asks to add or correct punches, or a whole day; the manager
approves (core approvals, kind ``regularisation``) and the correction becomes ``manual``
punches. Punches are facts: a replaced punch stays stored and gets a PunchVoid row."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext

from accounts.models import Employee
from attendance.errors import RequestNotPending
from attendance.models import (
    AttendanceDay,
    Punch,
    PunchDirection,
    PunchSource,
    PunchVoid,
    Regularisation,
    RegularisationKind,
    RequestStatus,
)
from attendance.services.dirty import mark_dirty_for_punches
from attendance.services.locks import ensure_unlocked
from attendance.services.punches import punch_create
from etime.core import audit, dates
from etime.core.access import Action, may
from etime.core.errors import ValidationFailed
from etime.core.types import Actor, actor_user

KIND = "regularisation"
MAX_ITEMS = 8


def _clean_items(items: Sequence[Any], employee: Employee, day: date) -> list[dict[str, str]]:
    tz = ZoneInfo(employee.effective_time_zone)
    cleaned: list[dict[str, str]] = []
    for index, item in enumerate(items):
        raw = item.get("timestamp") if isinstance(item, dict) else None
        timestamp = raw if isinstance(raw, datetime) else parse_datetime(str(raw or ""))
        direction = (item.get("direction") if isinstance(item, dict) else None) or PunchDirection.UNKNOWN
        if timestamp is None or timezone.is_naive(timestamp):
            raise ValidationFailed(
                gettext("Each punch needs an ISO 8601 timestamp with an offset."),
                details={
                    "items": [gettext("Item %(number)d: timestamp with offset required.") % {"number": index + 1}]
                },
            )
        if direction not in PunchDirection.values:
            raise ValidationFailed(
                gettext("Unknown direction %(direction)r.") % {"direction": direction},
                details={"items": [gettext("Item %(number)d: direction.") % {"number": index + 1}]},
            )
        # A night shift's punches end the next morning; anything further is another day.
        local = timestamp.astimezone(tz).date()
        if not day - timedelta(days=1) <= local <= day + timedelta(days=1):
            raise ValidationFailed(
                gettext("A corrected punch must fall on the day being corrected (or the night after)."),
                details={"items": [f"Item {index + 1}: {local.isoformat()} is not near {day.isoformat()}."]},
            )
        cleaned.append({"timestamp": timestamp.astimezone(UTC).isoformat(), "direction": direction})
    return sorted(cleaned, key=lambda i: i["timestamp"])


def regularisation_request(
    *,
    employee: Employee,
    day: date,
    reason: str,
    actor: Actor,
    kind: str = RegularisationKind.PUNCH,
    items: Sequence[Any] = (),
    replace_punch_ids: Sequence[Any] = (),
    apply_directly: bool = False,
) -> Regularisation:
    """Ask for a correction of ``employee``'s ``day``.

    ``items``: punches to add ``{"timestamp": aware ISO 8601, "direction": in|out|unknown}``;
    ``replace_punch_ids``: stored punches this correction replaces (kind ``punch``); kind
    ``day`` replaces every punch of the day. With ``apply_directly`` (a manager or admin
    correcting a report's day; the caller checks the permission) it is applied at once,
    otherwise the employee's manager approves it.
    """
    from etime.core import approvals

    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if not reason:
        errors["reason"] = [gettext("Say why the correction is needed.")]
    if not dates.is_supported(day):
        errors["date"] = [dates.MESSAGE]
    if kind not in RegularisationKind.values:
        errors["kind"] = [gettext("One of %(choices)s.") % {"choices": ", ".join(RegularisationKind.values)}]
    if len(items) > MAX_ITEMS:
        errors["items"] = [gettext("At most %(max)d punches.") % {"max": MAX_ITEMS}]
    if kind == RegularisationKind.PUNCH and not items and not replace_punch_ids:
        errors["items"] = [gettext("Add at least one punch, or name the punches to replace.")]
    if kind == RegularisationKind.DAY and not items:
        errors["items"] = [gettext("Give the day's punches.")]
    if kind == RegularisationKind.DAY and replace_punch_ids:
        errors["replace_punch_ids"] = [gettext("A whole-day correction replaces every punch of the day.")]
    if not apply_directly and employee.user_id is None:
        errors["employee"] = [gettext("This employee has no login to request a correction with.")]
    if errors:
        raise ValidationFailed(
            gettext("The input is invalid: %(first)s") % {"first": next(iter(errors.values()))[0]}, details=errors
        )
    cleaned = _clean_items(items, employee, day)
    replace_ids = sorted({str(p) for p in replace_punch_ids})
    if replace_ids:
        found = set(
            str(p)
            for p in Punch.objects.filter(pk__in=replace_ids, employee=employee, void__isnull=True).values_list(
                "pk", flat=True
            )
        )
        missing = [p for p in replace_ids if p not in found]
        if missing:
            raise ValidationFailed(
                gettext("Only this employee's current punches can be replaced."),
                details={"replace_punch_ids": [f"Unknown punch {missing[0]}."]},
            )
    with transaction.atomic():
        ensure_unlocked(day)
        regularisation = Regularisation.objects.create(
            employee=employee,
            date=day,
            kind=kind,
            items=cleaned,
            replace_punch_ids=replace_ids,
            reason=reason[:500],
            created_by=actor_user(actor),
        )
        audit.record(
            actor=actor, action="regularisation.requested", obj=regularisation, after=audit.snapshot(regularisation)
        )
        if apply_directly:
            _apply(regularisation, actor)
            _decide(regularisation, RequestStatus.APPROVED, actor, "Applied directly by a manager or admin.")
        else:
            approvals.submit(kind=KIND, obj=regularisation, actor=actor)
    return regularisation


def regularisation_cancel(*, regularisation: Regularisation, actor: Actor) -> Regularisation:
    from etime.core import approvals

    with transaction.atomic():
        regularisation = Regularisation.objects.select_for_update().select_related("employee").get(pk=regularisation.pk)
        if not may(actor, regularisation.employee, Action.ACT_AS):
            raise approvals.ApprovalNotAllowed(gettext("Only the employee or an admin may cancel this request."))
        if regularisation.status not in (RequestStatus.PENDING, RequestStatus.RETURNED):
            raise RequestNotPending(details={"status": regularisation.status})
        request = approvals.request_for(regularisation)
        if request is not None and request.status == "pending":
            approvals.cancel(request=request, actor=actor)
        _decide(regularisation, RequestStatus.CANCELLED, actor, "")
    return regularisation


def _day_window(regularisation: Regularisation) -> tuple[datetime, datetime]:
    row = AttendanceDay.objects.filter(employee_id=regularisation.employee_id, date=regularisation.date).first()
    if row is not None:
        return row.window_start, row.window_end
    tz = ZoneInfo(regularisation.employee.effective_time_zone)
    start = datetime.combine(regularisation.date, time(0), tzinfo=tz)
    return start, datetime.combine(regularisation.date + timedelta(days=1), time(0), tzinfo=tz)


def _apply(regularisation: Regularisation, actor: Actor) -> None:
    ensure_unlocked(regularisation.date)
    employee = regularisation.employee
    if regularisation.kind == RegularisationKind.DAY:
        start, end = _day_window(regularisation)
        replaced = list(
            Punch.objects.filter(employee=employee, timestamp__gte=start, timestamp__lte=end, void__isnull=True)
        )
    else:
        replaced = list(Punch.objects.filter(pk__in=regularisation.replace_punch_ids, void__isnull=True))
    for punch in replaced:
        PunchVoid.objects.create(punch=punch, regularisation=regularisation)
        audit.record(
            actor=actor,
            action="punch.voided",
            obj=punch,
            after={"regularisation": str(regularisation.pk), "timestamp": punch.timestamp.isoformat()},
        )
    mark_dirty_for_punches((employee.pk, p.timestamp) for p in replaced)
    for item in regularisation.items:
        timestamp = parse_datetime(item["timestamp"])
        assert timestamp is not None  # noqa: S101  (validated when requested)
        punch_create(
            employee=employee,
            timestamp=timestamp,
            source=PunchSource.MANUAL,
            actor=actor,
            direction=item.get("direction", PunchDirection.UNKNOWN),
            note=f"Correction: {regularisation.reason}"[:500],
            regularisation=regularisation,
        )


def _decide(regularisation: Regularisation, status: str, actor: Actor, comment: str) -> None:
    before = audit.snapshot(regularisation)
    regularisation.status = status
    regularisation.decided_at = timezone.now()
    regularisation.decision_comment = (comment or "")[:500]
    regularisation.save(update_fields=["status", "decided_at", "decision_comment"])
    audit.record(
        actor=actor,
        action=f"regularisation.{status}",
        obj=regularisation,
        before=before,
        after=audit.snapshot(regularisation),
    )


def on_approved(regularisation: Regularisation, actor: Actor) -> None:
    """Approval callback, in the deciding transaction: the correction becomes punches."""
    _apply(regularisation, actor)
    _decide(regularisation, RequestStatus.APPROVED, actor, "")


def on_rejected(regularisation: Regularisation, actor: Actor, comment: str) -> None:
    _decide(regularisation, RequestStatus.REJECTED, actor, comment)


def on_returned(regularisation: Regularisation, actor: Actor, comment: str) -> None:
    _decide(regularisation, RequestStatus.RETURNED, actor, comment)
