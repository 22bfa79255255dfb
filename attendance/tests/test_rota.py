"""Rota rules end to end (issue #25): a shift's holiday rule, the in_out pairing mode from a
direction rule, a manual day status (service, API, admin, page) that survives recomputation
until cleared, the absence delay through the periodic close, and the API routes for the
direction rules and the attendance settings."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from attendance import providers
from attendance.models import AttendanceDay, ManualDayStatus, PunchDirectionRule, Shift
from attendance.services import (
    PunchInput,
    close_days,
    day_status_clear,
    day_status_set,
    period_lock_create,
    punches_ingest,
    recompute,
    shift_save,
)
from attendance.tests.conftest import DEVICE, MONDAY, local
from etime.core.models import AuditEvent

TUESDAY = MONDAY + timedelta(days=1)


def error(response: Any) -> dict[str, Any]:
    return response.json()["error"]


def day(employee: Any, on: date = MONDAY) -> AttendanceDay | None:
    return AttendanceDay.objects.filter(employee=employee, date=on).first()


# --- Holiday rule and pairing mode through the loader ---------------------------------------------


@pytest.mark.embedded
@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("overtime", ("present", 450, 450)),
        ("normal", ("present", 450, 0)),
        ("ignored", ("holiday", 0, 0)),
    ],
)
def test_a_shifts_holiday_rule_decides_a_worked_holiday(
    planned: Any, clock: Any, provider: Any, day_shift: Any, rule: str, expected: tuple[Any, ...]
) -> None:
    provider(providers.register_holiday_provider, lambda ids, first, last: {(e, MONDAY) for e in ids})
    day_shift.holiday_work = rule
    shift_save(shift=day_shift, actor=planned.admin)
    clock("1", MONDAY, "09:00", "17:00")
    recompute(employee_ids=[planned.alice.pk], date_from=MONDAY, date_to=MONDAY)
    row = day(planned.alice)
    assert row is not None and (row.status, row.worked_minutes, row.overtime_minutes) == expected
    assert row.is_holiday and row.punch_count == 2


@pytest.mark.embedded
def test_the_in_out_rule_of_a_location_pairs_first_in_to_last_out(planned: Any, clock: Any) -> None:
    clock("1", MONDAY)  # gives alice her device user id
    punches_ingest(
        device_id=DEVICE,
        records=[
            PunchInput("1", local(MONDAY, "08:00"), "out"),  # leaving the night before's errand: not an in
            PunchInput("1", local(MONDAY, "09:10"), "in"),
            PunchInput("1", local(MONDAY, "12:00"), "out"),
            PunchInput("1", local(MONDAY, "13:00"), "in"),
            PunchInput("1", local(MONDAY, "17:00"), "out"),
        ],
    )
    PunchDirectionRule.objects.create(location=planned.alice.location, mode="in_out")
    recompute(employee_ids=[planned.alice.pk], date_from=MONDAY, date_to=MONDAY)
    row = day(planned.alice)
    assert row is not None
    assert (row.first_in, row.last_out, row.late_minutes, row.worked_minutes) == (
        local(MONDAY, "09:10"),
        local(MONDAY, "17:00"),
        10,
        440,
    )


# --- Manual day status -------------------------------------------------------------------------------


@pytest.mark.embedded
def test_a_manual_status_survives_recomputation_until_it_is_cleared(planned: Any) -> None:
    people = planned
    recompute(employee_ids=[people.alice.pk], date_from=MONDAY, date_to=MONDAY)
    assert day(people.alice).status == "absent"  # type: ignore[union-attr]

    row = day_status_set(
        employee=people.alice, day=MONDAY, status="present", reason="Business trip", actor=people.bob.user
    )
    assert row is not None and (row.status, row.is_manual, row.manual_reason, row.manual_by_id) == (
        "present",
        True,
        "Business trip",
        people.bob.user.pk,
    )
    recompute(employee_ids=None, date_from=MONDAY, date_to=MONDAY)
    assert day(people.alice).status == "present"  # type: ignore[union-attr]

    cleared = day_status_clear(employee=people.alice, day=MONDAY, actor=people.bob.user)
    assert cleared is not None and (cleared.status, cleared.is_manual, cleared.manual_reason) == ("absent", False, "")
    actions = list(
        AuditEvent.objects.filter(action__startswith="attendance_day.status").values_list("action", flat=True)
    )
    assert sorted(actions) == ["attendance_day.status_cleared", "attendance_day.status_set"]


def test_a_manual_status_set_ahead_shows_before_the_day_has_ended(planned: Any) -> None:
    with time_machine.travel(datetime(2026, 3, 1, 12, 0, tzinfo=UTC), tick=False):
        row = day_status_set(
            employee=planned.alice, day=TUESDAY, status="present", reason="Trade fair", actor=planned.admin
        )
    assert row is not None and row.status == "present" and not row.is_final


def test_only_an_admin_or_the_persons_manager_sets_a_status(planned: Any) -> None:
    from etime.core.access import ActingNotAllowed

    for actor in (planned.alice.user, planned.amir.user, planned.mona.user):
        with pytest.raises(ActingNotAllowed):
            day_status_set(employee=planned.alice, day=MONDAY, status="present", reason="x", actor=actor)
    assert not ManualDayStatus.objects.exists()


# --- Absence delay through the periodic close -----------------------------------------------------------


@pytest.mark.embedded
def test_with_a_delay_the_periodic_close_records_an_absence_only_after_it(
    planned: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from etime.ops.company import company_settings_update

    company_settings_update(actor=planned.admin, absent_after_hours=24)
    close = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)  # Monday's window closes at 21:00 Zurich
    for now, expected in [
        (close, None),
        (close + timedelta(hours=24) - timedelta(seconds=1), None),
        (close + timedelta(hours=24), "absent"),
    ]:
        with time_machine.travel(now, tick=False), django_capture_on_commit_callbacks(execute=True):
            close_days()
        row = day(planned.alice)
        assert (row.status if row else None) == expected, now
    # Bob has no shift: his weekly off is not delayed.
    assert day(planned.bob).status == "weekly_off"  # type: ignore[union-attr]


# --- API ----------------------------------------------------------------------------------------------


def test_a_manager_sets_and_clears_a_status_through_the_api(planned: Any, token_client: Any) -> None:
    bob = token_client(planned.bob, ["read:attendance", "write:attendance"])
    body = {"employee": str(planned.alice.pk), "date": "2026-03-02", "status": "present", "reason": "Business trip"}
    created = bob.post("/api/v1/manual-day-statuses/", body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["status"] == "present" and created.json()["set_by"] == str(planned.bob.user.pk)
    days = bob.get(
        "/api/v1/attendance-days/",
        {"employee": str(planned.alice.pk), "date_after": "2026-03-02", "date_before": "2026-03-02"},
    )
    [shown] = days.json()["results"]
    assert (shown["status"], shown["is_manual"], shown["manual_reason"], shown["manual_by"]) == (
        "present",
        True,
        "Business trip",
        str(planned.bob.user.pk),
    )
    # Setting it again replaces it.
    again = bob.post(
        "/api/v1/manual-day-statuses/", {**body, "status": "half_day", "reason": "Half a trip"}, format="json"
    )
    assert again.status_code == 201 and again.json()["id"] == created.json()["id"]
    assert day(planned.alice).status == "half_day"  # type: ignore[union-attr]
    alice = token_client(planned.alice)
    assert [m["reason"] for m in alice.get("/api/v1/manual-day-statuses/").json()["results"]] == ["Half a trip"]
    assert alice.delete(f"/api/v1/manual-day-statuses/{created.json()['id']}/").status_code == 403
    assert bob.delete(f"/api/v1/manual-day-statuses/{created.json()['id']}/").status_code == 204
    row = day(planned.alice)
    assert row is not None and (row.status, row.is_manual) == ("absent", False)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"status": "missing_punch"}, "status"),
        ({"status": "sleeping"}, "status"),
        ({"reason": ""}, "reason"),
        ({"reason": "   "}, "reason"),
        ({"date": "2026-02-30"}, "date"),
        ({"date": "1899-12-31"}, "date"),
    ],
)
def test_a_manual_status_needs_a_real_status_a_reason_and_a_date(
    planned: Any, token_client: Any, change: dict[str, Any], field: str
) -> None:
    body = {"employee": str(planned.alice.pk), "date": "2026-03-02", "status": "present", "reason": "Trip", **change}
    response = token_client(planned.admin).post("/api/v1/manual-day-statuses/", body, format="json")
    assert response.status_code == 400 and error(response)["code"] == "validation_error"
    assert field in error(response)["details"]


def test_a_manual_status_is_refused_by_person_scope_and_lock(planned: Any, token_client: Any) -> None:
    body = {"employee": str(planned.alice.pk), "date": "2026-03-02", "status": "present", "reason": "Trip"}
    own = token_client(planned.alice).post("/api/v1/manual-day-statuses/", body, format="json")
    assert own.status_code == 403 and error(own)["code"] == "acting_not_allowed"
    outsider = token_client(planned.mona).post("/api/v1/manual-day-statuses/", body, format="json")
    assert outsider.status_code == 400 and "employee" in error(outsider)["details"]
    read_only = token_client(planned.admin, ["read:attendance"]).post(
        "/api/v1/manual-day-statuses/", body, format="json"
    )
    assert read_only.status_code == 403
    period_lock_create(date_from=MONDAY, date_to=MONDAY, actor=planned.admin)
    locked = token_client(planned.admin).post("/api/v1/manual-day-statuses/", body, format="json")
    assert locked.status_code == 409 and error(locked)["code"] == "period_locked"
    assert not ManualDayStatus.objects.exists()


def test_admins_manage_direction_rules_through_the_api(planned: Any, token_client: Any) -> None:
    admin = token_client(planned.admin, ["read:attendance", "write:attendance"])
    location = str(planned.alice.location_id)
    created = admin.post("/api/v1/punch-direction-rules/", {"location": location, "mode": "in_out"}, format="json")
    assert created.status_code == 201, created.content
    rule = created.json()
    assert (rule["location"], rule["device_id"], rule["mode"]) == (location, None, "in_out")
    assert AuditEvent.objects.filter(action="punch_direction_rule.created").count() == 1
    changed = admin.patch(f"/api/v1/punch-direction-rules/{rule['id']}/", {"mode": "alternating"}, format="json")
    assert changed.status_code == 200 and changed.json()["mode"] == "alternating"
    assert [r["mode"] for r in admin.get("/api/v1/punch-direction-rules/").json()["results"]] == ["alternating"]

    twice = admin.post("/api/v1/punch-direction-rules/", {"location": location, "mode": "first_last"}, format="json")
    assert twice.status_code == 400 and error(twice)["code"] == "validation_error"
    both = admin.post(
        "/api/v1/punch-direction-rules/",
        {"location": location, "device_id": str(DEVICE), "mode": "in_out"},
        format="json",
    )
    assert both.status_code == 400 and error(both)["code"] == "validation_error"
    neither = admin.post("/api/v1/punch-direction-rules/", {"mode": "in_out"}, format="json")
    assert neither.status_code == 400 and error(neither)["code"] == "validation_error"
    bad_mode = admin.post(
        "/api/v1/punch-direction-rules/", {"device_id": str(DEVICE), "mode": "sideways"}, format="json"
    )
    assert bad_mode.status_code == 400 and "mode" in error(bad_mode)["details"]

    assert token_client(planned.bob).get("/api/v1/punch-direction-rules/").status_code == 403
    read_only = token_client(planned.admin, ["read:attendance"])
    assert read_only.delete(f"/api/v1/punch-direction-rules/{rule['id']}/").status_code == 403
    assert admin.delete(f"/api/v1/punch-direction-rules/{rule['id']}/").status_code == 204
    assert not PunchDirectionRule.objects.exists()


def test_the_attendance_settings_are_in_the_api(planned: Any, token_client: Any) -> None:
    admin = token_client(planned.admin)
    shift = admin.post(
        "/api/v1/shifts/",
        {"name": "Care", "code": "C", "start_time": "07:00", "end_time": "15:00", "holiday_work": "ignored"},
        format="json",
    )
    assert shift.status_code == 201 and shift.json()["holiday_work"] == "ignored"
    assert Shift.objects.get(code="C").holiday_work == "ignored"
    bad = admin.post(
        "/api/v1/shifts/",
        {"name": "X", "code": "X", "start_time": "07:00", "end_time": "15:00", "holiday_work": "double"},
        format="json",
    )
    assert bad.status_code == 400 and "holiday_work" in error(bad)["details"]

    assert admin.get("/api/v1/settings/").json()["absent_after_hours"] == 0
    changed = admin.patch("/api/v1/settings/", {"absent_after_hours": 24}, format="json")
    assert changed.status_code == 200 and changed.json()["absent_after_hours"] == 24
    too_long = admin.patch("/api/v1/settings/", {"absent_after_hours": 73}, format="json")
    assert too_long.status_code == 400 and "absent_after_hours" in error(too_long)["details"]
    assert (
        token_client(planned.bob).patch("/api/v1/settings/", {"absent_after_hours": 1}, format="json").status_code
        == 403
    )


# --- Admin and pages ------------------------------------------------------------------------------------


def test_the_admin_sets_a_status_and_clears_it_with_an_action(planned: Any, admin_client: Any) -> None:
    response = admin_client.post(
        reverse("admin:attendance_manualdaystatus_add"),
        {"employee": str(planned.alice.pk), "date": "2026-03-02", "status": "present", "reason": "Business trip"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    row = day(planned.alice)
    assert row is not None and row.is_manual and row.status == "present"
    changelist = admin_client.get(reverse("admin:attendance_attendanceday_changelist"))
    assert "manual: Business trip" in changelist.content.decode()
    cleared = admin_client.post(
        reverse("admin:attendance_attendanceday_changelist"),
        {"action": "clear_manual_status", "_selected_action": [str(row.pk)]},
    )
    assert cleared.status_code == 302
    row.refresh_from_db()
    assert not row.is_manual and row.status == "absent" and not ManualDayStatus.objects.exists()


def test_the_admin_form_refuses_an_admins_own_day(planned: Any, admin_client: Any) -> None:
    from accounts.services import employee_create

    me = employee_create(
        actor=planned.admin,
        code="E099",
        first_name="Olga",
        last_name="Own",
        email="olga@example.com",
        role="admin",
        password="x-Long-enough-9",
    )
    assert me.user is not None
    me.user.is_superuser = True  # as admin_client's admin: the admin site's model permissions
    me.user.save(update_fields=["is_superuser"])
    admin_client.force_login(me.user)
    response = admin_client.post(
        reverse("admin:attendance_manualdaystatus_add"),
        {"employee": str(me.pk), "date": "2026-03-02", "status": "present", "reason": "Me"},
    )
    assert response.status_code == 200 and "acting_not_allowed" in response.content.decode()
    assert not ManualDayStatus.objects.exists()


def test_a_manager_sets_a_status_on_the_members_page_and_everyone_sees_manual(planned: Any, client: Any) -> None:
    member = reverse("attendance_member", args=[planned.alice.pk])
    client.force_login(planned.bob.user)
    page = client.get(member, {"month": "2026-03"}).content.decode()
    assert 'data-testid="manual-status"' in page
    response = client.post(
        reverse("attendance_member_day_status", args=[planned.alice.pk]),
        {"date": "2026-03-02", "status": "present", "reason": "Business trip"},
    )
    assert response.status_code == 302 and response["Location"].endswith("?month=2026-03")
    page = client.get(member, {"month": "2026-03"}).content.decode()
    assert 'class="badge manual" title="Business trip"' in page and "Business trip" in page
    client.force_login(planned.alice.user)
    mine = client.get(reverse("attendance_mine"), {"month": "2026-03"}).content.decode()
    assert 'class="badge manual"' in mine
    # The person cannot set their own day.
    refused = client.post(
        reverse("attendance_member_day_status", args=[planned.alice.pk]),
        {"date": "2026-03-03", "status": "present", "reason": "Me"},
    )
    assert refused.status_code == 403 and not ManualDayStatus.objects.filter(date=TUESDAY).exists()
    client.force_login(planned.bob.user)
    client.post(reverse("attendance_member_day_status", args=[planned.alice.pk]), {"date": "2026-03-02", "clear": "1"})
    assert not ManualDayStatus.objects.exists() and day(planned.alice).status == "absent"  # type: ignore[union-attr]


def test_the_register_marks_manual_days(planned: Any, token_client: Any) -> None:
    day_status_set(employee=planned.alice, day=MONDAY, status="present", reason="Trip", actor=planned.admin)
    body = token_client(planned.admin).get("/api/v1/attendance/register/", {"month": "2026-03"}).json()
    alice = next(r for r in body["rows"] if r["employee"]["code"] == planned.alice.code)
    cell = alice["cells"][1]
    assert (cell["code"], cell["is_manual"]) == ("P!", True)
    assert "!" in body["legend"]
