"""Demo billing: vendors, categories and a few expenses, then for each demo client a draft
over the approved time (the first client's issued and part-paid).

Deterministic and idempotent (does nothing once the demo vendors exist). Runs after the
timesheets seeder (app order), through the services.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from random import Random
from typing import Any

from django.db.models import Max, Min

from accounts.models import User
from billing import services
from billing.errors import CurrencyMismatch, InvoiceEmpty
from billing.models import Expense, ExpenseCategory, Vendor
from timesheets.models import Client, EntryStatus, Project, TimeEntry

VENDORS = ["SBB", "Lufthansa", "Hotel Schweizerhof", "AWS"]
CATEGORIES = ["Travel", "Accommodation", "Software"]


def seed_billing(*, rng: Random, stdout: Any) -> None:
    if Vendor.objects.filter(name=VENDORS[0]).exists():
        stdout.write("Demo vendors exist; skipping billing.")
        return
    admin = User.objects.filter(role="admin").order_by("date_joined").first()
    vendors = [services.catalog_save(obj=Vendor(name=name), actor=admin) for name in VENDORS]
    categories = [services.catalog_save(obj=ExpenseCategory(name=name), actor=admin) for name in CATEGORIES]
    span = TimeEntry.objects.filter(status=EntryStatus.APPROVED).aggregate(first=Min("date"), last=Max("date"))
    if not span["first"]:
        stdout.write("No approved time; billing demo has vendors and categories only.")
        return
    for project in Project.objects.filter(billable=True).select_related("client"):
        for n in range(2):
            services.expense_save(expense=Expense(
                date=span["first"] + timedelta(days=n), vendor=rng.choice(vendors), category=rng.choice(categories),
                description=f"{project.name} trip {n + 1}", amount=Decimal(rng.randrange(4000, 40000)) / 100,
                currency=project.client.currency, billable=True, project=project,
            ), actor=admin)  # fmt: skip
    drafts = 0
    for number, client in enumerate(Client.objects.order_by("name")):
        try:
            invoice = services.invoice_create_draft(client=client, period_start=span["first"], period_end=span["last"],
                                                    actor=admin)  # fmt: skip
        except (InvoiceEmpty, CurrencyMismatch):
            continue
        drafts += 1
        if number == 0:
            invoice = services.invoice_issue(invoice=invoice, actor=admin, render_pdf=False)
            services.payment_record(invoice=invoice, actor=admin, amount=(invoice.total / 2).quantize(Decimal("0.01")),
                                    day=invoice.issue_date or span["last"], reference="Demo part payment")  # fmt: skip
    stdout.write(f"Billing: {len(VENDORS)} vendors, {drafts} invoice(s) from the approved time.")
