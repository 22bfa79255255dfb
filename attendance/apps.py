from __future__ import annotations

from django.apps import AppConfig


class AttendanceConfig(AppConfig):
    name = "attendance"
    verbose_name = "Attendance"

    def ready(self) -> None:
        from attendance import signals  # noqa: F401  (attach punches when a mapping appears)
        from etime.core import scopes

        scopes.register_area("punches", "Punches")
        scopes.register_area("attendance", "Attendance days, schedules and shifts")
