"""Reads for billing, including who may see it: administrators and the ``finance`` group.

Billing shows money across every client, so there is no per-manager scoping: a user
either may use billing (all of it) or gets 404s/403s. ``may_use_billing`` is the one
place that decides, for the API, admin exports and reports alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth

from billing.models import Expense, ExpenseStatus, Invoice, InvoiceLine, InvoiceStatus, Payment
from etime.core.access import is_admin
from timesheets.models import Client, EntryStatus, TimeEntry

FINANCE_GROUP = "finance"


def may_use_billing(user: Any) -> bool:
    if not user or not getattr(user, "is_authenticated", False):
        return False
    if is_admin(user):
        return True
    cached = getattr(user, "_etime_finance", None)
    if cached is None:
        cached = user.groups.filter(name=FINANCE_GROUP).exists()
        user._etime_finance = cached
    return bool(cached)


def _gate(user: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs if may_use_billing(user) else qs.none()


def invoice_list_visible(*, user: Any) -> QuerySet[Invoice]:
    return _gate(user, Invoice.objects.select_related("client", "client__billing_profile"))


def invoice_line_list_visible(*, user: Any) -> QuerySet[InvoiceLine]:
    return _gate(user, InvoiceLine.objects.select_related("invoice"))


def expense_list_visible(*, user: Any) -> QuerySet[Expense]:
    return _gate(user, Expense.objects.select_related("vendor", "category", "project", "receipt"))


def payment_list_visible(*, user: Any) -> QuerySet[Payment]:
    return _gate(user, Payment.objects.select_related("invoice"))


# --- What a draft bills ---------------------------------------------------------------------


def billable_entries(*, client: Client, period_start: date, period_end: date) -> QuerySet[TimeEntry]:
    """Approved, billable, uninvoiced, finished entries of ``client``'s projects dated in
    the period (the entry's local date, inclusive)."""
    return TimeEntry.objects.filter(
        project__client=client,
        date__gte=period_start,
        date__lte=period_end,
        status=EntryStatus.APPROVED,
        billable=True,
        invoice_id__isnull=True,
        end__isnull=False,
    )


def time_groups(*, client: Client, period_start: date, period_end: date) -> list[dict[str, Any]]:
    """One row per (project, task, rate, rate effective date, rate currency): the billed
    seconds and entry count, grouped by the database (one GROUP BY query)."""
    rows = (
        billable_entries(client=client, period_start=period_start, period_end=period_end)
        .values("project_id", "task_id", "rate_applied", "rate_effective_date", "rate_currency")
        .annotate(seconds=Sum(Coalesce("rounded_seconds", "duration_seconds")), entries=Count("id"))
        .order_by()
    )
    return list(rows)


def billable_expenses(*, client: Client, period_start: date, period_end: date) -> QuerySet[Expense]:
    return Expense.objects.filter(
        project__client=client,
        date__gte=period_start,
        date__lte=period_end,
        billable=True,
        status=ExpenseStatus.APPROVED,
        invoice__isnull=True,
    ).select_related("vendor", "category", "project")


# --- Reports ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpendingFilters:
    date_from: date | None = None
    date_to: date | None = None
    currency: str | None = None


def _expenses(filters: SpendingFilters) -> QuerySet[Expense]:
    qs = Expense.objects.exclude(status=ExpenseStatus.REJECTED)
    if filters.date_from:
        qs = qs.filter(date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(date__lte=filters.date_to)
    if filters.currency:
        qs = qs.filter(currency=filters.currency)
    return qs


def spending_analytics(*, user: Any, filters: SpendingFilters, top: int = 10) -> dict[str, Any]:
    """Expenses by month, vendor, category and the top projects, per currency (amounts
    in different currencies are never added together)."""
    qs = _gate(user, _expenses(filters))

    def rows(values: list[str], order: list[str], limit: int | None = None) -> list[dict[str, Any]]:
        data = qs.values(*values, "currency").annotate(amount=Sum("amount"), count=Count("id")).order_by(*order)
        out = [
            {
                **{
                    k: (v.isoformat() if isinstance(v, date) else (str(v) if v is not None else None))
                    for k, v in r.items()
                    if k not in ("amount", "count")
                },
                "amount": str(r["amount"]),
                "count": r["count"],
            }
            for r in (data[:limit] if limit else data)
        ]
        return out

    by_month = (
        qs.annotate(month=TruncMonth("date"))
        .values("month", "currency")
        .annotate(amount=Sum("amount"), count=Count("id"))
        .order_by("month", "currency")
    )
    return {
        "by_month": [
            {
                "month": r["month"].strftime("%Y-%m"),
                "currency": r["currency"],
                "amount": str(r["amount"]),
                "count": r["count"],
            }
            for r in by_month
        ],
        "by_vendor": rows(["vendor__name"], ["-amount"]),
        "by_category": rows(["category__name"], ["-amount"]),
        "top_projects": rows(["project__name"], ["-amount"], limit=top),
    }


def invoice_register(*, user: Any, year: int | None = None) -> QuerySet[Invoice]:
    """Every issued or void invoice and credit note with its paid and open amounts."""
    qs = _gate(user, Invoice.objects.exclude(status=InvoiceStatus.DRAFT).select_related("client"))
    if year:
        qs = qs.filter(issue_date__year=year)
    return qs.order_by("issue_date", "number")


def billing_summary(*, user: Any, today: date) -> list[dict[str, Any]]:
    """Per currency: invoiced total, paid, open and overdue amounts of issued invoices."""
    zero = Value(Decimal("0.00"), output_field=DecimalField(max_digits=14, decimal_places=2))
    qs = _gate(
        user, Invoice.objects.filter(status=InvoiceStatus.ISSUED, kind="invoice").exclude(payment_status="credited")
    )
    data = (
        qs.values("currency")
        .annotate(
            invoiced=Coalesce(Sum("total"), zero),
            paid=Coalesce(Sum("amount_paid"), zero),
            overdue=Coalesce(
                Sum(F("total") - F("amount_paid"), filter=Q(due_date__lt=today) & ~Q(payment_status="paid")), zero
            ),
            count=Count("id"),
        )
        .order_by("currency")
    )
    return [
        {
            "currency": r["currency"],
            "count": r["count"],
            "invoiced": str(r["invoiced"]),
            "paid": str(r["paid"]),
            "open": str(r["invoiced"] - r["paid"]),
            "overdue": str(r["overdue"]),
        }
        for r in data
    ]
