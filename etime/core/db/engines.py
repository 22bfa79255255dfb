"""Which engine a connection talks to, as the three families etime supports."""

from __future__ import annotations

from typing import Literal

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

Engine = Literal["postgresql", "mysql", "sqlite"]
SUPPORTED: tuple[Engine, ...] = ("postgresql", "mysql", "sqlite")


def engine(using: str = "default") -> Engine:
    """``postgresql``, ``mysql`` (MariaDB or MySQL) or ``sqlite``; anything else is refused."""
    return engine_of(connections[using])


def engine_of(connection: BaseDatabaseWrapper) -> Engine:
    vendor = connection.vendor
    if vendor not in SUPPORTED:
        raise RuntimeError(f"etime supports PostgreSQL, MariaDB/MySQL and SQLite, not {vendor}.")
    return vendor  # type: ignore[return-value]


def is_mariadb(using: str = "default") -> bool:
    connection = connections[using]
    return connection.vendor == "mysql" and bool(getattr(connection, "mysql_is_mariadb", False))


def has_exclusion_constraints(using: str = "default") -> bool:
    """Whether the schema itself refuses overlapping time entries (PostgreSQL's exclusion
    constraint). Elsewhere the writer holds a per-person lock around check and write."""
    return engine(using) == "postgresql"
