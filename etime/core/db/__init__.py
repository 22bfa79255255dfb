"""The database engines behind one small interface per guarantee (docs/ARCHITECTURE.md
"Database engines").

etime runs on PostgreSQL, MariaDB ≥ 10.6 / MySQL ≥ 8.0 and SQLite (the embedded default).
Where they differ in how a guarantee is kept, services call one of these helpers instead of
branching on ``connection.vendor``:

- ``upsert``: insert rows, and on a unique-key conflict either skip them or update them
  (``ON CONFLICT`` on PostgreSQL and SQLite, ``INSERT IGNORE`` / ``ON DUPLICATE KEY
  UPDATE`` on MariaDB/MySQL), also for ``bulk_create``;
- ``locks``: a lock held until the calling transaction ends, per (namespace, key):
  PostgreSQL's advisory locks, a locked row on MariaDB/MySQL, SQLite's IMMEDIATE
  transactions; ``retry_deadlocks`` runs a transaction again, a bounded number of times,
  when the engine chose it as a deadlock victim;
- ``for_update``: ``select_for_update(of=…)`` where the engine has ``FOR UPDATE OF``, and
  the plain form (which locks the joined rows too) where it does not.

Partial unique rules, the time-entry overlap rule and the leave ledger's immutability are
kept in the schema: PostgreSQL and SQLite by the models' constraints and migrations,
MariaDB/MySQL by generated columns with unique keys and triggers (``mysql_schema``).
"""

from __future__ import annotations

from etime.core.db.engines import engine, has_exclusion_constraints
from etime.core.db.locks import retry_deadlocks, xact_lock
from etime.core.db.queries import for_update
from etime.core.db.upsert import bulk_upsert, insert_ignore_sql, upsert_sql

__all__ = [
    "bulk_upsert",
    "engine",
    "for_update",
    "has_exclusion_constraints",
    "insert_ignore_sql",
    "retry_deadlocks",
    "upsert_sql",
    "xact_lock",
]
