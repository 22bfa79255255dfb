"""One small company with one object of every kind the API serves, owned where it can be by
alice (an employee in bob's team). Built through the services, as the product builds them.

Used by the authorization matrix and the fuzzing tests: ``build_world(people)`` returns a
dict ``key -> object``; the matrix rows name these keys for ``{id}`` in a path.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

ZURICH = ZoneInfo("Europe/Zurich")


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=ZURICH)


def build_world(people: Any) -> dict[str, Any]:
    from accounts.holidays import calendar_for_region
    from accounts.models import Department, Location
    from accounts.services import employee_update
    from attendance.models import AttendanceDay, PeriodLock, PunchDirectionRule, Schedule, ScheduleAssignment, Shift
    from attendance.services import (
        assignment_save,
        day_status_set,
        direction_rule_save,
        override_set,
        punch_create,
        recompute,
        regularisation_request,
        schedule_save,
        shift_save,
        swap_request,
    )
    from attendance.services.locks import period_lock_create
    from devices.services.clients import client_device_register
    from devices.services.devices import device_create
    from etime.core.models import ApprovalRequest, AuditEvent
    from leave.models import LeavePolicy, LeaveType, LedgerEntry
    from leave.services import allocation_create, leave_policy_assign, leave_policy_save, leave_request_submit
    from timesheets import services as ts
    from timesheets.models import Client, Project, RateLevel, Task

    admin, alice, amir = people.admin, people.alice, people.amir
    w: dict[str, Any] = {}
    w["employee"] = alice
    w["department"] = Department.objects.get(code="ENG")
    w["location"] = Location.objects.get(name="Zurich")
    employee_update(employee=alice, actor=admin, device_user_id="101")

    # Attendance: a plan, a punch, a computed day, a correction, a swap, a lock.
    shift = shift_save(shift=Shift(name="Day", code="D", start_time=time(9), end_time=time(17)), actor=admin)
    schedule = schedule_save(
        schedule=Schedule(name="Office week", cycle_length=7, anchor_date=date(2026, 1, 5)),
        days=[shift] * 5 + [None, None],
        actor=admin,
    )
    w["shift"], w["schedule"] = shift, schedule
    for person in (alice, amir):
        assignment_save(
            assignment=ScheduleAssignment(employee=person, schedule=schedule, start_date=date(2026, 1, 1)), actor=admin
        )
    w["schedule_assignment"] = ScheduleAssignment.objects.get(employee=alice)
    day = date(2026, 3, 2)  # a Monday
    w["shift_override"] = override_set(employee=alice, day=date(2026, 3, 3), shift=None, actor=admin)
    # Entered by the admin: a person's own punch takes the server's time (the punch policy).
    w["punch"] = punch_create(employee=alice, timestamp=at(day, 9), source="manual", actor=admin, direction="in")
    punch_create(employee=alice, timestamp=at(day, 17), source="manual", actor=admin, direction="out")
    recompute(employee_ids=[alice.pk], date_from=day, date_to=day)
    w["attendance_day"] = AttendanceDay.objects.get(employee=alice, date=day)
    w["regularisation"] = regularisation_request(
        employee=alice,
        day=date(2026, 3, 4),
        reason="forgot to punch",
        actor=alice.user,
        items=[{"timestamp": at(date(2026, 3, 4), 9).isoformat(), "direction": "in"}],
    )
    override_set(employee=amir, day=date(2026, 6, 1), shift=None, actor=admin)  # something to swap
    w["shift_swap"] = swap_request(requester=alice, counterpart=amir, day=date(2026, 6, 1), actor=alice.user)
    w["attendance_lock"] = period_lock_create(date_from=date(2025, 1, 1), date_to=date(2025, 1, 31), actor=admin)
    assert isinstance(w["attendance_lock"], PeriodLock)
    day_status_set(employee=alice, day=date(2026, 3, 5), status="present", reason="Business trip", actor=admin)
    w["manual_day_status"] = alice.manual_day_statuses.get(date=date(2026, 3, 5))
    w["punch_direction_rule"] = direction_rule_save(
        rule=PunchDirectionRule(device_id=uuid.UUID("00000000-0000-4000-8000-0000000d1e00"), mode="in_out"), actor=admin
    )

    w["device"] = device_create(actor=admin, name="Front door", host="127.0.0.1", port=4370, comm_key=1234)
    w["client_device"] = client_device_register(owner=alice, actor=alice.user, name="Alice's phone")[0]

    # Leave: a type with a manager approval, a policy, a balance, a pending request.
    vacation = LeaveType.objects.create(code="VAC", name="Vacation", approval_levels=[{"type": "manager"}])
    w["leave_type"] = vacation
    w["leave_policy"] = leave_policy_save(
        policy=LeavePolicy(leave_type=vacation, name="Standard", yearly_days=Decimal("20")), actor=admin
    )
    w["leave_policy_assignment"] = leave_policy_assign(
        policy=w["leave_policy"], actor=admin, department=w["department"]
    )
    w["holiday_calendar"] = calendar_for_region("CH", "ZH")
    w["leave_allocation"] = allocation_create(
        employee=alice, leave_type=vacation, year=2026, days=Decimal("20"), actor=admin
    )
    w["leave_ledger"] = LedgerEntry.objects.filter(employee=alice).first()
    w["leave_request"] = leave_request_submit(
        employee=alice,
        leave_type=vacation,
        start_date=date(2026, 7, 6),
        end_date=date(2026, 7, 7),
        actor=alice.user,
        today=date(2026, 1, 5),
    )
    w["approval"] = ApprovalRequest.objects.filter(object_id=str(w["leave_request"].pk)).first() or (
        ApprovalRequest.objects.order_by("-created_at").first()
    )

    # Time tracking: catalog, a rate, an entry, a submitted week.
    client = ts.client_save(client=Client(name="Acme AG", currency="CHF", country="CH"), actor=admin)
    project = ts.project_save(project=Project(client=client, name="Website"), actor=admin)
    w["client"], w["project"] = client, project
    w["task"] = ts.task_save(task=Task(project=project, name="Design"), actor=admin)
    w["rate"] = ts.rate_create(
        level=RateLevel.CLIENT,
        target_id=client.pk,
        amount=Decimal("120.00"),
        effective_from=date(2024, 1, 1),
        actor=admin,
    )
    w["time_entry"] = ts.time_entry_create(
        employee=alice, project=project, start=at(date(2026, 2, 2), 8), end=at(date(2026, 2, 2), 10), actor=alice.user
    )
    ts.time_entry_create(
        employee=alice, project=project, start=at(date(2026, 2, 9), 8), end=at(date(2026, 2, 9), 10), actor=alice.user
    )
    w["timesheet"] = ts.timesheet_submit(employee=alice, week=date(2026, 2, 9), actor=alice.user)

    # Billing: a vendor, a category, billable expenses, a draft with its line, an issued
    # invoice with a payment, and a background job (ops).
    from billing import services as bs
    from billing.models import Expense, ExpenseCategory, MileageRate, PerDiemRate, Vendor
    from etime.ops.models import Job

    w["expense_vendor"] = bs.catalog_save(obj=Vendor(name="Rail"), actor=admin)
    w["expense_category"] = bs.catalog_save(obj=ExpenseCategory(name="Travel"), actor=admin)
    w["mileage_rate"] = bs.catalog_save(
        obj=MileageRate(vehicle="car", rate_per_km=Decimal("0.70"), currency="CHF", valid_from=date(2020, 1, 1)),
        actor=admin,
    )
    w["per_diem_rate"] = bs.catalog_save(
        obj=PerDiemRate(
            country="DE", full_day=Decimal("28"), partial_day=Decimal("14"), currency="EUR", valid_from=date(2020, 1, 1)
        ),
        actor=admin,
    )
    for day_, key in ((date(2026, 2, 10), "expense"), (date(2026, 3, 10), None)):
        expense = bs.expense_save(
            expense=Expense(
                date=day_,
                vendor=w["expense_vendor"],
                category=w["expense_category"],
                amount=Decimal("50.00"),
                currency="CHF",
                billable=True,
                project=project,
                employee=alice,
            ),
            actor=admin,
        )
        if key:
            w[key] = expense
    import io

    w["expense_with_receipt"] = bs.expense_save(
        expense=Expense(date=date(2026, 2, 11), amount=Decimal("12.50"), currency="CHF", employee=alice),
        actor=admin,
        receipt_file=io.BytesIO(b"%PDF-1.4 receipt"),
        receipt_name="receipt.pdf",
    )
    w["invoice"] = bs.invoice_create_draft(
        client=client, period_start=date(2026, 2, 1), period_end=date(2026, 2, 28), actor=admin
    )
    w["invoice_line"] = w["invoice"].lines.first()
    issued = bs.invoice_create_draft(
        client=client, period_start=date(2026, 3, 1), period_end=date(2026, 3, 31), actor=admin
    )
    w["issued_invoice"] = bs.invoice_issue(invoice=issued, actor=admin, issue_date=date(2026, 4, 1), render_pdf=False)
    w["payment"] = bs.payment_record(
        invoice=w["issued_invoice"], actor=admin, amount=Decimal("10.00"), day=date(2026, 4, 2)
    )
    w["job"] = Job.objects.create(kind="backup", started_by=admin)

    from etime.ops.models import InAppNotification

    w["in_app_notification"] = InAppNotification.objects.create(
        user=people.alice.user, kind="leave_decided", subject="Matrix notice for Alice", link="/leave/"
    )
    w["audit_event"] = AuditEvent.objects.order_by("-occurred_at").first()
    missing = [k for k, v in w.items() if v is None]
    assert not missing, f"world objects not built: {missing}"
    _ = (timedelta, Shift)
    return w
