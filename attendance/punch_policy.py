"""The punch policy: may this punch be stored, and at what time? (issue #18, docs/SECURITY.md)

One pure function, ``decide(attempt, rules, now)``, in the shape of attendance/engine.py: its
inputs and ``now`` are arguments; it reads no database and no clock. ``load_rules`` builds the
location's rules from the database, and ``attendance.services.punches.punch_create`` asks
``decide`` for every punch not read from a clock's log, so every door (the web clock, the API,
a kiosk or mobile app when they come, admin entry, imports, approved corrections) meets the
same rules. ``punches_ingest`` (device sync and ADMS push) asks it too, for the device door.

The rules, numbered as docs/SECURITY.md gives them:

1. A registered time clock (door ``device``; a paired kiosk is one too, the person having shown
   badge and PIN): the record's time is the clock's (the server's for a kiosk). Refused with
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
6. A punch queued offline by a registered client device (a person's installed app, door
   ``web``; a kiosk, door ``device``, attendance.services.kiosk), sent when the network returns (``decide_offline``; the device's credential was
   checked before). The device sends the time it recorded and its clock's reading at sync:
   a. the drift (device clock at sync minus server time) must be within the limit
      (``ETIME_OFFLINE_MAX_DRIFT_SECONDS``), else ``offline_drift_too_large``;
   b. the recorded time, corrected by the drift, must lie between the device's last online
      contact and now, else ``offline_time_before_contact`` / ``offline_time_in_future``
      (a device that was online then would have sent it then: a replay or a forgery);
   c. the location must accept the door (``web`` for a person's app), else
      ``punch_source_not_allowed``;
   d. older than ``ETIME_OFFLINE_MAX_AGE_HOURS``, or for a location that accepts punches
      only from its networks or whose geofence requires a position (an offline punch cannot
      show where it was made): not a punch
      but a correction request for the manager to decide (outcome ``correction``);
   otherwise a punch at the corrected time, marked offline with the drift.
   The clock rules a and b also guard an offline timer start or stop (``decide_offline_clock``).
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
OFFLINE_DRIFT_TOO_LARGE = "offline_drift_too_large"
OFFLINE_TIME_BEFORE_CONTACT = "offline_time_before_contact"
OFFLINE_TIME_IN_FUTURE = "offline_time_in_future"


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


# --- Rule 6: punches queued offline -----------------------------------------------------------


@dataclass(frozen=True)
class OfflineClock:
    """What a client device tells about an offline-queued action, and what the server knows
    about the device. ``recorded_at`` and ``device_now`` are readings of the device's clock."""

    recorded_at: datetime
    device_now: datetime
    last_contact_at: datetime | None  # the device's last online contact before this sync
    max_drift: timedelta
    max_age: timedelta


class Outcome(StrEnum):
    PUNCH = "punch"
    CORRECTION = "correction"
    REFUSED = "refused"


@dataclass(frozen=True)
class OfflineDecision:
    outcome: Outcome
    timestamp: datetime | None = None  # the recorded time on the server's clock
    drift_seconds: int = 0  # device clock minus server clock at sync
    code: str = ""
    rule: str = ""
    reason: str = ""


def decide_offline_clock(clock: OfflineClock, now: datetime) -> OfflineDecision:
    """Rules 6a and 6b: is the device's clock believable, and when, on ours, was it recorded?"""
    drift = clock.device_now - now
    drift_seconds = round(drift.total_seconds())
    if abs(drift) > clock.max_drift:
        return OfflineDecision(
            Outcome.REFUSED,
            drift_seconds=drift_seconds,
            code=OFFLINE_DRIFT_TOO_LARGE,
            rule="6a",
            reason=f"the device's clock is {drift_seconds} s off; the limit is "
            f"{round(clock.max_drift.total_seconds())} s",
        )
    stamped = clock.recorded_at - drift
    if stamped > now:
        return OfflineDecision(
            Outcome.REFUSED,
            drift_seconds=drift_seconds,
            code=OFFLINE_TIME_IN_FUTURE,
            rule="6b",
            reason="recorded after the device's own reading of now",
        )
    if clock.last_contact_at is not None and stamped < clock.last_contact_at:
        return OfflineDecision(
            Outcome.REFUSED,
            drift_seconds=drift_seconds,
            code=OFFLINE_TIME_BEFORE_CONTACT,
            rule="6b",
            reason=f"recorded before the device's last contact ({clock.last_contact_at.isoformat()})",
        )
    return OfflineDecision(Outcome.PUNCH, timestamp=stamped, drift_seconds=drift_seconds, rule="6b")


def decide_offline(clock: OfflineClock, door: Door, rules: LocationRules, now: datetime) -> OfflineDecision:
    """Rule 6 for one offline-queued punch of a person's own (see the module docstring)."""
    timed = decide_offline_clock(clock, now)
    if timed.outcome == Outcome.REFUSED:
        return timed
    stamped, drift = timed.timestamp, timed.drift_seconds
    assert stamped is not None  # noqa: S101  (an accepted clock gives a time)
    if door not in rules.doors:
        return OfflineDecision(
            Outcome.REFUSED,
            drift_seconds=drift,
            code=SOURCE_NOT_ALLOWED,
            rule="6c",
            reason=f"the location does not accept {door} punches",
        )
    if now - stamped > clock.max_age:
        return OfflineDecision(
            Outcome.CORRECTION,
            timestamp=stamped,
            drift_seconds=drift,
            rule="6d",
            reason="queued offline longer than the limit",
        )
    if rules.networks:
        return OfflineDecision(
            Outcome.CORRECTION,
            timestamp=stamped,
            drift_seconds=drift,
            rule="6d",
            reason="the location accepts punches only from its networks",
        )
    if rules.fence is not None and rules.fence.policy == geo.Policy.REQUIRE:
        # An offline punch carries no position: where the site requires one, a manager decides.
        return OfflineDecision(
            Outcome.CORRECTION,
            timestamp=stamped,
            drift_seconds=drift,
            rule="6d",
            reason="the location's geofence requires a position",
        )
    return OfflineDecision(Outcome.PUNCH, timestamp=stamped, drift_seconds=drift, rule="6d")
