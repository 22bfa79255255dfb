"""Whom an employee may offer a shift swap: the company's swap scope (issue #18, "same team,
or a rule the admin sets"). A counterpart outside the scope gets the answer an unknown id
gets, so a refusal never confirms that someone exists."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.urls import reverse

from attendance.models import ShiftSwapRequest
from attendance.tests.conftest import MONDAY
from etime.ops.models import CompanySettings

Scope = CompanySettings.SwapScope


def _scope(people: Any, scope: str) -> None:
    from etime.ops.company import company_settings_update

    company_settings_update(actor=people.admin, swap_scope=scope)


def _offer(client: Any, counterpart: Any, **extra: Any) -> Any:
    body = {"counterpart": str(getattr(counterpart, "pk", counterpart)), "date": MONDAY.isoformat(), **extra}
    return client.post("/api/v1/shift-swaps/", body, format="json")


@pytest.fixture
def world(planned: Any) -> Any:
    """alice (Engineering, bob's team, Zurich) offers swaps. amir: her team. carla: her
    department, another team, and Basel. dave: Sales, Zurich. Each counterpart is off on
    MONDAY, so there is always something to swap."""
    from accounts.models import Location
    from accounts.services import employee_update
    from attendance.services import override_set

    basel = Location.objects.create(name="Basel", time_zone="Europe/Zurich", country="CH", subdivision="BS")
    employee_update(employee=planned.carla, actor=planned.admin, location=basel)
    for person in (planned.amir, planned.dave):
        override_set(employee=person, day=MONDAY, shift=None, actor=planned.admin)
    return planned


CASES = [
    # scope, counterpart, allowed
    (Scope.TEAM, "amir", True),
    (Scope.TEAM, "carla", False),
    (Scope.TEAM, "dave", False),
    (Scope.DEPARTMENT, "amir", True),
    (Scope.DEPARTMENT, "carla", True),
    (Scope.DEPARTMENT, "dave", False),
    (Scope.LOCATION, "amir", True),
    (Scope.LOCATION, "dave", True),
    (Scope.LOCATION, "carla", False),
    (Scope.COMPANY, "carla", True),
    (Scope.COMPANY, "dave", True),
]


@pytest.mark.parametrize(("scope", "name", "allowed"), CASES)
def test_the_swap_scope_decides_whom_an_employee_may_offer_a_swap(
    world: Any, token_client: Any, scope: str, name: str, allowed: bool
) -> None:
    _scope(world, scope)
    alice = token_client(world.alice.user)
    response = _offer(alice, getattr(world, name))
    if allowed:
        assert response.status_code == 201, response.content
        assert ShiftSwapRequest.objects.get().counterpart == getattr(world, name)
    else:
        unknown = _offer(alice, uuid.uuid4())
        assert unknown.status_code == 400
        assert (response.status_code, response.json()) == (unknown.status_code, unknown.json())
        assert response.json()["error"]["details"] == {"counterpart": ["No employee with this id."]}
        assert not ShiftSwapRequest.objects.exists()


def test_the_default_scope_is_the_department_as_before(world: Any, token_client: Any) -> None:
    from etime.ops.company import company_settings

    assert company_settings().swap_scope == Scope.DEPARTMENT
    alice = token_client(world.alice.user)
    assert _offer(alice, world.dave).status_code == 400
    assert _offer(alice, world.carla).status_code == 201


def test_the_service_refuses_an_out_of_scope_counterpart_like_an_unknown_one(world: Any) -> None:
    """Past the API's picker (a manager naming their own colleague for a report), the service
    answers as for an unknown id too."""
    from attendance.services import swap_request
    from etime.core.errors import ValidationFailed

    _scope(world, Scope.TEAM)
    with pytest.raises(ValidationFailed) as refused:
        swap_request(requester=world.alice, counterpart=world.carla, day=MONDAY, actor=world.alice.user)
    assert refused.value.details == {"counterpart": ["No employee with this id."]}


def test_a_manager_may_still_arrange_a_swap_with_someone_they_manage_outside_the_scope(
    world: Any, token_client: Any
) -> None:
    # carla manages bob's team transitively; under "team", alice and amir's manager bob is
    # not carla, yet carla may arrange a swap between her reports alice and bob.
    from attendance.services import override_set

    override_set(employee=world.bob, day=MONDAY, shift=None, actor=world.admin)
    _scope(world, Scope.TEAM)
    response = _offer(token_client(world.carla.user), world.bob, requester=str(world.alice.pk))
    assert response.status_code == 201, response.content


def test_with_swaps_turned_off_nobody_may_ask_or_arrange_one(world: Any, token_client: Any, client: Any) -> None:
    _scope(world, Scope.NONE)
    for caller, body in ((world.alice.user, {}), (world.admin, {"requester": str(world.alice.pk)})):
        response = _offer(token_client(caller), world.amir, **body)
        assert response.status_code == 403 and response.json()["error"]["code"] == "swaps_disabled"
    assert not ShiftSwapRequest.objects.exists()
    client.force_login(world.alice.user)
    page = client.get(reverse("attendance_swap_new"), follow=True)
    assert page.redirect_chain[-1][0] == reverse("attendance_mine")
    assert "Shift swaps are turned off in this company." in page.content.decode()
    posted = client.post(
        reverse("attendance_swap_new"), {"counterpart": str(world.amir.pk), "date": MONDAY.isoformat()}
    )
    assert posted.status_code == 302 and not ShiftSwapRequest.objects.exists()


def test_the_swap_page_offers_the_colleagues_of_the_scope(world: Any, client: Any) -> None:
    client.force_login(world.alice.user)
    _scope(world, Scope.TEAM)
    page = client.get(reverse("attendance_swap_new")).content.decode()
    assert "Amir" in page and "Carla" not in page and "Dave" not in page
    _scope(world, Scope.LOCATION)
    page = client.get(reverse("attendance_swap_new")).content.decode()
    assert "Amir" in page and "Dave" in page and "Carla" not in page


def test_an_admin_sets_the_swap_scope_in_the_admin_and_the_api(
    world: Any, admin_client: Any, token_client: Any
) -> None:
    from etime.ops.company import company_settings

    api = token_client(world.admin)
    assert api.get("/api/v1/settings/").json()["swap_scope"] == "department"
    changed = api.patch("/api/v1/settings/", {"swap_scope": "team"}, format="json")
    assert changed.status_code == 200 and changed.json()["swap_scope"] == "team"
    assert company_settings().swap_scope == "team"
    bad = api.patch("/api/v1/settings/", {"swap_scope": "everyone"}, format="json")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "validation_error"
    assert "swap_scope" in bad.json()["error"]["details"]
    assert (
        token_client(world.alice.user).patch("/api/v1/settings/", {"swap_scope": "company"}, format="json").status_code
        == 403
    )

    url = reverse("admin:ops_companysettings_change", args=[1])
    form = admin_client.get(url)
    assert form.status_code == 200 and 'name="swap_scope"' in form.content.decode()
    data = {
        name: value
        for name, value in {
            "company_name": "etime",
            "address": "",
            "vat_id": "",
            "iban": "",
            "default_currency": "EUR",
            "date_format": "YYYY-MM-DD",
            "week_start": "0",
            "default_time_zone": "UTC",
            "weekly_hours": "40",
            "daily_hours": "8",
            "working_days": "[0, 1, 2, 3, 4]",
            "swap_scope": "location",
            "absent_after_hours": "0",
            "punch_retention_months": "0",
        }.items()
    }
    saved = admin_client.post(url, data)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    assert company_settings().swap_scope == "location"
