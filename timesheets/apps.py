from __future__ import annotations

import datetime as dt
from functools import partial

from django.apps import AppConfig
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _


class TimesheetsConfig(AppConfig):
    name = "timesheets"
    verbose_name = _("Timesheets")

    def ready(self) -> None:
        from django.utils.translation import gettext

        from etime.core import approvals, registry, scopes
        from etime.core.formatting import date_local
        from etime.core.schedules import DefaultSchedule, register
        from timesheets import demo, services
        from timesheets.models import Timesheet

        scopes.register_area("time_entries", "Time entries and the timer")
        # A timer started or stopped on an installed app while offline (devices.services.clients).
        registry.register_offline_action("timer_start", partial(services.timer_offline_action, action="start"))
        registry.register_offline_action("timer_stop", partial(services.timer_offline_action, action="stop"))
        scopes.register_area("clients", "Clients")
        scopes.register_area("projects", "Projects and their tasks")
        scopes.register_area("rates", "Billing and cost rates (admins only)")
        scopes.register_area("timesheets", "Weekly timesheets and their approval")
        scopes.register_area("reports", "Time and budget reports")

        approvals.register_kind(
            approvals.ApprovalKind(
                name="timesheet",
                label=gettext_lazy("Timesheet"),
                model=Timesheet,
                levels=lambda obj: [approvals.MANAGER],
                requester=lambda obj: obj.employee.user,
                on_approved=services.on_timesheet_approved,
                on_rejected=services.on_timesheet_rejected,
                on_returned=services.on_timesheet_returned,
                describe=lambda obj: (
                    gettext("Timesheet of %(name)s, week of %(week)s")
                    % {"name": obj.employee.full_name, "week": date_local(obj.week_start)}
                ),
                related=("employee",),
            )
        )

        register(
            DefaultSchedule(
                name="Stop timers left running",
                task="timesheets.stop_overlong_timers",
                every_seconds=300,
                description=(
                    "Stops timers running longer than ETIME_TIMER_LIMIT_HOURS (or this task's limit_hours"
                    " argument, when set) at the limit, flags them and mails the employee."
                ),
            )
        )
        register(
            DefaultSchedule(
                name="End-of-day time reminders",
                task="timesheets.send_daily_reminders",
                crontab={"minute": "5", "hour": "*"},
                kwargs={"hour": services.DEFAULT_REMINDER_HOUR},
                description="From `hour` local time on, mails employees who logged less than expected today (once a day).",
            )
        )
        register(
            DefaultSchedule(
                name="Timesheets waiting for approval",
                task="timesheets.send_approval_reminders",
                crontab={"minute": "0", "hour": "7", "day_of_week": "1"},
                description="Mondays: reminds each manager of the timesheets waiting for their approval.",
            )
        )
        register(
            DefaultSchedule(
                name="Project budget alerts",
                task="timesheets.send_budget_alerts",
                crontab={"minute": "20", "hour": "*"},
                description="Hourly: tells each project's managers when it reaches 80 % and 100 % of its hours or money budget (once per threshold).",
            )
        )
        registry.register_demo_seeder(demo.seed_timesheets)
        registry.register_demo_seeder(demo.seed_timesheets_more, order=200)
        from etime.ops.reports import ReportKind, register_report  # operations: scheduled reports

        register_report(ReportKind("hours_by_client", _("Hours by client"), _hours_by_client_report, formats=("xlsx",)))
        from timesheets import views

        registry.register_header_widget(views.header_widget)
        registry.register_approval_detail("timesheet", views.approval_detail)
        registry.register_palette_source(views.palette_items)
        registry.register_nav_link(views.nav_links)
        registry.register_home_panel(views.home_panel)


def _hours_by_client_report(*, fmt: str, start: dt.date, end: dt.date) -> bytes:
    """The time report grouped by client over [start, end], everyone's finished entries.
    Internal costs and margins are left out: the mail may reach people who are not admins."""
    from accounts.selectors import scheduled_report_viewer
    from timesheets import resources, selectors

    rows = selectors.time_report(
        user=scheduled_report_viewer(), group_by="client", filters=selectors.ReportFilters(date_from=start, date_to=end)
    )
    rows = [{k: v for k, v in row.items() if k not in ("costs", "margins")} for row in rows]
    return bytes(resources.report_response(rows, fmt, "hours-by-client").content)
