"""Domain errors of billing. The codes are public (docs/API.md, docs/BILLING.md); never rename one."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from etime.core.errors import DomainError


class InvoiceAlreadyIssued(DomainError):
    code = "invoice_already_issued"
    status = 409
    message = _("This invoice is issued and can no longer be changed; correct it with a credit note.")


class InvoiceNotIssued(DomainError):
    code = "invoice_not_issued"
    status = 409
    message = _("Only an issued invoice can be voided, credited or paid.")


class InvoiceEmpty(DomainError):
    code = "invoice_empty"
    status = 409
    message = _("Nothing to invoice: no billable, approved, uninvoiced time or expenses in this period.")


class InvoiceDraftOverlaps(DomainError):
    """``details``: the open draft (``draft``, ``period_start``, ``period_end``). Two open
    drafts over the same time would bill it twice; the second could never be issued."""

    code = "invoice_draft_overlaps"
    status = 409
    message = _("The client already has an open draft overlapping this period; regenerate or delete that draft.")


class InvoiceStale(DomainError):
    """``details``: what changed since the draft was built."""

    code = "invoice_draft_stale"
    status = 409
    message = _("The billable time or expenses changed since this draft was built; regenerate it, then issue.")


class CurrencyMismatch(DomainError):
    """``details.currencies``: the foreign currencies met; ``details.client_currency``."""

    code = "invoice_currency_mismatch"
    status = 409
    message = _("Some time or expenses are priced in another currency than the client's; an invoice has one currency.")


class InvoiceIncomplete(DomainError):
    """``details.missing``: ``[{"field", "code", "rules", "message"}]`` from
    ``billing.completeness``: what the law and EN 16931 need and the invoice lacks."""

    code = "invoice_incomplete"
    status = 409
    message = _("This invoice lacks details the law or the e-invoice standard require; complete them, then issue.")


class InvoiceHasPayments(DomainError):
    code = "invoice_has_payments"
    status = 409
    message = _("This invoice has payments; correct it with a credit note instead of voiding it.")


class InvoiceAlreadyCredited(DomainError):
    code = "invoice_already_credited"
    status = 409
    message = _("This invoice is already voided or credited.")


class PaymentExceedsOpen(DomainError):
    """``details.open``: the open amount."""

    code = "payment_exceeds_open_amount"
    status = 409
    message = _("The payment is larger than the invoice's open amount.")


class ReceiptCorrupted(DomainError):
    code = "receipt_corrupted"
    status = 500
    message = _("The stored receipt no longer matches its checksum.")


class InvoiceDocumentCorrupted(DomainError):
    """``details``: the invoice, which document (``pdf`` or ``cii``) and its stored SHA-256."""

    code = "invoice_document_corrupted"
    status = 500
    message = _("The stored invoice document no longer matches its checksum.")


class ExpenseRateMissing(DomainError):
    code = "expense_rate_missing"
    status = 400
    message = _("No mileage or per-diem rate is valid on this expense's date: an administrator sets the rates first.")


class ExpenseLocked(DomainError):
    code = "expense_locked"
    status = 409
    message = _("This expense is on an issued invoice and can no longer be changed.")


class BillingNotAllowed(DomainError):
    code = "permission_denied"
    status = 403
    message = _("Billing is for administrators and the finance group only.")
