from __future__ import annotations

import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Billing")

    def ready(self) -> None:
        from billing import demo
        from etime.core import registry, scopes
        from etime.core.schedules import DefaultSchedule, register

        scopes.register_area("billing", "Invoices, credit notes, payments, expenses and finance reports")
        register(
            DefaultSchedule(
                name="Overdue invoice reminders",
                task="billing.send_overdue_reminders",
                crontab={"minute": "30", "hour": "6"},
                kwargs={"every_days": 7},
                description="Daily: flags issued invoices past their due date as overdue and mails finance "
                "a reminder per overdue invoice at most every `every_days` days.",
            )
        )
        registry.register_demo_seeder(demo.seed_billing)
        registry.register_demo_seeder(demo.seed_billing_more, order=200)
        registry.register_demo_personas(demo.personas)
        from etime.ops.reports import ReportKind, register_report  # operations: scheduled reports

        register_report(
            ReportKind("invoice_register", _("Invoice register"), _invoice_register_report, formats=("xlsx",))
        )


def _invoice_register_report(*, fmt: str, start: dt.date, end: dt.date) -> bytes:
    """The invoice register (issued and void invoices and credit notes, with paid and open
    amounts) of the documents issued in [start, end]."""
    from accounts.selectors import scheduled_report_viewer
    from billing import resources, selectors

    invoices = selectors.invoice_register(user=scheduled_report_viewer()).filter(
        issue_date__gte=start, issue_date__lte=end
    )
    return bytes(resources.register_export(invoices, fmt).content)
