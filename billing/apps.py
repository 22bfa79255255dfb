from __future__ import annotations

from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"

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
