"""The invoice register as a scheduled report: the workbook of the period's issued documents,
and its delivery by mail to a subscription."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core import mail
from openpyxl import load_workbook

from billing import services
from billing.models import Invoice
from billing.resources import REGISTER_COLUMNS
from etime.ops.models import ReportSubscription
from etime.ops.reports import report_kinds, send_due

pytestmark = pytest.mark.django_db


def rows_of(content: bytes) -> list[list[Any]]:
    sheet = load_workbook(io.BytesIO(content)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


@pytest.fixture
def invoices(people: Any, catalog: Any, rate: Any, billed: Any) -> Iterator[dict[str, Invoice]]:
    """Acme's March invoice, issued on 31 March and paid in part, and an April draft (a
    draft is in no register); as on 2 April, before the March invoice falls due."""
    with time_machine.travel(datetime(2026, 4, 2, 9, 0, tzinfo=UTC)):
        rate("project", catalog.website, "100.00")
        rate("project", catalog.support, "80.00")
        billed(date(2026, 3, 10), 120)  # 2 h × 100
        billed(date(2026, 3, 11), 90, project=catalog.support)  # 1.5 h × 80
        march = services.invoice_create_draft(
            client=catalog.acme, period_start=date(2026, 3, 1), period_end=date(2026, 3, 31), actor=people.admin
        )
        march = services.invoice_issue(
            invoice=march, actor=people.admin, issue_date=date(2026, 3, 31), render_pdf=False
        )
        services.payment_record(invoice=march, actor=people.admin, amount=Decimal("100.00"), day=date(2026, 3, 31))
        billed(date(2026, 4, 1), 60)
        april = services.invoice_create_draft(
            client=catalog.acme, period_start=date(2026, 4, 1), period_end=date(2026, 4, 30), actor=people.admin
        )
        march.refresh_from_db()
        yield {"march": march, "april_draft": april}


def test_the_invoice_register_lists_the_documents_issued_in_the_period_with_paid_and_open(
    invoices: dict[str, Invoice],
) -> None:
    kind = report_kinds()["invoice_register"]
    assert kind.formats == ("xlsx",)

    rows = rows_of(kind.render(fmt="xlsx", start=date(2026, 3, 1), end=date(2026, 3, 31)))

    assert rows[0] == list(REGISTER_COLUMNS)
    assert len(rows) == 2  # the drafts are not in it
    row = dict(zip(rows[0], rows[1], strict=True))
    march = invoices["march"]
    assert (row["number"], row["kind"], row["status"], row["client"], row["issue_date"]) == (
        march.number,
        "invoice",
        "issued",
        "Acme AG",
        "2026-03-31",
    )
    assert row["currency"] == "CHF"
    assert Decimal(row["net"]) == Decimal("320.00")  # 200 + 120
    assert Decimal(row["vat"]) == Decimal("25.92")  # 8.1 % of 320
    assert Decimal(row["total"]) == Decimal("345.92")
    assert Decimal(row["paid"]) == Decimal("100.00")
    assert Decimal(row["open"]) == Decimal("245.92")
    assert row["payment_status"] == "partially_paid"


def test_a_period_without_issued_documents_renders_an_empty_register(invoices: dict[str, Invoice]) -> None:
    rows = rows_of(report_kinds()["invoice_register"].render(fmt="xlsx", start=date(2026, 4, 1), end=date(2026, 4, 30)))

    assert rows == [list(REGISTER_COLUMNS)]


def test_a_monthly_subscription_mails_last_months_register_as_an_attachment(
    people: Any, invoices: dict[str, Invoice]
) -> None:
    subscription = ReportSubscription.objects.create(
        name="Finance register", report="invoice_register", format="xlsx", extra_emails="finance@example.com\n"
    )
    subscription.recipients.add(people.admin)
    mail.outbox.clear()

    assert send_due(today=date(2026, 4, 1)) == 1

    (message,) = mail.outbox
    assert sorted(message.to) == ["finance@example.com", "olivia@example.com"]
    assert message.subject == "[etime] Invoice register, 03/01/2026 – 03/31/2026"
    ((name, content, mimetype),) = message.attachments
    assert name == "invoice_register-2026-03-01.xlsx"
    assert mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    rows = rows_of(content)
    assert [row[0] for row in rows[1:]] == [invoices["march"].number]
    assert Decimal(rows[1][list(REGISTER_COLUMNS).index("open")]) == Decimal("245.92")
