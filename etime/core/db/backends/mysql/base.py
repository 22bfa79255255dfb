"""Django's MySQL/MariaDB backend, with one change: flushing the database (the test
suite between transactional tests, ``manage.py flush``) empties tables whose triggers
refuse deletion (the leave ledger, etime/core/db/mysql_schema.py) with TRUNCATE, which
fires no trigger, as PostgreSQL's flush does; Django's own flush there is DELETE."""

from __future__ import annotations

from typing import Any

from django.db.backends.mysql import base
from django.db.backends.mysql.operations import DatabaseOperations as MySQLOperations

from etime.core.db.mysql_schema import LEDGER_TABLE


class DatabaseOperations(MySQLOperations):
    def sql_flush(
        self, style: Any, tables: Any, *, reset_sequences: bool = False, allow_cascade: bool = False
    ) -> list[str]:
        sql = super().sql_flush(style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        delete = f"{style.SQL_KEYWORD('DELETE')} {style.SQL_KEYWORD('FROM')} {style.SQL_FIELD(self.quote_name(LEDGER_TABLE))};"
        truncate = f"{style.SQL_KEYWORD('TRUNCATE')} {style.SQL_FIELD(self.quote_name(LEDGER_TABLE))};"
        return [truncate if statement == delete else statement for statement in sql]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
