"""The attendance back office: pages load, writes go through services, roster and register."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.contrib import admin
from django.urls import reverse

from attendance import providers
from attendance.models import AttendanceDay, Schedule, ScheduleAssignment
from attendance.services import recompute
from attendance.tests.conftest import MONDAY, local
from etime.core.models import AuditEvent


@pytest.fixture
def admin_client(planned: Any, client: Any) -> Any:
    planned.admin.is_superuser = True
    planned.admin.save()
    client.force_login(planned.admin)
    return client


def test_every_attendance_changelist_loads(admin_client: Any, clock: Any) -> None:
    clock("1", MONDAY, "09:00", "17:00")
    recompute(employee_ids=None, date_from=MONDAY, date_to=MONDAY)
    for model in admin.site._registry:
        if model._meta.app_label != "attendance":
            continue
        url = reverse(f"admin:attendance_{model._meta.model_name}_changelist")
        assert admin_client.get(url, {"q": "a"}).status_code == 200, url
        # Unsearched, the list holds every stored row: the admin hides none from a superuser.
        assert admin_client.get(url).context["cl"].result_count == model._default_manager.count(), url


def test_a_schedule_is_entered_as_a_pattern_of_shift_codes(admin_client: Any, day_shift: Any) -> None:
    response = admin_client.post(
        reverse("admin:attendance_schedule_add"),
        {
            "name": "Four on four off",
            "cycle_length": 8,
            "anchor_date": "2026-01-01",
            "description": "",
            "pattern": "D D D D - - - -",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    schedule = Schedule.objects.get(name="Four on four off")
    assert [d.shift_id for d in schedule.days.order_by("day_index")] == [day_shift.pk] * 4 + [None] * 4
    assert AuditEvent.objects.filter(action="schedule.created", object_id=str(schedule.pk)).exists()
    bad = admin_client.post(
        reverse("admin:attendance_schedule_add"),
        {"name": "Bad", "cycle_length": 3, "anchor_date": "2026-01-01", "pattern": "D X"},
    )
    assert bad.status_code == 200 and "Unknown shift code" in bad.content.decode()


def test_an_overlapping_assignment_is_a_form_error_in_the_admin(
    admin_client: Any, planned: Any, office_week: Any
) -> None:
    response = admin_client.post(
        reverse("admin:attendance_scheduleassignment_add"),
        {"employee": planned.alice.pk, "schedule": office_week.pk, "start_date": "2026-05-01", "end_date": ""},
    )
    assert response.status_code == 200
    assert "schedule_assignment_overlap" in response.content.decode()
    assert ScheduleAssignment.objects.filter(employee=planned.alice).count() == 1


def test_the_roster_shows_who_works_which_shift_on_which_day(admin_client: Any, planned: Any) -> None:
    from attendance.services import override_set

    override_set(employee=planned.alice, day=MONDAY, shift=None, actor=planned.admin)
    response = admin_client.get(reverse("admin:attendance_roster"), {"start": MONDAY.isoformat()})
    assert response.status_code == 200
    rows = {row["employee"].code: [c["code"] for c in row["cells"]] for row in response.context["rows"]}
    assert rows["E004"][:7] == ["D", "D", "D", "D", "D", "", ""]
    assert rows["E003"][0] == "" and response.context["rows"][2]["cells"][0]["override"]
    assert rows["E002"] == [""] * 14


def test_the_admin_shows_which_device_a_provisional_day_waits_for(admin_client: Any, clock: Any, provider: Any) -> None:
    provider(providers.register_device_status_provider, lambda ids: {e: [("k20", "Lobby K20", None)] for e in ids})
    clock("1", MONDAY, "09:00", "17:00")
    with time_machine.travel(local(MONDAY, "22:00"), tick=False):
        recompute(employee_ids=None, date_from=MONDAY, date_to=MONDAY)
    assert not AttendanceDay.objects.get(date=MONDAY, employee__code="E003").is_final
    page = admin_client.get(reverse("admin:attendance_attendanceday_changelist")).content.decode()
    assert "Lobby K20 (last sync never)" in page


def test_the_admin_register_renders_and_downloads(admin_client: Any, clock: Any) -> None:
    clock("1", MONDAY, "09:00", "17:00")
    recompute(employee_ids=None, date_from=date(2026, 3, 1), date_to=date(2026, 3, 31))
    page = admin_client.get(reverse("admin:attendance_register"), {"month": "2026-03"})
    assert page.status_code == 200 and "Attendance register March 2026" in page.content.decode()
    csv = admin_client.get(reverse("admin:attendance_register"), {"month": "2026-03", "format": "csv"})
    assert csv["Content-Type"].startswith("text/csv") and b"E003" in csv.content


def test_admins_decide_requests_from_the_changelist(admin_client: Any, planned: Any, clock: Any) -> None:
    from attendance.models import Regularisation
    from attendance.services import regularisation_request

    regularisation_request(
        employee=planned.alice,
        day=MONDAY,
        reason="Forgot",
        actor=planned.alice.user,
        items=[{"timestamp": local(MONDAY, "09:00").isoformat()}],
    )
    response = admin_client.post(
        reverse("admin:attendance_regularisation_changelist"),
        {"action": "approve_selected", "_selected_action": [str(r.pk) for r in Regularisation.objects.all()]},
    )
    assert response.status_code == 302
    assert Regularisation.objects.get().status == "approved"


def test_recomputing_selected_days_from_the_admin(admin_client: Any, clock: Any, planned: Any) -> None:
    recompute(employee_ids=None, date_from=MONDAY, date_to=MONDAY + timedelta(days=1))
    clock("1", MONDAY, "09:00", "17:00")
    day = AttendanceDay.objects.get(employee=planned.alice, date=MONDAY)
    assert day.status == "absent"
    admin_client.post(
        reverse("admin:attendance_attendanceday_changelist"),
        {"action": "recompute_selected", "_selected_action": [str(day.pk)]},
    )
    day.refresh_from_db()
    assert day.status == "present"


def test_the_attendance_day_export_costs_the_same_queries_for_a_day_or_a_week(planned: Any) -> None:
    # A production export of a year's days issued a query per row for the department and
    # ran into gunicorn's worker timeout (found by the production crawl).
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from attendance.resources import AttendanceDayResource

    def export_queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            dataset = AttendanceDayResource().export(queryset=AttendanceDay.objects.all())
        return len(dataset), len(queries)

    recompute(employee_ids=None, date_from=MONDAY, date_to=MONDAY)
    rows_day, queries_day = export_queries()
    recompute(employee_ids=None, date_from=MONDAY, date_to=MONDAY + timedelta(days=6))
    rows_week, queries_week = export_queries()
    assert rows_week > rows_day > 0
    assert queries_week == queries_day


def test_a_staff_manager_acts_from_the_admin_only_on_their_own_reports(clock: Any, planned: Any) -> None:
    """Issue #18: admin actions ask etime.core.access for each selected row's person; a
    manager given the back office must not recompute or decide for another team."""
    from attendance.models import Regularisation
    from attendance.services import regularisation_request
    from tests.security.test_one_access_helper import _act, staff

    recompute(employee_ids=None, date_from=MONDAY, date_to=MONDAY + timedelta(days=1))
    clock("1", MONDAY, "09:00", "17:00")
    day = AttendanceDay.objects.get(employee=planned.alice, date=MONDAY)
    regularisation_request(
        employee=planned.alice,
        day=MONDAY + timedelta(days=1),
        reason="Forgot",
        actor=planned.alice.user,
        items=[{"timestamp": local(MONDAY + timedelta(days=1), "09:00").isoformat()}],
    )
    correction = Regularisation.objects.get()
    perms = (
        "attendance.view_attendanceday",
        "attendance.change_attendanceday",
        "attendance.view_regularisation",
        "attendance.change_regularisation",
    )

    mona = staff(planned.mona, *perms)
    page = _act(mona, "admin:attendance_attendanceday_changelist", "recompute_selected", day)
    assert "1 selected row was left unchanged" in page.content.decode()
    page = _act(mona, "admin:attendance_regularisation_changelist", "approve_selected", correction)
    assert "1 selected row was left unchanged" in page.content.decode()
    day.refresh_from_db()
    correction.refresh_from_db()
    assert (day.status, correction.status) == ("absent", "pending")

    bob = staff(planned.bob, *perms)
    _act(bob, "admin:attendance_attendanceday_changelist", "recompute_selected", day)
    _act(bob, "admin:attendance_regularisation_changelist", "approve_selected", correction)
    day.refresh_from_db()
    correction.refresh_from_db()
    assert (day.status, correction.status) == ("present", "approved")
