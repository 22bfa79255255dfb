"""Issue #16 in a real browser: the time-entry form and the leave request form in German,
French and Italian, late in the evening for a person far from UTC. The server's clock
(time_machine) and the browser's (``clock.install``) are set to the same instant:

- Europe/Zurich at 23:30 UTC on Sunday 6 December 2026: it is already Monday 7 December
  there, and a new week (7-13 December);
- America/New_York at 20:30 local on Sunday 13 December 2026 (01:30 UTC on Monday 14): it
  is still Sunday there, the last day of the week of 7-13 December.

Each test asserts today's date and the week shown, and that saving works: before the fix
the date input held ``07.12.2026`` (rejected by ``<input type=date>``, so saving answered
"this field is required") and "today" was the server's UTC date.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@dataclass(frozen=True)
class Case:
    zone: str
    moment: datetime
    today: date
    week: tuple[date, date]
    leave_day: date  # the next working day where the person is (the leave type needs 1 day's notice)


ZURICH = Case("Europe/Zurich", datetime(2026, 12, 6, 23, 30, tzinfo=UTC), date(2026, 12, 7),
              (date(2026, 12, 7), date(2026, 12, 13)), date(2026, 12, 8))  # fmt: skip
NEW_YORK = Case("America/New_York", datetime(2026, 12, 14, 1, 30, tzinfo=UTC), date(2026, 12, 13),
                (date(2026, 12, 7), date(2026, 12, 13)), date(2026, 12, 14))  # fmt: skip
SHORT_DATE = {"de": "%d.%m.%Y", "fr": "%d/%m/%Y", "it": "%d/%m/%Y"}
CASES = [pytest.param(language, case, id=f"{language}-{case.zone}") for language in ("de", "fr", "it")
         for case in (ZURICH, NEW_YORK)]  # fmt: skip


@pytest.fixture
def alice_at(people: Any, browser: Any, live_server: Any) -> Iterator[Any]:
    """start(language, case) -> a signed-in page for alice, living in ``case.zone``."""
    from accounts.services import employee_update

    contexts: list[Any] = []
    travellers: list[Any] = []

    def start(language: str, case: Case) -> Any:
        employee_update(employee=people.alice, actor=people.admin, time_zone=case.zone)
        people.alice.user.language = language
        people.alice.user.save(update_fields=["language"])
        traveller = time_machine.travel(case.moment, tick=True)
        traveller.start()
        travellers.append(traveller)
        context = browser.new_context(
            viewport={"width": 1280, "height": 900}, locale=f"{language}-CH", timezone_id=case.zone
        )
        contexts.append(context)
        context.clock.install(time=case.moment)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", "alice@example.com")
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation():
            page.click("main button[type=submit]")
        return page

    yield start
    for context in contexts:
        context.close()
    for traveller in travellers:
        traveller.stop()


@pytest.fixture
def website(people: Any) -> Any:
    from timesheets import services
    from timesheets.models import Client, Project

    acme = services.client_save(client=Client(name="Acme AG", currency="CHF", country="CH"), actor=people.admin)
    return services.project_save(project=Project(client=acme, name="Website"), actor=people.admin)


@pytest.fixture
def vacation(people: Any) -> Any:
    from leave.services import allocation_create
    from leave.tests.factories import make_leave_type

    leave_type = make_leave_type("vacation", "Vacation", min_notice_days=1)
    allocation_create(employee=people.alice, leave_type=leave_type, year=2026, days=Decimal(20), actor=people.admin)
    return leave_type


@pytest.mark.parametrize(("language", "case"), CASES)
def test_a_time_entry_is_added_on_today_where_the_person_is(
    alice_at: Any, website: Any, live_server: Any, language: str, case: Case
) -> None:
    from timesheets.models import TimeEntry

    page = alice_at(language, case)
    assert page.evaluate("new Date().toISOString()").startswith(case.moment.strftime("%Y-%m-%dT%H:%M"))
    page.goto(f"{live_server.url}/time/week/")
    fmt = SHORT_DATE[language]
    assert page.inner_text("[data-testid=week-range]") == f"{case.week[0]:{fmt}} – {case.week[1]:{fmt}}"
    today = page.locator(f"[data-testid=day-{case.today.isoformat()}]")
    assert "ts-today" in (today.get_attribute("class") or "")
    assert page.locator("section.ts-today").count() == 1

    today.locator("[data-testid=add-entry]").click()
    assert page.input_value("#id_date") == case.today.isoformat()
    # The browser shows the ISO value in the reader's way and keeps it when the form is sent.
    assert page.evaluate("document.querySelector('#id_date').valueAsDate !== null")
    page.fill("#id_start", "08:00")
    page.fill("#id_end", "09:15")
    page.select_option("#id_project", label="Acme AG · Website")
    page.click("[data-testid=entry-save]")
    page.wait_for_url(lambda url: "/time/entries/" not in url)
    entry = TimeEntry.objects.get(employee__code="E003")
    assert entry.date == case.today and entry.duration_seconds == 75 * 60

    # "New entry" without a day proposes today, too.
    page.goto(f"{live_server.url}/time/entries/new/")
    assert page.input_value("#id_date") == case.today.isoformat()


@pytest.mark.parametrize(("language", "case"), CASES)
def test_leave_is_requested_from_tomorrow_where_the_person_is(
    alice_at: Any, vacation: Any, live_server: Any, language: str, case: Case
) -> None:
    from leave.models import LeaveRequest

    page = alice_at(language, case)
    page.goto(f"{live_server.url}/leave/")
    page.select_option("#id_leave_type", label="Vacation")
    page.fill("#id_start_date", case.leave_day.isoformat())
    page.fill("#id_end_date", case.leave_day.isoformat())
    page.click("[data-testid=leave-submit]")
    row = page.locator("[data-testid=request-row]")
    row.first.wait_for()
    assert f"{case.leave_day:{SHORT_DATE[language]}}" in row.first.inner_text()
    request = LeaveRequest.objects.get(employee__code="E003")
    assert (request.start_date, request.end_date, request.days) == (case.leave_day, case.leave_day, 1)
