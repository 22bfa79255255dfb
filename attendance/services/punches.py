"""Punches: ingestion is the contract devices (and ADMS push) write through; web, API and
manual punches come through ``punch_create``. Both mark the affected days dirty in their
own transaction, so attendance follows within a minute."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import Employee
from accounts.selectors import employee_for_user
from attendance import geofence, partitions, punch_policy
from attendance.errors import (
    PunchNetworkNotAllowed,
    PunchNotAllowed,
    PunchOutsideGeofence,
    PunchPositionInaccurate,
    PunchPositionRequired,
    PunchSourceNotAllowed,
    PunchTimeNotAllowed,
)
from attendance.models import Punch, PunchDirection, PunchSource
from attendance.services.dirty import mark_dirty_for_punches
from attendance.services.locks import ensure_unlocked
from attendance.services.punch_store import PunchRow, insert_device_punches, lock_device
from etime.core import audit, dates, metrics
from etime.core.access import is_admin
from etime.core.errors import ValidationFailed
from etime.core.types import Actor, actor_user


@dataclass(frozen=True)
class PunchInput:
    """One record from a device log, already converted to an aware UTC datetime."""

    device_user_id: str
    timestamp: datetime
    direction: str = PunchDirection.UNKNOWN
    raw_state: int | None = None
    verify_mode: int | None = None


@dataclass
class IngestResult:
    fetched: int = 0
    created: int = 0
    duplicates: int = 0
    unmapped: int = 0
    # (employee_id, timestamp) of each created punch with an employee: what to recompute.
    touched: list[tuple[Any, datetime]] = field(default_factory=list)


def punches_ingest(*, device_id: UUID, records: Sequence[PunchInput], source: str = PunchSource.DEVICE) -> IngestResult:
    """Store a device's records idempotently: a record already stored for this device
    (same device user id and timestamp) is a duplicate, never a second punch.

    Runs in one transaction: either every new record of the batch is stored or none is,
    so a caller may advance its watermark only after this returns. The employee-dates the
    new punches may count for are marked dirty in the same transaction; recomputation
    runs after commit. Punches for a locked period are stored (a clock's log is a fact)
    but do not change the locked days.
    """
    result = IngestResult(fetched=len(records))
    if not records:
        return result
    for record in records:
        if timezone.is_naive(record.timestamp):
            raise ValidationFailed(
                gettext("Punch timestamps must be timezone-aware."), details={"timestamp": [str(record.timestamp)]}
            )
        if not record.device_user_id:
            raise ValidationFailed(
                gettext("A device punch needs the device user id."), details={"device_user_id": [gettext("Required.")]}
            )
    # The same record twice in one batch counts once.
    unique: dict[tuple[str, datetime], PunchInput] = {}
    for record in records:
        unique.setdefault((record.device_user_id, record.timestamp), record)
    with transaction.atomic():
        lock_device(device_id)
        partitions.hold_off_moves()
        first = min(ts for _uid, ts in unique)
        last = max(ts for _uid, ts in unique)
        existing = set(
            Punch.objects.filter(device_id=device_id, timestamp__gte=first, timestamp__lte=last).values_list(
                "device_user_id", "timestamp"
            )
        )
        new = [record for key, record in unique.items() if key not in existing]
        mapped = list(
            Employee.objects.filter(device_user_id__in={r.device_user_id for r in new}).select_related("location")
        )
        employees = {e.device_user_id: e.pk for e in mapped}
        # The punch policy's device door (rule 1): a location that accepts no clock punches
        # gets none attributed; the records are still stored (a clock's log is a fact).
        refused = [
            e
            for e in mapped
            if not punch_policy.decide(
                punch_policy.Attempt(door=punch_policy.Door.DEVICE, for_self=False, by_admin=False),
                punch_rules(e),
                first,
            ).allowed
        ]
        for employee in refused:
            employees.pop(employee.device_user_id, None)
            audit.record(
                actor=None,
                action="punch.refused",
                obj=employee,
                after={
                    "rule": "1",
                    "code": punch_policy.SOURCE_NOT_ALLOWED,
                    "door": "device",
                    "device_id": str(device_id),
                },
            )
        rows = [
            PunchRow(
                employees.get(r.device_user_id), r.timestamp, r.device_user_id, r.direction, r.raw_state, r.verify_mode
            )
            for r in new
        ]
        inserted = insert_device_punches(device_id=device_id, source=source, rows=rows)
        if inserted != len(rows):
            # The device lock makes this writer the only one: someone stored punches of this
            # device without it. Roll back; the retry finds them stored.
            raise RuntimeError(f"{len(rows) - inserted} punches of device {device_id} were stored concurrently")
        # insert_device_punches marked their days dirty (in the same statement on PostgreSQL).
        touched = [(row.employee_id, row.timestamp) for row in rows if row.employee_id is not None]
        metrics.count_punches_stored(source, inserted)
    result.created = len(rows)
    result.duplicates = result.fetched - result.created
    result.unmapped = len(rows) - len(touched)
    result.touched = touched
    return result


def punch_rules(employee: Employee) -> punch_policy.LocationRules:
    """The punch policy's loader: ``employee``'s location as plain data."""
    location = employee.location
    if location is None:
        return punch_policy.LocationRules()
    doors = {
        door
        for door, accepted in (
            (punch_policy.Door.DEVICE, location.punch_from_devices),
            (punch_policy.Door.WEB, location.punch_from_web),
            (punch_policy.Door.API, location.punch_from_api),
        )
        if accepted
    }
    try:
        networks = tuple(location.networks())
    except ValueError:
        # Stored past validation (Location.clean refuses it): fail closed, match no address.
        networks = (ipaddress.ip_network("0.0.0.0/32"), ipaddress.ip_network("::/128"))
    return punch_policy.LocationRules(doors=frozenset(doors), networks=networks, fence=location_fence(location))


def location_fence(location: Any) -> geofence.Fence | None:
    """The location's geofence as plain data; None when off. A policy stored without its
    centre or radius (Location.clean refuses it) fails closed: a fence nobody is inside."""
    policy = geofence.Policy(location.geofence_policy or geofence.Policy.OFF)
    if policy == geofence.Policy.OFF:
        return None
    lat, lon, radius = location.geofence_latitude, location.geofence_longitude, location.geofence_radius_m
    if lat is None or lon is None or not radius:
        return geofence.Fence(0.0, 0.0, -1.0, geofence.Policy.REQUIRE, 0.0)
    return geofence.Fence(float(lat), float(lon), float(radius), policy, float(settings.ETIME_GEOFENCE_MAX_ACCURACY_M))


def parse_position(latitude: Any, longitude: Any, accuracy: Any) -> geofence.Position | None:
    """A position from a form's or a request's three values: all empty is no position; a
    partial or malformed one is a ``validation_error`` (never a guess)."""
    values = {"latitude": latitude, "longitude": longitude, "accuracy": accuracy}
    if all(v in (None, "") for v in values.values()):
        return None
    try:
        numbers = {k: float(v) for k, v in values.items()}
        return geofence.Position(numbers["latitude"], numbers["longitude"], numbers["accuracy"])
    except (TypeError, ValueError):
        raise ValidationFailed(
            gettext("A position is a latitude (-90 to 90), a longitude (-180 to 180) and an accuracy in metres."),
            details={k: [gettext("Give all three as numbers.")] for k in values},
        ) from None


REFUSALS: dict[str, type[PunchNotAllowed]] = {
    punch_policy.SOURCE_NOT_ALLOWED: PunchSourceNotAllowed,
    punch_policy.NETWORK_NOT_ALLOWED: PunchNetworkNotAllowed,
    punch_policy.TIME_NOT_ALLOWED: PunchTimeNotAllowed,
    geofence.OUTSIDE: PunchOutsideGeofence,
    geofence.POSITION_REQUIRED: PunchPositionRequired,
    geofence.POSITION_INACCURATE: PunchPositionInaccurate,
}


def _refuse(
    *, employee: Employee, actor: Actor, attempt: punch_policy.Attempt, decision: punch_policy.Decision
) -> None:
    """Audit the refusal in its own write (the refused request writes nothing else), then raise."""
    details = {"rule": decision.rule, "reason": decision.reason, "door": str(attempt.door)}
    # A refused position is not kept (privacy, docs/SECURITY.md): the reason says how far and
    # how precise it was, never where the person stood.
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="punch.refused",
            obj=employee,
            after={
                **details,
                "code": decision.code,
                "address": attempt.address,
                "timestamp": attempt.timestamp.isoformat() if attempt.timestamp else None,
            },
        )
    error = REFUSALS[decision.code]
    message = None
    if error is PunchNetworkNotAllowed and employee.location is not None:
        message = gettext("Punching is allowed only from %(location)s's network; your address is %(address)s.") % {
            "location": employee.location.name,
            "address": attempt.address or "?",
        }
    raise error(message, details=details)


def punch_create(
    *,
    employee: Employee,
    source: str,
    actor: Actor,
    timestamp: datetime | None = None,
    direction: str = PunchDirection.UNKNOWN,
    note: str = "",
    regularisation: Any = None,
    address: str | None = None,
    position: geofence.Position | None = None,
) -> Punch:
    """A punch not read from a device log: web clock-in, integrator API, admin entry, an
    approved correction (``regularisation``). Every one passes the punch policy
    (attendance.punch_policy): a person's own punch takes the server's time (``timestamp``
    None, or within the tolerance) and needs the location to accept the door (``source``)
    from the client's ``address``, and, where the location has a geofence, the phone's
    ``position`` inside it (or flagged); refusals are audited and raise a 403 ``punch_*`` error.
    The position is stored with the punch only where a geofence checked it.

    Refused with ``period_locked`` when its local date falls in a locked period.
    """
    if source not in (PunchSource.WEB, PunchSource.API, PunchSource.MANUAL):
        raise ValidationFailed(
            gettext("Source %(source)r is for device logs.") % {"source": source},
            details={"source": [gettext("Use web, api or manual.")]},
        )
    if timestamp is not None and timezone.is_naive(timestamp):
        raise ValidationFailed(
            gettext("The timestamp needs a time zone offset."),
            details={"timestamp": [gettext("Timezone-aware required.")]},
        )
    if direction not in PunchDirection.values:
        raise ValidationFailed(
            gettext("Unknown direction %(direction)r.") % {"direction": direction},
            details={"direction": [gettext("One of %(choices)s.") % {"choices": ", ".join(PunchDirection.values)}]},
        )
    if timestamp is not None:
        dates.ensure_supported(timestamp=timestamp)
    own = employee_for_user(actor)
    attempt = punch_policy.Attempt(
        door=punch_policy.Door.CORRECTION if regularisation is not None else punch_policy.Door(source),
        for_self=own is not None and own.pk == employee.pk,
        by_admin=is_admin(actor),
        timestamp=timestamp,
        address=address,
        position=position,
    )
    decision = punch_policy.decide(attempt, punch_rules(employee), timezone.now())
    if not decision.allowed:
        _refuse(employee=employee, actor=actor, attempt=attempt, decision=decision)
    stamped = decision.timestamp
    assert stamped is not None  # noqa: S101  (an allowed punch has a time)
    with transaction.atomic():
        ensure_unlocked(stamped.astimezone(ZoneInfo(employee.effective_time_zone)).date())
        punch = Punch.objects.create(
            employee=employee,
            timestamp=stamped,
            source=source,
            direction=direction,
            note=note[:500],
            created_by=actor_user(actor),
            regularisation=regularisation,
            **_geofence_fields(decision.geofence, position),
        )
        audit.record(actor=actor, action="punch.created", obj=punch, after=audit.snapshot(punch))
        mark_dirty_for_punches([(employee.pk, stamped)])
        metrics.count_punches_stored(source)
    return punch


def _geofence_fields(verdict: geofence.Verdict, position: geofence.Position | None) -> dict[str, Any]:
    if not verdict.store_position:
        return {}
    fields: dict[str, Any] = {"geofence": str(verdict.status), "geofence_flagged": verdict.flagged}
    if position is not None:
        fields.update(
            latitude=position.latitude,
            longitude=position.longitude,
            accuracy_m=position.accuracy_m,
            geofence_distance_m=round(verdict.distance_m, 1) if verdict.distance_m is not None else None,
        )
    return fields


def punches_attach_unmapped(*, employee: Employee) -> int:
    """Give ``employee`` the stored punches that carry their device user id but no employee."""
    if not employee.device_user_id:
        return 0
    with transaction.atomic():
        unmapped = Punch.objects.filter(employee__isnull=True, device_user_id=employee.device_user_id)
        timestamps = list(unmapped.values_list("timestamp", flat=True))
        attached = unmapped.update(employee=employee)
        if attached:
            mark_dirty_for_punches((employee.pk, ts) for ts in timestamps)
            audit.record(
                actor=None,
                action="punch.attached",
                obj=employee,
                after={"device_user_id": employee.device_user_id, "punches": attached},
            )
    return attached
