"""Demo billing: vendors, categories and a few expenses, then for each demo client a draft
over the approved time (the first client's issued and part-paid).

Deterministic and idempotent (does nothing once the demo vendors exist). Runs after the
timesheets seeder (app order), through the services.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from random import Random
from typing import Any

from django.db import transaction
from django.db.models import Max, Min

from accounts.models import User
from billing import selectors, services
from billing.errors import CurrencyMismatch, InvoiceEmpty
from billing.models import Expense, ExpenseCategory, ExpenseKind, MileageRate, PerDiemRate, VehicleType, Vendor
from timesheets.models import Client, EntryStatus, Project, TimeEntry

VENDORS = ["SBB", "Lufthansa", "Hotel Schweizerhof", "AWS"]
# The demo company's seller details, so its invoices are complete (issue #17: issuing
# checks them); only blank settings are filled, a configured company keeps its own.
DEMO_SELLER = {
    "address": "Bahnhofstrasse 10\n8001 Zürich",
    "vat_id": "CHE-123.456.789 MWST",
    "iban": "CH93 0076 2011 6238 5295 7",
}
CATEGORIES = ["Travel", "Accommodation", "Software"]


def seed_billing(*, rng: Random, stdout: Any) -> None:
    if Vendor.objects.filter(name=VENDORS[0]).exists():
        stdout.write("Demo vendors exist; skipping billing.")
        return
    admin = User.objects.filter(role="admin").order_by("date_joined").first()
    _complete_seller(admin)
    _einvoicing_details(admin)
    vendors = [services.catalog_save(obj=Vendor(name=name), actor=admin) for name in VENDORS]
    categories = [services.catalog_save(obj=ExpenseCategory(name=name), actor=admin) for name in CATEGORIES]
    _allowances(admin)
    span = TimeEntry.objects.filter(status=EntryStatus.APPROVED).aggregate(first=Min("date"), last=Max("date"))
    if not span["first"]:
        stdout.write("No approved time; billing demo has vendors and categories only.")
        return
    for project in Project.objects.filter(billable=True).select_related("client"):
        for n in range(2):
            services.expense_save(
                expense=Expense(
                    date=span["first"] + timedelta(days=n),
                    vendor=rng.choice(vendors),
                    category=rng.choice(categories),
                    description=f"{project.name} trip {n + 1}",
                    amount=Decimal(rng.randrange(4000, 40000)) / 100,
                    currency=project.client.currency,
                    billable=True,
                    project=project,
                ),
                actor=admin,
            )
    drafts = 0
    for number, client in enumerate(Client.objects.order_by("name")):
        try:
            invoice = services.invoice_create_draft(
                client=client, period_start=span["first"], period_end=span["last"], actor=admin
            )
        except (InvoiceEmpty, CurrencyMismatch):
            continue
        drafts += 1
        if number == 0:
            invoice = services.invoice_issue(invoice=invoice, actor=admin, render_pdf=False)
            services.payment_record(
                invoice=invoice,
                actor=admin,
                amount=(invoice.total / 2).quantize(Decimal("0.01")),
                day=invoice.issue_date or span["last"],
                reference="Demo part payment",
            )
    stdout.write(f"Billing: {len(VENDORS)} vendors, {drafts} invoice(s) from the approved time.")


def _allowances(admin: Any) -> None:
    """The company's mileage and per-diem rates, and a trip of each kind (not billable, so
    the demo invoices are the same as without them)."""
    from accounts.models import Employee
    from etime.core.demo import demo_today

    since = date(2020, 1, 1)
    for vehicle, rate in ((VehicleType.CAR, "0.70"), (VehicleType.BICYCLE, "0.20")):
        services.catalog_save(
            obj=MileageRate(vehicle=vehicle, rate_per_km=Decimal(rate), currency="CHF", valid_from=since), actor=admin
        )
    for country, full, partial, currency in (("DE", "28.00", "14.00", "EUR"), ("CH", "60.00", "30.00", "CHF")):
        services.catalog_save(
            obj=PerDiemRate(
                country=country,
                full_day=Decimal(full),
                partial_day=Decimal(partial),
                currency=currency,
                valid_from=since,
            ),
            actor=admin,
        )
    mileage = services.catalog_save(obj=ExpenseCategory(name="Mileage", kind=ExpenseKind.MILEAGE), actor=admin)
    per_diem = services.catalog_save(obj=ExpenseCategory(name="Per diem", kind=ExpenseKind.PER_DIEM), actor=admin)
    traveller = Employee.objects.filter(code__startswith="D", user__isnull=False).order_by("code").first()
    day = demo_today() - timedelta(days=3)
    services.expense_save(
        expense=Expense(
            date=day,
            category=mileage,
            vehicle=VehicleType.CAR,
            distance_km=Decimal("125"),
            route_from="Zürich",
            route_to="Bern",
            employee=traveller,
        ),
        actor=admin,
    )
    services.expense_save(
        expense=Expense(
            date=day, category=per_diem, per_diem_country="DE", full_days=2, partial_days=1, employee=traveller
        ),
        actor=admin,
    )


def _complete_seller(admin: Any) -> None:
    from billing.company import company_details
    from etime.ops.company import company_settings_update
    from etime.ops.models import CompanySettings

    details = company_details()
    have = {"address": details["address_lines"], "vat_id": details["vat_id"], "iban": details["iban"]}
    blank = {name: value for name, value in DEMO_SELLER.items() if not have[name]}
    # The demo's company has its settings row, as one an admin has set up does (a cached
    # read of the defaults may not have created it).
    if blank or not CompanySettings.objects.exists():
        company_settings_update(actor=admin, **blank)


def _einvoicing_details(admin: Any) -> None:
    """The seller's e-invoicing contact, and one foreign client's e-invoicing details (VAT
    number, structured address, invoice e-mail), as a company sending e-invoices has them."""
    from billing.models import ClientBilling, SellerContact

    if not SellerContact.objects.exists():
        services.einvoice_details_save(
            obj=SellerContact(
                contact_name="Accounts", contact_phone="+41 44 000 00 00", contact_email="accounts@demo.etime.test"
            ),
            actor=admin,
        )
    client = Client.objects.exclude(currency="CHF").filter(billing_profile__isnull=True).order_by("name").first()
    if client is not None:
        services.einvoice_details_save(
            obj=ClientBilling(
                client=client,
                vat_id="DE123456789",
                buyer_reference="991-12345-67",
                street="Hafenstrasse 1",
                postcode="20457",
                city="Hamburg",
                country="DE",
                email="invoices@client.example",
            ),
            actor=admin,
        )


def personas() -> dict[str, str]:
    """The demo's finance login: a member of the finance group without admin rights."""
    member = (
        User.objects.filter(groups__name=selectors.FINANCE_GROUP, is_superuser=False, is_active=True)
        .order_by("username")
        .first()
    )
    return {"finance": member.username} if member is not None else {}


def seed_billing_more(*, rng: Random, stdout: Any) -> None:
    """The finance team (the ``finance`` group), and invoices in every state: one paid in
    full, one credited and drafted again, beside seed_billing's part-paid one and drafts.
    Idempotent: does nothing once the finance group has its demo member."""
    from django.contrib.auth.models import Group

    from accounts.models import Employee, Role
    from billing.models import Invoice, InvoiceStatus
    from etime.core.demo import demo_today

    finance_team = list(
        Employee.objects.filter(code__startswith="D", department__code="FIN", user__role=Role.EMPLOYEE)
        .select_related("user")
        .order_by("code")[:2]
    )
    group, _ = Group.objects.get_or_create(name=selectors.FINANCE_GROUP)
    first = finance_team[0].user if finance_team else None
    if first is None or group.user_set.filter(pk=first.pk).exists():
        stdout.write("Demo finance team exists; skipping more billing.")
        return
    admin = User.objects.filter(role="admin").order_by("date_joined").first()
    today = demo_today()
    with transaction.atomic():
        group.user_set.add(*[e.user for e in finance_team if e.user is not None])
        drafts = list(
            Invoice.objects.filter(status=InvoiceStatus.DRAFT).select_related("client").order_by("client__name")
        )
        if drafts:
            paid = services.invoice_issue(invoice=drafts[0], actor=admin, render_pdf=False)
            services.payment_record(
                invoice=paid, actor=admin, amount=paid.total, day=today, method="card", reference="Card payment"
            )
        if len(drafts) > 1:
            wrong = services.invoice_issue(invoice=drafts[1], actor=admin, render_pdf=False)
            services.invoice_credit_note(invoice=wrong, actor=admin, render_pdf=False)
            # The credit note released its time: the corrected invoice starts as a new draft.
            services.invoice_create_draft(
                client=wrong.client, period_start=wrong.period_start, period_end=wrong.period_end, actor=admin
            )
    stdout.write(f"Billing: the finance group ({len(finance_team)} people), a paid invoice and a credit note.")
