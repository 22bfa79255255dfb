"""Base classes every etime API view uses, so conventions apply everywhere at once."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import generics, mixins, viewsets

from etime.core.api.idempotency import IdempotencyMixin

# Query parameters that never filter: with only these, the filter backends are skipped.
NON_FILTER_PARAMS = frozenset({"limit", "cursor", "file_format", "format"})


class EtimeGenericViewSet(IdempotencyMixin, viewsets.GenericViewSet[Any]):
    """Set ``scope_area`` (token scopes) and ``cursor_ordering`` (a unique, indexed field)."""

    scope_area: str | None = None
    cursor_ordering: tuple[str, ...] | None = None

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        # Building a FilterSet, its form and bound form costs more than the page query
        # itself (bench api_list); an unfiltered list needs none of it. Filters with
        # defaults or required filters would need the backend: none of ours have them.
        if NON_FILTER_PARAMS.issuperset(self.request.query_params):
            return queryset
        return super().filter_queryset(queryset)


class EtimeModelViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    mixins.ListModelMixin,
    EtimeGenericViewSet,
):
    pass


class EtimeReadOnlyViewSet(mixins.RetrieveModelMixin, mixins.ListModelMixin, EtimeGenericViewSet):
    pass


class EtimeAPIView(IdempotencyMixin, generics.GenericAPIView[Any]):
    scope_area: str | None = None
