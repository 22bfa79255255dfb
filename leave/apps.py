from __future__ import annotations

from django.apps import AppConfig


class LeaveConfig(AppConfig):
    name = "leave"
    verbose_name = "Leave"

    def ready(self) -> None:
        from etime.core import registry, schedules, scopes
        from leave import integration, services

        scopes.register_area("leave", "Leave types, policies, holiday calendars, requests, balances and ledger")
        services.register_approval_kind()
        integration.register_with_attendance()
        integration.connect_holiday_signals()

        from leave.demo import seed_leave
        from leave.views import home_panel

        registry.register_home_panel(home_panel)
        registry.register_demo_seeder(seed_leave)

        schedules.register(schedules.DefaultSchedule(
            name="Leave: monthly accruals and upfront grants",
            task="leave.post_entitlements",
            crontab={"minute": "10", "hour": "1", "day_of_month": "1"},
            description="Posts last month's accruals and this year's (prorated) upfront grants; idempotent.",
        ))
        schedules.register(schedules.DefaultSchedule(
            name="Leave: year-end carry-forward",
            task="leave.close_year",
            crontab={"minute": "30", "hour": "1", "day_of_month": "1", "month_of_year": "1"},
            description="Carries unused days into the new year up to each policy's cap; the rest expires; idempotent.",
        ))
        schedules.register(schedules.DefaultSchedule(
            name="Leave: expire unused carried days",
            task="leave.expire_carry_forward",
            crontab={"minute": "50", "hour": "1"},
            description="Daily: carried days unused by the policy's expiry date expire; idempotent.",
        ))
