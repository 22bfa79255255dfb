"""django-import-export resources for attendance, shared by admin, API and page exports."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from import_export import fields, resources

from attendance.models import DAY_RESULT_FIELDS, AttendanceDay


class AttendanceDayResource(resources.ModelResource):
    employee_code = fields.Field(attribute="employee__code", column_name="employee_code", readonly=True)
    employee_name = fields.Field(column_name="employee_name", readonly=True)
    department = fields.Field(attribute="employee__department__name", column_name="department", readonly=True)
    shift = fields.Field(attribute="shift__code", column_name="shift", readonly=True)

    class Meta:
        model = AttendanceDay
        fields = (
            "employee_code",
            "employee_name",
            "department",
            "date",
            *DAY_RESULT_FIELDS,
        )
        export_order = fields

    def filter_export(self, queryset: Any, **kwargs: Any) -> Any:
        # Every row names its employee, department and shift: joined in the one query, or
        # an export of a year's days issued a query per row (a gunicorn worker timed out).
        if isinstance(queryset, QuerySet):
            return queryset.select_related("employee__department", "shift")
        return queryset

    def dehydrate_shift(self, day: AttendanceDay) -> str:
        # A day of several shifts names them all, in planned order ("M+E").
        if day.parts:
            return "+".join(part["code"] for part in day.parts)
        return day.shift.code if day.shift else ""

    def dehydrate_employee_name(self, day: AttendanceDay) -> str:
        return day.employee.full_name
