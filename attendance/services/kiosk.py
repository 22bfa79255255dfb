"""Punches made at a shared kiosk (issue #20; docs/SECURITY.md "Kiosks").

A paired kiosk stands at a location and is, for the punch policy, a registered time clock
(door ``device``, rule 1): the location must accept clock punches; its punches are stored
with source ``device``, the kiosk's id as ``device_id`` and the badge number as
``device_user_id``, like a clock's. The person proved who they are with badge and PIN
(accounts.kiosk_pin) before this is called.

The direction is a toggle: the first punch of the person's local day is ``in``, then each
next one flips the last (the kiosk shows no In/Out buttons). A punch queued offline at a
kiosk meets rule 6 like an installed app's, with the device door; it needs no network check
(the kiosk's credential, bound to the location, is what a clock's registration is).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import Employee
from attendance import punch_policy
from attendance.errors import PunchSourceNotAllowed
from attendance.models import Punch, PunchDirection, PunchSource
from attendance.services.dirty import mark_dirty_for_punches
from attendance.services.locks import ensure_unlocked
from attendance.services.offline import offline_clock, refusal
from attendance.services.punches import punch_rules
from etime.core import audit, metrics


def next_direction(employee: Employee, at: datetime) -> str:
    """``in`` for the first punch of the person's local day up to ``at``, else the opposite of the last."""
    zone = ZoneInfo(employee.effective_time_zone)
    start = datetime.combine(at.astimezone(zone).date(), time.min, tzinfo=zone)
    last = (
        Punch.objects.filter(employee=employee, timestamp__gte=start, timestamp__lte=at, void__isnull=True)
        .exclude(direction=PunchDirection.UNKNOWN)
        .order_by("-timestamp", "-created_at")
        .values_list("direction", flat=True)
        .first()
    )
    return PunchDirection.OUT if last == PunchDirection.IN else PunchDirection.IN


def _store(
    *, employee: Employee, kiosk_id: UUID, kiosk_label: str, badge: str, timestamp: datetime, drift_seconds: int | None
) -> Punch:
    zone = ZoneInfo(employee.effective_time_zone)
    ensure_unlocked(timestamp.astimezone(zone).date())
    note = gettext("Kiosk %(kiosk)s") % {"kiosk": kiosk_label}
    if drift_seconds is not None:
        note = gettext("Queued offline on kiosk %(kiosk)s") % {"kiosk": kiosk_label}
    punch = Punch.objects.create(
        employee=employee,
        timestamp=timestamp,
        source=PunchSource.DEVICE,
        direction=next_direction(employee, timestamp),
        device_id=kiosk_id,
        device_user_id=badge[:24],
        note=note[:500],
        offline_drift_seconds=drift_seconds,
    )
    audit.record(actor=None, action="punch.created", obj=punch, after=audit.snapshot(punch))
    mark_dirty_for_punches([(employee.pk, timestamp)])
    metrics.count_punches_stored(PunchSource.DEVICE)
    return punch


def kiosk_punch_create(*, employee: Employee, kiosk_id: UUID, kiosk_label: str, badge: str) -> Punch:
    """A punch at the kiosk now (rule 1). Refused, audited, with ``punch_source_not_allowed``
    when the person's location does not accept clock punches; ``period_locked`` (409)."""
    now = timezone.now()
    attempt = punch_policy.Attempt(door=punch_policy.Door.DEVICE, for_self=True, by_admin=False, timestamp=now)
    decision = punch_policy.decide(attempt, punch_rules(employee), now)
    if not decision.allowed:
        with transaction.atomic():
            audit.record(
                actor=None,
                action="punch.refused",
                obj=employee,
                after={
                    "rule": decision.rule,
                    "reason": decision.reason,
                    "door": "kiosk",
                    "code": decision.code,
                    "kiosk": str(kiosk_id),
                },
            )
        raise PunchSourceNotAllowed(details={"rule": decision.rule, "reason": decision.reason})
    with transaction.atomic():
        return _store(
            employee=employee,
            kiosk_id=kiosk_id,
            kiosk_label=kiosk_label,
            badge=badge,
            timestamp=now,
            drift_seconds=None,
        )


def kiosk_offline_punch(
    *,
    employee: Employee,
    kiosk_id: UUID,
    kiosk_label: str,
    badge: str,
    recorded_at: datetime,
    device_now: datetime,
    last_contact_at: datetime | None,
) -> Punch:
    """A kiosk punch queued offline (rule 6 with the device door and no network check; older
    than ETIME_OFFLINE_MAX_AGE_HOURS is refused here, ``offline_time_too_old``, since a kiosk
    punch has nobody to ask for a correction). Writes in the caller's transaction."""
    from attendance.errors import OfflineTimeTooOld

    clock = offline_clock(recorded_at=recorded_at, device_now=device_now, last_contact_at=last_contact_at)
    rules = replace(punch_rules(employee), networks=())
    decision = punch_policy.decide_offline(clock, punch_policy.Door.DEVICE, rules, timezone.now())
    if decision.outcome == punch_policy.Outcome.REFUSED:
        raise refusal(decision)
    if decision.outcome == punch_policy.Outcome.CORRECTION:
        raise OfflineTimeTooOld(details={"rule": decision.rule, "reason": decision.reason})
    assert decision.timestamp is not None  # noqa: S101
    return _store(
        employee=employee,
        kiosk_id=kiosk_id,
        kiosk_label=kiosk_label,
        badge=badge,
        timestamp=decision.timestamp,
        drift_seconds=decision.drift_seconds,
    )


def greeting(employee: Employee, punch: Punch) -> dict[str, Any]:
    """What the kiosk shows, in the person's own language: "Hello Anna — in at 08:02"."""
    from django.utils import translation

    language = (employee.user.language if employee.user_id and employee.user else "") or translation.get_language()
    local = punch.timestamp.astimezone(ZoneInfo(employee.effective_time_zone))
    with translation.override(language):
        if punch.direction == PunchDirection.IN:
            text = gettext("Hello %(name)s — in at %(time)s") % {"name": employee.first_name, "time": f"{local:%H:%M}"}
        else:
            text = gettext("Goodbye %(name)s — out at %(time)s") % {
                "name": employee.first_name,
                "time": f"{local:%H:%M}",
            }
        active = translation.get_language()
    return {
        "name": employee.first_name,
        "direction": punch.direction,
        "timestamp": punch.timestamp.isoformat(),
        "time": f"{local:%H:%M}",
        "message": text,
        "language": active,
        "punch": str(punch.pk),
        "offline_drift_seconds": punch.offline_drift_seconds,
    }
