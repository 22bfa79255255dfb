"""Acting on behalf of others (issue #18): every API write route that names a person in its
body, tried by an employee, two managers and an admin, for each person of the company and for
an id that does not exist. The answer comes from one helper (etime.core.access.person_for):

- a person the caller may act for: past authorization (any answer but a denial);
- a person the caller may see but not act for in this way: 403;
- a person the caller may not see: exactly the answer a random id gets (no existence leak,
  no name), a 400 on the field or a 404;
- a denial writes nothing (no audit event).

Personas (conftest ``people``): alice and amir (employees of bob's team), dave (mona's team),
bob and mona (managers; carla manages bob), the admin (no employee record).
Each request runs in a savepoint that is rolled back, so every try meets the same world.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from tests.security.world import build_world

pytestmark = pytest.mark.postgres

PERSONAS = ("alice", "bob", "mona", "admin")
TARGETS = ("alice", "amir", "dave", "bob", "nobody")
RANDOM = "5d0c2d3e-0000-4000-8000-000000000000"

# Whom each persona may see (accounts.selectors), manage (their reports), or name in a swap.
SEES = {"alice": {"alice"}, "bob": {"bob", "alice", "amir"}, "mona": {"mona", "dave"}, "admin": {*TARGETS} - {"nobody"}}
MANAGES = {"alice": set(), "bob": {"alice", "amir"}, "mona": {"dave"}, "admin": {*TARGETS} - {"nobody"}}
TEAM = {"alice": {"alice", "amir", "bob"}, "bob": {"alice", "amir", "bob"}, "mona": {"mona", "dave"}, "admin": set()}


def act_as(persona: str, target: str) -> bool:
    return target == persona or persona == "admin"


def manage_or_self(persona: str, target: str) -> bool:
    return target in MANAGES[persona] or target == persona


def view(persona: str, target: str) -> bool:
    return target in SEES[persona]


def swap_partner(persona: str, target: str) -> bool:
    return target != persona and (target in SEES[persona] or target in TEAM[persona])


@dataclass(frozen=True)
class Route:
    field: str
    rule: Callable[[str, str], bool]
    body: Callable[[str], dict[str, Any]]
    multipart: bool = False
    personas: tuple[str, ...] = PERSONAS


def _when() -> str:
    return timezone.now().isoformat()


ROUTES: dict[str, Route] = {
    "POST /api/v1/punches/": Route(
        "employee", act_as, lambda t: {"employee": t, "direction": "in", "timestamp": _when()}
    ),
    "POST /api/v1/leave-requests/": Route(
        "employee",
        act_as,
        lambda t: {"employee": t, "leave_type": "VAC", "start_date": "2030-07-08", "end_date": "2030-07-08"},
    ),
    "POST /api/v1/regularisations/": Route(
        "employee",
        manage_or_self,
        lambda t: {
            "employee": t,
            "date": "2030-09-02",
            "reason": "x",
            "items": [{"timestamp": "2030-09-02T09:00:00+02:00"}],
        },
    ),
    "POST /api/v1/shift-swaps/ (requester)": Route(
        "requester", manage_or_self, lambda t: {"requester": t, "counterpart": "@amir", "date": "2030-09-02"}
    ),
    # The admin persona has no employee record: no swap of their own to offer.
    "POST /api/v1/shift-swaps/ (counterpart)": Route(
        "counterpart",
        swap_partner,
        lambda t: {"counterpart": t, "date": "2030-09-02"},
        personas=("alice", "bob", "mona"),
    ),
    "POST /api/v1/schedule-assignments/": Route(
        "employee",
        lambda p, t: t in MANAGES[p],
        lambda t: {"employee": t, "schedule": "@schedule", "start_date": "2031-01-01"},
    ),
    "POST /api/v1/shift-overrides/": Route(
        "employee", lambda p, t: t in MANAGES[p], lambda t: {"employee": t, "date": "2030-09-03", "shift": None}
    ),
    "POST /api/v1/attendance/recompute/": Route(
        "employee", view, lambda t: {"employee": t, "date_from": "2026-03-02", "date_to": "2026-03-02"}
    ),
    "POST /api/v1/time-entries/": Route(
        "employee",
        view,
        lambda t: {
            "employee": t,
            "project": "@project",
            "start": "2026-02-04T08:00:00+01:00",
            "end": "2026-02-04T09:00:00+01:00",
        },
    ),
    "POST /api/v1/time-entries/import/": Route(
        "employee", view, lambda t: {"employee": t, "dry_run": "true"}, multipart=True
    ),
}


def _resolve(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str) and value.startswith("@"):
        return ids[value[1:]]
    if isinstance(value, str) and value in ids:
        return ids[value]
    return value


def _audits_besides_refusals() -> int:
    from etime.core.models import AuditEvent

    return AuditEvent.objects.exclude(action="punch.refused").count()


def _call(client: Any, path: str, route: Route, target: str, ids: dict[str, str]) -> Any:
    body = {k: _resolve(v, ids) for k, v in route.body(target).items()}
    if route.multipart:
        upload = io.BytesIO(b"date,start,end,project,description\n")
        upload.name = "entries.csv"
        return client.post(path, {**body, "file": upload}, format="multipart")
    return client.post(path, body, format="json")


def _field_denial(response: Any, field: str) -> bool:
    if response.status_code == 404:
        return True
    if response.status_code != 400:
        return False
    return field in response.json()["error"]["details"]


def _normalised(response: Any, target_id: str) -> tuple[int, str]:
    return response.status_code, response.content.decode().replace(target_id, "<id>")


def _may_name(route: Route, persona: str, target: str) -> bool:
    """Whom the route lets the caller name at all (others get the unknown-person answer): the
    people they see; for a swap's counterpart, their colleagues too, and never themselves."""
    if route.rule is swap_partner:
        return swap_partner(persona, target)
    return target in SEES[persona]


@pytest.fixture
def world(people: Any) -> dict[str, Any]:
    return build_world(people)


def test_every_route_acting_for_someone_asks_the_one_helper(
    people: Any, world: dict[str, Any], token_client: Any
) -> None:
    ids = {name: str(getattr(people, name).pk) for name in TARGETS if name != "nobody"}
    ids |= {"nobody": RANDOM, "schedule": str(world["schedule"].pk), "project": str(world["project"].pk)}
    users = {p: (people.admin if p == "admin" else getattr(people, p).user) for p in PERSONAS}
    clients = {p: token_client(users[p]) for p in PERSONAS}
    problems: list[str] = []
    for key, route in ROUTES.items():
        path = key.split(" ")[1]
        for persona in route.personas:
            answers: dict[str, Any] = {}
            for target in TARGETS:
                with transaction.atomic():
                    before = _audits_besides_refusals()
                    response = _call(clients[persona], path, route, target, ids)
                    wrote = _audits_besides_refusals() - before
                    transaction.set_rollback(True)
                answers[target] = response
                status = response.status_code
                label = f"{key} as {persona} for {target}: {status} {response.content[:240]!r}"
                if status >= 500:
                    problems.append(f"{label} (server error)")
                    continue
                allowed = target != "nobody" and route.rule(persona, target)
                if allowed:
                    if status in (401, 403) or _field_denial(response, route.field):
                        problems.append(f"{label}: expected past authorization")
                    continue
                if wrote:
                    problems.append(f"{label}: denied, yet wrote {wrote} audit event(s)")
                visible = _may_name(route, persona, target)
                if visible and status != 403:
                    problems.append(f"{label}: expected 403 for a person the caller sees")
                if not visible and not _field_denial(response, route.field):
                    problems.append(f"{label}: expected the unknown-person answer")
            unknown = _normalised(answers["nobody"], RANDOM)
            for target in TARGETS:
                hidden = not _may_name(route, persona, target)
                if target != "nobody" and hidden and _normalised(answers[target], ids[target]) != unknown:
                    problems.append(
                        f"{key} as {persona}: {target} (invisible) answers {_normalised(answers[target], ids[target])}, "
                        f"an unknown id {unknown}"
                    )
    assert not problems, "\n".join(problems)


def test_a_leave_request_for_an_invisible_employee_answers_like_an_unknown_one(people: Any, token_client: Any) -> None:
    """The finding: 'Unknown employee.' for existing ids, another text for random ones."""
    from leave.models import LeaveType

    LeaveType.objects.create(code="VAC", name="Vacation")
    alice = token_client(people.alice.user)
    body = {"leave_type": "VAC", "start_date": "2030-07-08", "end_date": "2030-07-08"}
    invisible = alice.post("/api/v1/leave-requests/", {**body, "employee": str(people.dave.pk)}, format="json")
    unknown = alice.post("/api/v1/leave-requests/", {**body, "employee": str(uuid.uuid4())}, format="json")
    assert invisible.status_code == unknown.status_code == 400
    assert invisible.json() == unknown.json()
    assert "Dave" not in invisible.content.decode()


def test_a_swap_with_another_managers_team_is_refused_without_naming_anyone(
    people: Any, world: dict[str, Any], token_client: Any
) -> None:
    """The finding: any employee was accepted as counterpart, and a date outside their
    employment answered with their full name."""
    from attendance.models import ShiftSwapRequest

    alice = token_client(people.alice.user)
    before = ShiftSwapRequest.objects.count()
    other_team = alice.post(
        "/api/v1/shift-swaps/", {"counterpart": str(people.dave.pk), "date": "2030-09-02"}, format="json"
    )
    unknown = alice.post("/api/v1/shift-swaps/", {"counterpart": RANDOM, "date": "2030-09-02"}, format="json")
    assert other_team.status_code == 400 and other_team.json() == unknown.json()
    assert ShiftSwapRequest.objects.count() == before
    people.amir.end_date = timezone.localdate().replace(year=2029)
    people.amir.save(update_fields=["end_date"])
    gone = alice.post("/api/v1/shift-swaps/", {"counterpart": str(people.amir.pk), "date": "2030-09-02"}, format="json")
    assert "Amir" not in gone.content.decode() and "Adept" not in gone.content.decode()
