"""Punches queued offline by a client device (an installed app; a kiosk later), accepted at
sync under the punch policy's rule 6 (attendance.punch_policy, docs/SECURITY.md).

devices.services.clients checks the device's credential, keeps the idempotency key and
audits refusals; this module decides and writes: a punch marked offline with the drift, or a
correction request for the manager when the punch is too old or its location accepts
punches only from its networks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import Employee
from attendance import conf, punch_policy
from attendance.errors import (
    OfflineDriftTooLarge,
    OfflineTimeBeforeContact,
    OfflineTimeInFuture,
    PunchNotAllowed,
    PunchSourceNotAllowed,
)
from attendance.models import Punch, PunchDirection, PunchSource, Regularisation
from attendance.services.dirty import mark_dirty_for_punches
from attendance.services.locks import ensure_unlocked
from attendance.services.punches import punch_rules
from attendance.services.regularisations import regularisation_request
from etime.core import audit, dates, formatting, metrics
from etime.core.errors import ValidationFailed
from etime.core.types import Actor, actor_user

OFFLINE_REFUSALS: dict[str, type[PunchNotAllowed]] = {
    punch_policy.OFFLINE_DRIFT_TOO_LARGE: OfflineDriftTooLarge,
    punch_policy.OFFLINE_TIME_BEFORE_CONTACT: OfflineTimeBeforeContact,
    punch_policy.OFFLINE_TIME_IN_FUTURE: OfflineTimeInFuture,
    punch_policy.SOURCE_NOT_ALLOWED: PunchSourceNotAllowed,
}


@dataclass(frozen=True)
class OfflineResult:
    outcome: str  # punch_policy.Outcome.PUNCH or .CORRECTION
    drift_seconds: int
    timestamp: datetime
    punch: Punch | None = None
    regularisation: Regularisation | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "outcome": str(self.outcome),
            "timestamp": self.timestamp.isoformat(),
            "drift_seconds": self.drift_seconds,
            "punch": str(self.punch.pk) if self.punch else None,
            "regularisation": str(self.regularisation.pk) if self.regularisation else None,
        }


def offline_clock(
    *, recorded_at: datetime, device_now: datetime, last_contact_at: datetime | None
) -> punch_policy.OfflineClock:
    """The policy's input with this installation's limits (ETIME_OFFLINE_MAX_*)."""
    for name, value in (("recorded_at", recorded_at), ("device_now", device_now)):
        if timezone.is_naive(value):
            raise ValidationFailed(
                gettext("The time needs a time zone offset."), details={name: [gettext("Timezone-aware required.")]}
            )
    dates.ensure_supported(timestamp=recorded_at)
    return punch_policy.OfflineClock(
        recorded_at=recorded_at,
        device_now=device_now,
        last_contact_at=last_contact_at,
        max_drift=conf.offline_max_drift(),
        max_age=conf.offline_max_age(),
    )


def refusal(decision: punch_policy.OfflineDecision) -> PunchNotAllowed:
    """The domain error for a refused rule-6 decision, its rule and reason in the details."""
    return OFFLINE_REFUSALS[decision.code](
        details={"rule": decision.rule, "reason": decision.reason, "drift_seconds": decision.drift_seconds}
    )


def offline_punch_submit(
    *,
    employee: Employee,
    actor: Actor,
    direction: str,
    recorded_at: datetime,
    device_now: datetime,
    last_contact_at: datetime | None,
    device_label: str,
    door: punch_policy.Door = punch_policy.Door.WEB,
) -> OfflineResult:
    """Accept ``employee``'s own punch that a client device queued offline.

    ``recorded_at`` and ``device_now`` are the device clock's readings (when the punch was
    made; when it was sent); ``last_contact_at`` the device's last online contact before
    this sync. Refusals raise a 403 ``offline_*``/``punch_source_not_allowed`` error and
    write nothing; the caller audits them. Refused with ``period_locked`` (409) when the
    punch's local date falls in a locked period.
    """
    if direction not in (PunchDirection.IN, PunchDirection.OUT):
        raise ValidationFailed(
            gettext("Unknown direction %(direction)r.") % {"direction": direction},
            details={"direction": [gettext("One of in, out.")]},
        )
    clock = offline_clock(recorded_at=recorded_at, device_now=device_now, last_contact_at=last_contact_at)
    decision = punch_policy.decide_offline(clock, door, punch_rules(employee), timezone.now())
    if decision.outcome == punch_policy.Outcome.REFUSED:
        raise refusal(decision)
    stamped = decision.timestamp
    assert stamped is not None  # noqa: S101  (an accepted decision has a time)
    zone = ZoneInfo(employee.effective_time_zone)
    with transaction.atomic():
        if decision.outcome == punch_policy.Outcome.CORRECTION:
            reason = gettext(
                "Clocked %(direction)s at %(time)s on %(device)s while offline; not accepted as a punch: %(why)s."
            ) % {
                "direction": direction,
                "time": formatting.datetime_local(stamped.astimezone(zone)),
                "device": device_label,
                "why": decision.reason,
            }
            regularisation = regularisation_request(
                employee=employee,
                day=stamped.astimezone(zone).date(),
                reason=reason,
                actor=actor,
                items=[{"timestamp": stamped.isoformat(), "direction": direction}],
            )
            return OfflineResult(
                punch_policy.Outcome.CORRECTION, decision.drift_seconds, stamped, regularisation=regularisation
            )
        ensure_unlocked(stamped.astimezone(zone).date())
        punch = Punch.objects.create(
            employee=employee,
            timestamp=stamped,
            source=PunchSource.WEB,
            direction=direction,
            note=(gettext("Queued offline on %(device)s") % {"device": device_label})[:500],
            created_by=actor_user(actor),
            offline_drift_seconds=decision.drift_seconds,
        )
        audit.record(actor=actor, action="punch.created", obj=punch, after=audit.snapshot(punch))
        mark_dirty_for_punches([(employee.pk, stamped)])
        metrics.count_punches_stored(PunchSource.WEB)
    return OfflineResult(punch_policy.Outcome.PUNCH, decision.drift_seconds, stamped, punch=punch)


def offline_punch_action(
    *,
    employee: Employee,
    actor: Actor,
    data: dict[str, Any],
    recorded_at: datetime,
    device_now: datetime,
    last_contact_at: datetime | None,
    device_label: str,
) -> dict[str, Any]:
    """The ``punch`` offline action (etime.core.registry): ``data`` is ``{"direction": in|out}``."""
    return offline_punch_submit(
        employee=employee,
        actor=actor,
        direction=str(data.get("direction", "")),
        recorded_at=recorded_at,
        device_now=device_now,
        last_contact_at=last_contact_at,
        device_label=device_label,
    ).as_dict()
