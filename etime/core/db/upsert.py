"""Insert-or-skip and insert-or-update, in each engine's own words.

PostgreSQL and SQLite: ``INSERT … ON CONFLICT (columns) DO NOTHING`` / ``DO UPDATE SET``.
MariaDB/MySQL: ``INSERT IGNORE`` / ``INSERT … ON DUPLICATE KEY UPDATE``; there a conflict
on any unique key of the table counts, so the callers' tables have exactly one unique key
besides the primary key that a row can collide on (a collision on the primary key cannot
happen: ids are generated UUIDs).

The helpers return SQL text around a row source (``VALUES (…), (…)`` or a ``SELECT``);
table and column names are quoted here, values stay bound parameters of the caller.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from django.db import connections
from django.db.models import Model

from etime.core.db.engines import engine

M = TypeVar("M", bound=Model)


def _quote(name: str, using: str) -> str:
    return connections[using].ops.quote_name(name)


def insert_ignore_sql(
    table: str,
    columns: Sequence[str],
    source: str,
    *,
    conflict: Sequence[str],
    conflict_where: str = "",
    using: str = "default",
) -> str:
    """``INSERT INTO table (columns) <source>``, skipping rows that collide on the unique
    key over ``conflict`` (a partial one when ``conflict_where`` is given: PostgreSQL and
    SQLite name its predicate; MariaDB/MySQL key it by a generated column)."""
    q = lambda name: _quote(name, using)  # noqa: E731
    names = ", ".join(q(c) for c in columns)
    if engine(using) == "mysql":
        return f"INSERT IGNORE INTO {q(table)} ({names}) {source}"
    where = f" WHERE {conflict_where}" if conflict_where else ""
    return (
        f"INSERT INTO {q(table)} ({names}) {source} ON CONFLICT ({', '.join(q(c) for c in conflict)}){where} DO NOTHING"
    )


def upsert_sql(
    table: str,
    columns: Sequence[str],
    source: str,
    *,
    conflict: Sequence[str],
    replace: Sequence[str] = (),
    increment: Sequence[str] = (),
    using: str = "default",
) -> str:
    """``INSERT INTO table (columns) <source>``; a row that collides on the unique key over
    ``conflict`` updates the stored one instead: the ``replace`` columns take the new row's
    values, the ``increment`` columns go up by one."""
    q = lambda name: _quote(name, using)  # noqa: E731
    names = ", ".join(q(c) for c in columns)
    head = f"INSERT INTO {q(table)} ({names}) {source}"
    if engine(using) == "mysql":
        # VALUES(col) is the new row's value (MariaDB has no row alias; MySQL 8 still takes it).
        sets = [f"{q(c)} = {q(c)} + 1" for c in increment] + [f"{q(c)} = VALUES({q(c)})" for c in replace]
        return f"{head} ON DUPLICATE KEY UPDATE {', '.join(sets)}"
    sets = [f"{q(c)} = {q(table)}.{q(c)} + 1" for c in increment] + [f"{q(c)} = EXCLUDED.{q(c)}" for c in replace]
    return f"{head} ON CONFLICT ({', '.join(q(c) for c in conflict)}) DO UPDATE SET {', '.join(sets)}"


def bulk_upsert(
    model: type[M],
    objects: Sequence[M],
    *,
    unique_fields: Sequence[str],
    update_fields: Sequence[str],
    batch_size: int | None = None,
    using: str = "default",
) -> None:
    """``bulk_create`` that updates ``update_fields`` of rows colliding on ``unique_fields``.
    MariaDB/MySQL cannot name the key (``ON DUPLICATE KEY`` takes any): Django refuses
    ``unique_fields`` there, so they are left out."""
    options: dict[str, Any] = {"update_conflicts": True, "update_fields": list(update_fields)}
    if connections[using].features.supports_update_conflicts_with_target:
        options["unique_fields"] = list(unique_fields)
    for start in range(0, len(objects), batch_size or max(len(objects), 1)):
        model._default_manager.using(using).bulk_create(
            objects[start : start + (batch_size or len(objects))], **options
        )
