"""Attendance reports: the monthly register (employee × day with status codes and totals)
and the per-employee summary, plus their CSV/XLSX (django-import-export formats) and PDF
(WeasyPrint) renderings. The same functions serve the admin, the pages and the API; who
appears is decided by the caller's visible employees (attendance.selectors)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from import_export.formats.base_formats import CSV, XLSX
from tablib import Dataset

from accounts.models import Employee
from accounts.selectors import employed_between
from attendance.models import AttendanceDay, DayStatus
from etime.core import formatting

# Abbreviations of the day statuses, translated like the labels they stand for.
CODES = {
    DayStatus.PRESENT: pgettext_lazy("register code: present", "P"),
    DayStatus.ABSENT: pgettext_lazy("register code: absent", "A"),
    DayStatus.HALF_DAY: pgettext_lazy("register code: half day", "HD"),
    DayStatus.MISSING_PUNCH: pgettext_lazy("register code: missing punch", "MP"),
    DayStatus.ON_LEAVE: pgettext_lazy("register code: on leave", "L"),
    DayStatus.HOLIDAY: pgettext_lazy("register code: holiday", "H"),
    DayStatus.WEEKLY_OFF: pgettext_lazy("register code: weekly off", "WO"),
}
PROVISIONAL_MARK = "*"
MANUAL_MARK = "!"
PART_SEPARATOR = "/"
# A shift of a split day that has not started yet.
PENDING_PART = "…"
LEGEND = [(code, DayStatus(status).label) for status, code in CODES.items()] + [
    (PROVISIONAL_MARK, _("provisional (a time clock may still hold punches)")),
    (MANUAL_MARK, _("manual (the status was set by hand, with a reason)")),
    (PART_SEPARATOR, _("several shifts that day: one code per shift, e.g. P/A")),
]
FORMATS = ("json", "csv", "xlsx", "pdf")


def month_bounds(first: date) -> tuple[date, date]:
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def _hours(minutes: int) -> str:
    return str((Decimal(minutes) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


@dataclass
class Totals:
    present: int = 0
    half_day: int = 0
    absent: int = 0
    missing_punch: int = 0
    on_leave: int = 0
    holiday: int = 0
    weekly_off: int = 0
    late_count: int = 0
    late_minutes: int = 0
    early_exit_count: int = 0
    early_exit_minutes: int = 0
    overtime_minutes: int = 0
    worked_minutes: int = 0
    provisional: int = 0
    split_days: int = 0  # days with several shifts
    shifts_absent: int = 0  # shifts of those days that count as absent (the day may still be a half day)

    def as_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["overtime_hours"] = _hours(self.overtime_minutes)
        data["worked_hours"] = _hours(self.worked_minutes)
        return data


def summary(employees: QuerySet[Employee], date_from: date, date_to: date) -> dict[Any, Totals]:
    """Per-employee totals over [date_from, date_to], in one GROUP BY query, plus one over
    the days with several shifts (their parts)."""
    days = AttendanceDay.objects.filter(employee__in=employees, date__gte=date_from, date__lte=date_to)
    rows = (
        days.values("employee_id")
        .annotate(
            present=Count("id", filter=Q(status=DayStatus.PRESENT)),
            half_day=Count("id", filter=Q(status=DayStatus.HALF_DAY)),
            absent=Count("id", filter=Q(status=DayStatus.ABSENT)),
            missing_punch=Count("id", filter=Q(status=DayStatus.MISSING_PUNCH)),
            on_leave=Count("id", filter=Q(status=DayStatus.ON_LEAVE)),
            holiday=Count("id", filter=Q(status=DayStatus.HOLIDAY)),
            weekly_off=Count("id", filter=Q(status=DayStatus.WEEKLY_OFF)),
            late_count=Count("id", filter=Q(late_minutes__gt=0)),
            late_minutes=Sum("late_minutes"),
            early_exit_count=Count("id", filter=Q(early_exit_minutes__gt=0)),
            early_exit_minutes=Sum("early_exit_minutes"),
            overtime_minutes=Sum("overtime_minutes"),
            worked_minutes=Sum("worked_minutes"),
            provisional=Count("id", filter=Q(is_final=False)),
        )
        .order_by()
    )
    result: dict[Any, Totals] = {}
    for row in rows:
        employee_id = row.pop("employee_id")
        result[employee_id] = Totals(**{k: int(v or 0) for k, v in row.items()})
    for employee_id, parts in days.filter(parts__0__isnull=False).values_list("employee_id", "parts").order_by():
        totals = result.setdefault(employee_id, Totals())
        totals.split_days += 1
        totals.shifts_absent += sum(1 for part in parts if part.get("status") == DayStatus.ABSENT)
    return result


@dataclass
class RegisterRow:
    employee: Employee
    cells: list[dict[str, Any]] = field(default_factory=list)
    totals: Totals = field(default_factory=Totals)


@dataclass
class Register:
    month: date
    days: list[date]
    rows: list[RegisterRow]

    @property
    def title(self) -> str:
        return gettext("Attendance register %(month)s") % {"month": formatting.month_label(self.month)}


def monthly_register(*, employees: QuerySet[Employee], month: date) -> Register:
    """The register of ``month`` for ``employees`` (already scoped to what the caller may
    see) who were employed at some point in it. Three queries whatever the size."""
    first, last = month_bounds(month)
    people = list(employees.filter(employed_between(first, last)).select_related("department").order_by("code"))
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    cells: dict[Any, dict[date, tuple[str, bool, bool, list[dict[str, Any]]]]] = {}
    for employee_id, day, status, final, manual, parts in AttendanceDay.objects.filter(
        employee__in=[p.pk for p in people], date__gte=first, date__lte=last
    ).values_list("employee_id", "date", "status", "is_final", "is_manual", "parts"):
        cells.setdefault(employee_id, {})[day] = (status, final, manual, parts)
    totals = summary(Employee.objects.filter(pk__in=[p.pk for p in people]), first, last)
    rows = []
    for person in people:
        mine = cells.get(person.pk, {})
        row_cells = []
        for day in days:
            status, final, manual, parts = mine.get(day, ("", True, False, []))
            code = str(CODES.get(DayStatus(status), "")) if status else ""
            if parts and not manual and status != DayStatus.ON_LEAVE:
                # A day of several shifts shows each shift's code ("P/A"); leave and a
                # status set by hand decide for the whole day.
                code = PART_SEPARATOR.join(
                    str(CODES[DayStatus(p["status"])]) if p.get("status") else PENDING_PART for p in parts
                )
            mark = ("" if final or not code else PROVISIONAL_MARK) + (MANUAL_MARK if manual else "")
            cell: dict[str, Any] = {
                "date": day.isoformat(),
                "status": status or None,
                "code": code + mark,
                "is_final": final if status else None,
                "is_manual": manual if status else None,
            }
            if parts:
                cell["parts"] = [{"shift": p["shift"], "code": p["code"], "status": p.get("status")} for p in parts]
            row_cells.append(cell)
        rows.append(RegisterRow(employee=person, cells=row_cells, totals=totals.get(person.pk, Totals())))
    return Register(month=first, days=days, rows=rows)


def register_json(register: Register) -> dict[str, Any]:
    return {
        "month": register.month.strftime("%Y-%m"),
        "days": [d.isoformat() for d in register.days],
        "legend": {str(code): label for code, label in LEGEND},
        "rows": [
            {
                "employee": {
                    "id": str(row.employee.pk),
                    "code": row.employee.code,
                    "name": row.employee.full_name,
                    "department": row.employee.department.name if row.employee.department else None,
                },
                "cells": row.cells,
                "totals": row.totals.as_dict(),
            }
            for row in register.rows
        ],
    }


TOTAL_COLUMNS = [
    ("present", _("Present")),
    ("half_day", _("Half days")),
    ("absent", _("Absent")),
    ("missing_punch", _("Missing punches")),
    ("on_leave", _("Leave")),
    ("holiday", _("Holidays")),
    ("weekly_off", _("Weekly off")),
    ("late_count", _("Late (days)")),
    ("late_minutes", _("Late (min)")),
    ("early_exit_count", _("Early exits")),
    ("early_exit_minutes", _("Early exit (min)")),
    ("overtime_hours", _("Overtime (h)")),
    ("worked_hours", _("Worked (h)")),
    ("provisional", _("Provisional days")),
    ("split_days", _("Days of several shifts")),
    ("shifts_absent", _("Shifts absent")),
]


def register_dataset(register: Register) -> Dataset:
    headers = (
        [gettext("Code"), gettext("Name"), gettext("Department")]
        + [f"{d.day:02d}" for d in register.days]
        + [str(t) for _k, t in TOTAL_COLUMNS]
    )
    dataset = Dataset(headers=headers, title=register.month.strftime("%Y-%m"))
    for row in register.rows:
        dataset.append(
            [row.employee.code, row.employee.full_name, row.employee.department.name if row.employee.department else ""]
            + [cell["code"] for cell in row.cells]
            + _total_values(row)
        )
    return dataset


def _total_values(row: RegisterRow) -> list[Any]:
    totals = row.totals.as_dict()
    return [totals[key] for key, _title in TOTAL_COLUMNS]


# The PDF is read, not summed: hours there are h:mm (etime.core.formatting.duration), while
# the CSV/XLSX keep decimal hours under their "(h)" headings for a spreadsheet.
_PDF_DURATIONS = {"overtime_hours": "overtime_minutes", "worked_hours": "worked_minutes"}


def _pdf_values(row: RegisterRow) -> list[str]:
    totals = row.totals.as_dict()
    return [
        formatting.duration(totals[_PDF_DURATIONS[key]], "min") if key in _PDF_DURATIONS else str(totals[key])
        for key, _title in TOTAL_COLUMNS
    ]


def register_pdf(register: Register, *, now: Any = None) -> bytes:
    """The register as an A4 landscape PDF in the active language, with the moment it was
    made in the active zone (the viewer's on a page; a scheduled report's default)."""
    from etime.core.pdf import render_pdf  # resources from etime's own files only

    html = render_to_string(
        "attendance/register_pdf.html",
        {
            "register": register,
            "legend": LEGEND,
            "total_columns": TOTAL_COLUMNS,
            "rows": [(row, _pdf_values(row)) for row in register.rows],
            "generated_at": now or timezone.now(),
        },
    )
    return render_pdf(html)


def register_response(register: Register, file_format: str) -> HttpResponse:
    """CSV, XLSX or PDF download of the register."""
    stem = f"attendance-register-{register.month:%Y-%m}"
    if file_format == "pdf":
        response = HttpResponse(register_pdf(register), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{stem}.pdf"'
        return response
    fmt = {"csv": CSV, "xlsx": XLSX}[file_format]()
    response = HttpResponse(fmt.export_data(register_dataset(register)), content_type=fmt.get_content_type())
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt.get_extension()}"'
    return response
