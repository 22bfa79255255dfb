"""The database half of a backup: snapshots, native and logical formats, digests.

Engine-neutral pieces work on every model in the app registry (the core imports no app):
``canonical`` digests hash each row as the logical format writes it, summed modulo 2**256
so the order rows come back in (collations differ between engines) does not matter; the
same row on SQLite, PostgreSQL and MariaDB/MySQL hashes the same. ``native`` digests are the engine's
own fast equivalent, used to verify a native dump restored into a scratch database.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from django.apps import apps as global_apps
from django.core.management.color import no_style
from django.db import connections, models, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.utils.duration import duration_string

from etime.ops.errors import ArchiveIncompatible, BackupError

SNAPSHOT_ALIAS = "etime_backup_snapshot"
SCRATCH_ALIAS = "etime_backup_scratch"
_MOD = 2**256


def engine(alias: str = "default") -> str:
    vendor = connections[alias].vendor
    if vendor not in ("postgresql", "mysql", "sqlite"):
        raise BackupError(f"Backups support PostgreSQL, MariaDB/MySQL and SQLite, not {vendor}.")
    return vendor


def backup_models(registry: Any = global_apps) -> list[type[models.Model]]:
    found = [
        m
        for m in registry.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy and not m._meta.swapped
    ]
    return sorted(found, key=lambda m: m._meta.label_lower)


def schema_state(alias: str) -> dict[str, list[str]]:
    applied = MigrationRecorder(connections[alias]).applied_migrations()
    state: dict[str, list[str]] = {}
    for app, name in applied:
        state.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(state.items())}


@contextmanager
def extra_alias(alias: str, **overrides: Any) -> Iterator[str]:
    """A second connection configured like ``default`` (or pointed elsewhere). Built
    directly rather than added to DATABASES: it lives only for this block."""
    from django.db.utils import load_backend

    settings_dict = {**connections["default"].settings_dict, **overrides}
    backend = load_backend(settings_dict["ENGINE"])
    connections[alias] = backend.DatabaseWrapper(settings_dict, alias)
    try:
        yield alias
    finally:
        connections[alias].close()
        del connections[alias]


# --- rows as the logical format writes them -----------------------------------------------
def _encode(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str, list, dict)):
        return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.timedelta):
        return duration_string(value)
    if isinstance(value, (bytes, memoryview, bytearray)):
        return base64.b64encode(bytes(value)).decode()
    return str(value)


def _line(label: str, pk: Any, fields: list[models.Field[Any, Any]], values: Any) -> bytes:
    record = {
        "model": label,
        "pk": _encode(pk),
        "fields": {f.name: _encode(v) for f, v in zip(fields, values, strict=True)},
    }
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _row_lines(model: type[models.Model], alias: str) -> Iterator[bytes]:
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    pk = model._meta.pk
    if pk is None:  # pragma: no cover - every concrete model has one
        raise BackupError(f"{model._meta.label} has no primary key")
    names = [pk.attname] + [f.attname for f in fields]
    label = model._meta.label_lower
    rows = model._base_manager.using(alias).values_list(*names).order_by()
    for row in rows.iterator(chunk_size=5000):
        yield _line(label, row[0], fields, row[1:])


def canonical_digests(alias: str, out: IO[bytes] | None = None) -> dict[str, dict[str, Any]]:
    """Row count and canonical digest per model; with ``out``, also write the logical format
    (a dumpdata-style JSON list, one object per line, loadable by ``loaddata`` too)."""
    result: dict[str, dict[str, Any]] = {}
    first = True
    if out is not None:
        out.write(b"[\n")
    for model in backup_models():
        total = 0
        count = 0
        for line in _row_lines(model, alias):
            total = (total + int.from_bytes(hashlib.sha256(line).digest(), "big")) % _MOD
            count += 1
            if out is not None:
                out.write(line if first else b",\n" + line)
                first = False
        result[model._meta.label_lower] = {"table": model._meta.db_table, "rows": count, "digest": f"{total:064x}"}
    if out is not None:
        out.write(b"\n]\n")
    return result


def _quote(name: str) -> str:
    """A PostgreSQL identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


def _pin_text_output(cursor: Any, *, interval_style: str) -> None:
    """Fix the session settings that shape values as text (for this transaction), so that
    what one connection writes or hashes does not depend on the server's defaults."""
    for setting in (
        "TimeZone = 'UTC'",
        "DateStyle = 'ISO, YMD'",
        f"IntervalStyle = '{interval_style}'",
        "extra_float_digits = 1",
        "bytea_output = 'hex'",
    ):
        cursor.execute(f"SET LOCAL {setting}")


def postgres_digests(cursor: Any, tables: list[str]) -> dict[str, dict[str, Any]]:
    """Per table: rows and a sum of row-text md5s (order-free), computed by PostgreSQL."""
    out: dict[str, dict[str, Any]] = {}
    # The dump's connection and the scratch database's must hash the same row text.
    _pin_text_output(cursor, interval_style="postgres")
    for table in tables:
        cursor.execute(
            f"SELECT count(*), coalesce(sum(('x' || substr(md5(t::text), 1, 15))::bit(60)::bigint), 0)::text "  # noqa: S608
            f"FROM {_quote(table)} AS t"
        )
        rows, digest = cursor.fetchone()
        out[table] = {"rows": rows, "digest": digest}
    return out


def logical_file_digests(logical: Path) -> dict[str, dict[str, Any]]:
    """Row count and canonical digest per model of a logical file, as ``canonical_digests``
    gives them for a database holding exactly those rows (values typed by the current
    models, then encoded the same way). PostgreSQL backups write their logical format with
    COPY and record no canonical digest; a move computes it here instead."""
    by_label = {m._meta.label_lower: m for m in backup_models()}
    non_pk = {label: [f for f in m._meta.concrete_fields if not f.primary_key] for label, m in by_label.items()}
    totals: dict[str, list[int]] = {label: [0, 0] for label in by_label}
    for record in logical_records(logical, by_label):
        model = by_label.get(record["model"])
        if model is None:
            raise ArchiveIncompatible(f"The archive holds rows of an unknown model {record['model']}.")
        instance = _instance(model, record)
        fields = non_pk[record["model"]]
        line = _line(record["model"], instance.pk, fields, [getattr(instance, f.attname) for f in fields])
        slot = totals[record["model"]]
        slot[0] += 1
        slot[1] = (slot[1] + int.from_bytes(hashlib.sha256(line).digest(), "big")) % _MOD
    return {
        label: {"table": by_label[label]._meta.db_table, "rows": count, "digest": f"{total:064x}"}
        for label, (count, total) in totals.items()
    }


COPY_MAGIC = b"etime-logical-copy/1\n"
_COPY_END = b"\\.\n"
_COPY_UNESCAPE = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\"}


def write_postgres_logical(cursor: Any, out: IO[bytes], counts: dict[str, int]) -> None:
    """The logical format on PostgreSQL: per model a JSON header line (model, table, columns,
    fields, rows) and the rows in COPY's text format, ended by ``\\.`` — PostgreSQL's own
    fast, engine-neutral text (NULL as ``\\N``, ISO dates and UTC timestamps, ``t``/``f``,
    JSON as text, bytea as hex). Loaded back with COPY on PostgreSQL, and parsed and typed
    by the models on any other engine (``logical_records``)."""
    _pin_text_output(cursor, interval_style="iso_8601")  # ISO 8601 durations: parse_duration reads them
    raw = cursor.cursor  # psycopg's own cursor, under Django's wrapper
    out.write(COPY_MAGIC)
    for model in backup_models():
        fields = list(model._meta.concrete_fields)
        header = {
            "model": model._meta.label_lower,
            "table": model._meta.db_table,
            "rows": counts[model._meta.db_table],
            "columns": [f.column for f in fields],
            "fields": [f.name for f in fields],
        }
        out.write(json.dumps(header, separators=(",", ":")).encode() + b"\n")
        columns = ", ".join(_quote(f.column) for f in fields)
        # COPY (SELECT …): a partitioned table (the punches, attendance.partitions) has no
        # rows of its own for a plain COPY TO to read.
        with raw.copy(f"COPY (SELECT {columns} FROM {_quote(model._meta.db_table)}) TO STDOUT") as copy:  # noqa: S608
            for chunk in copy:
                out.write(chunk)
        out.write(_COPY_END)


def _copy_sections(source: IO[bytes]) -> Iterator[tuple[dict[str, Any], Iterator[bytes]]]:
    """(header, row lines) per model of a COPY-format logical file; consume the rows before
    asking for the next section."""
    if source.readline() != COPY_MAGIC:
        raise ArchiveIncompatible("The logical file is not in etime's COPY format.")
    while header_line := source.readline():
        header = json.loads(header_line)

        def rows(model: str) -> Iterator[bytes]:
            for line in source:
                if line == _COPY_END:
                    return
                yield line
            raise ArchiveIncompatible(f"The logical file ends inside {model}.")

        yield header, rows(header["model"])


def _copy_field(text: str) -> str:
    out: list[str] = []
    i = 0
    while True:
        j = text.find("\\", i)
        if j < 0:
            out.append(text[i:])
            return "".join(out)
        out.append(text[i:j])
        code = text[j + 1 : j + 2]
        if code in _COPY_UNESCAPE:
            out.append(_COPY_UNESCAPE[code])
            i = j + 2
        elif code == "x":  # \xHH
            out.append(chr(int(text[j + 2 : j + 4], 16)))
            i = j + 4
        else:  # \ooo octal
            k = j + 1
            while k < j + 4 and k < len(text) and text[k] in "01234567":
                k += 1
            out.append(chr(int(text[j + 1 : k], 8)))
            i = k


def _copy_value(field: models.Field[Any, Any], text: str) -> Any:
    """A COPY text value as ``_instance`` takes it (what the JSON format would hold)."""
    if text == "\\N":
        return None
    value = _copy_field(text)
    if isinstance(field, models.JSONField):
        return json.loads(value)
    if isinstance(field, models.BinaryField):
        return base64.b64encode(bytes.fromhex(value[2:])).decode()  # bytea hex: \x…
    return value


def logical_records(
    path: Path, models_by_label: dict[str, type[models.Model]] | None = None
) -> Iterator[dict[str, Any]]:
    """Every row of a logical file (either format) as a dumpdata-style record."""
    by_label = models_by_label or {m._meta.label_lower: m for m in backup_models()}
    with open(path, "rb") as source:
        if source.read(len(COPY_MAGIC)) != COPY_MAGIC:
            source.seek(0)
            for raw in source:
                line = raw.strip().rstrip(b",")
                if line not in (b"[", b"]", b""):
                    yield json.loads(line)
            return
        source.seek(0)
        for header, rows in _copy_sections(source):
            model = by_label.get(header["model"])
            if model is None:
                raise ArchiveIncompatible(f"The archive holds rows of an unknown model {header['model']}.")
            by_name = {f.name: f for f in model._meta.concrete_fields}
            fields = [by_name.get(name) for name in header["fields"]]
            pk = model._meta.pk
            for line in rows:
                values = line.decode().rstrip("\n").split("\t")
                record: dict[str, Any] = {"model": header["model"], "fields": {}}
                for field, text in zip(fields, values, strict=True):
                    if field is None:
                        continue  # a column this schema does not know
                    value = _copy_value(field, text)
                    if field is pk:
                        record["pk"] = value
                    else:
                        record["fields"][field.name] = value
                yield record


def _copy_into_postgres(connection: Any, path: Path) -> None:
    """Load a COPY-format logical file into PostgreSQL with COPY FROM, table by table."""
    raw = connection.connection.cursor()
    with open(path, "rb") as source:
        for header, rows in _copy_sections(source):
            columns = ", ".join(_quote(c) for c in header["columns"])
            with raw.copy(f"COPY {_quote(header['table'])} ({columns}) FROM STDIN") as copy:  # noqa: S608
                buffer: list[bytes] = []
                size = 0
                for line in rows:
                    buffer.append(line)
                    size += len(line)
                    if size >= 1 << 20:
                        copy.write(b"".join(buffer))
                        buffer, size = [], 0
                if buffer:
                    copy.write(b"".join(buffer))


# --- PostgreSQL ---------------------------------------------------------------------------
def _pg_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "PGHOST": str(settings_dict.get("HOST") or "localhost"),
            "PGPORT": str(settings_dict.get("PORT") or "5432"),
            "PGUSER": str(settings_dict.get("USER") or ""),
        }
    )
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    return env


def _run(cmd: list[str], env: dict[str, str]) -> None:
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if proc.returncode != 0:
        raise BackupError(f"{cmd[0]} failed: {proc.stderr.strip()[:2000]}")


def dump_postgres(workdir: Path, *, logical: bool) -> dict[str, Any]:
    """pg_dump and the logical dump read one exported snapshot (REPEATABLE READ): a backup
    taken while writes continue is one consistent moment in both formats."""
    from psycopg import IsolationLevel

    settings_dict = connections["default"].settings_dict
    native_path = workdir / "postgres.dump"
    logical_path = workdir / "logical.pgcopy"
    options = {**settings_dict.get("OPTIONS", {}), "isolation_level": IsolationLevel.REPEATABLE_READ}
    with extra_alias(SNAPSHOT_ALIAS, OPTIONS=options, CONN_MAX_AGE=0) as alias:
        connection = connections[alias]
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            proc = subprocess.Popen(  # noqa: S603
                [  # noqa: S607
                    "pg_dump",
                    "-Fc",
                    "-Z",
                    "1",
                    "--no-owner",
                    f"--snapshot={snapshot}",
                    "-f",
                    str(native_path),
                    settings_dict["NAME"],
                ],  # noqa: S607
                env=_pg_env(settings_dict),
                stderr=subprocess.PIPE,
                text=True,
            )
            try:
                schema = schema_state(alias)
                tables = {m._meta.label_lower: m._meta.db_table for m in backup_models()}
                native = postgres_digests(cursor, sorted(set(tables.values())))
                if logical:
                    with open(logical_path, "wb") as out:
                        write_postgres_logical(cursor, out, {t: d["rows"] for t, d in native.items()})
            finally:
                _, stderr = proc.communicate()
            if proc.returncode != 0:
                raise BackupError(f"pg_dump failed: {stderr.strip()[:2000]}")
    summary = {
        label: {
            "table": table,
            "rows": native[table]["rows"],
            "native_digest": native[table]["digest"],
            "digest": None,  # see logical_file_digests
        }
        for label, table in tables.items()
    }
    return {
        "engine": "postgresql",
        "schema": schema,
        "tables": summary,
        "native": native_path,
        "logical": logical_path if logical else None,
    }


def _maintenance_cursor() -> Any:
    import psycopg

    s = connections["default"].settings_dict
    return psycopg.connect(
        host=s.get("HOST") or "localhost",
        port=s.get("PORT") or 5432,
        user=s.get("USER") or None,
        password=s.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    )


def verify_postgres_native(dump: Path, expected: dict[str, dict[str, Any]]) -> list[str]:
    """Restore into a scratch database and compare every table's rows and digest."""
    import psycopg

    base = connections["default"].settings_dict["NAME"]
    scratch = f"{base}_scratch_{uuid.uuid4().hex[:8]}"
    with _maintenance_cursor() as admin:
        admin.execute(f'CREATE DATABASE "{scratch}"')
    try:
        _run(
            ["pg_restore", "--no-owner", "-j", "2", "-d", scratch, str(dump)],
            _pg_env(connections["default"].settings_dict),
        )
        s = connections["default"].settings_dict
        with (
            psycopg.connect(
                host=s.get("HOST") or "localhost",
                port=s.get("PORT") or 5432,
                user=s.get("USER") or None,
                password=s.get("PASSWORD") or None,
                dbname=scratch,
            ) as conn,
            conn.cursor() as cursor,
        ):
            tables = sorted({t["table"] for t in expected.values()})
            got = postgres_digests(cursor, tables)
    finally:
        with _maintenance_cursor() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
    problems = []
    for label, info in expected.items():
        have = got.get(info["table"])
        if have is None or have["rows"] != info["rows"] or have["digest"] != info["native_digest"]:
            problems.append(
                f"{label}: expected {info['rows']} rows, restored {have['rows'] if have else 'none'} or content differs"
            )
    return problems


def restore_postgres_native(dump: Path) -> None:
    settings_dict = connections["default"].settings_dict
    connections.close_all()
    with connections["default"].cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE")
        cursor.execute("CREATE SCHEMA public")
    connections.close_all()
    _run(["pg_restore", "--no-owner", "-j", "2", "-d", settings_dict["NAME"], str(dump)], _pg_env(settings_dict))


# --- SQLite -------------------------------------------------------------------------------
def dump_sqlite(workdir: Path, *, logical: bool) -> dict[str, Any]:
    """SQLite's online backup API copies a consistent snapshot; everything else (digests, the
    logical format, the schema version) is read from that copy, so all of it agrees."""
    native_path = workdir / "sqlite3.db"
    logical_path = workdir / "logical.json"
    source = connections["default"]
    source.ensure_connection()
    target = sqlite3.connect(native_path)
    try:
        source.connection.backup(target)
    finally:
        target.close()
    with extra_alias(SNAPSHOT_ALIAS, NAME=str(native_path), TEST={"NAME": str(native_path)}, OPTIONS={}) as alias:
        return _snapshot_manifest(
            alias, engine="sqlite", native_path=native_path, logical_path=logical_path if logical else None
        )


def _snapshot_manifest(alias: str, *, engine: str, native_path: Path, logical_path: Path | None) -> dict[str, Any]:
    """What a native backup's manifest says of the snapshot read back under ``alias``: its
    schema and each table's rows and digest (the native file must restore to these), with the
    logical dump written to ``logical_path`` on the way when one is asked for."""
    schema = schema_state(alias)
    if logical_path is not None:
        with open(logical_path, "wb") as out:
            canonical = canonical_digests(alias, out)
    else:
        canonical = canonical_digests(alias)
    return {
        "engine": engine,
        "schema": schema,
        "tables": {label: {**info, "native_digest": info["digest"]} for label, info in canonical.items()},
        "native": native_path,
        "logical": logical_path,
    }


def _differences(expected: dict[str, dict[str, Any]], got: dict[str, dict[str, Any]]) -> list[str]:
    """The tables a restored native backup does not hold as its manifest says."""
    return [
        f"{label}: expected {info['rows']} rows, restored {got.get(label, {}).get('rows')} or content differs"
        for label, info in expected.items()
        if got.get(label, {}).get("digest") != info["native_digest"] or got.get(label, {}).get("rows") != info["rows"]
    ]


def verify_sqlite_native(db_file: Path, expected: dict[str, dict[str, Any]]) -> list[str]:
    check = sqlite3.connect(db_file)
    try:
        (result,) = check.execute("PRAGMA integrity_check").fetchone()
    finally:
        check.close()
    if result != "ok":
        return [f"integrity_check: {result}"]
    with extra_alias(SCRATCH_ALIAS, NAME=str(db_file), TEST={"NAME": str(db_file)}, OPTIONS={}) as alias:
        got = canonical_digests(alias)
    return _differences(expected, got)


def restore_sqlite_native(db_file: Path) -> None:
    target = connections["default"]
    target.close()
    target.ensure_connection()
    source = sqlite3.connect(db_file)
    try:
        source.backup(target.connection)
    finally:
        source.close()


# --- MariaDB / MySQL ----------------------------------------------------------------------
def _mysql_tool(*names: str) -> str:
    for name in names:
        if shutil.which(name):
            return name
    raise BackupError(f"{names[0]} is not installed (Debian: mariadb-client; MySQL: mysql-client).")


def _mysql_args(settings_dict: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Connection options for the command-line tools; the password goes by environment."""
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["MYSQL_PWD"] = str(settings_dict["PASSWORD"])
    args = [
        f"--host={settings_dict.get('HOST') or '127.0.0.1'}",
        f"--port={settings_dict.get('PORT') or 3306}",
        f"--user={settings_dict.get('USER') or 'root'}",
        "--default-character-set=utf8mb4",
    ]
    return args, env


def _mysql_load(dump: Path, database_name: str) -> None:
    args, env = _mysql_args(connections["default"].settings_dict)
    with open(dump, "rb") as source:
        proc = subprocess.run(  # noqa: S603
            [_mysql_tool("mariadb", "mysql"), *args, database_name],
            stdin=source,
            env=env,
            capture_output=True,
            check=False,
        )
    if proc.returncode != 0:
        raise BackupError(f"loading the dump failed: {proc.stderr.decode(errors='replace').strip()[:2000]}")


@contextmanager
def _mysql_scratch() -> Iterator[str]:
    """A scratch database beside ``default``, with its charset and collation; dropped after."""
    settings_dict = connections["default"].settings_dict
    scratch = f"{settings_dict['NAME']}_scratch_{uuid.uuid4().hex[:8]}"[:64]
    test = settings_dict.get("TEST") or {}
    # A connection of its own: DDL commits the transaction it runs in on MariaDB/MySQL.
    with connections["default"]._nodb_cursor() as cursor:
        cursor.execute(
            f"CREATE DATABASE `{scratch}` CHARACTER SET {test.get('CHARSET') or 'utf8mb4'}"
            + (f" COLLATE {test['COLLATION']}" if test.get("COLLATION") else "")
        )
    try:
        yield scratch
    finally:
        with connections["default"]._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{scratch}`")


def dump_mysql(workdir: Path, *, logical: bool) -> dict[str, Any]:
    """mariadb-dump (mysqldump on MySQL) in one consistent snapshot (--single-transaction),
    with the triggers and generated columns. The digests and the logical format are read
    from that dump itself, restored into a scratch database: all of them describe one
    moment even while writes continue."""
    settings_dict = connections["default"].settings_dict
    native_path = workdir / "mysql.sql"
    logical_path = workdir / "logical.json"
    args, env = _mysql_args(settings_dict)
    # The dump streams through this process, so a full disk fails with the OS's own reason.
    proc = subprocess.Popen(  # noqa: S603
        [
            _mysql_tool("mariadb-dump", "mysqldump"),
            *args,
            "--single-transaction",
            "--quick",
            "--triggers",
            "--routines",
            "--hex-blob",
            "--no-tablespaces",
            "--skip-comments",
            settings_dict["NAME"],
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        assert proc.stdout is not None and proc.stderr is not None  # noqa: S101 - both piped
        with open(native_path, "wb") as out:
            shutil.copyfileobj(proc.stdout, out, 1 << 20)
        stderr = proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    if proc.returncode != 0:
        raise BackupError(f"mariadb-dump failed: {stderr.decode(errors='replace').strip()[:2000]}")
    with _mysql_scratch() as scratch:
        _mysql_load(native_path, scratch)
        with extra_alias(SNAPSHOT_ALIAS, NAME=scratch, CONN_MAX_AGE=0) as alias:
            return _snapshot_manifest(
                alias, engine="mysql", native_path=native_path, logical_path=logical_path if logical else None
            )


def verify_mysql_native(dump: Path, expected: dict[str, dict[str, Any]]) -> list[str]:
    """Load the dump into a scratch database and compare every model's rows and digest."""
    with _mysql_scratch() as scratch:
        _mysql_load(dump, scratch)
        with extra_alias(SCRATCH_ALIAS, NAME=scratch, CONN_MAX_AGE=0) as alias:
            got = canonical_digests(alias)
    return _differences(expected, got)


def restore_mysql_native(dump: Path) -> None:
    _wipe("default")
    connections.close_all()
    _mysql_load(dump, connections["default"].settings_dict["NAME"])
    connections.close_all()


# --- logical restore (any engine) ---------------------------------------------------------
def _wipe(alias: str) -> None:
    connection = connections[alias]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
        return
    tables = connection.introspection.table_names()
    if connection.vendor == "mysql":
        with connection.cursor() as cursor:
            cursor.execute("SET FOREIGN_KEY_CHECKS = 0")
            for table in tables:
                cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(table)}")
            cursor.execute("SET FOREIGN_KEY_CHECKS = 1")
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys = OFF")
        for table in tables:
            cursor.execute(f'DROP TABLE IF EXISTS "{table}"')
        cursor.execute("PRAGMA foreign_keys = ON")


def _targets(executor: MigrationExecutor, schema: dict[str, list[str]]) -> list[tuple[str, str]]:
    graph = executor.loader.graph
    targets: list[tuple[str, str]] = []
    for app, names in schema.items():
        nodes = {(app, n) for n in names}
        unknown = [n for n in nodes if n not in graph.nodes]
        if unknown:
            raise ArchiveIncompatible(
                "The archive comes from a newer etime (unknown migrations); upgrade etime first.",
                details={"migrations": [f"{a}.{n}" for a, n in sorted(unknown)]},
            )
        leaves = [n for n in nodes if not any(c in nodes for c in graph.node_map[n].children)]
        targets.extend(sorted(leaves))
    return targets


def restore_logical(logical: Path, schema: dict[str, list[str]], alias: str = "default") -> None:
    """Rebuild the database from the logical format: empty it, migrate to the archive's
    schema, load every row with the historical models of that schema, then migrate on."""
    from django.core.management import call_command

    connection = connections[alias]
    executor = MigrationExecutor(connection)
    targets = _targets(executor, schema)
    _wipe(alias)
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    state_apps = executor.loader.project_state(targets, at_end=True).apps
    models_by_label = {m._meta.label_lower: m for m in backup_models(state_apps)}
    for model in models_by_label.values():
        # bulk_create runs pre_save: auto_now would stamp restore time over the archived
        # values. These are the migration state's own copies of the models, not the app's.
        for field in model._meta.concrete_fields:
            if isinstance(field, models.DateField):
                field.auto_now = field.auto_now_add = False
    tables = sorted({m._meta.db_table for m in models_by_label.values()})
    with transaction.atomic(using=alias):
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"TRUNCATE {', '.join(_quote(t) for t in tables)} RESTART IDENTITY CASCADE")
            elif connection.vendor == "mysql":
                # Rows load model by model, not in foreign-key order: MariaDB/MySQL check each
                # insert at once (PostgreSQL and SQLite at commit), so checks wait until the
                # load is complete. The tables are fresh from migrate: only migrations' rows.
                cursor.execute("SET FOREIGN_KEY_CHECKS = 0")
                for table in tables:
                    cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")  # noqa: S608
            else:
                for table in tables:
                    cursor.execute(f'DELETE FROM "{table}"')  # noqa: S608
        batch: list[models.Model] = []
        current: type[models.Model] | None = None
        with open(logical, "rb") as probe:
            copy_format = probe.read(len(COPY_MAGIC)) == COPY_MAGIC
        if copy_format and connection.vendor == "postgresql":
            _copy_into_postgres(connection, logical)
        else:
            for record in logical_records(logical, models_by_label):
                found = models_by_label.get(record["model"])
                if found is None:
                    raise ArchiveIncompatible(f"The archive holds rows of an unknown model {record['model']}.")
                model = found
                if model is not current:
                    if batch and current is not None:
                        current._base_manager.using(alias).bulk_create(batch, batch_size=1000)
                    batch, current = [], model
                batch.append(_instance(model, record))
                if len(batch) >= 5000:
                    model._base_manager.using(alias).bulk_create(batch, batch_size=1000)
                    batch = []
        if batch and current is not None:
            current._base_manager.using(alias).bulk_create(batch, batch_size=1000)
        sequences = connection.ops.sequence_reset_sql(no_style(), list(models_by_label.values()))
        if sequences:
            with connection.cursor() as cursor:
                for sql in sequences:
                    cursor.execute(sql)
        if connection.vendor == "mysql":
            with connection.cursor() as cursor:
                cursor.execute("SET FOREIGN_KEY_CHECKS = 1")
    call_command("migrate", database=alias, interactive=False, verbosity=0)


def _instance(model: type[models.Model], record: dict[str, Any]) -> models.Model:
    values: dict[str, Any] = {}
    pk = model._meta.pk
    if pk is None:  # pragma: no cover - every concrete model has one
        raise BackupError(f"{model._meta.label} has no primary key")
    values[pk.attname] = (pk.target_field if pk.is_relation else pk).to_python(record["pk"])  # type: ignore[attr-defined]
    fields = record["fields"]
    for field in model._meta.concrete_fields:
        if field.primary_key or field.name not in fields:
            continue
        value = fields[field.name]
        if value is None:
            values[field.attname] = None
        elif field.is_relation:
            values[field.attname] = field.target_field.to_python(value)  # type: ignore[attr-defined]
        elif isinstance(field, models.JSONField):
            values[field.attname] = value
        else:
            values[field.attname] = field.to_python(value)
    return model(**values)
