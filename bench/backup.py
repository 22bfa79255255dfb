"""Backup with verification vs bare pg_dump + pg_restore of the same database (issue 9).

The database holds 1,000,000 time entries (loaded with COPY by bench.time_entries' loader,
reused while the count matches). Variants, interleaved per round:

- ``floor``: ``pg_dump -Fc`` to a file, then ``pg_restore -j 2`` into a new scratch
  database (dropped afterwards): the bare cost of dumping and restoring.
- ``backup``: ``etime.ops.backup.service.backup_create`` with the defaults: snapshot,
  native dump, logical format, archive with manifest, whole-archive checksum, read-back,
  restore of the native dump into a scratch database and comparison of every table.
- ``backup_native``: the same with ``--no-logical`` (ETIME_BACKUP_LOGICAL=false).

Goal: ``backup / floor`` (median of paired rounds) ≤ 1.5. ``--repeats`` is capped at 3 and
``--warmup`` at 0 (each call takes tens of seconds). ``--rows`` sets the entries (default 1M).
Database: its own, ``etime_bench_backup`` (``bench.common.database_url_for``), created as a
copy of ``etime_bench_time_entries`` when that exists (the same data), else loaded.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

from bench import common

DESCRIPTION = "backup + verified restore of 1M time entries vs bare pg_dump/pg_restore"
GOAL = 1.5
MAX_REPEATS = 3


def _pg(cmd: list[str], env: dict[str, str]) -> None:
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if proc.returncode != 0:
        raise common.HarnessError(f"{cmd[0]} failed: {proc.stderr[:500]}")


def run(options: common.Options) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="etime-bench-backup-"))
    os.environ["ETIME_BACKUP_DIR"] = str(work / "archives")
    os.environ["ETIME_MEDIA_ROOT"] = str(work / "media")
    os.environ["ETIME_BACKUP_KEY"] = ""
    # The same rows as time_entries' big database (same loader, same seed): start from a
    # copy of it when it exists rather than loading a million entries again.
    common._ensure_postgres_database(os.environ["DATABASE_URL"], template=common.database_url_for("time_entries"))
    common.django_ready()
    from django.conf import settings
    from django.db import connection

    from bench import time_entries
    from etime.ops.backup import database
    from etime.ops.backup.service import backup_create, storage

    settings.ETIME_BACKUP_DIR = work / "archives"
    settings.MEDIA_ROOT = work / "media"
    employees = (options.rows or 1_000_000) // time_entries.ENTRIES_PER_EMPLOYEE
    load = time_entries._load(employees, options.seed)
    settings_dict = connection.settings_dict
    env = database._pg_env(settings_dict)
    name = settings_dict["NAME"]

    def floor() -> None:
        dump = work / "floor.dump"
        scratch = f"{name}_floor_{uuid.uuid4().hex[:6]}"
        _pg(["pg_dump", "-Fc", "-f", str(dump), name], env)
        _pg(["createdb", scratch], env)
        try:
            _pg(["pg_restore", "--no-owner", "-j", "2", "-d", scratch, str(dump)], env)
        finally:
            _pg(["dropdb", "--force", scratch], env)
            dump.unlink(missing_ok=True)

    def backup(logical: bool) -> Any:
        result = backup_create(logical=logical, verify=True)
        if not result.record.verified:
            raise common.HarnessError("backup not verified")
        storage().delete(result.name)
        storage().delete(result.name + ".sha256")
        return result

    repeats = max(1, min(options.repeats, MAX_REPEATS))
    samples = common.run_interleaved(
        {"floor": floor, "backup": lambda: backup(True), "backup_native": lambda: backup(False)},
        repeats=repeats,
        warmup=0,
        seed=options.seed,
    )
    from timesheets.models import TimeEntry

    ratio = common.paired_median_ratio(samples["backup"], samples["floor"])
    ratio_native = common.paired_median_ratio(samples["backup_native"], samples["floor"])
    print(f"bench: backup/floor {ratio:.2f}, native-only/floor {ratio_native:.2f}", file=sys.stderr)
    return {
        "benchmark": "backup",
        "rows": TimeEntry.objects.count(),
        "load": load,
        "variants": {k: common.summarize(v) for k, v in samples.items()},
        "ratios": {"backup_vs_floor": round(ratio, 3), "backup_native_vs_floor": round(ratio_native, 3)},
        "goals": [
            common.goal("backup_vs_floor", ratio, GOAL, statistic="paired median"),
            common.goal("backup_native_vs_floor", ratio_native, GOAL, statistic="paired median"),
        ],
        "met": ratio <= GOAL,
    }
