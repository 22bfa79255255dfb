"""punch_history: the hot punch queries at ten times the stored history (issue 22).

Two databases of the same company, one holding ten times the other's history:
``etime_bench_punch_history`` (the floor: 12 months) and ``etime_bench_punch_history_large``
(120 months, the ten years before the same last month). ``--rows N`` is the large one's
size (default 2,000,000; ``--rows 100000000`` is the issue's 10M/100M run); the company
has N / (120 months × 87 punches) employees, each punching four times every weekday
(arrival, lunch out and in, departure, minutes of jitter), in teams of 10. The punches are
generated in SQL (``generate_series``, month by month, in time order as clocks deliver
them) into the monthly partitions of the punch table (attendance.partitions); the last
twelve months are identical in both databases, so both answer every query with the same
rows, which the harness checks round by round. Both databases are kept and reused while
their size matches (``--fresh`` drops them).

Variants, interleaved round by round (each round one employee, team and workday of the
last eleven months, drawn from the seed, the same for both databases):

- ``person_month_small`` / ``person_month_large``: a person's month of punches, every
  column, in time order (the punch list of one person and month);
- ``team_day_small`` / ``team_day_large``: the recompute's load of a team's day (10
  employees, the day ±3 days as ``attendance.services.recompute`` reads it, voided punches
  left out).

Each query's SQL is the ORM's own (compiled once per round by Django), run on a plain
connection to each database.

Goals (issue 22): person_month large/small ≤ 1.2 and team_day large/small ≤ 1.2, each the
median of the per-round ratios. Also reported: the partitions each plan touches in the
large database (1 for a person's month; a day ±3 days may cross a month's edge: ≤ 2).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bench import common

DESCRIPTION = "attendance: a person's month and a team's day of punches at 10x the stored history (partition pruning)"

NAME = "punch_history"
DEFAULT_ROWS = 2_000_000
SMALL_MONTHS = 12
LARGE_MONTHS = 120
LAST_MONTH = date(2026, 11, 1)
PUNCHES_PER_EMPLOYEE_MONTH = 87  # 4 a weekday, 21.7 weekdays
TEAM = 10
GOAL = 1.2
CODE_PREFIX = "BHIST-"
NAMESPACE = uuid.UUID("6f1d6c1e-2b7e-4a0e-9b62-7d3f1c0ffee0")
DEVICE = uuid.UUID("00000000-0000-4000-8000-0000000b4157")
DATA_VERSION = "v1"
DATABASE_SUFFIXES = ("_large",)
DEFAULT_REPEATS = 100


def _add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def _employee_id(n: int) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, str(n))


def databases() -> list[str]:
    return [common.database_url_for(NAME), common.database_url_for(NAME, "_large")]


def _connect(url: str) -> Any:
    import psycopg

    from bench.common import _server

    server = _server(url)
    if server is None:
        raise common.HarnessError("punch_history needs PostgreSQL")
    name, keywords = server
    return psycopg.connect(**{**keywords, "dbname": name})


def _prepare_large(small_url: str, url: str) -> None:
    """Create the large database as a file copy of the small one's migrated schema; migrate
    it in a child process (Django holds one database) when that copy was not possible."""
    from django.db import connection

    connection.close()  # CREATE DATABASE … TEMPLATE needs the template idle
    common._ensure_postgres_database(url, template=small_url)
    with _connect(url) as conn:
        migrated = conn.execute("SELECT to_regclass('attendance_punch')").fetchone()[0] is not None
    if migrated:
        return
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        check=True,
        env=env,
        stdout=sys.stderr,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    )


def _employees_sql_rows(count: int) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    return [
        {
            "id": _employee_id(i),
            "code": f"{CODE_PREFIX}{i:06d}",
            "first_name": "History",
            "last_name": f"Worker {i}",
            "time_zone": "",
            "device_user_id": str(i + 1),
            "hire_date": date(2010, 1, 1),
            "created_at": now,
            "updated_at": now,
            "email": None,
            "card_number": None,
            "user_id": None,
            "department_id": None,
            "manager_id": None,
            "end_date": None,
            "location_id": None,
        }
        for i in range(count)
    ]


def _load(conn: Any, *, employees: int, months: int) -> dict[str, Any]:
    """Fill one database (reused while the employees, the months and the version match)."""
    from accounts.models import Employee

    marker = f"{DATA_VERSION}:{employees}:{months}:{LAST_MONTH:%Y-%m}"
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM accounts_employee WHERE code NOT LIKE %s", [CODE_PREFIX + "%"])
        if cur.fetchone()[0]:
            raise common.HarnessError("the punch_history database holds employees it did not create (--fresh drops it)")
        cur.execute("SELECT obj_description('attendance_punch'::regclass)")
        if cur.fetchone()[0] == marker:
            cur.execute("SELECT count(*) FROM attendance_punch")
            return {"loaded": False, "punches": cur.fetchone()[0], "load_seconds": 0.0}
        t0 = time.perf_counter()
        print(f"bench: punch_history: {employees} employees, {months} months", file=sys.stderr)
        cur.execute("TRUNCATE attendance_punch, accounts_employee CASCADE")
        fields = list(Employee._meta.concrete_fields)
        columns = ", ".join(f'"{f.column}"' for f in fields)
        with cur.copy(f"COPY accounts_employee ({columns}) FROM STDIN") as copy:
            for row in _employees_sql_rows(employees):
                copy.write_row([row.get(f.attname, f.get_default()) for f in fields])
        cur.execute(
            "CREATE TEMP TABLE bench_staff AS SELECT id, (substring(code from 7))::int AS n, device_user_id "
            "FROM accounts_employee"
        )
        first = _add_months(LAST_MONTH, -(months - 1))
        for k in range(months):
            month = _add_months(first, k)
            start = datetime(month.year, month.month, 1, tzinfo=UTC)
            end_month = _add_months(month, 1)
            end = datetime(end_month.year, end_month.month, 1, tzinfo=UTC)
            cur.execute("SELECT to_regclass(%s)", [f"attendance_punch_p{month:%Y%m}"])
            if cur.fetchone()[0] is None:
                cur.execute(
                    f"CREATE TABLE attendance_punch_p{month:%Y%m} PARTITION OF attendance_punch "
                    f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
                )
            # Four punches a weekday; the minutes of jitter are a function of (employee, day,
            # punch), so the same month is the same rows in both databases.
            cur.execute(
                """
                INSERT INTO attendance_punch (id, "timestamp", source, direction, device_id, device_user_id,
                    raw_state, verify_mode, note, created_at, employee_id, geofence, geofence_flagged)
                SELECT gen_random_uuid(), stamp, 'device', 'unknown', %(device)s, s.device_user_id, 255, 1, '',
                       stamp + interval '1 minute', s.id, '', false
                FROM generate_series(%(start)s::timestamptz, %(end)s::timestamptz - interval '1 day',
                                     interval '1 day') AS d(day)
                CROSS JOIN (VALUES (1, 7 * 60), (2, 12 * 60), (3, 12 * 60 + 30), (4, 16 * 60 + 30)) AS p(k, minute)
                CROSS JOIN bench_staff s
                CROSS JOIN LATERAL (SELECT d.day + make_interval(mins => p.minute
                    + ((s.n * 7919 + extract(doy FROM d.day)::int * 31 + p.k * 13) %% 60))) AS t(stamp)
                WHERE extract(isodow FROM d.day) < 6
                ORDER BY d.day, p.k
                """,
                {"device": DEVICE, "start": start, "end": end},
            )
            conn.commit()
            print(f"bench: punch_history: {month:%Y-%m} loaded ({time.perf_counter() - t0:.0f}s)", file=sys.stderr)
        cur.execute("DROP TABLE bench_staff")
        conn.commit()
        conn.autocommit = True
        cur.execute("VACUUM ANALYZE attendance_punch")
        cur.execute("VACUUM ANALYZE accounts_employee")
        conn.autocommit = False
        cur.execute(f"COMMENT ON TABLE attendance_punch IS '{marker}'")
        cur.execute("SELECT count(*) FROM attendance_punch")
        punches = cur.fetchone()[0]
        conn.commit()
    return {"loaded": True, "punches": punches, "load_seconds": round(time.perf_counter() - t0, 1)}


def _person_month(employee: uuid.UUID, month: date) -> tuple[str, Any]:
    from django.db import connection

    from attendance.models import Punch

    start = datetime(month.year, month.month, 1, tzinfo=UTC)
    following = _add_months(month, 1)
    queryset = Punch.objects.filter(
        employee_id=employee,
        timestamp__gte=start,
        timestamp__lt=datetime(following.year, following.month, 1, tzinfo=UTC),
    ).order_by("timestamp", "id")
    return queryset.query.get_compiler(connection=connection).as_sql()


def _team_day(team: list[uuid.UUID], day: date) -> tuple[str, Any]:
    from django.db import connection

    from attendance.models import Punch

    since = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(days=3)
    until = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=4)
    queryset = (
        Punch.objects.filter(employee_id__in=team, timestamp__gte=since, timestamp__lt=until, void__isnull=True)
        .values_list("employee_id", "timestamp", "direction", "device_id")
        .order_by()
    )
    return queryset.query.get_compiler(connection=connection).as_sql()


def _partitions_in_plan(conn: Any, sql: str, params: Any) -> list[str]:
    with conn.cursor() as cur:
        cur.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cur.fetchall())
    import re

    return sorted(set(re.findall(r"attendance_punch_(?:p\d{6}|default)", plan)))


def run(options: common.Options) -> dict[str, Any]:
    common.django_ready()
    from django.db import connection

    if connection.vendor != "postgresql":
        raise common.HarnessError("punch_history needs PostgreSQL (partitions)")
    rows = options.rows or DEFAULT_ROWS
    employees = max(TEAM, rows // (LARGE_MONTHS * PUNCHES_PER_EMPLOYEE_MONTH))
    small_url, large_url = databases()
    _prepare_large(small_url, large_url)
    small, large = _connect(small_url), _connect(large_url)
    try:
        loads = {
            "small": _load(small, employees=employees, months=SMALL_MONTHS),
            "large": _load(large, employees=employees, months=LARGE_MONTHS),
        }
        small.autocommit = large.autocommit = True
        rng = random.Random(options.seed)
        rounds = options.warmup + options.repeats
        # Not the small database's first month: a team's day reads ±3 days around it.
        months = [_add_months(LAST_MONTH, -k) for k in range(SMALL_MONTHS - 1)]
        draws = []
        for _ in range(rounds):
            month = rng.choice(months)
            day = month + timedelta(days=rng.randrange(28))
            while day.isoweekday() > 5:
                day -= timedelta(days=1)
            first = rng.randrange(0, employees - TEAM + 1, TEAM)
            draws.append(
                {
                    "person": _person_month(_employee_id(rng.randrange(employees)), month),
                    "team": _team_day([_employee_id(first + i) for i in range(TEAM)], day),
                }
            )
        results: dict[str, list[Any]] = {}

        def variant(kind: str, size: str, conn: Any) -> Any:
            calls = iter(draws)

            def call() -> Any:
                sql, params = next(calls)[kind]
                with conn.cursor() as cur:
                    cur.execute(sql, params)
                    return cur.fetchall()

            return call

        variants = {
            f"{kind}_{size}": variant("person" if kind == "person_month" else "team", size, conn)
            for kind in ("person_month", "team_day")
            for size, conn in (("small", small), ("large", large))
        }

        def check(name: str, result: Any) -> None:
            kind = name.rsplit("_", 1)[0]
            results.setdefault(kind, []).append(result)
            if len(results[kind]) == 2:
                a, b = results.pop(kind)
                # Same rows from both databases (ids differ: compare everything else).
                strip = [tuple(v for i, v in enumerate(r) if i != 0) if kind == "person_month" else r for r in a]
                other = [tuple(v for i, v in enumerate(r) if i != 0) if kind == "person_month" else r for r in b]
                key = lambda r: tuple(str(v) for v in r)  # noqa: E731
                if sorted(strip, key=key) != sorted(other, key=key) or not a:
                    raise common.HarnessError(
                        f"{kind}: the two databases answered differently ({len(a)}/{len(b)} rows)"
                    )

        samples = common.run_interleaved(
            variants, repeats=options.repeats, warmup=options.warmup, seed=options.seed, check=check
        )
        person_sql, person_params = _person_month(_employee_id(0), LAST_MONTH)
        team_sql, team_params = _team_day([_employee_id(i) for i in range(TEAM)], LAST_MONTH + timedelta(days=14))
        plans = {
            "person_month": _partitions_in_plan(large, person_sql, person_params),
            "team_day": _partitions_in_plan(large, team_sql, team_params),
        }
        with large.cursor() as cur:
            cur.execute("SELECT count(*) FROM pg_inherits WHERE inhparent = 'attendance_punch'::regclass")
            partitions_large = cur.fetchone()[0]
            cur.execute(
                "SELECT pg_total_relation_size(inhrelid) FROM pg_inherits "
                "WHERE inhparent = 'attendance_punch'::regclass ORDER BY 1 DESC LIMIT 1"
            )
            biggest = cur.fetchone()[0]
            cur.execute(
                "SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits "
                "WHERE inhparent = 'attendance_punch'::regclass"
            )
            total_bytes = int(cur.fetchone()[0])
    finally:
        small.close()
        large.close()
    person = common.paired_median_ratio(samples["person_month_large"], samples["person_month_small"])
    team = common.paired_median_ratio(samples["team_day_large"], samples["team_day_small"])
    goals = [
        common.goal("person_month large/small", person, GOAL, statistic="median of per-round ratios"),
        common.goal("team_day large/small", team, GOAL, statistic="median of per-round ratios"),
    ]
    return {
        "met": all(g["met"] for g in goals) and len(plans["person_month"]) == 1 and len(plans["team_day"]) <= 2,
        "goals": goals,
        "ratios": {
            "person_month": {
                "paired_median": person,
                "p50": common.ratio(samples["person_month_large"], samples["person_month_small"], 50),
                "p90": common.ratio(samples["person_month_large"], samples["person_month_small"], 90),
            },
            "team_day": {
                "paired_median": team,
                "p50": common.ratio(samples["team_day_large"], samples["team_day_small"], 50),
                "p90": common.ratio(samples["team_day_large"], samples["team_day_small"], 90),
            },
        },
        "figures_ms": {name: common.summarize(values) for name, values in samples.items()},
        "parameters": {
            "rows_large": loads["large"]["punches"],
            "rows_small": loads["small"]["punches"],
            "employees": employees,
            "months": {"small": SMALL_MONTHS, "large": LARGE_MONTHS},
            "partitions_large": partitions_large,
            "largest_partition_mib": round(biggest / 2**20, 1),
            "punch_table_large_gib": round(total_bytes / 2**30, 2),
            "partitions_in_plan": plans,
            "load": loads,
            "repeats": options.repeats,
            "warmup": options.warmup,
            **common.environment(),
        },
    }
