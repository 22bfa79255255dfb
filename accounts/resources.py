"""django-import-export resources for people, shared by admin, API and page exports."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from import_export import fields, resources
from import_export.formats.base_formats import CSV, XLSX
from rest_framework.exceptions import ValidationError

from accounts.models import Employee

FORMATS = {"csv": CSV, "xlsx": XLSX}


class EmployeeResource(resources.ModelResource):
    department = fields.Field(attribute="department__name", column_name="department", readonly=True)
    location = fields.Field(attribute="location__name", column_name="location", readonly=True)
    manager_code = fields.Field(attribute="manager__code", column_name="manager_code", readonly=True)

    class Meta:
        model = Employee
        fields = (
            "id",
            "code",
            "first_name",
            "last_name",
            "email",
            "department",
            "location",
            "manager_code",
            "time_zone",
            "hire_date",
            "end_date",
            "device_user_id",
            "card_number",
        )
        export_order = fields


def export_response(
    resource: resources.ModelResource, queryset: QuerySet[Any], file_format: str, stem: str
) -> HttpResponse:
    fmt_class = FORMATS.get(file_format)
    if fmt_class is None:
        raise ValidationError({"file_format": [f"Choose one of {', '.join(FORMATS)}."]})
    fmt = fmt_class()
    dataset = resource.export(queryset=queryset)
    response = HttpResponse(fmt.export_data(dataset), content_type=fmt.get_content_type())
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt.get_extension()}"'
    return response
