from __future__ import annotations

from django.apps import AppConfig


class TimesheetsConfig(AppConfig):
    name = "timesheets"
    verbose_name = "Timesheets"

    def ready(self) -> None:
        from etime.core import approvals, registry, scopes
        from etime.core.schedules import DefaultSchedule, register
        from timesheets import demo, services
        from timesheets.models import Timesheet

        scopes.register_area("time_entries", "Time entries and the timer")
        scopes.register_area("clients", "Clients")
        scopes.register_area("projects", "Projects and their tasks")
        scopes.register_area("rates", "Billing and cost rates (admins only)")
        scopes.register_area("timesheets", "Weekly timesheets and their approval")
        scopes.register_area("reports", "Time and budget reports")

        approvals.register_kind(
            approvals.ApprovalKind(
                name="timesheet",
                label="Timesheet",
                model=Timesheet,
                levels=lambda obj: [approvals.MANAGER],
                requester=lambda obj: obj.employee.user,
                on_approved=services.on_timesheet_approved,
                on_rejected=services.on_timesheet_rejected,
                on_returned=services.on_timesheet_returned,
                describe=lambda obj: f"Timesheet of {obj.employee.full_name}, week of {obj.week_start:%d %b %Y}",
            )
        )

        register(
            DefaultSchedule(
                name="Stop timers left running",
                task="timesheets.stop_overlong_timers",
                every_seconds=300,
                kwargs={"limit_hours": services.DEFAULT_TIMER_LIMIT_HOURS},
                description="Stops timers running longer than limit_hours at the limit, flags them and mails the employee.",
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
        registry.register_demo_seeder(demo.seed_timesheets)
        from timesheets import views

        registry.register_header_widget(views.header_widget)
        registry.register_nav_link(views.nav_links)
        registry.register_home_panel(views.home_panel)
