"""The schema guarantees MariaDB/MySQL keep by their own means (migration
``core.0004_engine_guarantees``).

Partial unique rules. MariaDB and MySQL have no partial indexes, so Django skips a
``UniqueConstraint`` with a condition there (check models.W036). Each such rule becomes a
unique key of the same name over the constraint's columns, where a column the condition
guards is replaced by a stored generated column that holds the value when the condition
holds and NULL otherwise: a unique key never lets two equal rows in, and NULLs never
collide. A rule whose condition is only "this column is not NULL" needs no generated
column. ``PARTIAL_UNIQUE`` below lists every conditional unique constraint of the models
(etime/core/tests/test_db.py checks that none is missing).

The leave ledger is immutable: ``BEFORE UPDATE`` and ``BEFORE DELETE`` triggers signal an
error that Django raises as ``IntegrityError``, as PostgreSQL's trigger does.

The lock table behind ``etime.core.db.xact_lock`` is created on every engine.
"""

from __future__ import annotations

from typing import Any

# constraint name → (app label, model name, {field guarded: SQL condition over columns}).
PARTIAL_UNIQUE: dict[str, tuple[str, str, dict[str, str]]] = {
    "punch_unique_per_device": ("attendance", "Punch", {}),  # device_id IS NOT NULL
    "timeentry_one_running_timer": ("timesheets", "TimeEntry", {"employee": "`end` IS NULL"}),
    "rate_unique_task_day": ("timesheets", "Rate", {"task": "`level` = 'task'"}),
    "rate_unique_project_day": ("timesheets", "Rate", {"project": "`level` = 'project'"}),
    "rate_unique_client_day": ("timesheets", "Rate", {"client": "`level` = 'client'"}),
    "rate_unique_employee_day": ("timesheets", "Rate", {"employee": "`level` = 'employee'"}),
    "invoice_unique_number": ("billing", "Invoice", {"number": "`number` <> ''"}),
    "invoice_unique_sequence": ("billing", "Invoice", {}),  # sequence_number IS NOT NULL
    "approval_one_pending_per_object": ("core", "ApprovalRequest", {"object_id": "`status` = 'pending'"}),
    "device_serial_unique": ("devices", "Device", {"serial_number": "`serial_number` <> ''"}),
    # Several shifts a day: one replacing override per person and date, each added shift once.
    "override_unique_employee_date_replacing": ("attendance", "ShiftOverride", {"employee": "NOT `adds`"}),
    "override_unique_added_shift": ("attendance", "ShiftOverride", {"employee": "`adds`"}),
    # django-allauth's e-mail addresses (sign-in by e-mail, SSO): one primary address per
    # user, a verified address belongs to one user.
    "unique_primary_email": ("account", "EmailAddress", {"primary": "`primary`"}),
    "unique_verified_email": ("account", "EmailAddress", {"email": "`verified`"}),
}

LOCK_TABLE_SQL = "CREATE TABLE etime_lock (name VARCHAR(64) NOT NULL PRIMARY KEY)"
LEDGER_TABLE = "leave_ledgerentry"
LEDGER_MESSAGE = "leave ledger entries are immutable; post a correcting entry"
# 3819 is MySQL's "check constraint violated", which Django's MySQL backend raises as
# IntegrityError (as it does MariaDB's 4025); both servers accept any errno in SIGNAL.
LEDGER_TRIGGERS = [
    f"CREATE TRIGGER leave_ledger_no_{event.lower()} BEFORE {event} ON {LEDGER_TABLE} FOR EACH ROW "
    f"SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '{LEDGER_MESSAGE}', MYSQL_ERRNO = 3819"
    for event in ("UPDATE", "DELETE")
]


def generated_column(constraint: str, field: str) -> str:
    return f"etime_{constraint}_{field}"[:64]


def _column_type(cursor: Any, table: str, column: str) -> str:
    cursor.execute(
        "SELECT COLUMN_TYPE FROM information_schema.COLUMNS "
        "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s AND COLUMN_NAME = %s",
        [table, column],
    )
    return str(cursor.fetchone()[0])


def partial_unique_sql(apps: Any, schema_editor: Any, constraint: str) -> list[str]:
    app_label, model_name, guards = PARTIAL_UNIQUE[constraint]
    model = apps.get_model(app_label, model_name)
    rules = [c for c in model._meta.constraints if c.name == constraint]
    if not rules:
        return []  # a third-party rule its own settings left out
    quote = schema_editor.quote_name
    table = model._meta.db_table
    statements, key_columns = [], []
    with schema_editor.connection.cursor() as cursor:
        for name in rules[0].fields:
            column = model._meta.get_field(name).column
            if name not in guards:
                key_columns.append(quote(column))
                continue
            generated = generated_column(constraint, name)
            kind = _column_type(cursor, table, column)
            statements.append(
                f"ALTER TABLE {quote(table)} ADD COLUMN {quote(generated)} {kind} "
                f"AS (CASE WHEN {guards[name]} THEN {quote(column)} END) STORED"
            )
            key_columns.append(quote(generated))
    statements.append(
        f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(constraint)} UNIQUE ({', '.join(key_columns)})"
    )
    return statements


def forwards(apps: Any, schema_editor: Any) -> None:
    schema_editor.execute(LOCK_TABLE_SQL)
    if schema_editor.connection.vendor != "mysql":
        return
    for constraint in PARTIAL_UNIQUE:
        for statement in partial_unique_sql(apps, schema_editor, constraint):
            schema_editor.execute(statement)
    for statement in LEDGER_TRIGGERS:
        schema_editor.execute(statement)


def backwards(apps: Any, schema_editor: Any) -> None:
    schema_editor.execute("DROP TABLE etime_lock")
    if schema_editor.connection.vendor != "mysql":
        return
    quote = schema_editor.quote_name
    for event in ("update", "delete"):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS leave_ledger_no_{event}")
    for constraint, (app_label, model_name, guards) in PARTIAL_UNIQUE.items():
        model = apps.get_model(app_label, model_name)
        if not any(c.name == constraint for c in model._meta.constraints):
            continue
        table = quote(model._meta.db_table)
        schema_editor.execute(f"ALTER TABLE {table} DROP INDEX {quote(constraint)}")
        for field in guards:
            schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN {quote(generated_column(constraint, field))}")
