"""The punch policy: may this punch be stored, and at what time? (issue #18, docs/SECURITY.md)

One pure function, ``decide(attempt, rules, now)``, in the shape of attendance/engine.py: its
inputs and ``now`` are arguments; it reads no database and no clock. ``load_rules`` builds the
location's rules from the database, and ``attendance.services.punches.punch_create`` asks
``decide`` for every punch not read from a clock's log, so every door (the web clock, the API,
a kiosk or mobile app when they come, admin entry, imports, approved corrections) meets the
same rules. ``punches_ingest`` (device sync and ADMS push) asks it too, for the device door.

The rules, numbered as docs/SECURITY.md gives them:

1. A registered time clock (door ``device``): the record's time is the clock's. Refused with
   ``punch_source_not_allowed`` when the person's location does not accept clock punches.
   (Which networks a clock may push from is the device's trust model, not this policy.)
2. An approved correction (door ``correction``): any time; the approval was the decision.
3. An administrator recording a punch for someone else, or through admin entry (door
   ``manual``): any time, from anywhere. ``manual`` by anyone else: ``punch_source_not_allowed``.
4. A person's own punch (doors ``web`` and ``api``: self-service):
   a. the location must accept that door, else ``punch_source_not_allowed``;
   b. the client's address must be in the location's networks (when it has any), else
      ``punch_network_not_allowed``;
   c. it is stamped with the server's time: a person never chooses the time of their own
      punch. A time given with it may differ from the server's by at most
      ``SELF_SERVICE_TOLERANCE`` (clock skew, request latency), else ``punch_time_not_allowed``;
      within the tolerance the server's time is stored;
   d. where the location has a geofence, the phone's position must satisfy it
      (attendance.geofence: ``punch_outside_geofence``, ``punch_position_required``,
      ``punch_position_inaccurate``, or accepted and flagged under the ``flag`` policy).
   Administrators punching for themselves are a person punching too: rule 4 applies.
5. Anyone else punching for someone else: ``punch_source_not_allowed`` (the access helper
   already answers 403 before this; the policy does not trust its callers to have asked).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from attendance import geofence as geo
from etime.core.networks import Network, address_allowed

SELF_SERVICE_TOLERANCE = timedelta(minutes=2)

SOURCE_NOT_ALLOWED = "punch_source_not_allowed"
NETWORK_NOT_ALLOWED = "punch_network_not_allowed"
TIME_NOT_ALLOWED = "punch_time_not_allowed"



class Door(StrEnum):
    DEVICE = "device"
    WEB = "web"
    API = "api"
    MANUAL = "manual"
    CORRECTION = "correction"


SELF_SERVICE_DOORS = frozenset({Door.WEB, Door.API})


@dataclass(frozen=True)
class LocationRules:
    """What the person's location accepts. No location: every door, from anywhere."""

    doors: frozenset[Door] = frozenset({Door.DEVICE, Door.WEB, Door.API})
    networks: tuple[Network, ...] = ()
    fence: geo.Fence | None = None


@dataclass(frozen=True)
class Attempt:
    door: Door
    for_self: bool  # the actor is the person the punch is for
    by_admin: bool
    timestamp: datetime | None = None  # the time asked for (None: now)
    address: str | None = None  # the client's address (self-service doors)
    position: geo.Position | None = None  # the phone's position (self-service doors)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    timestamp: datetime | None = None  # the time to store, when allowed
    code: str = ""
    rule: str = ""  # which rule decided, e.g. "4b"
    reason: str = ""  # for the audit trail and the error's details (never shown as a message)
    geofence: geo.Verdict = geo.NO_FENCE  # rule 4d's answer (what to store with the punch)


def _allow(rule: str, timestamp: datetime | None) -> Decision:
    return Decision(True, timestamp=timestamp, rule=rule)


def _refuse(rule: str, code: str, reason: str) -> Decision:
    return Decision(False, code=code, rule=rule, reason=reason)


def decide(attempt: Attempt, rules: LocationRules, now: datetime) -> Decision:
    """The policy's answer for one punch (see the module docstring for the rules)."""
    door = attempt.door
    if door == Door.DEVICE:
        if Door.DEVICE not in rules.doors:
            return _refuse("1", SOURCE_NOT_ALLOWED, "the location does not accept time clock punches")
        return _allow("1", attempt.timestamp)
    if door == Door.CORRECTION:
        return _allow("2", attempt.timestamp or now)
    if door == Door.MANUAL or (not attempt.for_self and attempt.by_admin):
        if not attempt.by_admin:
            return _refuse("3", SOURCE_NOT_ALLOWED, "only administrators enter punches by hand")
        return _allow("3", attempt.timestamp or now)
    if not attempt.for_self:
        return _refuse("5", SOURCE_NOT_ALLOWED, "only administrators punch for someone else")
    if door not in SELF_SERVICE_DOORS or door not in rules.doors:
        return _refuse("4a", SOURCE_NOT_ALLOWED, f"the location does not accept {door} punches")
    if not address_allowed(attempt.address, rules.networks):
        return _refuse(
            "4b", NETWORK_NOT_ALLOWED, f"{attempt.address or 'an unknown address'} is outside the location's networks"
        )
    if attempt.timestamp is not None and abs(attempt.timestamp - now) > SELF_SERVICE_TOLERANCE:
        return _refuse("4c", TIME_NOT_ALLOWED, "a person's own punch takes the server's time")
    verdict = geo.check(rules.fence, attempt.position)
    if not verdict.allowed:
        return _refuse("4d", verdict.code, verdict.reason)
    return Decision(True, timestamp=now, rule="4d" if rules.fence else "4c", geofence=verdict)
