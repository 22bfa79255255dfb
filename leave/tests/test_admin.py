"""The back office: changelists load, the ledger is read-only, bulk allocation and the balances report."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from django.test import Client

from etime.core.models import AuditEvent
from leave.models import LedgerEntry


def admin_client(people: Any) -> Client:
    people.admin.is_superuser = True  # as tests/test_admin.py: Django's model permissions
    people.admin.save()
    client = Client()
    client.force_login(people.admin)
    return client


def test_every_leave_changelist_loads(people: Any, vacation: Any, grant: Any) -> None:
    grant(people.alice, vacation, 5)
    client = admin_client(people)
    for path in [
        f"/admin/leave/{m}/" for m in ("leavetype", "leavepolicy", "leaverequest", "ledgerentry", "calendarfeed")
    ]:
        listed = client.get(path).context["cl"]  # a changelist (a 200), holding every stored row
        assert listed.result_count == listed.model._default_manager.count(), path
    for path in ("/admin/accounts/holiday/", "/admin/accounts/holidaycalendar/"):
        listed = client.get(path).context["cl"]
        assert listed.result_count == listed.model._default_manager.count(), path
    assert LedgerEntry.objects.count() == 1  # the grant above, listed
    assert client.get("/admin/leave/leavetype/add/").status_code == 200


def test_the_ledger_cannot_be_edited_in_the_admin(people: Any, vacation: Any, grant: Any) -> None:
    entry = grant(people.alice, vacation, 5)
    client = admin_client(people)
    assert client.get("/admin/leave/ledgerentry/add/").status_code == 403
    assert client.post(f"/admin/leave/ledgerentry/{entry.pk}/change/", {"days": "50"}).status_code == 403
    assert client.post(f"/admin/leave/ledgerentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert LedgerEntry.objects.get(pk=entry.pk).days == 5


def test_bulk_allocation_posts_one_audited_entry_per_employee(people: Any, vacation: Any) -> None:
    from accounts.models import Department

    client = admin_client(people)
    engineering = Department.objects.get(code="ENG")
    response = client.post(
        "/admin/leave/ledgerentry/bulk/",
        {
            "leave_type": vacation.pk,
            "year": 2026,
            "days": "3",
            "kind": "allocation",
            "note": "Team day",
            "department": engineering.pk,
        },
    )
    assert response.status_code == 302
    assert LedgerEntry.objects.filter(note="Team day").count() == 4  # carla, bob, alice, amir
    assert AuditEvent.objects.filter(action="leave_ledger.allocation").count() == 4


def test_the_balances_report_exports_csv_and_xlsx(people: Any, vacation: Any, grant: Any, today: date) -> None:
    from leave.tests.factories import submit

    grant(people.alice, vacation, 10)
    submit(people.alice, vacation, date(2026, 6, 1), date(2026, 6, 2))
    client = admin_client(people)
    response = client.get("/admin/leave/ledgerentry/balances/?year=2026&file_format=csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    alice = next(r for r in rows if r["employee_code"] == people.alice.code)
    assert (alice["balance"], alice["pending"], alice["available"]) == ("10.00", "2.00", "8.00")
    assert len(rows) == 6  # every employee × the one active type
    xlsx = client.get("/admin/leave/ledgerentry/balances/?year=2026&file_format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_a_staff_manager_cannot_withdraw_another_teams_leave_from_the_admin(
    people: Any, vacation: Any, grant: Any, today: date
) -> None:
    from leave import services
    from leave.tests.factories import submit
    from tests.security.test_one_access_helper import _act, staff

    grant(people.alice, vacation, 10)
    request = submit(people.alice, vacation, date(2026, 3, 2), date(2026, 3, 3))
    services.leave_request_decide(request=request, actor=people.bob.user, decision="approve")
    perms = ("leave.view_leaverequest", "leave.change_leaverequest")
    page = _act(staff(people.mona, *perms), "admin:leave_leaverequest_changelist", "withdraw", request)
    assert "1 selected row was left unchanged" in page.content.decode()
    request.refresh_from_db()
    assert request.status == "approved"
    _act(staff(people.bob, *perms), "admin:leave_leaverequest_changelist", "withdraw", request)
    request.refresh_from_db()
    assert request.status == "withdrawn"
