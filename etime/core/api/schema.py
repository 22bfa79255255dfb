"""OpenAPI naming for choice fields (shared by every app).

Several resources have a ``status`` with a different set of values (time entries, projects,
timesheets, attendance days, swaps...). drf-spectacular would name their enums ``Status…Enum`` with a hash and
warn; ``NamedChoiceField`` gives each set a stable component name instead
(``TimeEntryStatusEnum``, ``ProjectStatusEnum``, ``TimesheetStatusEnum``).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.types import OpenApiTypes
from rest_framework import serializers


class NamedChoiceField(serializers.ChoiceField):
    def __init__(self, *args: Any, enum_name: str, **kwargs: Any) -> None:
        self.enum_name = enum_name
        super().__init__(*args, **kwargs)


class NamedChoiceFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "etime.core.api.schema.NamedChoiceField"
    match_subclasses = True

    def get_name(self) -> str | None:
        return str(self.target.enum_name)

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        return {"type": "string", "enum": list(self.target.choices)}


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What an export answers: CSV, or with ?file_format=xlsx a workbook. Schemathesis checks the
# content type against these.
FILE_RESPONSES: dict[Any, Any] = {(200, "text/csv"): OpenApiTypes.BINARY, (200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY}
