"""Billing's background work: ids in, one service call each; safe to run twice."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="billing.render_invoice_pdf")
def render_invoice_pdf(invoice_id: str) -> str:
    from billing import pdf
    from billing.models import Invoice

    invoice = Invoice.objects.get(pk=invoice_id)
    return str(pdf.invoice_store_pdf(invoice=invoice).name)


@shared_task(name="billing.send_overdue_reminders")
def send_overdue_reminders(every_days: int = 7) -> int:
    from billing import services

    return services.overdue_reminders_send(every_days=every_days)
