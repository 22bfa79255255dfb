"""Issue #25 in a real browser: an employee on split shifts sees each shift of the day in
the month calendar, on a phone, in German; the manager's register shows one code per shift."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MONDAY = date(2026, 3, 2)


@pytest.fixture
def split_day(people: Any) -> Any:
    from accounts.services import employee_update
    from attendance.models import Schedule, ScheduleAssignment, Shift
    from attendance.services import (
        PunchInput,
        assignment_save,
        punches_ingest,
        recompute,
        schedule_save,
        shift_save,
    )

    def make(code: str, start: int, end: int) -> Any:
        return shift_save(shift=Shift(name=code, code=code, start_time=time(start), end_time=time(end)), actor=None)

    midday, evening = make("M", 10, 14), make("E", 18, 22)
    schedule = schedule_save(
        schedule=Schedule(name="Split", cycle_length=7, anchor_date=date(2026, 1, 5)),
        days=[[midday, evening]] * 5 + [None, None],
        actor=None,
    )
    assignment_save(
        assignment=ScheduleAssignment(employee=people.alice, schedule=schedule, start_date=date(2026, 1, 1)),
        actor=people.admin,
    )
    employee_update(employee=people.alice, actor=people.admin, device_user_id="1")
    zurich = ZoneInfo("Europe/Zurich")
    stamps = [datetime.combine(MONDAY, time(h), tzinfo=zurich).astimezone(UTC) for h in (10, 14)]
    punches_ingest(
        device_id=uuid.UUID("00000000-0000-4000-8000-00000000c1c1"),
        records=[PunchInput("1", moment) for moment in stamps],
    )
    recompute(employee_ids=[people.alice.pk], date_from=MONDAY, date_to=MONDAY)
    return people


def test_a_split_day_shows_each_shift_on_a_phone_in_german(split_day: Any, browser: Any, live_server: Any) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="de-DE")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", "alice@example.com")
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation():
            page.click("main button[type=submit]")
        page.goto(f"{live_server.url}/attendance/?month=2026-03")
        parts = page.locator("td[data-date='2026-03-02'] [data-testid=day-parts] li")
        assert parts.count() == 2
        assert parts.nth(0).is_visible() and parts.nth(1).is_visible()
        # On a phone the calendar shows each shift's status; the times are in the table below.
        assert parts.nth(0).inner_text().startswith("M") and parts.nth(1).inner_text().startswith("E")
        monday = page.locator("[data-testid=my-days] [data-testid=day-row]").filter(has_text="14:00")
        assert monday.count() == 1  # the one day with punches
        shifts = monday.locator("[data-testid=day-row-part]")
        assert shifts.count() == 2
        first, second = shifts.nth(0).inner_text(), shifts.nth(1).inner_text()
        assert first.startswith("M") and "10:00" in first and "14:00" in first
        assert second.startswith("E") and "10:00" not in second
        assert page.evaluate("document.documentElement.lang") == "de"
        # The cell's parts wrap inside the calendar: nothing pushes the page sideways.
        assert page.evaluate("document.documentElement.scrollWidth") <= 375

    finally:
        context.close()
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="de-DE")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", "bob@example.com")
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation():
            page.click("main button[type=submit]")
        page.goto(f"{live_server.url}/attendance/team/?month=2026-03")
        row = page.locator("[data-testid=register] tr", has_text=split_day.alice.full_name)
        from django.utils import translation

        from attendance.models import DayStatus
        from attendance.reports import CODES

        with translation.override("de"):
            expected = f"{CODES[DayStatus.PRESENT]}/{CODES[DayStatus.ABSENT]}"
        assert row.locator("td.split").first.inner_text() == expected
    finally:
        context.close()
