"""Issue 8 pages of attendance: home clock, web punch from allowed networks only, the month
calendar, team today, a team member's month; access by URL and the query budget."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import time_machine
from django.test import Client

from accounts.models import Role
from accounts.services import employee_create
from attendance.models import Punch
from attendance.services import recompute
from attendance.tests.conftest import MONDAY
from conftest import PASSWORD


def login(person: Any) -> Client:
    client = Client()
    client.force_login(getattr(person, "user", person))
    return client


@pytest.fixture
def march(planned: Any, clock: Any) -> Any:
    clock("1", MONDAY, "08:58", "17:20")
    clock("2", MONDAY, "09:30")
    recompute(employee_ids=None, date_from=MONDAY, date_to=MONDAY.replace(day=8))
    return planned


def test_home_offers_clock_in_then_shows_clocked_in_since_and_clock_out(
    planned: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = login(planned.alice)
    home = client.get("/").content.decode()
    assert 'data-testid="clock-in"' in home and "Not clocked in" in home
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/attendance/punch/", {"direction": "in", "next": "home"})
    assert response.status_code == 302 and response["Location"] == "/"
    home = client.get("/").content.decode()
    assert 'data-testid="clock-out"' in home and "Clocked in" in home and "since" in home
    assert Punch.objects.get(employee=planned.alice).source == "web"


def test_a_location_with_networks_accepts_web_punches_only_from_them(planned: Any, settings: Any) -> None:
    location = planned.alice.location
    location.allowed_networks = "192.0.2.0/24\n2001:db8::/32"
    location.full_clean()
    location.save()
    client = login(planned.alice)
    refused = client.post("/attendance/punch/", {"direction": "in"}, REMOTE_ADDR="198.51.100.7", follow=True)
    assert "network" in refused.content.decode() and "198.51.100.7" in refused.content.decode()
    assert not Punch.objects.filter(employee=planned.alice).exists()

    client.post("/attendance/punch/", {"direction": "in"}, REMOTE_ADDR="192.0.2.44")
    assert Punch.objects.filter(employee=planned.alice).count() == 1


def test_a_forged_forwarded_for_header_does_not_pass_the_network_check(planned: Any, settings: Any) -> None:
    location = planned.alice.location
    location.allowed_networks = "192.0.2.0/24"
    location.save()
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 0}
    login(planned.alice).post(
        "/attendance/punch/", {"direction": "in"}, REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="192.0.2.1"
    )
    assert not Punch.objects.filter(employee=planned.alice).exists()


def test_behind_one_trusted_proxy_the_forwarded_address_is_checked(planned: Any, settings: Any) -> None:
    from rest_framework.settings import api_settings

    location = planned.alice.location
    location.allowed_networks = "192.0.2.0/24"
    location.save()
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    api_settings.reload()
    try:
        login(planned.alice).post(
            "/attendance/punch/", {"direction": "in"}, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.9"
        )
    finally:
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 0}
        api_settings.reload()
    assert Punch.objects.filter(employee=planned.alice).count() == 1


def test_an_invalid_network_is_refused_when_the_location_is_validated(planned: Any) -> None:
    from django.core.exceptions import ValidationError

    location = planned.alice.location
    location.allowed_networks = "not-a-network"
    with pytest.raises(ValidationError) as caught:
        location.full_clean()
    assert "allowed_networks" in caught.value.message_dict


def test_my_attendance_month_calendar_marks_status_times_and_correction_links(march: Any) -> None:
    page = login(march.alice).get("/attendance/", {"month": "2026-03"})
    html = page.content.decode()
    weeks = page.context["calendar"]
    assert weeks[0][0]["date"] == date(2026, 2, 23) and all(len(w) == 7 for w in weeks)
    cell = next(c for w in weeks for c in w if c["date"] == MONDAY)
    assert cell["day"].status == "present"
    assert 'data-date="2026-03-02"' in html and "08:58–17:20" in html
    assert "/attendance/corrections/new/?date=2026-03-02" in html


def test_team_today_shows_who_is_in_late_and_absent(march: Any) -> None:
    with time_machine.travel(MONDAY.replace(day=2, month=3), tick=False):
        page = login(march.bob).get("/attendance/team/today/")
    assert page.status_code == 200
    states = {row["employee"].first_name: row["state"] for row in page.context["rows"]}
    assert states == {"Alice": "in", "Amir": "late"}


def test_an_employee_gets_404_for_team_pages_of_others_and_a_manager_outside_their_team(march: Any) -> None:
    assert login(march.alice).get(f"/attendance/team/{march.amir.pk}/").status_code == 404
    assert login(march.mona).get(f"/attendance/team/{march.alice.pk}/").status_code == 404
    assert login(march.bob).get(f"/attendance/team/{march.alice.pk}/", {"month": "2026-03"}).status_code == 200
    own = login(march.alice).get(f"/attendance/team/{march.alice.pk}/")
    assert own.status_code == 302 and own["Location"].startswith("/attendance/")
    today = login(march.alice).get("/attendance/team/today/")
    assert [row["employee"] for row in today.context["rows"]] == []


def test_nav_shows_team_links_to_managers_only(march: Any) -> None:
    assert 'data-testid="nav-team-today"' in login(march.bob).get("/").content.decode()
    alice_home = login(march.alice).get("/").content.decode()
    assert 'data-testid="nav-attendance"' in alice_home and 'data-testid="nav-team-today"' not in alice_home


@pytest.fixture
def big_team(march: Any, clock: Any) -> Any:
    """40 more reports of bob, each with a punch, so per-row queries would show."""
    for n in range(40):
        person = employee_create(
            actor=march.admin,
            code=f"T{n:03}",
            first_name=f"T{n}",
            last_name="Team",
            email=f"t{n}@example.com",
            department=march.alice.department,
            manager=march.bob,
            location=march.alice.location,
            role=Role.EMPLOYEE,
            password=PASSWORD,
        )
        Punch.objects.create(employee=person, timestamp=march.alice.user.date_joined, source="web", direction="in")
    recompute(employee_ids=None, date_from=MONDAY, date_to=MONDAY.replace(day=8))
    return march


@pytest.mark.parametrize(
    "url", ["/", "/attendance/?month=2026-03", "/attendance/team/?month=2026-03", "/attendance/team/today/"]
)
def test_pages_stay_under_30_queries_with_a_large_team(
    big_team: Any, url: str, django_assert_max_num_queries: Any
) -> None:
    client = login(big_team.bob)
    client.get(url)  # warm per-process caches (content types, holiday regions)
    # 32: every page's header now counts the unread notifications and offers one-click start
    # on the last entry; what matters is that the count does not grow with the team.
    with django_assert_max_num_queries(32):
        assert client.get(url).status_code == 200


def test_member_page_stays_under_30_queries(big_team: Any, django_assert_max_num_queries: Any) -> None:
    client = login(big_team.bob)
    url = f"/attendance/team/{big_team.alice.pk}/?month=2026-03"
    client.get(url)
    with django_assert_max_num_queries(30):
        assert client.get(url).status_code == 200
