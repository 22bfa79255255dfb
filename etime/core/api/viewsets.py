"""Base classes every etime API view uses, so conventions apply everywhere at once."""

from __future__ import annotations

from rest_framework import generics, mixins, viewsets

from etime.core.api.idempotency import IdempotencyMixin


class EtimeGenericViewSet(IdempotencyMixin, viewsets.GenericViewSet):
    """Set ``scope_area`` (token scopes) and ``cursor_ordering`` (a unique, indexed field)."""

    scope_area: str | None = None
    cursor_ordering: tuple[str, ...] | None = None


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


class EtimeAPIView(IdempotencyMixin, generics.GenericAPIView):
    scope_area: str | None = None
