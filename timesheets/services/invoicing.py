"""Billing's hooks on time entries: approved entries go on an invoice and come off it again,
inside the transaction of the billing service that calls them."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from timesheets.models import EntryStatus, TimeEntry


def time_entries_mark_invoiced(*, entries: QuerySet[TimeEntry], invoice_id: Any) -> int:
    """For billing, inside the transaction that issues the invoice (which has locked the
    rows and records the count in its own audit event): the approved, billable entries
    not yet on an invoice go on ``invoice_id`` and are locked, in one UPDATE (a large
    client's month is tens of thousands of entries; an id list could exceed the driver's
    parameter limit). Returns how many."""
    return entries.filter(status=EntryStatus.APPROVED, billable=True, invoice_id__isnull=True).update(
        status=EntryStatus.INVOICED, invoice_id=invoice_id, updated_at=timezone.now()
    )


def time_entries_release_invoice(*, invoice_id: Any) -> int:
    """For billing, inside the transaction that voids or credits the invoice (whose audit
    event records the count): its entries are approved and invoiceable again."""
    return TimeEntry.objects.filter(invoice_id=invoice_id, status=EntryStatus.INVOICED).update(
        status=EntryStatus.APPROVED, invoice_id=None, updated_at=timezone.now()
    )
