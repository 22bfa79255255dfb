"""Policies, accrual with proration, year-end carry-forward and expiry; all idempotent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from leave import services
from leave.models import EntryKind, GrantMode, LeavePolicy, LedgerEntry
from leave.selectors import balance_of, policies_for
from leave.tests.factories import make_leave_type, submit

D = date


def total(employee: Any, leave_type: Any, year: int = 2026, **filters: Any) -> Decimal:
    return sum(
        (e.days for e in LedgerEntry.objects.filter(employee=employee, leave_type=leave_type, year=year, **filters)),
        Decimal(0),
    )


def policy(leave_type: Any, **fields: Any) -> LeavePolicy:
    defaults: dict[str, Any] = {"name": f"{leave_type.code} policy", "yearly_days": Decimal(25)}
    defaults.update(fields)
    return LeavePolicy.objects.create(leave_type=leave_type, **defaults)


def test_the_most_specific_assignment_wins(people: Any, vacation: Any) -> None:
    by_location = policy(vacation, name="Zurich 25")
    by_department = policy(vacation, name="Engineering 27", yearly_days=Decimal(27))
    personal = policy(vacation, name="Alice 30", yearly_days=Decimal(30))
    services.leave_policy_assign(policy=by_location, location=people.alice.location, actor=people.admin)
    services.leave_policy_assign(policy=by_department, department=people.alice.department, actor=people.admin)
    services.leave_policy_assign(policy=personal, employee=people.alice, actor=people.admin)
    rows = [(e.pk, e.department_id, e.location_id) for e in (people.alice, people.amir, people.dave)]
    resolved = policies_for(rows)
    assert resolved[(people.alice.pk, vacation.pk)] == personal
    assert resolved[(people.amir.pk, vacation.pk)] == by_department
    assert resolved[(people.dave.pk, vacation.pk)] == by_location  # Sales, but in Zurich


@pytest.mark.embedded
def test_monthly_accrual_over_a_year_prorates_a_mid_year_joiner(people: Any, vacation: Any) -> None:
    accruing = policy(vacation, grant=GrantMode.MONTHLY)
    services.leave_policy_assign(policy=accruing, location=people.alice.location, actor=people.admin)
    people.amir.hire_date = D(2026, 7, 16)
    people.amir.save()
    people.alice.hire_date = D(2020, 1, 1)
    people.alice.save()
    for month in range(1, 13):
        services.entitlements_post(year=2026, through_month=month)
        services.entitlements_post(year=2026, through_month=month)  # a task delivered twice posts once
    alice = list(LedgerEntry.objects.filter(employee=people.alice, kind=EntryKind.ACCRUAL).order_by("effective_date"))
    assert len(alice) == 12 and sum(e.days for e in alice) == Decimal("25.00")
    assert alice[0].days == Decimal("2.12")  # 25 × 31/365, rounded cumulatively
    assert alice[1].effective_date == D(2026, 2, 28)
    amir = list(LedgerEntry.objects.filter(employee=people.amir, kind=EntryKind.ACCRUAL).order_by("effective_date"))
    assert [e.effective_date.month for e in amir] == [7, 8, 9, 10, 11, 12]
    # Employed 16 July–31 December: 169 of 365 days.
    assert sum(e.days for e in amir) == (Decimal(25) * 169 / 365).quantize(Decimal("0.01"))
    assert amir[0].days == Decimal("1.10")  # 16 days of July


def test_an_upfront_grant_is_prorated_for_a_leaver_and_corrected_when_the_end_date_appears(
    people: Any, vacation: Any
) -> None:
    upfront = policy(vacation, grant=GrantMode.UPFRONT, yearly_days=Decimal(20))
    services.leave_policy_assign(policy=upfront, employee=people.alice, actor=people.admin)
    services.entitlements_post(year=2026, through_month=1)
    assert total(people.alice, vacation) == 20
    people.alice.end_date = D(2026, 6, 30)  # leaves after half a year (181 days)
    people.alice.save()
    services.entitlements_post(year=2026, through_month=2)
    assert total(people.alice, vacation) == (Decimal(20) * 181 / 365).quantize(Decimal("0.01"))


def test_carry_forward_is_capped_and_the_rest_expires_at_year_end(people: Any, vacation: Any, grant: Any) -> None:
    capped = policy(vacation, carry_forward_max_days=Decimal(5), carry_forward_expires_after_months=3)
    services.leave_policy_assign(policy=capped, location=people.alice.location, actor=people.admin)
    grant(people.alice, vacation, 20, year=2025)
    grant(people.amir, vacation, 3, year=2025)
    assert services.year_end_close(year=2025) == 5  # alice: out, in, expiry; amir: out, in
    assert services.year_end_close(year=2025) == 0  # idempotent
    assert balance_of(employee_id=people.alice.pk, leave_type_id=vacation.pk, year=2025).balance == 0
    assert balance_of(employee_id=people.alice.pk, leave_type_id=vacation.pk, year=2026).balance == 5
    assert total(people.alice, vacation, 2025, kind=EntryKind.EXPIRY) == -15
    assert balance_of(employee_id=people.amir.pk, leave_type_id=vacation.pk, year=2026).balance == 3


def test_carried_days_unused_by_the_expiry_date_expire_and_leave_taken_first_uses_them(
    people: Any, vacation: Any, grant: Any
) -> None:
    import time_machine

    capped = policy(vacation, carry_forward_max_days=Decimal(5), carry_forward_expires_after_months=3)
    services.leave_policy_assign(policy=capped, location=people.alice.location, actor=people.admin)
    grant(people.alice, vacation, 10, year=2025)
    grant(people.amir, vacation, 10, year=2025)
    services.year_end_close(year=2025)  # both carry 5 into 2026
    grant(people.alice, vacation, 25)
    grant(people.amir, vacation, 25)
    with time_machine.travel(D(2026, 2, 2), tick=False):
        request = submit(people.alice, vacation, D(2026, 3, 9), D(2026, 3, 10))  # 2 days before 31 March
        services.leave_request_decide(request=request, actor=people.bob.user, decision="approve")
    assert services.carry_forward_expire(today=D(2026, 3, 31)) == 0  # not yet
    assert services.carry_forward_expire(today=D(2026, 4, 1)) == 2
    assert services.carry_forward_expire(today=D(2026, 4, 2)) == 0  # daily runs post once
    assert total(people.alice, vacation, kind=EntryKind.EXPIRY) == -3  # 5 carried, 2 used
    assert total(people.amir, vacation, kind=EntryKind.EXPIRY) == -5
    assert balance_of(employee_id=people.alice.pk, leave_type_id=vacation.pk, year=2026).balance == 25
    assert balance_of(employee_id=people.amir.pk, leave_type_id=vacation.pk, year=2026).balance == 25


def test_allocations_and_adjustments_are_audited_ledger_entries(people: Any, vacation: Any) -> None:
    from etime.core.models import AuditEvent

    entries = services.allocations_bulk(
        employees=[people.alice, people.amir],
        leave_type=vacation,
        year=2026,
        days=Decimal(10),
        actor=people.admin,
        note="Welcome",
    )
    assert len(entries) == 2
    services.allocation_create(
        employee=people.alice,
        leave_type=vacation,
        year=2026,
        days=Decimal("-2.5"),
        kind=EntryKind.ADJUSTMENT,
        actor=people.admin,
    )
    assert balance_of(employee_id=people.alice.pk, leave_type_id=vacation.pk, year=2026).balance == Decimal("7.5")
    with pytest.raises(services.InsufficientBalance):
        services.allocation_create(
            employee=people.amir,
            leave_type=vacation,
            year=2026,
            days=Decimal(-11),
            kind=EntryKind.ADJUSTMENT,
            actor=people.admin,
        )
    assert AuditEvent.objects.filter(action__startswith="leave_ledger.").count() == 3


def test_an_unused_leave_type_needs_no_ledger_to_exist(db: Any) -> None:
    assert make_leave_type("emergency").approval_levels == [{"type": "manager"}]


def test_beat_runs_accruals_year_end_and_expiry_through_registered_tasks(people: Any, vacation: Any) -> None:
    from etime.celery import app
    from etime.core import schedules
    from leave import tasks

    registered = {s.task for s in schedules.defaults()}
    assert {"leave.post_entitlements", "leave.close_year", "leave.expire_carry_forward"} <= registered
    assert {"leave.post_entitlements", "leave.close_year", "leave.expire_carry_forward"} <= set(app.tasks)
    accruing = policy(vacation, grant=GrantMode.MONTHLY, yearly_days=Decimal(12), prorate=False)
    services.leave_policy_assign(policy=accruing, employee=people.alice, actor=people.admin)
    assert tasks.post_entitlements.apply(kwargs={"on": "2026-02-01"}).get() == 1  # January's accrual
    assert tasks.post_entitlements.apply(kwargs={"on": "2026-02-01"}).get() == 0
    assert total(people.alice, vacation) == 1
    assert tasks.close_year.apply(kwargs={"year": 2026}).get() == 1  # 1 day left, no carry-forward: it expires
    assert tasks.expire_carry_forward.apply(kwargs={"on": "2027-04-01"}).get() == 0


def test_a_policy_is_saved_with_its_audit_event_and_keeps_its_leave_type_once_assigned(
    people: Any, vacation: Any
) -> None:
    from etime.core.errors import ValidationFailed
    from etime.core.models import AuditEvent

    sick = make_leave_type("sick", "Sick")
    policy = services.leave_policy_save(
        policy=LeavePolicy(name="Office", leave_type=vacation, yearly_days=Decimal("20.00")), actor=people.admin
    )
    policy.yearly_days = Decimal("25.00")
    services.leave_policy_save(policy=policy, actor=people.admin)
    events = AuditEvent.objects.filter(object_id=str(policy.pk)).order_by("occurred_at")
    assert [(e.action, e.before and e.before["yearly_days"], (e.after or {})["yearly_days"]) for e in events] == [
        ("leave_policy.created", None, "20.00"),
        ("leave_policy.updated", "20.00", "25.00"),
    ]

    services.leave_policy_assign(policy=policy, actor=people.admin, employee=people.alice)
    policy.leave_type = sick
    with pytest.raises(ValidationFailed) as refused:
        services.leave_policy_save(policy=policy, actor=people.admin)
    assert refused.value.details == {"leave_type": ["The policy is assigned."]}
    assert LeavePolicy.objects.get(pk=policy.pk).leave_type == vacation
    assert (
        AuditEvent.objects.filter(object_id=str(policy.pk), action__startswith="leave_policy.").count() == 2
    )  # none for the refusal


def test_deleting_types_policies_and_assignments_is_audited_and_a_used_type_is_kept(people: Any, vacation: Any) -> None:
    from etime.core.errors import Conflict
    from etime.core.models import AuditEvent
    from leave.models import LeavePolicyAssignment, LeaveType

    unused = make_leave_type("unused", "Unused")
    policy = services.leave_policy_save(
        policy=LeavePolicy(name="Office", leave_type=vacation, yearly_days=Decimal("20.00")), actor=people.admin
    )
    assignment = services.leave_policy_assign(policy=policy, actor=people.admin, employee=people.alice)
    with pytest.raises(Conflict) as refused:
        services.leave_type_delete(leave_type=vacation, actor=people.admin)
    assert refused.value.details == {"active": ["Set to false instead of deleting."]}
    assert LeaveType.objects.filter(pk=vacation.pk).exists()

    ids = {"type": str(unused.pk), "assignment": str(assignment.pk), "policy": str(policy.pk)}
    services.leave_type_delete(leave_type=unused, actor=people.admin)
    services.leave_policy_unassign(assignment=assignment, actor=people.admin)
    services.leave_policy_delete(policy=policy, actor=people.admin)
    deleted = AuditEvent.objects.filter(
        action__in=["leave_type.deleted", "leave_policy.unassigned", "leave_policy.deleted"]
    )
    assert sorted((e.action, e.object_type, e.object_id, (e.before or {})["id"]) for e in deleted) == sorted(
        [
            ("leave_type.deleted", "leave.leavetype", ids["type"], ids["type"]),
            ("leave_policy.unassigned", "leave.leavepolicyassignment", ids["assignment"], ids["assignment"]),
            ("leave_policy.deleted", "leave.leavepolicy", ids["policy"], ids["policy"]),
        ]
    )
    assert not LeaveType.objects.filter(pk=ids["type"]).exists()
    assert not LeavePolicyAssignment.objects.exists() and not LeavePolicy.objects.filter(pk=ids["policy"]).exists()
    assert not AuditEvent.objects.filter(action="leave_type.deleted", object_id=str(vacation.pk)).exists()
