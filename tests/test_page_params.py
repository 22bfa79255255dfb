"""The page URLs of issue #15 (item 3) that answered 500 with a parameter out of range: each
is now a 400 page that names the parameter and what it accepts, with DEBUG off; values just
inside the supported range still show the page."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=ZoneInfo("Europe/Zurich"))


@pytest.fixture
def as_user(people: Any, settings: Any) -> Any:
    settings.DEBUG = False

    def login(person: Any) -> Client:
        client = Client(raise_request_exception=False)  # a 500 is a response here, as users see it
        client.force_login(getattr(person, "user", person))
        return client

    with time_machine.travel(NOW, tick=False):
        yield login


def refused(response: Any, parameter: str) -> str:
    assert response.status_code == 400, response.status_code
    text = response.content.decode()
    assert 'data-testid="bad-parameter"' in text and f"<code>{parameter}</code>" in text
    assert 'data-testid="nav-attendance"' in text  # the site's frame, not a bare error
    return text


def test_team_register_for_month_9999_12_is_a_400_naming_the_supported_range(as_user: Any, people: Any) -> None:
    text = refused(as_user(people.bob).get("/attendance/team/?month=9999-12"), "month")
    assert "1970-01-01" in text and "2099-12-31" in text


def test_my_week_in_year_1_is_a_400(as_user: Any, people: Any) -> None:
    refused(as_user(people.alice).get("/time/week/?week=0001-01-01"), "week")


def test_my_week_on_the_last_day_of_9999_is_a_400(as_user: Any, people: Any) -> None:
    refused(as_user(people.alice).get("/time/week/?week=9999-12-31"), "week")


def test_team_calendar_for_department_abc_is_a_400_not_a_database_error(as_user: Any, people: Any) -> None:
    text = refused(as_user(people.bob).get("/leave/calendar/?department=abc"), "department")
    assert "not a valid id" in text


def test_the_edges_of_the_supported_range_still_show_the_pages(as_user: Any, people: Any) -> None:
    bob = as_user(people.bob)
    for url in (
        "/attendance/team/?month=2099-12",
        "/attendance/team/?month=1970-01",
        "/leave/calendar/?month=2099-12",
        "/attendance/?month=2099-12",
    ):
        assert bob.get(url).status_code == 200, url
    week = as_user(people.alice).get("/time/week/?week=2099-12-31")
    assert week.status_code == 200 and week.context["week_start"].isoformat() == "2099-12-28"


def test_a_real_department_still_filters_the_team_calendar(as_user: Any, people: Any) -> None:
    engineering = people.alice.department
    page = as_user(people.admin).get(f"/leave/calendar/?month=2026-03&department={engineering.pk}")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Alice Able" in text and "Dave Deal" not in text


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/admin/attendance/attendanceday/register/?month=9999-12", "month"),
        ("/admin/attendance/attendanceday/register/?month=0001-01", "month"),
        ("/admin/attendance/attendanceday/register/?department=abc", "department"),
        ("/admin/attendance/scheduleassignment/roster/?start=9999-12-31", "start"),
        ("/admin/attendance/scheduleassignment/roster/?department=abc", "department"),
        ("/admin/leave/ledgerentry/balances/?year=99999999999", "year"),
    ],
)
def test_the_admins_own_report_pages_follow_the_same_rule(as_user: Any, people: Any, url: str, parameter: str) -> None:
    from accounts.models import User

    root = User.objects.create_superuser(username="root@example.com", email="root@example.com", password="x")
    response = as_user(root).get(url)
    assert response.status_code == 400 and f"<code>{parameter}</code>" in response.content.decode(), (
        response.status_code
    )


def test_a_people_search_with_a_nul_byte_is_a_400_not_a_database_error(as_user: Any, people: Any) -> None:
    refused(as_user(people.admin).get("/people/", {"q": "a\x00b"}), "q")
    assert as_user(people.admin).get("/people/", {"q": "Able"}).status_code == 200


def test_an_unknown_register_download_format_is_a_400_that_lists_the_formats(as_user: Any, people: Any) -> None:
    text = refused(as_user(people.bob).get("/attendance/team/export/?month=2026-03&format=doc"), "format")
    assert "csv, xlsx, pdf" in text
    assert as_user(people.bob).get("/attendance/team/export/?month=2026-03").status_code == 200  # csv by default


def test_an_adms_call_with_a_nul_byte_in_its_serial_is_an_unknown_device_not_a_500(as_user: Any, people: Any) -> None:
    response = as_user(people.admin).get("/iclock/getrequest", {"SN": "ABC\x00"})
    assert response.status_code == 403 and response.content == b"ERROR: unknown device\n"
