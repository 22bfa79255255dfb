"""Geofenced clock-in in a real Chromium (issue #20): the page asks the browser for its
position (Playwright's context geolocation stands in for the phone's) and sends it with the
punch; inside is accepted with the position stored, outside refused or flagged as the
location's policy says, and a person who will not share the position is refused."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import pytest

from attendance.geofence import EARTH_RADIUS_M
from attendance.models import Punch
from conftest import PASSWORD
from etime.core.models import AuditEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAT, LON = 47.378177, 8.540192
M_PER_DEGREE = math.pi * EARTH_RADIUS_M / 180


def _north(metres: float, accuracy: float = 10) -> dict[str, float]:
    return {"latitude": LAT + metres / M_PER_DEGREE, "longitude": LON, "accuracy": accuracy}


def _clock(page: Any) -> str:
    """Press the home page's clock button; the text of the page it leads to."""
    with page.expect_navigation():
        page.click("[data-testid=attendance-panel] form button[type=submit]")
    return str(page.inner_text("main"))


def test_a_geofenced_location_accepts_inside_and_refuses_or_flags_outside(
    people: Any, browser: Any, live_server: Any
) -> None:
    location = people.alice.location
    location.geofence_policy = "require"
    location.geofence_latitude, location.geofence_longitude = Decimal(str(LAT)), Decimal(str(LON))
    location.geofence_radius_m = 100
    location.save()
    context = browser.new_context(geolocation=_north(30), permissions=["geolocation"], locale="en-GB")
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", "alice@example.com")
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation():
            page.click("main button[type=submit]")
        assert "your position" in page.inner_text("[data-testid=geofence-note]")

        # inside: accepted, the position stored with the punch
        text = _clock(page)
        assert "Clocked in at" in text, text
        punch = Punch.objects.get(employee=people.alice)
        assert (punch.source, punch.direction, punch.geofence, punch.geofence_flagged) == ("web", "in", "inside", False)
        assert punch.latitude == pytest.approx(_north(30)["latitude"], abs=1e-7)
        assert (punch.accuracy_m, round(punch.geofence_distance_m or 0)) == (10, 30)

        # outside: refused, nothing stored, audited
        context.set_geolocation(_north(1000))
        text = _clock(page)
        assert "You are not at your work location" in text, text
        assert Punch.objects.count() == 1
        assert AuditEvent.objects.filter(action="punch.refused", after__code="punch_outside_geofence").count() == 1

        # no permission to read the position: refused under "require"
        context.clear_permissions()
        text = _clock(page)
        assert "needs your position" in text, text
        assert Punch.objects.count() == 1

        # the location flags instead: accepted outside, flagged for the manager
        location.geofence_policy = "flag"
        location.save()
        context.grant_permissions(["geolocation"])
        page.reload()
        text = _clock(page)
        assert "Clocked out at" in text and "flagged for your manager" in text, text
        flagged = Punch.objects.exclude(pk=punch.pk).get()
        assert (flagged.direction, flagged.geofence, flagged.geofence_flagged) == ("out", "outside", True)
        assert round(flagged.geofence_distance_m or 0) == 1000
    finally:
        context.close()
