"""Row locks in queries: ``FOR UPDATE OF`` only where the engine has it."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import connections
from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)


def for_update(queryset: QuerySet[M], *, of: tuple[str, ...] = (), **options: Any) -> QuerySet[M]:
    """``queryset.select_for_update(of=of, **options)``. PostgreSQL and MySQL 8 lock only the
    rows of ``of``; MariaDB has no ``FOR UPDATE OF``, so there the joined rows are locked too
    (a little more than needed, never less). SQLite ignores row locks (its transactions
    are IMMEDIATE: one writer at a time)."""
    if of and connections[queryset.db].features.has_select_for_update_of:
        return queryset.select_for_update(of=of, **options)
    return queryset.select_for_update(**options)
