"""Django's MySQL/MariaDB backend, with two changes:

- Flushing the database (the test suite between transactional tests, ``manage.py flush``)
  empties tables whose triggers refuse deletion (the leave ledger,
  etime/core/db/mysql_schema.py) with TRUNCATE, which fires no trigger, as PostgreSQL's
  flush does; Django's own flush there is DELETE.
- UUIDs are stored as ``char(32)`` on MariaDB too, as on MySQL. MariaDB's own ``uuid`` type
  (10.7+) refuses UUIDs outside RFC 4122's variant (a client's idempotency key may be any
  128-bit value, and PostgreSQL stores it), and one column type keeps dumps and moves
  between MariaDB and MySQL alike."""

from __future__ import annotations

from typing import Any

from django.db.backends.mysql import base
from django.db.backends.mysql.features import DatabaseFeatures as MySQLFeatures
from django.db.backends.mysql.operations import DatabaseOperations as MySQLOperations

from etime.core.db.mysql_schema import LEDGER_TABLE


class DatabaseOperations(MySQLOperations):
    def sql_flush(self, style: Any, tables: Any, *, reset_sequences: bool = False, allow_cascade: bool = False) -> list[str]:
        sql = super().sql_flush(style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        delete = f"{style.SQL_KEYWORD('DELETE')} {style.SQL_KEYWORD('FROM')} {style.SQL_FIELD(self.quote_name(LEDGER_TABLE))};"
        truncate = f"{style.SQL_KEYWORD('TRUNCATE')} {style.SQL_FIELD(self.quote_name(LEDGER_TABLE))};"
        return [truncate if statement == delete else statement for statement in sql]


class DatabaseFeatures(MySQLFeatures):
    has_native_uuid_field = False  # type: ignore[assignment]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
    features_class = DatabaseFeatures
