"""Self-service attendance pages: my month, web punch, corrections, swaps, team register."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from django.test import Client

from attendance.models import AttendanceDay, Punch, Regularisation, ShiftSwapRequest
from attendance.services import override_set, recompute
from attendance.tests.conftest import MONDAY, local


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


def test_my_attendance_shows_my_days_in_my_time_zone(march: Any) -> None:
    page = login(march.alice).get("/attendance/", {"month": "2026-03"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "08:58" in html and "17:20" in html  # Zurich time, not UTC
    assert page.context["totals"]["present"] == 1 and page.context["totals"]["absent"] == 4
    assert len(page.context["days"]) == 7


def test_a_login_without_an_employee_record_sees_an_explanation(march: Any) -> None:
    page = login(march.admin).get("/attendance/")
    assert page.status_code == 200 and "no employee record" in page.content.decode()


def test_the_web_punch_records_a_punch_and_updates_today(planned: Any, django_capture_on_commit_callbacks: Any) -> None:
    # At the start of Alice's planned Monday (it failed when the suite ran at 00:40 UTC,
    # when "now" in Zurich lies in no shift's window).
    client = login(planned.alice)
    with time_machine.travel(local(MONDAY, "08:55"), tick=False), django_capture_on_commit_callbacks(execute=True):
        response = client.post("/attendance/punch/", {"direction": "in"})
    assert response.status_code == 302
    punch = Punch.objects.get(employee=planned.alice)
    assert (punch.source, punch.direction) == ("web", "in")
    assert AttendanceDay.objects.filter(employee=planned.alice, date=MONDAY, punch_count=1).exists()


def test_a_correction_request_goes_to_the_manager_who_approves_it_on_the_team_page(
    march: Any, django_capture_on_commit_callbacks: Any
) -> None:
    response = login(march.amir).post(
        "/attendance/corrections/new/",
        {"date": MONDAY.isoformat(), "kind": "punch", "last_out": "17:10", "reason": "Forgot to punch out"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    correction = Regularisation.objects.get(employee=march.amir)
    assert correction.status == "pending"
    assert len(login(march.dave).get("/attendance/team/").context["pending"]) == 0
    team = login(march.bob).get("/attendance/team/", {"month": "2026-03"})
    [pending] = list(team.context["pending"])
    assert "Forgot to punch out" in team.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        decided = login(march.bob).post(f"/attendance/requests/{pending.pk}/approve/")
    assert decided.status_code == 302
    correction.refresh_from_db()
    assert correction.status == "approved"
    day = AttendanceDay.objects.get(employee=march.amir, date=MONDAY)
    assert (day.status, day.late_minutes) == ("present", 30)


def test_a_night_shift_correction_puts_the_out_time_on_the_next_morning(march: Any) -> None:
    login(march.alice).post(
        "/attendance/corrections/new/",
        {"date": MONDAY.isoformat(), "kind": "day", "first_in": "22:00", "last_out": "06:00", "reason": "Night cover"},
    )
    items = Regularisation.objects.get(employee=march.alice).items
    assert [i["timestamp"] for i in items] == ["2026-03-02T21:00:00+00:00", "2026-03-03T05:00:00+00:00"]


def test_a_correction_without_times_is_refused_with_a_message(march: Any) -> None:
    page = login(march.alice).post(
        "/attendance/corrections/new/", {"date": MONDAY.isoformat(), "kind": "punch", "reason": "x"}
    )
    assert page.status_code == 200 and "Give the in time" in page.content.decode()


def test_the_swap_form_offers_department_colleagues_and_sends_the_request(march: Any) -> None:
    override_set(employee=march.amir, day=MONDAY.replace(day=9), shift=None, actor=march.admin)
    client = login(march.alice)
    form = client.get("/attendance/swaps/new/")
    names = {e.full_name for e in form.context["form"].fields["counterpart"].queryset}
    assert "Amir Adept" in names and "Dave Deal" not in names and "Alice Able" not in names
    response = client.post(
        "/attendance/swaps/new/", {"date": "2026-03-09", "counterpart": str(march.amir.pk), "reason": "Appointment"}
    )
    assert response.status_code == 302
    assert ShiftSwapRequest.objects.get().status == "pending"


def test_the_team_register_shows_visible_people_and_downloads(march: Any) -> None:
    client = login(march.bob)
    page = client.get("/attendance/team/", {"month": "2026-03"})
    codes = [row.employee.code for row in page.context["register"].rows]
    assert codes == ["E002", "E003", "E004"]
    pdf = client.get("/attendance/team/export/", {"month": "2026-03", "format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    csv = client.get("/attendance/team/export/", {"month": "2026-03", "format": "csv"}).content.decode("utf-8-sig")
    assert "E003" in csv and "E006" not in csv


def test_the_home_page_shows_todays_attendance_panel(planned: Any) -> None:
    page = login(planned.alice).get("/")
    assert page.status_code == 200 and 'data-testid="attendance-panel"' in page.content.decode()
