from __future__ import annotations

import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _


class AttendanceConfig(AppConfig):
    name = "attendance"
    verbose_name = _("Attendance")

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
                label=gettext_lazy("Shift swap"),
                model=ShiftSwapRequest,
                levels=plans.swap_levels,
                requester=lambda obj: obj.requester.user,
                on_approved=plans.on_swap_approved,
                on_rejected=plans.on_swap_rejected,
                on_returned=plans.on_swap_returned,
                describe=_describe_swap,
                related=("requester", "counterpart"),
            )
        )
        approvals.register_kind(
            approvals.ApprovalKind(
                name=regularisations.KIND,
                label=gettext_lazy("Attendance correction"),
                model=Regularisation,
                levels=lambda obj: [approvals.MANAGER],
                requester=lambda obj: obj.employee.user,
                on_approved=regularisations.on_approved,
                on_rejected=regularisations.on_rejected,
                on_returned=regularisations.on_returned,
                describe=_describe_correction,
                related=("employee",),
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
        schedules.register(
            schedules.DefaultSchedule(
                name="Punch partitions and retention",
                task="attendance.punch_partitions",
                crontab={"minute": "40", "hour": "1"},
                description="PostgreSQL: creates the punch partitions of the coming months and applies the "
                "punch retention of the company settings (docs/ATTENDANCE.md).",
            )
        )

        from attendance import demo, services, views

        registry.register_approval_detail(regularisations.KIND, views.approval_detail)
        registry.register_approval_detail(plans.SWAP_KIND, views.swap_approval_detail)

        registry.register_demo_seeder(demo.seed_attendance)
        registry.register_demo_seeder(demo.seed_corrections, order=200)
        from etime.ops.reports import ReportKind, register_report  # operations: scheduled reports

        def _register_report(*, fmt: str, start: object, end: object) -> bytes:
            from import_export.formats.base_formats import XLSX

            from accounts.models import Employee
            from attendance import reports

            register = reports.monthly_register(employees=Employee.objects.all(), month=start.replace(day=1))  # type: ignore[attr-defined]
            if fmt == "pdf":
                return reports.register_pdf(register)
            return bytes(XLSX().export_data(reports.register_dataset(register)))

        register_report(ReportKind("attendance_register", _("Monthly attendance register"), _register_report))
        register_report(ReportKind("attendance_overtime", _("Overtime"), _overtime_report, formats=("xlsx",)))
        registry.register_home_panel(views.home_panel)
        registry.register_offline_action("punch", services.offline_punch_action)
        registry.register_nav_link(views.nav_links)


def _describe_swap(obj: object) -> str:
    """Inbox lines in the reader's language and formats (etime.core.approvals.summaries)."""
    from django.utils.translation import gettext

    from etime.core.formatting import date_local

    return gettext("Swap %(date)s: %(requester)s ⇄ %(counterpart)s") % {
        "date": date_local(obj.date),  # type: ignore[attr-defined]
        "requester": obj.requester.full_name,  # type: ignore[attr-defined]
        "counterpart": obj.counterpart.full_name,  # type: ignore[attr-defined]
    }


def _describe_correction(obj: object) -> str:
    from django.utils.translation import gettext

    from etime.core.formatting import date_local

    return gettext("Correction %(date)s for %(name)s: %(reason)s") % {
        "date": date_local(obj.date),  # type: ignore[attr-defined]
        "name": obj.employee.full_name,  # type: ignore[attr-defined]
        "reason": obj.reason,  # type: ignore[attr-defined]
    }


def _overtime_report(*, fmt: str, start: dt.date, end: dt.date) -> bytes:
    """Overtime per employee over [start, end], for everyone employed at some point in it
    (the attendance summary's totals; xlsx only, as summaries have no PDF layout)."""
    from decimal import Decimal

    from django.db.models import Count
    from import_export.formats.base_formats import XLSX
    from tablib import Dataset

    from accounts.models import Employee
    from accounts.selectors import employed_between
    from attendance import reports
    from attendance.models import AttendanceDay

    people = Employee.objects.filter(employed_between(start, end)).select_related("department").order_by("code")
    totals = reports.summary(people, start, end)
    days = dict(
        AttendanceDay.objects.filter(employee__in=people, date__gte=start, date__lte=end, overtime_minutes__gt=0)
        .values("employee_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("employee_id", "n")
    )
    headers = ["Code", "Name", "Department", "Days with overtime", "Overtime (min)", "Overtime (h)", "Worked (h)"]
    data = Dataset(headers=headers, title=f"{start:%Y-%m-%d} to {end:%Y-%m-%d}")
    for person in people:
        hours = totals.get(person.pk, reports.Totals()).as_dict()
        data.append(
            [
                person.code,
                person.full_name,
                person.department.name if person.department else "",
                days.get(person.pk, 0),
                hours["overtime_minutes"],
                Decimal(hours["overtime_hours"]),
                Decimal(hours["worked_hours"]),
            ]
        )
    return bytes(XLSX().export_data(data))
