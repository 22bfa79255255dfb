"""A fuzzing pass over the punch and swap routes as each persona (issue #18): Hypothesis draws
the body (whom for, which time, which counterpart, odd values), the client's address and the
location's punch policy; every answer must be a documented one (no 5xx, errors in the
envelope), and a success must be one the rules allow: **0 unexpected successes**.

The expectation is written from the rules (docs/SECURITY.md "The punch policy" and "Acting
on behalf of others"), not from the code: a 201 is expected only for

- a punch: an admin recording it for someone else; or the person's own punch, at the
  server's time (no timestamp, or within two minutes), through a door and from a network
  the location accepts — and then the stored time is the server's;
- a swap: a requester who is the caller or someone they manage, and a counterpart the caller
  may name (whom they see, or a colleague) who could swap (same department, or someone the
  actor manages).

``ETIME_PUNCH_FUZZ_EXAMPLES`` (default 80) bounds the examples per route.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.security.world import build_world

pytestmark = pytest.mark.postgres

EXAMPLES = int(os.environ.get("ETIME_PUNCH_FUZZ_EXAMPLES", "80"))
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=ZoneInfo("Europe/Zurich"))
PERSONAS = ("alice", "bob", "mona", "admin")
PEOPLE = ("alice", "amir", "bob", "dave", "mona", "carla")
SEES = {
    "alice": {"alice"},
    "bob": {"bob", "alice", "amir"},
    "mona": {"mona", "dave"},
    "admin": set(PEOPLE),
}
MANAGES = {"alice": set(), "bob": {"alice", "amir"}, "mona": {"dave"}, "admin": set(PEOPLE)}
DEPARTMENT = {"alice": "ENG", "amir": "ENG", "bob": "ENG", "carla": "ENG", "dave": "SAL", "mona": "SAL"}
OFFICE, OUTSIDE = "192.0.2.10", "198.51.100.7"
# The Zurich location's geofence (issue #20): a 100 m circle; positions the phone may send.
FENCE_LAT, FENCE_LON = 47.378177, 8.540192
POSITIONS: dict[str, dict[str, Any]] = {
    "inside": {"latitude": FENCE_LAT + 0.0003, "longitude": FENCE_LON, "accuracy_m": 10},  # ~33 m north
    "outside": {"latitude": FENCE_LAT + 0.01, "longitude": FENCE_LON, "accuracy_m": 10},  # ~1.1 km north
    "imprecise": {"latitude": FENCE_LAT, "longitude": FENCE_LON, "accuracy_m": 5000},
    "partial": {"latitude": FENCE_LAT},
}
ODD = st.sampled_from(["", "x", "0", "null", "5d0c2d3e-0000-4000-8000-000000000000", "../", "'; --", "9" * 40])


def person_value() -> Any:
    return st.one_of(st.none(), st.sampled_from(PEOPLE), ODD)


def timestamp_value() -> Any:
    offsets = st.sampled_from([0, 30, -90, 119, -121, 600, -3600, -86400 * 21, 86400 * 2, -86400 * 400])
    return st.one_of(
        st.none(),
        offsets.map(lambda s: ("offset", s)),
        st.sampled_from(["2026-03-10T10:00:00", "yesterday", "", "2026-13-40T99:00:00+01:00", "1950-01-01T08:00:00Z"]),
    )


def _ids(people: Any) -> dict[str, str]:
    return {name: str(getattr(people, name).pk) for name in PEOPLE}


def _value(value: Any, ids: dict[str, str]) -> Any:
    return ids.get(value, value) if isinstance(value, str) else value


def _client(people: Any, token_client: Any, persona: str) -> Any:
    return token_client(people.admin if persona == "admin" else getattr(people, persona).user)


@pytest.fixture
def fuzz_world(people: Any, settings: Any) -> dict[str, Any]:
    settings.DEBUG = False
    with time_machine.travel(NOW, tick=False):
        return build_world(people)


def _problem(response: Any) -> str | None:
    if response.status_code >= 500:
        return f"server error {response.status_code}"
    if response.status_code >= 400:
        try:
            error = response.json()["error"]
        except (ValueError, KeyError, TypeError):
            return "an error without the envelope"
        if not error.get("code"):
            return "an error without a code"
    return None


def test_punch_route_fuzz_has_no_unexpected_success(fuzz_world: Any, people: Any, token_client: Any) -> None:
    from accounts.models import Location
    from attendance.models import Punch

    ids = _ids(people)
    clients = {p: _client(people, token_client, p) for p in PERSONAS}
    location = Location.objects.get(name="Zurich")
    tally = {"requests": 0, "successes": 0}

    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        persona=st.sampled_from(PERSONAS),
        employee=person_value(),
        timestamp=timestamp_value(),
        direction=st.one_of(st.none(), st.sampled_from(["in", "out", "unknown", "sideways"])),
        address=st.sampled_from([OFFICE, OUTSIDE]),
        networks=st.booleans(),
        api_door=st.booleans(),
        fence=st.sampled_from(["off", "require", "flag"]),
        position=st.sampled_from([None, "inside", "outside", "imprecise", "partial"]),
    )
    # The findings of issue #18, always tried: her own punch three weeks back; from outside the
    # location's networks; through a door the location closed; for a colleague.
    @example(
        persona="alice",
        employee=None,
        timestamp=("offset", -86400 * 21),
        direction="out",
        address=OFFICE,
        networks=False,
        api_door=True,
        fence="off",
        position=None,
    )
    @example(
        persona="alice",
        employee="alice",
        timestamp=None,
        direction="in",
        address=OUTSIDE,
        networks=True,
        api_door=True,
        fence="off",
        position=None,
    )
    # issue #20: her own punch from outside a required geofence, or with no position
    @example(
        persona="alice",
        employee=None,
        timestamp=None,
        direction="in",
        address=OFFICE,
        networks=False,
        api_door=True,
        fence="require",
        position="outside",
    )
    @example(
        persona="alice",
        employee=None,
        timestamp=None,
        direction="in",
        address=OFFICE,
        networks=False,
        api_door=True,
        fence="require",
        position=None,
    )
    @example(
        persona="bob",
        employee=None,
        timestamp=None,
        direction="in",
        address=OFFICE,
        networks=False,
        api_door=False,
        fence="off",
        position=None,
    )
    @example(
        persona="bob",
        employee="alice",
        timestamp=None,
        direction="in",
        address=OFFICE,
        networks=False,
        api_door=True,
        fence="off",
        position=None,
    )
    def fuzz(
        persona: str,
        employee: Any,
        timestamp: Any,
        direction: Any,
        address: str,
        networks: bool,
        api_door: bool,
        fence: str,
        position: Any,
    ) -> None:
        body: dict[str, Any] = dict(POSITIONS[position]) if position else {}
        if employee is not None:
            body["employee"] = _value(employee, ids)
        asked = None
        if isinstance(timestamp, tuple):
            asked = NOW + timedelta(seconds=timestamp[1])
            body["timestamp"] = asked.isoformat()
        elif timestamp is not None:
            body["timestamp"] = timestamp
        if direction is not None:
            body["direction"] = direction
        with transaction.atomic():
            Location.objects.filter(pk=location.pk).update(
                allowed_networks="192.0.2.0/24" if networks else "",
                punch_from_api=api_door,
                geofence_policy=fence,
                geofence_latitude=FENCE_LAT,
                geofence_longitude=FENCE_LON,
                geofence_radius_m=100,
            )
            before = set(Punch.objects.values_list("pk", flat=True))
            response = clients[persona].post("/api/v1/punches/", body, format="json", REMOTE_ADDR=address)
            created = list(Punch.objects.exclude(pk__in=before))
            transaction.set_rollback(True)
        tally["requests"] += 1
        label = (
            f"POST /api/v1/punches/ {body!r} as {persona} from {address} (networks={networks}, api={api_door}, "
            f"fence={fence})"
        )
        problem = _problem(response)
        assert problem is None, f"{label}: {problem} {response.content[:300]!r}"
        if response.status_code != 201:
            assert not created, f"{label}: {response.status_code} yet stored a punch"
            return
        tally["successes"] += 1
        target = employee if employee in PEOPLE else (None if employee is None else "?")
        own = target is None or target == persona
        body_ok = (
            direction in (None, "in", "out", "unknown")
            and (timestamp is None or isinstance(timestamp, tuple))
            and position != "partial"
        )
        if persona == "admin" and target in PEOPLE:
            expected = body_ok
        else:
            on_time = asked is None or abs(asked - NOW) <= timedelta(minutes=2)
            on_site = fence != "require" or position == "inside"
            expected = (
                own
                and persona != "admin"
                and body_ok
                and api_door
                and (not networks or address == OFFICE)
                and on_time
                and on_site
            )
        assert expected, f"{label}: unexpected success {response.content[:300]!r}"
        assert len(created) == 1
        if own and persona != "admin":
            assert created[0].timestamp == NOW, f"{label}: stored {created[0].timestamp}, not the server's time"

    with time_machine.travel(NOW, tick=False):
        fuzz()
    assert tally["requests"] == EXAMPLES or tally["requests"] > 0


def test_swap_route_fuzz_has_no_unexpected_success(fuzz_world: Any, people: Any, token_client: Any) -> None:
    from attendance.models import ShiftSwapRequest

    ids = _ids(people)
    clients = {p: _client(people, token_client, p) for p in PERSONAS}

    def nameable(persona: str, target: str) -> bool:
        return target != persona and (target in SEES[persona] or DEPARTMENT.get(target) == DEPARTMENT.get(persona))

    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        persona=st.sampled_from(PERSONAS),
        requester=person_value(),
        counterpart=person_value(),
        day=st.one_of(
            st.sampled_from(["2026-06-01", "2026-03-16", "2026-03-17", "2030-01-07", "1900-01-01", "x"]), st.none()
        ),
    )
    @example(persona="alice", requester=None, counterpart="dave", day="2026-03-16")  # another manager's team
    @example(persona="bob", requester="alice", counterpart="dave", day="2026-03-16")
    @example(persona="alice", requester="amir", counterpart="bob", day="2026-03-16")  # in a colleague's name
    def fuzz(persona: str, requester: Any, counterpart: Any, day: Any) -> None:
        body: dict[str, Any] = {}
        for name, value in (("requester", requester), ("counterpart", counterpart), ("date", day)):
            if value is not None:
                body[name] = _value(value, ids)
        with transaction.atomic():
            before = ShiftSwapRequest.objects.count()
            response = clients[persona].post("/api/v1/shift-swaps/", body, format="json")
            created = ShiftSwapRequest.objects.count() - before
            transaction.set_rollback(True)
        label = f"POST /api/v1/shift-swaps/ {body!r} as {persona}"
        problem = _problem(response)
        assert problem is None, f"{label}: {problem} {response.content[:300]!r}"
        if response.status_code != 201:
            assert created == 0, f"{label}: {response.status_code} yet stored a swap"
            return
        who = persona if requester is None else requester
        requester_ok = who in PEOPLE and (who == persona or who in MANAGES[persona])
        counterpart_ok = (
            counterpart in PEOPLE
            and counterpart != who
            and nameable(persona, counterpart)
            and (DEPARTMENT[counterpart] == DEPARTMENT.get(who) or counterpart in MANAGES[persona])
        )
        assert requester_ok and counterpart_ok, f"{label}: unexpected success {response.content[:300]!r}"

    with time_machine.travel(NOW, tick=False):
        fuzz()
