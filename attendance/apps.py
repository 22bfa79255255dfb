from __future__ import annotations

from django.apps import AppConfig


class AttendanceConfig(AppConfig):
    name = "attendance"
    verbose_name = "Attendance"

    def ready(self) -> None:
        from attendance import signals  # noqa: F401  (attach punches when a mapping appears)
        from etime.core import approvals, registry, schedules, scopes

        scopes.register_area("punches", "Punches")
        scopes.register_area("attendance", "Attendance days, schedules and shifts")

        from attendance.models import Regularisation, ShiftSwapRequest
        from attendance.services import plans, regularisations

        approvals.register_kind(
            approvals.ApprovalKind(
                name=plans.SWAP_KIND,
                label="Shift swap",
                model=ShiftSwapRequest,
                levels=lambda obj: [approvals.MANAGER],
                requester=lambda obj: obj.requester.user,
                on_approved=plans.on_swap_approved,
                on_rejected=plans.on_swap_rejected,
                on_returned=plans.on_swap_returned,
                describe=lambda obj: f"Swap {obj.date.isoformat()}: {obj.requester.full_name} ⇄ {obj.counterpart.full_name}",
            )
        )
        approvals.register_kind(
            approvals.ApprovalKind(
                name=regularisations.KIND,
                label="Attendance correction",
                model=Regularisation,
                levels=lambda obj: [approvals.MANAGER],
                requester=lambda obj: obj.employee.user,
                on_approved=regularisations.on_approved,
                on_rejected=regularisations.on_rejected,
                on_returned=regularisations.on_returned,
                describe=lambda obj: f"Correction {obj.date.isoformat()} for {obj.employee.full_name}: {obj.reason}",
            )
        )

        schedules.register(
            schedules.DefaultSchedule(
                name="Recompute dirty attendance days",
                task="attendance.recompute_dirty_days",
                every_seconds=60,
                description="Safety net: recomputes marked employee-dates (a task is also queued after each change).",
            )
        )
        schedules.register(
            schedules.DefaultSchedule(
                name="Close attendance days",
                task="attendance.close_days",
                every_seconds=300,
                description="Creates absences for ended days without punches; finalises provisional days.",
            )
        )

        from attendance import demo, views

        registry.register_demo_seeder(demo.seed_attendance)
        from etime.ops.reports import ReportKind, register_report  # operations: scheduled reports

        def _register_report(*, fmt: str, start: object, end: object) -> bytes:
            from import_export.formats.base_formats import XLSX

            from accounts.models import Employee
            from attendance import reports

            register = reports.monthly_register(employees=Employee.objects.all(), month=start.replace(day=1))  # type: ignore[attr-defined]
            if fmt == "pdf":
                return reports.register_pdf(register)
            return bytes(XLSX().export_data(reports.register_dataset(register)))

        register_report(ReportKind("attendance_register", "Monthly attendance register", _register_report))
        registry.register_home_panel(views.home_panel)
        registry.register_nav_link(views.nav_links)
