"""Every billing write: drafts, lines, issue and numbering, void and credit notes,
payments, expenses and receipts.

Rules (DESIGN §9, docs/BILLING.md):
- A draft groups the client's billable, approved, uninvoiced entries of the period by
  (project, task, rate, rate effective date) in one GROUP BY. Hours are rounded to the
  printed two decimals first, then priced: printed hours × printed rate = printed amount.
- A draft reserves nothing: entries stay ``approved`` until the invoice is issued (so a
  deleted draft leaves them as they were). Issue locks the entries, checks they still
  make the draft's lines (else ``invoice_draft_stale``), then marks them ``invoiced``.
- VAT is computed once per VAT rate on the sum of that rate's line nets, half-up to the
  cent (EN 16931), never per line.
- Numbers are taken at issue from a row-locked sequence per (series, year): gapless.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from billing import selectors
from billing.company import company_details
from billing.errors import (
    CurrencyMismatch,
    ExpenseLocked,
    ExpenseRateMissing,
    InvoiceAlreadyCredited,
    InvoiceAlreadyIssued,
    InvoiceDraftOverlaps,
    InvoiceEmpty,
    InvoiceHasPayments,
    InvoiceNotIssued,
    InvoiceStale,
    PaymentExceedsOpen,
    ReceiptCorrupted,
)
from billing.models import (
    Expense,
    ExpenseCategory,
    ExpenseKind,
    ExpenseStatus,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    LineKind,
    MileageRate,
    NumberSequence,
    Payment,
    PaymentStatus,
    PerDiemRate,
    Receipt,
    Vendor,
)
from etime.core import audit, db, formatting
from etime.core.errors import ValidationFailed, full_clean
from etime.core.types import Actor, actor_user
from timesheets.models import Client, Project, Task
from timesheets.money import SECONDS_PER_HOUR, ZERO, round_money
from timesheets.services import time_entries_mark_invoiced, time_entries_release_invoice

HUNDRED = Decimal(100)


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(gettext("The input is invalid: %(first)s") % {"first": message}, details={field: [message]})


def _ensure_draft(invoice: Invoice) -> None:
    if invoice.status != InvoiceStatus.DRAFT:
        raise InvoiceAlreadyIssued(details={"invoice": str(invoice.pk), "number": invoice.number})


def _locked(invoice: Invoice) -> Invoice:
    return Invoice.objects.select_for_update().get(pk=invoice.pk)


# --- Arithmetic ------------------------------------------------------------------------------


def printed_hours(seconds: int) -> Decimal:
    """Hours as printed: two decimals, half-up (1 h 20 min -> 1.33)."""
    return round_money(Decimal(seconds) / SECONDS_PER_HOUR)


def line_amount(quantity: Decimal, unit_price: Decimal) -> Decimal:
    """The printed amount of a printed quantity at a printed price, half-up to the cent."""
    return round_money(quantity * unit_price)


@dataclass(frozen=True)
class VatGroup:
    rate: Decimal
    net: Decimal
    vat: Decimal


def vat_breakdown(lines: list[tuple[Decimal, Decimal]]) -> list[VatGroup]:
    """``lines``: (net amount, VAT percent) pairs. VAT once per rate on the sum of that
    rate's nets, half-up to the cent; a 0 % rate has no VAT."""
    nets: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)
    for amount, rate in lines:
        nets[Decimal(rate)] += Decimal(amount)
    return [
        VatGroup(rate=rate, net=net, vat=round_money(net * rate / HUNDRED) if rate else ZERO)
        for rate, net in sorted(nets.items())
    ]


def _recompute_totals(invoice: Invoice, pairs: list[tuple[Decimal, Decimal]] | None = None) -> None:
    if pairs is None:
        pairs = list(invoice.lines.values_list("amount", "vat_rate"))
    groups = vat_breakdown(pairs)
    invoice.subtotal = round_money(sum((g.net for g in groups), ZERO))
    invoice.vat_amount = round_money(sum((g.vat for g in groups), ZERO))
    invoice.total = invoice.subtotal + invoice.vat_amount
    invoice.save(update_fields=["subtotal", "vat_amount", "total", "updated_at"])


# --- Drafts ----------------------------------------------------------------------------------


_LINE_COLUMNS = (
    "invoice_id",
    "position",
    "kind",
    "description",
    "project_id",
    "task_id",
    "expense_id",
    "rate_effective_date",
    "seconds",
    "entry_count",
    "quantity",
    "unit",
    "unit_price",
    "amount",
    "vat_rate",
)


def _insert_lines(rows: list[tuple[Any, ...]]) -> None:
    """Insert the generated lines in one statement (COPY on PostgreSQL). A month of a large client has
    hundreds of lines, and the ORM's per-value preparation in bulk_create costs more
    than the GROUP BY that produced them (bench ``invoice``); the values here are
    already plain (ids prepared by the fields, Decimals, dates, text)."""
    if not rows:
        return
    table = connection.ops.quote_name(InvoiceLine._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in _LINE_COLUMNS)
    placeholders = ", ".join(["%s"] * len(_LINE_COLUMNS))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: one statement streaming the rows, several times cheaper than INSERTs.
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)  # noqa: S608 - fixed names


def _document_text(invoice: Invoice, message: str, **values: Any) -> str:
    """Text stored on an invoice (a line's description, a credit note's note) in the
    language the document is printed in (billing/language.py), dates through the format
    layer. ``message`` is marked where it is written (gettext_noop)."""
    from billing.language import invoice_language

    with translation.override(invoice_language(invoice)):
        params = {k: formatting.date_local(v) if isinstance(v, date) else v for k, v in values.items()}
        return gettext(message) % params if params else gettext(message)


def _document_date(invoice: Invoice, day: date) -> str:
    from billing.language import invoice_language

    with translation.override(invoice_language(invoice)):
        return formatting.date_local(day)


def _build_lines(invoice: Invoice, *, fresh: bool = False) -> list[tuple[Decimal, Decimal]]:
    """Replace the draft's time and expense lines with what the period bills now; extra
    and discount lines stay. Returns the new lines' (amount, VAT rate) pairs."""
    client = invoice.client
    groups = selectors.time_groups(client=client, period_start=invoice.period_start, period_end=invoice.period_end)
    expenses = list(
        selectors.billable_expenses(client=client, period_start=invoice.period_start, period_end=invoice.period_end)
    )
    foreign = sorted(
        {g["rate_currency"] for g in groups if g["rate_currency"] and g["rate_currency"] != invoice.currency}
        | {e.currency for e in expenses if e.currency != invoice.currency}
    )
    if foreign:
        raise CurrencyMismatch(details={"client_currency": invoice.currency, "currencies": foreign})

    project_names = dict(Project.objects.filter(pk__in={g["project_id"] for g in groups}).values_list("pk", "name"))
    task_names = dict(
        Task.objects.filter(pk__in={g["task_id"] for g in groups if g["task_id"]}).values_list("pk", "name")
    )
    rates_per_target: dict[tuple[Any, Any], int] = defaultdict(int)
    for g in groups:
        rates_per_target[(g["project_id"], g["task_id"])] += 1

    def order(g: dict[str, Any]) -> tuple[str, str, date]:
        return (
            project_names.get(g["project_id"], ""),
            task_names.get(g["task_id"], ""),
            g["rate_effective_date"] or date.min,
        )

    if not fresh:
        invoice.lines.filter(kind__in=[LineKind.TIME, LineKind.EXPENSE]).delete()
    uuid_prep = InvoiceLine._meta.get_field("project").target_field.get_db_prep_value
    invoice_id = uuid_prep(invoice.pk, connection)
    rows: list[tuple[Any, ...]] = []
    pairs: list[tuple[Decimal, Decimal]] = []
    vat_rate = Decimal(invoice.vat_rate)
    for g in sorted(groups, key=order):
        seconds = int(g["seconds"] or 0)
        quantity = printed_hours(seconds)
        rate = g["rate_applied"]
        amount = line_amount(quantity, rate)
        text = project_names.get(g["project_id"], "Time")
        if g["task_id"]:
            text += f" – {task_names.get(g['task_id'], '')}"
        if rates_per_target[(g["project_id"], g["task_id"])] > 1 and g["rate_effective_date"]:
            text += _document_text(invoice, gettext_noop(" (rate from %(date)s)"), date=g["rate_effective_date"])
        rows.append(
            (
                invoice_id,
                len(rows) + 1,
                LineKind.TIME.value,
                text[:500],
                uuid_prep(g["project_id"], connection),
                uuid_prep(g["task_id"], connection),
                None,
                g["rate_effective_date"],
                seconds,
                g["entries"],
                quantity,
                "h",
                rate,
                amount,
                vat_rate,
            )
        )
        pairs.append((amount, vat_rate))
    for expense in sorted(expenses, key=lambda e: (e.date, str(e.pk))):
        label = " – ".join(
            x
            for x in [
                expense.category.name if expense.category else _document_text(invoice, gettext_noop("Expense")),
                expense.vendor.name if expense.vendor else "",
                expense.description,
            ]
            if x
        )
        rows.append(
            (
                invoice_id,
                len(rows) + 1,
                LineKind.EXPENSE.value,
                f"{label} ({_document_date(invoice, expense.date)})"[:500],
                uuid_prep(expense.project_id, connection),
                None,
                uuid_prep(expense.pk, connection),
                None,
                0,
                0,
                Decimal("1.00"),
                "pc",
                expense.amount,
                expense.amount,
                vat_rate,
            )
        )
        pairs.append((expense.amount, vat_rate))
    _insert_lines(rows)
    if not fresh:
        # Extra and discount lines keep their order after the generated ones.
        position = len(rows)
        for offset, line in enumerate(
            invoice.lines.filter(kind__in=[LineKind.EXTRA, LineKind.DISCOUNT]).order_by("position", "id"), 1
        ):
            if line.position != position + offset:
                line.position = position + offset
                line.save(update_fields=["position"])
    return pairs


def open_drafts_overlapping(*, client: Client, period_start: date, period_end: date) -> list[Invoice]:
    """The client's open drafts whose period shares a day with [period_start, period_end]."""
    return list(
        Invoice.objects.filter(
            client=client, status=InvoiceStatus.DRAFT, period_start__lte=period_end, period_end__gte=period_start
        ).order_by("period_start")
    )


def invoice_create_draft(*, client: Client, period_start: date, period_end: date, actor: Actor) -> Invoice:
    """A draft for ``client`` over [period_start, period_end] (dates inclusive) in the
    client's currency at its VAT rate. Refuses ``invoice_empty`` when nothing is billable,
    ``invoice_currency_mismatch`` when some time or expense is in another currency and
    ``invoice_draft_overlaps`` when an open draft of the client shares a day with the
    period (it would bill the same time; regenerate or delete that draft instead)."""
    if period_end < period_start:
        raise _invalid("period_end", gettext("The period ends before it starts."))
    with transaction.atomic():
        # The client's row lock serialises draft creation per client, so two requests
        # can't both find no overlapping draft and both create one.
        Client.objects.select_for_update().filter(pk=client.pk).first()
        overlapping = open_drafts_overlapping(client=client, period_start=period_start, period_end=period_end)
        if overlapping:
            other = overlapping[0]
            raise InvoiceDraftOverlaps(
                details={
                    "draft": str(other.pk),
                    "period_start": other.period_start.isoformat(),
                    "period_end": other.period_end.isoformat(),
                }
            )
        invoice = Invoice(
            client=client,
            period_start=period_start,
            period_end=period_end,
            currency=client.currency.upper(),
            vat_rate=client.vat_rate,
            payment_terms_days=client.payment_terms_days,
            created_by=actor_user(actor),
        )
        # Field validation only: a new draft has no number, and the period order is checked above.
        full_clean(invoice, exclude=["client", "created_by"], constraints=False)
        invoice.save()
        pairs = _build_lines(invoice, fresh=True)
        if not pairs:
            raise InvoiceEmpty(details={"client": str(client.pk)})
        _recompute_totals(invoice, pairs)
        audit.record(actor=actor, action="invoice.draft_created", obj=invoice, after=audit.snapshot(invoice))
    return invoice


def invoice_regenerate(*, invoice: Invoice, actor: Actor) -> Invoice:
    """Rebuild a draft's time and expense lines from the period as it is now (rates are
    the entries' snapshots; the VAT rate is the client's current one)."""
    with transaction.atomic():
        invoice = _locked(invoice)
        _ensure_draft(invoice)
        before = audit.snapshot(invoice)
        invoice.vat_rate = invoice.client.vat_rate
        invoice.save(update_fields=["vat_rate", "updated_at"])
        _build_lines(invoice)
        invoice.lines.update(vat_rate=invoice.vat_rate)
        _recompute_totals(invoice)
        audit.record(
            actor=actor, action="invoice.regenerated", obj=invoice, before=before, after=audit.snapshot(invoice)
        )
    return invoice


def invoice_update(*, invoice: Invoice, actor: Actor, **changes: Any) -> Invoice:
    """Edit a draft's ``notes``, ``payment_terms_days``. Issued: ``invoice_already_issued``."""
    allowed = {"notes", "payment_terms_days"}
    unknown = set(changes) - allowed
    if unknown:
        raise _invalid(sorted(unknown)[0], gettext("This field cannot be changed."))
    with transaction.atomic():
        invoice = _locked(invoice)
        _ensure_draft(invoice)
        before = audit.snapshot(invoice)
        for name, value in changes.items():
            setattr(invoice, name, value)
        full_clean(invoice, exclude=["client", "created_by", "credits"])
        invoice.save()
        audit.record(actor=actor, action="invoice.updated", obj=invoice, before=before, after=audit.snapshot(invoice))
    return invoice


def invoice_delete_draft(*, invoice: Invoice, actor: Actor) -> None:
    """Delete a draft; its entries and expenses were never taken, so they stay approved
    and billable for the next draft. Issued invoices refuse (``invoice_already_issued``)."""
    with transaction.atomic():
        invoice = _locked(invoice)
        _ensure_draft(invoice)
        before = audit.snapshot(invoice)
        pk = invoice.pk
        invoice.delete()
        audit.record(
            actor=actor, action="invoice.draft_deleted", object_type="billing.invoice", object_id=pk, before=before
        )


def invoice_line_add(
    *,
    invoice: Invoice,
    actor: Actor,
    description: str,
    quantity: Decimal,
    unit_price: Decimal,
    unit: str = "pc",
    vat_rate: Decimal | None = None,
    kind: str = LineKind.EXTRA,
    vat_category: str = "",
) -> InvoiceLine:
    """An extra line (or a discount, with a negative price) on a draft."""
    if kind not in (LineKind.EXTRA, LineKind.DISCOUNT):
        raise _invalid("kind", gettext("Only extra and discount lines can be added by hand."))
    with transaction.atomic():
        invoice = _locked(invoice)
        _ensure_draft(invoice)
        quantity, unit_price = round_money(quantity), round_money(unit_price)
        if kind == LineKind.DISCOUNT and unit_price > 0:
            unit_price = -unit_price
        last = invoice.lines.order_by("-position").values_list("position", flat=True).first() or 0
        line = InvoiceLine(
            invoice=invoice,
            position=last + 1,
            kind=kind,
            description=description,
            quantity=quantity,
            unit=unit,
            unit_price=unit_price,
            amount=line_amount(quantity, unit_price),
            vat_rate=invoice.vat_rate if vat_rate is None else vat_rate,
            vat_category=vat_category,
        )
        full_clean(line, exclude=["invoice", "project", "task", "expense"])
        line.save()
        _recompute_totals(invoice)
        audit.record(actor=actor, action="invoice.line_added", obj=invoice, after=audit.snapshot(line))
    return line


def invoice_discount_add(
    *,
    invoice: Invoice,
    actor: Actor,
    description: str = "Discount",
    amount: Decimal | None = None,
    percent: Decimal | None = None,
) -> list[InvoiceLine]:
    """A fixed discount (at the invoice's VAT rate) or a percentage of the current lines,
    one discount line per VAT rate so each rate's base shrinks by its own share."""
    if (amount is None) == (percent is None):
        raise _invalid("amount", gettext("Give either amount or percent."))
    if (amount is not None and amount <= 0) or (percent is not None and not (0 < percent <= 100)):
        raise _invalid(
            "amount" if amount is not None else "percent", gettext("Must be positive (percent at most 100).")
        )
    if amount is not None:
        return [
            invoice_line_add(
                invoice=invoice,
                actor=actor,
                description=description,
                quantity=Decimal(1),
                unit_price=amount,
                kind=LineKind.DISCOUNT,
            )
        ]
    percent = Decimal(percent or 0)
    groups = vat_breakdown([(line.amount, line.vat_rate) for line in invoice.lines.exclude(kind=LineKind.DISCOUNT)])
    return [
        invoice_line_add(
            invoice=invoice,
            actor=actor,
            description=f"{description} {percent.normalize():f} %",
            quantity=Decimal(1),
            unit_price=round_money(g.net * percent / HUNDRED),
            kind=LineKind.DISCOUNT,
            vat_rate=g.rate,
        )
        for g in groups
        if g.net > 0
    ]


def invoice_line_update(*, line: InvoiceLine, actor: Actor, **changes: Any) -> InvoiceLine:
    """Time and expense lines accept a new ``description`` only (their numbers come from
    the entries); extra and discount lines also ``quantity``, ``unit_price``, ``unit``."""
    editable = (
        {"description"}
        if line.kind in (LineKind.TIME, LineKind.EXPENSE)
        else {"description", "quantity", "unit_price", "unit", "vat_rate", "vat_category"}
    )
    refused = set(changes) - editable
    with transaction.atomic():
        invoice = _locked(line.invoice)
        _ensure_draft(invoice)
        if refused:
            raise _invalid(
                sorted(refused)[0],
                gettext("A %(kind)s line's %(field)s cannot be edited.")
                % {"kind": line.get_kind_display(), "field": sorted(refused)[0]},
            )
        line = InvoiceLine.objects.get(pk=line.pk)
        before = audit.snapshot(line)
        for name, value in changes.items():
            setattr(line, name, value)
        if line.kind in (LineKind.EXTRA, LineKind.DISCOUNT):
            line.quantity, line.unit_price = round_money(line.quantity), round_money(line.unit_price)
            line.amount = line_amount(line.quantity, line.unit_price)
        full_clean(line, exclude=["invoice", "project", "task", "expense"])
        line.save()
        _recompute_totals(invoice)
        audit.record(actor=actor, action="invoice.line_updated", obj=invoice, before=before, after=audit.snapshot(line))
    return line


def invoice_line_delete(*, line: InvoiceLine, actor: Actor) -> None:
    """Drop an extra or discount line from a draft. Time and expense lines stand for
    entries and expenses that issuing will mark invoiced; to leave them out, make them
    non-billable (or move the period) and regenerate."""
    with transaction.atomic():
        invoice = _locked(line.invoice)
        _ensure_draft(invoice)
        if line.kind in (LineKind.TIME, LineKind.EXPENSE):
            raise _invalid(
                "kind", gettext("Time and expense lines follow the entries; make those non-billable and regenerate.")
            )
        before = audit.snapshot(line)
        line.delete()
        _recompute_totals(invoice)
        audit.record(actor=actor, action="invoice.line_deleted", obj=invoice, before=before)


# --- Numbering and issue -----------------------------------------------------------------------


def _number_format(kind: str) -> str:
    if kind == InvoiceKind.CREDIT_NOTE:
        return str(settings.ETIME_CREDIT_NOTE_NUMBER_FORMAT)
    return str(settings.ETIME_INVOICE_NUMBER_FORMAT)


def next_number(*, kind: str, year: int) -> tuple[int, str]:
    """Take the next number of ``kind``'s series for ``year``. Must run inside the
    transaction that stores it: the sequence row stays locked until that commits, so a
    rollback gives the number back and concurrent issues wait their turn."""
    NumberSequence.objects.bulk_create([NumberSequence(series=kind, year=year)], ignore_conflicts=True)
    sequence = NumberSequence.objects.select_for_update().get(series=kind, year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return sequence.last, _number_format(kind).format(year=year, seq=sequence.last)


def _buyer(client: Client) -> dict[str, Any]:
    from billing.documents.parties import buyer_details  # with the client's e-invoicing details

    return buyer_details(client)


def _time_signature(invoice: Invoice) -> dict[tuple[Any, ...], tuple[int, int]]:
    return {
        (line.project_id, line.task_id, line.unit_price, line.rate_effective_date): (line.seconds, line.entry_count)
        for line in invoice.lines.filter(kind=LineKind.TIME)
    }


def invoice_issue(
    *, invoice: Invoice, actor: Actor, issue_date: date | None = None, render_pdf: bool = True
) -> Invoice:
    """Number the draft, snapshot buyer and seller, and mark its entries and expenses
    invoiced, and store its PDF and CII XML (billing/issued.py; ``render_pdf=False``
    leaves them to the first download), all in one transaction. Refuses
    ``invoice_already_issued`` (not a draft), ``invoice_empty`` (no lines),
    ``invoice_draft_stale`` (the period's billable time or expenses changed since the
    draft was built: regenerate first) and ``invoice_incomplete``
    (``billing.completeness``: seller, buyer or VAT details the law or EN 16931 need are
    missing)."""
    with transaction.atomic():
        invoice = _locked(invoice)
        _ensure_draft(invoice)
        if not invoice.lines.exists():
            raise InvoiceEmpty(details={"invoice": str(invoice.pk)})
        client = invoice.client
        entries = selectors.billable_entries(
            client=client, period_start=invoice.period_start, period_end=invoice.period_end
        )
        # Lock what we are about to bill, so an entry can't be approved, returned or put on
        # another invoice between the check and the update.
        list(db.for_update(entries, of=("self",)).values_list("id", flat=True))
        current = {
            (g["project_id"], g["task_id"], g["rate_applied"], g["rate_effective_date"]): (
                int(g["seconds"] or 0),
                g["entries"],
            )
            for g in selectors.time_groups(
                client=client, period_start=invoice.period_start, period_end=invoice.period_end
            )
        }
        drafted = _time_signature(invoice)
        expense_ids = set(invoice.lines.filter(kind=LineKind.EXPENSE).values_list("expense_id", flat=True))
        current_expenses = set(
            db.for_update(
                selectors.billable_expenses(
                    client=client, period_start=invoice.period_start, period_end=invoice.period_end
                ),
                of=("self",),
            ).values_list("id", flat=True)
        )
        if current != drafted or expense_ids != current_expenses:
            raise InvoiceStale(
                details={
                    "time_lines_drafted": len(drafted),
                    "time_lines_now": len(current),
                    "expenses_drafted": len(expense_ids),
                    "expenses_now": len(current_expenses),
                }
            )
        from billing.completeness import ensure_complete  # issue #17: refuse what the law and EN 16931 need

        ensure_complete(invoice)
        before = audit.snapshot(invoice)
        day = issue_date or timezone.localdate()
        seq, number = next_number(kind=invoice.kind, year=day.year)
        invoice.number, invoice.sequence_year, invoice.sequence_number = number, day.year, seq
        invoice.status, invoice.issue_date, invoice.issued_at = InvoiceStatus.ISSUED, day, timezone.now()
        invoice.due_date = day + timedelta(days=invoice.payment_terms_days)
        invoice.seller, invoice.buyer = company_details(), _buyer(client)
        invoice.save()
        # One UPDATE for all entries (a month of a large client is tens of thousands); the
        # invoice's audit event records how many.
        # The rows are locked, so the same filter matches the same entries (no id list:
        # it could exceed the driver's parameter limit).
        marked = time_entries_mark_invoiced(entries=entries, invoice_id=invoice.pk)
        Expense.objects.filter(id__in=current_expenses).update(
            status=ExpenseStatus.INVOICED, invoice=invoice, updated_at=timezone.now()
        )
        audit.record(
            actor=actor,
            action="invoice.issued",
            obj=invoice,
            before=before,
            after={**audit.snapshot(invoice), "entries_invoiced": marked, "expenses_invoiced": len(current_expenses)},
        )
        if render_pdf:
            from billing import issued

            issued.store_documents(invoice)  # frozen: written in this transaction, served as stored
    return invoice


def _release(invoice: Invoice) -> tuple[int, int]:
    entries = time_entries_release_invoice(invoice_id=invoice.pk)
    expenses = Expense.objects.filter(invoice=invoice).update(
        status=ExpenseStatus.APPROVED, invoice=None, updated_at=timezone.now()
    )
    return entries, expenses


def invoice_void(*, invoice: Invoice, actor: Actor) -> Invoice:
    """Cancel an issued, unpaid invoice that was never meant to go out. It keeps its
    number (the series stays gapless) and is printed VOID; its time and expenses become
    billable again. Paid or part-paid invoices need a credit note."""
    with transaction.atomic():
        invoice = _locked(invoice)
        if invoice.status == InvoiceStatus.DRAFT:
            raise InvoiceNotIssued(gettext("A draft is deleted, not voided."))
        if invoice.status == InvoiceStatus.VOID or invoice.payment_status == PaymentStatus.CREDITED:
            raise InvoiceAlreadyCredited()
        if invoice.payments.exists():
            raise InvoiceHasPayments()
        before = audit.snapshot(invoice)
        invoice.status = InvoiceStatus.VOID
        invoice.save(update_fields=["status", "updated_at"])
        released = _release(invoice) if invoice.kind == InvoiceKind.INVOICE else (0, 0)
        audit.record(
            actor=actor,
            action="invoice.voided",
            obj=invoice,
            before=before,
            after={**audit.snapshot(invoice), "entries_released": released[0]},
        )
    return invoice


def invoice_credit_note(
    *,
    invoice: Invoice,
    actor: Actor,
    issue_date: date | None = None,
    release_entries: bool = True,
    render_pdf: bool = True,
) -> Invoice:
    """Issue a credit note reversing ``invoice`` in full (its own number series), mark
    the invoice credited, and (by default) make its time and expenses billable again so
    a corrected invoice can be drafted."""
    with transaction.atomic():
        original = _locked(invoice)
        if original.kind != InvoiceKind.INVOICE or original.status != InvoiceStatus.ISSUED:
            raise InvoiceNotIssued()
        if original.payment_status == PaymentStatus.CREDITED:
            raise InvoiceAlreadyCredited()
        day = issue_date or timezone.localdate()
        seq, number = next_number(kind=InvoiceKind.CREDIT_NOTE, year=day.year)
        note = Invoice.objects.create(
            kind=InvoiceKind.CREDIT_NOTE,
            status=InvoiceStatus.ISSUED,
            client=original.client,
            period_start=original.period_start,
            period_end=original.period_end,
            currency=original.currency,
            vat_rate=original.vat_rate,
            payment_terms_days=0,
            credits=original,
            seller=company_details(),
            buyer=original.buyer,
            issue_date=day,
            due_date=day,
            issued_at=timezone.now(),
            notes=_document_text(
                original,
                gettext_noop("Credit note for invoice %(number)s of %(date)s."),
                number=original.number,
                date=original.issue_date,
            ),
            payment_status=PaymentStatus.CREDITED,
            number=number,
            sequence_year=day.year,
            sequence_number=seq,
            created_by=actor_user(actor),
        )
        InvoiceLine.objects.bulk_create(
            [
                InvoiceLine(
                    invoice=note,
                    position=line.position,
                    kind=line.kind,
                    description=line.description,
                    project_id=line.project_id,
                    task_id=line.task_id,
                    rate_effective_date=line.rate_effective_date,
                    seconds=line.seconds,
                    entry_count=line.entry_count,
                    quantity=-line.quantity,
                    unit=line.unit,
                    unit_price=line.unit_price,
                    amount=-line.amount,
                    vat_rate=line.vat_rate,
                    vat_category=line.vat_category,
                )
                for line in original.lines.all()
            ]
        )
        _recompute_totals(note)
        before = audit.snapshot(original)
        original.payment_status = PaymentStatus.CREDITED
        original.save(update_fields=["payment_status", "updated_at"])
        released = _release(original) if release_entries else (0, 0)
        audit.record(
            actor=actor,
            action="invoice.credited",
            obj=original,
            before=before,
            after={**audit.snapshot(original), "credit_note": number, "entries_released": released[0]},
        )
        audit.record(actor=actor, action="invoice.issued", obj=note, after=audit.snapshot(note))
        if render_pdf:
            from billing import issued

            issued.store_documents(note)  # the credit note is a document of its own, frozen like an invoice
    return note


# --- Payments ----------------------------------------------------------------------------------


def _payment_status(invoice: Invoice, today: date) -> str:
    if invoice.payment_status == PaymentStatus.CREDITED:
        return PaymentStatus.CREDITED
    if invoice.amount_paid >= invoice.total:
        return PaymentStatus.PAID
    if invoice.due_date and invoice.due_date < today:
        return PaymentStatus.OVERDUE
    return PaymentStatus.PARTIALLY_PAID if invoice.amount_paid > 0 else PaymentStatus.OPEN


def payment_record(
    *, invoice: Invoice, actor: Actor, amount: Decimal, day: date, method: str = "bank_transfer", reference: str = ""
) -> Payment:
    """Record a (possibly partial) payment of an issued invoice; refuses more than the
    open amount (``payment_exceeds_open_amount``)."""
    with transaction.atomic():
        invoice = _locked(invoice)
        if invoice.status != InvoiceStatus.ISSUED or invoice.kind != InvoiceKind.INVOICE:
            raise InvoiceNotIssued(gettext("Payments are recorded against issued invoices."))
        if invoice.payment_status == PaymentStatus.CREDITED:
            raise InvoiceAlreadyCredited()
        amount = round_money(amount)
        if amount <= 0:
            raise _invalid("amount", gettext("Must be positive."))
        if amount > invoice.open_amount:
            raise PaymentExceedsOpen(details={"open": str(invoice.open_amount), "currency": invoice.currency})
        payment = Payment(
            invoice=invoice,
            amount=amount,
            date=day,
            method=method,
            reference=reference,
            created_by=actor_user(actor),
        )
        full_clean(payment, exclude=["invoice", "created_by"])
        payment.save()
        invoice.amount_paid += amount
        invoice.payment_status = _payment_status(invoice, timezone.localdate())
        invoice.save(update_fields=["amount_paid", "payment_status", "updated_at"])
        audit.record(actor=actor, action="payment.recorded", obj=payment, after=audit.snapshot(payment))
    return payment


def payment_delete(*, payment: Payment, actor: Actor) -> None:
    with transaction.atomic():
        invoice = _locked(payment.invoice)
        before = audit.snapshot(payment)
        pk = payment.pk
        payment.delete()
        invoice.amount_paid -= Decimal(before["amount"])
        invoice.payment_status = _payment_status(invoice, timezone.localdate())
        invoice.save(update_fields=["amount_paid", "payment_status", "updated_at"])
        audit.record(actor=actor, action="payment.deleted", object_type="billing.payment", object_id=pk, before=before)


def invoices_mark_overdue(*, today: date | None = None) -> list[Invoice]:
    """Flip issued invoices past their due date to ``overdue``; returns those flipped."""
    today = today or timezone.localdate()
    with transaction.atomic():
        due = list(
            Invoice.objects.select_for_update(skip_locked=True).filter(
                kind=InvoiceKind.INVOICE,
                status=InvoiceStatus.ISSUED,
                due_date__lt=today,
                payment_status__in=[PaymentStatus.OPEN, PaymentStatus.PARTIALLY_PAID],
            )
        )
        for invoice in due:
            invoice.payment_status = PaymentStatus.OVERDUE
            invoice.save(update_fields=["payment_status", "updated_at"])
    return due


def _lazy_format(formatter: Any, value: Any) -> Any:
    """``formatter(value)`` when the text is rendered (in notify(), the recipient's language)."""
    from etime.ops.notifications import lazy_text

    return lazy_text(lambda: formatter(value))


def overdue_reminders_send(*, today: date | None = None, every_days: int = 7) -> int:
    """Remind of each overdue invoice at most every ``every_days`` days; returns how many
    invoices were reminded. Each invoice is claimed by a conditional UPDATE first, so a task
    delivered twice mails once.

    The reminders go through ``etime.ops.notifications`` (kind ``invoice_overdue``, recorded,
    sent after commit) to the finance contact (``ETIME_BILLING_REMINDER_EMAIL``, else the
    company email) and to the active members of the ``finance`` group. The contact is
    usually a shared mailbox without a login: it is mailed as before and no preference
    applies; if it is an active user's own address, it is that user's notification and
    their preference decides. Finance members may switch the kind off."""
    from accounts.models import User
    from etime.ops.models import Notification, NotificationKind
    from etime.ops.notifications import notify, notify_many

    invoices_mark_overdue(today=today)
    now = timezone.now()
    contact = (settings.ETIME_BILLING_REMINDER_EMAIL or company_details()["email"] or "").strip()
    users = list(
        User.objects.filter(is_active=True, groups__name=selectors.FINANCE_GROUP).distinct().order_by("username")
    )
    contact_user = User.objects.filter(is_active=True, email__iexact=contact).first() if contact else None
    if contact_user is not None:
        users.append(contact_user)  # notify_many mails a user listed twice once
        contact = ""
    if not contact and not users:
        return 0
    sent = 0
    cutoff = now - timedelta(days=every_days)
    candidates = Invoice.objects.filter(payment_status=PaymentStatus.OVERDUE, status=InvoiceStatus.ISSUED).filter(
        Q(reminder_sent_at__isnull=True) | Q(reminder_sent_at__lt=cutoff)
    )
    for invoice in candidates.select_related("client"):
        with transaction.atomic():
            claimed = (
                Invoice.objects.filter(pk=invoice.pk)
                .filter(Q(reminder_sent_at__isnull=True) | Q(reminder_sent_at__lt=cutoff))
                .update(reminder_sent_at=now)
            )
            if claimed != 1:
                continue
            # Lazy: notify() writes them in each recipient's language.
            # The date and amounts too, so each reads in the recipient's formats (1'234.50 in German).
            facts = {
                "number": invoice.number,
                "client": invoice.client.name,
                "currency": invoice.currency,
                "due": _lazy_format(formatting.date_local, invoice.due_date),
                "total": _lazy_format(formatting.money, invoice.total),
                "paid": _lazy_format(formatting.money, invoice.amount_paid),
                "open": _lazy_format(formatting.money, invoice.open_amount),
            }
            subject = format_lazy(gettext_lazy("Overdue: invoice {number} ({client})"), **facts)
            body = format_lazy(
                gettext_lazy(
                    "Invoice {number} to {client} was due on {due}.\n"
                    "Total {total} {currency}, paid {paid}, open {open} {currency}.\n"
                ),
                **facts,
            )
            records = notify_many(users, NotificationKind.INVOICE_OVERDUE, subject, body)
            if contact:
                records.append(notify(None, NotificationKind.INVOICE_OVERDUE, subject, body, address=contact))
        sent += any(r.status == Notification.Status.QUEUED for r in records)
    return sent


# --- Expenses and receipts ----------------------------------------------------------------------


def receipt_store(*, file: IO[bytes], name: str = "", content_type: str = "") -> Receipt:
    """Store ``file`` under ``receipts/ab/cd/<sha256>`` once: the same bytes uploaded
    again reuse the stored file and row."""
    data = file.read()
    digest = hashlib.sha256(data).hexdigest()
    receipt, created = Receipt.objects.get_or_create(
        sha256=digest, defaults={"size": len(data), "content_type": content_type[:100], "original_name": name[:255]}
    )
    if default_storage.exists(receipt.path):
        with default_storage.open(receipt.path, "rb") as handle:
            intact = hashlib.sha256(handle.read()).hexdigest() == digest
        if intact:
            return receipt
        default_storage.delete(receipt.path)  # a damaged copy: the upload repairs it
    default_storage.save(receipt.path, ContentFile(data))
    return receipt


def receipt_read(receipt: Receipt) -> bytes:
    """The receipt's bytes, checked against their hash (``receipt_corrupted`` if not)."""
    with default_storage.open(receipt.path, "rb") as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != receipt.sha256:
        raise ReceiptCorrupted(details={"sha256": receipt.sha256})
    return bytes(data)


EXPENSE_FIELDS = {
    "date",
    "vendor",
    "category",
    "description",
    "amount",
    "currency",
    "billable",
    "project",
    "employee",
    "notes",
    "status",
}


def expense_save(
    *,
    expense: Expense,
    actor: Actor,
    receipt_file: IO[bytes] | None = None,
    receipt_name: str = "",
    receipt_type: str = "",
) -> Expense:
    """Create or update an expense (not once it is invoiced: ``expense_locked``)."""
    with transaction.atomic():
        stored = (
            Expense.objects.select_for_update().filter(pk=expense.pk).first() if not expense._state.adding else None
        )
        if stored is not None and (stored.status == ExpenseStatus.INVOICED or stored.invoice_id):
            raise ExpenseLocked()
        if expense.status == ExpenseStatus.INVOICED:
            raise _invalid("status", gettext("An expense becomes invoiced by issuing an invoice."))
        _compute_allowance(expense)
        expense.currency = (expense.currency or "").upper()
        if receipt_file is not None:
            expense.receipt = receipt_store(file=receipt_file, name=receipt_name, content_type=receipt_type)
        if expense.created_by_id is None and getattr(actor, "is_authenticated", False):
            expense.created_by = actor_user(actor)
        full_clean(expense)
        expense.save()
        audit.record(
            actor=actor,
            action=f"expense.{'updated' if stored else 'created'}",
            obj=expense,
            before=audit.snapshot(stored) if stored else None,
            after=audit.snapshot(expense),
        )
    return expense


_MILEAGE_FIELDS = ("vehicle", "distance_km", "route_from", "route_to")
_PER_DIEM_FIELDS = ("per_diem_country", "full_days", "partial_days")


def _clear(expense: Expense, names: tuple[str, ...]) -> None:
    for name in names:
        setattr(expense, name, None if name in ("distance_km", "full_days", "partial_days") else "")


def _compute_allowance(expense: Expense) -> None:
    """The amount of a mileage or per-diem expense, from the rate valid on its date (the
    latest ``valid_from`` on or before it) in the rate's currency; a plain expense keeps the
    amount typed. Fields of the other kinds are cleared, so an expense holds one story."""
    kind = expense.category.kind if expense.category is not None else ExpenseKind.AMOUNT
    required = gettext("This field is required.")
    if kind == ExpenseKind.MILEAGE:
        _clear(expense, _PER_DIEM_FIELDS)
        missing = [name for name in _MILEAGE_FIELDS if not getattr(expense, name)]
        if missing:
            raise ValidationFailed(
                gettext("The input is invalid: %(first)s") % {"first": required},
                details={name: [required] for name in missing},
            )
        mileage = (
            MileageRate.objects.filter(vehicle=expense.vehicle, valid_from__lte=expense.date)
            .order_by("-valid_from")
            .first()
        )
        if mileage is None:
            raise ExpenseRateMissing(details={"vehicle": expense.vehicle, "date": expense.date.isoformat()})
        expense.amount = round_money(Decimal(expense.distance_km or 0) * mileage.rate_per_km)
        expense.currency = mileage.currency
        if not expense.description:
            expense.description = gettext("%(start)s → %(end)s, %(km)s km") % {
                "start": expense.route_from,
                "end": expense.route_to,
                "km": formatting.days(expense.distance_km),
            }
    elif kind == ExpenseKind.PER_DIEM:
        _clear(expense, _MILEAGE_FIELDS)
        expense.per_diem_country = (expense.per_diem_country or "").upper()
        full, partial = expense.full_days or 0, expense.partial_days or 0
        if not expense.per_diem_country:
            raise _invalid("per_diem_country", required)
        if full + partial < 1:
            raise _invalid("full_days", gettext("Give at least one full or partial day."))
        per_diem = (
            PerDiemRate.objects.filter(country=expense.per_diem_country, valid_from__lte=expense.date)
            .order_by("-valid_from")
            .first()
        )
        if per_diem is None:
            raise ExpenseRateMissing(details={"country": expense.per_diem_country, "date": expense.date.isoformat()})
        expense.full_days, expense.partial_days = full, partial
        expense.amount = round_money(full * per_diem.full_day + partial * per_diem.partial_day)
        expense.currency = per_diem.currency
        if expense.amount <= 0:
            raise _invalid("partial_days", gettext("The allowance for these days is zero."))
        if not expense.description:
            expense.description = gettext("Per diem %(country)s: %(full)s full, %(partial)s partial days") % {
                "country": expense.per_diem_country,
                "full": full,
                "partial": partial,
            }
    else:
        _clear(expense, _MILEAGE_FIELDS + _PER_DIEM_FIELDS)
        if expense.amount is None:
            raise _invalid("amount", required)
        if not expense.currency:
            raise _invalid("currency", required)


def expense_delete(*, expense: Expense, actor: Actor) -> None:
    with transaction.atomic():
        expense = Expense.objects.select_for_update().get(pk=expense.pk)
        if expense.status == ExpenseStatus.INVOICED or expense.invoice_id:
            raise ExpenseLocked()
        if InvoiceLine.objects.filter(expense=expense).exists():
            # On a draft's line (drafts reserve nothing, but the line points at it).
            raise ExpenseLocked(gettext("This expense is on a draft invoice: regenerate or delete the draft first."))
        before = audit.snapshot(expense)
        pk = expense.pk
        expense.delete()
        audit.record(actor=actor, action="expense.deleted", object_type="billing.expense", object_id=pk, before=before)


def catalog_save(*, obj: Vendor | ExpenseCategory | MileageRate | PerDiemRate, actor: Actor) -> Any:
    """Create or change a vendor, an expense category, a mileage or a per-diem rate."""
    with transaction.atomic():
        stored = type(obj).objects.filter(pk=obj.pk).first() if not obj._state.adding else None
        full_clean(obj)
        obj.save()
        noun = obj._meta.model_name
        audit.record(
            actor=actor,
            action=f"{noun}.{'updated' if stored else 'created'}",
            obj=obj,
            before=audit.snapshot(stored) if stored else None,
            after=audit.snapshot(obj),
        )
    return obj


def einvoice_details_save(*, obj: Any, actor: Actor) -> Any:
    """Save a client's e-invoicing details or the seller contact (``ClientBilling``,
    ``SellerContact``): validated, audited. Issued invoices keep the copy they were issued with."""
    with transaction.atomic():
        stored = type(obj).objects.filter(pk=obj.pk).first()
        full_clean(obj)
        obj.save()
        audit.record(
            actor=actor,
            action=f"{obj._meta.model_name}.{'updated' if stored else 'created'}",
            obj=obj,
            before=audit.snapshot(stored) if stored else None,
            after=audit.snapshot(obj),
        )
    return obj


def catalog_delete(*, obj: Vendor | ExpenseCategory, actor: Actor) -> None:
    """Delete an unused vendor or category (one in use: deactivate it instead)."""
    try:
        with transaction.atomic():
            before, pk, label = audit.snapshot(obj), obj.pk, obj._meta.label_lower
            obj.delete()
            audit.record(
                actor=actor, action=f"{obj._meta.model_name}.deleted", object_type=label, object_id=pk, before=before
            )
    except ProtectedError:
        raise ValidationFailed(
            gettext("It is still used by expenses; deactivate it instead."),
            details={"non_field_errors": [gettext("Still referenced.")]},
        ) from None


@dataclass
class DraftsRun:
    """What ``drafts_for_all_clients`` did, client by client."""

    made: list[Invoice]
    regenerated: list[Invoice]
    skipped: list[tuple[Client, str]]  # (client, reason as people read it)
    empty: list[Client]  # nothing to bill in the period


def drafts_for_all_clients(*, period_start: date, period_end: date, actor: Actor) -> DraftsRun:
    """A draft per active client with something billable in the period. A client whose
    open draft covers exactly this period gets that draft regenerated; one whose open
    draft overlaps it otherwise is skipped (a second draft would bill the same time)."""
    run = DraftsRun(made=[], regenerated=[], skipped=[], empty=[])
    for client in Client.objects.filter(active=True).order_by("name"):
        overlapping = open_drafts_overlapping(client=client, period_start=period_start, period_end=period_end)
        try:
            if len(overlapping) == 1 and (overlapping[0].period_start, overlapping[0].period_end) == (
                period_start,
                period_end,
            ):
                run.regenerated.append(invoice_regenerate(invoice=overlapping[0], actor=actor))
            elif overlapping:
                names = ", ".join(str(d) for d in overlapping)
                run.skipped.append(
                    (
                        client,
                        gettext(
                            "skipped: it has an open draft over part of the period (%(drafts)s); "
                            "regenerate or delete that draft first"
                        )
                        % {"drafts": names},
                    )
                )
            else:
                run.made.append(
                    invoice_create_draft(client=client, period_start=period_start, period_end=period_end, actor=actor)
                )
        except InvoiceEmpty:
            run.empty.append(client)
        except (CurrencyMismatch, InvoiceDraftOverlaps) as exc:
            run.skipped.append((client, gettext("skipped: %(reason)s") % {"reason": exc.message}))
    return run
