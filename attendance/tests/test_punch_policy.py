"""The punch policy (issue #18): the pure function's table, then every door through real
requests — the API, the web clock, admin entry, corrections and the device log."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from attendance.models import AttendanceDay, Punch
from attendance.punch_policy import Attempt, Door, LocationRules, decide
from attendance.services import recompute
from attendance.tests.conftest import MONDAY, local
from etime.core.models import AuditEvent

NOW = datetime(2026, 3, 24, 9, 0, tzinfo=UTC)
OPEN = LocationRules()
OFFICE = LocationRules(networks=(ipaddress.ip_network("192.0.2.0/24"),))
NO_API = LocationRules(doors=frozenset({Door.DEVICE, Door.WEB}))
NO_DEVICES = LocationRules(doors=frozenset({Door.WEB, Door.API}))
THREE_WEEKS_AGO = NOW - timedelta(weeks=3)

# (attempt, rules) -> (allowed, code, rule, stored time)
TABLE = [
    # 1. a registered clock: the clock's time, unless the location takes no clock punches
    (
        Attempt(Door.DEVICE, for_self=False, by_admin=False, timestamp=THREE_WEEKS_AGO),
        OPEN,
        (True, "", "1", THREE_WEEKS_AGO),
    ),
    (
        Attempt(Door.DEVICE, for_self=False, by_admin=False, timestamp=NOW),
        NO_DEVICES,
        (False, "punch_source_not_allowed", "1", None),
    ),
    # 2. an approved correction: any time
    (
        Attempt(Door.CORRECTION, for_self=False, by_admin=False, timestamp=THREE_WEEKS_AGO),
        OFFICE,
        (True, "", "2", THREE_WEEKS_AGO),
    ),
    # 3. an admin for someone else, or admin entry: any time, from anywhere
    (
        Attempt(Door.API, for_self=False, by_admin=True, timestamp=THREE_WEEKS_AGO, address="203.0.113.9"),
        OFFICE,
        (True, "", "3", THREE_WEEKS_AGO),
    ),
    (
        Attempt(Door.MANUAL, for_self=True, by_admin=True, timestamp=THREE_WEEKS_AGO),
        NO_API,
        (True, "", "3", THREE_WEEKS_AGO),
    ),
    (
        Attempt(Door.MANUAL, for_self=True, by_admin=False, timestamp=NOW),
        OPEN,
        (False, "punch_source_not_allowed", "3", None),
    ),
    # 4. a person's own punch: the door, the network, the server's time
    (Attempt(Door.API, for_self=True, by_admin=False), NO_API, (False, "punch_source_not_allowed", "4a", None)),
    (
        Attempt(Door.WEB, for_self=True, by_admin=False, address="198.51.100.7"),
        OFFICE,
        (False, "punch_network_not_allowed", "4b", None),
    ),
    (
        Attempt(Door.API, for_self=True, by_admin=False, address=None),
        OFFICE,
        (False, "punch_network_not_allowed", "4b", None),
    ),
    (
        Attempt(Door.API, for_self=True, by_admin=False, address="192.0.2.4", timestamp=THREE_WEEKS_AGO),
        OFFICE,
        (False, "punch_time_not_allowed", "4c", None),
    ),
    (
        Attempt(Door.API, for_self=True, by_admin=False, timestamp=NOW + timedelta(hours=1)),
        OPEN,
        (False, "punch_time_not_allowed", "4c", None),
    ),
    (
        Attempt(Door.API, for_self=True, by_admin=False, address="192.0.2.4", timestamp=NOW - timedelta(seconds=40)),
        OFFICE,
        (True, "", "4c", NOW),
    ),
    (Attempt(Door.WEB, for_self=True, by_admin=False, address="192.0.2.4"), OFFICE, (True, "", "4c", NOW)),
    # an admin's own punch is a person's punch
    (
        Attempt(Door.API, for_self=True, by_admin=True, timestamp=THREE_WEEKS_AGO),
        OPEN,
        (False, "punch_time_not_allowed", "4c", None),
    ),
    # 5. anyone else for someone else
    (
        Attempt(Door.API, for_self=False, by_admin=False, timestamp=NOW),
        OPEN,
        (False, "punch_source_not_allowed", "5", None),
    ),
]


@pytest.mark.parametrize(("attempt", "rules", "expected"), TABLE)
def test_the_policy_table(attempt: Attempt, rules: LocationRules, expected: tuple[Any, ...]) -> None:
    decision = decide(attempt, rules, NOW)
    assert (decision.allowed, decision.code, decision.rule, decision.timestamp) == expected


# --- Through real requests ---------------------------------------------------------------------


def _code(response: Any) -> str:
    return response.json()["error"]["code"]


def _refusals(code: str) -> int:
    return AuditEvent.objects.filter(action="punch.refused", after__code=code).count()


def test_an_employee_cannot_backdate_her_own_api_punch(planned: Any, token_client: Any, clock: Any) -> None:
    """The finding: a final missing_punch day became present with no manager involved."""
    clock("1", MONDAY, "08:58")
    recompute(employee_ids=[planned.alice.pk], date_from=MONDAY, date_to=MONDAY)
    assert AttendanceDay.objects.get(employee=planned.alice, date=MONDAY).status == "missing_punch"
    with time_machine.travel(local(MONDAY + timedelta(weeks=3), "10:00"), tick=False):
        response = token_client(planned.alice.user).post(
            "/api/v1/punches/", {"timestamp": local(MONDAY, "17:20").isoformat(), "direction": "out"}, format="json"
        )
    assert response.status_code == 403 and _code(response) == "punch_time_not_allowed", response.content
    assert not Punch.objects.filter(employee=planned.alice, source="api").exists()
    assert _refusals("punch_time_not_allowed") == 1
    recompute(employee_ids=[planned.alice.pk], date_from=MONDAY, date_to=MONDAY)
    assert AttendanceDay.objects.get(employee=planned.alice, date=MONDAY).status == "missing_punch"


def test_an_api_punch_without_a_time_takes_the_servers(planned: Any, token_client: Any) -> None:
    moment = local(MONDAY, "08:57")
    with time_machine.travel(moment, tick=False):
        response = token_client(planned.alice.user).post("/api/v1/punches/", {"direction": "in"}, format="json")
    assert response.status_code == 201, response.content
    assert Punch.objects.get(employee=planned.alice).timestamp == moment


def test_the_api_enforces_the_locations_networks_like_the_web_clock(planned: Any, token_client: Any) -> None:
    location = planned.alice.location
    location.allowed_networks = "192.0.2.0/24"
    location.save()
    client = token_client(planned.alice.user)
    refused = client.post("/api/v1/punches/", {"direction": "in"}, format="json", REMOTE_ADDR="198.51.100.7")
    assert refused.status_code == 403 and _code(refused) == "punch_network_not_allowed", refused.content
    assert _refusals("punch_network_not_allowed") == 1
    accepted = client.post("/api/v1/punches/", {"direction": "in"}, format="json", REMOTE_ADDR="192.0.2.10")
    assert accepted.status_code == 201
    assert Punch.objects.filter(employee=planned.alice).count() == 1


def test_a_location_may_refuse_api_and_web_punches(planned: Any, token_client: Any) -> None:
    from django.test import Client

    location = planned.alice.location
    location.punch_from_api = False
    location.punch_from_web = False
    location.save()
    refused = token_client(planned.alice.user).post("/api/v1/punches/", {"direction": "in"}, format="json")
    assert refused.status_code == 403 and _code(refused) == "punch_source_not_allowed"
    browser = Client()
    browser.force_login(planned.alice.user)
    page = browser.post("/attendance/punch/", {"direction": "in"}, follow=True)
    assert "not accepted" in page.content.decode()
    assert not Punch.objects.exists()
    assert _refusals("punch_source_not_allowed") == 2


def test_an_admin_records_a_punch_for_someone_at_any_time_and_from_anywhere(planned: Any, token_client: Any) -> None:
    location = planned.alice.location
    location.allowed_networks = "192.0.2.0/24"
    location.punch_from_api = False
    location.save()
    response = token_client(planned.admin).post(
        "/api/v1/punches/",
        {"employee": str(planned.alice.pk), "timestamp": local(MONDAY, "17:00").isoformat(), "direction": "out"},
        format="json",
        REMOTE_ADDR="198.51.100.7",
    )
    assert response.status_code == 201, response.content
    assert Punch.objects.get(employee=planned.alice).timestamp == local(MONDAY, "17:00")


def test_a_manager_corrects_a_past_day_only_through_a_correction(planned: Any, token_client: Any) -> None:
    bob = token_client(planned.bob.user)
    body = {"employee": str(planned.alice.pk), "timestamp": local(MONDAY, "17:00").isoformat()}
    punched = bob.post("/api/v1/punches/", body, format="json")
    assert punched.status_code == 403 and _code(punched) == "acting_not_allowed"
    corrected = bob.post(
        "/api/v1/regularisations/",
        {
            "employee": str(planned.alice.pk),
            "date": MONDAY.isoformat(),
            "reason": "forgot",
            "items": [{"timestamp": local(MONDAY, "17:00").isoformat(), "direction": "out"}],
        },
        format="json",
    )
    assert corrected.status_code == 201, corrected.content
    assert Punch.objects.get(employee=planned.alice).timestamp == local(MONDAY, "17:00")


def test_a_location_without_clocks_gets_no_clock_punches_attributed(planned: Any, clock: Any) -> None:
    location = planned.alice.location
    location.punch_from_devices = False
    location.save()
    result = clock("1", MONDAY, "08:58")
    assert result.created == 1 and result.touched == []
    assert Punch.objects.get().employee_id is None  # stored: a clock's log is a fact
    assert _refusals("punch_source_not_allowed") == 1
