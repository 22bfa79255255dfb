"""Billing's background work: ids in, one service call each; safe to run twice."""

from __future__ import annotations

from celery import shared_task

from etime.core.queue import task_row


@shared_task(name="billing.render_invoice_pdf")
def render_invoice_pdf(invoice_id: str) -> str | None:
    """Store the documents of an invoice issued without them (issue stores them itself)."""
    from billing import issued
    from billing.models import Invoice

    invoice = task_row(Invoice, invoice_id)
    if invoice is None:
        return None
    return str(issued.ensure_documents(invoice).pdf.name)


@shared_task(name="billing.send_overdue_reminders")
def send_overdue_reminders(every_days: int = 7) -> int:
    from billing import services

    return services.overdue_reminders_send(every_days=every_days)
