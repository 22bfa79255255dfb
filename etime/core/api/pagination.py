"""Cursor pagination for every list: ``?limit=`` clamped to 1..100 (default 50).

Cursor (keyset) pagination keeps deep pages as cheap as the first one, and an opaque
cursor survives rows inserted between page loads. Each viewset orders by a unique,
indexed field (``ordering``), so the cursor never needs an offset to break ties.
"""

from __future__ import annotations

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request

MIN_LIMIT = 1
MAX_LIMIT = 100
DEFAULT_LIMIT = 50


class EtimeCursorPagination(CursorPagination):
    page_size = DEFAULT_LIMIT
    page_size_query_param = "limit"
    max_page_size = MAX_LIMIT
    ordering = "-id"

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":
            return DEFAULT_LIMIT
        try:
            value = int(raw)
        except ValueError:
            raise ValidationError({"limit": [f"Must be a whole number from {MIN_LIMIT} to {MAX_LIMIT}."]}) from None
        return max(MIN_LIMIT, min(MAX_LIMIT, value))

    def get_ordering(self, request, queryset, view):
        return getattr(view, "cursor_ordering", None) or super().get_ordering(request, queryset, view)

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["required"] = ["results", "next", "previous"]
        return response
