"""Finance exports (django-import-export), shared by the admin and the API: invoices,
lines, payments, expenses as CSV/XLSX, the invoice register and an accounting journal.

Text cells starting with ``= + - @`` get a leading apostrophe (spreadsheet-safe), as in
timesheets' exports.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import tablib
from django.db.models import QuerySet
from django.http import HttpResponse
from import_export import fields, resources
from import_export.formats.base_formats import CSV, XLSX
from rest_framework.exceptions import ValidationError as ApiValidationError

from billing.models import Expense, Invoice, InvoiceKind, InvoiceLine, Payment

FORMATS = {"csv": CSV, "xlsx": XLSX}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _is_number(value):
        return "'" + value
    return value


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _format(file_format: str) -> Any:
    fmt_class = FORMATS.get(file_format)
    if fmt_class is None:
        raise ApiValidationError({"file_format": [f"Choose one of {', '.join(FORMATS)}."]})
    return fmt_class()


def file_response(dataset: tablib.Dataset, file_format: str, stem: str) -> HttpResponse:
    fmt = _format(file_format)
    response = HttpResponse(fmt.export_data(dataset), content_type=fmt.get_content_type())
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt.get_extension()}"'
    return response


class _SafeResource(resources.ModelResource):
    def export_field(self, field: Any, instance: Any, **kwargs: Any) -> Any:
        return _safe(super().export_field(field, instance, **kwargs))


class InvoiceResource(_SafeResource):
    client = fields.Field(attribute="client__name", column_name="client")
    open_amount = fields.Field(attribute="open_amount", column_name="open_amount")

    class Meta:
        model = Invoice
        fields = (
            "id",
            "number",
            "kind",
            "status",
            "client",
            "period_start",
            "period_end",
            "issue_date",
            "due_date",
            "currency",
            "vat_rate",
            "subtotal",
            "vat_amount",
            "total",
            "amount_paid",
            "open_amount",
            "payment_status",
        )
        export_order = fields


class InvoiceLineResource(_SafeResource):
    invoice_number = fields.Field(attribute="invoice__number", column_name="invoice_number")
    project = fields.Field(attribute="project__name", column_name="project")
    task = fields.Field(attribute="task__name", column_name="task")

    class Meta:
        model = InvoiceLine
        fields = (
            "id",
            "invoice",
            "invoice_number",
            "position",
            "kind",
            "description",
            "project",
            "task",
            "rate_effective_date",
            "quantity",
            "unit",
            "unit_price",
            "amount",
            "vat_rate",
            "entry_count",
        )
        export_order = fields


class PaymentResource(_SafeResource):
    invoice_number = fields.Field(attribute="invoice__number", column_name="invoice_number")
    currency = fields.Field(attribute="invoice__currency", column_name="currency")

    class Meta:
        model = Payment
        fields = ("id", "invoice", "invoice_number", "date", "amount", "currency", "method", "reference")
        export_order = fields


class ExpenseResource(_SafeResource):
    vendor = fields.Field(attribute="vendor__name", column_name="vendor")
    category = fields.Field(attribute="category__name", column_name="category")
    project = fields.Field(attribute="project__name", column_name="project")
    receipt_sha256 = fields.Field(attribute="receipt_id", column_name="receipt_sha256")

    class Meta:
        model = Expense
        fields = (
            "id",
            "date",
            "vendor",
            "category",
            "description",
            "amount",
            "currency",
            "billable",
            "project",
            "status",
            "invoice",
            "receipt_sha256",
            "notes",
            "vehicle",
            "distance_km",
            "route_from",
            "route_to",
            "per_diem_country",
            "full_days",
            "partial_days",
        )
        export_order = fields


RESOURCES: dict[str, type[resources.ModelResource]] = {
    "invoices": InvoiceResource,
    "invoice_lines": InvoiceLineResource,
    "payments": PaymentResource,
    "expenses": ExpenseResource,
}


def export(name: str, queryset: QuerySet[Any], file_format: str) -> HttpResponse:
    dataset = RESOURCES[name]().export(queryset=queryset)
    return file_response(dataset, file_format, name)


REGISTER_COLUMNS = (
    "number",
    "kind",
    "status",
    "client",
    "issue_date",
    "due_date",
    "currency",
    "net",
    "vat",
    "total",
    "paid",
    "open",
    "payment_status",
)


def register_rows(invoices: QuerySet[Invoice]) -> list[dict[str, Any]]:
    return [
        {
            "number": i.number,
            "kind": i.kind,
            "status": i.status,
            "client": i.client.name,
            "issue_date": i.issue_date.isoformat() if i.issue_date else "",
            "due_date": i.due_date.isoformat() if i.due_date else "",
            "currency": i.currency,
            "net": str(i.subtotal),
            "vat": str(i.vat_amount),
            "total": str(i.total),
            "paid": str(i.amount_paid),
            "open": str(i.open_amount),
            "payment_status": i.payment_status,
        }
        for i in invoices
    ]


def register_export(invoices: QuerySet[Invoice], file_format: str) -> HttpResponse:
    dataset = tablib.Dataset(headers=list(REGISTER_COLUMNS))
    for row in register_rows(invoices):
        dataset.append([_safe(row[c]) for c in REGISTER_COLUMNS])
    return file_response(dataset, file_format, "invoice-register")


JOURNAL_COLUMNS = ("date", "document", "debit_account", "credit_account", "amount", "currency", "text")


def journal_csv(invoices: QuerySet[Invoice], payments: QuerySet[Payment], accounts: dict[str, str]) -> str:
    """A generic double-entry journal: per issued invoice, receivables against revenue
    (net) and VAT payable (VAT); per payment, bank against receivables. Credit notes
    post the reverse. Account numbers from ``ETIME_BILLING_ACCOUNTS`` (SKR-style
    defaults: 1400 receivables, 8400 revenue, 1776 VAT, 1200 bank)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(JOURNAL_COLUMNS)
    for inv in invoices:
        sign = -1 if inv.kind == InvoiceKind.CREDIT_NOTE else 1
        text = f"{inv.client.name} {inv.period_start:%d.%m.%Y}-{inv.period_end:%d.%m.%Y}"
        for account, amount in ((accounts["revenue"], inv.subtotal), (accounts["vat"], inv.vat_amount)):
            if not amount:
                continue
            debit, credit = (
                (accounts["receivables"], account) if sign * amount > 0 else (account, accounts["receivables"])
            )
            writer.writerow(
                [
                    inv.issue_date.isoformat() if inv.issue_date else "",
                    inv.number,
                    debit,
                    credit,
                    f"{abs(amount):.2f}",
                    inv.currency,
                    _safe(text),
                ]
            )
    for pay in payments:
        writer.writerow(
            [
                pay.date.isoformat(),
                pay.invoice.number,
                accounts["bank"],
                accounts["receivables"],
                f"{pay.amount:.2f}",
                pay.invoice.currency,
                _safe(f"Payment {pay.reference}".strip()),
            ]
        )
    return out.getvalue()
