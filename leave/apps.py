from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeaveConfig(AppConfig):
    name = "leave"
    verbose_name = _("Leave")

    def ready(self) -> None:
        from etime.core import registry, schedules, scopes
        from leave import integration, services

        scopes.register_area("leave", "Leave types, policies, holiday calendars, requests, balances and ledger")
        services.register_approval_kind()
        integration.register_with_attendance()
        integration.connect_holiday_signals()

        from leave.demo import seed_leave, seed_leave_more
        from leave.views import approval_detail, home_panel, nav_links, palette_items

        registry.register_approval_detail(services.APPROVAL_KIND, approval_detail)
        registry.register_home_panel(home_panel)
        registry.register_palette_source(palette_items)
        registry.register_nav_link(nav_links)
        registry.register_demo_seeder(seed_leave)
        registry.register_demo_seeder(seed_leave_more)
        from etime.ops.reports import ReportKind, register_report  # operations: scheduled reports

        def _balances_report(*, fmt: str, start: object, end: object) -> bytes:
            from import_export.formats.base_formats import XLSX
            from tablib import Dataset

            from accounts.models import Employee
            from leave.models import LeaveType
            from leave.selectors import balances

            year = end.year  # type: ignore[attr-defined]
            people = {e.pk: e for e in Employee.objects.all()}
            types = {t.pk: t for t in LeaveType.objects.all()}
            data = Dataset(headers=["Code", "Name", "Leave type", "Balance", "Pending", "Available"], title=str(year))
            for (employee_id, type_id), b in sorted(
                balances(employees=None, year=year).items(),
                key=lambda kv: (people[kv[0][0]].code, types[kv[0][1]].name),
            ):
                data.append(
                    [
                        people[employee_id].code,
                        people[employee_id].full_name,
                        types[type_id].name,
                        b.balance,
                        b.pending,
                        b.available,
                    ]
                )
            return bytes(XLSX().export_data(data))

        register_report(ReportKind("leave_balances", _("Leave balances"), _balances_report, formats=("xlsx",)))

        schedules.register(
            schedules.DefaultSchedule(
                name="Leave: monthly accruals and upfront grants",
                task="leave.post_entitlements",
                crontab={"minute": "10", "hour": "1", "day_of_month": "1"},
                description="Posts last month's accruals and this year's (prorated) upfront grants; idempotent.",
            )
        )
        schedules.register(
            schedules.DefaultSchedule(
                name="Leave: year-end carry-forward",
                task="leave.close_year",
                crontab={"minute": "30", "hour": "1", "day_of_month": "1", "month_of_year": "1"},
                description="Carries unused days into the new year up to each policy's cap; the rest expires; idempotent.",
            )
        )
        schedules.register(
            schedules.DefaultSchedule(
                name="Leave: expire unused carried days",
                task="leave.expire_carry_forward",
                crontab={"minute": "50", "hour": "1"},
                description="Daily: carried days unused by the policy's expiry date expire; idempotent.",
            )
        )
