"""Geofenced clock-in (issue #20): the rule's table at the radius boundary, the punch policy's
rule 4d, then the API and the web clock through real requests (refused: nothing stored,
audited; accepted: the position, distance and flag stored and shown to the manager)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from attendance.geofence import EARTH_RADIUS_M, Fence, Policy, Position, Status, check, distance_m
from attendance.models import Punch
from attendance.punch_policy import Attempt, Door, LocationRules, decide
from etime.core.models import AuditEvent

# Zurich main station; north of it along the meridian, haversine distance is R·Δφ exactly.
LAT, LON = 47.378177, 8.540192
M_PER_DEGREE = math.pi * EARTH_RADIUS_M / 180
RADIUS, MAX_ACCURACY = 100.0, 50.0
NOW = datetime(2026, 3, 24, 9, 0, tzinfo=UTC)


def north(metres: float, accuracy: float = 10.0) -> Position:
    return Position(LAT + metres / M_PER_DEGREE, LON, accuracy)


def fence(policy: Policy) -> Fence:
    return Fence(LAT, LON, RADIUS, policy, MAX_ACCURACY)


@pytest.mark.embedded
def test_haversine_distances() -> None:
    assert distance_m(0, 0, 0, 1) == pytest.approx(M_PER_DEGREE)
    assert distance_m(LAT, LON, north(250).latitude, LON) == pytest.approx(250, abs=1e-6)
    # Zurich HB to Geneva Cornavin: 224 km on the sphere.
    assert distance_m(LAT, LON, 46.210208, 6.142452) / 1000 == pytest.approx(224.2, abs=0.5)


# (policy, position) -> (allowed, status, flagged, code)
TABLE = [
    (Policy.OFF, None, (True, None, False, "")),
    (Policy.OFF, north(5000), (True, None, False, "")),
    (Policy.REQUIRE, north(80), (True, Status.INSIDE, False, "")),
    # the margin: radius + the position's accuracy (10 m)
    (Policy.REQUIRE, north(109.5), (True, Status.INSIDE, False, "")),
    (Policy.REQUIRE, north(110.5), (False, Status.OUTSIDE, False, "punch_outside_geofence")),
    (Policy.REQUIRE, north(149.5, accuracy=50), (True, Status.INSIDE, False, "")),
    (Policy.REQUIRE, north(0, accuracy=50.5), (False, Status.UNKNOWN, False, "punch_position_inaccurate")),
    (Policy.REQUIRE, None, (False, Status.UNKNOWN, False, "punch_position_required")),
    (Policy.FLAG, north(80), (True, Status.INSIDE, False, "")),
    (Policy.FLAG, north(110.5), (True, Status.OUTSIDE, True, "")),
    (Policy.FLAG, north(0, accuracy=500), (True, Status.UNKNOWN, True, "")),
    (Policy.FLAG, None, (True, Status.UNKNOWN, True, "")),
]


@pytest.mark.embedded
@pytest.mark.parametrize(("policy", "position", "expected"), TABLE)
def test_the_geofence_table(policy: Policy, position: Position | None, expected: tuple[Any, ...]) -> None:
    verdict = check(fence(policy), position)
    assert (verdict.allowed, verdict.status, verdict.flagged, verdict.code) == expected


@pytest.mark.embedded
@pytest.mark.parametrize("bad", [(91, 0, 5), (0, 181, 5), (0, 0, -1), (0, 0, float("nan")), (0, 0, float("inf"))])
def test_a_position_out_of_range_is_no_position(bad: tuple[float, float, float]) -> None:
    with pytest.raises(ValueError):
        Position(*bad)


@pytest.mark.embedded
def test_rule_4d_applies_to_a_persons_own_punches_only() -> None:
    rules = LocationRules(fence=fence(Policy.REQUIRE))
    own = decide(Attempt(Door.WEB, for_self=True, by_admin=False, position=north(500)), rules, NOW)
    assert (own.allowed, own.code, own.rule) == (False, "punch_outside_geofence", "4d")
    inside = decide(Attempt(Door.API, for_self=True, by_admin=False, position=north(20)), rules, NOW)
    assert (inside.allowed, inside.rule, inside.geofence.status, inside.timestamp) == (True, "4d", Status.INSIDE, NOW)
    # an administrator recording a punch for someone else (rule 3) is not where the person is
    for_other = decide(Attempt(Door.API, for_self=False, by_admin=True, timestamp=NOW), rules, NOW)
    assert for_other.allowed and for_other.geofence.status is None
    clock = decide(Attempt(Door.DEVICE, for_self=False, by_admin=False, timestamp=NOW), rules, NOW)
    assert clock.allowed and clock.geofence.status is None


# --- Through real requests ---------------------------------------------------------------------


def _fence_location(person: Any, policy: str) -> Any:
    location = person.location
    location.geofence_policy = policy
    location.geofence_latitude = Decimal(str(LAT))
    location.geofence_longitude = Decimal(str(LON))
    location.geofence_radius_m = int(RADIUS)
    location.full_clean()
    location.save()
    return location


def _body(position: Position | None) -> dict[str, Any]:
    if position is None:
        return {"direction": "in"}
    return {
        "direction": "in",
        "latitude": position.latitude,
        "longitude": position.longitude,
        "accuracy_m": position.accuracy_m,
    }


def _refusals(code: str) -> int:
    return AuditEvent.objects.filter(action="punch.refused", after__code=code).count()


# (policy, position) -> (HTTP status, code, stored geofence, flagged)
API_TABLE = [
    ("off", north(5000), (201, "", "", False)),
    ("require", north(109.5), (201, "", "inside", False)),
    ("require", north(110.5), (403, "punch_outside_geofence", None, None)),
    ("require", None, (403, "punch_position_required", None, None)),
    ("require", north(0, accuracy=120), (403, "punch_position_inaccurate", None, None)),
    ("flag", north(110.5), (201, "", "outside", True)),
    ("flag", None, (201, "", "unknown", True)),
    ("flag", north(0, accuracy=120), (201, "", "unknown", True)),
]


@pytest.mark.parametrize(("policy", "position", "expected"), API_TABLE)
def test_the_api_punch_meets_the_geofence(
    people: Any, token_client: Any, settings: Any, policy: str, position: Position | None, expected: tuple[Any, ...]
) -> None:
    settings.ETIME_GEOFENCE_MAX_ACCURACY_M = 100
    _fence_location(people.alice, policy)
    status, code, stored, flagged = expected
    response = token_client(people.alice.user).post("/api/v1/punches/", _body(position), format="json")
    assert response.status_code == status, response.content
    if code:
        assert response.json()["error"]["code"] == code
        assert not Punch.objects.exists()
        assert _refusals(code) == 1
        refusal = AuditEvent.objects.get(action="punch.refused")
        assert "latitude" not in str(refusal.after) and str(LAT)[:6] not in str(refusal.after)  # not kept
        return
    punch = Punch.objects.get(employee=people.alice)
    assert (punch.geofence, punch.geofence_flagged) == (stored, flagged)
    data = response.json()
    assert (data["geofence"], data["geofence_flagged"]) == (stored, flagged)
    if stored and position is not None:
        assert (punch.latitude, punch.longitude, punch.accuracy_m) == (
            position.latitude,
            position.longitude,
            position.accuracy_m,
        )
        assert punch.geofence_distance_m == pytest.approx(
            distance_m(LAT, LON, position.latitude, position.longitude), abs=0.1
        )
    else:
        assert punch.latitude is None and punch.longitude is None  # off, or no usable position sent


def test_an_admin_punch_for_someone_else_keeps_no_position(people: Any, token_client: Any) -> None:
    _fence_location(people.alice, "require")
    body = {**_body(north(5000)), "employee": str(people.alice.pk)}
    response = token_client(people.admin).post("/api/v1/punches/", body, format="json")
    assert response.status_code == 201, response.content
    punch = Punch.objects.get(employee=people.alice)
    assert punch.geofence == "" and punch.latitude is None


@pytest.mark.parametrize(
    "body",
    [{"latitude": 47.3}, {"latitude": 47.3, "longitude": 8.5}, {"latitude": 95, "longitude": 8.5, "accuracy_m": 5}],
)
def test_a_partial_or_impossible_position_is_a_validation_error(
    people: Any, token_client: Any, body: dict[str, Any]
) -> None:
    _fence_location(people.alice, "flag")
    response = token_client(people.alice.user).post("/api/v1/punches/", {"direction": "in", **body}, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "validation_error", response.content
    assert not Punch.objects.exists()


@pytest.mark.embedded
def test_the_web_clock_refuses_outside_and_flags_as_the_location_says(people: Any) -> None:
    browser = Client()
    browser.force_login(people.alice.user)
    location = _fence_location(people.alice, "require")
    home = browser.get("/").content.decode()
    assert 'data-geofence="require"' in home and "js/geofence.js" in home
    outside = {k: str(v) for k, v in _body(north(400)).items()}
    page = browser.post("/attendance/punch/", {**outside, "next": "home"}, follow=True).content.decode()
    assert "You are not at your work location" in page
    assert not Punch.objects.exists() and _refusals("punch_outside_geofence") == 1
    page = browser.post("/attendance/punch/", {"direction": "in"}, follow=True).content.decode()
    assert "needs your position" in page and not Punch.objects.exists()
    location.geofence_policy = "flag"
    location.save()
    page = browser.post("/attendance/punch/", outside, follow=True).content.decode()
    assert "flagged for your manager" in page
    punch = Punch.objects.get(employee=people.alice)
    assert (punch.source, punch.geofence, punch.geofence_flagged) == ("web", "outside", True)
    assert punch.geofence_distance_m == pytest.approx(400, abs=0.5)
    # her manager sees the flagged punch with its position on her month
    manager = Client()
    manager.force_login(people.bob.user)
    # Her month, in her zone (the member page's range): near midnight UTC it may be the next one.
    month = punch.timestamp.astimezone(ZoneInfo(people.alice.effective_time_zone)).strftime("%Y-%m")
    member = manager.get(f"/attendance/team/{people.alice.pk}/?month={month}")
    assert member.status_code == 200, member.status_code
    text = member.content.decode()
    assert 'data-testid="located-punch" class="flagged"' in text and "400 m" in text


def test_a_location_without_a_geofence_asks_for_no_position(people: Any) -> None:
    browser = Client()
    browser.force_login(people.alice.user)
    assert "data-geofence" not in browser.get("/").content.decode()
    assert "data-geofence" not in browser.get("/attendance/").content.decode()


def test_a_geofence_policy_needs_its_centre_and_radius(people: Any) -> None:
    location = people.alice.location
    location.geofence_policy = "require"
    with pytest.raises(ValidationError) as caught:
        location.full_clean()
    assert {"geofence_latitude", "geofence_longitude", "geofence_radius_m"} <= set(caught.value.message_dict)
    location.geofence_latitude, location.geofence_longitude, location.geofence_radius_m = (
        Decimal("95"),
        Decimal("8.5"),
        5,
    )
    with pytest.raises(ValidationError) as caught:
        location.full_clean()
    assert {"geofence_latitude", "geofence_radius_m"} == set(caught.value.message_dict)


def test_the_location_admin_shows_the_geofence_with_help(people: Any, admin_client: Any) -> None:
    page = admin_client.get(f"/admin/accounts/location/{people.alice.location.pk}/change/").content.decode()
    for name in ("geofence_policy", "geofence_latitude", "geofence_longitude", "geofence_radius_m"):
        assert f'name="{name}"' in page
    assert "radius plus the position" in page and "Decimal degrees, WGS 84" in page


def test_an_admin_sets_a_locations_geofence_through_the_api(people: Any, token_client: Any) -> None:
    client = token_client(people.admin)
    url = f"/api/v1/locations/{people.alice.location.pk}/"
    refused = client.patch(url, {"geofence_policy": "require"}, format="json")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "validation_error", refused.content
    body = {
        "geofence_policy": "flag",
        "geofence_latitude": "47.378177",
        "geofence_longitude": "8.540192",
        "geofence_radius_m": 150,
    }
    saved = client.patch(url, body, format="json")
    assert saved.status_code == 200, saved.content
    assert {k: saved.json()[k] for k in body} == body
    assert token_client(people.alice.user).patch(url, {"geofence_policy": "off"}, format="json").status_code == 403
