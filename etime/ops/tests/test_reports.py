from __future__ import annotations

import datetime as dt
import io
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from etime.ops.models import Job, ReportSubscription
from etime.ops.reports import period_before, report_kinds, send_due


def test_apps_registered_their_reports() -> None:
    kinds = report_kinds()
    assert kinds["attendance_register"].formats == ("pdf", "xlsx")
    assert kinds["leave_balances"].formats == ("xlsx",)


def test_periods_are_the_ones_that_just_ended() -> None:
    assert period_before("monthly", dt.date(2026, 3, 1)) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert period_before("monthly", dt.date(2026, 3, 2)) is None
    assert period_before("weekly", dt.date(2026, 3, 2)) == (dt.date(2026, 2, 23), dt.date(2026, 3, 1))
    assert period_before("daily", dt.date(2026, 3, 4)) == (dt.date(2026, 3, 3), dt.date(2026, 3, 3))


@pytest.mark.django_db(transaction=True)
def test_due_subscriptions_are_emailed_once_with_their_attachment() -> None:
    from openpyxl import load_workbook

    from accounts.models import User

    call_command("seed_demo", stdout=StringIO())
    ReportSubscription.objects.update(active=False)  # the demo's own subscriptions are not this test's
    hr = User.objects.create_user(username="hr-lead@example.com", email="hr-lead@example.com", password="x" * 12)
    register = ReportSubscription.objects.create(name="HR register", report="attendance_register", format="pdf")
    register.recipients.add(hr)
    balances = ReportSubscription.objects.create(
        name="Balances", report="leave_balances", format="xlsx", extra_emails="hr@example.com\n"
    )
    ReportSubscription.objects.create(
        name="Off", report="leave_balances", format="xlsx", active=False, extra_emails="nobody@example.com"
    )
    today = timezone.localdate().replace(day=1)
    mail.outbox.clear()  # the demo's own invitations

    assert send_due(today=today) == 2
    assert send_due(today=today) == 0  # once per period

    by_to = {tuple(m.to): m for m in mail.outbox}
    assert set(by_to) == {(hr.email,), ("hr@example.com",)}
    name, content, mimetype = by_to[(hr.email,)].attachments[0]
    assert mimetype == "application/pdf" and content[:5] == b"%PDF-"
    name, content, mimetype = by_to[("hr@example.com",)].attachments[0]
    sheet = load_workbook(io.BytesIO(content)).active
    assert [c.value for c in sheet[1]] == ["Code", "Name", "Leave type", "Balance", "Pending", "Available"]
    assert sheet.max_row > 1
    balances.refresh_from_db()
    assert balances.last_period_end == today - dt.timedelta(days=1)
    job = Job.objects.filter(kind="scheduled_reports").order_by("created_at").first()
    assert job is not None
    assert (job.state, job.done, job.total) == ("succeeded", 2, 2)
