"""The demo company gets billing data: vendors, expenses, drafts from the approved time."""

from __future__ import annotations

import io
import random

import pytest

from accounts.demo import seed_company
from billing.demo import seed_billing
from billing.models import Expense, Invoice, InvoiceStatus, PaymentStatus, Vendor
from etime.core import registry
from timesheets.demo import seed_timesheets

pytestmark = pytest.mark.django_db


def test_billing_demo_seeds_after_time_tracking_and_only_once() -> None:
    assert registry.demo_seeders().index(seed_billing) > registry.demo_seeders().index(seed_timesheets)
    out = io.StringIO()
    rng = random.Random(2026)
    seed_company(rng=rng, stdout=out)
    seed_timesheets(rng=rng, stdout=out)
    seed_billing(rng=rng, stdout=out)

    assert Vendor.objects.count() == 4 and Expense.objects.exists()
    issued = Invoice.objects.filter(status=InvoiceStatus.ISSUED).get()
    assert issued.number.startswith("INV-") and issued.payment_status in (
        PaymentStatus.PARTIALLY_PAID,
        PaymentStatus.OVERDUE,
    )
    assert issued.lines.filter(kind="time").exists()
    count = Invoice.objects.count()
    seed_billing(rng=rng, stdout=out)
    assert Invoice.objects.count() == count
