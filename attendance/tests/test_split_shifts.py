"""Several shifts per person and date (issue #25) end to end: planning them through the
service, the API and the admin (cycle days with several shifts, overrides and assignments
that add a shift, the overlap check), computing one part per shift through the loader, and
showing the parts in the API, the register, the summary, the calendar and the admin."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

import pytest
from django.urls import reverse

from attendance import engine, selectors
from attendance.models import AttendanceDay, Schedule, ScheduleAssignment, ScheduleDay, Shift, ShiftOverride
from attendance.services import assignment_save, override_set, recompute, schedule_save, shift_save
from attendance.tests.conftest import MONDAY
from etime.core.errors import DomainError

SATURDAY = MONDAY + timedelta(days=5)


def error(response: Any) -> dict[str, Any]:
    return response.json()["error"]


def make_shift(code: str, start: int, end: int) -> Shift:
    return shift_save(
        shift=Shift(
            name=f"Shift {code}",
            code=code,
            start_time=time(start),
            end_time=time(end),
            half_day_below_hours=3,
            absent_below_hours=1,
        ),
        actor=None,
    )


@pytest.fixture
def split(db: Any) -> Any:
    """Midday 10–14 and evening 18–22 shifts, and a weekly schedule with the split on weekdays."""
    midday, evening = make_shift("M", 10, 14), make_shift("E", 18, 22)
    schedule = schedule_save(
        schedule=Schedule(name="Split week", cycle_length=7, anchor_date=date(2026, 1, 5)),
        days=[[midday, evening]] * 5 + [None, None],
        actor=None,
    )
    return {"midday": midday, "evening": evening, "schedule": schedule}


def assign_split(person: Any, split: Any, actor: Any) -> None:
    ScheduleAssignment.objects.filter(employee=person).delete()
    assignment_save(
        assignment=ScheduleAssignment(employee=person, schedule=split["schedule"], start_date=date(2026, 1, 1)),
        actor=actor,
    )


@pytest.mark.embedded
def test_a_cycle_day_plans_two_shifts_in_order(planned: Any, split: Any) -> None:
    assign_split(planned.alice, split, planned.admin)
    plan = selectors.plans_for([planned.alice.pk], MONDAY, SATURDAY)[planned.alice.pk]
    assert [s.code for s in engine.shifts_of(plan[MONDAY])] == ["M", "E"]
    assert SATURDAY not in plan
    rows = ScheduleDay.objects.filter(schedule=split["schedule"], day_index=0).order_by("position")
    assert [(r.position, r.shift.code if r.shift else None) for r in rows] == [(0, "M"), (1, "E")]
    # Timesheets and leave see both shifts' minutes.
    minutes = selectors.planned_minutes(employee_ids=[planned.alice.pk], date_from=MONDAY, date_to=MONDAY)
    assert minutes[(planned.alice.pk, MONDAY)] == 480


@pytest.mark.embedded
def test_overlapping_shifts_of_one_cycle_day_are_refused(split: Any) -> None:
    noon = make_shift("N", 12, 16)
    with pytest.raises(DomainError) as refused:
        schedule_save(
            schedule=Schedule(name="Clash", cycle_length=1, anchor_date=MONDAY),
            days=[[split["midday"], noon]],
            actor=None,
        )
    assert refused.value.code == "shift_overlap" and refused.value.status == 409
    assert not Schedule.objects.filter(name="Clash").exists()


@pytest.mark.embedded
def test_an_override_adds_a_shift_and_refuses_an_overlapping_one(planned: Any, split: Any) -> None:
    override_set(employee=planned.alice, day=MONDAY, shift=split["evening"], adds=True, actor=planned.admin)
    plan = selectors.plans_for([planned.alice.pk], MONDAY, MONDAY)[planned.alice.pk]
    assert [s.code for s in engine.shifts_of(plan[MONDAY])] == ["D", "E"]  # the office day 09–17, then 18–22
    late = make_shift("X", 16, 20)
    with pytest.raises(DomainError) as refused:
        override_set(employee=planned.alice, day=MONDAY, shift=late, adds=True, actor=planned.admin)
    assert refused.value.code == "shift_overlap"
    assert ShiftOverride.objects.filter(employee=planned.alice).count() == 1
    # A replacing override keeps the added shift beside it.
    override_set(employee=planned.alice, day=MONDAY, shift=split["midday"], actor=planned.admin)
    plan = selectors.plans_for([planned.alice.pk], MONDAY, MONDAY)[planned.alice.pk]
    assert [s.code for s in engine.shifts_of(plan[MONDAY])] == ["M", "E"]


def test_the_api_plans_several_shifts_a_day(planned: Any, split: Any, token_client: Any) -> None:
    admin = token_client(planned.admin, ["read:attendance", "write:attendance"])
    m, e = str(split["midday"].pk), str(split["evening"].pk)
    created = admin.post(
        "/api/v1/schedules/",
        {"name": "Saturday split", "cycle_length": 7, "anchor_date": "2026-01-05", "days": [None] * 5 + [[e, m], None]},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["days"] == [None] * 5 + [[m, e], None]  # in planned order
    got = admin.get(f"/api/v1/schedules/{split['schedule'].pk}/").json()
    assert got["days"][0] == [m, e] and got["days"][5] is None
    noon = make_shift("N", 12, 16)
    clash = admin.post(
        "/api/v1/schedules/",
        {"name": "Clash", "cycle_length": 1, "anchor_date": "2026-01-05", "days": [[m, str(noon.pk)]]},
        format="json",
    )
    assert clash.status_code == 409 and error(clash)["code"] == "shift_overlap"
    bad = admin.post(
        "/api/v1/schedules/",
        {"name": "Bad", "cycle_length": 1, "anchor_date": "2026-01-05", "days": [7]},
        format="json",
    )
    assert bad.status_code == 400
    # An additional assignment adds the Saturday split beside the office week; a clash is 409.
    saturday = Schedule.objects.get(name="Saturday split")
    added = admin.post(
        "/api/v1/schedule-assignments/",
        {
            "employee": str(planned.alice.pk),
            "schedule": str(saturday.pk),
            "start_date": "2026-03-01",
            "additional": True,
        },
        format="json",
    )
    assert added.status_code == 201, added.content
    assert added.json()["additional"] is True
    plan = selectors.plans_for([planned.alice.pk], SATURDAY, SATURDAY)[planned.alice.pk]
    assert [s.code for s in engine.shifts_of(plan[SATURDAY])] == ["M", "E"]
    weekday_noon = admin.post(
        "/api/v1/schedules/",
        {"name": "Noon", "cycle_length": 1, "anchor_date": "2026-01-05", "days": [str(noon.pk)]},
        format="json",
    ).json()
    clash = admin.post(
        "/api/v1/schedule-assignments/",
        {
            "employee": str(planned.alice.pk),
            "schedule": weekday_noon["id"],
            "start_date": "2026-03-01",
            "additional": True,
        },
        format="json",
    )
    assert clash.status_code == 409 and error(clash)["code"] == "shift_overlap"
    assert error(clash)["details"]["date"] == "2026-03-02"  # the first Monday: 12–16 inside the 09–17 day
    # A second shift by override; its overlap is refused the same way.
    override = admin.post(
        "/api/v1/shift-overrides/",
        {"employee": str(planned.alice.pk), "date": "2026-03-03", "shift": e, "adds": True},
        format="json",
    )
    assert override.status_code == 201 and override.json()["adds"] is True
    clash = admin.post(
        "/api/v1/shift-overrides/",
        {"employee": str(planned.alice.pk), "date": "2026-03-03", "shift": str(noon.pk), "adds": True},
        format="json",
    )
    assert clash.status_code == 409 and error(clash)["code"] == "shift_overlap"
    assert ShiftOverride.objects.filter(employee=planned.alice, date=date(2026, 3, 3)).count() == 1


def test_a_split_day_is_computed_per_shift_and_shown_everywhere(
    planned: Any, split: Any, clock: Any, token_client: Any, client: Any, admin_client: Any
) -> None:
    assign_split(planned.alice, split, planned.admin)
    clock("1", MONDAY, "10:00", "14:00")  # the evening half missed
    clock("1", MONDAY + timedelta(days=1), "10:00", "14:00", "18:00", "22:00")
    recompute(employee_ids=[planned.alice.pk], date_from=MONDAY, date_to=MONDAY + timedelta(days=1))
    monday = AttendanceDay.objects.get(employee=planned.alice, date=MONDAY)
    assert (monday.status, monday.worked_minutes, monday.punch_count) == ("half_day", 240, 2)
    assert [(p["code"], p["status"], p["worked_minutes"]) for p in monday.parts] == [
        ("M", "present", 240),
        ("E", "absent", 0),
    ]

    api = token_client(planned.admin)
    body = api.get(
        "/api/v1/attendance-days/",
        {"employee": str(planned.alice.pk), "date_after": "2026-03-02", "date_before": "2026-03-03"},
    ).json()
    days = {d["date"]: d for d in body["results"]}
    assert days["2026-03-02"]["status"] == "half_day"
    assert [(p["code"], p["status"]) for p in days["2026-03-02"]["parts"]] == [("M", "present"), ("E", "absent")]
    assert days["2026-03-03"]["status"] == "present" and days["2026-03-03"]["worked_minutes"] == 480

    register = api.get("/api/v1/attendance/register/", {"month": "2026-03"}).json()
    alice = next(r for r in register["rows"] if r["employee"]["code"] == planned.alice.code)
    assert alice["cells"][1]["code"] == "P/A" and alice["cells"][2]["code"] == "P/P"  # cells[0] is Sunday 1 March
    assert [p["code"] for p in alice["cells"][1]["parts"]] == ["M", "E"]
    assert (alice["totals"]["split_days"], alice["totals"]["shifts_absent"]) == (2, 1)
    summary = api.get("/api/v1/attendance/summary/", {"month": "2026-03", "employee": str(planned.alice.pk)}).json()
    assert summary["results"][0]["split_days"] == 2

    client.force_login(planned.alice.user)
    page = client.get(reverse("attendance_mine"), {"month": "2026-03"}).content.decode()
    assert page.count('data-testid="day-parts"') == 2
    assert "<strong>M</strong> Present" in page and "<strong>E</strong> Absent" in page
    client.force_login(planned.bob.user)
    team = client.get(reverse("attendance_team"), {"month": "2026-03"}).content.decode()
    assert ">P/A</td>" in team

    admin_client.force_login(planned.admin)  # the same test client as ``client``
    changelist = admin_client.get(reverse("admin:attendance_attendanceday_changelist")).content.decode()
    assert "M: Present 4 h 00 min<br>E: Absent </td>" in changelist


def test_a_single_shift_day_keeps_its_shape_with_one_part(planned: Any, clock: Any, token_client: Any) -> None:
    clock("1", MONDAY, "09:00", "17:00")
    recompute(employee_ids=[planned.alice.pk], date_from=MONDAY, date_to=MONDAY)
    row = AttendanceDay.objects.get(employee=planned.alice, date=MONDAY)
    assert row.parts == [] and row.status == "present"
    body = token_client(planned.admin).get("/api/v1/attendance-days/", {"employee": str(planned.alice.pk)}).json()
    [day] = [d for d in body["results"] if d["date"] == "2026-03-02"]
    assert [(p["code"], p["status"], p["worked_minutes"]) for p in day["parts"]] == [("D", "present", 450)]
    register = token_client(planned.admin).get("/api/v1/attendance/register/", {"month": "2026-03"}).json()
    alice = next(r for r in register["rows"] if r["employee"]["code"] == planned.alice.code)
    assert alice["cells"][1]["code"] == "P" and "parts" not in alice["cells"][1]


def test_the_admin_plans_several_shifts(planned: Any, split: Any, admin_client: Any) -> None:
    add = admin_client.post(
        reverse("admin:attendance_schedule_add"),
        {
            "name": "Admin split",
            "cycle_length": 3,
            "anchor_date": "2026-01-05",
            "description": "",
            "pattern": "E+M - M",
        },
    )
    assert add.status_code == 302, add.content.decode()[:3000]
    schedule = Schedule.objects.get(name="Admin split")
    assert [
        (d.day_index, d.position, d.shift.code if d.shift else None)
        for d in schedule.days.order_by("day_index", "position")
    ] == [
        (0, 0, "M"),
        (0, 1, "E"),
        (1, 0, None),
        (2, 0, "M"),
    ]
    changelist = admin_client.get(reverse("admin:attendance_schedule_changelist")).content.decode()
    assert "M+E - M" in changelist
    form = admin_client.get(reverse("admin:attendance_schedule_change", args=[schedule.pk])).content.decode()
    assert 'value="M+E - M"' in form
    make_shift("N", 12, 16)
    clash = admin_client.post(
        reverse("admin:attendance_schedule_add"),
        {"name": "Admin clash", "cycle_length": 1, "anchor_date": "2026-01-05", "description": "", "pattern": "M+N"},
    )
    assert clash.status_code == 200 and "overlap" in clash.content.decode()
    assert not Schedule.objects.filter(name="Admin clash").exists()

    override = admin_client.post(
        reverse("admin:attendance_shiftoverride_add"),
        {
            "employee": str(planned.alice.pk),
            "date": "2026-03-02",
            "shift": str(split["evening"].pk),
            "adds": "on",
            "reason": "Event",
        },
    )
    assert override.status_code == 302, override.content.decode()[:3000]
    assert ShiftOverride.objects.get(employee=planned.alice).adds
    noon = Shift.objects.get(code="N")
    clash = admin_client.post(
        reverse("admin:attendance_shiftoverride_add"),
        {"employee": str(planned.alice.pk), "date": "2026-03-02", "shift": str(noon.pk), "adds": "on", "reason": ""},
    )
    assert clash.status_code == 200 and "shift_overlap" in clash.content.decode()
    assert ShiftOverride.objects.filter(employee=planned.alice).count() == 1
    roster = admin_client.get(reverse("admin:attendance_roster"), {"start": "2026-03-02"}).content.decode()
    assert "D+E" in roster

    evenings = schedule_save(
        schedule=Schedule(name="Evenings", cycle_length=1, anchor_date=MONDAY), days=[split["evening"]], actor=None
    )
    assignment = admin_client.post(
        reverse("admin:attendance_scheduleassignment_add"),
        {
            "employee": str(planned.alice.pk),
            "schedule": str(evenings.pk),
            "start_date": "2026-03-07",
            "additional": "on",
        },
    )
    assert assignment.status_code == 302, assignment.content.decode()[:3000]
    clash = admin_client.post(
        reverse("admin:attendance_scheduleassignment_add"),
        {
            "employee": str(planned.alice.pk),
            "schedule": str(schedule.pk),
            "start_date": "2026-03-02",
            "end_date": "2026-03-02",
        },
    )
    assert clash.status_code == 200 and "schedule_assignment_overlap" in clash.content.decode()


def test_a_day_of_several_shifts_cannot_be_swapped(planned: Any, split: Any, token_client: Any) -> None:
    override_set(employee=planned.alice, day=MONDAY, shift=split["evening"], adds=True, actor=planned.admin)
    response = token_client(planned.alice).post(
        "/api/v1/shift-swaps/", {"counterpart": str(planned.amir.pk), "date": "2026-03-02"}, format="json"
    )
    assert response.status_code == 400, response.content
    assert "several shifts" in error(response)["message"]
