"""The geofence rule: is a person's own punch made on site? (issue #20, docs/SECURITY.md)

Pure, like attendance/punch_policy.py: ``check(fence, position)`` reads no database, no
clock and no settings. The punch policy asks it for the self-service doors (web clock and
API, rule 4d), so the web page and the API answer alike.

The rule, as docs/SECURITY.md gives it:

- A position is *unknown* when none was sent, or when its reported accuracy (the radius,
  in metres, of the browser's 68 % confidence circle) exceeds the fence's ``max_accuracy_m``
  (``ETIME_GEOFENCE_MAX_ACCURACY_M``, default 100 m).
- A known position is *inside* when its great-circle (haversine) distance to the centre is
  at most ``radius + accuracy``: the person gets the benefit of the doubt the phone reports,
  bounded by ``max_accuracy_m``. Otherwise it is *outside*.
- Policy ``off``: nothing asked, nothing stored. ``require``: inside is accepted; outside is
  refused with ``punch_outside_geofence``, no position with ``punch_position_required``, an
  imprecise one with ``punch_position_inaccurate``. ``flag``: every punch is accepted;
  outside and unknown ones are flagged for the manager.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

EARTH_RADIUS_M = 6_371_008.8  # the mean Earth radius (IUGG), as the haversine formula uses it

OUTSIDE = "punch_outside_geofence"
POSITION_REQUIRED = "punch_position_required"
POSITION_INACCURATE = "punch_position_inaccurate"


class Policy(StrEnum):
    OFF = "off"
    REQUIRE = "require"
    FLAG = "flag"


class Status(StrEnum):
    INSIDE = "inside"
    OUTSIDE = "outside"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Fence:
    latitude: float
    longitude: float
    radius_m: float
    policy: Policy
    max_accuracy_m: float


@dataclass(frozen=True)
class Position:
    latitude: float
    longitude: float
    accuracy_m: float

    def __post_init__(self) -> None:
        if not (-90 <= self.latitude <= 90 and -180 <= self.longitude <= 180):
            raise ValueError("latitude in [-90, 90] and longitude in [-180, 180]")
        if not (math.isfinite(self.accuracy_m) and self.accuracy_m >= 0):
            raise ValueError("accuracy is a finite number of metres, 0 or more")


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    status: Status | None = None  # None: the location has no geofence (nothing to store)
    flagged: bool = False
    distance_m: float | None = None
    code: str = ""  # the refusal's code, when not allowed
    reason: str = ""  # for the audit trail and the error's details

    @property
    def store_position(self) -> bool:
        return self.status is not None


NO_FENCE = Verdict(True)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance in metres (haversine, on a sphere of the mean Earth radius)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def check(fence: Fence | None, position: Position | None) -> Verdict:
    """The geofence's answer for one self-service punch (see the module docstring)."""
    if fence is None or fence.policy == Policy.OFF:
        return NO_FENCE
    flag = fence.policy == Policy.FLAG
    if position is None:
        return Verdict(
            flag, Status.UNKNOWN, flagged=flag, code="" if flag else POSITION_REQUIRED, reason="no position was sent"
        )
    distance = distance_m(fence.latitude, fence.longitude, position.latitude, position.longitude)
    if position.accuracy_m > fence.max_accuracy_m:
        return Verdict(
            flag,
            Status.UNKNOWN,
            flagged=flag,
            distance_m=distance,
            code="" if flag else POSITION_INACCURATE,
            reason=f"accuracy {position.accuracy_m:.0f} m exceeds {fence.max_accuracy_m:.0f} m",
        )
    if distance <= fence.radius_m + position.accuracy_m:
        return Verdict(True, Status.INSIDE, distance_m=distance)
    return Verdict(
        flag,
        Status.OUTSIDE,
        flagged=flag,
        distance_m=distance,
        code="" if flag else OUTSIDE,
        reason=f"{distance:.0f} m from the centre; the fence is {fence.radius_m:.0f} m + {position.accuracy_m:.0f} m accuracy",
    )
