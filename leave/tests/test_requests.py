"""Leave requests: validation codes, multi-level approval, cancel and withdraw, mail, attendance."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from etime.core import approvals
from etime.core.errors import ValidationFailed
from etime.core.models import AuditEvent
from leave import services
from leave.models import EntryKind, LedgerEntry, LedgerImmutable, RequestStatus
from leave.selectors import balance_of
from leave.tests.factories import make_leave_type, submit

D = date


def balance(employee: Any, leave_type: Any) -> Any:
    return balance_of(employee_id=employee.pk, leave_type_id=leave_type.pk, year=2026)


def test_a_request_counts_its_days_and_waits_for_the_manager(
    people: Any, vacation: Any, grant: Any, today: date
) -> None:
    grant(people.alice, vacation, 20)
    request = submit(people.alice, vacation, D(2026, 4, 27), D(2026, 5, 1), reason="Family")  # 1 May: holiday
    assert request.status == RequestStatus.PENDING and request.days == 4
    current = balance(people.alice, vacation)
    assert (current.balance, current.pending, current.available) == (20, 4, 16)
    assert list(approvals.pending_for(people.bob.user)) == [approvals.request_for(request)]
    assert AuditEvent.objects.filter(action="leave_request.submitted", object_id=str(request.pk)).exists()


def test_overlap_with_a_pending_or_approved_request_is_refused(
    people: Any, vacation: Any, grant: Any, today: date
) -> None:
    grant(people.alice, vacation, 20)
    first = submit(people.alice, vacation, D(2026, 6, 1), D(2026, 6, 5))
    with pytest.raises(services.LeaveOverlap) as refused:
        submit(people.alice, vacation, D(2026, 6, 5), D(2026, 6, 9))
    assert refused.value.code == "leave_overlap" and refused.value.status == 409
    assert refused.value.details["conflicts"][0]["id"] == str(first.pk)
    # A morning and an afternoon of the same day do not overlap.
    submit(people.alice, vacation, D(2026, 4, 20), D(2026, 4, 21), end_half=True)
    submit(people.alice, vacation, D(2026, 4, 21), D(2026, 4, 22), start_half=True)
    # A rejected request no longer blocks its dates.
    services.leave_request_decide(request=first, actor=people.bob.user, decision="reject", comment="Busy week")
    assert submit(people.alice, vacation, D(2026, 6, 3), D(2026, 6, 4)).days == 2


def test_more_days_than_available_is_refused_unless_negative_balances_are_allowed(
    people: Any, vacation: Any, grant: Any, today: date
) -> None:
    grant(people.alice, vacation, 5)
    submit(people.alice, vacation, D(2026, 6, 1), D(2026, 6, 3))  # 3 pending
    with pytest.raises(services.InsufficientBalance) as refused:
        submit(people.alice, vacation, D(2026, 6, 8), D(2026, 6, 10))  # 3 more, 2 available
    assert refused.value.code == "insufficient_balance"
    assert refused.value.details == {"requested": "3", "balance": "5.00", "pending": "3.00", "available": "2.00"}
    unpaid = make_leave_type("unpaid", paid=False, allow_negative=True)
    assert submit(people.alice, unpaid, D(2026, 6, 8), D(2026, 6, 10)).days == 3


def test_short_notice_is_refused_with_notice_too_short(people: Any, grant: Any, today: date) -> None:
    vacation = make_leave_type("vacation", min_notice_days=14)
    grant(people.alice, vacation, 20)
    with pytest.raises(services.NoticeTooShort) as refused:
        submit(people.alice, vacation, D(2026, 3, 10))
    assert refused.value.code == "notice_too_short" and refused.value.details == {
        "min_notice_days": 14,
        "notice_days": 8,
    }
    assert submit(people.alice, vacation, D(2026, 3, 16)).days == 1


def test_too_many_consecutive_days_are_refused(people: Any, grant: Any, today: date) -> None:
    urgent = make_leave_type("urgent", max_consecutive_days=Decimal(2))
    grant(people.alice, urgent, 10)
    with pytest.raises(services.TooManyConsecutiveDays) as refused:
        submit(people.alice, urgent, D(2026, 3, 3), D(2026, 3, 5))
    assert refused.value.code == "too_many_consecutive_days"
    assert submit(people.alice, urgent, D(2026, 3, 6), D(2026, 3, 9)).days == 2  # Fri and Mon around a weekend


def test_long_sick_leave_needs_an_attachment(people: Any, grant: Any, today: date) -> None:
    sick = make_leave_type("sick", allow_negative=True, attachment_required_after_days=Decimal(2), approval_levels=[])
    with pytest.raises(services.AttachmentRequired) as refused:
        submit(people.alice, sick, D(2026, 3, 2), D(2026, 3, 4))
    assert refused.value.code == "attachment_required"
    assert submit(people.alice, sick, D(2026, 3, 2), D(2026, 3, 3)).status == RequestStatus.APPROVED  # no levels
    note = SimpleUploadedFile("certificate.pdf", b"%PDF-1.4 doctor's note", content_type="application/pdf")
    with_note = submit(people.alice, sick, D(2026, 3, 9), D(2026, 3, 11), attachment=note)
    assert with_note.attachment.name.endswith("certificate.pdf")


@pytest.mark.embedded
def test_malformed_requests_are_validation_errors(people: Any, vacation: Any, today: date) -> None:
    whole_days = make_leave_type("comp", allow_half_days=False)
    cases = [
        (vacation, D(2026, 3, 10), D(2026, 3, 9), {}, "end_date"),
        (vacation, D(2026, 12, 30), D(2027, 1, 4), {}, "end_date"),
        (whole_days, D(2026, 3, 10), D(2026, 3, 10), {"end_half": True}, "end_half"),
        (vacation, D(2026, 3, 10), D(2026, 3, 10), {"start_half": True, "end_half": True}, "end_half"),
        (vacation, D(2026, 3, 7), D(2026, 3, 8), {}, "start_date"),  # a weekend: no working day
    ]
    for leave_type, start, end, extra, field in cases:
        with pytest.raises(ValidationFailed) as refused:
            submit(people.alice, leave_type, start, end, **extra)
        assert field in refused.value.details, (start, end, extra)


def test_two_levels_level_one_alone_leaves_the_request_pending(
    people: Any, grant: Any, today: date, django_capture_on_commit_callbacks: Any
) -> None:
    hr = Group.objects.create(name="HR")
    people.mona.user.groups.add(hr)
    vacation = make_leave_type("vacation", approval_levels=[{"type": "manager"}, {"type": "group", "group": "HR"}])
    grant(people.alice, vacation, 20)
    with django_capture_on_commit_callbacks(execute=True):
        request = submit(people.alice, vacation, D(2026, 6, 1), D(2026, 6, 5))
    assert {tuple(m.to) for m in mail.outbox} == {("alice@example.com",), ("bob@example.com",)}
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.leave_request_decide(request=request, actor=people.bob.user, decision="approve")
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING
    assert not LedgerEntry.objects.filter(request=request).exists()
    assert balance(people.alice, vacation).pending == 5
    assert {tuple(m.to) for m in mail.outbox} == {("alice@example.com",), ("mona@example.com",)}
    assert "your approval" in next(m for m in mail.outbox if m.to == ["mona@example.com"]).subject
    mail.outbox.clear()

    with pytest.raises(approvals.ApprovalNotAllowed):  # the manager level is done
        services.leave_request_decide(request=request, actor=people.carla.user, decision="approve")
    with django_capture_on_commit_callbacks(execute=True):
        services.leave_request_decide(request=request, actor=people.mona.user, decision="approve")
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED
    taken = LedgerEntry.objects.get(request=request)
    assert (taken.kind, taken.days, taken.year) == (EntryKind.TAKEN, Decimal("-5.00"), 2026)
    current = balance(people.alice, vacation)
    assert (current.balance, current.pending, current.available) == (15, 0, 15)
    assert [m.to for m in mail.outbox] == [["alice@example.com"]] and "approved" in mail.outbox[0].subject


@pytest.mark.embedded
def test_cancel_after_approval_restores_the_balance_exactly(
    people: Any, vacation: Any, grant: Any, today: date
) -> None:
    grant(people.alice, vacation, "12.5")
    request = submit(people.alice, vacation, D(2026, 6, 2), D(2026, 6, 4), start_half=True)
    services.leave_request_decide(request=request, actor=people.bob.user, decision="approve")
    assert balance(people.alice, vacation).balance == Decimal("10.00")
    with pytest.raises(approvals.ApprovalNotAllowed):
        services.leave_request_cancel(request=request, actor=people.bob.user)  # not the manager's to cancel
    cancelled = services.leave_request_cancel(request=request, actor=people.alice.user)
    assert cancelled.status == RequestStatus.CANCELLED
    after = balance(people.alice, vacation)
    assert (after.balance, after.pending, after.available) == (Decimal("12.50"), 0, Decimal("12.50"))
    kinds = sorted(LedgerEntry.objects.filter(request=request).values_list("kind", "days"))
    assert kinds == [(EntryKind.REVERSAL, Decimal("2.50")), (EntryKind.TAKEN, Decimal("-2.50"))]
    with pytest.raises(services.LeaveNotCancellable):
        services.leave_request_cancel(request=request, actor=people.alice.user)


def test_started_leave_cannot_be_cancelled_but_the_manager_may_withdraw_it(
    people: Any, vacation: Any, grant: Any, today: date
) -> None:
    grant(people.alice, vacation, 10)
    request = submit(people.alice, vacation, D(2026, 3, 2), D(2026, 3, 3))  # starts today
    services.leave_request_decide(request=request, actor=people.bob.user, decision="approve")
    with pytest.raises(services.LeaveNotCancellable) as refused:
        services.leave_request_cancel(request=request, actor=people.alice.user)
    assert refused.value.code == "leave_not_cancellable"
    with pytest.raises(approvals.ApprovalNotAllowed):
        services.leave_request_withdraw(request=request, actor=people.mona.user)  # not her report
    withdrawn = services.leave_request_withdraw(request=request, actor=people.bob.user, comment="Came in after all")
    assert withdrawn.status == RequestStatus.WITHDRAWN
    assert balance(people.alice, vacation).balance == 10


def test_cancelling_a_pending_request_frees_its_days_and_ends_its_approval(
    people: Any, vacation: Any, grant: Any, today: date
) -> None:
    grant(people.alice, vacation, 10)
    request = submit(people.alice, vacation, D(2026, 6, 1), D(2026, 6, 5))
    services.leave_request_cancel(request=request, actor=people.alice.user)
    assert balance(people.alice, vacation).pending == 0
    assert approvals.request_for(request).status == "cancelled"  # type: ignore[union-attr]
    assert list(approvals.pending_for(people.bob.user)) == []


def test_a_decision_through_the_shared_approvals_api_runs_the_same_rules(
    people: Any, vacation: Any, grant: Any, today: date, token_client: Any
) -> None:
    grant(people.alice, vacation, 10)
    request = submit(people.alice, vacation, D(2026, 6, 1), D(2026, 6, 2))
    approval = approvals.request_for(request)
    assert approval is not None
    response = token_client(people.bob).post(
        f"/api/v1/approvals/{approval.pk}/decide/", {"decision": "approve"}, format="json"
    )
    assert response.status_code == 200
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED and balance(people.alice, vacation).balance == 8


@pytest.mark.embedded
def test_approved_leave_reaches_attendance(people: Any, vacation: Any, grant: Any, today: date) -> None:
    from attendance import providers
    from attendance.models import DirtyDay

    grant(people.alice, vacation, 10)
    request = submit(people.alice, vacation, D(2026, 4, 30), D(2026, 5, 4), end_half=True)
    assert providers.absences([people.alice.pk], D(2026, 4, 1), D(2026, 5, 31)) == {}
    services.leave_request_decide(request=request, actor=people.bob.user, decision="approve")
    absences = providers.absences([people.alice.pk], D(2026, 4, 1), D(2026, 5, 31))
    # 30 Apr full; 1 May is a holiday, 2–3 May a weekend: attendance shows those as they are.
    assert {day: (a.kind, a.full_day) for (_e, day), a in absences.items()} == {
        D(2026, 4, 30): ("vacation", True),
        D(2026, 5, 4): ("vacation", False),
    }
    assert (people.alice.pk, D(2026, 5, 1)) in providers.holidays([people.alice.pk], D(2026, 5, 1), D(2026, 5, 1))
    dirty = set(DirtyDay.objects.filter(employee=people.alice).values_list("date", flat=True))
    assert {D(2026, 4, 30), D(2026, 5, 4)} <= dirty
    services.leave_request_cancel(request=request, actor=people.alice.user)
    assert providers.absences([people.alice.pk], D(2026, 4, 1), D(2026, 5, 31)) == {}


@pytest.mark.embedded
def test_ledger_entries_can_be_neither_changed_nor_deleted(people: Any, vacation: Any, grant: Any) -> None:
    entry = grant(people.alice, vacation, 5)
    entry.days = Decimal(50)
    with pytest.raises(LedgerImmutable):
        entry.save()
    with pytest.raises(LedgerImmutable):
        entry.delete()
    with pytest.raises(LedgerImmutable):
        LedgerEntry.objects.filter(pk=entry.pk).update(days=50)
    with pytest.raises(LedgerImmutable):
        LedgerEntry.objects.filter(pk=entry.pk).delete()
    assert LedgerEntry.objects.get(pk=entry.pk).days == 5


@pytest.mark.mariadb
def test_the_database_itself_refuses_to_edit_the_ledger(people: Any, vacation: Any, grant: Any) -> None:
    from django.db import IntegrityError, connection, transaction

    if connection.vendor == "sqlite":
        pytest.skip("PostgreSQL's trigger, MariaDB's/MySQL's triggers")
    entry = grant(people.alice, vacation, 5)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE leave_ledgerentry SET days = 50 WHERE id = %s", [entry.pk])
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM leave_ledgerentry WHERE id = %s", [entry.pk])


def test_a_new_company_day_is_recomputed_in_attendance(people: Any) -> None:
    from accounts.holidays import calendar_for_region, company_day_add
    from attendance.models import DirtyDay

    company_day_add(
        calendar=calendar_for_region("CH", "ZH"), day=D(2026, 4, 20), name="Sechseläuten", actor=people.admin
    )
    dirty = set(DirtyDay.objects.filter(date=D(2026, 4, 20)).values_list("employee_id", flat=True))
    assert dirty == {e.pk for e in (people.carla, people.bob, people.alice, people.amir, people.mona, people.dave)}


def test_an_employee_who_switched_off_leave_mail_hears_nothing_while_another_is_told(
    people: Any, vacation: Any, grant: Any, today: date, django_capture_on_commit_callbacks: Any
) -> None:
    from etime.ops.models import Notification, NotificationKind
    from etime.ops.notifications import preferences_set

    preferences_set(user=people.alice.user, enabled=set(NotificationKind.values) - {NotificationKind.LEAVE_DECIDED})
    for person in (people.alice, people.amir):
        grant(person, vacation, 20)
    with django_capture_on_commit_callbacks(execute=True):
        mine = submit(people.alice, vacation, D(2026, 6, 1), D(2026, 6, 5))
        theirs = submit(people.amir, vacation, D(2026, 6, 1), D(2026, 6, 5))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        for request in (mine, theirs):
            services.leave_request_decide(request=request, actor=people.bob.user, decision="approve")
    assert [m.to for m in mail.outbox] == [["amir@example.com"]] and "approved" in mail.outbox[0].subject
    alice = Notification.objects.filter(user=people.alice.user, kind=NotificationKind.LEAVE_DECIDED)
    # Her own submission's confirmation and the decision: both recorded, neither sent.
    assert {(n.status, n.reason) for n in alice} == {(Notification.Status.SKIPPED, "switched off by the user")}
    assert alice.count() == 2
    amir = Notification.objects.filter(user=people.amir.user, kind=NotificationKind.LEAVE_DECIDED).order_by(
        "created_at"
    )
    assert [n.status for n in amir] == [Notification.Status.SENT, Notification.Status.SENT]


def test_an_approver_who_switched_off_approval_mail_is_not_asked_while_the_others_are(
    people: Any, grant: Any, today: date, django_capture_on_commit_callbacks: Any
) -> None:
    from etime.ops.models import Notification, NotificationKind
    from etime.ops.notifications import preferences_set

    hr = Group.objects.create(name="HR")
    for member in (people.mona.user, people.dave.user):
        member.groups.add(hr)
    preferences_set(user=people.mona.user, enabled=set(NotificationKind.values) - {NotificationKind.APPROVALS_WAITING})
    vacation = make_leave_type("vacation", approval_levels=[{"type": "group", "group": "HR"}])
    grant(people.alice, vacation, 20)
    with django_capture_on_commit_callbacks(execute=True):
        submit(people.alice, vacation, D(2026, 6, 1), D(2026, 6, 5))
    asked = [m for m in mail.outbox if "your approval" in m.subject]
    assert [m.to for m in asked] == [["dave@example.com"]]
    assert [m.to for m in mail.outbox if m not in asked] == [["alice@example.com"]]
    skipped = Notification.objects.get(user=people.mona.user)
    assert (skipped.kind, skipped.status, skipped.reason) == (
        NotificationKind.APPROVALS_WAITING,
        Notification.Status.SKIPPED,
        "switched off by the user",
    )
    assert Notification.objects.get(user=people.dave.user).kind == NotificationKind.APPROVALS_WAITING
