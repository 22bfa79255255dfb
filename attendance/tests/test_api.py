"""The attendance API: plans, days, recomputation, corrections, swaps, locks, reports."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

import pytest
from openpyxl import load_workbook

from attendance.models import AttendanceDay, Punch, ScheduleAssignment, ShiftOverride
from attendance.services import recompute
from attendance.tests.conftest import MONDAY, local
from etime.core.models import AuditEvent

WEEK_END = MONDAY + timedelta(days=6)


def error_code(response: Any) -> str:
    return response.json()["error"]["code"]


# --- Shifts, schedules, assignments, overrides -----------------------------------------------------


def test_admins_create_shifts_and_everyone_reads_them(people: Any, token_client: Any) -> None:
    admin = token_client(people.admin, ["write:attendance"])
    response = admin.post(
        "/api/v1/shifts/",
        {"name": "Night", "code": "N", "start_time": "22:00", "end_time": "06:00", "unpaid_break_minutes": 30},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["break_after_minutes"] == 360 and body["half_day_below_hours"] == "4.00"
    alice = token_client(people.alice, ["read:attendance"])
    assert [s["code"] for s in alice.get("/api/v1/shifts/").json()["results"]] == ["N"]
    denied = token_client(people.alice, ["write:attendance"]).post("/api/v1/shifts/", {"name": "X"}, format="json")
    assert denied.status_code == 403


def test_a_shift_with_absent_above_half_day_is_refused(people: Any, token_client: Any) -> None:
    response = token_client(people.admin).post(
        "/api/v1/shifts/",
        {
            "name": "Odd",
            "code": "O",
            "start_time": "09:00",
            "end_time": "17:00",
            "absent_below_hours": "5",
            "half_day_below_hours": "4",
        },
        format="json",
    )
    assert response.status_code == 400 and error_code(response) == "validation_error"


def test_a_schedule_needs_one_day_per_cycle_day(people: Any, token_client: Any, day_shift: Any) -> None:
    client = token_client(people.admin)
    payload = {"name": "Rotation", "cycle_length": 3, "anchor_date": "2026-01-05", "days": [str(day_shift.pk), None]}
    response = client.post("/api/v1/schedules/", payload, format="json")
    assert response.status_code == 400 and "days" in response.json()["error"]["details"]
    payload["days"] = [str(day_shift.pk), None, None]
    response = client.post("/api/v1/schedules/", payload, format="json")
    assert response.status_code == 201
    assert response.json()["days"] == [str(day_shift.pk), None, None]


def test_overlapping_assignments_are_refused_with_the_conflicting_one(
    planned: Any, token_client: Any, office_week: Any
) -> None:
    existing = ScheduleAssignment.objects.get(employee=planned.alice)
    response = token_client(planned.admin).post(
        "/api/v1/schedule-assignments/",
        {"employee": str(planned.alice.pk), "schedule": str(office_week.pk), "start_date": "2026-06-01"},
        format="json",
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "schedule_assignment_overlap"
    assert error["details"]["conflicting_assignment"]["id"] == str(existing.pk)


def test_ending_an_assignment_then_starting_another_does_not_overlap(
    planned: Any, token_client: Any, office_week: Any
) -> None:
    client = token_client(planned.bob.user)
    existing = ScheduleAssignment.objects.get(employee=planned.alice)
    ended = client.patch(f"/api/v1/schedule-assignments/{existing.pk}/", {"end_date": "2026-05-31"}, format="json")
    assert ended.status_code == 200, ended.content
    response = client.post(
        "/api/v1/schedule-assignments/",
        {"employee": str(planned.alice.pk), "schedule": str(office_week.pk), "start_date": "2026-06-01"},
        format="json",
    )
    assert response.status_code == 201, response.content


def test_only_admins_and_managers_plan_an_employee(planned: Any, token_client: Any, office_week: Any) -> None:
    payload = {"employee": str(planned.carla.pk), "schedule": str(office_week.pk), "start_date": "2026-01-01"}
    own = token_client(planned.carla.user).post("/api/v1/schedule-assignments/", payload, format="json")
    assert own.status_code == 403
    invisible = token_client(planned.dave.user).post(
        "/api/v1/schedule-assignments/", {**payload, "employee": str(planned.alice.pk)}, format="json"
    )
    assert invisible.status_code == 400 and "employee" in invisible.json()["error"]["details"]


def test_an_override_wins_over_the_schedule_in_attendance(planned: Any, token_client: Any, day_shift: Any) -> None:
    client = token_client(planned.bob.user)
    response = client.post(
        "/api/v1/shift-overrides/",
        {"employee": str(planned.alice.pk), "date": MONDAY.isoformat(), "shift": None, "reason": "Off for the move"},
        format="json",
    )
    assert response.status_code == 201, response.content
    again = client.post(
        "/api/v1/shift-overrides/",
        {"employee": str(planned.alice.pk), "date": MONDAY.isoformat(), "shift": None, "reason": "Still off"},
        format="json",
    )
    assert again.status_code == 201 and ShiftOverride.objects.filter(employee=planned.alice).count() == 1
    recompute(employee_ids=[planned.alice.pk], date_from=MONDAY, date_to=MONDAY)
    assert AttendanceDay.objects.get(employee=planned.alice, date=MONDAY).status == "weekly_off"


# --- Attendance days ---------------------------------------------------------------------------------


@pytest.fixture
def week(planned: Any, clock: Any) -> Any:
    clock("1", MONDAY, "08:55", "17:30")
    clock("2", MONDAY, "09:20", "17:00")
    clock("3", MONDAY, "09:00")
    recompute(employee_ids=None, date_from=MONDAY, date_to=WEEK_END)
    return planned


@pytest.mark.parametrize(
    ("persona", "codes"),
    [
        ("admin", {"E001", "E002", "E003", "E004", "E005", "E006"}),
        ("bob", {"E002", "E003", "E004"}),
        ("alice", {"E003"}),
    ],
    ids=["an admin sees everyone", "a manager sees their reports and themselves", "an employee sees themselves"],
)
def test_attendance_days_are_scoped_to_the_people_one_may_see(
    week: Any, token_client: Any, persona: str, codes: set[str]
) -> None:
    user = week.admin if persona == "admin" else getattr(week, persona).user
    response = token_client(user, ["read:attendance"]).get("/api/v1/attendance-days/", {"limit": 100, "date": MONDAY})
    employees = {row["employee"] for row in response.json()["results"]}
    by_code = {e.code: str(e.pk) for e in (week.carla, week.bob, week.alice, week.amir, week.mona, week.dave)}
    assert employees == {by_code[c] for c in codes}


def test_attendance_days_filter_by_employee_department_dates_and_status(week: Any, token_client: Any) -> None:
    client = token_client(week.admin, ["read:attendance"])

    def fetch(**params: Any) -> list[dict[str, Any]]:
        response = client.get("/api/v1/attendance-days/", {"limit": 100, **params})
        assert response.status_code == 200, response.content
        return response.json()["results"]

    mine = fetch(employee=week.alice.pk, date_after=MONDAY, date_before=MONDAY)
    assert len(mine) == 1 and mine[0]["status"] == "present" and mine[0]["overtime_minutes"] == 35
    assert mine[0]["first_in"] == local(MONDAY, "08:55").isoformat().replace("+00:00", "Z")
    late = fetch(date_after=MONDAY, date_before=MONDAY, status="present")
    assert {r["employee"] for r in late} == {str(week.alice.pk), str(week.amir.pk)}
    sales = fetch(department=week.dave.department_id, date_after=MONDAY, date_before=MONDAY)
    assert {(r["employee"], r["status"]) for r in sales} == {
        (str(week.dave.pk), "missing_punch"),
        (str(week.mona.pk), "weekly_off"),
    }
    assert len(fetch(status=["absent", "missing_punch"], date_after=MONDAY, date_before=MONDAY)) == 1


def test_attendance_days_page_with_a_cursor_in_date_order(week: Any, token_client: Any) -> None:
    client = token_client(week.admin, ["read:attendance"])
    seen: list[str] = []
    url: str | None = "/api/v1/attendance-days/?limit=10"
    while url:
        body = client.get(url).json()
        seen += [r["date"] for r in body["results"]]
        url = body["next"]
    assert len(seen) == 42 and seen == sorted(seen)


def test_reading_attendance_needs_the_attendance_scope(week: Any, token_client: Any) -> None:
    response = token_client(week.admin, ["read:employees"]).get("/api/v1/attendance-days/")
    assert response.status_code == 403 and error_code(response) == "insufficient_scope"


def test_attendance_days_export_as_csv_and_xlsx(week: Any, token_client: Any) -> None:
    client = token_client(week.bob.user, ["read:attendance"])
    response = client.get(
        "/api/v1/attendance-days/export/", {"file_format": "csv", "date_after": MONDAY, "date_before": MONDAY}
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {r["employee_code"] for r in rows} == {"E002", "E003", "E004"}
    xlsx = client.get("/api/v1/attendance-days/export/", {"file_format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_recompute_runs_small_ranges_at_once_and_returns_the_days(planned: Any, clock: Any, token_client: Any) -> None:
    clock("1", MONDAY, "09:00", "17:00")
    response = token_client(planned.bob.user).post(
        "/api/v1/attendance/recompute/",
        {"employee": str(planned.alice.pk), "date_from": MONDAY.isoformat(), "date_to": WEEK_END.isoformat()},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["queued"] is False and [d["status"] for d in body["days"]][:2] == ["present", "absent"]


def test_recompute_queues_large_ranges(planned: Any, token_client: Any, settings: Any) -> None:
    settings.ETIME_ATTENDANCE_SYNC_RECOMPUTE_LIMIT = 10
    response = token_client(planned.admin).post(
        "/api/v1/attendance/recompute/", {"date_from": "2026-03-01", "date_to": "2026-03-31"}, format="json"
    )
    assert response.status_code == 202 and response.json() == {"queued": True, "marked": 6 * 31}


def test_recompute_of_someone_invisible_is_not_found(planned: Any, token_client: Any) -> None:
    response = token_client(planned.alice.user).post(
        "/api/v1/attendance/recompute/",
        {"employee": str(planned.dave.pk), "date_from": "2026-03-01", "date_to": "2026-03-02"},
        format="json",
    )
    assert response.status_code == 404


# --- Punches -----------------------------------------------------------------------------------------


def test_an_api_punch_is_idempotent_with_a_key(
    planned: Any, token_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = token_client(planned.alice.user, ["write:punches"])
    payload = {"timestamp": local(MONDAY, "09:00").isoformat(), "direction": "in"}
    import time_machine

    with time_machine.travel(local(MONDAY, "09:00"), tick=False):  # her own punch takes the server's time
        with django_capture_on_commit_callbacks(execute=True):
            first = client.post("/api/v1/punches/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        again = client.post("/api/v1/punches/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201 and again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert Punch.objects.filter(employee=planned.alice, source="api").count() == 1
    assert AttendanceDay.objects.get(employee=planned.alice, date=MONDAY).status == "missing_punch"


def test_only_admins_punch_for_someone_else(planned: Any, token_client: Any) -> None:
    payload = {"employee": str(planned.alice.pk), "timestamp": local(MONDAY, "09:00").isoformat()}
    assert token_client(planned.bob.user).post("/api/v1/punches/", payload, format="json").status_code == 403
    assert token_client(planned.admin).post("/api/v1/punches/", payload, format="json").status_code == 201


# --- Regularisation and locks -------------------------------------------------------------------------


def test_a_correction_approved_by_the_manager_becomes_audited_manual_punches(
    planned: Any, clock: Any, token_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    clock("1", MONDAY, "09:00")  # forgot to punch out
    alice = token_client(planned.alice.user)
    response = alice.post(
        "/api/v1/regularisations/",
        {
            "date": MONDAY.isoformat(),
            "items": [{"timestamp": local(MONDAY, "17:05").isoformat(), "direction": "out"}],
            "reason": "Forgot to punch out",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    correction = response.json()
    assert correction["status"] == "pending"
    assert (
        alice.post(f"/api/v1/regularisations/{correction['id']}/approve/").json()["error"]["code"]
        == "approval_not_allowed"
    )
    outsider = token_client(planned.mona.user).post(f"/api/v1/regularisations/{correction['id']}/approve/")
    assert outsider.status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        approved = token_client(planned.bob.user).post(
            f"/api/v1/regularisations/{correction['id']}/approve/", {"comment": "ok"}
        )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    manual = Punch.objects.get(employee=planned.alice, source="manual")
    assert manual.timestamp == local(MONDAY, "17:05") and str(manual.regularisation_id) == correction["id"]
    assert AuditEvent.objects.filter(action="punch.created", object_id=str(manual.pk)).exists()
    day = AttendanceDay.objects.get(employee=planned.alice, date=MONDAY)
    assert (day.status, day.last_out) == ("present", local(MONDAY, "17:05"))


def test_a_whole_day_correction_voids_the_days_punches(
    planned: Any, clock: Any, token_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    clock("1", MONDAY, "09:00", "10:00", "13:00")
    recompute(employee_ids=[planned.alice.pk], date_from=MONDAY, date_to=MONDAY)
    with django_capture_on_commit_callbacks(execute=True):
        response = token_client(planned.bob.user).post(
            "/api/v1/regularisations/",
            {
                "employee": str(planned.alice.pk),
                "date": MONDAY.isoformat(),
                "kind": "day",
                "reason": "Clock was off",
                "items": [
                    {"timestamp": local(MONDAY, "08:30").isoformat()},
                    {"timestamp": local(MONDAY, "17:30").isoformat()},
                ],
            },
            format="json",
        )
    assert (
        response.status_code == 201 and response.json()["status"] == "approved"
    )  # a manager's correction applies at once
    assert Punch.objects.filter(employee=planned.alice).count() == 5  # nothing is deleted
    day = AttendanceDay.objects.get(employee=planned.alice, date=MONDAY)
    assert (day.punch_count, day.first_in, day.last_out) == (2, local(MONDAY, "08:30"), local(MONDAY, "17:30"))


def test_changes_inside_a_locked_period_are_refused(planned: Any, token_client: Any) -> None:
    admin = token_client(planned.admin)
    lock = admin.post("/api/v1/attendance-locks/", {"date_from": "2026-03-01", "date_to": "2026-03-31"}, format="json")
    assert lock.status_code == 201
    assert token_client(planned.alice.user).post("/api/v1/attendance-locks/", {}, format="json").status_code == 403
    attempts = [
        token_client(planned.alice.user).post(
            "/api/v1/regularisations/",
            {"date": MONDAY.isoformat(), "items": [{"timestamp": local(MONDAY, "09:00").isoformat()}], "reason": "x"},
            format="json",
        ),
        admin.post(
            "/api/v1/shift-overrides/", {"employee": str(planned.alice.pk), "date": MONDAY.isoformat()}, format="json"
        ),
        admin.post(
            "/api/v1/punches/",
            {"employee": str(planned.alice.pk), "timestamp": local(MONDAY, "09:00").isoformat()},
            format="json",
        ),
    ]
    for response in attempts:
        assert response.status_code == 409 and error_code(response) == "period_locked", response.content
    assert response.json()["error"]["details"]["locked_from"] == "2026-03-01"
    unlocked = admin.delete(f"/api/v1/attendance-locks/{lock.json()['id']}/")
    assert unlocked.status_code == 204
    assert (
        admin.post(
            "/api/v1/shift-overrides/", {"employee": str(planned.alice.pk), "date": MONDAY.isoformat()}, format="json"
        ).status_code
        == 201
    )


def test_an_assignment_reaching_into_a_locked_period_is_refused(
    planned: Any, token_client: Any, office_week: Any
) -> None:
    admin = token_client(planned.admin)
    lock = admin.post("/api/v1/attendance-locks/", {"date_from": "2026-03-01", "date_to": "2026-03-31"}, format="json")
    assert lock.status_code == 201, lock.content
    response = admin.post(
        "/api/v1/schedule-assignments/",
        {"employee": str(planned.bob.pk), "schedule": str(office_week.pk), "start_date": "2026-03-15"},
        format="json",
    )
    assert response.status_code == 409 and error_code(response) == "period_locked"
    after = admin.post(
        "/api/v1/schedule-assignments/",
        {"employee": str(planned.bob.pk), "schedule": str(office_week.pk), "start_date": "2026-04-01"},
        format="json",
    )
    assert after.status_code == 201


# --- Shift swaps -------------------------------------------------------------------------------------


def test_an_approved_swap_exchanges_the_two_shifts(
    planned: Any, token_client: Any, day_shift: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from attendance.services import override_set

    override_set(employee=planned.amir, day=MONDAY, shift=None, actor=planned.admin)  # amir is off on Monday
    alice = token_client(planned.alice.user)
    response = alice.post(
        "/api/v1/shift-swaps/",
        {"counterpart": str(planned.amir.pk), "date": MONDAY.isoformat(), "reason": "Dentist"},
        format="json",
    )
    assert response.status_code == 201, response.content
    swap = response.json()
    assert (swap["status"], swap["requester_shift"], swap["counterpart_shift"]) == ("pending", str(day_shift.pk), None)
    assert token_client(planned.amir.user).get(f"/api/v1/shift-swaps/{swap['id']}/").status_code == 200
    assert token_client(planned.dave.user).get(f"/api/v1/shift-swaps/{swap['id']}/").status_code == 404
    # amir consents first: their manager cannot decide for them.
    assert token_client(planned.bob.user).post(f"/api/v1/shift-swaps/{swap['id']}/approve/").status_code == 403
    consented = token_client(planned.amir.user).post(f"/api/v1/shift-swaps/{swap['id']}/approve/")
    assert consented.status_code == 200 and consented.json()["status"] == "pending"
    with django_capture_on_commit_callbacks(execute=True):
        approved = token_client(planned.bob.user).post(f"/api/v1/shift-swaps/{swap['id']}/approve/")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    overrides = {o.employee_id: o.shift_id for o in ShiftOverride.objects.filter(date=MONDAY)}
    assert overrides == {planned.alice.pk: None, planned.amir.pk: day_shift.pk}
    statuses = {d.employee_id: d.status for d in AttendanceDay.objects.filter(date=MONDAY)}
    assert statuses[planned.alice.pk] == "weekly_off" and statuses[planned.amir.pk] == "absent"


def test_a_swap_with_nothing_to_exchange_is_refused(planned: Any, token_client: Any) -> None:
    response = token_client(planned.alice.user).post(
        "/api/v1/shift-swaps/", {"counterpart": str(planned.amir.pk), "date": MONDAY.isoformat()}, format="json"
    )
    assert response.status_code == 400 and error_code(response) == "validation_error"


def test_a_rejected_swap_changes_nothing_and_a_pending_one_can_be_cancelled(planned: Any, token_client: Any) -> None:
    from attendance.services import override_set

    override_set(employee=planned.amir, day=MONDAY, shift=None, actor=planned.admin)
    alice = token_client(planned.alice.user)
    swap = alice.post(
        "/api/v1/shift-swaps/", {"counterpart": str(planned.amir.pk), "date": MONDAY.isoformat()}, format="json"
    ).json()
    rejected = token_client(planned.amir.user).post(
        f"/api/v1/shift-swaps/{swap['id']}/reject/", {"comment": "Busy day"}
    )
    assert rejected.json()["status"] == "rejected" and rejected.json()["decision_comment"] == "Busy day"
    assert ShiftOverride.objects.filter(employee=planned.alice).count() == 0
    second = alice.post(
        "/api/v1/shift-swaps/", {"counterpart": str(planned.amir.pk), "date": MONDAY.isoformat()}, format="json"
    ).json()
    assert alice.post(f"/api/v1/shift-swaps/{second['id']}/cancel/").json()["status"] == "cancelled"


# --- Reports ---------------------------------------------------------------------------------------


def test_the_monthly_register_shows_codes_and_totals(week: Any, token_client: Any) -> None:
    response = token_client(week.bob.user, ["read:attendance"]).get(
        "/api/v1/attendance/register/", {"month": "2026-03"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert len(body["days"]) == 31 and body["legend"]["MP"] == "Missing punch"
    rows = {row["employee"]["code"]: row for row in body["rows"]}
    assert set(rows) == {"E002", "E003", "E004"}
    alice = rows["E003"]
    assert [c["code"] for c in alice["cells"][1:8]] == ["P", "A", "A", "A", "A", "WO", "WO"]
    assert alice["cells"][0]["code"] == ""  # not computed
    assert rows["E004"]["totals"]["late_count"] == 1 and rows["E004"]["totals"]["late_minutes"] == 20
    assert alice["totals"]["overtime_hours"] == "0.58" and alice["totals"]["absent"] == 4


@pytest.mark.parametrize(
    ("file_format", "content_type", "magic"),
    [
        ("csv", "text/csv", b"Code,Name"),
        ("xlsx", "application/vnd.openxmlformats", b"PK"),
        ("pdf", "application/pdf", b"%PDF"),
    ],
    ids=["as CSV", "as XLSX", "as PDF"],
)
def test_the_register_downloads(
    week: Any, token_client: Any, file_format: str, content_type: str, magic: bytes
) -> None:
    response = token_client(week.admin, ["read:attendance"]).get(
        "/api/v1/attendance/register/", {"month": "2026-03", "format": file_format}
    )
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith(content_type)
    assert response.content.lstrip(b"\xef\xbb\xbf").startswith(magic)
    assert f"attendance-register-2026-03.{file_format}" in response["Content-Disposition"]
    if file_format == "xlsx":
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert sheet is not None and [c.value for c in sheet[1]][:4] == ["Code", "Name", "Department", "01"]


def test_the_register_needs_a_month(week: Any, token_client: Any) -> None:
    response = token_client(week.admin).get("/api/v1/attendance/register/", {"month": "March"})
    assert response.status_code == 400 and "month" in response.json()["error"]["details"]


@pytest.mark.parametrize("month", ["9999-12", "0000-01", "2026-13", "abc", "1969-12", "2100-01", "+2026-03", " 2026-3"])
@pytest.mark.parametrize("path", ["/api/v1/attendance/register/", "/api/v1/attendance/summary/"])
def test_a_month_outside_the_calendar_or_malformed_is_refused(
    week: Any, token_client: Any, path: str, month: str
) -> None:
    """``?month=9999-12`` was accepted (a register for the year 9999); every report refuses it
    with the range the rest of etime accepts (etime.core.dates), naming the parameter."""
    response = token_client(week.admin, ["read:attendance"]).get(path, {"month": month})
    assert response.status_code == 400 and error_code(response) == "validation_error"
    assert list(response.json()["error"]["details"]) == ["month"]


@pytest.mark.parametrize("month", ["1970-01", "2099-12"])
def test_the_first_and_last_supported_months_are_reported(week: Any, token_client: Any, month: str) -> None:
    client = token_client(week.admin, ["read:attendance"])
    assert client.get("/api/v1/attendance/register/", {"month": month}).status_code == 200
    assert client.get("/api/v1/attendance/summary/", {"month": month}).status_code == 200


@pytest.mark.parametrize(("date_after", "date_before"), [("9999-12-01", "9999-12-31"), ("1969-12-01", "1969-12-31")])
def test_a_summary_range_outside_the_calendar_is_refused(
    week: Any, token_client: Any, date_after: str, date_before: str
) -> None:
    response = token_client(week.admin, ["read:attendance"]).get(
        "/api/v1/attendance/summary/", {"date_after": date_after, "date_before": date_before}
    )
    assert response.status_code == 400 and error_code(response) == "validation_error"
    assert set(response.json()["error"]["details"]) == {"date_after", "date_before"}


def test_the_summary_totals_each_employee(week: Any, token_client: Any) -> None:
    response = token_client(week.admin, ["read:attendance"]).get(
        "/api/v1/attendance/summary/",
        {"date_after": MONDAY, "date_before": WEEK_END, "department": week.dave.department_id},
    )
    assert response.status_code == 200, response.content
    rows = {r["employee"]["code"]: r for r in response.json()["results"]}
    assert rows["E006"]["missing_punch"] == 1 and rows["E006"]["absent"] == 4 and rows["E006"]["weekly_off"] == 2
    assert rows["E005"]["weekly_off"] == 7


def test_a_day_that_waits_for_a_device_says_so_in_the_api(planned: Any, token_client: Any, provider: Any) -> None:
    from attendance import providers

    provider(providers.register_device_status_provider, lambda ids: {e: [("dev-1", "Gate", None)] for e in ids})
    import time_machine

    with time_machine.travel(local(MONDAY, "23:00"), tick=False):
        recompute(employee_ids=[planned.alice.pk], date_from=MONDAY, date_to=MONDAY)
    day = (
        token_client(planned.alice.user)
        .get("/api/v1/attendance-days/", {"date_after": MONDAY, "date_before": MONDAY})
        .json()["results"][0]
    )
    assert day["is_final"] is False and day["waiting_for"][0]["name"] == "Gate"
    assert date.fromisoformat(day["date"]) == MONDAY


def test_only_the_requester_or_an_admin_cancels_a_correction(planned: Any, token_client: Any) -> None:
    alice = token_client(planned.alice.user)
    created = alice.post(
        "/api/v1/regularisations/",
        {"date": MONDAY.isoformat(), "items": [{"timestamp": local(MONDAY, "09:00").isoformat()}], "reason": "Forgot"},
        format="json",
    ).json()
    returned = token_client(planned.bob.user).post(
        f"/api/v1/regularisations/{created['id']}/return/", {"comment": "Which door?"}
    )
    assert returned.json()["status"] == "returned"
    by_manager = token_client(planned.bob.user).post(f"/api/v1/regularisations/{created['id']}/cancel/")
    assert by_manager.status_code == 403 and error_code(by_manager) == "approval_not_allowed"
    assert alice.post(f"/api/v1/regularisations/{created['id']}/cancel/").json()["status"] == "cancelled"
    again = alice.post(f"/api/v1/regularisations/{created['id']}/cancel/")
    assert again.status_code == 409 and error_code(again) == "request_not_pending"


def test_a_swap_across_teams_needs_the_counterparts_consent_and_both_managers(
    planned: Any, token_client: Any, day_shift: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Issue #18: once the requester's manager approved, the other team's schedule was
    rewritten without that person or their manager being asked."""
    from attendance.models import ShiftSwapRequest
    from attendance.services import override_set

    override_set(employee=planned.dave, day=MONDAY, shift=None, actor=planned.admin)
    arranged = token_client(planned.admin).post(
        "/api/v1/shift-swaps/",
        {"requester": str(planned.alice.pk), "counterpart": str(planned.dave.pk), "date": MONDAY.isoformat()},
        format="json",
    )
    assert arranged.status_code == 201, arranged.content
    swap_id = arranged.json()["id"]
    path = f"/api/v1/shift-swaps/{swap_id}/approve/"

    def inbox(person: Any) -> list[str]:
        return [a["object_id"] for a in token_client(person).get("/api/v1/approvals/").json()["results"]]

    assert swap_id in inbox(planned.dave.user) and swap_id not in inbox(planned.admin)  # the consent is dave's
    assert token_client(planned.admin).post(path).status_code == 403  # nobody consents for dave
    assert token_client(planned.mona.user).post(path).status_code == 403
    assert token_client(planned.dave.user).post(path).json()["status"] == "pending"
    assert token_client(planned.mona.user).post(path).status_code == 403  # bob's level comes first
    assert swap_id in inbox(planned.bob.user)
    assert token_client(planned.bob.user).post(path).json()["status"] == "pending"
    assert swap_id in inbox(planned.mona.user) and swap_id not in inbox(planned.bob.user)
    assert not ShiftOverride.objects.filter(employee=planned.dave).exclude(swap=None).exists()
    with django_capture_on_commit_callbacks(execute=True):
        final = token_client(planned.mona.user).post(path)
    assert final.status_code == 200 and final.json()["status"] == "approved"
    assert ShiftSwapRequest.objects.get(pk=swap_id).status == "approved"
    assert ShiftOverride.objects.get(employee=planned.dave, date=MONDAY).shift_id == day_shift.pk


def test_an_employee_cannot_offer_a_swap_to_another_managers_team(planned: Any, token_client: Any) -> None:
    from attendance.services import override_set

    override_set(employee=planned.dave, day=MONDAY, shift=None, actor=planned.admin)
    response = token_client(planned.alice.user).post(
        "/api/v1/shift-swaps/", {"counterpart": str(planned.dave.pk), "date": MONDAY.isoformat()}, format="json"
    )
    assert response.status_code == 400 and response.json()["error"]["details"] == {
        "counterpart": ["No employee with this id."]
    }
