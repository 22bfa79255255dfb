"""Issue #16: "today" is the date where the person is, not the server's UTC date, and a
planned day off shows as Off. Everyone in the fixtures works in Europe/Zurich unless a test
moves them; alice and amir work Monday to Friday, bob manages them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import time_machine
from django.test import Client

from accounts.services import employee_update


def login(person: Any, language: str = "en") -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(getattr(person, "user", person))
    return client


def states(page: Any) -> dict[str, str]:
    return {row["employee"].first_name: row["state"] for row in page.context["rows"]}


def test_team_today_on_a_planned_weekly_off_day_lists_people_as_off_not_as_not_in_yet(planned: Any) -> None:
    sunday_morning = datetime(2026, 3, 8, 9, 0, tzinfo=UTC)
    with time_machine.travel(sunday_morning, tick=False):
        page = login(planned.bob).get("/attendance/team/today/")
    assert page.status_code == 200
    assert states(page) == {"Alice": "off", "Amir": "off"}
    summary = {item["key"]: item["count"] for item in page.context["summary"]}
    assert summary["off"] == 2 and summary["not_in"] == 0
    assert page.content.decode().count('data-state="off"') == 2


def test_team_today_at_2330_utc_on_sunday_is_already_monday_in_zurich(planned: Any) -> None:
    with time_machine.travel(datetime(2026, 3, 8, 23, 30, tzinfo=UTC), tick=False):
        page = login(planned.bob).get("/attendance/team/today/")
    assert page.context["today"] == date(2026, 3, 9)
    assert '<h1>Team today <small class="muted">March 9, 2026</small></h1>' in page.content.decode()
    assert states(page) == {"Alice": "not_in", "Amir": "not_in"}


def test_each_team_member_is_shown_by_their_own_clock(planned: Any) -> None:
    employee_update(employee=planned.amir, actor=planned.admin, time_zone="America/New_York")
    # Monday 02:30 in Zurich is still Sunday 21:30 in New York.
    with time_machine.travel(datetime(2026, 3, 9, 1, 30, tzinfo=UTC), tick=False):
        page = login(planned.bob).get("/attendance/team/today/")
    assert states(page) == {"Alice": "not_in", "Amir": "off"}


def test_the_home_page_does_not_say_no_punch_yet_beside_clocked_in(planned: Any) -> None:
    # 00:05 UTC is 01:05 in Zurich; the day's row is computed later by a task (not run here).
    with time_machine.travel(datetime(2026, 3, 9, 0, 5, tzinfo=UTC), tick=False):
        client = login(planned.alice)
        client.post("/attendance/punch/", {"direction": "in", "next": "home"})
        home = client.get("/").content.decode()
    assert "Clocked in" in home and "since 01:05" in home
    assert "No punch yet" not in home
    assert 'class="badge present">Present<' in home


def test_my_attendance_marks_the_day_it_is_where_i_am(planned: Any) -> None:
    with time_machine.travel(datetime(2026, 3, 8, 23, 30, tzinfo=UTC), tick=False):
        page = login(planned.alice).get("/attendance/")
    assert page.context["today"] == date(2026, 3, 9)
    html = page.content.decode()
    assert 'today" data-date="2026-03-09"' in html
    assert "March 2026" in html and "← February 2026" in html


def test_the_inbox_shows_when_a_request_arrived_on_the_24_hour_clock_in_the_managers_zone(planned: Any) -> None:
    from attendance.services import regularisation_request

    with time_machine.travel(datetime(2026, 12, 6, 23, 51, tzinfo=UTC), tick=False):
        regularisation_request(
            employee=planned.alice,
            day=date(2026, 12, 4),
            reason="Forgot to clock out",
            actor=planned.alice.user,
            items=[{"timestamp": datetime(2026, 12, 4, 16, 0, tzinfo=UTC), "direction": "out"}],
        )
    english = login(planned.bob).get("/inbox/").content.decode()
    assert "12/07/2026 00:51" in english
    assert "p.m." not in english and "11:51" not in english
    german = login(planned.bob, "de").get("/inbox/").content.decode()
    assert "07.12.2026 00:51" in german


def test_team_today_on_a_public_holiday_or_leave_says_so_before_any_day_is_computed(
    planned: Any, provider: Any
) -> None:
    from accounts.holidays import public_holidays
    from attendance import providers
    from attendance.providers import Absence

    provider(providers.register_holiday_provider, public_holidays)  # as leave registers it
    provider(
        providers.register_absence_provider,
        lambda ids, start, end: {
            (planned.amir.pk, date(2026, 12, 24)): Absence(kind="vacation", full_day=True),
        },
    )
    with time_machine.travel(datetime(2026, 12, 24, 9, 0, tzinfo=UTC), tick=False):
        page = login(planned.bob).get("/attendance/team/today/")
    assert states(page) == {"Alice": "not_in", "Amir": "on_leave"}
    with time_machine.travel(datetime(2026, 12, 25, 9, 0, tzinfo=UTC), tick=False):  # Christmas, a Friday
        page = login(planned.bob).get("/attendance/team/today/")
    assert states(page) == {"Alice": "off", "Amir": "off"}
