"""Running billing from the admin: drafts for last month never overlap an open draft,
drafts are named by client and period, and an invoice's page carries its documents and
next steps (regenerate, issue, credit note, record payment), each through the services."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse

from billing import services
from billing.models import Invoice, InvoiceKind, InvoiceStatus, PaymentStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def april_2026() -> Any:
    with time_machine.travel(datetime(2026, 4, 2, 9, 0, tzinfo=UTC)):
        yield


def _messages(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_drafts_for_last_month_regenerate_a_draft_of_the_same_period_instead_of_doubling_it(
    admin_client: Any, people: Any, catalog: Any, rate: Any, billed: Any
) -> None:
    rate("project", catalog.website, "100.00")
    billed(date(2026, 3, 3), 60)
    march = services.invoice_create_draft(
        client=catalog.acme, period_start=date(2026, 3, 1), period_end=date(2026, 3, 31), actor=people.admin
    )
    billed(date(2026, 3, 4), 30)  # approved after the draft was built

    response = admin_client.post(reverse("admin:billing_invoice_drafts_last_month"))

    assert Invoice.objects.count() == 1
    march.refresh_from_db()
    assert march.subtotal == Decimal("150.00")
    text = " ".join(_messages(response))
    assert "regenerated Draft: Acme AG, March 2026" in text and "0 new drafts" in text
    services.invoice_issue(invoice=march, actor=people.admin, render_pdf=False)  # not stale: it can be issued


def test_drafts_for_last_month_skip_a_client_whose_open_draft_covers_part_of_the_month_and_say_so(
    admin_client: Any, people: Any, catalog: Any, rate: Any, billed: Any
) -> None:
    rate("project", catalog.website, "100.00")
    billed(date(2026, 3, 3), 60)
    billed(date(2026, 3, 20), 60)
    services.invoice_create_draft(
        client=catalog.acme, period_start=date(2026, 3, 1), period_end=date(2026, 3, 15), actor=people.admin
    )

    response = admin_client.post(reverse("admin:billing_invoice_drafts_last_month"))

    assert Invoice.objects.count() == 1
    assert any(m.startswith("Acme AG: skipped") and "03/01/2026–03/15/2026" in m for m in _messages(response))


def test_a_draft_overlapping_an_open_draft_is_refused_with_its_code(
    people: Any, catalog: Any, rate: Any, billed: Any
) -> None:
    from billing.errors import InvoiceDraftOverlaps

    rate("project", catalog.website, "100.00")
    billed(date(2026, 3, 3), 60)
    first = services.invoice_create_draft(
        client=catalog.acme, period_start=date(2026, 3, 1), period_end=date(2026, 3, 31), actor=people.admin
    )
    with pytest.raises(InvoiceDraftOverlaps) as refused:
        services.invoice_create_draft(
            client=catalog.acme, period_start=date(2026, 3, 3), period_end=date(2026, 4, 1), actor=people.admin
        )
    assert refused.value.code == "invoice_draft_overlaps" and refused.value.details["draft"] == str(first.pk)
    # Once issued, the draft no longer blocks a draft of a later period.
    services.invoice_issue(invoice=first, actor=people.admin, render_pdf=False)
    billed(date(2026, 4, 1), 60)
    services.invoice_create_draft(
        client=catalog.acme, period_start=date(2026, 4, 1), period_end=date(2026, 4, 30), actor=people.admin
    )


def test_drafts_are_named_by_client_and_period(people: Any, catalog: Any, rate: Any, billed: Any) -> None:
    rate("project", catalog.website, "100.00")
    billed(date(2026, 3, 3), 60)
    month = services.invoice_create_draft(
        client=catalog.acme, period_start=date(2026, 3, 1), period_end=date(2026, 3, 31), actor=people.admin
    )
    assert str(month) == "Draft: Acme AG, March 2026" and str(catalog.acme.pk) not in str(month)
    services.invoice_delete_draft(invoice=month, actor=people.admin)
    part = services.invoice_create_draft(
        client=catalog.acme, period_start=date(2026, 3, 1), period_end=date(2026, 3, 15), actor=people.admin
    )
    assert str(part) == "Draft: Acme AG, 03/01/2026–03/15/2026"  # English: the active language's format


def test_the_regenerate_action_rebuilds_the_selected_drafts(
    admin_client: Any, people: Any, catalog: Any, rate: Any, billed: Any
) -> None:
    rate("project", catalog.website, "100.00")
    billed(date(2026, 3, 3), 60)
    draft = services.invoice_create_draft(
        client=catalog.acme, period_start=date(2026, 3, 1), period_end=date(2026, 3, 31), actor=people.admin
    )
    billed(date(2026, 3, 4), 60)
    admin_client.post(
        reverse("admin:billing_invoice_changelist"),
        {"action": "regenerate_selected", "_selected_action": [str(draft.pk)]},
    )
    draft.refresh_from_db()
    assert draft.subtotal == Decimal("200.00")


def test_a_draft_page_regenerates_and_issues_then_the_invoice_page_credits_and_takes_a_payment(
    admin_client: Any, people: Any, catalog: Any, rate: Any, billed: Any
) -> None:
    rate("project", catalog.website, "100.00")
    billed(date(2026, 3, 3), 60)
    draft = services.invoice_create_draft(
        client=catalog.acme, period_start=date(2026, 3, 1), period_end=date(2026, 3, 31), actor=people.admin
    )
    page = admin_client.get(reverse("admin:billing_invoice_change", args=[draft.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    for testid in ("invoice-pdf", "invoice-cii", "invoice-regenerate", "invoice-issue"):
        assert f'data-testid="{testid}"' in text, testid
    assert 'data-testid="invoice-credit-note"' not in text and 'data-testid="invoice-payment"' not in text
    pdf = admin_client.get(reverse("admin:billing_invoice_pdf", args=[draft.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")

    billed(date(2026, 3, 4), 60)
    admin_client.post(reverse("admin:billing_invoice_operation", args=[draft.pk, "regenerate"]))
    draft.refresh_from_db()
    assert draft.subtotal == Decimal("200.00")
    issued = admin_client.post(reverse("admin:billing_invoice_operation", args=[draft.pk, "issue"]), follow=True)
    draft.refresh_from_db()
    assert draft.status == InvoiceStatus.ISSUED and draft.number == "INV-2026-0001"
    assert "INV-2026-0001: issued." in issued.content.decode()

    text = admin_client.get(reverse("admin:billing_invoice_change", args=[draft.pk])).content.decode()
    assert 'data-testid="invoice-regenerate"' not in text and 'data-testid="invoice-issue"' not in text
    assert 'data-testid="invoice-credit-note"' in text and 'data-testid="invoice-payment"' in text
    xml = admin_client.get(reverse("admin:billing_invoice_cii", args=[draft.pk]))
    assert xml.status_code == 200 and b"INV-2026-0001" in xml.content

    # Record payment opens the payment form filled in with the open amount.
    payment_form = admin_client.get(
        reverse("admin:billing_payment_add"), {"invoice": draft.pk, "amount": draft.open_amount, "date": "2026-04-02"}
    )
    assert payment_form.status_code == 200
    assert payment_form.context["adminform"].form.initial["amount"] == str(draft.open_amount)

    admin_client.post(reverse("admin:billing_invoice_operation", args=[draft.pk, "credit-note"]))
    draft.refresh_from_db()
    assert draft.payment_status == PaymentStatus.CREDITED
    assert Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE, credits=draft).count() == 1


def test_an_invoice_operation_refuses_get_and_users_without_the_permission(
    people: Any, catalog: Any, rate: Any, billed: Any, admin_client: Any
) -> None:
    from django.contrib.auth.models import Group, Permission
    from django.test import Client

    rate("project", catalog.website, "100.00")
    billed(date(2026, 3, 3), 60)
    draft = services.invoice_create_draft(
        client=catalog.acme, period_start=date(2026, 3, 1), period_end=date(2026, 3, 31), actor=people.admin
    )
    url = reverse("admin:billing_invoice_operation", args=[draft.pk, "issue"])
    assert admin_client.get(url).status_code == 403
    assert admin_client.post(reverse("admin:billing_invoice_operation", args=[draft.pk, "explode"])).status_code == 404

    viewer = people.carla.user
    viewer.is_staff = True
    viewer.save()
    viewer.user_permissions.add(Permission.objects.get(codename="view_invoice"))
    from billing.selectors import FINANCE_GROUP

    Group.objects.get_or_create(name=FINANCE_GROUP)[0].user_set.add(viewer)
    browser = Client()
    browser.force_login(viewer)
    assert browser.get(reverse("admin:billing_invoice_change", args=[draft.pk])).status_code == 200
    assert browser.post(url).status_code == 403
    draft.refresh_from_db()
    assert draft.status == InvoiceStatus.DRAFT


def test_a_finance_viewer_neither_sees_nor_runs_the_monthly_drafts(
    people: Any, catalog: Any, rate: Any, billed: Any
) -> None:
    from django.contrib.auth.models import Group, Permission
    from django.test import Client

    from billing.selectors import FINANCE_GROUP

    rate("project", catalog.website, "100.00")
    billed(date(2026, 3, 3), 60)
    viewer = people.carla.user
    viewer.is_staff = True
    viewer.save()
    viewer.user_permissions.add(Permission.objects.get(codename="view_invoice"))
    Group.objects.get_or_create(name=FINANCE_GROUP)[0].user_set.add(viewer)
    browser = Client()
    browser.force_login(viewer)
    page = browser.get(reverse("admin:billing_invoice_changelist"))
    assert page.status_code == 200 and b'data-testid="drafts-last-month"' not in page.content
    browser.post(reverse("admin:billing_invoice_drafts_last_month"))
    assert not Invoice.objects.exists()


def test_the_pages_this_console_work_fixed_answer_200_with_debug_off(
    admin_client: Any, people: Any, catalog: Any, rate: Any, billed: Any, settings: Any
) -> None:
    from etime.ops.models import BackupRecord

    settings.DEBUG = False
    project_rate = rate("project", catalog.website, "100.00")
    billed(date(2026, 3, 3), 60)
    draft = services.invoice_create_draft(
        client=catalog.acme, period_start=date(2026, 3, 1), period_end=date(2026, 3, 31), actor=people.admin
    )
    backup = BackupRecord.objects.create(
        name="b.tar", state=BackupRecord.State.OK, started_at=datetime(2026, 4, 1, tzinfo=UTC), size=2048
    )
    pages = [
        reverse("admin:index"),
        reverse("admin:timesheets_rate_change", args=[project_rate.pk]),
        reverse("admin:accounts_user_changelist") + "?password_change_required__exact=0",
        reverse("admin:timesheets_timeentry_import"),
        reverse("admin:billing_invoice_change", args=[draft.pk]),
        reverse("admin:billing_invoice_changelist"),
        reverse("admin:ops_backuprecord_changelist"),
        reverse("admin:ops_backuprecord_change", args=[backup.pk]),
        reverse("admin:ops_job_changelist"),
        reverse("admin:attendance_punch_changelist"),
        reverse("admin:timesheets_timeentry_changelist"),
        reverse("admin:attendance_attendanceday_changelist"),
        reverse("admin:devices_syncrun_changelist"),
    ]
    for url in pages:
        assert admin_client.get(url).status_code == 200, url
